//! A read mark: one user has read one inbox entry.

use sea_orm::entity::prelude::*;

/// A row of `inbox_reads`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox_reads")]
pub struct Model {
    /// The reader.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The entry's stable key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub entry_key: String,
    /// When it was read.
    pub read_at: DateTimeUtc,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
