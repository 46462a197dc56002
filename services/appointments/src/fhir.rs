//! A hospital over HL7 FHIR R4 REST (JSON):
//!
//! - the directory: `Organization` (the hospital's address and phone), `HealthcareService`
//!   (departments), `PractitionerRole` with its `Practitioner` (`_include`), `Schedule`
//!   (whose actor is the role);
//! - `Slot` searched by schedule, `status=free` and `start=ge…&start=lt…`, or read;
//! - `Patient` found or created by the portal's pseudonymous identifier of the person
//!   (`If-None-Exist`);
//! - `Appointment` created with `If-None-Exist` on the portal's booking identifier (a resend
//!   finds the first, never books twice), read, searched by that identifier, and moved to
//!   `booked` or `cancelled` by `PUT` with `If-Match` on its version.
//!
//! Searches come back as `Bundle`s whose `link[next]` is followed (on the same server only,
//! a bounded number of pages); errors as `OperationOutcome`s, read into typed errors.

pub mod wire;

use std::sync::Arc;

use url::Url;

use crate::port::{
    AppointmentStatus, Department, Directory, Doctor, HeldAppointment, Hospital, HospitalError,
    NewAppointment, PatientDetails, Slot,
};
use model::{Currency, LocalizedName, Money};
use portal_core::{
    config::{read_options, AdapterSpec},
    providers::{
        decode,
        endpoint::{Answer, Endpoint, KeyIn},
        ProviderError, ProviderGuard,
    },
};

/// `adapter = "fhir-r4"` in a city's config.
pub const ADAPTER: AdapterSpec = AdapterSpec {
    id: "fhir-r4",
    check_options,
};

pub const FHIR_JSON: &str = "application/fhir+json";

/// A hospital's `[services.options]`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HospitalOptions {
    /// The hospital's name, as residents know it (the menu lists hospitals without asking
    /// them).
    pub name_zh: String,
    pub name_en: String,
    /// The district (region id) the hospital is in: residents of it see it first.
    #[serde(default)]
    pub district: Option<String>,
    /// How long a pending appointment holds its slot when the hospital does not say.
    #[serde(default = "default_hold_minutes")]
    pub hold_minutes: u32,
    /// A resident may cancel until this many hours before the appointment.
    #[serde(default = "default_cancel_before_hours")]
    pub cancel_before_hours: u32,
    /// The share of the fee refunded when a resident cancels in time, in percent.
    #[serde(default = "default_refund_percent")]
    pub cancel_refund_percent: u8,
}

fn default_hold_minutes() -> u32 {
    15
}

fn default_cancel_before_hours() -> u32 {
    2
}

fn default_refund_percent() -> u8 {
    100
}

impl HospitalOptions {
    pub fn read(options: &toml::Table) -> Result<HospitalOptions, String> {
        let options: HospitalOptions = read_options(options)?;
        for (field, name) in [("name_zh", &options.name_zh), ("name_en", &options.name_en)] {
            if name.trim().is_empty() || name.chars().count() > 60 {
                return Err(format!("{field}: 1 to 60 characters"));
            }
        }
        if !(2..=60).contains(&options.hold_minutes) {
            return Err("hold_minutes: 2 to 60".into());
        }
        if options.cancel_before_hours > 72 {
            return Err("cancel_before_hours: at most 72".into());
        }
        if options.cancel_refund_percent > 100 {
            return Err("cancel_refund_percent: 0 to 100".into());
        }
        Ok(options)
    }
}

fn check_options(options: &toml::Table) -> Result<(), String> {
    HospitalOptions::read(options).map(drop)
}

/// A search follows at most this many pages, and reads at most this many entries.
const MAX_PAGES: usize = 20;
const MAX_ENTRIES: usize = 5000;
/// Names and codes the portal keeps are cut to this many characters.
const MAX_TEXT: usize = 80;

/// One hospital's FHIR server.
pub struct FhirHospital {
    endpoint: Endpoint,
}

