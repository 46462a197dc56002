//! Built-in simulators of the providers' protocols, for the demo and the tests. They speak the
//! same HTTP as the real providers on a loopback port, so the demo takes the production code
//! path; only the URLs differ. A service asks for one with `base_url = "simulator:NAME"`.
//! Each service's simulator lives in its home; here is what they share (fault knobs, serving
//! on loopback) and the notification simulator. The catalog starts the ones config names.

pub mod faults;
pub mod notify;
pub mod places;
pub mod three_factor;

use std::{collections::HashMap, sync::Arc};

use url::Url;

use faults::{FaultKnobs, FaultyListener};

/// A simulator listening on loopback.
pub struct RunningSimulator {
    pub name: &'static str,
    pub base_url: Url,
    pub knobs: Arc<FaultKnobs>,
    /// The key it asks of its clients, when it asks one: what a `simulator:` URL's provider
    /// is given when its config names no `api_key_env`.
    pub api_key: Option<String>,
}

/// Where a simulator listens, and the key it asks for.
#[derive(Clone, Debug)]
pub struct SimulatorAddress {
    pub base_url: Url,
    pub api_key: Option<String>,
}

/// The name of the notification simulator (chosen by `NOTIFY_URL`, not by city config).
pub const NOTIFY: &str = "notify";

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

/// The name of the three-factor check's simulator (chosen by `IDENTITY_CHECK_URL`).
pub const THREE_FACTOR: &str = "three-factor";

/// The carrier check's simulator, accepting `api_key`, answering from `register`.
pub async fn start_three_factor(
    api_key: &str,
    register: Arc<three_factor::Register>,
) -> std::io::Result<RunningSimulator> {
    start(THREE_FACTOR, |knobs| {
        three_factor::router(api_key, register, knobs)
    })
    .await
}

/// Starts simulator `name`: its fault knobs, its router made with them, served on an
/// ephemeral loopback port (the one way every simulator is started).
pub async fn start(
    name: &'static str,
    router: impl FnOnce(Arc<FaultKnobs>) -> axum::Router,
) -> std::io::Result<RunningSimulator> {
    let knobs = FaultKnobs::new();
    let router = router(Arc::clone(&knobs));
    serve(name, router, knobs).await
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
        api_key: None,
    })
}

/// Simulator name -> where it listens and its key, for the provider registry.
pub fn addresses(simulators: &[RunningSimulator]) -> HashMap<String, SimulatorAddress> {
    simulators
        .iter()
        .map(|s| {
            let address = SimulatorAddress {
                base_url: s.base_url.clone(),
                api_key: s.api_key.clone(),
            };
            (s.name.to_owned(), address)
        })
        .collect()
}
