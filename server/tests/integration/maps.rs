//! The city map's outside parts over real HTTP: tiles only through the portal's proxy (which
//! names itself, keeps tiles, revalidates them, keeps to the city and to a rate, and rests a
//! tile server that fails), and the address search with its Nominatim simulator, which
//! answers as Nominatim's documentation says.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use serde_json::Value;
use server::simulators::{self, RunningSimulator};

use crate::common::{demo_config_with, repo_config, TestApp};

/// The places simulator on the repository's gazetteer of the demo cities.
pub async fn places_simulator() -> RunningSimulator {
    let cities = server::config::load_cities(&repo_config(), &server::catalog::KNOWN)
        .expect("the demo config loads");
    let all: Vec<_> = cities.iter().collect();
    let gazetteer =
        simulators::places::Gazetteer::load(&repo_config().join("places"), &all).expect("reads");
    assert!(gazetteer.len() > 100, "{} places", gazetteer.len());
    let gazetteer = Arc::new(gazetteer);
    simulators::start("places", |knobs| {
        simulators::places::router(gazetteer, knobs)
    })
    .await
    .expect("listens")
}

/// What a tile server was asked: the path, its User-Agent and its `If-None-Match`.
#[derive(Clone, Debug)]
struct Asked {
    path: String,
    user_agent: String,
    if_none_match: Option<String>,
}

/// A PNG's first bytes: enough for the proxy, which passes tiles through unread.
const TILE: &[u8] = b"\x89PNG\r\n\x1a\n tile";

/// A tile server on loopback: every tile with an ETag and an hour's `max-age`, 304 to a
/// request that names that ETag.
async fn tile_server() -> (String, Arc<Mutex<Vec<Asked>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    async fn tile(
        State(asked): State<Arc<Mutex<Vec<Asked>>>>,
        Path((z, x, y)): Path<(u32, u32, String)>,
        headers: HeaderMap,
    ) -> Response {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let if_none_match = text(header::IF_NONE_MATCH);
        asked.lock().expect("lock").push(Asked {
            path: format!("/{z}/{x}/{y}"),
            user_agent: text(header::USER_AGENT).unwrap_or_default(),
            if_none_match: if_none_match.clone(),
        });
        if if_none_match.as_deref() == Some("\"v1\"") {
            return (
                StatusCode::NOT_MODIFIED,
                [(header::CACHE_CONTROL, "max-age=3600")],
            )
                .into_response();
        }
        (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "max-age=3600"),
                (header::ETAG, "\"v1\""),
            ],
            TILE,
        )
            .into_response()
    }
    let router = Router::new()
        .route("/{z}/{x}/{y}", get(tile))
        .with_state(Arc::clone(&asked));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}"), asked)
}

const OSM_TILES: &str = "tiles = \"https://tile.openstreetmap.org/{z}/{x}/{y}.png\"";

/// A portal whose Shenzhen draws its tiles from `origin`, in `coordinates`.
async fn portal_with_tiles(
    origin: &str,
    coordinates: &str,
    adjust: impl FnOnce(&mut server::settings::Settings),
) -> (TestApp, tempfile::TempDir) {
    let config = demo_config_with(
        OSM_TILES,
        &format!("tiles = \"{origin}/{{z}}/{{x}}/{{y}}.png\"\ncoordinates = \"{coordinates}\""),
    );
    let dir = config.path().to_owned();
    let app = TestApp::spawn_with(move |settings| {
        settings.config_dir = dir;
        adjust(settings);
    })
    .await;
    (app, config)
}

/// Futian's civic centre at zoom 12 (and in Beijing, a tile no Shenzhen map shows).
const FUTIAN_TILE: &str = "/tiles/shenzhen/12/3345/1784";
const BEIJING_TILE: &str = "/tiles/shenzhen/12/3372/1552";

