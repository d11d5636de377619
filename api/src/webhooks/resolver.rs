//! GraphQL queries and mutations of webhooks.

use super::model::{CreatedWebhookEndpoint, WebhookDelivery, WebhookEndpoint, WebhookEvent};
use super::service::{self, EndpointChanges};
use crate::context::ContextExt;
use crate::error::ApiResult;
use crate::ids::parse_id;
use async_graphql::{Context, Object, Result, ID};

/// Webhook queries.
#[derive(Default)]
pub struct WebhooksQuery;

#[Object]
impl WebhooksQuery {
    /// The organization's webhook endpoints, oldest first, without secrets (org admins).
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> Result<Vec<WebhookEndpoint>> {
        let actor = ctx.reader()?;
        let rows = service::list(ctx.state(), actor).await?;
        Ok(rows
            .into_iter()
            .map(WebhookEndpoint::from_model)
            .collect::<ApiResult<_>>()?)
    }

    /// An endpoint's deliveries, newest event first (`first` 1–500, default 50), with status,
    /// attempts and the receiver's last response code (org admins).
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        endpoint_id: ID,
        first: Option<i32>,
    ) -> Result<Vec<WebhookDelivery>> {
        let actor = ctx.reader()?;
        let id = parse_id(&endpoint_id, "webhook endpoint")?;
        let rows = service::deliveries(ctx.state(), actor, id, first).await?;
        Ok(rows
            .into_iter()
            .map(|(row, event)| WebhookDelivery::from_model(row, &event))
            .collect::<ApiResult<_>>()?)
    }
}

/// Webhook mutations.
#[derive(Default)]
pub struct WebhooksMutation;

#[Object]
impl WebhooksMutation {
    /// Registers a URL to receive the organization's `events`, signed with a new secret that
    /// the answer shows once (org admins). Loopback, private and link-local addresses are
    /// refused.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        url: String,
        events: Vec<WebhookEvent>,
        description: Option<String>,
    ) -> Result<CreatedWebhookEndpoint> {
        let actor = ctx.writer()?;
        let (row, secret) = service::create(
            ctx.state(),
            actor,
            &url,
            &events,
            description.as_deref(),
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(CreatedWebhookEndpoint {
            endpoint: WebhookEndpoint::from_model(row)?,
            secret,
        })
    }

    /// Changes an endpoint's URL, events, description or whether it is active; omitted
    /// arguments stay as they are (org admins).
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
        url: Option<String>,
        events: Option<Vec<WebhookEvent>>,
        description: Option<String>,
        active: Option<bool>,
    ) -> Result<WebhookEndpoint> {
        let actor = ctx.writer()?;
        let id = parse_id(&id, "webhook endpoint")?;
        let row = service::update(
            ctx.state(),
            actor,
            id,
            EndpointChanges {
                url: url.as_deref(),
                events: events.as_deref(),
                description: description.as_deref(),
                active,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(WebhookEndpoint::from_model(row)?)
    }

    /// Removes an endpoint and its deliveries; answers true (org admins).
    async fn delete_webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let actor = ctx.writer()?;
        let id = parse_id(&id, "webhook endpoint")?;
        service::delete(ctx.state(), actor, id, &ctx.audit_meta(actor)).await?;
        Ok(true)
    }

    /// Sends a delivery again now, whatever became of it, with three fresh days of retries
    /// (org admins). The payload and its `id` are the same as before.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        delivery_id: ID,
    ) -> Result<WebhookDelivery> {
        let actor = ctx.writer()?;
        let id = parse_id(&delivery_id, "webhook delivery")?;
        let (row, event) =
            service::redeliver(ctx.state(), actor, id, &ctx.audit_meta(actor)).await?;
        Ok(WebhookDelivery::from_model(row, &event)?)
    }
}
