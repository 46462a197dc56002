//! Traffic cameras over Open511, against the built-in simulator: the list by road from the
//! resident's district and its filters, the adapter's own filters, one picture per camera
//! per interval however many ask, a camera offline, a broken picture, a frozen camera, the
//! provider down, and stars. On Postgres when `TEST_DATABASE_URL` is set, else SQLite.

use crate::common;

use std::{sync::Arc, time::Duration};

use common::{eventually, TestApp};
use model::{Locale, ServiceKind};
use server::{
    providers::ProviderGuard,
    services::cameras::{
        frames::{THUMBNAIL, VIEW},
        open511::{CameraOptions, Open511},
        port::{CameraProvider, CameraQuery},
        simulator::{self as open511, CameraFault, SimulatedCameras},
    },
    simulators::{self, faults::FaultMode},
    telemetry::Metrics,
};

const PROVIDER: &str = "shenzhen-traffic-cameras";
/// English pages: the test reads their words.
const ENGLISH: &str = "lang=en";

fn simulator(app: &TestApp) -> Arc<SimulatedCameras> {
    app.part::<SimulatedCameras>(PROVIDER)
}

/// The cameras a page lists, in its order.
fn listed(html: &str) -> Vec<String> {
    html.split("data-camera=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The list item of `camera` on a list page.
fn card<'a>(html: &'a str, camera: &str) -> &'a str {
    let start = html
        .find(&format!("data-camera=\"{camera}\""))
        .expect("listed");
    let end = html[start..]
        .find("</li>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

/// The caption of the camera's frame on its own page: its state and its words.
fn caption(html: &str) -> (String, String) {
    let start = html.find("id=\"frame-caption\"").expect("a caption");
    let tag_end = start + html[start..].find('>').expect("tag");
    let state = html[start..tag_end]
        .split("data-state=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let end = tag_end + html[tag_end..].find("</p>").expect("closed");
    (state, html[tag_end + 1..end].trim().to_owned())
}

async fn camera_page(app: &TestApp, camera: &str) -> String {
    let (status, page) = app
        .get(&format!("/c/shenzhen/cameras/{camera}"), Some(ENGLISH))
        .await;
    assert_eq!(status, 200, "{page}");
    page
}

#[tokio::test]
async fn the_list_shows_every_camera_by_road_from_the_residents_district_and_filters_by_road() {
    let app = TestApp::spawn().await;
    let cookie = format!("{ENGLISH}; region=shenzhen/futian");
    let (status, page) = app.get("/c/shenzhen/cameras", Some(&cookie)).await;
    assert_eq!(status, 200, "{page}");
    let cameras = listed(&page);
    let mut all = simulator(&app).ids();
    let mut sorted = cameras.clone();
    all.sort();
    sorted.sort();
    assert_eq!(sorted, all, "every camera, once");
    assert!(cameras.len() >= 2 * 9, "two in each district: {cameras:?}");
    assert!(cameras[0].starts_with("futian-"), "{cameras:?}");
    assert!(card(&page, &cameras[0]).contains("In your district"));
    // Every picture shown carries its age. The first screen's pictures are waited for;
    // the others are asked for without waiting, and until they come their cards show no
    // picture (none without its time) and say how to see it.
    for (i, camera) in cameras.iter().enumerate() {
        let card = card(&page, camera);
        if i < 6 {
            assert!(card.contains("data-state=\"live\""), "{card}");
            assert!(card.contains("Taken "), "{card}");
            assert!(card.contains("thumb.jpg?v="), "{card}");
            assert!(card.contains("loading=\"lazy\""), "{card}");
        } else if card.contains("data-state=\"pending\"") {
            assert!(
                !card.contains("<img"),
                "no picture without its time: {card}"
            );
            assert!(card.contains("open the camera for its latest"), "{card}");
        } else {
            assert!(card.contains("Taken "), "{card}");
        }
    }
    // Every camera's picture was asked for; the next visit shows each with its time.
    let every = cameras.len() as u64;
    assert!(eventually(10, async || simulator(&app).pictures_sent_in_all() == every).await);
    assert!(
        eventually(10, async || {
            let (_, again) = app.get("/c/shenzhen/cameras", Some(&cookie)).await;
            cameras.iter().all(|c| card(&again, c).contains("Taken "))
        })
        .await,
        "each picture with its time"
    );
    assert_eq!(
        simulator(&app).pictures_sent_in_all(),
        every,
        "asked once each"
    );
    assert_eq!(
        page.matches("class=\"camera-dot\"").count(),
        cameras.len(),
        "a dot on the map for each"
    );
    // Grouped by road: each road's heading once, with its cameras under it (the text as a
    // browser reads it: without Leptos's `<!>` markers).
    let text = page.replace("<!>", "");
    assert_eq!(text.matches(">Central Avenue</h2>").count(), 1);

    let (_, central) = app
        .get("/c/shenzhen/cameras?road=Central+Avenue", Some(&cookie))
        .await;
    let on_road = listed(&central);
    assert!(!on_road.is_empty() && on_road.len() < cameras.len());
    for camera in &on_road {
        assert!(card(&central, camera).contains("Central Avenue, "));
    }
    // In Chinese, the same cameras by their Chinese names.
    let (_, chinese) = app.get("/c/shenzhen/cameras", Some("lang=zh-CN")).await;
    assert!(chinese.contains("中心大道"), "road names in Chinese");
    assert_eq!(listed(&chinese).len(), cameras.len());
}

#[tokio::test]
async fn the_adapter_asks_open511_for_a_box_or_a_road() {
    let app = TestApp::spawn().await;
    let city = app.state.portal.city("shenzhen").expect("a demo city");
    let jurisdiction =
        SimulatedCameras::seeded("sz", "sz.example.cn", &city.time_zone, &city.regions);
    let knobs = server::simulators::faults::FaultKnobs::new();
    let routes = std::collections::HashMap::from([("sz".to_owned(), Arc::clone(&jurisdiction))]);
    let running = simulators::serve(
        "open511",
        open511::directory_router(&routes, Arc::clone(&knobs)),
        knobs,
    )
    .await
    .expect("listens");
    let guard = Arc::new(ProviderGuard::new(
        "sz",
        ServiceKind::TrafficCameras,
        Duration::from_secs(3),
        Metrics::new(),
    ));
    let adapter = Open511::new(
        reqwest::Client::new(),
        running.base_url.join("sz/").expect("url"),
        None,
        CameraOptions {
            jurisdiction: Some("sz.example.cn".into()),
        },
        guard,
    );
    let all = adapter
        .cameras(&CameraQuery::default(), Locale::En)
        .await
        .expect("listed");
    assert_eq!(all.len(), jurisdiction.ids().len());
    let futian = all.iter().find(|c| c.id == "futian-1").expect("there");
    assert!(futian.name.contains("Futian"), "{}", futian.name);
    assert!(futian
        .snapshot
        .url
        .as_str()
        .starts_with(running.base_url.as_str()));

    let around = [
        futian.lon - 0.001,
        futian.lat - 0.001,
        futian.lon + 0.001,
        futian.lat + 0.001,
    ];
    let boxed = adapter
        .cameras(
            &CameraQuery {
                bbox: Some(around),
                road: None,
            },
            Locale::En,
        )
        .await
        .expect("listed");
    assert_eq!(
        boxed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["futian-1"]
    );

    let road = futian.roads[0].name.clone();
    let on_road = adapter
        .cameras(
            &CameraQuery {
                bbox: None,
                road: Some(road.clone()),
            },
            Locale::En,
        )
        .await
        .expect("listed");
    assert!(on_road.len() < all.len() && on_road.iter().all(|c| c.roads[0].name == road));
}

#[tokio::test]
async fn many_residents_looking_at_one_camera_cost_the_provider_one_picture_per_interval() {
    let app = TestApp::spawn().await;
    let sim = simulator(&app);
    sim.set_refresh("futian-1", 2);
    let view = "/c/shenzhen/cameras/futian-1/view.jpg";
    let cookie = app.sign_up("watcher@example.com", "a long password").await;
    // Residents with a session, some behind a proxy that names them.
    let answers = futures::future::join_all((0..40).map(|i| {
        app.client
            .get(app.url(view))
            .header("cookie", &cookie)
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .send()
    }))
    .await
    .into_iter()
    .map(|answer| answer.expect("answered"))
    .collect::<Vec<_>>();
    assert_eq!(
        sim.pictures_sent("futian-1"),
        1,
        "one picture for forty residents"
    );
    let mut etags = std::collections::HashSet::new();
    for answer in answers {
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers()["content-type"], "image/jpeg");
        let cache = answer.headers()["cache-control"]
            .to_str()
            .expect("text")
            .to_owned();
        let max_age: u64 = cache
            .strip_prefix("public, max-age=")
            .and_then(|s| s.parse().ok())
            .expect("public, with a max-age");
        assert!((1..=2).contains(&max_age), "{cache}");
        etags.insert(answer.headers()["etag"].to_str().expect("text").to_owned());
        assert!(answer.headers().contains_key("last-modified"));
    }
    assert_eq!(etags.len(), 1, "one frame");

    // Each size within its box and its budget.
    for (path, size) in [
        (view, VIEW),
        ("/c/shenzhen/cameras/futian-1/thumb.jpg", THUMBNAIL),
    ] {
        let bytes = app.get_response(path).await.bytes().await.expect("body");
        assert!(bytes.len() <= size.budget, "{path}: {} bytes", bytes.len());
        let picture = image::load_from_memory(&bytes).expect("a JPEG");
        assert!(picture.width() <= size.width && picture.height() <= size.height);
    }
    // A browser asking whether it changed gets a 304.
    let etag = etags.into_iter().next().expect("one");
    let unchanged = app
        .client
        .get(app.url(view))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("answer");
    assert_eq!(unchanged.status(), 304);
    assert_eq!(sim.pictures_sent("futian-1"), 1);

    app.advance(Duration::from_millis(2100)).await;
    let answers = futures::future::join_all((0..40).map(|_| app.get_response(view))).await;
    assert!(answers.iter().all(|a| a.status() == 200));
    assert_eq!(
        sim.pictures_sent("futian-1"),
        2,
        "one more after the interval"
    );
    // The provider never saw a resident: only the portal asked, with nothing of theirs.
    assert_eq!(sim.pictures_sent_in_all(), 2);
    assert_eq!(sim.requests_naming_a_client(), 0);
}

#[tokio::test]
async fn an_offline_camera_and_a_broken_picture_are_said_plainly_and_the_last_picture_kept() {
    let app = TestApp::spawn().await;
    let sim = simulator(&app);
    sim.set_fault("futian-1", Some(CameraFault::Offline));
    sim.set_refresh("futian-2", 1);

    let offline = camera_page(&app, "futian-1").await;
    let (state, words) = caption(&offline);
    assert_eq!(state, "offline");
    assert!(words.contains("Camera offline."), "{words}");
    assert_eq!(
        app.get_response("/c/shenzhen/cameras/futian-1/view.jpg")
            .await
            .status(),
        503,
        "no picture to show"
    );

    let live = camera_page(&app, "futian-2").await;
    assert_eq!(caption(&live).0, "live");
    sim.set_fault("futian-2", Some(CameraFault::Broken));
    app.advance(Duration::from_millis(1100)).await;
    let damaged = camera_page(&app, "futian-2").await;
    let (state, words) = caption(&damaged);
    assert_eq!(state, "damaged");
    assert!(
        words.contains("damaged picture") && words.contains("Last picture: Taken"),
        "{words}"
    );
    let kept = app
        .get_response("/c/shenzhen/cameras/futian-2/view.jpg")
        .await;
    assert_eq!(kept.status(), 200, "the last good picture");
    assert!(image::load_from_memory(&kept.bytes().await.expect("body")).is_ok());

    // The list says the same of both.
    let (_, list) = app.get("/c/shenzhen/cameras", Some(ENGLISH)).await;
    assert!(card(&list, "futian-1").contains("data-state=\"offline\""));
    assert!(card(&list, "futian-2").contains("data-state=\"damaged\""));
}

#[tokio::test]
async fn a_frozen_camera_is_marked_old_with_its_true_age() {
    let app = TestApp::spawn().await;
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(10);
    simulator(&app).set_fault("futian-1", Some(CameraFault::Frozen { since }));
    let page = camera_page(&app, "futian-1").await;
    let (state, words) = caption(&page);
    assert_eq!(state, "stale");
    assert!(
        words.contains("Not updated") && words.contains("10 min ago"),
        "{words}"
    );
    assert!(
        page.contains("view.jpg?v="),
        "the old picture is still shown, marked"
    );
}

#[tokio::test]
async fn with_the_provider_down_the_last_pictures_show_their_age_or_a_plain_message() {
    // Never reached: a plain message, and the page still works.
    let app = TestApp::spawn().await;
    app.knobs("open511").set(FaultMode::Down);
    let (status, page) = app.get("/c/shenzhen/cameras", Some(ENGLISH)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Traffic cameras are not available right now"),
        "{page}"
    );
    assert!(listed(&page).is_empty());

    // Reached once: the last pictures, with their age, then marked old.
    let app = TestApp::spawn().await;
    simulator(&app).set_refresh("futian-1", 1);
    assert_eq!(caption(&camera_page(&app, "futian-1").await).0, "live");
    app.knobs("open511").set(FaultMode::Down);
    // Older than three of its one-second intervals.
    app.advance(Duration::from_millis(4200)).await;
    let page = camera_page(&app, "futian-1").await;
    let (state, words) = caption(&page);
    assert_eq!(state, "stale", "{words}");
    assert!(words.contains("s ago"), "{words}");
    assert_eq!(
        app.get_response("/c/shenzhen/cameras/futian-1/view.jpg")
            .await
            .status(),
        200,
        "the last picture"
    );
}

#[tokio::test]
async fn starred_cameras_come_first_and_stars_are_checked() {
    let app = TestApp::spawn().await;
    let cookie = app.sign_up("stars@example.com", "a long password").await;
    let with_lang = format!("{cookie}; {ENGLISH}");
    let (_, before) = app.get("/c/shenzhen/cameras", Some(&with_lang)).await;
    let last = listed(&before).last().cloned().expect("cameras");

    let posted = app
        .post_form(
            &format!("/c/shenzhen/cameras/{last}/star"),
            &[("on", "1"), ("next", "/c/shenzhen/cameras")],
            Some(&cookie),
        )
        .await;
    assert!(
        posted.location.contains("notice=cameras-starred"),
        "{}",
        posted.location
    );
    let (_, after) = app.get("/c/shenzhen/cameras", Some(&with_lang)).await;
    assert_eq!(listed(&after).first(), Some(&last), "starred first");
    assert!(after.contains("Your starred cameras"));
    // Its button now says what it does: the star is removed with it.
    assert_eq!(
        after.matches("Remove star").count(),
        1,
        "one starred camera"
    );
    assert_eq!(listed(&after).len(), listed(&before).len(), "listed once");

    // A camera that does not exist is refused; so is anyone signed out.
    let unknown = app
        .post_form(
            "/c/shenzhen/cameras/no-such-camera/star",
            &[("on", "1")],
            Some(&cookie),
        )
        .await;
    assert!(
        unknown.location.contains("error=error-not-found"),
        "{}",
        unknown.location
    );
    let signed_out = app
        .post_form(
            &format!("/c/shenzhen/cameras/{last}/star"),
            &[("on", "1")],
            None,
        )
        .await;
    assert!(
        signed_out.location.starts_with("/signin"),
        "{}",
        signed_out.location
    );

    app.post_form(
        &format!("/c/shenzhen/cameras/{last}/star"),
        &[("on", "0")],
        Some(&cookie),
    )
    .await;
    let (_, unstarred) = app.get("/c/shenzhen/cameras", Some(&with_lang)).await;
    assert!(!unstarred.contains("Your starred cameras"));
}

#[tokio::test]
async fn bad_camera_ids_are_not_found() {
    let app = TestApp::spawn().await;
    for path in [
        "/c/shenzhen/cameras/no-such-camera",
        "/c/shenzhen/cameras/no-such-camera/view.jpg",
        "/c/shenzhen/cameras/a%20b/thumb.jpg",
        "/c/atlantis/cameras/futian-1/view.jpg",
    ] {
        let (status, _) = app.get(path, None).await;
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(simulator(&app).pictures_sent_in_all(), 0);
}

/// A provider's picture that redirects to another host (here, an address inside the
/// portal's network) is refused, never fetched: the portal calls only the provider's own
/// server.
#[tokio::test]
async fn a_picture_that_redirects_elsewhere_is_not_followed() {
    use std::sync::atomic::{AtomicU64, Ordering};

    async fn serve(router: axum::Router) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listens");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        address
    }
    let visits = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&visits);
    let inside = serve(axum::Router::new().fallback(move || {
        counted.fetch_add(1, Ordering::Relaxed);
        async { "an internal secret" }
    }))
    .await;
    let list = serde_json::json!({"cameras": [{
        "id": "sz.example.cn/a-1",
        "name": "A",
        "geography": {"type": "Point", "coordinates": [114.05, 22.54]},
        "media_files": [{"url": "/sz/moved.jpg", "type": "image/jpeg", "refresh_interval": 60}],
    }]});
    let target = format!("http://{inside}/latest/meta-data");
    let provider = serve(
        axum::Router::new()
            .route(
                "/sz/cameras/",
                axum::routing::get(move || async move { axum::Json(list) }),
            )
            .route(
                "/sz/moved.jpg",
                axum::routing::get(
                    move || async move { axum::response::Redirect::temporary(&target) },
                ),
            ),
    )
    .await;
    let adapter = Open511::new(
        server::providers::registry::provider_client().expect("a client"),
        url::Url::parse(&format!("http://{provider}/sz/")).expect("url"),
        None,
        CameraOptions::default(),
        Arc::new(ProviderGuard::new(
            "sz",
            ServiceKind::TrafficCameras,
            Duration::from_secs(3),
            Metrics::new(),
        )),
    );
    let cameras = adapter
        .cameras(&CameraQuery::default(), Locale::En)
        .await
        .expect("listed");
    assert!(adapter.picture(&cameras[0].snapshot).await.is_err());
    assert_eq!(visits.load(Ordering::Relaxed), 0, "never followed");
}
