//! Products, NPI packages, their files, analyses, submissions, reviews and comments.

use crate::columns::{fk, id, index, time, uuid};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    OemId,
    PartNumber,
    Name,
    Description,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NpiPackages {
    Table,
    Id,
    ProductId,
    OemId,
    EmsId,
    Revision,
    IpcClass,
    Quantities,
    Notes,
    Status,
    ContentHash,
    FirstSubmittedAt,
    PreviousPackageId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PackageFiles {
    Table,
    Id,
    PackageId,
    Kind,
    Name,
    SizeBytes,
    Sha256,
    StorageKey,
    LayerFunctionOverride,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PackageAnalyses {
    Table,
    PackageId,
    Analysis,
    ErrorCount,
    WarningCount,
    ComputedAt,
}

#[derive(DeriveIden)]
enum Submissions {
    Table,
    Id,
    PackageId,
    Number,
    ContentHash,
    SubmittedBy,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    PackageId,
    SubmissionId,
    Decision,
    Comment,
    ReviewerId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PackageComments {
    Table,
    Id,
    PackageId,
    AuthorId,
    Body,
    AnchorFile,
    AnchorDesignator,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(id(Products::Id))
                    .col(uuid(Products::OemId))
                    .col(
                        ColumnDef::new(Products::PartNumber)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Products::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Products::Description).text().not_null())
                    .col(uuid(Products::CreatedBy))
                    .col(time(Products::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_products_oem",
                        (Products::Table, Products::OemId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_products_created_by",
                        (Products::Table, Products::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_products_oem_part",
                Products::Table,
                &["oem_id", "part_number"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NpiPackages::Table)
                    .col(id(NpiPackages::Id))
                    .col(uuid(NpiPackages::ProductId))
                    .col(uuid(NpiPackages::OemId))
                    .col(uuid(NpiPackages::EmsId))
                    .col(
                        ColumnDef::new(NpiPackages::Revision)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NpiPackages::IpcClass)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NpiPackages::Quantities)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(ColumnDef::new(NpiPackages::Notes).text().not_null())
                    .col(
                        ColumnDef::new(NpiPackages::Status)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NpiPackages::ContentHash)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(NpiPackages::FirstSubmittedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(NpiPackages::PreviousPackageId).uuid().null())
                    .col(uuid(NpiPackages::CreatedBy))
                    .col(time(NpiPackages::CreatedAt))
                    .col(time(NpiPackages::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_npi_packages_product",
                        (NpiPackages::Table, NpiPackages::ProductId),
                        (Products::Table, Products::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_npi_packages_oem",
                        (NpiPackages::Table, NpiPackages::OemId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_npi_packages_ems",
                        (NpiPackages::Table, NpiPackages::EmsId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_npi_packages_previous",
                        (NpiPackages::Table, NpiPackages::PreviousPackageId),
                        (NpiPackages::Table, NpiPackages::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_npi_packages_product_rev",
                NpiPackages::Table,
                &["product_id", "revision"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_npi_packages_oem",
                NpiPackages::Table,
                &["oem_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_npi_packages_ems",
                NpiPackages::Table,
                &["ems_id", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PackageFiles::Table)
                    .col(id(PackageFiles::Id))
                    .col(uuid(PackageFiles::PackageId))
                    .col(ColumnDef::new(PackageFiles::Kind).string_len(16).not_null())
                    .col(
                        ColumnDef::new(PackageFiles::Name)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PackageFiles::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PackageFiles::Sha256)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PackageFiles::StorageKey)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PackageFiles::LayerFunctionOverride)
                            .string_len(32)
                            .null(),
                    )
                    .col(uuid(PackageFiles::UploadedBy))
                    .col(time(PackageFiles::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_package_files_package",
                        (PackageFiles::Table, PackageFiles::PackageId),
                        (NpiPackages::Table, NpiPackages::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_package_files_name",
                PackageFiles::Table,
                &["package_id", "name"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PackageAnalyses::Table)
                    .col(
                        ColumnDef::new(PackageAnalyses::PackageId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PackageAnalyses::Analysis).text().not_null())
                    .col(
                        ColumnDef::new(PackageAnalyses::ErrorCount)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PackageAnalyses::WarningCount)
                            .integer()
                            .not_null(),
                    )
                    .col(time(PackageAnalyses::ComputedAt))
                    .foreign_key(&mut fk(
                        "fk_package_analyses_package",
                        (PackageAnalyses::Table, PackageAnalyses::PackageId),
                        (NpiPackages::Table, NpiPackages::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Submissions::Table)
                    .col(id(Submissions::Id))
                    .col(uuid(Submissions::PackageId))
                    .col(ColumnDef::new(Submissions::Number).integer().not_null())
                    .col(
                        ColumnDef::new(Submissions::ContentHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(uuid(Submissions::SubmittedBy))
                    .col(time(Submissions::SubmittedAt))
                    .foreign_key(&mut fk(
                        "fk_submissions_package",
                        (Submissions::Table, Submissions::PackageId),
                        (NpiPackages::Table, NpiPackages::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_submissions_number",
                Submissions::Table,
                &["package_id", "number"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(id(Reviews::Id))
                    .col(uuid(Reviews::PackageId))
                    .col(uuid(Reviews::SubmissionId))
                    .col(ColumnDef::new(Reviews::Decision).string_len(32).not_null())
                    .col(ColumnDef::new(Reviews::Comment).text().not_null())
                    .col(uuid(Reviews::ReviewerId))
                    .col(time(Reviews::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_reviews_package",
                        (Reviews::Table, Reviews::PackageId),
                        (NpiPackages::Table, NpiPackages::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_reviews_submission",
                        (Reviews::Table, Reviews::SubmissionId),
                        (Submissions::Table, Submissions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_reviews_package",
                Reviews::Table,
                &["package_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PackageComments::Table)
                    .col(id(PackageComments::Id))
                    .col(uuid(PackageComments::PackageId))
                    .col(uuid(PackageComments::AuthorId))
                    .col(ColumnDef::new(PackageComments::Body).text().not_null())
                    .col(
                        ColumnDef::new(PackageComments::AnchorFile)
                            .string_len(400)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PackageComments::AnchorDesignator)
                            .string_len(64)
                            .null(),
                    )
                    .col(time(PackageComments::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_package_comments_package",
                        (PackageComments::Table, PackageComments::PackageId),
                        (NpiPackages::Table, NpiPackages::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_package_comments_author",
                        (PackageComments::Table, PackageComments::AuthorId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_package_comments_package",
                PackageComments::Table,
                &["package_id"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PackageComments::Table.into_iden(),
            Reviews::Table.into_iden(),
            Submissions::Table.into_iden(),
            PackageAnalyses::Table.into_iden(),
            PackageFiles::Table.into_iden(),
            NpiPackages::Table.into_iden(),
            Products::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
