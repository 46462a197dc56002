//! Paying bills: each chosen bill is checked against what its company states now (the
//! amount the resident saw must still be owed), locked at its company for the payment, and
//! committed in one basket; then one payment of their sum starts. Nothing is charged unless
//! every bill checked out, and a second tap of the same form finds the same payment.

use std::net::IpAddr;

use model::{i18n::t_args, CityId, Locale, Money, ResidentId};
use payments::{
    checkout::{self, HoldPayment, HoldTerms},
    settle::Ending,
    StartError, Started,
};
use portal_core::storage::StorageError;

use crate::{
    customer,
    port::BillerError,
    store::{Account, BasketError, NewItem},
    UtilityBills, PURPOSE,
};

/// A company's lock on a bill is paid for by a minute before it runs out.
const HOLD_TERMS: HoldTerms = HoldTerms::as_the_provider_says();

/// A resident pays at most this many bills at once.
pub const MAX_BILLS_AT_ONCE: usize = 10;

/// A bill as the pay form names it: the saved account, the bill, and the amount shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub account_id: String,
    pub bill_number: String,
    pub amount_shown: i64,
}

impl Chosen {
    /// Reads a form value `{account id}/{bill number}/{amount in fen}`.
    pub fn parse(value: &str) -> Option<Chosen> {
        let mut parts = value.splitn(3, '/');
        let (account_id, bill_number, amount) = (parts.next()?, parts.next()?, parts.next()?);
        let bounded = |s: &str| !s.is_empty() && s.len() <= 64;
        if !bounded(account_id) || !bounded(bill_number) {
            return None;
        }
        Some(Chosen {
            account_id: account_id.to_owned(),
            bill_number: bill_number.to_owned(),
            amount_shown: amount.parse().ok().filter(|fen| *fen > 0)?,
        })
    }

    /// The form value of a bill.
    pub fn value(account_id: &str, bill_number: &str, amount: Money) -> String {
        format!("{account_id}/{bill_number}/{}", amount.minor)
    }
}

/// Why bills could not be paid. Nothing was charged in any of these.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    #[error("no bill chosen")]
    NothingChosen,
    #[error("more than {MAX_BILLS_AT_ONCE} bills at once")]
    TooMany,
    #[error("not one of the resident's accounts")]
    UnknownAccount,
    #[error("the resident withdrew consent for this company")]
    ConsentWithdrawn,
    #[error("the bill is no longer open")]
    BillGone,
    #[error("the bill's amount changed")]
    AmountChanged,
    #[error("the bill is paid already")]
    AlreadyPaid,
    #[error("the bill is being paid")]
    BeingPaid,
    #[error("the company is not answering: {0}")]
    BillerDown(String),
    #[error(transparent)]
    Payment(#[from] StartError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<BillerError> for PayError {
    fn from(error: BillerError) -> Self {
        match error {
            BillerError::UnknownAccount | BillerError::UnknownBill => PayError::BillGone,
            BillerError::AlreadyPaid => PayError::AlreadyPaid,
            BillerError::AmountChanged(_) | BillerError::LockExpired => PayError::AmountChanged,
            BillerError::Refused(words) => PayError::BillerDown(words),
            BillerError::Provider(error) => PayError::BillerDown(error.summary()),
        }
    }
}

