//! Payments' background work, as jobs of the shared queue, per payment provider: the
//! confirmation job asks about each open payment until it is final (closing it at the
//! provider once it expired unpaid), so nothing depends on the resident coming back; the
//! refund job gets money back, a refund at a time. Both only ask before they act, so a retried or
//! doubled attempt changes nothing.

use std::{sync::Arc, time::Duration};

use portal_core::{
    jobs::{
        worker::{work_round, Stopping, Workers},
        Attempt, Handoff, Job, LookUp, RetryPolicy, Settled,
    },
    providers::ProviderError,
    storage::StorageError,
};

use crate::{
    lifecycle::MovedBy,
    port::{ChargeState, PaymentProvider, RefundRequest, RefundState},
    refunds::{RefundRecord, RefundState as RefundProgress, Refunds},
    settle::{next_check, Outcome, CLOSE_GRACE_SECONDS},
    store::{PaymentRecord, PaymentState, PaymentStore, CONFIRM, REFUND},
    Payments,
};

#[derive(Clone, Debug)]
pub struct WorkerSettings {
    pub retry: RetryPolicy,
    /// The pause between rounds when nothing is due.
    pub idle: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            retry: RetryPolicy::default(),
            idle: Duration::from_secs(1),
        }
    }
}

/// Starts, per payment provider, a worker for confirmations and one for refunds, and an
/// hourly purge of old notification ids. They run until `workers` is stopped.
pub fn spawn(payments: &Arc<Payments>, settings: &WorkerSettings, workers: &Workers) {
    let purging = Arc::clone(payments);
    workers.spawn(Duration::from_secs(3600), move || {
        let payments = Arc::clone(&purging);
        async move {
            if let Err(error) = payments.store.forget_old_notices().await {
                tracing::error!(%error, "old payment notifications not forgotten");
            }
            false
        }
    });
    let providers: Vec<String> = payments
        .all_providers()
        .map(|p| p.provider_id.clone())
        .collect();
    for provider in providers {
        for kind in [CONFIRM, REFUND] {
            let (payments, settings) = (Arc::clone(payments), settings.clone());
            let (provider, stopping) = (provider.clone(), workers.stopping());
            workers.spawn(settings.idle, move || {
                let (payments, settings, provider, stopping) = (
                    Arc::clone(&payments),
                    settings.clone(),
                    provider.clone(),
                    stopping.clone(),
                );
                async move { round(&payments, kind, &provider, &settings.retry, &stopping).await }
            });
        }
    }
}

/// Takes up to a batch of `provider`'s due jobs of `kind`; `true` when it took some (more
/// may be due).
pub async fn round(
    payments: &Payments,
    kind: &'static str,
    provider_id: &str,
    retry: &RetryPolicy,
    stopping: &Stopping,
) -> bool {
    let Some(provider) = payments.provider(provider_id) else {
        return false;
    };
    let adapter = provider.adapter.as_ref();
    let jobs = &payments.portal.jobs;
    let confirmation = &Confirmation { payments, adapter };
    let refunding = &Refunding { payments, adapter };
    work_round(stopping, kind, provider_id, || async move {
        let step = match kind {
            CONFIRM => jobs.step(confirmation, provider_id, retry).await?,
            _ => jobs.step(refunding, provider_id, retry).await?,
        };
        Ok(step.is_some())
    })
    .await
}

/// The payment a job is about, while it is in `state`.
async fn payment_in(
    payments: &Payments,
    job: &Job,
    state: PaymentState,
) -> Result<Option<PaymentRecord>, StorageError> {
    Ok(payments
        .store
        .by_id(&job.subject)
        .await?
        .filter(|p| p.state == state))
}

/// Asks about an open payment until it is final.
struct Confirmation<'a> {
    payments: &'a Payments,
    adapter: &'a dyn PaymentProvider,
}

