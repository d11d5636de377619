//! Revision compare and ECO impact: what changed between two revisions of a product (computed
//! by `firstpass_shared::cad::compare`, so the browser can show the same diff), which open
//! builds and serials in work of the older revision it affects and at which station, and the
//! first-article inspection it calls for.

use crate::audit::{self, AuditMeta, Change};
use crate::context::AppState;
use crate::context::ContextExt;
use crate::db::begin_write;
use crate::entities::revision_effectivity;
use crate::entities::{build, npi_package, package_file, unit};
use crate::error::{stored, ApiError, ApiResult};
use crate::packages::analysis;
use crate::policy::{authorize, Action};
use crate::tenancy::Actor;
use async_graphql::InputObject;
use async_graphql::{ComplexObject, Context, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use firstpass_shared::cad::compare::{
    self, ChangeKind, DesignatorChange, DesignatorField, DesignatorState, EffectivityKind, FileRef,
    Revision, RevisionDiff, Tolerances,
};
use firstpass_shared::cad::{LayerFunction, Side};
use firstpass_shared::domain::{BuildStatus, StationKind, UnitStatus};
use firstpass_shared::fai::FaiScope;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

/// The diff between two visible revisions of one product. A revision the caller may not see
/// is NOT_FOUND; revisions of different products are BAD_USER_INPUT.
pub async fn diff(
    db: &impl ConnectionTrait,
    actor: &Actor,
    from_id: Uuid,
    to_id: Uuid,
    tolerances: Tolerances,
) -> ApiResult<(npi_package::Model, npi_package::Model, RevisionDiff)> {
    let from = actor.load::<npi_package::Entity>(db, from_id).await?;
    let to = actor.load::<npi_package::Entity>(db, to_id).await?;
    if from.product_id != to.product_id {
        return Err(ApiError::bad_input(
            "the two packages are revisions of different products",
        ));
    }
    let d = diff_rows(db, &from, &to, tolerances).await?;
    Ok((from, to, d))
}

/// The diff between two package rows (no visibility check: the caller has done it).
pub async fn diff_rows(
    db: &impl ConnectionTrait,
    from: &npi_package::Model,
    to: &npi_package::Model,
    tolerances: Tolerances,
) -> ApiResult<RevisionDiff> {
    let files = |id: Uuid| {
        package_file::Entity::find()
            .filter(package_file::Column::PackageId.eq(id))
            .order_by_asc(package_file::Column::Name)
            .all(db)
    };
    let (files_from, files_to) = (files(from.id).await?, files(to.id).await?);
    let (a_from, a_to) = (
        analysis::load(db, from.id).await?,
        analysis::load(db, to.id).await?,
    );
    let refs = |rows: &[package_file::Model]| -> Vec<(String, String)> {
        rows.iter()
            .map(|f| (f.name.clone(), f.sha256.clone()))
            .collect()
    };
    let (rf, rt) = (refs(&files_from), refs(&files_to));
    let fr: Vec<FileRef<'_>> = rf
        .iter()
        .map(|(n, h)| FileRef { name: n, sha256: h })
        .collect();
    let tr: Vec<FileRef<'_>> = rt
        .iter()
        .map(|(n, h)| FileRef { name: n, sha256: h })
        .collect();
    Ok(compare::compare(
        Revision {
            analysis: &a_from,
            files: &fr,
        },
        Revision {
            analysis: &a_to,
            files: &tr,
        },
        tolerances,
    ))
}

/// The compare of a revision with the one it was created from, as far as the first article is
/// concerned: the scope it calls for and the designators a PARTIAL one inspects. `None` for a
/// first revision.
pub async fn fai_scope_from_previous(
    db: &impl ConnectionTrait,
    package: &npi_package::Model,
) -> ApiResult<Option<(FaiScope, Vec<String>)>> {
    let Some(prev) = package.previous_package_id else {
        return Ok(None);
    };
    let Some(prev) = npi_package::Entity::find_by_id(prev).one(db).await? else {
        return Ok(None);
    };
    let d = diff_rows(db, &prev, package, Tolerances::default()).await?;
    Ok(Some((d.suggested_fai_scope(), d.fai_designators())))
}

/// The station of a routing where a designator on `side` is placed: SMT_TOP or SMT_BOTTOM for
/// its side, THT for a part with no placement, else the first SMT station.
fn station_for(
    routing: &[(i32, String, StationKind)],
    side: Option<Side>,
) -> Option<&(i32, String, StationKind)> {
    let want = match side {
        Some(Side::Top) => Some(StationKind::SmtTop),
        Some(Side::Bottom) => Some(StationKind::SmtBottom),
        _ => Some(StationKind::Tht),
    };
    want.and_then(|k| routing.iter().find(|s| s.2 == k))
        .or_else(|| {
            routing
                .iter()
                .find(|s| matches!(s.2, StationKind::SmtTop | StationKind::SmtBottom))
        })
}

/// The open builds of the older revision and their units in work that the change reaches.
pub async fn impact(
    db: &impl ConnectionTrait,
    actor: &Actor,
    from: &npi_package::Model,
    d: &RevisionDiff,
) -> ApiResult<Vec<AffectedBuild>> {
    let builds = actor
        .select::<build::Entity>()
        .filter(build::Column::PackageId.eq(from.id))
        .filter(build::Column::Status.is_in([
            BuildStatus::Planned.as_str(),
            BuildStatus::InProgress.as_str(),
        ]))
        .order_by_asc(build::Column::CreatedAt)
        .all(db)
        .await?;
    let board_changed = !d.layers.is_empty();
    let mut out = Vec::new();
    for b in builds {
        let routing: Vec<(i32, String, StationKind)> = crate::builds::model::stations(db, b.id)
            .await?
            .into_iter()
            .map(|s| Ok((s.position, s.name, stored::<StationKind>(&s.kind)?)))
            .collect::<ApiResult<_>>()?;
        // Each changed designator, with the routing position of the station that places it.
        let placed_at: Vec<(&DesignatorChange, Option<i32>)> = d
            .designators
            .iter()
            .map(|c| (c, station_for(&routing, c.side()).map(|s| s.0)))
            .collect();
        let units = actor
            .select::<unit::Entity>()
            .filter(unit::Column::BuildId.eq(b.id))
            .filter(
                unit::Column::Status
                    .is_in([UnitStatus::InWork.as_str(), UnitStatus::OnHold.as_str()]),
            )
            .order_by_asc(unit::Column::Serial)
            .all(db)
            .await?;
        let mut affected = Vec::new();
        let mut in_work = 0;
        for u in units {
            in_work += 1;
            let rework: Vec<String> = placed_at
                .iter()
                .filter(|(_, at)| at.is_some_and(|p| u.next_position > p))
                .map(|(c, _)| c.designator.clone())
                .collect();
            if rework.is_empty() && !(board_changed && u.next_position > 0) {
                continue;
            }
            let station = routing
                .iter()
                .find(|s| s.0 == u.next_position)
                .map(|s| s.1.clone());
            affected.push(AffectedUnit {
                serial: u.serial.clone(),
                status: stored::<UnitStatus>(&u.status)?,
                station,
                rework_designators: rework,
                bare_board_changed: board_changed,
            });
        }
        out.push(AffectedBuild {
            build_id: ID(b.id.to_string()),
            units_in_work: in_work,
            units: affected,
            row: b,
        });
    }
    Ok(out)
}

/// What differs between two revisions of a product, and what it means for work in progress
/// and the first article.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct RevisionComparison {
    /// The older revision.
    pub from_package_id: ID,
    /// The newer revision.
    pub to_package_id: ID,
    /// Designators added, removed or changed (MPN, value, footprint, position beyond the
    /// tolerance, rotation, side, DNP), by designator.
    pub designators: Vec<DesignatorDiff>,
    /// BOM lines added, removed or changed, keyed by MPN (else value and package).
    pub bom_lines: Vec<BomLineDiff>,
    /// Layers whose image changed (a re-export with other headers is the same image).
    pub layers: Vec<LayerDiff>,
    /// File names only in the newer revision.
    pub files_added: Vec<String>,
    /// File names only in the older revision.
    pub files_removed: Vec<String>,
    /// File names in both whose content differs.
    pub files_changed: Vec<String>,
    /// The first article the change calls for: FULL when a layer image changed (the bare board
    /// differs), else PARTIAL. `createFaiReport` with PARTIAL on the newer revision inspects
    /// exactly `faiDesignators`.
    pub suggested_fai_scope: FaiScope,
    /// The designators a PARTIAL first article inspects: those added or changed and placed.
    pub fai_designators: Vec<String>,
    /// For the impact.
    #[graphql(skip)]
    pub from_row: npi_package::Model,
    /// For the impact.
    #[graphql(skip)]
    pub diff: RevisionDiff,
}

