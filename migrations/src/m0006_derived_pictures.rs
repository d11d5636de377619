//! Derived pictures of a package: the SVGs rendered once when its files change, kept in the blob
//! store under `derived/{inputs_hash}/`, with the keys recorded beside the analysis.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PackageAnalyses {
    Table,
    InputsHash,
    Pictures,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(PackageAnalyses::Table)
                    .add_column(
                        ColumnDef::new(PackageAnalyses::InputsHash)
                            .string_len(64)
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PackageAnalyses::Table)
                    .add_column(ColumnDef::new(PackageAnalyses::Pictures).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_package_analyses_inputs_hash")
                    .table(PackageAnalyses::Table)
                    .col(PackageAnalyses::InputsHash)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_package_analyses_inputs_hash")
                    .table(PackageAnalyses::Table)
                    .to_owned(),
            )
            .await?;
        for column in [PackageAnalyses::Pictures, PackageAnalyses::InputsHash] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PackageAnalyses::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
