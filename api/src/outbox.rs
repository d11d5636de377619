//! The outbox: events written in the same transaction as the change they tell of, so an event
//! is sent if and only if its change was committed.
//!
//! Services call [`emit`] once per receiving organization (the tenant whose records changed, and
//! the partner that sees them) just before they commit. An event nobody subscribed to is not
//! stored; a subscribed one is stored once with one delivery row per subscribed endpoint, which
//! the webhook worker ([`crate::webhooks::worker`]) then works through.

use crate::entities::{outbox_event, webhook_delivery, webhook_endpoint};
use crate::error::ApiResult;
use crate::webhooks::model::{parse_events, WebhookDeliveryStatus, WebhookEvent};
use chrono::{SubsecRound, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use uuid::Uuid;

/// The version of the payload format; a breaking change gets a new one.
pub const PAYLOAD_VERSION: u32 = 1;

/// How long a failing delivery is retried before it is given up.
pub const RETRY_FOR: chrono::Duration = chrono::Duration::days(3);

/// Writes one event for `tenant` about `subject_id`, with `data` (small: ids and states to
/// fetch the rest by GraphQL). Call it with the transaction that makes the change.
pub async fn emit(
    txn: &impl ConnectionTrait,
    tenant: Uuid,
    event: WebhookEvent,
    subject_id: Uuid,
    data: Value,
) -> ApiResult<()> {
    emit_many(txn, tenant, event, &[(subject_id, data)]).await
}

/// [`emit`] for many subjects of one kind of event at once (one query for the endpoints, one
/// multi-row insert per table).
pub async fn emit_many(
    txn: &impl ConnectionTrait,
    tenant: Uuid,
    event: WebhookEvent,
    subjects: &[(Uuid, Value)],
) -> ApiResult<()> {
    if subjects.is_empty() {
        return Ok(());
    }
    let mut endpoints = Vec::new();
    for endpoint in webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::OrganizationId.eq(tenant))
        .filter(webhook_endpoint::Column::Active.eq(true))
        .all(txn)
        .await?
    {
        if parse_events(&endpoint.events)?.contains(&event) {
            endpoints.push(endpoint.id);
        }
    }
    if endpoints.is_empty() {
        return Ok(());
    }
    let now = Utc::now().trunc_subsecs(6);
    let mut events = Vec::with_capacity(subjects.len());
    let mut deliveries = Vec::with_capacity(subjects.len() * endpoints.len());
    for (subject_id, data) in subjects {
        let id = Uuid::now_v7();
        let payload = json!({
            "version": PAYLOAD_VERSION,
            "id": id,
            "type": event.as_str(),
            "createdAt": now,
            "organizationId": tenant,
            "subject": {"type": event.subject_type(), "id": subject_id},
            "data": data,
        });
        events.push(outbox_event::ActiveModel {
            id: Set(id),
            organization_id: Set(tenant),
            event: Set(event.as_str().to_owned()),
            subject_type: Set(event.subject_type().to_owned()),
            subject_id: Set(*subject_id),
            payload: Set(payload.to_string()),
            created_at: Set(now),
        });
        for endpoint_id in &endpoints {
            deliveries.push(webhook_delivery::ActiveModel {
                id: Set(Uuid::now_v7()),
                endpoint_id: Set(*endpoint_id),
                event_id: Set(id),
                organization_id: Set(tenant),
                subject_id: Set(*subject_id),
                status: Set(WebhookDeliveryStatus::Pending.as_str().to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(now),
                give_up_at: Set(now + RETRY_FOR),
                last_attempt_at: Set(None),
                response_code: Set(None),
                last_error: Set(None),
                delivered_at: Set(None),
                created_at: Set(now),
            });
        }
    }
    for chunk in events.chunks(500) {
        outbox_event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    for chunk in deliveries.chunks(500) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// [`emit`] to each of `tenants` (each once): the owner of the record and the partner that
/// sees it.
pub async fn emit_to(
    txn: &impl ConnectionTrait,
    tenants: &[Uuid],
    event: WebhookEvent,
    subject_id: Uuid,
    data: Value,
) -> ApiResult<()> {
    let mut seen = Vec::with_capacity(tenants.len());
    for tenant in tenants {
        if !seen.contains(tenant) {
            seen.push(*tenant);
            emit(txn, *tenant, event, subject_id, data.clone()).await?;
        }
    }
    Ok(())
}

/// [`emit_many`] to both parties of a build (its EMS, then its OEM), for records of that build.
pub async fn emit_for_build(
    txn: &impl ConnectionTrait,
    build_id: Uuid,
    event: WebhookEvent,
    subjects: &[(Uuid, Value)],
) -> ApiResult<()> {
    let Some(build) = crate::entities::build::Entity::find_by_id(build_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    emit_many(txn, build.ems_id, event, subjects).await?;
    emit_many(txn, build.oem_id, event, subjects).await
}
