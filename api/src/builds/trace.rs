//! Recall trace: from a lot (or an MPN and lot code) to every unit that holds it.
//!
//! The walk is index-driven: lots by (mpn, lot_code) or id, then usages by (lot_id, unit_id),
//! then units, builds and packages by primary key. Its cost grows with the answer, not with
//! the size of the database. An OEM sees only its own units; the EMS sees all of its own.

use super::model::{BuildPhase, TraceTotal, TraceUnit, TraceUnitConnection, Unit};
use crate::entities::{build, component_lot, lot_usage, npi_package, organization, product, unit};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{clamp_first, decode_cursor, page};
use crate::tenancy::{Actor, Tenanted};
use async_graphql::{ComplexObject, Context, SimpleObject, ID};
use firstpass_shared::domain::OrgKind;
use firstpass_shared::text::{LotCode, Mpn};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Everything a lot reached.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Trace {
    /// Affected units the caller may see.
    pub total_units: i32,
    /// Affected units per OEM.
    pub by_oem: Vec<TraceTotal>,
    /// Affected units per build.
    pub by_build: Vec<TraceTotal>,
    /// The lots traced.
    #[graphql(skip)]
    pub lot_ids: Vec<Uuid>,
    /// The unit ids, in id order, with the designators each holds.
    #[graphql(skip)]
    pub units: Vec<(Uuid, Vec<String>)>,
    /// The top-level units holding the affected units, climbed once when first asked for.
    #[graphql(skip)]
    pub levels: std::sync::Arc<tokio::sync::OnceCell<crate::boxbuild::model::TopLevels>>,
}

impl Trace {
    /// The affected units grouped under the top-level unit holding each now (climbed once).
    async fn top_levels(&self, ctx: &Context<'_>) -> ApiResult<&crate::boxbuild::model::TopLevels> {
        use crate::context::ContextExt;
        let actor = ctx.reader()?;
        self.levels
            .get_or_try_init(|| async {
                let affected = self.units.iter().map(|(id, _)| *id).collect();
                crate::boxbuild::model::top_levels(&ctx.state().db, actor, &self.lot_ids, &affected)
                    .await
            })
            .await
    }
}

#[ComplexObject]
impl Trace {
    /// Top-level units (units that sit in no other) holding an affected unit at any depth, an
    /// affected unit that sits in nothing being its own top-level unit: the gateways customers
    /// hold, not only the boards inside them.
    async fn total_top_level_units(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(self.top_levels(ctx).await?.tops.len() as i32)
    }

    /// Of the top-level units, those already shipped.
    async fn top_level_shipped(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(self.top_levels(ctx).await?.shipped.len() as i32)
    }

