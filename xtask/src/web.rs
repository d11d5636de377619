//! `build-web`: the browser app from Rust to `web/dist`.
//!
//! 1. `cargo build -p firstpass-web --target wasm32-unknown-unknown` (dev, or the
//!    `wasm-release` profile: size over speed): the app, and the board module
//!    (`firstpass-cad`: the file parsers and renderer, which the app loads only on pages that
//!    draw or check board files);
//! 2. the app's wasm is cut at its split points (`web/src/pages.rs`) by the wasm-split library:
//!    a main module, one chunk per page and chunks of the code pages share, and the JS that
//!    loads a chunk when its page is first opened (`__wasm_split.js`);
//! 3. the wasm-bindgen library writes the JS glue of the main module and of the board module
//!    (`--target web`);
//! 4. release only: `wasm-opt -Oz` on every module, when a binaryen ≥ 116 is on PATH;
//! 5. `web/dist` is written afresh: the app's modules in a folder named by the hash of them all
//!    (`app-<hash>/`: they refer to each other by name), the board module and CSS under
//!    content-hashed names (cache them forever), and `index.html` (never cache it) rewritten
//!    to point at them;
//! 6. the API explorer's files into `dist/graphiql` (see [`crate::graphiql`]);
//! 7. gzip and brotli siblings (`.gz`, `.br`) of the JS, wasm and CSS, the explorer's included,
//!    for the server to send to browsers that accept them (see [`crate::compress`]).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use wasm_bindgen_cli_support::Bindgen;

use crate::compress::{self, Effort, Sizes};
use crate::{cmd, lockfile};

/// The app's binary, as cargo names the wasm file.
const BIN: &str = "firstpass-web";
/// The stem of the app's main module files (`firstpass_web.js`, `firstpass_web_bg.wasm`).
const STEM: &str = "firstpass_web";
/// The stem of the folder of the app's modules in `dist` (`app-<hash>`).
const APP_DIR_STEM: &str = "app";
/// The loader of the page chunks, beside the main module's JS, which imports it.
const SPLIT_LOADER: &str = "__wasm_split.js";
/// The board module's binary (parsers and renderer, loaded on demand).
const CAD_BIN: &str = "firstpass-cad";
/// The stem of its file names in `dist`.
const CAD_STEM: &str = "firstpass_cad";
/// The wasm target.
const TARGET: &str = "wasm32-unknown-unknown";
/// Oldest binaryen whose output works for this app (older ones emit broken wasm).
const MIN_WASM_OPT: u32 = 116;
/// Features the Rust wasm target emits, which wasm-opt must accept.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
];

/// Names `web/index.html` uses for the files; replaced with the hashed names in `dist`.
const JS_REF: &str = "/firstpass_web.js";
const WASM_REF: &str = "/firstpass_web_bg.wasm";
const LOADER_REF: &str = "/__wasm_split.js";
const CSS_REF: &str = "/style.css";
/// The board module's files, named in `<meta name="firstpass-cad">`.
const CAD_JS_REF: &str = "/firstpass_cad.js";
const CAD_WASM_REF: &str = "/firstpass_cad_bg.wasm";

/// How to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Quick to build, with debug checks in the JS glue.
    Dev,
    /// Small: the `wasm-release` cargo profile, names stripped, `wasm-opt -Oz`.
    Release,
}

impl Profile {
    /// The folder cargo builds this profile into.
    fn dir(self) -> &'static str {
        match self {
            Profile::Dev => "debug",
            Profile::Release => "wasm-release",
        }
    }
}

