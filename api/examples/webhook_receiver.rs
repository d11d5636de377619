//! A minimal Firstpass webhook receiver that verifies every delivery before trusting it.
//!
//! ```sh
//! FIRSTPASS_WEBHOOK_SECRET=whsec_… cargo run -p firstpass-api --example webhook_receiver -- 0.0.0.0:9000
//! ```
//!
//! Register `http(s)://<this host>:9000/firstpass` with `createWebhookEndpoint` and put the
//! secret it shows into `FIRSTPASS_WEBHOOK_SECRET`. Each request is checked as the README
//! describes: the `Firstpass-Signature` header is `t=<unix seconds>,v1=<hex>`, where the hex is
//! HMAC-SHA256 with the secret over `<t>.<raw body>`; a timestamp more than five minutes from
//! now is refused (replays), and so is a wrong signature. Verified events are printed; the
//! event `id` is the same on a retry, so a receiver that must act once remembers the ids it
//! has seen.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;

/// How far a signature's timestamp may be from now.
const REPLAY_WINDOW_SECS: u64 = 300;

/// Whether `header` signs `body` with `secret`, made within the replay window of `now`.
fn verified(secret: &str, header: &str, body: &[u8], now: i64) -> bool {
    let mut timestamp: Option<i64> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse().ok(),
            // Several v1 values may appear while a secret is being rotated.
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return false;
    };
    if now.abs_diff(timestamp) > REPLAY_WINDOW_SECS {
        return false;
    }
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    // verify_slice compares in constant time.
    signatures
        .iter()
        .any(|signature| mac.clone().verify_slice(signature).is_ok())
}

#[expect(clippy::print_stdout, reason = "the example prints what it receives")]
async fn receive(State(secret): State<Arc<String>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = headers
        .get("firstpass-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    if !verified(&secret, header, &body, now) {
        println!("refused a request with a bad or stale signature");
        return StatusCode::UNAUTHORIZED;
    }
    let event: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    println!(
        "{} {} {} (event {})",
        event["type"].as_str().unwrap_or("?"),
        event["subject"]["type"].as_str().unwrap_or("?"),
        event["subject"]["id"].as_str().unwrap_or("?"),
        event["id"].as_str().unwrap_or("?"),
    );
    // Answer quickly with 2xx; do slow work after answering. Anything else is retried.
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let secret = std::env::var("FIRSTPASS_WEBHOOK_SECRET")
        .map_err(|_| anyhow::anyhow!("set FIRSTPASS_WEBHOOK_SECRET to the endpoint's secret"))?;
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9000".to_owned());
    let app = axum::Router::new()
        .route("/firstpass", post(receive))
        .with_state(Arc::new(secret));
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    eprintln!("listening on http://{bind}/firstpass");
    axum::serve(listener, app).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_what_firstpass_signs() {
        let header = firstpass_api::webhooks::signature("whsec_x", 1_800_000_000, b"{}");
        assert!(verified("whsec_x", &header, b"{}", 1_800_000_010));
        assert!(!verified("whsec_x", &header, b"{ }", 1_800_000_010));
        assert!(!verified("whsec_x", &header, b"{}", 1_800_001_000));
    }
}
