//! A note on an NCR or a CAPA.

use sea_orm::entity::prelude::*;

/// A row of `quality_notes`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quality_notes")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The EMS of the record.
    pub ems_id: Uuid,
    /// `Ncr` or `Capa`.
    pub record_type: String,
    /// The record.
    pub record_id: Uuid,
    /// The writer's organization.
    pub organization_id: Uuid,
    /// Who wrote it.
    pub author: String,
    /// What it says.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// Written by the EMS for itself: never shown to the OEM.
    pub internal: bool,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
