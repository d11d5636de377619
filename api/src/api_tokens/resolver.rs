//! GraphQL types, queries and mutations of API tokens.

use super::service;
use crate::auth::{parse_grants, parse_scopes};
use crate::context::ContextExt;
use crate::entities::api_token;
use crate::error::ApiResult;
use crate::ids::parse_id;
use crate::tenancy::TokenLimits;
use crate::webhooks::model::{parse_events, WebhookEvent};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
pub use firstpass_shared::domain::{Capability, Scope};
use firstpass_shared::text::DisplayName;

/// An API token, without its secret.
#[derive(SimpleObject, Clone, Debug)]
pub struct ApiToken {
    /// Unique id.
    pub id: ID,
    /// Label chosen by the admin.
    pub name: String,
    /// What the token may do.
    pub scopes: Vec<Scope>,
    /// Where it may do it: READ or WRITE per capability; empty, its scopes hold everywhere.
    pub capabilities: Vec<CapabilityGrant>,
    /// The webhook events whose endpoints it may register and manage.
    pub events: Vec<WebhookEvent>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it last authenticated a request.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl ApiToken {
    fn from_model(model: api_token::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ID(model.id.to_string()),
            scopes: parse_scopes(&model.scopes)?.into_iter().collect(),
            capabilities: parse_grants(&model.capabilities)?
                .into_iter()
                .map(|(capability, scope)| CapabilityGrant { capability, scope })
                .collect(),
            events: parse_events(&model.events)?,
            name: model.name,
            expires_at: model.expires_at,
            last_used_at: model.last_used_at,
            revoked_at: model.revoked_at,
            created_at: model.created_at,
        })
    }
}

/// READ or WRITE on one capability.
#[derive(SimpleObject, InputObject, Clone, Copy, Debug)]
#[graphql(input_name = "CapabilityGrantInput")]
pub struct CapabilityGrant {
    /// The area of the API.
    pub capability: Capability,
    /// READ, or WRITE (which includes READ).
    pub scope: Scope,
}

/// A token just created, with its secret: the only time the secret is shown.
#[derive(SimpleObject, Clone, Debug)]
pub struct CreatedApiToken {
    /// The token.
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <secret>`. Store it now: it cannot be shown again.
    pub secret: String,
}

/// API token queries.
#[derive(Default)]
pub struct ApiTokensQuery;

#[Object]
impl ApiTokensQuery {
    /// The organization's API tokens, newest first, without secrets (org admins).
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<Vec<ApiToken>> {
        let actor = ctx.reader()?;
        let rows = service::list(&ctx.state().db, actor).await?;
        Ok(rows
            .into_iter()
            .map(ApiToken::from_model)
            .collect::<ApiResult<_>>()?)
    }
}

/// API token mutations.
#[derive(Default)]
pub struct ApiTokensMutation;

#[Object]
impl ApiTokensMutation {
    /// Creates a token for the admin's organization; the secret is in the answer, once.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        name: String,
        scopes: Vec<Scope>,
        expires_at: Option<DateTime<Utc>>,
        #[graphql(
            default,
            desc = "Where the token may act: READ or WRITE per capability (each within its \
                    scopes); none, the scopes hold for every capability."
        )]
        capabilities: Vec<CapabilityGrant>,
        #[graphql(
            default,
            desc = "The webhook events whose endpoints the token may register and manage \
                    (with WRITE); none, it manages no webhooks."
        )]
        events: Vec<WebhookEvent>,
    ) -> Result<CreatedApiToken> {
        let actor = ctx.writer()?;
        let scopes: Vec<_> = scopes.into_iter().collect();
        let limits = TokenLimits {
            grants: capabilities
                .into_iter()
                .map(|g| (g.capability, g.scope))
                .collect(),
            events,
        };
        let (token, secret) = service::create(
            &ctx.state().db,
            actor,
            &DisplayName::parse(&name)?,
            &scopes,
            &limits,
            expires_at,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(CreatedApiToken {
            token: ApiToken::from_model(token)?,
            secret,
        })
    }

    /// Revokes a token of the admin's organization; it stops working at once.
    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> Result<ApiToken> {
        let actor = ctx.writer()?;
        let id = parse_id(&id, "API token")?;
        let token = service::revoke(&ctx.state().db, actor, id, &ctx.audit_meta(actor)).await?;
        Ok(ApiToken::from_model(token)?)
    }
}
