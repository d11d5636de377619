//! The browser app, served from the same origin as the API.
//!
//! Files come from `web/dist` (built by `cargo xtask build-web`): read from disk in debug builds,
//! embedded into the binary in release builds, so `target/release/firstpass` deploys alone.
//! Unknown paths that look like app routes get `index.html`, so deep links work on reload.
//!
//! The build writes gzip and brotli siblings (`<file>.gz`, `<file>.br`) of the JS, wasm and CSS;
//! the one the request's `Accept-Encoding` prefers is sent in place of the file. The
//! content-hashed files are cached for good, `index.html` (which names them) never.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "../web/dist"]
struct Assets;

/// Serves a file of the app, or `index.html` for app routes.
pub async fn serve(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some(response) = file(path, headers.get(header::ACCEPT_ENCODING)) {
        return response;
    }
    let looks_like_file = path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    if looks_like_file || path.starts_with("graphql") || path.starts_with("files/") {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    file("index.html", None).unwrap_or_else(|| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "the web app is not built: run `cargo xtask build-web` (the API is at /graphql)",
        )
            .into_response()
    })
}

/// Files with these endings have `.gz` and `.br` siblings.
const EXTENSIONS: [&str; 3] = [".js", ".wasm", ".css"];
/// Cache lifetime of files whose name changes with their content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache lifetime of other files (the API explorer's, wasm-bindgen's snippets).
const SHORT: &str = "public, max-age=3600";

/// A file of `dist` as it should be sent for a request accepting `accept_encoding`.
fn file(path: &str, accept_encoding: Option<&HeaderValue>) -> Option<Response> {
    let path = if path.is_empty() { "index.html" } else { path };
    let compressible = has_compressed_siblings(path);
    let encodings = if compressible {
        preferred_encodings(accept_encoding.and_then(|value| value.to_str().ok()))
    } else {
        vec![Encoding::Identity]
    };
    // The first preferred encoding whose file is there (the identity is always tried last).
    let (asset, encoding) =
        encodings
            .into_iter()
            .chain([Encoding::Identity])
            .find_map(|encoding| {
                let asset = match encoding.suffix() {
                    Some(suffix) => Assets::get(&format!("{path}{suffix}")),
                    None => Assets::get(path),
                }?;
                Some((asset, encoding))
            })?;
    let mime = if compressible {
        compressible_type(path).to_owned()
    } else {
        asset.metadata.mimetype().to_owned()
    };
    let cache = if path == "index.html" {
        "no-cache"
    } else if is_content_hashed(path) {
        IMMUTABLE
    } else {
        SHORT
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, cache.to_owned()),
        ],
        asset.data.clone(),
    )
        .into_response();
    let response_headers = response.headers_mut();
    if compressible {
        response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(token) = encoding.token() {
        response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
    }
    if path == "index.html" {
        if let Ok(policy) = HeaderValue::from_str(&app_policy(&asset.data)) {
            response_headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    Some(response)
}

/// The media type of a file that has compressed siblings (whose own type is no guide).
fn compressible_type(path: &str) -> &'static str {
    if path.ends_with(".wasm") {
        "application/wasm"
    } else if path.ends_with(".css") {
        "text/css"
    } else {
        "text/javascript"
    }
}

/// Whether the build writes `.gz` and `.br` siblings of this file: the JS, wasm and CSS.
fn has_compressed_siblings(path: &str) -> bool {
    EXTENSIONS.iter().any(|extension| path.ends_with(extension))
}

/// Whether the name carries a hash of the content, as the build names the bundle's files:
/// `<stem>-<16 hex digits>` then `.` or `_` (`firstpass_web-0123456789abcdef_bg.wasm`) at the
/// top of `dist`, or any file inside a folder so named (`app-0123456789abcdef/`, which holds
/// the app's main module and its page chunks, hashed together).
fn is_content_hashed(path: &str) -> bool {
    match path.split_once('/') {
        Some((folder, _)) => hashed_name(folder, true),
        None => hashed_name(path, false),
    }
}

/// `<stem>-<16 hex digits>`, followed by `.` or `_` (a file) or by nothing (a folder).
fn hashed_name(name: &str, folder: bool) -> bool {
    let Some((_, rest)) = name.split_once('-') else {
        return false;
    };
    let rest = rest.as_bytes();
    let hex = rest.len() >= 16 && rest[..16].iter().all(u8::is_ascii_hexdigit);
    if folder {
        hex && rest.len() == 16
    } else {
        hex && rest.len() > 16 && matches!(rest[16], b'.' | b'_')
    }
}

/// A content coding the server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The suffix of the precompressed sibling.
    fn suffix(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some(".br"),
            Encoding::Gzip => Some(".gz"),
            Encoding::Identity => None,
        }
    }

    /// The `Content-Encoding` value.
    fn token(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

/// The encodings an `Accept-Encoding` value allows, most preferred first (RFC 9110, 12.5.3):
/// each coding's own q-value, else that of `*`; `q=0` refuses a coding. With equal q-values
/// brotli (smaller) beats gzip, which beats the identity; the identity, unless the header rates
/// it, comes after the accepted codings. Without the header, only the identity.
fn preferred_encodings(accept_encoding: Option<&str>) -> Vec<Encoding> {
    let Some(value) = accept_encoding else {
        return vec![Encoding::Identity];
    };
    // q-values in thousandths; `None` while the header does not name the coding.
    let (mut br, mut gzip, mut identity, mut any) = (None, None, None, None);
    for item in value.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .find_map(|param| {
                let (name, value) = param.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| parse_q(value.trim()))
            })
            .unwrap_or(Some(1000));
        let Some(q) = q else {
            continue; // a malformed q-value: ignore the item
        };
        match coding.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "identity" => identity = Some(q),
            "*" => any = Some(q),
            _ => {}
        }
    }
    let mut ranked: Vec<(u16, Encoding)> = [
        (br.or(any).unwrap_or(0), Encoding::Brotli),
        (gzip.or(any).unwrap_or(0), Encoding::Gzip),
        // Acceptable unless refused (by name, or by `*;q=0` without naming it); when the header
        // gives it no q-value of its own, after every coding it accepts.
        (identity.or(any).unwrap_or(1), Encoding::Identity),
    ]
    .into_iter()
    .filter(|(q, _)| *q > 0)
    .collect();
    // Stable: equal q-values keep the order above.
    ranked.sort_by_key(|(q, _)| std::cmp::Reverse(*q));
    ranked.into_iter().map(|(_, encoding)| encoding).collect()
}

