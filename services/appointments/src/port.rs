//! What the portal asks of a hospital, in its own terms. HL7 FHIR R4 is the one protocol
//! today ([`crate::fhir`]).

use model::{LocalizedName, Money};
use portal_core::providers::ProviderError;

/// A department (FHIR `HealthcareService`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Department {
    pub id: String,
    pub name: LocalizedName,
}

/// A doctor in a department (FHIR `PractitionerRole` with its `Practitioner`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doctor {
    /// The `PractitionerRole`'s id: a doctor in one department.
    pub id: String,
    /// In the hospital's language and, where it says it (FHIR's `translation`), English.
    pub name: LocalizedName,
    /// Chief physician, attending physician, …
    pub title: LocalizedName,
    pub department_id: String,
    /// The registration fee; zero when none is charged.
    pub fee: Money,
    /// Where the doctor sees patients (a clinic room), when the hospital says.
    pub place: Option<LocalizedName>,
    /// The doctor's schedules, whose slots are theirs.
    pub schedules: Vec<String>,
}

/// What a hospital offers: its departments and their doctors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directory {
    /// Where the hospital is and its phone (FHIR `Organization`), when it says.
    pub address: Option<String>,
    pub phone: Option<String>,
    pub departments: Vec<Department>,
    pub doctors: Vec<Doctor>,
}

impl Directory {
    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    pub fn doctor(&self, id: &str) -> Option<&Doctor> {
        self.doctors.iter().find(|d| d.id == id)
    }

    /// The doctor whose schedule holds a slot.
    pub fn doctor_of_schedule(&self, schedule_id: &str) -> Option<&Doctor> {
        self.doctors
            .iter()
            .find(|d| d.schedules.iter().any(|s| s == schedule_id))
    }
}

/// A time a doctor can see a patient (FHIR `Slot`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub id: String,
    pub schedule_id: String,
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
    pub free: bool,
}

/// An appointment's status, as FHIR R4 defines them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppointmentStatus {
    Proposed,
    Pending,
    Booked,
    Arrived,
    Fulfilled,
    Cancelled,
    Noshow,
    EnteredInError,
    CheckedIn,
    Waitlist,
}

impl AppointmentStatus {
    pub const ALL: [AppointmentStatus; 10] = [
        AppointmentStatus::Proposed,
        AppointmentStatus::Pending,
        AppointmentStatus::Booked,
        AppointmentStatus::Arrived,
        AppointmentStatus::Fulfilled,
        AppointmentStatus::Cancelled,
        AppointmentStatus::Noshow,
        AppointmentStatus::EnteredInError,
        AppointmentStatus::CheckedIn,
        AppointmentStatus::Waitlist,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AppointmentStatus::Proposed => "proposed",
            AppointmentStatus::Pending => "pending",
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Arrived => "arrived",
            AppointmentStatus::Fulfilled => "fulfilled",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::Noshow => "noshow",
            AppointmentStatus::EnteredInError => "entered-in-error",
            AppointmentStatus::CheckedIn => "checked-in",
            AppointmentStatus::Waitlist => "waitlist",
        }
    }

    pub fn from_code(code: &str) -> Option<AppointmentStatus> {
        AppointmentStatus::ALL
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// The slot is no longer the patient's.
    pub fn is_off(self) -> bool {
        matches!(
            self,
            AppointmentStatus::Cancelled | AppointmentStatus::EnteredInError
        )
    }
}

/// An appointment as the hospital holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldAppointment {
    /// The hospital's id of it.
    pub id: String,
    /// Our booking id, from the identifier we gave it.
    pub booking_id: Option<String>,
    pub status: AppointmentStatus,
    pub slot_id: Option<String>,
    /// A pending appointment is held until then.
    pub hold_expires_at: Option<jiff::Timestamp>,
    /// Why it was cancelled, in the hospital's words.
    pub cancellation_reason: Option<String>,
    /// Cancelled on the patient's side (by the portal, or the patient at the hospital), not
    /// by the hospital.
    pub cancelled_by_patient: bool,
}

/// The patient as the hospital is told of them: the hospital's pseudonymous id of the person
/// and the fields the resident agreed to share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatientDetails {
    pub identifier: String,
    pub name: Option<String>,
    pub sex: Option<String>,
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    /// The identity document's number, with its kind.
    pub id_number: Option<(portal_core::people::IdType, String)>,
}

/// An appointment to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAppointment<'a> {
    /// Ours: the hospital finds a resent request by it and never books twice.
    pub booking_id: &'a str,
    pub slot: &'a Slot,
    pub doctor_id: &'a str,
    pub patient_id: &'a str,
    /// `Pending` while a fee is to be paid; `Booked` otherwise.
    pub status: AppointmentStatus,
}

/// Why a hospital said no, in the portal's terms.
#[derive(Clone, Debug, thiserror::Error)]
pub enum HospitalError {
    /// The slot was taken by someone else meanwhile.
    #[error("the slot is taken")]
    SlotTaken,
    #[error("not found")]
    NotFound,
    /// Changed by someone else since it was read.
    #[error("changed meanwhile")]
    VersionConflict,
    #[error("refused: {0}")]
    Refused(String),
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

#[async_trait::async_trait]
pub trait Hospital: Send + Sync {
    /// The hospital's departments and doctors.
    async fn directory(&self) -> Result<Directory, HospitalError>;

    /// Free slots of `schedules` starting in `[from, to)`.
    async fn free_slots(
        &self,
        schedules: &[&str],
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> Result<Vec<Slot>, HospitalError>;

    async fn slot(&self, id: &str) -> Result<Slot, HospitalError>;

    /// The hospital's patient record of the person, found by their identifier or created:
    /// its id.
    async fn patient(&self, patient: &PatientDetails) -> Result<String, HospitalError>;

    /// Makes the appointment, or finds the one an earlier request with the same booking id
    /// made.
    async fn book(&self, new: &NewAppointment<'_>) -> Result<HeldAppointment, HospitalError>;

    /// The appointment made for our booking id, if any.
    async fn find(&self, booking_id: &str) -> Result<Option<HeldAppointment>, HospitalError>;

    /// Moves an appointment to `status` (booked once paid, cancelled), unless it is there
    /// already; its state after.
    async fn set_status(
        &self,
        id: &str,
        status: AppointmentStatus,
    ) -> Result<HeldAppointment, HospitalError>;

    /// Our appointments the hospital cancelled (or let expire) since `since`.
    async fn cancelled_since(
        &self,
        since: jiff::Timestamp,
    ) -> Result<Vec<HeldAppointment>, HospitalError>;
}
