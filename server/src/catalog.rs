//! The one list of what this build of the portal has: its services, each described by its
//! own crate's `REGISTRATION` (config, adapters, simulators, settings, how its home is
//! built), and the simulators of the shared machinery. Start-up, the router, the console and
//! the tests loop over this list; a new service is one line in `SERVICES`
//! (`services/ADDING-A-SERVICE.md`).

use std::{collections::HashSet, path::Path, sync::Arc};

/// The services this build has, each a crate of its own, under the names the server's code,
/// tools and tests use.
pub mod services {
    pub use air_quality as air;
    pub use doctor_appointments as appointments;
    pub use incident_reports as reports;
    pub use payments;
    pub use traffic_cameras as cameras;
    pub use utility_bills as bills;
}

use crate::{
    config::{CityConfig, Known},
    service::{names_simulator, DemoParts, DemoStart, Registration, ServiceSettings, SetupError},
    services::{air, appointments, bills, cameras, payments, reports},
    simulators::{
        places::{self, Gazetteer},
        start, RunningSimulator,
    },
};

/// Every service, in the menu's and the build's order: a service comes after those it is
/// built on (bills and appointments after payments).
pub const SERVICES: &[&Registration] = &[
    &air::registration::REGISTRATION,
    &reports::registration::REGISTRATION,
    &payments::registration::REGISTRATION,
    &bills::registration::REGISTRATION,
    &appointments::registration::REGISTRATION,
    &cameras::registration::REGISTRATION,
];

pub const KNOWN: Known = Known {
    services: SERVICES,
    shared_simulators: &[PLACES],
};

/// Nominatim, for a city's address search (`[places]`): the shared machinery's simulator.
pub const PLACES: &str = "places";

/// The simulators the config asked for, and the demo's parts they hold (desks, billers,
/// hospitals, the payment keys), for the services' homes and the tests.
pub struct Started {
    pub running: Vec<RunningSimulator>,
    pub demo: DemoParts,
}

/// Does any city's config name the simulator `name`?
pub fn wanted(cities: &[CityConfig], name: &str) -> bool {
    cities
        .iter()
        .flat_map(|city| &city.services)
        .any(|s| names_simulator(&s.base_url, name))
}

/// Starts the simulators that the cities' config asks for, on ephemeral loopback ports:
/// each service's that some city names, then the places simulator, which reads its
/// gazetteer from `config_dir/places`.
pub async fn start_wanted(
    cities: &[CityConfig],
    settings: &ServiceSettings,
    config_dir: &Path,
) -> Result<Started, SetupError> {
    let mut running = Vec::new();
    let mut demo = DemoParts::default();
    let mut started = HashSet::new();
    for offer in SERVICES.iter().flat_map(|service| service.simulators) {
        if !wanted(cities, offer.name) || !started.insert(offer.name) {
            continue;
        }
        let context = DemoStart {
            cities,
            settings,
            config_dir: config_dir.to_owned(),
            demo: &demo,
            name: offer.name,
        };
        let simulator = (offer.start)(&context).await?;
        running.push(simulator.running);
        demo.extend(simulator.parts);
    }
    // One Nominatim knows the places of every city whose address search names it.
    let searching: Vec<&CityConfig> = cities
        .iter()
        .filter(|city| {
            city.places
                .as_ref()
                .is_some_and(|p| names_simulator(&p.base_url, PLACES))
        })
        .collect();
    if !searching.is_empty() {
        let gazetteer = Gazetteer::load(&config_dir.join("places"), &searching)
            .map_err(|e| SetupError::Other(e.to_string()))?;
        tracing::info!(places = gazetteer.len(), "the places simulator's gazetteer");
        let gazetteer = Arc::new(gazetteer);
        running.push(
            start(PLACES, |knobs| places::router(gazetteer, knobs))
                .await
                .map_err(|source| SetupError::Simulator {
                    simulator: PLACES,
                    source,
                })?,
        );
    }
    Ok(Started { running, demo })
}
