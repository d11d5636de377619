//! One typed step of a station result: a measurement or check with its limits and verdict.

use sea_orm::entity::prelude::*;

/// A row of `test_steps`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "test_steps")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The station result it belongs to.
    pub station_event_id: Uuid,
    /// The build of that result.
    pub build_id: Uuid,
    /// The station of that result.
    pub station_id: Uuid,
    /// The EMS that recorded it.
    pub ems_id: Uuid,
    /// Its place among the result's steps, from 0.
    pub position: i32,
    /// The step's name, e.g. `VCC_3V3`.
    pub name: String,
    /// The measured number, for numeric steps.
    pub value: Option<f64>,
    /// The observed text, for non-numeric steps.
    pub text_value: Option<String>,
    /// The unit of `value` and the limits, e.g. `V`.
    pub unit: Option<String>,
    /// The lower limit, inclusive.
    pub low_limit: Option<f64>,
    /// The upper limit, inclusive.
    pub high_limit: Option<f64>,
    /// `PASS` or `FAIL`.
    pub result: String,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
