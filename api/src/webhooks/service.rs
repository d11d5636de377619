//! Registering, changing and removing webhook endpoints; listing and replaying deliveries.
//! Org admins only; every change is audited.

use super::address::check_url;
use super::model::{parse_events, WebhookDeliveryStatus, WebhookEvent};
use crate::audit::{self, AuditMeta, Change};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{outbox_event, webhook_delivery, webhook_endpoint};
use crate::error::{ApiError, ApiResult};
use crate::policy::authorize_webhooks;
use crate::tenancy::{Actor, Principal, Tenanted};
use chrono::{SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Most endpoints one organization may register.
pub const MAX_ENDPOINTS: usize = 20;
/// Most deliveries one listing answers.
pub const MAX_LISTED: u64 = 500;
/// The prefix of signing secrets.
pub const SECRET_PREFIX: &str = "whsec_";

impl Tenanted for webhook_endpoint::Entity {
    const NOUN: &'static str = "webhook endpoint";
    /// Endpoints of one's own organization.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::all().add(webhook_endpoint::Column::OrganizationId.eq(actor.org_id))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![webhook_endpoint::Column::Id]
    }
}

impl Tenanted for webhook_delivery::Entity {
    const NOUN: &'static str = "webhook delivery";
    /// Deliveries to one's own organization's endpoints.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::all().add(webhook_delivery::Column::OrganizationId.eq(actor.org_id))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![webhook_delivery::Column::Id]
    }
}

fn description(text: Option<&str>) -> ApiResult<String> {
    let text = text.unwrap_or("").trim();
    if text.chars().count() > 500 {
        return Err(ApiError::bad_input(
            "description must have at most 500 characters",
        ));
    }
    Ok(text.to_owned())
}

fn event_list(events: &[WebhookEvent]) -> ApiResult<String> {
    if events.is_empty() {
        return Err(ApiError::bad_input(
            "subscribe the endpoint to at least one event",
        ));
    }
    let mut events = events.to_vec();
    events.sort_unstable();
    events.dedup();
    Ok(events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(","))
}

/// Whether `actor` manages `endpoint`: an admin every endpoint of the organization, an API
/// token those whose events it was all given.
fn manages(actor: &Actor, endpoint: &webhook_endpoint::Model) -> ApiResult<bool> {
    match actor.token_limits() {
        None => Ok(true),
        Some(limits) => Ok(parse_events(&endpoint.events)?
            .iter()
            .all(|e| limits.events.contains(e))),
    }
}

/// An endpoint `actor` manages; one it may not manage reads as missing, like a foreign one.
async fn managed(
    db: &impl sea_orm::ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<webhook_endpoint::Model> {
    let endpoint = actor.load::<webhook_endpoint::Entity>(db, id).await?;
    if manages(actor, &endpoint)? {
        Ok(endpoint)
    } else {
        Err(ApiError::NotFound("webhook endpoint"))
    }
}

/// Registers an endpoint; answers the row and its signing secret (shown once).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    url: &str,
    events: &[WebhookEvent],
    description_text: Option<&str>,
    meta: &AuditMeta,
) -> ApiResult<(webhook_endpoint::Model, String)> {
    authorize_webhooks(actor, events)?;
    let creator = match &actor.principal {
        Principal::User { id, .. } | Principal::ApiToken { id, .. } => *id,
    };
    let url = check_url(url, state.webhooks.allow_private()).await?;
    let events = event_list(events)?;
    let description = description(description_text)?;
    let secret = format!("{SECRET_PREFIX}{}", crate::auth::random_secret());
    let txn = begin_write(&state.db).await?;
    let existing = actor
        .select::<webhook_endpoint::Entity>()
        .all(&txn)
        .await?
        .len();
    if existing >= MAX_ENDPOINTS {
        return Err(ApiError::conflict(format!(
            "an organization has at most {MAX_ENDPOINTS} webhook endpoints"
        )));
    }
    let now = Utc::now().trunc_subsecs(6);
    let row = webhook_endpoint::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.org_id),
        url: Set(url.to_string()),
        description: Set(description),
        events: Set(events),
        secret: Set(secret.clone()),
        active: Set(true),
        created_by: Set(creator),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        Change::new("webhook.create", "WebhookEndpoint", row.id)
            .after(&json!({"url": row.url, "events": row.events, "description": row.description})),
    )
    .await?;
    txn.commit().await?;
    Ok((row, secret))
}

/// What an update changes; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct EndpointChanges<'a> {
    /// A new URL.
    pub url: Option<&'a str>,
    /// A new event list.
    pub events: Option<&'a [WebhookEvent]>,
    /// A new description.
    pub description: Option<&'a str>,
    /// Pause or resume.
    pub active: Option<bool>,
}

