//! Payments as stored: each one's state moves only forward, by the moves of
//! [`crate::lifecycle`] (conditional UPDATEs), so a job, a returning resident and a
//! notification racing over one payment settle it once.

use sqlx::Row;

use crate::lifecycle::{self, move_payment, Also, MovedBy, PaymentEvent};

use model::{Currency, Locale, Money};
use portal_core::{
    jobs::{self, NewJob},
    storage::{Storage, StorageError},
};

/// The job that asks the provider about an open payment until it is final.
pub const CONFIRM: &str = "payment.confirm";
/// The job that gets a payment's money (or part of it) back to the resident.
pub const REFUND: &str = "payment.refund";

/// Where a payment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentState {
    /// Committed; the resident may be paying; the provider is asked until it is final.
    Open,
    Paid,
    /// Nothing was charged and nothing will be.
    Failed,
    /// Paid, and all of it is on its way back (a partly refunded payment stays `Paid`).
    Refunding,
    Refunded,
    /// The provider could not refund: an admin must act.
    Stuck,
}

impl PaymentState {
    pub const ALL: [PaymentState; 6] = [
        PaymentState::Open,
        PaymentState::Paid,
        PaymentState::Failed,
        PaymentState::Refunding,
        PaymentState::Refunded,
        PaymentState::Stuck,
    ];

    pub fn id(self) -> &'static str {
        match self {
            PaymentState::Open => "open",
            PaymentState::Paid => "paid",
            PaymentState::Failed => "failed",
            PaymentState::Refunding => "refunding",
            PaymentState::Refunded => "refunded",
            PaymentState::Stuck => "stuck",
        }
    }

    pub fn from_id(id: &str) -> Option<PaymentState> {
        PaymentState::ALL.into_iter().find(|s| s.id() == id)
    }

    /// Nothing more will happen to it by itself.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            PaymentState::Paid | PaymentState::Failed | PaymentState::Refunded
        )
    }
}

/// What a payment pays for, in the paying service's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purpose {
    /// The paying service's [`crate::PaymentPurpose::kind`] (`bills`).
    pub kind: String,
    /// What it pays (a basket of bills' id), as the paying service reads it.
    pub reference: String,
}

/// A payment as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: String,
    /// Ours at the provider (`out_trade_no`): its idempotency key.
    pub order_no: String,
    pub city_id: String,
    pub provider_id: String,
    pub resident_id: Option<String>,
    pub purpose: Purpose,
    pub amount: Money,
    pub description: String,
    pub locale: Locale,
    pub state: PaymentState,
    pub pay_url: Option<String>,
    /// When `pay_url` was given (Unix seconds), and for which payer address.
    pub pay_url_at: Option<i64>,
    pub pay_url_ip: Option<String>,
    pub transaction_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub paid_at: Option<i64>,
    pub failed_reason: Option<String>,
}

/// A payment to commit.
#[derive(Clone, Debug)]
pub struct NewRecord<'a> {
    pub city_id: &'a str,
    pub provider_id: &'a str,
    pub resident_id: &'a str,
    pub purpose: &'a Purpose,
    /// What may be paid only once at a time: while a payment for this key is open, paid or
    /// being refunded, opening another finds it.
    pub purpose_key: &'a str,
    pub amount: Money,
    pub description: &'a str,
    pub locale: Locale,
    pub expires_at: i64,
    /// When the provider is first asked about it.
    pub first_check_at: i64,
}

/// What committing found.
#[derive(Clone, Debug)]
pub enum Opened {
    /// A new payment.
    New(PaymentRecord),
    /// A payment for the same purpose already holds it (a double tap, a second tab).
    Existing(PaymentRecord),
    /// The resident has `max_open` payments open already: nothing was committed.
    TooManyOpen,
}

/// A payment's counts by state, for the console.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateCounts(pub Vec<(PaymentState, i64)>);

pub(crate) const COLUMNS: &str =
    "id, out_trade_no, city_id, provider_id, resident_id, purpose_kind, \
    purpose_ref, amount_minor, currency, description, locale, state, pay_url, pay_url_at, pay_url_ip, \
    transaction_id, created_at, expires_at, paid_at, failed_reason";

#[derive(Clone)]
pub struct PaymentStore {
    storage: Storage,
}

