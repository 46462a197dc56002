//! The Open311 GeoReport v2 adapter against the desk simulator over real HTTP: categories
//! and their attributes, new requests (with an id or a token), a desk's 400 answer, status
//! over time, and the faults: HTTP 500, malformed, down, and a timeout after the desk has
//! already accepted the request (the case report delivery must be designed for).

use std::{sync::Arc, time::Duration};

use model::ServiceKind;
use server::{
    providers::{ProviderError, ProviderGuard},
    services::reports::{
        open311::Open311,
        port::{Accepted, AttributeKind, AttributeValue, DeskStatus, IncidentDesk, NewReport},
        simulator::{self as open311, DeskBehaviour, SimulatedDesk},
    },
    simulators::{
        self,
        faults::{FaultKnobs, FaultMode},
    },
    telemetry::Metrics,
};

struct Setup {
    adapter: Open311,
    desk: Arc<SimulatedDesk>,
    knobs: Arc<FaultKnobs>,
}

async fn setup(timeout: Duration, close_after: Duration) -> Setup {
    setup_with_key(timeout, close_after, "desk-key").await
}

async fn setup_with_key(timeout: Duration, close_after: Duration, key: &str) -> Setup {
    let desk = SimulatedDesk::new(Some("shenzhen.example"), Some("desk-key"), close_after);
    let knobs = FaultKnobs::new();
    let router = open311::router(Arc::clone(&desk), Arc::clone(&knobs));
    let simulator = simulators::serve("open311", router, Arc::clone(&knobs))
        .await
        .expect("simulator listens");
    let guard = Arc::new(ProviderGuard::new(
        "test-desk",
        ServiceKind::IncidentReports,
        timeout,
        Metrics::new(),
    ));
    let base = simulator.base_url;
    let adapter = Open311::new(
        reqwest::Client::new(),
        base,
        Some("shenzhen.example".into()),
        Some(key.into()),
        guard,
    );
    Setup {
        adapter,
        desk,
        knobs,
    }
}

fn report(category: &str) -> NewReport {
    NewReport {
        category: category.into(),
        lat: 22.5431,
        lon: 114.0579,
        description: "The light outside number 12 is off.".into(),
        attributes: vec![("light_state".into(), AttributeValue::One("off".into()))],
        media_urls: vec![],
        account_id: Some("pseudonym-abc".into()),
        email: None,
        phone: None,
        name: None,
    }
}

#[tokio::test]
async fn lists_categories_and_their_attributes() {
    let s = setup(Duration::from_secs(3), Duration::from_secs(60)).await;
    let categories = s.adapter.categories("en").await.expect("categories");
    assert_eq!(categories.len(), 4);
    let light = categories
        .iter()
        .find(|c| c.code == "streetlight")
        .expect("street lights");
    assert_eq!(light.name, "Broken street light");
    assert!(light.has_attributes);
    assert!(
        !categories
            .iter()
            .find(|c| c.code == "police")
            .expect("police")
            .has_attributes
    );

    let attributes = s
        .adapter
        .attributes("streetlight", "en")
        .await
        .expect("definition");
    assert_eq!(attributes[0].code, "light_state", "in the desk's order");
    assert!(attributes[0].required);
    assert!(
        matches!(&attributes[0].kind, AttributeKind::SingleChoice(choices) if choices.len() == 3)
    );
    assert_eq!(attributes[1].kind, AttributeKind::String);

    let drain = s
        .adapter
        .attributes("drain", "en")
        .await
        .expect("definition");
    let kinds: Vec<_> = drain.iter().map(|a| &a.kind).collect();
    assert!(matches!(kinds[0], AttributeKind::Information));
    assert!(matches!(kinds[1], AttributeKind::Number));
    assert!(matches!(kinds[2], AttributeKind::MultiChoice(c) if c.len() == 2));

    let unknown = s.adapter.attributes("no-such-thing", "en").await;
    assert!(matches!(
        unknown,
        Err(ProviderError::Refused { status: 404, .. })
    ));
}

#[tokio::test]
async fn a_new_report_becomes_one_request_with_its_answers() {
    let s = setup(Duration::from_secs(3), Duration::from_secs(60)).await;
    let mut drain = report("drain");
    drain.attributes = vec![
        ("depth_cm".into(), AttributeValue::One("15".into())),
        (
            "smell".into(),
            AttributeValue::Many(vec!["sewage".into(), "chemical".into()]),
        ),
    ];
    drain.email = Some("liwei@example.cn".into());
    let accepted = s.adapter.submit(&drain).await.expect("accepted");
    let Accepted::Request { id, notice } = accepted else {
        panic!("expected an id, got {accepted:?}");
    };
    assert!(notice.is_some());
    let requests = s.desk.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].id, id);
    assert_eq!(requests[0].account_id.as_deref(), Some("pseudonym-abc"));
    assert_eq!(requests[0].email.as_deref(), Some("liwei@example.cn"));
    assert!(requests[0]
        .attributes
        .contains(&("smell".into(), "sewage".into())));
    assert!(requests[0]
        .attributes
        .contains(&("smell".into(), "chemical".into())));
    assert!((requests[0].lat - 22.5431).abs() < 1e-6);
}

