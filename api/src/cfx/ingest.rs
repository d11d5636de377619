//! Taking in a batch of CFX messages in one database transaction.
//!
//! Every way in (`POST /cfx`, one message or an array; the AMQP consumer, a batch of deliveries)
//! comes through [`ingest`]. Within one transaction it finds the messages already received (by
//! `UniqueID`, per EMS), applies the new ones, and stores each with its outcome; the caller
//! acknowledges to the sender only after the commit. A message received again (a redelivery
//! after a crash, a retry) answers its first outcome and changes nothing.
//!
//! `UnitsTested` results of the whole batch are recorded with one set-based call; should one of
//! them be refused, the batch's results are recorded message by message instead (each in a
//! savepoint), so that one bad message becomes one dead letter and the rest are applied. Every
//! other kind is applied message by message, each in a savepoint.

use super::message::{envelope, kind, units_tested, Envelope, Kind};
use super::service::{status, Received};
use super::units::apply_in;
use crate::audit::AuditMeta;
use crate::builds::service::{record_batch, NewResult, Stop};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{cfx_endpoint, cfx_message};
use crate::error::{ApiError, ApiResult};
use crate::policy::{authorize, Action};
use crate::tenancy::{Actor, Principal};
use chrono::Utc;
use firstpass_shared::domain::Scope;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait,
};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// Most messages one call takes.
pub const MAX_BATCH: usize = 1000;

/// How the messages came in, which decides what an endpoint that is not mapped to the sender
/// means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `POST /cfx`: the endpoint must be mapped to the very API token that sent the request;
    /// otherwise the message is refused and not kept.
    Http,
    /// The broker: the consumer's API token speaks for its queue. A message from an endpoint
    /// that is not mapped (or is mapped to another token) is kept as a dead letter, for the
    /// EMS to map the endpoint and replay it.
    Amqp,
}

/// What became of one message of a batch.
#[derive(Debug)]
pub enum Outcome {
    /// Stored (applied, acknowledged or a dead letter), or a repeat of a message stored before.
    Stored(Received),
    /// Not taken and not kept (not a CFX envelope, or an endpoint the sender may not speak
    /// for): answered as an error over HTTP, rejected on the broker.
    Refused(ApiError),
}

/// How often a batch is tried again when a concurrent call stored the same `UniqueID` or
/// idempotency key first.
const RACE_RETRIES: usize = 3;

/// One message on its way through a batch.
enum Step {
    Refused(ApiError),
    /// Dead before anything is applied: the endpoint is not the sender's to speak for.
    Unauthorized(Envelope, String),
    Ready(Envelope, String),
}

/// The plan for one new message, filled in as it is applied.
struct Pending {
    index: usize,
    envelope: Envelope,
    raw: String,
    status: &'static str,
    reason: Option<String>,
    results: Vec<NewResult>,
}

/// The reason text of an error that refuses a message (a dead letter), or the error itself
/// when the database failed (the whole batch fails and is tried again by its sender).
fn reason_of(err: ApiError) -> ApiResult<String> {
    match err {
        ApiError::Internal(cause) => Err(ApiError::Internal(cause)),
        ApiError::Timeout => Err(ApiError::Timeout),
        ApiError::NotFound(noun) => Ok(format!("{noun} not found")),
        other => Ok(other.message()),
    }
}

/// Takes in `messages` sent by `actor` over `channel`: one outcome per message, in order. An
/// error of the whole call (the database failed, the actor may not record production) means
/// nothing was stored.
pub async fn ingest(
    state: &AppState,
    actor: &Actor,
    messages: &[Value],
    channel: Channel,
    meta: &AuditMeta,
) -> ApiResult<Vec<Outcome>> {
    authorize(actor, Action::RecordProduction)?;
    actor.require_scope(Scope::Write)?;
    if messages.len() > MAX_BATCH {
        return Err(ApiError::bad_input(format!(
            "give at most {MAX_BATCH} CFX messages at once"
        )));
    }
    let envelopes: Vec<ApiResult<Envelope>> = messages.iter().map(envelope).collect();
    let handles: BTreeSet<&str> = envelopes
        .iter()
        .filter_map(|e| e.as_ref().ok())
        .map(|e| e.source.as_str())
        .collect();
    let mut endpoints: HashMap<String, cfx_endpoint::Model> = HashMap::new();
    for chunk in handles.into_iter().collect::<Vec<_>>().chunks(500) {
        for row in actor
            .select::<cfx_endpoint::Entity>()
            .filter(cfx_endpoint::Column::Handle.is_in(chunk.iter().copied()))
            .all(&state.db)
            .await?
        {
            endpoints.insert(row.handle.clone(), row);
        }
    }
    let sender_token = match &actor.principal {
        Principal::ApiToken { id, .. } => Some(*id),
        Principal::User { .. } => None,
    };
    let steps: Vec<Step> = envelopes
        .into_iter()
        .map(|parsed| {
            let envelope = match parsed {
                Ok(envelope) => envelope,
                Err(err) => return Step::Refused(err),
            };
            let refusal = match endpoints.get(&envelope.source) {
                None => format!(
                    "CFX endpoint {} is not mapped to a station; map it with mapCfxEndpoint",
                    envelope.source
                ),
                Some(endpoint) if Some(endpoint.api_token_id) != sender_token => format!(
                    "CFX endpoint {} sends with the API token it is mapped to",
                    envelope.source
                ),
                Some(endpoint) => {
                    let station = endpoint.station.clone();
                    return Step::Ready(envelope, station);
                }
            };
            match channel {
                Channel::Http => Step::Refused(ApiError::forbidden(refusal)),
                Channel::Amqp => Step::Unauthorized(envelope, refusal),
            }
        })
        .collect();

    for _ in 0..=RACE_RETRIES {
        let txn = begin_write(&state.db).await?;
        match attempt(&txn, actor, messages, &steps, meta).await? {
            Some((outcomes, builds)) => {
                txn.commit().await?;
                for build_id in builds {
                    state.build_events.publish(&state.db, build_id).await;
                }
                return Ok(outcomes);
            }
            None => txn.rollback().await?,
        }
    }
    Err(ApiError::conflict(
        "another call is storing the same CFX messages; try again",
    ))
}

