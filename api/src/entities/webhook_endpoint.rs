//! A URL an organization registered to receive signed event notifications.

use sea_orm::entity::prelude::*;

/// A row of `webhook_endpoints`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization whose events it receives.
    pub organization_id: Uuid,
    /// Where events are posted.
    pub url: String,
    /// A label chosen by the admin.
    pub description: String,
    /// Comma-separated `WebhookEvent` spellings.
    pub events: String,
    /// The HMAC-SHA256 signing key; it has to be readable to sign, and is shown once.
    pub secret: String,
    /// Paused endpoints receive nothing.
    pub active: bool,
    /// The admin (user id) or API token (token id) that created it.
    pub created_by: Uuid,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
