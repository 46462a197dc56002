//! Air quality for a city: readings from its provider, cached with their age, turned into
//! AQI on the city's scale. A failing provider never breaks the page: the resident gets the
//! last good readings marked with their age, or a plain "unavailable".

pub mod aqi;
pub mod openaq_v3;
pub mod pages;
pub mod port;
pub mod registration;
pub mod settings;
pub mod simulator;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::future::{BoxFuture, FutureExt, Shared};
use model::{AirReport, AqiScale, Freshness, PollutantReading, ServiceKind, StationReport};

use aqi::Concentration;
use openaq_v3::OpenAqV3;
use port::{AirQualityProvider, Measurement, StationObservations};
use portal_core::{
    cities::Cities,
    config::{CityConfig, ServiceSpec},
    portal::Portal,
    providers::{registry::RegistryError, ProviderError},
};
use settings::AirSettings;

/// Air quality as config knows it: one provider per city, read only, so it is sent nothing
/// about a resident.
pub const SERVICE: ServiceSpec = ServiceSpec {
    kind: ServiceKind::AirQuality,
    several_providers: false,
    personal_fields: &[],
    adapters: &[openaq_v3::ADAPTER],
    // Readings are asked for when a page wants them: nothing is handed off.
    job_kinds: &[],
    check_settings: settings::check,
};

/// Air quality's home: each city's provider and the readings cache. Its pages work from it.
pub struct AirQuality {
    /// The shared machinery: cities, storage, the providers' guards, the switches.
    pub portal: Arc<Portal>,
    readings: ReadingsCache,
    /// Each city's provider, by city id.
    providers: HashMap<String, Arc<dyn AirQualityProvider>>,
    /// Each city's `[settings.air]`, by city id.
    settings: HashMap<String, AirSettings>,
}

impl AirQuality {
    /// Builds an adapter for every air-quality provider the registry connected.
    pub fn new(portal: Arc<Portal>, cache: CachePolicy) -> Result<Self, RegistryError> {
        let mut providers = HashMap::new();
        for connection in portal.providers.connections(ServiceKind::AirQuality) {
            let adapter: Arc<dyn AirQualityProvider> = match connection.config.adapter {
                id if id == openaq_v3::ADAPTER.id => Arc::new(OpenAqV3::new(
                    connection.http.clone(),
                    connection.base_url.clone(),
                    connection.api_key.clone(),
                    Arc::clone(&connection.guard),
                )),
                _ => return Err(connection.unknown_adapter()),
            };
            providers.insert(connection.city_id.clone(), adapter);
        }
        let settings = portal
            .cities
            .all()
            .iter()
            .map(|city| (city.id.clone(), AirSettings::of(city)))
            .collect();
        Ok(AirQuality {
            portal,
            readings: ReadingsCache::new(cache),
            providers,
            settings,
        })
    }

    /// The city's own settings (the defaults for a city the portal does not serve).
    pub fn settings(&self, city: &str) -> AirSettings {
        self.settings.get(city).copied().unwrap_or_default()
    }
}

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

/// A refresh under way, which any number of page requests may wait on.
type Refresh = Shared<BoxFuture<'static, ()>>;

/// One city's readings: what was last fetched well, whether the latest attempt failed, and
/// the refresh under way, if any.
#[derive(Default)]
struct Slot {
    cached: Option<Arc<Cached>>,
    last_refresh_failed: bool,
    refreshing: Option<Refresh>,
}

type CitySlot = Arc<Mutex<Slot>>;

/// Each city's latest readings, refreshed by one task at a time.
pub struct ReadingsCache {
    policy: CachePolicy,
    slots: Mutex<HashMap<String, CitySlot>>,
}

/// What one request does about readings that are no longer fresh.
enum Plan {
    /// Fresh readings: use them.
    Serve,
    /// A refresh is needed or under way; wait for it (bounded) or serve what is cached.
    Refresh { refresh: Refresh, wait: bool },
}

