//! Account rules: organizations, partnerships, users, sign-in, sessions and passwords.
//!
//! Used by the GraphQL resolvers and by the command line alike, so both obey the same rules
//! and write the same audit events.

use crate::accounts::model::UserSnapshot;
use crate::audit::{self, AuditMeta, Change};
use crate::auth::{password, random_secret, secret_hash};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{organization, partnership, refresh_token, user};
use crate::error::{conflict_on_duplicate, ApiError, ApiResult};
use crate::policy::{authorize, Action};
use crate::tenancy::Actor;
use chrono::{DateTime, Duration, Utc};
use firstpass_shared::domain::{check_password_policy, OrgKind, Role};
use firstpass_shared::text::DisplayName;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter,
};
use serde_json::json;
use std::net::IpAddr;
use uuid::Uuid;

/// How long a refresh token (and so a session without activity) lives.
pub const REFRESH_TOKEN_TTL: Duration = Duration::days(30);

/// A signed-in session, as issued by [`login`] or [`refresh`].
#[derive(Debug, Clone)]
pub struct Session {
    /// The JWT access token.
    pub access_token: String,
    /// The one-use refresh secret.
    pub refresh_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// The user.
    pub user: user::Model,
}

/// Normalizes an e-mail for storage and lookup; refuses what is obviously not one.
pub fn normalize_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 320
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err(ApiError::bad_input("the e-mail address is not valid"))
    }
}

/// Creates an organization (command line only: there is no self-service sign-up).
pub async fn create_organization(
    db: &DatabaseConnection,
    name: &DisplayName,
    kind: OrgKind,
) -> ApiResult<organization::Model> {
    let name = name.to_string();
    let txn = begin_write(db).await?;
    let org = organization::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.clone()),
        kind: Set(kind.into()),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        conflict_on_duplicate(
            e,
            format!("an organization named \"{name}\" already exists"),
        )
    })?;
    audit::record(
        &txn,
        &AuditMeta::system(org.id),
        Change::new("organization.create", "Organization", org.id)
            .after(&json!({"name": org.name, "kind": org.kind})),
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// Finds an organization by its exact name.
pub async fn organization_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> ApiResult<organization::Model> {
    organization::Entity::find()
        .filter(organization::Column::Name.eq(name.trim()))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("organization"))
}

/// Links an OEM to an EMS provider; both must exist and be of the right kinds.
pub async fn create_partnership(
    db: &DatabaseConnection,
    oem_name: &str,
    ems_name: &str,
) -> ApiResult<partnership::Model> {
    let oem = organization_by_name(db, oem_name).await?;
    let ems = organization_by_name(db, ems_name).await?;
    if oem.kind.parse() != Ok(OrgKind::Oem) {
        return Err(ApiError::bad_input(format!(
            "\"{}\" is not an OEM",
            oem.name
        )));
    }
    if ems.kind.parse() != Ok(OrgKind::Ems) {
        return Err(ApiError::bad_input(format!(
            "\"{}\" is not an EMS provider",
            ems.name
        )));
    }
    let txn = begin_write(db).await?;
    let link = partnership::ActiveModel {
        id: Set(Uuid::now_v7()),
        oem_id: Set(oem.id),
        ems_id: Set(ems.id),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        conflict_on_duplicate(
            e,
            format!("\"{}\" and \"{}\" are already partners", oem.name, ems.name),
        )
    })?;
    let after = json!({"oem": oem.name, "ems": ems.name});
    for org_id in [oem.id, ems.id] {
        audit::record(
            &txn,
            &AuditMeta::system(org_id),
            Change::new("partnership.create", "Partnership", link.id).after(&after),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(link)
}

/// What a new user is made of.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// E-mail address.
    pub email: String,
    /// Full name.
    pub full_name: DisplayName,
    /// Role.
    pub role: Role,
    /// Initial password.
    pub password: String,
}

