//! Per-request batch loaders: child lists and parent lookups that a page of objects needs are
//! fetched in one statement for the whole page instead of one per object.
//!
//! A [`RequestLoader`] is made for each operation with the operation's actor, so its cache
//! never crosses tenants or requests; parent lookups read through [`Actor::select`], so a
//! parent the actor may not see answers `NOT_FOUND` exactly as a direct read would.

use crate::context::AppState;
use crate::entities::unit;
use crate::error::{ApiError, ApiResult};
use crate::tenancy::{Actor, Tenanted};
use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    FromQueryResult, Iterable, ModelTrait, PrimaryKeyToColumn, QueryFilter, Statement, Value,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::{Mutex, MutexGuard, PoisonError};
use uuid::Uuid;

/// The loaders of one operation.
pub type Loaders = DataLoader<RequestLoader>;

/// Makes the loaders for one operation of `actor` (none for an anonymous caller).
pub fn for_request(state: &AppState, actor: Option<Actor>) -> Loaders {
    DataLoader::new(
        RequestLoader {
            db: state.db.clone(),
            actor,
            prefetched_units: Mutex::default(),
        },
        tokio::spawn,
    )
}

/// Loads on behalf of one operation's actor.
pub struct RequestLoader {
    db: DatabaseConnection,
    actor: Option<Actor>,
    /// Units loaded with a list of builds ahead of their resolvers, taken by them once.
    prefetched_units: Mutex<HashMap<UnitsOfBuild, Vec<unit::Model>>>,
}

impl RequestLoader {
    fn actor(&self) -> ApiResult<&Actor> {
        self.actor.as_ref().ok_or(ApiError::Unauthenticated)
    }
}

/// The first `limit` units of a build, by serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnitsOfBuild {
    /// The build, already visible to the actor.
    pub build_id: Uuid,
    /// How many units at most.
    pub limit: u64,
}

impl Loader<UnitsOfBuild> for RequestLoader {
    type Value = Vec<unit::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[UnitsOfBuild],
    ) -> Result<HashMap<UnitsOfBuild, Vec<unit::Model>>, ApiError> {
        // One statement per distinct page size (a query asks for one size almost always).
        let mut by_limit: BTreeMap<u64, Vec<Uuid>> = BTreeMap::new();
        for key in keys {
            by_limit.entry(key.limit).or_default().push(key.build_id);
        }
        let mut found = HashMap::with_capacity(keys.len());
        for (limit, builds) in by_limit {
            found.extend(first_units(&self.db, &builds, limit).await?);
        }
        Ok(found)
    }
}

/// Loads the first units of `builds` for each page size in `limits` ahead of their resolvers
/// (a list of builds knows from the query which units its builds will be asked for), so each
/// build takes its units without waiting for a batch (see [`units_of_build`]). `builds` must be visible to the
/// operation's actor.
pub async fn prefetch_units(
    loaders: &Loaders,
    db: &DatabaseConnection,
    builds: &[Uuid],
    limits: &BTreeSet<u64>,
) -> ApiResult<()> {
    if builds.is_empty() {
        return Ok(());
    }
    for limit in limits {
        let found = first_units(db, builds, *limit).await?;
        prefetched(loaders).extend(found);
    }
    Ok(())
}

fn prefetched(loaders: &Loaders) -> MutexGuard<'_, HashMap<UnitsOfBuild, Vec<unit::Model>>> {
    loaders
        .loader()
        .prefetched_units
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// The first units of a build: those its list prefetched, or else loaded in one batch with the
/// other builds that ask.
pub async fn units_of_build(loaders: &Loaders, key: UnitsOfBuild) -> ApiResult<Vec<unit::Model>> {
    let taken = prefetched(loaders).remove(&key);
    match taken {
        Some(units) => Ok(units),
        None => Ok(loaders.load_one(key).await?.unwrap_or_default()),
    }
}

/// The first `limit` units of each build of `builds`, by serial, keyed for the loaders (a build
/// without units gets an empty list).
async fn first_units(
    db: &DatabaseConnection,
    builds: &[Uuid],
    limit: u64,
) -> ApiResult<HashMap<UnitsOfBuild, Vec<unit::Model>>> {
    let mut found: HashMap<UnitsOfBuild, Vec<unit::Model>> = builds
        .iter()
        .map(|build_id| {
            let key = UnitsOfBuild {
                build_id: *build_id,
                limit,
            };
            (key, Vec::new())
        })
        .collect();
    let rows = db
        .query_all_raw(first_units_statement(
            db.get_database_backend(),
            builds,
            limit,
        ))
        .await?;
    for row in rows {
        let row = unit::Model::from_position(&row)?;
        let key = UnitsOfBuild {
            build_id: row.build_id,
            limit,
        };
        if let Some(units) = found.get_mut(&key) {
            units.push(row);
        }
    }
    Ok(found)
}

