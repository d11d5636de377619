//! A corrective action (CAPA) worked as an 8D.

use sea_orm::entity::prelude::*;

/// A row of `capas`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "capas")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The EMS that works it.
    pub ems_id: Uuid,
    /// The OEM whose product it concerns.
    pub oem_id: Uuid,
    /// The product whose station results judge the effectiveness check.
    pub product_id: Option<Uuid>,
    /// `CAPA-000001`, counted per EMS.
    pub number: String,
    /// One line.
    pub title: String,
    /// CORRECTIVE or SUPPLIER_REQUEST.
    pub kind: String,
    /// OPEN or CLOSED.
    pub status: String,
    /// JSON: the builds and serials it cites.
    #[sea_orm(column_type = "Text")]
    pub cites: String,
    /// The station kind whose first-pass yield judges the check.
    pub check_station_kind: Option<String>,
    /// The yield the check asks, in percent.
    pub check_threshold_percent: Option<f64>,
    /// How many units the check looks at.
    pub check_window_units: Option<i32>,
    /// Station results from this time on count.
    pub check_from: Option<DateTimeUtc>,
    /// Who opened it.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// When it was closed.
    pub closed_at: Option<DateTimeUtc>,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
