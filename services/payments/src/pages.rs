//! The server's side of the payment pages: "My payments" and a payment's page, which asks
//! the provider about an open payment before it answers (the return from the provider's page
//! lands there, and the redirect itself is never believed).

use model::{
    i18n::t_args,
    ids::{AdminId, CityId, ResidentId},
    pages::PaymentPages,
    payments::{
        AdminPaymentRow, AdminPayments, PaymentReceipt, PaymentRow, PaymentStep, RefundLine,
    },
    AppError, Locale,
};
use portal_core::portal::internal;

use crate::{
    refunds::{RefundRecord, RefundState},
    store::{PaymentRecord, PaymentState},
    Payments,
};

/// A payment open this long without a final answer is shown to admins as overdue.
const OVERDUE_SECONDS: i64 = 3600;
/// Rows per list on the console's page.
const CONSOLE_ROWS: i64 = 50;

/// Ids of payments are UUIDs: anything else names none and is not looked up.
fn is_payment_id(text: &str) -> bool {
    text.len() == 36 && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// A refund's status in the words the pages use for payments.
fn refund_status(state: RefundState) -> &'static str {
    match state {
        RefundState::Requested => "refunding",
        RefundState::Refunded => "refunded",
        RefundState::Stuck => "stuck",
    }
}

impl Payments {
    fn reason(&self, payment: &PaymentRecord, locale: Locale) -> Option<String> {
        match payment.state {
            PaymentState::Failed => Some(t_args(locale, "payment-failed-reason", &[])),
            PaymentState::Stuck => Some(t_args(locale, "payment-stuck-reason", &[])),
            _ => None,
        }
    }

    /// The payment's history as its page and the console show it.
    fn steps(&self, steps: Vec<crate::lifecycle::Step>) -> Vec<PaymentStep> {
        steps
            .into_iter()
            .map(|step| PaymentStep {
                at: self.portal.local_time(step.at),
                event: step.event,
                by: step.by,
                status: step.to,
            })
            .collect()
    }

    fn admin_row(&self, payment: PaymentRecord, history: Vec<PaymentStep>) -> AdminPaymentRow {
        AdminPaymentRow {
            history,
            started: self.portal.local_time(payment.created_at),
            status: payment.state.id().to_owned(),
            reason: payment.failed_reason,
            order_no: payment.order_no,
            what: payment.description,
            amount: payment.amount,
        }
    }

    fn admin_refund_row(
        &self,
        payment: PaymentRecord,
        refund: RefundRecord,
        history: Vec<PaymentStep>,
    ) -> AdminPaymentRow {
        AdminPaymentRow {
            history,
            started: self.portal.local_time(refund.created_at),
            status: refund_status(refund.state).to_owned(),
            reason: Some(match refund.problem {
                Some(problem) => format!("{} ({problem})", refund.reason),
                None => refund.reason,
            }),
            order_no: payment.order_no,
            what: payment.description,
            amount: refund.amount,
        }
    }
}

#[async_trait::async_trait]
impl PaymentPages for Payments {
    async fn my_payments(
        &self,
        resident: &ResidentId,
        _locale: Locale,
    ) -> Result<Vec<PaymentRow>, AppError> {
        let payments = self
            .store
            .of_resident(resident.as_str())
            .await
            .map_err(internal)?;
        Ok(payments
            .into_iter()
            .map(|payment| PaymentRow {
                started: self.portal.local_time(payment.created_at),
                id: payment.id,
                what: payment.description,
                amount: payment.amount,
                status: payment.state.id().to_owned(),
            })
            .collect())
    }

