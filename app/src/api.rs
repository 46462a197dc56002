//! Server functions: thin, they check their input and call the backend.

use leptos::prelude::*;

use crate::{
    account::{
        AdminAccounts, AdminCity, AdminHome, AuditRow, ConsentRequest, DemoMessage, InboxItem,
        MyData, PendingCodeInfo, Profile, ProviderHealth,
    },
    error::AppError,
    model::{AirReport, CityHome, CitySummary},
    reports::{MyReport, PublicReports, ReportForm, ReportView},
};

#[server(endpoint = "report-form")]
pub async fn fetch_report_form(
    city: String,
    region: Option<String>,
    category: Option<String>,
    draft: Option<String>,
) -> Result<ReportForm, AppError> {
    check_city(&city)?;
    let category = category.filter(|c| !c.is_empty() && c.len() <= 64);
    let draft = draft.filter(|d| d.len() <= 64);
    crate::backend::backend()?
        .report_form(
            &city,
            known_form(region).as_deref(),
            category.as_deref(),
            draft.as_deref(),
            locale(),
        )
        .await
}

#[server(endpoint = "tracked-report")]
pub async fn fetch_tracked_report(token: String) -> Result<ReportView, AppError> {
    if token.len() > 64 {
        return Err(AppError::NotFound);
    }
    crate::backend::backend()?
        .tracked_report(&token, locale())
        .await
}

#[server(endpoint = "me/report")]
pub async fn fetch_my_report(reference: String) -> Result<ReportView, AppError> {
    let resident = resident_id()?;
    if reference.len() > 32 {
        return Err(AppError::NotFound);
    }
    crate::backend::backend()?
        .my_report(&resident, &reference, locale())
        .await
}

#[server(endpoint = "me/reports")]
pub async fn fetch_my_reports() -> Result<Vec<MyReport>, AppError> {
    crate::backend::backend()?
        .my_reports(&resident_id()?, locale())
        .await
}

#[server(endpoint = "public-reports")]
pub async fn fetch_public_reports(city: String) -> Result<PublicReports, AppError> {
    check_city(&city)?;
    crate::backend::backend()?
        .public_reports(&city, locale())
        .await
}

#[server(endpoint = "cities")]
pub async fn list_cities() -> Result<Vec<CitySummary>, AppError> {
    Ok(crate::backend::backend()?.cities())
}

#[server(endpoint = "city-home")]
pub async fn fetch_city_home(city: String, region: Option<String>) -> Result<CityHome, AppError> {
    check_city(&city)?;
    crate::backend::backend()?
        .city_home(&city, known_form(region).as_deref())
        .await
}

#[server(endpoint = "air-report")]
pub async fn fetch_air_report(city: String, region: Option<String>) -> Result<AirReport, AppError> {
    check_city(&city)?;
    crate::backend::backend()?
        .air_report(&city, known_form(region).as_deref())
        .await
}

/// The language of the page being rendered.
#[cfg(feature = "ssr")]
fn locale() -> crate::i18n::Locale {
    use_context::<crate::i18n::Locale>().unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn check_city(city: &str) -> Result<(), AppError> {
    if crate::prefs::is_id(city) {
        Ok(())
    } else {
        Err(AppError::UnknownCity(city.chars().take(64).collect()))
    }
}

/// A district id that is not even well formed is treated as "not known" rather than refused:
/// the menu then falls back to the whole city.
#[cfg(feature = "ssr")]
fn known_form(region: Option<String>) -> Option<String> {
    region.filter(|r| crate::prefs::is_id(r))
}

/// The signed-in resident's id, or `SignInRequired`.
#[cfg(feature = "ssr")]
fn resident_id() -> Result<String, AppError> {
    crate::account::viewer()
        .resident
        .map(|r| r.id)
        .ok_or(AppError::SignInRequired)
}

/// The signed-in admin's id, or `SignInRequired`. What the admin may see is the backend's
/// check, made on every call.
#[cfg(feature = "ssr")]
fn admin_id() -> Result<String, AppError> {
    crate::account::viewer()
        .admin
        .map(|a| a.id)
        .ok_or(AppError::SignInRequired)
}

#[server(endpoint = "me/profile")]
pub async fn fetch_profile() -> Result<Profile, AppError> {
    crate::backend::backend()?.profile(&resident_id()?).await
}

#[server(endpoint = "me/data")]
pub async fn fetch_my_data() -> Result<MyData, AppError> {
    crate::backend::backend()?.my_data(&resident_id()?).await
}

#[server(endpoint = "me/inbox")]
pub async fn fetch_inbox() -> Result<Vec<InboxItem>, AppError> {
    crate::backend::backend()?.inbox(&resident_id()?).await
}

#[server(endpoint = "me/consent")]
pub async fn fetch_consent_request(
    city: String,
    service: String,
) -> Result<ConsentRequest, AppError> {
    check_city(&city)?;
    crate::backend::backend()?
        .consent_request(&resident_id()?, &city, &service)
        .await
}

#[server(endpoint = "pending-code")]
pub async fn fetch_pending_code(pending: String) -> Result<PendingCodeInfo, AppError> {
    crate::backend::backend()?.pending_code(&pending).await
}

#[server(endpoint = "demo/outbox")]
pub async fn fetch_demo_outbox() -> Result<Vec<DemoMessage>, AppError> {
    crate::backend::backend()?.demo_outbox().await
}

#[server(endpoint = "admin/home")]
pub async fn fetch_admin_home() -> Result<AdminHome, AppError> {
    crate::backend::backend()?.admin_home(&admin_id()?).await
}

#[server(endpoint = "admin/city")]
pub async fn fetch_admin_city(city: String) -> Result<AdminCity, AppError> {
    check_city(&city)?;
    crate::backend::backend()?
        .admin_city(&admin_id()?, &city)
        .await
}

#[server(endpoint = "admin/health")]
pub async fn fetch_admin_health(city: String) -> Result<Vec<ProviderHealth>, AppError> {
    check_city(&city)?;
    crate::backend::backend()?
        .admin_health(&admin_id()?, &city)
        .await
}

#[server(endpoint = "admin/audit")]
pub async fn fetch_admin_audit(city: String) -> Result<Vec<AuditRow>, AppError> {
    check_city(&city)?;
    crate::backend::backend()?
        .admin_audit(&admin_id()?, &city)
        .await
}

#[server(endpoint = "admin/accounts")]
pub async fn fetch_admin_accounts() -> Result<AdminAccounts, AppError> {
    crate::backend::backend()?
        .admin_accounts(&admin_id()?)
        .await
}
