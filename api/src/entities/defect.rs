//! A defect found on a unit at a station.

use sea_orm::entity::prelude::*;

/// A row of `defects`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "defects")]
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
    /// Where on the board.
    pub designator: String,
    /// IPC-A-610-style defect code.
    pub code: String,
    /// Free description.
    pub description: String,
    /// REWORK, SCRAP or USE_AS_IS.
    pub disposition: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
