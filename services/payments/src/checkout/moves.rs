//! A reservation's states and the one table of the moves between them, shared by every
//! service that holds something at a provider for a resident and takes money for it (a
//! doctor's time, bills locked at their company; next a fine's amount, a coach seat). Each
//! service keeps its reservations in a table of its own (what is held differs) and says how
//! it stores each state ([`ReservationTable`]); every change of state goes through
//! [`move_reservation`]: a move not in the table is refused and logged, never written; a move
//! keeps its `WHERE state = <from>` guard (of two racing, one wins); and the move is appended
//! to the reservation's history in the same transaction, with what moved it.

use portal_core::storage::StorageError;

use crate::lifecycle::{guarded_update, Also, MovedBy, Step};

/// Where a reservation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReservationState {
    /// Being made at the provider; its answer not yet known.
    Requested,
    /// Held at the provider until its hold ends: to be paid.
    Held,
    /// Paid: the provider is being told to book it.
    Paid,
    /// Booked at the provider (a free booking, a paid one confirmed, a bill credited).
    Booked,
    /// What was booked was issued to the resident (a ticket).
    Fulfilled,
    /// Never paid: the hold is being given back at the provider.
    Releasing,
    /// Given back, or lapsed; nothing was charged.
    Released,
    /// The resident cancelled: the provider is being told.
    Cancelling,
    /// Cancelled (by the resident or the provider); a fee refunded as the rule says.
    Cancelled,
    /// Not made, or not kept by the provider; anything paid is refunded.
    Failed,
}

impl ReservationState {
    pub const ALL: [ReservationState; 10] = [
        ReservationState::Requested,
        ReservationState::Held,
        ReservationState::Paid,
        ReservationState::Booked,
        ReservationState::Fulfilled,
        ReservationState::Releasing,
        ReservationState::Released,
        ReservationState::Cancelling,
        ReservationState::Cancelled,
        ReservationState::Failed,
    ];

    /// Its name in the history and in the messages.
    pub fn id(self) -> &'static str {
        match self {
            ReservationState::Requested => "requested",
            ReservationState::Held => "held",
            ReservationState::Paid => "paid",
            ReservationState::Booked => "booked",
            ReservationState::Fulfilled => "fulfilled",
            ReservationState::Releasing => "releasing",
            ReservationState::Released => "released",
            ReservationState::Cancelling => "cancelling",
            ReservationState::Cancelled => "cancelled",
            ReservationState::Failed => "failed",
        }
    }

    pub fn from_id(id: &str) -> Option<ReservationState> {
        ReservationState::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// What happens to a reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReservationEvent {
    /// It was asked of the provider (its first step only).
    Requested,
    /// The provider holds it until the hold ends: the fee is due.
    Held,
    /// Its payment was confirmed.
    Paid,
    /// The provider booked it.
    Booked,
    /// What was booked was issued.
    Fulfilled,
    /// It will never be paid: the hold is to be given back at the provider.
    Unpaid,
    /// The hold was given back, or lapsed.
    Released,
    /// The provider would not make it or keep it.
    Refused,
    /// The resident asked to cancel it.
    CancelAsked,
    /// The provider would not cancel it (past its cut-off): it stands as booked.
    CancelRefused,
    /// Cancelled, at the resident's request or by the provider.
    Cancelled,
}

impl ReservationEvent {
    /// Its name in storage and in the messages.
    pub fn id(self) -> &'static str {
        match self {
            ReservationEvent::Requested => "requested",
            ReservationEvent::Held => "held",
            ReservationEvent::Paid => "paid",
            ReservationEvent::Booked => "booked",
            ReservationEvent::Fulfilled => "fulfilled",
            ReservationEvent::Unpaid => "unpaid",
            ReservationEvent::Released => "released",
            ReservationEvent::Refused => "refused",
            ReservationEvent::CancelAsked => "cancel-asked",
            ReservationEvent::CancelRefused => "cancel-refused",
            ReservationEvent::Cancelled => "cancelled",
        }
    }
}

use ReservationEvent as E;
use ReservationState as S;

