//! What an outside review broke, each over HTTP against the real portal: markup breaking out
//! of a text box, refused forms filling the disk, a decompression bomb, a breaker kept open
//! by dropped calls, a slow provider slowing every page, metrics labels without bound,
//! quadratic work, connections held open, the demo's knobs open to anyone, and the small
//! things (caching of personal pages, HSTS, rate-limit keys, cookie size, hidden characters,
//! server function statuses, the origin's scheme, operators' endpoints).

use crate::common;
use server::services::air::CachePolicy;

use std::time::{Duration, Instant};

use common::TestApp;
use server::simulators::faults::FaultMode;
use sqlx::{Connection, Row};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Futian, Shenzhen: inside the city, where the west desk takes street lights.
const FUTIAN: (&str, &str) = ("22.5431", "114.0579");

/// A street light report in Futian, complete but for what the test adds.
fn street_light(description: &str) -> Vec<(&str, &str)> {
    vec![
        ("category", "streetlight"),
        ("lat", FUTIAN.0),
        ("lon", FUTIAN.1),
        ("description", description),
        ("attribute[light_state]", "off"),
    ]
}

/// Markup that closes every raw-text element and then brings elements of its own, each
/// marked so a parsed page shows whether it got in.
const BREAKOUT: &str = "</textarea></title></style></script></noscript>\
    <meta http-equiv=\"refresh\" content=\"0;url=/signout\" data-hostile=\"1\">\
    <form action=\"/signout/everywhere\" method=\"post\" data-hostile=\"1\"><button>OK</button></form>";

/// Elements no input may bring into a page.
const INJECTED: &str = "[data-hostile], meta[http-equiv]";

fn assert_nothing_injected(page: &str, context: &str) {
    let document = scraper::Html::parse_document(page);
    let injected = scraper::Selector::parse(INJECTED).expect("selector");
    let found: Vec<String> = document.select(&injected).map(|e| e.html()).collect();
    assert!(found.is_empty(), "{context}: the input brought {found:?}");
}

fn text_of(page: &str, selector: &str) -> Option<String> {
    let document = scraper::Html::parse_document(page);
    let selector = scraper::Selector::parse(selector).expect("selector");
    document
        .select(&selector)
        .next()
        .map(|e| e.text().collect::<String>())
}

async fn database_bytes(app: &TestApp) -> u64 {
    if app.database_url.starts_with("postgres") {
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(&app.database_url)
            .await
            .expect("database opens");
        let row = sqlx::query("SELECT pg_database_size(current_database())::BIGINT AS n")
            .fetch_one(&mut connection)
            .await
            .expect("size");
        return u64::try_from(row.try_get::<i64, _>("n").expect("a number")).unwrap_or(0);
    }
    let path = app.database_url.trim_start_matches("sqlite://");
    ["", "-wal"]
        .iter()
        .map(|suffix| std::fs::metadata(format!("{path}{suffix}")).map_or(0, |m| m.len()))
        .sum()
}

/// POSTs `body` as a page of the portal would (with its `Origin`); returns the status.
async fn post_status(app: &TestApp, path: &str, content_type: &str, body: &'static str) -> u16 {
    app.client
        .post(app.url(path))
        .header("origin", format!("http://{}", app.address))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("answered")
        .status()
        .as_u16()
}

/// GETs `path` with one extra header.
async fn get_with(app: &TestApp, path: &str, header: (&str, &str)) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(header.0, header.1)
        .send()
        .await
        .expect("answered")
}

/// POSTs an empty body claiming to come from `origin`; returns the status.
async fn post_from(app: &TestApp, path: &str, origin: &str) -> u16 {
    app.client
        .post(app.url(path))
        .header("origin", origin)
        .send()
        .await
        .expect("answered")
        .status()
        .as_u16()
}

async fn kept_drafts(app: &TestApp) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(&app.database_url)
        .await
        .expect("database opens");
    sqlx::query("SELECT draft FROM report_drafts")
        .fetch_all(&mut connection)
        .await
        .expect("drafts")
        .iter()
        .map(|row| row.try_get::<String, _>("draft").expect("text"))
        .collect()
}

