//! A file attached to an FAI report or characteristic.

use sea_orm::entity::prelude::*;

/// A row of `fai_evidence`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fai_evidence")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The report.
    pub report_id: Uuid,
    /// The characteristic, if attached to one.
    pub characteristic_id: Option<Uuid>,
    /// File name.
    pub name: String,
    /// Size.
    pub size_bytes: i64,
    /// Hex SHA-256.
    pub sha256: String,
    /// Blob key.
    pub storage_key: String,
    /// Who.
    pub uploaded_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
