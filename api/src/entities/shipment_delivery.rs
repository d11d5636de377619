//! A shipment's confirmed delivery.

use sea_orm::entity::prelude::*;

/// A row of `shipment_deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipment_deliveries")]
pub struct Model {
    /// The shipment (primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub shipment_id: Uuid,
    /// When it was delivered.
    pub delivered_at: DateTimeUtc,
    /// Who confirmed it.
    pub recorded_by: String,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