// 1. Markup typed into a text box stays text on the page that shows it again.

#[tokio::test]
async fn markup_in_a_refused_form_comes_back_as_text_not_as_elements() {
    let app = TestApp::spawn().await;
    let description = format!("The light is out. {BREAKOUT}");
    let fields = [
        ("category", "drain"),
        ("description", description.as_str()),
        ("attribute[depth_cm]", BREAKOUT),
    ];
    let (status, location) = app
        .post_multipart_plain("/c/shenzhen/report", &fields, None)
        .await;
    assert_eq!(status, 303);
    assert!(location.contains("&draft="), "{location}");
    let (status, page) = app.get(&location, None).await;
    assert_eq!(status, 200);
    assert_nothing_injected(&page, "the draft page");
    assert_eq!(
        text_of(&page, "textarea#description").as_deref(),
        Some(description.as_str()),
        "the description comes back exactly as typed"
    );
    assert!(page.contains("Please write plain text"), "and is refused");
}

// 2. A refused form is kept cut to size, per sender a bounded number of times, and only
//    for a city the portal serves.

#[tokio::test]
async fn a_refused_form_is_kept_cut_to_size_and_within_a_limit_per_sender() {
    let app = TestApp::spawn().await;
    let huge = "水".repeat(7 * 1024 * 1024); // 21 MB of UTF-8: near the body limit
    let before = database_bytes(&app).await;
    let (status, location) = app
        .post_multipart_plain(
            "/c/shenzhen/report",
            &[("category", "streetlight"), ("description", &huge)],
            None,
        )
        .await;
    assert_eq!(status, 303, "{location}");
    let drafts = kept_drafts(&app).await;
    assert_eq!(drafts.len(), 1);
    assert!(
        drafts[0].len() < 64 * 1024,
        "kept {} bytes",
        drafts[0].len()
    );
    let grown = database_bytes(&app).await.saturating_sub(before);
    assert!(
        grown < 2 * 1024 * 1024,
        "the database grew by {grown} bytes"
    );
    let (_, page) = app.get(&location, None).await;
    assert!(
        page.contains("please shorten it to 2000"),
        "the length is named"
    );

    for _ in 1..server::services::reports::drafts::DRAFTS_PER_SENDER {
        app.post_multipart_plain("/c/shenzhen/report", &[("category", "streetlight")], None)
            .await;
    }
    let (status, location) = app
        .post_multipart_plain("/c/shenzhen/report", &[("category", "streetlight")], None)
        .await;
    assert_eq!(status, 303);
    assert!(
        location.ends_with("&error=report-error-too-many-drafts"),
        "{location}"
    );
    let (_, page) = app.get(&location, None).await;
    assert!(page.contains("Too many forms were sent from here"));
    assert_eq!(
        kept_drafts(&app).await.len(),
        usize::try_from(server::services::reports::drafts::DRAFTS_PER_SENDER).expect("small")
    );
}

#[tokio::test]
async fn a_form_for_a_city_we_do_not_serve_is_not_read_or_kept() {
    let app = TestApp::spawn().await;
    let status = post_status(
        &app,
        "/c/atlantis/report",
        "multipart/form-data; boundary=x",
        "--x\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nbroken",
    )
    .await;
    assert_eq!(status, 404);
    assert!(kept_drafts(&app).await.is_empty());
}

// 3. A decompression bomb is refused from its header.

/// A PNG of 8000 x 8000 grey pixels: a few hundred kilobytes that decode to 64 megapixels.
fn png_bomb() -> Vec<u8> {
    let mut bytes = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut bytes,
        image::codecs::png::CompressionType::Best,
        image::codecs::png::FilterType::NoFilter,
    );
    let pixels = vec![200u8; 8000 * 8000];
    image::ImageEncoder::write_image(encoder, &pixels, 8000, 8000, image::ExtendedColorType::L8)
        .expect("encodes");
    bytes
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_by_its_pixel_count() {
    let app = TestApp::spawn().await;
    let bomb = png_bomb();
    assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
    let (status, answer) = app
        .post_multipart(
            "/c/shenzhen/report",
            &street_light(""),
            &[("photos", "bomb.png", bomb)],
            None,
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer
            .to_string()
            .contains("bomb.png has more than 32 megapixels"),
        "{answer}"
    );
}

