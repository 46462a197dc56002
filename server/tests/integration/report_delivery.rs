//! Delivering committed reports to an Open311 desk (the simulator) over HTTP: a desk that is
//! down, a timeout after the desk accepted, a refusal, and two workers racing. On Postgres
//! when `TEST_DATABASE_URL` is set, else SQLite.

use crate::common;
use server::services::reports::registration::ReportSettings;

use std::{sync::Arc, time::Duration};

use common::TestApp;
use model::ServiceKind;
use server::{
    jobs::{RetryPolicy, Step},
    providers::ProviderGuard,
    services::reports::{
        delivery::{deliver_next, DeliveryPolicy, Enrichment},
        open311::Open311,
        port::AttributeValue,
        simulator::{self as open311, DeskBehaviour, SimulatedDesk},
        FiledReport, IncidentReports, ReportState, Reports, Sender,
    },
    simulators::{
        self,
        faults::{FaultKnobs, FaultMode},
    },
    telemetry::Metrics,
};

const DESK: &str = "shenzhen-city-management";

/// Retries at once: the tests drive the steps themselves.
const NOW: DeliveryPolicy = DeliveryPolicy {
    retry: RetryPolicy {
        lease_seconds: 60,
        first_retry_seconds: 0,
        max_retry_seconds: 0,
    },
    lookback_seconds: 300,
};

struct Setup {
    /// Keeps the portal (and its database) alive for the test.
    app: TestApp,
    public_url: url::Url,
    reports: Reports,
    adapter: Open311,
    desk: Arc<SimulatedDesk>,
    knobs: Arc<FaultKnobs>,
}

async fn setup(timeout: Duration) -> Setup {
    setup_closing_after(timeout, Duration::from_secs(600)).await
}

/// As [`setup`], with a desk that closes each request `close_after` it took it.
async fn setup_closing_after(timeout: Duration, close_after: Duration) -> Setup {
    // The tests drive the steps themselves: the portal's own workers stay idle.
    let app = TestApp::spawn_with(|settings| {
        settings.services.get_mut::<ReportSettings>().worker = false;
    })
    .await;
    let reports = app.home::<IncidentReports>().store.clone();
    let desk = SimulatedDesk::new(None, None, close_after);
    let knobs = FaultKnobs::new();
    let router = open311::router(Arc::clone(&desk), Arc::clone(&knobs));
    let simulator = simulators::serve("open311", router, Arc::clone(&knobs))
        .await
        .expect("simulator listens");
    let guard = Arc::new(ProviderGuard::new(
        DESK,
        ServiceKind::IncidentReports,
        timeout,
        Metrics::new(),
    ));
    let base = simulator.base_url;
    let adapter = Open311::new(reqwest::Client::new(), base, None, None, guard);
    Setup {
        app,
        public_url: url::Url::parse("http://localhost:3000/").expect("url"),
        reports,
        adapter,
        desk,
        knobs,
    }
}

impl Setup {
    /// One delivery step for the test desk.
    async fn step(&self) -> Option<(String, Step)> {
        let enrichment = Enrichment {
            public_url: &self.public_url,
            privacy: &self.app.state.portal.privacy,
        };
        let jobs = &self.app.state.portal.jobs;
        deliver_next(jobs, &self.reports, DESK, &self.adapter, &NOW, &enrichment)
            .await
            .expect("step")
    }
}

fn no_limit() -> Sender {
    Sender {
        key: "test".into(),
        per_hour: 0,
    }
}

fn street_light() -> FiledReport {
    FiledReport {
        resident_id: None,
        city_id: "shenzhen".into(),
        region_id: "futian".into(),
        desk_id: DESK.into(),
        category: "streetlight".into(),
        lat: 22.5431,
        lon: 114.0579,
        description: "The light outside number 12 is off.".into(),
        attributes: vec![("light_state".into(), AttributeValue::One("off".into()))],
        locale: "en".into(),
        share_contact: false,
        submission_id: None,
    }
}

#[tokio::test]
async fn a_report_filed_while_the_desk_is_down_is_delivered_once_it_recovers() {
    let s = setup(Duration::from_millis(500)).await;
    s.knobs.set(FaultMode::Down);
    let id = s
        .reports
        .file(&street_light(), &[], &no_limit())
        .await
        .expect("committed")
        .id;
    assert_eq!(
        s.reports.state(&id).await.expect("read"),
        Some(ReportState::Queued { attempts: 0 })
    );

    for _ in 0..2 {
        let step = s.step().await;
        assert!(matches!(step, Some((_, Step::Retrying { .. }))), "{step:?}");
    }
    assert!(s.desk.requests().is_empty());

    s.knobs.set(FaultMode::Ok);
    // The breaker may still be open from the failures: keep stepping until it settles.
    let mut settled = None;
    for _ in 0..50 {
        match s.step().await {
            Some((_, Step::Retrying { .. })) | None => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Some((_, step)) => {
                settled = Some(step);
                break;
            }
        }
    }
    assert!(
        matches!(settled, Some(Step::Delivered | Step::FoundAtProvider)),
        "{settled:?}"
    );
    let requests = s.desk.requests();
    assert_eq!(requests.len(), 1, "exactly one request at the desk");
    assert!(requests[0].description.contains("Ref: CP-"));
    let Some(ReportState::Delivered { request_id, .. }) = s.reports.state(&id).await.expect("read")
    else {
        panic!("delivered");
    };
    assert_eq!(request_id.as_deref(), Some(requests[0].id.as_str()));
    assert_eq!(s.step().await, None, "nothing left");
}

