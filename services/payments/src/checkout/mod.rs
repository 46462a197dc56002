//! The checkout kit: what every service that holds something at a provider for a resident
//! and takes money for it runs on. A hold at the provider with its end, a payment of it (its
//! order ending before the hold does), then the provider told to book it or to give the hold
//! back, and refunds, whole or in part, with their own retries (payments' refund job). The
//! service supplies its provider calls and its rules ([`terms`]); the kit supplies the
//! states and the one table of moves between them with their history ([`moves`]), the
//! payment of a hold, and the refund of a reservation.

pub mod moves;
pub mod terms;

use std::net::IpAddr;

use model::{CityId, Locale, Money, ResidentId};
use portal_core::storage::StorageError;

use crate::{
    lifecycle::MovedBy,
    store::{PaymentState, PaymentStore, Purpose},
    NewPayment, Payments, StartError, Started,
};
pub use moves::{
    move_each, move_reservation, record_made, ReservationEvent, ReservationState, ReservationTable,
};
pub use terms::{CancelRefund, HoldTerms, QuoteError};

/// What payments hold a reservation's payment by: one payment under way per reservation.
pub fn purpose_key(kind: &str, reference: &str) -> String {
    format!("{kind}:{reference}")
}

/// The payment of a hold.
#[derive(Clone, Debug)]
pub struct HoldPayment<'a> {
    /// The purpose's kind, as the service registered it ([`crate::PaymentPurpose::kind`]).
    pub kind: &'static str,
    /// The service's id of what is held (an appointment, a basket of bills).
    pub reference: &'a str,
    pub city: &'a CityId,
    pub resident: &'a ResidentId,
    pub amount: Money,
    /// What the resident sees on the provider's page and statement (cut to 100 characters).
    pub description: &'a str,
    pub locale: Locale,
    pub payer_ip: IpAddr,
    /// When the provider's hold ends (seconds).
    pub hold_ends: i64,
    pub terms: &'a HoldTerms,
}

impl Payments {
    /// Starts (or takes up) the payment of a hold: its order ends as the service's terms say,
    /// before the hold does. `HoldEnded` when too little of it is left to pay in.
    pub async fn pay_for_hold(&self, hold: &HoldPayment<'_>) -> Result<Started, StartError> {
        let now = self.portal.clock().seconds();
        let pay_by = hold
            .terms
            .pay_by(hold.hold_ends, now)
            .ok_or(StartError::HoldEnded)?;
        self.start(&NewPayment {
            city_id: hold.city.as_str().to_owned(),
            resident_id: hold.resident.as_str().to_owned(),
            purpose: Purpose {
                kind: hold.kind.to_owned(),
                reference: hold.reference.to_owned(),
            },
            purpose_key: purpose_key(hold.kind, hold.reference),
            amount: hold.amount,
            description: hold.description.chars().take(100).collect(),
            locale: hold.locale,
            payer_ip: hold.payer_ip,
            expires_by: Some(pay_by),
        })
        .await
    }

    /// Gives back `amount` of what a reservation's payment paid, for `part` of it (see
    /// [`Payments::refund_in`]), in the caller's transaction: nothing when it was not paid
    /// (free, never paid, refunded already). `true` when a refund was started.
    #[allow(clippy::too_many_arguments)]
    pub async fn refund_reservation(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        kind: &str,
        reference: &str,
        part: &str,
        amount: Money,
        reason: &str,
        by: MovedBy,
    ) -> Result<bool, StorageError> {
        if amount.minor <= 0 {
            return Ok(false);
        }
        let Some(payment) = PaymentStore::of_purpose_in(tx, kind, reference).await? else {
            return Ok(false);
        };
        if payment.state != PaymentState::Paid {
            return Ok(false);
        }
        self.refund_in(tx, &payment, part, amount, reason, by).await
    }
}
