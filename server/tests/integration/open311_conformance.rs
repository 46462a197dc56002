//! The Open311 desk simulator against the GeoReport v2 specification
//! (<https://wiki.open311.org/GeoReport_v2>), not against our adapter: a client written by
//! someone else must find in it what the spec promises. Each test names the section it
//! checks, over plain HTTP.

use std::{sync::Arc, time::Duration};

use serde_json::Value;
use server::{
    services::reports::simulator::{self as open311, SimulatedDesk},
    simulators::{self, faults::FaultKnobs},
};

const JURISDICTION: &str = "shenzhen.example";
const KEY: &str = "desk-key";

/// A desk with a jurisdiction and an API key, and its base URL.
async fn desk() -> (Arc<SimulatedDesk>, String) {
    let desk = SimulatedDesk::new(Some(JURISDICTION), Some(KEY), Duration::from_secs(3600));
    let knobs = FaultKnobs::new();
    let router = open311::router(Arc::clone(&desk), Arc::clone(&knobs));
    let running = simulators::serve("open311", router, knobs)
        .await
        .expect("listens");
    (desk, running.base_url.to_string())
}

async fn get(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

async fn post(base: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}requests.json"))
        .form(form)
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

/// "Errors": a list of `{code, description}`.
fn is_error_list(body: &Value) -> bool {
    body.as_array().is_some_and(|errors| {
        !errors.is_empty()
            && errors
                .iter()
                .all(|e| e["code"].is_number() && e["description"].is_string())
    })
}

/// "GET Service Definition": each attribute has `variable`, `code`, `datatype`, `required`,
/// `datatype_description`, `order` and `description`; list datatypes have their `values`.
#[tokio::test]
async fn every_attribute_of_a_service_definition_is_as_the_spec_lists_it() {
    let (_, base) = desk().await;
    let (status, services) = get(&format!(
        "{base}services.json?jurisdiction_id={JURISDICTION}"
    ))
    .await;
    assert_eq!(status, 200);
    let with_metadata: Vec<String> = services
        .as_array()
        .expect("a list")
        .iter()
        .filter(|s| s["metadata"] == Value::Bool(true))
        .filter_map(|s| s["service_code"].as_str().map(str::to_owned))
        .collect();
    assert!(!with_metadata.is_empty());
    for code in with_metadata {
        let (status, definition) = get(&format!(
            "{base}services/{code}.json?jurisdiction_id={JURISDICTION}"
        ))
        .await;
        assert_eq!(status, 200, "{code}");
        assert_eq!(definition["service_code"], code.as_str());
        for attribute in definition["attributes"].as_array().expect("attributes") {
            assert!(attribute["variable"].is_boolean(), "{attribute}");
            assert!(attribute["code"].is_string(), "{attribute}");
            assert!(attribute["required"].is_boolean(), "{attribute}");
            assert!(attribute["datatype_description"].is_string(), "{attribute}");
            assert!(attribute["order"].is_number(), "{attribute}");
            assert!(attribute["description"].is_string(), "{attribute}");
            let datatype = attribute["datatype"].as_str().expect("datatype");
            assert!(
                [
                    "string",
                    "number",
                    "datetime",
                    "text",
                    "singlevaluelist",
                    "multivaluelist"
                ]
                .contains(&datatype),
                "{attribute}"
            );
            if datatype.ends_with("valuelist") {
                let values = attribute["values"].as_array().expect("values");
                assert!(values
                    .iter()
                    .all(|v| v["key"].is_string() && v["name"].is_string()));
            }
        }
    }
}

/// "POST Service Request": `api_key` is required where the server issues keys; without it
/// the answer is an error list. With it, the request's `service_request_id`.
#[tokio::test]
async fn a_post_needs_the_desks_api_key() {
    let (_, base) = desk().await;
    let report = [
        ("jurisdiction_id", JURISDICTION),
        ("service_code", "streetlight"),
        ("lat", "22.54"),
        ("long", "114.05"),
        ("attribute[light_state]", "off"),
    ];
    let (status, refused) = post(&base, &report).await;
    assert_eq!(status, 403);
    assert!(is_error_list(&refused), "{refused}");
    let mut keyed = report.to_vec();
    keyed.push(("api_key", "not-the-key"));
    assert_eq!(post(&base, &keyed).await.0, 403);
    keyed.pop();
    keyed.push(("api_key", KEY));
    let (status, created) = post(&base, &keyed).await;
    assert_eq!(status, 201);
    assert!(created[0]["service_request_id"].is_string(), "{created}");
}

/// "GET Service Request": `requests/{service_request_id}.json` answers a list of that one
/// request with its `status`, `service_code` and `requested_datetime`; an unknown id is a
/// 404 with an error list.
#[tokio::test]
async fn one_request_is_read_by_its_id() {
    let (_, base) = desk().await;
    let (_, created) = post(
        &base,
        &[
            ("jurisdiction_id", JURISDICTION),
            ("api_key", KEY),
            ("service_code", "streetlight"),
            ("lat", "22.54"),
            ("long", "114.05"),
            ("attribute[light_state]", "off"),
        ],
    )
    .await;
    let id = created[0]["service_request_id"].as_str().expect("an id");
    let (status, found) = get(&format!(
        "{base}requests/{id}.json?jurisdiction_id={JURISDICTION}"
    ))
    .await;
    assert_eq!(status, 200, "{found}");
    let found = found.as_array().expect("a list");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["service_request_id"], id);
    assert!(["open", "closed"].contains(&found[0]["status"].as_str().expect("status")));
    assert_eq!(found[0]["service_code"], "streetlight");
    assert!(found[0]["requested_datetime"].is_string());
    let (status, missing) = get(&format!(
        "{base}requests/999999.json?jurisdiction_id={JURISDICTION}"
    ))
    .await;
    assert_eq!(status, 404);
    assert!(is_error_list(&missing), "{missing}");
}
