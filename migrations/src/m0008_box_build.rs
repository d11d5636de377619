//! Box build: product tiers, a class per IPC standard on a package, box-build BOM lines,
//! unit-to-unit installations (never deleted), per-unit identities with the uniqueness the
//! world demands (IMEI, ICCID and MAC within an EMS), shipment deliveries and recall campaigns.
//!
//! Partial unique indexes (`WHERE removed_at IS NULL`) are written as SQL: the statement is the
//! same on SQLite and PostgreSQL, and it is what lets the database itself refuse a second
//! current parent for a unit or a second unit in one position.

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
enum Products {
    Table,
    Id,
    Tier,
}

#[derive(DeriveIden)]
enum NpiPackages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Shipments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PackageStandards {
    Table,
    Id,
    PackageId,
    Standard,
    Class,
}

#[derive(DeriveIden)]
enum BoxBomLines {
    Table,
    Id,
    PackageId,
    Position,
    Kind,
    ChildProductId,
    ChildRevision,
    PartNumber,
    Description,
    Quantity,
    FileName,
    FirmwareVersion,
}

#[derive(DeriveIden)]
enum UnitInstallations {
    Table,
    Id,
    EmsId,
    ParentId,
    ChildId,
    Position,
    InstalledAt,
    InstalledBy,
    RemovedAt,
    RemovedBy,
    RemovalReason,
}

