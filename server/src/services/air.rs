//! Air quality for a city: readings from its provider, cached with their age, turned into
//! AQI on the city's scale. A failing provider never breaks the page: the resident gets the
//! last good readings marked with their age, or a plain "unavailable".

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::model::{AirReport, Freshness, PollutantReading, StationReport};

use crate::{
    aqi::{self, Concentration},
    cities::Cities,
    config::CityConfig,
    providers::{
        air_quality::{AirQualityProvider, Measurement, StationObservations},
        ProviderError,
    },
};

/// How long readings count as current, and how long old ones may still be shown.
#[derive(Clone, Copy, Debug)]
pub struct CachePolicy {
    pub fresh_for: Duration,
    pub show_stale_for: Duration,
    /// A whole refresh (the station list and every station's latest values) must finish in
    /// this time, however many calls it takes.
    pub refresh_deadline: Duration,
    /// Measurements older than this are not air "now": a station that stopped reporting
    /// months ago still answers `/latest` with its last value.
    pub max_measurement_age: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        // Stations report hourly; five minutes keeps pages fast and readings current.
        CachePolicy {
            fresh_for: Duration::from_secs(5 * 60),
            show_stale_for: Duration::from_secs(6 * 3600),
            refresh_deadline: Duration::from_secs(6),
            max_measurement_age: Duration::from_secs(3 * 3600),
        }
    }
}

struct Cached {
    stations: Vec<StationObservations>,
    fetched_at: jiff::Timestamp,
}

type CitySlot = Arc<tokio::sync::Mutex<Option<Cached>>>;

pub struct AirService {
    policy: CachePolicy,
    slots: Mutex<HashMap<String, CitySlot>>,
}

impl AirService {
    pub fn new(policy: CachePolicy) -> Self {
        AirService {
            policy,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, city: &str) -> CitySlot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(slots.entry(city.to_owned()).or_default())
    }

    /// The city's stations, the resident's district first.
    pub async fn report(
        &self,
        cities: &Cities,
        city: &CityConfig,
        provider: &dyn AirQualityProvider,
        resident_region: Option<&str>,
    ) -> AirReport {
        let slot = self.slot(&city.id);
        // One refresh per city at a time; others wait for it rather than pile on the provider.
        let mut cached = slot.lock().await;
        let now = jiff::Timestamp::now();
        let age =
            |c: &Cached| Duration::try_from(now.duration_since(c.fetched_at)).unwrap_or_default();

        let freshness = match cached.as_ref() {
            Some(c) if age(c) < self.policy.fresh_for => Freshness::Current,
            _ => match city.bounding_box() {
                Some(area) => match tokio::time::timeout(
                    self.policy.refresh_deadline,
                    provider.latest_in(area.into()),
                )
                .await
                .unwrap_or(Err(ProviderError::Timeout(self.policy.refresh_deadline)))
                {
                    Ok(stations) if stations.is_empty() && cached.is_some() => {
                        // An empty answer after a good one is more likely a provider hiccup
                        // than every station closing at once: keep what we have, marked.
                        tracing::warn!(city = %city.id, "air quality provider returned no stations");
                        Freshness::Stale {
                            minutes: cached.as_ref().map_or(0, |c| minutes(age(c))),
                        }
                    }
                    Ok(stations) => {
                        *cached = Some(Cached {
                            stations,
                            fetched_at: now,
                        });
                        Freshness::Current
                    }
                    Err(error) => {
                        tracing::warn!(city = %city.id, %error, "air quality refresh failed");
                        match cached.as_ref() {
                            Some(c) if age(c) < self.policy.show_stale_for => Freshness::Stale {
                                minutes: minutes(age(c)),
                            },
                            _ => Freshness::Unavailable,
                        }
                    }
                },
                None => Freshness::Unavailable,
            },
        };

        let stations = match (&freshness, cached.as_ref()) {
            (Freshness::Unavailable, _) | (_, None) => Vec::new(),
            (_, Some(c)) => station_reports(
                cities,
                city,
                &c.stations,
                resident_region,
                now,
                self.policy.max_measurement_age,
            ),
        };
        AirReport {
            city: city.summary(),
            region: resident_region
                .and_then(|r| city.region(r))
                .map(|r| r.summary()),
            scale: city.aqi_scale,
            freshness,
            stations,
        }
    }
}

fn minutes(age: Duration) -> u32 {
    u32::try_from(age.as_secs() / 60).unwrap_or(u32::MAX)
}

/// Stations inside the city with recent measurements, with AQI, sorted: the resident's
/// district, then by district.
pub fn station_reports(
    cities: &Cities,
    city: &CityConfig,
    stations: &[StationObservations],
    resident_region: Option<&str>,
    now: jiff::Timestamp,
    max_measurement_age: Duration,
) -> Vec<StationReport> {
    // Ten minutes of clock skew into the future is tolerated; more is a bad timestamp.
    let max_age = i64::try_from(max_measurement_age.as_secs()).unwrap_or(i64::MAX);
    let recent =
        |m: &&Measurement| (-600..=max_age).contains(&now.duration_since(m.measured_at).as_secs());
    let mut reports: Vec<(String, StationReport)> = stations
        .iter()
        .filter_map(|station| {
            // The provider's box around the city also catches its neighbours' stations.
            let (found_city, region) = cities.locate(station.lon, station.lat)?;
            if found_city.id != city.id {
                return None;
            }
            let measurements: Vec<&Measurement> =
                station.measurements.iter().filter(recent).collect();
            let newest = measurements.iter().map(|m| m.measured_at).max()?;
            let local = newest.to_zoned_datetime(city.time_zone.clone());
            let concentrations: Vec<Concentration> = measurements
                .iter()
                .map(|m| Concentration {
                    pollutant: m.pollutant,
                    value: m.value,
                    unit: m.unit,
                })
                .collect();
            let report = StationReport {
                name: station.name.clone(),
                region: Some(region.summary()),
                in_resident_region: resident_region == Some(region.id.as_str()),
                aqi: aqi::compute(city.aqi_scale, local.date(), &concentrations),
                readings: measurements
                    .iter()
                    .map(|m| PollutantReading {
                        pollutant: m.pollutant,
                        value: m.value,
                        unit: m.unit.symbol().to_owned(),
                    })
                    .collect(),
                measured_at: local.strftime("%Y-%m-%d %H:%M").to_string(),
            };
            Some((region.id.clone(), report))
        })
        .collect();
    reports.sort_by(|(region_a, a), (region_b, b)| {
        (!a.in_resident_region, region_a, &a.name).cmp(&(!b.in_resident_region, region_b, &b.name))
    });
    reports.into_iter().map(|(_, report)| report).collect()
}
