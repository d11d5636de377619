//! The audit trail: every mutation appends an event in the same transaction as its change.

pub mod resolver;

use crate::entities::audit_event;
use crate::error::ApiResult;
use crate::tenancy::{Actor, Principal};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use serde::Serialize;
use uuid::Uuid;

/// Who acted and in which request: everything an event needs besides the change itself.
#[derive(Debug, Clone)]
pub struct AuditMeta {
    /// The organization whose trail receives the event.
    pub org_id: Uuid,
    /// The acting user, if a person acted.
    pub user_id: Option<Uuid>,
    /// The acting API token, if an integration acted.
    pub token_id: Option<Uuid>,
    /// Readable actor label.
    pub label: String,
    /// The request id, to join the log.
    pub request_id: Option<String>,
}

impl AuditMeta {
    /// Metadata for a change made by `actor` in request `request_id`.
    pub fn for_actor(actor: &Actor, request_id: Option<String>) -> Self {
        let (user_id, token_id) = match &actor.principal {
            Principal::User { id, .. } => (Some(*id), None),
            Principal::ApiToken { id, .. } => (None, Some(*id)),
        };
        Self {
            org_id: actor.org_id,
            user_id,
            token_id,
            label: actor.label(),
            request_id,
        }
    }

    /// Metadata for a change made from the command line, outside any request.
    pub fn system(org_id: Uuid) -> Self {
        Self {
            org_id,
            user_id: None,
            token_id: None,
            label: "command line".to_owned(),
            request_id: None,
        }
    }
}

/// One change to record.
#[derive(Debug)]
pub struct Change<'a> {
    /// Dotted action name, e.g. `user.create`.
    pub action: &'a str,
    /// The kind of record changed, e.g. `User`.
    pub subject_type: &'a str,
    /// The id of the record changed.
    pub subject_id: String,
    /// The record before, serialized.
    pub before: Option<serde_json::Value>,
    /// The record after, serialized.
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    /// A change with no before/after snapshot.
    pub fn new(action: &'a str, subject_type: &'a str, subject_id: impl ToString) -> Self {
        Self {
            action,
            subject_type,
            subject_id: subject_id.to_string(),
            before: None,
            after: None,
        }
    }

    /// Adds the record's state before the change.
    pub fn before(mut self, value: &impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    /// Adds the record's state after the change.
    pub fn after(mut self, value: &impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

/// Appends an event; call it with the transaction that makes the change.
pub async fn record(
    db: &impl ConnectionTrait,
    meta: &AuditMeta,
    change: Change<'_>,
) -> ApiResult<()> {
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(meta.org_id),
        actor_user_id: Set(meta.user_id),
        actor_token_id: Set(meta.token_id),
        actor_label: Set(meta.label.clone()),
        action: Set(change.action.to_owned()),
        subject_type: Set(change.subject_type.to_owned()),
        subject_id: Set(change.subject_id),
        before: Set(change.before.map(|v| v.to_string())),
        after: Set(change.after.map(|v| v.to_string())),
        request_id: Set(meta.request_id.clone()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}
