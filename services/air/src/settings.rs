//! Air quality's own settings for a city (`[settings.air]` in its file), whatever adapter
//! serves it.

use model::{AqiScale, ServiceKind};
use portal_core::config::CityConfig;

/// What a city has chosen for its air page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AirSettings {
    /// "china" (HJ 633, the default) or "us-epa".
    pub aqi_scale: AqiScale,
}

impl Default for AirSettings {
    fn default() -> Self {
        AirSettings {
            aqi_scale: AqiScale::China,
        }
    }
}

impl AirSettings {
    /// Reads `[settings.air]`; the problem names the setting at fault.
    pub fn read(table: &toml::Table) -> Result<AirSettings, String> {
        let mut settings = AirSettings::default();
        for (name, value) in table {
            match (name.as_str(), value) {
                ("aqi_scale", toml::Value::String(scale)) => {
                    settings.aqi_scale = match scale.as_str() {
                        "china" => AqiScale::China,
                        "us-epa" => AqiScale::UsEpa,
                        other => {
                            return Err(format!(
                                "aqi_scale: unknown scale '{other}' (known: china, us-epa)"
                            ))
                        }
                    }
                }
                ("aqi_scale", _) => return Err("aqi_scale: must be text".into()),
                (other, _) => return Err(format!("unknown setting '{other}' (known: aqi_scale)")),
            }
        }
        Ok(settings)
    }

    /// The city's settings; config checked them at start-up, so the defaults stand in only
    /// for a city built by hand.
    pub fn of(city: &CityConfig) -> AirSettings {
        AirSettings::read(city.settings(ServiceKind::AirQuality)).unwrap_or_default()
    }
}

pub fn check(table: &toml::Table) -> Result<(), String> {
    AirSettings::read(table).map(drop)
}