impl FhirHospital {
    pub fn new(
        http: reqwest::Client,
        base_url: Url,
        api_key: Option<String>,
        guard: Arc<ProviderGuard>,
    ) -> Self {
        FhirHospital {
            endpoint: Endpoint::new(http, base_url, api_key, KeyIn::Bearer, guard),
        }
    }

    fn url(&self, path: &str) -> Result<Url, ProviderError> {
        self.endpoint.url(path)
    }

    /// One request; any status but a server error comes back to be read.
    async fn send(
        &self,
        method: http::Method,
        url: Url,
        body: Option<String>,
        headers: &[(&'static str, String)],
    ) -> Result<Answer, ProviderError> {
        let mut request = self.endpoint.request(method, url, FHIR_JSON);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request
                .header(http::header::CONTENT_TYPE, FHIR_JSON)
                .body(body);
        }
        self.endpoint.send(request).await
    }

    /// A search: every matching resource of `kind` and those `_include`d, page after page.
    async fn search(
        &self,
        operation: &'static str,
        kind: &str,
        params: &[(&str, String)],
    ) -> Result<Vec<serde_json::Value>, HospitalError> {
        let mut url = self.url(kind)?;
        url.query_pairs_mut().extend_pairs(params);
        let mut found = Vec::new();
        for _ in 0..MAX_PAGES {
            let answer = self
                .endpoint
                .guarded(operation, self.send(http::Method::GET, url, None, &[]))
                .await?;
            match answer.status.as_u16() {
                200..=299 => {}
                400 | 422 => return Err(outcome(answer.status, &answer.body)),
                // A search that is not there is the hospital's fault, not an answer.
                status => return Err(HospitalError::Provider(ProviderError::Status(status))),
            }
            let bundle: wire::Bundle = decode(&answer.body)?;
            if bundle.resource_type != "Bundle" {
                return Err(malformed("a search answered something else than a Bundle"));
            }
            found.extend(bundle.entry.into_iter().map(|e| e.resource));
            if found.len() > MAX_ENTRIES {
                return Err(malformed("a search gave too many entries"));
            }
            let next = bundle
                .link
                .iter()
                .find(|l| l.relation == "next")
                .map(|l| l.url.clone());
            match next {
                None => return Ok(found),
                Some(next) => url = self.same_server(&next)?,
            }
        }
        Err(malformed("a search had too many pages"))
    }

    /// A conditional create (`If-None-Exist` on `condition`) asking for the resource back
    /// (`Prefer: return=representation`). R4 lets a server answer with the new resource's
    /// `Location` alone: it is then read there (its current version).
    async fn create(
        &self,
        operation: &'static str,
        kind: &str,
        body: String,
        condition: String,
    ) -> Result<Answer, HospitalError> {
        let headers = [
            ("if-none-exist", condition),
            ("prefer", "return=representation".to_owned()),
        ];
        let answer = self
            .endpoint
            .guarded(
                operation,
                self.send(http::Method::POST, self.url(kind)?, Some(body), &headers),
            )
            .await?;
        if !answer.status.is_success() || !answer.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(answer);
        }
        let location = answer
            .header(http::header::LOCATION)
            .ok_or_else(|| malformed("a create answered neither the resource nor its Location"))?;
        // `{kind}/{id}/_history/{version}`: the resource itself is `{kind}/{id}`.
        let resource = location.split("/_history/").next().unwrap_or(location);
        let url = self.same_server(resource)?;
        let read = self
            .endpoint
            .guarded(operation, self.send(http::Method::GET, url, None, &[]))
            .await?;
        // The resource was made: a read that fails says nothing about it, so the caller
        // must stay unsure (and look it up by its identifier), never take it as refused.
        if !read.status.is_success() {
            return Err(HospitalError::Provider(ProviderError::Status(
                read.status.as_u16(),
            )));
        }
        let kind_read = serde_json::from_slice::<serde_json::Value>(&read.body)
            .ok()
            .and_then(|r| r["resourceType"].as_str().map(str::to_owned));
        if kind_read.as_deref() != Some(kind) {
            return Err(HospitalError::Provider(ProviderError::Malformed(format!(
                "the created {kind} read back as something else"
            ))));
        }
        Ok(Answer {
            status: answer.status,
            ..read
        })
    }

