//! The air quality port: the latest measurements of the stations in an area.

use model::Pollutant;

use crate::aqi::Unit;
use portal_core::providers::ProviderError;
pub use portal_core::regions::BoundingBox;

/// Where to look for stations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Area {
    Box(BoundingBox),
    /// Within `radius_m` metres of a point.
    Around {
        lat: f64,
        lon: f64,
        radius_m: u32,
    },
}

impl From<BoundingBox> for Area {
    fn from(value: BoundingBox) -> Self {
        Area::Box(value)
    }
}

/// One measurement of one pollutant.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub pollutant: Pollutant,
    pub value: f64,
    pub unit: Unit,
    pub measured_at: jiff::Timestamp,
}

/// A station and its newest measurement of each pollutant it reports.
#[derive(Clone, Debug, PartialEq)]
pub struct StationObservations {
    pub station_id: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub measurements: Vec<Measurement>,
}

#[async_trait::async_trait]
pub trait AirQualityProvider: Send + Sync {
    /// The stations in `area` with their latest measurements.
    async fn latest_in(&self, area: Area) -> Result<Vec<StationObservations>, ProviderError>;
}
