//! Firstpass types and logic shared by the server (`api`) and the browser app (`web`).
//!
//! This crate builds for `wasm32-unknown-unknown` and must never depend on the database,
//! the web server or an async runtime: CI checks that with `cargo tree`.

/// Box build: product tiers, IPC standards, box-build BOM kinds, unit identities.
pub mod boxbuild;
/// Manufacturing files: Gerber, Excellon, BOM and centroid parsers, layer identification, validation, SVG.
pub mod cad;
pub mod domain;
pub mod fai;
pub mod quality;
pub mod supply;
pub mod text;
pub mod words;
