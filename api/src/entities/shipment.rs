//! Units of a build shipped together.

use sea_orm::entity::prelude::*;

/// A row of `shipments`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipments")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The build.
    pub build_id: Uuid,
    /// Where to.
    pub destination: String,
    /// Carrier.
    pub carrier: String,
    /// Carrier's tracking number.
    pub tracking_number: String,
    /// When.
    pub shipped_at: DateTimeUtc,
    /// The OEM's ship-to address it went to (shipments packed with `createShipment`).
    pub ship_to_address_id: Option<Uuid>,
    /// The customer's purchase order number.
    pub customer_po: Option<String>,
    /// The delivery date the customer's purchase order asks for.
    pub requested_date: Option<Date>,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
