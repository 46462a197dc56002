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
    people::{self, PeopleError, PersonError, PersonForm},
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

/// A person's details refused: the field is named, so the page can point at it.
struct PersonFailure(PeopleError);

impl std::fmt::Display for PersonFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl PublicError for PersonFailure {
    fn status(&self) -> StatusCode {
        match &self.0 {
            PeopleError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            PeopleError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        match &self.0 {
            PeopleError::Invalid(error) => match error {
                PersonError::Relation => "family-error-relation",
                PersonError::Name => "family-error-name",
                PersonError::Sex => "family-error-sex",
                PersonError::BirthDate => "family-error-birth-date",
                PersonError::Phone => "family-error-phone",
                PersonError::IdNumberShape => "family-error-id-shape",
                PersonError::IdNumberCheck => "family-error-id-check",
                PersonError::IdNumberBirthDate => "family-error-id-birth-date",
                PersonError::IdNumberSex => "family-error-id-sex",
                PersonError::SecondSelf => "family-error-second-self",
                PersonError::TooMany => "family-error-too-many",
                PersonError::Duplicate => "family-error-duplicate",
            },
            PeopleError::Storage(_) => INTERNAL,
        }
    }

    fn message_args(&self) -> Vec<(&'static str, String)> {
        match &self.0 {
            PeopleError::Invalid(error) => vec![("field", error.field().to_owned())],
            PeopleError::Storage(_) => Vec::new(),
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

/// `POST /me/family`: adds a person. A refused form comes back with what was typed, but for
/// the ID-card number, which never travels in an address.
async fn add_person(
    State(home): State<Arc<DoctorAppointments>>,
    viewer: Option<Extension<Viewer>>,
    body: Bytes,
) -> Response {
    let form = fields(&body, 32);
    let next = field(&form, "next");
    let Some(resident) = resident_of(viewer) else {
        return sign_in(FAMILY);
    };
    let person = PersonForm {
        relation: field(&form, "relation"),
        name: field(&form, "name"),
        sex: field(&form, "sex"),
        birth_date: field(&form, "birth_date"),
        phone: field(&form, "phone"),
        id_number: field(&form, "id_number"),
    };
    let today = home
        .portal
        .clock()
        .now()
        .to_zoned_datetime(home.portal.display_time_zone.clone())
        .date();
    let added = match people::check(&person, today) {
        Ok(checked) => home.portal.people.add(&resident, &checked).await,
        Err(error) => Err(error.into()),
    };
    match added {
        Ok(_) if !next.is_empty() => {
            see_other_with_cookies(&next_path(next), &[forget_kept_form(FAMILY)])
        }
        Ok(_) => see_other_with_cookies(
            &with_query(FAMILY, "notice", "family-added"),
            &[forget_kept_form(FAMILY)],
        ),
        // What was typed comes back with the form (the ID-card number aside), kept off the
        // address.
        Err(error) => {
            let typed: Vec<(&str, &str)> = ["relation", "name", "sex", "birth_date", "phone"]
                .into_iter()
                .map(|name| (name, field(&form, name)))
                .collect();
            Failure::of(&PersonFailure(error)).back_keeping_fields(FAMILY, next, &typed)
        }
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
