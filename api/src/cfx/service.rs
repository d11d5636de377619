//! Receiving CFX messages, mapping endpoints, and the dead-letter list with its replays.

use super::message::{envelope, kind, units_tested, Envelope, Kind};
use crate::audit::{self, AuditMeta, Change};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{api_token, cfx_endpoint, cfx_message};
use crate::error::{conflict_on_duplicate, ApiError, ApiResult};
use crate::policy::{authorize, Action};
use crate::tenancy::{Actor, Tenanted};
use chrono::Utc;
use firstpass_shared::text::DisplayName;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{json, Value};
use uuid::Uuid;

/// Where a message stands.
pub mod status {
    /// Applied: its results are recorded.
    pub const APPLIED: &str = "APPLIED";
    /// Received and understood, nothing to record.
    pub const ACKNOWLEDGED: &str = "ACKNOWLEDGED";
    /// Could not be applied; see the reason, fix and replay.
    pub const DEAD: &str = "DEAD";
}

impl Tenanted for cfx_endpoint::Entity {
    const NOUN: &'static str = "CFX endpoint";
    /// Endpoints of one's own EMS.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::all().add(cfx_endpoint::Column::EmsId.eq(actor.org_id))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![cfx_endpoint::Column::Id]
    }
}

impl Tenanted for cfx_message::Entity {
    const NOUN: &'static str = "CFX message";
    /// Messages received by one's own EMS.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::all().add(cfx_message::Column::EmsId.eq(actor.org_id))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![cfx_message::Column::Id]
    }
}

