//! The CFX consumer: messages from an AMQP 1.0 broker's queue, taken in batches.
//!
//! Configured by the environment of `firstpass serve` ([`AmqpConfig::from_env`]); without
//! `FIRSTPASS_CFX_AMQP_URL` there is no consumer. The consumer acts with one API token of the
//! EMS (`FIRSTPASS_CFX_AMQP_TOKEN`): the queue is that EMS's, and each message's `Source` must
//! be mapped to that token (`mapCfxEndpoint`).
//!
//! Deliveries are taken unsettled, up to a batch at a time, and handed to
//! [`super::ingest::ingest`] in one transaction; a second batch runs beside the first when the
//! two name disjoint units. Only after the commit are they accepted; a
//! batch the database could not take is released back to the queue and tried again. A crash
//! between the commit and the acceptance makes the broker deliver those messages again, and
//! then their `UniqueID`s are found already recorded: each message is recorded exactly once.
//! A delivery that is no CFX envelope (or not JSON) is rejected (the broker drops it or moves
//! it to its own dead-letter exchange); a message Firstpass cannot apply is accepted and kept
//! as a dead letter for the EMS.

use super::ingest::{ingest, Channel, Outcome};
use crate::audit::AuditMeta;
use crate::auth::{authenticate, Authentication};
use crate::context::AppState;
use anyhow::{bail, Context};
use fe2o3_amqp::link::delivery::DeliveryInfo;
use fe2o3_amqp::link::CreditMode;
use fe2o3_amqp::types::definitions::SenderSettleMode;
use fe2o3_amqp::types::messaging::Body;
use fe2o3_amqp::types::primitives::Value as AmqpValue;
use fe2o3_amqp::{Connection, Receiver, Session};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;
use tokio::time::Instant;

/// Where and how the consumer takes messages.
#[derive(Clone)]
pub struct AmqpConfig {
    /// `amqp://user:password@host:port`.
    pub url: String,
    /// The node to consume from, e.g. `/queue/firstpass.cfx` on RabbitMQ.
    pub address: String,
    /// The API token the consumer acts with.
    pub token: String,
    /// Most deliveries taken in one transaction.
    pub batch: usize,
    /// Longest a batch waits to fill up once its first delivery is in.
    pub linger: Duration,
}

impl std::fmt::Debug for AmqpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmqpConfig")
            .field("address", &self.address)
            .field("batch", &self.batch)
            .field("linger", &self.linger)
            .finish_non_exhaustive()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl AmqpConfig {
    /// Reads `FIRSTPASS_CFX_AMQP_URL` (none: no consumer), `FIRSTPASS_CFX_AMQP_ADDRESS`
    /// (default `/queue/firstpass.cfx`), `FIRSTPASS_CFX_AMQP_TOKEN` (required with a URL),
    /// `FIRSTPASS_CFX_AMQP_BATCH` (1–1000, default 500) and `FIRSTPASS_CFX_AMQP_LINGER_MS`
    /// (0–1000, default 20). A bad value is an error naming the variable.
    pub fn from_env() -> anyhow::Result<Option<Self>> {
        let Some(url) = env("FIRSTPASS_CFX_AMQP_URL") else {
            return Ok(None);
        };
        if !(url.starts_with("amqp://") || url.starts_with("amqps://")) {
            bail!("FIRSTPASS_CFX_AMQP_URL: must start with amqp://");
        }
        if url.starts_with("amqps://") {
            bail!("FIRSTPASS_CFX_AMQP_URL: amqps:// (TLS) is not supported; use amqp:// to a local broker");
        }
        url::Url::parse(&url).context("FIRSTPASS_CFX_AMQP_URL: not a URL")?;
        let token = env("FIRSTPASS_CFX_AMQP_TOKEN").context(
            "FIRSTPASS_CFX_AMQP_TOKEN: required with FIRSTPASS_CFX_AMQP_URL (an API token of the EMS with the WRITE scope)",
        )?;
        let number = |name: &str, default: u64, max: u64, min: u64| -> anyhow::Result<u64> {
            match env(name) {
                None => Ok(default),
                Some(v) => match v.parse::<u64>() {
                    Ok(n) if (min..=max).contains(&n) => Ok(n),
                    _ => bail!("{name}: must be a number from {min} to {max}"),
                },
            }
        };
        Ok(Some(Self {
            url,
            address: env("FIRSTPASS_CFX_AMQP_ADDRESS")
                .unwrap_or_else(|| "/queue/firstpass.cfx".to_owned()),
            token,
            batch: number(
                "FIRSTPASS_CFX_AMQP_BATCH",
                500,
                super::ingest::MAX_BATCH as u64,
                1,
            )? as usize,
            linger: Duration::from_millis(number("FIRSTPASS_CFX_AMQP_LINGER_MS", 20, 1000, 0)?),
        }))
    }
}

