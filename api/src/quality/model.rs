//! GraphQL types of quality: NCRs and their items.

use crate::entities::{capa, component_lot, ncr, ncr_item, unit};
use crate::error::{stored, ApiResult};
use async_graphql::{ComplexObject, Context, InputObject, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use firstpass_shared::quality::{
    CapaKind, CapaStatus, Discipline, MaterialReview, NcrDisposition, NcrSeverity, NcrSource,
    NcrStatus,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// A nonconformance report.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Ncr {
    /// Unique id.
    pub id: ID,
    /// `NCR-000001`, counted per EMS.
    pub number: String,
    /// One line.
    pub title: String,
    /// What was found.
    pub description: String,
    /// How bad.
    pub severity: NcrSeverity,
    /// Where it was found.
    pub source: NcrSource,
    /// Where it stands.
    pub status: NcrStatus,
    /// The build it was found in.
    pub build_id: Option<ID>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
}

impl Ncr {
    /// Converts a row.
    pub fn from_row(row: ncr::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ID(row.id.to_string()),
            number: row.number,
            title: row.title,
            description: row.description,
            severity: stored(&row.severity)?,
            source: stored(&row.source)?,
            status: stored(&row.status)?,
            build_id: row.build_id.map(|b| ID(b.to_string())),
            created_at: row.created_at,
            closed_at: row.closed_at,
        })
    }
}

#[ComplexObject]
impl Ncr {
    /// Notes on it, oldest first (the EMS's internal notes only for the EMS).
    async fn notes(&self, ctx: &Context<'_>) -> Result<Vec<QualityNote>> {
        note_list(ctx, &self.id).await
    }

