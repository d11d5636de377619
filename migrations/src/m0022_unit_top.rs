//! The outermost unit holding a unit now, and whether that unit has shipped, kept on the unit.
//!
//! A recall asks for the boxes customers hold, and a box ships as a whole: its boards keep
//! `shipped_at` empty. Before this migration a two-level trace read each affected board, then
//! each box holding one, to learn whether the box had shipped: twice the random reads of the
//! one-level trace. `units.top_unit_id` (the outermost holder; empty when the unit sits in
//! nothing) and `units.top_shipped_at` (that holder's `shipped_at`) let the read of the board
//! answer both. They are written with the installation edge, at removal, and when the top
//! unit ships; the partial index finds the units under a top unit for those writes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Units {
    Table,
    TopUnitId,
    TopShippedAt,
}

/// Levels filled at most: installation refuses deeper nesting long before.
const MAX_LEVELS: usize = 16;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Units::Table)
                    .add_column(ColumnDef::new(Units::TopUnitId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Units::Table)
                    .add_column(
                        ColumnDef::new(Units::TopShippedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Units already installed: start at the holder, then climb one level per statement
        // while the unit named as top sits in another.
        db.execute_unprepared(
            "UPDATE units SET top_unit_id = parent_unit_id WHERE parent_unit_id IS NOT NULL",
        )
        .await?;
        for _ in 0..MAX_LEVELS {
            let climbed = db
                .execute_unprepared(
                    "UPDATE units SET top_unit_id = \
                       (SELECT t.parent_unit_id FROM units t WHERE t.id = units.top_unit_id) \
                     WHERE top_unit_id IN (SELECT id FROM units WHERE parent_unit_id IS NOT NULL)",
                )
                .await?;
            if climbed.rows_affected() == 0 {
                break;
            }
        }
        db.execute_unprepared(
            "UPDATE units SET top_shipped_at = \
               (SELECT t.shipped_at FROM units t WHERE t.id = units.top_unit_id) \
             WHERE top_unit_id IS NOT NULL",
        )
        .await?;
        // Partial: a factory of boards alone keeps the index empty.
        db.execute_unprepared(
            "CREATE INDEX idx_units_top_unit ON units (top_unit_id) WHERE top_unit_id IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_units_top_unit")
            .await?;
        for column in [Units::TopShippedAt, Units::TopUnitId] {
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