#[ComplexObject]
impl RevisionComparison {
    /// The effectivity the OEM chose for the newer revision, if it has.
    async fn effectivity(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<RevisionEffectivity>> {
        let id: Uuid = self
            .to_package_id
            .parse()
            .map_err(|_| ApiError::bad_input("bad package id"))?;
        Ok(revision_effectivity::Entity::find_by_id(id)
            .one(&ctx.state().db)
            .await
            .map_err(ApiError::from)?
            .map(RevisionEffectivity::from_row)
            .transpose()?)
    }

    /// ECO impact: the open builds (PLANNED, IN_PROGRESS) of the older revision the caller may
    /// see, each with its units in work that have passed the station placing a changed
    /// designator (they need rework), or any station when the bare board changed.
    async fn affected_builds(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<AffectedBuild>> {
        let actor = ctx.reader()?;
        Ok(impact(&ctx.state().db, actor, &self.from_row, &self.diff).await?)
    }
}

/// One designator that differs.
#[derive(SimpleObject, Clone, Debug)]
pub struct DesignatorDiff {
    /// The reference designator.
    pub designator: String,
    /// ADDED, REMOVED or CHANGED.
    pub kind: ChangeKind,
    /// What changed (empty for ADDED and REMOVED).
    pub fields: Vec<DesignatorField>,
    /// As the older revision has it.
    pub before: Option<DesignatorSnapshot>,
    /// As the newer revision has it.
    pub after: Option<DesignatorSnapshot>,
}

/// A designator as one revision defines it.
#[derive(SimpleObject, Clone, Debug)]
pub struct DesignatorSnapshot {
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// Value.
    pub value: Option<String>,
    /// Footprint or package.
    pub footprint: Option<String>,
    /// x, mm, when placed.
    pub x_mm: Option<f64>,
    /// y, mm, when placed.
    pub y_mm: Option<f64>,
    /// Rotation, degrees, when placed.
    pub rotation_deg: Option<f64>,
    /// Side, when placed.
    pub side: Option<Side>,
    /// Do not place.
    pub dnp: bool,
}

impl From<DesignatorState> for DesignatorSnapshot {
    fn from(s: DesignatorState) -> Self {
        DesignatorSnapshot {
            mpn: s.mpn,
            value: s.value,
            footprint: s.footprint,
            x_mm: s.x_mm,
            y_mm: s.y_mm,
            rotation_deg: s.rotation_deg,
            side: s.side,
            dnp: s.dnp,
        }
    }
}

/// A BOM line that differs.
#[derive(SimpleObject, Clone, Debug)]
pub struct BomLineDiff {
    /// The key: the MPN, else `value / package`.
    pub key: String,
    /// ADDED, REMOVED or CHANGED.
    pub kind: ChangeKind,
    /// The line in the older revision.
    pub before: Option<super::model::BomLine>,
    /// The line in the newer revision.
    pub after: Option<super::model::BomLine>,
}

/// A layer whose image differs.
#[derive(SimpleObject, Clone, Debug)]
pub struct LayerDiff {
    /// Its function.
    pub function: LayerFunction,
    /// For inner copper, its position in the stack.
    pub inner_index: Option<i32>,
    /// ADDED, REMOVED or CHANGED.
    pub kind: ChangeKind,
    /// The file in the older revision.
    pub file_before: Option<String>,
    /// The file in the newer revision.
    pub file_after: Option<String>,
}

/// An open build of the older revision that the change reaches.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct AffectedBuild {
    /// The build's id.
    pub build_id: ID,
    /// Its units in work (IN_WORK or ON_HOLD).
    pub units_in_work: i32,
    /// The units in work the change reaches, by serial.
    pub units: Vec<AffectedUnit>,
    /// The row.
    #[graphql(skip)]
    pub row: build::Model,
}

#[ComplexObject]
impl AffectedBuild {
    /// The build.
    async fn build(&self) -> async_graphql::Result<crate::builds::model::Build> {
        Ok(crate::builds::model::Build::from_row(self.row.clone())?)
    }
}

/// A unit in work that the change reaches.
#[derive(SimpleObject, Clone, Debug)]
pub struct AffectedUnit {
    /// Serial.
    pub serial: String,
    /// IN_WORK or ON_HOLD.
    pub status: UnitStatus,
    /// The station it is at now (its next station), if any.
    pub station: Option<String>,
    /// Changed designators already placed on it: to be reworked.
    pub rework_designators: Vec<String>,
    /// Whether the bare board itself changed (a layer image), so the unit is of the old board.
    pub bare_board_changed: bool,
}

/// Converts a shared diff for GraphQL.
pub fn comparison(
    from: npi_package::Model,
    to: &npi_package::Model,
    d: RevisionDiff,
) -> RevisionComparison {
    RevisionComparison {
        from_package_id: ID(from.id.to_string()),
        to_package_id: ID(to.id.to_string()),
        designators: d
            .designators
            .iter()
            .cloned()
            .map(|c| DesignatorDiff {
                designator: c.designator,
                kind: c.kind,
                fields: c.fields,
                before: c.before.map(Into::into),
                after: c.after.map(Into::into),
            })
            .collect(),
        bom_lines: d
            .bom_lines
            .iter()
            .cloned()
            .map(|l| BomLineDiff {
                key: l.key,
                kind: l.kind,
                before: l.before.map(Into::into),
                after: l.after.map(Into::into),
            })
            .collect(),
        layers: d
            .layers
            .iter()
            .map(|l| LayerDiff {
                function: l.function,
                inner_index: l.inner_index.map(|i| i as i32),
                kind: l.kind,
                file_before: l.file_before.clone(),
                file_after: l.file_after.clone(),
            })
            .collect(),
        files_added: d.files_added.clone(),
        files_removed: d.files_removed.clone(),
        files_changed: d.files_changed.clone(),
        suggested_fai_scope: d.suggested_fai_scope(),
        fai_designators: d.fai_designators(),
        from_row: from,
        diff: d,
    }
}

/// From when a revision replaces the one it was made from.
#[derive(SimpleObject, Clone, Debug)]
pub struct RevisionEffectivity {
    /// FROM_DATE, FROM_SERIAL or NEXT_BUILD.
    pub kind: EffectivityKind,
    /// For FROM_DATE: the first day.
    pub from_date: Option<NaiveDate>,
    /// For FROM_SERIAL: the first serial.
    pub from_serial: Option<String>,
    /// When it was chosen.
    pub set_at: DateTime<Utc>,
}

impl RevisionEffectivity {
    fn from_row(row: revision_effectivity::Model) -> ApiResult<Self> {
        Ok(RevisionEffectivity {
            kind: stored::<EffectivityKind>(&row.kind)?,
            from_date: row.from_date,
            from_serial: row.from_serial,
            set_at: row.set_at,
        })
    }
}

/// The effectivity an OEM chooses for a revision.
#[derive(InputObject, Debug)]
pub struct RevisionEffectivityInput {
    /// FROM_DATE, FROM_SERIAL or NEXT_BUILD.
    pub kind: EffectivityKind,
    /// Required for FROM_DATE.
    pub from_date: Option<NaiveDate>,
    /// Required for FROM_SERIAL (at most 128 characters).
    pub from_serial: Option<String>,
}

/// Sets (or replaces) the effectivity of a revision made from another; only its OEM may.
pub async fn set_effectivity(
    state: &AppState,
    actor: &Actor,
    package_id: Uuid,
    input: RevisionEffectivityInput,
    meta: &AuditMeta,
) -> ApiResult<RevisionEffectivity> {
    authorize(actor, Action::AuthorPackages)?;
    let package = actor
        .load::<npi_package::Entity>(&state.db, package_id)
        .await?;
    if package.oem_id != actor.org_id {
        return Err(ApiError::forbidden(
            "only the package's OEM chooses its effectivity",
        ));
    }
    if package.previous_package_id.is_none() {
        return Err(ApiError::bad_input(
            "an effectivity applies to a revision made from another (createRevision)",
        ));
    }
    let serial = input
        .from_serial
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let (from_date, from_serial) = match input.kind {
        EffectivityKind::FromDate => (
            Some(
                input
                    .from_date
                    .ok_or_else(|| ApiError::bad_input("FROM_DATE needs fromDate"))?,
            ),
            None,
        ),
        EffectivityKind::FromSerial => {
            let s = serial.ok_or_else(|| ApiError::bad_input("FROM_SERIAL needs fromSerial"))?;
            if s.chars().count() > 128 {
                return Err(ApiError::bad_input(
                    "fromSerial has more than 128 characters",
                ));
            }
            (None, Some(s))
        }
        EffectivityKind::NextBuild => (None, None),
    };
    let txn = begin_write(&state.db).await?;
    let before = revision_effectivity::Entity::find_by_id(package.id)
        .one(&txn)
        .await?;
    if before.is_some() {
        revision_effectivity::Entity::delete_by_id(package.id)
            .exec(&txn)
            .await?;
    }
    let row = revision_effectivity::ActiveModel {
        package_id: Set(package.id),
        kind: Set(input.kind.as_str().to_owned()),
        from_date: Set(from_date),
        from_serial: Set(from_serial),
        set_by: Set(actor.user_id().ok_or(ApiError::Unauthenticated)?),
        set_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    let view = |r: &revision_effectivity::Model| json!({"kind": r.kind, "fromDate": r.from_date, "fromSerial": r.from_serial});
    let mut change =
        Change::new("package.set_effectivity", "NpiPackage", package.id).after(&view(&row));
    if let Some(b) = &before {
        change = change.before(&view(b));
    }
    audit::record(&txn, meta, change).await?;
    txn.commit().await?;
    RevisionEffectivity::from_row(row)
}