impl Confirmation<'_> {
    /// The charge is not paid (or the provider never had it): wait while it may still be
    /// paid; after it expired, close it, then ask again: only a charge the provider then
    /// calls closed (or never had) failed. A close answers success even for an order paid a
    /// moment ago whose query still lags, so the close alone proves nothing.
    async fn unpaid(&self, payment: &PaymentRecord) -> Attempt<Outcome> {
        let now = self.payments.portal.clock().seconds();
        if now < payment.expires_at + CLOSE_GRACE_SECONDS {
            return Attempt::Again(next_check(now - payment.created_at));
        }
        self.close_then_ask(payment).await
    }

    /// Closes the order at the provider, then asks: the payment failed only if the provider
    /// then calls it closed (or never had it). Also for a declined order, at once: the payer
    /// could otherwise still pay it after the portal told the purpose it failed, and be
    /// charged twice when they pay again under a new order.
    async fn close_then_ask(&self, payment: &PaymentRecord) -> Attempt<Outcome> {
        let now = self.payments.portal.clock().seconds();
        let age = now - payment.created_at;
        match self.adapter.close(&payment.order_no).await {
            Ok(()) | Err(ProviderError::Refused { status: 404, .. }) => {}
            // Paid after all (ORDERPAID), closed already, or refused for a reason of its
            // own: what the order is now decides.
            Err(ProviderError::Refused { message, .. }) => {
                tracing::info!(payment = %payment.id, %message, "close refused; asking");
            }
            Err(_) => return Attempt::NotSent,
        }
        match self.adapter.query(&payment.order_no).await {
            Ok(None) => Attempt::Refused("never reached the provider".into()),
            // Declined, and past the time the provider may take money for it: ended, even
            // if the provider would not close it.
            Ok(Some(ChargeState::Declined { reason }))
                if now >= payment.expires_at + CLOSE_GRACE_SECONDS =>
            {
                tracing::warn!(payment = %payment.id, "a declined order that would not close has expired");
                Attempt::Accepted(Outcome::Ended { reason })
            }
            Ok(Some(state)) => match Outcome::of(state) {
                Some(outcome) => Attempt::Accepted(outcome),
                // Closed, yet still unpaid by its word: the query lags; ask again.
                None => Attempt::Again(next_check(age)),
            },
            Err(_) => Attempt::NotSent,
        }
    }
}

#[async_trait::async_trait]
impl Handoff for Confirmation<'_> {
    type Receipt = Outcome;

    fn kind(&self) -> &'static str {
        CONFIRM
    }

    /// Asking changes nothing at the provider: never in doubt.
    async fn look_up(&self, _job: &Job) -> LookUp<Outcome> {
        LookUp::NotThere
    }

    async fn deliver(&self, job: &Job) -> Attempt<Outcome> {
        let payment = match payment_in(self.payments, job, PaymentState::Open).await {
            Ok(Some(payment)) => payment,
            Ok(None) => return Attempt::Gone,
            Err(_) => return Attempt::NotSent,
        };
        // Its purpose registers as the process starts: until then it could not be told.
        if !self.payments.knows_purpose(&payment) {
            return Attempt::NotSent;
        }
        match self.adapter.query(&payment.order_no).await {
            Ok(Some(ChargeState::Declined { .. })) => self.close_then_ask(&payment).await,
            Ok(Some(state)) => match Outcome::of(state) {
                Some(outcome) => Attempt::Accepted(outcome),
                None => self.unpaid(&payment).await,
            },
            Ok(None) => self.unpaid(&payment).await,
            // A question may be asked again at no risk.
            Err(_) => Attempt::NotSent,
        }
    }

    async fn settle(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        job: &Job,
        outcome: Settled<Outcome>,
    ) -> Result<(), StorageError> {
        let Some(payment) = PaymentStore::by_id_in(tx, &job.subject).await? else {
            return Ok(());
        };
        let outcome = match outcome {
            Settled::Accepted(outcome) => outcome,
            Settled::Refused(reason) => Outcome::Ended { reason },
        };
        self.payments
            .record_in(tx, &payment, &outcome, MovedBy::Job)
            .await
    }
}

