//! Bills as stored: the residents' saved accounts, and the baskets of bills they pay, each
//! bill an item that moves from held to paid to credited (or refused, or released) once.

use sqlx::Row;

use model::{Currency, Money};
use portal_core::{
    jobs::{self, NewJob},
    storage::{Storage, StorageError},
};

/// The job that tells a biller of a payment of one of its bills.
pub const REPORT: &str = "bill.report";

/// A saved account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub resident_id: String,
    pub city_id: String,
    pub biller_id: String,
    pub number: String,
    pub label: String,
    /// The resident proved they hold it ([`crate::accounts`]): only then are its holder and
    /// bills shown, and its bills paid.
    pub proven: bool,
}

/// Where a bill in a basket stands: the checkout kit's states. A bill is held (locked at its
/// company), paid, then booked (credited by its company: stored as `credited`) or failed
/// (refused by it: stored as `refused`, and refunded); or released unpaid.
pub use payments::checkout::ReservationState as ItemState;
use payments::{
    checkout::{move_each, move_reservation, record_made, ReservationEvent, ReservationTable},
    lifecycle::{Also, MovedBy},
};

/// The bills in baskets as the checkout kit moves them.
pub const TABLE: ReservationTable = ReservationTable {
    kind: "bills",
    table: "bill_items",
    stored_as: &[
        (ItemState::Booked, "credited"),
        (ItemState::Failed, "refused"),
    ],
    stamped: None,
};

/// A bill in a basket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Also the Idempotency-Key of its report to the biller.
    pub id: String,
    pub basket_id: String,
    pub biller_id: String,
    pub account_number: String,
    pub bill_number: String,
    pub period: String,
    pub amount: Money,
    pub lock_token: String,
    pub lock_expires_at: i64,
    pub state: ItemState,
    pub receipt_number: Option<String>,
    pub refusal: Option<String>,
}

/// A bill to put in a basket, locked at its biller.
#[derive(Clone, Debug)]
pub struct NewItem {
    pub biller_id: String,
    pub account_number: String,
    pub bill_number: String,
    pub period: String,
    pub amount: Money,
    pub lock_token: String,
    pub lock_expires_at: i64,
}

/// Why a basket could not be committed.
#[derive(Debug, thiserror::Error)]
pub enum BasketError {
    /// One of its bills is already in a basket being paid: that basket's id.
    #[error("a bill is already being paid")]
    Held { basket_id: Option<String> },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for BasketError {
    fn from(error: sqlx::Error) -> Self {
        BasketError::Storage(error.into())
    }
}

const ITEM_COLUMNS: &str = "id, basket_id, biller_id, account_number, bill_number, period, \
    amount_minor, currency, lock_token, lock_expires_at, state, receipt_number, refusal";

#[derive(Clone)]
pub struct BillStore {
    storage: Storage,
}

impl BillStore {
    pub fn new(storage: Storage) -> BillStore {
        BillStore { storage }
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Saves a proven account; the same account saved again keeps its first id and takes
    /// the new label. `None` when the resident keeps `max` other accounts already: counted and
    /// inserted under a hold on the resident's row, so parallel saves cannot pass the cap.
    pub async fn save_account(
        &self,
        resident_id: &str,
        city_id: &str,
        biller_id: &str,
        number: &str,
        label: &str,
        max: i64,
    ) -> Result<Option<String>, StorageError> {
        let mut tx = self.storage.begin().await?;
        Storage::hold_resident(&mut tx, resident_id).await?;
        let kept: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM bill_accounts WHERE resident_id = $1 \
               AND NOT (biller_id = $2 AND account_number = $3)",
        )
        .bind(resident_id)
        .bind(biller_id)
        .bind(number)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if kept >= max {
            return Ok(None);
        }
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO bill_accounts (id, resident_id, city_id, biller_id, account_number, \
               label, created_at, proven_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (resident_id, biller_id, account_number) DO UPDATE SET \
               label = excluded.label, proven_at = excluded.proven_at",
        )
        .bind(&id)
        .bind(resident_id)
        .bind(city_id)
        .bind(biller_id)
        .bind(number)
        .bind(label)
        .bind(self.storage.clock().seconds())
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(
            "SELECT id FROM bill_accounts WHERE resident_id = $1 AND biller_id = $2 \
               AND account_number = $3",
        )
        .bind(resident_id)
        .bind(biller_id)
        .bind(number)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(row.try_get("id")?))
    }

