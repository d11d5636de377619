//! Slows down and then refuses repeated failed sign-ins, per account and per client address.
//!
//! Failures are counted in a sliding window. Past a soft threshold each further attempt is
//! delayed a little more; past a hard threshold the key is answered `RATE_LIMITED` until the
//! window has passed. A success clears the account's count (not the address's).

use crate::error::{ApiError, ApiResult};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits for one kind of key.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures allowed with no delay.
    pub free: u32,
    /// Failures after which attempts are refused.
    pub max: u32,
    /// Delay added per failure above `free`.
    pub step: Duration,
    /// How long failures are remembered.
    pub window: Duration,
}

/// What a key is: an account (lower-cased e-mail) or a client address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug)]
struct Entry {
    failures: u32,
    first_failure: Instant,
}

/// In-process throttle shared by all requests of one server.
#[derive(Debug)]
pub struct LoginThrottle {
    account: Limits,
    address: Limits,
    entries: Mutex<HashMap<Key, Entry>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(
            Limits {
                free: 3,
                max: 10,
                step: Duration::from_millis(250),
                window: Duration::from_secs(15 * 60),
            },
            Limits {
                free: 20,
                max: 100,
                step: Duration::from_millis(100),
                window: Duration::from_secs(15 * 60),
            },
        )
    }
}

impl LoginThrottle {
    /// A throttle with the given limits per account and per address.
    pub fn new(account: Limits, address: Limits) -> Self {
        Self {
            account,
            address,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn limits(&self, key: &Key) -> Limits {
        match key {
            Key::Account(_) => self.account,
            Key::Address(_) => self.address,
        }
    }

    /// Checks both keys before an attempt: refuses when over the limit, else returns the delay
    /// the caller must wait before answering.
    pub fn before_attempt(&self, email: &str, address: IpAddr) -> ApiResult<Duration> {
        let mut entries = self
            .entries
            .lock()
            .map_err(|_| ApiError::internal(anyhow::anyhow!("throttle lock poisoned")))?;
        let now = Instant::now();
        let mut delay = Duration::ZERO;
        for key in [Key::Account(email.to_owned()), Key::Address(address)] {
            let limits = self.limits(&key);
            let Some(entry) = entries.get(&key) else {
                continue;
            };
            let age = now.duration_since(entry.first_failure);
            if age >= limits.window {
                entries.remove(&key);
                continue;
            }
            if entry.failures >= limits.max {
                return Err(ApiError::RateLimited {
                    retry_after_secs: (limits.window - age).as_secs().max(1),
                });
            }
            if entry.failures > limits.free {
                delay = delay.max(limits.step * (entry.failures - limits.free));
            }
        }
        Ok(delay)
    }

    /// Records a failed attempt for both keys.
    pub fn failed(&self, email: &str, address: IpAddr) {
        if let Ok(mut entries) = self.entries.lock() {
            let now = Instant::now();
            for key in [Key::Account(email.to_owned()), Key::Address(address)] {
                let window = self.limits(&key).window;
                let entry = entries.entry(key).or_insert(Entry {
                    failures: 0,
                    first_failure: now,
                });
                if now.duration_since(entry.first_failure) >= window {
                    *entry = Entry {
                        failures: 0,
                        first_failure: now,
                    };
                }
                entry.failures += 1;
            }
        }
    }

    /// Clears the account's failures after a successful sign-in.
    pub fn succeeded(&self, email: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&Key::Account(email.to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slows_then_refuses_an_account() {
        let throttle = LoginThrottle::default();
        let ip: IpAddr = [127, 0, 0, 1].into();
        for _ in 0..3 {
            assert_eq!(
                throttle.before_attempt("a@x", ip).ok(),
                Some(Duration::ZERO)
            );
            throttle.failed("a@x", ip);
        }
        throttle.failed("a@x", ip);
        assert!(throttle.before_attempt("a@x", ip).expect("allowed") > Duration::ZERO);
        for _ in 0..6 {
            throttle.failed("a@x", ip);
        }
        assert!(matches!(
            throttle.before_attempt("a@x", ip),
            Err(ApiError::RateLimited { .. })
        ));
        // Another account from the same address is still served.
        assert!(throttle.before_attempt("b@x", ip).is_ok());
    }
}
