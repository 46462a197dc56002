//! Air quality's own settings for a city (`[settings.air]` in its file), whatever adapter
//! serves it.

use model::{AqiScale, ServiceKind};
use portal_core::config::{read_options, CityConfig};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    /// "china" (HJ 633, the default) or "us-epa".
    aqi_scale: Option<String>,
}

/// What a city has chosen for its air page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AirSettings {
    pub aqi_scale: AqiScale,
}

impl AirSettings {
    pub fn read(table: &toml::Table) -> Result<AirSettings, String> {
        let file: SettingsFile = read_options(table)?;
        let aqi_scale = match file.aqi_scale.as_deref() {
            None | Some("china") => AqiScale::China,
            Some("us-epa") => AqiScale::UsEpa,
            Some(other) => {
                return Err(format!(
                    "aqi_scale: unknown scale '{other}' (known: china, us-epa)"
                ))
            }
        };
        Ok(AirSettings { aqi_scale })
    }

    /// The city's settings; config checked them at start-up, so the defaults stand in only
    /// for a city built by hand.
    pub fn of(city: &CityConfig) -> AirSettings {
        AirSettings::read(city.settings(ServiceKind::AirQuality)).unwrap_or(AirSettings {
            aqi_scale: AqiScale::China,
        })
    }
}

pub fn check(table: &toml::Table) -> Result<(), String> {
    AirSettings::read(table).map(drop)
}
