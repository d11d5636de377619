//! What an NCR is about: a unit (at a designator, from a defect) or a component lot.

use sea_orm::entity::prelude::*;

/// A row of `ncr_items`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ncr_items")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The NCR.
    pub ncr_id: Uuid,
    /// The unit, for a unit item.
    pub unit_id: Option<Uuid>,
    /// The lot, for a lot item.
    pub lot_id: Option<Uuid>,
    /// The defect it came from.
    pub defect_id: Option<Uuid>,
    /// Where on the unit.
    pub designator: Option<String>,
    /// REWORK, REPAIR, SCRAP, USE_AS_IS or RETURN_TO_SUPPLIER, once given.
    pub disposition: Option<String>,
    /// Why that disposition.
    #[sea_orm(column_type = "Text", nullable)]
    pub disposition_reason: Option<String>,
    /// Who gave it.
    pub disposed_by: Option<String>,
    /// When.
    pub disposed_at: Option<DateTimeUtc>,
    /// NOT_NEEDED, PENDING, APPROVED or REJECTED.
    pub review: String,
    /// Held: no result, lot usage or shipment until released.
    pub contained: bool,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
