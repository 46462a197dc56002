//! Doctor appointments over HTTP, as plain forms that work without a script: book a chosen
//! time for a patient (answered with the payment provider's page, or the confirmation),
//! take up an unpaid fee, cancel; and keep the family members one books for.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{FromRef, Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    routing::post,
    Extension, Router,
};
use model::account::Viewer;
use portal_core::{
    accounts::limits::count_submission,
    people::{self, proof::ProofError, PersonForm},
    web::{
        client::Client,
        error::{Failure, PublicError, INTERNAL},
        forms::{
            encode, field, fields, forget_kept_form, locale_of, next_path, resident_of, see_other,
            see_other_with_cookies, with_query,
        },
    },
};

use crate::{
    book::{BookError, Booked, Request},
    sync::CancelError,
    DoctorAppointments,
};

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<DoctorAppointments>: FromRef<S>,
{
    Router::new()
        .route("/c/{city}/doctors/book", post(book))
        .route("/me/appointments/{id}/cancel", post(cancel))
        .route("/me/appointments/{id}/pay", post(pay))
        .route("/me/family", post(add_person))
        .route("/me/family/prove", post(prove_person))
        .route("/me/family/code", post(confirm_person))
        .route("/me/family/remove", post(remove_person))
}

/// My appointments.
pub const MINE: &str = "/me/appointments";
/// The people one books for.
pub const FAMILY: &str = "/me/family";

