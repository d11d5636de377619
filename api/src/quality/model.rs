//! GraphQL types of quality: NCRs and their items.

use crate::entities::{component_lot, ncr, ncr_item, unit};
use crate::error::{stored, ApiResult};
use async_graphql::{ComplexObject, Context, InputObject, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use firstpass_shared::quality::{
    MaterialReview, NcrDisposition, NcrSeverity, NcrSource, NcrStatus,
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
}