    /// What it covers: units (at a designator, from a defect) and lots, with their containment
    /// and disposition.
    async fn items(&self, ctx: &Context<'_>) -> Result<Vec<NcrItem>> {
        use crate::context::ContextExt;
        let id = crate::ids::parse_id(&self.id, "NCR")?;
        let rows = crate::loaders::children::<ncr_item::Entity>(ctx.loaders(), id).await?;
        let db = &ctx.state().db;
        let serials: HashMap<uuid::Uuid, String> = unit::Entity::find()
            .filter(unit::Column::Id.is_in(rows.iter().filter_map(|i| i.unit_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.serial))
            .collect();
        let lots: HashMap<uuid::Uuid, String> = component_lot::Entity::find()
            .filter(component_lot::Column::Id.is_in(rows.iter().filter_map(|i| i.lot_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.id, format!("{} {}", l.mpn, l.lot_code)))
            .collect();
        Ok(rows
            .into_iter()
            .map(|row| NcrItem::from_row(row, &serials, &lots))
            .collect::<ApiResult<_>>()?)
    }

    /// The failed FAI characteristics linked to it, by report and number (of the reports the
    /// caller sees: the OEM sees a report once it was submitted).
    async fn fai_characteristics(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::fai::model::FaiCharacteristic>> {
        use crate::context::ContextExt;
        use crate::entities::{fai_characteristic, fai_report};
        use sea_orm::{QueryOrder, QuerySelect, QueryTrait};
        let id = crate::ids::parse_id(&self.id, "NCR")?;
        let visible = ctx
            .reader()?
            .select::<fai_report::Entity>()
            .select_only()
            .column(fai_report::Column::Id)
            .into_query();
        Ok(fai_characteristic::Entity::find()
            .filter(fai_characteristic::Column::NcrId.eq(id))
            .filter(fai_characteristic::Column::ReportId.in_subquery(visible))
            .order_by_asc(fai_characteristic::Column::ReportId)
            .order_by_asc(fai_characteristic::Column::Number)
            .all(&ctx.state().db)
            .await?
            .into_iter()
            .map(crate::fai::model::FaiCharacteristic::from_row)
            .collect::<ApiResult<_>>()?)
    }
}

/// One nonconforming item: a unit or a lot.
#[derive(SimpleObject, Clone, Debug)]
pub struct NcrItem {
    /// Unique id.
    pub id: ID,
    /// The unit's serial, for a unit.
    pub serial: Option<String>,
    /// The lot, for a lot.
    pub lot_id: Option<ID>,
    /// The lot's MPN and lot code, for a lot.
    pub lot: Option<String>,
    /// The defect it came from.
    pub defect_id: Option<ID>,
    /// Where on the unit.
    pub designator: Option<String>,
    /// What is done with it, once decided.
    pub disposition: Option<NcrDisposition>,
    /// Why.
    pub disposition_reason: Option<String>,
    /// Who decided.
    pub disposed_by: Option<String>,
    /// When.
    pub disposed_at: Option<DateTime<Utc>>,
    /// The customer's material review of the disposition.
    pub review: MaterialReview,
    /// Held: no station result, lot usage or shipment until released.
    pub contained: bool,
}

impl NcrItem {
    fn from_row(
        row: ncr_item::Model,
        serials: &HashMap<uuid::Uuid, String>,
        lots: &HashMap<uuid::Uuid, String>,
    ) -> ApiResult<Self> {
        Ok(Self {
            id: ID(row.id.to_string()),
            serial: row.unit_id.and_then(|u| serials.get(&u).cloned()),
            lot_id: row.lot_id.map(|l| ID(l.to_string())),
            lot: row.lot_id.and_then(|l| lots.get(&l).cloned()),
            defect_id: row.defect_id.map(|d| ID(d.to_string())),
            designator: row.designator,
            disposition: row.disposition.as_deref().map(stored).transpose()?,
            disposition_reason: row.disposition_reason,
            disposed_by: row.disposed_by,
            disposed_at: row.disposed_at,
            review: stored(&row.review)?,
            contained: row.contained,
        })
    }
}

/// An NCR to open.
#[derive(InputObject, Debug)]
pub struct OpenNcrInput {
    /// The build it was found in.
    pub build_id: Option<ID>,
    /// One line.
    pub title: String,
    /// What was found, where and how.
    pub description: String,
    /// How bad.
    pub severity: NcrSeverity,
    /// Defects it covers: each makes an item of its unit at its designator.
    #[graphql(default)]
    pub defect_ids: Vec<ID>,
    /// Units it covers besides those of the defects.
    #[graphql(default)]
    pub serials: Vec<String>,
    /// Component lots it covers (a supplier nonconformance).
    #[graphql(default)]
    pub lot_ids: Vec<ID>,
    /// Failed characteristics of DRAFT FAI reports it is opened for: each makes an item of the
    /// inspected unit at the characteristic's designator, and links the characteristic to it.
    #[graphql(default)]
    pub fai_characteristic_ids: Vec<ID>,
}

/// A corrective action (CAPA) worked as an 8D.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Capa {
    /// Unique id.
    pub id: ID,
    /// `CAPA-000001`, counted per EMS.
    pub number: String,
    /// One line.
    pub title: String,
    /// Who asked for it.
    pub kind: CapaKind,
    /// Where it stands.
    pub status: CapaStatus,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The builds and serials it cites, as JSON (`{"builds": [...], "serials": [...]}`).
    pub cites: async_graphql::Json<serde_json::Value>,
    /// The row, for the fields resolved from it.
    #[graphql(skip)]
    pub row: capa::Model,
}

impl Capa {
    /// Converts a row.
    pub fn from_row(row: capa::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ID(row.id.to_string()),
            number: row.number.clone(),
            title: row.title.clone(),
            kind: stored(&row.kind)?,
            status: stored(&row.status)?,
            created_at: row.created_at,
            closed_at: row.closed_at,
            cites: async_graphql::Json(
                serde_json::from_str(&row.cites).map_err(crate::error::ApiError::internal)?,
            ),
            row,
        })
    }
}

#[ComplexObject]
impl Capa {
    /// Notes on it, oldest first (the EMS's internal notes only for the EMS).
    async fn notes(&self, ctx: &Context<'_>) -> Result<Vec<QualityNote>> {
        note_list(ctx, &self.id).await
    }

