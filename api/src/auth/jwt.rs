//! Access tokens: short-lived HS256 JWTs.
//!
//! The algorithm is pinned here: a token's own `alg` header is never trusted, so `none` and any
//! other algorithm fail validation. `iss`, `aud` and `exp` are required and checked, and a token
//! claiming to live longer than [`ACCESS_TOKEN_TTL`] is refused even when its signature is good.

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long an access token lives.
pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);
/// The `iss` claim of every token this server issues.
pub const ISSUER: &str = "firstpass";
/// The `aud` claim: the API these tokens are good for.
pub const AUDIENCE: &str = "firstpass-api";
const ALGORITHM: Algorithm = Algorithm::HS256;
/// Clock skew tolerated on `exp`, in seconds.
const LEEWAY_SECS: u64 = 5;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The user's organization at issue time (re-checked against the database on use).
    pub org: Uuid,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at, seconds since the epoch; a time in the future is refused.
    pub iat: i64,
    /// Not valid before, seconds since the epoch (checked when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// Unique token id.
    pub jti: Uuid,
}

/// Signing and verification keys derived from the server's secret.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(<redacted>)")
    }
}

impl JwtKeys {
    /// Builds the keys from the configured secret.
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(ALGORITHM);
        validation.algorithms = vec![ALGORITHM];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Issues an access token for a user; returns it with its expiry.
    pub fn issue(&self, user_id: Uuid, org_id: Uuid) -> ApiResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires_at = now + ACCESS_TOKEN_TTL;
        let claims = Claims {
            sub: user_id,
            org: org_id,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now.timestamp(),
            nbf: Some(now.timestamp()),
            exp: expires_at.timestamp(),
            jti: Uuid::new_v4(),
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(ApiError::internal)?;
        Ok((token, expires_at))
    }

    /// Verifies a token's signature, algorithm, issuer, audience and lifetime (`exp`, `nbf`,
    /// and an `iat` that is not in the future).
    pub fn verify(&self, token: &str) -> ApiResult<Claims> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| ApiError::Unauthenticated)?;
        let claims = data.claims;
        let now = Utc::now();
        let leeway = Duration::seconds(LEEWAY_SECS as i64);
        let longest = now + ACCESS_TOKEN_TTL + leeway;
        if claims.exp > longest.timestamp() || claims.iat > (now + leeway).timestamp() {
            return Err(ApiError::Unauthenticated);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn b64(value: &serde_json::Value) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
    }

    #[test]
    fn issued_tokens_verify() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let (token, _) = keys.issue(Uuid::new_v4(), Uuid::new_v4()).expect("issue");
        assert!(keys.verify(&token).is_ok());
    }

    #[test]
    fn foreign_secret_alg_none_and_long_lived_tokens_fail() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let other = JwtKeys::new(b"another secret of thirty-two bytes!!");
        let (forged, _) = other.issue(Uuid::new_v4(), Uuid::new_v4()).expect("issue");
        assert!(keys.verify(&forged).is_err());

        let now = Utc::now().timestamp();
        let claims = serde_json::json!({"sub": Uuid::new_v4(), "org": Uuid::new_v4(),
            "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 60, "jti": Uuid::new_v4()});
        let none = format!(
            "{}.{}.",
            b64(&serde_json::json!({"alg": "none", "typ": "JWT"})),
            b64(&claims)
        );
        assert!(keys.verify(&none).is_err());

        let long = Claims {
            sub: Uuid::new_v4(),
            org: Uuid::new_v4(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            nbf: None,
            exp: now + 86_400,
            jti: Uuid::new_v4(),
        };
        let token =
            jsonwebtoken::encode(&Header::new(ALGORITHM), &long, &keys.encoding).expect("encode");
        assert!(keys.verify(&token).is_err());
    }

    #[test]
    fn tokens_not_yet_valid_or_issued_in_the_future_fail() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let now = Utc::now().timestamp();
        let claims = |iat: i64, nbf: Option<i64>| Claims {
            sub: Uuid::new_v4(),
            org: Uuid::new_v4(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat,
            nbf,
            exp: now + 600,
            jti: Uuid::new_v4(),
        };
        let sign = |claims: &Claims| {
            jsonwebtoken::encode(&Header::new(ALGORITHM), claims, &keys.encoding).expect("encode")
        };
        assert!(keys.verify(&sign(&claims(now, Some(now)))).is_ok());
        assert!(keys.verify(&sign(&claims(now, Some(now + 300)))).is_err());
        assert!(keys.verify(&sign(&claims(now + 300, None))).is_err());
    }
}
