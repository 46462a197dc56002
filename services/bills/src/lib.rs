//! Utility bills: residents save their electricity, water and gas accounts, see the open bills
//! their companies state (the portal's Provider API for bills), and pay one or several at
//! once through payments. Each bill is locked at its biller before the payment starts; once
//! the payment is confirmed, a job tells each biller of its bill, exactly once, and its
//! receipt number reaches the resident; a bill its biller refuses by then is refunded.

pub mod accounts;
pub mod pages;
pub mod pay;
pub mod port;
pub mod provider_api;
pub mod purpose;
pub mod registration;
pub mod report;
pub mod routes;
pub mod simulator;
pub mod store;

use std::sync::Arc;

use model::{Locale, ServiceKind};
use payments::Payments;
use port::{Biller, Customer};
use portal_core::{
    config::{no_settings, ServiceSpec},
    portal::Portal,
    providers::registry::{ProviderRegistry, RegistryError},
};
use provider_api::{BillerOptions, ProviderApiBiller};
use store::BillStore;

/// Utility bills as config knows them: one provider per company (electricity, water, gas)
/// in a city. Billers learn the account number and the resident's pseudonym, nothing else.
pub const SERVICE: ServiceSpec = ServiceSpec {
    kind: ServiceKind::UtilityBills,
    several_providers: true,
    personal_fields: &[],
    adapters: &[provider_api::ADAPTER],
    job_kinds: &[store::REPORT],
    check_settings: no_settings,
};

/// What payments know bills' payments by.
pub const PURPOSE: &str = "bills";

/// One company whose bills a city's residents pay here.
pub struct BillerEntry {
    pub provider_id: String,
    pub city_id: String,
    pub options: BillerOptions,
    pub adapter: Arc<dyn Biller>,
    /// A built-in simulator: the page may show its demo account numbers.
    pub simulated: bool,
}

impl BillerEntry {
    pub fn name(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.options.name_zh,
            Locale::En => &self.options.name_en,
        }
    }
}

/// Every city's billers, built from the registry's connections.
pub struct Billers(Vec<BillerEntry>);

impl Billers {
    pub fn build(registry: &ProviderRegistry) -> Result<Billers, RegistryError> {
        let mut billers = Vec::new();
        for connection in registry.connections(ServiceKind::UtilityBills) {
            if connection.config.adapter != provider_api::ADAPTER.id {
                return Err(connection.unknown_adapter());
            }
            let options = BillerOptions::read(&connection.config.options)
                .map_err(|problem| connection.bad_options(problem))?;
            let base_url = connection.base_url_within("v1/")?;
            billers.push(BillerEntry {
                provider_id: connection.provider_id().to_owned(),
                city_id: connection.city_id.clone(),
                options,
                adapter: Arc::new(ProviderApiBiller::new(
                    connection.http.clone(),
                    base_url,
                    connection.api_key.clone(),
                    Arc::clone(&connection.guard),
                )),
                simulated: connection.is_simulated(),
            });
        }
        Ok(Billers(billers))
    }

    pub fn get(&self, provider_id: &str) -> Option<&BillerEntry> {
        self.0.iter().find(|b| b.provider_id == provider_id)
    }

    pub fn of_city<'a>(&'a self, city_id: &'a str) -> impl Iterator<Item = &'a BillerEntry> + 'a {
        self.0.iter().filter(move |b| b.city_id == city_id)
    }

    pub fn all(&self) -> impl Iterator<Item = &BillerEntry> {
        self.0.iter()
    }

    /// Each biller's name in both languages, for the payments' receipts.
    pub fn names(&self) -> Vec<(String, model::LocalizedName)> {
        self.0
            .iter()
            .map(|b| {
                (
                    b.provider_id.clone(),
                    model::LocalizedName {
                        zh: b.options.name_zh.clone(),
                        en: b.options.name_en.clone(),
                    },
                )
            })
            .collect()
    }
}

/// Utility bills' home.
pub struct UtilityBills {
    pub portal: Arc<Portal>,
    /// The shared home the bills pay through.
    pub payments: Arc<Payments>,
    pub store: BillStore,
    pub billers: Billers,
}

impl UtilityBills {
    /// Builds every biller's adapter and registers what bills pay for with payments.
    pub fn new(
        portal: Arc<Portal>,
        payments: Arc<Payments>,
    ) -> Result<UtilityBills, RegistryError> {
        let billers = Billers::build(&portal.providers)?;
        let store = BillStore::new(portal.storage.clone());
        payments.register(Arc::new(purpose::BillsPurpose::new(
            store.clone(),
            billers.names(),
        )));
        Ok(UtilityBills {
            store,
            billers,
            portal,
            payments,
        })
    }

    /// The resident as `biller` knows them: its own pseudonym of them, never their id.
    fn customer_id(&self, biller_id: &str, resident_id: &str) -> String {
        self.portal.privacy.pseudonym(biller_id, resident_id)
    }

    /// May `biller` be asked about the resident's accounts? Only while the consent given when
    /// the account was saved stands.
    async fn consented(
        &self,
        resident_id: &str,
        biller_id: &str,
    ) -> Result<bool, portal_core::storage::StorageError> {
        let consents = match self.portal.privacy.consents_of(resident_id).await {
            Ok(consents) => consents,
            Err(portal_core::privacy::PrivacyError::Storage(error)) => return Err(error),
            // No other failure reads consents; without them, the company is not asked.
            Err(error) => {
                tracing::error!(%error, "consents unreadable");
                return Ok(false);
            }
        };
        Ok(consents.iter().any(|c| {
            c.provider_id == biller_id
                && c.service_id == ServiceKind::UtilityBills.id()
                && c.withdrawn_at.is_none()
        }))
    }
}

/// `Customer` for a pseudonym held by the caller.
fn customer(pseudonym: &str) -> Customer<'_> {
    Customer(pseudonym)
}
