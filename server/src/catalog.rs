//! The one list of what this build of the portal has: its services (each with its adapters,
//! what its providers may ask of a resident, its job kinds) and the built-in simulators config
//! may name, with how each is started. A new service is one entry in `KNOWN` here (and, with
//! a simulator, its name and start-up); the rest of its wiring is listed in
//! `services/ADDING-A-SERVICE.md`.

use std::{collections::HashMap, sync::Arc};

use crate::{
    config::{CityConfig, Known, SIMULATOR_SCHEME},
    services::{
        air::{self, simulator as openaq},
        appointments::{self, fhir::HospitalOptions, simulator as fhir},
        bills::{self, provider_api::BillerOptions, simulator as billing},
        cameras::{self, open511::CameraOptions, simulator as open511},
        payments::{self, simulator as wechatpay, wechat_pay::keys::DemoKeys},
        reports::{self, open311::Open311Options, simulator as open311},
    },
    simulators::{
        places::{self, Gazetteer},
        start, RunningSimulator,
    },
};

pub const KNOWN: Known = Known {
    services: &[
        air::SERVICE,
        reports::SERVICE,
        payments::SERVICE,
        bills::SERVICE,
        appointments::SERVICE,
        cameras::SERVICE,
    ],
    simulators: NAMES,
};

/// Names of the simulators there are.
pub const OPENAQ: &str = "openaq";
pub const OPEN311: &str = "open311";
pub const WECHATPAY: &str = "wechatpay";
pub const BILLS: &str = "bills";
pub const FHIR: &str = "fhir";
pub const OPEN511: &str = "open511";
/// Nominatim, for a city's address search (`[places]`).
pub const PLACES: &str = "places";
/// Simulators that city config may name (`notify` is chosen by `NOTIFY_URL` instead).
pub const NAMES: &[&str] = &[OPENAQ, OPEN311, WECHATPAY, BILLS, FHIR, OPEN511, PLACES];

/// The simulators the config asked for, and the demo desks among them by provider id.
pub struct Started {
    pub running: Vec<RunningSimulator>,
    pub desks: HashMap<String, Arc<open311::SimulatedDesk>>,
    /// The demo's WeChat Pay, when config names it.
    pub wechatpay: Option<Arc<wechatpay::SimulatedWechatPay>>,
    /// The demo's billers by provider id.
    pub billers: HashMap<String, Arc<billing::SimulatedBiller>>,
    /// The demo's hospitals by provider id.
    pub hospitals: HashMap<String, Arc<fhir::SimulatedHospital>>,
    /// The demo's camera jurisdictions by provider id.
    pub cameras: HashMap<String, Arc<open511::SimulatedCameras>>,
}

/// Does any city's config name the simulator `name`?
pub fn wanted(cities: &[CityConfig], name: &str) -> bool {
    cities
        .iter()
        .flat_map(|city| &city.services)
        .any(|s| s.base_url.scheme() == SIMULATOR_SCHEME && s.base_url.path() == name)
}

