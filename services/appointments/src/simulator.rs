//! A FHIR R4 server for the demo hospitals, one under each provider id (`/{provider}/…`):
//! departments, doctors with titles and fees, and their slots for the next 14 days in the
//! city's time zone, some already busy. It keeps one appointment per slot (a second booking
//! is a 409 with an `OperationOutcome`), honours `If-None-Exist` and `If-Match`, lets pending
//! holds run out on a clock the tests can move, and lets its staff cancel an appointment (a
//! doctor off sick). The shared fault knobs sit in front; `answer_bookings_after` makes it
//! book and answer late, so the answer is lost to a caller that gave up.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::{OriginalUri, Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use crate::fhir::{wire, FHIR_JSON};
use portal_core::{
    clock::Clock,
    simulators::faults::{apply_faults, FaultKnobs},
};

/// Days of slots from today.
pub const DAYS: i64 = 14;
/// A page of search results holds at most this many entries.
const PAGE: usize = 50;

/// A department the demo hospitals have: (id, 中文, English, SNOMED CT code).
const DEPARTMENTS: [(&str, &str, &str, &str); 4] = [
    ("internal", "内科", "Internal medicine", "419192003"),
    ("paediatrics", "儿科", "Paediatrics", "394537008"),
    ("ophthalmology", "眼科", "Ophthalmology", "394594003"),
    ("dermatology", "皮肤科", "Dermatology", "394582007"),
];
/// Titles: (code, 中文, English, fee in fen).
const TITLES: [(&str, &str, &str, i64); 2] = [
    ("chief", "主任医师", "Chief physician", 5000),
    ("attending", "主治医师", "Attending physician", 1500),
];
/// Where the demo hospitals are.
const ADDRESSES: [&str; 3] = ["东门北路1017号", "桃园路89号", "中山二路58号"];
const SURNAMES: [(&str, &str); 8] = [
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
];
const GIVEN: [(&str, &str); 8] = [
    ("伟", "Wei"),
    ("芳", "Fang"),
    ("敏", "Min"),
    ("静", "Jing"),
    ("强", "Qiang"),
    ("磊", "Lei"),
    ("洋", "Yang"),
    ("婷", "Ting"),
];

/// `_name` (or `_text`, `_display`): the element's English translation, as FHIR's core
/// `translation` extension carries it beside a string.
fn in_english(content: &str) -> serde_json::Value {
    serde_json::json!({
        "extension": [{
            "url": wire::TRANSLATION_EXTENSION,
            "extension": [
                {"url": "lang", "valueCode": "en"},
                {"url": "content", "valueString": content},
            ],
        }],
    })
}

#[derive(Clone, Debug)]
struct SimSlot {
    id: String,
    schedule: String,
    start: jiff::Timestamp,
    end: jiff::Timestamp,
    status: &'static str,
}

#[derive(Clone, Debug)]
struct SimAppointment {
    resource: wire::Appointment,
    version: u64,
    updated_at: i64,
    hold_until: Option<i64>,
}

#[derive(Default)]
struct Books {
    organization: serde_json::Value,
    departments: Vec<serde_json::Value>,
    roles: Vec<serde_json::Value>,
    practitioners: Vec<serde_json::Value>,
    schedules: Vec<serde_json::Value>,
    slots: Vec<SimSlot>,
    slot_index: HashMap<String, usize>,
    /// Patient id → its identifier values.
    patients: HashMap<String, wire::Patient>,
    appointments: Vec<SimAppointment>,
}

/// What the hospital's own records say of an appointment (for the tests and the race).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking {
    pub id: String,
    pub booking_id: Option<String>,
    pub slot_id: String,
    pub status: String,
}

