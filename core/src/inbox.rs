//! The residents' inbox: messages from services and announcements from providers. A
//! provider's announcements are limited per period by its account type (config), counted
//! atomically in the database so that concurrent posts on several processes cannot exceed it.

use sqlx::Row;

use crate::{
    config::{AccountType, CityConfig},
    secrets::{random_token, token_hash, SecretError},
    storage::{Storage, StorageError},
};

pub const MAX_TITLE: usize = 80;
pub const MAX_BODY: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("title must be 1 to {MAX_TITLE} characters of text, without control characters")]
    BadTitle,
    #[error("body must be 1 to {MAX_BODY} characters of text, without control characters")]
    BadBody,
    #[error("unknown region '{0}'")]
    UnknownRegion(String),
    #[error("the {} account's allowance for {period} is used up ({allowed} per {})", .account.id(), if matches!(.account, AccountType::Service) { "month" } else { "day" })]
    QuotaExhausted {
        account: AccountType,
        period: String,
        allowed: i64,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Random(#[from] SecretError),
}

impl From<sqlx::Error> for InboxError {
    fn from(error: sqlx::Error) -> Self {
        InboxError::Storage(error.into())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    /// "service" or "announcement".
    pub kind: String,
    pub provider_id: Option<String>,
    pub city_id: Option<String>,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read: bool,
}

/// Where an announcement went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announced {
    pub id: String,
    pub recipients: i64,
    pub remaining_in_period: i64,
}

impl AccountType {
    pub fn allowance(self) -> i64 {
        match self {
            AccountType::Service => 4,
            AccountType::Subscription => 1,
        }
    }

    /// The period an announcement made at `now` counts against, in the city's own calendar.
    pub fn period(self, now: jiff::Timestamp, city: &CityConfig) -> String {
        let local = now.to_zoned_datetime(city.time_zone.clone());
        match self {
            AccountType::Service => local.strftime("%Y-%m").to_string(),
            AccountType::Subscription => local.strftime("%Y-%m-%d").to_string(),
        }
    }
}

#[derive(Clone)]
pub struct Inbox {
    storage: Storage,
}

impl Inbox {
    pub fn new(storage: Storage) -> Inbox {
        Inbox { storage }
    }

    /// A message from a service to one resident (status changes, confirmations, receipts).
    pub async fn deliver(
        &self,
        resident_id: &str,
        provider_id: Option<&str>,
        city_id: Option<&str>,
        title: &str,
        body: &str,
    ) -> Result<String, InboxError> {
        let mut tx = self.storage.begin().await?;
        let id = Inbox::deliver_in(&mut tx, resident_id, provider_id, city_id, title, body).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// As [`Inbox::deliver`], inside the caller's transaction: the message exists exactly
    /// when what it tells of does (a payment settled, a refund made).
    pub async fn deliver_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        resident_id: &str,
        provider_id: Option<&str>,
        city_id: Option<&str>,
        title: &str,
        body: &str,
    ) -> Result<String, StorageError> {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO inbox_messages (id, resident_id, kind, provider_id, city_id, title, body, created_at) \
             VALUES ($1, $2, 'service', $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(resident_id)
        .bind(provider_id)
        .bind(city_id)
        .bind(title)
        .bind(body)
        // Inside any caller's transaction, so on the system's clock: a message says when it
        // was written in the world, and nothing is due by it.
        .bind(jiff::Timestamp::now().as_second())
        .execute(&mut **tx)
        .await?;
        Ok(id)
    }

    /// Posts an announcement to the residents whose home is the city (or one region of it),
    /// except those who muted the provider. Refused once the provider's allowance is used.
    pub async fn announce(
        &self,
        provider_id: &str,
        account: AccountType,
        city: &CityConfig,
        region_id: Option<&str>,
        title: &str,
        body: &str,
    ) -> Result<Announced, InboxError> {
        let title = title.trim();
        let body = body.trim();
        let hidden = crate::plain_text::has_hidden_controls;
        if title.is_empty() || title.chars().count() > MAX_TITLE || hidden(title) {
            return Err(InboxError::BadTitle);
        }
        if body.is_empty() || body.chars().count() > MAX_BODY || hidden(body) {
            return Err(InboxError::BadBody);
        }
        if let Some(region) = region_id {
            if city.region(region).is_none() {
                return Err(InboxError::UnknownRegion(region.chars().take(64).collect()));
            }
        }
        let now = self.storage.clock().now();
        let period = account.period(now, city);
        let allowed = account.allowance();
        let mut tx = self.storage.begin().await?;
        // One statement takes a unit of allowance or takes nothing: the WHERE on the update
        // makes the increment conditional, and no row comes back when it is used up.
        let used: Option<i64> = sqlx::query(
            "INSERT INTO announcement_quota (provider_id, period, used) VALUES ($1, $2, 1) \
             ON CONFLICT (provider_id, period) DO UPDATE SET used = announcement_quota.used + 1 \
             WHERE announcement_quota.used < $3 RETURNING used",
        )
        .bind(provider_id)
        .bind(&period)
        .bind(allowed)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| row.try_get("used"))
        .transpose()?;
        let Some(used) = used else {
            return Err(InboxError::QuotaExhausted {
                account,
                period,
                allowed,
            });
        };
        let id = uuid::Uuid::new_v4().to_string();
        // When it was written, in the world's time, as every inbox message (the quota's
        // period above goes by the portal's clock).
        let at = jiff::Timestamp::now().as_second();
        let fan_out = sqlx::query(
            "INSERT INTO inbox_messages (id, resident_id, kind, provider_id, city_id, title, body, created_at) \
             SELECT $1 || ':' || r.id, r.id, 'announcement', $2, $3, $4, $5, $6 FROM residents r \
             WHERE r.home_city = $3 AND ($7 IS NULL OR r.home_region = $7) \
               AND NOT EXISTS (SELECT 1 FROM provider_mutes m \
                               WHERE m.resident_id = r.id AND m.provider_id = $2)",
        )
        .bind(&id)
        .bind(provider_id)
        .bind(&city.id)
        .bind(title)
        .bind(body)
        .bind(at)
        .bind(region_id)
        .execute(&mut *tx)
        .await?;
        let recipients = i64::try_from(fan_out.rows_affected()).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO announcements (id, provider_id, city_id, region_id, title, body, posted_at, recipients) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(provider_id)
        .bind(&city.id)
        .bind(region_id)
        .bind(title)
        .bind(body)
        .bind(at)
        .bind(recipients)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Announced {
            id,
            recipients,
            remaining_in_period: allowed - used,
        })
    }

    pub async fn messages(
        &self,
        resident_id: &str,
        limit: i64,
    ) -> Result<Vec<Message>, InboxError> {
        let rows = sqlx::query(
            "SELECT id, kind, provider_id, city_id, title, body, created_at, read_at \
             FROM inbox_messages WHERE resident_id = $1 ORDER BY created_at DESC, id LIMIT $2",
        )
        .bind(resident_id)
        .bind(limit)
        .fetch_all(self.storage.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Message {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    provider_id: r.try_get("provider_id")?,
                    city_id: r.try_get("city_id")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    created_at: r.try_get("created_at")?,
                    read: r.try_get::<Option<i64>, _>("read_at")?.is_some(),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(InboxError::from)
    }

    pub async fn unread_count(&self, resident_id: &str) -> Result<i64, InboxError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM inbox_messages WHERE resident_id = $1 AND read_at IS NULL",
        )
        .bind(resident_id)
        .fetch_one(self.storage.pool())
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Marks one message (or all, with `None`) read; only the resident's own.
    pub async fn mark_read(
        &self,
        resident_id: &str,
        message_id: Option<&str>,
    ) -> Result<u64, InboxError> {
        let done = sqlx::query(
            "UPDATE inbox_messages SET read_at = $1 \
             WHERE resident_id = $2 AND read_at IS NULL AND ($3 IS NULL OR id = $3)",
        )
        .bind(self.storage.clock().seconds())
        .bind(resident_id)
        .bind(message_id)
        .execute(self.storage.pool())
        .await?;
        Ok(done.rows_affected())
    }

    pub async fn set_muted(
        &self,
        resident_id: &str,
        provider_id: &str,
        muted: bool,
    ) -> Result<(), InboxError> {
        if muted {
            sqlx::query(
                "INSERT INTO provider_mutes (resident_id, provider_id, muted_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (resident_id, provider_id) DO NOTHING",
            )
            .bind(resident_id)
            .bind(provider_id)
            .bind(self.storage.clock().seconds())
            .execute(self.storage.pool())
            .await?;
        } else {
            sqlx::query("DELETE FROM provider_mutes WHERE resident_id = $1 AND provider_id = $2")
                .bind(resident_id)
                .bind(provider_id)
                .execute(self.storage.pool())
                .await?;
        }
        Ok(())
    }

    pub async fn muted(&self, resident_id: &str) -> Result<Vec<String>, InboxError> {
        let rows = sqlx::query(
            "SELECT provider_id FROM provider_mutes WHERE resident_id = $1 ORDER BY provider_id",
        )
        .bind(resident_id)
        .fetch_all(self.storage.pool())
        .await?;
        rows.iter()
            .map(|r| r.try_get("provider_id"))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(InboxError::from)
    }

    /// A bearer token for the Provider API, shown once; only its hash is kept.
    pub async fn issue_provider_token(
        &self,
        provider_id: &str,
        issued_by: &str,
    ) -> Result<String, InboxError> {
        let token = format!("cpp_{}", random_token()?);
        sqlx::query(
            "INSERT INTO provider_tokens (token_hash, provider_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash(&token))
        .bind(provider_id)
        .bind(self.storage.clock().seconds())
        .bind(issued_by)
        .execute(self.storage.pool())
        .await?;
        Ok(token)
    }

    pub async fn provider_of_token(&self, token: &str) -> Result<Option<String>, InboxError> {
        let row = sqlx::query("SELECT provider_id FROM provider_tokens WHERE token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(self.storage.pool())
            .await?;
        Ok(row.map(|r| r.try_get("provider_id")).transpose()?)
    }
}
