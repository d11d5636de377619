//! `POST /cfx`: one CFX message as JSON, sent with the endpoint's API token.
//!
//! Answers 200 with `{"status", "reason", "duplicate", "id"}`: `APPLIED`, `ACKNOWLEDGED`, or
//! `DEAD` with the reason (the message is kept for the EMS to fix and replay). A request the
//! server could not judge (a database fault) answers 5xx and keeps nothing, so the sender
//! sends it again.

use crate::audit::AuditMeta;
use crate::auth::{authenticate, Authentication};
use crate::error::ApiError;
use crate::http::HttpState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;
use serde_json::{json, Value};

/// Receives one message.
pub async fn receive(
    State(state): State<HttpState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let actor = match authenticate(&state.app.db, &state.app.jwt, authorization).await? {
        Authentication::Authenticated(actor) => actor,
        Authentication::Anonymous | Authentication::Invalid => {
            return Err(ApiError::Unauthenticated)
        }
    };
    let message: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_input(format!("the body is not JSON: {e}")))?;
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let meta = AuditMeta::for_actor(&actor, request_id);
    let received = super::service::receive(&state.app, &actor, &message, &meta).await?;
    Ok(Json(json!({
        "id": received.message.id,
        "status": received.message.status,
        "reason": received.message.reason,
        "duplicate": received.duplicate,
    })))
}