/// The outcome of a message that is not new: received before, or earlier in this batch.
fn repeat(first: &cfx_message::Model) -> Outcome {
    Outcome::Stored(Received {
        message: first.clone(),
        duplicate: true,
    })
}

/// Records the results of `pending` messages: the whole lot at once, or else message by
/// message, a refused message becoming a dead letter. `false` when a concurrent call stored
/// one of the idempotency keys first (the attempt is rolled back and tried again).
async fn record_pending(
    txn: &DatabaseTransaction,
    actor: &Actor,
    pending: &mut [Pending],
    meta: &AuditMeta,
    builds: &mut BTreeSet<Uuid>,
) -> ApiResult<bool> {
    let applying: Vec<usize> = (0..pending.len())
        .filter(|&i| !pending[i].results.is_empty())
        .collect();
    if applying.is_empty() {
        return Ok(true);
    }
    let all: Vec<NewResult> = applying
        .iter()
        .flat_map(|&i| pending[i].results.iter().cloned())
        .collect();
    let savepoint = txn.begin().await?;
    match record_batch(&savepoint, actor, &all, meta).await {
        Ok(recorded) => {
            savepoint.commit().await?;
            builds.extend(recorded.iter().map(|r| r.unit.build_id));
        }
        Err(Stop::KeyRace) => return Ok(false),
        Err(Stop::Refused(err)) => {
            reason_of(err)?;
            savepoint.rollback().await?;
            for &i in &applying {
                let savepoint = txn.begin().await?;
                match record_batch(&savepoint, actor, &pending[i].results, meta).await {
                    Ok(recorded) => {
                        savepoint.commit().await?;
                        builds.extend(recorded.iter().map(|r| r.unit.build_id));
                    }
                    Err(Stop::KeyRace) => return Ok(false),
                    Err(Stop::Refused(err)) => {
                        savepoint.rollback().await?;
                        pending[i].status = status::DEAD;
                        pending[i].reason = Some(reason_of(err)?);
                    }
                }
            }
        }
    }
    Ok(true)
}