    async fn my_payment(
        &self,
        resident: &ResidentId,
        payment: &str,
        locale: Locale,
    ) -> Result<PaymentReceipt, AppError> {
        if !is_payment_id(payment) {
            return Err(AppError::NotFound);
        }
        let mine = |p: &PaymentRecord| p.resident_id.as_deref() == Some(resident.as_str());
        // Someone else's payment is not asked about, let alone shown.
        let stored = self.store.by_id(payment).await.map_err(internal)?;
        if !stored.as_ref().is_some_and(mine) {
            return Err(AppError::NotFound);
        }
        let payment = self
            .confirm_now(payment)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let city = self.portal.city(&payment.city_id)?.summary();
        let (details, settling) = match self.purpose(&payment.purpose.kind) {
            Some(purpose) => (
                purpose.details(&payment, locale).await,
                payment.state == PaymentState::Paid && purpose.settling(&payment).await,
            ),
            None => (Vec::new(), false),
        };
        let refunds = self.refunds.of_payment(&payment).await.map_err(internal)?;
        let now = self.portal.clock().seconds();
        Ok(PaymentReceipt {
            history: self.steps(
                crate::lifecycle::history(self.store.storage().pool(), &payment.id)
                    .await
                    .map_err(internal)?,
            ),
            reason: self.reason(&payment, locale),
            // Through the portal, which asks the provider for a fresh page.
            continue_url: (payment.state == PaymentState::Open && now < payment.expires_at)
                .then(|| format!("/me/payments/{}/pay", payment.id)),
            settling,
            cancel_url: (payment.state == PaymentState::Open)
                .then(|| format!("/me/payments/{}/cancel", payment.id)),
            provider: t_args(locale, "payment-provider-wechatpay", &[]),
            started: self.portal.local_time(payment.created_at),
            paid: payment.paid_at.map(|at| self.portal.local_time(at)),
            refunds: refunds
                .into_iter()
                .map(|refund| RefundLine {
                    amount: refund.amount,
                    status: refund_status(refund.state).to_owned(),
                    at: self.portal.local_time(refund.created_at),
                    reason: refund.reason,
                })
                .collect(),
            status: payment.state.id().to_owned(),
            id: payment.id,
            city,
            what: payment.description,
            amount: payment.amount,
            order_no: payment.order_no,
            transaction_id: payment.transaction_id,
            details,
        })
    }

    async fn admin_payments(
        &self,
        admin: &AdminId,
        city: &CityId,
    ) -> Result<AdminPayments, AppError> {
        let (_, city) = self
            .portal
            .managed_city(admin.as_str(), city.as_str())
            .await?;
        let store = &self.store;
        let counts = store.counts(&city.id).await.map_err(internal)?;
        let overdue = store
            .overdue(&city.id, OVERDUE_SECONDS, CONSOLE_ROWS)
            .await
            .map_err(internal)?;
        let refunds = self
            .refunds
            .of_city(&city.id, CONSOLE_ROWS)
            .await
            .map_err(internal)?;
        let recent = store
            .recent(&city.id, CONSOLE_ROWS)
            .await
            .map_err(internal)?;
        // Every row's history in one query.
        let ids: Vec<&str> = overdue
            .iter()
            .chain(refunds.iter().map(|(payment, _)| payment))
            .chain(&recent)
            .map(|payment| payment.id.as_str())
            .collect();
        let histories = crate::lifecycle::histories(store.storage().pool(), &ids)
            .await
            .map_err(internal)?;
        let history_of = |id: &str| self.steps(histories.get(id).cloned().unwrap_or_default());
        let rows = |records: Vec<PaymentRecord>| -> Vec<AdminPaymentRow> {
            records
                .into_iter()
                .map(|payment| {
                    let history = history_of(&payment.id);
                    self.admin_row(payment, history)
                })
                .collect()
        };
        Ok(AdminPayments {
            counts: PaymentState::ALL
                .iter()
                .map(|state| {
                    let count = counts
                        .0
                        .iter()
                        .find(|(s, _)| s == state)
                        .map_or(0, |(_, n)| *n);
                    (state.id().to_owned(), count)
                })
                .collect(),
            overdue: rows(overdue),
            refunds: refunds
                .into_iter()
                .map(|(payment, refund)| {
                    let history = history_of(&payment.id);
                    self.admin_refund_row(payment, refund, history)
                })
                .collect(),
            recent: rows(recent),
            city: city.summary(),
        })
    }
}
