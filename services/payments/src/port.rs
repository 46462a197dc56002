//! What the portal asks of a payment provider, in its own terms. WeChat Pay v3 is the one
//! adapter today; another protocol is another implementation of [`PaymentProvider`].

use model::Money;
use portal_core::providers::ProviderError;

/// A charge to open at the provider: our order number is its idempotency key, so sending the
/// same charge again finds the first one, never a second.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charge<'a> {
    /// Ours; the provider's `out_trade_no`.
    pub order_no: &'a str,
    pub amount: Money,
    /// What the resident sees on the provider's page and statement.
    pub description: &'a str,
    /// The provider refuses to take the money after this.
    pub expires_at: jiff::Timestamp,
    /// The resident's address, which H5 payment requires.
    pub payer_ip: std::net::IpAddr,
}

/// Where the provider takes the resident to pay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    /// The provider's page; the caller adds where to come back to with [`PaymentProvider::pay_url`].
    pub page: url::Url,
}

/// A charge as the provider has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeState {
    /// Not paid yet (or being paid): it may still be.
    Unpaid,
    /// Paid: the money is ours.
    Paid {
        transaction_id: String,
        amount: Money,
        paid_at: jiff::Timestamp,
    },
    /// Paid, then (partly or wholly) refunded.
    Refunded { transaction_id: String },
    /// The payer's attempt failed (WeChat Pay's PAYERROR): nothing was taken, but the order
    /// may still be paid, with another card say, until it is closed.
    Declined { reason: String },
    /// Closed or revoked: nothing was taken and nothing will be.
    Ended { reason: String },
}

/// A refund to ask of the provider; our refund number is its idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRequest<'a> {
    pub refund_no: &'a str,
    pub order_no: &'a str,
    /// How much goes back, of the charge's `total`.
    pub amount: Money,
    pub total: Money,
    /// Shown to the resident by the provider.
    pub reason: &'a str,
}

/// A refund as the provider has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundState {
    Processing,
    Succeeded,
    /// It failed for good (the resident's account closed, …): a person must act.
    Failed {
        reason: String,
    },
}

/// What a notification from the provider says happened (never believed: it only tells the
/// portal whom to ask).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The provider's id of the notification, to drop a replay.
    pub id: String,
    pub order_no: String,
}

/// Why a notification is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoticeError {
    #[error("not signed by the provider")]
    Forged,
    #[error("signed too long ago ({0} s): a replay")]
    Stale(i64),
    #[error("the resource does not decrypt")]
    Undecryptable,
    #[error("malformed: {0}")]
    Malformed(String),
}

#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Opens the charge, or finds the one opened before with the same order number.
    async fn open(&self, charge: &Charge<'_>) -> Result<Checkout, ProviderError>;

    /// The charge's state; `None` when the provider never had it.
    async fn query(&self, order_no: &str) -> Result<Option<ChargeState>, ProviderError>;

    /// Closes an unpaid charge so it can no longer be paid. Closing a paid charge fails: the
    /// caller asks again with `query`.
    async fn close(&self, order_no: &str) -> Result<(), ProviderError>;

    /// Asks for a refund, or finds the one asked before with the same refund number.
    async fn refund(&self, refund: &RefundRequest<'_>) -> Result<RefundState, ProviderError>;

    /// A refund's state; `None` when the provider never had it.
    async fn refund_state(&self, refund_no: &str) -> Result<Option<RefundState>, ProviderError>;

    /// Checks a notification's signature, freshness and encryption, and reads whom it names.
    fn read_notice(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Notice, NoticeError>;

    /// The provider's page with where to send the resident back to.
    fn pay_url(&self, checkout: &Checkout, back_to: &url::Url) -> url::Url;

    /// The origin of the provider's pages, which the portal's forms may redirect to.
    fn page_origin(&self) -> String;
}
