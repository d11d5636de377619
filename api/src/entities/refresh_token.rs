//! One refresh token of a session; each works once and belongs to a rotation family.

use sea_orm::entity::prelude::*;

/// A row of `refresh_tokens`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Whose session this is.
    pub user_id: Uuid,
    /// Every token issued from one sign-in shares a family; reuse revokes the family.
    pub family_id: Uuid,
    /// Hex SHA-256 of the secret; the secret itself is never stored.
    pub token_hash: String,
    /// After this the token no longer works.
    pub expires_at: DateTimeUtc,
    /// Set when the token was exchanged for a new one.
    pub used_at: Option<DateTimeUtc>,
    /// Set on logout or on detected reuse.
    pub revoked_at: Option<DateTimeUtc>,
    /// When it was issued.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
