//! A long-lived credential an integration uses on behalf of its organization.

use sea_orm::entity::prelude::*;

/// A row of `api_tokens`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization the token acts for.
    pub organization_id: Uuid,
    /// A label chosen by the admin, e.g. "ERP sync".
    pub name: String,
    /// Hex SHA-256 of the secret; the secret is shown once and never stored.
    pub secret_hash: String,
    /// Comma-separated `Scope` spellings.
    pub scopes: String,
    /// Comma-separated `CAPABILITY:SCOPE` grants (`PRODUCTION:WRITE`); empty: the scopes hold
    /// for every capability.
    pub capabilities: String,
    /// Comma-separated webhook event spellings whose endpoints the token may manage.
    pub events: String,
    /// After this the token no longer works; `None` means it does not expire.
    pub expires_at: Option<DateTimeUtc>,
    /// Last time the token authenticated a request.
    pub last_used_at: Option<DateTimeUtc>,
    /// Set when an admin revoked it.
    pub revoked_at: Option<DateTimeUtc>,
    /// The admin who created it.
    pub created_by: Uuid,
    /// When it was created.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
