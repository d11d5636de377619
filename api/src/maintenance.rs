//! Housekeeping a long-running server does in the background, on every instance:
//!
//! - **Planner statistics (PostgreSQL).** Tables that changed by more than a tenth since their
//!   last `ANALYZE` (and by at least 1,000 rows) are analyzed, so a bulk load or a fast-growing
//!   build does not leave the planner with plans made for an empty table. Autovacuum does the
//!   same eventually; this does it within a minute, which is what keeps result recording fast
//!   after a factory is generated or imported.
//! - **Sign-in throttle.** Counts whose window has passed are deleted.

use crate::context::AppState;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::time::Duration;

/// How often the housekeeping runs.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Runs the housekeeping every [`INTERVAL`] until the server stops.
pub async fn run(state: AppState) {
    let mut stopping = state.shutdown.subscribe();
    loop {
        tokio::select! {
            () = tokio::time::sleep(INTERVAL) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        if let Err(err) = refresh_statistics(&state.db).await {
            tracing::warn!(error = %err, "could not refresh planner statistics");
        }
        match state.throttle.forget_expired(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(forgotten = n, "expired sign-in failure counts"),
            Err(err) => tracing::warn!(error = ?err, "could not forget expired sign-in counts"),
        }
    }
}

/// Analyzes the tables whose statistics are stale; returns their names. Does nothing on SQLite,
/// whose planner works from its indexes.
pub async fn refresh_statistics(db: &DatabaseConnection) -> Result<Vec<String>, sea_orm::DbErr> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(Vec::new());
    }
    let stale = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT relname FROM pg_stat_user_tables \
             WHERE n_mod_since_analyze >= 1000 AND n_mod_since_analyze > n_live_tup / 10 \
             ORDER BY relname",
        ))
        .await?;
    let mut analyzed = Vec::new();
    for row in stale {
        let table: String = row.try_get("", "relname")?;
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        db.execute_unprepared(&format!("ANALYZE {quoted}")).await?;
        analyzed.push(table);
    }
    if !analyzed.is_empty() {
        tracing::info!(tables = ?analyzed, "planner statistics refreshed");
    }
    Ok(analyzed)
}