#[tokio::test]
async fn a_timeout_after_the_desk_accepted_still_makes_one_request() {
    let s = setup(Duration::from_millis(300)).await;
    s.desk.set_behaviour(DeskBehaviour {
        answer_delay_ms: 1_000,
        ..DeskBehaviour::default()
    });
    let id = s
        .reports
        .file(&street_light(), &[], &no_limit())
        .await
        .expect("committed")
        .id;
    let first = s.step().await;
    assert_eq!(
        first.map(|(_, step)| step),
        Some(Step::Retrying { unsure: true })
    );
    assert_eq!(
        s.desk.requests().len(),
        1,
        "the desk has it, though we heard nothing"
    );

    s.desk.set_behaviour(DeskBehaviour::default());
    let second = s.step().await;
    assert_eq!(
        second.map(|(_, step)| step),
        Some(Step::FoundAtProvider),
        "found, not sent again"
    );
    assert_eq!(s.desk.requests().len(), 1, "still exactly one request");
    let Some(ReportState::Delivered { request_id, .. }) = s.reports.state(&id).await.expect("read")
    else {
        panic!("delivered");
    };
    assert_eq!(
        request_id.as_deref(),
        Some(s.desk.requests()[0].id.as_str())
    );
}

#[tokio::test]
async fn a_refusal_is_final_and_says_why() {
    let s = setup(Duration::from_secs(3)).await;
    let mut incomplete = street_light();
    incomplete.attributes.clear();
    let id = s
        .reports
        .file(&incomplete, &[], &no_limit())
        .await
        .expect("committed")
        .id;
    let step = s.step().await;
    assert_eq!(step.map(|(_, step)| step), Some(Step::Refused));
    match s.reports.state(&id).await.expect("read") {
        Some(ReportState::Refused { message }) => {
            assert!(message.contains("light_state"), "{message}");
        }
        other => panic!("refused, not {other:?}"),
    }
    assert_eq!(s.step().await, None, "not retried");
}

/// A follower's message is written in the commit that records what it tells of, so a
/// process stopped right after that commit still leaves it, and a reader who sees the
/// new state sees the message too.
#[tokio::test]
async fn followers_are_told_in_the_commit_that_records_a_refusal_or_a_new_status() {
    let s = setup_closing_after(Duration::from_secs(3), Duration::ZERO).await;
    s.app
        .sign_up("follower@example.com", "a long password")
        .await;
    let resident = s.app.resident_id("follower@example.com").await;
    let mut incomplete = street_light();
    incomplete.attributes.clear();
    incomplete.resident_id = Some(resident.clone());
    let mut complete = street_light();
    complete.resident_id = Some(resident.clone());
    let mut references = Vec::new();
    for report in [&incomplete, &complete] {
        let filed = s.reports.file(report, &[], &no_limit()).await;
        references.push(filed.expect("committed").reference);
    }
    while s.step().await.is_some() {}
    let titles = async || -> Vec<String> {
        let inbox = &s.app.state.portal.inbox;
        let messages = inbox.messages(&resident, 20).await.expect("inbox");
        messages.into_iter().map(|m| m.title).collect()
    };
    let refused = format!("Your report {} was not accepted", references[0]);
    assert!(titles().await.contains(&refused), "{:?}", titles().await);

    let changes = s
        .reports
        .poll_statuses(DESK, &s.adapter, 0)
        .await
        .expect("polled");
    assert_eq!(changes.len(), 1, "the accepted report closed: {changes:?}");
    let closed = format!("Your report {} is closed", references[1]);
    assert!(titles().await.contains(&closed), "{:?}", titles().await);
    assert!(
        s.reports
            .poll_statuses(DESK, &s.adapter, 0)
            .await
            .expect("polled")
            .is_empty(),
        "told once"
    );
    assert_eq!(titles().await.len(), 3, "welcome, refused, closed");
}

#[tokio::test]
async fn two_workers_never_deliver_the_same_report() {
    let s = setup(Duration::from_secs(3)).await;
    s.desk.set_behaviour(DeskBehaviour {
        answer_delay_ms: 200,
        ..DeskBehaviour::default()
    });
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(
            s.reports
                .file(&street_light(), &[], &no_limit())
                .await
                .expect("committed")
                .id,
        );
    }
    let worker = || async {
        let mut done = 0;
        while let Some((_, step)) = s.step().await {
            assert_eq!(step, Step::Delivered);
            done += 1;
        }
        done
    };
    let (a, b) = tokio::join!(worker(), worker());
    assert_eq!(a + b, 6, "every report delivered once: {a} + {b}");
    assert_eq!(s.desk.requests().len(), 6, "one request per report");
    for id in ids {
        assert!(matches!(
            s.reports.state(&id).await.expect("read"),
            Some(ReportState::Delivered { .. })
        ));
    }
}
