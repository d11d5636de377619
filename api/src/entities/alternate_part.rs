//! A part proposed to stand in for a BOM part of one package, and the OEM's decision.

use sea_orm::entity::prelude::*;

/// A row of `alternate_parts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alternate_parts")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The package whose BOM it serves.
    pub package_id: Uuid,
    /// The OEM that owns the package and decides.
    pub oem_id: Uuid,
    /// The EMS that proposed it.
    pub ems_id: Uuid,
    /// The BOM's own MPN.
    pub mpn: String,
    /// The alternate's MPN.
    pub alternate_mpn: String,
    /// The alternate's manufacturer.
    pub alternate_manufacturer: String,
    /// Why the EMS proposes it.
    pub reason: String,
    /// PROPOSED, APPROVED or REJECTED.
    pub status: String,
    /// Who proposed it.
    pub proposed_by: Uuid,
    /// When.
    pub proposed_at: DateTimeUtc,
    /// Who decided.
    pub decided_by: Option<Uuid>,
    /// When.
    pub decided_at: Option<DateTimeUtc>,
    /// The decider's note.
    pub decision_note: Option<String>,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
