//! A numbered characteristic of an FAI report (AS9102 form 3).

use sea_orm::entity::prelude::*;

/// A row of `fai_characteristics`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fai_characteristics")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The report.
    pub report_id: Uuid,
    /// Characteristic number, from 1.
    pub number: i32,
    /// DESIGNATOR, XRAY, DIMENSION, TORQUE, VISUAL or OTHER.
    pub kind: String,
    /// The designator inspected, if any.
    pub designator: Option<String>,
    /// What is required.
    #[sea_orm(column_type = "Text")]
    pub requirement: String,
    /// Method or tool.
    pub method: String,
    /// Workmanship criteria applied.
    pub criteria: String,
    /// The measured or observed result.
    #[sea_orm(column_type = "Text")]
    pub result: Option<String>,
    /// PASS or FAIL.
    pub status: Option<String>,
    /// Nonconformance report reference when failed.
    pub nonconformance_ref: Option<String>,
    /// The NCR opened for it, when it failed and one was linked.
    pub ncr_id: Option<Uuid>,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
