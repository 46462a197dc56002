//! Sign-in rate limits: attempts are counted per account and per client address over a
//! sliding window, in the database, so every server process enforces the same limit.
//!
//! An attempt is written before the password is checked and removed when it succeeds, so
//! that a burst of parallel guesses is counted as it arrives, not after argon2 has finished
//! with each of them.

use std::borrow::Cow;

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

/// Whose failures an attempt counts against. Each kind of secret keeps its own count, and
/// the stored key always begins with the kind's tag, so no typed text can name another
/// kind's count (a contact typed as `passkey:someone@example.com` is still a password
/// attempt).
#[derive(Clone, Copy, Debug)]
pub enum Account<'a> {
    /// A resident's password, by the contact typed (normalised when it parses).
    Password(&'a str),
    /// A resident's passkeys, by contact or resident id.
    Passkey(&'a str),
    /// A signed-in resident re-entering their password, by resident id.
    Resident(&'a str),
    /// An admin's password, by user name.
    Admin(&'a str),
    /// A resident's checks of a person's identity ([`crate::people::proof`]), by resident id.
    Identity(&'a str),
    /// A resident's look-ups of utility accounts, by resident id.
    BillAccount(&'a str),
    /// Guesses about one target (a utility account, a mobile number), whoever makes them:
    /// many residents and addresses guessing at one account are still counted.
    Target { kind: &'static str, target: &'a str },
    /// A resident's submissions of a form that calls a provider ([`count_submission`]).
    Form {
        form: &'static str,
        resident: &'a str,
    },
}

impl Account<'_> {
    /// The kind of limit the attempt counts against: its window, its per-address count and
    /// its purge are the kind's own, so that no kind's attempts clear or fill another's.
    /// Every way of signing in is one kind (one client trying many accounts is one client,
    /// whichever secret it guesses).
    fn kind(self) -> Cow<'static, str> {
        match self {
            Account::Password(_) | Account::Passkey(_) | Account::Resident(_) => "sign-in".into(),
            Account::Admin(_) => "admin-sign-in".into(),
            Account::Identity(_) => "identity".into(),
            Account::BillAccount(_) => "bill-account".into(),
            Account::Target { kind, .. } => format!("target-{kind}").into(),
            Account::Form { form, .. } => format!("form-{form}").into(),
        }
    }

    /// The stored key of the account's count: `{kind}/{tag}:{value}`.
    fn key(self) -> String {
        let (tag, value): (&str, &str) = match self {
            Account::Password(v) => ("password", v),
            Account::Passkey(v) => ("passkey", v),
            Account::Resident(v) => ("resident", v),
            Account::Admin(v) => ("admin", v),
            Account::Identity(v) => ("identity", v),
            Account::BillAccount(v) => ("bill-account", v),
            Account::Target { target, .. } => ("target", target),
            Account::Form { resident, .. } => ("resident", resident),
        };
        // What is typed counts, up to the longest contact there is: a key is stored with
        // every attempt, and a longer one would only cost space.
        let value = crate::plain_text::cut(value, crate::contact::MAX_ADDRESS);
        format!("{}/{tag}:{value}", self.kind())
    }

    /// The stored key of the client address's count of this kind: `{kind}@{address}`.
    fn address_key(self, address: &str) -> String {
        format!("{}@{}", self.kind(), crate::plain_text::cut(address, 64))
    }
}

/// Submissions of a form that calls a provider for a resident (pay, book, save an account,
/// add or prove a person, go back to a payment page): at most 20 per resident in 10 minutes,
/// whatever they end in, so that no one resident's taps can spend a provider's patience (its
/// rate limit, the portal's breaker) for everyone. Per resident only: the residents behind
/// one carrier's NAT share an address, and each is signed in already.
pub const FORM_LIMITS: SignInLimits = SignInLimits {
    window_seconds: 600,
    per_account: 20,
    per_address: i64::MAX,
};

/// Too many submissions of a form: come back after this many seconds.
#[derive(Debug, thiserror::Error)]
pub enum FormLimitError {
    #[error("too many submissions; retry in {retry_after_seconds} s")]
    TooMany { retry_after_seconds: i64 },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl crate::web::error::PublicError for FormLimitError {
    fn status(&self) -> axum::http::StatusCode {
        match self {
            FormLimitError::TooMany { .. } => axum::http::StatusCode::TOO_MANY_REQUESTS,
            FormLimitError::Storage(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            FormLimitError::TooMany { .. } => "account-error-rate-limited",
            FormLimitError::Storage(_) => crate::web::error::INTERNAL,
        }
    }

    fn message_args(&self) -> Vec<(&'static str, String)> {
        match self {
            FormLimitError::TooMany {
                retry_after_seconds,
            } => vec![("retry", ((retry_after_seconds + 59) / 60).to_string())],
            FormLimitError::Storage(_) => Vec::new(),
        }
    }
}

/// Counts a submission of `form` by the resident from `client`, or refuses it past
/// [`FORM_LIMITS`].
pub async fn count_submission(
    storage: &Storage,
    form: &'static str,
    resident: &str,
    client: &str,
) -> Result<(), FormLimitError> {
    match FORM_LIMITS
        .begin(storage, Account::Form { form, resident }, client)
        .await?
    {
        // Counted whatever it ends in: it is never withdrawn.
        Ok(_) => Ok(()),
        Err(limited) => Err(FormLimitError::TooMany {
            retry_after_seconds: limited.retry_after_seconds,
        }),
    }
}

/// Refused: come back after this many seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limited {
    pub retry_after_seconds: i64,
}

/// An attempt under way; it counts as a failure unless `succeeded` is called.
#[derive(Debug)]
pub struct Attempt {
    id: String,
    account: String,
    at: i64,
}

impl SignInLimits {
    /// Records an attempt for `account` from `address`, or refuses it when either has used
    /// up its failures in the window (this attempt included).
    pub async fn begin(
        &self,
        storage: &Storage,
        account: Account<'_>,
        address: &str,
    ) -> Result<Result<Attempt, Limited>, StorageError> {
        let account_key = account.key();
        let address_key = account.address_key(address);
        let kind = account.kind();
        let (account, address) = (account_key.as_str(), address_key.as_str());
        let now = storage.clock().seconds();
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = storage.begin().await?;
        // Only this kind's old attempts: another kind's window may be longer.
        sqlx::query("DELETE FROM sign_in_failures WHERE at <= $1 AND (key LIKE $2 OR key LIKE $3)")
            .bind(now - self.window_seconds)
            .bind(format!("{kind}/%"))
            .bind(format!("{kind}@%"))
            .execute(&mut *tx)
            .await?;
        for (scope, key) in [("account", account), ("address", address)] {
            sqlx::query(
                "INSERT INTO sign_in_failures (attempt, scope, key, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&id)
            .bind(scope)
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        for (scope, key, allowed) in [
            ("account", account, self.per_account),
            ("address", address, self.per_address),
        ] {
            let row = sqlx::query(
                "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM sign_in_failures \
                 WHERE scope = $1 AND key = $2 AND at > $3 AND attempt <> $4",
            )
            .bind(scope)
            .bind(key)
            .bind(now - self.window_seconds)
            .bind(&id)
            .fetch_one(storage.pool())
            .await?;
            let earlier: i64 = row.try_get("n")?;
            if earlier >= allowed {
                self.forget(storage, &id).await?;
                let oldest: Option<i64> = row.try_get("oldest")?;
                let retry = oldest.map_or(self.window_seconds, |t| t + self.window_seconds - now);
                return Ok(Err(Limited {
                    retry_after_seconds: retry.max(1),
                }));
            }
        }
        Ok(Ok(Attempt {
            id,
            account: account.to_owned(),
            at: now,
        }))
    }

    /// The attempt succeeded: it is no failure, and the account's earlier failures are
    /// forgiven (not the address's, and not attempts that began since, which may be guesses
    /// still under way).
    pub async fn succeeded(&self, storage: &Storage, attempt: Attempt) -> Result<(), StorageError> {
        self.forget(storage, &attempt.id).await?;
        sqlx::query(
            "DELETE FROM sign_in_failures WHERE scope = 'account' AND key = $1 AND at <= $2",
        )
        .bind(&attempt.account)
        .bind(attempt.at)
        .execute(storage.pool())
        .await?;
        Ok(())
    }

    /// The attempt turned out not to be a guess at a secret (a passkey challenge was
    /// issued): it does not count, but forgives nothing.
    pub async fn withdraw(&self, storage: &Storage, attempt: Attempt) -> Result<(), StorageError> {
        self.forget(storage, &attempt.id).await
    }

    async fn forget(&self, storage: &Storage, attempt: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE attempt = $1")
            .bind(attempt)
            .execute(storage.pool())
            .await?;
        Ok(())
    }
}
