//! The API explorer's files, served by the server from the binary so `GET /graphql` works
//! offline: GraphiQL and React from the npm registry (pinned versions, installed once into a
//! cache folder in the target directory), plus the page and start script in `web/graphiql`.
//! Without npm the step is skipped with a note, and the server falls back to a page that loads
//! GraphiQL from a public CDN.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::cmd;

/// The npm packages, pinned.
const PACKAGES: &[&str] = &[
    "graphiql@3.8.3",
    "react@18.3.1",
    "react-dom@18.3.1",
    "graphql@16.9.0",
];

/// `(file in node_modules, name in dist/graphiql)`.
const FILES: &[(&str, &str)] = &[
    ("graphiql/graphiql.min.js", "graphiql.min.js"),
    ("graphiql/graphiql.min.css", "graphiql.min.css"),
    (
        "react/umd/react.production.min.js",
        "react.production.min.js",
    ),
    (
        "react-dom/umd/react-dom.production.min.js",
        "react-dom.production.min.js",
    ),
];

/// Writes `dist/graphiql/`: the vendored files, `index.html` and `start.js`.
pub fn install(web: &Path, dist: &Path) -> Result<()> {
    let cache = cmd::target_dir()?.join("graphiql-npm");
    let modules = cache.join("node_modules");
    if !FILES.iter().all(|(file, _)| modules.join(file).is_file()) {
        fs::create_dir_all(&cache).with_context(|| format!("cannot create {}", cache.display()))?;
        eprintln!("xtask: npm install {} (once)", PACKAGES.join(" "));
        let installed = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&cache)
            .args(PACKAGES)
            .status();
        match installed {
            Ok(status) if status.success() => {}
            Ok(status) => {
                eprintln!("xtask: npm install failed ({status}); the API explorer will load GraphiQL from a CDN");
                return Ok(());
            }
            Err(_) => {
                eprintln!("xtask: npm not found; the API explorer will load GraphiQL from a CDN");
                return Ok(());
            }
        }
    }
    let out = dist.join("graphiql");
    fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    for (file, name) in FILES {
        fs::copy(modules.join(file), out.join(name))
            .with_context(|| format!("cannot copy {file}"))?;
    }
    for name in ["index.html", "start.js"] {
        fs::copy(web.join("graphiql").join(name), out.join(name))
            .with_context(|| format!("cannot copy web/graphiql/{name}"))?;
    }
    Ok(())
}
