//! Adapter for the OpenAQ API v3: `GET /v3/locations?bbox=…` lists the stations in an area
//! with their sensors, then `GET /v3/locations/{id}/latest` gives each sensor's newest value.
//! The key goes in the `X-API-Key` header.

use std::{collections::HashMap, sync::Arc};

use futures::{stream, StreamExt};
use url::Url;

use super::{
    aqi::Unit,
    port::{AirQualityProvider, Area, Measurement, StationObservations},
};
use portal_core::{
    config::{no_options, AdapterSpec},
    providers::{
        endpoint::{Endpoint, KeyIn},
        ProviderError, ProviderGuard,
    },
};

/// `adapter = "openaq-v3"` in a city's config. It takes no options.
pub const ADAPTER: AdapterSpec = AdapterSpec {
    id: "openaq-v3",
    check_options: no_options,
};

/// How many `/latest` requests may be in flight at once, to be kind to the provider.
const CONCURRENT_REQUESTS: usize = 4;
/// OpenAQ's largest page.
const PAGE_LIMIT: u32 = 1000;
/// OpenAQ's largest search radius.
const MAX_RADIUS_M: u32 = 25_000;
/// A station's name is cut to this many characters.
const MAX_NAME: usize = 120;

pub struct OpenAqV3 {
    endpoint: Endpoint,
}

