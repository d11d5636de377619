//! One revision of a product's manufacturing data, addressed to one EMS partner.

use sea_orm::entity::prelude::*;

/// A row of `npi_packages`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "npi_packages")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// The OEM (the product's owner), kept here for tenancy filters.
    pub oem_id: Uuid,
    /// The EMS partner it is addressed to.
    pub ems_id: Uuid,
    /// Revision label: A, B, … or 01, 02, ….
    pub revision: String,
    /// IPC-A-610 class: `CLASS_1`, `CLASS_2` or `CLASS_3`.
    pub ipc_class: String,
    /// Target build quantities, comma-separated.
    pub quantities: String,
    /// Notes for the EMS.
    pub notes: String,
    /// Workflow status spelling.
    pub status: String,
    /// SHA-256 over all files, recorded at the last submission.
    pub content_hash: Option<String>,
    /// When it was first submitted; the EMS sees it from then on.
    pub first_submitted_at: Option<DateTimeUtc>,
    /// The revision this one was created from.
    pub previous_package_id: Option<Uuid>,
    /// Who created it.
    pub created_by: Uuid,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