/// Maps an endpoint handle to a station name and the API token it must send with (EMS program
/// managers and admins); mapping a handle again changes its station and token.
pub async fn map_endpoint(
    state: &AppState,
    actor: &Actor,
    handle: &str,
    station: &DisplayName,
    token_id: Uuid,
    meta: &AuditMeta,
) -> ApiResult<cfx_endpoint::Model> {
    authorize(actor, Action::PlanBuilds)?;
    let handle = handle.trim();
    if handle.is_empty() || handle.chars().count() > 200 {
        return Err(ApiError::bad_input("handle must have 1 to 200 characters"));
    }
    let txn = begin_write(&state.db).await?;
    let token = actor.load::<api_token::Entity>(&txn, token_id).await?;
    if token.revoked_at.is_some() {
        return Err(ApiError::conflict("that API token is revoked"));
    }
    let existing = actor
        .select::<cfx_endpoint::Entity>()
        .filter(cfx_endpoint::Column::Handle.eq(handle))
        .one(&txn)
        .await?;
    let row = match existing {
        Some(row) => {
            let mut active: cfx_endpoint::ActiveModel = row.into();
            active.station = Set(station.as_str().to_owned());
            active.api_token_id = Set(token.id);
            active.update(&txn).await?
        }
        None => cfx_endpoint::ActiveModel {
            id: Set(Uuid::now_v7()),
            ems_id: Set(actor.org_id),
            handle: Set(handle.to_owned()),
            station: Set(station.as_str().to_owned()),
            api_token_id: Set(token.id),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(|e| conflict_on_duplicate(e, "that handle is mapped already"))?,
    };
    audit::record(
        &txn,
        meta,
        Change::new("cfx.map_endpoint", "CfxEndpoint", row.id).after(
            &json!({"handle": row.handle, "station": row.station, "apiToken": row.api_token_id}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The EMS's endpoint mappings (program managers and admins).
pub async fn endpoints(state: &AppState, actor: &Actor) -> ApiResult<Vec<cfx_endpoint::Model>> {
    authorize(actor, Action::PlanBuilds)?;
    Ok(actor
        .select::<cfx_endpoint::Entity>()
        .order_by_asc(cfx_endpoint::Column::Handle)
        .all(&state.db)
        .await?)
}

/// What receiving a message came to.
#[derive(Debug, Clone)]
pub struct Received {
    /// The stored message.
    pub message: cfx_message::Model,
    /// Whether it was a repeat of one received before (nothing was done again).
    pub duplicate: bool,
}

/// Applies a message at its endpoint's station; a refusal becomes the reason of a dead letter.
async fn apply(
    state: &AppState,
    actor: &Actor,
    envelope: &Envelope,
    station: &str,
    meta: &AuditMeta,
) -> ApiResult<Result<&'static str, String>> {
    let outcome = match kind(&envelope.message_name) {
        Kind::Progress => return Ok(Ok(status::ACKNOWLEDGED)),
        Kind::Unsupported => {
            return Ok(Err(format!(
                "Firstpass does not apply {} messages",
                envelope.message_name
            )))
        }
        Kind::MaterialsInstalled
        | Kind::UnitsInspected
        | Kind::UnitsDisqualified
        | Kind::UnitsPersonalized => {
            let txn = begin_write(&state.db).await?;
            match super::units::apply_in(&txn, actor, envelope, station, meta).await {
                Ok(builds) => {
                    txn.commit().await?;
                    for build_id in builds {
                        state.build_events.publish(&state.db, build_id).await;
                    }
                    Ok(())
                }
                Err(err) => Err(err),
            }
        }
        Kind::UnitsTested => match units_tested(&envelope.unique_id, station, &envelope.body) {
            Ok(results) => crate::builds::service::record_results(state, actor, results, meta)
                .await
                .map(|_| ()),
            Err(err) => Err(err),
        },
    };
    match outcome {
        Ok(()) => Ok(Ok(status::APPLIED)),
        Err(ApiError::Internal(cause)) => Err(ApiError::Internal(cause)),
        Err(ApiError::Timeout) => Err(ApiError::Timeout),
        Err(ApiError::NotFound(noun)) => Ok(Err(format!("{noun} not found"))),
        Err(other) => Ok(Err(other.message())),
    }
}

/// Receives one message sent with an endpoint's API token (`POST /cfx`): refused unless its
/// endpoint is mapped to that token; a repeat answers the first outcome.
pub async fn receive(
    state: &AppState,
    actor: &Actor,
    raw: &Value,
    meta: &AuditMeta,
) -> ApiResult<Received> {
    let outcome = super::ingest::ingest(
        state,
        actor,
        std::slice::from_ref(raw),
        super::ingest::Channel::Http,
        meta,
    )
    .await?
    .pop()
    .ok_or(ApiError::NotFound("CFX message"))?;
    match outcome {
        super::ingest::Outcome::Stored(received) => Ok(received),
        super::ingest::Outcome::Refused(err) => Err(err),
    }
}

/// The EMS's messages with `status` (default: dead letters), newest first.
pub async fn messages(
    state: &AppState,
    actor: &Actor,
    status_filter: Option<&str>,
    first: u64,
) -> ApiResult<Vec<cfx_message::Model>> {
    authorize(actor, Action::RecordProduction)?;
    Ok(actor
        .select::<cfx_message::Entity>()
        .filter(cfx_message::Column::Status.eq(status_filter.unwrap_or(status::DEAD)))
        .order_by_desc(cfx_message::Column::Id)
        .limit(first)
        .all(&state.db)
        .await?)
}

/// Applies a dead letter again, as received or as corrected in `fixed` (same `UniqueID` and
/// `Source`); answers it with its new status and reason.
pub async fn replay(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    fixed: Option<&Value>,
    meta: &AuditMeta,
) -> ApiResult<cfx_message::Model> {
    authorize(actor, Action::RecordProduction)?;
    let row = actor.load::<cfx_message::Entity>(&state.db, id).await?;
    if row.status != status::DEAD {
        return Err(ApiError::conflict(format!(
            "the message is {}; only dead letters are replayed",
            row.status
        )));
    }
    let stored: Value = serde_json::from_str(&row.body).map_err(ApiError::internal)?;
    let body = fixed.unwrap_or(&stored);
    let envelope = envelope(body)?;
    if envelope.unique_id != row.unique_id || envelope.source != row.source {
        return Err(ApiError::bad_input(
            "a corrected message keeps its UniqueID and Source",
        ));
    }
    let endpoint = actor
        .select::<cfx_endpoint::Entity>()
        .filter(cfx_endpoint::Column::Handle.eq(envelope.source.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(|| {
            ApiError::conflict(format!(
                "CFX endpoint {} is no longer mapped",
                envelope.source
            ))
        })?;
    let outcome = apply(state, actor, &envelope, &endpoint.station, meta).await?;
    let (new_status, reason) = match outcome {
        Ok(status) => (status, None),
        Err(reason) => (
            status::DEAD,
            Some(reason.chars().take(2000).collect::<String>()),
        ),
    };
    let txn = begin_write(&state.db).await?;
    let attempts = row.attempts + 1;
    let mut active: cfx_message::ActiveModel = row.clone().into();
    active.status = Set(new_status.to_owned());
    active.reason = Set(reason);
    active.body = Set(body.to_string());
    active.message_name = Set(envelope.message_name.clone());
    active.attempts = Set(attempts);
    active.updated_at = Set(Utc::now());
    let after = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("cfx.replay", "CfxMessage", after.id)
            .before(&json!({"status": row.status, "reason": row.reason}))
            .after(&json!({"status": after.status, "reason": after.reason, "corrected": fixed.is_some()})),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
