//! Running the shared validation over a package's stored files, and keeping what it derives.
//!
//! Whenever a package's files change, [`recompute`] reads them once and parses them once (off the
//! async runtime, holding no database connection), then keeps:
//! - the analysis (layers, board, BOM lines, placements, findings) as JSON beside the package;
//! - every picture (each layer, the board from the top and from below) as SVG in the blob store
//!   under `derived/{inputs_hash}/`, where `inputs_hash` is a SHA-256 over everything the
//!   pictures depend on, so identical inputs (a revision copied from another) share them. The
//!   keys are recorded beside the analysis.
//!
//! Reading a picture only fetches its blob ([`picture`]). A package analysed before pictures
//! were kept (or whose picture blob went missing) gets them on first read: rendered once, under a
//! per-package lock so that concurrent readers wait for the first instead of all rendering.

use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{npi_package, package_analysis, package_file};
use crate::error::{ApiError, ApiResult};
use crate::packages::model::parse_layer_function;
use bytes::Bytes;
use chrono::Utc;
use firstpass_shared::cad::{self, render, validate, InputFile, PackageAnalysis};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use uuid::Uuid;

/// The blob-store folder of derived data (rendered pictures).
pub const DERIVED_PREFIX: &str = "derived";

/// Part of every inputs hash: change it when the renderer's output changes, so that new
/// analyses get new pictures instead of reusing those of the same files.
const RENDER_VERSION: &str = "firstpass-render-2";

/// One async lock per package, created on demand and forgotten once nobody holds or awaits it.
#[derive(Debug, Default)]
pub struct KeyedLocks {
    locks: Mutex<HashMap<Uuid, Weak<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    /// Waits for and takes the lock of `key`.
    pub async fn lock(&self, key: Uuid) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            locks.retain(|_, lock| lock.strong_count() > 0);
            match locks.get(&key).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(tokio::sync::Mutex::new(()));
                    locks.insert(key, Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}

/// The blob keys of a package's rendered pictures, as recorded beside its analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pictures {
    /// Each layer's SVG, by index into the analysis' layers; `None` for a layer with no picture
    /// (a file that did not parse).
    pub layers: Vec<Option<String>>,
    /// The board from the top; `None` before there is an outline.
    pub board_top: Option<String>,
    /// The board from below; `None` before there is an outline.
    pub board_bottom: Option<String>,
}

/// Which picture of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    /// One layer, by index into the analysis' layers.
    Layer(usize),
    /// The board from the top.
    BoardTop,
    /// The board from below.
    BoardBottom,
}

impl Pictures {
    /// The blob key of a picture, or `None` when the package has no such picture.
    pub fn key(&self, which: Picture) -> Option<&str> {
        match which {
            Picture::Layer(index) => self.layers.get(index).and_then(Option::as_deref),
            Picture::BoardTop => self.board_top.as_deref(),
            Picture::BoardBottom => self.board_bottom.as_deref(),
        }
    }
}

/// A package's stored analysis, with the keys of its pictures when they have been rendered.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The analysis.
    pub analysis: PackageAnalysis,
    /// The pictures' keys; `None` for an analysis stored before pictures were kept.
    pub pictures: Option<Arc<Pictures>>,
}

/// A stored file with its bytes, ready for the parsers.
struct LoadedFile {
    row: package_file::Model,
    bytes: Bytes,
}

async fn file_rows(
    db: &impl ConnectionTrait,
    package_id: Uuid,
) -> ApiResult<Vec<package_file::Model>> {
    Ok(package_file::Entity::find()
        .filter(package_file::Column::PackageId.eq(package_id))
        .order_by_asc(package_file::Column::Name)
        .all(db)
        .await?)
}

