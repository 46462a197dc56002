//! Turning what the provider says into the payment's state: a confirmed charge is handed to
//! its purpose (and refunded when the purpose cannot use it), a closed or expired one
//! releases it, a refund (of all or of a part) is started, ended and told. The confirmation job and the resident's
//! return both come here; the store's conditional updates make each change happen once.

use std::time::Duration;

use model::{i18n::t_args, Money};
use portal_core::{inbox::Inbox, providers::ProviderError, storage::StorageError};

use crate::{
    lifecycle::MovedBy,
    port::ChargeState,
    refunds::{RefundRecord, Refunds, WHOLE},
    store::{PaymentRecord, PaymentState, PaymentStore, CONFIRM},
    Payments, Usable,
};

/// A new payment is first asked about this long after it opens (the resident is paying).
pub const FIRST_CHECK_SECONDS: i64 = 10;
/// An unpaid payment is closed at the provider this long after it expired (clocks differ).
pub const CLOSE_GRACE_SECONDS: i64 = 60;

/// Why a failed payment could not be asked about again now.
#[derive(Debug, thiserror::Error)]
pub enum RecheckError {
    #[error("the payment provider did not answer: {0}")]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A final answer about a charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Paid {
        transaction_id: String,
        amount: Money,
        paid_at: i64,
    },
    /// Nothing was taken and nothing will be.
    Ended { reason: String },
    /// Paid and refunded at the provider, outside the portal, before the portal knew it was
    /// paid: its purpose must not count it, and an admin must look.
    RefundedElsewhere,
}

impl Outcome {
    /// The final outcome a charge state says, if it is final.
    pub fn of(state: ChargeState) -> Option<Outcome> {
        match state {
            // A declined order is only final once it is closed: the caller closes it.
            ChargeState::Unpaid | ChargeState::Declined { .. } => None,
            ChargeState::Paid {
                transaction_id,
                amount,
                paid_at,
            } => Some(Outcome::Paid {
                transaction_id,
                amount,
                paid_at: paid_at.as_second(),
            }),
            ChargeState::Refunded { .. } => Some(Outcome::RefundedElsewhere),
            ChargeState::Ended { reason } => Some(Outcome::Ended { reason }),
        }
    }
}

/// What became of an open payment ended now ([`Payments::end_now`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Closed, or never paid: what it held is free.
    Ended,
    /// It was paid (meanwhile): what it held is paid for.
    Paid,
    /// The provider could not say: it may still be paid.
    Open,
}

/// How long to wait before asking again about an unpaid payment of `age` seconds: often
/// while the resident is likely paying, rarely after.
pub fn next_check(age_seconds: i64) -> Duration {
    Duration::from_secs(match age_seconds {
        ..120 => 5,
        120..900 => 15,
        _ => 60,
    })
}

impl Payments {
    /// Asks the provider now about an open payment (a resident came back) and records a final
    /// answer; the payment as it then stands. A provider that cannot answer leaves it open
    /// ("being confirmed"): the confirmation job keeps asking.
    pub async fn confirm_now(
        &self,
        payment_id: &str,
    ) -> Result<Option<PaymentRecord>, StorageError> {
        let Some(payment) = self.store.by_id(payment_id).await? else {
            return Ok(None);
        };
        if payment.state != PaymentState::Open {
            return Ok(Some(payment));
        }
        let Some(city) = self.provider(&payment.provider_id) else {
            return Ok(Some(payment));
        };
        // A reload moments after the last: the job keeps asking meanwhile.
        if !self.pacer.may_ask(&payment.id) {
            return Ok(Some(payment));
        }
        if let Ok(Some(state)) = city.adapter.query(&payment.order_no).await {
            if matches!(state, ChargeState::Declined { .. }) {
                // Failed only once closed: the confirmation job closes it now.
                self.portal.jobs.hurry(CONFIRM, &payment.id).await?;
            } else if let Some(outcome) =
                Outcome::of(state).filter(|_| self.knows_purpose(&payment))
            {
                let mut tx = self.store.storage().begin().await?;
                self.record_in(&mut tx, &payment, &outcome, MovedBy::Resident)
                    .await?;
                tx.commit().await?;
            }
        }
        self.store.by_id(payment_id).await
    }