/// Every move a reservation may make: (from, event, to). Nothing else is ever written.
pub const RESERVATION_MOVES: &[(ReservationState, ReservationEvent, ReservationState)] = &[
    (S::Requested, E::Held, S::Held),
    (S::Requested, E::Booked, S::Booked),
    (S::Requested, E::Refused, S::Failed),
    (S::Requested, E::Released, S::Released),
    (S::Held, E::Paid, S::Paid),
    (S::Held, E::Unpaid, S::Releasing),
    (S::Held, E::Released, S::Released),
    (S::Releasing, E::Released, S::Released),
    (S::Paid, E::Booked, S::Booked),
    (S::Paid, E::Refused, S::Failed),
    (S::Booked, E::Fulfilled, S::Fulfilled),
    (S::Booked, E::CancelAsked, S::Cancelling),
    (S::Booked, E::Cancelled, S::Cancelled),
    (S::Fulfilled, E::CancelAsked, S::Cancelling),
    (S::Fulfilled, E::Cancelled, S::Cancelled),
    (S::Cancelling, E::Cancelled, S::Cancelled),
    (S::Cancelling, E::CancelRefused, S::Booked),
];

/// Where `event` takes a reservation in state `from`, if the table allows it.
pub fn next_state(from: ReservationState, event: ReservationEvent) -> Option<ReservationState> {
    RESERVATION_MOVES
        .iter()
        .find(|(f, e, _)| *f == from && *e == event)
        .map(|(_, _, to)| *to)
}

/// A service's table of reservations, as the moves write it.
#[derive(Clone, Copy, Debug)]
pub struct ReservationTable {
    /// Its reservations' kind in the history (`appointments`).
    pub kind: &'static str,
    /// The SQL table; its rows have an `id` and a `state`.
    pub table: &'static str,
    /// The states the table stores under another name than their own (a bill's booked
    /// state is `credited`), and the states it has no use for are simply never moved to.
    pub stored_as: &'static [(ReservationState, &'static str)],
    /// A column set to the time of every move, if the table keeps one.
    pub stamped: Option<&'static str>,
}

impl ReservationTable {
    /// How the table stores `state`.
    pub fn stored(&self, state: ReservationState) -> &'static str {
        self.stored_as
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(state.id(), |(_, name)| name)
    }

    /// The state a stored name stands for.
    pub fn read(&self, stored: &str) -> Option<ReservationState> {
        if let Some((state, _)) = self.stored_as.iter().find(|(_, name)| *name == stored) {
            return Some(*state);
        }
        ReservationState::from_id(stored).filter(|state| self.stored(*state) == stored)
    }
}

