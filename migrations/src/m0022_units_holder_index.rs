//! A narrow index for the trace's climb from a unit to the unit holding it: the holder's id
//! with its shipped time and its own holder. A recall trace through two levels reads these
//! three columns of every box; from this index (a tenth of a units row) rather than from the
//! table, so the second level costs less than the first.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = match manager.get_database_backend() {
            // Only the id is searched; the rest rides along for index-only reads.
            DatabaseBackend::Postgres => {
                "CREATE INDEX ix_units_holder ON units (id) INCLUDE (shipped_at, parent_unit_id)"
            }
            _ => "CREATE INDEX ix_units_holder ON units (id, shipped_at, parent_unit_id)",
        };
        manager.get_connection().execute_unprepared(sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_units_holder")
            .await?;
        Ok(())
    }
}