#[tokio::test]
async fn a_token_turns_into_an_id() {
    let s = setup(Duration::from_secs(3), Duration::from_secs(60)).await;
    s.desk.set_behaviour(DeskBehaviour {
        token_only: true,
        ..DeskBehaviour::default()
    });
    let Accepted::Token(token) = s
        .adapter
        .submit(&report("streetlight"))
        .await
        .expect("accepted")
    else {
        panic!("expected a token");
    };
    let id = s.adapter.resolve_token(&token).await.expect("lookup");
    assert_eq!(id.as_deref(), Some(s.desk.requests()[0].id.as_str()));
}

#[tokio::test]
async fn a_desk_refusal_is_a_clear_error_and_not_a_provider_fault() {
    let s = setup(Duration::from_secs(3), Duration::from_secs(60)).await;
    let mut missing = report("streetlight");
    missing.attributes.clear();
    match s.adapter.submit(&missing).await {
        Err(error @ ProviderError::Refused { status: 400, .. }) => {
            assert!(error.to_string().contains("light_state"), "{error}");
            assert!(!error.is_provider_fault());
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    s.desk.set_behaviour(DeskBehaviour {
        reject: true,
        ..DeskBehaviour::default()
    });
    assert!(matches!(
        s.adapter.submit(&report("streetlight")).await,
        Err(ProviderError::Refused { status: 400, .. })
    ));
    assert!(s.desk.requests().is_empty(), "nothing was stored");
}

#[tokio::test]
async fn requests_close_over_time() {
    let s = setup(Duration::from_secs(3), Duration::from_millis(300)).await;
    let Accepted::Request { id, .. } = s
        .adapter
        .submit(&report("streetlight"))
        .await
        .expect("accepted")
    else {
        panic!("expected an id");
    };
    let states = s
        .adapter
        .states(std::slice::from_ref(&id), "en")
        .await
        .expect("states");
    assert_eq!(states[0].status, DeskStatus::Open);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let states = s.adapter.states(&[id], "en").await.expect("states");
    assert_eq!(states[0].status, DeskStatus::Closed);
    assert!(states[0].notes.is_some());
    assert!(s
        .adapter
        .states(&[], "en")
        .await
        .expect("nothing asked")
        .is_empty());
}

#[tokio::test]
async fn faults_are_provider_errors() {
    let s = setup(Duration::from_millis(300), Duration::from_secs(60)).await;
    s.knobs.set(FaultMode::Http500);
    assert!(matches!(
        s.adapter.categories("en").await,
        Err(ProviderError::Status(500))
    ));
    s.knobs.set(FaultMode::Malformed);
    assert!(matches!(
        s.adapter.categories("en").await,
        Err(ProviderError::Malformed(_))
    ));
    s.knobs.set(FaultMode::Down);
    let down = s.adapter.categories("en").await;
    assert!(
        matches!(
            down,
            Err(ProviderError::Unreachable(_) | ProviderError::CircuitOpen)
        ),
        "{down:?}"
    );
}

#[tokio::test]
async fn a_timeout_can_come_after_the_desk_accepted_the_request() {
    let s = setup(Duration::from_millis(300), Duration::from_secs(60)).await;
    s.desk.set_behaviour(DeskBehaviour {
        answer_delay_ms: 1_500,
        ..DeskBehaviour::default()
    });
    let outcome = s.adapter.submit(&report("streetlight")).await;
    assert!(
        matches!(outcome, Err(ProviderError::Timeout(_))),
        "{outcome:?}"
    );
    assert_eq!(
        s.desk.requests().len(),
        1,
        "the desk has it although we heard nothing"
    );
}

#[tokio::test]
async fn a_wrong_api_key_is_refused() {
    let s = setup_with_key(
        Duration::from_secs(3),
        Duration::from_secs(60),
        "not-the-key",
    )
    .await;
    let outcome = s.adapter.submit(&report("streetlight")).await;
    assert!(
        matches!(outcome, Err(ProviderError::Refused { status: 403, .. })),
        "{outcome:?}"
    );
    assert!(s.desk.requests().is_empty());
}
