//! The inbox's read marks: which entries of a person's inbox that person has read.
//!
//! The entries themselves are derived from the records (packages to review, questions, FAIs
//! to sign, held units, late builds), each under a stable key; a row here says one user has
//! read the entry with that key, so read and unread are kept per user on the server.

use crate::columns::{fk, text, time, uuid};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InboxReads {
    Table,
    UserId,
    /// The entry's stable key (`fai:<id>:SUBMITTED`, `comment:<id>`, …).
    EntryKey,
    ReadAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboxReads::Table)
                    .col(uuid(InboxReads::UserId))
                    .col(text(InboxReads::EntryKey, 200))
                    .col(time(InboxReads::ReadAt))
                    .primary_key(
                        Index::create()
                            .col(InboxReads::UserId)
                            .col(InboxReads::EntryKey),
                    )
                    .foreign_key(&mut fk(
                        "fk_inbox_reads_user",
                        (InboxReads::Table, InboxReads::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InboxReads::Table).to_owned())
            .await
    }
}