/// Gets money back: looks for the refund at the provider first, asks for it if it is not
/// there, then follows it to its end.
struct Refunding<'a> {
    payments: &'a Payments,
    adapter: &'a dyn PaymentProvider,
}

impl Refunding<'_> {
    /// The refund a job is about, while requested, with its payment.
    async fn requested(
        &self,
        job: &Job,
    ) -> Result<Option<(PaymentRecord, RefundRecord)>, StorageError> {
        let Some(refund) = self.payments.refunds.by_no(&job.subject).await? else {
            return Ok(None);
        };
        if refund.state != RefundProgress::Requested {
            return Ok(None);
        }
        let payment = self.payments.store.by_id(&refund.payment_id).await?;
        Ok(payment.map(|payment| (payment, refund)))
    }
}

/// A refund the provider refuses is asked again, with backoff (a refusal may pass: not
/// enough unsettled funds, a clock or a key being changed), this many times before an admin
/// is asked to return the money by hand.
const REFUND_ATTEMPTS: i64 = 12;

/// How long a refund still processing waits before it is asked about again: bank cards can
/// take days.
fn refund_recheck(age_seconds: i64) -> Duration {
    Duration::from_secs(match age_seconds {
        ..120 => 5,
        120..3600 => 60,
        _ => 600,
    })
}

#[async_trait::async_trait]
impl Handoff for Refunding<'_> {
    type Receipt = ();

    fn kind(&self) -> &'static str {
        REFUND
    }

    /// `deliver` looks the refund up itself before asking for one.
    async fn look_up(&self, _job: &Job) -> LookUp<()> {
        LookUp::NotThere
    }

    async fn deliver(&self, job: &Job) -> Attempt<()> {
        let (payment, refund) = match self.requested(job).await {
            Ok(Some(found)) => found,
            Ok(None) => return Attempt::Gone,
            Err(_) => return Attempt::NotSent,
        };
        let state = match self.adapter.refund_state(&refund.refund_no).await {
            Ok(Some(state)) => state,
            Ok(None) => {
                // When the request left, in the world's time, as the provider's look-ups go by.
                let sent_at = jiff::Timestamp::now().as_second();
                let request = RefundRequest {
                    refund_no: &refund.refund_no,
                    order_no: &payment.order_no,
                    amount: refund.amount,
                    total: payment.amount,
                    reason: &refund.reason,
                };
                match self.adapter.refund(&request).await {
                    Ok(state) => state,
                    Err(ProviderError::CircuitOpen) => return Attempt::NotSent,
                    Err(ProviderError::Refused { message, .. }) => {
                        tracing::warn!(refund = %refund.refund_no, %message, attempts = job.attempts, "refund refused");
                        return if job.attempts >= REFUND_ATTEMPTS {
                            Attempt::Refused(message)
                        } else {
                            Attempt::NotSent
                        };
                    }
                    Err(_) => return Attempt::Unanswered { sent_at },
                }
            }
            Err(_) => return Attempt::NotSent,
        };
        match state {
            RefundState::Succeeded => Attempt::Accepted(()),
            RefundState::Processing => Attempt::Again(refund_recheck(
                self.payments.portal.clock().seconds() - refund.created_at,
            )),
            RefundState::Failed { reason } => Attempt::Refused(reason),
        }
    }

    async fn settle(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        job: &Job,
        outcome: Settled<()>,
    ) -> Result<(), StorageError> {
        let Some(refund) = Refunds::by_no_in(tx, &job.subject).await? else {
            return Ok(());
        };
        let Some(payment) = PaymentStore::by_id_in(tx, &refund.payment_id).await? else {
            return Ok(());
        };
        let failed = match &outcome {
            Settled::Accepted(()) => None,
            Settled::Refused(reason) => Some(reason.as_str()),
        };
        self.payments
            .refund_ended(tx, &payment, &refund, failed)
            .await
    }
}
