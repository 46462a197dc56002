//! The simulators against clients and validators others wrote, from the package registries,
//! so that "a client written by someone else works with it" is tested, not assumed:
//! - FHIR.js (npm `fhir`, Lantana Consulting Group's R4 structure definitions and value sets)
//!   validates every kind of resource the hospital simulator answers;
//! - WeChat Pay's Python SDK (`wechatpayv3` on PyPI) opens, queries, closes and refunds
//!   orders on the WeChat Pay simulator, verifying every answer's signature, and decrypts its
//!   notifications;
//! - an Open311 GeoReport v2 client (`georeport` on PyPI) reads the Open311 simulator;
//! - geopy's Nominatim geocoder (`geopy` on PyPI) searches and reverse-geocodes on the places
//!   simulator.
//!
//! `make setup` installs them (the npm package with the browser tests', the Python ones in a
//! virtual environment of their own, `CITY_PORTAL_PYTHON`); where one is missing, its test
//! says it was skipped.

use std::{
    io::Write,
    path::PathBuf,
    process::{Command, Stdio},
    sync::Arc,
    time::Duration,
};

use serde_json::{json, Value};
use server::{
    services::{
        payments::wechat_pay::keys::{platform_key_id, DemoKeys, DEMO_APP_ID, DEMO_MCHID},
        reports::simulator::{self as open311, SimulatedDesk},
    },
    simulators::{self, faults::FaultKnobs},
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn clients() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// The Python with the clients installed, or `None` (the test is then skipped).
fn python() -> Option<PathBuf> {
    let python = std::env::var_os("CITY_PORTAL_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/city-portal/python/bin/python"))
        })?;
    let installed = Command::new(&python)
        .args(["-c", "import wechatpayv3, georeport, geopy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        println!(
            "skipped: no Python with wechatpayv3, georeport and geopy (make setup installs them)"
        );
    }
    installed.then_some(python)
}

