//! The server's side of `app::backend::PortalBackend`: what the pages ask, answered from
//! config, storage and the providers.

use std::sync::Arc;

use app::{
    backend::PortalBackend,
    error::AppError,
    model::{AirReport, CityHome, CitySummary, ServiceKind},
};

use crate::{cities::Cities, providers::registry::ProviderRegistry, services, storage::Storage};

pub struct Portal {
    pub cities: Cities,
    pub providers: ProviderRegistry,
    pub storage: Storage,
    pub air: services::air::AirService,
    pub overrides: services::overrides::OverrideCache,
}

impl Portal {
    fn city(&self, id: &str) -> Result<&crate::config::CityConfig, AppError> {
        self.cities
            .get(id)
            .ok_or_else(|| AppError::UnknownCity(id.to_owned()))
    }

    /// Is the service switched on where the resident is (or anywhere, with no district)?
    async fn service_available(
        &self,
        city: &crate::config::CityConfig,
        service: ServiceKind,
        region: Option<&str>,
    ) -> Result<bool, AppError> {
        let overrides = self
            .overrides
            .of(&self.storage, &city.id)
            .await
            .map_err(internal)?;
        Ok(match region {
            Some(region) => services::menu::enabled_in(city, service, region, &overrides),
            None => city
                .regions
                .iter()
                .any(|r| services::menu::enabled_in(city, service, &r.id, &overrides)),
        })
    }
}

fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "backend failure");
    AppError::Internal
}

#[async_trait::async_trait]
impl PortalBackend for Portal {
    fn cities(&self) -> Vec<CitySummary> {
        self.cities.all().iter().map(|c| c.summary()).collect()
    }

    async fn city_home(&self, city_id: &str, region: Option<&str>) -> Result<CityHome, AppError> {
        let city = self.city(city_id)?;
        let region = region.and_then(|r| city.region(r));
        let overrides = self
            .overrides
            .of(&self.storage, &city.id)
            .await
            .map_err(internal)?;
        let providers = self.providers.city(&city.id);
        let tiles =
            services::menu::tiles(city, region.map(|r| r.id.as_str()), &overrides, |service| {
                providers
                    .and_then(|p| p.guard(service))
                    .map(|guard| guard.breaker_state())
            });
        Ok(CityHome {
            city: city.summary(),
            regions: city.regions.iter().map(|r| r.summary()).collect(),
            region: region.map(|r| r.summary()),
            tiles,
        })
    }

    async fn air_report(&self, city_id: &str, region: Option<&str>) -> Result<AirReport, AppError> {
        let city = self.city(city_id)?;
        let region = region.filter(|r| city.region(r).is_some());
        let provider = self
            .providers
            .city(&city.id)
            .and_then(|p| p.air.clone())
            .ok_or(AppError::ServiceNotOffered)?;
        if !self
            .service_available(city, ServiceKind::AirQuality, region)
            .await?
        {
            return Err(AppError::ServiceNotOffered);
        }
        Ok(self
            .air
            .report(&self.cities, city, provider.as_ref(), region)
            .await)
    }
}

/// The backend as the pages receive it.
pub fn shared(portal: Arc<Portal>) -> app::backend::SharedBackend {
    portal
}
