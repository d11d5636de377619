//! One serialized board or box of a build.

use sea_orm::entity::prelude::*;

/// A row of `units`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The build.
    pub build_id: Uuid,
    /// The EMS (serials are unique per EMS).
    pub ems_id: Uuid,
    /// Serial number.
    pub serial: String,
    /// IN_WORK, ON_HOLD, COMPLETED, SCRAPPED or SHIPPED.
    pub status: String,
    /// Position of the next station to pass; the routing length once complete.
    pub next_position: i32,
    /// Whether any station result was FAIL (then not first-pass).
    pub failed_ever: bool,
    /// The shipment, once shipped.
    pub shipment_id: Option<Uuid>,
    /// When it was serialized.
    pub created_at: DateTimeUtc,
    /// When it passed the last station.
    pub completed_at: Option<DateTimeUtc>,
    /// When it shipped.
    pub shipped_at: Option<DateTimeUtc>,
    /// The unit it is installed in now (repeats the current `unit_installations` edge).
    pub parent_unit_id: Option<Uuid>,
    /// The position it holds in that unit.
    pub parent_position: Option<String>,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
