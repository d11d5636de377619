//! A carton of a shipment, on a pallet or loose.

use sea_orm::entity::prelude::*;

/// A row of `shipment_cartons`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipment_cartons")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The shipment.
    pub shipment_id: Uuid,
    /// 1-based carton number within the shipment.
    pub carton_no: i32,
    /// The pallet it is on, if palletized.
    pub pallet_no: Option<i32>,
    /// Its gross weight, in grams.
    pub weight_grams: Option<i32>,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