    /// The top-level units holding affected units, each with the path from the lot to it
    /// (`lot → designator → PCBA serial → position → box serial`), its shipped state and its
    /// shipment; `first` defaults to 20 and is at most 100.
    async fn top_level_units(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<crate::boxbuild::model::TraceTopUnitConnection> {
        use crate::context::ContextExt;
        let limit = clamp_first(first)?;
        let levels = self.top_levels(ctx).await?;
        let after_id = after.as_deref().map(decode_cursor).transpose()?;
        let slice: Vec<(Uuid, crate::boxbuild::model::HeldPaths)> = levels
            .tops
            .iter()
            .filter(|(id, _)| after_id.is_none_or(|a| **id > a))
            .take(limit as usize + 1)
            .map(|(id, paths)| (*id, paths.clone()))
            .collect();
        let db = &ctx.state().db;
        let designators: HashMap<Uuid, Vec<String>> = self.units.iter().cloned().collect();
        let lots = component_lot::Entity::find()
            .filter(component_lot::Column::Id.is_in(self.lot_ids.clone()))
            .all(db)
            .await
            .map_err(ApiError::from)?;
        let label = lots
            .first()
            .map(|l| format!("{} lot {}", l.mpn, l.lot_code))
            .unwrap_or_default();
        let items = crate::boxbuild::model::top_units(db, &slice, &designators, &label).await?;
        let (info, items) = page(items, limit, after.is_some(), |t| t.unit.row.id);
        Ok(crate::boxbuild::model::TraceTopUnitConnection::new(
            info, items,
        ))
    }

    /// The affected units, each with its build, product, revision, OEM and shipped state;
    /// `first` defaults to 20 and is at most 100.
    async fn units(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<TraceUnitConnection> {
        use crate::context::ContextExt;
        let limit = clamp_first(first)?;
        let start = match after.as_deref() {
            Some(cursor) => {
                let after_id = decode_cursor(cursor)?;
                self.units.partition_point(|(id, _)| *id <= after_id)
            }
            None => 0,
        };
        let slice: Vec<&(Uuid, Vec<String>)> = self
            .units
            .iter()
            .skip(start)
            .take(limit as usize + 1)
            .collect();
        let ids: Vec<Uuid> = slice.iter().map(|(id, _)| *id).collect();
        let db = &ctx.state().db;
        let rows = unit::Entity::find()
            .filter(unit::Column::Id.is_in(ids))
            .order_by_asc(unit::Column::Id)
            .all(db)
            .await
            .map_err(ApiError::from)?;
        let context = BuildContext::load(db, rows.iter().map(|u| u.build_id)).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let designators = slice
                .iter()
                .find(|(id, _)| *id == row.id)
                .map(|(_, d)| d.clone())
                .unwrap_or_default();
            items.push(context.trace_unit(row, designators)?);
        }
        let (info, items) = page(items, limit, after.is_some(), |t| t.unit.row.id);
        Ok(TraceUnitConnection::new(info, items))
    }
}

/// Builds, packages, products and OEMs of a set of units, loaded once.
struct BuildContext {
    builds: HashMap<Uuid, build::Model>,
    packages: HashMap<Uuid, npi_package::Model>,
    products: HashMap<Uuid, product::Model>,
    oems: HashMap<Uuid, organization::Model>,
}

impl BuildContext {
    async fn load(
        db: &impl ConnectionTrait,
        build_ids: impl Iterator<Item = Uuid>,
    ) -> ApiResult<Self> {
        let ids: Vec<Uuid> = build_ids
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let builds = build::Entity::find()
            .filter(build::Column::Id.is_in(ids))
            .all(db)
            .await?;
        let packages = npi_package::Entity::find()
            .filter(npi_package::Column::Id.is_in(builds.iter().map(|b| b.package_id)))
            .all(db)
            .await?;
        let products = product::Entity::find()
            .filter(product::Column::Id.is_in(builds.iter().map(|b| b.product_id)))
            .all(db)
            .await?;
        let oems = organization::Entity::find()
            .filter(organization::Column::Id.is_in(builds.iter().map(|b| b.oem_id)))
            .all(db)
            .await?;
        Ok(Self {
            builds: builds.into_iter().map(|b| (b.id, b)).collect(),
            packages: packages.into_iter().map(|p| (p.id, p)).collect(),
            products: products.into_iter().map(|p| (p.id, p)).collect(),
            oems: oems.into_iter().map(|o| (o.id, o)).collect(),
        })
    }

