//! Payments: the shared home every service that takes money pays through (utility bills
//! now; fines, appointment fees and coach tickets next). A payment is an order of ours,
//! committed with its confirmation job before the provider hears of it; its state comes only
//! from asking the provider (the `confirm` job, the resident's return, a notification that
//! merely says "ask now"); a payment its purpose cannot use is refunded by the `refund` job.
//! The paying service plugs in a [`PaymentPurpose`].

pub mod checkout;
pub mod lifecycle;
pub mod pacing;
pub mod pages;
pub mod port;
pub mod refunds;
pub mod registration;
pub mod routes;
pub mod settle;
pub mod simulator;
pub mod store;
pub mod wechat_pay;
pub mod worker;

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};

use lifecycle::MovedBy;
use model::{Locale, Money, ServiceKind};
use port::{Charge, Checkout, PaymentProvider};
use portal_core::{
    config::{no_settings, ServiceSpec},
    portal::Portal,
    providers::{registry::RegistryError, ProviderError},
    storage::StorageError,
};
use store::{NewRecord, Opened, PaymentRecord, PaymentState, PaymentStore, Purpose};
use wechat_pay::{keys::DemoKeys, WechatPay, WechatPayOptions};

/// Payments as config knows them: one payment provider per city; it is sent nothing about a
/// resident but the amount and what it pays for.
pub const SERVICE: ServiceSpec = ServiceSpec {
    kind: ServiceKind::Payments,
    several_providers: false,
    personal_fields: &[],
    adapters: &[wechat_pay::ADAPTER],
    job_kinds: &[store::CONFIRM, store::REFUND],
    check_settings: no_settings,
};

/// Where the provider posts its notifications: `/api/payments/v1/notify/{provider}`.
pub const NOTIFY_PATH: &str = "api/payments/v1/notify/";

/// What a service that takes money plugs in: told, inside the transaction that records it,
/// that a payment for it was confirmed, failed, or was refunded.
#[async_trait::async_trait]
pub trait PaymentPurpose: Send + Sync {
    /// The purpose's kind, as payments store it (`bills`).
    fn kind(&self) -> &'static str;

    /// The payment is confirmed. `Usable::No` has it refunded.
    async fn paid(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
    ) -> Result<Usable, StorageError>;

    /// The payment will never be paid (declined, closed, expired): release what it held.
    async fn unpaid(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
    ) -> Result<(), StorageError>;

    /// Money of the payment went back to the resident: all of it (`part` is
    /// [`refunds::WHOLE`]) or what paid `part`.
    async fn refunded(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
        part: &str,
    ) -> Result<(), StorageError>;

    /// What the payment's receipt adds about what it paid (the company's receipt number),
    /// as (label, value) in `locale`.
    async fn details(&self, _payment: &PaymentRecord, _locale: Locale) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Is what the paid payment bought still being settled with its provider (a company
    /// being told, a hospital booking)? Its page then looks again on its own, so that the
    /// receipt appears without a reload.
    async fn settling(&self, _payment: &PaymentRecord) -> bool {
        false
    }
}

/// Can the purpose use a confirmed payment? (It may later give back part of it with
/// [`Payments::refund_in`].)
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Usable {
    Yes,
    /// It cannot (the bill was paid meanwhile): refunded, with this reason in the resident's
    /// language.
    No {
        reason: String,
    },
}

/// A payment a service asks for.
#[derive(Clone, Debug)]
pub struct NewPayment {
    pub city_id: String,
    pub resident_id: String,
    pub purpose: Purpose,
    /// See [`NewRecord::purpose_key`].
    pub purpose_key: String,
    pub amount: Money,
    /// What the resident sees on the provider's page and statement.
    pub description: String,
    pub locale: Locale,
    pub payer_ip: std::net::IpAddr,
    /// The payment must not be taken after this (seconds; what it pays is held until then),
    /// even when the order's usual lifetime runs longer.
    pub expires_by: Option<i64>,
}

/// A payment under way: where to send the resident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Started {
    pub payment_id: String,
    pub pay_url: url::Url,
}

