//! Links the app's wasm with its relocations kept (`--emit-relocs`): `cargo xtask build-web`
//! needs them to cut the app into a main module and page chunks (see `src/pages.rs`). Only the
//! app: the board module (`firstpass-cad`) is not cut and stays a plain module.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg-bin=firstpass-web=--emit-relocs");
    }
}
