//! Integrations: webhook endpoints, the outbox of events written with each change, one
//! delivery row per event and endpoint that the delivery worker works through, and the typed
//! test steps of station results; IPC-CFX endpoints mapped to stations and the messages
//! received from them (applied or dead-lettered).

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
enum WebhookEndpoints {
    Table,
    Id,
    OrganizationId,
    Url,
    Description,
    /// Comma-separated event spellings.
    Events,
    /// The signing secret (it must be readable to sign).
    Secret,
    Active,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    /// A time-ordered UUID: the order of events.
    Id,
    OrganizationId,
    Event,
    SubjectType,
    SubjectId,
    /// The JSON body sent to receivers.
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    EventId,
    OrganizationId,
    SubjectId,
    Status,
    Attempts,
    NextAttemptAt,
    GiveUpAt,
    LastAttemptAt,
    ResponseCode,
    LastError,
    DeliveredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Builds {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StationEvents {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TestSteps {
    Table,
    Id,
    StationEventId,
    BuildId,
    StationId,
    EmsId,
    Position,
    Name,
    Value,
    TextValue,
    Unit,
    LowLimit,
    HighLimit,
    Result,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CfxEndpoints {
    Table,
    Id,
    EmsId,
    Handle,
    Station,
    ApiTokenId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CfxMessages {
    Table,
    Id,
    EmsId,
    UniqueId,
    Source,
    MessageName,
    Body,
    Status,
    Reason,
    Attempts,
    CreatedAt,
    UpdatedAt,
}

fn cascade(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(id(WebhookEndpoints::Id))
                    .col(uuid(WebhookEndpoints::OrganizationId))
                    .col(text(WebhookEndpoints::Url, 2048))
                    .col(text(WebhookEndpoints::Description, 500))
                    .col(text(WebhookEndpoints::Events, 2000))
                    .col(text(WebhookEndpoints::Secret, 100))
                    .col(
                        ColumnDef::new(WebhookEndpoints::Active)
                            .boolean()
                            .not_null(),
                    )
                    .col(uuid(WebhookEndpoints::CreatedBy))
                    .col(time(WebhookEndpoints::CreatedAt))
                    .col(time(WebhookEndpoints::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_webhook_endpoints_org",
                        (WebhookEndpoints::Table, WebhookEndpoints::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_webhook_endpoints_org",
                WebhookEndpoints::Table,
                &["organization_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutboxEvents::Table)
                    .col(id(OutboxEvents::Id))
                    .col(uuid(OutboxEvents::OrganizationId))
                    .col(text(OutboxEvents::Event, 64))
                    .col(text(OutboxEvents::SubjectType, 64))
                    .col(uuid(OutboxEvents::SubjectId))
                    .col(ColumnDef::new(OutboxEvents::Payload).text().not_null())
                    .col(time(OutboxEvents::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_outbox_events_org",
                        (OutboxEvents::Table, OutboxEvents::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_outbox_events_org",
                OutboxEvents::Table,
                &["organization_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(id(WebhookDeliveries::Id))
                    .col(uuid(WebhookDeliveries::EndpointId))
                    .col(uuid(WebhookDeliveries::EventId))
                    .col(uuid(WebhookDeliveries::OrganizationId))
                    .col(uuid(WebhookDeliveries::SubjectId))
                    .col(text(WebhookDeliveries::Status, 16))
                    .col(
                        ColumnDef::new(WebhookDeliveries::Attempts)
                            .integer()
                            .not_null(),
                    )
                    .col(time(WebhookDeliveries::NextAttemptAt))
                    .col(time(WebhookDeliveries::GiveUpAt))
                    .col(
                        ColumnDef::new(WebhookDeliveries::LastAttemptAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::ResponseCode)
                            .integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::LastError)
                            .string_len(500)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::DeliveredAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(time(WebhookDeliveries::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_webhook_deliveries_endpoint",
                        (WebhookDeliveries::Table, WebhookDeliveries::EndpointId),
                        (WebhookEndpoints::Table, WebhookEndpoints::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_webhook_deliveries_event",
                        (WebhookDeliveries::Table, WebhookDeliveries::EventId),
                        (OutboxEvents::Table, OutboxEvents::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // The worker's two questions: what is due, and is an earlier delivery of the same
        // subject to the same endpoint still pending.
        manager
            .create_index(index(
                "ix_webhook_deliveries_due",
                WebhookDeliveries::Table,
                &["status", "next_attempt_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_webhook_deliveries_order",
                WebhookDeliveries::Table,
                &["endpoint_id", "subject_id", "status", "event_id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_webhook_deliveries_event",
                WebhookDeliveries::Table,
                &["event_id"],
                false,
            ))
            .await?;
        let real = |col: TestSteps| ColumnDef::new(col).double().null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(TestSteps::Table)
                    .col(id(TestSteps::Id))
                    .col(uuid(TestSteps::StationEventId))
                    .col(uuid(TestSteps::BuildId))
                    .col(uuid(TestSteps::StationId))
                    .col(uuid(TestSteps::EmsId))
                    .col(ColumnDef::new(TestSteps::Position).integer().not_null())
                    .col(text(TestSteps::Name, 100))
                    .col(real(TestSteps::Value))
                    .col(ColumnDef::new(TestSteps::TextValue).string_len(200).null())
                    .col(ColumnDef::new(TestSteps::Unit).string_len(32).null())
                    .col(real(TestSteps::LowLimit))
                    .col(real(TestSteps::HighLimit))
                    .col(text(TestSteps::Result, 8))
                    .col(time(TestSteps::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_test_steps_event",
                        (TestSteps::Table, TestSteps::StationEventId),
                        (StationEvents::Table, StationEvents::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_test_steps_build",
                        (TestSteps::Table, TestSteps::BuildId),
                        (Builds::Table, Builds::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_test_steps_build_station",
                TestSteps::Table,
                &["build_id", "station_id", "name"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_test_steps_event",
                TestSteps::Table,
                &["station_event_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CfxEndpoints::Table)
                    .col(id(CfxEndpoints::Id))
                    .col(uuid(CfxEndpoints::EmsId))
                    .col(text(CfxEndpoints::Handle, 200))
                    .col(text(CfxEndpoints::Station, 100))
                    .col(uuid(CfxEndpoints::ApiTokenId))
                    .col(time(CfxEndpoints::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_cfx_endpoints_ems",
                        (CfxEndpoints::Table, CfxEndpoints::EmsId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_cfx_endpoints_handle",
                CfxEndpoints::Table,
                &["ems_id", "handle"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CfxMessages::Table)
                    .col(id(CfxMessages::Id))
                    .col(uuid(CfxMessages::EmsId))
                    .col(text(CfxMessages::UniqueId, 200))
                    .col(text(CfxMessages::Source, 200))
                    .col(text(CfxMessages::MessageName, 200))
                    .col(ColumnDef::new(CfxMessages::Body).text().not_null())
                    .col(text(CfxMessages::Status, 16))
                    .col(ColumnDef::new(CfxMessages::Reason).string_len(2000).null())
                    .col(ColumnDef::new(CfxMessages::Attempts).integer().not_null())
                    .col(time(CfxMessages::CreatedAt))
                    .col(time(CfxMessages::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_cfx_messages_ems",
                        (CfxMessages::Table, CfxMessages::EmsId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_cfx_messages_unique_id",
                CfxMessages::Table,
                &["ems_id", "unique_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_cfx_messages_status",
                CfxMessages::Table,
                &["ems_id", "status", "id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CfxMessages::Table.into_iden(),
            CfxEndpoints::Table.into_iden(),
            TestSteps::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            OutboxEvents::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
