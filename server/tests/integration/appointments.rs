//! Doctor appointments through the portal's forms and pages, against the demo's hospitals
//! (FHIR R4 servers) and WeChat Pay over real HTTP: one slot, one appointment, one fee,
//! whatever is raced, lost, run out or cancelled.

use server::services::payments::PaymentSettings;
use server::{
    jobs::{worker::Workers, RetryPolicy},
    people::IdType,
    services::{
        appointments::{store::State, sync},
        payments::{self, store::PaymentState, worker},
    },
    simulators::{faults::FaultMode, three_factor::Registered},
};
use sqlx::Row;

use crate::{
    common::{Posted, TestApp},
    payments::wechatpay,
};
use server::{
    services::{
        appointments::{simulator::SimulatedHospital, DoctorAppointments},
        payments::Payments,
    },
    simulators::three_factor::Register,
};

/// The demo hospital that charges a registration fee, and the one that does not.
const FEE_HOSPITAL: &str = "shenzhen-peoples-hospital";
const FREE_HOSPITAL: &str = "shenzhen-nanshan-hospital";

struct Resident {
    cookie: String,
    id: String,
}

/// A valid ID-card number of a woman born 1949-12-31, her name and her mobile number, as
/// the carrier's register (the three-factor simulator's) knows her.
const ID_NUMBER: &str = "11010519491231002X";
const NAME: &str = "王芳";
const PHONE: &str = "13700137000";

async fn setup() -> TestApp {
    let app = TestApp::spawn_with(|settings| {
        // The tests run the jobs themselves.
        settings.services.get_mut::<PaymentSettings>().worker = false;
        settings.breaker.cool_down = std::time::Duration::from_secs(1);
    })
    .await;
    enrol_her(&app);
    app
}

/// The carrier's register knows her.
fn enrol_her(app: &TestApp) {
    app.part::<Register>("").enrol(Registered {
        name: NAME.into(),
        id_type: IdType::ResidentCard,
        id_number: ID_NUMBER.into(),
        mobile: PHONE.into(),
    });
}

/// Her details as the family form takes them.
fn her(relation: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("relation", relation),
        ("name", NAME),
        ("sex", "female"),
        ("birth_date", "1949-12-31"),
        ("phone", PHONE),
        ("id_number", ID_NUMBER),
    ]
}

async fn resident(app: &TestApp, contact: &str) -> Resident {
    let cookie = app.sign_up(contact, "correct horse battery").await;
    let id: String = sqlx::query("SELECT id FROM residents WHERE email = $1")
        .bind(contact)
        .fetch_one(app.state.portal.storage.pool())
        .await
        .expect("a resident")
        .try_get("id")
        .expect("id");
    Resident { cookie, id }
}

/// Adds her as a person the resident books for, proven; her id.
async fn add_person(app: &TestApp, resident: &Resident, relation: &'static str) -> String {
    app.add_proven_person(&resident.id, &resident.cookie, &her(relation))
        .await
}

async fn book(
    app: &TestApp,
    resident: &Resident,
    hospital: &str,
    slot: &str,
    person: &str,
) -> Posted {
    app.post_form(
        "/c/shenzhen/doctors/book",
        &[
            ("hospital", hospital),
            ("slot", slot),
            ("person", person),
            ("consent", "yes"),
        ],
        Some(&resident.cookie),
    )
    .await
}

fn error_of(posted: &Posted) -> String {
    url::Url::parse(&format!("http://x{}", posted.location))
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "error")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default()
}

/// A free slot at least a day ahead (so no test meets the booking lead time or the cut-off).
fn slot_tomorrow(app: &TestApp, hospital: &str) -> (String, String) {
    let after = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24))
        .expect("time");
    app.part::<SimulatedHospital>(hospital)
        .free_slots()
        .into_iter()
        .find(|(_, _, start)| *start > after)
        .map(|(slot, role, _)| (slot, role))
        .expect("a free slot")
}

/// Books tomorrow's first free time at the hospital that charges a fee, pays the fee and
/// runs the jobs: the slot and the booking's id.
async fn booked_and_paid(app: &TestApp, resident: &Resident, person: &str) -> (String, String) {
    let (slot, _) = slot_tomorrow(app, FEE_HOSPITAL);
    let posted = book(app, resident, FEE_HOSPITAL, &slot, person).await;
    assert!(posted.location.contains("checkmweb"), "{posted:?}");
    let order = wechatpay(app).charges()[0].order_no.clone();
    assert!(wechatpay(app).pay(&order));
    run(app, FEE_HOSPITAL).await;
    let booking = app
        .home::<DoctorAppointments>()
        .store
        .of_resident(&resident.id, &[])
        .await
        .expect("mine")[0]
        .id
        .clone();
    (slot, booking)
}

/// Makes the bookings' last sends old enough for their jobs to look (a send may be answered
/// for 30 s).
async fn age_sends(app: &TestApp) {
    sqlx::query("UPDATE appointments SET updated_at = updated_at - 60")
        .execute(app.state.portal.storage.pool())
        .await
        .expect("aged");
}

/// Runs every due job once: payments' confirmations and refunds, the hospital's syncs.
async fn run(app: &TestApp, hospital: &str) {
    let stopping = Workers::default().stopping();
    for _ in 0..2 {
        sqlx::query(
            "UPDATE jobs SET next_attempt_at = 0 WHERE settled_at IS NULL AND recurring = 0",
        )
        .execute(app.state.portal.storage.pool())
        .await
        .expect("jobs due");
        for kind in [payments::store::CONFIRM, payments::store::REFUND] {
            worker::round(
                &app.home::<Payments>(),
                kind,
                "shenzhen-wechatpay",
                &RetryPolicy::default(),
                &stopping,
            )
            .await;
        }
        sync::round(
            &app.home::<DoctorAppointments>(),
            hospital,
            &RetryPolicy::default(),
            &stopping,
        )
        .await;
    }
}

