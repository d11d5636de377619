//! Configuration from flags and environment, validated once at start-up.
//!
//! Every setting can be given as a flag or as an environment variable. A bad value stops the
//! program with one line that names the setting. Secrets (the JWT secret) are read from the
//! environment or the data directory only, never from the command line.

use crate::db::{default_sqlite_url, Backend};
use crate::guard::GuardLimits;
use anyhow::{bail, Context};
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Settings every command shares.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Folder for the embedded database, blobs and the generated JWT secret.
    #[arg(
        long,
        env = "FIRSTPASS_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://…` or `postgres://…`; default: SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
}

impl CommonArgs {
    /// Creates the data directory and returns the validated database URL.
    pub fn database_url(&self) -> anyhow::Result<String> {
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "FIRSTPASS_DATA_DIR: cannot create {}",
                self.data_dir.display()
            )
        })?;
        match &self.database_url {
            None => Ok(default_sqlite_url(&self.data_dir)),
            Some(url) if Backend::from_url(url).is_some() => Ok(url.clone()),
            Some(_) => bail!("DATABASE_URL: must start with sqlite: or postgres://"),
        }
    }
}

/// Settings of `firstpass serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FIRSTPASS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Deepest query nesting accepted.
    #[arg(long, env = "FIRSTPASS_MAX_QUERY_DEPTH", default_value_t = 12)]
    pub max_query_depth: usize,
    /// Highest query complexity accepted (one point per field, 50 per picture; the selection
    /// under `layers` counts 16 times).
    #[arg(long, env = "FIRSTPASS_MAX_QUERY_COMPLEXITY", default_value_t = 5000)]
    pub max_query_complexity: usize,
    /// Largest GraphQL request body accepted, in bytes (uploads have their own limits).
    #[arg(long, env = "FIRSTPASS_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest uploaded file (or zip member), in bytes.
    #[arg(long, env = "FIRSTPASS_MAX_FILE_BYTES", default_value_t = 100 * 1000 * 1000)]
    pub max_file_bytes: u64,
    /// Largest upload request, in bytes.
    #[arg(long, env = "FIRSTPASS_MAX_UPLOAD_BYTES", default_value_t = 500 * 1000 * 1000)]
    pub max_upload_bytes: u64,
    /// Most fields a query may select once its fragments are expanded.
    #[arg(long, env = "FIRSTPASS_MAX_QUERY_FIELDS", default_value_t = 10_000)]
    pub max_query_fields: u64,
    /// Longest a query or mutation may run, in seconds, before it is cancelled.
    #[arg(long, env = "FIRSTPASS_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Most bytes one upload request may store, all zips unpacked and plain files together.
    #[arg(long, env = "FIRSTPASS_MAX_UNPACKED_BYTES", default_value_t = 500 * 1000 * 1000)]
    pub max_unpacked_bytes: u64,
    /// Most files one upload request may store, all zip members and plain files together.
    #[arg(long, env = "FIRSTPASS_MAX_UPLOAD_FILES", default_value_t = 1000)]
    pub max_upload_files: usize,
    /// Where file bytes are kept: `s3://bucket/prefix` for S3-compatible storage (endpoint and
    /// credentials from the `AWS_*` variables); default: `blobs/` in the data directory.
    #[arg(long, env = "FIRSTPASS_BLOB_URL")]
    pub blob_url: Option<String>,
}

/// Limits applied to every GraphQL request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest query nesting.
    pub max_depth: usize,
    /// Highest query complexity.
    pub max_complexity: usize,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Largest uploaded file or zip member in bytes.
    pub max_file_bytes: u64,
    /// Largest upload request in bytes.
    pub max_upload_bytes: u64,
    /// Expansion, time and credential limits of every operation.
    pub guard: GuardLimits,
    /// Most bytes one upload request stores, zips unpacked and plain files together.
    pub max_unpacked_bytes: u64,
    /// Most files one upload request stores, zip members and plain files together.
    pub max_upload_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 5000,
            max_body_bytes: 1024 * 1024,
            max_file_bytes: 100 * 1000 * 1000,
            max_upload_bytes: 500 * 1000 * 1000,
            guard: GuardLimits {
                max_expanded_fields: 10_000,
                request_timeout: Duration::from_secs(30),
                subscription_recheck: Duration::from_secs(30),
            },
            max_unpacked_bytes: 500 * 1000 * 1000,
            max_upload_files: 1000,
        }
    }
}

