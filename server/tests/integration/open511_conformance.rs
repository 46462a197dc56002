//! The Open511 camera simulator against what the Open511 API says of every server, not
//! against our adapter, over plain HTTP: each document's `meta` and its `version`; each
//! camera's `url` and `jurisdiction_url`, which answer; formats a server does not serve
//! refused plainly; `road_name` matched exactly; pages of up to 500.

use std::{collections::HashMap, sync::Arc};

use serde_json::Value;
use server::{
    config::load_cities,
    services::cameras::simulator::{self as open511, SimulatedCameras},
    simulators::{self, faults::FaultKnobs},
};

use crate::common::repo_config;

/// Shenzhen's demo cameras under `/sz/`, and the server's root.
async fn jurisdiction() -> String {
    let cities = load_cities(&repo_config(), &server::catalog::KNOWN).expect("the demo config");
    let city = cities
        .iter()
        .find(|c| c.id == "shenzhen")
        .expect("Shenzhen");
    let cameras =
        SimulatedCameras::seeded("sz", "shenzhen.example.cn", &city.time_zone, &city.regions);
    let knobs = FaultKnobs::new();
    let router = open511::directory_router(
        &HashMap::from([("sz".to_owned(), cameras)]),
        Arc::clone(&knobs),
    );
    let running = simulators::serve("open511", router, knobs)
        .await
        .expect("listens");
    running.base_url.to_string()
}

async fn get(root: &str, path: &str) -> (u16, Value) {
    get_in(root, path, "zh-CN").await
}

async fn get_in(root: &str, path: &str, language: &str) -> (u16, Value) {
    let url = format!("{}{}", root.trim_end_matches('/'), path);
    let response = reqwest::Client::new()
        .get(&url)
        .header("accept-language", language)
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    let body = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// Every document says which version of the API it follows.
fn has_meta(document: &Value) -> bool {
    document["meta"]["version"]
        .as_str()
        .is_some_and(|v| !v.is_empty())
}

#[tokio::test]
async fn every_document_has_its_meta_and_every_camera_links_that_answer() {
    let root = jurisdiction().await;
    let (status, list) = get(&root, "/sz/cameras/").await;
    assert_eq!(status, 200);
    assert!(has_meta(&list), "{list}");
    let cameras = list["cameras"].as_array().expect("cameras");
    assert!(!cameras.is_empty());
    for camera in cameras {
        let url = camera["url"].as_str().expect("a url");
        let (status, own) = get(&root, url).await;
        assert_eq!(status, 200, "{url}");
        assert!(has_meta(&own));
        assert_eq!(own["cameras"][0]["id"], camera["id"]);
        let jurisdiction = camera["jurisdiction_url"]
            .as_str()
            .expect("a jurisdiction_url");
        let (status, found) = get(&root, jurisdiction).await;
        assert_eq!(status, 200, "{jurisdiction}");
        assert!(has_meta(&found));
        let id = found["jurisdictions"][0]["id"].as_str().expect("an id");
        assert!(camera["id"]
            .as_str()
            .expect("id")
            .starts_with(&format!("{id}/")));
    }
}

#[tokio::test]
async fn a_format_it_does_not_serve_is_refused_plainly() {
    let root = jurisdiction().await;
    let (status, words) = get(&root, "/sz/cameras/?format=xml").await;
    assert_eq!(status, 406);
    assert!(
        words.as_str().is_some_and(|w| w.contains("JSON")),
        "{words}"
    );
    assert_eq!(get(&root, "/sz/cameras/?format=json").await.0, 200);
}

#[tokio::test]
async fn road_name_is_matched_exactly() {
    let root = jurisdiction().await;
    let (_, all) = get_in(&root, "/sz/cameras/?limit=500", "en").await;
    let road = all["cameras"][0]["roads"][0]["name"]
        .as_str()
        .expect("a road")
        .to_owned();
    assert_ne!(road.to_uppercase(), road, "a name with case: {road}");
    let exact = format!("/sz/cameras/?limit=500&road_name={}", urlencoding(&road));
    let (_, found) = get_in(&root, &exact, "en").await;
    assert!(!found["cameras"].as_array().expect("cameras").is_empty());
    let shouted = format!(
        "/sz/cameras/?road_name={}",
        urlencoding(&road.to_uppercase())
    );
    let (_, none) = get_in(&root, &shouted, "en").await;
    assert!(
        none["cameras"].as_array().expect("cameras").is_empty(),
        "{none}"
    );
}

#[tokio::test]
async fn a_page_of_500_is_served_whole_and_smaller_pages_link_the_next() {
    let root = jurisdiction().await;
    let (_, all) = get(&root, "/sz/cameras/?limit=500").await;
    let count = all["cameras"].as_array().expect("cameras").len();
    assert!(count > 1);
    assert!(all["pagination"]["next_url"].is_null(), "one page: {all}");
    let (_, first) = get(&root, "/sz/cameras/?limit=1").await;
    assert_eq!(first["cameras"].as_array().expect("cameras").len(), 1);
    assert!(first["pagination"]["next_url"].is_string());
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