    /// A `next` link, only on the hospital's own server: the portal never follows a link
    /// elsewhere.
    fn same_server(&self, link: &str) -> Result<Url, HospitalError> {
        self.endpoint
            .under_base(link)
            .map_err(|_| malformed("a link leads off the hospital's server"))
    }

    /// An appointment as the hospital holds it: the whole resource (a `PUT` sends it back
    /// whole, keeping what the portal does not model), what the portal reads of it, and its
    /// version.
    async fn read_appointment(
        &self,
        id: &str,
    ) -> Result<(serde_json::Value, HeldAppointment, Option<String>), HospitalError> {
        let url = self.url(&format!("Appointment/{}", segment(id)))?;
        let answer = self
            .endpoint
            .guarded(
                "read_appointment",
                self.send(http::Method::GET, url, None, &[]),
            )
            .await?;
        if !answer.status.is_success() {
            return Err(outcome(answer.status, &answer.body));
        }
        let resource: serde_json::Value = decode(&answer.body)?;
        let appointment: wire::Appointment = serde_json::from_value(resource.clone())
            .map_err(|e| malformed(&format!("an appointment: {e}")))?;
        let version = answer
            .header(http::header::ETAG)
            .map(str::to_owned)
            .or_else(|| {
                appointment
                    .meta
                    .as_ref()
                    .and_then(|m| m.version_id.as_ref())
                    .map(|v| format!("W/\"{v}\""))
            });
        let read = held(appointment)?;
        if read.id != id {
            return Err(malformed("the hospital answered with another appointment"));
        }
        Ok((resource, read, version))
    }
}

fn malformed(what: &str) -> HospitalError {
    HospitalError::Provider(ProviderError::Malformed(what.to_owned()))
}

/// A path segment, escaped.
fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A 4xx answer, with its `OperationOutcome` when it has one, in the portal's terms.
fn outcome(status: http::StatusCode, body: &[u8]) -> HospitalError {
    let words = serde_json::from_slice::<wire::OperationOutcome>(body)
        .map(|o| portal_core::plain_text::provider_text(&o.words(), 200))
        .unwrap_or_else(|_| format!("HTTP {}", status.as_u16()));
    match status.as_u16() {
        404 | 410 => HospitalError::NotFound,
        409 => HospitalError::SlotTaken,
        412 => HospitalError::VersionConflict,
        // Our key, the hospital's gateway or its pace: not an answer about the request, so
        // asked again later rather than taken as a refusal.
        401 | 403 | 408 | 429 => HospitalError::Provider(ProviderError::Status(status.as_u16())),
        _ => HospitalError::Refused(words),
    }
}

/// A FHIR id as the spec shapes it (1 to 64 of `A-Z a-z 0-9 - .`): anything else is not
/// believed, never cut to fit (two ids cut alike would be one).
pub fn fhir_id(value: &str) -> Option<String> {
    let shaped = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    shaped.then(|| value.to_owned())
}

fn text(value: &str) -> String {
    portal_core::plain_text::provider_text(value, MAX_TEXT)
}

fn instant(value: &str) -> Result<jiff::Timestamp, HospitalError> {
    value
        .parse::<jiff::Timestamp>()
        .map_err(|_| malformed("a time is not an instant with its offset"))
}

/// A decimal amount of money, read exactly: from the number's shortest text, never through
/// arithmetic on a float.
pub fn fee(money: &wire::FhirMoney) -> Option<Money> {
    let currency = Currency::from_code(money.currency.as_deref()?)?;
    let value = money.value.as_ref()?;
    let text = value.to_string();
    // A float's shortest text holds its decimal exactly up to 15 significant digits.
    if text.contains(['e', 'E']) || text.len() > 15 {
        return None;
    }
    Money::parse(&text, currency).filter(|m| m.minor >= 0)
}

/// A string element's English translation (FHIR's `translation` extension), as a resident
/// may read it.
fn translated(element: Option<&wire::PrimitiveElement>) -> Option<String> {
    element?.translation("en").map(text)
}