/// Why a payment could not start. Nothing was charged in any of these.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the city takes no payments")]
    NoProvider,
    #[error("the payment provider is not answering: {0}")]
    ProviderDown(ProviderError),
    #[error("the provider refused the payment: {0}")]
    Refused(String),
    /// It is paid already (by this resident's earlier payment).
    #[error("already paid")]
    AlreadyPaid { payment_id: String },
    /// Another payment for the same purpose is under way (another resident's, another
    /// amount, one being closed or refunded).
    #[error("another payment for it is under way")]
    UnderWay,
    /// The resident has [`MAX_OPEN_PER_RESIDENT`] payments open and unpaid already.
    #[error("too many open payments")]
    TooManyOpen,
    /// Too little is left of the hold at the provider to pay in.
    #[error("the hold ends too soon to pay")]
    HoldEnded,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A payment page is given again for this long: WeChat Pay's `h5_url` lives 5 minutes, and
/// a resident needs a minute to pay on it.
pub const PAGE_REUSED_FOR: std::time::Duration = std::time::Duration::from_secs(4 * 60);

/// A resident has at most this many payments open and unpaid at once: each holds what it
/// pays for (a bill, a doctor's time) from everyone else until it ends.
pub const MAX_OPEN_PER_RESIDENT: i64 = 3;

/// The paying resident's address, as payment providers want it: behind a proxy that does
/// not say, it is unknown, and the loopback address stands in.
pub fn payer_ip(client: &str) -> std::net::IpAddr {
    client
        .parse()
        .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]))
}

/// One city's payment provider.
pub struct CityPayments {
    pub provider_id: String,
    pub adapter: Arc<dyn PaymentProvider>,
}

/// Payments' home.
pub struct Payments {
    pub portal: Arc<Portal>,
    pub store: PaymentStore,
    pub refunds: refunds::Refunds,
    /// Each city's provider, by city id.
    providers: HashMap<String, CityPayments>,
    purposes: RwLock<HashMap<&'static str, Arc<dyn PaymentPurpose>>>,
    /// Residents' own questions about a payment, a few seconds apart at most.
    pacer: pacing::Pacer,
    /// Where residents come back to after paying: `{public_url}me/payments/{id}`.
    public_url: url::Url,
    /// How long a resident has to pay before the provider refuses.
    pub order_lifetime: Duration,
    /// This process's settings (whether its workers run).
    pub settings: PaymentSettings,
}

/// How payments are taken and followed in this process.
#[derive(Clone, Debug)]
pub struct PaymentSettings {
    /// How long a resident has to pay an order (`PAYMENT_EXPIRE_MINUTES`, default 15).
    pub order_lifetime: Duration,
    /// Run the confirmation and refund workers, and those of the services that take money,
    /// in this process (`PAYMENT_WORKER=0` turns them off).
    pub worker: bool,
    /// `DEMO_PAYMENT_KEYS_DIR` (default `data/demo-payment-keys`): the demo's WeChat Pay
    /// merchant and platform keys, made at first start.
    pub demo_keys_dir: std::path::PathBuf,
    /// How often a payment's own page may ask the provider about it (not from the
    /// environment: the tests, which reload at machine speed, set none).
    pub page_asks_every: Duration,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        PaymentSettings {
            order_lifetime: Duration::from_secs(15 * 60),
            worker: true,
            demo_keys_dir: std::path::PathBuf::from("data/demo-payment-keys"),
            page_asks_every: pacing::ASK_EVERY,
        }
    }
}

impl Payments {
    /// Builds an adapter for each city's payment provider. A simulated provider uses the
    /// demo's keys; a real one, the keys its options name in the environment.
    pub fn new(
        portal: Arc<Portal>,
        public_url: &url::Url,
        settings: PaymentSettings,
        demo_keys: Option<&DemoKeys>,
    ) -> Result<Payments, RegistryError> {
        let mut providers = HashMap::new();
        for connection in portal.providers.connections(ServiceKind::Payments) {
            if connection.config.adapter != wechat_pay::ADAPTER.id {
                return Err(connection.unknown_adapter());
            }
            let options: WechatPayOptions =
                portal_core::config::read_options(&connection.config.options)
                    .map_err(|problem| connection.bad_options(problem))?;
            let credentials = match (options.credentials(), demo_keys) {
                (Ok(Some(credentials)), _) => credentials,
                (Ok(None), Some(keys)) if connection.is_simulated() => keys.credentials(),
                (Ok(None), _) => {
                    return Err(connection.bad_options(
                        "a real WeChat Pay needs its keys: name their variables in the options"
                            .into(),
                    ))
                }
                (Err(problem), _) => return Err(connection.bad_options(problem)),
            };
            let notify_url = public_url
                .join(&format!("{NOTIFY_PATH}{}", connection.provider_id()))
                .map_err(|e| RegistryError::BadUrl(e.to_string()))?;
            providers.insert(
                connection.city_id.clone(),
                CityPayments {
                    provider_id: connection.provider_id().to_owned(),
                    adapter: Arc::new(WechatPay::new(
                        connection.http.clone(),
                        connection.base_url.clone(),
                        credentials,
                        notify_url,
                        Arc::clone(&connection.guard),
                    )),
                },
            );
        }
        Ok(Payments {
            store: PaymentStore::new(portal.storage.clone()),
            refunds: refunds::Refunds::new(portal.storage.clone()),
            portal,
            providers,
            purposes: RwLock::default(),
            pacer: pacing::Pacer::new(settings.page_asks_every),
            public_url: public_url.clone(),
            order_lifetime: settings.order_lifetime,
            settings,
        })
    }

