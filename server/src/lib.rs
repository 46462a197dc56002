//! City Portal's server: loads the cities, connects storage, starts the simulators the
//! config asks for, wires each city's providers and serves the portal.

pub mod admin;
pub mod aqi;
pub mod backend;
pub mod cities;
pub mod config;
pub mod http;
pub mod providers;
pub mod regions;
pub mod services;
pub mod settings;
pub mod simulators;
pub mod storage;
pub mod telemetry;

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use anyhow::Context;
use leptos::prelude::LeptosOptions;

use crate::{
    backend::Portal,
    cities::Cities,
    http::AppState,
    providers::registry::ProviderRegistry,
    services::{air::AirService, overrides::OverrideCache},
    settings::Settings,
    simulators::RunningSimulator,
    storage::Storage,
    telemetry::Metrics,
};

/// A portal bound to its address, ready to serve.
pub struct App {
    pub address: SocketAddr,
    pub state: AppState,
    pub simulators: Vec<RunningSimulator>,
    listener: tokio::net::TcpListener,
    router: axum::Router,
}

impl App {
    /// Loads config, connects storage (migrating it), starts wanted simulators and binds.
    pub async fn build(settings: &Settings) -> anyhow::Result<App> {
        let cities = config::load_cities(&settings.config_dir)?;
        let storage = Storage::connect(&settings.database_url)
            .await
            .context("cannot open the database (DATABASE_URL)")?;
        let simulators = simulators::start_wanted(&cities)
            .await
            .context("cannot start the built-in simulators")?;
        let metrics = Metrics::new();
        let providers = ProviderRegistry::build(&cities, &simulators::urls(&simulators), &metrics)?;
        let portal = Arc::new(Portal {
            cities: Cities::new(cities),
            providers,
            storage,
            air: AirService::new(settings.air_cache),
            overrides: OverrideCache::new(settings.override_cache),
        });
        let state = AppState {
            portal,
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
        let leptos_options = LeptosOptions::builder()
            .output_name("city_portal")
            .site_root(settings.site_root.clone())
            .site_pkg_dir("pkg")
            .site_addr(address)
            .build();
        let router = http::router(state.clone(), leptos_options);
        Ok(App {
            address,
            state,
            simulators,
            listener,
            router,
        })
    }

    /// Serves until `shutdown` completes.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(address = %self.address, "City Portal serving");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .context("server stopped")
    }

    /// Serves in the background (tests and benchmarks).
    pub fn spawn(self) -> (SocketAddr, AppState, Vec<RunningSimulator>) {
        let App {
            address,
            state,
            simulators,
            listener,
            router,
        } = self;
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::error!(%error, "server stopped");
            }
        });
        (address, state, simulators)
    }
}
