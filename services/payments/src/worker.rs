//! Payments' background work, as jobs of the shared queue, per payment provider: the
//! confirmation job asks about each open payment until it is final (closing it at the
//! provider once it expired unpaid), so nothing depends on the resident coming back; the
//! refund job gets a payment's money back. Both only ask before they act, so a retried or
//! doubled attempt changes nothing.

use std::{sync::Arc, time::Duration};

use portal_core::{
    jobs::{
        worker::{Stopping, Workers},
        Attempt, Handoff, Job, LookUp, RetryPolicy, Settled,
    },
    providers::ProviderError,
    storage::StorageError,
};

use crate::{
    port::{PaymentProvider, RefundRequest, RefundState},
    settle::{next_check, Outcome, CLOSE_GRACE_SECONDS},
    store::{PaymentRecord, PaymentState, CONFIRM, REFUND},
    Payments,
};

/// How a refund still processing is asked about again.
const REFUND_RECHECK: Duration = Duration::from_secs(5);

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

/// Starts, per payment provider, a worker for confirmations and one for refunds. They run
/// until `workers` is stopped.
pub fn spawn(payments: &Arc<Payments>, settings: &WorkerSettings, workers: &Workers) {
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
    let mut busy = false;
    for _ in 0..50 {
        if stopping.asked() {
            return false;
        }
        let step = match kind {
            CONFIRM => {
                payments
                    .portal
                    .jobs
                    .step(&Confirmation { payments, adapter }, provider_id, retry)
                    .await
            }
            _ => {
                payments
                    .portal
                    .jobs
                    .step(&Refunding { payments, adapter }, provider_id, retry)
                    .await
            }
        };
        match step {
            Ok(Some(_)) => busy = true,
            Ok(None) => break,
            Err(error) => {
                tracing::error!(%error, kind, provider = provider_id, "payment job failed on storage");
                return false;
            }
        }
    }
    busy
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
    /// paid; after it expired, close it, which the provider refuses if it was paid after all.
    async fn unpaid(&self, payment: &PaymentRecord) -> Attempt<Outcome> {
        let now = jiff::Timestamp::now().as_second();
        if now < payment.expires_at + CLOSE_GRACE_SECONDS {
            return Attempt::Again(next_check(now - payment.created_at));
        }
        match self.adapter.close(&payment.order_no).await {
            Ok(()) => Attempt::Refused("expired unpaid".into()),
            // The provider never had it: no one can pay it now.
            Err(ProviderError::Refused { status: 404, .. }) => {
                Attempt::Refused("never reached the provider".into())
            }
            // Paid after all (ORDERPAID) while queries lag: ask again soon.
            Err(ProviderError::Refused { message, .. }) => {
                tracing::info!(payment = %payment.id, %message, "close refused; asking again");
                Attempt::Again(next_check(0))
            }
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
        match self.adapter.query(&payment.order_no).await {
            Ok(Some(state)) => match Outcome::of(state, &payment) {
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
        let Some(payment) = self.payments.store.by_id(&job.subject).await? else {
            return Ok(());
        };
        let outcome = match outcome {
            Settled::Accepted(outcome) => outcome,
            Settled::Refused(reason) => Outcome::Ended { reason },
        };
        self.payments.record_in(tx, &payment, &outcome).await
    }
}

/// Gets a payment's money back: looks for our refund at the provider first, asks for it if it
/// is not there, then follows it to its end.
struct Refunding<'a> {
    payments: &'a Payments,
    adapter: &'a dyn PaymentProvider,
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
        let payment = match payment_in(self.payments, job, PaymentState::Refunding).await {
            Ok(Some(payment)) => payment,
            Ok(None) => return Attempt::Gone,
            Err(_) => return Attempt::NotSent,
        };
        let refund_no = payment.refund_no();
        let state = match self.adapter.refund_state(&refund_no).await {
            Ok(Some(state)) => state,
            Ok(None) => {
                let sent_at = jiff::Timestamp::now().as_second();
                let reason = payment.refund_reason.clone().unwrap_or_default();
                let request = RefundRequest {
                    refund_no: &refund_no,
                    order_no: &payment.order_no,
                    amount: payment.amount,
                    total: payment.amount,
                    reason: &reason,
                };
                match self.adapter.refund(&request).await {
                    Ok(state) => state,
                    Err(ProviderError::CircuitOpen) => return Attempt::NotSent,
                    Err(ProviderError::Refused { message, .. }) => {
                        return Attempt::Refused(message)
                    }
                    Err(_) => return Attempt::Unanswered { sent_at },
                }
            }
            Err(_) => return Attempt::NotSent,
        };
        match state {
            RefundState::Succeeded => Attempt::Accepted(()),
            RefundState::Processing => Attempt::Again(REFUND_RECHECK),
            RefundState::Failed { reason } => Attempt::Refused(reason),
        }
    }

    async fn settle(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        job: &Job,
        outcome: Settled<()>,
    ) -> Result<(), StorageError> {
        let Some(payment) = self.payments.store.by_id(&job.subject).await? else {
            return Ok(());
        };
        let failed = match &outcome {
            Settled::Accepted(()) => None,
            Settled::Refused(reason) => Some(reason.as_str()),
        };
        self.payments.refund_ended(tx, &payment, failed).await
    }
}