/// Runs a program with `stdin`; its standard output, or a failure with everything it said.
fn run(mut command: Command, stdin: &str) -> String {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("written");
    let output = child.wait_with_output().expect("ends");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn fhir_json(request: reqwest::RequestBuilder) -> Value {
    request
        .header("accept", "application/fhir+json")
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("FHIR JSON")
}

/// Every kind of resource the hospital answers (its capability statement, each search
/// Bundle, a Slot, a Patient and an Appointment created and read, an OperationOutcome) is
/// valid R4 by FHIR.js, unknown properties included.
#[tokio::test]
async fn fhir_js_finds_every_resource_of_the_hospital_valid_r4() {
    let fhir_js = repo().join("end2end/node_modules/fhir");
    if !fhir_js.exists() {
        println!("skipped: FHIR.js is not installed (make setup installs it)");
        return;
    }
    let (_, base) = crate::fhir_conformance::hospital().await;
    let client = reqwest::Client::new();
    let mut resources = vec![fhir_json(client.get(format!("{base}/metadata"))).await];
    for search in [
        "Organization",
        "HealthcareService",
        "PractitionerRole",
        "Schedule",
        "Slot?status=free&_count=3",
    ] {
        resources.push(fhir_json(client.get(format!("{base}/{search}"))).await);
    }
    let slots = resources.last().expect("the slots").clone();
    let slot = slots["entry"][0]["resource"].clone();
    let slot_id = slot["id"].as_str().expect("a slot id");
    resources.push(fhir_json(client.get(format!("{base}/Slot/{slot_id}"))).await);
    let schedule = slot["schedule"]["reference"]
        .as_str()
        .expect("its schedule");
    let schedules = &resources[4]["entry"];
    let role = schedules
        .as_array()
        .expect("schedules")
        .iter()
        .find(|e| format!("Schedule/{}", e["resource"]["id"].as_str().unwrap_or("")) == schedule)
        .and_then(|e| e["resource"]["actor"][0]["reference"].as_str())
        .expect("the schedule's practitioner role")
        .to_owned();
    let patient = fhir_json(
        client
            .post(format!("{base}/Patient"))
            .header("content-type", "application/fhir+json")
            .header("prefer", "return=representation")
            .body(
                json!({
                    "resourceType": "Patient",
                    "identifier": [{ "system": "urn:example:portal", "value": "p-1" }],
                    "name": [{ "text": "王芳" }],
                    "gender": "female",
                    "birthDate": "1949-12-31"
                })
                .to_string(),
            ),
    )
    .await;
    let patient_id = patient["id"].as_str().expect("the patient's id").to_owned();
    resources.push(patient);
    resources.push(fhir_json(client.get(format!("{base}/Patient/{patient_id}"))).await);
    let appointment = fhir_json(
        client
            .post(format!("{base}/Appointment"))
            .header("content-type", "application/fhir+json")
            .header("prefer", "return=representation")
            .body(
                json!({
                    "resourceType": "Appointment",
                    "identifier": [{ "system": "urn:example:portal", "value": "b-1" }],
                    "status": "booked",
                    "slot": [{ "reference": format!("Slot/{slot_id}") }],
                    "start": slot["start"],
                    "end": slot["end"],
                    "participant": [
                        { "actor": { "reference": format!("Patient/{patient_id}") }, "status": "accepted" },
                        { "actor": { "reference": role }, "status": "accepted" }
                    ]
                })
                .to_string(),
            ),
    )
    .await;
    assert_eq!(appointment["resourceType"], "Appointment", "{appointment}");
    let appointment_id = appointment["id"].as_str().expect("its id").to_owned();
    resources.push(appointment);
    resources.push(fhir_json(client.get(format!("{base}/Appointment/{appointment_id}"))).await);
    resources.push(fhir_json(client.get(format!("{base}/Appointment/none"))).await);
    assert_eq!(
        resources.last().expect("one")["resourceType"],
        "OperationOutcome"
    );

    let mut validate = Command::new("node");
    validate
        .arg(clients().join("fhir_validate.cjs"))
        .env("NODE_PATH", repo().join("end2end/node_modules"));
    let said = run(validate, &Value::Array(resources).to_string());
    assert!(said.contains(" 0 problems"), "{said}");
}

/// The SDK's configuration for the demo merchant on the simulator.
fn sdk_config(keys: &DemoKeys, base: &str, dir: &tempfile::TempDir) -> PathBuf {
    let config = json!({
        "mchid": DEMO_MCHID,
        "appid": DEMO_APP_ID,
        "merchant_private_key": keys.merchant.to_pem().expect("pem"),
        "merchant_serial": keys.merchant.public().fingerprint(),
        "apiv3_key": keys.apiv3.as_text(),
        "platform_public_key": keys.platform.public().to_pem().expect("pem"),
        "platform_key_id": platform_key_id(&keys.platform),
        "notify_url": "https://portal.example.cn/api/payments/v1/notify/x",
        "base_url": base,
    });
    let path = dir.path().join("wechatpay.json");
    std::fs::write(&path, config.to_string()).expect("written");
    path
}

fn sdk(python: &PathBuf, config: &PathBuf, args: &[&str]) -> Value {
    let mut command = Command::new(python);
    command
        .arg(clients().join("wechatpay_sdk.py"))
        .arg(config)
        .args(args);
    serde_json::from_str(run(command, "").trim()).expect("JSON")
}

/// The SDK, which verifies each answer's signature (type, serial, nonce, timestamp) and
/// refuses any it cannot, pays through the simulator as through WeChat Pay: an H5 order,
/// its query, its close, a paid one's refund, and a payment notification decrypted.
#[tokio::test]
async fn wechat_pays_own_python_sdk_pays_refunds_and_reads_notifications_on_the_simulator() {
    let Some(python) = python() else { return };
    let crate::wechatpay_conformance::Platform {
        keys,
        simulator,
        base,
    } = crate::wechatpay_conformance::platform().await;
    let dir = tempfile::tempdir().expect("dir");
    let config = sdk_config(&keys, &base, &dir);
    let python = Arc::new(python);
    let call = |args: Vec<String>| {
        let (python, config) = (Arc::clone(&python), config.clone());
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            sdk(&python, &config, &args)
        })
    };
    let opened = call(vec!["open".into(), "SDK-0001".into(), "100".into()])
        .await
        .expect("ran");
    assert_eq!(opened["status"], 200, "{opened}");
    assert!(opened["h5_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("http")));
    let queried = call(vec!["query".into(), "SDK-0001".into()])
        .await
        .expect("ran");
    assert_eq!(queried["trade_state"], "NOTPAY", "{queried}");
    assert!(queried["trade_state_desc"].is_string());
    let closed = call(vec!["close".into(), "SDK-0001".into()])
        .await
        .expect("ran");
    assert_eq!(closed["status"], 204, "{closed}");
    let queried = call(vec!["query".into(), "SDK-0001".into()])
        .await
        .expect("ran");
    assert_eq!(queried["trade_state"], "CLOSED", "{queried}");

    let opened = call(vec!["open".into(), "SDK-0002".into(), "250".into()])
        .await
        .expect("ran");
    assert_eq!(opened["status"], 200, "{opened}");
    assert!(simulator.pay("SDK-0002"), "paid on the hosted page");
    let queried = call(vec!["query".into(), "SDK-0002".into()])
        .await
        .expect("ran");
    assert_eq!(queried["trade_state"], "SUCCESS", "{queried}");
    // A payment notification as the platform posts it, read by the SDK's own callback.
    let body = simulator.notification("TRANSACTION.SUCCESS", "transaction", "SDK-0002");
    let headers: serde_json::Map<String, Value> = simulator
        .signed_headers(&body, jiff::Timestamp::now().as_second())
        .into_iter()
        .map(|(name, value)| (name, Value::String(value)))
        .collect();
    let notice = json!({ "headers": headers, "body": body }).to_string();
    let (sdk_python, sdk_config) = (Arc::clone(&python), config.clone());
    let read = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(&*sdk_python);
        command
            .arg(clients().join("wechatpay_sdk.py"))
            .arg(&sdk_config)
            .arg("notice");
        run(command, &notice)
    })
    .await
    .expect("ran");
    let read: Value = serde_json::from_str(read.trim()).expect("JSON");
    assert_eq!(read["event_type"], "TRANSACTION.SUCCESS", "{read}");
    assert_eq!(read["resource"]["out_trade_no"], "SDK-0002", "{read}");
    assert_eq!(read["resource"]["trade_state"], "SUCCESS", "{read}");

    // Then it is refunded whole.
    let refunded = call(vec![
        "refund".into(),
        "SDK-0002".into(),
        "R-0002".into(),
        "250".into(),
    ])
    .await
    .expect("ran");
    assert_eq!(refunded["status"], 200, "{refunded}");
    assert_eq!(refunded["refund"]["out_refund_no"], "R-0002");
    assert_eq!(refunded["refund"]["amount"]["refund"], 250);
}