/// A name in the hospital's language, with its English where the hospital gave one.
fn both(zh: String, en: Option<String>) -> LocalizedName {
    LocalizedName {
        en: en.unwrap_or_else(|| zh.clone()),
        zh,
    }
}

/// `LocalizedName` from a concept: its text (the hospital's own language) and its first
/// coding's display (English), either standing for both when alone.
fn concept_name(concept: &wire::CodeableConcept) -> Option<LocalizedName> {
    let zh = concept.text.as_deref().map(text);
    let en = concept
        .coding
        .iter()
        .find_map(|c| c.display.as_deref())
        .map(text);
    match (zh, en) {
        (Some(zh), Some(en)) => Some(LocalizedName { zh, en }),
        (Some(one), None) | (None, Some(one)) => Some(LocalizedName {
            zh: one.clone(),
            en: one,
        }),
        (None, None) => None,
    }
}

fn resources<T: serde::de::DeserializeOwned>(found: &[serde_json::Value], kind: &str) -> Vec<T> {
    found
        .iter()
        .filter(|r| r.get("resourceType").and_then(|t| t.as_str()) == Some(kind))
        // A resource that does not read is dropped, not guessed at.
        .filter_map(|r| serde_json::from_value(r.clone()).ok())
        .collect()
}

/// A `Slot` in the portal's terms; refused when its times or references do not read.
pub fn slot(slot: wire::Slot) -> Result<Slot, HospitalError> {
    let id = slot.id.ok_or_else(|| malformed("a slot without an id"))?;
    let schedule_id = slot
        .schedule
        .id_of("Schedule")
        .ok_or_else(|| malformed("a slot without its schedule"))?
        .to_owned();
    let (start, end) = (instant(&slot.start)?, instant(&slot.end)?);
    if end <= start {
        return Err(malformed("a slot ends before it starts"));
    }
    Ok(Slot {
        id: fhir_id(&id).ok_or_else(|| malformed("a slot id FHIR does not allow"))?,
        schedule_id: fhir_id(&schedule_id)
            .ok_or_else(|| malformed("a schedule id FHIR does not allow"))?,
        start,
        end,
        free: slot.status == "free",
    })
}

/// An `Appointment` in the portal's terms; refused when its status is not FHIR's.
/// The words the portal cancels with, beside FHIR's code for a patient's portal.
const OUR_CANCELLATION: &str = "cancelled through City Portal";

pub fn held(appointment: wire::Appointment) -> Result<HeldAppointment, HospitalError> {
    let status = AppointmentStatus::from_code(&appointment.status)
        .ok_or_else(|| malformed("an appointment status FHIR does not define"))?;
    let hold_expires_at = appointment
        .extension
        .iter()
        .find(|e| e.url == wire::HOLD_EXTENSION)
        .and_then(|e| e.value_instant.as_deref())
        .map(instant)
        .transpose()?;
    Ok(HeldAppointment {
        id: appointment
            .id
            .and_then(|id| fhir_id(&id))
            .ok_or_else(|| malformed("an appointment without a well-formed id"))?,
        booking_id: appointment
            .identifier
            .iter()
            .find(|i| i.system.as_deref() == Some(wire::BOOKING_SYSTEM))
            .and_then(|i| i.value.as_deref())
            .map(text),
        status,
        slot_id: appointment
            .slot
            .first()
            .and_then(|s| s.id_of("Slot"))
            .and_then(fhir_id),
        hold_expires_at,
        // A code of the patient's side, or our own words (a hospital that kept only text).
        cancelled_by_patient: appointment
            .cancelation_reason
            .as_ref()
            .is_some_and(|reason| {
                reason.text.as_deref() == Some(OUR_CANCELLATION)
                    || reason.coding.iter().any(|c| {
                        c.system.as_deref() == Some(wire::CANCELLATION_REASONS)
                            && c.code
                                .as_deref()
                                .is_some_and(|code| code.starts_with("pat"))
                    })
            }),
        cancellation_reason: appointment
            .cancelation_reason
            .as_ref()
            .and_then(concept_name)
            .map(|n| n.zh),
    })
}

