//! The server's side of the bills page: the city's companies, and each saved account with the
//! open bills its company states now (asked of every company at once, each through its
//! guard, so one slow company costs the page its timeout, not the sum).

use model::{
    bills::{BillerChoice, BillsPage, OpenBill, SavedAccount},
    i18n::t_args,
    ids::{CityId, ResidentId},
    pages::BillPages,
    AppError, Locale, ServiceKind,
};
use portal_core::portal::internal;

use crate::{
    customer,
    pay::{purpose_key, Chosen},
    port::BillerError,
    provider_api::MAX_NUMBER,
    store::Account,
    BillerEntry, UtilityBills,
};

/// Labels of saved accounts are at most this long.
pub const MAX_LABEL: usize = 30;

/// An account's title: the resident's label, or its company's name and the number's last
/// four characters. Accounts saved before had their utility's id ("water") put in as the
/// label when none was typed: that is no label either.
fn title(account: &Account, biller: &BillerEntry, locale: Locale) -> String {
    let label = account.label.trim();
    if !label.is_empty() && label != biller.options.utility {
        return label.to_owned();
    }
    let tail: String = {
        let chars: Vec<char> = account.number.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    };
    t_args(
        locale,
        "bills-account-title",
        &[
            ("company", biller.name(locale).into()),
            ("tail", tail.into()),
        ],
    )
}

impl UtilityBills {
    fn choice(&self, biller: &BillerEntry, locale: Locale) -> BillerChoice {
        BillerChoice {
            id: biller.provider_id.clone(),
            utility: biller.options.utility.clone(),
            name: biller.name(locale).to_owned(),
        }
    }

    /// One saved account as the page shows it, its company asked now.
    async fn saved(
        &self,
        account: Account,
        resident: &str,
        locale: Locale,
    ) -> Option<SavedAccount> {
        let biller = self.billers.get(&account.biller_id)?;
        let mut saved = SavedAccount {
            id: account.id.clone(),
            biller: self.choice(biller, locale),
            number: account.number.clone(),
            label: title(&account, biller, locale),
            proven: account.proven,
            holder: None,
            bills: Vec::new(),
            problem: None,
        };
        let problem = |key: &str| Some(t_args(locale, key, &[]));
        if !account.proven {
            saved.problem = problem("bills-problem-unproven");
            return Some(saved);
        }
        match self.consented(resident, &biller.provider_id).await {
            Ok(true) => {}
            Ok(false) => {
                saved.problem = problem("bills-problem-consent");
                return Some(saved);
            }
            Err(error) => {
                tracing::error!(%error, "consents unreadable");
                saved.problem = problem("bills-problem-biller-down");
                return Some(saved);
            }
        }
        let pseudonym = self.customer_id(&biller.provider_id, resident);
        match biller
            .adapter
            .open_bills(&account.number, &customer(&pseudonym))
            .await
        {
            Ok(stated) => {
                saved.holder = stated.holder;
                let today = self
                    .portal
                    .clock()
                    .now()
                    .to_zoned_datetime(self.portal.display_time_zone.clone())
                    .date();
                for bill in stated.bills {
                    let payment = self
                        .payment_of(&biller.provider_id, &bill.number, resident)
                        .await;
                    saved.bills.push(OpenBill {
                        key: Chosen::value(&account.id, &bill.number, bill.amount),
                        number: bill.number,
                        period: bill.period,
                        amount: bill.amount,
                        due: bill.due.to_string(),
                        overdue: bill.due < today,
                        part_minimum: bill.part_minimum,
                        payment,
                    });
                }
            }
            Err(BillerError::UnknownAccount) => {
                saved.problem = problem("bills-problem-unknown-account");
            }
            Err(error) => {
                tracing::warn!(%error, biller = %biller.provider_id, "bills not read");
                saved.problem = problem("bills-problem-biller-down");
            }
        }
        Some(saved)
    }

    /// The resident's payment holding a bill, if one does: never another resident's (a bill
    /// held by one is paid as any other, [`crate::pay`]).
    async fn payment_of(
        &self,
        biller_id: &str,
        bill_number: &str,
        resident: &str,
    ) -> Option<String> {
        let basket = self.store.holding(biller_id, bill_number).await.ok()??;
        let payment = self
            .payments
            .store
            .holding(&purpose_key(&basket))
            .await
            .ok()??;
        (payment.resident_id.as_deref() == Some(resident)).then_some(payment.id)
    }
}

#[async_trait::async_trait]
impl BillPages for UtilityBills {
    async fn bills_page(
        &self,
        resident: &ResidentId,
        city: &CityId,
        locale: Locale,
    ) -> Result<BillsPage, AppError> {
        let city = self.portal.city(city.as_str())?;
        if !self
            .portal
            .service_available(city, ServiceKind::UtilityBills, None)
            .await?
        {
            return Err(AppError::ServiceNotOffered);
        }
        let accounts = self
            .store
            .accounts(resident.as_str(), &city.id)
            .await
            .map_err(internal)?;
        let saved = futures::future::join_all(
            accounts
                .into_iter()
                .map(|account| self.saved(account, resident.as_str(), locale)),
        )
        .await;
        Ok(BillsPage {
            city: city.summary(),
            billers: self
                .billers
                .of_city(&city.id)
                .map(|b| self.choice(b, locale))
                .collect(),
            accounts: saved.into_iter().flatten().collect(),
            max_account_number: MAX_NUMBER,
            max_label: MAX_LABEL,
        })
    }
}
