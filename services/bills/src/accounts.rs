//! Saving an account, and proving it is the resident's. An account number is not a key:
//! anyone can type one. A saved account shows its holder and bills only once the resident
//! proved they hold it with what only the bill shows, the amount of an open bill as printed
//! on it. Failed look-ups (a number the company does not know, an amount that is not one of
//! its bills) are limited per resident and per client address, as guesses at a password are,
//! and a resident keeps at most [`MAX_ACCOUNTS`] accounts. Which of the two was wrong is not
//! said: either way, nothing about the account is told.

use axum::http::StatusCode;
use model::{Currency, Money, ServiceKind};
use portal_core::{
    accounts::limits::{Account as Limited, SignInLimits},
    plain_text,
    storage::StorageError,
    web::error::{PublicError, INTERNAL},
};

use crate::{
    customer, pages::MAX_LABEL, port::BillerError, provider_api::MAX_NUMBER, UtilityBills,
};

/// Failed look-ups: at most 5 per resident and 30 per client address (carriers' NAT puts
/// many residents behind one) an hour.
pub const LOOKUP_LIMITS: SignInLimits = SignInLimits {
    window_seconds: 3600,
    per_account: 5,
    per_address: 30,
};

/// Failed look-ups of one account, whoever makes them: at most 10 an hour, so that many
/// residents and addresses guessing at one account's amount are stopped too.
pub const TARGET_LIMITS: SignInLimits = SignInLimits {
    window_seconds: 3600,
    per_account: 10,
    per_address: i64::MAX,
};

/// A resident keeps at most this many accounts, in every city together.
pub const MAX_ACCOUNTS: i64 = 10;

/// An account as the save form gives it.
#[derive(Clone, Debug, Default)]
pub struct AccountForm<'a> {
    pub biller: &'a str,
    pub number: &'a str,
    pub label: &'a str,
    /// The amount of an open bill, as printed on it (`88.00`).
    pub amount: &'a str,
    pub consent: bool,
}

