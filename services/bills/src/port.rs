//! What the portal asks of a biller (an electricity, water or gas company), in its own terms.
//! The portal's Provider API for bills is the one protocol today ([`crate::provider_api`]).

use model::Money;
use portal_core::providers::ProviderError;

/// A bill as the biller states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bill {
    pub number: String,
    /// The period it is for, as the biller names it (`2026-10`).
    pub period: String,
    pub amount: Money,
    pub due: jiff::civil::Date,
    /// May be paid in part, down to this minimum.
    pub part_minimum: Option<Money>,
}

/// An account's open bills.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountBills {
    /// The holder's name, partly hidden, as the biller shows it.
    pub holder: Option<String>,
    pub bills: Vec<Bill>,
}

/// A bill's amount held for a payment until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lock {
    pub token: String,
    pub amount: Money,
    pub expires_at: jiff::Timestamp,
}

/// A payment to report to the biller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentReport<'a> {
    pub lock_token: &'a str,
    pub bill_number: &'a str,
    pub account_number: &'a str,
    pub amount: Money,
    /// Who took the money (`wechatpay`) and its id of the charge.
    pub payment_provider: &'a str,
    pub payment_reference: &'a str,
    pub paid_at: jiff::Timestamp,
}

/// The biller's receipt for a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub number: String,
    pub amount: Money,
}

/// Why a biller said no, in the portal's terms.
#[derive(Clone, Debug, thiserror::Error)]
pub enum BillerError {
    #[error("no such account")]
    UnknownAccount,
    #[error("no such bill for this account")]
    UnknownBill,
    #[error("the bill is paid already")]
    AlreadyPaid,
    #[error("the bill's amount is now {0:?}")]
    AmountChanged(Option<Money>),
    #[error("the lock expired and the bill changed")]
    LockExpired,
    #[error("refused: {0}")]
    Refused(String),
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// Who is asking, as the biller may know them: the biller's own pseudonym of the resident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer<'a>(pub &'a str);

#[async_trait::async_trait]
pub trait Biller: Send + Sync {
    /// The account's open bills.
    async fn open_bills(
        &self,
        account_number: &str,
        customer: &Customer<'_>,
    ) -> Result<AccountBills, BillerError>;

    /// Holds a bill's amount for a payment. `key` is ours: the same key finds the same lock.
    async fn lock(
        &self,
        account_number: &str,
        bill_number: &str,
        amount: Money,
        key: &str,
        customer: &Customer<'_>,
    ) -> Result<Lock, BillerError>;

    /// Tells the biller of a payment; `key` is ours: the same key finds the same receipt.
    async fn report(&self, payment: &PaymentReport<'_>, key: &str) -> Result<Receipt, BillerError>;
}
