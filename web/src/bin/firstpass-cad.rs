//! The browser app's second WebAssembly module: the shared crate's file parsers, checks and
//! renderer, loaded only by the pages that need them (the package page's board viewer and
//! upload check), so the sign-in page and every other page do not download them.
//!
//! Two functions, each taking the files as parallel arrays (names, layer functions as the
//! API's JSON text or empty, bytes as `Uint8Array`s) and answering JSON text:
//! - [`check`]: the dropped files (zips unpacked) checked together with the stored ones;
//! - [`draw`]: the pictures of the board (top, bottom, one per layer), placements, BOM lines.
//!
//! The main module loads this one with a dynamic `import()` (see `web/src/cad.rs`); the JSON
//! shapes are [`Checked`] and [`Drawn`], mirrored there.

use std::io::Read as _;

use firstpass_shared::cad::bom::BomLine;
use firstpass_shared::cad::centroid::Placement;
use firstpass_shared::cad::render::{self, RenderOptions};
use firstpass_shared::cad::validate::{analyze_package, validate_package};
use firstpass_shared::cad::{guess_file_kind, FileKind, Finding, InputFile, LayerFunction, Side};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Most bytes unpacked from the zips of one check (the server has its own, stricter limits).
const MAX_UNZIPPED: u64 = 256 * 1024 * 1024;

/// What [`check`] answers.
#[derive(Debug, Serialize)]
pub struct Checked {
    /// The dropped files as checked (zip members by their path).
    pub files: Vec<String>,
    /// The findings of the package with them.
    pub findings: Vec<Finding>,
    /// The dropped files by kind, e.g. "9 Gerber, 2 drill, 1 BOM, 1 centroid".
    pub kinds: String,
    /// Board size and copper layers, when the package has a board.
    pub board: Option<CheckedBoard>,
    /// Component placements.
    pub placements: usize,
    /// BOM lines.
    pub bom_lines: usize,
}

/// The board of a [`Checked`] package.
#[derive(Debug, Serialize)]
pub struct CheckedBoard {
    /// Width in millimetres.
    pub width_mm: f64,
    /// Height in millimetres.
    pub height_mm: f64,
    /// Copper layers.
    pub layer_count: u32,
}

