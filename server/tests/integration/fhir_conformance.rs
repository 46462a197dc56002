//! The FHIR hospital simulator against FHIR R4's RESTful API
//! (<https://hl7.org/fhir/R4/http.html>), not against our adapter, over plain HTTP: the
//! capability statement, search Bundles, creates, updates, reads and errors as the spec
//! shapes them. Each test names the section it checks.

use std::{collections::HashMap, sync::Arc};

use serde_json::{json, Value};
use server::{
    services::appointments::simulator::{self as fhir, SimulatedHospital},
    simulators::{self, faults::FaultKnobs},
};

const FHIR_JSON: &str = "application/fhir+json";

/// One hospital under `/h/`; its base URL.
pub(crate) async fn hospital() -> (Arc<SimulatedHospital>, String) {
    let zone = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
    let hospital = SimulatedHospital::seeded(0, &zone, true, 15);
    let knobs = FaultKnobs::new();
    let router = fhir::directory_router(
        &HashMap::from([("h".to_owned(), Arc::clone(&hospital))]),
        Arc::clone(&knobs),
    );
    let running = simulators::serve("fhir", router, knobs)
        .await
        .expect("listens");
    (hospital, format!("{}h", running.base_url))
}

async fn send(request: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = request
        .header("accept", FHIR_JSON)
        .send()
        .await
        .expect("answer");
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    let text = response.text().await.expect("body");
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn is_outcome(body: &Value) -> bool {
    body["resourceType"] == "OperationOutcome"
        && body["issue"].as_array().is_some_and(|issues| {
            !issues.is_empty()
                && issues
                    .iter()
                    .all(|i| i["severity"].is_string() && i["code"].is_string())
        })
}

/// "capabilities": `GET [base]/metadata` is the server's CapabilityStatement.
#[tokio::test]
async fn metadata_is_a_capability_statement_of_what_it_serves() {
    let (_, base) = hospital().await;
    let (status, _, statement) = send(reqwest::Client::new().get(format!("{base}/metadata"))).await;
    assert_eq!(status, 200);
    assert_eq!(statement["resourceType"], "CapabilityStatement");
    assert_eq!(statement["fhirVersion"], "4.0.1");
    assert_eq!(statement["kind"], "instance");
    let rest = &statement["rest"][0];
    assert_eq!(rest["mode"], "server");
    let kinds: Vec<&str> = rest["resource"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["type"].as_str())
        .collect();
    for kind in [
        "Slot",
        "Appointment",
        "Patient",
        "Schedule",
        "PractitionerRole",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
}

/// "search" (3.1.0.10 and Bundle): a searchset has a `self` link and every entry an
/// absolute `fullUrl`.
#[tokio::test]
async fn a_search_bundle_links_itself_and_names_every_entry() {
    let (_, base) = hospital().await;
    let (status, _, bundle) =
        send(reqwest::Client::new().get(format!("{base}/Slot?status=free&_count=5"))).await;
    assert_eq!(status, 200);
    assert_eq!(bundle["type"], "searchset");
    let links = bundle["link"].as_array().expect("links");
    let own = links
        .iter()
        .find(|l| l["relation"] == "self")
        .expect("a self link");
    assert!(
        own["url"].as_str().is_some_and(|u| u.starts_with("http")),
        "{own}"
    );
    for entry in bundle["entry"].as_array().expect("entries") {
        let full = entry["fullUrl"].as_str().expect("a fullUrl");
        let id = entry["resource"]["id"].as_str().expect("an id");
        assert!(
            full.starts_with("http") && full.ends_with(&format!("/Slot/{id}")),
            "{full}"
        );
    }
}

/// "create": `201 Created` with a `Location` of the new version; `Prefer: return=minimal`
/// gets no body. "read": an `ETag`.
#[tokio::test]
async fn a_create_answers_its_location_and_a_read_its_etag() {
    let (_, base) = hospital().await;
    let patient = json!({
        "resourceType": "Patient",
        "identifier": [{ "system": "urn:example:conformance", "value": "c-1" }],
        "name": [{ "text": "测试" }]
    });
    let (status, headers, body) = send(
        reqwest::Client::new()
            .post(format!("{base}/Patient"))
            .header("content-type", FHIR_JSON)
            .header("prefer", "return=minimal")
            .body(patient.to_string()),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body, Value::Null, "no body when none is wanted");
    let location = headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("a Location");
    assert!(
        location.contains("/Patient/") && location.contains("/_history/"),
        "{location}"
    );
    let resource = location.split("/_history/").next().expect("the resource");
    let (status, headers, read) = send(reqwest::Client::new().get(resource)).await;
    assert_eq!(status, 200);
    assert_eq!(read["resourceType"], "Patient");
    assert!(headers.get("etag").is_some(), "a read carries its ETag");
}

/// "update": the resource's id must be the URL's (400 otherwise); errors are
/// OperationOutcomes, an unknown address's too.
#[tokio::test]
async fn an_update_to_another_id_is_refused_and_errors_are_outcomes() {
    let (_, base) = hospital().await;
    let (status, _, refused) = send(
        reqwest::Client::new()
            .put(format!("{base}/Appointment/a-1"))
            .header("content-type", FHIR_JSON)
            .body(json!({ "resourceType": "Appointment", "id": "a-2", "status": "cancelled", "participant": [] }).to_string()),
    )
    .await;
    assert_eq!(status, 400);
    assert!(is_outcome(&refused), "{refused}");
    let (status, _, missing) =
        send(reqwest::Client::new().get(format!("{base}/Appointment/none"))).await;
    assert_eq!(status, 404);
    assert!(is_outcome(&missing), "{missing}");
    let (status, _, unknown) = send(reqwest::Client::new().get(format!("{base}/Encounter"))).await;
    assert_eq!(status, 404);
    assert!(is_outcome(&unknown), "{unknown}");
}