impl PaymentStore {
    pub fn new(storage: Storage) -> PaymentStore {
        PaymentStore { storage }
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Commits a payment and its confirmation job in one transaction, before any provider
    /// hears of it; or finds the payment that already holds the purpose.
    /// Commits a new payment, unless one holds its purpose already or the resident has
    /// `max_open` open and unexpired ones: counted and inserted under a hold on the
    /// resident's row, so parallel starts cannot pass the cap together.
    pub async fn open(&self, new: &NewRecord<'_>, max_open: i64) -> Result<Opened, StorageError> {
        let id = uuid::Uuid::new_v4();
        let order_no = id.simple().to_string();
        let id = id.to_string();
        let now = self.storage.clock().seconds();
        let mut tx = self.storage.begin().await?;
        Storage::hold_resident(&mut tx, new.resident_id).await?;
        let open: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM payments WHERE resident_id = $1 AND state = 'open' \
               AND expires_at > $2",
        )
        .bind(new.resident_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if open >= max_open {
            tx.rollback().await?;
            return Ok(match self.holding(new.purpose_key).await? {
                // A second tap of one already counted.
                Some(existing) => Opened::Existing(existing),
                None => Opened::TooManyOpen,
            });
        }
        let inserted = sqlx::query(
            "INSERT INTO payments (id, out_trade_no, city_id, provider_id, resident_id, \
               purpose_kind, purpose_ref, open_purpose, amount_minor, currency, description, \
               locale, state, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13, $14)",
        )
        .bind(&id)
        .bind(&order_no)
        .bind(new.city_id)
        .bind(new.provider_id)
        .bind(new.resident_id)
        .bind(&new.purpose.kind)
        .bind(&new.purpose.reference)
        .bind(new.purpose_key)
        .bind(new.amount.minor)
        .bind(new.amount.currency.code())
        .bind(new.description)
        .bind(new.locale.tag())
        .bind(now)
        .bind(new.expires_at)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                tx.rollback().await?;
                return match self.holding(new.purpose_key).await? {
                    Some(existing) => Ok(Opened::Existing(existing)),
                    // Released between the two statements: the caller may try again.
                    None => Err(sqlx::Error::Database(error).into()),
                };
            }
            Err(error) => return Err(error.into()),
        }
        lifecycle::record(
            &mut tx,
            &id,
            None,
            PaymentState::Open,
            PaymentEvent::Opened,
            MovedBy::Resident,
            now,
        )
        .await?;
        jobs::enqueue(
            &mut tx,
            &NewJob {
                kind: CONFIRM,
                subject: &id,
                provider: new.provider_id,
                idempotency_key: &format!("{CONFIRM}:{id}"),
                due_at: new.first_check_at,
                recurring: false,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Opened::New(self.by_id(&id).await?.ok_or_else(|| {
            StorageError::from(sqlx::Error::RowNotFound)
        })?))
    }

