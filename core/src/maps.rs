//! The city map's outside parts: the tile proxy that draws streets under the pin, and the
//! address search that finds a place by name and names the place nearest a pin.

pub mod nominatim;
pub mod places;
pub mod tiles;

use std::{collections::HashMap, sync::Arc};

use crate::{
    clock::Clock,
    config::{CityConfig, SIMULATOR_SCHEME},
    simulators::SimulatorAddress,
    web::per_client::PerClient,
};
use places::{Area, Pace, Places};

/// Tiles one client address may ask for in a minute: a phone's map takes a dozen or two a
/// view, so hundreds a minute is a person panning and zooming hard, not one scraping.
const TILES_PER_CLIENT_MINUTE: u32 = 300;
/// Searches one client address may make in a minute.
const SEARCHES_PER_CLIENT_MINUTE: u32 = 20;
use tiles::{TileProxy, TileProxySettings};

/// Every city's tiles and address search.
pub struct Maps {
    pub tiles: TileProxy,
    pub places: Places,
    /// Each client address's share of the tile servers and of the geocoder, so that one
    /// client cannot use up what every resident's map shares.
    pub tiles_per_client: PerClient,
    pub searches_per_client: PerClient,
}

#[derive(Debug, thiserror::Error)]
pub enum MapsError {
    #[error("city '{city}': [places] names simulator '{name}', which is not running")]
    NoSimulator { city: String, name: String },
    #[error("cannot make the map clients: {0}")]
    Client(String),
}

impl Maps {
    /// The tile proxy and the geocoders config names (`simulator:` ones at `simulators`).
    pub fn build(
        cities: &[CityConfig],
        tile_settings: TileProxySettings,
        simulators: &HashMap<String, SimulatorAddress>,
        clock: &Clock,
    ) -> Result<Maps, MapsError> {
        let user_agent = tile_settings.user_agent.clone();
        let tiles = TileProxy::new(cities, tile_settings, clock.clone())
            .map_err(|e| MapsError::Client(e.to_string()))?;
        let mut places = Places::new(clock.clone());
        // One pace per geocoding server, however many cities it serves.
        let mut paces: HashMap<url::Url, Arc<Pace>> = HashMap::new();
        for city in cities {
            let (Some(config), Some(bounds)) = (&city.places, city.bounding_box()) else {
                continue;
            };
            let base_url = if config.base_url.scheme() == SIMULATOR_SCHEME {
                let name = config.base_url.path();
                simulators
                    .get(name)
                    .map(|s| s.base_url.clone())
                    .ok_or_else(|| MapsError::NoSimulator {
                        city: city.id.clone(),
                        name: name.to_owned(),
                    })?
            } else {
                config.base_url.clone()
            };
            let geocoder = nominatim::Nominatim::new(&base_url, &user_agent, config.timeout)
                .map_err(|e| MapsError::Client(e.to_string()))?;
            let area = Area {
                west: bounds.min_lon,
                south: bounds.min_lat,
                east: bounds.max_lon,
                north: bounds.max_lat,
            };
            let pace = Arc::clone(paces.entry(base_url).or_default());
            places = places.with_city(&city.id, Arc::new(geocoder), area, pace);
        }
        let minute = std::time::Duration::from_secs(60);
        Ok(Maps {
            tiles,
            places,
            tiles_per_client: PerClient::new(TILES_PER_CLIENT_MINUTE, minute),
            searches_per_client: PerClient::new(SEARCHES_PER_CLIENT_MINUTE, minute),
        })
    }
}
