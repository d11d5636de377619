//! One station of a build's routing.

use sea_orm::entity::prelude::*;

/// A row of `build_stations`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "build_stations")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The build.
    pub build_id: Uuid,
    /// Order in the routing, from 0.
    pub position: i32,
    /// Station kind (SMT_TOP, REFLOW, AOI, …).
    pub kind: String,
    /// Display name, unique in the build; MES integrations address stations by it.
    pub name: String,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