/// One simulated hospital.
pub struct SimulatedHospital {
    books: Mutex<Books>,
    clock: Clock,
    /// Answer a booking this long after it is made (milliseconds; 0: at once).
    bookings_answer_after_ms: AtomicU64,
    /// Books at once what it is asked to hold (a hospital system without holds).
    ignores_holds: AtomicBool,
    hold_minutes: i64,
    made: AtomicU64,
    /// Answers a create with its `Location` and no body, whatever the client prefers (R4
    /// lets a server do so).
    creates_without_body: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn concept(text: &str, display: &str, system: &str, code: &str) -> serde_json::Value {
    serde_json::json!({
        "coding": [{"system": system, "code": code, "display": display}],
        "text": text,
    })
}

impl SimulatedHospital {
    /// A hospital with its demo departments, doctors and slots in `time_zone`. `number`
    /// tells hospitals apart (their doctors' names); `fees` is whether it charges a
    /// registration fee.
    pub fn seeded(
        number: usize,
        time_zone: &jiff::tz::TimeZone,
        fees: bool,
        hold_minutes: u32,
    ) -> Arc<SimulatedHospital> {
        let mut books = Books {
            organization: serde_json::json!({
                "resourceType": "Organization",
                "id": "hospital",
                "active": true,
                "name": format!("示范医院 {}", number + 1),
                "_name": in_english(&format!("Demo Hospital {}", number + 1)),
                "address": [{"text": ADDRESSES[number % ADDRESSES.len()]}],
                "telecom": [{"system": "phone", "value": format!("0755-2553{:04}", 1000 + number)}],
            }),
            ..Books::default()
        };
        let today = jiff::Timestamp::now()
            .to_zoned_datetime(time_zone.clone())
            .date();
        let mut doctor = number * 3;
        for (department, zh, en, code) in DEPARTMENTS {
            books.departments.push(serde_json::json!({
                "resourceType": "HealthcareService",
                "id": department,
                "active": true,
                "name": zh,
                "_name": in_english(en),
                "type": [concept(zh, en, "http://snomed.info/sct", code)],
            }));
            for (title, title_zh, title_en, fee) in TITLES {
                doctor += 1;
                let role = format!("{department}-{title}");
                let practitioner = format!("p-{role}");
                let (surname, given) = (
                    SURNAMES[doctor % SURNAMES.len()],
                    GIVEN[(doctor / SURNAMES.len() + doctor) % GIVEN.len()],
                );
                books.practitioners.push(serde_json::json!({
                    "resourceType": "Practitioner",
                    "id": practitioner,
                    "name": [{
                        "text": format!("{}{}", surname.0, given.0),
                        "_text": in_english(&format!("{} {}", surname.1, given.1)),
                        "family": surname.0,
                        "given": [given.0],
                    }],
                }));
                let mut resource = serde_json::json!({
                    "resourceType": "PractitionerRole",
                    "id": role,
                    "active": true,
                    "practitioner": {"reference": format!("Practitioner/{practitioner}")},
                    "code": [concept(title_zh, title_en, "urn:city-portal:title", title)],
                    "healthcareService": [{"reference": format!("HealthcareService/{department}")}],
                    "location": [{
                        "display": format!("{zh} {}{}诊室", doctor % 3 + 1, doctor % 10),
                        "_display": in_english(&format!("{en}, room {}{}", doctor % 3 + 1, doctor % 10)),
                    }],
                });
                if fees {
                    resource["extension"] = serde_json::json!([{
                        "url": wire::FEE_EXTENSION,
                        "valueMoney": {"value": fee / 100, "currency": "CNY"},
                    }]);
                }
                books.roles.push(resource);
                let schedule = format!("s-{role}");
                books.schedules.push(serde_json::json!({
                    "resourceType": "Schedule",
                    "id": schedule,
                    "active": true,
                    "actor": [
                        {"reference": format!("PractitionerRole/{role}")},
                        {"reference": format!("HealthcareService/{department}")},
                    ],
                }));
                for day in 0..DAYS {
                    let Ok(date) = today.checked_add(jiff::Span::new().days(day)) else {
                        continue;
                    };
                    // Mornings 08:00-11:30 and afternoons 14:00-16:30, every half hour.
                    let times = (0..8_i8)
                        .map(|i| (8 + i / 2, (i % 2) * 30))
                        .chain((0..6_i8).map(|i| (14 + i / 2, (i % 2) * 30)));
                    for (n, (hour, minute)) in times.enumerate() {
                        let Ok(start) = date
                            .at(hour, minute, 0, 0)
                            .to_zoned_datetime(time_zone.clone())
                            .map(|z| z.timestamp())
                        else {
                            continue;
                        };
                        let end = start
                            .checked_add(jiff::SignedDuration::from_mins(30))
                            .unwrap_or(start);
                        // About one slot in five was booked at the hospital's own window.
                        let busy = (n + day as usize + doctor).is_multiple_of(5);
                        let id = format!("{role}-{}-{hour:02}{minute:02}", date.strftime("%Y%m%d"));
                        let index = books.slots.len();
                        books.slot_index.insert(id.clone(), index);
                        books.slots.push(SimSlot {
                            id,
                            schedule: schedule.clone(),
                            start,
                            end,
                            status: if busy { "busy" } else { "free" },
                        });
                    }
                }
            }
        }
        Arc::new(SimulatedHospital {
            books: Mutex::new(books),
            clock: Clock::adjustable(),
            bookings_answer_after_ms: AtomicU64::new(0),
            ignores_holds: AtomicBool::new(false),
            creates_without_body: AtomicBool::new(false),
            hold_minutes: i64::from(hold_minutes),
            made: AtomicU64::new(0),
        })
    }

    fn now(&self) -> i64 {
        self.clock.seconds()
    }

