//! Air quality as the server wires it: its config, its OpenAQ simulator, its cache setting
//! and its page backend.

use std::{any::Any, sync::Arc, time::Duration};

use model::{pages::AirPages, pages::PageBackends, ServiceKind};
use portal_core::service::{
    seconds_var, AnySettings, Assembly, DemoParts, DemoStart, Registration, ServiceHome,
    SetupError, SimulatorOffer, StartedSimulator, Vars,
};

use crate::{simulator, AirQuality, CachePolicy, SERVICE};

pub const REGISTRATION: Registration = Registration {
    spec: SERVICE,
    simulators: &[SimulatorOffer {
        name: "openaq",
        start: |demo| Box::pin(start_openaq(demo)),
    }],
    settings: Some(read_settings),
    build,
};

/// `AIR_CACHE_SECONDS` (default 300): how long air readings count as current.
fn read_settings(vars: &Vars<'_>) -> Result<AnySettings, SetupError> {
    let mut cache = CachePolicy::default();
    cache.fresh_for = Duration::from_secs(seconds_var(
        vars,
        "AIR_CACHE_SECONDS",
        cache.fresh_for.as_secs(),
    )?);
    Ok(Arc::new(cache))
}

/// One OpenAQ server with stations in every district of the cities that name it.
async fn start_openaq(demo: &DemoStart<'_>) -> Result<StartedSimulator, SetupError> {
    let stations = simulator::seed_stations(&demo.cities_naming());
    demo.serve(
        |knobs| simulator::router(stations, knobs),
        DemoParts::default(),
    )
    .await
}

fn build(assembly: &Assembly<'_>) -> Result<Arc<dyn ServiceHome>, SetupError> {
    Ok(Arc::new(AirQuality::new(
        Arc::clone(assembly.portal),
        assembly.settings.get::<CachePolicy>(),
    )?))
}

impl ServiceHome for AirQuality {
    fn kind(&self) -> ServiceKind {
        ServiceKind::AirQuality
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn page_backends(self: Arc<Self>, backends: &mut PageBackends) {
        backends.provide::<dyn AirPages>(self);
    }
}
