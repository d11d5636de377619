//! The effectivity an OEM chooses for a revision: from which date, serial or build on it
//! replaces the one it was made from.

use crate::columns::{fk, text, time, uuid};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RevisionEffectivities {
    Table,
    /// The revision (one effectivity each).
    PackageId,
    /// `FROM_DATE`, `FROM_SERIAL` or `NEXT_BUILD`.
    Kind,
    FromDate,
    FromSerial,
    SetBy,
    SetAt,
}

#[derive(DeriveIden)]
enum NpiPackages {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RevisionEffectivities::Table)
                    .col(
                        ColumnDef::new(RevisionEffectivities::PackageId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(text(RevisionEffectivities::Kind, 16))
                    .col(
                        ColumnDef::new(RevisionEffectivities::FromDate)
                            .date()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(RevisionEffectivities::FromSerial)
                            .string_len(128)
                            .null(),
                    )
                    .col(uuid(RevisionEffectivities::SetBy))
                    .col(time(RevisionEffectivities::SetAt))
                    .foreign_key(&mut fk(
                        "fk_revision_effectivities_package",
                        (
                            RevisionEffectivities::Table,
                            RevisionEffectivities::PackageId,
                        ),
                        (NpiPackages::Table, NpiPackages::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RevisionEffectivities::Table).to_owned())
            .await
    }
}
