//! Webhooks: signed notifications of what happened, posted to URLs organizations register.
//!
//! A service that makes a change also writes the events it causes with
//! [`crate::outbox::emit`], in the same transaction, together with one delivery row per
//! subscribed endpoint of the receiving organization. The [`worker`] posts due deliveries, one
//! subject at a time per endpoint in event order, retrying with exponential backoff (10 s
//! doubling, at most an hour apart) for three days before it gives a delivery up as FAILED.
//! Each body is signed with HMAC-SHA256 over `"{timestamp}.{body}"` ([`signature`]).
//! URLs that point at loopback, private, link-local or otherwise internal addresses are
//! refused when registered and again, on the addresses they resolve to, at every delivery
//! ([`address`]), unless the server is configured to allow them.

pub mod address;
pub mod model;
pub mod resolver;
pub mod service;
pub mod worker;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "firstpass-signature";
/// The header carrying the event type.
pub const EVENT_HEADER: &str = "firstpass-event";
/// The header carrying the delivery id (the same on every attempt of one delivery).
pub const DELIVERY_HEADER: &str = "firstpass-delivery";
/// How old a signature timestamp a receiver should still accept (documented for integrators).
pub const REPLAY_WINDOW: Duration = Duration::from_secs(5 * 60);

/// The signature header value for `body` sent at `timestamp` (unix seconds): the receiver
/// computes HMAC-SHA256 with the endpoint's secret over the timestamp, a dot and the raw body.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac(secret, timestamp, body))
    )
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Checks a signature header as a receiver would: the HMAC matches (compared in constant
/// time) and the timestamp is within `window` of `now` (unix seconds).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64, window: Duration) -> bool {
    let mut timestamp = None;
    let mut given = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => given.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return false;
    };
    if now.abs_diff(timestamp) > window.as_secs() {
        return false;
    }
    let Ok(mut expected) = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    expected.update(timestamp.to_string().as_bytes());
    expected.update(b".");
    expected.update(body);
    given
        .iter()
        .any(|sig| expected.clone().verify_slice(sig).is_ok())
}

/// The scheduling clock of deliveries: real time plus an offset that tests move forward to
/// simulate hours of backoff in seconds.
#[derive(Debug, Default, Clone)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Now, as the delivery schedule sees it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock forward (tests).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// Webhook delivery settings and run-time handles shared by a server's requests and worker.
#[derive(Debug, Clone)]
pub struct Webhooks {
    /// The delivery schedule's clock.
    pub clock: Clock,
    allow_private: Arc<AtomicBool>,
    wake: Arc<tokio::sync::Notify>,
    /// How often the worker looks for due deliveries when nobody wakes it.
    pub poll_interval: Duration,
}

impl Webhooks {
    /// Settings from the environment: `FIRSTPASS_WEBHOOK_ALLOW_PRIVATE=true` lets endpoints
    /// point at loopback and private addresses (tests, closed networks).
    pub fn from_env() -> Self {
        let allow = std::env::var("FIRSTPASS_WEBHOOK_ALLOW_PRIVATE")
            .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
            .unwrap_or(false);
        Self {
            clock: Clock::default(),
            allow_private: Arc::new(AtomicBool::new(allow)),
            wake: Arc::default(),
            poll_interval: Duration::from_secs(1),
        }
    }

    /// Whether endpoints may point at loopback and private addresses.
    pub fn allow_private(&self) -> bool {
        self.allow_private.load(Ordering::Relaxed)
    }

    /// Allows or refuses loopback and private addresses from now on (tests).
    pub fn set_allow_private(&self, allow: bool) {
        self.allow_private.store(allow, Ordering::Relaxed);
    }

    /// Makes the worker look for due deliveries now rather than at its next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits until [`Webhooks::wake`] is called.
    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_within_the_window_only() {
        let header = signature("whsec_k", 1_700_000_000, b"{\"a\":1}");
        let window = REPLAY_WINDOW;
        assert!(verify(
            "whsec_k",
            &header,
            b"{\"a\":1}",
            1_700_000_100,
            window
        ));
        assert!(!verify(
            "whsec_k",
            &header,
            b"{\"a\":2}",
            1_700_000_100,
            window
        ));
        assert!(!verify(
            "other",
            &header,
            b"{\"a\":1}",
            1_700_000_100,
            window
        ));
        assert!(!verify(
            "whsec_k",
            &header,
            b"{\"a\":1}",
            1_700_001_000,
            window
        ));
    }
}