impl UtilityBills {
    /// Pays `chosen` bills of the resident's saved accounts in `city_id`.
    pub async fn pay(
        &self,
        resident_id: &str,
        city_id: &str,
        chosen: &[Chosen],
        locale: Locale,
        payer_ip: IpAddr,
    ) -> Result<Started, PayError> {
        if chosen.is_empty() {
            return Err(PayError::NothingChosen);
        }
        if chosen.len() > MAX_BILLS_AT_ONCE {
            return Err(PayError::TooMany);
        }
        // A bill named twice (a doubled field) is one bill to pay, not two to lock.
        let mut distinct: Vec<Chosen> = Vec::with_capacity(chosen.len());
        for bill in chosen {
            let named =
                |d: &Chosen| d.account_id == bill.account_id && d.bill_number == bill.bill_number;
            if !distinct.iter().any(named) {
                distinct.push(bill.clone());
            }
        }
        let chosen = distinct.as_slice();
        if self.payments.provider_of(city_id).is_none() {
            return Err(PayError::Payment(StartError::NoProvider));
        }
        // Only the accounts the resident proved they hold.
        let accounts: Vec<Account> = self
            .store
            .accounts(resident_id, city_id)
            .await?
            .into_iter()
            .filter(|a| a.proven)
            .collect();
        let account_of = |id: &str| -> Result<&Account, PayError> {
            accounts
                .iter()
                .find(|a| a.id == id)
                .ok_or(PayError::UnknownAccount)
        };
        self.free_from_others(resident_id, chosen, &accounts)
            .await?;
        // A second tap (another tab, a reload) finds the basket the first made.
        if let Some(started) = self
            .already_under_way(resident_id, chosen, &accounts, payer_ip)
            .await?
        {
            return Ok(started);
        }
        self.payments.may_open(resident_id).await?;
        let mut items = Vec::new();
        let mut names = Vec::new();
        for bill in chosen {
            let account = account_of(&bill.account_id)?;
            let biller = self
                .billers
                .get(&account.biller_id)
                .ok_or(PayError::UnknownAccount)?;
            if !self.consented(resident_id, &biller.provider_id).await? {
                return Err(PayError::ConsentWithdrawn);
            }
            let pseudonym = self.customer_id(&biller.provider_id, resident_id);
            let open = biller
                .adapter
                .open_bills(&account.number, &customer(&pseudonym))
                .await?;
            let stated = open
                .bills
                .iter()
                .find(|b| b.number == bill.bill_number)
                .ok_or(PayError::BillGone)?;
            if stated.amount.minor != bill.amount_shown {
                return Err(PayError::AmountChanged);
            }
            let key = uuid::Uuid::new_v4().to_string();
            let lock = biller
                .adapter
                .lock(
                    &account.number,
                    &stated.number,
                    stated.amount,
                    &key,
                    &customer(&pseudonym),
                )
                .await?;
            names.push(format!("{} {}", biller.name(locale), stated.period));
            items.push(NewItem {
                biller_id: biller.provider_id.clone(),
                account_number: account.number.clone(),
                bill_number: stated.number.clone(),
                period: stated.period.clone(),
                amount: stated.amount,
                lock_token: lock.token,
                lock_expires_at: lock.expires_at.as_second(),
            });
        }
        let total = Money::sum(items.iter().map(|i| i.amount)).ok_or(PayError::AmountChanged)?;
        // One order of insertion for every basket, so two overlapping ones never wait on
        // each other's rows (a deadlock on Postgres).
        items.sort_by(|a, b| (&a.biller_id, &a.bill_number).cmp(&(&b.biller_id, &b.bill_number)));
        // The order ends before the first lock does (a minute to spare), so a resident never
        // pays for a bill its company stopped holding.
        let hold_ends = items
            .iter()
            .map(|i| i.lock_expires_at)
            .min()
            .ok_or(PayError::NothingChosen)?;
        let (basket_id, _) = match self.store.open_basket(resident_id, city_id, &items).await {
            Ok(opened) => opened,
            Err(BasketError::Held { .. }) => {
                // Raced by a second tap: the basket it made holds the bills.
                return match self
                    .already_under_way(resident_id, chosen, &accounts, payer_ip)
                    .await?
                {
                    Some(started) => Ok(started),
                    None => Err(PayError::BeingPaid),
                };
            }
            Err(BasketError::Storage(error)) => return Err(error.into()),
        };
        let description = t_args(
            locale,
            "bills-payment-description",
            &[("bills", names.join(", ").into())],
        );
        let started = match self
            .payments
            .pay_for_hold(&HoldPayment {
                kind: PURPOSE,
                reference: &basket_id,
                city: &CityId::new(city_id),
                resident: &ResidentId::new(resident_id),
                amount: total,
                description: &description,
                locale,
                payer_ip,
                hold_ends,
                terms: &HOLD_TERMS,
            })
            .await
        {
            Ok(started) => started,
            // Refused before a payment was committed: the bills are free again at once.
            Err(
                error @ (StartError::TooManyOpen | StartError::NoProvider | StartError::HoldEnded),
            ) => {
                self.store.release_unpaid(&basket_id).await?;
                return Err(error.into());
            }
            Err(error) => return Err(error.into()),
        };
        Ok(started)
    }

