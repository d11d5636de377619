//! The `auditEvents` query: an org admin pages through its organization's trail.

use crate::context::ContextExt;
use crate::entities::audit_event;
use crate::error::ApiError;
use crate::pagination::{clamp_first, decode_cursor, page};
use crate::policy::{authorize, Action};
use async_graphql::{Context, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

/// One recorded change.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuditEvent {
    /// Unique id.
    pub id: ID,
    /// Who acted: an e-mail, an API token's name, or "command line".
    pub actor: String,
    /// The acting user's id, when a person acted.
    pub actor_user_id: Option<ID>,
    /// Dotted action name, e.g. `user.create`.
    pub action: String,
    /// The kind of record changed.
    pub subject_type: String,
    /// The id of the record changed.
    pub subject_id: String,
    /// The record before the change, as JSON text.
    pub before: Option<String>,
    /// The record after the change, as JSON text.
    pub after: Option<String>,
    /// The request that made the change.
    pub request_id: Option<String>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

impl From<audit_event::Model> for AuditEvent {
    fn from(m: audit_event::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            actor: m.actor_label,
            actor_user_id: m.actor_user_id.map(|id| ID(id.to_string())),
            action: m.action,
            subject_type: m.subject_type,
            subject_id: m.subject_id,
            before: m.before,
            after: m.after,
            request_id: m.request_id,
            created_at: m.created_at,
        }
    }
}

crate::connection!(
    AuditEventConnection,
    AuditEventEdge,
    AuditEvent,
    "audit events"
);

/// Audit queries.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The caller's organization's audit trail, newest first (org admins).
    /// `first` defaults to 20 and is at most 100; `after` is a cursor from a previous page.
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        let actor = ctx.reader()?;
        authorize(actor, Action::ReadAudit)?;
        let limit = clamp_first(first)?;
        let mut select = actor.select::<audit_event::Entity>();
        if let Some(cursor) = after.as_deref() {
            select = select.filter(audit_event::Column::Id.lt(decode_cursor(cursor)?));
        }
        let rows = select
            .order_by_desc(audit_event::Column::Id)
            .limit(limit + 1)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        let (info, rows) = page(rows, limit, after.is_some(), |row| row.id);
        Ok(AuditEventConnection::new(
            info,
            rows.into_iter()
                .map(|(c, row)| (c, AuditEvent::from(row)))
                .collect(),
        ))
    }
}
