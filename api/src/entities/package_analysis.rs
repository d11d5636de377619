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
    /// SHA-256 over the inputs the analysis was computed from (file names, kinds, content
    /// hashes, layer overrides and the renderer version); the derived pictures live under
    /// `derived/{inputs_hash}/`. `None` for rows written before pictures were stored.
    pub inputs_hash: Option<String>,
    /// The blob keys of the rendered pictures, as JSON; `None` until they are rendered.
    #[sea_orm(column_type = "Text", nullable)]
    pub pictures: Option<String>,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