    /// Moves the hospital's clock forward (holds run out).
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// A booking (`POST Appointment`) is made at once and answered this long after (`None`:
    /// at once): a caller that gives up first has lost the answer.
    pub fn answer_bookings_after(&self, delay: Option<Duration>) {
        let ms = delay.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self.bookings_answer_after_ms.store(ms, Ordering::Relaxed);
    }

    /// Makes the hospital answer creates with `Location` alone (a server that ignores
    /// `Prefer: return=representation`).
    pub fn answer_creates_without_body(&self, without: bool) {
        self.creates_without_body.store(without, Ordering::Relaxed);
    }

    /// Makes the hospital book at once an appointment it is asked to create `pending`.
    pub fn ignore_holds(&self, ignores: bool) {
        self.ignores_holds.store(ignores, Ordering::Relaxed);
    }

    /// The staff cancel an appointment (a doctor off sick): the slot closes too.
    pub fn cancel_by_staff(&self, booking_id: &str, reason: &str) -> bool {
        let now = self.now();
        let mut books = lock(&self.books);
        let Some(index) = books.appointments.iter().position(|a| {
            booking_of(&a.resource) == Some(booking_id) && a.resource.status != "cancelled"
        }) else {
            return false;
        };
        let slot = cancel(&mut books.appointments[index], now, by_the_hospital(reason));
        if let Some(slot) = slot.and_then(|s| books.slot_index.get(&s).copied()) {
            books.slots[slot].status = "busy-unavailable";
        }
        true
    }

    /// Makes every free slot but the first `keep` starting after `after` busy (the race
    /// for the last slots); their ids.
    pub fn leave_free(&self, keep: usize, after: jiff::Timestamp) -> Vec<String> {
        let mut books = lock(&self.books);
        let mut kept = Vec::new();
        for slot in &mut books.slots {
            if slot.status == "free" {
                if kept.len() < keep && slot.start > after {
                    kept.push(slot.id.clone());
                } else {
                    slot.status = "busy";
                }
            }
        }
        kept
    }

    /// Every free slot: (slot id, its doctor's role id, its start), soonest first.
    pub fn free_slots(&self) -> Vec<(String, String, jiff::Timestamp)> {
        self.expire_holds();
        let books = lock(&self.books);
        let mut free: Vec<_> = books
            .slots
            .iter()
            .filter(|s| s.status == "free")
            .map(|s| {
                (
                    s.id.clone(),
                    s.schedule.trim_start_matches("s-").to_owned(),
                    s.start,
                )
            })
            .collect();
        free.sort_by_key(|(id, _, start)| (*start, id.clone()));
        free
    }

    /// Adds a free slot of the doctor `role` at `start` (a time already past, say).
    pub fn add_slot(&self, role: &str, start: jiff::Timestamp) -> String {
        let mut books = lock(&self.books);
        let index = books.slots.len();
        let id = format!("{role}-extra-{index}");
        books.slot_index.insert(id.clone(), index);
        books.slots.push(SimSlot {
            id: id.clone(),
            schedule: format!("s-{role}"),
            start,
            end: start
                .checked_add(jiff::SignedDuration::from_mins(30))
                .unwrap_or(start),
            status: "free",
        });
        id
    }

    /// Every appointment as the hospital holds it.
    pub fn bookings(&self) -> Vec<Booking> {
        self.expire_holds();
        lock(&self.books)
            .appointments
            .iter()
            .map(|a| Booking {
                id: a.resource.id.clone().unwrap_or_default(),
                booking_id: booking_of(&a.resource).map(str::to_owned),
                slot_id: a
                    .resource
                    .slot
                    .first()
                    .and_then(|s| s.id_of("Slot"))
                    .unwrap_or_default()
                    .to_owned(),
                status: a.resource.status.clone(),
            })
            .collect()
    }

    /// Pending holds past their time are cancelled, and their slots free again.
    fn expire_holds(&self) {
        let now = self.now();
        let mut books = lock(&self.books);
        let mut freed = Vec::new();
        for appointment in &mut books.appointments {
            let expired = appointment.resource.status == "pending"
                && appointment.hold_until.is_some_and(|until| until <= now);
            if expired {
                freed.extend(cancel(
                    appointment,
                    now,
                    by_the_hospital("hold expired before payment"),
                ));
            }
        }
        for slot in freed {
            if let Some(&index) = books.slot_index.get(&slot) {
                books.slots[index].status = "free";
            }
        }
    }

    /// A create's answer body: the resource, unless the client asked for none (`Prefer:
    /// return=minimal`) or the hospital answers creates with their `Location` alone.
    fn created_body(&self, status: StatusCode, request: &HeaderMap, body: String) -> String {
        let minimal = request
            .get("prefer")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("return=minimal"));
        if status == StatusCode::CREATED
            && (minimal || self.creates_without_body.load(Ordering::Relaxed))
        {
            String::new()
        } else {
            body
        }
    }

