//! Server functions: thin, they check their input's shape and call their area's backend.

use leptos::prelude::*;
use model::{
    account::{
        AdminAccounts, AdminCity, AdminHome, AuditRow, ConsentRequest, DemoMessage, InboxItem,
        MyData, PendingCodeInfo, Profile, ProviderHealth,
    },
    appointments::{ConfirmPage, DepartmentPage, DoctorsPage, MyAppointment, PersonRow},
    bills::BillsPage,
    cameras::{CameraPage, CamerasPage},
    payments::{AdminPayments, PaymentReceipt, PaymentRow},
    reports::{MyReport, PublicReports, ReportForm, ReportView},
    AirReport, CityHome, CitySummary,
};
#[cfg(feature = "ssr")]
use model::{
    ids::{AdminId, CityId, RegionId, ReportReference, ResidentId},
    pages::{
        AccountPages, AirPages, AppointmentPages, BillPages, CameraPages, CityPages, ConsolePages,
        PaymentPages, ReportPages,
    },
    AppError,
};

use crate::error::PageError;
#[cfg(feature = "ssr")]
use crate::request::backend;

#[server(endpoint = "report-form")]
pub async fn fetch_report_form(
    city: String,
    region: Option<String>,
    category: Option<String>,
    draft: Option<String>,
    place: Option<String>,
) -> Result<ReportForm, PageError> {
    let city = check_city(city)?;
    let category = category.filter(|c| !c.is_empty() && c.len() <= 64);
    let draft = draft.filter(|d| d.len() <= 64);
    // A place's name is short: a longer query is not one.
    let place = place.filter(|p| p.len() <= 400);
    let client = crate::request::client_address();
    Ok(backend::<dyn ReportPages>()?
        .report_form(
            &city,
            known_form(region).as_ref(),
            category.as_deref(),
            draft.as_deref(),
            place.as_deref().map(|query| model::reports::PlaceAsk {
                query,
                client: &client,
            }),
            locale(),
        )
        .await?)
}

#[server(endpoint = "tracked-report")]
pub async fn fetch_tracked_report(token: String) -> Result<ReportView, PageError> {
    if token.len() > 64 {
        return Err(AppError::NotFound.into());
    }
    Ok(backend::<dyn ReportPages>()?
        .tracked_report(&token, locale())
        .await?)
}

#[server(endpoint = "me/report")]
pub async fn fetch_my_report(reference: String) -> Result<ReportView, PageError> {
    let resident = resident_id()?;
    if reference.len() > 32 {
        return Err(AppError::NotFound.into());
    }
    Ok(backend::<dyn ReportPages>()?
        .my_report(&resident, &ReportReference::new(reference), locale())
        .await?)
}

#[server(endpoint = "me/reports")]
pub async fn fetch_my_reports() -> Result<Vec<MyReport>, PageError> {
    Ok(backend::<dyn ReportPages>()?
        .my_reports(&resident_id()?, locale())
        .await?)
}

#[server(endpoint = "me/reports-filed-here")]
pub async fn fetch_reports_filed_here() -> Result<Vec<MyReport>, PageError> {
    resident_id()?;
    let tokens =
        model::reports::tokens_filed_here(crate::request::header(http::header::COOKIE).as_deref());
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    Ok(backend::<dyn ReportPages>()?
        .reports_filed_here(&tokens, locale())
        .await?)
}

#[server(endpoint = "bills")]
pub async fn fetch_bills_page(city: String) -> Result<BillsPage, PageError> {
    let city = check_city(city)?;
    Ok(backend::<dyn BillPages>()?
        .bills_page(&resident_id()?, &city, locale())
        .await?)
}

#[server(endpoint = "doctors")]
pub async fn fetch_hospitals(
    city: String,
    region: Option<String>,
) -> Result<DoctorsPage, PageError> {
    let city = check_city(city)?;
    Ok(backend::<dyn AppointmentPages>()?
        .hospitals(&city, known_form(region).as_ref(), locale())
        .await?)
}

#[server(endpoint = "doctors/department")]
pub async fn fetch_department(
    city: String,
    hospital: String,
    department: String,
    day: Option<String>,
) -> Result<DepartmentPage, PageError> {
    let city = check_city(city)?;
    let (hospital, department) = (check_fhir_id(hospital)?, check_fhir_id(department)?);
    let day = day.filter(|d| d.len() == 10);
    Ok(backend::<dyn AppointmentPages>()?
        .department(&city, &hospital, &department, day.as_deref(), locale())
        .await?)
}