/// SHA-256 over everything the analysis and pictures depend on: the renderer version and each
/// file's name, kind, content hash and layer override, in name order.
pub fn inputs_hash(rows: &[package_file::Model]) -> String {
    let mut rows: Vec<&package_file::Model> = rows.iter().collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let mut hasher = Sha256::new();
    hasher.update(RENDER_VERSION.as_bytes());
    hasher.update([b'\n']);
    for row in rows {
        for part in [
            row.name.as_str(),
            row.kind.as_str(),
            row.sha256.as_str(),
            row.layer_function_override.as_deref().unwrap_or("-"),
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        hasher.update([b'\n']);
    }
    hex::encode(hasher.finalize())
}

async fn load_bytes(
    state: &AppState,
    rows: Vec<package_file::Model>,
) -> ApiResult<Vec<LoadedFile>> {
    let mut files = Vec::with_capacity(rows.len());
    for row in rows {
        // Drawings and other documents are not parsed: their bytes stay in the store. The
        // others are bounded by the file limit.
        let bytes = match kind_of(&row.kind) {
            cad::FileKind::Drawing | cad::FileKind::Other => Bytes::new(),
            _ => state
                .blobs
                .read_all(&row.storage_key, state.limits.max_file_bytes)
                .await?
                .unwrap_or_default(),
        };
        files.push(LoadedFile { row, bytes });
    }
    Ok(files)
}

fn kind_of(text: &str) -> cad::FileKind {
    text.parse().unwrap_or(cad::FileKind::Other)
}

fn inputs(files: &[LoadedFile]) -> Vec<InputFile<'_>> {
    files
        .iter()
        .map(|f| InputFile {
            name: &f.row.name,
            bytes: &f.bytes,
            kind: Some(kind_of(&f.row.kind)),
            layer_function: f
                .row
                .layer_function_override
                .as_deref()
                .and_then(parse_layer_function),
        })
        .collect()
}

fn color_for(function: cad::LayerFunction) -> &'static str {
    use cad::LayerFunction as F;
    match function {
        F::SoldermaskTop | F::SoldermaskBottom => render::colors::COPPER_UNDER_MASK,
        F::SilkscreenTop | F::SilkscreenBottom => "#5c5c5c",
        F::PasteTop | F::PasteBottom => "#8a8f98",
        F::Outline => render::colors::OUTLINE,
        _ => render::colors::LAYER,
    }
}

/// Everything derived from one set of inputs.
struct Derived {
    hash: String,
    analysis: PackageAnalysis,
    pictures: Pictures,
    /// The SVGs rendered by this computation, by key (empty when stored ones were reused).
    svgs: Vec<(String, Bytes)>,
}

impl Derived {
    fn svg(&self, which: Picture) -> ApiResult<Option<String>> {
        let Some(key) = self.pictures.key(which) else {
            return Ok(None);
        };
        match self.svgs.iter().find(|(k, _)| k == key) {
            Some((_, bytes)) => text(bytes).map(Some),
            None => Ok(None),
        }
    }
}

/// Parses the files and, when `render`, draws every picture. CPU work: run it off the runtime.
fn analyze_and_render(
    files: &[LoadedFile],
    hash: &str,
    render: bool,
    options: validate::AnalyzeOptions,
) -> Derived {
    let parsed = validate::analyze_package_with(&inputs(files), options);
    let mut pictures = Pictures::default();
    let mut svgs = Vec::new();
    if render {
        let options = render::RenderOptions::default();
        let mut keep = |name: String, svg: String| {
            let key = format!("{DERIVED_PREFIX}/{hash}/{name}");
            svgs.push((key.clone(), Bytes::from(svg)));
            key
        };
        for (index, info) in parsed.analysis.layers.iter().enumerate() {
            let svg = if let Some((_, gerber)) = parsed.gerbers.iter().find(|(i, _)| *i == index) {
                Some(render::layer_svg(gerber, color_for(info.function), options))
            } else {
                parsed
                    .drills
                    .iter()
                    .find(|(i, _)| *i == index)
                    .map(|(_, drill)| render::drill_svg(drill, options))
            };
            pictures
                .layers
                .push(svg.map(|svg| keep(format!("layer-{index}.svg"), svg)));
        }
        // The board's pictures, also before there is an outline as soon as anything draws (a
        // package of one drill file shows its holes).
        let drawable = parsed.analysis.board.is_some()
            || parsed
                .analysis
                .layers
                .iter()
                .any(|l| l.extents_mm.is_some());
        if drawable {
            let top = render::board_svg(&parsed, cad::Side::Top, options);
            pictures.board_top = Some(keep("board-top.svg".into(), top));
            let bottom = render::board_svg(&parsed, cad::Side::Bottom, options);
            pictures.board_bottom = Some(keep("board-bottom.svg".into(), bottom));
        }
    }
    Derived {
        hash: hash.to_owned(),
        analysis: parsed.analysis,
        pictures,
        svgs,
    }
}