/// Why an account could not be saved or proven. Nothing was saved in any of these.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account number is 1 to {MAX_NUMBER} letters, digits or dashes")]
    BadNumber,
    #[error("a label is at most {MAX_LABEL} characters")]
    BadLabel,
    #[error("an amount is yuan and at most 2 decimals")]
    BadAmount,
    #[error("no such company in this city")]
    UnknownBiller,
    #[error("consent not given")]
    NoConsent,
    /// The company knows no such account, or none of its open bills is of this amount.
    #[error("not proven: no such account with an open bill of this amount")]
    NotProven,
    #[error("at most {MAX_ACCOUNTS} accounts")]
    TooManyAccounts,
    #[error("too many failed look-ups; retry in {retry_after_seconds} s")]
    TooManyLookups { retry_after_seconds: i64 },
    #[error("no such saved account")]
    UnknownSaved,
    #[error("the company is not answering")]
    BillerDown,
    #[error(transparent)]
    Consent(#[from] portal_core::privacy::PrivacyError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl PublicError for AccountError {
    fn status(&self) -> StatusCode {
        match self {
            AccountError::BillerDown => StatusCode::SERVICE_UNAVAILABLE,
            AccountError::Storage(_) | AccountError::Consent(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            AccountError::TooManyLookups { .. } => StatusCode::TOO_MANY_REQUESTS,
            AccountError::UnknownSaved => StatusCode::NOT_FOUND,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            AccountError::BadNumber => "bills-error-number",
            AccountError::BadLabel => "bills-error-label",
            AccountError::BadAmount => "bills-error-amount",
            AccountError::UnknownBiller => "bills-error-biller",
            AccountError::NoConsent => "bills-error-consent",
            AccountError::NotProven => "bills-error-not-proven",
            AccountError::TooManyAccounts => "bills-error-too-many-accounts",
            AccountError::TooManyLookups { .. } => "account-error-rate-limited",
            AccountError::UnknownSaved => "error-not-found",
            AccountError::BillerDown => "bills-error-biller-down",
            AccountError::Storage(_) | AccountError::Consent(_) => INTERNAL,
        }
    }

    fn message_args(&self) -> Vec<(&'static str, String)> {
        match self {
            AccountError::TooManyLookups {
                retry_after_seconds,
            } => vec![("retry", ((retry_after_seconds + 59) / 60).to_string())],
            _ => Vec::new(),
        }
    }
}

impl UtilityBills {
    /// Saves an account the company knows, proven by an open bill's amount, with the
    /// resident's consent that the company be asked about it.
    pub async fn save_account(
        &self,
        resident: &str,
        city: &str,
        form: &AccountForm<'_>,
        client: &str,
    ) -> Result<(), AccountError> {
        let number = form.number.trim().to_ascii_uppercase();
        let label = form.label.trim().to_owned();
        let valid_number = !number.is_empty()
            && number.len() <= MAX_NUMBER
            && number
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid_number {
            return Err(AccountError::BadNumber);
        }
        if label.chars().count() > MAX_LABEL || plain_text::has_hidden_controls(&label) {
            return Err(AccountError::BadLabel);
        }
        let amount = Money::parse(form.amount, Currency::Cny)
            .filter(|m| m.minor > 0)
            .ok_or(AccountError::BadAmount)?;
        let biller = self
            .billers
            .get(form.biller)
            .filter(|b| b.city_id == city)
            .ok_or(AccountError::UnknownBiller)?;
        if !form.consent {
            return Err(AccountError::NoConsent);
        }
        if self.store.account_count(resident).await? >= MAX_ACCOUNTS
            && !self
                .store
                .has_account(resident, &biller.provider_id, &number)
                .await?
        {
            return Err(AccountError::TooManyAccounts);
        }
        // The company is asked about the number only once the resident agreed that it may be.
        self.portal
            .privacy
            .grant(
                resident,
                &biller.provider_id,
                ServiceKind::UtilityBills.id(),
                &[],
            )
            .await?;
        self.prove(resident, &biller.provider_id, &number, amount, client)
            .await?;
        // No label: the page names it by its company and last digits, in the reader's
        // language (an id such as "water" is no name).
        self.store
            .save_account(
                resident,
                city,
                &biller.provider_id,
                &number,
                &label,
                MAX_ACCOUNTS,
            )
            .await?
            .ok_or(AccountError::TooManyAccounts)?;
        Ok(())
    }

    /// Proves an account saved before proofs were asked for.
    pub async fn prove_account(
        &self,
        resident: &str,
        city: &str,
        account_id: &str,
        amount: &str,
        client: &str,
    ) -> Result<(), AccountError> {
        let account = self
            .store
            .accounts(resident, city)
            .await?
            .into_iter()
            .find(|a| a.id == account_id)
            .ok_or(AccountError::UnknownSaved)?;
        let amount = Money::parse(amount, Currency::Cny)
            .filter(|m| m.minor > 0)
            .ok_or(AccountError::BadAmount)?;
        self.prove(
            resident,
            &account.biller_id,
            &account.number,
            amount,
            client,
        )
        .await?;
        self.store.mark_proven(resident, &account.id).await?;
        Ok(())
    }

    /// Asks the company for the account's open bills, within the limits of failed look-ups:
    /// proven when one of them is of `amount`.
    async fn prove(
        &self,
        resident: &str,
        biller_id: &str,
        number: &str,
        amount: Money,
        client: &str,
    ) -> Result<(), AccountError> {
        let biller = self
            .billers
            .get(biller_id)
            .ok_or(AccountError::UnknownBiller)?;
        let storage = &self.portal.storage;
        let attempt = match LOOKUP_LIMITS
            .begin(storage, Limited::BillAccount(resident), client)
            .await?
        {
            Ok(attempt) => attempt,
            Err(limited) => {
                return Err(AccountError::TooManyLookups {
                    retry_after_seconds: limited.retry_after_seconds,
                })
            }
        };
        let target = format!("{biller_id}:{number}");
        let account = Limited::Target {
            kind: "bill-account",
            target: &target,
        };
        let target_attempt = match TARGET_LIMITS.begin(storage, account, client).await? {
            Ok(attempt) => attempt,
            Err(limited) => {
                // Nothing was looked up: the resident's attempt does not count.
                LOOKUP_LIMITS.withdraw(storage, attempt).await?;
                return Err(AccountError::TooManyLookups {
                    retry_after_seconds: limited.retry_after_seconds,
                });
            }
        };
        let pseudonym = self.customer_id(biller_id, resident);
        let proven = match biller
            .adapter
            .open_bills(number, &customer(&pseudonym))
            .await
        {
            Ok(open) => open.bills.iter().any(|bill| bill.amount == amount),
            Err(BillerError::UnknownAccount) => false,
            Err(error) => {
                LOOKUP_LIMITS.withdraw(storage, attempt).await?;
                TARGET_LIMITS.withdraw(storage, target_attempt).await?;
                tracing::warn!(%error, biller = %biller_id, "account not looked up");
                return Err(AccountError::BillerDown);
            }
        };
        if !proven {
            // Both attempts stay counted.
            return Err(AccountError::NotProven);
        }
        LOOKUP_LIMITS.withdraw(storage, attempt).await?;
        TARGET_LIMITS.withdraw(storage, target_attempt).await?;
        Ok(())
    }
}