    /// A service that takes money registers what it pays for.
    pub fn register(&self, purpose: Arc<dyn PaymentPurpose>) {
        self.purposes
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(purpose.kind(), purpose);
    }

    pub(crate) fn purpose(&self, kind: &str) -> Option<Arc<dyn PaymentPurpose>> {
        self.purposes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(kind)
            .cloned()
    }

    /// The city's payment provider.
    pub fn provider_of(&self, city_id: &str) -> Option<&CityPayments> {
        self.providers.get(city_id)
    }

    /// Every city's payment provider, by provider id.
    pub fn provider(&self, provider_id: &str) -> Option<&CityPayments> {
        self.providers
            .values()
            .find(|p| p.provider_id == provider_id)
    }

    /// Where the providers' payment pages are, for the pages' form-action policy.
    pub fn page_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self
            .providers
            .values()
            .map(|p| p.adapter.page_origin())
            .collect();
        origins.sort();
        origins.dedup();
        origins
    }

    pub fn all_providers(&self) -> impl Iterator<Item = &CityPayments> {
        self.providers.values()
    }

    /// Where the resident comes back to after paying.
    pub fn return_url(&self, payment_id: &str) -> url::Url {
        self.public_url
            .join(&format!("me/payments/{payment_id}"))
            .unwrap_or_else(|_| self.public_url.clone())
    }

    /// May the resident open one more payment? Refused at [`MAX_OPEN_PER_RESIDENT`] open
    /// and unpaid ones; a service asks before it holds anything for a payment.
    pub async fn may_open(&self, resident_id: &str) -> Result<(), StartError> {
        let open = self
            .store
            .open_count(resident_id, self.portal.clock().seconds())
            .await?;
        if open >= MAX_OPEN_PER_RESIDENT {
            return Err(StartError::TooManyOpen);
        }
        Ok(())
    }

    /// Commits the payment (or finds the one holding its purpose), then opens its charge at
    /// the provider, which finds the first by our order number if this is a resend.
    pub async fn start(&self, new: &NewPayment) -> Result<Started, StartError> {
        let city = self
            .provider_of(&new.city_id)
            .ok_or(StartError::NoProvider)?;
        let now = self.portal.clock().now();

        let lifetime = i64::try_from(self.order_lifetime.as_secs()).unwrap_or(900);
        let opened = self
            .store
            .open(
                &NewRecord {
                    city_id: &new.city_id,
                    provider_id: &city.provider_id,
                    resident_id: &new.resident_id,
                    purpose: &new.purpose,
                    purpose_key: &new.purpose_key,
                    amount: new.amount,
                    description: &new.description,
                    locale: new.locale,
                    expires_at: new.expires_by.map_or(now.as_second() + lifetime, |by| {
                        by.min(now.as_second() + lifetime)
                    }),
                    first_check_at: now.as_second() + settle::FIRST_CHECK_SECONDS,
                },
                MAX_OPEN_PER_RESIDENT,
            )
            .await?;
        let (payment, first) = match opened {
            Opened::New(payment) => (payment, true),
            Opened::Existing(payment)
                if payment.resident_id.as_deref() == Some(new.resident_id.as_str())
                    && payment.purpose == new.purpose
                    && payment.amount == new.amount =>
            {
                match payment.state {
                    // An expired order is being closed: the purpose is free once it is.
                    PaymentState::Open if payment.expires_at <= now.as_second() => {
                        return Err(StartError::UnderWay)
                    }
                    PaymentState::Open => (payment, false),
                    PaymentState::Paid => {
                        return Err(StartError::AlreadyPaid {
                            payment_id: payment.id,
                        })
                    }
                    _ => return Err(StartError::UnderWay),
                }
            }
            Opened::Existing(_) => return Err(StartError::UnderWay),
            Opened::TooManyOpen => return Err(StartError::TooManyOpen),
        };
        self.send(&payment, new.payer_ip, first).await
    }

    /// A fresh provider page for the resident's open payment (the provider's page lasts only
    /// minutes): the same order, sent again, which finds the first. `Ok(None)` when the
    /// payment is not the resident's or can no longer be paid.
    pub async fn resume(
        &self,
        resident_id: &str,
        payment_id: &str,
        payer_ip: std::net::IpAddr,
    ) -> Result<Option<Started>, StartError> {
        let Some(payment) = self.store.by_id(payment_id).await? else {
            return Ok(None);
        };
        let open = payment.state == PaymentState::Open
            && payment.expires_at > self.portal.clock().seconds();
        if payment.resident_id.as_deref() != Some(resident_id) || !open {
            return Ok(None);
        }
        self.send(&payment, payer_ip, false).await.map(Some)
    }

    /// Opens the payment's charge at the provider, which finds the one opened before by our
    /// order number. `first`: no earlier call can have sent it.
    async fn send(
        &self,
        payment: &PaymentRecord,
        payer_ip: std::net::IpAddr,
        first: bool,
    ) -> Result<Started, StartError> {
        let city = self
            .provider(&payment.provider_id)
            .ok_or(StartError::NoProvider)?;
        // A page given moments ago is given again: a reload, a second tap or a resident who
        // came back does not cost a signed call each (nor count toward the city's breaker).
        if let Some(page) = self.fresh_page(payment, payer_ip) {
            return Ok(Started {
                pay_url: city
                    .adapter
                    .pay_url(&Checkout { page }, &self.return_url(&payment.id)),
                payment_id: payment.id.clone(),
            });
        }
        let expires_at = jiff::Timestamp::from_second(payment.expires_at)
            .unwrap_or_else(|_| self.portal.clock().now());
        let charge = Charge {
            order_no: &payment.order_no,
            amount: payment.amount,
            description: &payment.description,
            expires_at,
            payer_ip,
        };
        match city.adapter.open(&charge).await {
            Ok(checkout) => {
                self.store
                    .set_pay_url(&payment.id, checkout.page.as_str(), &payer_ip.to_string())
                    .await?;
                Ok(Started {
                    pay_url: city
                        .adapter
                        .pay_url(&checkout, &self.return_url(&payment.id)),
                    payment_id: payment.id.clone(),
                })
            }
            // Never sent by anyone: nothing can be charged, and the purpose is free at once.
            // (Sent before, it may be being paid: its job settles it.)
            Err(ProviderError::CircuitOpen) if first => {
                self.fail_unsent(payment, "the payment provider was not called")
                    .await?;
                Err(StartError::ProviderDown(ProviderError::CircuitOpen))
            }
            // Paid or closed meanwhile: the confirmation job tells which.
            Err(ProviderError::Refused { message, .. }) => {
                self.portal.jobs.hurry(store::CONFIRM, &payment.id).await?;
                Err(StartError::Refused(message))
            }
            // It may have arrived: the order stays open and its job asks the provider until
            // it is settled; a retry sends the same order number, which finds it.
            Err(error) => Err(StartError::ProviderDown(error)),
        }
    }

    /// The provider's page of the payment when it was given less than [`PAGE_REUSED_FOR`]
    /// ago to the same payer address (WeChat Pay's page opens only from the address its
    /// order was made for: a resident who moved from Wi-Fi to mobile data needs a new one).
    fn fresh_page(&self, payment: &PaymentRecord, payer_ip: std::net::IpAddr) -> Option<url::Url> {
        if payment.pay_url_ip.as_deref() != Some(payer_ip.to_string().as_str()) {
            return None;
        }
        let given_at = payment.pay_url_at?;
        let reused_for = i64::try_from(PAGE_REUSED_FOR.as_secs()).unwrap_or(0);
        if self.portal.clock().seconds() >= given_at + reused_for {
            return None;
        }
        url::Url::parse(payment.pay_url.as_deref()?).ok()
    }

    async fn fail_unsent(&self, payment: &PaymentRecord, reason: &str) -> Result<(), StorageError> {
        let mut tx = self.store.storage().begin().await?;
        let now = self.portal.clock().seconds();
        if PaymentStore::settle_failed(&mut tx, &payment.id, reason, now, MovedBy::Resident).await?
        {
            if let Some(purpose) = self.purpose(&payment.purpose.kind) {
                purpose.unpaid(&mut tx, payment).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
