//! The class a package states for one IPC standard.

use sea_orm::entity::prelude::*;

/// A row of `package_standards`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "package_standards")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The package.
    pub package_id: Uuid,
    /// IPC_A_610, IPC_WHMA_A_620 or IPC_A_630.
    pub standard: String,
    /// CLASS_1, CLASS_2 or CLASS_3.
    pub class: String,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
