//! A station result of a unit.

use sea_orm::entity::prelude::*;

/// A row of `station_events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "station_events")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The unit.
    pub unit_id: Uuid,
    /// The build.
    pub build_id: Uuid,
    /// The station.
    pub station_id: Uuid,
    /// The EMS (idempotency keys are unique per EMS).
    pub ems_id: Uuid,
    /// PASS or FAIL.
    pub result: String,
    /// Measurements as JSON text.
    #[sea_orm(column_type = "Text")]
    pub measurements: String,
    /// The client's key: the same key records once.
    pub idempotency_key: Option<String>,
    /// Who recorded it (user e-mail or token name).
    pub recorded_by: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
