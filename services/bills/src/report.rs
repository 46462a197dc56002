//! Telling a company of a paid bill, as a job of the shared queue, per biller: sent with the
//! bill's own id as the Idempotency-Key, so a resend (after a lost answer, a crash, an hour
//! of the company being down) finds the first receipt and never credits twice. The receipt
//! number reaches the resident's inbox; a bill the company refuses by then (paid meanwhile,
//! changed) has its share of the payment refunded.

use std::{sync::Arc, time::Duration};

use model::i18n::t_args;
use payments::store::{PaymentRecord, PaymentStore};
use portal_core::{
    inbox::Inbox,
    jobs::{
        worker::{work_round, Stopping, Workers},
        Attempt, Handoff, Job, LookUp, RetryPolicy, Settled,
    },
    providers::ProviderError,
    storage::StorageError,
};

use crate::{
    port::{BillerError, PaymentReport},
    store::{BillStore, Item, ItemState, REPORT},
    BillerEntry, UtilityBills, PURPOSE,
};

/// Starts one worker per biller, and the sweep of bills held without a payment. They run
/// until `workers` is stopped.
pub fn spawn(bills: &Arc<UtilityBills>, retry: RetryPolicy, idle: Duration, workers: &Workers) {
    let sweeping = Arc::clone(bills);
    workers.spawn(Duration::from_secs(60), move || {
        let bills = Arc::clone(&sweeping);
        async move {
            match bills
                .store
                .release_orphans(bills.portal.clock().seconds())
                .await
            {
                Ok(0) => {}
                Ok(released) => tracing::warn!(released, "bills held without a payment released"),
                Err(error) => tracing::error!(%error, "held bills not swept"),
            }
            false
        }
    });
    let billers: Vec<String> = bills.billers.all().map(|b| b.provider_id.clone()).collect();
    for biller in billers {
        let (bills, stopping) = (Arc::clone(bills), workers.stopping());
        workers.spawn(idle, move || {
            let (bills, biller, stopping) = (Arc::clone(&bills), biller.clone(), stopping.clone());
            async move { round(&bills, &biller, &retry, &stopping).await }
        });
    }
}

/// Reports a batch of `biller_id`'s paid bills; `true` when it reported some.
pub async fn round(
    bills: &UtilityBills,
    biller_id: &str,
    retry: &RetryPolicy,
    stopping: &Stopping,
) -> bool {
    let Some(biller) = bills.billers.get(biller_id) else {
        return false;
    };
    let handoff = &Reporting { bills, biller };
    let jobs = &bills.portal.jobs;
    work_round(stopping, "bill report", biller_id, || async move {
        Ok(jobs.step(handoff, biller_id, retry).await?.is_some())
    })
    .await
}

struct Reporting<'a> {
    bills: &'a UtilityBills,
    biller: &'a BillerEntry,
}

/// The company's answer to a report: its receipt number, or its refusal.
type ReportReceipt = String;

impl Reporting<'_> {
    async fn paid_item(&self, job: &Job) -> Result<Option<(Item, PaymentRecord)>, StorageError> {
        let Some(item) = self.bills.store.item(&job.subject).await? else {
            return Ok(None);
        };
        if item.state != ItemState::Paid {
            return Ok(None);
        }
        // By its basket, whatever the payment's state: a refund of another bill that failed
        // (an admin returns it) must not keep this bill's company from being told.
        let payment = self
            .bills
            .payments
            .store
            .of_purpose(PURPOSE, &item.basket_id)
            .await?;
        Ok(payment.map(|payment| (item, payment)))
    }
}