#[async_trait::async_trait]
impl Hospital for FhirHospital {
    async fn directory(&self) -> Result<Directory, HospitalError> {
        let organizations = self
            .search(
                "hospital",
                "Organization",
                &[("active", "true".into()), ("_count", "1".into())],
            )
            .await?;
        let organization = resources::<wire::Organization>(&organizations, "Organization")
            .into_iter()
            .next();
        let address = organization
            .as_ref()
            .and_then(|o| o.address.first())
            .and_then(|a| {
                a.text.clone().or_else(|| {
                    let parts: Vec<&str> = a
                        .city
                        .iter()
                        .chain(&a.district)
                        .chain(&a.line)
                        .map(String::as_str)
                        .collect();
                    (!parts.is_empty()).then(|| parts.concat())
                })
            })
            .map(|a| text(&a));
        let phone = organization
            .as_ref()
            .and_then(|o| o.telecom.iter().find(|t| t.system == "phone"))
            .map(|t| text(&t.value));
        let services = self
            .search(
                "departments",
                "HealthcareService",
                &[("active", "true".into()), ("_count", "100".into())],
            )
            .await?;
        let departments: Vec<Department> =
            resources::<wire::HealthcareService>(&services, "HealthcareService")
                .into_iter()
                .filter(|s| s.active != Some(false))
                .filter_map(|s| {
                    let name = s.name.as_deref().map(text)?;
                    let id = fhir_id(s.id.as_deref()?)?;
                    // Its name's own translation first, else its type's English display.
                    let en = translated(s.name_element.as_ref())
                        .or_else(|| s.kind.first().and_then(concept_name).map(|n| n.en));
                    Some(Department {
                        id,
                        name: LocalizedName {
                            en: en.unwrap_or_else(|| name.clone()),
                            zh: name,
                        },
                    })
                })
                .collect();
        let roles = self
            .search(
                "doctors",
                "PractitionerRole",
                &[
                    ("active", "true".into()),
                    ("_include", "PractitionerRole:practitioner".into()),
                    ("_count", "100".into()),
                ],
            )
            .await?;
        let practitioners: Vec<wire::Practitioner> = resources(&roles, "Practitioner");
        let schedules = self
            .search(
                "schedules",
                "Schedule",
                &[("active", "true".into()), ("_count", "100".into())],
            )
            .await?;
        let schedules: Vec<wire::Schedule> = resources(&schedules, "Schedule");
        let doctors = resources::<wire::PractitionerRole>(&roles, "PractitionerRole")
            .into_iter()
            .filter(|r| r.active != Some(false))
            .filter_map(|role| {
                let id = fhir_id(role.id.as_deref()?)?;
                let department_id = role
                    .healthcare_service
                    .iter()
                    .find_map(|s| s.id_of("HealthcareService"))?
                    .to_owned();
                let practitioner_id = role.practitioner.as_ref()?.id_of("Practitioner")?;
                let human = practitioners
                    .iter()
                    .find(|p| p.id.as_deref() == Some(practitioner_id))
                    .and_then(|p| p.name.first());
                let name = human
                    .and_then(|n| {
                        n.text.clone().or_else(|| {
                            n.family
                                .as_ref()
                                .map(|f| format!("{f}{}", n.given.concat()))
                        })
                    })
                    .or_else(|| role.practitioner.as_ref()?.display.clone())?;
                let name = both(
                    text(&name),
                    translated(human.and_then(|n| n.text_element.as_ref())),
                );
                let fee = match role.extension.iter().find(|e| e.url == wire::FEE_EXTENSION) {
                    // A fee the portal cannot read exactly is no fee it will charge: the
                    // doctor is left out rather than guessed at.
                    Some(extension) => fee(extension.value_money.as_ref()?)?,
                    None => Money::cny(0),
                };
                let schedules = schedules
                    .iter()
                    .filter(|s| s.active != Some(false))
                    .filter(|s| {
                        s.actor
                            .iter()
                            .any(|a| a.id_of("PractitionerRole") == Some(id.as_str()))
                    })
                    .filter_map(|s| s.id.as_deref().and_then(fhir_id))
                    .collect();
                Some(Doctor {
                    title: role.code.first().and_then(concept_name).unwrap_or_default(),
                    place: role.location.first().and_then(|l| {
                        let place = text(l.display.as_deref()?);
                        Some(both(place, translated(l.display_element.as_ref())))
                    }),
                    name,
                    department_id: fhir_id(&department_id)?,
                    fee,
                    schedules,
                    id,
                })
            })
            .collect();
        Ok(Directory {
            address,
            phone,
            departments,
            doctors,
        })
    }

