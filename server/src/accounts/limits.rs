//! Sign-in rate limits: failed attempts are counted per account and per client address over
//! a sliding window, in the database, so every server process enforces the same limit.

use sqlx::Row;

use crate::storage::{Storage, StorageError};

#[derive(Clone, Copy, Debug)]
pub struct SignInLimits {
    pub window_seconds: i64,
    /// Failures allowed per account in the window: slows guessing one password.
    pub per_account: i64,
    /// Failures allowed per client address: slows one client trying many accounts.
    pub per_address: i64,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            window_seconds: 15 * 60,
            per_account: 5,
            per_address: 20,
        }
    }
}

/// Refused: come back after this many seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limited {
    pub retry_after_seconds: i64,
}

impl SignInLimits {
    /// Whether another attempt may be made for `account` from `address`.
    pub async fn check(
        &self,
        storage: &Storage,
        account: &str,
        address: &str,
    ) -> Result<Result<(), Limited>, StorageError> {
        let now = jiff::Timestamp::now().as_second();
        let since = now - self.window_seconds;
        for (scope, key, allowed) in [
            ("account", account, self.per_account),
            ("address", address, self.per_address),
        ] {
            let row = sqlx::query(
                "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM sign_in_failures \
                 WHERE scope = $1 AND key = $2 AND at > $3",
            )
            .bind(scope)
            .bind(key)
            .bind(since)
            .fetch_one(storage.pool())
            .await?;
            let failures: i64 = row.try_get("n")?;
            if failures >= allowed {
                let oldest: Option<i64> = row.try_get("oldest")?;
                let retry = oldest.map_or(self.window_seconds, |t| t + self.window_seconds - now);
                return Ok(Err(Limited {
                    retry_after_seconds: retry.max(1),
                }));
            }
        }
        Ok(Ok(()))
    }

    /// Counts a failed attempt against both keys, and forgets failures older than the window.
    pub async fn record_failure(
        &self,
        storage: &Storage,
        account: &str,
        address: &str,
    ) -> Result<(), StorageError> {
        let now = jiff::Timestamp::now().as_second();
        let mut tx = storage.pool().begin().await?;
        for (scope, key) in [("account", account), ("address", address)] {
            sqlx::query("INSERT INTO sign_in_failures (scope, key, at) VALUES ($1, $2, $3)")
                .bind(scope)
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM sign_in_failures WHERE at <= $1")
            .bind(now - self.window_seconds)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub async fn clear_account(
        &self,
        storage: &Storage,
        account: &str,
    ) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE scope = 'account' AND key = $1")
            .bind(account)
            .execute(storage.pool())
            .await?;
        Ok(())
    }
}