#[async_trait::async_trait]
impl Handoff for Reporting<'_> {
    type Receipt = ReportReceipt;

    fn kind(&self) -> &'static str {
        REPORT
    }

    /// A resend carries the same Idempotency-Key, which finds the first receipt: sending is
    /// its own look-up.
    async fn look_up(&self, _job: &Job) -> LookUp<ReportReceipt> {
        LookUp::NotThere
    }

    async fn deliver(&self, job: &Job) -> Attempt<ReportReceipt> {
        let (item, payment) = match self.paid_item(job).await {
            Ok(Some(found)) => found,
            Ok(None) => return Attempt::Gone,
            Err(_) => return Attempt::NotSent,
        };
        if payment.transaction_id.is_none() {
            return Attempt::NotSent;
        }
        // The portal's reference of this bill's payment, not the provider's transaction id:
        // one transaction paying several companies' bills would let them link the resident.
        let reference = item.id.as_str();
        let paid_at = payment
            .paid_at
            .and_then(|at| jiff::Timestamp::from_second(at).ok())
            .unwrap_or_else(jiff::Timestamp::now);
        let report = PaymentReport {
            lock_token: &item.lock_token,
            bill_number: &item.bill_number,
            account_number: &item.account_number,
            amount: item.amount,
            payment_provider: "wechatpay",
            payment_reference: reference,
            paid_at,
        };
        // When the request left, in the world's time, as the provider's look-ups go by.
        let sent_at = jiff::Timestamp::now().as_second();
        match self.biller.adapter.report(&report, &item.id).await {
            Ok(receipt) => Attempt::Accepted(receipt.number),
            Err(BillerError::Provider(ProviderError::CircuitOpen)) => Attempt::NotSent,
            Err(BillerError::Provider(_)) => Attempt::Unanswered { sent_at },
            // The bill itself can no longer take it: refunded.
            Err(
                refusal @ (BillerError::AlreadyPaid
                | BillerError::AmountChanged(_)
                | BillerError::LockExpired
                | BillerError::UnknownBill
                | BillerError::UnknownAccount),
            ) => Attempt::Refused(refusal.to_string()),
            // Anything else (a key being rotated, a request the company misread) is not an
            // answer about the bill: asked again, with backoff, and visible in the queue.
            Err(BillerError::Refused(words)) => {
                tracing::warn!(item = %item.id, %words, "the company refused a report; asking again later");
                Attempt::NotSent
            }
        }
    }

    async fn settle(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        job: &Job,
        outcome: Settled<ReportReceipt>,
    ) -> Result<(), StorageError> {
        let Some(item) = BillStore::item_in(tx, &job.subject).await? else {
            return Ok(());
        };
        let Some(payment) = PaymentStore::of_purpose_in(tx, PURPOSE, &item.basket_id).await? else {
            return Ok(());
        };
        let locale = payment.locale;
        let company = self.biller.name(locale).to_owned();
        let args = [
            ("company", company.into()),
            ("period", item.period.clone().into()),
            ("amount", item.amount.display(locale).into()),
        ];
        match outcome {
            Settled::Accepted(receipt) => {
                if !self
                    .bills
                    .store
                    .item_reported(tx, &item.id, Ok(&receipt))
                    .await?
                {
                    return Ok(());
                }
                if let Some(resident) = &payment.resident_id {
                    let mut args = args.to_vec();
                    args.push(("receipt", receipt.into()));
                    Inbox::deliver_in(
                        tx,
                        resident,
                        Some(&self.biller.provider_id),
                        Some(&payment.city_id),
                        &t_args(locale, "bills-message-credited-title", &args),
                        &t_args(locale, "bills-message-credited-body", &args),
                    )
                    .await?;
                }
                Ok(())
            }
            Settled::Refused(words) => {
                if !self
                    .bills
                    .store
                    .item_reported(tx, &item.id, Err(&words))
                    .await?
                {
                    return Ok(());
                }
                tracing::warn!(item = %item.id, %words, "the company refused a paid bill: refunding it");
                let reason = t_args(locale, "bills-refund-refused", &args);
                self.bills
                    .payments
                    .refund_in(
                        tx,
                        &payment,
                        &format!("bill:{}", item.id),
                        item.amount,
                        &reason,
                        payments::lifecycle::MovedBy::Job,
                    )
                    .await?;
                Ok(())
            }
        }
    }
}