    /// The NCRs it covers.
    async fn ncrs(&self, ctx: &Context<'_>) -> Result<Vec<Ncr>> {
        use crate::context::ContextExt;
        Ok(super::capa::ncrs_of(&ctx.state().db, self.row.id)
            .await?
            .into_iter()
            .map(Ncr::from_row)
            .collect::<ApiResult<_>>()?)
    }

    /// The eight disciplines, D1 to D8, filled in or not, with owner, due date and signature.
    async fn disciplines(&self, ctx: &Context<'_>) -> Result<Vec<CapaDiscipline>> {
        use crate::context::ContextExt;
        let db = &ctx.state().db;
        let mut filled = super::capa::disciplines(db, self.row.id).await?;
        let signed = super::capa::signatures(db, filled.values().map(|r| r.id)).await?;
        let today = Utc::now().date_naive();
        Ok(Discipline::ALL
            .iter()
            .map(|d| {
                let row = filled.remove(d);
                let signature = row
                    .as_ref()
                    .and_then(|r| signed.get(&r.id).cloned())
                    .map(crate::fai::model::Signature::from_row)
                    .transpose()?;
                let overdue = self.status == CapaStatus::Open
                    && row
                        .as_ref()
                        .is_some_and(|r| r.due_date.is_some_and(|due| due < today))
                    && (d.is_signed() && signature.is_none());
                Ok(CapaDiscipline {
                    discipline: *d,
                    title: d.title().to_owned(),
                    filled: row.is_some(),
                    owner: row.as_ref().map(|r| r.owner.clone()),
                    due_date: row.as_ref().and_then(|r| r.due_date),
                    content: row.as_ref().map(|r| r.content.clone()),
                    updated_at: row.as_ref().map(|r| r.updated_at),
                    needs_signature: d.is_signed(),
                    overdue,
                    signature,
                })
            })
            .collect::<ApiResult<_>>()?)
    }

    /// The effectiveness check and how it stands now; null until set.
    async fn effectiveness(&self, ctx: &Context<'_>) -> Result<Option<EffectivenessCheck>> {
        use crate::context::ContextExt;
        Ok(super::capa::check(&ctx.state().db, &self.row)
            .await?
            .map(|c| EffectivenessCheck {
                station_kind: c.station_kind,
                threshold_percent: c.threshold_percent,
                window_units: c.window_units,
                from: c.from,
                units_seen: c.units_seen,
                passed_first: c.passed_first,
                first_pass_yield_percent: (c.units_seen > 0).then(|| {
                    (f64::from(c.passed_first) * 1000.0 / f64::from(c.units_seen)).round() / 10.0
                }),
                passed: c.passed,
            }))
    }
}

/// One discipline of an 8D.
#[derive(SimpleObject, Clone, Debug)]
pub struct CapaDiscipline {
    /// D1 … D8.
    pub discipline: Discipline,
    /// What it is about ("Root cause").
    pub title: String,
    /// Whether it is filled in.
    pub filled: bool,
    /// Who owns it.
    pub owner: Option<String>,
    /// When it is due.
    pub due_date: Option<chrono::NaiveDate>,
    /// What it says.
    pub content: Option<String>,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// Whether it is signed (D4, D6, D8).
    pub needs_signature: bool,
    /// Past its due date and not done (unsigned when it needs a signature).
    pub overdue: bool,
    /// Its signature, once signed.
    pub signature: Option<crate::fai::model::Signature>,
}

/// A CAPA's effectiveness check: first-pass yield at a station kind over a window of units.
#[derive(SimpleObject, Clone, Debug)]
pub struct EffectivenessCheck {
    /// The station kind judged.
    pub station_kind: firstpass_shared::domain::StationKind,
    /// The yield asked, in percent.
    pub threshold_percent: f64,
    /// How many units it looks at.
    pub window_units: i32,
    /// Results from this time on count.
    pub from: DateTime<Utc>,
    /// Units seen so far (at most the window).
    pub units_seen: i32,
    /// Of those, passed the first time.
    pub passed_first: i32,
    /// Their first-pass yield, in percent.
    pub first_pass_yield_percent: Option<f64>,
    /// Whether the check passed (the whole window seen, at the yield asked).
    pub passed: bool,
}

