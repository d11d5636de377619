//! Quality: nonconformance reports (NCRs) of an EMS, each over items (a unit, possibly at a
//! designator and from a defect, or a component lot) with their containment and disposition,
//! and the OEM's material review of dispositions that need it.

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
enum ComponentLots {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Ncrs {
    Table,
    Id,
    EmsId,
    /// The OEM whose product it concerns; none for a lot found bad before any use.
    OemId,
    BuildId,
    /// `NCR-000001`, counted per EMS.
    Number,
    Title,
    Description,
    /// MINOR, MAJOR or CRITICAL.
    Severity,
    /// DEFECT, LOT, FAI or MANUAL.
    Source,
    /// OPEN, IN_REVIEW or CLOSED.
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum NcrItems {
    Table,
    Id,
    NcrId,
    UnitId,
    LotId,
    DefectId,
    Designator,
    /// REWORK, REPAIR, SCRAP, USE_AS_IS or RETURN_TO_SUPPLIER, once given.
    Disposition,
    DispositionReason,
    DisposedBy,
    DisposedAt,
    /// NOT_NEEDED, PENDING, APPROVED or REJECTED: the OEM's material review.
    Review,
    /// Whether the item is held: no station result, lot usage or shipment until released.
    Contained,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Ncrs::Table)
                    .col(id(Ncrs::Id))
                    .col(uuid(Ncrs::EmsId))
                    .col(ColumnDef::new(Ncrs::OemId).uuid().null())
                    .col(ColumnDef::new(Ncrs::BuildId).uuid().null())
                    .col(text(Ncrs::Number, 20))
                    .col(text(Ncrs::Title, 200))
                    .col(ColumnDef::new(Ncrs::Description).text().not_null())
                    .col(text(Ncrs::Severity, 20))
                    .col(text(Ncrs::Source, 20))
                    .col(text(Ncrs::Status, 20))
                    .col(uuid(Ncrs::CreatedBy))
                    .col(time(Ncrs::CreatedAt))
                    .col(time(Ncrs::UpdatedAt))
                    .col(
                        ColumnDef::new(Ncrs::ClosedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_ncrs_ems",
                        (Ncrs::Table, Ncrs::EmsId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ncrs_oem",
                        (Ncrs::Table, Ncrs::OemId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ncrs_build",
                        (Ncrs::Table, Ncrs::BuildId),
                        (Builds::Table, Builds::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_ncrs_ems_number",
                Ncrs::Table,
                &["ems_id", "number"],
                true,
            ))
            .await?;
        manager
            .create_index(index("ix_ncrs_oem", Ncrs::Table, &["oem_id"], false))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NcrItems::Table)
                    .col(id(NcrItems::Id))
                    .col(uuid(NcrItems::NcrId))
                    .col(ColumnDef::new(NcrItems::UnitId).uuid().null())
                    .col(ColumnDef::new(NcrItems::LotId).uuid().null())
                    .col(ColumnDef::new(NcrItems::DefectId).uuid().null())
                    .col(ColumnDef::new(NcrItems::Designator).string_len(50).null())
                    .col(ColumnDef::new(NcrItems::Disposition).string_len(30).null())
                    .col(ColumnDef::new(NcrItems::DispositionReason).text().null())
                    .col(ColumnDef::new(NcrItems::DisposedBy).string_len(200).null())
                    .col(
                        ColumnDef::new(NcrItems::DisposedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(text(NcrItems::Review, 20))
                    .col(ColumnDef::new(NcrItems::Contained).boolean().not_null())
                    .foreign_key(&mut fk(
                        "fk_ncr_items_ncr",
                        (NcrItems::Table, NcrItems::NcrId),
                        (Ncrs::Table, Ncrs::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ncr_items_unit",
                        (NcrItems::Table, NcrItems::UnitId),
                        (Units::Table, Units::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ncr_items_lot",
                        (NcrItems::Table, NcrItems::LotId),
                        (ComponentLots::Table, ComponentLots::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_ncr_items_ncr", "ncr_id"),
            ("ix_ncr_items_unit", "unit_id"),
            ("ix_ncr_items_lot", "lot_id"),
        ] {
            manager
                .create_index(index(name, NcrItems::Table, &[col], false))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NcrItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Ncrs::Table).to_owned())
            .await
    }
}