    /// Ends an open payment now: its order is closed at the provider, then the provider is
    /// asked, and what it says is recorded (so its purpose is told, and what it held is freed
    /// or paid). For a purpose the payment's resident may lose to someone with a better
    /// claim (a bill held by a stranger's unpaid payment, paid by its proven holder).
    pub async fn end_now(&self, payment_id: &str, by: MovedBy) -> Result<Ending, StorageError> {
        let Some(payment) = self.store.by_id(payment_id).await? else {
            return Ok(Ending::Ended);
        };
        match payment.state {
            PaymentState::Open => {}
            PaymentState::Paid => return Ok(Ending::Paid),
            _ => return Ok(Ending::Ended),
        }
        let Some(city) = self.provider(&payment.provider_id) else {
            return Ok(Ending::Open);
        };
        if !self.knows_purpose(&payment) {
            return Ok(Ending::Open);
        }
        match city.adapter.close(&payment.order_no).await {
            // Closed, or refused (paid meanwhile, closed already): what it is now decides.
            Ok(()) | Err(ProviderError::Refused { .. }) => {}
            Err(_) => return Ok(Ending::Open),
        }
        let outcome = match city.adapter.query(&payment.order_no).await {
            Ok(Some(state)) => match Outcome::of(state) {
                Some(outcome) => outcome,
                // Closed, yet unpaid by its word: the query lags.
                None => return Ok(Ending::Open),
            },
            Ok(None) | Err(_) => return Ok(Ending::Open),
        };
        let mut tx = self.store.storage().begin().await?;
        self.record_in(&mut tx, &payment, &outcome, by).await?;
        tx.commit().await?;
        let now = self.store.by_id(payment_id).await?.map(|p| p.state);
        Ok(match now {
            Some(PaymentState::Open) => Ending::Open,
            Some(PaymentState::Paid) => Ending::Paid,
            _ => Ending::Ended,
        })
    }

