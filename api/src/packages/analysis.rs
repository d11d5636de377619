//! Running the shared validation over a package's stored files, and keeping its result.
//!
//! The analysis (layers, board, BOM lines, placements, findings) is recomputed whenever the
//! files change and stored as JSON beside the package; queries read it from there. Pictures are
//! rendered on demand from the files by the same `shared` code the browser runs.

use crate::context::AppState;
use crate::entities::{package_analysis, package_file};
use crate::error::{ApiError, ApiResult};
use crate::packages::model::parse_layer_function;
use bytes::Bytes;
use chrono::Utc;
use firstpass_shared::cad::{self, render, validate, InputFile, PackageAnalysis};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

/// A stored file with its bytes, ready for the parsers.
struct LoadedFile {
    row: package_file::Model,
    bytes: Bytes,
}

async fn load_files(state: &AppState, package_id: Uuid) -> ApiResult<Vec<LoadedFile>> {
    let rows = package_file::Entity::find()
        .filter(package_file::Column::PackageId.eq(package_id))
        .order_by_asc(package_file::Column::Name)
        .all(&state.db)
        .await?;
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
    match text {
        "GERBER" => cad::FileKind::Gerber,
        "DRILL" => cad::FileKind::Drill,
        "BOM" => cad::FileKind::Bom,
        "CENTROID" => cad::FileKind::Centroid,
        "DRAWING" => cad::FileKind::Drawing,
        _ => cad::FileKind::Other,
    }
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

/// Parses the package's files off the async runtime.
async fn analyze(files: Vec<LoadedFile>) -> ApiResult<(Vec<LoadedFile>, validate::ParsedPackage)> {
    tokio::task::spawn_blocking(move || {
        let parsed = validate::analyze_package(&inputs(&files));
        (files, parsed)
    })
    .await
    .map_err(ApiError::internal)
}

/// Recomputes and stores a package's analysis; call after any change to its files.
pub async fn recompute(
    state: &AppState,
    db: &impl ConnectionTrait,
    package_id: Uuid,
) -> ApiResult<PackageAnalysis> {
    let files = load_files(state, package_id).await?;
    let (_, parsed) = analyze(files).await?;
    let analysis = parsed.analysis;
    let errors = analysis
        .findings
        .iter()
        .filter(|f| f.severity == cad::Severity::Error)
        .count();
    let warnings = analysis.findings.len() - errors;
    let json = serde_json::to_string(&analysis).map_err(ApiError::internal)?;
    package_analysis::Entity::delete_by_id(package_id)
        .exec(db)
        .await?;
    package_analysis::ActiveModel {
        package_id: Set(package_id),
        analysis: Set(json),
        error_count: Set(errors as i32),
        warning_count: Set(warnings as i32),
        computed_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(analysis)
}

/// The stored analysis of a package (empty when it has no files yet).
pub async fn load(db: &impl ConnectionTrait, package_id: Uuid) -> ApiResult<PackageAnalysis> {
    match package_analysis::Entity::find_by_id(package_id)
        .one(db)
        .await?
    {
        Some(row) => serde_json::from_str(&row.analysis).map_err(ApiError::internal),
        None => Ok(empty()),
    }
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

/// One layer of a package drawn as SVG, or `None` when the file is not a parsed layer.
pub async fn layer_svg(
    state: &AppState,
    package_id: Uuid,
    file_name: &str,
) -> ApiResult<Option<String>> {
    let files = load_files(state, package_id).await?;
    let (_, parsed) = analyze(files).await?;
    let Some(index) = parsed
        .analysis
        .layers
        .iter()
        .position(|l| l.file == file_name)
    else {
        return Ok(None);
    };
    let function = parsed.analysis.layers[index].function;
    let options = render::RenderOptions::default();
    if let Some((_, gerber)) = parsed.gerbers.iter().find(|(i, _)| *i == index) {
        return Ok(Some(render::layer_svg(
            gerber,
            color_for(function),
            options,
        )));
    }
    if let Some((_, drill)) = parsed.drills.iter().find(|(i, _)| *i == index) {
        return Ok(Some(render::drill_svg(drill, options)));
    }
    Ok(None)
}

/// The whole board from one side as SVG, or `None` before there is an outline.
pub async fn board_svg(
    state: &AppState,
    package_id: Uuid,
    side: cad::Side,
) -> ApiResult<Option<String>> {
    let files = load_files(state, package_id).await?;
    let (_, parsed) = analyze(files).await?;
    if parsed.analysis.board.is_none() {
        return Ok(None);
    }
    Ok(Some(render::board_svg(
        &parsed,
        side,
        render::RenderOptions::default(),
    )))
}