    fn answer(&self, status: StatusCode, headers: Vec<(String, String)>, body: String) -> Response {
        let mut response = (status, [("content-type", FHIR_JSON)], body).into_response();
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::try_from(name),
                http::HeaderValue::try_from(value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

fn booking_of(appointment: &wire::Appointment) -> Option<&str> {
    appointment
        .identifier
        .iter()
        .find(|i| i.system.as_deref() == Some(wire::BOOKING_SYSTEM))
        .and_then(|i| i.value.as_deref())
}

/// Cancels an appointment; the slot it held.
/// Why the hospital's side cancelled: FHIR's code for the provider, and its words.
fn by_the_hospital(words: &str) -> wire::CodeableConcept {
    wire::CodeableConcept {
        coding: vec![wire::Coding {
            system: Some(wire::CANCELLATION_REASONS.into()),
            code: Some(wire::CANCELLED_BY_PROVIDER.into()),
            display: None,
        }],
        text: Some(words.into()),
    }
}

fn cancel(
    appointment: &mut SimAppointment,
    now: i64,
    reason: wire::CodeableConcept,
) -> Option<String> {
    appointment.resource.status = "cancelled".into();
    appointment.resource.cancelation_reason = Some(reason);
    appointment.resource.extension.clear();
    appointment.hold_until = None;
    touch(appointment, now);
    appointment
        .resource
        .slot
        .first()
        .and_then(|s| s.id_of("Slot"))
        .map(str::to_owned)
}

fn touch(appointment: &mut SimAppointment, now: i64) {
    appointment.version += 1;
    appointment.updated_at = now;
    appointment.resource.meta = Some(wire::Meta {
        version_id: Some(appointment.version.to_string()),
        last_updated: jiff::Timestamp::from_second(now)
            .ok()
            .map(|t| t.to_string()),
    });
}

/// FNV-1a, 64 bits: a slot's content in a few digits.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// An entry's `fullUrl`: `{base}/{resourceType}/{id}`.
fn full_url(base: &str, resource: &serde_json::Value) -> Option<String> {
    let kind = resource["resourceType"].as_str()?;
    let id = resource["id"].as_str()?;
    Some(format!("{base}/{kind}/{id}"))
}

/// A created resource's `Location`: its version's address.
fn location(base: &str, kind: &str, id: &str, version: u64) -> (String, String) {
    (
        "location".into(),
        format!("{base}/{kind}/{id}/_history/{version}"),
    )
}

fn etag(appointment: &SimAppointment) -> (String, String) {
    ("etag".into(), format!("W/\"{}\"", appointment.version))
}

fn outcome(status: StatusCode, code: &str, words: &str) -> (StatusCode, String) {
    (
        status,
        serde_json::to_string(&wire::OperationOutcome::error(code, words)).unwrap_or_default(),
    )
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Every demo hospital under its provider id, behind one set of fault knobs.
pub fn directory_router(
    hospitals: &HashMap<String, Arc<SimulatedHospital>>,
    knobs: Arc<FaultKnobs>,
) -> Router {
    let mut router = Router::new();
    for (provider, hospital) in hospitals {
        router = router.nest(
            &format!("/{provider}"),
            hospital_router(Arc::clone(hospital)),
        );
    }
    router.layer(middleware::from_fn_with_state(knobs, apply_faults))
}

fn hospital_router(hospital: Arc<SimulatedHospital>) -> Router {
    Router::new()
        .route("/Organization", get(organization))
        .route("/HealthcareService", get(departments))
        .route("/PractitionerRole", get(roles))
        .route("/Schedule", get(schedules))
        .route("/Slot", get(search_slots))
        .route("/Slot/{id}", get(read_slot))
        .route("/Patient", axum::routing::post(create_patient))
        .route("/Patient/{id}", get(read_patient))
        .route(
            "/Appointment",
            get(search_appointments).post(create_appointment),
        )
        .route(
            "/Appointment/{id}",
            get(read_appointment).put(update_appointment),
        )
        .route("/metadata", get(capabilities))
        .fallback(unknown_resource)
        .with_state(hospital)
}

/// Errors are `OperationOutcome`s, an unknown address's too.
async fn unknown_resource() -> Response {
    let (status, body) = outcome(
        StatusCode::NOT_FOUND,
        "not-supported",
        "no such resource type",
    );
    (status, [("content-type", FHIR_JSON)], body).into_response()
}

/// `GET [base]/metadata`: what this server supports, as a `CapabilityStatement`.
async fn capabilities() -> Response {
    let search = |params: &[(&str, &str)]| -> Vec<serde_json::Value> {
        params
            .iter()
            .map(|(name, kind)| serde_json::json!({ "name": name, "type": kind }))
            .collect()
    };
    let searched = |kind: &str, params: &[(&str, &str)]| {
        serde_json::json!({
            "type": kind,
            "interaction": [{ "code": "search-type" }],
            "searchParam": search(params),
        })
    };
    let mut slot = searched(
        "Slot",
        &[
            ("schedule", "reference"),
            ("start", "date"),
            ("status", "token"),
        ],
    );
    slot["interaction"] = serde_json::json!([{ "code": "read" }, { "code": "search-type" }]);
    let statement = serde_json::json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-01",
        "kind": "instance",
        "software": { "name": "City Portal hospital simulator" },
        "implementation": { "description": "A simulated hospital for City Portal's demo and tests" },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "resource": [
                searched("Organization", &[("identifier", "token")]),
                searched("HealthcareService", &[("organization", "reference")]),
                searched("PractitionerRole", &[("service", "reference"), ("_include", "special")]),
                searched("Schedule", &[("actor", "reference")]),
                slot,
                {
                    "type": "Patient",
                    "interaction": [{ "code": "create" }],
                    "conditionalCreate": true
                },
                {
                    "type": "Appointment",
                    "versioning": "versioned",
                    "readHistory": false,
                    "updateCreate": false,
                    "conditionalCreate": true,
                    "interaction": [
                        { "code": "read" }, { "code": "create" }, { "code": "update" }, { "code": "search-type" }
                    ],
                    "searchParam": search(&[("identifier", "token"), ("_lastUpdated", "date")])
                }
            ]
        }]
    });
    (
        StatusCode::OK,
        [("content-type", FHIR_JSON)],
        statement.to_string(),
    )
        .into_response()
}

