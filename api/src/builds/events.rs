//! Build change notifications for the `buildUpdated` subscription.
//!
//! Within one process a broadcast channel carries the id of each changed build. On PostgreSQL,
//! changes are also sent with `NOTIFY firstpass_build_updated` and every instance LISTENs, so a
//! subscriber on one instance hears about a change made on another.

use crate::db::Backend;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tokio::sync::broadcast;
use uuid::Uuid;

/// The PostgreSQL channel name.
const CHANNEL: &str = "firstpass_build_updated";

/// Publishes and delivers build changes.
#[derive(Debug, Clone)]
pub struct BuildEvents {
    sender: broadcast::Sender<Uuid>,
}

impl Default for BuildEvents {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl BuildEvents {
    /// A receiver of every build change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Uuid> {
        self.sender.subscribe()
    }

    /// Announces that a build changed; call after the change committed.
    pub async fn publish(&self, db: &DatabaseConnection, build_id: Uuid) {
        if Backend::of(db) == Backend::Postgres {
            let statement = Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), build_id.to_string().into()],
            );
            match db.execute_raw(statement).await {
                // Every instance, this one included, hears it through its listener.
                Ok(_) => return,
                Err(err) => tracing::warn!(error = %err, "NOTIFY failed; announcing locally only"),
            }
        }
        let _ = self.sender.send(build_id);
    }

    /// On PostgreSQL, listens for changes made by any instance and relays them locally.
    /// Returns once the LISTEN is in place, so no change after it is missed.
    pub async fn listen(&self, url: &str, db: &DatabaseConnection) -> anyhow::Result<()> {
        if Backend::of(db) != Backend::Postgres {
            return Ok(());
        }
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        let sender = self.sender.clone();
        tokio::spawn(async move {
            loop {
                // The listener reconnects and listens again by itself after a lost connection.
                match listener.recv().await {
                    Ok(notification) => {
                        if let Ok(id) = Uuid::parse_str(notification.payload()) {
                            let _ = sender.send(id);
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "build listener interrupted");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(())
    }
}