/// Creates a user in `org`, checking the role fits the organization and the password policy.
pub async fn create_user(
    db: &DatabaseConnection,
    org: &organization::Model,
    new: NewUser,
    meta: &AuditMeta,
) -> ApiResult<user::Model> {
    let email = normalize_email(&new.email)?;
    let full_name = new.full_name.into_string();
    check_password_policy(&new.password).map_err(ApiError::BadUserInput)?;
    if org.kind.parse() != Ok(new.role.org_kind()) {
        return Err(ApiError::bad_input(format!(
            "the {} role does not exist in an {} organization",
            new.role, org.kind
        )));
    }
    let password_hash = password::hash(&new.password).await?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let user = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org.id),
        email: Set(email.clone()),
        full_name: Set(full_name),
        role: Set(new.role.into()),
        password_hash: Set(password_hash),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        conflict_on_duplicate(e, format!("a user with the e-mail {email} already exists"))
    })?;
    audit::record(
        &txn,
        meta,
        Change::new("user.create", "User", user.id).after(&UserSnapshot::from(&user)),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Deactivates a user of the admin's organization; their sessions end on their next request.
pub async fn deactivate_user(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: Uuid,
    meta: &AuditMeta,
) -> ApiResult<user::Model> {
    authorize(actor, Action::ManageUsers)?;
    let txn = begin_write(db).await?;
    let before = actor.load::<user::Entity>(&txn, user_id).await?;
    if Some(before.id) == actor.user_id() {
        return Err(ApiError::conflict("you cannot deactivate yourself"));
    }
    let mut active: user::ActiveModel = before.clone().into();
    active.active = Set(false);
    active.updated_at = Set(Utc::now());
    let after = active.update(&txn).await?;
    revoke_all_sessions(&txn, after.id).await?;
    audit::record(
        &txn,
        meta,
        Change::new("user.deactivate", "User", after.id)
            .before(&UserSnapshot::from(&before))
            .after(&UserSnapshot::from(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Revokes every live token of one sign-in's rotation family.
async fn revoke_family(db: &impl ConnectionTrait, family_id: Uuid) -> ApiResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

async fn revoke_all_sessions(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Issues an access token and a fresh refresh token in `family`.
async fn issue_session(
    state: &AppState,
    db: &impl ConnectionTrait,
    user: user::Model,
    family_id: Uuid,
) -> ApiResult<Session> {
    let (access_token, expires_at) = state.jwt.issue(user.id, user.organization_id)?;
    let refresh = random_secret();
    let now = Utc::now();
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        family_id: Set(family_id),
        token_hash: Set(secret_hash(&refresh)),
        expires_at: Set(now + REFRESH_TOKEN_TTL),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(Session {
        access_token,
        refresh_token: refresh,
        expires_at,
        user,
    })
}

fn user_meta(user: &user::Model, request_id: &str) -> AuditMeta {
    AuditMeta {
        org_id: user.organization_id,
        user_id: Some(user.id),
        token_id: None,
        label: user.email.clone(),
        request_id: Some(request_id.to_owned()),
    }
}

/// Checks a user's password with the throttle applied; the same answer and about the same
/// time for an unknown e-mail, a deactivated account and a wrong password.
pub async fn check_credentials(
    state: &AppState,
    email: &str,
    password: &str,
    client_ip: IpAddr,
) -> ApiResult<user::Model> {
    let key = email.trim().to_lowercase();
    let delay = state
        .throttle
        .before_attempt(&state.db, &key, client_ip)
        .await?;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(&key))
        .one(&state.db)
        .await?;
    let (hash, candidate) = match &found {
        Some(user) => (user.password_hash.as_str(), Some(user)),
        None => (state.decoy_hash.as_str(), None),
    };
    let matches = password::verify(hash, password).await?;
    match candidate {
        Some(user) if matches && user.active => {
            state.throttle.succeeded(&state.db, &key).await;
            Ok(user.clone())
        }
        _ => {
            state.throttle.failed(&state.db, &key, client_ip).await;
            Err(ApiError::Unauthenticated)
        }
    }
}

/// Signs a user in: checks the credentials and starts a new session family.
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    client_ip: IpAddr,
    request_id: &str,
) -> ApiResult<Session> {
    let user = check_credentials(state, email, password, client_ip).await?;
    let txn = begin_write(&state.db).await?;
    let session = issue_session(state, &txn, user, Uuid::now_v7()).await?;
    audit::record(
        &txn,
        &user_meta(&session.user, request_id),
        Change::new("session.login", "User", session.user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}

/// Exchanges a refresh token for a new session. Each token works once: presenting one that was
/// already used revokes its whole family (someone else holds a copy).
///
/// Marking the token used is one compare-and-set (`UPDATE ... WHERE used_at IS NULL AND
/// revoked_at IS NULL`): of calls racing with one token exactly one wins, and the others are
/// treated as the reuse they are.
pub async fn refresh(state: &AppState, presented: &str, request_id: &str) -> ApiResult<Session> {
    let txn = begin_write(&state.db).await?;
    let Some(token) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(secret_hash(presented)))
        .one(&txn)
        .await?
    else {
        return Err(ApiError::Unauthenticated);
    };
    if token.used_at.is_some() {
        return reuse_detected(txn, &token, request_id).await;
    }
    let now = Utc::now();
    if token.revoked_at.is_some() || token.expires_at <= now {
        return Err(ApiError::Unauthenticated);
    }
    let user = user::Entity::find_by_id(token.user_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if !user.active {
        return Err(ApiError::Unauthenticated);
    }
    let marked = refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(refresh_token::Column::Id.eq(token.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        // Another call used (or revoked) it since it was read: a second holder of the token.
        return reuse_detected(txn, &token, request_id).await;
    }
    let session = issue_session(state, &txn, user, token.family_id).await?;
    audit::record(
        &txn,
        &user_meta(&session.user, request_id),
        Change::new("session.refresh", "User", session.user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}

/// A refresh token was presented again: revokes its family, audits `session.reuse_detected`
/// and answers `UNAUTHENTICATED`.
async fn reuse_detected(
    txn: DatabaseTransaction,
    token: &refresh_token::Model,
    request_id: &str,
) -> ApiResult<Session> {
    revoke_family(&txn, token.family_id).await?;
    if let Some(user) = user::Entity::find_by_id(token.user_id).one(&txn).await? {
        audit::record(
            &txn,
            &user_meta(&user, request_id),
            Change::new("session.reuse_detected", "User", user.id),
        )
        .await?;
    }
    txn.commit().await?;
    tracing::warn!(user_id = %token.user_id, "refresh token reused; session family revoked");
    Err(ApiError::Unauthenticated)
}

/// Ends the session a refresh token belongs to. Answers true whether or not it was still live,
/// so a client can always log out.
pub async fn logout(state: &AppState, presented: &str, request_id: &str) -> ApiResult<bool> {
    let txn = begin_write(&state.db).await?;
    let Some(token) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(secret_hash(presented)))
        .one(&txn)
        .await?
    else {
        return Ok(true);
    };
    revoke_family(&txn, token.family_id).await?;
    if let Some(user) = user::Entity::find_by_id(token.user_id).one(&txn).await? {
        audit::record(
            &txn,
            &user_meta(&user, request_id),
            Change::new("session.logout", "User", user.id),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// Changes the caller's password after checking the current one; ends the user's other sessions.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current: &str,
    new: &str,
    client_ip: IpAddr,
    meta: &AuditMeta,
) -> ApiResult<bool> {
    let Some(user_id) = actor.user_id() else {
        return Err(ApiError::forbidden("API tokens have no password"));
    };
    let user = actor.load::<user::Entity>(&state.db, user_id).await?;
    match check_credentials(state, &user.email, current, client_ip).await {
        Ok(_) => {}
        Err(ApiError::Unauthenticated) => {
            return Err(ApiError::bad_input("the current password is not correct"))
        }
        Err(other) => return Err(other),
    }
    check_password_policy(new).map_err(ApiError::BadUserInput)?;
    let hash = password::hash(new).await?;
    let txn = begin_write(&state.db).await?;
    let mut active: user::ActiveModel = user.into();
    active.password_hash = Set(hash);
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    revoke_all_sessions(&txn, user.id).await?;
    audit::record(
        &txn,
        meta,
        Change::new("user.change_password", "User", user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