/// The server's base as a client reached it (`http://{host}/{hospital}`), from the request:
/// its address less the resource type and what follows.
fn base_of(uri: &http::Uri, headers: &HeaderMap, resource_type: &str) -> String {
    let host = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let path = uri.path();
    let prefix = path
        .rfind(&format!("/{resource_type}"))
        .map_or("", |at| &path[..at]);
    format!("http://{host}{prefix}")
}

type Sim = State<Arc<SimulatedHospital>>;

fn params(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .take(32)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A search set of `matches` (and `included`, on the first page only), paged by `_offset`,
/// with its `self` and `next` links and each entry's `fullUrl`, absolute under `base`.
fn bundle(
    base: &str,
    path: &str,
    params: &[(String, String)],
    matches: Vec<serde_json::Value>,
    included: Vec<serde_json::Value>,
) -> String {
    let count = param(params, "_count")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(PAGE)
        .clamp(1, PAGE);
    let offset = param(params, "_offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let total = matches.len();
    let address = |pairs: &[(String, String)]| {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        if query.is_empty() {
            format!("{base}/{path}")
        } else {
            format!("{base}/{path}?{query}")
        }
    };
    let mut link = vec![wire::BundleLink {
        relation: "self".into(),
        url: address(params),
    }];
    if offset + count < total {
        let mut next: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "_offset")
            .cloned()
            .collect();
        next.push(("_offset".into(), (offset + count).to_string()));
        link.push(wire::BundleLink {
            relation: "next".into(),
            url: address(&next),
        });
    }
    let mut entry: Vec<wire::BundleEntry> = matches
        .into_iter()
        .skip(offset)
        .take(count)
        .map(|resource| wire::BundleEntry {
            full_url: full_url(base, &resource),
            resource,
            search: Some(wire::BundleSearch {
                mode: Some("match".into()),
            }),
        })
        .collect();
    if offset == 0 {
        entry.extend(included.into_iter().map(|resource| wire::BundleEntry {
            full_url: full_url(base, &resource),
            resource,
            search: Some(wire::BundleSearch {
                mode: Some("include".into()),
            }),
        }));
    }
    json(&wire::Bundle {
        resource_type: "Bundle".into(),
        kind: "searchset".into(),
        total: Some(total as u64),
        link,
        entry,
    })
}

async fn organization(
    State(sim): Sim,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_of(&uri, &headers, "Organization");
    let params = params(query.as_deref());
    let one = vec![lock(&sim.books).organization.clone()];
    let body = bundle(&base, "Organization", &params, one, Vec::new());
    sim.answer(StatusCode::OK, Vec::new(), body)
}

async fn departments(
    State(sim): Sim,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_of(&uri, &headers, "HealthcareService");
    let params = params(query.as_deref());
    let body = bundle(
        &base,
        "HealthcareService",
        &params,
        lock(&sim.books).departments.clone(),
        Vec::new(),
    );
    sim.answer(StatusCode::OK, Vec::new(), body)
}

async fn roles(
    State(sim): Sim,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_of(&uri, &headers, "PractitionerRole");
    let params = params(query.as_deref());
    let include = param(&params, "_include") == Some("PractitionerRole:practitioner");
    let body = {
        let books = lock(&sim.books);
        let included = if include {
            books.practitioners.clone()
        } else {
            Vec::new()
        };
        bundle(
            &base,
            "PractitionerRole",
            &params,
            books.roles.clone(),
            included,
        )
    };
    sim.answer(StatusCode::OK, Vec::new(), body)
}

async fn schedules(
    State(sim): Sim,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_of(&uri, &headers, "Schedule");
    let params = params(query.as_deref());
    let body = bundle(
        &base,
        "Schedule",
        &params,
        lock(&sim.books).schedules.clone(),
        Vec::new(),
    );
    sim.answer(StatusCode::OK, Vec::new(), body)
}

fn slot_resource(slot: &SimSlot) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Slot",
        "id": slot.id,
        "schedule": {"reference": format!("Schedule/{}", slot.schedule)},
        "status": slot.status,
        "start": slot.start.to_string(),
        "end": slot.end.to_string(),
    })
}