impl PublicError for BookError {
    fn status(&self) -> StatusCode {
        match self {
            BookError::HospitalDown(_) | BookError::Unsure { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            BookError::Payment(error) => error.status(),
            BookError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
            BookError::JustTaken | BookError::SameDoctorSameDay { .. } | BookError::Expired => {
                StatusCode::CONFLICT
            }
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            BookError::UnknownHospital | BookError::UnknownSlot => "appointments-error-unknown",
            BookError::TooLate => "appointments-error-too-late",
            BookError::JustTaken => "appointments-error-taken",
            BookError::SameDoctorSameDay { .. } => "appointments-error-same-day",
            BookError::UnknownPerson => "appointments-error-patient",
            BookError::NotProven => "appointments-error-not-proven",
            BookError::NoConsent => "appointments-error-consent",
            BookError::HospitalDown(_) => "appointments-error-down",
            BookError::Unsure { .. } => "appointments-error-unsure",
            BookError::Refused(_) => "appointments-error-refused",
            BookError::Expired => "appointments-error-expired",
            BookError::Payment(error) => error.message_key(),
            BookError::Storage(_) => INTERNAL,
        }
    }
}

impl PublicError for CancelError {
    fn status(&self) -> StatusCode {
        match self {
            CancelError::NotFound => StatusCode::NOT_FOUND,
            CancelError::TooLate | CancelError::NotBooked => StatusCode::CONFLICT,
            CancelError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            CancelError::NotFound => "error-not-found",
            CancelError::TooLate => "appointments-error-cancel-too-late",
            CancelError::NotBooked => "appointments-error-cancel-not-booked",
            CancelError::Storage(_) => INTERNAL,
        }
    }
}

fn sign_in(back: &str) -> Response {
    see_other(&format!("/signin?next={}", encode(back)))
}

/// Where a booking goes once asked for.
fn after(booked: Booked) -> Response {
    match booked {
        Booked::Pay { started, .. } => see_other(started.pay_url.as_str()),
        Booked::Confirmed { .. } => see_other(&with_query(MINE, "notice", "appointments-booked")),
    }
}

/// `POST /c/{city}/doctors/book`: the chosen time (`hospital`, `slot`) for `person`.
async fn book(
    State(home): State<Arc<DoctorAppointments>>,
    Path(city): Path<String>,
    viewer: Option<Extension<Viewer>>,
    Client(client): Client,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = fields(&body, 32);
    let (hospital, slot) = (field(&form, "hospital"), field(&form, "slot"));
    let page = format!(
        "/c/{}/doctors/{}/slots/{}",
        encode(&city),
        encode(hospital),
        encode(slot)
    );
    let Some(resident) = resident_of(viewer) else {
        return sign_in(&page);
    };
    if let Err(error) = count_submission(&home.portal.storage, "book", &resident, &client).await {
        return Failure::of(&error).back_to(&page, "");
    }
    let person = field(&form, "person");
    if [hospital, slot, person].iter().any(|v| v.len() > 64) {
        return Failure::of(&BookError::UnknownSlot)
            .back_to(&format!("/c/{}/doctors", encode(&city)), "");
    }
    let request = Request {
        resident_id: &resident,
        city_id: &city,
        hospital_id: hospital,
        slot_id: slot,
        person_id: person,
        consent: field(&form, "consent") == "yes",
        locale: locale_of(&headers),
        payer_ip: payments::payer_ip(&client),
    };
    match home.book(&request).await {
        Ok(booked) => after(booked),
        // Being looked up: "My appointments" shows it and the inbox will tell.
        Err(BookError::Unsure { .. }) => {
            see_other(&with_query(MINE, "error", "appointments-error-unsure"))
        }
        Err(error) => Failure::of(&error).back_to(&page, ""),
    }
}

/// `POST /me/appointments/{id}/cancel`.
async fn cancel(
    State(home): State<Arc<DoctorAppointments>>,
    Path(id): Path<String>,
    viewer: Option<Extension<Viewer>>,
) -> Response {
    let Some(resident) = resident_of(viewer) else {
        return sign_in(MINE);
    };
    match home.cancel(&resident, &id).await {
        Ok(()) => see_other(&with_query(MINE, "notice", "appointments-cancelling")),
        Err(error) => Failure::of(&error).back_to(MINE, ""),
    }
}

/// `POST /me/appointments/{id}/pay`: a fresh payment page for a held appointment's fee.
async fn pay(
    State(home): State<Arc<DoctorAppointments>>,
    Path(id): Path<String>,
    viewer: Option<Extension<Viewer>>,
    Client(client): Client,
    headers: HeaderMap,
) -> Response {
    let Some(resident) = resident_of(viewer) else {
        return sign_in(MINE);
    };
    if let Err(error) = count_submission(&home.portal.storage, "pay", &resident, &client).await {
        return Failure::of(&error).back_to(MINE, "");
    }
    match home
        .resume_payment(
            &resident,
            &id,
            locale_of(&headers),
            payments::payer_ip(&client),
        )
        .await
    {
        Ok(booked) => after(booked),
        Err(error) => Failure::of(&error).back_to(MINE, ""),
    }
}

/// `POST /me/family`: adds a person once the carrier confirms name, document and mobile
/// belong together, and sends the code that proves them to that mobile. A refused form
/// comes back with what was typed (the document's number too, so that no one retypes 18
/// characters), kept in a short-lived cookie for this page only, never in the address.
async fn add_person(
    State(home): State<Arc<DoctorAppointments>>,
    viewer: Option<Extension<Viewer>>,
    Client(client): Client,
    body: Bytes,
) -> Response {
    let form = fields(&body, 32);
    let next = field(&form, "next");
    let Some(resident) = resident_of(viewer) else {
        return sign_in(FAMILY);
    };
    if let Err(error) = count_submission(&home.portal.storage, "family", &resident, &client).await {
        return Failure::of(&error).back_to(FAMILY, next);
    }
    let person = PersonForm {
        relation: field(&form, "relation"),
        name: field(&form, "name"),
        sex: field(&form, "sex"),
        birth_date: field(&form, "birth_date"),
        phone: field(&form, "phone"),
        id_type: field(&form, "id_type"),
        id_number: field(&form, "id_number"),
    };
    let today = home
        .portal
        .clock()
        .now()
        .to_zoned_datetime(home.portal.display_time_zone.clone())
        .date();
    let added = match people::check(&person, today) {
        Ok(checked) => home.portal.add_person(&resident, &checked, &client).await,
        Err(error) => Err(error.into()),
    };
    match added {
        Ok((_, pending)) => {
            see_other_with_cookies(&code_page(&pending.id, next), &[forget_kept_form(FAMILY)])
        }
        // Kept, but the code was not sent: the list offers to send it again.
        Err(error @ ProofError::Code(_)) => Failure::of(&error).back_to(FAMILY, ""),
        Err(error) => {
            let typed: Vec<(&str, &str)> = [
                "relation",
                "name",
                "sex",
                "birth_date",
                "phone",
                "id_type",
                "id_number",
            ]
            .into_iter()
            .map(|name| (name, field(&form, name)))
            .collect();
            let failure = Failure::of(&error);
            match error.field() {
                Some(wrong) => failure.with("field", wrong.to_owned()),
                None => failure,
            }
            .back_keeping_fields(FAMILY, next, &typed)
        }
    }
}

/// Where the code that proves a person is typed.
fn code_page(pending: &str, next: &str) -> String {
    let page = format!("{FAMILY}/code?pending={}", encode(pending));
    if next.is_empty() {
        page
    } else {
        format!("{page}&next={}", encode(next))
    }
}

/// `POST /me/family/prove`: sends a code to a kept person's mobile (`person`).
async fn prove_person(
    State(home): State<Arc<DoctorAppointments>>,
    viewer: Option<Extension<Viewer>>,
    Client(client): Client,
    body: Bytes,
) -> Response {
    let Some(resident) = resident_of(viewer) else {
        return sign_in(FAMILY);
    };
    let form = fields(&body, 32);
    let next = field(&form, "next");
    if let Err(error) = count_submission(&home.portal.storage, "family", &resident, &client).await {
        return Failure::of(&error).back_to(FAMILY, next);
    }
    match home
        .portal
        .prove_person(&resident, field(&form, "person"), &client)
        .await
    {
        Ok(pending) => see_other(&code_page(&pending.id, next)),
        Err(error) => Failure::of(&error).back_to(FAMILY, next),
    }
}

/// `POST /me/family/code`: the code sent to a person's mobile (`pending`, `code`).
async fn confirm_person(
    State(home): State<Arc<DoctorAppointments>>,
    viewer: Option<Extension<Viewer>>,
    body: Bytes,
) -> Response {
    let Some(resident) = resident_of(viewer) else {
        return sign_in(FAMILY);
    };
    let form = fields(&body, 32);
    let (pending, next) = (field(&form, "pending"), field(&form, "next"));
    match home
        .portal
        .confirm_person(&resident, pending, field(&form, "code"))
        .await
    {
        Ok(_) if !next.is_empty() => see_other(&next_path(next)),
        Ok(_) => see_other(&with_query(FAMILY, "notice", "family-proven")),
        Err(error) => Failure::of(&error)
            .with("pending", pending.to_owned())
            .back_to(&format!("{FAMILY}/code"), next),
    }
}

/// `POST /me/family/remove`.
async fn remove_person(
    State(home): State<Arc<DoctorAppointments>>,
    viewer: Option<Extension<Viewer>>,
    body: Bytes,
) -> Response {
    let Some(resident) = resident_of(viewer) else {
        return sign_in(FAMILY);
    };
    let form = fields(&body, 32);
    match home
        .portal
        .people
        .remove(&resident, field(&form, "person"))
        .await
    {
        Ok(_) => see_other(&with_query(FAMILY, "notice", "family-removed")),
        Err(error) => Failure::of(&error).back_to(FAMILY, ""),
    }
}