/// The first `limit` units by serial of each build in `builds`, in one statement: a lateral
/// join walking the `(build_id, serial)` index on PostgreSQL, a window over the same index on
/// SQLite. On PostgreSQL the lateral subquery runs once per build and yields that build's units
/// in index order, which is all the caller needs (it groups rows by build); an outer sort of
/// every row again was a quarter of the statement's time.
fn first_units_statement(backend: DatabaseBackend, builds: &[Uuid], limit: u64) -> Statement {
    let columns = unit::COLUMNS_OF_U;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    match backend {
        DatabaseBackend::Postgres => Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT {columns} FROM unnest($1::uuid[]) AS b(id) CROSS JOIN LATERAL \
                 (SELECT * FROM units WHERE units.build_id = b.id ORDER BY units.serial LIMIT $2) AS u"
            ),
            [
                Value::Array(
                    sea_orm::sea_query::ArrayType::Uuid,
                    Some(Box::new(
                        builds.iter().map(|id| Value::Uuid(Some(*id))).collect(),
                    )),
                ),
                limit.into(),
            ],
        ),
        _ => {
            let placeholders = vec!["?"; builds.len()].join(", ");
            let mut values: Vec<Value> = builds.iter().map(|id| (*id).into()).collect();
            values.push(limit.into());
            Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT {columns} FROM (SELECT units.*, ROW_NUMBER() OVER \
                     (PARTITION BY units.build_id ORDER BY units.serial) AS rank_in_build \
                     FROM units WHERE units.build_id IN ({placeholders})) AS u \
                     WHERE u.rank_in_build <= ? ORDER BY u.build_id, u.serial"
                ),
                values,
            )
        }
    }
}

/// A row of `E` by id, as the actor may see it.
pub struct Visible<E>(pub Uuid, PhantomData<fn() -> E>);

impl<E> Visible<E> {
    /// The key for the row with `id`.
    pub fn id(id: Uuid) -> Self {
        Self(id, PhantomData)
    }
}

impl<E> Clone for Visible<E> {
    fn clone(&self) -> Self {
        Self(self.0, PhantomData)
    }
}
impl<E> PartialEq for Visible<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for Visible<E> {}
impl<E> Hash for Visible<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<E> Loader<Visible<E>> for RequestLoader
where
    E: Tenanted + 'static,
    E::Model: FromQueryResult + Sync + Send + Clone + 'static,
    E::Column: ColumnTrait,
{
    type Value = E::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[Visible<E>]) -> Result<HashMap<Visible<E>, E::Model>, ApiError> {
        let actor = self.actor()?;
        let Some(primary_key) = E::PrimaryKey::iter().next() else {
            return Ok(HashMap::new());
        };
        let column = primary_key.into_column();
        let ids: Vec<Uuid> = keys.iter().map(|key| key.0).collect();
        let rows = actor
            .select::<E>()
            .filter(column.is_in(ids))
            .all(&self.db)
            .await?;
        let mut found = HashMap::new();
        for row in rows {
            if let Value::Uuid(Some(id)) = row.get(column) {
                found.insert(Visible::id(id), row);
            }
        }
        Ok(found)
    }
}

/// Loads one row of `E` the actor may see, or `NOT_FOUND`.
pub async fn visible<E>(loaders: &Loaders, id: Uuid) -> ApiResult<E::Model>
where
    E: Tenanted + 'static,
    E::Model: FromQueryResult + Sync + Send + Clone + 'static,
    E::Column: ColumnTrait,
{
    loaders
        .load_one(Visible::<E>::id(id))
        .await?
        .ok_or(ApiError::NotFound(E::NOUN))
}

/// A table whose rows belong to one parent row and are listed in a fixed order under it.
pub trait ChildList: EntityTrait {
    /// The column naming the parent.
    fn parent_column() -> Self::Column;
    /// The column the children are listed by.
    fn order_column() -> Self::Column;
}

macro_rules! child_list {
    ($($entity:ident: $parent:ident by $order:ident),+ $(,)?) => {
        $(impl ChildList for crate::entities::$entity::Entity {
            fn parent_column() -> Self::Column {
                crate::entities::$entity::Column::$parent
            }
            fn order_column() -> Self::Column {
                crate::entities::$entity::Column::$order
            }
        })+
    };
}