    /// How many accounts the resident keeps, in every city.
    pub async fn account_count(&self, resident_id: &str) -> Result<i64, StorageError> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM bill_accounts WHERE resident_id = $1")
                .bind(resident_id)
                .fetch_one(self.storage.pool())
                .await?
                .try_get("n")?,
        )
    }

    /// Does the resident keep this account already?
    pub async fn has_account(
        &self,
        resident_id: &str,
        biller_id: &str,
        number: &str,
    ) -> Result<bool, StorageError> {
        Ok(sqlx::query(
            "SELECT id FROM bill_accounts WHERE resident_id = $1 AND biller_id = $2 \
               AND account_number = $3",
        )
        .bind(resident_id)
        .bind(biller_id)
        .bind(number)
        .fetch_optional(self.storage.pool())
        .await?
        .is_some())
    }

    /// Marks a saved account proven.
    pub async fn mark_proven(&self, resident_id: &str, id: &str) -> Result<(), StorageError> {
        sqlx::query("UPDATE bill_accounts SET proven_at = $1 WHERE id = $2 AND resident_id = $3")
            .bind(self.storage.clock().seconds())
            .bind(id)
            .bind(resident_id)
            .execute(self.storage.pool())
            .await?;
        Ok(())
    }

    /// `false` when the resident has no such account.
    pub async fn remove_account(&self, resident_id: &str, id: &str) -> Result<bool, StorageError> {
        let removed = sqlx::query("DELETE FROM bill_accounts WHERE id = $1 AND resident_id = $2")
            .bind(id)
            .bind(resident_id)
            .execute(self.storage.pool())
            .await?
            .rows_affected();
        Ok(removed == 1)
    }

    /// A resident's saved accounts in a city, in the order saved.
    pub async fn accounts(
        &self,
        resident_id: &str,
        city_id: &str,
    ) -> Result<Vec<Account>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, resident_id, city_id, biller_id, account_number, label, proven_at \
             FROM bill_accounts \
             WHERE resident_id = $1 AND city_id = $2 ORDER BY created_at, id LIMIT 50",
        )
        .bind(resident_id)
        .bind(city_id)
        .fetch_all(self.storage.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Account {
                    id: row.try_get("id")?,
                    resident_id: row.try_get("resident_id")?,
                    city_id: row.try_get("city_id")?,
                    biller_id: row.try_get("biller_id")?,
                    number: row.try_get("account_number")?,
                    label: row.try_get("label")?,
                    proven: row.try_get::<Option<i64>, _>("proven_at")?.is_some(),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StorageError::from)
    }

    /// Commits a basket of locked bills. Refused (`Held`) when one of them is in a basket being
    /// paid.
    pub async fn open_basket(
        &self,
        resident_id: &str,
        city_id: &str,
        items: &[NewItem],
    ) -> Result<(String, Vec<Item>), BasketError> {
        let basket_id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.storage.begin().await?;
        sqlx::query(
            "INSERT INTO bill_baskets (id, resident_id, city_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&basket_id)
        .bind(resident_id)
        .bind(city_id)
        .bind(self.storage.clock().seconds())
        .execute(&mut *tx)
        .await?;
        let mut stored = Vec::new();
        for item in items {
            let id = uuid::Uuid::new_v4().to_string();
            let inserted = sqlx::query(
                "INSERT INTO bill_items (id, basket_id, biller_id, account_number, bill_number, \
                   period, amount_minor, currency, lock_token, lock_expires_at, state) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'held')",
            )
            .bind(&id)
            .bind(&basket_id)
            .bind(&item.biller_id)
            .bind(&item.account_number)
            .bind(&item.bill_number)
            .bind(&item.period)
            .bind(item.amount.minor)
            .bind(item.amount.currency.code())
            .bind(&item.lock_token)
            .bind(item.lock_expires_at)
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {}
                Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                    tx.rollback().await?;
                    let holder = self.holding(&item.biller_id, &item.bill_number).await?;
                    return Err(BasketError::Held { basket_id: holder });
                }
                Err(error) => return Err(error.into()),
            }
            record_made(
                &mut tx,
                &TABLE,
                &id,
                ItemState::Held,
                ReservationEvent::Held,
                MovedBy::Resident,
                self.storage.clock().seconds(),
            )
            .await?;
            stored.push(Item {
                id,
                basket_id: basket_id.clone(),
                biller_id: item.biller_id.clone(),
                account_number: item.account_number.clone(),
                bill_number: item.bill_number.clone(),
                period: item.period.clone(),
                amount: item.amount,
                lock_token: item.lock_token.clone(),
                lock_expires_at: item.lock_expires_at,
                state: ItemState::Held,
                receipt_number: None,
                refusal: None,
            });
        }
        tx.commit().await?;
        Ok((basket_id, stored))
    }

    /// The basket holding a bill, if one does.
    pub async fn holding(
        &self,
        biller_id: &str,
        bill_number: &str,
    ) -> Result<Option<String>, StorageError> {
        let row = sqlx::query(
            "SELECT basket_id FROM bill_items WHERE biller_id = $1 AND bill_number = $2 \
               AND state IN ('held', 'paid')",
        )
        .bind(biller_id)
        .bind(bill_number)
        .fetch_optional(self.storage.pool())
        .await?;
        Ok(row.map(|r| r.try_get("basket_id")).transpose()?)
    }

    /// A basket's bills, read in the caller's transaction.
    pub async fn items_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        basket_id: &str,
    ) -> Result<Vec<Item>, StorageError> {
        let rows = items_where("basket_id", basket_id)
            .fetch_all(&mut **tx)
            .await?;
        Ok(rows.iter().map(item_from).collect::<Result<_, _>>()?)
    }

    pub async fn items(&self, basket_id: &str) -> Result<Vec<Item>, StorageError> {
        let rows = items_where("basket_id", basket_id)
            .fetch_all(self.storage.pool())
            .await?;
        Ok(rows.iter().map(item_from).collect::<Result<_, _>>()?)
    }

    pub async fn item_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
    ) -> Result<Option<Item>, StorageError> {
        let row = items_where("id", id).fetch_optional(&mut **tx).await?;
        Ok(row.as_ref().map(item_from).transpose()?)
    }

    pub async fn item(&self, id: &str) -> Result<Option<Item>, StorageError> {
        let row = items_where("id", id)
            .fetch_optional(self.storage.pool())
            .await?;
        Ok(row.as_ref().map(item_from).transpose()?)
    }

    /// Held → paid for every bill of a basket, each with its report job. `true` when this
    /// call made the change.
    pub async fn basket_paid(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        basket_id: &str,
    ) -> Result<bool, StorageError> {
        let items = BillStore::items_in(tx, basket_id).await?;
        let now = self.storage.clock().seconds();
        let moved = move_each(
            tx,
            &TABLE,
            &ids(&items),
            &[ItemState::Held],
            ReservationEvent::Paid,
            MovedBy::Payment,
            &[],
            now,
        )
        .await?;
        for item in items.iter().filter(|i| moved.contains(&i.id)) {
            jobs::enqueue(
                tx,
                &NewJob {
                    kind: REPORT,
                    subject: &item.id,
                    provider: &item.biller_id,
                    idempotency_key: &format!("{REPORT}:{}", item.id),
                    due_at: now,
                    recurring: false,
                },
            )
            .await?;
        }
        Ok(!moved.is_empty())
    }

    /// Held → released for every bill of a basket whose payment never happened.
    pub async fn basket_released(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        basket_id: &str,
        by: MovedBy,
    ) -> Result<(), StorageError> {
        let items = BillStore::items_in(tx, basket_id).await?;
        let now = self.storage.clock().seconds();
        move_each(
            tx,
            &TABLE,
            &ids(&items),
            &[ItemState::Held],
            ReservationEvent::Released,
            by,
            &[Also::Number("settled_at", now)],
            now,
        )
        .await?;
        Ok(())
    }

    /// Releases a basket no payment was started for (its payment was refused before one was
    /// committed), so that its bills are free at once rather than when their locks run out.
    pub async fn release_unpaid(&self, basket_id: &str) -> Result<(), StorageError> {
        let mut tx = self.storage.begin().await?;
        self.basket_released(&mut tx, basket_id, MovedBy::Resident)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Paid → booked (credited, with the biller's receipt) or failed (refused, with its
    /// words), once. `true` when this call made the change.
    pub async fn item_reported(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
        outcome: Result<&str, &str>,
    ) -> Result<bool, StorageError> {
        let now = self.storage.clock().seconds();
        let (event, said) = match outcome {
            Ok(receipt) => (
                ReservationEvent::Booked,
                Also::Text("receipt_number", receipt),
            ),
            Err(refusal) => (ReservationEvent::Refused, Also::Text("refusal", refusal)),
        };
        move_reservation(
            tx,
            &TABLE,
            id,
            &[ItemState::Paid],
            event,
            MovedBy::Job,
            &[said, Also::Number("settled_at", now)],
            now,
        )
        .await
    }

    /// Releases bills held by a basket that has no payment once their lock ran out: the
    /// process committing the basket died before its payment was committed. How many.
    pub async fn release_orphans(&self, now: i64) -> Result<u64, StorageError> {
        // Chosen in the transaction that releases them, so that a payment committed
        // meanwhile keeps its bills.
        let mut tx = self.storage.begin().await?;
        let orphans: Vec<String> = sqlx::query(
            "SELECT id FROM bill_items WHERE state = 'held' AND lock_expires_at < $1 \
               AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.purpose_kind = 'bills' \
                  AND p.purpose_ref = bill_items.basket_id) \
             ORDER BY bill_number, id LIMIT 500",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| row.try_get("id"))
        .collect::<Result<_, _>>()?;
        if orphans.is_empty() {
            return Ok(0);
        }
        let released = move_each(
            &mut tx,
            &TABLE,
            &orphans,
            &[ItemState::Held],
            ReservationEvent::Released,
            MovedBy::Job,
            &[Also::Number("settled_at", now)],
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(released.len() as u64)
    }

    /// Every item (the burst's reckoning).
    pub async fn all_items(&self) -> Result<Vec<Item>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ITEM_COLUMNS} FROM bill_items ORDER BY bill_number, id"
        )))
        .fetch_all(self.storage.pool())
        .await?;
        Ok(rows.iter().map(item_from).collect::<Result<_, _>>()?)
    }
}

