//! A unit packed in a carton.

use sea_orm::entity::prelude::*;

/// A row of `shipment_carton_units`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipment_carton_units")]
pub struct Model {
    /// The carton.
    #[sea_orm(primary_key, auto_increment = false)]
    pub carton_id: Uuid,
    /// The unit.
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_id: Uuid,
    /// The shipment (copied from the carton for its own lookups).
    pub shipment_id: Uuid,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
