//! The delivery worker: a task of every server that posts due deliveries.
//!
//! A delivery is due when its time has come and no earlier event about the same subject is
//! still pending for the same endpoint, so each subject's events arrive in order. The worker
//! claims a due delivery by moving its next attempt a lease ahead (so another instance on the
//! same database leaves it alone), posts it, and records the outcome: 2xx is DELIVERED;
//! anything else is tried again after 10 s, 20 s, 40 s … at most an hour apart, until the
//! delivery is three days old, then it is FAILED. A receiver may therefore see an event twice
//! (at least once): the payload's `id` tells repeats apart.

use super::address::{literal_allowed, PublicOnly};
use super::model::WebhookDeliveryStatus;
use super::{signature, Webhooks, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER};
use crate::context::AppState;
use crate::db::statement;
use crate::entities::webhook_delivery;
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Deliveries claimed per round.
const BATCH: u64 = 200;
/// Posts under way at once.
const CONCURRENCY: usize = 32;
/// How long a claimed delivery is left to its claimant before another may try it.
const LEASE: chrono::Duration = chrono::Duration::minutes(2);
/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The first retry delay; each further failure doubles it, up to [`MAX_DELAY`].
const FIRST_DELAY: chrono::Duration = chrono::Duration::seconds(10);
/// The longest wait between two attempts.
const MAX_DELAY: chrono::Duration = chrono::Duration::hours(1);

/// The wait after the `attempts`-th failed attempt.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let doublings = attempts.clamp(1, 20) - 1;
    let delay = FIRST_DELAY * 2i32.pow(doublings as u32);
    delay.min(MAX_DELAY)
}

/// A due delivery with what posting it needs.
#[derive(Debug, FromQueryResult)]
struct Due {
    id: Uuid,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    give_up_at: DateTime<Utc>,
    url: String,
    secret: String,
    payload: String,
    event: String,
}

/// The HTTP client deliveries go through: no redirects, public addresses only.
pub fn client(settings: &Webhooks) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Firstpass-Webhooks/1")
        .dns_resolver(Arc::new(PublicOnly {
            settings: settings.clone(),
        }))
        .build()
}

/// Runs until the server stops: delivers whatever is due, then waits for the next poll or
/// for [`Webhooks::wake`].
pub async fn run(state: AppState) {
    let client = match client(&state.webhooks) {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(error = %err, "webhook delivery disabled: no HTTP client");
            return;
        }
    };
    let mut stopping = state.shutdown.subscribe();
    loop {
        loop {
            match deliver_due(&state.db, &state.webhooks, &client).await {
                Ok(0) => break,
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "webhook delivery round failed");
                    break;
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(state.webhooks.poll_interval) => {}
            () = state.webhooks.woken() => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
    }
}

/// One round: claims up to a batch of due deliveries and posts them; answers how many it
/// attempted.
pub async fn deliver_due(
    db: &DatabaseConnection,
    settings: &Webhooks,
    client: &reqwest::Client,
) -> Result<usize, sea_orm::DbErr> {
    let now = settings.clock.now().trunc_subsecs(6);
    let due = Due::find_by_statement(statement(
        db.get_database_backend(),
        "SELECT d.id, d.attempts, d.next_attempt_at, d.give_up_at, e.url, e.secret, \
                o.payload, o.event \
         FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         JOIN outbox_events o ON o.id = d.event_id \
         WHERE d.status = 'PENDING' AND d.next_attempt_at <= ? AND e.active = ? \
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p \
                           WHERE p.endpoint_id = d.endpoint_id AND p.subject_id = d.subject_id \
                             AND p.status = 'PENDING' AND p.event_id < d.event_id) \
         ORDER BY d.event_id LIMIT ?",
        vec![now.into(), true.into(), (BATCH as i64).into()],
    ))
    .all(db)
    .await?;
    let mut tasks = tokio::task::JoinSet::new();
    let mut attempted = 0;
    for delivery in due {
        let claimed = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(now + LEASE),
            )
            .filter(webhook_delivery::Column::Id.eq(delivery.id))
            .filter(webhook_delivery::Column::Status.eq(WebhookDeliveryStatus::Pending.as_str()))
            .filter(webhook_delivery::Column::NextAttemptAt.eq(delivery.next_attempt_at))
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        attempted += 1;
        while tasks.len() >= CONCURRENCY {
            if let Some(done) = tasks.join_next().await {
                done.map_err(|e| sea_orm::DbErr::Custom(e.to_string()))??;
            }
        }
        let (db, settings, client) = (db.clone(), settings.clone(), client.clone());
        tasks.spawn(async move { attempt(&db, &settings, &client, delivery).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| sea_orm::DbErr::Custom(e.to_string()))??;
    }
    Ok(attempted)
}

