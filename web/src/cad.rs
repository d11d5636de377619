//! The file parsers, checks and renderer, in a WebAssembly module of their own
//! (`src/bin/firstpass-cad.rs`) that is loaded the first time a page needs it: the sign-in page
//! and the pages without a board do not download it.
//!
//! `index.html` names the module's files in `<meta name="firstpass-cad">` (the build writes
//! the content-hashed names there); [`module`] imports it once and keeps it.

use std::cell::RefCell;

use firstpass_shared::cad::bom::BomLine;
use firstpass_shared::cad::centroid::Placement;
use firstpass_shared::cad::{Finding, LayerFunction, Side};
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::viewer::ViewerFile;

#[wasm_bindgen(inline_js = "export function load_cad(js, wasm) {
    return import(js).then(m => m.default({ module_or_path: wasm }).then(() => m));
}")]
extern "C" {
    /// Imports the module at `js` and instantiates its wasm at `wasm`; resolves to its exports.
    fn load_cad(js: &str, wasm: &str) -> js_sys::Promise;
}

/// The module's exports, or why it could not be loaded.
type Loading = Shared<LocalBoxFuture<'static, Result<JsValue, String>>>;

thread_local! {
    /// The one load of the module, shared by everyone who needs it.
    static MODULE: RefCell<Option<Loading>> = const { RefCell::new(None) };
}

/// The `js wasm` paths from the page's `<meta name="firstpass-cad">`.
fn paths() -> Result<(String, String), String> {
    let content = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name=firstpass-cad]").ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .ok_or("the page does not name the board module")?;
    let mut parts = content.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(js), Some(wasm)) => Ok((js.to_owned(), wasm.to_owned())),
        _ => Err(format!("bad board module paths: {content}")),
    }
}

/// The module's exports, loading it on first use.
async fn module() -> Result<JsValue, String> {
    let loading = MODULE.with(|m| {
        m.borrow_mut()
            .get_or_insert_with(|| {
                async {
                    let (js, wasm) = paths()?;
                    JsFuture::from(load_cad(&js, &wasm))
                        .await
                        .map_err(|e| format!("cannot load the board module: {e:?}"))
                }
                .boxed_local()
                .shared()
            })
            .clone()
    });
    let result = loading.await;
    if result.is_err() {
        // Try again next time (a network hiccup should not stick).
        MODULE.with(|m| m.borrow_mut().take());
    }
    result
}

/// Calls the export `name` with `args`; its JSON answer, decoded.
async fn call<T: serde::de::DeserializeOwned>(name: &str, args: &[JsValue]) -> Result<T, String> {
    let exports = module().await?;
    let function: js_sys::Function = js_sys::Reflect::get(&exports, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| format!("the board module has no {name}"))?;
    let args: js_sys::Array = args.iter().collect();
    let answer = function
        .apply(&JsValue::NULL, &args)
        .map_err(|e| format!("{name} failed: {e:?}"))?;
    let text = answer.as_string().unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| format!("{name} answered {e}"))
}

/// Names, layer functions (JSON text or empty) and bytes of `files`, as the module takes them.
fn arrays<'a>(
    files: impl Iterator<Item = (&'a str, Option<LayerFunction>, &'a [u8])>,
) -> [JsValue; 3] {
    let (names, functions, bytes) = (
        js_sys::Array::new(),
        js_sys::Array::new(),
        js_sys::Array::new(),
    );
    for (name, function, data) in files {
        names.push(&JsValue::from_str(name));
        let function = function
            .and_then(|f| serde_json::to_string(&f).ok())
            .unwrap_or_default();
        functions.push(&JsValue::from_str(&function));
        bytes.push(&JsValue::from(js_sys::Uint8Array::from(data)));
    }
    [names.into(), functions.into(), bytes.into()]
}

/// The module's check of dropped files with the stored ones.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct CheckedBoard {
    /// Width in millimetres.
    pub width_mm: f64,
    /// Height in millimetres.
    pub height_mm: f64,
    /// Copper layers.
    pub layer_count: u32,
}

/// Checks `dropped` (zips unpacked) together with `stored`.
pub async fn check(
    stored: &[ViewerFile],
    dropped: &[(String, Vec<u8>)],
) -> Result<Checked, String> {
    let [names, functions, bytes] = arrays(
        stored
            .iter()
            .map(|f| (f.name.as_str(), f.layer_function, f.bytes.as_slice())),
    );
    let [dropped_names, _, dropped_bytes] = arrays(
        dropped
            .iter()
            .map(|(n, b)| (n.as_str(), None, b.as_slice())),
    );
    call(
        "check",
        &[names, functions, bytes, dropped_names, dropped_bytes],
    )
    .await
}

/// One layer's picture as the module draws it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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

/// The module's pictures of a board.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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

/// Parses and draws `files`.
pub async fn draw(files: &[ViewerFile]) -> Result<Drawn, String> {
    let [names, functions, bytes] = arrays(
        files
            .iter()
            .map(|f| (f.name.as_str(), f.layer_function, f.bytes.as_slice())),
    );
    call("draw", &[names, functions, bytes]).await
}