/// Moves reservation `id` of `table` by `event` from whichever of `from` it is in, setting
/// `also` besides its state, and records the move in its history, in the caller's
/// transaction. `true` when this call made the change; `false` when it was in none of
/// `from` (another got there first). A `from` the table has no move for is a defect: logged,
/// never written.
#[allow(clippy::too_many_arguments)]
pub async fn move_reservation(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    table: &ReservationTable,
    id: &str,
    from: &[ReservationState],
    event: ReservationEvent,
    by: MovedBy,
    also: &[Also<'_>],
    now: i64,
) -> Result<bool, StorageError> {
    let mut also = also.to_vec();
    if let Some(column) = table.stamped {
        also.push(Also::Number(column, now));
    }
    for &from in from {
        let Some(to) = next_state(from, event) else {
            tracing::error!(
                kind = table.kind,
                reservation = %id,
                from = from.id(),
                event = event.id(),
                "a reservation move that is not in the table was refused"
            );
            continue;
        };
        if guarded_update(
            tx,
            table.table,
            id,
            table.stored(from),
            table.stored(to),
            &also,
        )
        .await?
        {
            record(tx, table, id, Some(from), to, event, by, now).await?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// Moves each of `ids` as [`move_reservation`] does; the ids this call moved.
#[allow(clippy::too_many_arguments)]
pub async fn move_each(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    table: &ReservationTable,
    ids: &[String],
    from: &[ReservationState],
    event: ReservationEvent,
    by: MovedBy,
    also: &[Also<'_>],
    now: i64,
) -> Result<Vec<String>, StorageError> {
    let mut moved = Vec::new();
    for id in ids {
        if move_reservation(tx, table, id, from, event, by, also, now).await? {
            moved.push(id.clone());
        }
    }
    Ok(moved)
}

/// Records the first step of a reservation just inserted in `to` (its row is the caller's).
pub async fn record_made(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    table: &ReservationTable,
    id: &str,
    to: ReservationState,
    event: ReservationEvent,
    by: MovedBy,
    now: i64,
) -> Result<(), StorageError> {
    record(tx, table, id, None, to, event, by, now).await
}

#[allow(clippy::too_many_arguments)]
async fn record(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    table: &ReservationTable,
    id: &str,
    from: Option<ReservationState>,
    to: ReservationState,
    event: ReservationEvent,
    by: MovedBy,
    now: i64,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO reservation_events \
           (kind, reservation_id, seq, at, from_state, to_state, event, moved_by) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM reservation_events \
                          WHERE kind = $1 AND reservation_id = $2), \
                 $3, $4, $5, $6, $7)",
    )
    .bind(table.kind)
    .bind(id)
    .bind(now)
    .bind(from.map(ReservationState::id))
    .bind(to.id())
    .bind(event.id())
    .bind(by.id())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A reservation's history, oldest first.
pub async fn history(
    pool: &sqlx::AnyPool,
    table: &ReservationTable,
    id: &str,
) -> Result<Vec<Step>, StorageError> {
    let rows = sqlx::query(
        "SELECT at, from_state, to_state, event, moved_by FROM reservation_events \
         WHERE kind = $1 AND reservation_id = $2 ORDER BY seq",
    )
    .bind(table.kind)
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(Step::read)
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StorageError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_and_event_has_at_most_one_move() {
        for (i, (from, event, _)) in RESERVATION_MOVES.iter().enumerate() {
            let twice = RESERVATION_MOVES[i + 1..]
                .iter()
                .any(|(f, e, _)| f == from && e == event);
            assert!(!twice, "{from:?} by {event:?} is in the table twice");
        }
    }

    #[test]
    fn ended_reservations_stay_ended_and_nothing_goes_back_to_being_asked_for() {
        for state in [S::Released, S::Cancelled, S::Failed] {
            assert!(
                RESERVATION_MOVES.iter().all(|(from, _, _)| *from != state),
                "{state:?} is final"
            );
        }
        assert!(RESERVATION_MOVES
            .iter()
            .all(|(_, event, to)| *to != S::Requested && *event != E::Requested));
        // Money taken is never for a hold given back without a refund: a paid reservation
        // is booked or refused (and refunded), never released.
        assert_eq!(next_state(S::Paid, E::Released), None);
        assert_eq!(next_state(S::Paid, E::Unpaid), None);
    }

    #[test]
    fn what_comes_after_payment_is_booking_then_issuing() {
        // A coach ticket: held, paid, booked (confirmed by the operator), then issued; a
        // ticket issued may still be cancelled for the operator's refund.
        let mut state = S::Requested;
        for event in [E::Held, E::Paid, E::Booked, E::Fulfilled, E::CancelAsked] {
            state = next_state(state, event).unwrap_or_else(|| panic!("{state:?} by {event:?}"));
        }
        assert_eq!(state, S::Cancelling);
        assert_eq!(
            next_state(S::Paid, E::Fulfilled),
            None,
            "not issued unbooked"
        );
    }

    #[test]
    fn a_table_reads_back_what_it_stores() {
        const BILLS: ReservationTable = ReservationTable {
            kind: "bills",
            table: "bill_items",
            stored_as: &[(S::Booked, "credited"), (S::Failed, "refused")],
            stamped: None,
        };
        for state in ReservationState::ALL {
            assert_eq!(BILLS.read(BILLS.stored(state)), Some(state), "{state:?}");
        }
        assert_eq!(BILLS.stored(S::Booked), "credited");
        assert_eq!(BILLS.read("booked"), None, "stored as credited only");
    }
}
