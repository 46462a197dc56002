//! The admin console's pages. Each starts by loading the admin and checking the city against
//! `AdminAccount::can_manage`; nothing of a city is read before that check passes.

use model::{
    account::{
        AdminAccounts, AdminCity, AdminHome, AdminRow, AuditRow, DeskQueue, ProviderHealth,
        RegionRow, SwitchCell,
    },
    ids::{AdminId, CityId},
    pages::ConsolePages,
    AppError, ServiceKind,
};

use std::{collections::HashMap, sync::Arc};

use super::{internal, Portal};
use crate::{admin::accounts::AdminAccount, cities, config::CityConfig};

/// What a service adds to its providers' rows on the console's health page: the queue of
/// what waits to be handed to the provider.
#[async_trait::async_trait]
pub trait HealthDetails: Send + Sync {
    async fn queue(&self, provider_id: &str) -> Result<DeskQueue, AppError>;
}

/// Each service's health details, by kind; a service without any shows the guard's alone.
#[derive(Default)]
pub struct ServiceHealth(HashMap<ServiceKind, Arc<dyn HealthDetails>>);

impl ServiceHealth {
    pub fn with(mut self, service: ServiceKind, details: Arc<dyn HealthDetails>) -> Self {
        self.0.insert(service, details);
        self
    }
}

impl Portal {
    /// The admin behind a session, or `SignInRequired` when the account is gone.
    pub async fn admin(&self, admin_id: &str) -> Result<AdminAccount, AppError> {
        self.admins
            .load(admin_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::SignInRequired)
    }

    /// The city, when this admin may manage it. An unknown city and a forbidden one look
    /// the same to the admin: `Forbidden`.
    pub async fn managed_city(
        &self,
        admin_id: &str,
        city_id: &str,
    ) -> Result<(AdminAccount, &CityConfig), AppError> {
        let admin = self.admin(admin_id).await?;
        if !admin.can_manage(city_id) {
            tracing::warn!(admin = %admin.username, city = city_id, "admin refused a city not theirs");
            return Err(AppError::Forbidden);
        }
        let city = self.cities.get(city_id).ok_or(AppError::Forbidden)?;
        Ok((admin, city))
    }
}

#[async_trait::async_trait]
impl ConsolePages for Portal {
    async fn admin_home(&self, admin: &AdminId) -> Result<AdminHome, AppError> {
        let admin_id = admin.as_str();
        let admin = self.admin(admin_id).await?;
        Ok(AdminHome {
            cities: self
                .cities
                .all()
                .iter()
                .filter(|c| admin.can_manage(&c.id))
                .map(CityConfig::summary)
                .collect(),
            username: admin.username,
            is_platform: admin.is_platform,
        })
    }

    async fn admin_city(&self, admin: &AdminId, city: &CityId) -> Result<AdminCity, AppError> {
        let (admin_id, city_id) = (admin.as_str(), city.as_str());
        let (_, city) = self.managed_city(admin_id, city_id).await?;
        let overrides = self
            .storage
            .overrides_of(&city.id)
            .await
            .map_err(internal)?;
        let services: Vec<_> = city.services.iter().map(|s| s.service).collect();
        let rows = city
            .regions
            .iter()
            .map(|region| RegionRow {
                region: region.summary(),
                cells: services
                    .iter()
                    .map(|&service| SwitchCell {
                        service,
                        enabled: cities::menu::enabled_in(city, service, &region.id, &overrides),
                        overridden: overrides
                            .iter()
                            .any(|o| o.service_id == service.id() && o.region_id == region.id),
                    })
                    .collect(),
            })
            .collect();
        let map = cities::map::draw(city, |region| {
            services
                .iter()
                .copied()
                .filter(|&s| !cities::menu::enabled_in(city, s, region, &overrides))
                .collect()
        });
        Ok(AdminCity {
            city: city.summary(),
            services,
            rows,
            map,
        })
    }

    async fn admin_health(
        &self,
        admin: &AdminId,
        city: &CityId,
    ) -> Result<Vec<ProviderHealth>, AppError> {
        let (admin_id, city_id) = (admin.as_str(), city.as_str());
        let (_, city) = self.managed_city(admin_id, city_id).await?;
        let Some(providers) = self.providers.city(&city.id) else {
            return Ok(Vec::new());
        };
        let mut rows = Vec::new();
        for guard in providers.all_guards() {
            let health = guard.health();
            let service = guard.service();
            let queue = match self.health.0.get(&service) {
                Some(details) => Some(details.queue(&health.provider).await?),
                None => None,
            };
            rows.push(ProviderHealth {
                provider_id: health.provider,
                service,
                breaker: health.breaker.to_owned(),
                last_latency_ms: health.last_latency_ms,
                last_error: health.last_error,
                reports: queue,
            });
        }
        Ok(rows)
    }

    async fn admin_audit(&self, admin: &AdminId, city: &CityId) -> Result<Vec<AuditRow>, AppError> {
        let (admin_id, city_id) = (admin.as_str(), city.as_str());
        let (_, city) = self.managed_city(admin_id, city_id).await?;
        Ok(self
            .storage
            .audit_log(&city.id, 200)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|e| AuditRow {
                at: self.local_time(e.at),
                actor: e.actor,
                action: e.action,
                subject: e.subject,
                before: e.before,
                after: e.after,
            })
            .collect())
    }

    async fn admin_accounts(&self, admin: &AdminId) -> Result<AdminAccounts, AppError> {
        let admin_id = admin.as_str();
        let admin = self.admin(admin_id).await?;
        if !admin.is_platform {
            return Err(AppError::Forbidden);
        }
        Ok(AdminAccounts {
            admins: self
                .admins
                .list()
                .await
                .map_err(internal)?
                .into_iter()
                .map(|a| AdminRow {
                    username: a.username,
                    is_platform: a.is_platform,
                    cities: a.cities,
                })
                .collect(),
            cities: self.cities.all().iter().map(CityConfig::summary).collect(),
        })
    }
}
