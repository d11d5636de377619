//! Running cargo and finding the workspace's folders.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// The workspace root: the parent of this crate's folder.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Where cargo puts build output: `CARGO_TARGET_DIR` as the caller set it (relative to the
/// caller's working directory, as cargo reads it), else `<workspace>/target`.
pub fn target_dir() -> Result<PathBuf> {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                Ok(dir)
            } else {
                Ok(std::env::current_dir()
                    .context("cannot read the current directory")?
                    .join(dir))
            }
        }
        None => Ok(workspace_root().join("target")),
    }
}

/// The cargo that started us (so `cargo +toolchain xtask` stays on that toolchain).
fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn cargo_command(args: &[&str]) -> Result<Command> {
    let mut command = Command::new(cargo_program());
    command
        .args(args)
        .current_dir(workspace_root())
        // Children resolve the same target folder whatever their working directory.
        .env("CARGO_TARGET_DIR", target_dir()?);
    Ok(command)
}

/// Runs `cargo ARGS` in the workspace root with inherited output; fails on a non-zero exit.
pub fn cargo(args: &[&str]) -> Result<()> {
    eprintln!("xtask: cargo {}", args.join(" "));
    let status = cargo_command(args)?
        .status()
        .context("cannot start cargo")?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Runs `cargo ARGS` and returns what it printed on stdout (stderr is inherited).
pub fn cargo_stdout(args: &[&str]) -> Result<String> {
    eprintln!("xtask: cargo {}", args.join(" "));
    let output = cargo_command(args)?
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot start cargo")?;
    if !output.status.success() {
        bail!("`cargo {}` failed ({})", args.join(" "), output.status);
    }
    String::from_utf8(output.stdout).context("cargo printed something that is not UTF-8")
}

/// Bytes for people: `812 B`, `95.3 KiB`, `12.40 MiB`.
pub fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    // Exact enough for display; sizes here stay far below 2^53.
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.2} MiB", b / (KIB * KIB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(2048), "2.0 KiB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.00 MiB");
    }

    #[test]
    fn the_workspace_root_holds_the_lock_file() {
        assert!(workspace_root().join("Cargo.lock").is_file());
        assert!(workspace_root().join("web").join("index.html").is_file());
    }
}
