//! The wire: every request to the server goes through here.
//!
//! Requests are GraphQL operations sent as JSON to `POST /graphql`, with the access token (if
//! any) as a bearer token. The operations themselves are typed by `graphql_client` from the
//! `.graphql` files in `web/graphql/`, checked against the server's committed SDL at compile
//! time (see [`ops`]); a schema change that breaks a query breaks this build.
//!
//! Error policy: every failure becomes an [`ApiError`]. The server's `errors[0].extensions.code`
//! is decoded into the shared [`ErrorCode`] so pages can match on it; pages turn codes they
//! expect into sentences of their own and fall back to [`ApiError::user_message`].

pub mod box_ops;
pub mod files;
pub mod ops;

use std::fmt;

use firstpass_shared::domain::ErrorCode;
use gloo_net::http::Request;
use graphql_client::GraphQLQuery;
use serde::de::DeserializeOwned;

/// Where the server answers GraphQL: same origin as the app.
const ENDPOINT: &str = "/graphql";

/// Why a request to the server did not produce the data asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server refused or failed the operation and said why.
    Server {
        /// `extensions.code` of the first error, when present and known.
        code: Option<ErrorCode>,
        /// The server's message for the first error.
        message: String,
    },
    /// No answer at all: offline, server down, request blocked.
    Network(String),
    /// An answer that is not a GraphQL response of the expected shape.
    Protocol(String),
}

impl ApiError {
    /// The server's error code, if the server sent one we know.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Server { code, .. } => *code,
            ApiError::Network(_) | ApiError::Protocol(_) => None,
        }
    }

    /// A sentence for the person at the screen, for pages that have nothing more specific to say.
    pub fn user_message(&self) -> String {
        match self {
            ApiError::Server {
                code: Some(code),
                message,
            } => match code {
                ErrorCode::Unauthenticated => {
                    "Your session has ended. Please sign in again.".to_owned()
                }
                // The server says which rule refused it (a wrong password when signing, a role
                // that does not take this step); a bare refusal gets the general sentence.
                ErrorCode::Forbidden if !message.trim().is_empty() => sentence(message),
                ErrorCode::Forbidden => "You are not allowed to do this.".to_owned(),
                ErrorCode::NotFound => "This record does not exist.".to_owned(),
                ErrorCode::RateLimited => {
                    "Too many attempts. Please wait a minute and try again.".to_owned()
                }
                ErrorCode::Timeout => {
                    "The server took too long and stopped; nothing was changed. Please try again."
                        .to_owned()
                }
                ErrorCode::Internal => {
                    "Something went wrong on the server. Please try again later.".to_owned()
                }
                // The server's message explains which input or state is at fault.
                ErrorCode::BadUserInput | ErrorCode::Conflict => sentence(message),
            },
            ApiError::Server {
                code: None,
                message,
            } => message.clone(),
            ApiError::Network(_) => {
                "The server cannot be reached. Check your connection and try again.".to_owned()
            }
            ApiError::Protocol(_) => {
                "The server sent an answer this page does not understand. Try reloading the page."
                    .to_owned()
            }
        }
    }
}

/// A server message as a sentence: first letter capitalized, ending with a full stop.
fn sentence(message: &str) -> String {
    let message = message.trim();
    let mut chars = message.chars();
    let mut out = chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Server {
                code: Some(code),
                message,
            } => write!(f, "{code:?}: {message}"),
            ApiError::Server {
                code: None,
                message,
            } => f.write_str(message),
            ApiError::Network(detail) => write!(f, "network error: {detail}"),
            ApiError::Protocol(detail) => write!(f, "unexpected response: {detail}"),
        }
    }
}

impl std::error::Error for ApiError {}

/// Sends one operation and returns its data, or the first error the server reported.
///
/// `token` is the access token of the signed-in user; `None` for operations that need none.
/// Only the encoding of the variables and the decoding of the data are per operation; the
/// request and the error handling are [`execute_raw`], compiled once for all operations.
pub async fn execute<Q: GraphQLQuery>(
    variables: Q::Variables,
    token: Option<&str>,
) -> Result<Q::ResponseData, ApiError> {
    let body = encode::<Q>(variables)?;
    typed(execute_raw(body, token).await?)
}

/// The JSON body of an operation.
pub(crate) fn encode<Q: GraphQLQuery>(variables: Q::Variables) -> Result<String, ApiError> {
    serde_json::to_string(&Q::build_query(variables)).map_err(|e| ApiError::Protocol(e.to_string()))
}

/// An operation's `data` as its typed form.
pub(crate) fn typed<T: DeserializeOwned>(data: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(data).map_err(|e| ApiError::Protocol(e.to_string()))
}

