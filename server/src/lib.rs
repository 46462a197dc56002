//! City Portal's server: loads the cities, connects storage, starts the simulators the
//! config asks for, builds the shared core and each service from them, and serves the
//! portal: the router, the pages' wiring and the process settings live here.

pub mod catalog;
pub mod http;
pub mod settings;

// The shared core and the services, under the names the server's code, tools and tests use.
pub use portal_core::{
    accounts, admin, cities, clock, config, contact, inbox, jobs, maps, notify, people, photos,
    plain_text, portal, privacy, providers, regions, secrets, service, sessions, simulators,
    storage, telemetry, web,
};

/// The services this build has, each a crate of its own (listed in the catalog).
pub use catalog::services;

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use anyhow::Context;
use leptos::prelude::LeptosOptions;

use crate::{
    accounts::Accounts,
    admin::accounts::Admins,
    cities::{overrides::OverrideCache, Cities},
    http::AppState,
    inbox::Inbox,
    jobs::{worker::Workers, Jobs, PURGE_BATCH},
    notify::{govuk, Notifier},
    people::three_factor::{IdentityCheck, ThreeFactorClient},
    portal::{Portal, ServiceHealth},
    privacy::Privacy,
    providers::registry::ProviderRegistry,
    secrets::ServerSecret,
    service::{Assembly, DemoParts, Homes},
    settings::{Settings, IDENTITY_CHECK_SIMULATOR, NOTIFY_SIMULATOR},
    simulators::{notify::Outbox, three_factor::Register, RunningSimulator},
    storage::Storage,
    telemetry::Metrics,
};

/// How long a stopping process waits for its job workers: an attempt is at most a look-up
/// and a send, each at most `config::MAX_TIMEOUT_MS` (20 s). A supervisor must allow this
/// much before it kills (systemd's default is 90 s; Docker's `stop_grace_period` must be
/// raised from its 10 s).
const WORKER_GRACE: std::time::Duration = std::time::Duration::from_secs(45);

/// A portal bound to its address, ready to serve.
pub struct App {
    pub address: SocketAddr,
    pub state: AppState,
    pub simulators: Vec<RunningSimulator>,
    /// The demo's parts: its desks, billers, hospitals, camera jurisdictions and WeChat Pay
    /// (tests look at what they received and set their faults), and the demo carrier's
    /// register of people when the simulator checks identities (tests enrol the people they
    /// prove).
    pub demo: DemoParts,
    /// The job queue's workers, stopped cleanly when serving ends.
    pub workers: Arc<Workers>,
    listener: tokio::net::TcpListener,
    router: axum::Router,
    timeouts: http::serve::Timeouts,
}

