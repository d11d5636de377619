//! A reel or lot of a part received by an EMS.

use sea_orm::entity::prelude::*;

/// A row of `component_lots`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "component_lots")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The EMS that holds it.
    pub ems_id: Uuid,
    /// Manufacturer part number.
    pub mpn: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Manufacturer's lot code.
    pub lot_code: String,
    /// Date code.
    pub date_code: String,
    /// The EMS's reel id, unique per EMS.
    pub reel_id: String,
    /// Parts received.
    pub quantity: i32,
    /// Who supplied it.
    pub supplier: String,
    /// When it was received.
    pub received_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
