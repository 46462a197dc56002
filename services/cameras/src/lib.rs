//! Traffic cameras: a city's cameras over Open511, on its map and in a list by road, the
//! resident's district first and their starred cameras before all. Frames are fetched by
//! the portal, never by a phone: once per camera per refresh interval however many look,
//! re-encoded at phone size, and marked plainly when old or missing.

pub mod frames;
pub mod open511;
pub mod pages;
pub mod port;
pub mod registration;
pub mod routes;
pub mod scene;
pub mod simulator;
pub mod stars;

use std::{collections::HashMap, sync::Arc, time::Duration};

use model::{Locale, ServiceKind};
use portal_core::{
    clock::Clock,
    config::{no_settings, ServiceSpec},
    portal::Portal,
    providers::{
        kept::{Kept, KeptCopy},
        registry::RegistryError,
        ProviderError,
    },
};

use frames::{FrameCache, Latest};
use open511::{CameraOptions, Open511};
use port::{Camera, CameraProvider, CameraQuery};
use stars::Stars;

/// Traffic cameras as config knows them: one provider per city, read only, so it is sent
/// nothing about a resident.
pub const SERVICE: ServiceSpec = ServiceSpec {
    kind: ServiceKind::TrafficCameras,
    several_providers: false,
    personal_fields: &[],
    adapters: &[open511::ADAPTER],
    // Pictures are asked for when a page wants them: nothing is handed off.
    job_kinds: &[],
    check_settings: no_settings,
};

/// How long a city's camera list is used before it is read again.
pub const LIST_FRESH_FOR: Duration = Duration::from_secs(300);

/// One city's cameras: its provider, the list in each language, the frames.
pub struct CityCameras {
    pub provider_id: String,
    provider: Arc<dyn CameraProvider>,
    lists: HashMap<Locale, KeptCopy<Vec<Camera>>>,
    pub frames: FrameCache,
}

impl CityCameras {
    fn new(provider_id: &str, provider: Arc<dyn CameraProvider>, clock: Clock) -> CityCameras {
        CityCameras {
            provider_id: provider_id.to_owned(),
            provider,
            lists: [Locale::ZhCn, Locale::En]
                .into_iter()
                .map(|locale| (locale, KeptCopy::new(LIST_FRESH_FOR)))
                .collect(),
            frames: FrameCache::new(clock),
        }
    }

    /// Every camera, named in `locale`: kept for a while, the last good list while the
    /// provider fails (in the other language when that is the only one kept: names in it
    /// beat no cameras).
    pub async fn list(&self, locale: Locale) -> Result<Kept<Vec<Camera>>, ProviderError> {
        let Some(kept) = self.lists.get(&locale) else {
            return Err(ProviderError::Malformed("no list for the language".into()));
        };
        let query = CameraQuery::default();
        match kept.get(|| self.provider.cameras(&query, locale)).await {
            Ok(list) => Ok(list),
            Err(error) => self
                .lists
                .values()
                .find_map(KeptCopy::peek)
                .map(|value| Kept { value, stale: true })
                .ok_or(error),
        }
    }

    /// The camera's latest frame, waiting at most `wait` for a new one when it is due.
    pub async fn latest(&self, camera: &Camera, wait: Duration) -> Latest {
        self.frames.latest(camera, &self.provider, wait).await
    }
}

/// Traffic cameras' home.
pub struct TrafficCameras {
    pub portal: Arc<Portal>,
    /// Each city's cameras, by city id.
    cities: HashMap<String, Arc<CityCameras>>,
    pub stars: Stars,
}

impl TrafficCameras {
    /// Builds every city's adapter from the registry's connections.
    pub fn new(portal: Arc<Portal>) -> Result<TrafficCameras, RegistryError> {
        let mut cities = HashMap::new();
        for connection in portal.providers.connections(ServiceKind::TrafficCameras) {
            if connection.config.adapter != open511::ADAPTER.id {
                return Err(connection.unknown_adapter());
            }
            let options = CameraOptions::read(&connection.config.options)
                .map_err(|problem| connection.bad_options(problem))?;
            let base_url = connection.base_url_within("")?;
            let provider: Arc<dyn CameraProvider> = Arc::new(Open511::new(
                connection.http.clone(),
                base_url,
                connection.api_key.clone(),
                options,
                Arc::clone(&connection.guard),
            ));
            cities.insert(
                connection.city_id.clone(),
                Arc::new(CityCameras::new(
                    connection.provider_id(),
                    provider,
                    portal.clock().clone(),
                )),
            );
        }
        Ok(TrafficCameras {
            stars: Stars::new(portal.storage.clone()),
            portal,
            cities,
        })
    }

    pub fn city(&self, city_id: &str) -> Option<&Arc<CityCameras>> {
        self.cities.get(city_id)
    }
}

/// `at` as an HTTP date (`Last-Modified`), to the second.
pub fn http_date(at: jiff::Timestamp) -> String {
    let seconds = u64::try_from(at.as_second()).unwrap_or(0);
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(seconds))
}
