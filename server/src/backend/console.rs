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

use super::{internal, Portal};
use crate::{admin::accounts::AdminAccount, config::CityConfig, services};

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
                        enabled: services::menu::enabled_in(city, service, &region.id, &overrides),
                        overridden: overrides
                            .iter()
                            .any(|o| o.service_id == service.id() && o.region_id == region.id),
                    })
                    .collect(),
            })
            .collect();
        let map = services::city_map::draw(city, |region| {
            services
                .iter()
                .copied()
                .filter(|&s| !services::menu::enabled_in(city, s, region, &overrides))
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
            // A desk's row also says how its reports are doing.
            let queue = if service == ServiceKind::IncidentReports {
                Some(
                    self.reports
                        .queue_of(&health.provider)
                        .await
                        .map_err(internal)?,
                )
            } else {
                None
            };
            rows.push(ProviderHealth {
                provider_id: health.provider,
                service,
                breaker: health.breaker.to_owned(),
                last_latency_ms: health.last_latency_ms,
                last_error: health.last_error,
                reports: queue.map(|q| DeskQueue {
                    waiting: q.waiting,
                    oldest_waiting_minutes: q.oldest_waiting_seconds.map(|s| s / 60),
                    refused_this_week: q.refused_this_week,
                }),
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
