//! One part ordered on a purchase order, with its promised date and what has been received.

use sea_orm::entity::prelude::*;

/// A row of `purchase_order_lines`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchase_order_lines")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order.
    pub purchase_order_id: Uuid,
    /// The EMS (copied from the order for its own filters).
    pub ems_id: Uuid,
    /// 1-based line number on the order.
    pub line_no: i32,
    /// Manufacturer part number.
    pub mpn: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Parts ordered.
    pub quantity: i32,
    /// When the supplier promised them.
    pub promised_date: Date,
    /// Parts received so far.
    pub received_quantity: i32,
    /// Last change (a new promise, a receipt).
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
