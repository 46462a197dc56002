//! Refunds as stored: money given back, the whole of a payment or a part of what it paid (one
//! bill of several), each part at most once and never more than was paid. A refund is
//! committed with its job; the job asks the provider for it under a refund number derived
//! from the payment and the part, so a repeated attempt finds the first.

use sha2::{Digest, Sha256};
use sqlx::Row;

use model::Money;
use portal_core::{
    jobs::{self, NewJob},
    storage::{Storage, StorageError},
};

use crate::{
    lifecycle::{move_payment, Also, MovedBy, PaymentEvent},
    store::{PaymentRecord, PaymentState, REFUND},
};

/// The part that stands for the whole payment.
pub const WHOLE: &str = "all";

/// Where a refund stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundState {
    Requested,
    Refunded,
    /// The provider could not make it: an admin must act.
    Stuck,
}

impl RefundState {
    pub fn id(self) -> &'static str {
        match self {
            RefundState::Requested => "requested",
            RefundState::Refunded => "refunded",
            RefundState::Stuck => "stuck",
        }
    }

    fn from_id(id: &str) -> Option<RefundState> {
        [
            RefundState::Requested,
            RefundState::Refunded,
            RefundState::Stuck,
        ]
        .into_iter()
        .find(|s| s.id() == id)
    }
}

/// A refund as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRecord {
    /// Ours at the provider (`out_refund_no`).
    pub refund_no: String,
    pub payment_id: String,
    /// What of the payment it gives back, in the purpose's terms ([`WHOLE`] for all).
    pub part: String,
    pub amount: Money,
    /// Why, in the resident's language.
    pub reason: String,
    pub state: RefundState,
    /// The provider's words, when it could not refund.
    pub problem: Option<String>,
    pub created_at: i64,
    pub settled_at: Option<i64>,
}

/// A refund's number at the provider: the order's number and a digest of the part, at most
/// 64 characters as WeChat Pay allows.
pub fn refund_no(order_no: &str, part: &str) -> String {
    let digest = Sha256::digest(part.as_bytes());
    let tag: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}R{tag}", &order_no[..order_no.len().min(32)])
}

/// A refund's columns, and its payment's currency (`r` and `p`).
const COLUMNS: &str = "r.refund_no, r.payment_id, r.part, r.amount_minor, r.reason, r.state, \
    r.problem, r.created_at, r.settled_at, p.currency";

#[derive(Clone)]
pub struct Refunds {
    storage: Storage,
}

impl Refunds {
    pub fn new(storage: Storage) -> Refunds {
        Refunds { storage }
    }

