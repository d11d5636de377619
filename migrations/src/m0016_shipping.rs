//! Shipping: the OEM's ship-to addresses (its 3PL's docks), and per shipment the address, the
//! customer's order number, and its cartons (on pallets) with the serials each holds, from
//! which the advance ship notice is written.

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
enum Units {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Shipments {
    Table,
    Id,
    ShipToAddressId,
    CustomerPo,
}

#[derive(DeriveIden)]
enum ShipToAddresses {
    Table,
    Id,
    OemId,
    Name,
    Street,
    City,
    Region,
    PostalCode,
    /// ISO 3166-1 alpha-2.
    Country,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ShipmentCartons {
    Table,
    Id,
    ShipmentId,
    CartonNo,
    PalletNo,
    WeightGrams,
}

#[derive(DeriveIden)]
enum ShipmentCartonUnits {
    Table,
    CartonId,
    UnitId,
    ShipmentId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ShipToAddresses::Table)
                    .col(id(ShipToAddresses::Id))
                    .col(uuid(ShipToAddresses::OemId))
                    .col(text(ShipToAddresses::Name, 200))
                    .col(text(ShipToAddresses::Street, 400))
                    .col(text(ShipToAddresses::City, 100))
                    .col(
                        ColumnDef::new(ShipToAddresses::Region)
                            .string_len(100)
                            .null(),
                    )
                    .col(text(ShipToAddresses::PostalCode, 20))
                    .col(text(ShipToAddresses::Country, 2))
                    .col(time(ShipToAddresses::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_ship_to_addresses_oem",
                        (ShipToAddresses::Table, ShipToAddresses::OemId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Shipments::Table)
                    .add_column(ColumnDef::new(Shipments::ShipToAddressId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Shipments::Table)
                    .add_column(ColumnDef::new(Shipments::CustomerPo).string_len(100).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ShipmentCartons::Table)
                    .col(id(ShipmentCartons::Id))
                    .col(uuid(ShipmentCartons::ShipmentId))
                    .col(
                        ColumnDef::new(ShipmentCartons::CartonNo)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ShipmentCartons::PalletNo).integer().null())
                    .col(
                        ColumnDef::new(ShipmentCartons::WeightGrams)
                            .integer()
                            .null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_shipment_cartons_shipment",
                        (ShipmentCartons::Table, ShipmentCartons::ShipmentId),
                        (Shipments::Table, Shipments::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_shipment_cartons_no",
                ShipmentCartons::Table,
                &["shipment_id", "carton_no"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ShipmentCartonUnits::Table)
                    .col(uuid(ShipmentCartonUnits::CartonId))
                    .col(uuid(ShipmentCartonUnits::UnitId))
                    .col(uuid(ShipmentCartonUnits::ShipmentId))
                    .primary_key(
                        Index::create()
                            .col(ShipmentCartonUnits::CartonId)
                            .col(ShipmentCartonUnits::UnitId),
                    )
                    .foreign_key(&mut fk(
                        "fk_shipment_carton_units_carton",
                        (ShipmentCartonUnits::Table, ShipmentCartonUnits::CartonId),
                        (ShipmentCartons::Table, ShipmentCartons::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shipment_carton_units_unit",
                        (ShipmentCartonUnits::Table, ShipmentCartonUnits::UnitId),
                        (Units::Table, Units::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_shipment_carton_units_unit",
                ShipmentCartonUnits::Table,
                &["unit_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_shipment_carton_units_shipment",
                ShipmentCartonUnits::Table,
                &["shipment_id"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ShipmentCartonUnits::Table.into_iden(),
            ShipmentCartons::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [
            Shipments::CustomerPo.into_iden(),
            Shipments::ShipToAddressId.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Shipments::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ShipToAddresses::Table).to_owned())
            .await
    }
}
