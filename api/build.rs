//! Makes sure the folder the web app is embedded from exists, so the server builds before the
//! app has ever been built (it then answers app routes with a hint to build it).

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist");
    if let Err(err) = std::fs::create_dir_all(&dist) {
        println!("cargo::warning=cannot create {}: {err}", dist.display());
    }
    println!("cargo::rerun-if-changed=../web/dist");
}