impl App {
    /// Loads config, connects storage (migrating it), starts wanted simulators and binds.
    pub async fn build(settings: &Settings) -> anyhow::Result<App> {
        let cities = config::load_cities(&settings.config_dir, &crate::catalog::KNOWN)?;
        let storage = Storage::connect(&settings.database_url)
            .await
            .context("cannot open the database (DATABASE_URL)")?
            .with_clock(settings.clock.clone());
        let started = catalog::start_wanted(&cities, &settings.services, &settings.config_dir)
            .await
            .context("cannot start the built-in simulators")?;
        let (mut simulators, mut demo) = (started.running, started.demo);
        let secret = ServerSecret::load(
            settings.secret.as_ref().map(settings::Secret::expose),
            &settings.secret_file,
        )?;
        let (notifier, demo_outbox) = notifier(settings, &mut simulators).await?;
        let (identity_check, demo_register) = identity_check(settings, &mut simulators).await?;
        if let Some(register) = demo_register {
            demo.insert("", register);
        }
        let webauthn =
            accounts::passkeys::relying_party(&settings.public_url).map_err(anyhow::Error::msg)?;
        let metrics = Metrics::new();
        let providers = ProviderRegistry::build(
            &cities,
            &simulators::addresses(&simulators),
            &metrics,
            settings.breaker,
            &settings.clock,
        )?;
        let maps = portal_core::maps::Maps::build(
            &cities,
            portal_core::maps::tiles::TileProxySettings {
                cache_dir: settings.tiles.cache_dir.clone(),
                cache_limit_bytes: settings.tiles.cache_limit_mb * 1024 * 1024,
                fetches_per_second: settings.tiles.fetches_per_second,
                user_agent: format!(
                    "CityPortal/{} (+{})",
                    env!("CARGO_PKG_VERSION"),
                    settings.public_url
                ),
                timeout: std::time::Duration::from_secs(5),
            },
            &simulators::addresses(&simulators),
            &settings.clock,
        )?;
        let display_time_zone = cities
            .first()
            .map_or(jiff::tz::TimeZone::UTC, |c| c.time_zone.clone());
        let portal = Arc::new(Portal {
            cities: Cities::new(cities),
            providers,
            accounts: Accounts::new(storage.clone(), notifier, secret.clone(), webauthn),
            privacy: Privacy::new(storage.clone(), secret),
            people: portal_core::people::People::new(storage.clone()),
            identity_check,
            inbox: Inbox::new(storage.clone()),
            admins: Admins::new(storage.clone()),
            jobs: Jobs::new(storage.clone()),
            known: &catalog::KNOWN,
            health: ServiceHealth::default(),
            storage,
            overrides: OverrideCache::new(settings.override_cache),
            // Every code sent is on that page: it exists only in demo mode.
            demo_outbox: demo_outbox.filter(|_| settings.demo_mode),
            display_time_zone,
            maps: Arc::new(maps),
        });
        // Each service's home, in the catalog's order: one built on another comes after it.
        let mut homes = Homes::default();
        for service in catalog::SERVICES {
            let home = (service.build)(&Assembly {
                portal: &portal,
                settings: &settings.services,
                homes: &homes,
                demo: &demo,
                public_url: &settings.public_url,
            })
            .with_context(|| format!("cannot build {}", service.spec.kind.id()))?;
            homes.add(home);
        }
        // Workers start once every home is built: a payment's worker may call any of them.
        let workers = Arc::new(Workers::default());
        forget_settled_jobs(&portal, &workers);
        for home in homes.all() {
            Arc::clone(home)
                .start_workers(&workers)
                .await
                .with_context(|| format!("cannot start {}'s workers", home.kind().id()))?;
        }
        let state = AppState {
            trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
            portal,
            services: Arc::new(homes),
            metrics,
            simulator_knobs: Arc::new(
                simulators
                    .iter()
                    .map(|s| (s.name.to_owned(), Arc::clone(&s.knobs)))
                    .collect::<HashMap<_, _>>(),
            ),
        };
        let listener = tokio::net::TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let address = listener.local_addr()?;
        let assets = Arc::new(http::assets::Assets::load(std::path::Path::new(
            &settings.site_root,
        )));
        let leptos_options = LeptosOptions::builder()
            .output_name(http::assets::OUTPUT_NAME)
            .site_root(settings.site_root.clone())
            .site_pkg_dir(assets.scripts_dir.clone())
            .site_addr(address)
            .build();
        let router = http::router(
            state.clone(),
            leptos_options,
            &http::RouterSettings {
                public_url: settings.public_url.clone(),
                timeouts: settings.timeouts,
                demo_mode: settings.demo_mode,
                operators: http::ops::Operators {
                    token: settings.ops_token.clone(),
                    trust_loopback: settings.bind.ip().is_loopback(),
                },
                assets,
            },
        );
        Ok(App {
            address,
            state,
            simulators,
            demo,
            workers,
            listener,
            router,
            timeouts: settings.timeouts,
        })
    }

    /// Serves until `shutdown` completes, then lets the job workers finish the attempts in
    /// hand.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(address = %self.address, "City Portal serving");
        // Workers stop taking jobs at the signal, while the open requests drain.
        let workers = Arc::clone(&self.workers);
        let shutdown = async move {
            shutdown.await;
            workers.ask_to_stop();
        };
        http::serve::serve(self.listener, self.router, self.timeouts, shutdown).await;
        self.workers.stop(WORKER_GRACE).await;
        Ok(())
    }

    /// Serves in the background (tests and benchmarks).
    pub fn spawn(self) -> (SocketAddr, AppState, Vec<RunningSimulator>) {
        let App {
            address,
            state,
            simulators,
            listener,
            router,
            timeouts,
            ..
        } = self;
        tokio::spawn(http::serve::serve(
            listener,
            router,
            timeouts,
            std::future::pending(),
        ));
        (address, state, simulators)
    }
}

/// Settled jobs are kept this long (for an operator looking into a hand-off), then
/// forgotten: the queue's table holds what is in flight, not the history.
const KEEP_SETTLED_JOBS: i64 = 30 * 24 * 3600;

/// Forgets settled jobs, a batch at a time, checking again every hour.
fn forget_settled_jobs(portal: &Arc<Portal>, workers: &Workers) {
    let portal = Arc::clone(portal);
    workers.spawn(std::time::Duration::from_secs(3600), move || {
        let portal = Arc::clone(&portal);
        async move {
            match portal.jobs.purge_settled(KEEP_SETTLED_JOBS).await {
                // A full batch: more may be waiting; a breath first, so that the
                // hand-offs under way get the database between batches.
                Ok(deleted) if deleted >= PURGE_BATCH.unsigned_abs() => {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    true
                }
                Ok(_) => false,
                Err(error) => {
                    tracing::error!(%error, "settled jobs not purged");
                    false
                }
            }
        }
    });
}

