//! `GET /files/{id}`: streams a package file to anyone who may see its package.

use crate::entities::package_file;
use crate::error::ApiError;
use crate::http::{HttpState, Reader};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// `Content-Disposition` for a download, safe for any file name.
fn disposition(name: &str) -> HeaderValue {
    let base = name.rsplit('/').next().unwrap_or(name);
    let ascii: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = base
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Streams the file, or answers 401 / 404 with a JSON error carrying the usual code.
pub async fn download(
    State(state): State<HttpState>,
    Reader(actor): Reader,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    crate::policy::require_capability(
        &actor,
        firstpass_shared::domain::Capability::Packages,
        firstpass_shared::domain::Scope::Read,
    )?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound("file"))?;
    let file = actor
        .load::<package_file::Entity>(&state.app.db, id)
        .await?;
    let stream = state.app.blobs.stream(&file.storage_key).await?;
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_DISPOSITION, disposition(&file.name));
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(file.size_bytes.max(0) as u64),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", file.sha256)) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}
