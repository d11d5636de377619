//! A build (work order): an accepted package revision built by its EMS.

use sea_orm::entity::prelude::*;

/// A row of `builds`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "builds")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The accepted package revision built.
    pub package_id: Uuid,
    /// The product, for reports.
    pub product_id: Uuid,
    /// The OEM, for tenancy.
    pub oem_id: Uuid,
    /// The EMS building it.
    pub ems_id: Uuid,
    /// PROTOTYPE, PILOT or PRODUCTION.
    pub phase: String,
    /// Units ordered.
    pub quantity: i32,
    /// When the units are due.
    pub due_date: Date,
    /// PLANNED, IN_PROGRESS, COMPLETED or SHIPPED.
    pub status: String,
    /// Who planned it.
    pub created_by: Uuid,
    /// When it was planned.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