#[derive(DeriveIden)]
enum UnitIdentities {
    Table,
    UnitId,
    EmsId,
    FirmwareVersion,
    FirmwareSha256,
    Imei,
    Iccid,
    RecordedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UnitMacAddresses {
    Table,
    Id,
    UnitId,
    EmsId,
    Mac,
}

#[derive(DeriveIden)]
enum ShipmentDeliveries {
    Table,
    ShipmentId,
    DeliveredAt,
    RecordedBy,
}

#[derive(DeriveIden)]
enum RecallCampaigns {
    Table,
    Id,
    OemId,
    EmsId,
    Mpn,
    LotCode,
    Title,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RecallCampaignUnits {
    Table,
    Id,
    CampaignId,
    UnitId,
    Serial,
    Status,
    UpdatedBy,
    UpdatedAt,
}

fn optional_text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Products::Table)
                    .add_column(
                        ColumnDef::new(Products::Tier)
                            .string_len(16)
                            .not_null()
                            .default("PCBA"),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PackageStandards::Table)
                    .col(id(PackageStandards::Id))
                    .col(uuid(PackageStandards::PackageId))
                    .col(text(PackageStandards::Standard, 32))
                    .col(text(PackageStandards::Class, 16))
                    .foreign_key(&mut fk(
                        "fk_package_standards_package",
                        (PackageStandards::Table, PackageStandards::PackageId),
                        (NpiPackages::Table, NpiPackages::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_package_standards",
                PackageStandards::Table,
                &["package_id", "standard"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BoxBomLines::Table)
                    .col(id(BoxBomLines::Id))
                    .col(uuid(BoxBomLines::PackageId))
                    .col(text(BoxBomLines::Position, 64))
                    .col(text(BoxBomLines::Kind, 16))
                    .col(ColumnDef::new(BoxBomLines::ChildProductId).uuid().null())
                    .col(optional_text(BoxBomLines::ChildRevision, 16))
                    .col(text(BoxBomLines::PartNumber, 100))
                    .col(ColumnDef::new(BoxBomLines::Description).text().not_null())
                    .col(ColumnDef::new(BoxBomLines::Quantity).integer().not_null())
                    .col(optional_text(BoxBomLines::FileName, 400))
                    .col(optional_text(BoxBomLines::FirmwareVersion, 100))
                    .foreign_key(&mut fk(
                        "fk_box_bom_lines_package",
                        (BoxBomLines::Table, BoxBomLines::PackageId),
                        (NpiPackages::Table, NpiPackages::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_box_bom_lines_child_product",
                        (BoxBomLines::Table, BoxBomLines::ChildProductId),
                        (Products::Table, Products::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_box_bom_lines_position",
                BoxBomLines::Table,
                &["package_id", "position"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UnitInstallations::Table)
                    .col(id(UnitInstallations::Id))
                    .col(uuid(UnitInstallations::EmsId))
                    .col(uuid(UnitInstallations::ParentId))
                    .col(uuid(UnitInstallations::ChildId))
                    .col(text(UnitInstallations::Position, 64))
                    .col(time(UnitInstallations::InstalledAt))
                    .col(text(UnitInstallations::InstalledBy, 400))
                    .col(
                        ColumnDef::new(UnitInstallations::RemovedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(optional_text(UnitInstallations::RemovedBy, 400))
                    .col(
                        ColumnDef::new(UnitInstallations::RemovalReason)
                            .text()
                            .null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_unit_installations_parent",
                        (UnitInstallations::Table, UnitInstallations::ParentId),
                        (Units::Table, Units::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_unit_installations_child",
                        (UnitInstallations::Table, UnitInstallations::ChildId),
                        (Units::Table, Units::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // History walks: every installation of a parent, of a child.
        manager
            .create_index(index(
                "ix_unit_installations_parent",
                UnitInstallations::Table,
                &["parent_id", "installed_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_unit_installations_child",
                UnitInstallations::Table,
                &["child_id", "installed_at"],
                false,
            ))
            .await?;
        let db = manager.get_connection();
        // A unit sits in at most one parent at a time, and one position holds one unit; the
        // first index is also the edge a trace climbs (child → current parent).
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_unit_installations_current_child \
             ON unit_installations (child_id) WHERE removed_at IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_unit_installations_current_position \
             ON unit_installations (parent_id, position) WHERE removed_at IS NULL",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(UnitIdentities::Table)
                    .col(
                        ColumnDef::new(UnitIdentities::UnitId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(uuid(UnitIdentities::EmsId))
                    .col(optional_text(UnitIdentities::FirmwareVersion, 100))
                    .col(optional_text(UnitIdentities::FirmwareSha256, 64))
                    .col(optional_text(UnitIdentities::Imei, 16))
                    .col(optional_text(UnitIdentities::Iccid, 22))
                    .col(text(UnitIdentities::RecordedBy, 400))
                    .col(time(UnitIdentities::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_unit_identities_unit",
                        (UnitIdentities::Table, UnitIdentities::UnitId),
                        (Units::Table, Units::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // Unique where the world says so; NULLs (not yet recorded) never collide.
        manager
            .create_index(index(
                "ux_unit_identities_imei",
                UnitIdentities::Table,
                &["ems_id", "imei"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ux_unit_identities_iccid",
                UnitIdentities::Table,
                &["ems_id", "iccid"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UnitMacAddresses::Table)
                    .col(id(UnitMacAddresses::Id))
                    .col(uuid(UnitMacAddresses::UnitId))
                    .col(uuid(UnitMacAddresses::EmsId))
                    .col(text(UnitMacAddresses::Mac, 17))
                    .foreign_key(&mut fk(
                        "fk_unit_mac_addresses_unit",
                        (UnitMacAddresses::Table, UnitMacAddresses::UnitId),
                        (Units::Table, Units::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_unit_mac_addresses_mac",
                UnitMacAddresses::Table,
                &["ems_id", "mac"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_unit_mac_addresses_unit",
                UnitMacAddresses::Table,
                &["unit_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ShipmentDeliveries::Table)
                    .col(
                        ColumnDef::new(ShipmentDeliveries::ShipmentId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(time(ShipmentDeliveries::DeliveredAt))
                    .col(text(ShipmentDeliveries::RecordedBy, 400))
                    .foreign_key(&mut fk(
                        "fk_shipment_deliveries_shipment",
                        (ShipmentDeliveries::Table, ShipmentDeliveries::ShipmentId),
                        (Shipments::Table, Shipments::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RecallCampaigns::Table)
                    .col(id(RecallCampaigns::Id))
                    .col(uuid(RecallCampaigns::OemId))
                    .col(uuid(RecallCampaigns::EmsId))
                    .col(text(RecallCampaigns::Mpn, 100))
                    .col(text(RecallCampaigns::LotCode, 64))
                    .col(text(RecallCampaigns::Title, 200))
                    .col(text(RecallCampaigns::CreatedBy, 400))
                    .col(time(RecallCampaigns::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_recall_campaigns_oem",
                        (RecallCampaigns::Table, RecallCampaigns::OemId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_recall_campaigns_ems",
                        (RecallCampaigns::Table, RecallCampaigns::EmsId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_recall_campaigns_oem", "oem_id"),
            ("ix_recall_campaigns_ems", "ems_id"),
        ] {
            manager
                .create_index(index(name, RecallCampaigns::Table, &[col, "id"], false))
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RecallCampaignUnits::Table)
                    .col(id(RecallCampaignUnits::Id))
                    .col(uuid(RecallCampaignUnits::CampaignId))
                    .col(uuid(RecallCampaignUnits::UnitId))
                    .col(text(RecallCampaignUnits::Serial, 100))
                    .col(text(RecallCampaignUnits::Status, 16))
                    .col(text(RecallCampaignUnits::UpdatedBy, 400))
                    .col(time(RecallCampaignUnits::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_recall_campaign_units_campaign",
                        (RecallCampaignUnits::Table, RecallCampaignUnits::CampaignId),
                        (RecallCampaigns::Table, RecallCampaigns::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_recall_campaign_units_unit",
                        (RecallCampaignUnits::Table, RecallCampaignUnits::UnitId),
                        (Units::Table, Units::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_recall_campaign_units",
                RecallCampaignUnits::Table,
                &["campaign_id", "serial"],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RecallCampaignUnits::Table.into_iden(),
            RecallCampaigns::Table.into_iden(),
            ShipmentDeliveries::Table.into_iden(),
            UnitMacAddresses::Table.into_iden(),
            UnitIdentities::Table.into_iden(),
            UnitInstallations::Table.into_iden(),
            BoxBomLines::Table.into_iden(),
            PackageStandards::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Products::Table)
                    .drop_column(Products::Tier)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
