//! Precompressed siblings of the web files: `<file>.gz` and `<file>.br` beside `<file>`, which
//! the server sends instead of the file when the browser accepts that encoding (see
//! `api/src/web_assets.rs`). Compressing once at build time lets the release build spend the
//! effort that on-the-fly compression cannot (brotli quality 11, gzip level 9).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;

/// How hard to compress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// Quick, for the debug bundle (tens of megabytes of unoptimized wasm).
    Fast,
    /// Smallest output, for the release bundle.
    Best,
}

impl Effort {
    fn gzip_level(self) -> u32 {
        match self {
            Effort::Fast => 1,
            Effort::Best => 9,
        }
    }

    fn brotli_quality(self) -> i32 {
        match self {
            Effort::Fast => 1,
            Effort::Best => 11,
        }
    }
}

/// Sizes of one file and its siblings, in bytes (or of several files, added up).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sizes {
    /// The file itself.
    pub raw: u64,
    /// `<file>.gz`.
    pub gzip: u64,
    /// `<file>.br`.
    pub brotli: u64,
}

impl std::ops::Add for Sizes {
    type Output = Sizes;

    fn add(self, other: Sizes) -> Sizes {
        Sizes {
            raw: self.raw + other.raw,
            gzip: self.gzip + other.gzip,
            brotli: self.brotli + other.brotli,
        }
    }
}

/// Writes `<file>.gz` and `<file>.br` beside `file`.
pub fn precompress(file: &Path, effort: Effort) -> Result<Sizes> {
    let bytes = fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    // One core each.
    let (gzip, brotli) = std::thread::scope(|scope| {
        let gzip = scope.spawn(|| gzip(&bytes, effort.gzip_level()));
        let brotli = brotli(&bytes, effort.brotli_quality());
        let gzip = gzip
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("gzip compression panicked")));
        (gzip, brotli)
    });
    let (gzip, brotli) = (gzip?, brotli?);
    fs::write(sibling(file, "gz"), &gzip)
        .with_context(|| format!("cannot write {}.gz", file.display()))?;
    fs::write(sibling(file, "br"), &brotli)
        .with_context(|| format!("cannot write {}.br", file.display()))?;
    Ok(Sizes {
        raw: bytes.len() as u64,
        gzip: gzip.len() as u64,
        brotli: brotli.len() as u64,
    })
}

/// `dir/name.js` → `dir/name.js.<extension>`.
fn sibling(file: &Path, extension: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

fn gzip(bytes: &[u8], level: u32) -> Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::new(level));
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

fn brotli(bytes: &[u8], quality: i32) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        // The largest window the format allows without the "large window" extension.
        lgwin: 24,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .context("brotli compression failed")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn siblings_decompress_to_the_file() {
        let dir = std::env::temp_dir().join(format!("xtask-compress-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("app.js");
        let text = "export function hello() { return 'hello'; }\n".repeat(200);
        fs::write(&file, &text).expect("write");
        for effort in [Effort::Fast, Effort::Best] {
            let sizes = precompress(&file, effort).expect("compress");
            assert_eq!(sizes.raw, text.len() as u64);
            assert!(sizes.gzip < sizes.raw && sizes.brotli < sizes.raw);

            let mut unzipped = String::new();
            flate2::read::GzDecoder::new(&fs::read(dir.join("app.js.gz")).expect("gz")[..])
                .read_to_string(&mut unzipped)
                .expect("gunzip");
            assert_eq!(unzipped, text);

            let mut unbrotlied = String::new();
            brotli::Decompressor::new(&fs::read(dir.join("app.js.br")).expect("br")[..], 4096)
                .read_to_string(&mut unbrotlied)
                .expect("unbrotli");
            assert_eq!(unbrotlied, text);
        }
        fs::remove_dir_all(&dir).expect("clean up");
    }
}
