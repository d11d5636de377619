//! Corrective actions (CAPA) worked as an 8D: the CAPA with what it cites and its
//! effectiveness check, the NCRs it covers, and one row per discipline filled in; and the
//! notes both sides write on NCRs and CAPAs (the EMS's internal ones never shown to the OEM).

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
enum Ncrs {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Capas {
    Table,
    Id,
    EmsId,
    OemId,
    /// The product whose station results judge the effectiveness check.
    ProductId,
    /// `CAPA-000001`, counted per EMS.
    Number,
    Title,
    /// CORRECTIVE or SUPPLIER_REQUEST.
    Kind,
    /// OPEN or CLOSED.
    Status,
    /// JSON: the builds and serials it cites.
    Cites,
    /// The station kind whose first-pass yield judges the check.
    CheckStationKind,
    CheckThresholdPercent,
    CheckWindowUnits,
    /// Station results from this time on count.
    CheckFrom,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum CapaNcrs {
    Table,
    CapaId,
    NcrId,
}

#[derive(DeriveIden)]
enum CapaDisciplines {
    Table,
    Id,
    CapaId,
    /// D1 … D8.
    Discipline,
    Owner,
    DueDate,
    Content,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum QualityNotes {
    Table,
    Id,
    /// The EMS of the record.
    EmsId,
    /// `Ncr` or `Capa`.
    RecordType,
    RecordId,
    /// The writer's organization.
    OrganizationId,
    Author,
    Text,
    /// Written by the EMS for itself: never shown to the OEM.
    Internal,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Capas::Table)
                    .col(id(Capas::Id))
                    .col(uuid(Capas::EmsId))
                    .col(uuid(Capas::OemId))
                    .col(ColumnDef::new(Capas::ProductId).uuid().null())
                    .col(text(Capas::Number, 20))
                    .col(text(Capas::Title, 200))
                    .col(text(Capas::Kind, 20))
                    .col(text(Capas::Status, 20))
                    .col(ColumnDef::new(Capas::Cites).text().not_null())
                    .col(
                        ColumnDef::new(Capas::CheckStationKind)
                            .string_len(30)
                            .null(),
                    )
                    .col(ColumnDef::new(Capas::CheckThresholdPercent).double().null())
                    .col(ColumnDef::new(Capas::CheckWindowUnits).integer().null())
                    .col(
                        ColumnDef::new(Capas::CheckFrom)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(uuid(Capas::CreatedBy))
                    .col(time(Capas::CreatedAt))
                    .col(time(Capas::UpdatedAt))
                    .col(
                        ColumnDef::new(Capas::ClosedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_capas_ems",
                        (Capas::Table, Capas::EmsId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_capas_oem",
                        (Capas::Table, Capas::OemId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_capas_ems_number",
                Capas::Table,
                &["ems_id", "number"],
                true,
            ))
            .await?;
        manager
            .create_index(index("ix_capas_oem", Capas::Table, &["oem_id"], false))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CapaNcrs::Table)
                    .col(uuid(CapaNcrs::CapaId))
                    .col(uuid(CapaNcrs::NcrId))
                    .primary_key(Index::create().col(CapaNcrs::CapaId).col(CapaNcrs::NcrId))
                    .foreign_key(&mut fk(
                        "fk_capa_ncrs_capa",
                        (CapaNcrs::Table, CapaNcrs::CapaId),
                        (Capas::Table, Capas::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_capa_ncrs_ncr",
                        (CapaNcrs::Table, CapaNcrs::NcrId),
                        (Ncrs::Table, Ncrs::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_capa_ncrs_ncr",
                CapaNcrs::Table,
                &["ncr_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CapaDisciplines::Table)
                    .col(id(CapaDisciplines::Id))
                    .col(uuid(CapaDisciplines::CapaId))
                    .col(text(CapaDisciplines::Discipline, 2))
                    .col(text(CapaDisciplines::Owner, 200))
                    .col(ColumnDef::new(CapaDisciplines::DueDate).date().null())
                    .col(ColumnDef::new(CapaDisciplines::Content).text().not_null())
                    .col(text(CapaDisciplines::UpdatedBy, 200))
                    .col(time(CapaDisciplines::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_capa_disciplines_capa",
                        (CapaDisciplines::Table, CapaDisciplines::CapaId),
                        (Capas::Table, Capas::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_capa_disciplines",
                CapaDisciplines::Table,
                &["capa_id", "discipline"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QualityNotes::Table)
                    .col(id(QualityNotes::Id))
                    .col(uuid(QualityNotes::EmsId))
                    .col(text(QualityNotes::RecordType, 10))
                    .col(uuid(QualityNotes::RecordId))
                    .col(uuid(QualityNotes::OrganizationId))
                    .col(text(QualityNotes::Author, 200))
                    .col(ColumnDef::new(QualityNotes::Text).text().not_null())
                    .col(ColumnDef::new(QualityNotes::Internal).boolean().not_null())
                    .col(time(QualityNotes::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_quality_notes_org",
                        (QualityNotes::Table, QualityNotes::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_quality_notes_record",
                QualityNotes::Table,
                &["record_id"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            QualityNotes::Table.into_iden(),
            CapaDisciplines::Table.into_iden(),
            CapaNcrs::Table.into_iden(),
            Capas::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
