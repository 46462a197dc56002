//! A payment's states and the one table of the moves between them, each named by the event
//! that causes it. Every change of a payment's state goes through [`move_payment`]: a move
//! not in the table is refused and logged, never written; a move keeps its
//! `WHERE state = <from>` guard (of two racing, one wins); and the move is appended to the
//! payment's history in the same transaction, with what moved it.

use sqlx::Row;

use portal_core::storage::StorageError;

use crate::store::PaymentState;

/// What happens to a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentEvent {
    /// The order was committed (before the provider heard of it).
    Opened,
    /// The provider said it was paid.
    Paid,
    /// The order was closed, declined or expired unpaid.
    Closed,
    /// Money arrived for an order that had been closed (it is given back).
    PaidAfterClosing,
    /// The provider says it was paid and refunded outside the portal.
    RefundedElsewhere,
    /// Refunds were asked for the whole amount.
    RefundRequested,
    /// Every refund came back: all the money is returned.
    RefundsReturned,
    /// The provider could not refund: an admin returns the money.
    RefundFailed,
}

impl PaymentEvent {
    /// Its name in storage and in the messages (`payment-event-<id>`).
    pub fn id(self) -> &'static str {
        match self {
            PaymentEvent::Opened => "opened",
            PaymentEvent::Paid => "paid",
            PaymentEvent::Closed => "closed",
            PaymentEvent::PaidAfterClosing => "paid-after-closing",
            PaymentEvent::RefundedElsewhere => "refunded-elsewhere",
            PaymentEvent::RefundRequested => "refund-requested",
            PaymentEvent::RefundsReturned => "refunds-returned",
            PaymentEvent::RefundFailed => "refund-failed",
        }
    }
}

/// Who or what moved a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MovedBy {
    /// The resident: paying, cancelling, or coming back to the payment's page.
    Resident,
    /// A job of the queue (confirming, refunding).
    Job,
    /// The provider's notification.
    ProviderNotice,
    /// A city's admin.
    Admin,
    /// The service the payment pays for (a bill held by its proven holder).
    Service,
    /// Its payment's outcome (a reservation paid for, or never paid); the payment's own
    /// history says what moved the payment.
    Payment,
}

impl MovedBy {
    /// Its name in storage and in the messages (`payment-moved-by-<id>`).
    pub fn id(self) -> &'static str {
        match self {
            MovedBy::Resident => "resident",
            MovedBy::Job => "job",
            MovedBy::ProviderNotice => "provider",
            MovedBy::Admin => "admin",
            MovedBy::Service => "service",
            MovedBy::Payment => "payment",
        }
    }
}

/// Every move a payment may make: (from, event, to). Nothing else is ever written.
pub const PAYMENT_MOVES: &[(PaymentState, PaymentEvent, PaymentState)] = &[
    (PaymentState::Open, PaymentEvent::Paid, PaymentState::Paid),
    (
        PaymentState::Open,
        PaymentEvent::Closed,
        PaymentState::Failed,
    ),
    (
        PaymentState::Open,
        PaymentEvent::RefundedElsewhere,
        PaymentState::Stuck,
    ),
    (
        PaymentState::Failed,
        PaymentEvent::PaidAfterClosing,
        PaymentState::Paid,
    ),
    (
        PaymentState::Paid,
        PaymentEvent::RefundRequested,
        PaymentState::Refunding,
    ),
    (
        PaymentState::Refunding,
        PaymentEvent::RefundsReturned,
        PaymentState::Refunded,
    ),
    (
        PaymentState::Paid,
        PaymentEvent::RefundFailed,
        PaymentState::Stuck,
    ),
    (
        PaymentState::Refunding,
        PaymentEvent::RefundFailed,
        PaymentState::Stuck,
    ),
];

/// Where `event` takes a payment in state `from`, if the table allows it.
pub fn next_state(from: PaymentState, event: PaymentEvent) -> Option<PaymentState> {
    PAYMENT_MOVES
        .iter()
        .find(|(f, e, _)| *f == from && *e == event)
        .map(|(_, _, to)| *to)
}

