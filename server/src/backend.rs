//! The server's side of `model::pages`: what each area of pages asks, answered from
//! config, storage and the providers.

mod console;
mod reports;
mod residents;

use std::sync::Arc;

use model::{
    ids::{CityId, RegionId},
    pages::{AirPages, CityPages, PageBackends},
    AirReport, AppError, CityHome, CitySummary, ServiceKind,
};

use crate::{
    accounts::Accounts, admin::accounts::Admins, cities::Cities, inbox::Inbox, privacy::Privacy,
    providers::registry::ProviderRegistry, services, simulators::notify::Outbox, storage::Storage,
};

pub struct Portal {
    pub cities: Cities,
    pub providers: ProviderRegistry,
    pub storage: Storage,
    pub air: services::air::AirService,
    pub overrides: services::overrides::OverrideCache,
    pub accounts: Accounts,
    pub privacy: Privacy,
    pub inbox: Inbox,
    pub admins: Admins,
    pub reports: crate::reports::Reports,
    /// The durable queue of every hand-off to a provider.
    pub jobs: crate::jobs::Jobs,
    /// Reports a resident (or a client address) may file an hour; 0: no limit.
    pub report_limit_per_hour: i64,
    /// Each desk's categories and definitions, cached.
    pub reports_catalogue: crate::reports::catalogue::Catalogue,
    /// The notification simulator's outbox, when the demo runs it.
    pub demo_outbox: Option<Arc<Outbox>>,
    /// Times shown to people are in this zone (the first city's).
    pub display_time_zone: jiff::tz::TimeZone,
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

pub(crate) fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "backend failure");
    AppError::Internal
}

#[async_trait::async_trait]
impl CityPages for Portal {
    fn cities(&self) -> Vec<CitySummary> {
        self.cities.all().iter().map(|c| c.summary()).collect()
    }

    async fn city_home(
        &self,
        city: &CityId,
        region: Option<&RegionId>,
    ) -> Result<CityHome, AppError> {
        let city = self.city(city.as_str())?;
        let region = region.and_then(|r| city.region(r.as_str()));
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
}

#[async_trait::async_trait]
impl AirPages for Portal {
    async fn air_report(
        &self,
        city: &CityId,
        region: Option<&RegionId>,
    ) -> Result<AirReport, AppError> {
        let city = self.city(city.as_str())?;
        let region = region
            .map(RegionId::as_str)
            .filter(|r| city.region(r).is_some());
        let providers = self.providers.city(&city.id);
        let provider = providers
            .and_then(|p| p.air.clone())
            .ok_or(AppError::ServiceNotOffered)?;
        let timeout = providers
            .and_then(|p| p.guard(ServiceKind::AirQuality))
            .map_or(std::time::Duration::from_secs(3), |g| g.timeout());
        if !self
            .service_available(city, ServiceKind::AirQuality, region)
            .await?
        {
            return Err(AppError::ServiceNotOffered);
        }
        Ok(self
            .air
            .report(&self.cities, city, provider, timeout, region)
            .await)
    }
}

/// Every page area's backend. Until each service has a home of its own, the portal answers
/// them all.
pub fn page_backends(portal: Arc<Portal>) -> PageBackends {
    PageBackends {
        city: portal.clone(),
        air: portal.clone(),
        reports: portal.clone(),
        account: portal.clone(),
        console: portal,
    }
}