/// Builds the browser app into `web/dist`.
pub fn build(profile: Profile) -> Result<()> {
    let root = cmd::workspace_root();
    lockfile::check_bindgen_versions(&root)?;

    let mut args = vec!["build", "-p", "firstpass-web", "--target", TARGET];
    if profile == Profile::Release {
        args.extend(["--profile", "wasm-release"]);
    }
    cmd::cargo(&args).context(
        "building the browser app failed (for a missing target: \
         `rustup target add wasm32-unknown-unknown`)",
    )?;

    let target = cmd::target_dir()?;
    let staging = target.join("xtask-web").join(profile.dir());
    recreate_dir(&staging)?;
    let release = profile == Profile::Release;
    let built = |bin: &str| {
        target
            .join(TARGET)
            .join(profile.dir())
            .join(format!("{bin}.wasm"))
    };

    // The app: split, then its main module through bindgen into `staging/app`, the folder
    // that holds everything the app's modules import from each other.
    let app = staging.join(APP_DIR_STEM);
    let main_module = staging.join(format!("{STEM}.wasm"));
    split(&built(BIN), &app, &main_module)?;
    bindgen(&main_module, STEM, &app, release, true)?;
    // The board module, loaded by its own `<meta>` reference, at the top of `staging`.
    bindgen(&built(CAD_BIN), CAD_STEM, &staging, release, false)?;
    if release {
        for wasm in files_with_extension(&app, "wasm")? {
            optimize(&wasm)?;
        }
        optimize(&staging.join(format!("{CAD_STEM}_bg.wasm")))?;
    }

    let web = root.join("web");
    let dist = web.join("dist");
    let bundle = assemble(&staging, &web, &dist)?;
    crate::graphiql::install(&web, &dist)?;

    let effort = if release { Effort::Best } else { Effort::Fast };
    let mut sizes = Vec::new();
    for file in bundle.files()? {
        sizes.push((file.clone(), compress::precompress(&file, effort)?));
    }
    for file in explorer_files(&dist.join("graphiql"))? {
        compress::precompress(&file, effort)?;
    }
    eprintln!("xtask: web app ready in {}", dist.display());
    if release {
        report_sizes(&dist, &bundle, &sizes);
    }
    Ok(())
}

/// Cuts the app's wasm at its split points: the main module goes to `main_out` (for bindgen,
/// which writes its glue into `dir`), the chunks and their loader into `dir`.
fn split(input: &Path, dir: &Path, main_out: &Path) -> Result<()> {
    eprintln!("xtask: wasm-split {}", input.display());
    let wasm = fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let main_js = format!("./{STEM}.js");
    let link = format!("./{SPLIT_LOADER}");
    let mut options = wasm_split_cli_support::Options::new(&wasm);
    options.output_dir = dir;
    options.main_out_path = main_out;
    options.main_module = &main_js;
    options.link_name = &link;
    wasm_split_cli_support::transform(options)
        .map_err(|e| anyhow::anyhow!("{e:#}"))
        .with_context(|| {
            format!(
                "wasm-split failed on {} (is it linked with `--emit-relocs`, as \
                 `.cargo/config.toml` asks?)",
                input.display()
            )
        })?;
    Ok(())
}

/// Writes the JS glue of `wasm` and its processed wasm into `dir` as `<stem>.js` and
/// `<stem>_bg.wasm`. A module that was split keeps the linker's exports (the function table
/// above all), which its chunks import.
fn bindgen(wasm: &Path, stem: &str, dir: &Path, release: bool, split: bool) -> Result<()> {
    eprintln!("xtask: wasm-bindgen {}", wasm.display());
    Bindgen::new()
        .input_path(wasm)
        .out_name(stem)
        .web(true)?
        .omit_default_module_path(false)
        .typescript(false)
        .keep_lld_exports(split)
        .debug(!release)
        .keep_debug(!release)
        .remove_name_section(release)
        .remove_producers_section(release)
        .generate(dir)
        .with_context(|| format!("wasm-bindgen failed on {}", wasm.display()))
}

/// The files of `dir` (not of its subfolders) ending in `.<extension>`, sorted.
fn files_with_extension(dir: &Path, extension: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == extension) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The API explorer's scripts and style sheets (none when the build could not vendor them).
fn explorer_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        let compressible = path
            .extension()
            .is_some_and(|ext| ext == "js" || ext == "css");
        if compressible && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Runs `wasm-opt -Oz` in place, if a good enough one is installed.
fn optimize(wasm: &Path) -> Result<()> {
    let Some(version) = wasm_opt_version() else {
        eprintln!(
            "xtask: wasm-opt not found on PATH; skipping it (the bundle stays larger). \
             Install it with `npm install -g binaryen@132`."
        );
        return Ok(());
    };
    if version < MIN_WASM_OPT {
        eprintln!(
            "xtask: skipping wasm-opt {version}: versions before {MIN_WASM_OPT} emit broken \
             wasm for this app. Install a newer one with `npm install -g binaryen@132`."
        );
        return Ok(());
    }
    let optimized = wasm.with_extension("opt.wasm");
    eprintln!("xtask: wasm-opt {version} -Oz {}", wasm.display());
    // The chunks wasm-split writes carry function names; nobody reads them in a browser.
    let status = Command::new("wasm-opt")
        .arg("-Oz")
        .arg("--strip-debug")
        .args(WASM_FEATURES)
        .arg(wasm)
        .arg("-o")
        .arg(&optimized)
        .status()
        .context("cannot start wasm-opt")?;
    if !status.success() {
        bail!("wasm-opt failed ({status}) on {}", wasm.display());
    }
    fs::rename(&optimized, wasm)
        .with_context(|| format!("cannot replace {} with its optimized form", wasm.display()))
}