/// `ge…`/`lt…` (and `gt`, `le`) bounds on an instant.
fn within(value: jiff::Timestamp, bounds: &[&str]) -> Option<bool> {
    for bound in bounds {
        let (op, at) = bound.split_at(bound.len().min(2));
        let at: jiff::Timestamp = at.parse().ok()?;
        let holds = match op {
            "ge" => value >= at,
            "gt" => value > at,
            "lt" => value < at,
            "le" => value <= at,
            _ => return None,
        };
        if !holds {
            return Some(false);
        }
    }
    Some(true)
}

async fn search_slots(
    State(sim): Sim,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_of(&uri, &headers, "Slot");
    sim.expire_holds();
    let params = params(query.as_deref());
    let schedules: Vec<&str> = param(&params, "schedule")
        .map(|s| {
            s.split(',')
                .map(|s| s.trim_start_matches("Schedule/"))
                .collect()
        })
        .unwrap_or_default();
    let status = param(&params, "status");
    let bounds: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "start")
        .map(|(_, v)| v.as_str())
        .collect();
    let matches: Option<Vec<serde_json::Value>> = {
        let books = lock(&sim.books);
        books
            .slots
            .iter()
            .filter(|slot| schedules.is_empty() || schedules.contains(&slot.schedule.as_str()))
            .filter(|slot| status.is_none_or(|s| s == slot.status))
            .filter_map(|slot| match within(slot.start, &bounds) {
                Some(true) => Some(Some(slot_resource(slot))),
                Some(false) => None,
                None => Some(None),
            })
            .collect()
    };
    let Some(matches) = matches else {
        let (status, body) = outcome(StatusCode::BAD_REQUEST, "invalid", "bad start");
        return sim.answer(status, Vec::new(), body);
    };
    let body = bundle(&base, "Slot", &params, matches, Vec::new());
    sim.answer(StatusCode::OK, Vec::new(), body)
}

async fn read_slot(State(sim): Sim, Path(id): Path<String>) -> Response {
    sim.expire_holds();
    let found = {
        let books = lock(&sim.books);
        books
            .slot_index
            .get(&id)
            .map(|&i| json(&slot_resource(&books.slots[i])))
    };
    match found {
        // A slot keeps no versions: its ETag is its content's (a weak validator).
        Some(body) => {
            let tag = format!("W/\"{:016x}\"", fnv1a(body.as_bytes()));
            sim.answer(StatusCode::OK, vec![("etag".into(), tag)], body)
        }
        None => {
            let (status, body) = outcome(StatusCode::NOT_FOUND, "not-found", "no such slot");
            sim.answer(status, Vec::new(), body)
        }
    }
}

/// `identifier=system|value` of an `If-None-Exist` header.
fn condition(headers: &HeaderMap) -> Option<(String, String)> {
    let header = headers.get("if-none-exist")?.to_str().ok()?;
    let params = params(Some(header));
    let (system, value) = param(&params, "identifier")?.split_once('|')?;
    Some((system.to_owned(), value.to_owned()))
}

fn has_identifier(identifiers: &[wire::Identifier], system: &str, value: &str) -> bool {
    identifiers
        .iter()
        .any(|i| i.system.as_deref() == Some(system) && i.value.as_deref() == Some(value))
}

async fn read_patient(State(sim): Sim, Path(id): Path<String>) -> Response {
    let found = lock(&sim.books).patients.get(&id).map(json);
    match found {
        // A patient is made once and never changed here: its first version.
        Some(body) => sim.answer(
            StatusCode::OK,
            vec![("etag".into(), "W/\"1\"".into())],
            body,
        ),
        None => {
            let (status, body) = outcome(StatusCode::NOT_FOUND, "not-found", "no such patient");
            sim.answer(status, Vec::new(), body)
        }
    }
}

