//! Supply: purchase orders with their lines and receipts (each receipt a lot), alternate parts
//! the OEM approved per BOM part, attrition rates the EMS sets per part class, and who supplies
//! each part of a build (the OEM consigns it or the EMS buys it).

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
enum NpiPackages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ComponentLots {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PurchaseOrders {
    Table,
    Id,
    EmsId,
    /// The EMS's order number, unique per EMS.
    PoNumber,
    Supplier,
    /// The build it was placed for, if any (else general stock).
    BuildId,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PurchaseOrderLines {
    Table,
    Id,
    PurchaseOrderId,
    EmsId,
    LineNo,
    Mpn,
    Manufacturer,
    Quantity,
    PromisedDate,
    ReceivedQuantity,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PurchaseOrderReceipts {
    Table,
    Id,
    LineId,
    LotId,
    Quantity,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum AlternateParts {
    Table,
    Id,
    PackageId,
    OemId,
    EmsId,
    /// The BOM's own MPN the alternate stands in for.
    Mpn,
    AlternateMpn,
    AlternateManufacturer,
    Reason,
    /// PROPOSED, APPROVED or REJECTED.
    Status,
    ProposedBy,
    ProposedAt,
    DecidedBy,
    DecidedAt,
    DecisionNote,
}

#[derive(DeriveIden)]
enum AttritionRates {
    Table,
    EmsId,
    PartClass,
    /// Parts per million added on top of the placements (5,000 = 0.5 %).
    Ppm,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BuildMaterialSources {
    Table,
    BuildId,
    Mpn,
    /// CONSIGNED (the OEM supplies it) or TURNKEY (the EMS buys it).
    Source,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PurchaseOrders::Table)
                    .col(id(PurchaseOrders::Id))
                    .col(uuid(PurchaseOrders::EmsId))
                    .col(text(PurchaseOrders::PoNumber, 100))
                    .col(text(PurchaseOrders::Supplier, 200))
                    .col(ColumnDef::new(PurchaseOrders::BuildId).uuid().null())
                    .col(uuid(PurchaseOrders::CreatedBy))
                    .col(time(PurchaseOrders::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_purchase_orders_ems",
                        (PurchaseOrders::Table, PurchaseOrders::EmsId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_purchase_orders_build",
                        (PurchaseOrders::Table, PurchaseOrders::BuildId),
                        (Builds::Table, Builds::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_purchase_orders_number",
                PurchaseOrders::Table,
                &["ems_id", "po_number"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PurchaseOrderLines::Table)
                    .col(id(PurchaseOrderLines::Id))
                    .col(uuid(PurchaseOrderLines::PurchaseOrderId))
                    .col(uuid(PurchaseOrderLines::EmsId))
                    .col(
                        ColumnDef::new(PurchaseOrderLines::LineNo)
                            .integer()
                            .not_null(),
                    )
                    .col(text(PurchaseOrderLines::Mpn, 100))
                    .col(text(PurchaseOrderLines::Manufacturer, 200))
                    .col(
                        ColumnDef::new(PurchaseOrderLines::Quantity)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PurchaseOrderLines::PromisedDate)
                            .date()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PurchaseOrderLines::ReceivedQuantity)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(time(PurchaseOrderLines::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_purchase_order_lines_order",
                        (
                            PurchaseOrderLines::Table,
                            PurchaseOrderLines::PurchaseOrderId,
                        ),
                        (PurchaseOrders::Table, PurchaseOrders::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_purchase_order_lines_mpn",
                PurchaseOrderLines::Table,
                &["ems_id", "mpn"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ux_purchase_order_lines_no",
                PurchaseOrderLines::Table,
                &["purchase_order_id", "line_no"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PurchaseOrderReceipts::Table)
                    .col(id(PurchaseOrderReceipts::Id))
                    .col(uuid(PurchaseOrderReceipts::LineId))
                    .col(uuid(PurchaseOrderReceipts::LotId))
                    .col(
                        ColumnDef::new(PurchaseOrderReceipts::Quantity)
                            .integer()
                            .not_null(),
                    )
                    .col(time(PurchaseOrderReceipts::ReceivedAt))
                    .foreign_key(&mut fk(
                        "fk_purchase_order_receipts_line",
                        (PurchaseOrderReceipts::Table, PurchaseOrderReceipts::LineId),
                        (PurchaseOrderLines::Table, PurchaseOrderLines::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_purchase_order_receipts_lot",
                        (PurchaseOrderReceipts::Table, PurchaseOrderReceipts::LotId),
                        (ComponentLots::Table, ComponentLots::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_purchase_order_receipts_line",
                PurchaseOrderReceipts::Table,
                &["line_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlternateParts::Table)
                    .col(id(AlternateParts::Id))
                    .col(uuid(AlternateParts::PackageId))
                    .col(uuid(AlternateParts::OemId))
                    .col(uuid(AlternateParts::EmsId))
                    .col(text(AlternateParts::Mpn, 100))
                    .col(text(AlternateParts::AlternateMpn, 100))
                    .col(text(AlternateParts::AlternateManufacturer, 200))
                    .col(text(AlternateParts::Reason, 2000))
                    .col(text(AlternateParts::Status, 16))
                    .col(uuid(AlternateParts::ProposedBy))
                    .col(time(AlternateParts::ProposedAt))
                    .col(ColumnDef::new(AlternateParts::DecidedBy).uuid().null())
                    .col(
                        ColumnDef::new(AlternateParts::DecidedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AlternateParts::DecisionNote)
                            .string_len(2000)
                            .null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_alternate_parts_package",
                        (AlternateParts::Table, AlternateParts::PackageId),
                        (NpiPackages::Table, NpiPackages::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_alternate_parts_pair",
                AlternateParts::Table,
                &["package_id", "mpn", "alternate_mpn"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AttritionRates::Table)
                    .col(uuid(AttritionRates::EmsId))
                    .col(text(AttritionRates::PartClass, 32))
                    .col(ColumnDef::new(AttritionRates::Ppm).integer().not_null())
                    .col(time(AttritionRates::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(AttritionRates::EmsId)
                            .col(AttritionRates::PartClass),
                    )
                    .foreign_key(&mut fk(
                        "fk_attrition_rates_ems",
                        (AttritionRates::Table, AttritionRates::EmsId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BuildMaterialSources::Table)
                    .col(uuid(BuildMaterialSources::BuildId))
                    .col(text(BuildMaterialSources::Mpn, 100))
                    .col(text(BuildMaterialSources::Source, 16))
                    .col(time(BuildMaterialSources::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(BuildMaterialSources::BuildId)
                            .col(BuildMaterialSources::Mpn),
                    )
                    .foreign_key(&mut fk(
                        "fk_build_material_sources_build",
                        (BuildMaterialSources::Table, BuildMaterialSources::BuildId),
                        (Builds::Table, Builds::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BuildMaterialSources::Table.into_iden(),
            AttritionRates::Table.into_iden(),
            AlternateParts::Table.into_iden(),
            PurchaseOrderReceipts::Table.into_iden(),
            PurchaseOrderLines::Table.into_iden(),
            PurchaseOrders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