/// The files by kind, in words, in the order of [`FileKind::ALL`].
fn kinds_in_words(files: &[Owned]) -> String {
    let mut counts: Vec<(FileKind, u32)> = Vec::new();
    for file in files {
        let kind = guess_file_kind(&file.name, &file.bytes);
        match counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((kind, 1)),
        }
    }
    counts.sort_by_key(|(k, _)| FileKind::ALL.iter().position(|a| a == k));
    counts
        .into_iter()
        .map(|(k, n)| {
            let what = match k {
                FileKind::Gerber => "Gerber",
                FileKind::Drill => "drill",
                FileKind::Bom => "BOM",
                FileKind::Centroid => "centroid",
                FileKind::Drawing => "drawing",
                FileKind::Ipc2581 => "IPC-2581",
                FileKind::Other => "other",
            };
            format!("{n} {what}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One layer's picture in [`Drawn`].
#[derive(Debug, Serialize)]
pub struct DrawnLayer {
    /// The file it was drawn from.
    pub file: String,
    /// Its function.
    pub function: LayerFunction,
    /// Its side.
    pub side: Side,
    /// The SVG, in its own viewBox.
    pub svg: String,
}

/// What [`draw`] answers.
#[derive(Debug, Serialize)]
pub struct Drawn {
    /// The top composite, or `None` when nothing could be drawn.
    pub top: Option<String>,
    /// The bottom composite, seen from below.
    pub bottom: Option<String>,
    /// One picture per Gerber or drill layer.
    pub layers: Vec<DrawnLayer>,
    /// Placements from the centroid files.
    pub placements: Vec<Placement>,
    /// BOM lines.
    pub bom_lines: Vec<BomLine>,
}

/// The files of parallel JS arrays: names, layer functions (JSON text or empty), bytes.
fn files(names: &js_sys::Array, functions: &js_sys::Array, bytes: &js_sys::Array) -> Vec<Owned> {
    (0..names.length())
        .map(|i| Owned {
            name: names.get(i).as_string().unwrap_or_default(),
            layer_function: functions
                .get(i)
                .as_string()
                .filter(|f| !f.is_empty())
                .and_then(|f| serde_json::from_str(&f).ok()),
            bytes: bytes
                .get(i)
                .dyn_into::<js_sys::Uint8Array>()
                .map(|a| a.to_vec())
                .unwrap_or_default(),
        })
        .collect()
}

/// A file with its bytes in this module's memory.
#[derive(Debug)]
struct Owned {
    name: String,
    layer_function: Option<LayerFunction>,
    bytes: Vec<u8>,
}

impl Owned {
    fn input(&self) -> InputFile<'_> {
        InputFile {
            layer_function: self.layer_function,
            ..InputFile::new(&self.name, &self.bytes)
        }
    }
}

/// Unpacks a zip's members (folders keep their path); a zip that cannot be read is kept whole,
/// for the server to judge.
fn unzip(file: Owned, total: &mut u64) -> Vec<Owned> {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(file.bytes.as_slice())) else {
        return vec![file];
    };
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index(i) else {
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_owned();
        let mut bytes = Vec::new();
        let budget = MAX_UNZIPPED.saturating_sub(*total);
        if entry.take(budget).read_to_end(&mut bytes).is_err() {
            continue;
        }
        *total += bytes.len() as u64;
        out.push(Owned {
            name,
            layer_function: None,
            bytes,
        });
        if *total >= MAX_UNZIPPED {
            break;
        }
    }
    out
}

/// Checks the dropped files (zips unpacked) with the stored ones; a dropped file replaces a
/// stored one of the same name, as on the server. Answers [`Checked`] as JSON.
#[wasm_bindgen]
pub fn check(
    stored_names: js_sys::Array,
    stored_functions: js_sys::Array,
    stored_bytes: js_sys::Array,
    dropped_names: js_sys::Array,
    dropped_bytes: js_sys::Array,
) -> String {
    let none = js_sys::Array::new();
    let mut total = 0;
    let dropped: Vec<Owned> = files(&dropped_names, &none, &dropped_bytes)
        .into_iter()
        .flat_map(|f| {
            if f.name.to_ascii_lowercase().ends_with(".zip") {
                unzip(f, &mut total)
            } else {
                vec![f]
            }
        })
        .collect();
    let stored = files(&stored_names, &stored_functions, &stored_bytes);
    let mut inputs: Vec<InputFile<'_>> = stored
        .iter()
        .filter(|s| !dropped.iter().any(|d| d.name == s.name))
        .map(Owned::input)
        .collect();
    inputs.extend(dropped.iter().map(Owned::input));
    let analysis = validate_package(&inputs);
    json(&Checked {
        files: dropped.iter().map(|d| d.name.clone()).collect(),
        kinds: kinds_in_words(&dropped),
        board: analysis.board.as_ref().map(|b| CheckedBoard {
            width_mm: b.width_mm,
            height_mm: b.height_mm,
            layer_count: b.layer_count,
        }),
        placements: analysis.placements.len(),
        bom_lines: analysis.bom_lines.len(),
        findings: analysis.findings,
    })
}

/// The colour a single layer is drawn in.
fn layer_color(function: LayerFunction) -> &'static str {
    use LayerFunction as F;
    match function {
        F::CopperTop => "#d9534f",
        F::CopperBottom => "#4f7fd9",
        F::CopperInner => "#d9a84f",
        F::SoldermaskTop | F::SoldermaskBottom => "#3fae5f",
        F::SilkscreenTop | F::SilkscreenBottom => "#f2f2f2",
        F::PasteTop | F::PasteBottom => "#9aa3ad",
        F::Outline => "#f0d000",
        _ => "#c080ff",
    }
}

/// Parses and draws the files. Answers [`Drawn`] as JSON.
#[wasm_bindgen]
pub fn draw(names: js_sys::Array, functions: js_sys::Array, bytes: js_sys::Array) -> String {
    let files = files(&names, &functions, &bytes);
    let inputs: Vec<InputFile<'_>> = files.iter().map(Owned::input).collect();
    let parsed = analyze_package(&inputs);
    let opts = RenderOptions::default();
    let drawable = !parsed.gerbers.is_empty() || !parsed.drills.is_empty();
    let mut layers = Vec::new();
    for (index, info) in parsed.analysis.layers.iter().enumerate() {
        let svg = if let Some((_, g)) = parsed.gerbers.iter().find(|(i, _)| *i == index) {
            render::layer_svg(g, layer_color(info.function), opts)
        } else if let Some((_, d)) = parsed.drills.iter().find(|(i, _)| *i == index) {
            render::drill_svg(d, opts)
        } else {
            continue;
        };
        layers.push(DrawnLayer {
            file: info.file.clone(),
            function: info.function,
            side: info.side,
            svg,
        });
    }
    json(&Drawn {
        top: drawable.then(|| render::board_svg(&parsed, Side::Top, opts)),
        bottom: drawable.then(|| render::board_svg(&parsed, Side::Bottom, opts)),
        layers,
        placements: parsed.analysis.placements,
        bom_lines: parsed.analysis.bom_lines,
    })
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// Nothing to start: the main module calls [`check`] and [`draw`].
fn main() {}
