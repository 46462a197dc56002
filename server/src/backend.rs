//! The server's side of `app::backend::PortalBackend`: what the pages ask, answered from
//! config, storage and the providers.

mod console;
mod reports;
mod residents;

use std::sync::Arc;

use app::{
    account::{
        AdminAccounts, AdminCity, AdminHome, AuditRow, ConsentRequest, DemoMessage, InboxItem,
        MyData, PendingCodeInfo, Profile, ProviderHealth,
    },
    backend::PortalBackend,
    error::AppError,
    i18n::Locale,
    model::{AirReport, CityHome, CitySummary, ServiceKind},
    reports::{MyReport, PublicReports, ReportForm, ReportView},
};

pub use residents::personal_fields;

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

    async fn report_form(
        &self,
        city: &str,
        region: Option<&str>,
        category: Option<&str>,
        draft: Option<&str>,
        locale: Locale,
    ) -> Result<ReportForm, AppError> {
        self.new_report_form(city, region, category, draft, locale.tag())
            .await
    }

    async fn tracked_report(&self, token: &str, locale: Locale) -> Result<ReportView, AppError> {
        self.report_by_token(token, locale.tag()).await
    }

    async fn my_report(
        &self,
        resident: &str,
        reference: &str,
        locale: Locale,
    ) -> Result<ReportView, AppError> {
        self.resident_report(resident, reference, locale.tag())
            .await
    }

    async fn my_reports(&self, resident: &str, locale: Locale) -> Result<Vec<MyReport>, AppError> {
        self.resident_reports(resident, locale.tag()).await
    }

    async fn public_reports(&self, city: &str, locale: Locale) -> Result<PublicReports, AppError> {
        self.city_reports(city, locale.tag()).await
    }

    async fn profile(&self, resident: &str) -> Result<Profile, AppError> {
        self.resident_profile(resident).await
    }

    async fn my_data(&self, resident: &str) -> Result<MyData, AppError> {
        self.resident_data(resident).await
    }

    async fn inbox(&self, resident: &str) -> Result<Vec<InboxItem>, AppError> {
        self.resident_inbox(resident).await
    }

    async fn consent_request(
        &self,
        resident: &str,
        city: &str,
        service: &str,
    ) -> Result<ConsentRequest, AppError> {
        self.resident_consent_request(resident, city, service).await
    }

    async fn pending_code(&self, pending: &str) -> Result<PendingCodeInfo, AppError> {
        self.pending_code_info(pending).await
    }

    async fn demo_outbox(&self) -> Result<Vec<DemoMessage>, AppError> {
        self.outbox()
    }

    async fn admin_home(&self, admin: &str) -> Result<AdminHome, AppError> {
        self.console_home(admin).await
    }

    async fn admin_city(&self, admin: &str, city: &str) -> Result<AdminCity, AppError> {
        self.console_city(admin, city).await
    }

    async fn admin_health(&self, admin: &str, city: &str) -> Result<Vec<ProviderHealth>, AppError> {
        self.console_health(admin, city).await
    }

    async fn admin_audit(&self, admin: &str, city: &str) -> Result<Vec<AuditRow>, AppError> {
        self.console_audit(admin, city).await
    }

    async fn admin_accounts(&self, admin: &str) -> Result<AdminAccounts, AppError> {
        self.console_accounts(admin).await
    }
}

/// The backend as the pages receive it.
pub fn shared(portal: Arc<Portal>) -> app::backend::SharedBackend {
    portal
}
