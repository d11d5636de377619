//! An index on units (build id, serial): the lookups of a build's units by serial (shipping,
//! lot usage by serials or by a serial range) walk it instead of every unit of the EMS.

use crate::columns::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Units {
    Table,
}

const NAME: &str = "ix_units_build_serial";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                index(NAME, Units::Table, &["build_id", "serial"], false)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Units::Table).to_owned())
            .await
    }
}
