//! A unit installed in another (a sub-assembly in a box); removal closes the row, never deletes it.

use sea_orm::entity::prelude::*;

/// A row of `unit_installations`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit_installations")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The EMS.
    pub ems_id: Uuid,
    /// The unit installed into.
    pub parent_id: Uuid,
    /// The unit installed.
    pub child_id: Uuid,
    /// The BOM position.
    pub position: String,
    /// When it was installed.
    pub installed_at: DateTimeUtc,
    /// Who installed it.
    pub installed_by: String,
    /// When it was removed.
    pub removed_at: Option<DateTimeUtc>,
    /// Who removed it.
    pub removed_by: Option<String>,
    /// Why.
    pub removal_reason: Option<String>,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
