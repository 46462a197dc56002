//! What each area of pages needs from the server, one trait per area. The server provides
//! each as `Arc<dyn …>` in Leptos context; the service that owns the area implements it, so
//! the pages never know which provider serves a city and no one method list grows with every
//! service.
//!
//! Ids arrive checked for shape only (see `prefs::is_id`); each method checks what they name.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{
    account::{
        AdminAccounts, AdminCity, AdminHome, AuditRow, ConsentRequest, DemoMessage, InboxItem,
        MyData, PendingCodeInfo, Profile, ProviderHealth,
    },
    air::AirReport,
    appointments::{ConfirmPage, DepartmentPage, DoctorsPage, MyAppointment, PersonRow},
    bills::BillsPage,
    cameras::{CameraPage, CamerasPage},
    city::{CityHome, CitySummary},
    error::AppError,
    i18n::Locale,
    ids::{AdminId, CityId, RegionId, ReportReference, ResidentId},
    payments::{AdminPayments, PaymentReceipt, PaymentRow},
    reports::{MyReport, PlaceAsk, PublicReports, ReportForm, ReportView},
};

/// The portal's front pages: the cities and each city's service menu.
#[async_trait]
pub trait CityPages: Send + Sync + 'static {
    /// Every city the portal serves, in display order.
    fn cities(&self) -> Vec<CitySummary>;

    /// A city's service menu for a resident in `region` (or anywhere in the city when `None`).
    async fn city_home(
        &self,
        city: &CityId,
        region: Option<&RegionId>,
    ) -> Result<CityHome, AppError>;
}

/// The air quality page.
#[async_trait]
pub trait AirPages: Send + Sync + 'static {
    /// The city's air quality stations, the resident's district first.
    async fn air_report(
        &self,
        city: &CityId,
        region: Option<&RegionId>,
    ) -> Result<AirReport, AppError>;
}

/// The incident report pages. Desks name their categories and questions in `locale` where
/// they can.
#[async_trait]
pub trait ReportPages: Send + Sync + 'static {
    /// The new-report page for a resident in `region`, with the form of `category` if chosen,
    /// filled in from a refused form's `draft` if given, with the places the address search
    /// finds for `place` if asked.
    async fn report_form(
        &self,
        city: &CityId,
        region: Option<&RegionId>,
        category: Option<&str>,
        draft: Option<&str>,
        place: Option<PlaceAsk<'_>>,
        locale: Locale,
    ) -> Result<ReportForm, AppError>;
    /// The report a tracking link opens.
    async fn tracked_report(&self, token: &str, locale: Locale) -> Result<ReportView, AppError>;
    /// One of the resident's own reports.
    async fn my_report(
        &self,
        resident: &ResidentId,
        reference: &ReportReference,
        locale: Locale,
    ) -> Result<ReportView, AppError>;
    async fn my_reports(
        &self,
        resident: &ResidentId,
        locale: Locale,
    ) -> Result<Vec<MyReport>, AppError>;
    /// The reports this browser filed without an account (their private links, `tokens`)
    /// that no account holds yet: offered to the signed-in resident.
    async fn reports_filed_here(
        &self,
        tokens: &[String],
        locale: Locale,
    ) -> Result<Vec<MyReport>, AppError>;
    async fn public_reports(
        &self,
        city: &CityId,
        locale: Locale,
    ) -> Result<PublicReports, AppError>;
}

/// The utility bills page: `resident` is the signed-in resident.
#[async_trait]
pub trait BillPages: Send + Sync + 'static {
    /// The city's billers and the resident's saved accounts with their open bills.
    async fn bills_page(
        &self,
        resident: &ResidentId,
        city: &CityId,
        locale: Locale,
    ) -> Result<BillsPage, AppError>;
}

/// The doctor appointment pages: `resident` is the signed-in resident, where there is one.
#[async_trait]
pub trait AppointmentPages: Send + Sync + 'static {
    /// The city's hospitals and their departments, the resident's district first.
    async fn hospitals(
        &self,
        city: &CityId,
        region: Option<&RegionId>,
        locale: Locale,
    ) -> Result<DoctorsPage, AppError>;
    /// A department's doctors and their free times on `day` (`YYYY-MM-DD`, the city's; the
    /// first day when `None`).
    async fn department(
        &self,
        city: &CityId,
        hospital: &str,
        department: &str,
        day: Option<&str>,
        locale: Locale,
    ) -> Result<DepartmentPage, AppError>;
    /// A chosen time, to confirm for one of the resident's people.
    async fn confirm(
        &self,
        resident: &ResidentId,
        city: &CityId,
        hospital: &str,
        slot: &str,
        locale: Locale,
    ) -> Result<ConfirmPage, AppError>;
    async fn my_appointments(
        &self,
        resident: &ResidentId,
        locale: Locale,
    ) -> Result<Vec<MyAppointment>, AppError>;
}