#[tokio::test]
async fn tiles_come_only_through_the_portal_which_names_itself_and_keeps_them() {
    let (origin, asked) = tile_server().await;
    let (app, _config) = portal_with_tiles(&origin, "gcj02", |_| {}).await;

    // The page names the portal's proxy, never the tile server, and its policy allows no
    // image from anywhere else.
    let response = app
        .get_response("/c/shenzhen/report?category=streetlight")
        .await;
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(policy.contains("img-src 'self' data:;"), "{policy}");
    let page = response.text().await.expect("body");
    assert!(page.contains(r#"data-tiles="/tiles/shenzhen/{z}/{x}/{y}""#));
    assert!(!page.contains(&origin), "the tile server is not named");
    // The island moves GCJ-02 tiles onto the WGS-84 drawing (`map_view::tiles_for`).
    assert!(page.contains(r#"data-tiles-datum="gcj02""#));
    assert!(page.contains("© OpenStreetMap contributors"));

    let response = app.get_response(FUTIAN_TILE).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let cache = response.headers()["cache-control"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cache.starts_with("public, max-age=") && cache != "public, max-age=0");
    assert_eq!(response.bytes().await.expect("body").as_ref(), TILE);
    let first = asked.lock().expect("lock").clone();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].path, "/12/3345/1784.png");
    assert!(
        first[0].user_agent.starts_with("CityPortal/") && first[0].user_agent.contains("localhost"),
        "identifies itself: {}",
        first[0].user_agent
    );

    // Kept: a second resident's map costs the tile server nothing.
    assert_eq!(app.get_response(FUTIAN_TILE).await.status(), 200);
    assert_eq!(asked.lock().expect("lock").len(), 1);

    // An hour on, the kept tile is revalidated (304) and served again.
    app.clock.advance(Duration::from_secs(3700));
    let response = app.get_response(FUTIAN_TILE).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.expect("body").as_ref(), TILE);
    let asked_now = asked.lock().expect("lock").clone();
    assert_eq!(asked_now.len(), 2);
    assert_eq!(asked_now[1].if_none_match.as_deref(), Some("\"v1\""));

    // Only the city's own tiles, at zooms tile servers draw.
    for outside in [
        BEIJING_TILE,
        "/tiles/shenzhen/20/0/0",
        "/tiles/atlantis/12/3345/1784",
    ] {
        assert_eq!(app.get_response(outside).await.status(), 404, "{outside}");
    }
    assert_eq!(
        asked.lock().expect("lock").len(),
        2,
        "nothing else was fetched"
    );
}

#[tokio::test]
async fn the_tile_server_is_asked_at_the_capped_rate_and_rested_when_it_fails() {
    let (origin, asked) = tile_server().await;
    let (app, _config) =
        portal_with_tiles(&origin, "wgs84", |s| s.tiles.fetches_per_second = 1).await;
    // A dozen tiles at once: some wait their turn, the rest are told to come back.
    let requests = (0..12).map(|column| {
        let url = app.url(&format!("/tiles/shenzhen/12/{}/1784", 3342 + column));
        let client = reqwest::Client::new();
        async move { client.get(url).send().await.expect("answered") }
    });
    let answers = futures::future::join_all(requests).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status().as_u16()).collect();
    let served = statuses.iter().filter(|s| **s == 200).count();
    let refused: Vec<_> = answers.iter().filter(|a| a.status() == 503).collect();
    assert!((3..=5).contains(&served), "{statuses:?}");
    assert_eq!(served + refused.len(), 12, "{statuses:?}");
    assert!(refused
        .iter()
        .all(|a| a.headers().contains_key("retry-after")));
    assert_eq!(asked.lock().expect("lock").len(), served);

    // A tile server that stops answering is rested: the next tiles fail at once, and the
    // page still draws its districts' outlines.
    let (app, _config) = portal_with_tiles("http://127.0.0.1:9", "wgs84", |_| {}).await;
    assert_eq!(app.get_response(FUTIAN_TILE).await.status(), 502);
    let started = std::time::Instant::now();
    assert_eq!(
        app.get_response("/tiles/shenzhen/12/3346/1784")
            .await
            .status(),
        502
    );
    assert!(started.elapsed() < Duration::from_millis(500));
    let (status, page) = app
        .get("/c/shenzhen/report?category=streetlight", None)
        .await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"class="district""#));
}