#[server(endpoint = "doctors/confirm")]
pub async fn fetch_confirm(
    city: String,
    hospital: String,
    slot: String,
) -> Result<ConfirmPage, PageError> {
    let city = check_city(city)?;
    let resident = resident_id()?;
    let (hospital, slot) = (check_fhir_id(hospital)?, check_fhir_id(slot)?);
    Ok(backend::<dyn AppointmentPages>()?
        .confirm(&resident, &city, &hospital, &slot, locale())
        .await?)
}

#[server(endpoint = "cameras")]
pub async fn fetch_cameras(
    city: String,
    region: Option<String>,
    road: Option<String>,
) -> Result<CamerasPage, PageError> {
    let city = check_city(city)?;
    let road = road.filter(|r| !r.is_empty() && r.len() <= 256);
    let resident = resident_id().ok();
    Ok(backend::<dyn CameraPages>()?
        .cameras(
            &city,
            known_form(region).as_ref(),
            road.as_deref(),
            resident.as_ref(),
            locale(),
        )
        .await?)
}

#[server(endpoint = "camera")]
pub async fn fetch_camera(city: String, camera: String) -> Result<CameraPage, PageError> {
    let city = check_city(city)?;
    let camera = check_camera_id(camera)?;
    let resident = resident_id().ok();
    Ok(backend::<dyn CameraPages>()?
        .camera(&city, &camera, resident.as_ref(), locale())
        .await?)
}

#[server(endpoint = "me/appointments")]
pub async fn fetch_my_appointments() -> Result<Vec<MyAppointment>, PageError> {
    Ok(backend::<dyn AppointmentPages>()?
        .my_appointments(&resident_id()?, locale())
        .await?)
}

#[server(endpoint = "me/family")]
pub async fn fetch_people() -> Result<Vec<PersonRow>, PageError> {
    Ok(backend::<dyn AccountPages>()?
        .people(&resident_id()?)
        .await?)
}

#[server(endpoint = "me/payments")]
pub async fn fetch_my_payments() -> Result<Vec<PaymentRow>, PageError> {
    Ok(backend::<dyn PaymentPages>()?
        .my_payments(&resident_id()?, locale())
        .await?)
}

#[server(endpoint = "me/payment")]
pub async fn fetch_my_payment(id: String) -> Result<PaymentReceipt, PageError> {
    let resident = resident_id()?;
    if id.len() > 64 {
        return Err(AppError::NotFound.into());
    }
    Ok(backend::<dyn PaymentPages>()?
        .my_payment(&resident, &id, locale())
        .await?)
}

#[server(endpoint = "public-reports")]
pub async fn fetch_public_reports(city: String) -> Result<PublicReports, PageError> {
    let city = check_city(city)?;
    Ok(backend::<dyn ReportPages>()?
        .public_reports(&city, locale())
        .await?)
}

#[server(endpoint = "cities")]
pub async fn list_cities() -> Result<Vec<CitySummary>, PageError> {
    Ok(backend::<dyn CityPages>()?.cities())
}

#[server(endpoint = "city-home")]
pub async fn fetch_city_home(city: String, region: Option<String>) -> Result<CityHome, PageError> {
    let city = check_city(city)?;
    Ok(backend::<dyn CityPages>()?
        .city_home(&city, known_form(region).as_ref())
        .await?)
}

#[server(endpoint = "air-report")]
pub async fn fetch_air_report(
    city: String,
    region: Option<String>,
) -> Result<AirReport, PageError> {
    let city = check_city(city)?;
    Ok(backend::<dyn AirPages>()?
        .air_report(&city, known_form(region).as_ref())
        .await?)
}