    async fn free_slots(
        &self,
        schedules: &[&str],
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> Result<Vec<Slot>, HospitalError> {
        if schedules.is_empty() {
            return Ok(Vec::new());
        }
        let schedule = schedules
            .iter()
            .map(|s| format!("Schedule/{s}"))
            .collect::<Vec<_>>()
            .join(",");
        let found = self
            .search(
                "free_slots",
                "Slot",
                &[
                    ("schedule", schedule),
                    ("status", "free".into()),
                    ("start", format!("ge{from}")),
                    ("start", format!("lt{to}")),
                    ("_count", "100".into()),
                ],
            )
            .await?;
        let mut slots = Vec::new();
        for found in resources::<wire::Slot>(&found, "Slot") {
            let slot = slot(found)?;
            // Only what was asked for: a server that ignores a parameter is not believed.
            if slot.free
                && slot.start >= from
                && slot.start < to
                && schedules.contains(&slot.schedule_id.as_str())
            {
                slots.push(slot);
            }
        }
        slots.sort_by_key(|s| (s.start, s.id.clone()));
        Ok(slots)
    }

    async fn slot(&self, id: &str) -> Result<Slot, HospitalError> {
        let url = self.url(&format!("Slot/{}", segment(id)))?;
        let answer = self
            .endpoint
            .guarded("read_slot", self.send(http::Method::GET, url, None, &[]))
            .await?;
        if !answer.status.is_success() {
            return Err(outcome(answer.status, &answer.body));
        }
        slot(decode(&answer.body)?)
    }

    async fn patient(&self, patient: &PatientDetails) -> Result<String, HospitalError> {
        let mut identifier = vec![wire::Identifier {
            kind: None,
            system: Some(wire::PATIENT_SYSTEM.into()),
            value: Some(patient.identifier.clone()),
        }];
        if let Some((id_type, id_number)) = &patient.id_number {
            let (code, text) = document_type(*id_type);
            identifier.push(wire::Identifier {
                kind: Some(wire::CodeableConcept {
                    coding: vec![wire::Coding {
                        system: Some(wire::IDENTIFIER_TYPES.into()),
                        code: Some(code.into()),
                        display: None,
                    }],
                    text: Some(text.into()),
                }),
                system: None,
                value: Some(id_number.clone()),
            });
        }
        let resource = wire::Patient {
            resource_type: "Patient".into(),
            id: None,
            identifier,
            name: patient
                .name
                .iter()
                .map(|name| wire::HumanName {
                    text: Some(name.clone()),
                    text_element: None,
                    family: None,
                    given: Vec::new(),
                })
                .collect(),
            gender: patient.sex.clone(),
            birth_date: patient.birth_date.clone(),
            telecom: patient
                .phone
                .iter()
                .map(|phone| wire::ContactPoint {
                    system: "phone".into(),
                    value: phone.clone(),
                })
                .collect(),
        };
        let body = serde_json::to_string(&resource)
            .map_err(|e| HospitalError::Provider(ProviderError::Malformed(e.to_string())))?;
        let condition = format!("identifier={}|{}", wire::PATIENT_SYSTEM, patient.identifier);
        let answer = self.create("patient", "Patient", body, condition).await?;
        if !answer.status.is_success() {
            return Err(match outcome(answer.status, &answer.body) {
                HospitalError::SlotTaken => HospitalError::Refused("a conflicting patient".into()),
                other => other,
            });
        }
        let created: wire::Patient = decode(&answer.body)?;
        // The patient asked for, by the identifier the condition named.
        let ours = created.identifier.iter().any(|i| {
            i.system.as_deref() == Some(wire::PATIENT_SYSTEM)
                && i.value.as_deref() == Some(patient.identifier.as_str())
        });
        if !ours {
            return Err(malformed("the patient made is not the one asked for"));
        }
        created
            .id
            .and_then(|id| fhir_id(&id))
            .ok_or_else(|| malformed("a patient without a well-formed id"))
    }

    async fn book(&self, new: &NewAppointment<'_>) -> Result<HeldAppointment, HospitalError> {
        let resource = wire::Appointment {
            resource_type: "Appointment".into(),
            identifier: vec![wire::Identifier {
                kind: None,
                system: Some(wire::BOOKING_SYSTEM.into()),
                value: Some(new.booking_id.to_owned()),
            }],
            status: new.status.code().into(),
            start: Some(new.slot.start.to_string()),
            end: Some(new.slot.end.to_string()),
            slot: vec![wire::Reference::to("Slot", &new.slot.id)],
            created: Some(jiff::Timestamp::now().to_string()),
            participant: vec![
                wire::Participant {
                    actor: wire::Reference::to("Patient", new.patient_id),
                    status: "accepted".into(),
                },
                wire::Participant {
                    actor: wire::Reference::to("PractitionerRole", new.doctor_id),
                    status: "needs-action".into(),
                },
            ],
            ..wire::Appointment::default()
        };
        let body = serde_json::to_string(&resource)
            .map_err(|e| HospitalError::Provider(ProviderError::Malformed(e.to_string())))?;
        let condition = format!("identifier={}|{}", wire::BOOKING_SYSTEM, new.booking_id);
        let answer = self.create("book", "Appointment", body, condition).await?;
        if !answer.status.is_success() {
            return Err(outcome(answer.status, &answer.body));
        }
        let made = held(decode(&answer.body)?)?;
        let other_slot = made.slot_id.as_ref().is_some_and(|s| *s != new.slot.id);
        if made.booking_id.as_deref() != Some(new.booking_id) || other_slot {
            return Err(malformed("the appointment made is not the one asked for"));
        }
        Ok(made)
    }

    async fn find(&self, booking_id: &str) -> Result<Option<HeldAppointment>, HospitalError> {
        let found = self
            .search(
                "find_appointment",
                "Appointment",
                &[(
                    "identifier",
                    format!("{}|{booking_id}", wire::BOOKING_SYSTEM),
                )],
            )
            .await?;
        let mut matching = resources::<wire::Appointment>(&found, "Appointment")
            .into_iter()
            .map(held)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|a| a.booking_id.as_deref() == Some(booking_id));
        let first = matching.next();
        if matching.next().is_some() {
            return Err(malformed("two appointments hold one booking identifier"));
        }
        Ok(first)
    }

