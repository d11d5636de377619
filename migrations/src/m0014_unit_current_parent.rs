//! The unit a unit sits in now, kept on the unit itself.
//!
//! `unit_installations` stays the record (history, who, when, why); `units.parent_unit_id`
//! and `units.parent_position` repeat its one current edge (`removed_at IS NULL`) so that a
//! trace climbs from a unit to the box holding it with the same primary-key read that gives the
//! unit's shipped state: one probe per unit and level, no probe of the edge table at all.
//! Both columns are written in the same transaction as the installation row.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Units {
    Table,
    ParentUnitId,
    ParentPosition,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Units::Table)
                    .add_column(ColumnDef::new(Units::ParentUnitId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Units::Table)
                    .add_column(ColumnDef::new(Units::ParentPosition).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        // Units already installed get their current edge.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE units SET \
                   parent_unit_id = (SELECT i.parent_id FROM unit_installations i \
                     WHERE i.child_id = units.id AND i.removed_at IS NULL), \
                   parent_position = (SELECT i.position FROM unit_installations i \
                     WHERE i.child_id = units.id AND i.removed_at IS NULL) \
                 WHERE EXISTS (SELECT 1 FROM unit_installations i \
                   WHERE i.child_id = units.id AND i.removed_at IS NULL)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Units::ParentPosition, Units::ParentUnitId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Units::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
