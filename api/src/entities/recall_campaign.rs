//! A recall of the units of one OEM holding a component lot.

use sea_orm::entity::prelude::*;

/// A row of `recall_campaigns`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recall_campaigns")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The OEM whose units are recalled.
    pub oem_id: Uuid,
    /// The EMS that built them.
    pub ems_id: Uuid,
    /// The part recalled.
    pub mpn: String,
    /// Its lot code.
    pub lot_code: String,
    /// A title.
    pub title: String,
    /// Who opened it.
    pub created_by: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
