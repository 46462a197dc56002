//! The portal end to end over HTTP: pages, menu, air quality through the OpenAQ simulator,
//! degraded providers, preferences, health and metrics.

use crate::common;
use server::services::air::CachePolicy;

use common::{station_count, TestApp};
use server::{admin, simulators::faults::FaultMode};

#[tokio::test]
async fn city_home_lists_the_air_tile() {
    let app = TestApp::spawn().await;
    let (status, html) = app.get("/c/shenzhen", None).await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/c/shenzhen/air\""), "{html}");
    assert!(html.contains("Air quality"));
    // Every district is offered in the picker.
    assert_eq!(html.matches("<option value=\"").count(), 1 + 9);
}

#[tokio::test]
async fn chinese_is_the_default_and_the_cookie_switches_language() {
    let app = TestApp::spawn().await;
    let response = app.get_response("/c/guangzhou").await;
    let html = response.text().await.expect("body");
    assert!(html.contains("<html lang=\"zh-CN\""), "{html}");
    assert!(html.contains("空气质量"));
    let (_, html) = app.get("/c/guangzhou", Some("lang=en")).await;
    assert!(html.contains("<html lang=\"en\""));
    assert!(html.contains("Guangzhou"));
}

#[tokio::test]
async fn an_unknown_city_is_a_404_that_offers_the_known_ones() {
    let app = TestApp::spawn().await;
    let (status, html) = app.get("/c/atlantis", None).await;
    assert_eq!(status, 404);
    for city in ["/c/shenzhen", "/c/guangzhou", "/c/foshan"] {
        assert!(html.contains(city), "{city} offered");
    }
    let (status, _) = app.get("/no/such/page", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn air_page_shows_every_district_station_with_aqi() {
    let app = TestApp::spawn().await;
    let (status, html) = app.get("/c/guangzhou/air", None).await;
    assert_eq!(status, 200);
    // One seeded station per district; Foshan's stations inside the box are left out.
    assert_eq!(station_count(&html), 11, "{html}");
    assert_eq!(html.matches("class=\"aqi-value\"").count(), 11);
    assert!(html.contains("µg/m³"));
    assert!(!html.contains("Chancheng"));
    assert!(
        app.knobs("openaq").requests() >= 12,
        "one list call and one latest call per station"
    );
}

#[tokio::test]
async fn the_residents_district_comes_first() {
    let app = TestApp::spawn().await;
    let (_, html) = app
        .get("/c/shenzhen/air", Some("region=shenzhen/longgang"))
        .await;
    let first_station = html.split("data-station=\"").nth(1).expect("a station");
    assert!(first_station.starts_with("龙岗区 Longgang"), "{html}");
    assert!(first_station.contains("Your district"));
}

#[tokio::test]
async fn a_failing_provider_gives_a_plain_unavailable_message() {
    for fault in [FaultMode::Http500, FaultMode::Down, FaultMode::Malformed] {
        let app = TestApp::spawn().await;
        app.knobs("openaq").set(fault);
        let (status, html) = app.get("/c/foshan/air", None).await;
        assert_eq!(status, 200, "{fault:?}");
        assert!(
            html.contains("Air quality data is unavailable right now"),
            "{fault:?}: {html}"
        );
        assert_eq!(station_count(&html), 0);
    }
}

#[tokio::test]
async fn a_slow_provider_times_out_into_the_unavailable_message() {
    let app = TestApp::spawn().await;
    app.knobs("openaq").set(FaultMode::Slow { delay_ms: 5_000 });
    let started = std::time::Instant::now();
    let (status, html) = app.get("/c/foshan/air", None).await;
    assert_eq!(status, 200);
    assert!(html.contains("Air quality data is unavailable right now"));
    assert!(
        started.elapsed().as_secs_f64() < 4.5,
        "the 3 s timeout applied"
    );
}

#[tokio::test]
async fn after_a_failure_the_last_good_readings_show_with_their_age() {
    let app = TestApp::spawn_with(|s| {
        s.services.get_mut::<CachePolicy>().fresh_for = std::time::Duration::ZERO;
    })
    .await;
    let (_, html) = app.get("/c/foshan/air", None).await;
    assert_eq!(station_count(&html), 5);
    app.knobs("openaq").set(FaultMode::Http500);
    let (status, html) = app.get("/c/foshan/air", None).await;
    assert_eq!(status, 200);
    assert_eq!(station_count(&html), 5, "the cached stations still show");
    assert!(html.contains("could not be refreshed"), "{html}");
    assert!(html.contains("0 minutes ago"));
}

#[tokio::test]
async fn repeated_failures_open_the_breaker_visible_in_readyz_and_metrics() {
    let app = TestApp::spawn().await;
    app.knobs("openaq").set(FaultMode::Http500);
    for _ in 0..3 {
        app.get("/c/shenzhen/air", None).await;
    }
    let before = app.knobs("openaq").requests();
    let (_, html) = app.get("/c/shenzhen/air", None).await;
    assert!(html.contains("unavailable right now"));
    assert_eq!(
        app.knobs("openaq").requests(),
        before,
        "an open breaker does not call the provider"
    );

    let readyz = app.get_json("/readyz").await;
    assert_eq!(readyz["status"], "degraded");
    let shenzhen = readyz["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .find(|p| p["provider"] == "shenzhen-air")
        .expect("shenzhen's provider")
        .clone();
    assert_eq!(shenzhen["breaker"], "open");
    assert!(shenzhen["last_error"]
        .as_str()
        .unwrap_or_default()
        .contains("500"));

    let (_, metrics) = app.get("/metrics", None).await;
    assert!(
        metrics.contains("provider_breaker_state{provider=\"shenzhen-air\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("outcome=\"http_error\""));
    assert!(metrics.contains("http_request_duration_seconds"));

    // The tile stays, marked, and the rest of the page works.
    let (status, html) = app.get("/c/shenzhen", None).await;
    assert_eq!(status, 200);
    assert!(html.contains("Having problems"));
}

#[tokio::test]
async fn health_and_request_ids() {
    let app = TestApp::spawn().await;
    let response = app.get_response("/healthz").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let readyz = app.get_json("/readyz").await;
    assert_eq!(readyz["status"], "ready");
    assert_eq!(readyz["database"], "ok");
    // Every provider the demo's cities name (air, payments, billers, hospitals, cameras and
    // the report desks), each once.
    let config = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../config");
    let cities =
        server::config::load_cities(&config, &server::catalog::KNOWN).expect("demo config");
    let configured: usize = cities.iter().map(|city| city.services.len()).sum();
    assert!(configured >= 32, "the demo names {configured} providers");
    assert_eq!(
        readyz["providers"].as_array().map(Vec::len),
        Some(configured)
    );
}

#[tokio::test]
async fn locate_resolves_city_and_district_or_says_outside() {
    let app = TestApp::spawn().await;
    let response = app.get_response("/locate?lat=23.1290&lon=113.2668").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/c/guangzhou");
    let cookies: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("region=guangzhou/yuexiu;")),
        "{cookies:?}"
    );
    assert!(cookies.iter().any(|c| c.starts_with("city=guangzhou;")));

    let response = app.get_response("/locate?lat=39.9&lon=116.4").await;
    assert_eq!(response.headers()["location"], "/?located=outside");
    let response = app.get_response("/locate?lat=abc").await;
    assert_eq!(response.headers()["location"], "/");
}

#[tokio::test]
async fn language_switch_refuses_foreign_redirects() {
    let app = TestApp::spawn().await;
    let response = app.get_response("/lang/en?next=/c/foshan").await;
    assert_eq!(response.headers()["location"], "/c/foshan");
    assert!(response.headers()["set-cookie"]
        .to_str()
        .unwrap_or_default()
        .starts_with("lang=en;"));
    let response = app.get_response("/lang/en?next=//evil.example/").await;
    assert_eq!(response.headers()["location"], "/");
}

/// What `server admin disable --city C --service air --region R` does.
async fn disable_air(
    app: &TestApp,
    city: &str,
    region: &str,
    actor: &str,
) -> Result<Vec<String>, admin::AdminError> {
    let portal = &app.state.portal;
    admin::switch_service(
        &portal.storage,
        portal.cities.all(),
        city,
        "air",
        &[region.to_owned()],
        admin::Switch::Disable,
        actor,
    )
    .await
}

#[tokio::test]
async fn an_admin_override_hides_the_tile_in_one_district_only() {
    let app = TestApp::spawn().await;
    let portal = &app.state.portal;
    let lines = disable_air(&app, "shenzhen", "futian", "test-admin")
        .await
        .expect("switch applies");
    assert_eq!(lines, vec!["shenzhen/air/futian: disabled"]);

    let (_, futian) = app.get("/c/shenzhen", Some("region=shenzhen/futian")).await;
    assert!(!futian.contains("/c/shenzhen/air"), "no air tile in Futian");
    assert!(
        futian.contains("/c/shenzhen/report"),
        "the other services stay: {futian}"
    );
    let (_, luohu) = app.get("/c/shenzhen", Some("region=shenzhen/luohu")).await;
    assert!(luohu.contains("/c/shenzhen/air"), "the neighbour keeps it");
    // A saved link there is no dead end: why, and the ways on (another district, or back).
    let (status, air) = app
        .get("/c/shenzhen/air", Some("region=shenzhen/futian"))
        .await;
    assert_eq!(status, 404);
    assert!(
        air.contains("This service is not offered in your district at the moment"),
        "{air}"
    );
    assert!(air.contains("href=\"/c/shenzhen#district\""), "{air}");
    assert!(air.contains("Choose another district"));

    let audit = portal
        .storage
        .audit_log("shenzhen", 10)
        .await
        .expect("audit log");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "test-admin");
    assert_eq!(audit[0].after.as_deref(), Some("disabled"));

    let error = disable_air(&app, "shenzhen", "tianhe", "test-admin")
        .await
        .expect_err("Tianhe is in Guangzhou");
    assert!(error.to_string().contains("has no region 'tianhe'"));
}

#[tokio::test]
async fn another_processs_override_shows_once_the_cache_expires() {
    let app =
        TestApp::spawn_with(|s| s.override_cache = std::time::Duration::from_millis(300)).await;
    let (_, before) = app.get("/c/foshan", Some("region=foshan/shunde")).await;
    assert!(before.contains("/c/foshan/air"));
    assert!(
        before.contains("/c/foshan/report"),
        "Foshan takes reports too"
    );
    // As the admin command does from its own process: straight to the database.
    disable_air(&app, "foshan", "shunde", "other-process")
        .await
        .expect("switch applies");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (_, after) = app.get("/c/foshan", Some("region=foshan/shunde")).await;
    assert!(
        !after.contains("/c/foshan/air"),
        "the change reached this process"
    );
}
