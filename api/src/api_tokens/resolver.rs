//! GraphQL types, queries and mutations of API tokens.

use super::service;
use crate::auth::parse_scopes;
use crate::context::ContextExt;
use crate::entities::api_token;
use crate::error::ApiResult;
use crate::ids::parse_id;
use async_graphql::{Context, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
pub use firstpass_shared::domain::Scope;
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
            name: model.name,
            expires_at: model.expires_at,
            last_used_at: model.last_used_at,
            revoked_at: model.revoked_at,
            created_at: model.created_at,
        })
    }
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
    ) -> Result<CreatedApiToken> {
        let actor = ctx.writer()?;
        let scopes: Vec<_> = scopes.into_iter().collect();
        let (token, secret) = service::create(
            &ctx.state().db,
            actor,
            &DisplayName::parse(&name)?,
            &scopes,
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