    /// Records a final outcome of an open payment, in the caller's transaction.
    pub(crate) async fn record_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
        outcome: &Outcome,
        by: MovedBy,
    ) -> Result<(), StorageError> {
        let now = self.portal.clock().seconds();
        match outcome {
            Outcome::Paid {
                transaction_id,
                amount,
                paid_at,
            } => {
                if !PaymentStore::settle_paid(tx, &payment.id, transaction_id, *paid_at, now, by)
                    .await?
                {
                    return Ok(());
                }
                let mut paid = payment.clone();
                paid.state = PaymentState::Paid;
                paid.transaction_id = Some(transaction_id.clone());
                paid.paid_at = Some(*paid_at);
                if *amount != payment.amount {
                    tracing::error!(payment = %payment.id, expected = payment.amount.minor, paid = amount.minor, "provider charged another amount");
                    // What was charged goes back, whatever it was, and the purpose is
                    // released: it was never paid as asked.
                    paid.amount = *amount;
                    let reason = t_args(paid.locale, "payment-refund-amount-differs", &[]);
                    self.refund_in(tx, &paid, WHOLE, *amount, &reason, by)
                        .await?;
                    if let Some(purpose) = self.purpose(&payment.purpose.kind) {
                        purpose.unpaid(tx, payment).await?;
                    }
                    return Ok(());
                }
                let usable = match self.purpose(&payment.purpose.kind) {
                    Some(purpose) => purpose.paid(tx, &paid).await?,
                    None => Usable::No {
                        reason: t_args(paid.locale, "payment-refund-nothing-to-pay", &[]),
                    },
                };
                if let Usable::No { reason } = usable {
                    self.refund_in(tx, &paid, WHOLE, paid.amount, &reason, by)
                        .await?;
                }
                Ok(())
            }
            Outcome::Ended { reason } => {
                if PaymentStore::settle_failed(tx, &payment.id, reason, now, by).await? {
                    if let Some(purpose) = self.purpose(&payment.purpose.kind) {
                        purpose.unpaid(tx, payment).await?;
                    }
                }
                Ok(())
            }
            Outcome::RefundedElsewhere => {
                let reason = "paid and refunded at the provider, outside the portal";
                if PaymentStore::set_aside(tx, &payment.id, reason, now, by).await? {
                    tracing::error!(payment = %payment.id, reason, "an admin must look");
                    if let Some(purpose) = self.purpose(&payment.purpose.kind) {
                        purpose.unpaid(tx, payment).await?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Is the payment's purpose registered? Until it is (a process starting), a payment is
    /// not settled: its purpose could not be told.
    pub(crate) fn knows_purpose(&self, payment: &PaymentRecord) -> bool {
        self.purpose(&payment.purpose.kind).is_some()
    }

    /// A payment that failed (closed, expired) is asked about again when the provider says
    /// something happened to it: money that arrived after all is given back whole. A provider
    /// that cannot answer now is an error, so that the caller asks to be told again.
    pub async fn check_failed(&self, payment: &PaymentRecord) -> Result<(), RecheckError> {
        let Some(city) = self.provider(&payment.provider_id) else {
            return Ok(());
        };
        let Some(ChargeState::Paid {
            transaction_id,
            amount,
            paid_at,
        }) = city.adapter.query(&payment.order_no).await?
        else {
            return Ok(());
        };
        let mut tx = self
            .store
            .storage()
            .begin()
            .await
            .map_err(StorageError::from)?;
        let now = self.portal.clock().seconds();
        let by = MovedBy::ProviderNotice;
        if PaymentStore::paid_late(
            &mut tx,
            &payment.id,
            &transaction_id,
            paid_at.as_second(),
            now,
            by,
        )
        .await?
        {
            tracing::error!(payment = %payment.id, "paid after it was closed: refunding");
            let mut paid = payment.clone();
            paid.state = PaymentState::Paid;
            paid.amount = amount;
            let reason = t_args(paid.locale, "payment-refund-too-late", &[]);
            self.refund_in(&mut tx, &paid, WHOLE, amount, &reason, by)
                .await?;
        }
        tx.commit().await.map_err(StorageError::from)?;
        Ok(())
    }

    /// Starts giving back `amount` of a paid payment, for `part` of what it paid
    /// ([`WHOLE`] for all of it), and tells the resident why. Each part once; never more than
    /// was paid. `false` when nothing was started.
    pub async fn refund_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
        part: &str,
        amount: Money,
        reason: &str,
        by: MovedBy,
    ) -> Result<bool, StorageError> {
        let Some(refund) = Refunds::request(
            tx,
            payment,
            part,
            amount,
            reason,
            self.portal.clock().seconds(),
            by,
        )
        .await?
        else {
            return Ok(false);
        };
        self.tell(
            tx,
            payment,
            "payment-message-refunding",
            refund.amount,
            reason,
        )
        .await?;
        Ok(true)
    }

    /// Records a refund's end: made, or failed for good (`failed`: an admin must act).
    pub(crate) async fn refund_ended(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
        refund: &RefundRecord,
        failed: Option<&str>,
    ) -> Result<(), StorageError> {
        if !Refunds::settle(tx, refund, failed, self.portal.clock().seconds()).await? {
            return Ok(());
        }
        match failed {
            None => {
                if let Some(purpose) = self.purpose(&payment.purpose.kind) {
                    purpose.refunded(tx, payment, &refund.part).await?;
                }
                self.tell(
                    tx,
                    payment,
                    "payment-message-refunded",
                    refund.amount,
                    &refund.reason,
                )
                .await
            }
            Some(problem) => {
                tracing::error!(payment = %payment.id, refund = %refund.refund_no, problem, "refund failed at the provider: an admin must act");
                self.tell(
                    tx,
                    payment,
                    "payment-message-refund-stuck",
                    refund.amount,
                    problem,
                )
                .await
            }
        }
    }

    /// An inbox message about a payment (`amount` of it), in its resident's language, in
    /// the transaction that made the change it tells of.
    async fn tell(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
        key: &str,
        amount: Money,
        reason: &str,
    ) -> Result<(), StorageError> {
        let Some(resident) = &payment.resident_id else {
            return Ok(());
        };
        let args = [
            ("amount", amount.display(payment.locale).into()),
            ("what", payment.description.clone().into()),
            ("reason", reason.to_owned().into()),
        ];
        let title = t_args(payment.locale, &format!("{key}-title"), &args);
        let body = t_args(payment.locale, &format!("{key}-body"), &args);
        Inbox::deliver_in(
            tx,
            resident,
            Some(&payment.provider_id),
            Some(&payment.city_id),
            &title,
            &body,
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpaid_payments_are_asked_about_less_often_as_they_age() {
        assert_eq!(next_check(0), Duration::from_secs(5));
        assert_eq!(next_check(300), Duration::from_secs(15));
        assert_eq!(next_check(3600), Duration::from_secs(60));
    }
}
