//! A link between one OEM and one EMS that lets them exchange packages and builds.

use sea_orm::entity::prelude::*;

/// A row of `partnerships`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partnerships")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The OEM side.
    pub oem_id: Uuid,
    /// The EMS side.
    pub ems_id: Uuid,
    /// When it was created.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