impl ServeArgs {
    /// The validated listening address.
    pub fn bind_addr(&self) -> anyhow::Result<SocketAddr> {
        self.bind.parse().map_err(|_| {
            anyhow::anyhow!(
                "FIRSTPASS_BIND: `{}` is not an address like 127.0.0.1:8080",
                self.bind
            )
        })
    }

    /// The validated request limits.
    pub fn limits(&self) -> anyhow::Result<Limits> {
        if self.max_query_depth == 0 {
            bail!("FIRSTPASS_MAX_QUERY_DEPTH: must be at least 1");
        }
        if self.max_query_complexity == 0 {
            bail!("FIRSTPASS_MAX_QUERY_COMPLEXITY: must be at least 1");
        }
        if self.max_body_bytes < 1024 {
            bail!("FIRSTPASS_MAX_BODY_BYTES: must be at least 1024");
        }
        if self.max_file_bytes == 0 {
            bail!("FIRSTPASS_MAX_FILE_BYTES: must be at least 1");
        }
        if self.max_upload_bytes < self.max_file_bytes {
            bail!("FIRSTPASS_MAX_UPLOAD_BYTES: must be at least FIRSTPASS_MAX_FILE_BYTES");
        }
        if self.max_query_fields == 0 {
            bail!("FIRSTPASS_MAX_QUERY_FIELDS: must be at least 1");
        }
        if !(1..=3600).contains(&self.request_timeout_secs) {
            bail!("FIRSTPASS_REQUEST_TIMEOUT_SECS: must be between 1 and 3600");
        }
        if self.max_unpacked_bytes < self.max_file_bytes {
            bail!("FIRSTPASS_MAX_UNPACKED_BYTES: must be at least FIRSTPASS_MAX_FILE_BYTES");
        }
        if self.max_upload_files == 0 {
            bail!("FIRSTPASS_MAX_UPLOAD_FILES: must be at least 1");
        }
        Ok(Limits {
            guard: GuardLimits {
                max_expanded_fields: self.max_query_fields,
                request_timeout: Duration::from_secs(self.request_timeout_secs),
                ..Limits::default().guard
            },
            max_depth: self.max_query_depth,
            max_complexity: self.max_query_complexity,
            max_body_bytes: self.max_body_bytes,
            max_file_bytes: self.max_file_bytes,
            max_upload_bytes: self.max_upload_bytes,
            max_unpacked_bytes: self.max_unpacked_bytes,
            max_upload_files: self.max_upload_files,
        })
    }
}

/// Shortest JWT secret accepted, in bytes.
const MIN_SECRET_BYTES: usize = 32;

/// The JWT signing secret: `FIRSTPASS_JWT_SECRET` when set, otherwise a random one generated
/// once and kept in `<data dir>/jwt-secret` (readable by the owner only).
pub fn jwt_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(secret) = std::env::var("FIRSTPASS_JWT_SECRET") {
        if secret.len() < MIN_SECRET_BYTES {
            bail!("FIRSTPASS_JWT_SECRET: must be at least {MIN_SECRET_BYTES} bytes long");
        }
        return Ok(secret.into_bytes());
    }
    let path = data_dir.join("jwt-secret");
    match std::fs::read(&path) {
        Ok(secret) if secret.len() >= MIN_SECRET_BYTES => Ok(secret),
        Ok(_) => bail!(
            "FIRSTPASS_JWT_SECRET: {} is too short; delete it to generate a new one",
            path.display()
        ),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let secret = crate::auth::random_secret().into_bytes();
            write_private(&path, &secret)
                .with_context(|| format!("FIRSTPASS_DATA_DIR: cannot write {}", path.display()))?;
            Ok(secret)
        }
        Err(err) => {
            Err(err).with_context(|| format!("FIRSTPASS_DATA_DIR: cannot read {}", path.display()))
        }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}
