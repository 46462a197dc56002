//! The cities the portal serves, held in memory, with one region index over all of them.

pub mod map;
pub mod menu;
pub mod overrides;

use model::{CitySummary, RegionSummary};

use crate::{
    config::CityConfig,
    regions::{BoundingBox, Region, RegionIndex},
};
use geo::BoundingRect;

pub struct Cities {
    list: Vec<CityConfig>,
    index: RegionIndex,
}

impl Cities {
    pub fn new(list: Vec<CityConfig>) -> Self {
        let index = RegionIndex::new(list.iter().map(|c| (c.id.as_str(), c.regions.as_slice())));
        Cities { list, index }
    }

    pub fn all(&self) -> &[CityConfig] {
        &self.list
    }

    pub fn get(&self, id: &str) -> Option<&CityConfig> {
        self.list.iter().find(|c| c.id == id)
    }

    /// The city and district at a point, if any.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<(&CityConfig, &Region)> {
        let found = self.index.locate(lon, lat)?;
        let city = self.list.get(found.city)?;
        Some((city, city.regions.get(found.region)?))
    }

    pub fn region_index(&self) -> &RegionIndex {
        &self.index
    }
}

impl CityConfig {
    pub fn summary(&self) -> CitySummary {
        CitySummary {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }

    pub fn region(&self, id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.id == id)
    }

    /// The box around all of the city's regions.
    pub fn bounding_box(&self) -> Option<BoundingBox> {
        self.regions
            .iter()
            .filter_map(|r| r.boundary.bounding_rect())
            .map(|rect| BoundingBox {
                min_lon: rect.min().x,
                min_lat: rect.min().y,
                max_lon: rect.max().x,
                max_lat: rect.max().y,
            })
            .reduce(|a, b| BoundingBox {
                min_lon: a.min_lon.min(b.min_lon),
                min_lat: a.min_lat.min(b.min_lat),
                max_lon: a.max_lon.max(b.max_lon),
                max_lat: a.max_lat.max(b.max_lat),
            })
    }
}

impl Region {
    pub fn summary(&self) -> RegionSummary {
        RegionSummary {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }
}
