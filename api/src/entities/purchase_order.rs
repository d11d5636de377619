//! A purchase order the EMS placed with a supplier.

use sea_orm::entity::prelude::*;

/// A row of `purchase_orders`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchase_orders")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The EMS that placed it.
    pub ems_id: Uuid,
    /// The EMS's order number, unique per EMS.
    pub po_number: String,
    /// Who supplies it.
    pub supplier: String,
    /// The build it was placed for, if any.
    pub build_id: Option<Uuid>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