/// The major version of the `wasm-opt` on PATH, if there is one that answers.
fn wasm_opt_version() -> Option<u32> {
    let output = Command::new("wasm-opt").arg("--version").output().ok()?;
    if !output.status.success() {
        return None;
    }
    parse_wasm_opt_version(&String::from_utf8_lossy(&output.stdout))
}

/// `wasm-opt version 132 (version_132)` → 132.
fn parse_wasm_opt_version(text: &str) -> Option<u32> {
    let after = text.split("version").nth(1)?;
    let digits: String = after
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The files of the bundle, as written into `dist`.
struct Bundle {
    /// The app's folder: main module, its glue, the chunk loader, the page chunks.
    app: PathBuf,
    css: PathBuf,
    cad_js: PathBuf,
    cad_wasm: PathBuf,
}

impl Bundle {
    /// What every page loads: the main module, its glue, the chunk loader, the CSS.
    fn first_load(&self) -> Vec<PathBuf> {
        vec![
            self.app.join(format!("{STEM}_bg.wasm")),
            self.app.join(format!("{STEM}.js")),
            self.app.join(SPLIT_LOADER),
            self.css.clone(),
        ]
    }

    /// The chunks, each loaded when a page that needs it is first opened.
    fn chunks(&self) -> Result<Vec<PathBuf>> {
        let main = self.app.join(format!("{STEM}_bg.wasm"));
        Ok(files_with_extension(&self.app, "wasm")?
            .into_iter()
            .filter(|file| *file != main)
            .collect())
    }

    /// The board module: loaded by the pages that draw or check board files.
    fn board(&self) -> Vec<PathBuf> {
        vec![self.cad_wasm.clone(), self.cad_js.clone()]
    }

    /// Every file that gets compressed siblings, in the order of the size report.
    fn files(&self) -> Result<Vec<PathBuf>> {
        let mut files = self.first_load();
        files.extend(self.chunks()?);
        files.extend(self.board());
        Ok(files)
    }
}

/// Writes `dist` afresh from the bindgen output and the static files in `web`.
fn assemble(staging: &Path, web: &Path, dist: &Path) -> Result<Bundle> {
    recreate_dir(dist)?;

    // The app's modules import each other by relative name: they move as one folder, named by
    // the hash of all of them.
    let app_staging = staging.join(APP_DIR_STEM);
    let app = format!("{APP_DIR_STEM}-{:016x}", tree_hash(&app_staging)?);
    copy_tree(&app_staging, &dist.join(&app))?;
    let js = format!("{app}/{STEM}.js");
    let wasm = format!("{app}/{STEM}_bg.wasm");
    let loader = format!("{app}/{SPLIT_LOADER}");

    let css = copy_hashed(&web.join("style.css"), dist, "style", ".css")?;
    let cad_js = copy_hashed(
        &staging.join(format!("{CAD_STEM}.js")),
        dist,
        CAD_STEM,
        ".js",
    )?;
    let cad_wasm = copy_hashed(
        &staging.join(format!("{CAD_STEM}_bg.wasm")),
        dist,
        CAD_STEM,
        "_bg.wasm",
    )?;

    // JS snippets of the board module's dependencies, imported by its glue under their names.
    let snippets = staging.join("snippets");
    if snippets.is_dir() {
        copy_tree(&snippets, &dist.join("snippets"))?;
    }

    let index_path = web.join("index.html");
    let index = fs::read_to_string(&index_path)
        .with_context(|| format!("cannot read {}", index_path.display()))?;
    let index = rewrite_index(
        &index,
        &[
            (JS_REF, &js),
            (WASM_REF, &wasm),
            (LOADER_REF, &loader),
            (CSS_REF, &css),
            (CAD_JS_REF, &cad_js),
            (CAD_WASM_REF, &cad_wasm),
        ],
    )
    .with_context(|| format!("in {}", index_path.display()))?;
    write(&dist.join("index.html"), index.as_bytes())?;

    Ok(Bundle {
        app: dist.join(app),
        css: dist.join(css),
        cad_js: dist.join(cad_js),
        cad_wasm: dist.join(cad_wasm),
    })
}

/// The hash of a folder: of every file's path (relative to `dir`) and content, in sorted order.
fn tree_hash(dir: &Path) -> Result<u64> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut bytes = Vec::new();
    for file in files {
        let relative = file.strip_prefix(dir).unwrap_or(&file);
        bytes.extend_from_slice(relative.to_string_lossy().as_bytes());
        bytes.push(0);
        bytes.extend(fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?);
    }
    Ok(fnv1a(&bytes))
}

