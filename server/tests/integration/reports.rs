//! Reports end to end over HTTP: the form, the checks, the worker delivering to the demo
//! desks (real Open311 over loopback), routing, status into the inbox, "me too", the
//! public list, and two processes on one database. On Postgres when `TEST_DATABASE_URL`
//! is set, else SQLite.

use crate::common;
use server::services::reports::registration::ReportSettings;

use std::time::Duration;

use common::{eventually, location_of, TestApp};
use server::{
    services::reports::{
        simulator::{DeskBehaviour, SimulatedDesk},
        IncidentReports,
    },
    simulators::faults::FaultMode,
};
use sqlx::{Connection, Row};

/// Futian, Shenzhen: the west desk takes its lights and drains.
const FUTIAN: (&str, &str) = ("22.5431", "114.0579");
/// Luohu, Shenzhen: the east desk.
const LUOHU: (&str, &str) = ("22.5485", "114.1310");
/// Tianhe, Guangzhou: another city.
const TIANHE: (&str, &str) = ("23.1291", "113.3612");

pub fn street_light<'a>(at: (&'a str, &'a str), description: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("category", "streetlight"),
        ("lat", at.0),
        ("lon", at.1),
        ("description", description),
        ("attribute[light_state]", "off"),
    ]
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .expect("encodes");
    bytes
}

/// Rows in a table, read straight from the database.
async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .expect("database opens");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM {table}"
    )))
    .fetch_one(&mut connection)
    .await
    .expect("count")
    .try_get::<i64, _>("n")
    .expect("a number")
}

fn requests_with(app: &TestApp, desk: &str, reference: &str) -> usize {
    app.part::<SimulatedDesk>(desk)
        .requests()
        .iter()
        .filter(|r| r.description.contains(reference))
        .count()
}

pub async fn file(app: &TestApp, fields: &[(&str, &str)], cookie: Option<&str>) -> String {
    let (status, answer) = app
        .post_multipart("/c/shenzhen/report", fields, &[], cookie)
        .await;
    assert_eq!(status, 201, "{answer}");
    answer["reference"]
        .as_str()
        .expect("a reference")
        .to_owned()
}

#[tokio::test]
async fn a_report_filed_while_the_desk_is_down_is_accepted_and_delivered_once_after_recovery() {
    let app = TestApp::spawn().await;
    app.knobs("open311").set(FaultMode::Down);
    let reference = file(
        &app,
        &street_light(FUTIAN, "Light off at the bus stop"),
        None,
    )
    .await;
    // Acknowledged: stored, not yet at the desk.
    assert_eq!(count(&app, "reports").await, 1);
    assert!(
        eventually(10, async || {
            let report = app.home::<IncidentReports>().store.by_reference(&reference).await;
            matches!(report, Ok(Some(r)) if matches!(r.state, server::services::reports::ReportState::Queued { attempts } if attempts >= 1))
        })
        .await,
        "the worker tried while the desk was down"
    );
    assert_eq!(requests_with(&app, "shenzhen-urban-west", &reference), 0);

    app.knobs("open311").set(FaultMode::Ok);
    // Past the desk's breaker cool-down (30 s) and the next attempt's backoff (at most 5 min).
    app.advance(Duration::from_secs(300)).await;
    assert!(
        eventually(10, async || requests_with(
            &app,
            "shenzhen-urban-west",
            &reference
        ) == 1)
        .await,
        "delivered after recovery"
    );
    app.advance(Duration::from_secs(3600)).await;
    assert_eq!(
        requests_with(&app, "shenzhen-urban-west", &reference),
        1,
        "and only once"
    );
    let record = app
        .home::<IncidentReports>()
        .store
        .by_reference(&reference)
        .await
        .expect("read")
        .expect("stored");
    assert!(matches!(
        record.state,
        server::services::reports::ReportState::Delivered {
            request_id: Some(_),
            ..
        }
    ));
    let timeline: Vec<&str> = record.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(timeline[..2], ["filed", "delivered"], "{timeline:?}");
}

