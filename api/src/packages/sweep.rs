//! Sweeping blobs that no row references.
//!
//! A server killed after an upload's body arrived, but before its rows were committed, leaves
//! file blobs behind; pictures of inputs no package has any more can be left too. At start-up
//! the server lists the file folder (`packages/`) and the derived folder (`derived/`) and deletes
//! every blob that no `package_files` row (or, for pictures, no `package_analyses` row) refers
//! to, unless it is younger than a grace period: another instance may be midway through an
//! upload whose rows are not committed yet.

use crate::context::AppState;
use crate::entities::{package_analysis, package_file};
use crate::error::ApiResult;
use crate::packages::analysis::DERIVED_PREFIX;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// The blob-store folder of package files.
pub const FILES_PREFIX: &str = "packages";

/// How old an unreferenced blob must be before it is swept.
pub const ORPHAN_GRACE: TimeDelta = TimeDelta::hours(1);

/// Keys looked up in the database per query.
const BATCH: usize = 500;

/// What a sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// File blobs no package file refers to.
    pub files: usize,
    /// Picture blobs of inputs no package has.
    pub derived: usize,
}

/// When a file blob was started: the later of its write time and the time in its file id (a
/// UUIDv7, made when the upload or copy began; a copied blob can keep an old write time).
fn started(key: &str, modified: DateTime<Utc>) -> DateTime<Utc> {
    let from_id = key
        .rsplit('/')
        .next()
        .and_then(|id| Uuid::parse_str(id).ok())
        .and_then(|id| id.get_timestamp())
        .and_then(|ts| {
            let (secs, nanos) = ts.to_unix();
            DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)
        });
    from_id.map_or(modified, |t| t.max(modified))
}

/// Deletes unreferenced blobs older than `grace`; see the module documentation.
pub async fn sweep_orphans(state: &AppState, grace: TimeDelta) -> ApiResult<SweepReport> {
    let cutoff = Utc::now() - grace;
    let mut report = SweepReport::default();

    let candidates: Vec<String> = state
        .blobs
        .list(FILES_PREFIX)
        .await?
        .into_iter()
        .filter(|blob| started(&blob.key, blob.modified) < cutoff)
        .map(|blob| blob.key)
        .collect();
    for batch in candidates.chunks(BATCH) {
        let referenced: HashSet<String> = package_file::Entity::find()
            .filter(package_file::Column::StorageKey.is_in(batch.iter().cloned()))
            .select_only()
            .column(package_file::Column::StorageKey)
            .into_tuple::<String>()
            .all(&state.db)
            .await?
            .into_iter()
            .collect();
        for key in batch.iter().filter(|key| !referenced.contains(*key)) {
            state.blobs.delete(key).await?;
            report.files += 1;
        }
    }

    // Pictures live under `derived/{inputs_hash}/`: a folder goes when no analysis has its hash.
    let mut by_hash: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for blob in state.blobs.list(DERIVED_PREFIX).await? {
        if blob.modified >= cutoff {
            continue;
        }
        let hash = blob
            .key
            .strip_prefix(DERIVED_PREFIX)
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_owned();
        by_hash.entry(hash).or_default().push(blob.key);
    }
    let hashes: Vec<String> = by_hash.keys().cloned().collect();
    for batch in hashes.chunks(BATCH) {
        let referenced: HashSet<String> = package_analysis::Entity::find()
            .filter(package_analysis::Column::InputsHash.is_in(batch.iter().cloned()))
            .select_only()
            .column(package_analysis::Column::InputsHash)
            .into_tuple::<Option<String>>()
            .all(&state.db)
            .await?
            .into_iter()
            .flatten()
            .collect();
        for hash in batch.iter().filter(|hash| !referenced.contains(*hash)) {
            for key in by_hash.get(hash).into_iter().flatten() {
                state.blobs.delete(key).await?;
                report.derived += 1;
            }
        }
    }
    Ok(report)
}

/// Where the start-up sweep stands, for whoever needs to wait for its outcome.
#[derive(Debug, Clone)]
pub struct SweepStatus {
    outcome: std::sync::Arc<tokio::sync::watch::Sender<Option<Result<SweepReport, String>>>>,
}

impl Default for SweepStatus {
    fn default() -> Self {
        Self {
            outcome: std::sync::Arc::new(tokio::sync::watch::channel(None).0),
        }
    }
}

impl SweepStatus {
    /// Records the outcome of the sweep.
    pub fn finish(&self, outcome: Result<SweepReport, String>) {
        self.outcome.send_replace(Some(outcome));
    }

    /// Waits until the sweep has finished; its report, or why it failed.
    pub async fn finished(&self) -> Result<SweepReport, String> {
        let mut watch = self.outcome.subscribe();
        let outcome = match watch.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone(),
            Err(err) => Some(Err(err.to_string())),
        };
        outcome.unwrap_or_else(|| Err("the sweep recorded no outcome".into()))
    }
}

/// Starts the sweep in the background; it logs what it deleted and records it in the state.
pub fn spawn(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let outcome = sweep_orphans(&state, ORPHAN_GRACE).await;
        match &outcome {
            Ok(report) => tracing::info!(
                files = report.files,
                pictures = report.derived,
                "swept orphan blobs no row refers to"
            ),
            Err(err) => tracing::warn!(error = ?err, "the orphan blob sweep failed"),
        }
        state
            .orphan_sweep
            .finish(outcome.map_err(|err| err.message()));
    });
}
