//! The browser app's files as a browser gets them: the content-hashed wasm compressed with the
//! encoding the request prefers (brotli, gzip, or none), cached for good, with the headers a
//! browser and a cache need. Works with whatever `web/dist` holds (`cargo xtask build-web`,
//! debug or release); skipped with a note when the app is not built.

use crate::harness::TestApp;
use std::io::Read;

/// The path of the app's main wasm module as the app page names it (inside the content-hashed
/// `app-<hash>/` folder), or `None` when the app is not built.
async fn wasm_name(app: &TestApp) -> Option<String> {
    let page = app
        .http
        .get(format!("{}/", app.base))
        .send()
        .await
        .expect("GET /");
    if !page.status().is_success() {
        return None;
    }
    let html = page.text().await.expect("page");
    const MAIN: &str = "firstpass_web_bg.wasm";
    let end = html.find(MAIN)? + MAIN.len();
    let start = html[..end].rfind(['"', '\'', ' '])? + 1;
    Some(html[start..end].trim_start_matches('/').to_owned())
}

/// A client that sends and decodes nothing by itself, so the raw body is seen.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .no_zstd()
        .build()
        .expect("client")
}

/// `GET path` with the given `Accept-Encoding`; checks the headers every answer must carry and
/// returns the `Content-Encoding` and the body.
async fn fetch(app: &TestApp, path: &str, accept: Option<&str>) -> (Option<String>, Vec<u8>) {
    let mut request = raw_client().get(format!("{}/{path}", app.base));
    if let Some(accept) = accept {
        request = request.header("accept-encoding", accept);
    }
    let response = request.send().await.expect("GET wasm");
    assert_eq!(response.status(), 200, "{path} with {accept:?}");
    let headers = response.headers().clone();
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_owned())
    };
    assert_eq!(header("content-type").as_deref(), Some("application/wasm"));
    assert_eq!(
        header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        header("vary").map(|v| v.to_ascii_lowercase()).as_deref(),
        Some("accept-encoding")
    );
    let length: usize = header("content-length")
        .expect("Content-Length")
        .parse()
        .expect("a number");
    let body = response.bytes().await.expect("body").to_vec();
    assert_eq!(length, body.len(), "Content-Length matches the body");
    (header("content-encoding"), body)
}

#[tokio::test]
async fn the_wasm_is_sent_compressed_as_the_browser_prefers() {
    let app = TestApp::spawn().await;
    let Some(wasm) = wasm_name(&app).await else {
        eprintln!("skipped: web/dist has no app (run `cargo xtask build-web`)");
        return;
    };
    assert!(
        wasm.starts_with("app-"),
        "the main module sits in the app's hashed folder: {wasm}"
    );

    let (encoding, plain) = fetch(&app, &wasm, None).await;
    assert_eq!(encoding, None, "no Accept-Encoding: the file as is");
    assert!(plain.starts_with(b"\0asm"), "a wasm module");

    let (encoding, brotli) = fetch(&app, &wasm, Some("br")).await;
    assert_eq!(encoding.as_deref(), Some("br"));
    assert!(brotli.len() < plain.len());
    let mut unbrotlied = Vec::new();
    brotli_decompressor::Decompressor::new(&brotli[..], 64 * 1024)
        .read_to_end(&mut unbrotlied)
        .expect("valid brotli");
    assert!(unbrotlied == plain, "brotli body decodes to the wasm");

    let (encoding, gzip) = fetch(&app, &wasm, Some("gzip")).await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(gzip.len() < plain.len());
    let mut gunzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzip[..])
        .read_to_end(&mut gunzipped)
        .expect("valid gzip");
    assert!(gunzipped == plain, "gzip body decodes to the wasm");

    // What browsers send: brotli wins; q-values are respected; refusing both gets the file.
    let (encoding, _) = fetch(&app, &wasm, Some("gzip, deflate, br, zstd")).await;
    assert_eq!(encoding.as_deref(), Some("br"));
    let (encoding, _) = fetch(&app, &wasm, Some("br;q=0.4, gzip;q=0.9")).await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let (encoding, body) = fetch(&app, &wasm, Some("br;q=0, gzip;q=0, deflate")).await;
    assert_eq!(encoding, None);
    assert!(body == plain);
}

#[tokio::test]
async fn the_page_is_never_cached_and_not_compressed() {
    let app = TestApp::spawn().await;
    if wasm_name(&app).await.is_none() {
        eprintln!("skipped: web/dist has no app (run `cargo xtask build-web`)");
        return;
    }
    let page = raw_client()
        .get(format!("{}/", app.base))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("GET /");
    assert_eq!(page.status(), 200);
    let headers = page.headers();
    assert_eq!(headers["cache-control"], "no-cache");
    assert!(headers.get("content-encoding").is_none());
    assert!(headers["content-type"]
        .to_str()
        .expect("ASCII")
        .starts_with("text/html"));
}
