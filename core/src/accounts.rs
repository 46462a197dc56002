//! Resident accounts: sign-up with a verified phone number or email and a password, sign-in
//! (rate limited), passkeys, and the profile. Sessions live in `crate::sessions`.

pub mod limits;
pub mod passkeys;
pub mod passwords;
pub mod verification;

use std::sync::Arc;

use axum::http::StatusCode;
use sqlx::Row;

use crate::contact::Contact;
use crate::{
    notify::{Notifier, NotifyError},
    secrets::{SecretError, ServerSecret},
    storage::{Storage, StorageError},
};
use limits::{Account, SignInLimits};

/// What can go wrong for a resident; each has a message they can act on (`message_key`).
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("not a phone number or email address")]
    InvalidContact,
    #[error("password too short")]
    PasswordTooShort,
    #[error("password too long")]
    PasswordTooLong,
    #[error("display name too long")]
    NameTooLong,
    #[error("display name holds markup or hidden characters")]
    NameNotPlain,
    #[error("an account already uses this contact")]
    ContactTaken,
    #[error("wrong contact or password")]
    WrongCredentials,
    #[error("wrong current password")]
    WrongPassword,
    #[error("too many attempts; retry in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: i64 },
    #[error("code expired or unknown")]
    CodeExpired,
    #[error("wrong code")]
    WrongCode,
    #[error("too many codes requested")]
    TooManyCodes,
    #[error("the code could not be sent: {0}")]
    NotSent(#[from] NotifyError),
    #[error("no passkey for this account")]
    NoPasskey,
    #[error("passkey check failed: {0}")]
    Passkey(String),
    #[error("unknown city or district")]
    UnknownPlace,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Random(#[from] SecretError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// A display name as others may read it: trimmed, not too long, plain text.
pub fn check_display_name(name: &str) -> Result<&str, AccountError> {
    let name = name.trim();
    if name.chars().count() > MAX_DISPLAY_NAME {
        return Err(AccountError::NameTooLong);
    }
    if crate::plain_text::has_markup(name) || crate::plain_text::has_hidden_controls(name) {
        return Err(AccountError::NameNotPlain);
    }
    Ok(name)
}

impl From<sqlx::Error> for AccountError {
    fn from(error: sqlx::Error) -> Self {
        AccountError::Storage(error.into())
    }
}

impl From<passwords::PasswordError> for AccountError {
    fn from(error: passwords::PasswordError) -> Self {
        match error {
            passwords::PasswordError::TooShort => AccountError::PasswordTooShort,
            passwords::PasswordError::TooLong => AccountError::PasswordTooLong,
            passwords::PasswordError::Hashing(e) => AccountError::Hashing(e),
        }
    }
}

impl crate::web::error::PublicError for AccountError {
    fn status(&self) -> StatusCode {
        match self {
            AccountError::RateLimited { .. } | AccountError::TooManyCodes => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AccountError::Storage(_) | AccountError::Random(_) | AccountError::Hashing(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            // The notification provider failed: a fault to see in the log.
            AccountError::NotSent(_) => StatusCode::BAD_GATEWAY,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            AccountError::InvalidContact => "account-error-contact",
            AccountError::PasswordTooShort => "account-error-password-short",
            AccountError::PasswordTooLong => "account-error-password-long",
            AccountError::NameTooLong => "account-error-name-long",
            AccountError::NameNotPlain => "account-error-name-not-plain",
            AccountError::ContactTaken => "account-error-taken",
            AccountError::WrongCredentials => "account-error-credentials",
            AccountError::WrongPassword => "account-error-current-password",
            AccountError::RateLimited { .. } => "account-error-rate-limited",
            AccountError::CodeExpired => "account-error-code-expired",
            AccountError::WrongCode => "account-error-code-wrong",
            AccountError::TooManyCodes => "account-error-too-many-codes",
            AccountError::NotSent(_) => "account-error-not-sent",
            AccountError::NoPasskey => "account-error-no-passkey",
            AccountError::Passkey(_) => "account-error-passkey",
            AccountError::UnknownPlace => "account-error-place",
            AccountError::Storage(_) | AccountError::Random(_) | AccountError::Hashing(_) => {
                "error-internal"
            }
        }
    }

    /// How long to wait, in whole minutes, when rate limited.
    fn message_args(&self) -> Vec<(&'static str, String)> {
        match self {
            AccountError::RateLimited {
                retry_after_seconds,
            } => vec![("retry", ((retry_after_seconds + 59) / 60).to_string())],
            _ => Vec::new(),
        }
    }
}

/// A resident's profile as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resident {
    pub id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub display_name: String,
    pub home_city: Option<String>,
    pub home_region: Option<String>,
    pub created_at: i64,
}

pub const MAX_DISPLAY_NAME: usize = 60;

pub struct Accounts {
    pub(crate) storage: Storage,
    pub(crate) notifier: Arc<dyn Notifier>,
    pub(crate) secret: ServerSecret,
    pub(crate) webauthn: webauthn_rs::Webauthn,
    pub limits: SignInLimits,
}

impl Accounts {
    pub fn new(
        storage: Storage,
        notifier: Arc<dyn Notifier>,
        secret: ServerSecret,
        webauthn: webauthn_rs::Webauthn,
    ) -> Accounts {
        Accounts {
            storage,
            notifier,
            secret,
            webauthn,
            limits: SignInLimits::default(),
        }
    }

    /// Password sign-in. `client` is the client's address, for the rate limit.
    pub async fn sign_in(
        &self,
        contact_input: &str,
        password: &str,
        client: &str,
    ) -> Result<String, AccountError> {
        // Count attempts against what was typed, normalised when it parses, so that
        // variants of one contact share a limit.
        let account_key = Contact::parse(contact_input).map_or_else(
            |_| contact_input.trim().to_lowercase(),
            |c| c.address().to_owned(),
        );
        let attempt = self
            .limits
            .begin(&self.storage, Account::Password(&account_key), client)
            .await?
            .map_err(|limited| AccountError::RateLimited {
                retry_after_seconds: limited.retry_after_seconds,
            })?;
        let found = match Contact::parse(contact_input) {
            Ok(contact) => self.find_credentials(&contact).await?,
            Err(_) => None,
        };
        let (id, stored) = found.map_or((None, None), |(id, hash)| (Some(id), Some(hash)));
        if passwords::verify(password.to_owned(), stored).await {
            if let Some(id) = id {
                self.limits.succeeded(&self.storage, attempt).await?;
                return Ok(id);
            }
        }
        // The attempt stays recorded: a failure.
        Err(AccountError::WrongCredentials)
    }

    async fn find_credentials(
        &self,
        contact: &Contact,
    ) -> Result<Option<(String, String)>, AccountError> {
        let sql = format!(
            "SELECT id, password_hash FROM residents WHERE {} = $1",
            contact.column()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contact.address())
            .fetch_optional(self.storage.pool())
            .await?;
        Ok(row
            .map(|r| Ok::<_, sqlx::Error>((r.try_get("id")?, r.try_get("password_hash")?)))
            .transpose()?)
    }

    /// The resident's id, if `contact` belongs to an account.
    pub async fn find_by_contact(&self, contact: &Contact) -> Result<Option<String>, AccountError> {
        Ok(self.find_credentials(contact).await?.map(|(id, _)| id))
    }

    pub async fn resident(&self, id: &str) -> Result<Option<Resident>, AccountError> {
        let row = sqlx::query(
            "SELECT id, email, phone, display_name, home_city, home_region, created_at \
             FROM residents WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.storage.pool())
        .await?;
        Ok(row
            .map(|r| {
                Ok::<_, sqlx::Error>(Resident {
                    id: r.try_get("id")?,
                    email: r.try_get("email")?,
                    phone: r.try_get("phone")?,
                    display_name: r.try_get("display_name")?,
                    home_city: r.try_get("home_city")?,
                    home_region: r.try_get("home_region")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .transpose()?)
    }

    /// Replaces the password after checking the current one (rate limited like sign-in).
    pub async fn change_password(
        &self,
        resident_id: &str,
        current: &str,
        new: &str,
        client: &str,
    ) -> Result<(), AccountError> {
        passwords::check_policy(new)?;
        let attempt = self
            .limits
            .begin(&self.storage, Account::Resident(resident_id), client)
            .await?
            .map_err(|limited| AccountError::RateLimited {
                retry_after_seconds: limited.retry_after_seconds,
            })?;
        let stored: Option<String> =
            sqlx::query("SELECT password_hash FROM residents WHERE id = $1")
                .bind(resident_id)
                .fetch_optional(self.storage.pool())
                .await?
                .map(|row| row.try_get("password_hash"))
                .transpose()?;
        if !passwords::verify(current.to_owned(), stored).await {
            return Err(AccountError::WrongPassword);
        }
        self.limits.succeeded(&self.storage, attempt).await?;
        let hash = passwords::hash(new.to_owned()).await?;
        sqlx::query("UPDATE residents SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(resident_id)
            .execute(self.storage.pool())
            .await?;
        Ok(())
    }

    /// Saves the display name and home; the caller has checked the place exists.
    pub async fn update_profile(
        &self,
        id: &str,
        display_name: &str,
        home_city: Option<&str>,
        home_region: Option<&str>,
    ) -> Result<(), AccountError> {
        let display_name = check_display_name(display_name)?;
        sqlx::query(
            "UPDATE residents SET display_name = $1, home_city = $2, home_region = $3 \
             WHERE id = $4",
        )
        .bind(display_name)
        .bind(home_city)
        .bind(home_region.filter(|_| home_city.is_some()))
        .bind(id)
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }
}