/// Sends a JSON operation `body` and returns its `data`, or the first error reported.
pub async fn execute_raw(body: String, token: Option<&str>) -> Result<serde_json::Value, ApiError> {
    let mut request = Request::post(ENDPOINT)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json");
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = request
        .body(body)
        .map_err(|e| ApiError::Protocol(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    decode_value(status, &text)
}

/// Turns an HTTP status and body into the operation's data or an [`ApiError`].
///
/// A GraphQL body wins over the status (the server may send `errors` with 4xx/5xx); a body
/// that is not GraphQL is judged by its status alone.
pub(crate) fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    typed(decode_value(status, body)?)
}

/// [`decode`] up to the untyped `data`: one copy for every operation.
fn decode_value(status: u16, body: &str) -> Result<serde_json::Value, ApiError> {
    match serde_json::from_str::<graphql_client::Response<serde_json::Value>>(body) {
        Ok(response) => {
            if let Some(first) = response.errors.unwrap_or_default().into_iter().next() {
                return Err(server_error(first));
            }
            match response.data {
                Some(data) if !data.is_null() => Ok(data),
                _ => Err(ApiError::Protocol(format!(
                    "HTTP {status}: neither data nor errors"
                ))),
            }
        }
        Err(parse_error) => Err(match status {
            401 => ApiError::Server {
                code: Some(ErrorCode::Unauthenticated),
                message: "not signed in".to_owned(),
            },
            429 => ApiError::Server {
                code: Some(ErrorCode::RateLimited),
                message: "too many requests".to_owned(),
            },
            200..=299 => ApiError::Protocol(parse_error.to_string()),
            _ => ApiError::Protocol(format!("HTTP {status}")),
        }),
    }
}

/// Reads the code out of `extensions.code`; an unknown code keeps the message and no code.
fn server_error(error: graphql_client::Error) -> ApiError {
    let code = error
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get("code"))
        .and_then(|code| serde_json::from_value::<ErrorCode>(code.clone()).ok());
    ApiError::Server {
        code,
        message: error.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Data {
        value: i32,
    }

    #[test]
    fn data_without_errors_is_returned() {
        assert_eq!(
            decode::<Data>(200, r#"{"data":{"value":7}}"#),
            Ok(Data { value: 7 })
        );
    }

    #[test]
    fn the_first_error_code_and_message_are_kept() {
        let body = r#"{"data":null,"errors":[
            {"message":"wrong email or password","extensions":{"code":"UNAUTHENTICATED"}},
            {"message":"second","extensions":{"code":"INTERNAL"}}]}"#;
        let err = decode::<Data>(200, body).expect_err("should fail");
        assert_eq!(err.code(), Some(ErrorCode::Unauthenticated));
        assert_eq!(
            err,
            ApiError::Server {
                code: Some(ErrorCode::Unauthenticated),
                message: "wrong email or password".to_owned()
            }
        );
    }

    #[test]
    fn rate_limiting_reads_as_a_wait() {
        let body = r#"{"errors":[{"message":"slow down","extensions":{"code":"RATE_LIMITED"}}]}"#;
        let err = decode::<Data>(429, body).expect_err("should fail");
        assert_eq!(err.code(), Some(ErrorCode::RateLimited));
        assert!(err.user_message().contains("wait a minute"));
        // A proxy's plain-text 429 means the same.
        let err = decode::<Data>(429, "Too Many Requests").expect_err("should fail");
        assert_eq!(err.code(), Some(ErrorCode::RateLimited));
    }

    #[test]
    fn unknown_or_missing_codes_keep_the_message() {
        let body = r#"{"errors":[{"message":"odd","extensions":{"code":"TEAPOT"}}]}"#;
        let err = decode::<Data>(200, body).expect_err("should fail");
        assert_eq!(err.code(), None);
        assert_eq!(err.user_message(), "odd");
        let body = r#"{"errors":[{"message":"bare"}]}"#;
        assert_eq!(
            decode::<Data>(200, body).expect_err("should fail").code(),
            None
        );
    }

    #[test]
    fn non_graphql_bodies_are_judged_by_status() {
        assert!(matches!(
            decode::<Data>(502, "<html>Bad gateway</html>"),
            Err(ApiError::Protocol(_))
        ));
        assert_eq!(
            decode::<Data>(401, "").expect_err("should fail").code(),
            Some(ErrorCode::Unauthenticated)
        );
        assert!(matches!(
            decode::<Data>(200, "{}"),
            Err(ApiError::Protocol(_))
        ));
    }
}