#[tokio::test]
async fn a_place_found_by_name_puts_the_pin_there_without_javascript() {
    let app = TestApp::spawn().await;
    let (status, page) = app
        .get(
            "/c/shenzhen/report?category=streetlight&place=%E6%B7%B1%E5%9C%B3%E5%8C%97%E7%AB%99",
            Some("lang=zh-CN"),
        )
        .await;
    assert_eq!(status, 200);
    // The search field keeps the query; the station is offered as a link that places the
    // pin, its district named beside it.
    assert!(page.contains(r#"id="place-query""#) && page.contains("value=\"深圳北站\""));
    let link = page
        .split("<a href=\"")
        .find(|part| part.contains("<strong>深圳北站"))
        .and_then(|part| part.split('"').next())
        .expect("a link to the station")
        .replace("&amp;", "&");
    assert!(
        link.contains("lat=22.611940") && link.contains("lon=114.023890"),
        "{link}"
    );
    assert!(page.contains("龙华区, 深圳"));
    // Following it, the form's coordinates hold the station.
    let (_, form) = app.get(&link, None).await;
    assert!(form.contains(r#"value="22.611940""#), "the pin's latitude");

    // English pages search in English; nothing found says so.
    let (_, english) = app
        .get(
            "/c/shenzhen/report?category=streetlight&place=Songgang",
            Some("lang=en"),
        )
        .await;
    assert!(english.contains("Songgang Subdistrict"), "{english}");
    let (_, nothing) = app
        .get(
            "/c/shenzhen/report?category=streetlight&place=Xyzzy",
            Some("lang=en"),
        )
        .await;
    assert!(nothing.contains("No place of that name was found in Shenzhen"));

    // Kept to the city: Guangzhou's station is not found from Shenzhen.
    let (_, elsewhere) = app
        .get(
            "/c/shenzhen/report?category=streetlight&place=Guangzhou%20South",
            Some("lang=en"),
        )
        .await;
    assert!(elsewhere.contains("No place of that name was found in Shenzhen"));
}

#[tokio::test]
async fn a_reports_page_names_the_place_nearest_its_pin() {
    let app = TestApp::spawn().await;
    let cookie = app.sign_up("near@example.com", "a long password").await;
    // A street light out a few metres from Songgang's subdistrict point (Bao'an).
    let fields = crate::reports::street_light(("22.77900", "113.84560"), "Dark corner");
    let reference = crate::reports::file(&app, &fields, Some(&cookie)).await;
    let english = format!("{cookie}; lang=en");
    let (status, page) = app
        .get(&format!("/me/reports/{reference}"), Some(&english))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Near Songgang Subdistrict ("), "{page}");
}

/// The simulator answers as Nominatim's documentation says: `jsonv2` and `json` (its
/// `class`), GeoJSON, `limit` at most 40, `viewbox` with `bounded`, `accept-language`,
/// the errors of a search without `q` and a reverse without coordinates, and
/// "Unable to geocode" where nothing is near.
#[tokio::test]
async fn the_places_simulator_answers_as_nominatim_documents() {
    let running = places_simulator().await;
    let base = running.base_url.to_string();
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            let response = client.get(url).send().await.expect("answered");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("JSON"))
        }
    };
    let (status, v2) = get("search?q=Shenzhen%20North&format=jsonv2".into()).await;
    assert_eq!(status, 200);
    let first = &v2[0];
    for field in [
        "place_id",
        "licence",
        "osm_type",
        "osm_id",
        "lat",
        "lon",
        "category",
        "type",
        "place_rank",
        "importance",
        "addresstype",
        "name",
        "display_name",
        "boundingbox",
    ] {
        assert!(!first[field].is_null(), "jsonv2 has {field}: {first}");
    }
    assert!(
        first["lat"].is_string()
            && first["boundingbox"]
                .as_array()
                .is_some_and(|b| b.len() == 4)
    );
    let (_, json) = get("search?q=Shenzhen%20North&format=json".into()).await;
    assert!(json[0]["class"].is_string() && json[0]["category"].is_null());
    let (_, geojson) = get("search?q=Shenzhen%20North&format=geojson".into()).await;
    assert_eq!(geojson["type"], "FeatureCollection");
    assert_eq!(geojson["features"][0]["geometry"]["type"], "Point");

    // Chinese unless English is asked for, by parameter or header.
    let (_, zh) = get("search?q=Songgang".into()).await;
    assert_eq!(zh[0]["name"], "松岗街道");
    let (_, en) = get("search?q=Songgang&accept-language=en".into()).await;
    assert_eq!(en[0]["name"], "Songgang Subdistrict");

    // `limit` is capped at 40; `viewbox` limits only with `bounded=1`.
    let (_, many) = get("search?q=subdistrict&limit=500".into()).await;
    assert_eq!(many.as_array().map(Vec::len), Some(40));
    let guangzhou_box = "viewbox=113.1,23.4,113.6,22.9";
    let (_, unbounded) = get(format!("search?q=Songgang&{guangzhou_box}")).await;
    assert_eq!(unbounded.as_array().map(Vec::len), Some(1));
    let (_, bounded) = get(format!("search?q=Songgang&{guangzhou_box}&bounded=1")).await;
    assert_eq!(bounded, serde_json::json!([]));

    let (status, error) = get("search?format=jsonv2".into()).await;
    assert_eq!(status, 400);
    assert_eq!(error["error"]["code"], 400);
    let (status, _) = get("reverse?lat=22.5".into()).await;
    assert_eq!(status, 400);
    let (status, far) = get("reverse?lat=0&lon=0&format=jsonv2".into()).await;
    assert_eq!(status, 200);
    assert_eq!(far["error"], "Unable to geocode");
    let (_, near) = get("reverse?lat=22.7787&lon=113.8455&zoom=17&accept-language=en".into()).await;
    assert_eq!(near["name"], "Songgang Subdistrict");
}
