//! The Firstpass database schema, as an ordered list of migrations.
//!
//! Rules that keep both databases happy and old migrations stable:
//! - each migration declares its own identifiers (`DeriveIden` enums) and never imports entities;
//! - enums are stored as text, ids as UUIDs, times as timestamps with time zone;
//! - foreign keys are declared inside `Table::create`, because SQLite cannot add them later.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m0001_accounts;
mod m0002_packages;
mod m0003_builds;
mod m0004_fai;
mod m0005_units_build_serial;
mod m0006_derived_pictures;
mod m0007_login_failures;
mod m0008_box_build;
mod m0009_revision_effectivity;
mod m0010_inbox;
mod m0011_integrations;
mod m0014_unit_current_parent;
mod m0015_supply;
mod m0016_shipping;
mod m0017_requested_delivery;
mod m0018_quality;
mod m0019_capa;
mod m0020_fai_ncr_link;
mod m0021_token_limits;
mod m0022_unit_top;

/// Runs the Firstpass migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_accounts::Migration),
            Box::new(m0002_packages::Migration),
            Box::new(m0003_builds::Migration),
            Box::new(m0004_fai::Migration),
            Box::new(m0005_units_build_serial::Migration),
            Box::new(m0006_derived_pictures::Migration),
            Box::new(m0007_login_failures::Migration),
            Box::new(m0008_box_build::Migration),
            Box::new(m0009_revision_effectivity::Migration),
            Box::new(m0010_inbox::Migration),
            Box::new(m0011_integrations::Migration),
            Box::new(m0014_unit_current_parent::Migration),
            Box::new(m0015_supply::Migration),
            Box::new(m0016_shipping::Migration),
            Box::new(m0017_requested_delivery::Migration),
            Box::new(m0018_quality::Migration),
            Box::new(m0019_capa::Migration),
            Box::new(m0020_fai_ncr_link::Migration),
            Box::new(m0021_token_limits::Migration),
            Box::new(m0022_unit_top::Migration),
        ]
    }
}