/// Every file under `dir`, at any depth.
fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Replaces each `(reference, file name)`: the reference must occur in the page.
fn rewrite_index(index: &str, replacements: &[(&str, &str)]) -> Result<String> {
    let mut page = index.to_owned();
    for (reference, name) in replacements {
        if !page.contains(reference) {
            bail!("index.html must refer to `{reference}` (replaced by the hashed file name)");
        }
        page = page.replace(reference, &format!("/{name}"));
    }
    Ok(page)
}

/// Copies `source` into `dist` as `<stem>-<hash><suffix>`; returns the new file name.
fn copy_hashed(source: &Path, dist: &Path, stem: &str, suffix: &str) -> Result<String> {
    let bytes = fs::read(source).with_context(|| format!("cannot read {}", source.display()))?;
    let name = format!("{stem}-{:016x}{suffix}", fnv1a(&bytes));
    write(&dist.join(&name), &bytes)?;
    Ok(name)
}

/// FNV-1a, 64 bits: stable across Rust versions and machines, plenty for cache busting.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry?;
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest)?;
        } else {
            fs::copy(&path, &dest)
                .with_context(|| format!("cannot copy {} to {}", path.display(), dest.display()))?;
        }
    }
    Ok(())
}

fn recreate_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("cannot empty {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Prints the sizes of the bundle's files as sent (raw, and the gzip and brotli siblings): what
/// every page loads, the page chunks, the board module, and the totals.
fn report_sizes(dist: &Path, bundle: &Bundle, sizes: &[(PathBuf, Sizes)]) {
    eprintln!("xtask: bundle size in {}:", dist.display());
    let line = |name: &str, sizes: Sizes| {
        eprintln!(
            "  {name:<44} {:>11} raw {:>11} gzip {:>11} brotli",
            cmd::human_size(sizes.raw),
            cmd::human_size(sizes.gzip),
            cmd::human_size(sizes.brotli)
        );
    };
    let sum = |files: &[PathBuf]| {
        sizes
            .iter()
            .filter(|(file, _)| files.contains(file))
            .fold(Sizes::default(), |total, (_, sizes)| total + *sizes)
    };
    for (file, file_sizes) in sizes {
        let name = file.strip_prefix(dist).unwrap_or(file);
        line(&name.to_string_lossy(), *file_sizes);
    }
    let chunks = bundle.chunks().unwrap_or_default();
    line(
        "first load (main module, glue, CSS)",
        sum(&bundle.first_load()),
    );
    line(&format!("page chunks ({})", chunks.len()), sum(&chunks));
    line("board module", sum(&bundle.board()));
    line(
        "whole app",
        sizes
            .iter()
            .fold(Sizes::default(), |total, (_, sizes)| total + *sizes),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasm_opt_versions_are_read() {
        assert_eq!(
            parse_wasm_opt_version("wasm-opt version 132 (version_132)\n"),
            Some(132)
        );
        assert_eq!(parse_wasm_opt_version("wasm-opt version 108\n"), Some(108));
        assert_eq!(parse_wasm_opt_version("something else"), None);
    }

    #[test]
    fn the_index_points_at_hashed_files() {
        let page = r#"<link href="/style.css"><script type="module">
import init from '/firstpass_web.js'; init({ module_or_path: '/firstpass_web_bg.wasm' });
</script>"#;
        let page = rewrite_index(
            page,
            &[
                (JS_REF, "firstpass_web-01.js"),
                (WASM_REF, "firstpass_web-01_bg.wasm"),
                (CSS_REF, "style-02.css"),
            ],
        )
        .expect("all references present");
        assert!(page.contains("from '/firstpass_web-01.js'"));
        assert!(page.contains("'/firstpass_web-01_bg.wasm'"));
        assert!(page.contains(r#"href="/style-02.css""#));
        assert!(rewrite_index("<html></html>", &[(JS_REF, "x.js")]).is_err());
    }

    #[test]
    fn the_real_index_has_every_reference() {
        let index = fs::read_to_string(cmd::workspace_root().join("web").join("index.html"))
            .expect("web/index.html exists");
        for reference in [
            JS_REF,
            WASM_REF,
            LOADER_REF,
            CSS_REF,
            CAD_JS_REF,
            CAD_WASM_REF,
        ] {
            assert!(
                index.contains(reference),
                "web/index.html lacks {reference}"
            );
        }
    }

    #[test]
    fn hashes_change_with_content() {
        assert_ne!(fnv1a(b"a"), fnv1a(b"b"));
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }
}