/// Posts one delivery and records the outcome.
async fn attempt(
    db: &DatabaseConnection,
    settings: &Webhooks,
    client: &reqwest::Client,
    delivery: Due,
) -> Result<(), sea_orm::DbErr> {
    let outcome = post(client, settings, &delivery).await;
    let now = settings.clock.now().trunc_subsecs(6);
    let attempts = delivery.attempts + 1;
    let (status, code, error) = match outcome {
        Ok(code) if (200..300).contains(&code) => {
            (WebhookDeliveryStatus::Delivered, Some(code), None)
        }
        Ok(code) => (
            WebhookDeliveryStatus::Pending,
            Some(code),
            Some(format!("the receiver answered HTTP {code}")),
        ),
        Err(err) => (WebhookDeliveryStatus::Pending, None, Some(err)),
    };
    let next = now + backoff(attempts);
    let status = if status == WebhookDeliveryStatus::Pending && next > delivery.give_up_at {
        WebhookDeliveryStatus::Failed
    } else {
        status
    };
    let delivered_at = (status == WebhookDeliveryStatus::Delivered).then_some(now);
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(status.as_str()),
        )
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
        .col_expr(
            webhook_delivery::Column::LastAttemptAt,
            Expr::value(Some(now)),
        )
        .col_expr(webhook_delivery::Column::ResponseCode, Expr::value(code))
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(error.map(|e| e.chars().take(500).collect::<String>())),
        )
        .col_expr(
            webhook_delivery::Column::DeliveredAt,
            Expr::value(delivered_at),
        )
        .filter(webhook_delivery::Column::Id.eq(delivery.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Posts the signed payload; answers the HTTP status, or why there was none.
async fn post(
    client: &reqwest::Client,
    settings: &Webhooks,
    delivery: &Due,
) -> Result<i32, String> {
    let url = reqwest::Url::parse(&delivery.url).map_err(|e| format!("bad url: {e}"))?;
    if !literal_allowed(&url, settings.allow_private()) {
        return Err("the url's address is loopback, private or link-local".to_owned());
    }
    let timestamp = Utc::now().timestamp();
    let body = delivery.payload.as_bytes().to_vec();
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header(EVENT_HEADER, &delivery.event)
        .header(DELIVERY_HEADER, delivery.id.to_string())
        .header(
            SIGNATURE_HEADER,
            signature(&delivery.secret, timestamp, &body),
        )
        .body(body)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    Ok(i32::from(response.status().as_u16()))
}

/// A short reason for a failed request, without the URL (which the admin knows).
fn describe(err: &reqwest::Error) -> String {
    let mut reason = if err.is_timeout() {
        "the receiver did not answer in time".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), chrono::Duration::seconds(10));
        assert_eq!(backoff(2), chrono::Duration::seconds(20));
        assert_eq!(backoff(5), chrono::Duration::seconds(160));
        assert_eq!(backoff(12), chrono::Duration::hours(1));
        assert_eq!(backoff(1000), chrono::Duration::hours(1));
        // Ten attempts in the first hour and a half, then one an hour: three days is ~80.
    }
}
