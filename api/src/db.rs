//! Connecting to the database: SQLite (embedded default) or PostgreSQL, picked from the URL.

use anyhow::Context;
use firstpass_migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::path::Path;
use std::time::Duration;

/// The database backends Firstpass supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, a file in the data directory.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The backend of an open connection.
    pub fn of(db: &DatabaseConnection) -> Self {
        match db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// Picks the backend from a connection URL, or `None` for anything else.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// The URL of the default database: `firstpass.db` in the data directory, created on demand.
pub fn default_sqlite_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("firstpass.db").display()
    )
}

/// Opens a pool. SQLite runs in WAL mode with foreign keys on and a busy timeout.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        // A ping on every checkout costs each statement a second round trip; only a connection
        // idle long enough to have been dropped by the server or a proxy is checked first.
        .test_before_acquire_if_idle_for(Duration::from_secs(30));
    match Backend::from_url(url) {
        Some(Backend::Sqlite) => {
            options.max_connections(4).map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
            });
        }
        Some(Backend::Postgres) => {
            // No JIT: Firstpass sends short statements, and PostgreSQL compiles one by its cost
            // estimate, not its real work: a recursive trace over 10,000 units, estimated high,
            // spent a second compiling to run in half that (see the box_trace bench).
            options
                .max_connections(16)
                .map_sqlx_postgres_opts(|opts| opts.options([("jit", "off")]));
        }
        None => anyhow::bail!("DATABASE_URL must start with sqlite: or postgres://"),
    }
    Database::connect(options)
        .await
        .context("connecting to the database")
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("migrating the database")
}

/// Begins a transaction that will write. On SQLite it takes the write lock up front
/// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of failing midway.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// A statement written with `?` placeholders, in the backend's own spelling (`$1`, `$2`… on
/// PostgreSQL). For the few statements sea-orm's builder cannot express.
pub fn statement(
    backend: sea_orm::DatabaseBackend,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> sea_orm::Statement {
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    numbered.push('$');
                    numbered.push_str(&n.to_string());
                } else {
                    numbered.push(c);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}
