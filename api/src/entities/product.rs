//! An OEM's product: a part number and a name.

use sea_orm::entity::prelude::*;

/// A row of `products`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The owning OEM.
    pub oem_id: Uuid,
    /// The OEM's part number, unique within the OEM.
    pub part_number: String,
    /// Display name.
    pub name: String,
    /// Free description.
    pub description: String,
    /// Who created it.
    pub created_by: Uuid,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// PCBA or BOX_BUILD.
    pub tier: String,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
