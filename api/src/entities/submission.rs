//! One submission of a package to its EMS; every one stays on record.

use sea_orm::entity::prelude::*;

/// A row of `submissions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "submissions")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The package.
    pub package_id: Uuid,
    /// 1 for the first submission, then 2, ….
    pub number: i32,
    /// SHA-256 over the files as submitted.
    pub content_hash: String,
    /// Who submitted.
    pub submitted_by: Uuid,
    /// When.
    pub submitted_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