/// The GeoReport client reads what the spec promises: the service list, a definition with
/// each attribute's `datatype_description`, and a request by its id, alone and listed.
#[tokio::test]
async fn an_open311_client_written_by_others_reads_the_desk() {
    let Some(python) = python() else { return };
    const JURISDICTION: &str = "shenzhen.example";
    let desk = SimulatedDesk::new(Some(JURISDICTION), Some("key"), Duration::from_secs(3600));
    let knobs = FaultKnobs::new();
    let router = open311::router(Arc::clone(&desk), Arc::clone(&knobs));
    let running = simulators::serve("open311", router, knobs)
        .await
        .expect("listens");
    let base = running.base_url.to_string();
    let created: Value = reqwest::Client::new()
        .post(format!("{base}requests.json"))
        .form(&[
            ("jurisdiction_id", JURISDICTION),
            ("api_key", "key"),
            ("service_code", "streetlight"),
            ("lat", "22.54"),
            ("long", "114.05"),
            ("attribute[light_state]", "off"),
        ])
        .send()
        .await
        .expect("posted")
        .json()
        .await
        .expect("JSON");
    let id = created[0]["service_request_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let said = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(python);
        command.arg(clients().join("open311_client.py")).args([
            base.as_str(),
            JURISDICTION,
            "streetlight",
            id.as_str(),
        ]);
        run(command, "")
    })
    .await
    .expect("ran");
    let read: Value = serde_json::from_str(said.trim()).expect("JSON");
    assert!(
        read["services"]
            .as_array()
            .is_some_and(|s| s.contains(&json!("streetlight"))),
        "{read}"
    );
    assert_eq!(read["definition_code"], "streetlight");
    for attribute in read["attributes"].as_array().expect("attributes") {
        assert!(attribute["datatype_description"].is_string(), "{attribute}");
    }
    assert_eq!(
        read["one"]["service_request_id"],
        created[0]["service_request_id"]
    );
    assert_eq!(
        read["listed"][0]["service_request_id"],
        created[0]["service_request_id"]
    );
}

/// geopy's Nominatim geocoder finds a station by its Chinese name within a view box, reads
/// the English name when it asks for English, and names the subdistrict nearest a point.
#[tokio::test]
async fn a_nominatim_client_written_by_others_searches_and_reverses_on_the_places_simulator() {
    let Some(python) = python() else { return };
    let running = crate::maps::places_simulator().await;
    let domain = format!(
        "{}:{}",
        running.base_url.host_str().expect("host"),
        running.base_url.port().expect("port")
    );
    let said = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(python);
        command.arg(clients().join("nominatim_client.py")).args([
            domain.as_str(),
            "深圳北站",
            "22.7787",
            "113.8455",
        ]);
        run(command, "")
    })
    .await
    .expect("ran");
    let read: Value = serde_json::from_str(said.trim()).expect("JSON");
    let first = &read["found"][0];
    assert!(
        first["address"]
            .as_str()
            .is_some_and(|a| a.starts_with("深圳北站, 龙华区, 深圳")),
        "{read}"
    );
    assert!((first["lat"].as_f64().expect("lat") - 22.61194).abs() < 1e-4);
    assert!(
        read["english"]
            .as_str()
            .is_some_and(|a| a.starts_with("Shenzhen North Railway Station, Longhua, Shenzhen")),
        "{read}"
    );
    assert!(
        read["near"]
            .as_str()
            .is_some_and(|a| a.starts_with("Songgang Subdistrict")),
        "{read}"
    );
}
