//! The browser app, served from the same origin as the API.
//!
//! Files come from `web/dist` (built by `cargo xtask build-web`): read from disk in debug builds,
//! embedded into the binary in release builds, so `target/release/firstpass` deploys alone.
//! Unknown paths that look like app routes get `index.html`, so deep links work on reload.

use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "../web/dist"]
struct Assets;

/// Serves a file of the app, or `index.html` for app routes.
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some(response) = file(path) {
        return response;
    }
    let looks_like_file = path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    if looks_like_file || path.starts_with("graphql") || path.starts_with("files/") {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    file("index.html").unwrap_or_else(|| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "the web app is not built: run `cargo xtask build-web` (the API is at /graphql)",
        )
            .into_response()
    })
}

fn file(path: &str) -> Option<Response> {
    let path = if path.is_empty() { "index.html" } else { path };
    let asset = Assets::get(path)?;
    let mime = asset.metadata.mimetype().to_owned();
    let cache = if path == "index.html" {
        "no-cache"
    } else {
        "public, max-age=3600"
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, cache.to_owned()),
        ],
        asset.data.clone(),
    )
        .into_response();
    if path == "index.html" {
        if let Ok(policy) = HeaderValue::from_str(&app_policy(&asset.data)) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    Some(response)
}

/// The API explorer's page, when the build vendored GraphiQL (`cargo xtask build-web`), with a
/// policy that allows this server's scripts only.
pub fn explorer_page() -> Option<Response> {
    let page = Assets::get("graphiql/index.html")?;
    Some(
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                (
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(
                        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
                         object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
                    ),
                ),
            ],
            page.data,
        )
            .into_response(),
    )
}

/// The Content-Security-Policy of the app page: its own origin only, WebAssembly allowed, and
/// the one inline bootstrap script allowed by its hash (its text names content-hashed files,
/// so the hash is taken from the page being served).
fn app_policy(page: &[u8]) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let page = String::from_utf8_lossy(page);
    let scripts: Vec<String> = page
        .split("<script type=\"module\">")
        .skip(1)
        .filter_map(|rest| rest.split("</script>").next())
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{}; style-src 'self' \
         'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        scripts.concat()
    )
}
