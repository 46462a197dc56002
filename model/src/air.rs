//! Air quality as the air page shows it: AQI on the city's scale, readings per station.

use serde::{Deserialize, Serialize};

use crate::city::{CitySummary, RegionSummary};

/// An AQI scale a city can choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AqiScale {
    /// China, HJ 633.
    China,
    /// United States EPA.
    UsEpa,
}

impl AqiScale {
    pub fn id(self) -> &'static str {
        match self {
            AqiScale::China => "china",
            AqiScale::UsEpa => "us-epa",
        }
    }
}

/// The six pollutants of both AQI scales.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Pollutant {
    Pm25,
    Pm10,
    O3,
    No2,
    So2,
    Co,
}

impl Pollutant {
    pub const ALL: [Pollutant; 6] = [
        Pollutant::Pm25,
        Pollutant::Pm10,
        Pollutant::O3,
        Pollutant::No2,
        Pollutant::So2,
        Pollutant::Co,
    ];

    /// The symbol, the same in every language.
    pub fn symbol(self) -> &'static str {
        match self {
            Pollutant::Pm25 => "PM2.5",
            Pollutant::Pm10 => "PM10",
            Pollutant::O3 => "O₃",
            Pollutant::No2 => "NO₂",
            Pollutant::So2 => "SO₂",
            Pollutant::Co => "CO",
        }
    }
}

/// An AQI value with its category (1 = best, 6 = worst) on a scale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AqiValue {
    pub scale: AqiScale,
    pub value: u16,
    pub category: u8,
    /// Empty when the air is good enough that no pollutant is called primary.
    pub primary: Vec<Pollutant>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PollutantReading {
    pub pollutant: Pollutant,
    /// As the city's AQI scale states it (its unit and precision).
    pub value: f64,
    pub unit: String,
    /// The decimals the scale states it with.
    pub decimals: u8,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StationReport {
    pub name: String,
    pub region: Option<RegionSummary>,
    pub in_resident_region: bool,
    /// `None` when the station reports no pollutant the scale covers.
    pub aqi: Option<AqiValue>,
    pub readings: Vec<PollutantReading>,
    /// Local time of the newest measurement, `YYYY-MM-DD HH:MM`.
    pub measured_at: String,
}

/// How current the readings are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Freshness {
    Current,
    /// The provider failed; these are the last good readings, fetched this long ago.
    Stale {
        minutes: u32,
    },
    /// The provider failed and nothing good is cached.
    Unavailable,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AirReport {
    pub city: CitySummary,
    pub region: Option<RegionSummary>,
    pub scale: AqiScale,
    pub freshness: Freshness,
    pub stations: Vec<StationReport>,
}