/// A column a move sets besides the state.
#[derive(Clone, Copy, Debug)]
pub enum Also<'a> {
    Text(&'static str, &'a str),
    Number(&'static str, i64),
    /// Cleared (`open_purpose`: the purpose is free again).
    Cleared(&'static str),
}

/// Moves payment `id` from `from` by `event`, setting `also` besides its state, and
/// records the move in its history, in the caller's transaction. `true` when this call made
/// the change; `false` when the payment was not in `from` (another got there first) or the
/// table has no such move (logged as an error: it is a defect, never written).
pub async fn move_payment(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
    from: PaymentState,
    event: PaymentEvent,
    by: MovedBy,
    also: &[Also<'_>],
    now: i64,
) -> Result<bool, StorageError> {
    let Some(to) = next_state(from, event) else {
        tracing::error!(
            payment = %id,
            from = from.id(),
            event = event.id(),
            "a payment move that is not in the table was refused"
        );
        return Ok(false);
    };
    if !guarded_update(tx, "payments", id, from.id(), to.id(), also).await? {
        return Ok(false);
    }
    record(tx, id, Some(from), to, event, by, now).await?;
    Ok(true)
}

/// `UPDATE {table} SET state = to, also… WHERE id = id AND state = from`: `true` when the
/// row was in `from` and is now in `to`. Table and column names are the callers' constants;
/// every value is bound.
pub(crate) async fn guarded_update(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    table: &'static str,
    id: &str,
    from: &str,
    to: &str,
    also: &[Also<'_>],
) -> Result<bool, StorageError> {
    let mut sets = vec!["state = $1".to_owned()];
    let mut next = 2;
    for column in also {
        match column {
            Also::Text(name, _) | Also::Number(name, _) => {
                sets.push(format!("{name} = ${next}"));
                next += 1;
            }
            Also::Cleared(name) => sets.push(format!("{name} = NULL")),
        }
    }
    let sql = format!(
        "UPDATE {table} SET {} WHERE id = ${next} AND state = ${}",
        sets.join(", "),
        next + 1
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(to.to_owned());
    for column in also {
        query = match column {
            Also::Text(_, value) => query.bind(*value),
            Also::Number(_, value) => query.bind(*value),
            Also::Cleared(_) => query,
        };
    }
    let changed = query
        .bind(id)
        .bind(from.to_owned())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(changed == 1)
}

/// Appends a step to payment `id`'s history (its row is held by the caller's transaction,
/// so the steps are numbered one after another).
pub(crate) async fn record(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
    from: Option<PaymentState>,
    to: PaymentState,
    event: PaymentEvent,
    by: MovedBy,
    now: i64,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO payment_events (payment_id, seq, at, from_state, to_state, event, moved_by) \
         VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM payment_events WHERE payment_id = $1), \
                 $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(now)
    .bind(from.map(PaymentState::id))
    .bind(to.id())
    .bind(event.id())
    .bind(by.id())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A step of a payment's history, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub at: i64,
    pub from: Option<String>,
    pub to: String,
    pub event: String,
    pub by: String,
}

impl Step {
    /// A step as a history row holds it (`at`, `from_state`, `to_state`, `event`,
    /// `moved_by`), whichever history it is in.
    pub(crate) fn read(row: &sqlx::any::AnyRow) -> Result<Step, sqlx::Error> {
        Ok(Step {
            at: row.try_get("at")?,
            from: row.try_get("from_state")?,
            to: row.try_get("to_state")?,
            event: row.try_get("event")?,
            by: row.try_get("moved_by")?,
        })
    }
}

/// A payment's history, oldest first.
pub async fn history(pool: &sqlx::AnyPool, id: &str) -> Result<Vec<Step>, StorageError> {
    Ok(histories(pool, &[id]).await?.remove(id).unwrap_or_default())
}

/// The histories of several payments at once (a console page's rows), by payment id.
pub async fn histories(
    pool: &sqlx::AnyPool,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, Vec<Step>>, StorageError> {
    let mut by_payment: std::collections::HashMap<String, Vec<Step>> = Default::default();
    if ids.is_empty() {
        return Ok(by_payment);
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT payment_id, at, from_state, to_state, event, moved_by FROM payment_events \
         WHERE payment_id IN ({}) ORDER BY payment_id, seq",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id);
    }
    for row in query.fetch_all(pool).await? {
        let step = Step::read(&row)?;
        by_payment
            .entry(row.try_get("payment_id")?)
            .or_default()
            .push(step);
    }
    Ok(by_payment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_and_event_has_at_most_one_move() {
        for (i, (from, event, _)) in PAYMENT_MOVES.iter().enumerate() {
            let twice = PAYMENT_MOVES[i + 1..]
                .iter()
                .any(|(f, e, _)| f == from && e == event);
            assert!(!twice, "{from:?} by {event:?} is in the table twice");
        }
    }

    #[test]
    fn final_states_have_no_way_out_and_a_paid_payment_never_goes_back_to_open() {
        for state in [PaymentState::Refunded, PaymentState::Stuck] {
            assert!(
                PAYMENT_MOVES.iter().all(|(from, _, _)| *from != state),
                "{state:?} is final"
            );
        }
        assert!(PAYMENT_MOVES
            .iter()
            .all(|(_, _, to)| *to != PaymentState::Open));
        assert_eq!(
            next_state(PaymentState::Refunded, PaymentEvent::Paid),
            None,
            "money once given back is not taken again"
        );
    }
}