    /// Commits a refund of `part` of a paid (or stuck) payment, with its job; the payment becomes
    /// `refunding` when the refunds reach its whole amount. `None` when this part was
    /// refunded before, when the payment is not paid, or when the refund would give back
    /// more than was paid.
    pub async fn request(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
        part: &str,
        amount: Money,
        reason: &str,
        now: i64,
        by: MovedBy,
    ) -> Result<Option<RefundRecord>, StorageError> {
        // Takes the payment's row first (Postgres locks it; SQLite's transaction holds the
        // write lock), so two refunds of one payment are counted one after the other. A
        // payment stuck on another part's refund still gives this part back.
        let held = sqlx::query(
            "UPDATE payments SET state = state WHERE id = $1 AND state IN ('paid', 'stuck')",
        )
        .bind(&payment.id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if held == 0 || amount.currency != payment.amount.currency || amount.minor <= 0 {
            return Ok(None);
        }
        let given: i64 = sqlx::query(
            // Postgres sums BIGINT as NUMERIC: cast back, for both engines alike.
            "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS given FROM payment_refunds \
             WHERE payment_id = $1",
        )
        .bind(&payment.id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("given")?;
        let Some(total) = given.checked_add(amount.minor) else {
            return Ok(None);
        };
        if total > payment.amount.minor {
            tracing::error!(payment = %payment.id, part, "a refund would give back more than was paid");
            return Ok(None);
        }
        let record = RefundRecord {
            refund_no: refund_no(&payment.order_no, part),
            payment_id: payment.id.clone(),
            part: part.to_owned(),
            amount,
            reason: reason.to_owned(),
            state: RefundState::Requested,
            problem: None,
            created_at: now,
            settled_at: None,
        };
        let added = sqlx::query(
            "INSERT INTO payment_refunds (refund_no, payment_id, part, amount_minor, reason, \
               state, created_at) VALUES ($1, $2, $3, $4, $5, 'requested', $6) \
             ON CONFLICT (payment_id, part) DO NOTHING",
        )
        .bind(&record.refund_no)
        .bind(&record.payment_id)
        .bind(&record.part)
        .bind(record.amount.minor)
        .bind(&record.reason)
        .bind(record.created_at)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if added == 0 {
            return Ok(None);
        }
        if total == payment.amount.minor {
            move_payment(
                tx,
                &payment.id,
                PaymentState::Paid,
                PaymentEvent::RefundRequested,
                by,
                &[],
                now,
            )
            .await?;
        }
        jobs::enqueue(
            tx,
            &NewJob {
                kind: REFUND,
                subject: &record.refund_no,
                provider: &payment.provider_id,
                idempotency_key: &format!("{REFUND}:{}", record.refund_no),
                due_at: record.created_at,
                recurring: false,
            },
        )
        .await?;
        Ok(Some(record))
    }

    /// Records a refund's end, once: made, or failed for good (`failed`: the provider's
    /// words; the payment is then `stuck` for an admin). When the payment's whole amount is
    /// back, it is `refunded` and its purpose released. `true` when this call made the change.
    pub async fn settle(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        refund: &RefundRecord,
        failed: Option<&str>,
        now: i64,
    ) -> Result<bool, StorageError> {
        let state = if failed.is_some() {
            RefundState::Stuck
        } else {
            RefundState::Refunded
        };
        let changed = sqlx::query(
            "UPDATE payment_refunds SET state = $1, problem = $2, settled_at = $3 \
             WHERE refund_no = $4 AND state = 'requested'",
        )
        .bind(state.id())
        .bind(failed)
        .bind(now)
        .bind(&refund.refund_no)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        // The payment's row, held until this transaction ends (Postgres locks it; SQLite's
        // transaction holds the write lock): two parts settling at once are counted one
        // after the other.
        sqlx::query("UPDATE payments SET state = state WHERE id = $1")
            .bind(&refund.payment_id)
            .execute(&mut **tx)
            .await?;
        let Some(payment) = sqlx::query("SELECT state, amount_minor FROM payments WHERE id = $1")
            .bind(&refund.payment_id)
            .fetch_optional(&mut **tx)
            .await?
        else {
            return Ok(true);
        };
        let state: String = payment.try_get("state")?;
        let Some(state) = PaymentState::from_id(&state) else {
            return Ok(true);
        };
        if failed.is_some() && matches!(state, PaymentState::Paid | PaymentState::Refunding) {
            // An admin returns the money by hand; what it paid for may be paid again.
            move_payment(
                tx,
                &refund.payment_id,
                state,
                PaymentEvent::RefundFailed,
                MovedBy::Job,
                &[Also::Cleared("open_purpose")],
                now,
            )
            .await?;
        } else if state == PaymentState::Refunding {
            // All of it back: nothing of the payment remains, and its purpose is free.
            let returned: i64 = sqlx::query(
                "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS returned \
                 FROM payment_refunds WHERE payment_id = $1 AND state = 'refunded'",
            )
            .bind(&refund.payment_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("returned")?;
            let amount: i64 = payment.try_get("amount_minor")?;
            if returned == amount {
                move_payment(
                    tx,
                    &refund.payment_id,
                    PaymentState::Refunding,
                    PaymentEvent::RefundsReturned,
                    MovedBy::Job,
                    &[
                        Also::Cleared("open_purpose"),
                        Also::Number("settled_at", now),
                    ],
                    now,
                )
                .await?;
            }
        }
        Ok(true)
    }

    /// A refund, read inside the caller's transaction (see `PaymentStore::by_id_in`).
    pub async fn by_no_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        refund_no: &str,
    ) -> Result<Option<RefundRecord>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM payment_refunds r JOIN payments p ON p.id = r.payment_id \
             WHERE r.refund_no = $1"
        )))
        .bind(refund_no)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(row.as_ref().map(refund_from).transpose()?)
    }

    pub async fn by_no(&self, refund_no: &str) -> Result<Option<RefundRecord>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM payment_refunds r JOIN payments p ON p.id = r.payment_id \
             WHERE r.refund_no = $1"
        )))
        .bind(refund_no)
        .fetch_optional(self.storage.pool())
        .await?;
        Ok(row.as_ref().map(refund_from).transpose()?)
    }

    /// A payment's refunds, oldest first.
    pub async fn of_payment(
        &self,
        payment: &PaymentRecord,
    ) -> Result<Vec<RefundRecord>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM payment_refunds r JOIN payments p ON p.id = r.payment_id \
             WHERE r.payment_id = $1 ORDER BY r.created_at, r.refund_no"
        )))
        .bind(&payment.id)
        .fetch_all(self.storage.pool())
        .await?;
        Ok(rows.iter().map(refund_from).collect::<Result<_, _>>()?)
    }

    /// A city's refunds with their payments, newest first.
    pub async fn of_city(
        &self,
        city_id: &str,
        limit: i64,
    ) -> Result<Vec<(PaymentRecord, RefundRecord)>, StorageError> {
        let payment_columns = crate::store::COLUMNS
            .split(", ")
            .map(|c| format!("p.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {payment_columns}, r.refund_no, r.payment_id, r.part, \
               r.amount_minor AS refund_minor, r.reason, r.state AS refund_state, r.problem, \
               r.created_at AS refund_created_at, r.settled_at AS refund_settled_at \
             FROM payment_refunds r JOIN payments p ON p.id = r.payment_id \
             WHERE p.city_id = $1 ORDER BY r.created_at DESC, r.refund_no LIMIT $2"
        )))
        .bind(city_id)
        .bind(limit)
        .fetch_all(self.storage.pool())
        .await?;
        let mut pairs = Vec::new();
        for row in &rows {
            let payment = crate::store::record_from(row)?;
            let state: String = row.try_get("refund_state")?;
            let refund = RefundRecord {
                refund_no: row.try_get("refund_no")?,
                payment_id: row.try_get("payment_id")?,
                part: row.try_get("part")?,
                amount: Money::new(row.try_get("refund_minor")?, payment.amount.currency),
                reason: row.try_get("reason")?,
                state: RefundState::from_id(&state).ok_or_else(|| bad_state(&state))?,
                problem: row.try_get("problem")?,
                created_at: row.try_get("refund_created_at")?,
                settled_at: row.try_get("refund_settled_at")?,
            };
            pairs.push((payment, refund));
        }
        Ok(pairs)
    }
}

fn bad_state(state: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown refund state {state}").into())
}

/// A refund's row, with its payment's currency.
fn refund_from(row: &sqlx::any::AnyRow) -> Result<RefundRecord, sqlx::Error> {
    let currency: String = row.try_get("currency")?;
    let currency = model::Currency::from_code(&currency)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown currency {currency}").into()))?;
    let state: String = row.try_get("state")?;
    Ok(RefundRecord {
        refund_no: row.try_get("refund_no")?,
        payment_id: row.try_get("payment_id")?,
        part: row.try_get("part")?,
        amount: Money::new(row.try_get("amount_minor")?, currency),
        reason: row.try_get("reason")?,
        state: RefundState::from_id(&state).ok_or_else(|| bad_state(&state))?,
        problem: row.try_get("problem")?,
        created_at: row.try_get("created_at")?,
        settled_at: row.try_get("settled_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refund_numbers_differ_by_part_and_fit_the_protocol() {
        let order = "0123456789abcdef0123456789abcdef";
        let whole = refund_no(order, WHOLE);
        assert_ne!(whole, refund_no(order, "bill:E-1"));
        assert_eq!(whole, refund_no(order, WHOLE));
        assert!(whole.len() <= 64 && whole.starts_with(order), "{whole}");
    }
}
