//! The portal's shared machinery, which every service works from and which names no
//! service, and the server's side of the shared page areas (the city's home, the account,
//! the console).

mod console;
mod residents;

use std::sync::Arc;

use model::{
    ids::{CityId, RegionId},
    pages::CityPages,
    AppError, CityHome, CitySummary, ServiceKind,
};

use crate::{
    accounts::Accounts,
    admin::accounts::Admins,
    cities::{self, overrides::OverrideCache, Cities},
    config::Known,
    inbox::Inbox,
    jobs::Jobs,
    privacy::Privacy,
    providers::registry::ProviderRegistry,
    simulators::notify::Outbox,
    storage::Storage,
};

pub use console::{HealthDetails, ServiceHealth};

/// What every service shares.
pub struct Portal {
    pub cities: Cities,
    /// Every provider config names, connected (each service builds its adapters from it).
    pub providers: ProviderRegistry,
    pub storage: Storage,
    pub overrides: OverrideCache,
    pub accounts: Accounts,
    pub privacy: Privacy,
    /// The people residents act for (themselves, their family), for bookings by real name.
    pub people: crate::people::People,
    /// The carriers' three-factor check that proves a person ([`crate::people::proof`]).
    pub identity_check: Arc<dyn crate::people::three_factor::IdentityCheck>,
    pub inbox: Inbox,
    pub admins: Admins,
    /// The durable queue of every hand-off to a provider.
    pub jobs: Jobs,
    /// The services and simulators this build has (the server's catalog).
    pub known: &'static Known,
    /// What services add to their providers' rows on the console's health page.
    pub health: ServiceHealth,
    /// The notification simulator's outbox, when the demo runs it.
    pub demo_outbox: Option<Arc<Outbox>>,
    /// Times shown to people are in this zone (the first city's).
    pub display_time_zone: jiff::tz::TimeZone,
    /// The map's tiles and address search.
    pub maps: Arc<crate::maps::Maps>,
}

impl Portal {
    /// What "now" is for every service (the storage's clock).
    pub fn clock(&self) -> &crate::clock::Clock {
        self.storage.clock()
    }

    pub fn city(&self, id: &str) -> Result<&crate::config::CityConfig, AppError> {
        self.cities
            .get(id)
            .ok_or_else(|| AppError::UnknownCity(id.to_owned()))
    }

    /// Is the service switched on where the resident is (or anywhere, with no district)?
    pub async fn service_available(
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
            Some(region) => cities::menu::enabled_in(city, service, region, &overrides),
            None => city
                .regions
                .iter()
                .any(|r| cities::menu::enabled_in(city, service, &r.id, &overrides)),
        })
    }
}

pub fn internal(error: impl std::fmt::Display) -> AppError {
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
            cities::menu::tiles(city, region.map(|r| r.id.as_str()), &overrides, |service| {
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
