//! GraphQL queries and mutations of CFX endpoints and messages.

use super::service;
use crate::context::ContextExt;
use crate::entities::{cfx_endpoint, cfx_message};
use crate::error::ApiError;
use crate::ids::parse_id;
use async_graphql::{Context, Json, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use firstpass_shared::text::DisplayName;

/// A CFX endpoint mapped to a station.
#[derive(SimpleObject, Clone, Debug)]
pub struct CfxEndpoint {
    /// Unique id.
    pub id: ID,
    /// The handle its messages name as `Source`.
    pub handle: String,
    /// The routing station its results are recorded at.
    pub station: String,
    /// The API token it must send with.
    pub api_token_id: ID,
    /// When it was mapped.
    pub created_at: DateTime<Utc>,
}

impl From<cfx_endpoint::Model> for CfxEndpoint {
    fn from(row: cfx_endpoint::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            handle: row.handle,
            station: row.station,
            api_token_id: ID(row.api_token_id.to_string()),
            created_at: row.created_at,
        }
    }
}

/// A CFX message received.
#[derive(SimpleObject, Clone, Debug)]
pub struct CfxMessage {
    /// Unique id (Firstpass's).
    pub id: ID,
    /// The message's `UniqueID`.
    pub unique_id: String,
    /// The sending endpoint's handle.
    pub source: String,
    /// The message's `MessageName`.
    pub message_name: String,
    /// `APPLIED`, `ACKNOWLEDGED` or `DEAD`.
    pub status: String,
    /// Why a dead letter could not be applied.
    pub reason: Option<String>,
    /// Times it was applied or tried.
    pub attempts: i32,
    /// The message as received (or as last corrected).
    pub message: Json<serde_json::Value>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// When it was last tried.
    pub updated_at: DateTime<Utc>,
}

impl From<cfx_message::Model> for CfxMessage {
    fn from(row: cfx_message::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            message: Json(serde_json::from_str(&row.body).unwrap_or_default()),
            unique_id: row.unique_id,
            source: row.source,
            message_name: row.message_name,
            status: row.status,
            reason: row.reason,
            attempts: row.attempts,
            received_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// CFX queries.
#[derive(Default)]
pub struct CfxQuery;

#[Object]
impl CfxQuery {
    /// The EMS's CFX endpoint mappings (program managers and admins).
    async fn cfx_endpoints(&self, ctx: &Context<'_>) -> Result<Vec<CfxEndpoint>> {
        let actor = ctx.reader()?;
        let rows = service::endpoints(ctx.state(), actor).await?;
        Ok(rows.into_iter().map(CfxEndpoint::from).collect())
    }

    /// CFX messages received by the EMS with `status` (default `DEAD`: the dead-letter list),
    /// newest first, at most `first` (1–500, default 100).
    async fn cfx_messages(
        &self,
        ctx: &Context<'_>,
        status: Option<String>,
        first: Option<i32>,
    ) -> Result<Vec<CfxMessage>> {
        let actor = ctx.reader()?;
        let first = match first {
            None => 100,
            Some(n) if (1..=500).contains(&n) => n as u64,
            Some(_) => return Err(ApiError::bad_input("first must be 1 to 500").into()),
        };
        let rows = service::messages(ctx.state(), actor, status.as_deref(), first).await?;
        Ok(rows.into_iter().map(CfxMessage::from).collect())
    }
}

/// CFX mutations.
#[derive(Default)]
pub struct CfxMutation;

#[Object]
impl CfxMutation {
    /// Maps a CFX endpoint handle to a station of the EMS's routings and authorizes it with one
    /// of the EMS's API tokens (program managers and admins). Mapping a handle again remaps it.
    async fn map_cfx_endpoint(
        &self,
        ctx: &Context<'_>,
        handle: String,
        station: String,
        api_token_id: ID,
    ) -> Result<CfxEndpoint> {
        let actor = ctx.writer()?;
        let token = parse_id(&api_token_id, "API token")?;
        let row = service::map_endpoint(
            ctx.state(),
            actor,
            &handle,
            &DisplayName::parse(&station)?,
            token,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.into())
    }

    /// Applies a dead letter again, as received or corrected (`message`, with the same
    /// `UniqueID` and `Source`); answers it with its new status and reason.
    async fn replay_cfx_message(
        &self,
        ctx: &Context<'_>,
        id: ID,
        message: Option<Json<serde_json::Value>>,
    ) -> Result<CfxMessage> {
        let actor = ctx.writer()?;
        let id = parse_id(&id, "CFX message")?;
        let row = service::replay(
            ctx.state(),
            actor,
            id,
            message.as_ref().map(|m| &m.0),
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.into())
    }
}
