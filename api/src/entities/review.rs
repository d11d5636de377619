//! An EMS decision on a submission.

use sea_orm::entity::prelude::*;

/// A row of `reviews`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The package.
    pub package_id: Uuid,
    /// The submission decided on.
    pub submission_id: Uuid,
    /// ACCEPT or REQUEST_CHANGES.
    pub decision: String,
    /// The reviewer's comment.
    pub comment: String,
    /// Who decided.
    pub reviewer_id: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
