//! Built-in simulators of the providers' protocols, for the demo and the tests. They speak the
//! same HTTP as the real providers on a loopback port, so the demo takes the production code
//! path; only the URLs differ. A service asks for one with `base_url = "simulator:NAME"`.

pub mod faults;
pub mod notify;
pub mod open311;
pub mod openaq;

use std::{collections::HashMap, sync::Arc};

use url::Url;

use crate::{
    config::{CityConfig, SIMULATOR_SCHEME},
    providers::incidents::open311::Open311Options,
};
use faults::{FaultKnobs, FaultyListener};

/// A simulator listening on loopback.
pub struct RunningSimulator {
    pub name: &'static str,
    pub base_url: Url,
    pub knobs: Arc<FaultKnobs>,
}

/// Names of the simulators there are.
pub const OPENAQ: &str = "openaq";
pub const OPEN311: &str = "open311";
pub const NOTIFY: &str = "notify";
/// Simulators that city config may name (`notify` is chosen by `NOTIFY_URL` instead).
pub const NAMES: &[&str] = &[OPENAQ, OPEN311];

/// The simulators the config asked for, and the demo desks among them by provider id.
pub struct Started {
    pub running: Vec<RunningSimulator>,
    pub desks: HashMap<String, Arc<open311::Desk>>,
}

/// Starts the simulators that the cities' config asks for, on ephemeral loopback ports.
/// Demo desks close each request `desk_close_after` after it arrives.
pub async fn start_wanted(
    cities: &[CityConfig],
    desk_close_after: std::time::Duration,
) -> std::io::Result<Started> {
    let wanting = |name: &str| -> Vec<&CityConfig> {
        cities
            .iter()
            .filter(|city| {
                city.services
                    .iter()
                    .any(|s| s.base_url.scheme() == SIMULATOR_SCHEME && s.base_url.path() == name)
            })
            .collect()
    };
    let mut running = Vec::new();
    let openaq_cities = wanting(OPENAQ);
    if !openaq_cities.is_empty() {
        let knobs = FaultKnobs::new();
        let router = openaq::router(openaq::seed_stations(&openaq_cities), Arc::clone(&knobs));
        running.push(serve(OPENAQ, router, knobs).await?);
    }
    // One Open311 simulator hosts every demo desk, each under its provider id and offering
    // the categories config routes to it.
    let desks: HashMap<String, Arc<open311::Desk>> = cities
        .iter()
        .flat_map(|city| &city.services)
        .filter(|s| s.base_url.scheme() == SIMULATOR_SCHEME && s.base_url.path() == OPEN311)
        .map(|s| {
            // Checked when config loaded; a desk whose options do not read offers everything.
            let options = Open311Options::read(&s.options).unwrap_or_default();
            let desk = open311::Desk::offering(
                options.jurisdiction.as_deref(),
                None,
                desk_close_after,
                options.categories,
            );
            (s.provider_id.clone(), desk)
        })
        .collect();
    if !desks.is_empty() {
        let knobs = FaultKnobs::new();
        let router = open311::directory_router(&desks, Arc::clone(&knobs));
        running.push(serve(OPEN311, router, knobs).await?);
    }
    Ok(Started { running, desks })
}

/// The GOV.UK Notify simulator, accepting `api_key`; returns it with its outbox.
pub async fn start_notify(
    api_key: &str,
) -> std::io::Result<(RunningSimulator, Arc<notify::Outbox>)> {
    let knobs = FaultKnobs::new();
    let outbox = Arc::new(notify::Outbox::default());
    let router = notify::router(api_key, Arc::clone(&outbox), Arc::clone(&knobs))
        .ok_or_else(|| std::io::Error::other("the simulator's API key is malformed"))?;
    Ok((serve(NOTIFY, router, knobs).await?, outbox))
}

/// Serves a simulator's router on an ephemeral loopback port, behind its fault knobs.
pub async fn serve(
    name: &'static str,
    router: axum::Router,
    knobs: Arc<FaultKnobs>,
) -> std::io::Result<RunningSimulator> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    let listener = FaultyListener::new(listener, Arc::clone(&knobs));
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(simulator = name, %error, "simulator stopped");
        }
    });
    let base_url = Url::parse(&format!("http://{address}/"))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    tracing::info!(simulator = name, %base_url, "simulator listening");
    Ok(RunningSimulator {
        name,
        base_url,
        knobs,
    })
}

/// Simulator name -> URL, for the provider registry.
pub fn urls(simulators: &[RunningSimulator]) -> HashMap<String, Url> {
    simulators
        .iter()
        .map(|s| (s.name.to_owned(), s.base_url.clone()))
        .collect()
}
