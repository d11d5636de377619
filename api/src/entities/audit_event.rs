//! Append-only record of a change: who did what to which record, when, before and after.

use sea_orm::entity::prelude::*;

/// A row of `audit_events`. Rows are inserted, never updated or deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    /// Primary key; a UUIDv7, so it also orders events by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization whose trail this event belongs to.
    pub organization_id: Uuid,
    /// The user who acted, when a person did.
    pub actor_user_id: Option<Uuid>,
    /// The API token that acted, when an integration did.
    pub actor_token_id: Option<Uuid>,
    /// Who acted, readable: an e-mail, a token name or "system".
    pub actor_label: String,
    /// Dotted action name, e.g. `user.create`.
    pub action: String,
    /// The kind of record changed, e.g. `User`.
    pub subject_type: String,
    /// The id of the record changed.
    pub subject_id: String,
    /// JSON of the record before the change, if it existed.
    pub before: Option<String>,
    /// JSON of the record after the change, if it still exists.
    pub after: Option<String>,
    /// The request that made the change.
    pub request_id: Option<String>,
    /// When it happened.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
