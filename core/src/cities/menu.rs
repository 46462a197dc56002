//! Which tiles a resident sees: a service shows when config offers it in the resident's
//! district, no admin override switched it off there, and its adapter is wired.

use model::{ServiceKind, Tile};

use crate::{config::CityConfig, providers::breaker::BreakerState, storage::ServiceOverride};

/// Is `service` enabled in `region`, config first, then the admin's override?
pub fn enabled_in(
    city: &CityConfig,
    service: ServiceKind,
    region: &str,
    overrides: &[ServiceOverride],
) -> bool {
    let by_config = city
        .services
        .iter()
        .any(|s| s.service == service && s.regions.iter().any(|r| r == region));
    overrides
        .iter()
        .find(|o| o.service_id == service.id() && o.region_id == region)
        .map_or(by_config, |o| o.enabled)
}

/// The tiles for a resident in `region`; with no known district, every service enabled in
/// at least one district of the city shows.
pub fn tiles(
    city: &CityConfig,
    region: Option<&str>,
    overrides: &[ServiceOverride],
    breaker_state: impl Fn(ServiceKind) -> Option<BreakerState>,
) -> Vec<Tile> {
    let mut tiles: Vec<Tile> = Vec::new();
    for service in city.services.iter().map(|s| s.service) {
        if !service.is_tile() || tiles.iter().any(|t| t.service == service) {
            continue;
        }
        let enabled = match region {
            Some(region) => enabled_in(city, service, region, overrides),
            None => city
                .regions
                .iter()
                .any(|r| enabled_in(city, service, &r.id, overrides)),
        };
        // No wired adapter means the service cannot work: no tile.
        let Some(state) = breaker_state(service) else {
            continue;
        };
        if enabled {
            tiles.push(Tile {
                service,
                degraded: state == BreakerState::Open,
            });
        }
    }
    tiles
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use geo::MultiPolygon;
    use model::LocalizedName;

    use super::*;
    use crate::{config::ServiceConfig, regions::Region};

    fn city() -> CityConfig {
        let region = |id: &str| Region {
            id: id.into(),
            name: LocalizedName {
                zh: id.into(),
                en: id.into(),
            },
            boundary: MultiPolygon::new(vec![]),
        };
        CityConfig {
            id: "testcity".into(),
            name: LocalizedName {
                zh: "测试".into(),
                en: "Test".into(),
            },
            time_zone: jiff::tz::TimeZone::UTC,
            regions: vec![region("north"), region("south"), region("east")],
            map_tiles: None,
            places: None,
            service_settings: Default::default(),
            services: vec![ServiceConfig {
                service: ServiceKind::AirQuality,
                provider_id: "air".into(),
                adapter: "openaq-v3",
                base_url: url::Url::parse("http://127.0.0.1:9/").expect("valid url"),
                api_key_env: None,
                timeout: Duration::from_secs(1),
                regions: vec!["north".into(), "south".into()],
                account: crate::config::AccountType::Service,
                options: toml::Table::new(),
            }],
        }
    }

    fn off(region: &str) -> ServiceOverride {
        ServiceOverride {
            city_id: "testcity".into(),
            service_id: "air".into(),
            region_id: region.into(),
            enabled: false,
        }
    }

    fn closed(_: ServiceKind) -> Option<BreakerState> {
        Some(BreakerState::Closed)
    }

    #[test]
    fn config_decides_without_overrides() {
        let city = city();
        assert_eq!(tiles(&city, Some("north"), &[], closed).len(), 1);
        assert!(tiles(&city, Some("east"), &[], closed).is_empty());
        assert_eq!(tiles(&city, None, &[], closed).len(), 1);
    }

    #[test]
    fn an_override_switches_one_region_only() {
        let city = city();
        let overrides = [off("north")];
        assert!(tiles(&city, Some("north"), &overrides, closed).is_empty());
        assert_eq!(tiles(&city, Some("south"), &overrides, closed).len(), 1);
        let mut on_east = off("east");
        on_east.enabled = true;
        assert_eq!(tiles(&city, Some("east"), &[on_east], closed).len(), 1);
    }

    #[test]
    fn open_breaker_marks_the_tile_and_no_adapter_hides_it() {
        let city = city();
        let open = tiles(&city, Some("north"), &[], |_| Some(BreakerState::Open));
        assert!(open[0].degraded);
        assert!(tiles(&city, Some("north"), &[], |_| None).is_empty());
    }
}
