//! The bills biller simulator against the Provider API document the portal publishes
//! (`/api/provider/v1/bills/openapi.json`), over plain HTTP, not through our adapter: what the
//! document declares required is enforced, with the statuses it lists.

use std::{collections::HashMap, sync::Arc};

use serde_json::Value;
use server::{
    services::bills::simulator::{self as billing, SimulatedBiller},
    simulators::{self, faults::FaultKnobs},
};

/// The key the simulated biller issued.
const KEY: &str = "a-key";

async fn biller() -> (Arc<SimulatedBiller>, String) {
    let biller = SimulatedBiller::seeded("electricity");
    let knobs = FaultKnobs::new();
    let router = billing::directory_router(
        &HashMap::from([("power".to_owned(), Arc::clone(&biller))]),
        KEY,
        Arc::clone(&knobs),
    );
    let running = simulators::serve("bills", router, knobs)
        .await
        .expect("listens");
    (biller, format!("{}power/v1", running.base_url))
}

fn document() -> Value {
    serde_json::from_str(include_str!(
        "../../../services/bills/src/provider_api/openapi.json"
    ))
    .expect("the published document")
}

/// `GET /accounts/{account_number}/bills` requires `X-Portal-Customer` (at most 64
/// characters): without it, or longer, the answer is a Problem with a status the document
/// lists for the operation.
#[tokio::test]
async fn the_customer_header_the_document_requires_is_enforced() {
    let (biller, base) = biller().await;
    let account = biller.demo_account(1);
    let operation = &document()["paths"]["/accounts/{account_number}/bills"]["get"];
    let declared = operation["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "X-Portal-Customer")
        .expect("the header is declared");
    assert_eq!(declared["required"], true);
    let client = reqwest::Client::new();
    let url = format!("{base}/accounts/{account}/bills");
    for customer in [None, Some("c".repeat(65))] {
        let mut request = client.get(&url).bearer_auth("a-key");
        if let Some(customer) = &customer {
            request = request.header("x-portal-customer", customer);
        }
        let response = request.send().await.expect("answer");
        let status = response.status().as_u16();
        assert!(
            operation["responses"][status.to_string()].is_object(),
            "{status} is not a status the document lists"
        );
        assert_eq!(status, 422);
        let problem: Value = response.json().await.expect("a Problem");
        assert_eq!(problem["code"], "INVALID_REQUEST");
    }
    let found = client
        .get(&url)
        .bearer_auth("a-key")
        .header("x-portal-customer", "pseudonym-1")
        .send()
        .await
        .expect("answer");
    assert_eq!(found.status().as_u16(), 200);
}

/// The document's one security scheme (`bearer`, HTTP bearer authentication) is required of
/// every operation: each answers 401 with a Problem, a status the document lists for it,
/// without a token or with another key, and `WWW-Authenticate: Bearer` (RFC 6750 §3).
#[tokio::test]
async fn every_operation_requires_the_bearer_token_the_document_declares() {
    let (biller, base) = biller().await;
    let document = document();
    assert_eq!(document["security"], serde_json::json!([{ "bearer": [] }]));
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let account = biller.demo_account(1);
    let client = reqwest::Client::new();
    let operations = [
        (
            "get",
            format!("/accounts/{account}/bills"),
            "/accounts/{account_number}/bills",
        ),
        (
            "post",
            format!("/bills/{account}-202610/locks"),
            "/bills/{bill_number}/locks",
        ),
        ("post", "/payments".to_owned(), "/payments"),
        (
            "get",
            "/receipts/RC100000001".to_owned(),
            "/receipts/{receipt_number}",
        ),
    ];
    for (method, path, template) in operations {
        assert!(
            document["paths"][template][method].is_object(),
            "{template}"
        );
        for token in [None, Some("another-key")] {
            let mut request = match method {
                "get" => client.get(format!("{base}{path}")),
                _ => client
                    .post(format!("{base}{path}"))
                    .json(&serde_json::json!({})),
            }
            .header("x-portal-customer", "pseudonym-1")
            .header("idempotency-key", "k-1");
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.expect("answer");
            assert_eq!(response.status().as_u16(), 401, "{method} {path} {token:?}");
            assert!(
                document["paths"][template][method]["responses"]["401"].is_object(),
                "401 is listed for {method} {template}"
            );
            assert_eq!(
                response
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok()),
                Some("Bearer")
            );
            let problem: Value = response.json().await.expect("a Problem");
            assert_eq!(problem["code"], "UNAUTHORIZED");
        }
    }
}