async fn state_of(app: &TestApp, resident: &Resident) -> Vec<State> {
    app.home::<DoctorAppointments>()
        .store
        .of_resident(&resident.id, &[])
        .await
        .expect("appointments")
        .into_iter()
        .map(|a| a.state)
        .collect()
}

async fn inbox_titles(app: &TestApp, resident: &Resident) -> Vec<String> {
    app.state
        .portal
        .inbox
        .messages(&resident.id, 50)
        .await
        .expect("inbox")
        .into_iter()
        .map(|m| m.title)
        .collect()
}

#[tokio::test]
async fn a_fee_is_paid_then_the_appointment_is_booked_and_the_resident_told() {
    let app = setup().await;
    let resident = resident(&app, "patient@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (slot, _) = slot_tomorrow(&app, FEE_HOSPITAL);

    // The hospitals, with the address each states (its FHIR Organization).
    let (_, hospitals) = app.get("/c/shenzhen/doctors", None).await;
    assert!(hospitals.contains("东门北路1017号"), "{hospitals}");
    // The confirmation page names the time in Shanghai's time and the fee.
    let (status, page) = app
        .get(
            &format!("/c/shenzhen/doctors/{FEE_HOSPITAL}/slots/{slot}"),
            Some(&resident.cookie),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Registration fee ¥"), "{page}");

    let (first, second) = tokio::join!(
        book(&app, &resident, FEE_HOSPITAL, &slot, &person),
        book(&app, &resident, FEE_HOSPITAL, &slot, &person)
    );
    for posted in [&first, &second] {
        assert!(posted.location.contains("checkmweb"), "{}", posted.location);
    }
    assert_eq!(wechatpay(&app).charges().len(), 1, "one fee, one order");
    let at_hospital = app.part::<SimulatedHospital>(FEE_HOSPITAL).bookings();
    assert_eq!(at_hospital.len(), 1, "{at_hospital:?}");
    assert_eq!(at_hospital[0].status, "pending");

    let order = wechatpay(&app).charges()[0].order_no.clone();
    assert!(wechatpay(&app).pay(&order));
    run(&app, FEE_HOSPITAL).await;
    assert_eq!(state_of(&app, &resident).await, vec![State::Booked]);
    assert_eq!(
        app.part::<SimulatedHospital>(FEE_HOSPITAL).bookings()[0].status,
        "booked"
    );
    let titles = inbox_titles(&app, &resident).await;
    assert!(
        titles.iter().any(|t| t.starts_with("Appointment booked")),
        "{titles:?}"
    );
    let (_, mine) = app.get("/me/appointments", Some(&resident.cookie)).await;
    assert!(mine.contains("data-state=\"booked\""), "{mine}");
    assert!(mine.contains("Cancel the appointment"), "{mine}");
    // The hospital knows the patient by its own pseudonym, never the resident's id.
    let consents = app
        .state
        .portal
        .privacy
        .consents_of(&resident.id)
        .await
        .expect("consents");
    assert!(consents
        .iter()
        .any(|c| c.provider_id == FEE_HOSPITAL && c.fields.len() == 5));
}

#[tokio::test]
async fn two_residents_race_for_the_last_slot_one_books_it_the_other_is_told_and_not_charged() {
    let app = setup().await;
    let first = resident(&app, "first@example.com").await;
    let second = resident(&app, "second@example.com").await;
    let first_person = add_person(&app, &first, "self").await;
    let second_person = add_person(&app, &second, "self").await;
    let (slot, _) = slot_tomorrow(&app, FEE_HOSPITAL);

    let (a, b) = tokio::join!(
        book(&app, &first, FEE_HOSPITAL, &slot, &first_person),
        book(&app, &second, FEE_HOSPITAL, &slot, &second_person)
    );
    let to_pay = [&a, &b]
        .iter()
        .filter(|p| p.location.contains("checkmweb"))
        .count();
    let taken = [&a, &b]
        .iter()
        .filter(|p| error_of(p) == "appointments-error-taken")
        .count();
    assert_eq!((to_pay, taken), (1, 1), "{a:?} {b:?}");
    assert_eq!(
        wechatpay(&app).charges().len(),
        1,
        "no charge for the other"
    );
    let held: Vec<_> = app
        .part::<SimulatedHospital>(FEE_HOSPITAL)
        .bookings()
        .into_iter()
        .filter(|b| b.slot_id == slot)
        .collect();
    assert_eq!(held.len(), 1, "{held:?}");
}

/// R4 lets a server answer a create with the new resource's `Location` and no body: the
/// patient and the booking are then read there, and the booking goes through.
#[tokio::test]
async fn a_hospital_that_answers_creates_with_their_location_alone_still_books() {
    let app = setup().await;
    let resident = resident(&app, "minimal@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (slot, _) = slot_tomorrow(&app, FREE_HOSPITAL);
    app.part::<SimulatedHospital>(FREE_HOSPITAL)
        .answer_creates_without_body(true);
    let posted = book(&app, &resident, FREE_HOSPITAL, &slot, &person).await;
    assert!(
        posted.location.contains("notice=appointments-booked"),
        "{posted:?}"
    );
    assert_eq!(
        app.part::<SimulatedHospital>(FREE_HOSPITAL)
            .bookings()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_lost_answer_is_found_by_its_identifier_and_never_booked_twice() {
    let app = setup().await;
    let resident = resident(&app, "lost@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (slot, _) = slot_tomorrow(&app, FREE_HOSPITAL);
    let hospital = &app.part::<SimulatedHospital>(FREE_HOSPITAL);
    // The hospital books it, then answers after the portal gave up (3 s).
    hospital.answer_bookings_after(Some(std::time::Duration::from_millis(3500)));
    let lost = book(&app, &resident, FREE_HOSPITAL, &slot, &person).await;
    assert_eq!(error_of(&lost), "appointments-error-unsure", "{lost:?}");
    hospital.answer_bookings_after(None);
    assert_eq!(hospital.bookings().len(), 1, "it arrived");
    assert_eq!(state_of(&app, &resident).await, vec![State::Requested]);

    // The resident taps again: the same booking, found by its identifier.
    let again = book(&app, &resident, FREE_HOSPITAL, &slot, &person).await;
    assert!(
        again.location.contains("notice=appointments-booked"),
        "{again:?}"
    );
    // And the job that looks it up changes nothing more.
    run(&app, FREE_HOSPITAL).await;
    assert_eq!(hospital.bookings().len(), 1, "booked once");
    assert_eq!(state_of(&app, &resident).await, vec![State::Booked]);
    assert_eq!(wechatpay(&app).charges().len(), 0, "no fee here");
}

#[tokio::test]
async fn a_lost_answer_is_settled_by_its_job_when_the_resident_does_not_come_back() {
    let app = setup().await;
    let resident = resident(&app, "gone@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (slot, _) = slot_tomorrow(&app, FREE_HOSPITAL);
    let hospital = &app.part::<SimulatedHospital>(FREE_HOSPITAL);
    hospital.answer_bookings_after(Some(std::time::Duration::from_millis(3500)));
    let lost = book(&app, &resident, FREE_HOSPITAL, &slot, &person).await;
    assert_eq!(error_of(&lost), "appointments-error-unsure");
    hospital.answer_bookings_after(None);
    // While the answer may still come, the job does not look.
    run(&app, FREE_HOSPITAL).await;
    assert_eq!(state_of(&app, &resident).await, vec![State::Requested]);
    age_sends(&app).await;
    run(&app, FREE_HOSPITAL).await;
    assert_eq!(state_of(&app, &resident).await, vec![State::Booked]);
    assert_eq!(hospital.bookings().len(), 1);
    let titles = inbox_titles(&app, &resident).await;
    assert!(
        titles.iter().any(|t| t.starts_with("Appointment booked")),
        "{titles:?}"
    );
}

#[tokio::test]
async fn a_hold_that_runs_out_while_paying_frees_the_slot_and_the_late_payment_is_refunded() {
    let app = setup().await;
    let resident = resident(&app, "late@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (slot, _) = slot_tomorrow(&app, FEE_HOSPITAL);
    let posted = book(&app, &resident, FEE_HOSPITAL, &slot, &person).await;
    assert!(posted.location.contains("checkmweb"), "{posted:?}");
    let hospital = &app.part::<SimulatedHospital>(FEE_HOSPITAL);
    // The hospital's hold runs out before the payment reaches it.
    hospital.advance(std::time::Duration::from_secs(20 * 60));
    assert_eq!(hospital.bookings()[0].status, "cancelled");
    assert!(
        hospital.free_slots().iter().any(|(s, _, _)| *s == slot),
        "slot free again"
    );

    let order = wechatpay(&app).charges()[0].order_no.clone();
    assert!(wechatpay(&app).pay(&order));
    run(&app, FEE_HOSPITAL).await;
    run(&app, FEE_HOSPITAL).await;
    assert_eq!(state_of(&app, &resident).await, vec![State::Failed]);
    let payment = app
        .home::<Payments>()
        .store
        .all()
        .await
        .expect("payments")
        .pop()
        .expect("a payment");
    assert!(
        matches!(
            payment.state,
            PaymentState::Refunding | PaymentState::Refunded
        ),
        "{:?}",
        payment.state
    );
    let titles = inbox_titles(&app, &resident).await;
    assert!(titles.iter().any(|t| t.contains("refund")), "{titles:?}");
}

#[tokio::test]
async fn a_hospital_that_is_down_gets_a_plain_message_and_nothing_is_charged() {
    let app = setup().await;
    let resident = resident(&app, "down@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (slot, _) = slot_tomorrow(&app, FEE_HOSPITAL);
    app.knobs("fhir").set(FaultMode::Down);
    let posted = book(&app, &resident, FEE_HOSPITAL, &slot, &person).await;
    assert_eq!(error_of(&posted), "appointments-error-down", "{posted:?}");
    let (status, page) = app.get("/c/shenzhen/doctors", None).await;
    assert_eq!(status, 200);
    assert!(page.contains("not answering"), "{page}");
    app.knobs("fhir").set(FaultMode::Ok);
    assert!(wechatpay(&app).charges().is_empty());
    assert!(
        state_of(&app, &resident).await.is_empty(),
        "nothing was committed: the hospital could not be asked"
    );
}

#[tokio::test]
async fn the_hospital_cancels_and_the_resident_is_told_and_refunded() {
    let app = setup().await;
    let resident = resident(&app, "sick@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (_, booking) = booked_and_paid(&app, &resident, &person).await;
    assert_eq!(state_of(&app, &resident).await, vec![State::Booked]);
    assert!(app
        .part::<SimulatedHospital>(FEE_HOSPITAL)
        .cancel_by_staff(&booking, "doctor off sick"));
    let recorded = sync::watch(&app.home::<DoctorAppointments>(), FEE_HOSPITAL)
        .await
        .expect("read");
    assert_eq!(recorded, 1);
    // Asked again, nothing is recorded twice.
    assert_eq!(
        sync::watch(&app.home::<DoctorAppointments>(), FEE_HOSPITAL)
            .await
            .expect("read"),
        0
    );
    assert_eq!(state_of(&app, &resident).await, vec![State::Cancelled]);
    run(&app, FEE_HOSPITAL).await;
    let charge = wechatpay(&app).charges()[0].clone();
    assert_eq!(
        charge.refunded, charge.total,
        "the whole fee back: {charge:?}"
    );
    let titles = inbox_titles(&app, &resident).await;
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("The hospital cancelled your appointment")),
        "{titles:?}"
    );
    let (_, mine) = app.get("/me/appointments", Some(&resident.cookie)).await;
    assert!(mine.contains("Cancelled by the hospital"), "{mine}");
}

#[tokio::test]
async fn the_resident_cancels_before_the_cut_off_and_the_fee_goes_back() {
    let app = setup().await;
    let resident = resident(&app, "cancel@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (slot, booking) = booked_and_paid(&app, &resident, &person).await;
    ask_to_cancel(&app, &resident, &booking).await;
    run(&app, FEE_HOSPITAL).await;
    assert_eq!(state_of(&app, &resident).await, vec![State::Cancelled]);
    assert_eq!(
        app.part::<SimulatedHospital>(FEE_HOSPITAL).bookings()[0].status,
        "cancelled"
    );
    assert!(
        app.part::<SimulatedHospital>(FEE_HOSPITAL)
            .free_slots()
            .iter()
            .any(|(s, _, _)| *s == slot),
        "the slot is free for someone else"
    );
    let charge = wechatpay(&app).charges()[0].clone();
    assert_eq!(
        charge.refunded, charge.total,
        "the whole fee back: {charge:?}"
    );
    // Another resident's cancel of it is refused as not found.
    let other = resident_two(&app).await;
    let refused = app
        .post_form(
            &format!("/me/appointments/{booking}/cancel"),
            &[],
            Some(&other.cookie),
        )
        .await;
    assert_eq!(error_of(&refused), "error-not-found");
}

/// The resident asks to cancel a booking; the portal takes it, to tell the hospital.
async fn ask_to_cancel(app: &TestApp, resident: &Resident, booking: &str) {
    let posted = app
        .post_form(
            &format!("/me/appointments/{booking}/cancel"),
            &[],
            Some(&resident.cookie),
        )
        .await;
    assert!(
        posted.location.contains("notice=appointments-cancelling"),
        "{posted:?}"
    );
}

async fn resident_two(app: &TestApp) -> Resident {
    resident(app, "other@example.com").await
}

#[tokio::test]
async fn one_patient_sees_one_doctor_once_a_day() {
    let app = setup().await;
    let resident = resident(&app, "twice@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (slot, role) = slot_tomorrow(&app, FREE_HOSPITAL);
    let day_of = |at: jiff::Timestamp| {
        at.to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone"))
            .date()
    };
    let free = app.part::<SimulatedHospital>(FREE_HOSPITAL).free_slots();
    let start = free.iter().find(|(s, _, _)| *s == slot).expect("slot").2;
    let other = free
        .iter()
        .find(|(s, r, at)| *s != slot && *r == role && day_of(*at) == day_of(start))
        .expect("another time of the doctor that day")
        .0
        .clone();
    let first = book(&app, &resident, FREE_HOSPITAL, &slot, &person).await;
    assert!(
        first.location.contains("notice=appointments-booked"),
        "{first:?}"
    );
    let second = book(&app, &resident, FREE_HOSPITAL, &other, &person).await;
    assert_eq!(error_of(&second), "appointments-error-same-day");
    assert_eq!(
        app.part::<SimulatedHospital>(FREE_HOSPITAL)
            .bookings()
            .len(),
        1
    );

    // Another hospital's doctor is another doctor, whatever id that hospital gives them.
    let elsewhere = app
        .part::<SimulatedHospital>(FEE_HOSPITAL)
        .free_slots()
        .into_iter()
        .find(|(_, r, at)| *r == role && day_of(*at) == day_of(start) && *at != start)
        .expect("the same role id at the other hospital that day")
        .0;
    let third = book(&app, &resident, FEE_HOSPITAL, &elsewhere, &person).await;
    assert!(
        third.location.contains("checkmweb"),
        "to the fee: {third:?}"
    );
}

#[tokio::test]
async fn times_show_in_the_city_zone_whatever_the_server_zone() {
    let app = setup().await;
    let (slot, _) = slot_tomorrow(&app, FREE_HOSPITAL);
    let start = app
        .part::<SimulatedHospital>(FREE_HOSPITAL)
        .free_slots()
        .into_iter()
        .find(|(s, _, _)| *s == slot)
        .expect("slot")
        .2;
    let local = start.to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone"));
    // The simulator's first time is 08:00 in Shanghai: midnight UTC, the server's zone or not.
    let (department, day) = ("internal", local.date().to_string());
    let (status, page) = app
        .get(
            &format!("/c/shenzhen/doctors/{FREE_HOSPITAL}/{department}?day={day}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let eight = local
        .date()
        .at(8, 0, 0, 0)
        .to_zoned_datetime(local.time_zone().clone())
        .expect("zoned")
        .timestamp();
    let midnight_utc: jiff::Timestamp = format!("{day}T00:00:00Z").parse().expect("instant");
    assert_eq!(eight, midnight_utc, "08:00 in Shanghai is 00:00 UTC");
    assert!(
        page.contains(">08:00<") || page.contains(">08:30<"),
        "{page}"
    );
    assert!(!page.contains(">00:00<"), "never the UTC time");
}

#[tokio::test]
async fn bad_input_is_refused_plainly_and_keeps_what_was_typed() {
    let app = setup().await;
    let resident = resident(&app, "typo@example.com").await;
    let family = |id_number: &'static str, birth: &'static str| {
        vec![
            ("relation", "child"),
            ("name", "王小明"),
            ("sex", "female"),
            ("birth_date", birth),
            ("phone", "13800138000"),
            ("id_number", id_number),
        ]
    };
    let wrong_digit = app
        .post_form(
            "/me/family",
            &family("110105194912310021", "1949-12-31"),
            Some(&resident.cookie),
        )
        .await;
    assert_eq!(error_of(&wrong_digit), "family-error-id-check");
    assert!(wrong_digit.location.contains("field=id_number"));
    for typed in [
        "110105",
        "1949-12-31",
        "13800138000",
        "%E7%8E%8B",
        "child",
        "female",
    ] {
        assert!(
            !wrong_digit.location.contains(typed),
            "nothing typed travels in an address: {}",
            wrong_digit.location
        );
    }
    // Kept for the form's page instead, and shown there with its error.
    let kept = wrong_digit
        .cookies
        .iter()
        .find(|c| c.starts_with("kept_form="))
        .expect("the typed fields kept in a cookie");
    assert!(
        kept.contains("110105194912310021"),
        "the number is kept for its page, so that no one retypes 18 characters: {kept}"
    );
    let (_, page) = app
        .get(
            &wrong_digit.location,
            Some(&format!("{}; {kept}", resident.cookie)),
        )
        .await;
    assert!(page.contains("value=\"1949-12-31\""), "kept");
    assert!(
        page.contains("value=\"110105194912310021\""),
        "the number too"
    );
    assert!(page.contains("王小明"), "kept");
    let (_, fresh) = app
        .get("/me/family", Some(&format!("{}; {kept}", resident.cookie)))
        .await;
    assert!(!fresh.contains("王小明"), "only with the form's error");
    let future = app
        .post_form(
            "/me/family",
            &family(ID_NUMBER, "2999-01-01"),
            Some(&resident.cookie),
        )
        .await;
    assert_eq!(error_of(&future), "family-error-birth-date");
    let mut missing = family(ID_NUMBER, "1949-12-31");
    missing.retain(|(name, _)| *name != "name");
    let no_name = app
        .post_form("/me/family", &missing, Some(&resident.cookie))
        .await;
    assert_eq!(error_of(&no_name), "family-error-name");
    assert!(app
        .state
        .portal
        .people
        .of(&resident.id)
        .await
        .expect("people")
        .is_empty());

    // A booking without a patient, without consent, and of a time already past.
    let person = add_person(&app, &resident, "self").await;
    let (slot, role) = slot_tomorrow(&app, FREE_HOSPITAL);
    let no_patient = book(&app, &resident, FREE_HOSPITAL, &slot, "").await;
    assert_eq!(error_of(&no_patient), "appointments-error-patient");
    let no_consent = app
        .post_form(
            "/c/shenzhen/doctors/book",
            &[
                ("hospital", FREE_HOSPITAL),
                ("slot", slot.as_str()),
                ("person", person.as_str()),
            ],
            Some(&resident.cookie),
        )
        .await;
    assert_eq!(error_of(&no_consent), "appointments-error-consent");
    let past = app.part::<SimulatedHospital>(FREE_HOSPITAL).add_slot(
        &role,
        jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_hours(2))
            .expect("time"),
    );
    let too_late = book(&app, &resident, FREE_HOSPITAL, &past, &person).await;
    assert_eq!(error_of(&too_late), "appointments-error-too-late");
    assert!(app
        .part::<SimulatedHospital>(FREE_HOSPITAL)
        .bookings()
        .is_empty());
    // Signing out forgets it: the next person at a shared phone finds nothing typed.
    let signed_out = app
        .post_form(
            "/signout",
            &[],
            Some(&format!("{}; {kept}", resident.cookie)),
        )
        .await;
    assert!(
        signed_out.cookies.iter().any(|c| c == "kept_form="),
        "{signed_out:?}"
    );
}

#[tokio::test]
async fn a_hold_found_after_a_lost_answer_is_kept_for_the_resident_to_pay() {
    let app = setup().await;
    let resident = resident(&app, "held@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (slot, _) = slot_tomorrow(&app, FEE_HOSPITAL);
    let hospital = &app.part::<SimulatedHospital>(FEE_HOSPITAL);
    hospital.answer_bookings_after(Some(std::time::Duration::from_millis(3500)));
    let lost = book(&app, &resident, FEE_HOSPITAL, &slot, &person).await;
    assert_eq!(error_of(&lost), "appointments-error-unsure");
    hospital.answer_bookings_after(None);
    age_sends(&app).await;
    run(&app, FEE_HOSPITAL).await;
    assert_eq!(state_of(&app, &resident).await, vec![State::Held]);
    let titles = inbox_titles(&app, &resident).await;
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("A time is held for you")),
        "{titles:?}"
    );
    assert!(wechatpay(&app).charges().is_empty(), "nothing charged yet");

    // From "My appointments", the fee is paid and the appointment booked: once.
    let id = app
        .home::<DoctorAppointments>()
        .store
        .of_resident(&resident.id, &[])
        .await
        .expect("mine")[0]
        .id
        .clone();
    let (_, mine) = app.get("/me/appointments", Some(&resident.cookie)).await;
    assert!(
        mine.contains(&format!("/me/appointments/{id}/pay")),
        "{mine}"
    );
    let pay = app
        .post_form(
            &format!("/me/appointments/{id}/pay"),
            &[],
            Some(&resident.cookie),
        )
        .await;
    assert!(pay.location.contains("checkmweb"), "{pay:?}");
    let order = wechatpay(&app).charges()[0].order_no.clone();
    assert!(wechatpay(&app).pay(&order));
    run(&app, FEE_HOSPITAL).await;
    assert_eq!(state_of(&app, &resident).await, vec![State::Booked]);
    assert_eq!(hospital.bookings().len(), 1, "booked once");
    assert_eq!(hospital.bookings()[0].status, "booked");
}

#[tokio::test]
async fn a_patient_removed_and_added_again_still_sees_one_doctor_once_a_day() {
    let app = setup().await;
    let resident = resident(&app, "again@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (slot, role) = slot_tomorrow(&app, FREE_HOSPITAL);
    let free = app.part::<SimulatedHospital>(FREE_HOSPITAL).free_slots();
    let start = free.iter().find(|(s, _, _)| *s == slot).expect("slot").2;
    let zone = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
    let day = start.to_zoned_datetime(zone.clone()).date();
    let other = free
        .iter()
        .find(|(s, r, at)| {
            *s != slot && *r == role && at.to_zoned_datetime(zone.clone()).date() == day
        })
        .expect("another time of the doctor that day")
        .0
        .clone();
    let first = book(&app, &resident, FREE_HOSPITAL, &slot, &person).await;
    assert!(
        first.location.contains("notice=appointments-booked"),
        "{first:?}"
    );
    let removed = app
        .post_form(
            "/me/family/remove",
            &[("person", person.as_str())],
            Some(&resident.cookie),
        )
        .await;
    assert!(
        removed.location.contains("notice=family-removed"),
        "{removed:?}"
    );
    let again = add_person(&app, &resident, "self").await;
    assert_ne!(again, person);
    let second = book(&app, &resident, FREE_HOSPITAL, &other, &again).await;
    assert_eq!(error_of(&second), "appointments-error-same-day");
}

#[tokio::test]
async fn a_hospital_that_books_at_once_what_it_was_asked_to_hold_still_gets_its_fee_first() {
    let app = setup().await;
    let resident = resident(&app, "no-holds@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    app.part::<SimulatedHospital>(FEE_HOSPITAL)
        .ignore_holds(true);
    let (slot, _) = slot_tomorrow(&app, FEE_HOSPITAL);
    let posted = book(&app, &resident, FEE_HOSPITAL, &slot, &person).await;
    assert!(
        posted.location.contains("checkmweb"),
        "the fee first: {posted:?}"
    );
    assert_eq!(state_of(&app, &resident).await, vec![State::Held]);

    let order = wechatpay(&app).charges()[0].order_no.clone();
    assert!(wechatpay(&app).pay(&order));
    run(&app, FEE_HOSPITAL).await;
    assert_eq!(state_of(&app, &resident).await, vec![State::Booked]);
    assert_eq!(
        app.part::<SimulatedHospital>(FEE_HOSPITAL).bookings().len(),
        1
    );
}

/// A portal whose hospital that charges a fee gives half of it back when a patient cancels
/// (its config directory lives as long as the portal is used).
async fn half_back_on_cancelling() -> (TestApp, tempfile::TempDir) {
    let config = crate::common::demo_config_with(
        "district = \"luohu\"\ncancel_before_hours = 2\n",
        "district = \"luohu\"\ncancel_before_hours = 2\ncancel_refund_percent = 50\n",
    );
    let app = TestApp::spawn_with(|settings| {
        settings.services.get_mut::<PaymentSettings>().worker = false;
        settings.breaker.cool_down = std::time::Duration::from_secs(1);
        settings.config_dir = config.path().to_owned();
    })
    .await;
    enrol_her(&app);
    let appointments = app.home::<DoctorAppointments>();
    let hospital = appointments.hospitals.get(FEE_HOSPITAL);
    let percent = hospital
        .expect("the hospital")
        .options
        .cancel_refund_percent;
    assert_eq!(percent, 50);
    (app, config)
}

#[tokio::test]
async fn a_residents_own_cancellation_gives_back_what_the_hospitals_rule_says() {
    let (app, _config) = half_back_on_cancelling().await;
    let resident = resident(&app, "half@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (_, booking) = booked_and_paid(&app, &resident, &person).await;
    ask_to_cancel(&app, &resident, &booking).await;
    run(&app, FEE_HOSPITAL).await;

    assert_eq!(state_of(&app, &resident).await, vec![State::Cancelled]);
    let charge = wechatpay(&app).charges()[0].clone();
    assert_eq!(charge.refunded * 2, charge.total, "half back: {charge:?}");
    let (_, mine) = app.get("/me/appointments", Some(&resident.cookie)).await;
    assert!(!mine.contains("Cancelled by the hospital"), "{mine}");
    let titles = inbox_titles(&app, &resident).await;
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Appointment cancelled")),
        "{titles:?}"
    );
}

#[tokio::test]
async fn a_cancellation_that_meets_the_hospitals_own_is_the_hospitals_and_refunded_whole() {
    let (app, _config) = half_back_on_cancelling().await;
    let resident = resident(&app, "crossed@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (_, booking) = booked_and_paid(&app, &resident, &person).await;

    // The resident asks to cancel; before the portal tells the hospital, its staff cancel.
    ask_to_cancel(&app, &resident, &booking).await;
    assert!(app
        .part::<SimulatedHospital>(FEE_HOSPITAL)
        .cancel_by_staff(&booking, "doctor off sick"));
    run(&app, FEE_HOSPITAL).await;

    assert_eq!(state_of(&app, &resident).await, vec![State::Cancelled]);
    let charge = wechatpay(&app).charges()[0].clone();
    assert_eq!(
        charge.refunded, charge.total,
        "the hospital cancelled: the whole fee back, not half: {charge:?}"
    );
    let (_, mine) = app.get("/me/appointments", Some(&resident.cookie)).await;
    assert!(mine.contains("Cancelled by the hospital"), "{mine}");
    let titles = inbox_titles(&app, &resident).await;
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("The hospital cancelled your appointment")),
        "{titles:?}"
    );
}

/// The family form's fields for her, with other values where `changed` says.
fn her_with(changed: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    her("parent")
        .into_iter()
        .map(|(name, value)| {
            let changed = changed.iter().find(|(n, _)| *n == name);
            (name, changed.map_or(value, |(_, v)| *v))
        })
        .collect()
}

#[tokio::test]
async fn a_number_typed_proves_nothing_the_carrier_and_the_code_to_their_mobile_do() {
    let app = setup().await;
    let stranger = resident(&app, "stranger@example.com").await;
    // Her ID-card number with the stranger's own mobile: the carrier does not know them
    // together, so she is not kept, and no code goes anywhere.
    let with_my_phone = her_with(&[("phone", "13911112222")]);
    let refused = app
        .post_form("/me/family", &with_my_phone, Some(&stranger.cookie))
        .await;
    assert_eq!(error_of(&refused), "family-error-not-theirs");
    let kept = || async {
        app.state
            .portal
            .people
            .of(&stranger.id)
            .await
            .expect("people")
            .len()
    };
    assert_eq!(kept().await, 0);
    // Guessing the name that goes with her number and mobile: five failed checks an hour.
    for guess in ["王芬", "王方", "汪芳", "王芳芳"] {
        let refused = app
            .post_form(
                "/me/family",
                &her_with(&[("name", guess)]),
                Some(&stranger.cookie),
            )
            .await;
        assert_eq!(error_of(&refused), "family-error-not-theirs", "{guess}");
    }
    let limited = app
        .post_form("/me/family", &her("parent"), Some(&stranger.cookie))
        .await;
    assert_eq!(error_of(&limited), "account-error-rate-limited");
    assert_eq!(kept().await, 0);
    app.advance(std::time::Duration::from_secs(3601)).await;

    // The carrier confirms her: she is kept, but proven only by the code sent to her mobile.
    // (Sex and date of birth left empty: her number holds them.)
    let family = resident(&app, "family@example.com").await;
    let pending = app
        .add_person_unproven(
            &family.cookie,
            &her_with(&[("sex", ""), ("birth_date", "")]),
        )
        .await;
    let person = app.person_with(&family.id, ID_NUMBER).await;
    let kept = app
        .state
        .portal
        .people
        .get(&family.id, &person)
        .await
        .expect("people")
        .expect("her");
    assert_eq!(kept.birth_date, jiff::civil::date(1949, 12, 31));
    assert_eq!(kept.sex, server::people::Sex::Female);
    let (slot, _) = slot_tomorrow(&app, FREE_HOSPITAL);
    let unproven = book(&app, &family, FREE_HOSPITAL, &slot, &person).await;
    assert_eq!(error_of(&unproven), "appointments-error-not-proven");
    let (_, page) = app.get("/me/family", Some(&family.cookie)).await;
    assert!(
        page.contains("data-proven=\"false\""),
        "shown as not proven"
    );
    let wrong = app
        .post_form(
            "/me/family/code",
            &[("pending", pending.as_str()), ("code", "000000")],
            Some(&family.cookie),
        )
        .await;
    let sent = app.code_sent_to(PHONE);
    if sent != "000000" {
        assert_eq!(error_of(&wrong), "account-error-code-wrong");
    }
    // Someone else's session cannot use her code.
    let taken = app
        .post_form(
            "/me/family/code",
            &[("pending", pending.as_str()), ("code", sent.as_str())],
            Some(&stranger.cookie),
        )
        .await;
    assert_eq!(error_of(&taken), "account-error-code-expired");
    let proven = app
        .post_form(
            "/me/family/code",
            &[("pending", pending.as_str()), ("code", sent.as_str())],
            Some(&family.cookie),
        )
        .await;
    assert!(
        proven.location.contains("notice=family-proven"),
        "{proven:?}"
    );
    let booked = book(&app, &family, FREE_HOSPITAL, &slot, &person).await;
    assert!(
        booked.location.contains("notice=appointments-booked"),
        "{booked:?}"
    );

    // A proof lasts a year: then she is proven again before anything more is booked.
    app.advance(std::time::Duration::from_secs(366 * 24 * 3600))
        .await;
    // (Her session ended meanwhile: she signs in again.)
    let family = Resident {
        cookie: app
            .sign_in("family@example.com", "correct horse battery")
            .await
            .cookie("__Host-portal_session")
            .expect("a session"),
        id: family.id,
    };
    let (other, _) = slot_tomorrow(&app, FREE_HOSPITAL);
    let lapsed = book(&app, &family, FREE_HOSPITAL, &other, &person).await;
    assert_eq!(error_of(&lapsed), "appointments-error-not-proven");
    let (_, page) = app.get("/me/family", Some(&family.cookie)).await;
    assert!(
        page.contains("data-proven=\"false\""),
        "shown as not proven"
    );
}

#[tokio::test]
async fn a_proven_person_sees_and_cancels_every_booking_under_their_number_and_no_one_learns_anothers(
) {
    let app = setup().await;
    let daughter = resident(&app, "daughter@example.com").await;
    let son = resident(&app, "son@example.com").await;
    let for_daughter = add_person(&app, &daughter, "parent").await;
    let (slot, role) = slot_tomorrow(&app, FREE_HOSPITAL);
    let free = app.part::<SimulatedHospital>(FREE_HOSPITAL).free_slots();
    let start = free.iter().find(|(s, _, _)| *s == slot).expect("slot").2;
    let booked = book(&app, &daughter, FREE_HOSPITAL, &slot, &for_daughter).await;
    assert!(
        booked.location.contains("notice=appointments-booked"),
        "{booked:?}"
    );
    let booking = app
        .home::<DoctorAppointments>()
        .store
        .of_resident(&daughter.id, &[])
        .await
        .expect("appointments")[0]
        .id
        .clone();

    // Her son keeps her too, but has not proven her yet: he sees nothing of it.
    let pending = app.add_person_unproven(&son.cookie, &her("parent")).await;
    let (_, page) = app.get("/me/appointments", Some(&son.cookie)).await;
    assert!(!page.contains("data-state=\"booked\""), "not before proof");
    let refused = app
        .post_form(
            &format!("/me/appointments/{booking}/cancel"),
            &[],
            Some(&son.cookie),
        )
        .await;
    assert_eq!(error_of(&refused), "error-not-found");

    // Proven (she gave him the code sent to her mobile), he sees it, with no link to a
    // payment that is not his...
    let code = app.code_sent_to(PHONE);
    let proven = app
        .post_form(
            "/me/family/code",
            &[("pending", pending.as_str()), ("code", code.as_str())],
            Some(&son.cookie),
        )
        .await;
    assert!(
        proven.location.contains("notice=family-proven"),
        "{proven:?}"
    );
    let (_, page) = app.get("/me/appointments", Some(&son.cookie)).await;
    assert!(
        page.contains("data-state=\"booked\""),
        "his mother's booking"
    );
    assert!(page.contains(NAME));
    assert!(!page.contains("/me/payments/"), "no one else's payment");

    // ...another time with the same doctor that day reads as no longer available (the
    // booking that stands in the way is not his to be told of), while his sister is told.
    let day_of = |at: jiff::Timestamp| {
        at.to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone"))
            .date()
    };
    let other = free
        .iter()
        .find(|(s, r, at)| *s != slot && *r == role && day_of(*at) == day_of(start))
        .expect("another time of the doctor that day")
        .0
        .clone();
    let for_son = app.person_with(&son.id, ID_NUMBER).await;
    let his = book(&app, &son, FREE_HOSPITAL, &other, &for_son).await;
    assert_eq!(error_of(&his), "appointments-error-taken");
    let hers = book(&app, &daughter, FREE_HOSPITAL, &other, &for_daughter).await;
    assert_eq!(error_of(&hers), "appointments-error-same-day");

    // And he may cancel it: it is his mother's.
    ask_to_cancel(&app, &son, &booking).await;
    assert_eq!(state_of(&app, &daughter).await, vec![State::Cancelling]);
}

/// A hospital that gives its names in English too (FHIR's `translation` extension on the
/// department's name, the doctor's name and the room) is read in the resident's language.
#[tokio::test]
async fn departments_doctors_and_rooms_are_named_in_the_residents_language() {
    let app = setup().await;
    let tomorrow = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone"))
        .date()
        .tomorrow()
        .expect("a day");
    let path = format!("/c/shenzhen/doctors/{FREE_HOSPITAL}/internal?day={tomorrow}");
    let (status, english) = app.get(&path, Some("lang=en")).await;
    assert_eq!(status, 200, "{english}");
    let text = english.replace("<!>", "");
    assert!(text.contains("Internal medicine"), "{text}");
    assert!(
        text.contains("Internal medicine, room "),
        "the room in English"
    );
    assert!(
        !text.contains("诊室"),
        "no room in Chinese on an English page"
    );
    let (_, chinese) = app.get(&path, Some("lang=zh-CN")).await;
    assert!(chinese.contains("诊室"));
    // The doctor's name: "王伟" on the Chinese page is "Wang Wei" on the English one.
    let hanzi: Vec<&str> = chinese
        .split("class=\"doctor-name\">")
        .skip(1)
        .filter_map(|rest| rest.split('<').next())
        .collect();
    assert!(!hanzi.is_empty(), "doctors listed");
    assert!(text.split("class=\"doctor-name\">").skip(1).all(|rest| rest
        .split('<')
        .next()
        .is_some_and(|name| name.is_ascii() && name.contains(' '))));
}

#[tokio::test]
async fn each_move_of_an_appointment_is_in_its_history_and_a_move_not_in_the_table_is_refused() {
    use server::services::appointments::store::{Change, TABLE};
    use server::services::payments::{checkout::ReservationEvent, lifecycle::MovedBy};

    let app = setup().await;
    let resident = resident(&app, "history@example.com").await;
    let person = add_person(&app, &resident, "self").await;
    let (_, booking) = booked_and_paid(&app, &resident, &person).await;
    ask_to_cancel(&app, &resident, &booking).await;
    run(&app, FEE_HOSPITAL).await;
    assert_eq!(state_of(&app, &resident).await, vec![State::Cancelled]);

    let pool = app.state.portal.storage.pool();
    let steps = |history: Vec<payments::lifecycle::Step>| -> Vec<(String, String, String)> {
        history
            .into_iter()
            .map(|s| (s.from.unwrap_or_default(), s.event, s.by))
            .collect()
    };
    let history = payments::checkout::moves::history(pool, &TABLE, &booking)
        .await
        .expect("history");
    let expected: Vec<(String, String, String)> = [
        ("", "requested", "resident"),
        ("requested", "held", "resident"),
        ("held", "paid", "payment"),
        ("paid", "booked", "job"),
        ("booked", "cancel-asked", "resident"),
        ("cancelling", "cancelled", "job"),
    ]
    .into_iter()
    .map(|(from, event, by)| (from.to_owned(), event.to_owned(), by.to_owned()))
    .collect();
    assert_eq!(steps(history), expected);

    // A cancelled appointment is never paid again: the move is not in the table, so
    // nothing is written, not even a step.
    let moved = app
        .home::<DoctorAppointments>()
        .store
        .advance(
            &booking,
            &[State::Cancelled],
            ReservationEvent::Paid,
            MovedBy::Job,
            &Change::default(),
        )
        .await
        .expect("storage");
    assert!(!moved);
    assert_eq!(state_of(&app, &resident).await, vec![State::Cancelled]);
    let after = payments::checkout::moves::history(pool, &TABLE, &booking)
        .await
        .expect("history");
    assert_eq!(after.len(), expected.len());
}