// 4. The breaker counts real failures only, and closes again under steady traffic.

fn breaker_of(readyz: &serde_json::Value, provider: &str) -> String {
    readyz["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .find(|p| p["provider"] == provider)
        .and_then(|p| p["breaker"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn page_views_of_a_healthy_or_slowish_provider_never_open_its_breaker() {
    let app =
        TestApp::spawn_with(|s| s.services.get_mut::<CachePolicy>().fresh_for = Duration::ZERO)
            .await;
    for _ in 0..5 {
        let (status, _) = app.get("/c/shenzhen/air", None).await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        breaker_of(&app.get_json("/readyz").await, "shenzhen-air"),
        "closed"
    );
    // Slow, but under its 3 s timeout.
    app.knobs("openaq").set(FaultMode::Slow { delay_ms: 400 });
    for _ in 0..3 {
        app.get("/c/shenzhen/air", None).await;
    }
    let readyz = app.get_json("/readyz").await;
    assert_eq!(breaker_of(&readyz, "shenzhen-air"), "closed", "{readyz}");
}

#[tokio::test]
async fn after_recovery_the_breaker_closes_under_steady_traffic() {
    let app = TestApp::spawn_with(|s| {
        s.services.get_mut::<CachePolicy>().fresh_for = Duration::ZERO;
        s.breaker.cool_down = Duration::from_millis(500);
    })
    .await;
    app.knobs("openaq").set(FaultMode::Http500);
    for _ in 0..3 {
        app.get("/c/shenzhen/air", None).await;
    }
    assert_eq!(
        breaker_of(&app.get_json("/readyz").await, "shenzhen-air"),
        "open"
    );
    app.knobs("openaq").set(FaultMode::Ok);
    // Traffic throughout the cool-down and the half-open window after it.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        let views = (0..8).map(|_| app.get("/c/shenzhen/air", None));
        for (status, _) in futures::future::join_all(views).await {
            assert_eq!(status, 200);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        breaker_of(&app.get_json("/readyz").await, "shenzhen-air"),
        "closed"
    );
    // The last batch's refresh may still be under way; the next view starts its own.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, page) = app.get("/c/shenzhen/air", None).await;
    assert!(
        !page.contains("could not be refreshed"),
        "current again: {:?}",
        text_of(&page, ".notice")
    );
    assert!(common::station_count(&page) > 0);
}

// 5. A slow provider costs one request a wait; the rest get the last good readings.

#[tokio::test]
async fn a_slow_provider_is_asked_once_while_everyone_else_gets_the_last_readings() {
    let app =
        TestApp::spawn_with(|s| s.services.get_mut::<CachePolicy>().fresh_for = Duration::ZERO)
            .await;
    let before = app.knobs("openaq").requests();
    let (_, page) = app.get("/c/foshan/air", None).await;
    let stations = common::station_count(&page);
    assert!(stations > 0);
    let one_refresh = app.knobs("openaq").requests() - before;

    app.knobs("openaq").set(FaultMode::Slow { delay_ms: 2_500 });
    let before = app.knobs("openaq").requests();
    let timed = (0..20).map(|_| async {
        let started = Instant::now();
        let (status, page) = app.get("/c/foshan/air", None).await;
        (status, common::station_count(&page), started.elapsed())
    });
    let answers = futures::future::join_all(timed).await;
    let quick = answers
        .iter()
        .filter(|(status, count, took)| {
            *status == 200 && *count == stations && *took < Duration::from_millis(1_500)
        })
        .count();
    assert!(quick >= 19, "{answers:?}");
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert!(
        app.knobs("openaq").requests() - before <= one_refresh,
        "one refresh at a time: {} requests, one refresh makes {one_refresh}",
        app.knobs("openaq").requests() - before
    );
}

// 6. Metrics labels stay bounded whatever methods clients invent.

#[tokio::test]
async fn invented_methods_do_not_grow_the_metrics() {
    let app = TestApp::spawn().await;
    for i in 0..50 {
        let method = http::Method::from_bytes(format!("X{i}{}", "Y".repeat(500)).as_bytes())
            .expect("a token");
        let _ = app.client.request(method, app.url("/")).send().await;
    }
    let (_, metrics) = app.get("/metrics", None).await;
    assert!(!metrics.contains("YYYY"), "no invented method is a label");
    assert!(metrics.contains("method=\"other\""));
    assert!(metrics.len() < 200 * 1024, "{} bytes", metrics.len());
}

// 7. A form of 100,000 parts is refused at its limit, not merged.

#[tokio::test]
async fn a_form_of_a_hundred_thousand_parts_is_refused() {
    let app = TestApp::spawn().await;
    let names: Vec<String> = (0..100_000).map(|i| format!("attribute[q{i}]")).collect();
    let mut fields: Vec<(&str, &str)> = vec![("category", "streetlight")];
    fields.extend(names.iter().map(|n| (n.as_str(), "x")));
    let (status, answer) = app
        .post_multipart("/c/shenzhen/report", &fields, &[], None)
        .await;
    assert_eq!(status, 422);
    assert!(
        answer.to_string().contains("more than 256 parts"),
        "{answer}"
    );
}

// 8. Connections that trickle are cut off.

async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> Option<String> {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    let read_all = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(limit, read_all).await.ok()?;
    Some(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn headers_and_bodies_sent_a_trickle_at_a_time_are_cut_off() {
    let app = TestApp::spawn_with(|s| {
        s.timeouts.headers = Duration::from_secs(1);
        s.timeouts.request = Duration::from_secs(2);
    })
    .await;

    let mut slow_headers = tokio::net::TcpStream::connect(app.address)
        .await
        .expect("connects");
    slow_headers
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .expect("writes");
    let trickle = async {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if slow_headers.write_all(b"X-Slow: 1\r\n").await.is_err() {
                break;
            }
        }
    };
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(8), trickle)
        .await
        .ok();
    assert!(
        closed_within(&mut slow_headers, Duration::from_secs(1))
            .await
            .is_some(),
        "the header trickle was cut off"
    );
    assert!(started.elapsed() < Duration::from_secs(8));

    let mut slow_body = tokio::net::TcpStream::connect(app.address)
        .await
        .expect("connects");
    let head = format!(
        "POST /signin HTTP/1.1\r\nHost: {0}\r\nOrigin: http://{0}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n",
        app.address
    );
    slow_body.write_all(head.as_bytes()).await.expect("writes");
    let started = Instant::now();
    let mut answer = String::new();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if slow_body.write_all(b"a").await.is_err() {
            break;
        }
        let mut buffer = [0u8; 512];
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(1), slow_body.read(&mut buffer)).await
        {
            answer.push_str(&String::from_utf8_lossy(&buffer[..n]));
            break;
        }
    }
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

// 9. The demo's knobs and outbox exist only in demo mode, and answer only to the public
//    origin.

#[tokio::test]
async fn without_demo_mode_there_are_no_knobs_and_no_outbox() {
    let app = TestApp::spawn_with(|s| s.demo_mode = false).await;
    let (status, _) = app.get("/_demo/faults/openaq", None).await;
    assert_eq!(status, 404);
    let response = app
        .client
        .post(app.url("/_demo/faults/openaq"))
        .header("origin", "http://localhost:3000")
        .json(&serde_json::json!({ "mode": "down" }))
        .send()
        .await
        .expect("answered");
    assert!(response.status().is_client_error(), "{}", response.status());
    assert_eq!(app.knobs("openaq").mode(), FaultMode::Ok, "nothing changed");
    let (status, page) = app.get("/_demo/outbox", None).await;
    assert_eq!(status, 404, "{page}");
}

#[tokio::test]
async fn the_knobs_ignore_the_host_header_and_answer_the_public_origin_only() {
    let app = TestApp::spawn().await;
    let knob = |origin: &'static str, host: &'static str| {
        app.client
            .post(app.url("/_demo/faults/openaq"))
            .header("origin", origin)
            .header("host", host)
            .json(&serde_json::json!({ "mode": "down" }))
            .send()
    };
    let rebound = knob("http://evil.example", "evil.example")
        .await
        .expect("answered");
    assert!(rebound.status().is_client_error(), "{}", rebound.status());
    // Our own host name, but the page came from elsewhere.
    let foreign = knob("http://evil.example", "localhost:3000")
        .await
        .expect("answered");
    assert_eq!(foreign.status().as_u16(), 403);
    assert_eq!(app.knobs("openaq").mode(), FaultMode::Ok, "nothing changed");
    let ours = knob("http://localhost:3000", "localhost:3000")
        .await
        .expect("answered");
    assert_eq!(ours.status().as_u16(), 204);
    assert_eq!(app.knobs("openaq").mode(), FaultMode::Down);
}

// 10. The small things.

#[tokio::test]
async fn personal_pages_are_never_cached_and_https_sites_ask_for_hsts() {
    let app = TestApp::spawn().await;
    let cookie = app
        .sign_up("cache@example.com", "a long enough password")
        .await;
    for path in ["/me", "/inbox", "/me/data"] {
        let response = app
            .client
            .get(app.url(path))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("answered");
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap_or_default()),
            Some("no-store"),
            "{path}"
        );
    }
    let (_, location) = app
        .post_multipart_plain("/c/shenzhen/report", &[("category", "streetlight")], None)
        .await;
    let draft = app.get_response(&location).await;
    assert_eq!(draft.headers()["cache-control"], "no-store", "a kept draft");
    // What is no one's in particular keeps its caching, signed in or not: anything but a
    // page, and `/media/…` (not `/me`).
    for path in [
        "/healthz",
        "/media/reports/0b7d3c9f-4a11-4e8a-9d5e-2b7d3c9f4a11.jpg",
    ] {
        let response = get_with(&app, path, ("cookie", &cookie)).await;
        let caching = response.headers().get("cache-control");
        assert!(
            caching.is_none_or(|v| v != "no-store"),
            "{path}: {caching:?}"
        );
    }
    let public = app.get_response("/c/shenzhen").await;
    assert!(
        public.headers().get("strict-transport-security").is_none(),
        "plain HTTP here"
    );

    let https = TestApp::spawn_with(|s| {
        s.public_url = url::Url::parse("https://portal.example.cn/").expect("url");
    })
    .await;
    let response = https.get_response("/c/shenzhen").await;
    assert!(response.headers()["strict-transport-security"]
        .to_str()
        .unwrap_or_default()
        .starts_with("max-age="));
}

#[tokio::test]
async fn a_contact_typed_with_another_limits_prefix_counts_against_itself_only() {
    use server::accounts::limits::{Account, SignInLimits};
    let app = TestApp::spawn().await;
    let storage = &app.state.portal.storage;
    let limits = SignInLimits::default();
    for _ in 0..limits.per_account {
        let attempt = limits
            .begin(
                storage,
                Account::Password("passkey:someone@example.com"),
                "198.51.100.1",
            )
            .await
            .expect("stored");
        assert!(attempt.is_ok(), "allowed until the limit");
    }
    let passkey = limits
        .begin(
            storage,
            Account::Passkey("someone@example.com"),
            "198.51.100.2",
        )
        .await
        .expect("stored");
    assert!(
        passkey.is_ok(),
        "the owner's passkey sign-in is not locked out"
    );
}

#[tokio::test]
async fn a_huge_contact_is_not_kept_in_a_cookie() {
    let app = TestApp::spawn().await;
    let contact = format!("{}@example.com", "a".repeat(60_000));
    let posted = app
        .post_form(
            "/signin",
            &[("contact", &contact), ("password", "wrong password")],
            None,
        )
        .await;
    assert!(common::is_redirect(posted.status));
    assert!(posted.cookie("kept_contact").is_none(), "no 60 KB cookie");
}

#[tokio::test]
async fn hidden_control_characters_are_refused_in_words() {
    let app = TestApp::spawn().await;
    for text in ["light\0out", "pole \u{202E}71-A", "a\u{2066}b"] {
        let (status, answer) = app
            .post_multipart("/c/shenzhen/report", &street_light(text), &[], None)
            .await;
        assert_eq!(status, 422, "{text:?}");
        assert!(
            answer.to_string().contains("invisible control characters"),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn a_server_function_without_a_session_says_401_not_500() {
    let app = TestApp::spawn().await;
    let form = "application/x-www-form-urlencoded";
    assert_eq!(post_status(&app, "/api/me/profile", form, "").await, 401);
    assert_eq!(
        post_status(&app, "/api/city-home", form, "city=atlantis").await,
        404
    );
    // A NUL in a form is refused at the door, whatever the form.
    assert_eq!(
        post_status(&app, "/r/support", form, "reference=CP-%00").await,
        400
    );
}

#[tokio::test]
async fn the_origin_check_minds_the_scheme() {
    let app = TestApp::spawn_with(|s| {
        s.public_url = url::Url::parse("https://portal.example.cn/").expect("url");
    })
    .await;
    // The portal reached over plain HTTP under its own host name is not the HTTPS site.
    let plain = format!("http://{}", app.address);
    assert_eq!(post_from(&app, "/signout", &plain).await, 403);
    assert_ne!(
        post_from(&app, "/signout", "https://portal.example.cn").await,
        403
    );
}

#[tokio::test]
async fn operators_endpoints_show_details_to_operators_only_and_no_internal_urls() {
    let app = TestApp::spawn().await;
    app.knobs("openaq").set(FaultMode::Down);
    app.get("/c/shenzhen/air", None).await;
    let readyz = app.get_json("/readyz").await;
    let error = readyz["providers"]
        .as_array()
        .expect("details from this machine")
        .iter()
        .find(|p| p["provider"] == "shenzhen-air")
        .and_then(|p| p["last_error"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(error, "unreachable", "no URL in {readyz}");

    // Through a proxy (anyone), only the status.
    let proxy = ("x-forwarded-for", "203.0.113.9");
    let proxied = get_with(&app, "/readyz", proxy).await;
    let body: serde_json::Value = proxied.json().await.expect("json");
    assert!(body.get("providers").is_none(), "{body}");
    assert!(body.get("status").is_some());
    let metrics = get_with(&app, "/metrics", proxy).await;
    assert_eq!(metrics.status().as_u16(), 403);

    let with_token = TestApp::spawn_with(|s| {
        s.ops_token = Some(server::settings::Secret::new("ops-secret-token".into()));
    })
    .await;
    let refused = with_token.get_response("/metrics").await;
    assert_eq!(
        refused.status().as_u16(),
        403,
        "a token, when set, is needed"
    );
    let allowed = get_with(
        &with_token,
        "/metrics",
        ("authorization", "Bearer ops-secret-token"),
    )
    .await;
    assert_eq!(allowed.status().as_u16(), 200);
}

// 11. The AQI follows from the values shown; China's scale shows CO in mg/m³.

#[tokio::test]
async fn on_the_china_scale_co_is_shown_in_milligrams() {
    let app = TestApp::spawn().await;
    let (_, page) = app.get("/c/shenzhen/air", None).await;
    let document = scraper::Html::parse_document(&page);
    let units = scraper::Selector::parse(".readings .unit").expect("selector");
    let shown: Vec<String> = document
        .select(&units)
        .map(|u| u.text().collect())
        .collect();
    assert!(!shown.is_empty());
    assert!(
        shown.iter().all(|u| u == "µg/m³" || u == "mg/m³"),
        "{shown:?}"
    );
}

// The hostile-input suite: every form and API route gets strings that close every raw-text
// element, NUL and bidi controls, a 10 MB field, and numbers out of range; every page that
// shows what was sent is parsed again. Nothing may answer 5xx, no element may come from the
// input, and the database may not grow with what was sent.

/// The strings every field gets.
fn hostile_values() -> Vec<String> {
    vec![
        BREAKOUT.to_owned(),
        format!("nul\0{BREAKOUT}"),
        "\u{202E}gpj.exe\u{2066}".to_owned(),
        "x".repeat(10 * 1024 * 1024),
        "1e308".to_owned(),
        "NaN".to_owned(),
        "-99999999999999999999999".to_owned(),
    ]
}

/// Each form the portal takes, with its fields.
const FORMS: &[(&str, &[&str])] = &[
    ("/signup", &["contact", "password", "display_name", "next"]),
    ("/signup/verify", &["pending", "code", "next"]),
    ("/signin", &["contact", "password", "next"]),
    ("/me", &["display_name", "home"]),
    ("/me/password", &["current", "new"]),
    ("/me/contact/add", &["contact"]),
    ("/me/contact", &["pending", "code"]),
    ("/me/consent", &["city", "service", "next"]),
    ("/me/data/withdraw", &["provider", "service"]),
    ("/me/passkeys/remove", &["id"]),
    ("/inbox/read", &["id"]),
    ("/inbox/mute", &["provider", "mute", "next"]),
    ("/r/support", &["reference", "next"]),
    ("/admin/signin", &["username", "password"]),
    ("/admin/admins", &["username", "password", "cities"]),
    ("/admin/c/shenzhen/switch", &["service", "region", "set"]),
];

/// Pages that show what residents, admins and providers sent.
const PAGES: &[&str] = &[
    "/me",
    "/me/data",
    "/inbox",
    "/me/reports",
    "/c/shenzhen",
    "/c/shenzhen/reports",
    "/c/shenzhen/report?category=streetlight",
    "/admin/signin",
];

#[tokio::test]
async fn hostile_input_to_every_form_and_route_is_refused_or_shown_as_text() {
    let app = TestApp::spawn().await;
    let cookie = app
        .sign_up("hostile@example.com", "a long enough password")
        .await;
    // At home in Shenzhen, so the provider's announcements reach this inbox.
    let home = app
        .post_form(
            "/me",
            &[("display_name", "Li Wei"), ("home", "shenzhen")],
            Some(&cookie),
        )
        .await;
    assert!(common::is_redirect(home.status));
    let token = app
        .state
        .portal
        .inbox
        .issue_provider_token("shenzhen-air", "test")
        .await
        .expect("token");
    let before = database_bytes(&app).await;
    let mut shown = Vec::new();
    // Every 5xx, named, so one run shows them all.
    let mut failed: Vec<String> = Vec::new();
    let short_name = |value: &str| value.chars().take(12).collect::<String>();
    for value in hostile_values() {
        let value = value.as_str();
        for (path, fields) in FORMS {
            let form: Vec<(&str, &str)> = fields.iter().map(|f| (*f, value)).collect();
            // A body over a form's limit may be cut off while it is still being sent: that
            // is a refusal too.
            let Ok(response) = app
                .client
                .post(app.url(path))
                .header("origin", format!("http://{}", app.address))
                .header("cookie", &cookie)
                .form(&form)
                .send()
                .await
            else {
                continue;
            };
            let status = response.status().as_u16();
            let location = common::location_of(&response);
            // A form handler turns the portal's own failure into a redirect with this key.
            if status >= 500 || location.contains("error=error-internal") {
                failed.push(format!(
                    "{path} {:?}: {status} {location}",
                    short_name(value)
                ));
            }
            if common::is_redirect(status) && location.starts_with('/') {
                shown.push(location);
            }
        }
        // The 10 MB value goes into the description, the largest field; the rest get its start.
        let short: String = value.chars().take(200).collect();
        let mut report: Vec<(&str, &str)> = ["category", "lat", "lon", "submission"]
            .iter()
            .map(|f| (*f, short.as_str()))
            .collect();
        report.push(("description", value));
        report.push(("attribute[light_state]", &short));
        report.push(("attribute[pole]", &short));
        let (status, location) = app
            .post_multipart_plain("/c/shenzhen/report", &report, Some(&cookie))
            .await;
        if status >= 500 || location.contains("error=error-internal") {
            failed.push(format!("report form {:?}: {status}", short_name(value)));
        }
        shown.push(location);
        let (status, _) = app
            .post_multipart("/c/shenzhen/report", &report, &[], Some(&cookie))
            .await;
        if status >= 500 {
            failed.push(format!(
                "report form as JSON {:?}: {status}",
                short_name(value)
            ));
        }

        if value.len() > 8 * 1024 {
            continue; // no browser sends such a URL
        }
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("category", value)
            .append_pair("lat", value)
            .append_pair("lon", value)
            .finish();
        let nearby = app
            .get_response(&format!("/api/c/shenzhen/reports/nearby?{query}"))
            .await;
        if nearby.status().as_u16() >= 500 {
            failed.push(format!(
                "nearby {:?}: {}",
                short_name(value),
                nearby.status()
            ));
        }
        let announced = app
            .client
            .post(app.url("/api/provider/v1/announcements"))
            .header("authorization", format!("Bearer {token}"))
            .json(&serde_json::json!({ "title": value, "body": value, "region": value }))
            .send()
            .await
            .expect("answered");
        if announced.status().as_u16() >= 500 {
            failed.push(format!(
                "announcement {:?}: {}",
                short_name(value),
                announced.status()
            ));
        }
        for path in [
            format!(
                "/lang/{}",
                url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
            ),
            format!(
                "/prefs/region?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("city", value)
                    .append_pair("region", value)
                    .finish()
            ),
            format!(
                "/r/{}",
                url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
            ),
            format!(
                "/c/shenzhen/report?category={}",
                url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
            ),
        ] {
            let (status, page) = app.get(&path, Some(&cookie)).await;
            if status >= 500 {
                failed.push(format!("GET {}: {status}", &path[..path.len().min(60)]));
            }
            assert_nothing_injected(&page, &path[..path.len().min(60)]);
        }
    }
    // Titles and bodies that are plain text, as a provider may send, still show as text.
    let plain = app
        .client
        .post(app.url("/api/provider/v1/announcements"))
        .header("authorization", format!("Bearer {token}"))
        .json(&serde_json::json!({ "title": "Water <off> & on", "body": BREAKOUT }))
        .send()
        .await
        .expect("answered");
    assert_eq!(plain.status().as_u16(), 201);

    for path in PAGES.iter().map(|p| (*p).to_owned()).chain(shown) {
        let (status, page) = app.get(&path, Some(&cookie)).await;
        if status >= 500 {
            failed.push(format!("GET {path}: {status}"));
        }
        assert_nothing_injected(&page, &path);
    }
    assert!(failed.is_empty(), "server errors: {failed:#?}");
    let (_, inbox) = app.get("/inbox", Some(&cookie)).await;
    assert!(
        inbox.contains("Water &lt;off&gt; &amp; on"),
        "shown as text"
    );
    let grown = database_bytes(&app).await.saturating_sub(before);
    assert!(
        grown < 4 * 1024 * 1024,
        "the database grew by {grown} bytes"
    );
}

/// Each kind of limit keeps its own counts: a short window's purge (form submissions, 10
/// minutes) never clears a longer one's failures (identity checks, an hour), and ordinary
/// taps from an address never lock sign-in from it.
#[tokio::test]
async fn one_kind_of_limit_never_clears_or_fills_another() {
    use server::accounts::limits::{count_submission, Account, SignInLimits};
    use server::people::proof::CHECK_LIMITS;
    let app = TestApp::spawn().await;
    let storage = &app.state.portal.storage;
    let address = "198.51.100.7";
    for _ in 0..CHECK_LIMITS.per_account {
        let attempt = CHECK_LIMITS
            .begin(storage, Account::Identity("resident-1"), address)
            .await
            .expect("stored");
        assert!(attempt.is_ok(), "allowed until the limit");
    }
    app.advance(std::time::Duration::from_secs(11 * 60)).await;
    for _ in 0..20 {
        count_submission(storage, "pay", "resident-1", address)
            .await
            .expect("counted");
    }
    let identity = CHECK_LIMITS
        .begin(storage, Account::Identity("resident-1"), address)
        .await
        .expect("stored");
    assert!(identity.is_err(), "an hour's failures still count");
    let sign_in = SignInLimits::default()
        .begin(storage, Account::Password("someone@example.com"), address)
        .await
        .expect("stored");
    assert!(sign_in.is_ok(), "taps are not failed sign-ins");
}
