//! An event written in the same transaction as the change it tells of.

use sea_orm::entity::prelude::*;

/// A row of `outbox_events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    /// Primary key, time-ordered: the order of events.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization that receives it.
    pub organization_id: Uuid,
    /// The `WebhookEvent` spelling.
    pub event: String,
    /// The kind of record it is about, e.g. `Unit`.
    pub subject_type: String,
    /// The id of the record it is about.
    pub subject_id: Uuid,
    /// The JSON body receivers get.
    pub payload: String,
    /// When the change was made.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
