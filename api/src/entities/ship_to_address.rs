//! An address an OEM has its units shipped to (its own dock or a 3PL's).

use sea_orm::entity::prelude::*;

/// A row of `ship_to_addresses`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ship_to_addresses")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The OEM whose address it is.
    pub oem_id: Uuid,
    /// Who receives there (e.g. "Acme c/o Reno 3PL").
    pub name: String,
    /// Street and number.
    pub street: String,
    /// City.
    pub city: String,
    /// State or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// When it was added.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
