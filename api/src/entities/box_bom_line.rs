//! A line of a box-build BOM: a sub-assembly, a bought item or firmware.

use sea_orm::entity::prelude::*;

/// A row of `box_bom_lines`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "box_bom_lines")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The box-build package.
    pub package_id: Uuid,
    /// Where it goes in the box (e.g. PCBA, MODEM); unique in the BOM.
    pub position: String,
    /// SUBASSEMBLY, BOUGHT or FIRMWARE.
    pub kind: String,
    /// The sub-assembly's product.
    pub child_product_id: Option<Uuid>,
    /// The sub-assembly's revision.
    pub child_revision: Option<String>,
    /// The sub-assembly's part number, the bought item's MPN, or the firmware's name.
    pub part_number: String,
    /// Free description.
    pub description: String,
    /// How many per box.
    pub quantity: i32,
    /// The firmware image: a file of the package.
    pub file_name: Option<String>,
    /// The firmware's version.
    pub firmware_version: Option<String>,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