/// Reads the package's files and derives everything from them; pictures are rendered and
/// written to the blob store unless `reuse` finds them already stored for identical inputs.
/// No database connection is held while parsing or rendering.
async fn derive(state: &AppState, package_id: Uuid, reuse: bool) -> ApiResult<Derived> {
    let rows = file_rows(&state.db, package_id).await?;
    let hash = inputs_hash(&rows);
    let existing = if reuse {
        pictures_of_inputs(&state.db, &hash).await?
    } else {
        None
    };
    let files = load_bytes(state, rows).await?;
    let render = existing.is_none();
    let key_hash = hash.clone();
    let options = analyze_options(&state.db, package_id).await?;
    let mut derived =
        tokio::task::spawn_blocking(move || analyze_and_render(&files, &key_hash, render, options))
            .await
            .map_err(ApiError::internal)?;
    if let Some(existing) = existing {
        derived.pictures = existing;
    }
    for (key, svg) in &derived.svgs {
        state.blobs.put_bytes(key, svg.clone()).await?;
    }
    Ok(derived)
}

/// What the analysis of a package depends on besides its files: its IPC class.
async fn analyze_options(
    db: &impl ConnectionTrait,
    package_id: Uuid,
) -> ApiResult<validate::AnalyzeOptions> {
    let class = npi_package::Entity::find_by_id(package_id)
        .select_only()
        .column(npi_package::Column::IpcClass)
        .into_tuple::<String>()
        .one(db)
        .await?;
    Ok(validate::AnalyzeOptions {
        ipc_class: class
            .and_then(|c| c.parse().ok())
            .unwrap_or(firstpass_shared::domain::IpcClass::Class2),
    })
}

/// How much of a derivation to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The analysis and the pictures (after the files changed).
    Everything,
    /// Only the pictures, beside an analysis stored before pictures were kept.
    Pictures,
}

