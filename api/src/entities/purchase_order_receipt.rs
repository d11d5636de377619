//! Parts of a purchase order line received, as the lot they became.

use sea_orm::entity::prelude::*;

/// A row of `purchase_order_receipts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchase_order_receipts")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order line.
    pub line_id: Uuid,
    /// The lot received.
    pub lot_id: Uuid,
    /// Parts received.
    pub quantity: i32,
    /// When.
    pub received_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
