//! What the payment pages show, as it crosses from server to page.

use serde::{Deserialize, Serialize};

use crate::{city::CitySummary, money::Money};

/// Where a payment stands, as its resident reads it: `open` (being paid or confirmed),
/// `paid`, `failed` (nothing was charged), `refunding`, `refunded`, `stuck` (our staff
/// return the money).
pub const PAYMENT_STATUSES: [&str; 6] =
    ["open", "paid", "failed", "refunding", "refunded", "stuck"];

/// A row of "My payments".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRow {
    pub id: String,
    pub what: String,
    pub amount: Money,
    /// One of [`PAYMENT_STATUSES`].
    pub status: String,
    /// When it was started, in the city's time.
    pub started: String,
}

/// A payment's page, and its receipt once settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentReceipt {
    pub id: String,
    pub city: CitySummary,
    pub what: String,
    pub amount: Money,
    /// One of [`PAYMENT_STATUSES`].
    pub status: String,
    /// Who took the money (`WeChat Pay`).
    pub provider: String,
    /// Our order number, as the provider's statement shows it.
    pub order_no: String,
    /// The provider's transaction number, once paid.
    pub transaction_id: Option<String>,
    pub started: String,
    pub paid: Option<String>,
    /// Why it failed, or why our staff must return it, in words.
    pub reason: Option<String>,
    /// Money given back: all of it, or part (one bill of several).
    pub refunds: Vec<RefundLine>,
    /// The provider's page, while the payment can still be paid there.
    pub continue_url: Option<String>,
    /// Where an open payment is cancelled (its order closed at the provider, then what it
    /// held freed), while it is open.
    pub cancel_url: Option<String>,
    /// Paid, and what it bought is still being settled with the provider (its receipt is on
    /// its way): the page looks again on its own.
    pub settling: bool,
    /// What the paying service adds (the company's receipt number, the account), as
    /// (label, value).
    pub details: Vec<(String, String)>,
    /// What moved it, step by step, oldest first.
    pub history: Vec<PaymentStep>,
}

/// One step of a payment's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentStep {
    /// When, in the city's time.
    pub at: String,
    /// What happened: `opened`, `paid`, `closed`, `refund-requested`, … (the message
    /// `payment-event-<event>`).
    pub event: String,
    /// Who or what moved it: `resident`, `job`, `provider`, `admin`, `service` (the message
    /// `payment-moved-by-<by>`).
    pub by: String,
    /// The state it moved to, one of [`PAYMENT_STATUSES`].
    pub status: String,
}

/// A refund, as the payment's page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    pub amount: Money,
    /// `refunding`, `refunded` or `stuck`, as [`PAYMENT_STATUSES`] name them.
    pub status: String,
    pub reason: String,
    /// When it was asked for, in the city's time.
    pub at: String,
}

/// A payment as a city's admins see it: no resident, only what the payment was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminPaymentRow {
    pub order_no: String,
    pub what: String,
    pub amount: Money,
    /// One of [`PAYMENT_STATUSES`].
    pub status: String,
    pub started: String,
    /// Why it failed or is refunded, as recorded.
    pub reason: Option<String>,
    /// What moved it, step by step, oldest first.
    pub history: Vec<PaymentStep>,
}

/// A city's payments page in the console.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminPayments {
    pub city: CitySummary,
    /// (status, how many), every status in order.
    pub counts: Vec<(String, i64)>,
    /// Open for more than an hour: the provider has not given a final answer.
    pub overdue: Vec<AdminPaymentRow>,
    /// Refunds, whole or in part (their amounts), newest first.
    pub refunds: Vec<AdminPaymentRow>,
    /// The latest payments, whatever their state.
    pub recent: Vec<AdminPaymentRow>,
}