/// The language of the page being rendered.
#[cfg(feature = "ssr")]
fn locale() -> model::Locale {
    use_context::<model::Locale>().unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn check_city(city: String) -> Result<CityId, AppError> {
    if model::prefs::is_id(&city) {
        Ok(CityId::new(city))
    } else {
        Err(AppError::UnknownCity(city.chars().take(64).collect()))
    }
}

/// A FHIR id (and a provider id): letters, digits, `-` and `.`, at most 64.
#[cfg(feature = "ssr")]
fn check_fhir_id(id: String) -> Result<String, AppError> {
    let shaped = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if shaped {
        Ok(id)
    } else {
        Err(AppError::NotFound)
    }
}

/// A camera's id, as `model::cameras::is_camera_id` says.
#[cfg(feature = "ssr")]
fn check_camera_id(id: String) -> Result<String, AppError> {
    if model::cameras::is_camera_id(&id) {
        Ok(id)
    } else {
        Err(AppError::NotFound)
    }
}

/// A district id that is not even well formed is treated as "not known" rather than refused:
/// the menu then falls back to the whole city.
#[cfg(feature = "ssr")]
fn known_form(region: Option<String>) -> Option<RegionId> {
    region.filter(|r| model::prefs::is_id(r)).map(RegionId::new)
}

/// The signed-in resident, or `SignInRequired`.
#[cfg(feature = "ssr")]
fn resident_id() -> Result<ResidentId, AppError> {
    crate::request::viewer()
        .resident
        .map(|r| ResidentId::new(r.id))
        .ok_or(AppError::SignInRequired)
}

/// The signed-in admin, or `SignInRequired`. What the admin may see is the backend's
/// check, made on every call.
#[cfg(feature = "ssr")]
fn admin_id() -> Result<AdminId, AppError> {
    crate::request::viewer()
        .admin
        .map(|a| AdminId::new(a.id))
        .ok_or(AppError::SignInRequired)
}

#[server(endpoint = "me/profile")]
pub async fn fetch_profile() -> Result<Profile, PageError> {
    Ok(backend::<dyn AccountPages>()?
        .profile(&resident_id()?)
        .await?)
}

#[server(endpoint = "me/data")]
pub async fn fetch_my_data() -> Result<MyData, PageError> {
    Ok(backend::<dyn AccountPages>()?
        .my_data(&resident_id()?)
        .await?)
}

#[server(endpoint = "me/inbox")]
pub async fn fetch_inbox() -> Result<Vec<InboxItem>, PageError> {
    Ok(backend::<dyn AccountPages>()?
        .inbox(&resident_id()?)
        .await?)
}

#[server(endpoint = "me/consent")]
pub async fn fetch_consent_request(
    city: String,
    service: String,
) -> Result<ConsentRequest, PageError> {
    let city = check_city(city)?;
    Ok(backend::<dyn AccountPages>()?
        .consent_request(&resident_id()?, &city, &service)
        .await?)
}

#[server(endpoint = "pending-code")]
pub async fn fetch_pending_code(pending: String) -> Result<PendingCodeInfo, PageError> {
    Ok(backend::<dyn AccountPages>()?
        .pending_code(&pending)
        .await?)
}

#[server(endpoint = "demo/outbox")]
pub async fn fetch_demo_outbox() -> Result<Vec<DemoMessage>, PageError> {
    Ok(backend::<dyn AccountPages>()?.demo_outbox().await?)
}

#[server(endpoint = "admin/home")]
pub async fn fetch_admin_home() -> Result<AdminHome, PageError> {
    Ok(backend::<dyn ConsolePages>()?
        .admin_home(&admin_id()?)
        .await?)
}

#[server(endpoint = "admin/city")]
pub async fn fetch_admin_city(city: String) -> Result<AdminCity, PageError> {
    let city = check_city(city)?;
    Ok(backend::<dyn ConsolePages>()?
        .admin_city(&admin_id()?, &city)
        .await?)
}

#[server(endpoint = "admin/health")]
pub async fn fetch_admin_health(city: String) -> Result<Vec<ProviderHealth>, PageError> {
    let city = check_city(city)?;
    Ok(backend::<dyn ConsolePages>()?
        .admin_health(&admin_id()?, &city)
        .await?)
}

#[server(endpoint = "admin/payments")]
pub async fn fetch_admin_payments(city: String) -> Result<AdminPayments, PageError> {
    let city = check_city(city)?;
    Ok(backend::<dyn PaymentPages>()?
        .admin_payments(&admin_id()?, &city)
        .await?)
}

#[server(endpoint = "admin/audit")]
pub async fn fetch_admin_audit(city: String) -> Result<Vec<AuditRow>, PageError> {
    let city = check_city(city)?;
    Ok(backend::<dyn ConsolePages>()?
        .admin_audit(&admin_id()?, &city)
        .await?)
}

#[server(endpoint = "admin/accounts")]
pub async fn fetch_admin_accounts() -> Result<AdminAccounts, PageError> {
    Ok(backend::<dyn ConsolePages>()?
        .admin_accounts(&admin_id()?)
        .await?)
}
