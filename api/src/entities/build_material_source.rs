//! Who supplies one part of a build: the OEM (consigned) or the EMS (turnkey).

use sea_orm::entity::prelude::*;

/// A row of `build_material_sources`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "build_material_sources")]
pub struct Model {
    /// The build.
    #[sea_orm(primary_key, auto_increment = false)]
    pub build_id: Uuid,
    /// The BOM's MPN.
    #[sea_orm(primary_key, auto_increment = false)]
    pub mpn: String,
    /// CONSIGNED or TURNKEY.
    pub source: String,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
