//! The browser session cookie: the refresh token kept where page scripts cannot read it.
//!
//! Browsers ask for it with `cookie: true` on `login` and `refreshSession`; the token then
//! travels only in an `HttpOnly`, `SameSite=Strict` cookie scoped to `/graphql`, and the answer's
//! `refreshToken` is empty. `refreshSession` and `logout` read it when no token is passed.

use axum::http::{header, HeaderMap, HeaderValue};

/// The cookie's name.
pub const NAME: &str = "fp_refresh";

/// Reads the session cookie from request headers.
pub fn read(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value holding a refresh token for `max_age_secs`; `Secure` when the request
/// reached us over HTTPS (through a proxy that says so).
pub fn set(token: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    // Refresh tokens are URL-safe base64: always a valid header value.
    HeaderValue::from_str(&format!(
        "{NAME}={token}; Path=/graphql; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| clear())
}

/// Whether the client reached the server over HTTPS, as a TLS-terminating proxy reports it
/// (`X-Forwarded-Proto: https`). Only ever used to add `Secure`, so a forged header costs nothing.
pub fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear() -> HeaderValue {
    HeaderValue::from_static("fp_refresh=; Path=/graphql; HttpOnly; SameSite=Strict; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; fp_refresh=abc-_123; b=2"),
        );
        assert_eq!(read(&headers).as_deref(), Some("abc-_123"));
        headers.insert(header::COOKIE, HeaderValue::from_static("fp_refresh="));
        assert_eq!(read(&headers), None);
    }
}
