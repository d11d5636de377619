//! Creating, listing and revoking API tokens. Secrets are shown once and stored as hashes.

use crate::audit::{self, AuditMeta, Change};
use crate::auth::{random_secret, secret_hash, API_TOKEN_PREFIX};
use crate::db::begin_write;
use crate::entities::api_token;
use crate::error::{ApiError, ApiResult};
use crate::policy::{authorize, Action};
use crate::tenancy::{Actor, TokenLimits};
use chrono::{DateTime, Utc};
use firstpass_shared::domain::Scope;
use firstpass_shared::text::DisplayName;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, QueryOrder};
use serde_json::json;
use uuid::Uuid;

/// Creates a token for the admin's organization; returns the row and the secret (shown once).
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &DisplayName,
    scopes: &[Scope],
    limits: &TokenLimits,
    expires_at: Option<DateTime<Utc>>,
    meta: &AuditMeta,
) -> ApiResult<(api_token::Model, String)> {
    authorize(actor, Action::ManageApiTokens)?;
    let creator = actor
        .user_id()
        .ok_or_else(|| ApiError::forbidden("API tokens may not create tokens"))?;
    let name = name.as_str();
    if scopes.is_empty() {
        return Err(ApiError::bad_input("give the token at least one scope"));
    }
    if expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(ApiError::bad_input("expiresAt must be in the future"));
    }
    if let Some((capability, scope)) = limits.grants.iter().find(|(_, s)| !scopes.contains(s)) {
        return Err(ApiError::bad_input(format!(
            "{scope} on {capability} needs the {scope} scope too: the scopes say what the token \
             may do, the capabilities where"
        )));
    }
    let mut scope_list: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    scope_list.sort_unstable();
    scope_list.dedup();
    let grants: Vec<String> = limits
        .grants
        .iter()
        .map(|(capability, scope)| format!("{capability}:{scope}"))
        .collect();
    let mut events: Vec<&str> = limits.events.iter().map(|e| e.as_str()).collect();
    events.sort_unstable();
    events.dedup();
    let secret = format!("{API_TOKEN_PREFIX}{}", random_secret());
    let txn = begin_write(db).await?;
    let token = api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.org_id),
        name: Set(name.to_owned()),
        secret_hash: Set(secret_hash(&secret)),
        scopes: Set(scope_list.join(",")),
        capabilities: Set(grants.join(",")),
        events: Set(events.join(",")),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        created_by: Set(creator),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        Change::new("api_token.create", "ApiToken", token.id).after(
            &json!({"name": token.name, "scopes": token.scopes, "capabilities": token.capabilities,
                "events": token.events, "expiresAt": token.expires_at}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok((token, secret))
}

/// Revokes a token of the admin's organization; idempotent.
pub async fn revoke(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    meta: &AuditMeta,
) -> ApiResult<api_token::Model> {
    authorize(actor, Action::ManageApiTokens)?;
    let txn = begin_write(db).await?;
    let before = actor.load::<api_token::Entity>(&txn, id).await?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    let mut active: api_token::ActiveModel = before.clone().into();
    active.revoked_at = Set(Some(Utc::now()));
    let after = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("api_token.revoke", "ApiToken", after.id)
            .before(&json!({"revokedAt": before.revoked_at}))
            .after(&json!({"revokedAt": after.revoked_at})),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The organization's tokens, newest first (admins only).
pub async fn list(db: &DatabaseConnection, actor: &Actor) -> ApiResult<Vec<api_token::Model>> {
    authorize(actor, Action::ManageApiTokens)?;
    Ok(actor
        .select::<api_token::Entity>()
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}