/// A q-value (`0`, `0.5`, `1.000`) in thousandths; `None` when malformed.
fn parse_q(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use Encoding::{Brotli, Gzip, Identity};

    #[test]
    fn encodings_follow_the_q_values() {
        assert_eq!(preferred_encodings(None), [Identity]);
        assert_eq!(preferred_encodings(Some("")), [Identity]);
        assert_eq!(
            preferred_encodings(Some("gzip, deflate, br, zstd")),
            [Brotli, Gzip, Identity]
        );
        assert_eq!(preferred_encodings(Some("gzip")), [Gzip, Identity]);
        assert_eq!(preferred_encodings(Some("br")), [Brotli, Identity]);
        assert_eq!(
            preferred_encodings(Some("br;q=0.5, gzip;q=0.8")),
            [Gzip, Brotli, Identity]
        );
        assert_eq!(preferred_encodings(Some("br;q=0, gzip")), [Gzip, Identity]);
        assert_eq!(preferred_encodings(Some("*")), [Brotli, Gzip, Identity]);
        assert_eq!(
            preferred_encodings(Some("*;q=0.3, identity;q=0.5")),
            [Identity, Brotli, Gzip]
        );
        assert_eq!(preferred_encodings(Some("identity;q=0, *;q=0")), []);
        assert_eq!(preferred_encodings(Some("deflate")), [Identity]);
        assert_eq!(
            preferred_encodings(Some("br;q=0.4, gzip;q=0.9")),
            [Gzip, Brotli, Identity]
        );
        assert_eq!(
            preferred_encodings(Some("gzip;q=0.5, identity")),
            [Identity, Gzip]
        );
        assert_eq!(preferred_encodings(Some("GZIP ; Q=1.0")), [Gzip, Identity]);
        // Malformed q-values drop their item.
        assert_eq!(preferred_encodings(Some("br;q=2, gzip;q=abc")), [Identity]);
    }

    #[test]
    fn q_values_are_read_in_thousandths() {
        assert_eq!(parse_q("1"), Some(1000));
        assert_eq!(parse_q("1.000"), Some(1000));
        assert_eq!(parse_q("0"), Some(0));
        assert_eq!(parse_q("0.5"), Some(500));
        assert_eq!(parse_q("0.123"), Some(123));
        assert_eq!(parse_q("0.1234"), None);
        assert_eq!(parse_q("1.5"), None);
        assert_eq!(parse_q("-1"), None);
    }

    #[test]
    fn only_content_hashed_names_are_immutable() {
        assert!(is_content_hashed("firstpass_web-0123456789abcdef_bg.wasm"));
        assert!(is_content_hashed("firstpass_web-0123456789abcdef.js"));
        assert!(is_content_hashed("style-0123456789abcdef.css"));
        assert!(!is_content_hashed("index.html"));
        assert!(!is_content_hashed("style.css"));
        assert!(!is_content_hashed("graphiql/graphiql.min.js"));
        assert!(!is_content_hashed("style-0123.css"));
        assert!(!is_content_hashed("style-0123456789abcdeg.css"));
        assert!(is_content_hashed("app-0123456789abcdef/__wasm_split.js"));
        assert!(is_content_hashed(
            "app-0123456789abcdef/snippets/x/inline0.js"
        ));
        assert!(!is_content_hashed("app-0123456789abcdef0/chunk.wasm"));
        assert!(!is_content_hashed("snippets/x/inline0.js"));
    }
}
