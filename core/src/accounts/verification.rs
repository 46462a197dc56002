//! One-time codes: a sign-up becomes an account, and a new phone or email joins a profile,
//! only once the resident types the code that was sent there.

use sqlx::Row;

use super::{passwords, AccountError, Accounts};
use crate::contact::Contact;
use crate::{notify::Notification, secrets::random_token};

/// A code is good for 10 minutes and 5 tries.
pub const CODE_SECONDS: i64 = 10 * 60;
pub const MAX_CODE_ATTEMPTS: i64 = 5;
/// Codes sent per client address per hour, and per contact per 15 minutes.
pub const CODES_PER_CLIENT_HOUR: i64 = 10;
pub const CODES_PER_CONTACT_WINDOW: i64 = 3;

/// A code sent: the handle the resident's next request names, and where it went.
#[derive(Clone, Debug)]
pub struct PendingCode {
    pub id: String,
    pub sent_to: Contact,
}

struct Stored {
    resident_id: Option<String>,
    person_id: Option<String>,
    contact: Contact,
    password_hash: Option<String>,
    display_name: Option<String>,
    code_hash: String,
    expires_at: i64,
}

impl Accounts {
    /// Step one of sign-up: checks the input and sends a code. No account exists yet.
    pub async fn start_sign_up(
        &self,
        contact_input: &str,
        password: &str,
        display_name: &str,
        client: &str,
    ) -> Result<PendingCode, AccountError> {
        let contact = Contact::parse(contact_input).map_err(|_| AccountError::InvalidContact)?;
        passwords::check_policy(password)?;
        let display_name = super::check_display_name(display_name)?;
        // The send limits come first: before the account lookup (which would otherwise list
        // registered contacts at any speed) and before argon2 (which costs a core).
        self.reserve_send(&contact, client).await?;
        if self.find_by_contact(&contact).await?.is_some() {
            return Err(AccountError::ContactTaken);
        }
        let hash = passwords::hash(password.to_owned()).await?;
        self.send_code(
            NewCode {
                purpose: "signup",
                password_hash: Some(hash),
                display_name: Some(display_name),
                ..NewCode::default()
            },
            contact,
            client,
        )
        .await
    }

