//! A person who signs in; belongs to exactly one organization with one role.

use sea_orm::entity::prelude::*;

/// A row of `users`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization the user belongs to.
    pub organization_id: Uuid,
    /// Lower-cased e-mail address, unique across the deployment.
    pub email: String,
    /// Name as printed on signatures.
    pub full_name: String,
    /// One of the `Role` spellings.
    pub role: String,
    /// PHC string of the argon2id hash.
    pub password_hash: String,
    /// A deactivated user can no longer sign in or use a token.
    pub active: bool,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
