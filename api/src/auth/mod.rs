//! Who is calling: turns an `Authorization: Bearer …` header into an [`Actor`].
//!
//! Two kinds of bearer credential exist: access tokens (JWTs issued by `login`) and API tokens
//! (secrets starting with [`API_TOKEN_PREFIX`]). Both are checked against the database on every
//! request, so a deactivated user or a revoked token stops working at once.

pub mod jwt;
pub mod password;
pub mod throttle;

use crate::entities::api_token;
use crate::error::{ApiError, ApiResult};
use crate::tenancy::{Actor, Principal, TokenLimits};
use chrono::Utc;
use firstpass_shared::domain::{Capability, OrgKind, Role, Scope};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Every API token secret starts with this, so it cannot be mistaken for a JWT.
pub const API_TOKEN_PREFIX: &str = "fpat_";

/// Hex SHA-256 of a high-entropy secret (refresh tokens, API tokens). Such secrets need no slow
/// hash: they cannot be guessed, and a fast one allows lookup by hash.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A fresh random secret: 32 bytes, URL-safe base64.
pub fn random_secret() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The outcome of reading a request's credentials.
#[derive(Debug, Clone)]
pub enum Authentication {
    /// No `Authorization` header.
    Anonymous,
    /// A header was sent but does not identify an active principal.
    Invalid,
    /// A valid principal.
    Authenticated(Actor),
}

impl Authentication {
    /// The actor, when the credential identified one.
    pub fn actor(&self) -> Option<&Actor> {
        match self {
            Authentication::Authenticated(actor) => Some(actor),
            Authentication::Anonymous | Authentication::Invalid => None,
        }
    }
}

/// Resolves the bearer credential of a request, if any.
pub async fn authenticate(
    db: &DatabaseConnection,
    keys: &jwt::JwtKeys,
    authorization: Option<&str>,
) -> ApiResult<Authentication> {
    let Some(header) = authorization else {
        return Ok(Authentication::Anonymous);
    };
    let Some(credential) = header.strip_prefix("Bearer ").map(str::trim) else {
        return Ok(Authentication::Invalid);
    };
    let actor = if credential.starts_with(API_TOKEN_PREFIX) {
        api_token_actor(db, credential).await?
    } else {
        access_token_actor(db, keys, credential).await?
    };
    Ok(actor.map_or(Authentication::Invalid, Authentication::Authenticated))
}

/// What a request needs to know of a signed-in user: no password hash, no profile.
#[derive(Debug, FromQueryResult)]
struct UserPrincipal {
    id: Uuid,
    email: String,
    role: String,
    active: bool,
    organization_id: Uuid,
    org_kind: String,
}

/// What a request needs to know of an API token: no secret hash.
#[derive(Debug, FromQueryResult)]
struct TokenPrincipal {
    id: Uuid,
    name: String,
    scopes: String,
    capabilities: String,
    events: String,
    organization_id: Uuid,
    revoked_at: Option<chrono::DateTime<Utc>>,
    expires_at: Option<chrono::DateTime<Utc>>,
    last_used_at: Option<chrono::DateTime<Utc>>,
    org_kind: String,
}

/// `lastUsedAt` of an API token is written at most this often, so busy integrations do not
/// turn every read into a write.
const LAST_USED_RESOLUTION: chrono::Duration = chrono::Duration::seconds(60);

async fn access_token_actor(
    db: &DatabaseConnection,
    keys: &jwt::JwtKeys,
    token: &str,
) -> ApiResult<Option<Actor>> {
    let Ok(claims) = keys.verify(token) else {
        return Ok(None);
    };
    let found = UserPrincipal::find_by_statement(crate::db::statement(
        db.get_database_backend(),
        "SELECT u.id, u.email, u.role, u.active, u.organization_id, o.kind AS org_kind \
         FROM users u JOIN organizations o ON o.id = u.organization_id WHERE u.id = ?",
        vec![claims.sub.into()],
    ))
    .one(db)
    .await?;
    let Some(user) = found else {
        return Ok(None);
    };
    if !user.active || user.organization_id != claims.org {
        return Ok(None);
    }
    Ok(Some(Actor {
        org_id: user.organization_id,
        org_kind: parse_kind(&user.org_kind)?,
        principal: Principal::User {
            id: user.id,
            email: user.email,
            role: parse_role(&user.role)?,
        },
    }))
}

async fn api_token_actor(db: &DatabaseConnection, secret: &str) -> ApiResult<Option<Actor>> {
    let found = TokenPrincipal::find_by_statement(crate::db::statement(
        db.get_database_backend(),
        "SELECT t.id, t.name, t.scopes, t.capabilities, t.events, t.organization_id, \
         t.revoked_at, t.expires_at, \
         t.last_used_at, o.kind AS org_kind \
         FROM api_tokens t JOIN organizations o ON o.id = t.organization_id \
         WHERE t.secret_hash = ?",
        vec![secret_hash(secret).into()],
    ))
    .one(db)
    .await?;
    let Some(token) = found else {
        return Ok(None);
    };
    let now = Utc::now();
    if token.revoked_at.is_some() || token.expires_at.is_some_and(|at| at <= now) {
        return Ok(None);
    }
    let actor = Actor {
        org_id: token.organization_id,
        org_kind: parse_kind(&token.org_kind)?,
        principal: Principal::ApiToken {
            id: token.id,
            name: token.name,
            scopes: parse_scopes(&token.scopes)?,
            limits: TokenLimits {
                grants: parse_grants(&token.capabilities)?,
                events: crate::webhooks::model::parse_events(&token.events)?,
            },
        },
    };
    if token
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_RESOLUTION)
    {
        // Best effort: a failure here must not refuse the request.
        let recorded = api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(token.id))
            .exec(db)
            .await;
        if let Err(err) = recorded {
            tracing::warn!(error = %err, "could not record API token use");
        }
    }
    Ok(Some(actor))
}

/// Parses a stored comma-separated scope list.
pub fn parse_scopes(text: &str) -> ApiResult<Vec<Scope>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Scope>().map_err(ApiError::internal))
        .collect()
}

/// Parses stored `CAPABILITY:SCOPE` grants.
pub fn parse_grants(text: &str) -> ApiResult<BTreeMap<Capability, Scope>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|grant| {
            let (capability, scope) = grant
                .split_once(':')
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("bad grant {grant:?}")))?;
            Ok((
                capability.parse().map_err(ApiError::internal)?,
                scope.parse().map_err(ApiError::internal)?,
            ))
        })
        .collect()
}

/// Parses a stored organization kind.
pub fn parse_kind(text: &str) -> ApiResult<OrgKind> {
    text.parse::<OrgKind>().map_err(ApiError::internal)
}

/// Parses a stored role.
pub fn parse_role(text: &str) -> ApiResult<Role> {
    text.parse::<Role>().map_err(ApiError::internal)
}
