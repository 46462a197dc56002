//! The bills biller simulator against the Provider API document the portal publishes
//! (`/api/provider/v1/bills/openapi.json`), over plain HTTP, not through our adapter: what the
//! document declares required is enforced, with the statuses it lists.

use std::{collections::HashMap, sync::Arc};

use serde_json::Value;
use server::{
    services::bills::simulator::{self as billing, SimulatedBiller},
    simulators::{self, faults::FaultKnobs},
};

async fn biller() -> (Arc<SimulatedBiller>, String) {
    let biller = SimulatedBiller::seeded("electricity");
    let knobs = FaultKnobs::new();
    let router = billing::directory_router(
        &HashMap::from([("power".to_owned(), Arc::clone(&biller))]),
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