    async fn set_status(
        &self,
        id: &str,
        status: AppointmentStatus,
    ) -> Result<HeldAppointment, HospitalError> {
        // Read, change, write back whole with the version read; changed meanwhile (a 412),
        // again from a fresh read.
        for _ in 0..3 {
            let (mut resource, current, version) = self.read_appointment(id).await?;
            if current.status == status || current.status.is_off() {
                return Ok(current);
            }
            resource["status"] = status.code().into();
            if status == AppointmentStatus::Cancelled {
                resource["cancelationReason"] = serde_json::json!({
                    "coding": [{
                        "system": wire::CANCELLATION_REASONS,
                        "code": wire::CANCELLED_THROUGH_PORTAL,
                        "display": "Patient: Canceled via Patient Portal",
                    }],
                    "text": OUR_CANCELLATION,
                });
            }
            let body = serde_json::to_string(&resource)
                .map_err(|e| HospitalError::Provider(ProviderError::Malformed(e.to_string())))?;
            let mut headers = Vec::new();
            if let Some(version) = version {
                headers.push(("if-match", version));
            }
            let url = self.url(&format!("Appointment/{}", segment(id)))?;
            let answer = self
                .endpoint
                .guarded(
                    "set_status",
                    self.send(http::Method::PUT, url, Some(body), &headers),
                )
                .await?;
            match answer.status.as_u16() {
                200 | 201 => {
                    let mut now = held(decode(&answer.body)?)?;
                    if now.id != id {
                        return Err(malformed("the hospital answered with another appointment"));
                    }
                    // Ours, whatever reason the hospital kept.
                    if status == AppointmentStatus::Cancelled {
                        now.cancelled_by_patient = true;
                    }
                    return Ok(now);
                }
                412 => continue,
                _ => return Err(outcome(answer.status, &answer.body)),
            }
        }
        Err(HospitalError::VersionConflict)
    }

