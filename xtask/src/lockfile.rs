//! The wasm-bindgen library in xtask must be exactly the version the app links against: the
//! app's wasm carries a schema that only the same version of the bindgen can read.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// Versions of every `[[package]]` called `name` in a `Cargo.lock` text.
fn versions<'a>(lock: &'a str, name: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    for package in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            package.lines().find_map(|line| {
                let value = line.strip_prefix(key)?.trim_start().strip_prefix('=')?;
                Some(value.trim().trim_matches('"'))
            })
        };
        if field("name") == Some(name) {
            if let Some(version) = field("version") {
                found.push(version);
            }
        }
    }
    found
}

/// The one version of `name` in the lock text; an error if there are none or several.
fn single_version<'a>(lock: &'a str, name: &str) -> Result<&'a str> {
    match versions(lock, name).as_slice() {
        [version] => Ok(version),
        [] => bail!("Cargo.lock has no `{name}` package"),
        many => bail!(
            "Cargo.lock has several `{name}` versions ({}); keep one",
            many.join(", ")
        ),
    }
}

/// Checks that `wasm-bindgen` (linked into the app) and `wasm-bindgen-cli-support` (used by
/// xtask) have the same version in the workspace's `Cargo.lock`.
pub fn check_bindgen_versions(workspace: &Path) -> Result<()> {
    let path = workspace.join("Cargo.lock");
    let lock = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    check(&lock)
}

fn check(lock: &str) -> Result<()> {
    let app = single_version(lock, "wasm-bindgen")?;
    let cli = single_version(lock, "wasm-bindgen-cli-support")?;
    if app != cli {
        bail!(
            "wasm-bindgen is {app} in Cargo.lock but xtask uses wasm-bindgen-cli-support {cli}; \
             they must match exactly. Set `wasm-bindgen-cli-support = \"={app}\"` in \
             xtask/Cargo.toml (or pin wasm-bindgen back to {cli})."
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-cli-support"
version = "0.2.130"

[[package]]
name = "wasm-bindgen-futures"
version = "0.4.80"
"#;

    #[test]
    fn the_workspace_lock_file_pins_matching_versions() {
        check_bindgen_versions(&crate::cmd::workspace_root()).unwrap_or_else(|e| panic!("{e:#}"));
    }

    #[test]
    fn matching_versions_pass() {
        assert_eq!(versions(LOCK, "wasm-bindgen"), ["0.2.130"]);
        assert!(check(LOCK).is_ok());
    }

    #[test]
    fn a_mismatch_says_what_to_change() {
        let lock = LOCK.replacen("0.2.130", "0.2.131", 1);
        let message = format!("{:#}", check(&lock).expect_err("versions differ"));
        assert!(message.contains("0.2.131"), "{message}");
        assert!(message.contains("xtask/Cargo.toml"), "{message}");
    }
}