/// The carriers' three-factor check at `IDENTITY_CHECK_URL`, or its built-in simulator (then
/// also its register, for the tests). The simulator confirms only the demo's people: like the
/// notification simulator, it runs only on this machine or in demo mode.
async fn identity_check(
    settings: &Settings,
    simulators: &mut Vec<RunningSimulator>,
) -> anyhow::Result<(Arc<dyn IdentityCheck>, Option<Arc<Register>>)> {
    let timeout = std::time::Duration::from_secs(5);
    if settings.identity_check.url == IDENTITY_CHECK_SIMULATOR {
        anyhow::ensure!(
            on_this_machine(settings) || settings.demo_mode,
            "IDENTITY_CHECK_URL is not set, and the built-in three-factor simulator (which \
             knows only the demo's people) only runs when PUBLIC_URL is on this machine; set \
             IDENTITY_CHECK_URL and IDENTITY_CHECK_API_KEY, or DEMO_MODE=1 for a public demo"
        );
        let api_key = uuid::Uuid::new_v4().to_string();
        let register = simulators::three_factor::demo_register();
        let running = simulators::start_three_factor(&api_key, Arc::clone(&register))
            .await
            .context("cannot start the three-factor simulator")?;
        let client = ThreeFactorClient::new(&running.base_url, &api_key, timeout)?;
        simulators.push(running);
        return Ok((Arc::new(client), Some(register)));
    }
    let url = url::Url::parse(&settings.identity_check.url)
        .context("IDENTITY_CHECK_URL must be a URL")?;
    let key = settings.identity_check.api_key.as_ref().context(
        "IDENTITY_CHECK_API_KEY must be set when IDENTITY_CHECK_URL is not the simulator",
    )?;
    Ok((
        Arc::new(ThreeFactorClient::new(&url, key.expose(), timeout)?),
        None,
    ))
}

fn on_this_machine(settings: &Settings) -> bool {
    matches!(
        settings.public_url.host_str(),
        Some("localhost" | "127.0.0.1" | "[::1]")
    )
}

/// The notification adapter: GOV.UK Notify at `NOTIFY_URL`, or the built-in simulator of it
/// (then also its outbox, for the demo page).
async fn notifier(
    settings: &Settings,
    simulators: &mut Vec<RunningSimulator>,
) -> anyhow::Result<(Arc<dyn Notifier>, Option<Arc<Outbox>>)> {
    let timeout = std::time::Duration::from_secs(5);
    if settings.notify.url == NOTIFY_SIMULATOR {
        // The simulator shows every code it is sent at /_demo/outbox: a demo on one's own
        // machine, never a deployment that forgot NOTIFY_URL.
        anyhow::ensure!(
            on_this_machine(settings) || settings.demo_mode,
            "NOTIFY_URL is not set, and the built-in notification simulator (which shows every \
             code it is sent at /_demo/outbox) only runs when PUBLIC_URL is on this machine; \
             set NOTIFY_URL and NOTIFY_API_KEY, or DEMO_MODE=1 for a public demo"
        );
        let api_key = simulators::notify::demo_api_key();
        let (running, outbox) = simulators::start_notify(&api_key)
            .await
            .context("cannot start the notification simulator")?;
        let notifier = govuk::GovUkNotify::new(
            running.base_url.clone(),
            govuk::ApiKey::parse(&api_key)?,
            simulators::notify::demo_templates(),
            timeout,
        );
        simulators.push(running);
        return Ok((Arc::new(notifier), Some(outbox)));
    }
    let url = url::Url::parse(&settings.notify.url).context("NOTIFY_URL must be a URL")?;
    let key = settings
        .notify
        .api_key
        .as_ref()
        .context("NOTIFY_API_KEY must be set when NOTIFY_URL is not the simulator")?;
    let templates = govuk::Templates {
        sms_code: settings
            .notify
            .sms_template
            .clone()
            .context("NOTIFY_SMS_TEMPLATE_ID must be set")?,
        email_code: settings
            .notify
            .email_template
            .clone()
            .context("NOTIFY_EMAIL_TEMPLATE_ID must be set")?,
    };
    let notifier =
        govuk::GovUkNotify::new(url, govuk::ApiKey::parse(key.expose())?, templates, timeout);
    Ok((Arc::new(notifier), None))
}
