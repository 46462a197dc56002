//! The OpenAQ v3 adapter against the simulator over real HTTP: success, the API key header,
//! HTTP 500, timeout, malformed body and a provider that is down.

use crate::common;

use std::{sync::Arc, time::Duration};

use model::{Pollutant, ServiceKind};
use server::{
    config::load_cities,
    providers::{ProviderError, ProviderGuard},
    services::air::{
        aqi::Unit,
        openaq_v3::OpenAqV3,
        port::{AirQualityProvider, Area, BoundingBox},
        simulator as openaq,
    },
    simulators::{
        self,
        faults::{FaultKnobs, FaultMode},
    },
    telemetry::Metrics,
};

const SHENZHEN: BoundingBox = BoundingBox {
    min_lon: 113.75,
    min_lat: 22.39,
    max_lon: 114.62,
    max_lat: 22.86,
};

async fn adapter(timeout: Duration) -> (OpenAqV3, Arc<FaultKnobs>) {
    let cities = load_cities(&common::repo_config(), &server::catalog::KNOWN).expect("demo config");
    let shenzhen: Vec<_> = cities.iter().filter(|c| c.id == "shenzhen").collect();
    let knobs = FaultKnobs::new();
    let router = openaq::router(openaq::seed_stations(&shenzhen), Arc::clone(&knobs));
    let simulator = simulators::serve("openaq", router, Arc::clone(&knobs))
        .await
        .expect("simulator listens");
    let guard = Arc::new(ProviderGuard::new(
        "test-air",
        ServiceKind::AirQuality,
        timeout,
        Metrics::new(),
    ));
    let base = simulator.base_url;
    let adapter = OpenAqV3::new(reqwest::Client::new(), base, Some("k-123".into()), guard);
    (adapter, knobs)
}

#[tokio::test]
async fn reads_stations_and_their_latest_measurements() {
    let (adapter, knobs) = adapter(Duration::from_secs(3)).await;
    let stations = adapter.latest_in(SHENZHEN.into()).await.expect("stations");
    // One station per Shenzhen district (nine since the real boundaries put Dapeng in
    // Longgang).
    assert_eq!(stations.len(), 9);
    let station = &stations[0];
    assert_eq!(station.measurements.len(), 6);
    let co = station
        .measurements
        .iter()
        .find(|m| m.pollutant == Pollutant::Co)
        .expect("CO");
    assert_eq!(co.unit, Unit::PartsPerMillion);
    let pm25 = station
        .measurements
        .iter()
        .find(|m| m.pollutant == Pollutant::Pm25)
        .expect("PM2.5");
    assert_eq!(pm25.unit, Unit::MicrogramsPerCubicMetre);
    assert!(pm25.value > 0.0);
    assert_eq!(knobs.last_api_key().as_deref(), Some("k-123"));
    // The station list, then each station's latest values.
    assert_eq!(knobs.requests(), 1 + 9);

    let empty = adapter
        .latest_in(
            BoundingBox {
                min_lon: 0.0,
                min_lat: 0.0,
                max_lon: 1.0,
                max_lat: 1.0,
            }
            .into(),
        )
        .await
        .expect("an empty area is fine");
    assert!(empty.is_empty());
}

#[tokio::test]
async fn finds_the_stations_around_a_point() {
    let (adapter, _) = adapter(Duration::from_secs(3)).await;
    // Futian's district government: the stations within 8 km, not all of the city's nine.
    let near = adapter
        .latest_in(Area::Around {
            lat: 22.5222,
            lon: 114.0550,
            radius_m: 8_000,
        })
        .await
        .expect("stations");
    assert!(
        !near.is_empty() && near.len() < 9,
        "{} stations",
        near.len()
    );
    assert!(near.iter().any(|s| s.name.contains("Futian")));
}

#[tokio::test]
async fn http_500_is_a_status_error() {
    let (adapter, knobs) = adapter(Duration::from_secs(3)).await;
    knobs.set(FaultMode::Http500);
    let error = adapter.latest_in(SHENZHEN.into()).await.expect_err("fails");
    assert!(matches!(error, ProviderError::Status(500)), "{error:?}");
}

#[tokio::test]
async fn a_slow_provider_times_out() {
    let (adapter, knobs) = adapter(Duration::from_millis(200)).await;
    knobs.set(FaultMode::Slow { delay_ms: 2_000 });
    let error = adapter.latest_in(SHENZHEN.into()).await.expect_err("fails");
    assert!(matches!(error, ProviderError::Timeout(_)), "{error:?}");
}

#[tokio::test]
async fn a_malformed_body_is_reported_as_such() {
    let (adapter, knobs) = adapter(Duration::from_secs(3)).await;
    knobs.set(FaultMode::Malformed);
    let error = adapter.latest_in(SHENZHEN.into()).await.expect_err("fails");
    assert!(matches!(error, ProviderError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn a_provider_that_is_down_is_unreachable_even_on_kept_alive_connections() {
    let (adapter, knobs) = adapter(Duration::from_secs(3)).await;
    adapter
        .latest_in(SHENZHEN.into())
        .await
        .expect("up first, connections now pooled");
    knobs.set(FaultMode::Down);
    let error = adapter.latest_in(SHENZHEN.into()).await.expect_err("fails");
    assert!(matches!(error, ProviderError::Unreachable(_)), "{error:?}");
    knobs.set(FaultMode::Ok);
    adapter.latest_in(SHENZHEN.into()).await.expect("back up");
}
