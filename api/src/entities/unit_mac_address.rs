//! A MAC address of a unit, unique within the EMS.

use sea_orm::entity::prelude::*;

/// A row of `unit_mac_addresses`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit_mac_addresses")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The unit.
    pub unit_id: Uuid,
    /// The EMS.
    pub ems_id: Uuid,
    /// `AA:BB:CC:DD:EE:FF`.
    pub mac: String,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
