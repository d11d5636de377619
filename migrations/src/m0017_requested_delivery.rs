//! The customer's requested delivery date of a shipment (from its purchase order), so that
//! on-time delivery is measured against it as well as against the build's due date.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Shipments {
    Table,
    RequestedDate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Shipments::Table)
                    .add_column(ColumnDef::new(Shipments::RequestedDate).date().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Shipments::Table)
                    .drop_column(Shipments::RequestedDate)
                    .to_owned(),
            )
            .await
    }
}
