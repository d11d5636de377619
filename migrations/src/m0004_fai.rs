//! First-article inspection reports, their characteristics and evidence, and electronic
//! signatures.

use crate::columns::{fk, id, index, text, time, uuid};
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
enum Builds {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FaiReports {
    Table,
    Id,
    BuildId,
    UnitId,
    PackageId,
    OemId,
    EmsId,
    Reason,
    Scope,
    Status,
    Accountability,
    FirstSubmittedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FaiCharacteristics {
    Table,
    Id,
    ReportId,
    Number,
    Kind,
    Designator,
    Requirement,
    Method,
    Criteria,
    Result,
    Status,
    NonconformanceRef,
}

#[derive(DeriveIden)]
enum FaiEvidence {
    Table,
    Id,
    ReportId,
    CharacteristicId,
    Name,
    SizeBytes,
    Sha256,
    StorageKey,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Signatures {
    Table,
    Id,
    RecordType,
    RecordId,
    OrganizationId,
    SignerId,
    PrintedName,
    Email,
    Meaning,
    Reason,
    ContentHash,
    SignedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FaiReports::Table)
                    .col(id(FaiReports::Id))
                    .col(uuid(FaiReports::BuildId))
                    .col(uuid(FaiReports::UnitId))
                    .col(uuid(FaiReports::PackageId))
                    .col(uuid(FaiReports::OemId))
                    .col(uuid(FaiReports::EmsId))
                    .col(text(FaiReports::Reason, 32))
                    .col(text(FaiReports::Scope, 16))
                    .col(text(FaiReports::Status, 16))
                    .col(ColumnDef::new(FaiReports::Accountability).text().not_null())
                    .col(
                        ColumnDef::new(FaiReports::FirstSubmittedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(uuid(FaiReports::CreatedBy))
                    .col(time(FaiReports::CreatedAt))
                    .col(time(FaiReports::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_fai_reports_build",
                        (FaiReports::Table, FaiReports::BuildId),
                        (Builds::Table, Builds::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_fai_reports_unit",
                        (FaiReports::Table, FaiReports::UnitId),
                        (Units::Table, Units::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_fai_reports_oem",
                        (FaiReports::Table, FaiReports::OemId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_fai_reports_package",
                FaiReports::Table,
                &["package_id", "status"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_fai_reports_ems",
                FaiReports::Table,
                &["ems_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_fai_reports_oem",
                FaiReports::Table,
                &["oem_id", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FaiCharacteristics::Table)
                    .col(id(FaiCharacteristics::Id))
                    .col(uuid(FaiCharacteristics::ReportId))
                    .col(
                        ColumnDef::new(FaiCharacteristics::Number)
                            .integer()
                            .not_null(),
                    )
                    .col(text(FaiCharacteristics::Kind, 32))
                    .col(
                        ColumnDef::new(FaiCharacteristics::Designator)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(FaiCharacteristics::Requirement)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FaiCharacteristics::Method)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FaiCharacteristics::Criteria)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(ColumnDef::new(FaiCharacteristics::Result).text().null())
                    .col(
                        ColumnDef::new(FaiCharacteristics::Status)
                            .string_len(8)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(FaiCharacteristics::NonconformanceRef)
                            .string_len(100)
                            .null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_fai_characteristics_report",
                        (FaiCharacteristics::Table, FaiCharacteristics::ReportId),
                        (FaiReports::Table, FaiReports::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_fai_characteristics_number",
                FaiCharacteristics::Table,
                &["report_id", "number"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FaiEvidence::Table)
                    .col(id(FaiEvidence::Id))
                    .col(uuid(FaiEvidence::ReportId))
                    .col(ColumnDef::new(FaiEvidence::CharacteristicId).uuid().null())
                    .col(text(FaiEvidence::Name, 400))
                    .col(
                        ColumnDef::new(FaiEvidence::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(text(FaiEvidence::Sha256, 64))
                    .col(text(FaiEvidence::StorageKey, 200))
                    .col(uuid(FaiEvidence::UploadedBy))
                    .col(time(FaiEvidence::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_fai_evidence_report",
                        (FaiEvidence::Table, FaiEvidence::ReportId),
                        (FaiReports::Table, FaiReports::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_fai_evidence_report",
                FaiEvidence::Table,
                &["report_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Signatures::Table)
                    .col(id(Signatures::Id))
                    .col(text(Signatures::RecordType, 32))
                    .col(uuid(Signatures::RecordId))
                    .col(uuid(Signatures::OrganizationId))
                    .col(uuid(Signatures::SignerId))
                    .col(text(Signatures::PrintedName, 200))
                    .col(text(Signatures::Email, 320))
                    .col(text(Signatures::Meaning, 16))
                    .col(ColumnDef::new(Signatures::Reason).text().not_null())
                    .col(text(Signatures::ContentHash, 64))
                    .col(time(Signatures::SignedAt))
                    .foreign_key(&mut fk(
                        "fk_signatures_signer",
                        (Signatures::Table, Signatures::SignerId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_signatures_record",
                Signatures::Table,
                &["record_type", "record_id"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Signatures::Table.into_iden(),
            FaiEvidence::Table.into_iden(),
            FaiCharacteristics::Table.into_iden(),
            FaiReports::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
