//! `GET /files/{id}`: streams a package file to anyone who may see its package.

use crate::auth::{authenticate, Authentication};
use crate::entities::package_file;
use crate::error::ApiError;
use crate::http::HttpState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use firstpass_shared::domain::Scope;
use serde_json::json;

fn refuse(status: StatusCode, err: &ApiError) -> Response {
    (
        status,
        axum::Json(json!({"code": err.code().as_str(), "message": err.message()})),
    )
        .into_response()
}

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
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let actor = match authenticate(&state.app.db, &state.app.jwt, authorization).await {
        Ok(Authentication::Authenticated(actor)) => actor,
        Ok(_) => return refuse(StatusCode::UNAUTHORIZED, &ApiError::Unauthenticated),
        Err(err) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, &err),
    };
    if let Err(err) = actor.require_scope(Scope::Read) {
        return refuse(StatusCode::FORBIDDEN, &err);
    }
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return refuse(StatusCode::NOT_FOUND, &ApiError::NotFound("file"));
    };
    let file = match actor.load::<package_file::Entity>(&state.app.db, id).await {
        Ok(file) => file,
        Err(err @ ApiError::NotFound(_)) => return refuse(StatusCode::NOT_FOUND, &err),
        Err(err) => {
            tracing::error!(error = ?err, "loading a file");
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, &err);
        }
    };
    let stream = match state.app.blobs.stream(&file.storage_key).await {
        Ok(stream) => stream,
        Err(err) => {
            tracing::error!(error = ?err, key = %file.storage_key, "reading a blob");
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, &err);
        }
    };
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
    response
}
