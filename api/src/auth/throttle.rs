//! Slows down and then refuses repeated failed sign-ins, per account and per client address.
//!
//! Failures are counted in the database (table `login_failures`), so instances behind one load
//! balancer count together, in a window that starts at the first failure. Past a soft threshold each further attempt is
//! delayed a little more; past a hard threshold the key is answered `RATE_LIMITED` until the
//! window has passed. A success clears the account's count (not the address's).

use crate::error::{ApiError, ApiResult};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};
use std::net::IpAddr;
use std::time::Duration;

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

/// The throttle: its limits per account and per client address. The counts live in the
/// `login_failures` table, so every instance on one database counts together.
#[derive(Debug)]
pub struct LoginThrottle {
    account: Limits,
    address: Limits,
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

/// A stored count for one key.
#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    first_failure_ms: i64,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn account_key(email: &str) -> String {
    format!("account:{email}")
}

fn address_key(address: IpAddr) -> String {
    format!("address:{address}")
}

fn statement(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> Statement {
    crate::db::statement(db.get_database_backend(), sql, values)
}

impl LoginThrottle {
    /// A throttle with the given limits per account and per address.
    pub fn new(account: Limits, address: Limits) -> Self {
        Self { account, address }
    }

    async fn count(&self, db: &DatabaseConnection, key: &str) -> ApiResult<Option<Count>> {
        let row = db
            .query_one_raw(statement(
                db,
                "SELECT failures, first_failure_ms FROM login_failures WHERE key = ?",
                vec![key.into()],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let failures: i32 = row.try_get("", "failures")?;
        let first_failure_ms: i64 = row.try_get("", "first_failure_ms")?;
        Ok(Some(Count {
            failures: u32::try_from(failures).unwrap_or(0),
            first_failure_ms,
        }))
    }

    /// Checks both keys before an attempt: refuses when over the limit, else returns the delay
    /// the caller must wait before answering.
    pub async fn before_attempt(
        &self,
        db: &DatabaseConnection,
        email: &str,
        address: IpAddr,
    ) -> ApiResult<Duration> {
        let now = now_ms();
        let mut delay = Duration::ZERO;
        for (key, limits) in [
            (account_key(email), self.account),
            (address_key(address), self.address),
        ] {
            if let Some(count) = self.count(db, &key).await? {
                delay = delay.max(judge(count, limits, now)?);
            }
        }
        Ok(delay)
    }

    /// Records a failed attempt for both keys, atomically per key (a window that has passed
    /// starts again at one).
    pub async fn failed(&self, db: &DatabaseConnection, email: &str, address: IpAddr) {
        let now = now_ms();
        for (key, limits) in [
            (account_key(email), self.account),
            (address_key(address), self.address),
        ] {
            let window_start = now - limits.window.as_millis() as i64;
            let upsert = statement(
                db,
                "INSERT INTO login_failures (key, failures, first_failure_ms) VALUES (?, 1, ?) \
                 ON CONFLICT (key) DO UPDATE SET \
                 failures = CASE WHEN login_failures.first_failure_ms <= ? THEN 1 \
                   ELSE login_failures.failures + 1 END, \
                 first_failure_ms = CASE WHEN login_failures.first_failure_ms <= ? THEN ? \
                   ELSE login_failures.first_failure_ms END",
                vec![
                    key.into(),
                    now.into(),
                    window_start.into(),
                    window_start.into(),
                    now.into(),
                ],
            );
            // Counting is best effort: a failure to count must not turn into an answer that
            // tells a wrong password apart.
            if let Err(err) = db.execute_raw(upsert).await {
                tracing::warn!(error = %err, "could not count a failed sign-in");
            }
        }
    }

    /// Clears the account's failures after a successful sign-in.
    pub async fn succeeded(&self, db: &DatabaseConnection, email: &str) {
        let delete = statement(
            db,
            "DELETE FROM login_failures WHERE key = ?",
            vec![account_key(email).into()],
        );
        if let Err(err) = db.execute_raw(delete).await {
            tracing::warn!(error = %err, "could not clear failed sign-ins");
        }
    }

    /// Deletes counts whose window has passed; returns how many.
    pub async fn forget_expired(&self, db: &DatabaseConnection) -> ApiResult<u64> {
        let longest = self.account.window.max(self.address.window);
        let cutoff = now_ms() - longest.as_millis() as i64;
        let result = db
            .execute_raw(statement(
                db,
                "DELETE FROM login_failures WHERE first_failure_ms <= ?",
                vec![cutoff.into()],
            ))
            .await?;
        Ok(result.rows_affected())
    }
}

/// The verdict on one key's count at `now_ms`: refused, or the delay to apply.
fn judge(count: Count, limits: Limits, now_ms: i64) -> ApiResult<Duration> {
    let age = Duration::from_millis(u64::try_from(now_ms - count.first_failure_ms).unwrap_or(0));
    if age >= limits.window {
        return Ok(Duration::ZERO);
    }
    if count.failures >= limits.max {
        return Err(ApiError::RateLimited {
            retry_after_secs: (limits.window - age).as_secs().max(1),
        });
    }
    if count.failures > limits.free {
        return Ok(limits.step * (count.failures - limits.free));
    }
    Ok(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slows_then_refuses_then_forgets() {
        let limits = LoginThrottle::default().account;
        let now = 1_000_000_000;
        let count = |failures| Count {
            failures,
            first_failure_ms: now - 1_000,
        };
        assert_eq!(judge(count(3), limits, now).ok(), Some(Duration::ZERO));
        assert!(judge(count(4), limits, now).expect("allowed") > Duration::ZERO);
        assert!(matches!(
            judge(count(10), limits, now),
            Err(ApiError::RateLimited { .. })
        ));
        let old = Count {
            failures: 10,
            first_failure_ms: now - limits.window.as_millis() as i64,
        };
        assert_eq!(judge(old, limits, now).ok(), Some(Duration::ZERO));
    }
}
