//! `POST /cfx`: CFX messages as JSON, sent with the endpoint's API token.
//!
//! The body is one message, or an array of up to 1,000 messages taken in one transaction.
//! One message answers 200 with `{"id", "status", "reason", "duplicate"}`: `APPLIED`,
//! `ACKNOWLEDGED`, or `DEAD` with the reason (the message is kept for the EMS to fix and
//! replay); a message that is refused (not an envelope, an endpoint not mapped to this token)
//! answers the error. An array answers 200 with one such object per message, in order; a
//! refused message's object is `{"status": "REFUSED", "code", "reason"}`. A request the server
//! could not judge (a database fault) answers 5xx and keeps nothing, so the sender sends it
//! again.

use super::ingest::{ingest, Channel, Outcome};
use crate::audit::AuditMeta;
use crate::auth::{authenticate, Authentication};
use crate::error::ApiError;
use crate::http::HttpState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;
use serde_json::{json, Value};

/// The answer for one stored message.
fn stored(received: &super::service::Received) -> Value {
    json!({
        "id": received.message.id,
        "uniqueId": received.message.unique_id,
        "status": received.message.status,
        "reason": received.message.reason,
        "duplicate": received.duplicate,
    })
}

/// Receives one message or an array of them.
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
    match message {
        Value::Array(messages) => {
            if messages.is_empty() {
                return Err(ApiError::bad_input("the array holds no CFX message"));
            }
            let outcomes = ingest(&state.app, &actor, &messages, Channel::Http, &meta).await?;
            Ok(Json(Value::Array(
                outcomes
                    .iter()
                    .map(|outcome| match outcome {
                        Outcome::Stored(received) => stored(received),
                        Outcome::Refused(err) => json!({
                            "status": "REFUSED",
                            "code": err.code(),
                            "reason": err.message(),
                        }),
                    })
                    .collect(),
            )))
        }
        message => {
            let received = super::service::receive(&state.app, &actor, &message, &meta).await?;
            Ok(Json(stored(&received)))
        }
    }
}
