//! Doctor appointments: a resident chooses a hospital, a department, a day and a doctor's
//! free time over HL7 FHIR R4, books it for themselves or a family member, pays the
//! registration fee where there is one (hold, pay, confirm), and can cancel up to the
//! hospital's cut-off. An appointment is committed here before the hospital is asked, and
//! the hospital finds a resent request by our booking identifier, so nothing is booked twice
//! and no one pays for a slot that is not theirs.

pub mod book;
pub mod directory;
pub mod fhir;
pub mod pages;
pub mod port;
pub mod purpose;
pub mod registration;
pub mod routes;
pub mod simulator;
pub mod store;
pub mod sync;

use std::sync::Arc;

use model::{Locale, LocalizedName, ServiceKind};
use payments::Payments;
use portal_core::{
    config::{no_settings, ServiceSpec},
    portal::Portal,
    privacy::PersonalField,
    providers::registry::{ProviderRegistry, RegistryError},
};

use directory::DirectoryCache;
use fhir::{FhirHospital, HospitalOptions};
use port::Hospital;
use store::AppointmentStore;

/// What a hospital is told of the patient, by real name as Chinese hospitals register.
pub const PATIENT_FIELDS: &[PersonalField] = &[
    PersonalField::DisplayName,
    PersonalField::Sex,
    PersonalField::BirthDate,
    PersonalField::Phone,
    PersonalField::IdNumber,
];

/// Doctor appointments as config knows them: several hospitals per city.
pub const SERVICE: ServiceSpec = ServiceSpec {
    kind: ServiceKind::Appointments,
    several_providers: true,
    personal_fields: PATIENT_FIELDS,
    adapters: &[fhir::ADAPTER],
    job_kinds: &[store::SYNC, store::REMIND],
    check_settings: no_settings,
};

/// What payments know appointment fees by.
pub const PURPOSE: &str = "appointment";

/// One hospital residents of a city can book.
pub struct HospitalEntry {
    pub provider_id: String,
    pub city_id: String,
    pub options: HospitalOptions,
    pub adapter: Arc<dyn Hospital>,
    pub directory: DirectoryCache,
}

impl HospitalEntry {
    pub fn name(&self) -> LocalizedName {
        LocalizedName {
            zh: self.options.name_zh.clone(),
            en: self.options.name_en.clone(),
        }
    }

    pub fn name_in(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.options.name_zh,
            Locale::En => &self.options.name_en,
        }
    }
}

/// Every city's hospitals, built from the registry's connections.
pub struct Hospitals(Vec<Arc<HospitalEntry>>);

impl Hospitals {
    pub fn build(registry: &ProviderRegistry) -> Result<Hospitals, RegistryError> {
        let mut hospitals = Vec::new();
        for connection in registry.connections(ServiceKind::Appointments) {
            if connection.config.adapter != fhir::ADAPTER.id {
                return Err(connection.unknown_adapter());
            }
            let options = HospitalOptions::read(&connection.config.options)
                .map_err(|problem| connection.bad_options(problem))?;
            let base_url = connection.base_url_within("")?;
            let adapter: Arc<dyn Hospital> = Arc::new(FhirHospital::new(
                connection.http.clone(),
                base_url,
                connection.api_key.clone(),
                Arc::clone(&connection.guard),
            ));
            hospitals.push(Arc::new(HospitalEntry {
                provider_id: connection.provider_id().to_owned(),
                city_id: connection.city_id.clone(),
                options,
                directory: DirectoryCache::new(Arc::clone(&adapter)),
                adapter,
            }));
        }
        Ok(Hospitals(hospitals))
    }

    pub fn get(&self, provider_id: &str) -> Option<&Arc<HospitalEntry>> {
        self.0.iter().find(|h| h.provider_id == provider_id)
    }

    pub fn of_city<'a>(
        &'a self,
        city_id: &'a str,
    ) -> impl Iterator<Item = &'a Arc<HospitalEntry>> + 'a {
        self.0.iter().filter(move |h| h.city_id == city_id)
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<HospitalEntry>> {
        self.0.iter()
    }
}

/// Doctor appointments' home.
pub struct DoctorAppointments {
    pub portal: Arc<Portal>,
    /// The shared home the fees are paid through.
    pub payments: Arc<Payments>,
    pub store: AppointmentStore,
    pub hospitals: Arc<Hospitals>,
    /// Until when each hospital's cancellations were read, by provider id.
    watched: std::sync::Mutex<std::collections::HashMap<String, jiff::Timestamp>>,
}

impl DoctorAppointments {
    /// Builds every hospital's adapter and registers what fees pay for with payments.
    pub fn new(
        portal: Arc<Portal>,
        payments: Arc<Payments>,
    ) -> Result<DoctorAppointments, RegistryError> {
        let hospitals = Arc::new(Hospitals::build(&portal.providers)?);
        let store = AppointmentStore::new(portal.storage.clone());
        let time_zones = portal
            .cities
            .all()
            .iter()
            .map(|c| (c.id.clone(), c.time_zone.clone()))
            .collect();
        payments.register(Arc::new(purpose::FeePurpose::new(
            store.clone(),
            Arc::clone(&hospitals),
            time_zones,
        )));
        Ok(DoctorAppointments {
            store,
            hospitals,
            portal,
            payments,
            watched: std::sync::Mutex::default(),
        })
    }

    /// Until when a hospital's cancellations were read, since this process started.
    pub fn watched_since(&self, hospital_id: &str) -> Option<jiff::Timestamp> {
        self.watched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(hospital_id)
            .copied()
    }

    pub(crate) fn watched(&self, hospital_id: &str, until: jiff::Timestamp) {
        self.watched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(hospital_id.to_owned(), until);
    }

    /// The keys of the patients the resident proved: their bookings are the resident's to
    /// see and cancel, whoever made them.
    pub async fn proven_patient_keys(
        &self,
        resident_id: &str,
    ) -> Result<Vec<String>, portal_core::storage::StorageError> {
        Ok(self
            .portal
            .people
            .of(resident_id)
            .await?
            .into_iter()
            .filter_map(|person| person.proven(self.portal.clock().seconds()))
            .map(|person| self.portal.privacy.person_key(&person))
            .collect())
    }

    /// May the resident see and cancel this appointment? They made it, or they proved its
    /// patient.
    pub async fn may_see(
        &self,
        resident_id: &str,
        appointment: &store::Appointment,
    ) -> Result<bool, portal_core::storage::StorageError> {
        if appointment.resident_id.as_deref() == Some(resident_id) {
            return Ok(true);
        }
        Ok(self
            .proven_patient_keys(resident_id)
            .await?
            .contains(&appointment.patient_key))
    }

    /// The city's time zone (slots are shown and days counted in it).
    pub fn time_zone(&self, city_id: &str) -> jiff::tz::TimeZone {
        self.portal
            .cities
            .get(city_id)
            .map_or(jiff::tz::TimeZone::UTC, |c| c.time_zone.clone())
    }
}

/// A time in the city's zone, as residents read it: `2026-11-27 08:00`.
pub fn local_time(at: jiff::Timestamp, time_zone: &jiff::tz::TimeZone) -> String {
    at.to_zoned_datetime(time_zone.clone())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}
