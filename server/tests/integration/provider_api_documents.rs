//! The Provider API's two published documents (what a provider implements, per service, and
//! what the portal serves providers) and the portal's side against its own: one error body
//! in both, and every answer of the announcements endpoint a status and code the document
//! lists (OpenAPI 3.1: responses by status, a schema's `required` and `enum`).

use serde_json::Value;

use crate::common::TestApp;

const BILLS: &str = "/api/provider/v1/bills/openapi.json";
const PORTAL: &str = "/api/provider/v1/portal/openapi.json";

#[tokio::test]
async fn both_directions_publish_a_document_with_one_error_body_and_one_security_scheme() {
    let app = TestApp::spawn().await;
    let bills = app.get_json(BILLS).await;
    let portal = app.get_json(PORTAL).await;
    for document in [&bills, &portal] {
        assert_eq!(document["openapi"], "3.1.0");
        assert_eq!(document["security"], serde_json::json!([{ "bearer": [] }]));
        assert_eq!(
            document["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
    }
    let problem = |document: &Value| document["components"]["schemas"]["Problem"].clone();
    let (a, b) = (problem(&bills), problem(&portal));
    assert_eq!(a["required"], b["required"], "the same required fields");
    assert_eq!(
        a["description"], b["description"],
        "the same body, described once"
    );
    for field in ["code", "message"] {
        assert_eq!(
            a["properties"][field]["type"],
            b["properties"][field]["type"]
        );
    }
    // Each code is named the same way, and the codes both use mean the same.
    for code in [&a, &b].iter().flat_map(|p| {
        p["properties"]["code"]["enum"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }) {
        let code = code.as_str().expect("a code");
        assert!(
            code.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
            "{code}"
        );
    }
}

/// Every answer of `POST /announcements`: a status the document lists, and an error body
/// whose required fields are there and whose code is one of its enum.
#[tokio::test]
async fn every_answer_of_the_announcements_endpoint_is_one_its_document_lists() {
    let app = TestApp::spawn().await;
    let document = app.get_json(PORTAL).await;
    let operation = &document["paths"]["/announcements"]["post"];
    let codes: Vec<Value> = document["components"]["schemas"]["Problem"]["properties"]["code"]
        ["enum"]
        .as_array()
        .expect("codes")
        .clone();
    let token = app
        .state
        .portal
        .inbox
        .issue_provider_token("shenzhen-air", "test")
        .await
        .expect("token");
    let cases: Vec<(Option<&str>, String, u16)> = vec![
        (None, r#"{"title":"t","body":"b"}"#.into(), 401),
        (
            Some("not-a-token"),
            r#"{"title":"t","body":"b"}"#.into(),
            401,
        ),
        (Some(&token), "not json".into(), 400),
        (
            Some(&token),
            r#"{"title":"t","body":"b","extra":1}"#.into(),
            400,
        ),
        (
            Some(&token),
            r#"{"title":"t","body":"b","city":"guangzhou"}"#.into(),
            403,
        ),
        (
            Some(&token),
            format!(r#"{{"title":"{}","body":"b"}}"#, "t".repeat(81)),
            422,
        ),
        (
            Some(&token),
            r#"{"title":"t","body":"b","region":"nowhere"}"#.into(),
            422,
        ),
        (
            Some(&token),
            r#"{"title":"Ozone","body":"High this afternoon."}"#.into(),
            201,
        ),
    ];
    for (token, body, expected) in cases {
        let mut request = app
            .client
            .post(app.url("/api/provider/v1/announcements"))
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("answer");
        let status = response.status().as_u16();
        assert_eq!(status, expected, "{body}");
        let listed = &operation["responses"][status.to_string()];
        assert!(listed.is_object(), "{status} is listed");
        if status == 401 {
            assert_eq!(
                response
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok()),
                Some("Bearer")
            );
        }
        let answer: Value = response.json().await.expect("JSON");
        if status == 201 {
            for field in ["id", "recipients", "remaining_in_period"] {
                assert!(!answer[field].is_null(), "{field}");
            }
        } else {
            assert!(answer["message"].is_string(), "{answer}");
            assert!(codes.contains(&answer["code"]), "{answer}");
        }
    }
}