/// Changes an endpoint of the admin's organization.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    changes: EndpointChanges<'_>,
    meta: &AuditMeta,
) -> ApiResult<webhook_endpoint::Model> {
    authorize_webhooks(actor, changes.events.unwrap_or_default())?;
    let url = match changes.url {
        Some(url) => Some(check_url(url, state.webhooks.allow_private()).await?),
        None => None,
    };
    let events = changes.events.map(event_list).transpose()?;
    let description = changes
        .description
        .map(|d| description(Some(d)))
        .transpose()?;
    let txn = begin_write(&state.db).await?;
    let before = managed(&txn, actor, id).await?;
    let mut active: webhook_endpoint::ActiveModel = before.clone().into();
    if let Some(url) = url {
        active.url = Set(url.to_string());
    }
    if let Some(events) = events {
        active.events = Set(events);
    }
    if let Some(description) = description {
        active.description = Set(description);
    }
    if let Some(on) = changes.active {
        active.active = Set(on);
    }
    active.updated_at = Set(Utc::now().trunc_subsecs(6));
    let after = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("webhook.update", "WebhookEndpoint", after.id)
            .before(&json!({"url": before.url, "events": before.events, "description": before.description, "active": before.active}))
            .after(&json!({"url": after.url, "events": after.events, "description": after.description, "active": after.active})),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Removes an endpoint of the admin's organization with its deliveries.
pub async fn delete(state: &AppState, actor: &Actor, id: Uuid, meta: &AuditMeta) -> ApiResult<()> {
    authorize_webhooks(actor, &[])?;
    let txn = begin_write(&state.db).await?;
    let row = managed(&txn, actor, id).await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::EndpointId.eq(row.id))
        .exec(&txn)
        .await?;
    webhook_endpoint::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        meta,
        Change::new("webhook.delete", "WebhookEndpoint", row.id)
            .before(&json!({"url": row.url, "events": row.events, "description": row.description})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The organization's endpoints, oldest first.
pub async fn list(state: &AppState, actor: &Actor) -> ApiResult<Vec<webhook_endpoint::Model>> {
    authorize_webhooks(actor, &[])?;
    let rows = actor
        .select::<webhook_endpoint::Entity>()
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(&state.db)
        .await?;
    let mut mine = Vec::with_capacity(rows.len());
    for row in rows {
        if manages(actor, &row)? {
            mine.push(row);
        }
    }
    Ok(mine)
}

/// An endpoint's deliveries, newest first, each with its event's spelling.
pub async fn deliveries(
    state: &AppState,
    actor: &Actor,
    endpoint_id: Uuid,
    first: Option<i32>,
) -> ApiResult<Vec<(webhook_delivery::Model, String)>> {
    authorize_webhooks(actor, &[])?;
    let endpoint = managed(&state.db, actor, endpoint_id).await?;
    let limit = match first {
        None => 50,
        Some(n) if n >= 1 && (n as u64) <= MAX_LISTED => n as u64,
        Some(_) => {
            return Err(ApiError::bad_input(format!(
                "first must be 1 to {MAX_LISTED}"
            )))
        }
    };
    let rows = actor
        .select::<webhook_delivery::Entity>()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint.id))
        .order_by_desc(webhook_delivery::Column::EventId)
        .limit(limit)
        .all(&state.db)
        .await?;
    let event_ids: Vec<Uuid> = rows.iter().map(|r| r.event_id).collect();
    let events: HashMap<Uuid, String> = outbox_event::Entity::find()
        .filter(outbox_event::Column::Id.is_in(event_ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.event))
        .collect();
    rows.into_iter()
        .map(|row| {
            let event = events.get(&row.event_id).cloned().ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("delivery {} lost its event", row.id))
            })?;
            Ok((row, event))
        })
        .collect()
}

/// Queues a delivery again at once (whatever it came to), with a fresh three days of retries.
pub async fn redeliver(
    state: &AppState,
    actor: &Actor,
    delivery_id: Uuid,
    meta: &AuditMeta,
) -> ApiResult<(webhook_delivery::Model, String)> {
    authorize_webhooks(actor, &[])?;
    let txn = begin_write(&state.db).await?;
    let row = actor
        .load::<webhook_delivery::Entity>(&txn, delivery_id)
        .await?;
    managed(&txn, actor, row.endpoint_id).await?;
    let event = outbox_event::Entity::find_by_id(row.event_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("webhook delivery"))?;
    let now = state.webhooks.clock.now().trunc_subsecs(6);
    let before = row.status.clone();
    let mut active: webhook_delivery::ActiveModel = row.into();
    active.status = Set(WebhookDeliveryStatus::Pending.as_str().to_owned());
    active.next_attempt_at = Set(now);
    active.give_up_at = Set(now + crate::outbox::RETRY_FOR);
    active.delivered_at = Set(None);
    let after = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("webhook.redeliver", "WebhookDelivery", after.id)
            .before(&json!({"status": before}))
            .after(&json!({"status": after.status})),
    )
    .await?;
    txn.commit().await?;
    state.webhooks.wake();
    Ok((after, event.event))
}
