//! Builds (work orders), their routing, serialized units, station events, defects, shipments,
//! component lots and lot usage (the genealogy).

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
enum NpiPackages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Builds {
    Table,
    Id,
    PackageId,
    ProductId,
    OemId,
    EmsId,
    Phase,
    Quantity,
    DueDate,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BuildStations {
    Table,
    Id,
    BuildId,
    Position,
    Kind,
    Name,
}

#[derive(DeriveIden)]
enum Shipments {
    Table,
    Id,
    BuildId,
    Destination,
    Carrier,
    TrackingNumber,
    ShippedAt,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    BuildId,
    EmsId,
    Serial,
    Status,
    NextPosition,
    FailedEver,
    ShipmentId,
    CreatedAt,
    CompletedAt,
    ShippedAt,
}

#[derive(DeriveIden)]
enum StationEvents {
    Table,
    Id,
    UnitId,
    BuildId,
    StationId,
    EmsId,
    Result,
    Measurements,
    IdempotencyKey,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Defects {
    Table,
    Id,
    UnitId,
    BuildId,
    StationId,
    Designator,
    Code,
    Description,
    Disposition,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ComponentLots {
    Table,
    Id,
    EmsId,
    Mpn,
    Manufacturer,
    LotCode,
    DateCode,
    ReelId,
    Quantity,
    Supplier,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum LotUsages {
    Table,
    Id,
    LotId,
    UnitId,
    BuildId,
    Designator,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Builds::Table)
                    .col(id(Builds::Id))
                    .col(uuid(Builds::PackageId))
                    .col(uuid(Builds::ProductId))
                    .col(uuid(Builds::OemId))
                    .col(uuid(Builds::EmsId))
                    .col(text(Builds::Phase, 16))
                    .col(ColumnDef::new(Builds::Quantity).integer().not_null())
                    .col(ColumnDef::new(Builds::DueDate).date().not_null())
                    .col(text(Builds::Status, 16))
                    .col(uuid(Builds::CreatedBy))
                    .col(time(Builds::CreatedAt))
                    .col(time(Builds::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_builds_package",
                        (Builds::Table, Builds::PackageId),
                        (NpiPackages::Table, NpiPackages::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_builds_oem",
                        (Builds::Table, Builds::OemId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_builds_ems",
                        (Builds::Table, Builds::EmsId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_builds_oem",
                Builds::Table,
                &["oem_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_builds_ems",
                Builds::Table,
                &["ems_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_builds_package",
                Builds::Table,
                &["package_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BuildStations::Table)
                    .col(id(BuildStations::Id))
                    .col(uuid(BuildStations::BuildId))
                    .col(ColumnDef::new(BuildStations::Position).integer().not_null())
                    .col(text(BuildStations::Kind, 16))
                    .col(text(BuildStations::Name, 100))
                    .foreign_key(&mut fk(
                        "fk_build_stations_build",
                        (BuildStations::Table, BuildStations::BuildId),
                        (Builds::Table, Builds::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_build_stations_position",
                BuildStations::Table,
                &["build_id", "position"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ux_build_stations_name",
                BuildStations::Table,
                &["build_id", "name"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Shipments::Table)
                    .col(id(Shipments::Id))
                    .col(uuid(Shipments::BuildId))
                    .col(text(Shipments::Destination, 400))
                    .col(text(Shipments::Carrier, 100))
                    .col(text(Shipments::TrackingNumber, 100))
                    .col(time(Shipments::ShippedAt))
                    .foreign_key(&mut fk(
                        "fk_shipments_build",
                        (Shipments::Table, Shipments::BuildId),
                        (Builds::Table, Builds::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .col(id(Units::Id))
                    .col(uuid(Units::BuildId))
                    .col(uuid(Units::EmsId))
                    .col(text(Units::Serial, 100))
                    .col(text(Units::Status, 16))
                    .col(ColumnDef::new(Units::NextPosition).integer().not_null())
                    .col(ColumnDef::new(Units::FailedEver).boolean().not_null())
                    .col(ColumnDef::new(Units::ShipmentId).uuid().null())
                    .col(time(Units::CreatedAt))
                    .col(
                        ColumnDef::new(Units::CompletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Units::ShippedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_units_build",
                        (Units::Table, Units::BuildId),
                        (Builds::Table, Builds::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_units_shipment",
                        (Units::Table, Units::ShipmentId),
                        (Shipments::Table, Shipments::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_units_serial",
                Units::Table,
                &["ems_id", "serial"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_units_build",
                Units::Table,
                &["build_id", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StationEvents::Table)
                    .col(id(StationEvents::Id))
                    .col(uuid(StationEvents::UnitId))
                    .col(uuid(StationEvents::BuildId))
                    .col(uuid(StationEvents::StationId))
                    .col(uuid(StationEvents::EmsId))
                    .col(text(StationEvents::Result, 8))
                    .col(
                        ColumnDef::new(StationEvents::Measurements)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StationEvents::IdempotencyKey)
                            .string_len(200)
                            .null(),
                    )
                    .col(text(StationEvents::RecordedBy, 400))
                    .col(time(StationEvents::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_station_events_unit",
                        (StationEvents::Table, StationEvents::UnitId),
                        (Units::Table, Units::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_station_events_station",
                        (StationEvents::Table, StationEvents::StationId),
                        (BuildStations::Table, BuildStations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_station_events_unit",
                StationEvents::Table,
                &["unit_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_station_events_build",
                StationEvents::Table,
                &["build_id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ux_station_events_key",
                StationEvents::Table,
                &["ems_id", "idempotency_key"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Defects::Table)
                    .col(id(Defects::Id))
                    .col(uuid(Defects::UnitId))
                    .col(uuid(Defects::BuildId))
                    .col(uuid(Defects::StationId))
                    .col(text(Defects::Designator, 64))
                    .col(text(Defects::Code, 32))
                    .col(ColumnDef::new(Defects::Description).text().not_null())
                    .col(text(Defects::Disposition, 16))
                    .col(text(Defects::RecordedBy, 400))
                    .col(time(Defects::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_defects_unit",
                        (Defects::Table, Defects::UnitId),
                        (Units::Table, Units::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_defects_unit",
                Defects::Table,
                &["unit_id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_defects_build",
                Defects::Table,
                &["build_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ComponentLots::Table)
                    .col(id(ComponentLots::Id))
                    .col(uuid(ComponentLots::EmsId))
                    .col(text(ComponentLots::Mpn, 100))
                    .col(text(ComponentLots::Manufacturer, 200))
                    .col(text(ComponentLots::LotCode, 100))
                    .col(text(ComponentLots::DateCode, 32))
                    .col(text(ComponentLots::ReelId, 100))
                    .col(ColumnDef::new(ComponentLots::Quantity).integer().not_null())
                    .col(text(ComponentLots::Supplier, 200))
                    .col(time(ComponentLots::ReceivedAt))
                    .foreign_key(&mut fk(
                        "fk_component_lots_ems",
                        (ComponentLots::Table, ComponentLots::EmsId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_component_lots_reel",
                ComponentLots::Table,
                &["ems_id", "reel_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_component_lots_mpn_lot",
                ComponentLots::Table,
                &["mpn", "lot_code"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LotUsages::Table)
                    .col(id(LotUsages::Id))
                    .col(uuid(LotUsages::LotId))
                    .col(uuid(LotUsages::UnitId))
                    .col(uuid(LotUsages::BuildId))
                    .col(text(LotUsages::Designator, 64))
                    .col(time(LotUsages::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_lot_usages_lot",
                        (LotUsages::Table, LotUsages::LotId),
                        (ComponentLots::Table, ComponentLots::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_lot_usages_unit",
                        (LotUsages::Table, LotUsages::UnitId),
                        (Units::Table, Units::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // A trace walks lot → units through this index; a genealogy walks unit → lots.
        manager
            .create_index(index(
                "ix_lot_usages_lot_unit",
                LotUsages::Table,
                &["lot_id", "unit_id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ux_lot_usages_unit_designator",
                LotUsages::Table,
                &["unit_id", "designator"],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LotUsages::Table.into_iden(),
            ComponentLots::Table.into_iden(),
            Defects::Table.into_iden(),
            StationEvents::Table.into_iden(),
            Units::Table.into_iden(),
            Shipments::Table.into_iden(),
            BuildStations::Table.into_iden(),
            Builds::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
