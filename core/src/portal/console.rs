//! The admin console's pages. Each starts by loading the admin and checking the city against
//! `AdminAccount::can_manage`; nothing of a city is read before that check passes.

use model::{
    account::{
        AdminAccounts, AdminCity, AdminHome, AdminRow, AuditRow, HandoffQueue, ProviderHealth,
        RegionRow, SwitchCell,
    },
    ids::{AdminId, CityId},
    pages::ConsolePages,
    AppError, ServiceKind,
};

use std::{collections::HashMap, sync::Arc};

use super::{internal, Portal};
use crate::{admin::accounts::AdminAccount, cities, config::CityConfig};

/// What a service adds to its providers' rows on the console's health page, beside the
/// queue of its jobs: figures of its own, each a message key taking `$count` and the count
/// (a desk's reports not accepted this week).
#[async_trait::async_trait]
pub trait HealthDetails: Send + Sync {
    async fn figures(&self, provider_id: &str) -> Result<Vec<(String, i64)>, AppError>;
}

/// Each service's health details, by kind; a service without any shows the guard's alone.
/// A service registers its own when its home is built, after the portal.
#[derive(Default)]
pub struct ServiceHealth(std::sync::RwLock<HashMap<ServiceKind, Arc<dyn HealthDetails>>>);

impl ServiceHealth {
    pub fn register(&self, service: ServiceKind, details: Arc<dyn HealthDetails>) {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(service, details);
    }

    fn of(&self, service: ServiceKind) -> Option<Arc<dyn HealthDetails>> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&service)
            .cloned()
    }
}

impl Portal {
    /// What waits to be handed to a provider: its service's one-off jobs for it, with the
    /// service's own figures. `None` for a service that hands nothing off.
    async fn handoff_queue(
        &self,
        service: ServiceKind,
        provider_id: &str,
    ) -> Result<Option<HandoffQueue>, AppError> {
        let kinds = self
            .known
            .service(service)
            .map_or(&[][..], |spec| spec.job_kinds);
        if kinds.is_empty() {
            return Ok(None);
        }
        let mut queue = HandoffQueue {
            due: 0,
            due_for_minutes: None,
            scheduled: 0,
            figures: Vec::new(),
        };
        for kind in kinds {
            let backlog = self
                .jobs
                .depth_of(kind, provider_id)
                .await
                .map_err(internal)?;
            queue.due += backlog.due;
            queue.scheduled += backlog.scheduled;
            queue.due_for_minutes = queue
                .due_for_minutes
                .max(backlog.due_for_seconds.map(|s| s / 60));
        }
        if let Some(details) = self.health.of(service) {
            queue.figures = details
                .figures(provider_id)
                .await?
                .into_iter()
                .filter(|(_, count)| *count != 0)
                .collect();
        }
        Ok(Some(queue))
    }

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
        // One column per service, however many providers serve it (desks, hospitals),
        // in the menu's order.
        let services: Vec<_> = ServiceKind::ALL
            .into_iter()
            .filter(|kind| city.services.iter().any(|s| s.service == *kind))
            .collect();
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
            // A queue that cannot be read leaves its row without one, not the page blank:
            // the operator needs the guards' health most when the database struggles.
            let queue = match self.handoff_queue(service, &health.provider).await {
                Ok(queue) => queue,
                Err(error) => {
                    tracing::warn!(provider = %health.provider, ?error, "hand-off queue not read");
                    None
                }
            };
            rows.push(ProviderHealth {
                provider_id: health.provider,
                service,
                breaker: health.breaker.to_owned(),
                last_latency_ms: health.last_latency_ms,
                last_error: health.last_error,
                queue,
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
                // A switch's subject is `{service}/{district}` ("*": every district): named
                // for the page to say in words.
                switched: (e.action == "set_service_override")
                    .then(|| e.subject.split_once('/'))
                    .flatten()
                    .and_then(|(service, region)| {
                        let service = model::ServiceKind::from_id(service)?;
                        let district = city
                            .regions
                            .iter()
                            .find(|r| r.id == region)
                            .map(|r| r.name.clone());
                        Some((service, district))
                    }),
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