impl ReadingsCache {
    pub fn new(policy: CachePolicy) -> Self {
        ReadingsCache {
            policy,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, city: &str) -> CitySlot {
        let mut slots = lock(&self.slots);
        Arc::clone(slots.entry(city.to_owned()).or_default())
    }

    /// The city's stations, the resident's district first.
    ///
    /// Single flight: at most one refresh per city runs at a time, in a task of its own, so
    /// a page render that gives up on it (or is dropped) never cuts a provider call short.
    /// The request that starts a refresh waits for it, at most the refresh deadline; so does
    /// any request while nothing is cached. Everyone else gets the last good readings at
    /// once, so a slow provider costs one resident a wait, not the whole city.
    pub async fn report(
        &self,
        cities: &Cities,
        city: &CityConfig,
        provider: Arc<dyn AirQualityProvider>,
        provider_timeout: Duration,
        resident_region: Option<&str>,
        scale: AqiScale,
    ) -> AirReport {
        let slot = self.slot(&city.id);
        let plan = {
            let mut state = lock(&slot);
            match &state.cached {
                Some(cached) if self.age(cached) < self.policy.fresh_for => Plan::Serve,
                _ => match state.refreshing.clone() {
                    Some(refresh) => Plan::Refresh {
                        refresh,
                        wait: state.cached.is_none(),
                    },
                    None => {
                        let refresh = self.start_refresh(&slot, city, provider, provider_timeout);
                        state.refreshing = Some(refresh.clone());
                        Plan::Refresh {
                            refresh,
                            wait: true,
                        }
                    }
                },
            }
        };
        if let Plan::Refresh {
            refresh,
            wait: true,
        } = plan
        {
            // One provider call's time at most: past it, the page is served with what there
            // is, and the refresh goes on in its task.
            let _ =
                tokio::time::timeout(provider_timeout + Duration::from_millis(50), refresh).await;
        }
        let (cached, failed) = {
            let state = lock(&slot);
            (state.cached.clone(), state.last_refresh_failed)
        };
        let freshness = match &cached {
            None => Freshness::Unavailable,
            Some(c) if self.age(c) >= self.policy.show_stale_for => Freshness::Unavailable,
            // The newest readings there are, as long as the last refresh did not fail and
            // they are not much past their time (a refresh under way, or just done).
            Some(c) if !failed && self.age(c) < self.policy.fresh_for + CURRENT_GRACE => {
                Freshness::Current
            }
            Some(c) => Freshness::Stale {
                minutes: minutes(self.age(c)),
            },
        };
        let stations = match (&freshness, &cached) {
            (Freshness::Unavailable, _) | (_, None) => Vec::new(),
            (_, Some(c)) => station_reports(
                cities,
                city,
                &c.stations,
                resident_region,
                jiff::Timestamp::now(),
                self.policy.max_measurement_age,
                scale,
            ),
        };
        AirReport {
            city: city.summary(),
            region: resident_region
                .and_then(|r| city.region(r))
                .map(|r| r.summary()),
            scale,
            freshness,
            stations,
        }
    }

    fn age(&self, cached: &Cached) -> Duration {
        Duration::try_from(jiff::Timestamp::now().duration_since(cached.fetched_at))
            .unwrap_or_default()
    }

    /// Starts the city's one refresh in a task of its own; it records its outcome in the
    /// slot and clears itself when done.
    fn start_refresh(
        &self,
        slot: &CitySlot,
        city: &CityConfig,
        provider: Arc<dyn AirQualityProvider>,
        provider_timeout: Duration,
    ) -> Refresh {
        let slot = Arc::clone(slot);
        // Never shorter than two calls: a hung call must end at the provider's own timeout,
        // which its breaker counts, not be dropped by this deadline, which it does not.
        let deadline = self.policy.refresh_deadline.max(provider_timeout * 2);
        let area = city.bounding_box();
        let city_id = city.id.clone();
        let task = tokio::spawn(async move {
            // Even if this task panics, the city may refresh again.
            let _clear = ClearRefreshing(Arc::clone(&slot));
            let fetched = match area {
                Some(area) => tokio::time::timeout(deadline, provider.latest_in(area.into()))
                    .await
                    .unwrap_or(Err(ProviderError::Timeout(deadline))),
                None => Err(ProviderError::Malformed("the city has no area".to_owned())),
            };
            let mut state = lock(&slot);
            match fetched {
                Ok(stations) if stations.is_empty() && state.cached.is_some() => {
                    // An empty answer after a good one is more likely a provider hiccup
                    // than every station closing at once: keep what we have, marked.
                    tracing::warn!(city = %city_id, "air quality provider returned no stations");
                    state.last_refresh_failed = true;
                }
                Ok(stations) => {
                    state.cached = Some(Arc::new(Cached {
                        stations,
                        fetched_at: jiff::Timestamp::now(),
                    }));
                    state.last_refresh_failed = false;
                }
                Err(error) => {
                    tracing::warn!(city = %city_id, %error, "air quality refresh failed");
                    state.last_refresh_failed = true;
                }
            }
        });
        task.map(|_| ()).boxed().shared()
    }
}

/// Readings past their time by less than this, with no failed refresh since, are shown as
/// current: a refresh is under way or has just been done.
const CURRENT_GRACE: Duration = Duration::from_secs(10);

/// Ends a city's refresh when its task ends, however it ends.
struct ClearRefreshing(CitySlot);

impl Drop for ClearRefreshing {
    fn drop(&mut self) {
        lock(&self.0).refreshing = None;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while holding these locks; if something did, the state is still whole.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
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
    scale: AqiScale,
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
            // Each value as the scale's reports state it; the index is computed from these,
            // so it follows from what the page prints.
            let stated: Vec<Concentration> = measurements
                .iter()
                .filter_map(|m| {
                    aqi::as_reported(
                        scale,
                        Concentration {
                            pollutant: m.pollutant,
                            value: m.value,
                            unit: m.unit,
                        },
                    )
                })
                .collect();
            let report = StationReport {
                name: station.name.clone(),
                region: Some(region.summary()),
                in_resident_region: resident_region == Some(region.id.as_str()),
                aqi: aqi::compute(scale, local.date(), &stated),
                readings: stated
                    .iter()
                    .map(|c| PollutantReading {
                        pollutant: c.pollutant,
                        value: c.value,
                        unit: c.unit.symbol().to_owned(),
                        decimals: aqi::reporting_form(scale, c.pollutant).decimals,
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
