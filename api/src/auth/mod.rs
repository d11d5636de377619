//! Who is calling: turns an `Authorization: Bearer …` header into an [`Actor`].
//!
//! Two kinds of bearer credential exist: access tokens (JWTs issued by `login`) and API tokens
//! (secrets starting with [`API_TOKEN_PREFIX`]). Both are checked against the database on every
//! request, so a deactivated user or a revoked token stops working at once.

pub mod jwt;
pub mod password;
pub mod throttle;

use crate::entities::{api_token, organization, user};
use crate::error::{ApiError, ApiResult};
use crate::tenancy::{Actor, Principal};
use chrono::Utc;
use firstpass_shared::domain::{OrgKind, Role, Scope};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use sha2::{Digest, Sha256};

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

async fn access_token_actor(
    db: &DatabaseConnection,
    keys: &jwt::JwtKeys,
    token: &str,
) -> ApiResult<Option<Actor>> {
    let Ok(claims) = keys.verify(token) else {
        return Ok(None);
    };
    let Some(user) = user::Entity::find_by_id(claims.sub).one(db).await? else {
        return Ok(None);
    };
    if !user.active || user.organization_id != claims.org {
        return Ok(None);
    }
    let Some(org) = organization::Entity::find_by_id(user.organization_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Actor::for_user(&user, &org)?))
}

async fn api_token_actor(db: &DatabaseConnection, secret: &str) -> ApiResult<Option<Actor>> {
    let Some(token) = api_token::Entity::find()
        .filter(api_token::Column::SecretHash.eq(secret_hash(secret)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if token.revoked_at.is_some() || token.expires_at.is_some_and(|at| at <= now) {
        return Ok(None);
    }
    let Some(org) = organization::Entity::find_by_id(token.organization_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let scopes = parse_scopes(&token.scopes)?;
    let actor = Actor {
        org_id: org.id,
        org_kind: parse_kind(&org.kind)?,
        principal: Principal::ApiToken {
            id: token.id,
            name: token.name.clone(),
            scopes,
        },
    };
    // Recording the last use is best effort: a failure here must not refuse the request.
    let mut active: api_token::ActiveModel = token.into();
    active.last_used_at = Set(Some(now));
    if let Err(err) = active.update(db).await {
        tracing::warn!(error = %err, "could not record API token use");
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

/// Parses a stored organization kind.
pub fn parse_kind(text: &str) -> ApiResult<OrgKind> {
    text.parse::<OrgKind>().map_err(ApiError::internal)
}

/// Parses a stored role.
pub fn parse_role(text: &str) -> ApiResult<Role> {
    text.parse::<Role>().map_err(ApiError::internal)
}