    fn trace_unit(&self, row: unit::Model, designators: Vec<String>) -> ApiResult<TraceUnit> {
        let build = self
            .builds
            .get(&row.build_id)
            .ok_or(ApiError::NotFound("build"))?;
        let package = self
            .packages
            .get(&build.package_id)
            .ok_or(ApiError::NotFound("NPI package"))?;
        let product = self
            .products
            .get(&build.product_id)
            .ok_or(ApiError::NotFound("product"))?;
        let oem = self
            .oems
            .get(&build.oem_id)
            .ok_or(ApiError::NotFound("organization"))?;
        Ok(TraceUnit {
            serial: row.serial.clone(),
            designators,
            build_id: ID(build.id.to_string()),
            build_phase: crate::error::stored::<BuildPhase>(&build.phase)?,
            part_number: product.part_number.clone(),
            revision: package.revision.clone(),
            oem: oem.name.clone(),
            shipped: row.shipped_at.is_some(),
            unit: Unit::from_row(row)?,
        })
    }
}

/// Whether a query on a trace asks for the top-level units (the boxes), so that the trace
/// climbs in the statement that finds the boards.
pub fn wants_levels(ctx: &Context<'_>) -> bool {
    let fields = ctx.look_ahead();
    ["totalTopLevelUnits", "topLevelShipped", "topLevelUnits"]
        .iter()
        .any(|name| fields.field(name).exists())
}

/// Traces lots to the units the actor may see. With `climb`, the same statement also climbs
/// from each affected unit to the top-level unit holding it (the usages and units read once
/// seed the climb), for a caller that asks for the boxes as well as the boards.
pub async fn trace(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lot_ids: Vec<Uuid>,
    climb: bool,
) -> ApiResult<Trace> {
    // One index walk: usages by lot, joined to their units by primary key for the shipped state.
    let to_unit: sea_orm::RelationDef = lot_usage::Entity::belongs_to(unit::Entity)
        .from(lot_usage::Column::UnitId)
        .to(unit::Column::Id)
        .into();
    let mut query = lot_usage::Entity::find()
        .select_only()
        .column(lot_usage::Column::UnitId)
        .column(lot_usage::Column::BuildId)
        .column(lot_usage::Column::Designator)
        .column_as(unit::Column::ShippedAt, "shipped_at")
        .join(sea_orm::JoinType::InnerJoin, to_unit)
        .filter(lot_usage::Column::LotId.is_in(lot_ids.clone()));
    if actor.org_kind == OrgKind::Oem {
        // Only the OEM's own builds: a sub-query on the builds it may see.
        query = query.filter(
            lot_usage::Column::BuildId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(build::Column::Id)
                    .from(build::Entity)
                    .cond_where(build::Entity::visible_to(actor))
                    .to_owned(),
            ),
        );
    }
    let mut per_unit: BTreeMap<Uuid, (Uuid, Vec<String>)> = BTreeMap::new();
    let mut shipped: HashMap<Uuid, bool> = HashMap::new();
    let levels = std::sync::Arc::new(if climb {
        use sea_orm::QueryTrait;
        let backend = db.get_database_backend();
        let seed = query
            .column_as(unit::Column::ParentUnitId, "parent_unit_id")
            .column_as(unit::Column::ParentPosition, "parent_position")
            .column_as(unit::Column::TopUnitId, "top_unit_id")
            .column_as(unit::Column::TopShippedAt, "top_shipped_at")
            .build(backend);
        let values = seed.values.map(|v| v.0).unwrap_or_default();
        let mut climbed = crate::boxbuild::levels::climb_joined(db, &seed.sql, values).await?;
        for (unit_id, start) in std::mem::take(&mut climbed.starts) {
            shipped.insert(unit_id, start.shipped);
            per_unit.insert(unit_id, (start.build_id, start.designators));
        }
        // The seed already kept to the units the actor may see.
        let tops = crate::boxbuild::model::tops_of(db, actor, climbed, |_| true).await?;
        tokio::sync::OnceCell::new_with(Some(tops))
    } else {
        type UsageRow = (Uuid, Uuid, String, Option<chrono::DateTime<chrono::Utc>>);
        let rows: Vec<UsageRow> = query.into_tuple().all(db).await?;
        for (unit_id, build_id, designator, shipped_at) in rows {
            shipped.insert(unit_id, shipped_at.is_some());
            per_unit
                .entry(unit_id)
                .or_insert_with(|| (build_id, Vec::new()))
                .1
                .push(designator);
        }
        tokio::sync::OnceCell::new()
    });
    let context = BuildContext::load(db, per_unit.values().map(|(b, _)| *b)).await?;
    let mut by_build: BTreeMap<Uuid, (i32, i32)> = BTreeMap::new();
    for (unit_id, (build_id, _)) in &per_unit {
        let entry = by_build.entry(*build_id).or_default();
        entry.0 += 1;
        if shipped.get(unit_id).copied().unwrap_or(false) {
            entry.1 += 1;
        }
    }
    let mut by_oem: BTreeMap<Uuid, (i32, i32)> = BTreeMap::new();
    let mut build_totals = Vec::new();
    for (build_id, (units, shipped_units)) in &by_build {
        let Some(build) = context.builds.get(build_id) else {
            continue;
        };
        let oem_entry = by_oem.entry(build.oem_id).or_default();
        oem_entry.0 += units;
        oem_entry.1 += shipped_units;
        let part = context
            .products
            .get(&build.product_id)
            .map_or("", |p| p.part_number.as_str());
        let revision = context
            .packages
            .get(&build.package_id)
            .map_or("", |p| p.revision.as_str());
        build_totals.push(TraceTotal {
            id: ID(build_id.to_string()),
            label: format!("{part} rev {revision} {}", build.phase),
            units: *units,
            shipped: *shipped_units,
        });
    }
    let oem_totals = by_oem
        .into_iter()
        .map(|(oem_id, (units, shipped_units))| TraceTotal {
            id: ID(oem_id.to_string()),
            label: context
                .oems
                .get(&oem_id)
                .map_or_else(String::new, |o| o.name.clone()),
            units,
            shipped: shipped_units,
        })
        .collect();
    Ok(Trace {
        total_units: per_unit.len() as i32,
        by_oem: oem_totals,
        by_build: build_totals,
        lot_ids,
        units: per_unit
            .into_iter()
            .map(|(id, (_, designators))| (id, designators))
            .collect(),
        levels,
    })
}

/// The lots with an MPN and lot code that the actor may trace: an EMS its own; an OEM those
/// used in its builds (at any EMS).
pub async fn lots_by_code(
    db: &impl ConnectionTrait,
    actor: &Actor,
    mpn: &Mpn,
    lot_code: &LotCode,
) -> ApiResult<Vec<Uuid>> {
    let mut query = component_lot::Entity::find()
        .select_only()
        .column(component_lot::Column::Id)
        .filter(component_lot::Column::Mpn.eq(mpn.as_str()))
        .filter(component_lot::Column::LotCode.eq(lot_code.as_str()));
    query = query.filter(component_lot::Entity::visible_to(actor));
    Ok(query.into_tuple().all(db).await?)
}
