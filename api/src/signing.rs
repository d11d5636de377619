//! Electronic signatures on records (the FAI report, the certificate of conformance), one
//! mechanism for all: the signer gives their password again (counted like a sign-in), and the
//! signature keeps meaning, reason, printed name, e-mail, time and the SHA-256 of the record's
//! canonical content, so anyone can check later that the record still says what was signed.

use crate::accounts::service::check_credentials;
use crate::context::AppState;
use crate::entities::{signature, user};
use crate::error::{ApiError, ApiResult};
use crate::fai::model::SignatureMeaning;
use crate::tenancy::Actor;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use std::net::IpAddr;
use uuid::Uuid;

/// Longest reason a signature keeps.
const MAX_REASON: usize = 2000;

/// The reason of a signature, trimmed: 1 to 2,000 characters.
pub fn reason(text: &str) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_REASON {
        return Err(ApiError::bad_input(
            "give a reason of 1 to 2,000 characters",
        ));
    }
    Ok(text.to_owned())
}

/// The person behind `actor`, once their password checks out again.
///
/// A wrong password is refused as `FORBIDDEN` saying so, and counts as a failed sign-in from
/// `client_ip` (the sign-in throttle applies).
pub async fn reauthenticate(
    state: &AppState,
    actor: &Actor,
    password: &str,
    client_ip: IpAddr,
) -> ApiResult<user::Model> {
    let Some(user_id) = actor.user_id() else {
        return Err(ApiError::forbidden("only a person can sign"));
    };
    let signer = user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    match check_credentials(state, &signer.email, password, client_ip).await {
        Ok(_) => Ok(signer),
        Err(ApiError::Unauthenticated) => Err(ApiError::forbidden(
            "the password is not correct; nothing was signed",
        )),
        Err(other) => Err(other),
    }
}

/// What is signed, by whom, and why.
#[derive(Debug)]
pub struct NewSignature<'a> {
    /// The kind of record (`FaiReport`, `CertificateOfConformance`).
    pub record_type: &'a str,
    /// The record.
    pub record_id: Uuid,
    /// The signer, re-authenticated.
    pub signer: &'a user::Model,
    /// The signer's organization.
    pub organization_id: Uuid,
    /// What the signature means.
    pub meaning: SignatureMeaning,
    /// Why (see [`reason`]).
    pub reason: String,
    /// SHA-256 of the record's canonical content now.
    pub content_hash: String,
}

/// Records a signature (inside the caller's transaction).
pub async fn record(
    db: &impl ConnectionTrait,
    new: NewSignature<'_>,
) -> ApiResult<signature::Model> {
    Ok(signature::ActiveModel {
        id: Set(Uuid::now_v7()),
        record_type: Set(new.record_type.to_owned()),
        record_id: Set(new.record_id),
        organization_id: Set(new.organization_id),
        signer_id: Set(new.signer.id),
        printed_name: Set(new.signer.full_name.clone()),
        email: Set(new.signer.email.clone()),
        meaning: Set(new.meaning.as_str().to_owned()),
        reason: Set(new.reason),
        content_hash: Set(new.content_hash),
        signed_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}
