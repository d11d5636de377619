//! A failed FAI characteristic links the NCR opened for it, instead of naming it in free text.

use crate::columns::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FaiCharacteristics {
    Table,
    NcrId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(FaiCharacteristics::Table)
                    .add_column(ColumnDef::new(FaiCharacteristics::NcrId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_fai_characteristics_ncr",
                FaiCharacteristics::Table,
                &["ncr_id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_fai_characteristics_ncr")
                    .table(FaiCharacteristics::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(FaiCharacteristics::Table)
                    .drop_column(FaiCharacteristics::NcrId)
                    .to_owned(),
            )
            .await
    }
}