/// One try at a batch inside `txn`: its outcomes and the builds it touched, or `None` when a
/// concurrent call stored one of its keys first (roll back and try again).
async fn attempt(
    txn: &DatabaseTransaction,
    actor: &Actor,
    messages: &[Value],
    steps: &[Step],
    meta: &AuditMeta,
) -> ApiResult<Option<(Vec<Outcome>, BTreeSet<Uuid>)>> {
    let ids: BTreeSet<&str> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Ready(e, _) | Step::Unauthorized(e, _) => Some(e.unique_id.as_str()),
            Step::Refused(_) => None,
        })
        .collect();
    let mut known: HashMap<String, cfx_message::Model> = HashMap::new();
    for chunk in ids.into_iter().collect::<Vec<_>>().chunks(500) {
        for row in cfx_message::Entity::find()
            .filter(cfx_message::Column::EmsId.eq(actor.org_id))
            .filter(cfx_message::Column::UniqueId.is_in(chunk.iter().copied()))
            .all(txn)
            .await?
        {
            known.insert(row.unique_id.clone(), row);
        }
    }

    // Decide what each new message asks, and gather the results to record.
    let mut builds = BTreeSet::new();
    let mut pending: Vec<Pending> = Vec::new();
    // Results are gathered and recorded together, but always before a message of another
    // kind is applied, so that messages take effect in the order they came.
    let mut unrecorded = 0;
    let mut first_in_batch: HashMap<&str, usize> = HashMap::new();
    for (index, step) in steps.iter().enumerate() {
        let (envelope, station, refusal) = match step {
            Step::Refused(_) => continue,
            Step::Ready(e, station) => (e, station.as_str(), None),
            Step::Unauthorized(e, reason) => (e, "", Some(reason.clone())),
        };
        if known.contains_key(&envelope.unique_id)
            || first_in_batch.contains_key(envelope.unique_id.as_str())
        {
            continue;
        }
        first_in_batch.insert(envelope.unique_id.as_str(), pending.len());
        let mut plan = Pending {
            index,
            envelope: envelope.clone(),
            raw: messages[index].to_string(),
            status: status::APPLIED,
            reason: refusal,
            results: Vec::new(),
        };
        if plan.reason.is_none() {
            match kind(&envelope.message_name) {
                Kind::Progress => plan.status = status::ACKNOWLEDGED,
                Kind::Unsupported => {
                    plan.reason = Some(format!(
                        "Firstpass does not apply {} messages",
                        envelope.message_name
                    ))
                }
                Kind::UnitsTested => {
                    match units_tested(&envelope.unique_id, station, &envelope.body) {
                        Ok(results) => plan.results = results,
                        Err(err) => plan.reason = Some(reason_of(err)?),
                    }
                }
                _ => {
                    if !record_pending(txn, actor, &mut pending[unrecorded..], meta, &mut builds)
                        .await?
                    {
                        return Ok(None);
                    }
                    unrecorded = pending.len();
                    let savepoint = txn.begin().await?;
                    match apply_in(&savepoint, actor, envelope, station, meta).await {
                        Ok(touched) => {
                            savepoint.commit().await?;
                            builds.extend(touched);
                        }
                        Err(err) => {
                            savepoint.rollback().await?;
                            plan.reason = Some(reason_of(err)?);
                        }
                    }
                }
            }
        }
        if plan.reason.is_some() {
            plan.status = status::DEAD;
        }
        pending.push(plan);
    }

    // The results of the last messages.
    if !record_pending(txn, actor, &mut pending[unrecorded..], meta, &mut builds).await? {
        return Ok(None);
    }

    // Keep every new message with its outcome.
    let now = Utc::now();
    let rows: Vec<cfx_message::Model> = pending
        .iter()
        .map(|p| cfx_message::Model {
            id: Uuid::now_v7(),
            ems_id: actor.org_id,
            unique_id: p.envelope.unique_id.clone(),
            source: p.envelope.source.clone(),
            message_name: p.envelope.message_name.clone(),
            body: p.raw.clone(),
            status: p.status.to_owned(),
            reason: p.reason.as_ref().map(|r| r.chars().take(2000).collect()),
            attempts: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    if let Err(err) = store_messages(txn, &rows).await {
        return match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Ok(None),
            _ => Err(err.into()),
        };
    }

    let mut stored: HashMap<usize, cfx_message::Model> = HashMap::new();
    for (plan, row) in pending.iter().zip(rows) {
        stored.insert(plan.index, row);
    }
    let mut outcomes = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        let envelope = match step {
            Step::Refused(err) => {
                outcomes.push(Outcome::Refused(err.clone()));
                continue;
            }
            Step::Ready(e, _) | Step::Unauthorized(e, _) => e,
        };
        if let Some(row) = stored.remove(&index) {
            outcomes.push(Outcome::Stored(Received {
                message: row,
                duplicate: false,
            }));
        } else if let Some(first) = known.get(&envelope.unique_id) {
            outcomes.push(repeat(first));
        } else {
            let first = first_in_batch
                .get(envelope.unique_id.as_str())
                .map(|&p| pending[p].index)
                .and_then(|i| match &outcomes[i] {
                    Outcome::Stored(r) => Some(r.message.clone()),
                    Outcome::Refused(_) => None,
                })
                .ok_or(ApiError::NotFound("CFX message"))?;
            outcomes.push(repeat(&first));
        }
    }
    Ok(Some((outcomes, builds)))
}

/// Keeps new messages with their outcomes: on PostgreSQL as one JSON document the database
/// unpacks (their bodies make binding each value costly), elsewhere in multi-row inserts. The
/// database's error is returned as it is, so that the caller tells a key race from a failure.
async fn store_messages(
    txn: &DatabaseTransaction,
    rows: &[cfx_message::Model],
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::ConnectionTrait;
    if rows.is_empty() {
        return Ok(());
    }
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        let document =
            serde_json::to_string(rows).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        txn.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "INSERT INTO cfx_messages (id, ems_id, unique_id, source, message_name, body, status, \
             reason, attempts, created_at, updated_at) \
             SELECT id, ems_id, unique_id, source, message_name, body, status, reason, attempts, \
             created_at, updated_at \
             FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, ems_id uuid, unique_id text, \
             source text, message_name text, body text, status text, reason text, \
             attempts integer, created_at timestamptz, updated_at timestamptz)",
            [document.into()],
        ))
        .await?;
        return Ok(());
    }
    for chunk in rows.chunks(500) {
        let active = chunk.iter().map(|row| cfx_message::ActiveModel {
            id: Set(row.id),
            ems_id: Set(row.ems_id),
            unique_id: Set(row.unique_id.clone()),
            source: Set(row.source.clone()),
            message_name: Set(row.message_name.clone()),
            body: Set(row.body.clone()),
            status: Set(row.status.clone()),
            reason: Set(row.reason.clone()),
            attempts: Set(row.attempts),
            created_at: Set(row.created_at),
            updated_at: Set(row.updated_at),
        });
        cfx_message::Entity::insert_many(active)
            .exec_without_returning(txn)
            .await?;
    }

    Ok(())
}
