//! Organizations, users, partnerships, sessions, API tokens and the audit trail.

use crate::columns::{fk, id};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Name,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    OrganizationId,
    Email,
    FullName,
    Role,
    PasswordHash,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Partnerships {
    Table,
    Id,
    OemId,
    EmsId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    OrganizationId,
    Name,
    SecretHash,
    Scopes,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OrganizationId,
    ActorUserId,
    ActorTokenId,
    ActorLabel,
    Action,
    SubjectType,
    SubjectId,
    Before,
    After,
    RequestId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(id(Organizations::Id))
                    .col(
                        ColumnDef::new(Organizations::Name)
                            .string_len(200)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Organizations::Kind).string_len(8).not_null())
                    .col(
                        ColumnDef::new(Organizations::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(ColumnDef::new(Users::OrganizationId).uuid().not_null())
                    .col(
                        ColumnDef::new(Users::Email)
                            .string_len(320)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Users::FullName).string_len(200).not_null())
                    .col(ColumnDef::new(Users::Role).string_len(32).not_null())
                    .col(ColumnDef::new(Users::PasswordHash).string().not_null())
                    .col(ColumnDef::new(Users::Active).boolean().not_null())
                    .col(
                        ColumnDef::new(Users::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_users_organization",
                        (Users::Table, Users::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_users_organization")
                    .table(Users::Table)
                    .col(Users::OrganizationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Partnerships::Table)
                    .col(id(Partnerships::Id))
                    .col(ColumnDef::new(Partnerships::OemId).uuid().not_null())
                    .col(ColumnDef::new(Partnerships::EmsId).uuid().not_null())
                    .col(
                        ColumnDef::new(Partnerships::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_partnerships_oem",
                        (Partnerships::Table, Partnerships::OemId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_partnerships_ems",
                        (Partnerships::Table, Partnerships::EmsId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_partnerships_pair")
                    .table(Partnerships::Table)
                    .col(Partnerships::OemId)
                    .col(Partnerships::EmsId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_partnerships_ems")
                    .table(Partnerships::Table)
                    .col(Partnerships::EmsId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(id(RefreshTokens::Id))
                    .col(ColumnDef::new(RefreshTokens::UserId).uuid().not_null())
                    .col(ColumnDef::new(RefreshTokens::FamilyId).uuid().not_null())
                    .col(
                        ColumnDef::new(RefreshTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_refresh_tokens_user",
                        (RefreshTokens::Table, RefreshTokens::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_tokens_family")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::FamilyId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(id(ApiTokens::Id))
                    .col(ColumnDef::new(ApiTokens::OrganizationId).uuid().not_null())
                    .col(ColumnDef::new(ApiTokens::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(ApiTokens::SecretHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(ApiTokens::Scopes).string_len(200).not_null())
                    .col(
                        ColumnDef::new(ApiTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ApiTokens::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ApiTokens::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(ApiTokens::CreatedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(ApiTokens::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_api_tokens_organization",
                        (ApiTokens::Table, ApiTokens::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_api_tokens_created_by",
                        (ApiTokens::Table, ApiTokens::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_tokens_organization")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::OrganizationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(id(AuditEvents::Id))
                    .col(
                        ColumnDef::new(AuditEvents::OrganizationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::ActorUserId).uuid().null())
                    .col(ColumnDef::new(AuditEvents::ActorTokenId).uuid().null())
                    .col(
                        ColumnDef::new(AuditEvents::ActorLabel)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::Action)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::SubjectType)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::SubjectId)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::Before).text().null())
                    .col(ColumnDef::new(AuditEvents::After).text().null())
                    .col(
                        ColumnDef::new(AuditEvents::RequestId)
                            .string_len(100)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_audit_events_organization",
                        (AuditEvents::Table, AuditEvents::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_events_org_id")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OrganizationId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Partnerships::Table.into_iden(),
            Users::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
