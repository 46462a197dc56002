//! What the pages need from the server, as a trait. The server crate implements it and
//! hands it in through Leptos context, so the UI never knows which provider serves a city.

use std::sync::Arc;

use leptos::prelude::use_context;

use crate::{
    account::{
        AdminAccounts, AdminCity, AdminHome, AuditRow, ConsentRequest, DemoMessage, InboxItem,
        MyData, PendingCodeInfo, Profile, ProviderHealth,
    },
    error::AppError,
    i18n::Locale,
    model::{AirReport, CityHome, CitySummary},
    reports::{MyReport, PublicReports, ReportForm, ReportView},
};

#[async_trait::async_trait]
pub trait PortalBackend: Send + Sync + 'static {
    /// Every city the portal serves, in display order.
    fn cities(&self) -> Vec<CitySummary>;

    /// A city's service menu for a resident in `region` (or anywhere in the city when `None`).
    async fn city_home(&self, city: &str, region: Option<&str>) -> Result<CityHome, AppError>;

    /// The city's air quality stations, the resident's district first.
    async fn air_report(&self, city: &str, region: Option<&str>) -> Result<AirReport, AppError>;

    // Reports: desks name their categories and questions in `locale` where they can.
    /// The new-report page for a resident in `region`, with the form of `category` if chosen,
    /// filled in from a refused form's `draft` if given.
    async fn report_form(
        &self,
        city: &str,
        region: Option<&str>,
        category: Option<&str>,
        draft: Option<&str>,
        locale: Locale,
    ) -> Result<ReportForm, AppError>;
    /// The report a tracking link opens.
    async fn tracked_report(&self, token: &str, locale: Locale) -> Result<ReportView, AppError>;
    /// One of the resident's own reports.
    async fn my_report(
        &self,
        resident: &str,
        reference: &str,
        locale: Locale,
    ) -> Result<ReportView, AppError>;
    async fn my_reports(&self, resident: &str, locale: Locale) -> Result<Vec<MyReport>, AppError>;
    async fn public_reports(&self, city: &str, locale: Locale) -> Result<PublicReports, AppError>;

    // The resident's own pages: `resident` is the signed-in resident's id.
    async fn profile(&self, resident: &str) -> Result<Profile, AppError>;
    async fn my_data(&self, resident: &str) -> Result<MyData, AppError>;
    async fn inbox(&self, resident: &str) -> Result<Vec<InboxItem>, AppError>;
    async fn consent_request(
        &self,
        resident: &str,
        city: &str,
        service: &str,
    ) -> Result<ConsentRequest, AppError>;
    /// Where the code of a pending sign-up or contact change went.
    async fn pending_code(&self, pending: &str) -> Result<PendingCodeInfo, AppError>;
    /// The demo notification simulator's outbox; `NotFound` outside the demo.
    async fn demo_outbox(&self) -> Result<Vec<DemoMessage>, AppError>;

    // The admin console: `admin` is the signed-in admin's id; every method checks what that
    // admin may see.
    async fn admin_home(&self, admin: &str) -> Result<AdminHome, AppError>;
    async fn admin_city(&self, admin: &str, city: &str) -> Result<AdminCity, AppError>;
    async fn admin_health(&self, admin: &str, city: &str) -> Result<Vec<ProviderHealth>, AppError>;
    async fn admin_audit(&self, admin: &str, city: &str) -> Result<Vec<AuditRow>, AppError>;
    async fn admin_accounts(&self, admin: &str) -> Result<AdminAccounts, AppError>;
}

pub type SharedBackend = Arc<dyn PortalBackend>;

/// The backend of this request.
pub fn backend() -> Result<SharedBackend, AppError> {
    use_context::<SharedBackend>().ok_or(AppError::Internal)
}
