//! A lot feeding one designator of one unit: the genealogy.

use sea_orm::entity::prelude::*;

/// A row of `lot_usages`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lot_usages")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The lot.
    pub lot_id: Uuid,
    /// The unit.
    pub unit_id: Uuid,
    /// The build.
    pub build_id: Uuid,
    /// The designator fed.
    pub designator: String,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
