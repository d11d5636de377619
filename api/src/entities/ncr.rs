//! A nonconformance report of an EMS.

use sea_orm::entity::prelude::*;

/// A row of `ncrs`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ncrs")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The EMS that opened it.
    pub ems_id: Uuid,
    /// The OEM whose product it concerns (none: a lot not yet used for anyone).
    pub oem_id: Option<Uuid>,
    /// The build it was found in, if one.
    pub build_id: Option<Uuid>,
    /// `NCR-000001`, counted per EMS.
    pub number: String,
    /// One line.
    pub title: String,
    /// What was found.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// MINOR, MAJOR or CRITICAL.
    pub severity: String,
    /// DEFECT, LOT, FAI or MANUAL.
    pub source: String,
    /// OPEN, IN_REVIEW or CLOSED.
    pub status: String,
    /// Who opened it.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// When it was closed.
    pub closed_at: Option<DateTimeUtc>,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