child_list! {
    build_station: BuildId by Position,
    ncr_item: NcrId by Id,
    station_event: UnitId by Id,
    defect: UnitId by Id,
    package_file: PackageId by Name,
    package_comment: PackageId by CreatedAt,
    fai_characteristic: ReportId by Number,
    fai_evidence: ReportId by Id,
    unit_installation: ParentId by InstalledAt,
    unit_identity: UnitId by UnitId,
    unit_mac_address: UnitId by Mac,
}

/// Every installation of one unit into another (current and removed), oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstallationsOfChild(pub Uuid);

impl Loader<InstallationsOfChild> for RequestLoader {
    type Value = Vec<crate::entities::unit_installation::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[InstallationsOfChild],
    ) -> Result<HashMap<InstallationsOfChild, Self::Value>, ApiError> {
        use crate::entities::unit_installation;
        use sea_orm::QueryOrder;
        let ids: Vec<Uuid> = keys.iter().map(|key| key.0).collect();
        let rows = unit_installation::Entity::find()
            .filter(unit_installation::Column::ChildId.is_in(ids))
            .order_by_asc(unit_installation::Column::InstalledAt)
            .all(&self.db)
            .await?;
        let mut found: HashMap<InstallationsOfChild, Self::Value> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for row in rows {
            if let Some(list) = found.get_mut(&InstallationsOfChild(row.child_id)) {
                list.push(row);
            }
        }
        Ok(found)
    }
}

/// The clear-to-build picture of one EMS's open builds: computed once per operation, however
/// many builds of a page ask for their `materialStatus`. The key comes from a build the actor
/// already sees; the picture is cut down to that build by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SupplyOfEms(pub Uuid);

impl Loader<SupplyOfEms> for RequestLoader {
    type Value = std::sync::Arc<crate::supply::service::Picture>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[SupplyOfEms],
    ) -> Result<HashMap<SupplyOfEms, Self::Value>, ApiError> {
        self.actor()?;
        let mut found = HashMap::with_capacity(keys.len());
        for key in keys {
            let picture = crate::supply::service::picture(&self.db, key.0).await?;
            found.insert(*key, std::sync::Arc::new(picture));
        }
        Ok(found)
    }
}

/// The children in `E` of one parent row the actor already sees.
pub struct ChildrenOf<E>(pub Uuid, PhantomData<fn() -> E>);

impl<E> ChildrenOf<E> {
    /// The key for the children of `parent`.
    pub fn parent(parent: Uuid) -> Self {
        Self(parent, PhantomData)
    }
}

impl<E> Clone for ChildrenOf<E> {
    fn clone(&self) -> Self {
        Self(self.0, PhantomData)
    }
}
impl<E> PartialEq for ChildrenOf<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for ChildrenOf<E> {}
impl<E> Hash for ChildrenOf<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<E> Loader<ChildrenOf<E>> for RequestLoader
where
    E: ChildList + 'static,
    E::Model: FromQueryResult + Sync + Send + Clone + 'static,
{
    type Value = Vec<E::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[ChildrenOf<E>],
    ) -> Result<HashMap<ChildrenOf<E>, Vec<E::Model>>, ApiError> {
        use sea_orm::QueryOrder;
        let parent = E::parent_column();
        let ids: Vec<Uuid> = keys.iter().map(|key| key.0).collect();
        let rows = E::find()
            .filter(parent.is_in(ids))
            .order_by_asc(E::order_column())
            .all(&self.db)
            .await?;
        let mut found: HashMap<ChildrenOf<E>, Vec<E::Model>> =
            keys.iter().map(|key| (key.clone(), Vec::new())).collect();
        for row in rows {
            if let Value::Uuid(Some(id)) = row.get(parent) {
                if let Some(children) = found.get_mut(&ChildrenOf::parent(id)) {
                    children.push(row);
                }
            }
        }
        Ok(found)
    }
}

/// The children in `E` of `parent`, batched with every other parent of the same operation.
pub async fn children<E>(loaders: &Loaders, parent: Uuid) -> ApiResult<Vec<E::Model>>
where
    E: ChildList + 'static,
    E::Model: FromQueryResult + Sync + Send + Clone + 'static,
{
    Ok(loaders
        .load_one(ChildrenOf::<E>::parent(parent))
        .await?
        .unwrap_or_default())
}
