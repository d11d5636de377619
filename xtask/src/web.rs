//! `build-web`: the browser app from Rust to `web/dist`.
//!
//! 1. `cargo build -p firstpass-web --target wasm32-unknown-unknown` (dev, or the
//!    `wasm-release` profile: size over speed): the app, and the board module
//!    (`firstpass-cad`: the file parsers and renderer, which the app loads only on pages that
//!    draw or check board files);
//! 2. the wasm-bindgen library writes the JS glue of each (`--target web`);
//! 3. release only: `wasm-opt -Oz`, when a binaryen ≥ 116 is on PATH;
//! 4. `web/dist` is written afresh: the JS, wasm and CSS under content-hashed names (cache them
//!    forever), and `index.html` (never cache it) rewritten to point at them;
//! 5. the API explorer's files into `dist/graphiql` (see [`crate::graphiql`]);
//! 6. gzip and brotli siblings (`.gz`, `.br`) of the JS, wasm and CSS, the explorer's included,
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
/// The stem of the file names in `dist`.
const STEM: &str = "firstpass_web";
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
    for (bin, stem) in [(BIN, STEM), (CAD_BIN, CAD_STEM)] {
        let wasm = target
            .join(TARGET)
            .join(profile.dir())
            .join(format!("{bin}.wasm"));
        eprintln!("xtask: wasm-bindgen {}", wasm.display());
        Bindgen::new()
            .input_path(&wasm)
            .out_name(stem)
            .web(true)?
            .omit_default_module_path(false)
            .typescript(false)
            .debug(!release)
            .keep_debug(!release)
            .remove_name_section(release)
            .remove_producers_section(release)
            .generate(&staging)
            .with_context(|| format!("wasm-bindgen failed on {}", wasm.display()))?;
        if release {
            optimize(&staging.join(format!("{stem}_bg.wasm")))?;
        }
    }

    let web = root.join("web");
    let dist = web.join("dist");
    let bundle = assemble(&staging, &web, &dist)?;
    crate::graphiql::install(&web, &dist)?;

    let effort = if release { Effort::Best } else { Effort::Fast };
    let mut sizes = Vec::new();
    for file in [
        &bundle.wasm,
        &bundle.js,
        &bundle.css,
        &bundle.cad_wasm,
        &bundle.cad_js,
    ] {
        sizes.push((file.clone(), compress::precompress(file, effort)?));
    }
    for file in explorer_files(&dist.join("graphiql"))? {
        compress::precompress(&file, effort)?;
    }
    eprintln!("xtask: web app ready in {}", dist.display());
    if release {
        report_sizes(&dist, &sizes);
    }
    Ok(())
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
    let status = Command::new("wasm-opt")
        .arg("-Oz")
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
    js: PathBuf,
    wasm: PathBuf,
    css: PathBuf,
    cad_js: PathBuf,
    cad_wasm: PathBuf,
}

/// Writes `dist` afresh from the bindgen output and the static files in `web`.
fn assemble(staging: &Path, web: &Path, dist: &Path) -> Result<Bundle> {
    recreate_dir(dist)?;

    let js = copy_hashed(&staging.join(format!("{STEM}.js")), dist, STEM, ".js")?;
    let wasm = copy_hashed(
        &staging.join(format!("{STEM}_bg.wasm")),
        dist,
        STEM,
        "_bg.wasm",
    )?;
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

    // JS snippets of dependencies, imported by the glue under their own names.
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
            (CSS_REF, &css),
            (CAD_JS_REF, &cad_js),
            (CAD_WASM_REF, &cad_wasm),
        ],
    )
    .with_context(|| format!("in {}", index_path.display()))?;
    write(&dist.join("index.html"), index.as_bytes())?;

    Ok(Bundle {
        js: dist.join(js),
        wasm: dist.join(wasm),
        css: dist.join(css),
        cad_js: dist.join(cad_js),
        cad_wasm: dist.join(cad_wasm),
    })
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

/// How many of the reported files every page loads (the app's wasm, JS and CSS); the rest is
/// the board module, loaded by the pages that draw or check board files.
const FIRST_LOAD: usize = 3;

/// Prints the sizes of the bundle's files as sent: raw, and the gzip and brotli siblings, with
/// the subtotal of what the first page loads.
fn report_sizes(dist: &Path, files: &[(PathBuf, Sizes)]) {
    eprintln!("xtask: bundle size in {}:", dist.display());
    let line = |name: &str, sizes: Sizes| {
        eprintln!(
            "  {name:<44} {:>11} raw {:>11} gzip {:>11} brotli",
            cmd::human_size(sizes.raw),
            cmd::human_size(sizes.gzip),
            cmd::human_size(sizes.brotli)
        );
    };
    let mut total = Sizes {
        raw: 0,
        gzip: 0,
        brotli: 0,
    };
    for (index, (file, sizes)) in files.iter().enumerate() {
        if index == FIRST_LOAD {
            line("first load (app wasm, JS, CSS)", total);
        }
        total.raw += sizes.raw;
        total.gzip += sizes.gzip;
        total.brotli += sizes.brotli;
        line(
            &file.file_name().unwrap_or_default().to_string_lossy(),
            *sizes,
        );
    }
    line("total", total);
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
        for reference in [JS_REF, WASM_REF, CSS_REF, CAD_JS_REF, CAD_WASM_REF] {
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
