//! What identifies a unit to the world: firmware, modem, SIM.

use sea_orm::entity::prelude::*;

/// A row of `unit_identities`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit_identities")]
pub struct Model {
    /// The unit (primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_id: Uuid,
    /// The EMS (identities are unique within it).
    pub ems_id: Uuid,
    /// Firmware version.
    pub firmware_version: Option<String>,
    /// SHA-256 of the firmware image loaded.
    pub firmware_sha256: Option<String>,
    /// The modem's IMEI.
    pub imei: Option<String>,
    /// The SIM's ICCID.
    pub iccid: Option<String>,
    /// Who recorded it last.
    pub recorded_by: String,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
