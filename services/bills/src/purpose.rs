//! What bills tell payments: a basket's payment confirmed moves its bills to paid, each with
//! the job that tells its company; a payment that never happened releases them; a receipt
//! lists each bill with the company's receipt number, or says the company is being told.

use model::{i18n::t_args, Locale, LocalizedName};
use payments::{lifecycle::MovedBy, store::PaymentRecord, PaymentPurpose, Usable};
use portal_core::storage::StorageError;

use crate::{
    store::{BillStore, ItemState},
    PURPOSE,
};

pub struct BillsPurpose {
    store: BillStore,
    /// Each biller's name, by provider id.
    names: Vec<(String, LocalizedName)>,
}

impl BillsPurpose {
    pub fn new(store: BillStore, names: Vec<(String, LocalizedName)>) -> BillsPurpose {
        BillsPurpose { store, names }
    }

    fn name(&self, biller_id: &str, locale: Locale) -> String {
        self.names
            .iter()
            .find(|(id, _)| id == biller_id)
            .map_or_else(
                || biller_id.to_owned(),
                |(_, name)| name.get(locale).to_owned(),
            )
    }
}

#[async_trait::async_trait]
impl PaymentPurpose for BillsPurpose {
    fn kind(&self) -> &'static str {
        PURPOSE
    }

    /// Always usable here: a company that no longer takes a bill says so when told, and
    /// that bill alone is refunded then.
    async fn paid(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
    ) -> Result<Usable, StorageError> {
        let items = BillStore::items_in(tx, &payment.purpose.reference).await?;
        if items.is_empty() {
            return Ok(Usable::No {
                reason: t_args(payment.locale, "bills-refund-no-bills", &[]),
            });
        }
        // Its bills were released meanwhile (the sweep of a basket whose payment came late):
        // no company will be told of them, so the money goes back.
        if !self
            .store
            .basket_paid(tx, &payment.purpose.reference)
            .await?
        {
            return Ok(Usable::No {
                reason: t_args(payment.locale, "bills-refund-no-bills", &[]),
            });
        }
        Ok(Usable::Yes)
    }

    async fn unpaid(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
    ) -> Result<(), StorageError> {
        self.store
            .basket_released(tx, &payment.purpose.reference, MovedBy::Payment)
            .await
    }

    /// A bill's refund is recorded by the bill's refusal already; the whole payment's (never
    /// used) leaves the bills as they are.
    async fn refunded(
        &self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        _payment: &PaymentRecord,
        _part: &str,
    ) -> Result<(), StorageError> {
        Ok(())
    }

    /// A bill paid and not yet credited by its company: its receipt number is on its way.
    async fn settling(&self, payment: &PaymentRecord) -> bool {
        self.store
            .items(&payment.purpose.reference)
            .await
            .is_ok_and(|items| items.iter().any(|item| item.state == ItemState::Paid))
    }

    async fn details(&self, payment: &PaymentRecord, locale: Locale) -> Vec<(String, String)> {
        let items = match self.store.items(&payment.purpose.reference).await {
            Ok(items) => items,
            Err(error) => {
                tracing::error!(%error, "a basket's bills unreadable");
                return Vec::new();
            }
        };
        items
            .into_iter()
            .map(|item| {
                let label = t_args(
                    locale,
                    "bills-receipt-line",
                    &[
                        ("company", self.name(&item.biller_id, locale).into()),
                        ("account", item.account_number.clone().into()),
                        ("period", item.period.clone().into()),
                    ],
                );
                let amount = item.amount.display(locale);
                let value = match item.state {
                    ItemState::Booked => t_args(
                        locale,
                        "bills-receipt-credited",
                        &[
                            ("amount", amount.into()),
                            (
                                "receipt",
                                item.receipt_number.clone().unwrap_or_default().into(),
                            ),
                        ],
                    ),
                    ItemState::Paid => t_args(
                        locale,
                        "bills-receipt-telling",
                        &[("amount", amount.into())],
                    ),
                    ItemState::Failed => t_args(
                        locale,
                        "bills-receipt-refused",
                        &[
                            ("amount", amount.into()),
                            ("words", item.refusal.clone().unwrap_or_default().into()),
                        ],
                    ),
                    // Held, or released unpaid: what it was to cost.
                    _ => amount,
                };
                (label, value)
            })
            .collect()
    }
}
