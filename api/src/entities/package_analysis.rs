//! The latest analysis of a package's files (layers, board, BOM, placements, findings).

use sea_orm::entity::prelude::*;

/// A row of `package_analyses`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "package_analyses")]
pub struct Model {
    /// The package (primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub package_id: Uuid,
    /// The analysis as JSON.
    #[sea_orm(column_type = "Text")]
    pub analysis: String,
    /// Number of ERROR findings.
    pub error_count: i32,
    /// Number of WARNING findings.
    pub warning_count: i32,
    /// When it was computed.
    pub computed_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