    /// How many of the resident's payments are open and not yet expired.
    pub async fn open_count(&self, resident_id: &str, now: i64) -> Result<i64, StorageError> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM payments WHERE resident_id = $1 AND state = 'open' \
               AND expires_at > $2",
        )
        .bind(resident_id)
        .bind(now)
        .fetch_one(self.storage.pool())
        .await?
        .try_get("n")?)
    }

    /// The payment holding a purpose, if one does.
    pub async fn holding(&self, purpose_key: &str) -> Result<Option<PaymentRecord>, StorageError> {
        self.one_where("open_purpose = $1", purpose_key).await
    }

    /// The latest payment of a purpose (`kind`, `reference`), whatever its state, read in
    /// the caller's transaction.
    pub async fn of_purpose_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        kind: &str,
        reference: &str,
    ) -> Result<Option<PaymentRecord>, StorageError> {
        let row = of_purpose_query(kind, reference)
            .fetch_optional(&mut **tx)
            .await?;
        Ok(row.as_ref().map(record_from).transpose()?)
    }

    /// The latest payment of a purpose, whatever its state.
    pub async fn of_purpose(
        &self,
        kind: &str,
        reference: &str,
    ) -> Result<Option<PaymentRecord>, StorageError> {
        let row = of_purpose_query(kind, reference)
            .fetch_optional(self.storage.pool())
            .await?;
        Ok(row.as_ref().map(record_from).transpose()?)
    }

    /// Forgets notification ids received more than a day ago: a notification is refused
    /// anyway once its signature is older than five minutes, so an old id cannot come back.
    pub async fn forget_old_notices(&self) -> Result<u64, StorageError> {
        let forgotten = sqlx::query("DELETE FROM payment_notifications WHERE received_at < $1")
            .bind(self.storage.clock().seconds() - 24 * 3600)
            .execute(self.storage.pool())
            .await?
            .rows_affected();
        Ok(forgotten)
    }

    /// The payment holding a purpose, read in the caller's transaction.
    pub async fn holding_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        purpose_key: &str,
    ) -> Result<Option<PaymentRecord>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM payments WHERE open_purpose = $1"
        )))
        .bind(purpose_key)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(row.as_ref().map(record_from).transpose()?)
    }

    pub async fn by_id(&self, id: &str) -> Result<Option<PaymentRecord>, StorageError> {
        self.one_where("id = $1", id).await
    }

    pub async fn by_order_no(&self, order_no: &str) -> Result<Option<PaymentRecord>, StorageError> {
        self.one_where("out_trade_no = $1", order_no).await
    }

    async fn one_where(
        &self,
        condition: &'static str,
        value: &str,
    ) -> Result<Option<PaymentRecord>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM payments WHERE {condition}"
        )))
        .bind(value)
        .fetch_optional(self.storage.pool())
        .await?;
        Ok(row.as_ref().map(record_from).transpose()?)
    }

    /// A resident's payments, newest first.
    pub async fn of_resident(&self, resident_id: &str) -> Result<Vec<PaymentRecord>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM payments WHERE resident_id = $1 \
             ORDER BY created_at DESC, id LIMIT 200"
        )))
        .bind(resident_id)
        .fetch_all(self.storage.pool())
        .await?;
        Ok(rows.iter().map(record_from).collect::<Result<_, _>>()?)
    }

    /// A city's payments still open `older_than` seconds after they started, oldest first.
    pub async fn overdue(
        &self,
        city_id: &str,
        older_than: i64,
        limit: i64,
    ) -> Result<Vec<PaymentRecord>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM payments WHERE city_id = $1 AND state = 'open' \
               AND created_at < $2 ORDER BY created_at, id LIMIT $3"
        )))
        .bind(city_id)
        .bind(self.storage.clock().seconds() - older_than)
        .bind(limit)
        .fetch_all(self.storage.pool())
        .await?;
        Ok(rows.iter().map(record_from).collect::<Result<_, _>>()?)
    }

    /// A city's latest payments.
    pub async fn recent(
        &self,
        city_id: &str,
        limit: i64,
    ) -> Result<Vec<PaymentRecord>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM payments WHERE city_id = $1 ORDER BY created_at DESC, id LIMIT $2"
        )))
        .bind(city_id)
        .bind(limit)
        .fetch_all(self.storage.pool())
        .await?;
        Ok(rows.iter().map(record_from).collect::<Result<_, _>>()?)
    }

    /// How many of a city's payments are in each state.
    pub async fn counts(&self, city_id: &str) -> Result<StateCounts, StorageError> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM payments WHERE city_id = $1 GROUP BY state",
        )
        .bind(city_id)
        .fetch_all(self.storage.pool())
        .await?;
        let mut counts = Vec::new();
        for row in &rows {
            if let Some(state) = PaymentState::from_id(&row.try_get::<String, _>("state")?) {
                counts.push((state, row.try_get("n")?));
            }
        }
        counts.sort_by_key(|(state, _)| PaymentState::ALL.iter().position(|s| s == state));
        Ok(StateCounts(counts))
    }

    /// Every payment (the burst's reckoning).
    pub async fn all(&self) -> Result<Vec<PaymentRecord>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM payments ORDER BY created_at, id"
        )))
        .fetch_all(self.storage.pool())
        .await?;
        Ok(rows.iter().map(record_from).collect::<Result<_, _>>()?)
    }

    /// Remembers the provider's page for the payment, when it was given and for which payer
    /// address.
    pub async fn set_pay_url(
        &self,
        id: &str,
        url: &str,
        payer_ip: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE payments SET pay_url = $1, pay_url_at = $2, pay_url_ip = $3 WHERE id = $4",
        )
        .bind(url)
        .bind(self.storage.clock().seconds())
        .bind(payer_ip)
        .bind(id)
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }

    /// Open → paid, once. `true` when this call made the change.
    pub async fn settle_paid(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
        transaction_id: &str,
        paid_at: i64,
        now: i64,
        by: MovedBy,
    ) -> Result<bool, StorageError> {
        move_payment(
            tx,
            id,
            PaymentState::Open,
            PaymentEvent::Paid,
            by,
            &[
                Also::Text("transaction_id", transaction_id),
                Also::Number("paid_at", paid_at),
                Also::Number("settled_at", now),
            ],
            now,
        )
        .await
    }

    /// Open → failed, once, releasing its purpose. `true` when this call made the change.
    pub async fn settle_failed(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
        reason: &str,
        now: i64,
        by: MovedBy,
    ) -> Result<bool, StorageError> {
        move_payment(
            tx,
            id,
            PaymentState::Open,
            PaymentEvent::Closed,
            by,
            &[
                Also::Text("failed_reason", reason),
                Also::Cleared("open_purpose"),
                Also::Number("settled_at", now),
            ],
            now,
        )
        .await
    }

    /// Failed → paid, once: the provider took the money after the order was closed (it is
    /// refunded at once). `true` when this call made the change.
    pub async fn paid_late(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
        transaction_id: &str,
        paid_at: i64,
        now: i64,
        by: MovedBy,
    ) -> Result<bool, StorageError> {
        move_payment(
            tx,
            id,
            PaymentState::Failed,
            PaymentEvent::PaidAfterClosing,
            by,
            &[
                Also::Text("transaction_id", transaction_id),
                Also::Number("paid_at", paid_at),
            ],
            now,
        )
        .await
    }

    /// Open → stuck, once, releasing its purpose: something an admin must look at happened
    /// at the provider. `true` when this call made the change.
    pub async fn set_aside(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
        reason: &str,
        now: i64,
        by: MovedBy,
    ) -> Result<bool, StorageError> {
        move_payment(
            tx,
            id,
            PaymentState::Open,
            PaymentEvent::RefundedElsewhere,
            by,
            &[
                Also::Text("failed_reason", reason),
                Also::Cleared("open_purpose"),
            ],
            now,
        )
        .await
    }

    /// A payment, read inside the caller's transaction (a job settling it: on SQLite the
    /// transaction holds the one write lock, and a second connection would wait on it).
    pub async fn by_id_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
    ) -> Result<Option<PaymentRecord>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM payments WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(row.as_ref().map(record_from).transpose()?)
    }

    /// Was this notification acted on before (a replay)?
    pub async fn seen_notice(
        &self,
        provider_id: &str,
        notice_id: &str,
    ) -> Result<bool, StorageError> {
        let seen = sqlx::query("SELECT 1 FROM payment_notifications WHERE id = $1")
            .bind(notice_key(provider_id, notice_id))
            .fetch_optional(self.storage.pool())
            .await?;
        Ok(seen.is_some())
    }

    /// Remembers a notification's id once it was acted on. Acting twice on one (two copies
    /// arriving at once) is harmless: what it leads to only asks the provider.
    pub async fn remember_notice(
        &self,
        provider_id: &str,
        notice_id: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO payment_notifications (id, received_at) VALUES ($1, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(notice_key(provider_id, notice_id))
        .bind(self.storage.clock().seconds())
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }
}