async fn create_patient(
    State(sim): Sim,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = base_of(&uri, &headers, "Patient");
    let Ok(mut patient) = serde_json::from_slice::<wire::Patient>(&body) else {
        let (status, body) = outcome(StatusCode::BAD_REQUEST, "structure", "not a Patient");
        return sim.answer(status, Vec::new(), body);
    };
    if patient.resource_type != "Patient" || patient.name.is_empty() {
        let (status, body) = outcome(
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
            "a patient needs a name",
        );
        return sim.answer(status, Vec::new(), body);
    }
    let (status, body) = {
        let mut books = lock(&sim.books);
        let existing = condition(&headers).and_then(|(system, value)| {
            books
                .patients
                .values()
                .find(|p| has_identifier(&p.identifier, &system, &value))
                .cloned()
        });
        match existing {
            Some(found) => (StatusCode::OK, json(&found)),
            None => {
                let id = format!("pat-{}", books.patients.len() + 1);
                patient.id = Some(id.clone());
                books.patients.insert(id, patient.clone());
                (StatusCode::CREATED, json(&patient))
            }
        }
    };
    let headers_out = match status {
        StatusCode::CREATED => {
            let id = serde_json::from_str::<wire::Patient>(&body)
                .ok()
                .and_then(|p| p.id)
                .unwrap_or_default();
            vec![location(&base, "Patient", &id, 1)]
        }
        _ => Vec::new(),
    };
    let body = sim.created_body(status, &headers, body);
    sim.answer(status, headers_out, body)
}

async fn create_appointment(
    State(sim): Sim,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = base_of(&uri, &headers, "Appointment");
    sim.expire_holds();
    let Ok(mut appointment) = serde_json::from_slice::<wire::Appointment>(&body) else {
        let (status, body) = outcome(StatusCode::BAD_REQUEST, "structure", "not an Appointment");
        return sim.answer(status, Vec::new(), body);
    };
    let now = sim.now();
    let (status, headers_out, body) = {
        let mut books = lock(&sim.books);
        let existing = condition(&headers).and_then(|(system, value)| {
            books
                .appointments
                .iter()
                .find(|a| has_identifier(&a.resource.identifier, &system, &value))
                .cloned()
        });
        if let Some(found) = existing {
            (StatusCode::OK, vec![etag(&found)], json(&found.resource))
        } else {
            let slot = appointment
                .slot
                .first()
                .and_then(|s| s.id_of("Slot"))
                .and_then(|id| books.slot_index.get(id).copied());
            let patient_known = appointment.participant.iter().any(|p| {
                p.actor
                    .id_of("Patient")
                    .is_some_and(|id| books.patients.contains_key(id))
            });
            match slot {
                None => {
                    let (s, b) = outcome(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "not-found",
                        "no such slot",
                    );
                    (s, Vec::new(), b)
                }
                Some(_) if !patient_known => {
                    let (s, b) = outcome(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "required",
                        "unknown patient",
                    );
                    (s, Vec::new(), b)
                }
                Some(_) if !matches!(appointment.status.as_str(), "pending" | "booked") => {
                    let (s, b) = outcome(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "value",
                        "an appointment is made pending or booked",
                    );
                    (s, Vec::new(), b)
                }
                Some(index) if books.slots[index].status != "free" => {
                    let (s, b) = outcome(StatusCode::CONFLICT, "conflict", "the slot is not free");
                    (s, Vec::new(), b)
                }
                Some(index) => {
                    if sim.ignores_holds.load(Ordering::Relaxed) {
                        appointment.status = "booked".into();
                    }
                    books.slots[index].status = "busy";
                    let slot = books.slots[index].clone();
                    let number = sim.made.fetch_add(1, Ordering::Relaxed) + 1;
                    appointment.id = Some(format!("appt-{number}"));
                    appointment.start = Some(slot.start.to_string());
                    appointment.end = Some(slot.end.to_string());
                    let hold_until =
                        (appointment.status == "pending").then_some(now + sim.hold_minutes * 60);
                    appointment.extension = hold_until
                        .and_then(|until| jiff::Timestamp::from_second(until).ok())
                        .map(|until| wire::Extension {
                            url: wire::HOLD_EXTENSION.into(),
                            value_instant: Some(until.to_string()),
                            ..wire::Extension::default()
                        })
                        .into_iter()
                        .collect();
                    let mut made = SimAppointment {
                        resource: appointment,
                        version: 0,
                        updated_at: now,
                        hold_until,
                    };
                    touch(&mut made, now);
                    let id = made.resource.id.clone().unwrap_or_default();
                    let answer = (
                        StatusCode::CREATED,
                        vec![
                            etag(&made),
                            location(&base, "Appointment", &id, made.version),
                        ],
                        json(&made.resource),
                    );
                    books.appointments.push(made);
                    answer
                }
            }
        }
    };
    let delay = sim.bookings_answer_after_ms.load(Ordering::Relaxed);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let body = sim.created_body(status, &headers, body);
    sim.answer(status, headers_out, body)
}