impl OpenAqV3 {
    pub fn new(
        http: reqwest::Client,
        base_url: Url,
        api_key: Option<String>,
        guard: Arc<ProviderGuard>,
    ) -> Self {
        OpenAqV3 {
            // OpenAQ takes its key in a header of its own.
            endpoint: Endpoint::new(http, base_url, api_key, KeyIn::Header("X-API-Key"), guard),
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ProviderError> {
        let request = self
            .endpoint
            .request(
                reqwest::Method::GET,
                self.endpoint.url(path)?,
                "application/json",
            )
            .query(query);
        self.endpoint.send(request).await?.success()?.json()
    }

    async fn latest_of(
        &self,
        location: wire::Location,
    ) -> Result<StationObservations, ProviderError> {
        let path = format!("v3/locations/{}/latest", location.id);
        let latest: wire::Page<wire::Latest> = self
            .endpoint
            .guarded("latest", self.get(&path, &[]))
            .await?;
        Ok(transformers::station(location, latest.results))
    }
}

#[async_trait::async_trait]
impl AirQualityProvider for OpenAqV3 {
    #[tracing::instrument(skip_all, fields(provider = self.endpoint.guard().provider_id()))]
    async fn latest_in(&self, area: Area) -> Result<Vec<StationObservations>, ProviderError> {
        let mut query = vec![("limit", PAGE_LIMIT.to_string())];
        match area {
            Area::Box(b) => query.push((
                "bbox",
                format!("{},{},{},{}", b.min_lon, b.min_lat, b.max_lon, b.max_lat),
            )),
            Area::Around { lat, lon, radius_m } => {
                // OpenAQ takes latitude first here, and at most 25 km.
                query.push(("coordinates", format!("{lat},{lon}")));
                query.push(("radius", radius_m.min(MAX_RADIUS_M).to_string()));
            }
        }
        let locations: wire::Page<wire::Location> = self
            .endpoint
            .guarded("locations", self.get("v3/locations", &query))
            .await?;
        // However many it sends, a page is what we asked for at most.
        let wanted: Vec<wire::Location> = locations
            .results
            .into_iter()
            .take(PAGE_LIMIT as usize)
            .collect();
        let count = wanted.len();
        let results: Vec<Result<StationObservations, ProviderError>> = stream::iter(wanted)
            .map(|location| self.latest_of(location))
            .buffered(CONCURRENT_REQUESTS)
            .collect()
            .await;
        let mut stations = Vec::with_capacity(count);
        let mut last_error = None;
        for result in results {
            match result {
                Ok(station) => stations.push(station),
                Err(error) => last_error = Some(error),
            }
        }
        // One silent station is a station problem; all of them is a provider problem.
        match last_error {
            Some(error) if stations.is_empty() => Err(error),
            _ => Ok(stations),
        }
    }
}

/// OpenAQ's own JSON shapes: only the fields we read.
pub mod wire {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Page<T> {
        pub results: Vec<T>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct Location {
        pub id: u64,
        pub name: String,
        pub coordinates: Coordinates,
        pub sensors: Vec<Sensor>,
    }

    #[derive(Debug, Clone, Copy, Serialize, Deserialize)]
    pub struct Coordinates {
        pub latitude: f64,
        pub longitude: f64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct Sensor {
        pub id: u64,
        pub name: String,
        pub parameter: Parameter,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct Parameter {
        pub id: u64,
        pub name: String,
        pub units: String,
        #[serde(rename = "displayName", default)]
        pub display_name: Option<String>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct Latest {
        pub datetime: DateTime,
        pub value: f64,
        #[serde(rename = "sensorsId")]
        pub sensors_id: u64,
        #[serde(rename = "locationsId")]
        pub locations_id: u64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct DateTime {
        pub utc: String,
        pub local: String,
    }
}

/// From OpenAQ's shapes to ours. Values we cannot trust (unknown parameter or unit, negative
/// or non-finite value, unreadable time) are dropped, not guessed.
pub mod transformers {
    use model::Pollutant;

    use super::*;

    pub fn pollutant(parameter: &str) -> Option<Pollutant> {
        match parameter {
            "pm25" => Some(Pollutant::Pm25),
            "pm10" => Some(Pollutant::Pm10),
            "o3" => Some(Pollutant::O3),
            "no2" => Some(Pollutant::No2),
            "so2" => Some(Pollutant::So2),
            "co" => Some(Pollutant::Co),
            _ => None,
        }
    }

    pub fn station(location: wire::Location, latest: Vec<wire::Latest>) -> StationObservations {
        let sensors: HashMap<u64, &wire::Sensor> =
            location.sensors.iter().map(|s| (s.id, s)).collect();
        let mut newest: HashMap<Pollutant, Measurement> = HashMap::new();
        for reading in latest {
            let Some(sensor) = sensors.get(&reading.sensors_id) else {
                continue;
            };
            let (Some(pollutant), Some(unit)) = (
                pollutant(&sensor.parameter.name),
                Unit::parse(&sensor.parameter.units),
            ) else {
                continue;
            };
            let Ok(measured_at) = reading.datetime.utc.parse::<jiff::Timestamp>() else {
                continue;
            };
            if !reading.value.is_finite() || reading.value < 0.0 {
                continue;
            }
            let measurement = Measurement {
                pollutant,
                value: reading.value,
                unit,
                measured_at,
            };
            match newest.get(&pollutant) {
                Some(existing) if existing.measured_at >= measured_at => {}
                _ => {
                    newest.insert(pollutant, measurement);
                }
            }
        }
        let mut measurements: Vec<Measurement> = newest.into_values().collect();
        measurements.sort_by_key(|m| m.pollutant);
        StationObservations {
            station_id: location.id.to_string(),
            name: portal_core::plain_text::provider_text(&location.name, MAX_NAME),
            lon: location.coordinates.longitude,
            lat: location.coordinates.latitude,
            measurements,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stations_name_is_bounded_and_loses_what_would_reorder_or_hide_it() {
        let location = wire::Location {
            id: 1,
            name: format!("Futian\u{202E}gpj.exe{}", "x".repeat(500)),
            coordinates: wire::Coordinates {
                latitude: 22.54,
                longitude: 114.05,
            },
            sensors: Vec::new(),
        };
        let station = transformers::station(location, Vec::new());
        assert!(
            station.name.starts_with("Futiangpj.exe"),
            "{}",
            station.name
        );
        assert_eq!(station.name.chars().count(), MAX_NAME);
    }
}
