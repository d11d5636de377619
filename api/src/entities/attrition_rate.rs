//! The attrition an EMS plans for one class of parts.

use sea_orm::entity::prelude::*;

/// A row of `attrition_rates`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attrition_rates")]
pub struct Model {
    /// The EMS.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ems_id: Uuid,
    /// The part class (`PartClass`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub part_class: String,
    /// Parts per million added on top of the placements (5,000 = 0.5 %).
    pub ppm: i32,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