async fn read_appointment(State(sim): Sim, Path(id): Path<String>) -> Response {
    sim.expire_holds();
    let found = lock(&sim.books)
        .appointments
        .iter()
        .find(|a| a.resource.id.as_deref() == Some(id.as_str()))
        .cloned();
    match found {
        Some(found) => sim.answer(StatusCode::OK, vec![etag(&found)], json(&found.resource)),
        None => {
            let (status, body) = outcome(StatusCode::NOT_FOUND, "not-found", "no such appointment");
            sim.answer(status, Vec::new(), body)
        }
    }
}

async fn search_appointments(
    State(sim): Sim,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_of(&uri, &headers, "Appointment");
    sim.expire_holds();
    let params = params(query.as_deref());
    let identifier = param(&params, "identifier").and_then(|i| i.split_once('|'));
    let status = param(&params, "status");
    let since = param(&params, "_lastUpdated")
        .and_then(|v| v.strip_prefix("ge"))
        .and_then(|v| v.parse::<jiff::Timestamp>().ok())
        .map(jiff::Timestamp::as_second);
    let matches: Vec<serde_json::Value> = lock(&sim.books)
        .appointments
        .iter()
        .filter(|a| {
            identifier.is_none_or(|(system, value)| {
                a.resource.identifier.iter().any(|i| {
                    i.system.as_deref() == Some(system)
                        && (value.is_empty() || i.value.as_deref() == Some(value))
                })
            })
        })
        .filter(|a| status.is_none_or(|s| s.split(',').any(|s| a.resource.status == s)))
        .filter(|a| since.is_none_or(|since| a.updated_at >= since))
        .filter_map(|a| serde_json::to_value(&a.resource).ok())
        .collect();
    let body = bundle(&base, "Appointment", &params, matches, Vec::new());
    sim.answer(StatusCode::OK, Vec::new(), body)
}

async fn update_appointment(
    State(sim): Sim,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.expire_holds();
    let Ok(update) = serde_json::from_slice::<wire::Appointment>(&body) else {
        let (status, body) = outcome(StatusCode::BAD_REQUEST, "structure", "not an Appointment");
        return sim.answer(status, Vec::new(), body);
    };
    // R4's update: the resource's id is the URL's, or the request is refused.
    if update.id.as_deref() != Some(id.as_str()) {
        let (status, body) = outcome(
            StatusCode::BAD_REQUEST,
            "invariant",
            "the resource's id is not the one in the URL",
        );
        return sim.answer(status, Vec::new(), body);
    }
    let if_match = headers
        .get("if-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let now = sim.now();
    let (status, headers_out, body) = apply_update(
        &mut lock(&sim.books),
        &id,
        if_match.as_deref(),
        &update,
        now,
    );
    sim.answer(status, headers_out, body)
}

/// A status change, only from the version the caller read.
fn apply_update(
    books: &mut Books,
    id: &str,
    if_match: Option<&str>,
    update: &wire::Appointment,
    now: i64,
) -> (StatusCode, Vec<(String, String)>, String) {
    let to = update.status.as_str();
    let Some(index) = books
        .appointments
        .iter()
        .position(|a| a.resource.id.as_deref() == Some(id))
    else {
        let (s, b) = outcome(StatusCode::NOT_FOUND, "not-found", "no such appointment");
        return (s, Vec::new(), b);
    };
    let current = books.appointments[index].clone();
    if if_match != Some(format!("W/\"{}\"", current.version).as_str()) {
        let (s, b) = outcome(
            StatusCode::PRECONDITION_FAILED,
            "conflict",
            "version mismatch",
        );
        return (s, Vec::new(), b);
    }
    match (current.resource.status.as_str(), to) {
        ("pending", "booked") => {
            let appointment = &mut books.appointments[index];
            appointment.resource.status = "booked".into();
            appointment.resource.extension.clear();
            appointment.hold_until = None;
            touch(appointment, now);
        }
        ("pending" | "booked", "cancelled") => {
            // The reason as the caller gave it.
            let reason =
                update
                    .cancelation_reason
                    .clone()
                    .unwrap_or_else(|| wire::CodeableConcept {
                        coding: Vec::new(),
                        text: Some("cancelled by the patient".into()),
                    });
            let freed = cancel(&mut books.appointments[index], now, reason);
            if let Some(slot) = freed.and_then(|s| books.slot_index.get(&s).copied()) {
                books.slots[slot].status = "free";
            }
        }
        (from, to) if from == to => {}
        (from, to) => {
            let (s, b) = outcome(
                StatusCode::CONFLICT,
                "business-rule",
                &format!("an appointment {from} cannot become {to}"),
            );
            return (s, Vec::new(), b);
        }
    }
    let appointment = &books.appointments[index];
    (
        StatusCode::OK,
        vec![etag(appointment)],
        json(&appointment.resource),
    )
}