/// Records a derivation, unless the package's files changed since it was read (then the
/// recomputation that follows that change records its own). Returns whether it was recorded.
async fn record(
    state: &AppState,
    package_id: Uuid,
    derived: &Derived,
    scope: Scope,
) -> ApiResult<bool> {
    let analysis = &derived.analysis;
    let errors = analysis
        .findings
        .iter()
        .filter(|f| f.severity == cad::Severity::Error)
        .count();
    let warnings = analysis.findings.len() - errors;
    let json = serde_json::to_string(analysis).map_err(ApiError::internal)?;
    let pictures = serde_json::to_string(&derived.pictures).map_err(ApiError::internal)?;
    let txn = begin_write(&state.db).await?;
    if inputs_hash(&file_rows(&txn, package_id).await?) != derived.hash {
        return Ok(false);
    }
    let old = package_analysis::Entity::find_by_id(package_id)
        .one(&txn)
        .await?;
    let old_hash = old.as_ref().and_then(|row| row.inputs_hash.clone());
    match old {
        Some(row) if scope == Scope::Pictures => {
            let mut active: package_analysis::ActiveModel = row.into();
            active.inputs_hash = Set(Some(derived.hash.clone()));
            active.pictures = Set(Some(pictures));
            active.update(&txn).await?;
        }
        _ => {
            package_analysis::Entity::delete_by_id(package_id)
                .exec(&txn)
                .await?;
            package_analysis::ActiveModel {
                package_id: Set(package_id),
                analysis: Set(json),
                error_count: Set(errors as i32),
                warning_count: Set(warnings as i32),
                computed_at: Set(Utc::now()),
                inputs_hash: Set(Some(derived.hash.clone())),
                pictures: Set(Some(pictures)),
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    if let Some(old) = old_hash.filter(|old| *old != derived.hash) {
        release(state, &old).await;
    }
    Ok(true)
}

/// Deletes the pictures of inputs no package has any more (best effort: a picture deleted while
/// another package takes the same inputs is rendered again on its first read).
async fn release(state: &AppState, hash: &str) {
    let used = package_analysis::Entity::find()
        .filter(package_analysis::Column::InputsHash.eq(hash))
        .count(&state.db)
        .await;
    match used {
        Ok(0) => {
            if let Err(err) = state
                .blobs
                .delete_prefix(&format!("{DERIVED_PREFIX}/{hash}/"))
                .await
            {
                tracing::warn!(%hash, error = ?err, "could not delete pictures no package uses");
            }
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(%hash, error = ?err, "could not check who uses pictures"),
    }
}

/// Recomputes and stores a package's analysis and pictures; call after any change to its files,
/// outside any transaction.
pub async fn recompute(state: &AppState, package_id: Uuid) -> ApiResult<()> {
    let _guard = state.derived_locks.lock(package_id).await;
    let derived = derive(state, package_id, true).await?;
    record(state, package_id, &derived, Scope::Everything).await?;
    Ok(())
}

/// Stores the analysis of a new package, which has no files (and so no pictures) yet.
pub async fn store_empty(db: &impl ConnectionTrait, package_id: Uuid) -> ApiResult<()> {
    let analysis = empty();
    let errors = analysis
        .findings
        .iter()
        .filter(|f| f.severity == cad::Severity::Error)
        .count();
    package_analysis::ActiveModel {
        package_id: Set(package_id),
        analysis: Set(serde_json::to_string(&analysis).map_err(ApiError::internal)?),
        error_count: Set(errors as i32),
        warning_count: Set((analysis.findings.len() - errors) as i32),
        computed_at: Set(Utc::now()),
        inputs_hash: Set(Some(inputs_hash(&[]))),
        pictures: Set(Some(
            serde_json::to_string(&Pictures::default()).map_err(ApiError::internal)?,
        )),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The stored analysis of a package (empty when it has no files yet).
pub async fn load(db: &impl ConnectionTrait, package_id: Uuid) -> ApiResult<PackageAnalysis> {
    Ok(load_stored(db, package_id).await?.analysis)
}

/// The BOM lines of several packages' stored analyses, in one statement (only the BOM is
/// read out of each); a package without files has none in the map.
pub async fn bom_lines_of(
    db: &impl ConnectionTrait,
    package_ids: impl IntoIterator<Item = Uuid>,
) -> ApiResult<HashMap<Uuid, Vec<cad::bom::BomLine>>> {
    /// The one part of a stored analysis that is wanted; serde skips the rest unparsed.
    #[derive(Deserialize)]
    struct BomOnly {
        bom_lines: Vec<cad::bom::BomLine>,
    }
    let rows: Vec<(Uuid, String)> = package_analysis::Entity::find()
        .select_only()
        .column(package_analysis::Column::PackageId)
        .column(package_analysis::Column::Analysis)
        .filter(package_analysis::Column::PackageId.is_in(package_ids))
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(id, json)| {
            let only: BomOnly = serde_json::from_str(&json).map_err(ApiError::internal)?;
            Ok((id, only.bom_lines))
        })
        .collect()
}

/// The stored analysis of a package with the keys of its pictures.
pub async fn load_stored(db: &impl ConnectionTrait, package_id: Uuid) -> ApiResult<Stored> {
    match package_analysis::Entity::find_by_id(package_id)
        .one(db)
        .await?
    {
        Some(row) => Ok(Stored {
            analysis: serde_json::from_str(&row.analysis).map_err(ApiError::internal)?,
            pictures: parse_pictures(row.pictures.as_deref())?.map(Arc::new),
        }),
        None => Ok(Stored {
            analysis: empty(),
            pictures: None,
        }),
    }
}

fn parse_pictures(json: Option<&str>) -> ApiResult<Option<Pictures>> {
    json.map(|json| serde_json::from_str(json).map_err(ApiError::internal))
        .transpose()
}

/// The recorded picture keys of a package, if rendered.
async fn pictures_of(db: &impl ConnectionTrait, package_id: Uuid) -> ApiResult<Option<Pictures>> {
    let json = package_analysis::Entity::find_by_id(package_id)
        .select_only()
        .column(package_analysis::Column::Pictures)
        .into_tuple::<Option<String>>()
        .one(db)
        .await?
        .flatten();
    parse_pictures(json.as_deref())
}

/// Picture keys already recorded for identical inputs (by any package), if any.
async fn pictures_of_inputs(db: &impl ConnectionTrait, hash: &str) -> ApiResult<Option<Pictures>> {
    let json = package_analysis::Entity::find()
        .filter(package_analysis::Column::InputsHash.eq(hash))
        .filter(package_analysis::Column::Pictures.is_not_null())
        .select_only()
        .column(package_analysis::Column::Pictures)
        .into_tuple::<Option<String>>()
        .one(db)
        .await?
        .flatten();
    parse_pictures(json.as_deref())
}

fn text(bytes: &Bytes) -> ApiResult<String> {
    String::from_utf8(bytes.to_vec()).map_err(ApiError::internal)
}

/// What fetching a recorded picture found.
enum Fetched {
    /// The picture, or `None` when the package has no such picture.
    Found(Option<String>),
    /// Its blob is missing: it must be rendered again.
    Missing,
}

/// Fetches a picture recorded under `pictures`.
async fn fetch(state: &AppState, pictures: &Pictures, which: Picture) -> ApiResult<Fetched> {
    let Some(key) = pictures.key(which) else {
        return Ok(Fetched::Found(None));
    };
    match state.blobs.get(key).await? {
        Some(bytes) => Ok(Fetched::Found(Some(text(&bytes)?))),
        None => {
            tracing::warn!(%key, "a recorded picture is missing from the blob store; rendering it again");
            Ok(Fetched::Missing)
        }
    }
}

/// One picture of a package as SVG, or `None` when the package has no such picture. Fetches the
/// stored blob; `known` are the package's picture keys when the caller already has them. Renders
/// (once, for all readers) only when the pictures were never stored.
pub async fn picture(
    state: &AppState,
    package_id: Uuid,
    known: Option<&Pictures>,
    which: Picture,
) -> ApiResult<Option<String>> {
    let recorded = match known {
        Some(pictures) => Some(pictures.clone()),
        None => pictures_of(&state.db, package_id).await?,
    };
    if let Some(pictures) = recorded {
        if let Fetched::Found(svg) = fetch(state, &pictures, which).await? {
            return Ok(svg);
        }
    }
    backfill(state, package_id, which).await
}

/// Renders and stores a package's pictures for want of stored ones, unless another reader did
/// while this one waited for the package's lock.
async fn backfill(state: &AppState, package_id: Uuid, which: Picture) -> ApiResult<Option<String>> {
    let _guard = state.derived_locks.lock(package_id).await;
    if let Some(pictures) = pictures_of(&state.db, package_id).await? {
        if let Fetched::Found(svg) = fetch(state, &pictures, which).await? {
            return Ok(svg);
        }
    }
    tracing::info!(%package_id, "rendering the pictures of a package that has none stored");
    let derived = derive(state, package_id, false).await?;
    record(state, package_id, &derived, Scope::Pictures).await?;
    derived.svg(which)
}

/// The analysis of a package with no files: one finding per missing essential.
pub fn empty() -> PackageAnalysis {
    validate::validate_package(&[])
}

/// The number of ERROR findings currently standing.
pub async fn error_count(db: &impl ConnectionTrait, package_id: Uuid) -> ApiResult<i32> {
    Ok(
        match package_analysis::Entity::find_by_id(package_id)
            .one(db)
            .await?
        {
            Some(row) => row.error_count,
            None => empty()
                .findings
                .iter()
                .filter(|f| f.severity == cad::Severity::Error)
                .count() as i32,
        },
    )
}