#[tokio::test]
async fn a_desk_that_times_out_after_accepting_still_gets_one_request() {
    let app = TestApp::spawn().await;
    let desk = &app.part::<SimulatedDesk>("shenzhen-urban-west");
    // The desk stores the request, then answers after the adapter's 3 s timeout.
    desk.set_behaviour(DeskBehaviour {
        answer_delay_ms: 4_000,
        ..Default::default()
    });
    let reference = file(&app, &street_light(FUTIAN, "Flickering all night"), None).await;
    assert!(
        eventually(10, async || requests_with(
            &app,
            "shenzhen-urban-west",
            &reference
        ) == 1)
        .await,
        "the desk has it"
    );
    desk.set_behaviour(DeskBehaviour::default());
    // The attempt timed out and waits for its retry: the retry's time comes at once.
    assert!(
        eventually(10, async || {
            sqlx::query(
                "SELECT id FROM jobs WHERE kind = 'report.deliver' AND attempts >= 1 \
                   AND claimed_until IS NULL AND settled_at IS NULL",
            )
            .fetch_optional(app.state.portal.storage.pool())
            .await
            .is_ok_and(|waiting| waiting.is_some())
        })
        .await,
        "the first attempt ended"
    );
    app.advance(Duration::from_secs(300)).await;
    assert!(
        eventually(30, async || {
            matches!(
                app.home::<IncidentReports>().store.by_reference(&reference).await,
                Ok(Some(r)) if matches!(r.state, server::services::reports::ReportState::Delivered { .. })
            )
        })
        .await,
        "the report is settled as delivered"
    );
    assert_eq!(
        requests_with(&app, "shenzhen-urban-west", &reference),
        1,
        "found at the desk, not sent again"
    );
}

/// (what is wrong, the form's fields, its files, what the answer must say)
type BadCase<'a> = (
    &'a str,
    Vec<(&'a str, &'a str)>,
    Vec<(&'a str, &'a str, Vec<u8>)>,
    &'a str,
);

#[tokio::test]
async fn bad_input_gets_clear_errors_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(5_000);
    let cases: Vec<BadCase> = vec![
        (
            "no pin",
            vec![
                ("category", "streetlight"),
                ("attribute[light_state]", "off"),
            ],
            vec![],
            "Place the pin on the map",
        ),
        (
            "pin outside the city",
            street_light(TIANHE, "Light off"),
            vec![],
            "The pin is outside Shenzhen",
        ),
        (
            "10 MB photo",
            street_light(FUTIAN, "Light off"),
            vec![("photos", "huge.jpg", vec![0xFF; 10 * 1024 * 1024])],
            "huge.jpg is larger than 8 MB",
        ),
        (
            "a PDF renamed .jpg",
            street_light(FUTIAN, "Light off"),
            vec![(
                "photos",
                "light.jpg",
                b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nendobj\n".to_vec(),
            )],
            "light.jpg is not a photo",
        ),
        (
            "5,000-character description",
            street_light(FUTIAN, &long),
            vec![],
            "5000 characters long",
        ),
        (
            "HTML in the description",
            street_light(FUTIAN, "<script>alert('x')</script> light off"),
            vec![],
            "remove the <…> tags",
        ),
        (
            "a required answer missing",
            vec![
                ("category", "streetlight"),
                ("lat", FUTIAN.0),
                ("lon", FUTIAN.1),
            ],
            vec![],
            "Please answer: What is wrong with the light?",
        ),
    ];
    for (case, fields, files, expected) in cases {
        let (status, answer) = app
            .post_multipart("/c/shenzhen/report", &fields, &files, None)
            .await;
        assert_eq!(status, 422, "{case}: {answer}");
        let messages: Vec<&str> = answer["problems"]
            .as_array()
            .expect("problems listed")
            .iter()
            .filter_map(|p| p["message"].as_str())
            .collect();
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{case}: {messages:?}"
        );
    }
    assert_eq!(count(&app, "reports").await, 0, "nothing stored half-way");
    assert_eq!(count(&app, "report_photos").await, 0);
    assert_eq!(count(&app, "report_events").await, 0);

    // The same form, put right, is taken, with its photo cleaned.
    let (status, answer) = app
        .post_multipart(
            "/c/shenzhen/report",
            &street_light(FUTIAN, "Light off"),
            &[("photos", "light.jpg", jpeg(64, 48))],
            None,
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(count(&app, "report_photos").await, 1);
}