/// Runs the consumer until the server stops: connects, consumes, and after a lost connection or
/// a failing database waits (1 s, doubling up to 30 s) and starts again.
pub async fn run(state: AppState, config: AmqpConfig) {
    let mut stopped = state.shutdown.subscribe();
    let mut backoff = Duration::from_secs(1);
    loop {
        let started = Instant::now();
        let result = tokio::select! {
            r = consume(&state, &config) => r,
            _ = stopped.wait_for(|stop| *stop) => return,
        };
        if let Err(err) = result {
            tracing::warn!(error = %format!("{err:#}"), address = %config.address, "CFX consumer: stopped; connecting again soon");
        }
        if started.elapsed() > Duration::from_secs(60) {
            backoff = Duration::from_secs(1);
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

/// The JSON of a delivery's body: one or more data sections, or a string or binary value.
fn json_of(body: &Body<AmqpValue>) -> Option<Value> {
    let bytes: Vec<u8> = match body {
        Body::Data(sections) => sections.iter().flat_map(|d| d.0.iter().copied()).collect(),
        Body::Value(value) => match &value.0 {
            AmqpValue::String(text) => text.as_bytes().to_vec(),
            AmqpValue::Binary(bytes) => bytes.to_vec(),
            _ => return None,
        },
        Body::Sequence(_) | Body::Empty => return None,
    };
    serde_json::from_slice(&bytes).ok()
}

/// Deliveries taken from the link, waiting to be settled.
struct Batch {
    infos: Vec<DeliveryInfo>,
    messages: Vec<Option<Value>>,
    /// The units the batch's messages name, or `None` when one names none (it may touch
    /// anything, so it runs alone).
    units: Option<HashSet<String>>,
}

/// A batch being taken in by its own task.
struct InFlight {
    task: tokio::task::JoinHandle<anyhow::Result<Vec<bool>>>,
    infos: Vec<DeliveryInfo>,
    units: Option<HashSet<String>>,
}

/// Every `UnitIdentifier` a message names, at any depth.
fn unit_identifiers(value: &Value, into: &mut HashSet<String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                match (key.as_str(), field) {
                    ("UnitIdentifier", Value::String(serial)) => {
                        into.insert(serial.trim().to_owned());
                    }
                    _ => unit_identifiers(field, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| unit_identifiers(v, into)),
        _ => {}
    }
}

/// The units a batch names; `None` when a CFX message in it names none (it may touch anything).
fn units_of(messages: &[Option<Value>]) -> Option<HashSet<String>> {
    let mut units = HashSet::new();
    for message in messages.iter().flatten() {
        let mut own = HashSet::new();
        unit_identifiers(message, &mut own);
        if own.is_empty() {
            return None;
        }
        units.extend(own);
    }
    Some(units)
}

/// Whether two batches may be taken in side by side: they name disjoint units. Messages about
/// the same unit are then applied in the order they came.
fn independent(a: &Option<HashSet<String>>, b: &Option<HashSet<String>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.is_disjoint(b),
        _ => false,
    }
}

/// What a batch's task came to.
type TaskOutcome = Result<anyhow::Result<Vec<bool>>, tokio::task::JoinError>;

/// Settles a batch's deliveries by its outcome: accepted once stored, rejected when no CFX
/// message of this EMS, released when the database failed (and then the error).
async fn settle(
    receiver: &mut Receiver,
    infos: Vec<DeliveryInfo>,
    outcome: TaskOutcome,
) -> anyhow::Result<()> {
    let outcome =
        outcome.unwrap_or_else(|join| Err(anyhow::anyhow!("the batch's task failed: {join}")));
    match outcome {
        Ok(accepted) => {
            let mut accept = Vec::with_capacity(infos.len());
            let mut reject = Vec::new();
            for (info, ok) in infos.into_iter().zip(accepted) {
                if ok {
                    accept.push(info);
                } else {
                    reject.push(info);
                }
            }
            if !reject.is_empty() {
                tracing::warn!(
                    count = reject.len(),
                    "CFX consumer: rejected deliveries that are no CFX message of this EMS"
                );
                receiver
                    .reject_all(reject, None::<fe2o3_amqp::types::definitions::Error>)
                    .await?;
            }
            receiver.accept_all(accept).await?;
            Ok(())
        }
        Err(err) => {
            receiver.release_all(infos).await?;
            Err(err)
        }
    }
}

/// Waits for a batch in flight, then settles it.
async fn finish(receiver: &mut Receiver, flight: InFlight) -> anyhow::Result<()> {
    let outcome = flight.task.await;
    settle(receiver, flight.infos, outcome).await
}

/// The next batch: waits for a first delivery (settling the batch in flight if it finishes
/// first), then takes what comes within the linger time, up to the batch size.
async fn next_batch(
    receiver: &mut Receiver,
    config: &AmqpConfig,
    in_flight: &mut Option<InFlight>,
) -> anyhow::Result<Batch> {
    let first = loop {
        let Some(flight) = in_flight.as_mut() else {
            break receiver.recv::<Body<AmqpValue>>().await?;
        };
        let finished = tokio::select! {
            delivery = receiver.recv::<Body<AmqpValue>>() => break delivery?,
            outcome = &mut flight.task => outcome,
        };
        // The batch in flight finished before anything new came: settle it, and wait on.
        if let Some(done) = in_flight.take() {
            settle(receiver, done.infos, finished).await?;
        }
    };
    let mut infos: Vec<DeliveryInfo> = Vec::with_capacity(config.batch);
    let mut messages: Vec<Option<Value>> = Vec::with_capacity(config.batch);
    infos.push(DeliveryInfo::from(&first));
    messages.push(json_of(first.body()));
    let until = Instant::now() + config.linger;
    while infos.len() < config.batch {
        match tokio::time::timeout_at(until, receiver.recv::<Body<AmqpValue>>()).await {
            Ok(delivery) => {
                let delivery = delivery?;
                infos.push(DeliveryInfo::from(&delivery));
                messages.push(json_of(delivery.body()));
            }
            Err(_) => break,
        }
    }
    let units = units_of(&messages);
    Ok(Batch {
        infos,
        messages,
        units,
    })
}

/// One connection's life: attach, then take batches until something fails. Two batches are in
/// flight at a time when they name disjoint units, so that the database stores one while the
/// server prepares the next; a batch sharing a unit with the one in flight waits for it.
async fn consume(state: &AppState, config: &AmqpConfig) -> anyhow::Result<()> {
    let mut connection = Connection::open("firstpass", config.url.as_str())
        .await
        .context("connecting to the broker")?;
    let mut session = Session::begin(&mut connection)
        .await
        .context("beginning a session")?;
    let mut receiver = Receiver::builder()
        .name("firstpass-cfx")
        .source(config.address.as_str())
        .sender_settle_mode(SenderSettleMode::Unsettled)
        .credit_mode(CreditMode::Auto((config.batch * 3) as u32))
        .auto_accept(false)
        .attach(&mut session)
        .await
        .with_context(|| format!("attaching to {}", config.address))?;
    tracing::info!(address = %config.address, "CFX consumer: receiving");
    let bearer = format!("Bearer {}", config.token);
    let mut in_flight: Option<InFlight> = None;
    loop {
        let batch = next_batch(&mut receiver, config, &mut in_flight).await?;
        let previous = match in_flight.take() {
            Some(previous) if independent(&previous.units, &batch.units) => Some(previous),
            Some(previous) => {
                finish(&mut receiver, previous).await?;
                None
            }
            None => None,
        };
        let task = tokio::spawn({
            let (state, bearer, messages) = (state.clone(), bearer.clone(), batch.messages);
            async move { take(&state, &bearer, &messages).await }
        });
        if let Some(previous) = previous {
            finish(&mut receiver, previous).await?;
        }
        in_flight = Some(InFlight {
            task,
            infos: batch.infos,
            units: batch.units,
        });
    }
}

/// Takes in one batch: per delivery, whether it is accepted (stored, or received before) or
/// rejected (no CFX envelope). An error leaves the batch to be released and tried again.
async fn take(
    state: &AppState,
    bearer: &str,
    messages: &[Option<Value>],
) -> anyhow::Result<Vec<bool>> {
    let actor = match authenticate(&state.db, &state.jwt, Some(bearer)).await {
        Ok(Authentication::Authenticated(actor)) => actor,
        Ok(_) => bail!("FIRSTPASS_CFX_AMQP_TOKEN is not a valid API token (revoked or expired?)"),
        Err(err) => bail!("authenticating the consumer: {}", err.message()),
    };
    let meta = AuditMeta::for_actor(&actor, None);
    let json: Vec<Value> = messages.iter().flatten().cloned().collect();
    let outcomes = if json.is_empty() {
        Vec::new()
    } else {
        ingest(state, &actor, &json, Channel::Amqp, &meta)
            .await
            .map_err(|err| match err {
                crate::error::ApiError::Internal(cause) => {
                    anyhow::anyhow!("taking in a batch: {cause:#}")
                }
                other => anyhow::anyhow!("taking in a batch: {}", other.message()),
            })?
    };
    let mut outcomes = outcomes.into_iter();
    Ok(messages
        .iter()
        .map(|m| m.is_some() && matches!(outcomes.next(), Some(Outcome::Stored(_))))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tested(serial: &str) -> Option<Value> {
        Some(
            json!({"MessageName": "CFX.Production.TestAndInspection.UnitsTested",
            "MessageBody": {"TestedUnits": [{"UnitIdentifier": serial, "UnitPositionNumber": 1}]}}),
        )
    }

    #[test]
    fn batches_on_other_units_run_side_by_side_and_a_shared_unit_waits() {
        let first = units_of(&[tested("GW-1"), tested("GW-2")]);
        let second = units_of(&[tested("GW-3"), None]);
        let retest = units_of(&[tested("GW-2")]);
        assert_eq!(
            second.as_ref().map(HashSet::len),
            Some(1),
            "not JSON: names nothing"
        );
        assert!(independent(&first, &second));
        assert!(
            !independent(&first, &retest),
            "GW-2 again waits for its first result"
        );
    }

    #[test]
    fn a_message_naming_no_unit_runs_alone() {
        let progress =
            Some(json!({"MessageName": "CFX.Production.WorkStarted", "MessageBody": {}}));
        let batch = units_of(&[tested("GW-1"), progress]);
        assert_eq!(batch, None);
        assert!(!independent(&batch, &units_of(&[tested("GW-9")])));
    }
}