    /// A bill held by another resident's unpaid payment is a proven holder's to pay all the
    /// same, or anyone could hold anyone's bill by never paying: that payment's order is
    /// closed at the payment provider first (two residents who both proved the account may
    /// each end the other's unpaid one; neither can a bill of an account they did not prove). Paid meanwhile, the bill is paid, and nothing
    /// more is charged; still undecided, the bill is being paid.
    async fn free_from_others(
        &self,
        resident_id: &str,
        chosen: &[Chosen],
        accounts: &[Account],
    ) -> Result<(), PayError> {
        for bill in chosen {
            let Some(account) = accounts.iter().find(|a| a.id == bill.account_id) else {
                return Err(PayError::UnknownAccount);
            };
            let Some(basket) = self
                .store
                .holding(&account.biller_id, &bill.bill_number)
                .await?
            else {
                continue;
            };
            // Only a bill of this very account: a bill number named with another account is
            // no business of this resident's (nor is whether it is being paid).
            let of_this_account = self.store.items(&basket).await?.iter().any(|item| {
                item.bill_number == bill.bill_number && item.account_number == account.number
            });
            if !of_this_account {
                return Err(PayError::BillGone);
            }
            let Some(payment) = self.payments.store.holding(&purpose_key(&basket)).await? else {
                continue;
            };
            if payment.resident_id.as_deref() == Some(resident_id) {
                continue;
            }
            tracing::info!(payment = %payment.id, "a bill's holder pays it: another's unpaid payment is ended");
            match self
                .payments
                .end_now(&payment.id, payments::lifecycle::MovedBy::Service)
                .await?
            {
                Ending::Ended => {}
                Ending::Paid => return Err(PayError::AlreadyPaid),
                Ending::Open => return Err(PayError::BeingPaid),
            }
        }
        Ok(())
    }

    /// When every chosen bill is in one basket whose payment is the resident's and still
    /// open: that payment, with a fresh provider page. `None` otherwise (none held); a bill
    /// held by another payment is `BeingPaid`.
    async fn already_under_way(
        &self,
        resident_id: &str,
        chosen: &[Chosen],
        accounts: &[Account],
        payer_ip: IpAddr,
    ) -> Result<Option<Started>, PayError> {
        let mut baskets = Vec::new();
        for bill in chosen {
            let Some(account) = accounts.iter().find(|a| a.id == bill.account_id) else {
                return Err(PayError::UnknownAccount);
            };
            baskets.push(
                self.store
                    .holding(&account.biller_id, &bill.bill_number)
                    .await?,
            );
        }
        if baskets.iter().all(Option::is_none) {
            return Ok(None);
        }
        let first = baskets[0].clone();
        if baskets.iter().any(|b| *b != first) {
            return Err(PayError::BeingPaid);
        }
        let Some(basket) = first else {
            return Err(PayError::BeingPaid);
        };
        // Only the same bills: a basket of these and others is another payment.
        let mut in_basket: Vec<String> = self
            .store
            .items(&basket)
            .await?
            .into_iter()
            .map(|item| item.bill_number)
            .collect();
        let mut asked: Vec<String> = chosen.iter().map(|c| c.bill_number.clone()).collect();
        in_basket.sort();
        asked.sort();
        if in_basket != asked {
            return Err(PayError::BeingPaid);
        }
        // A second tap may land between the basket's commit and its payment's: it waits a
        // moment for the payment the first tap is starting.
        let mut payment = None;
        for _ in 0..20 {
            payment = self.payments.store.holding(&purpose_key(&basket)).await?;
            if payment.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let Some(payment) = payment else {
            return Err(PayError::BeingPaid);
        };
        if payment.resident_id.as_deref() != Some(resident_id) {
            return Err(PayError::BeingPaid);
        }
        match self
            .payments
            .resume(resident_id, &payment.id, payer_ip)
            .await?
        {
            Some(started) => Ok(Some(started)),
            None if payment.state == payments::store::PaymentState::Paid => {
                Err(PayError::AlreadyPaid)
            }
            None => Err(PayError::BeingPaid),
        }
    }
}

/// What payments hold a basket's payment by.
pub fn purpose_key(basket_id: &str) -> String {
    checkout::purpose_key(PURPOSE, basket_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_bill_reads_back_from_its_form_value() {
        let value = Chosen::value("acc-1", "1000000001-202610", Money::cny(12_345));
        assert_eq!(
            Chosen::parse(&value),
            Some(Chosen {
                account_id: "acc-1".into(),
                bill_number: "1000000001-202610".into(),
                amount_shown: 12_345,
            })
        );
        for bad in [
            "",
            "a/b",
            "a/b/-1",
            "a/b/1.5",
            "/b/1",
            &format!("a/{}/1", "x".repeat(65)),
        ] {
            assert_eq!(Chosen::parse(bad), None, "{bad}");
        }
    }
}