#[tokio::test]
async fn reports_are_routed_by_district_and_category_and_carry_photos() {
    let app = TestApp::spawn().await;
    let west = file(&app, &street_light(FUTIAN, "West light"), None).await;
    let east = file(&app, &street_light(LUOHU, "East light"), None).await;
    let parking = file(
        &app,
        &[
            ("category", "parking"),
            ("lat", FUTIAN.0),
            ("lon", FUTIAN.1),
            ("attribute[plate]", "粤B12345"),
            ("attribute[since]", "2026-11-24T08:30"),
        ],
        None,
    )
    .await;
    let (status, with_photo) = app
        .post_multipart(
            "/c/shenzhen/report",
            &street_light(FUTIAN, "With a photo"),
            &[("photos", "p.jpg", jpeg(400, 300))],
            None,
        )
        .await;
    assert_eq!(status, 201);
    let with_photo = with_photo["reference"]
        .as_str()
        .expect("reference")
        .to_owned();

    assert!(
        eventually(15, async || {
            requests_with(&app, "shenzhen-urban-west", &west) == 1
                && requests_with(&app, "shenzhen-urban-east", &east) == 1
                && requests_with(&app, "shenzhen-traffic-police", &parking) == 1
                && requests_with(&app, "shenzhen-urban-west", &with_photo) == 1
        })
        .await,
        "each report reached its own desk"
    );
    assert_eq!(requests_with(&app, "shenzhen-urban-east", &west), 0);
    let police = app
        .part::<SimulatedDesk>("shenzhen-traffic-police")
        .requests();
    let request = police
        .iter()
        .find(|r| r.description.contains(&parking))
        .expect("there");
    assert!(request
        .attributes
        .contains(&("plate".to_owned(), "粤B12345".to_owned())));
    // 08:30 in Shenzhen is 00:30 UTC.
    assert!(request
        .attributes
        .iter()
        .any(|(c, v)| c == "since" && v.starts_with("2026-11-24T00:30")));

    // The desk's copy links the photo; it is a clean JPEG anyone with the link can fetch.
    let desk = app.part::<SimulatedDesk>("shenzhen-urban-west").requests();
    let request = desk
        .iter()
        .find(|r| r.description.contains(&with_photo))
        .expect("there");
    let media = request.media_url.clone().expect("a photo link");
    let path = url::Url::parse(&media).expect("a URL").path().to_owned();
    let response = app.get_response(&path).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let bytes = response.bytes().await.expect("body");
    assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
    // Lists show a thumbnail of at most 192 px.
    let thumbnail = app
        .get_response(&path.replace(".jpg", ".thumb.jpg"))
        .await
        .bytes()
        .await
        .expect("body");
    let small = image::load_from_memory(&thumbnail).expect("a JPEG");
    assert!(small.width() <= 192 && small.height() <= 192);
    assert_eq!(
        app.get_response("/media/reports/not-a-photo.jpg")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn status_changes_reach_the_timeline_and_the_inbox_and_contact_goes_only_with_consent() {
    let app = TestApp::spawn_with(|settings| {
        settings
            .services
            .get_mut::<ReportSettings>()
            .demo_close_after = Duration::from_secs(2);
        settings.services.get_mut::<ReportSettings>().poll_every = Duration::from_secs(1);
    })
    .await;
    let cookie = app.sign_up("resident@example.com", "a long password").await;
    let mut shared = street_light(FUTIAN, "Please call me back");
    shared.push(("share_contact", "1"));
    let with_contact = file(&app, &shared, Some(&cookie)).await;
    let without = file(&app, &street_light(FUTIAN, "No contact"), Some(&cookie)).await;

    assert!(
        eventually(30, async || {
            for reference in [&with_contact, &without] {
                let closed = app
                    .home::<IncidentReports>()
                    .store
                    .by_reference(reference)
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|r| r.desk_status.as_deref() == Some("closed"));
                if !closed {
                    return false;
                }
            }
            true
        })
        .await,
        "the desk closed both and the portal noticed"
    );
    let desk = app.part::<SimulatedDesk>("shenzhen-urban-west").requests();
    let contacted = desk
        .iter()
        .find(|r| r.description.contains(&with_contact))
        .expect("there");
    assert_eq!(contacted.email.as_deref(), Some("resident@example.com"));
    assert!(
        contacted.account_id.is_some(),
        "a pseudonym, never the account id"
    );
    let anonymous = desk
        .iter()
        .find(|r| r.description.contains(&without))
        .expect("there");
    assert_eq!(
        (anonymous.email.as_ref(), anonymous.account_id.as_ref()),
        (None, None)
    );

    let (_, inbox) = app.get("/inbox", Some(&cookie)).await;
    assert!(
        inbox.contains(&format!("Your report {with_contact} is closed")),
        "{inbox}"
    );
    let (_, mine) = app.get("/me/reports", Some(&cookie)).await;
    assert!(mine.contains(&with_contact) && mine.contains(&without));
    let (_, page) = app
        .get(&format!("/me/reports/{with_contact}"), Some(&cookie))
        .await;
    for step in ["Received by the portal", "Delivered to the desk", "Closed"] {
        assert!(page.contains(step), "timeline has {step}");
    }
    // Another resident cannot open it.
    let other = app
        .sign_up("other@example.com", "another long password")
        .await;
    let (status, _) = app
        .get(&format!("/me/reports/{with_contact}"), Some(&other))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_anonymous_report_gets_a_private_link_and_the_public_list_shows_nothing_personal() {
    let app = TestApp::spawn().await;
    let (status, answer) = app
        .post_multipart(
            "/c/shenzhen/report",
            &street_light(FUTIAN, "Call 13800138000 about it"),
            &[],
            None,
        )
        .await;
    assert_eq!(status, 201);
    let location = answer["location"].as_str().expect("a link");
    let reference = answer["reference"].as_str().expect("a reference");
    let (status, page) = app.get(location, None).await;
    assert_eq!(status, 200);
    assert!(page.contains(reference) && page.contains("Call 13800138000"));
    let (status, _) = app.get("/r/not-a-real-token", None).await;
    assert_eq!(status, 404);

    let (status, public) = app.get("/c/shenzhen/reports", None).await;
    assert_eq!(status, 200);
    assert!(public.contains(reference), "listed");
    assert!(!public.contains("13800138000"), "without the description");
}

#[tokio::test]
async fn open_reports_within_50_m_are_offered_for_me_too() {
    let app = TestApp::spawn().await;
    let reference = file(&app, &street_light(FUTIAN, "Dark corner"), None).await;
    let nearby = |lat: &'static str| {
        let app = &app;
        async move {
            let response = app
                .get_response(&format!(
                    "/api/c/shenzhen/reports/nearby?category=streetlight&lat={lat}&lon={}",
                    FUTIAN.1
                ))
                .await;
            response.json::<serde_json::Value>().await.expect("json")
        }
    };
    // 0.0003° of latitude is about 33 m; 0.0006° about 67 m.
    assert_eq!(nearby("22.5434").await[0]["reference"], reference);
    assert_eq!(nearby("22.5437").await.as_array().map(Vec::len), Some(0));

    let cookie = app
        .sign_up("neighbour@example.com", "a long password")
        .await;
    for _ in 0..2 {
        let posted = app
            .post_form(
                "/r/support",
                &[("reference", &reference), ("next", "/c/shenzhen/reports")],
                Some(&cookie),
            )
            .await;
        assert_eq!(posted.status, 303);
    }
    assert_eq!(
        nearby("22.5431").await[0]["supporters"],
        1,
        "once per resident"
    );
}

#[tokio::test]
async fn two_processes_on_one_database_deliver_each_report_once() {
    let first = TestApp::spawn().await;
    let url = first.database_url.clone();
    let second = TestApp::spawn_with(move |settings| settings.database_url = url).await;
    let mut references = Vec::new();
    for i in 0..20 {
        let description = format!("Light {i}");
        let app = if i % 2 == 0 { &first } else { &second };
        references.push(file(app, &street_light(FUTIAN, &description), None).await);
    }
    let total = |reference: &str| {
        requests_with(&first, "shenzhen-urban-west", reference)
            + requests_with(&second, "shenzhen-urban-west", reference)
    };
    assert!(
        eventually(30, async || references.iter().all(|r| total(r) >= 1)).await,
        "all delivered"
    );
    // Any attempt still under way in either process has ended.
    first.workers_caught_up().await;
    second.workers_caught_up().await;
    for reference in &references {
        assert_eq!(total(reference), 1, "{reference} delivered once");
    }
}

#[tokio::test]
async fn the_same_form_sent_twice_is_one_report_with_one_link() {
    let app = TestApp::spawn().await;
    let submission = uuid::Uuid::new_v4().to_string();
    let mut fields = street_light(FUTIAN, "Sent twice after a lost answer");
    fields.push(("submission", &submission));
    let (first_status, first) = app
        .post_multipart("/c/shenzhen/report", &fields, &[], None)
        .await;
    let (second_status, second) = app
        .post_multipart("/c/shenzhen/report", &fields, &[], None)
        .await;
    assert_eq!((first_status, second_status), (201, 201));
    assert_eq!(first["reference"], second["reference"]);
    assert_eq!(first["location"], second["location"]);
    assert_eq!(count(&app, "reports").await, 1);
    // A new form (a new id) is a new report.
    let other = uuid::Uuid::new_v4().to_string();
    let mut fields = street_light(FUTIAN, "Another one");
    fields.push(("submission", &other));
    let (status, _) = app
        .post_multipart("/c/shenzhen/report", &fields, &[], None)
        .await;
    assert_eq!(status, 201);
    assert_eq!(count(&app, "reports").await, 2);
}

#[tokio::test]
async fn a_desk_refusal_is_shown_to_the_resident_and_not_retried() {
    let app = TestApp::spawn().await;
    let cookie = app.sign_up("refused@example.com", "a long password").await;
    app.part::<SimulatedDesk>("shenzhen-urban-west")
        .set_behaviour(DeskBehaviour {
            reject: true,
            ..Default::default()
        });
    let reference = file(&app, &street_light(FUTIAN, "Refused one"), Some(&cookie)).await;
    assert!(
        eventually(15, async || {
            matches!(
                app.home::<IncidentReports>().store.by_reference(&reference).await,
                Ok(Some(r)) if matches!(r.state, server::services::reports::ReportState::Refused { .. })
            )
        })
        .await,
        "settled as refused"
    );
    let (_, page) = app
        .get(&format!("/me/reports/{reference}"), Some(&cookie))
        .await;
    assert!(
        page.contains("The desk did not accept this report"),
        "{page}"
    );
    assert!(page.contains("The desk cannot take this request here."));
    let (_, inbox) = app.get("/inbox", Some(&cookie)).await;
    assert!(inbox.contains(&format!("Your report {reference} was not accepted")));
    // Final: nothing more is sent, however long after.
    app.advance(Duration::from_secs(24 * 3600)).await;
    assert_eq!(requests_with(&app, "shenzhen-urban-west", &reference), 0);
}

#[tokio::test]
async fn a_desk_that_answers_with_a_token_gets_its_request_id_looked_up() {
    let app = TestApp::spawn().await;
    app.part::<SimulatedDesk>("shenzhen-urban-west")
        .set_behaviour(DeskBehaviour {
            token_only: true,
            ..Default::default()
        });
    let reference = file(&app, &street_light(FUTIAN, "Token please"), None).await;
    assert!(
        eventually(15, async || {
            matches!(
                app.home::<IncidentReports>().store.by_reference(&reference).await,
                Ok(Some(r)) if matches!(
                    &r.state,
                    server::services::reports::ReportState::Delivered { request_id: Some(_), token: Some(_) }
                )
            )
        })
        .await,
        "the token was turned into the desk's request id"
    );
    assert_eq!(requests_with(&app, "shenzhen-urban-west", &reference), 1);
}

#[tokio::test]
async fn a_sender_past_the_hourly_limit_is_told_to_wait() {
    let app = TestApp::spawn_with(|settings| {
        settings.services.get_mut::<ReportSettings>().limit_per_hour = 2;
    })
    .await;
    file(&app, &street_light(FUTIAN, "One"), None).await;
    file(&app, &street_light(FUTIAN, "Two"), None).await;
    let (status, answer) = app
        .post_multipart(
            "/c/shenzhen/report",
            &street_light(FUTIAN, "Three"),
            &[],
            None,
        )
        .await;
    assert_eq!(status, 429);
    assert!(answer["problems"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("2 reports in the last hour")));
    assert_eq!(count(&app, "reports").await, 2);
    // A signed-in resident counts on their own.
    let cookie = app.sign_up("counted@example.com", "a long password").await;
    file(&app, &street_light(FUTIAN, "Mine"), Some(&cookie)).await;
}

#[tokio::test]
async fn a_plain_form_that_is_refused_comes_back_filled_in_with_every_problem() {
    let app = TestApp::spawn().await;
    let long = format!("Water everywhere. {}", "x".repeat(2_100));
    let fields = [
        ("category", "drain"),
        ("lat", ""),
        ("lon", ""),
        ("description", long.as_str()),
        ("attribute[depth_cm]", "about forty"),
        ("attribute[smell]", "sewage"),
        ("submission", "5f0c6a52-3c1e-4a8e-9d5e-2b7d3c9f4a11"),
    ];
    let (status, location) = app
        .post_multipart_plain("/c/shenzhen/report", &fields, None)
        .await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/c/shenzhen/report?category=drain&draft="),
        "{location}"
    );
    let (status, page) = app.get(&location, None).await;
    assert_eq!(status, 200);
    for problem in [
        "Place the pin on the map",
        "please shorten it to 2000",
        "must be a number",
    ] {
        assert!(page.contains(problem), "says {problem}");
    }
    assert!(
        page.contains("Water everywhere."),
        "the description is kept"
    );
    assert!(
        page.contains(r#"value="about forty""#),
        "the answer is kept"
    );
    assert!(
        page.contains(r#"value="sewage" checked"#),
        "the choice is kept"
    );
    assert!(page.contains(r#"name="submission" value="5f0c6a52-3c1e-4a8e-9d5e-2b7d3c9f4a11""#));
    assert_eq!(count(&app, "reports").await, 0);
    // Another city's page does not open this city's kept form.
    let draft = location.split("draft=").nth(1).expect("an id");
    let (_, other) = app
        .get(
            &format!("/c/guangzhou/report?category=drain&draft={draft}"),
            None,
        )
        .await;
    assert!(!other.contains("Water everywhere."));
}

/// An upload cut off in its photo (the phone lost its signal): the form comes back with
/// the text that arrived before the photo, not empty.
#[tokio::test]
async fn a_form_cut_off_in_its_photo_comes_back_with_the_text_that_arrived() {
    let app = TestApp::spawn().await;
    let boundary = "----cut-off-boundary";
    let mut body = String::new();
    for (name, value) in [
        ("category", "drain"),
        ("lat", "22.5431"),
        ("lon", "114.0579"),
        ("description", "Water across the whole road."),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    // The photo's part starts and the body ends inside it: no closing boundary.
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\u{ff}\u{d8}\u{ff}"
    ));
    let response = app
        .client
        .post(app.url("/c/shenzhen/report"))
        .header("origin", format!("http://{}", app.address))
        .header("accept", "text/html")
        .header("accept-language", "en")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(response.status().as_u16(), 303);
    let location = location_of(&response);
    assert!(location.contains("&draft="), "{location}");
    let (_, page) = app.get(&location, None).await;
    assert!(
        page.contains("Water across the whole road."),
        "the description is kept"
    );
    assert!(page.contains(r#"value="22.5431""#), "the pin is kept");
    assert_eq!(count(&app, "reports").await, 0);
}

#[tokio::test]
async fn the_console_shows_each_desk_with_the_reports_waiting_for_it() {
    let app = TestApp::spawn().await;
    app.knobs("open311").set(FaultMode::Down);
    file(
        &app,
        &street_light(LUOHU, "Waiting for the east desk"),
        None,
    )
    .await;
    let password = "console password long enough";
    app.state
        .portal
        .admins
        .create(
            "sz-admin",
            password,
            false,
            &["shenzhen".to_owned()],
            "test",
        )
        .await
        .expect("admin created");
    let signed_in = app
        .post_form(
            "/admin/signin",
            &[("username", "sz-admin"), ("password", password)],
            None,
        )
        .await;
    let cookie = signed_in
        .cookie("__Host-portal_admin")
        .expect("admin cookie");
    let (status, page) = app.get("/admin/c/shenzhen/health", Some(&cookie)).await;
    assert_eq!(status, 200);
    for desk in [
        "shenzhen-urban-west",
        "shenzhen-urban-east",
        "shenzhen-traffic-police",
        "shenzhen-police",
    ] {
        assert!(
            page.contains(&format!(r#"data-provider="{desk}""#)),
            "{desk} has its row"
        );
    }
    let east = page
        .split(r#"data-provider="shenzhen-urban-east""#)
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the east desk's row");
    assert!(east.contains("1 due now · 0 scheduled for later"), "{east}");
}

#[tokio::test]
async fn desks_name_categories_and_questions_in_the_residents_language() {
    let app = TestApp::spawn().await;
    let page = |language: &'static str| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/c/shenzhen/report?category=streetlight"))
                .header("accept-language", language)
                .send()
                .await
                .expect("request succeeds")
                .text()
                .await
                .expect("body")
        }
    };
    let chinese = page("zh-CN").await;
    assert!(chinese.contains("路灯故障") && chinese.contains("路灯出了什么问题？"));
    let english = page("en").await;
    assert!(
        english.contains("Broken street light")
            && english.contains("What is wrong with the light?")
    );
    assert!(!english.contains("路灯故障"));
}

/// The `filed_reports` cookie a filing answer sets, as `name=value`.
fn filed_here_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("filed_reports="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// Reports filed without an account are kept by the browser; signing up on it lands on
/// "My reports", which offers them, and they join the account only when the resident says
/// so. A report another account holds is never taken; "forget" clears the browser's list.
#[tokio::test]
async fn reports_filed_before_signing_up_join_the_account_when_the_resident_says_so() {
    let app = TestApp::spawn().await;
    let mut browser = String::new();
    let mut references = Vec::new();
    for description in ["First dark light", "Second dark light"] {
        let mut request = app.multipart(
            "/c/shenzhen/report",
            &street_light(FUTIAN, description),
            &[],
            (!browser.is_empty()).then_some(browser.as_str()),
        );
        request = request.header("accept", "application/json");
        let response = request.send().await.expect("answered");
        assert_eq!(response.status(), 201);
        browser = filed_here_cookie(&response).expect("the browser keeps the report");
        let answer: serde_json::Value = response.json().await.expect("JSON");
        references.push(
            answer["reference"]
                .as_str()
                .expect("a reference")
                .to_owned(),
        );
    }
    assert_eq!(browser.matches('.').count(), 1, "two links kept: {browser}");

    // Signing up on this browser lands on "My reports", which offers both.
    let started = app
        .post_form(
            "/signup",
            &[
                ("contact", "keeps@example.com"),
                ("password", "a long password"),
            ],
            Some(&browser),
        )
        .await;
    let code = app.code_sent_to("keeps@example.com");
    let done = app
        .post_form(
            "/signup/verify",
            &[
                ("pending", &common::pending_of(&started.location)),
                ("code", &code),
            ],
            Some(&browser),
        )
        .await;
    assert_eq!(done.location, "/me/reports");
    let session = done.cookie("__Host-portal_session").expect("signed in");
    let both = format!("{session}; {browser}; lang=en");
    let (_, page) = app.get("/me/reports", Some(&both)).await;
    assert!(
        page.contains("2 reports filed from this browser before you signed in"),
        "{page}"
    );
    for reference in &references {
        assert!(page.contains(reference.as_str()));
    }
    // Not theirs yet: offered, not listed.
    assert!(!page.contains(&format!("href=\"/me/reports/{}\"", references[0])));

    // Someone else signed in on the same browser takes nothing the first one took.
    let claimed = app.post_form("/me/reports/claim", &[], Some(&both)).await;
    assert_eq!(claimed.location, "/me/reports?notice=reports-claimed");
    assert!(
        claimed.cookies.iter().any(|c| c == "filed_reports="),
        "forgotten here"
    );
    let (_, mine) = app
        .get("/me/reports", Some(&format!("{session}; lang=en")))
        .await;
    for reference in &references {
        assert!(
            mine.contains(&format!("href=\"/me/reports/{reference}\"")),
            "{mine}"
        );
    }
    let other = app.sign_up("other@example.com", "a long password").await;
    let taken = app
        .post_form(
            "/me/reports/claim",
            &[],
            Some(&format!("{other}; {browser}")),
        )
        .await;
    assert_eq!(taken.status, 303);
    let (_, theirs) = app
        .get("/me/reports", Some(&format!("{other}; {browser}; lang=en")))
        .await;
    assert!(!theirs.contains(references[0].as_str()), "{theirs}");

    // "Forget them on this browser" clears the list.
    let forgot = app
        .post_form("/me/reports/forget-here", &[], Some(&browser))
        .await;
    assert!(forgot.cookies.iter().any(|c| c == "filed_reports="));
}

/// A report's private link lets whoever holds it see the report, and no more: it cannot be
/// made into a claim (the browser that filed it holds a token of its own), and a forged
/// token claims nothing.
#[tokio::test]
async fn holding_a_reports_private_link_does_not_let_anyone_claim_it() {
    let app = TestApp::spawn().await;
    let (status, filed) = app
        .post_multipart(
            "/c/shenzhen/report",
            &street_light(FUTIAN, "Shared link"),
            &[],
            None,
        )
        .await;
    assert_eq!(status, 201);
    let reference = filed["reference"].as_str().expect("a reference").to_owned();
    let link = filed["location"].as_str().expect("a link").to_owned();
    let token = link.trim_start_matches("/r/");
    let id = app
        .home::<IncidentReports>()
        .store
        .by_reference(&reference)
        .await
        .expect("read")
        .expect("the report")
        .id;
    let stranger = app.sign_up("stranger@example.com", "a long password").await;
    for forged in [
        format!("{id}:{token}"),
        format!("{id}:AAAA"),
        format!("00:{token}"),
    ] {
        let cookie = format!("{stranger}; filed_reports={forged}");
        let claimed = app.post_form("/me/reports/claim", &[], Some(&cookie)).await;
        assert_eq!(claimed.status, 303);
        let (_, mine) = app.get("/me/reports", Some(&cookie)).await;
        assert!(!mine.contains(&reference), "{forged}: {mine}");
    }
    let report = app
        .home::<IncidentReports>()
        .store
        .by_reference(&reference)
        .await
        .expect("read");
    assert_eq!(report.expect("the report").filed.resident_id, None);
    // Signing out forgets this browser's reports.
    let out = app.post_form("/signout", &[], Some(&stranger)).await;
    assert!(out.cookies.iter().any(|c| c == "filed_reports="));
}

/// The private page shows its link in full, to copy; a bad link shows none.
#[tokio::test]
async fn a_reports_private_page_gives_its_link_in_full() {
    let app = TestApp::spawn().await;
    let (status, filed) = app
        .post_multipart(
            "/c/shenzhen/report",
            &street_light(FUTIAN, "Link"),
            &[],
            None,
        )
        .await;
    assert_eq!(status, 201);
    let location = filed["location"].as_str().expect("a location").to_owned();
    let (_, page) = app.get(&location, Some("lang=en")).await;
    assert!(
        page.contains(&format!(r#"value="http://localhost:3000{location}""#)),
        "{page}"
    );
    assert!(page.contains("Send it by text message"));
    assert!(page.contains("href=\"sms:?&amp;body=") && page.contains("href=\"mailto:?subject="));
    let (_, missing) = app.get("/r/not-a-real-token", Some("lang=en")).await;
    assert!(!missing.contains("id=\"private-link\""));
}