fn ids(items: &[Item]) -> Vec<String> {
    items.iter().map(|item| item.id.clone()).collect()
}

/// Items whose `column` (one of ours, never input) is `value`, in bill order; run in a
/// transaction or on the pool.
fn items_where<'q>(
    column: &'static str,
    value: &'q str,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ITEM_COLUMNS} FROM bill_items WHERE {column} = $1 ORDER BY bill_number"
    )))
    .bind(value)
}

fn item_from(row: &sqlx::any::AnyRow) -> Result<Item, sqlx::Error> {
    let currency: String = row.try_get("currency")?;
    let currency = Currency::from_code(&currency)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown currency {currency}").into()))?;
    let state: String = row.try_get("state")?;
    Ok(Item {
        id: row.try_get("id")?,
        basket_id: row.try_get("basket_id")?,
        biller_id: row.try_get("biller_id")?,
        account_number: row.try_get("account_number")?,
        bill_number: row.try_get("bill_number")?,
        period: row.try_get("period")?,
        amount: Money::new(row.try_get("amount_minor")?, currency),
        lock_token: row.try_get("lock_token")?,
        lock_expires_at: row.try_get("lock_expires_at")?,
        state: TABLE
            .read(&state)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown item state {state}").into()))?,
        receipt_number: row.try_get("receipt_number")?,
        refusal: row.try_get("refusal")?,
    })
}
