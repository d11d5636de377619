//! A comment in a package's review thread, optionally anchored to a file or designator.

use sea_orm::entity::prelude::*;

/// A row of `package_comments`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "package_comments")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The package.
    pub package_id: Uuid,
    /// Who wrote it.
    pub author_id: Uuid,
    /// The text.
    pub body: String,
    /// The file it is about, if any.
    pub anchor_file: Option<String>,
    /// The designator it is about, if any.
    pub anchor_designator: Option<String>,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