    /// Step two of sign-up: the right code creates the account. Returns the resident id.
    pub async fn finish_sign_up(
        &self,
        pending_id: &str,
        code: &str,
    ) -> Result<String, AccountError> {
        let stored = self.check_code(pending_id, "signup", code).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.storage.begin().await?;
        let sql = format!(
            "INSERT INTO residents (id, {}, password_hash, display_name, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
            stored.contact.column()
        );
        let inserted = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&id)
            .bind(stored.contact.address())
            .bind(stored.password_hash.unwrap_or_default())
            .bind(stored.display_name.unwrap_or_default())
            .bind(self.storage.clock().seconds())
            .execute(&mut *tx)
            .await;
        inserted.map_err(taken_or_storage)?;
        sqlx::query("DELETE FROM verifications WHERE id = $1")
            .bind(pending_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds (or replaces) the phone or email of a signed-in resident: sends a code first.
    pub async fn start_contact_change(
        &self,
        resident_id: &str,
        contact_input: &str,
        client: &str,
    ) -> Result<PendingCode, AccountError> {
        let contact = Contact::parse(contact_input).map_err(|_| AccountError::InvalidContact)?;
        self.reserve_send(&contact, client).await?;
        match self.find_by_contact(&contact).await? {
            Some(owner) if owner != resident_id => return Err(AccountError::ContactTaken),
            _ => {}
        }
        self.send_code(
            NewCode {
                purpose: "contact",
                resident_id: Some(resident_id),
                ..NewCode::default()
            },
            contact,
            client,
        )
        .await
    }

    pub async fn finish_contact_change(
        &self,
        resident_id: &str,
        pending_id: &str,
        code: &str,
    ) -> Result<Contact, AccountError> {
        let stored = self.check_code(pending_id, "contact", code).await?;
        if stored.resident_id.as_deref() != Some(resident_id) {
            return Err(AccountError::CodeExpired);
        }
        let mut tx = self.storage.begin().await?;
        let sql = format!(
            "UPDATE residents SET {} = $1 WHERE id = $2",
            stored.contact.column()
        );
        let updated = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(stored.contact.address())
            .bind(resident_id)
            .execute(&mut *tx)
            .await;
        updated.map_err(taken_or_storage)?;
        sqlx::query("DELETE FROM verifications WHERE id = $1")
            .bind(pending_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(stored.contact)
    }

    /// Where a pending code went, for the "enter the code" page.
    pub async fn pending_contact(&self, pending_id: &str) -> Result<Option<Contact>, AccountError> {
        Ok(self
            .load(pending_id)
            .await?
            .and_then(|s| (s.expires_at > self.storage.clock().seconds()).then_some(s.contact)))
    }

    /// Sends a code to the mobile number of one of the resident's people, to prove them
    /// ([`crate::people::proof`]); the send limits are those of every code.
    pub async fn start_person_proof(
        &self,
        resident_id: &str,
        person_id: &str,
        mobile: &str,
        client: &str,
    ) -> Result<PendingCode, AccountError> {
        let contact = Contact::parse(mobile).map_err(|_| AccountError::InvalidContact)?;
        self.reserve_send(&contact, client).await?;
        self.send_code(
            NewCode {
                purpose: "person",
                resident_id: Some(resident_id),
                person_id: Some(person_id),
                ..NewCode::default()
            },
            contact,
            client,
        )
        .await
    }

    /// The right code of a person's proof: the id of the person it proves, and where the
    /// code went (the person's mobile number as it was when the code was sent).
    pub async fn finish_person_proof(
        &self,
        resident_id: &str,
        pending_id: &str,
        code: &str,
    ) -> Result<(String, Contact), AccountError> {
        let stored = self.check_code(pending_id, "person", code).await?;
        let person_id = stored
            .person_id
            .filter(|_| stored.resident_id.as_deref() == Some(resident_id))
            .ok_or(AccountError::CodeExpired)?;
        sqlx::query("DELETE FROM verifications WHERE id = $1")
            .bind(pending_id)
            .execute(self.storage.pool())
            .await?;
        Ok((person_id, stored.contact))
    }

    async fn send_code(
        &self,
        new: NewCode<'_>,
        contact: Contact,
        client: &str,
    ) -> Result<PendingCode, AccountError> {
        let now = self.storage.clock().seconds();
        let pool = self.storage.pool();
        let id = random_token()?;
        let code = six_digits()?;
        sqlx::query(
            "INSERT INTO verifications (id, purpose, resident_id, channel, address, \
               password_hash, display_name, person_id, code_hash, requested_by, created_at, \
               expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&id)
        .bind(new.purpose)
        .bind(new.resident_id)
        .bind(contact.channel())
        .bind(contact.address())
        .bind(new.password_hash)
        .bind(new.display_name)
        .bind(new.person_id)
        .bind(self.code_hash(&id, &code))
        .bind(client)
        .bind(now)
        .bind(now + CODE_SECONDS)
        .execute(pool)
        .await?;
        if let Err(error) = self
            .notifier
            .send(&contact, &Notification::VerificationCode { code }, &id)
            .await
        {
            // Nothing was sent: the pending row is useless, and must not count as a send.
            sqlx::query("DELETE FROM verifications WHERE id = $1")
                .bind(&id)
                .execute(pool)
                .await?;
            tracing::warn!(%error, to = %contact, "verification code not sent");
            return Err(error.into());
        }
        tracing::info!(to = %contact, purpose = new.purpose, "verification code sent");
        Ok(PendingCode {
            id,
            sent_to: contact,
        })
    }

    /// Counts a request for a code against its client address (per hour) and its contact
    /// (per 15 minutes), refusing it past the limits. The request is written before it is
    /// counted, so a burst of parallel requests is counted as it arrives.
    async fn reserve_send(&self, contact: &Contact, client: &str) -> Result<(), AccountError> {
        let now = self.storage.clock().seconds();
        let pool = self.storage.pool();
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query("DELETE FROM code_requests WHERE at < $1")
            .bind(now - 3600)
            .execute(pool)
            .await?;
        sqlx::query("DELETE FROM verifications WHERE expires_at < $1")
            .bind(now - 3600)
            .execute(pool)
            .await?;
        sqlx::query(
            "INSERT INTO code_requests (id, requested_by, address, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(client)
        .bind(contact.address())
        .bind(now)
        .execute(pool)
        .await?;
        let by_client: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM code_requests WHERE requested_by = $1 AND at > $2 AND id <> $3",
        )
        .bind(client)
        .bind(now - 3600)
        .bind(&id)
        .fetch_one(pool)
        .await?
        .try_get("n")?;
        let by_contact: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM code_requests WHERE address = $1 AND at > $2 AND id <> $3",
        )
        .bind(contact.address())
        .bind(now - 15 * 60)
        .bind(&id)
        .fetch_one(pool)
        .await?
        .try_get("n")?;
        if by_client >= CODES_PER_CLIENT_HOUR || by_contact >= CODES_PER_CONTACT_WINDOW {
            sqlx::query("DELETE FROM code_requests WHERE id = $1")
                .bind(&id)
                .execute(pool)
                .await?;
            return Err(AccountError::TooManyCodes);
        }
        Ok(())
    }

    fn code_hash(&self, pending_id: &str, code: &str) -> String {
        crate::secrets::base64url(
            &self
                .secret
                .keyed_hash("verification-code", &[pending_id, code]),
        )
    }

    async fn load(&self, pending_id: &str) -> Result<Option<Stored>, AccountError> {
        let row = sqlx::query(
            "SELECT resident_id, person_id, channel, address, password_hash, display_name, \
               code_hash, expires_at FROM verifications WHERE id = $1",
        )
        .bind(pending_id)
        .fetch_optional(self.storage.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let channel: String = row.try_get("channel")?;
        Ok(Some(Stored {
            resident_id: row.try_get("resident_id")?,
            person_id: row.try_get("person_id")?,
            contact: Contact::from_stored(&channel, row.try_get("address")?),
            password_hash: row.try_get("password_hash")?,
            display_name: row.try_get("display_name")?,
            code_hash: row.try_get("code_hash")?,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    async fn check_code(
        &self,
        pending_id: &str,
        purpose: &str,
        code: &str,
    ) -> Result<Stored, AccountError> {
        // Take one of the code's tries first, in one statement, so that parallel guesses
        // cannot all read "tries left" before any of them is counted.
        let taken = sqlx::query(
            "UPDATE verifications SET attempts = attempts + 1 \
             WHERE id = $1 AND purpose = $2 AND attempts < $3 AND expires_at > $4",
        )
        .bind(pending_id)
        .bind(purpose)
        .bind(MAX_CODE_ATTEMPTS)
        .bind(self.storage.clock().seconds())
        .execute(self.storage.pool())
        .await?;
        if taken.rows_affected() != 1 {
            return Err(AccountError::CodeExpired);
        }
        let stored = self
            .load(pending_id)
            .await?
            .ok_or(AccountError::CodeExpired)?;
        let code: String = code.chars().filter(char::is_ascii_digit).collect();
        if self.code_hash(pending_id, &code) != stored.code_hash {
            return Err(AccountError::WrongCode);
        }
        Ok(stored)
    }
}

/// What a code is for, beside where it goes.
#[derive(Default)]
struct NewCode<'a> {
    purpose: &'a str,
    resident_id: Option<&'a str>,
    person_id: Option<&'a str>,
    password_hash: Option<String>,
    display_name: Option<&'a str>,
}

fn six_digits() -> Result<String, AccountError> {
    let bytes = crate::secrets::random_bytes::<4>()?;
    Ok(format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000))
}

/// A unique violation on a contact column means someone else verified the same contact in
/// the meantime.
fn taken_or_storage(error: sqlx::Error) -> AccountError {
    match &error {
        sqlx::Error::Database(e) if e.is_unique_violation() => AccountError::ContactTaken,
        _ => error.into(),
    }
}