    async fn cancelled_since(
        &self,
        since: jiff::Timestamp,
    ) -> Result<Vec<HeldAppointment>, HospitalError> {
        let found = self
            .search(
                "cancelled_since",
                "Appointment",
                &[
                    ("identifier", format!("{}|", wire::BOOKING_SYSTEM)),
                    ("status", "cancelled,entered-in-error".into()),
                    ("_lastUpdated", format!("ge{since}")),
                    ("_count", "100".into()),
                ],
            )
            .await?;
        // One entry that does not read is skipped, not the watch of all the others.
        Ok(resources::<wire::Appointment>(&found, "Appointment")
            .into_iter()
            .filter_map(|a| held(a).ok())
            .filter(|a| a.status.is_off() && a.booking_id.is_some())
            .collect())
    }
}

/// A document's identifier type (HL7 v2 table 0203) and its name. The resident ID card and
/// the residence permit of Hong Kong, Macau and Taiwan residents are both national
/// identifiers in GB 11643's scheme (NI); the foreigner's card is a permanent resident card
/// (PRC).
fn document_type(id_type: portal_core::people::IdType) -> (&'static str, &'static str) {
    use portal_core::people::IdType;
    match id_type {
        IdType::ResidentCard => ("NI", "居民身份证"),
        IdType::HmtResidencePermit => ("NI", "港澳台居民居住证"),
        IdType::ForeignPermanentResidence => ("PRC", "外国人永久居留身份证"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_read_exactly_from_decimal_numbers() {
        let money = |json: &str| {
            let money: wire::FhirMoney = serde_json::from_str(json).expect("reads");
            fee(&money)
        };
        assert_eq!(
            money(r#"{"value": 50.1, "currency": "CNY"}"#),
            Some(Money::cny(5010))
        );
        assert_eq!(
            money(r#"{"value": 0.3, "currency": "CNY"}"#),
            Some(Money::cny(30))
        );
        assert_eq!(
            money(r#"{"value": 100, "currency": "CNY"}"#),
            Some(Money::cny(10_000))
        );
        assert_eq!(money(r#"{"value": 1.005, "currency": "CNY"}"#), None);
        assert_eq!(money(r#"{"value": -1, "currency": "CNY"}"#), None);
        assert_eq!(money(r#"{"value": 1e30, "currency": "CNY"}"#), None);
        assert_eq!(money(r#"{"value": 5, "currency": "USD"}"#), None);
    }

    #[test]
    fn references_give_their_ids_only_for_their_kind() {
        let reference = wire::Reference::to("Schedule", "s-1");
        assert_eq!(reference.id_of("Schedule"), Some("s-1"));
        assert_eq!(reference.id_of("Slot"), None);
        let absolute = wire::Reference {
            reference: Some("https://h.example/fhir/Schedule/s-2".into()),
            ..wire::Reference::default()
        };
        assert_eq!(absolute.id_of("Schedule"), Some("s-2"));
    }

    #[test]
    fn operation_outcomes_read_into_typed_errors() {
        let body = serde_json::to_vec(&wire::OperationOutcome::error("conflict", "slot busy"))
            .expect("writes");
        assert!(matches!(
            outcome(http::StatusCode::CONFLICT, &body),
            HospitalError::SlotTaken
        ));
        assert!(matches!(
            outcome(http::StatusCode::PRECONDITION_FAILED, &body),
            HospitalError::VersionConflict
        ));
        match outcome(http::StatusCode::UNPROCESSABLE_ENTITY, &body) {
            HospitalError::Refused(words) => assert_eq!(words, "slot busy"),
            other => panic!("{other:?}"),
        }
    }
}
