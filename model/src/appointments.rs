//! What the doctor appointment pages show, as it crosses from server to page. Times are
//! already in the city's local time, whatever the server's or the phone's zone.

use serde::{Deserialize, Serialize};

use crate::{city::CitySummary, money::Money};

/// A department of a hospital, as a link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentChoice {
    pub id: String,
    pub name: String,
}

/// A hospital residents of the city can book.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HospitalChoice {
    pub id: String,
    pub name: String,
    /// Its district's name, when config says.
    pub district: Option<String>,
    /// In the resident's own district.
    pub nearby: bool,
    /// Its address and phone, as the hospital states them.
    pub address: Option<String>,
    pub phone: Option<String>,
    pub departments: Vec<DepartmentChoice>,
    /// The hospital could not be asked: in words.
    pub problem: Option<String>,
}

/// `/c/{city}/doctors`: the city's hospitals, the resident's district first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorsPage {
    pub city: CitySummary,
    pub hospitals: Vec<HospitalChoice>,
}

/// A day to choose, as a link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayChoice {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `Mon 27` / `周一 27日`.
    pub label: String,
    pub chosen: bool,
}

/// A free time of a doctor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeChoice {
    pub slot_id: String,
    /// `08:30`, local.
    pub time: String,
}

/// A doctor on the chosen day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorDay {
    pub id: String,
    pub name: String,
    pub title: String,
    pub fee: Money,
    pub place: Option<String>,
    pub times: Vec<TimeChoice>,
}

/// `/c/{city}/doctors/{hospital}/{department}?day=…`: the doctors of a department and their
/// free times on a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentPage {
    pub city: CitySummary,
    pub hospital_id: String,
    pub hospital: String,
    pub department_id: String,
    pub department: String,
    pub days: Vec<DayChoice>,
    pub doctors: Vec<DoctorDay>,
    /// The hospital could not be asked: in words.
    pub problem: Option<String>,
}

/// Someone the resident books for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: String,
    pub name: String,
    /// `self`, `spouse`, `child`, `parent`, `other`.
    pub relation: String,
    pub sex: String,
    pub birth_date: String,
    pub masked_phone: String,
    /// `resident_card`, `hmt_residence_permit`, `foreign_permanent_residence`.
    pub id_type: String,
    pub masked_id_number: String,
    /// Proven: a carrier confirmed name, document and mobile, and the code sent there came
    /// back. Only a proven person can be booked for.
    pub proven: bool,
}

/// `/c/{city}/doctors/{hospital}/slots/{slot}`: the chosen time, to confirm for a patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmPage {
    pub city: CitySummary,
    pub hospital_id: String,
    pub hospital: String,
    pub department_id: String,
    pub department: String,
    pub doctor: String,
    pub title: String,
    pub place: Option<String>,
    /// The hospital's address, as it states it.
    pub address: Option<String>,
    pub slot_id: String,
    /// `2026-11-27 08:30`, local.
    pub time: String,
    pub fee: Money,
    pub people: Vec<PersonRow>,
    /// The resident already agreed that this hospital be told the patient's details.
    pub consented: bool,
    /// The fields it is told (`display_name`, `sex`, …).
    pub fields: Vec<String>,
    /// The time is no longer free, or has passed: in words.
    pub problem: Option<String>,
}

/// One of the resident's appointments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAppointment {
    pub id: String,
    pub hospital: String,
    pub department: String,
    pub doctor: String,
    pub title: String,
    pub place: Option<String>,
    /// Local.
    pub time: String,
    pub patient: String,
    /// `requested`, `held`, `paid`, `booked`, …
    pub state: String,
    pub fee: Money,
    /// Why it failed or was cancelled, in words.
    pub problem: Option<String>,
    pub cancelled_by_hospital: bool,
    pub upcoming: bool,
    /// It may be cancelled until this local time; `None` when it cannot be.
    pub cancel_until: Option<String>,
    /// What cancelling it now refunds (the hospital's rule); with `cancel_until`.
    pub refund_on_cancel: Option<Money>,
    /// The fee is due: its payment can be taken up.
    pub payable: bool,
    /// The fee's payment, once there is one.
    pub payment: Option<String>,
}