fn notice_key(provider_id: &str, notice_id: &str) -> String {
    format!("{provider_id}:{notice_id}")
}

/// The latest payment of a purpose, whatever its state.
fn of_purpose_query<'q>(
    kind: &'q str,
    reference: &'q str,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments WHERE purpose_kind = $1 AND purpose_ref = $2 \
         ORDER BY created_at DESC, id LIMIT 1"
    )))
    .bind(kind)
    .bind(reference)
}

pub(crate) fn record_from(row: &sqlx::any::AnyRow) -> Result<PaymentRecord, sqlx::Error> {
    let currency: String = row.try_get("currency")?;
    let currency = Currency::from_code(&currency)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown currency {currency}").into()))?;
    let state: String = row.try_get("state")?;
    let state = PaymentState::from_id(&state)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown payment state {state}").into()))?;
    Ok(PaymentRecord {
        id: row.try_get("id")?,
        order_no: row.try_get("out_trade_no")?,
        city_id: row.try_get("city_id")?,
        provider_id: row.try_get("provider_id")?,
        resident_id: row.try_get("resident_id")?,
        purpose: Purpose {
            kind: row.try_get("purpose_kind")?,
            reference: row.try_get("purpose_ref")?,
        },
        amount: Money::new(row.try_get("amount_minor")?, currency),
        description: row.try_get("description")?,
        locale: Locale::from_tag(&row.try_get::<String, _>("locale")?).unwrap_or_default(),
        state,
        pay_url: row.try_get("pay_url")?,
        pay_url_at: row.try_get("pay_url_at")?,
        pay_url_ip: row.try_get("pay_url_ip")?,
        transaction_id: row.try_get("transaction_id")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        paid_at: row.try_get("paid_at")?,
        failed_reason: row.try_get("failed_reason")?,
    })
}