/// The traffic camera pages: `resident` is the signed-in resident, where there is one (their
/// stars come first).
#[async_trait]
pub trait CameraPages: Send + Sync + 'static {
    /// The city's cameras, starred first, then by road from the resident's district;
    /// `road` keeps one road's.
    async fn cameras(
        &self,
        city: &CityId,
        region: Option<&RegionId>,
        road: Option<&str>,
        resident: Option<&ResidentId>,
        locale: Locale,
    ) -> Result<CamerasPage, AppError>;
    /// One camera and its latest frame.
    async fn camera(
        &self,
        city: &CityId,
        camera: &str,
        resident: Option<&ResidentId>,
        locale: Locale,
    ) -> Result<CameraPage, AppError>;
}

/// The payment pages: the resident's own (`resident` is the signed-in resident) and the
/// console's.
#[async_trait]
pub trait PaymentPages: Send + Sync + 'static {
    async fn my_payments(
        &self,
        resident: &ResidentId,
        locale: Locale,
    ) -> Result<Vec<PaymentRow>, AppError>;
    /// One payment; an open one is first asked about at its provider.
    async fn my_payment(
        &self,
        resident: &ResidentId,
        payment: &str,
        locale: Locale,
    ) -> Result<PaymentReceipt, AppError>;
    /// A city's payments in the console, for an admin who may manage the city.
    async fn admin_payments(
        &self,
        admin: &AdminId,
        city: &CityId,
    ) -> Result<AdminPayments, AppError>;
}

/// The resident's own pages: `resident` is the signed-in resident.
#[async_trait]
pub trait AccountPages: Send + Sync + 'static {
    async fn profile(&self, resident: &ResidentId) -> Result<Profile, AppError>;
    async fn my_data(&self, resident: &ResidentId) -> Result<MyData, AppError>;
    async fn inbox(&self, resident: &ResidentId) -> Result<Vec<InboxItem>, AppError>;
    async fn consent_request(
        &self,
        resident: &ResidentId,
        city: &CityId,
        service: &str,
    ) -> Result<ConsentRequest, AppError>;
    /// Where the code of a pending sign-up or contact change went.
    async fn pending_code(&self, pending: &str) -> Result<PendingCodeInfo, AppError>;
    /// The people the resident books for: themselves and their family.
    async fn people(&self, resident: &ResidentId) -> Result<Vec<PersonRow>, AppError>;
    /// The demo notification simulator's outbox; `NotFound` outside the demo.
    async fn demo_outbox(&self) -> Result<Vec<DemoMessage>, AppError>;
}

/// The admin console: `admin` is the signed-in admin; every method checks what that admin
/// may see.
#[async_trait]
pub trait ConsolePages: Send + Sync + 'static {
    async fn admin_home(&self, admin: &AdminId) -> Result<AdminHome, AppError>;
    async fn admin_city(&self, admin: &AdminId, city: &CityId) -> Result<AdminCity, AppError>;
    async fn admin_health(
        &self,
        admin: &AdminId,
        city: &CityId,
    ) -> Result<Vec<ProviderHealth>, AppError>;
    async fn admin_audit(&self, admin: &AdminId, city: &CityId) -> Result<Vec<AuditRow>, AppError>;
    async fn admin_accounts(&self, admin: &AdminId) -> Result<AdminAccounts, AppError>;
}

/// Every page area's backend, as the server hands them to the page renderer, by the trait it
/// implements (`dyn AirPages`, …): the shared areas put theirs in, and each service its own,
/// so that a new service's page needs no field here.
#[derive(Clone, Default)]
pub struct PageBackends(
    std::collections::HashMap<std::any::TypeId, Arc<dyn std::any::Any + Send + Sync>>,
);

impl PageBackends {
    /// Makes `backend` the one that answers the area `Area` (`dyn AirPages`, …).
    pub fn provide<Area: ?Sized + Send + Sync + 'static>(&mut self, backend: Arc<Area>) {
        self.0
            .insert(std::any::TypeId::of::<Area>(), Arc::new(backend));
    }

    /// The backend of the area `Area`, if one was provided.
    pub fn get<Area: ?Sized + Send + Sync + 'static>(&self) -> Option<Arc<Area>> {
        self.0
            .get(&std::any::TypeId::of::<Area>())?
            .downcast_ref::<Arc<Area>>()
            .cloned()
    }

    /// How many areas have a backend.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
