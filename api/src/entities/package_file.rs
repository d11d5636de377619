//! A file of a package; the bytes live in the blob store.

use sea_orm::entity::prelude::*;

/// A row of `package_files`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "package_files")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The package.
    pub package_id: Uuid,
    /// GERBER, DRILL, BOM, CENTROID, DRAWING or OTHER.
    pub kind: String,
    /// File name (path inside a zip kept with `/`).
    pub name: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Key in the blob store.
    pub storage_key: String,
    /// Layer function set by a person, overriding detection.
    pub layer_function_override: Option<String>,
    /// Who uploaded it.
    pub uploaded_by: Uuid,
    /// When it was uploaded.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