/// A corrective action the OEM asks of its EMS.
#[derive(InputObject, Debug)]
pub struct CorrectiveActionRequestInput {
    /// One line.
    pub title: String,
    /// The problem as the OEM sees it (D2's first text).
    pub description: String,
    /// NCRs it cites.
    #[graphql(default)]
    pub ncr_ids: Vec<ID>,
    /// Builds it cites.
    #[graphql(default)]
    pub build_ids: Vec<ID>,
    /// Units it cites.
    #[graphql(default)]
    pub serials: Vec<String>,
}

/// A note on an NCR or a CAPA.
#[derive(SimpleObject, Clone, Debug)]
pub struct QualityNote {
    /// Unique id.
    pub id: ID,
    /// Who wrote it.
    pub author: String,
    /// What it says.
    pub text: String,
    /// Written by the EMS for itself (the OEM never sees these).
    pub internal: bool,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<crate::entities::quality_note::Model> for QualityNote {
    fn from(row: crate::entities::quality_note::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            author: row.author,
            text: row.text,
            internal: row.internal,
            created_at: row.created_at,
        }
    }
}

async fn note_list(ctx: &Context<'_>, id: &ID) -> Result<Vec<QualityNote>> {
    use crate::context::ContextExt;
    let actor = ctx.reader()?;
    let id = crate::ids::parse_id(id, "record")?;
    Ok(super::service::notes(&ctx.state().db, actor, id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// How many open records fall in one age bucket.
#[derive(SimpleObject, Clone, Debug)]
pub struct AgeCount {
    /// The bucket ("0–7 days", "8–30 days", "31–90 days", "over 90 days").
    pub age: String,
    /// Open records that old.
    pub count: i32,
}

/// A defect found again after the corrective action that covered it closed.
#[derive(SimpleObject, Clone, Debug)]
pub struct RepeatDefect {
    /// The closed corrective action.
    pub capa_number: String,
    /// The defect code.
    pub code: String,
    /// The designator.
    pub designator: String,
    /// Defects with that code at that designator of the same product since it closed.
    pub count: i32,
}

/// Quality figures over the NCRs and CAPAs the caller sees.
#[derive(SimpleObject, Clone, Debug)]
pub struct QualityMetrics {
    /// Open NCRs by age.
    pub open_ncrs: Vec<AgeCount>,
    /// Open corrective actions by age.
    pub open_capas: Vec<AgeCount>,
    /// Median days from opening to closing, over closed NCRs.
    pub median_days_to_close_ncr: Option<f64>,
    /// The same over closed corrective actions.
    pub median_days_to_close_capa: Option<f64>,
    /// Defects found again after the corrective action that covered them closed.
    pub repeat_defects: Vec<RepeatDefect>,
}

impl From<super::metrics::Figures> for QualityMetrics {
    fn from(f: super::metrics::Figures) -> Self {
        let ages = |counts: Vec<u32>| {
            super::metrics::AGE_BUCKETS
                .iter()
                .zip(counts)
                .map(|((_, label), count)| AgeCount {
                    age: (*label).to_owned(),
                    count: count as i32,
                })
                .collect()
        };
        Self {
            open_ncrs: ages(f.open_ncrs),
            open_capas: ages(f.open_capas),
            median_days_to_close_ncr: f.median_days_to_close_ncr,
            median_days_to_close_capa: f.median_days_to_close_capa,
            repeat_defects: f
                .repeats
                .into_iter()
                .map(|(capa_number, code, designator, count)| RepeatDefect {
                    capa_number,
                    code,
                    designator,
                    count: count as i32,
                })
                .collect(),
        }
    }
}