/// Starts the simulators that the cities' config asks for, on ephemeral loopback ports.
/// Demo desks close each request `desk_close_after` after it arrives.
/// `demo_keys` are the demo's payment keys, when config names the WeChat Pay simulator.
/// The places simulator reads its gazetteer from `places_dir` (`config/places`).
pub async fn start_wanted(
    cities: &[CityConfig],
    desk_close_after: std::time::Duration,
    demo_keys: Option<&DemoKeys>,
    places_dir: &std::path::Path,
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
        let stations = openaq::seed_stations(&openaq_cities);
        running.push(start(OPENAQ, |knobs| openaq::router(stations, knobs)).await?);
    }
    // One Open311 simulator hosts every demo desk, each under its provider id and offering
    // the categories config routes to it.
    let desks: HashMap<String, Arc<open311::SimulatedDesk>> = cities
        .iter()
        .flat_map(|city| &city.services)
        .filter(|s| s.base_url.scheme() == SIMULATOR_SCHEME && s.base_url.path() == OPEN311)
        .map(|s| {
            // Checked when config loaded; a desk whose options do not read offers everything.
            let options = Open311Options::read(&s.options).unwrap_or_default();
            let desk = open311::SimulatedDesk::offering(
                options.jurisdiction.as_deref(),
                None,
                desk_close_after,
                options.categories,
            );
            (s.provider_id.clone(), desk)
        })
        .collect();
    if !desks.is_empty() {
        running.push(start(OPEN311, |knobs| open311::directory_router(&desks, knobs)).await?);
    }
    let wechatpay = match demo_keys.filter(|_| wanted(cities, WECHATPAY)) {
        Some(keys) => {
            let simulator = wechatpay::SimulatedWechatPay::new(keys);
            let paying = Arc::clone(&simulator);
            running.push(start(WECHATPAY, |knobs| wechatpay::router(paying, knobs)).await?);
            Some(simulator)
        }
        None => None,
    };
    // One Provider API for bills simulator hosts every demo biller under its provider id.
    let billers: HashMap<String, Arc<billing::SimulatedBiller>> = cities
        .iter()
        .flat_map(|city| &city.services)
        .filter(|s| s.base_url.scheme() == SIMULATOR_SCHEME && s.base_url.path() == BILLS)
        .map(|s| {
            // Checked when config loaded.
            let utility = BillerOptions::read(&s.options)
                .map_or_else(|_| "electricity".to_owned(), |o| o.utility);
            (
                s.provider_id.clone(),
                billing::SimulatedBiller::seeded(&utility),
            )
        })
        .collect();
    if !billers.is_empty() {
        // A key of this run's: the registry hands it to the billers' adapters.
        let api_key = uuid::Uuid::new_v4().simple().to_string();
        let mut running_billers = start(BILLS, |knobs| {
            billing::directory_router(&billers, &api_key, knobs)
        })
        .await?;
        running_billers.api_key = Some(api_key);
        running.push(running_billers);
    }
    // One FHIR server hosts every demo hospital under its provider id, its slots in its
    // city's time zone; the first hospital of each city charges a registration fee.
    let mut hospitals = HashMap::new();
    for city in cities {
        let simulated = city
            .services
            .iter()
            .filter(|s| s.base_url.scheme() == SIMULATOR_SCHEME && s.base_url.path() == FHIR);
        for (number, service) in simulated.enumerate() {
            // Checked when config loaded.
            let hold_minutes =
                HospitalOptions::read(&service.options).map_or(15, |o| o.hold_minutes);
            hospitals.insert(
                service.provider_id.clone(),
                fhir::SimulatedHospital::seeded(number, &city.time_zone, number == 0, hold_minutes),
            );
        }
    }
    if !hospitals.is_empty() {
        running.push(start(FHIR, |knobs| fhir::directory_router(&hospitals, knobs)).await?);
    }
    // One Open511 server hosts every demo city's cameras under its provider id, two in
    // each of the city's districts.
    let mut jurisdictions = HashMap::new();
    for city in cities {
        let simulated = city
            .services
            .iter()
            .filter(|s| s.base_url.scheme() == SIMULATOR_SCHEME && s.base_url.path() == OPEN511);
        for service in simulated {
            // Checked when config loaded.
            let jurisdiction = CameraOptions::read(&service.options)
                .ok()
                .and_then(|o| o.jurisdiction)
                .unwrap_or_else(|| format!("{}.example.cn", city.id));
            jurisdictions.insert(
                service.provider_id.clone(),
                open511::SimulatedCameras::seeded(
                    &service.provider_id,
                    &jurisdiction,
                    &city.time_zone,
                    &city.regions,
                ),
            );
        }
    }
    if !jurisdictions.is_empty() {
        running.push(
            start(OPEN511, |knobs| {
                open511::directory_router(&jurisdictions, knobs)
            })
            .await?,
        );
    }
    // One Nominatim knows the places of every city whose address search names it.
    let searching: Vec<&CityConfig> = cities
        .iter()
        .filter(|city| {
            city.places.as_ref().is_some_and(|p| {
                p.base_url.scheme() == SIMULATOR_SCHEME && p.base_url.path() == PLACES
            })
        })
        .collect();
    if !searching.is_empty() {
        let gazetteer = Gazetteer::load(places_dir, &searching).map_err(std::io::Error::other)?;
        tracing::info!(places = gazetteer.len(), "the places simulator's gazetteer");
        let gazetteer = Arc::new(gazetteer);
        running.push(start(PLACES, |knobs| places::router(gazetteer, knobs)).await?);
    }
    Ok(Started {
        running,
        desks,
        wechatpay,
        billers,
        hospitals,
        cameras: jurisdictions,
    })
}
