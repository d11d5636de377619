//! The one error policy of the server.
//!
//! - Services and resolvers return [`ApiResult`]; every failure is an [`ApiError`].
//! - Each variant maps to exactly one [`ErrorCode`], sent as `extensions.code`; the message of a
//!   client-side variant is written for the person who made the request.
//! - [`ApiError::Internal`] carries the cause for the log only: it is logged (inside the
//!   request's span, so with its request id) when converted, and the client sees a generic
//!   sentence and `INTERNAL`.
//! - Database errors become `Internal`, except unique-key violations, which the caller turns into
//!   `CONFLICT` with [`conflict_on_duplicate`] because only it knows what was duplicated.
//! - Plain HTTP routes answer the same errors with the status of [`ApiError::http_status`].
//! - Errors async-graphql raises itself (parse, validation, limits) are tagged `BAD_USER_INPUT`
//!   in [`crate::http::graphql_handler`], so no error ever leaves without a code.

use async_graphql::ErrorExtensions;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use firstpass_shared::domain::ErrorCode;
use std::sync::Arc;

/// Result type of every service and resolver.
pub type ApiResult<T> = Result<T, ApiError>;

/// Everything that can go wrong in a request, by what the client should do about it.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// No credentials, or credentials that are expired, forged or revoked: sign in again.
    Unauthenticated,
    /// The caller is signed in but its role or scopes do not allow this.
    Forbidden(String),
    /// No such record, or a record of another tenant (indistinguishable on purpose).
    NotFound(&'static str),
    /// The input breaks a rule; the message says which.
    BadUserInput(String),
    /// The request clashes with current state: a duplicate, or a transition not allowed now.
    Conflict(String),
    /// Too many attempts; try again after the given number of seconds.
    RateLimited {
        /// Seconds until the next attempt may succeed.
        retry_after_secs: u64,
    },
    /// The request ran past its time limit and its work was cancelled.
    Timeout,
    /// A fault of the server; the cause is logged, never sent.
    Internal(Arc<anyhow::Error>),
}

impl ApiError {
    /// The stable code sent to clients.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Unauthenticated => ErrorCode::Unauthenticated,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::BadUserInput(_) => ErrorCode::BadUserInput,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::Timeout => ErrorCode::Timeout,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The HTTP status of this error on plain HTTP routes (file downloads, exports).
    pub fn http_status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadUserInput(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Logs the cause of an internal error (once, where the error leaves the server).
    fn log_cause(&self) {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
    }

    /// The sentence sent to the client. Deliberately not `Display`: async-graphql converts
    /// anything `Display` into an error without a code, and every error here must keep its code.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated => "authentication required: sign in again".to_owned(),
            ApiError::Forbidden(message)
            | ApiError::BadUserInput(message)
            | ApiError::Conflict(message) => message.clone(),
            ApiError::NotFound(noun) => format!("{noun} not found"),
            ApiError::RateLimited { retry_after_secs } => {
                format!("too many attempts; try again in {retry_after_secs} s")
            }
            ApiError::Timeout => {
                "the request took longer than the server's time limit and was stopped; nothing of it was kept".to_owned()
            }
            ApiError::Internal(_) => "internal error; the server log has the details".to_owned(),
        }
    }

    /// Wraps any unexpected failure as an internal error.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(Arc::new(cause.into()))
    }

    /// Shorthand for [`ApiError::BadUserInput`].
    pub fn bad_input(message: impl Into<String>) -> Self {
        ApiError::BadUserInput(message.into())
    }

    /// Shorthand for [`ApiError::Forbidden`].
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden(message.into())
    }

    /// Shorthand for [`ApiError::Conflict`].
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::Conflict(message.into())
    }
}

/// An identifier (serial, MPN, designator, lot code, name) that breaks its rules is the caller's
/// mistake: `BAD_USER_INPUT` with the sentence of the error.
impl From<firstpass_shared::text::IdentifierError> for ApiError {
    fn from(err: firstpass_shared::text::IdentifierError) -> Self {
        ApiError::BadUserInput(err.to_string())
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApiError::internal(err)
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.log_cause();
        let code = err.code().as_str();
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let ApiError::RateLimited { retry_after_secs } = &err {
                ext.set("retryAfter", *retry_after_secs);
            }
        })
    }
}

/// Plain HTTP routes answer an error with its status, a JSON body `{code, message}` like a
/// GraphQL error's, and `Retry-After` when rate limited; the request id is in `x-request-id`.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log_cause();
        let body = serde_json::json!({"code": self.code().as_str(), "message": self.message()});
        let mut response = (self.http_status(), axum::Json(body)).into_response();
        if let ApiError::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// Reads a stored spelling of one of the closed sets of `firstpass_shared`; text that names no
/// member is a fault of the database, not of the caller, so it is an internal error.
pub fn stored<T>(text: &str) -> ApiResult<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse::<T>().map_err(ApiError::internal)
}

/// Turns a unique-key violation into `CONFLICT` with the given message; other errors pass on.
pub fn conflict_on_duplicate(err: sea_orm::DbErr, message: impl Into<String>) -> ApiError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ApiError::conflict(message),
        _ => ApiError::internal(err),
    }
}

/// For the command line: an internal error keeps its cause, others become their sentence.
impl From<ApiError> for anyhow::Error {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::Internal(cause) => anyhow::anyhow!("{cause:#}"),
            other => anyhow::anyhow!(other.message()),
        }
    }
}
