//! The job queue on its own, with a hand-off of the test's: leases, and what an attempt that
//! outlives its lease may still write.

use std::{
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use server::{
    clock::Clock,
    jobs::{Attempt, Handoff, Job, Jobs, LookUp, NewJob, RetryPolicy, Settled, Step},
    storage::{Storage, StorageError},
};

/// Its first delivery hangs until released (past the lease); later ones answer at once.
#[derive(Default)]
struct SlowFirst {
    deliveries: AtomicUsize,
    look_ups: AtomicUsize,
    settles: AtomicUsize,
    first_started: tokio::sync::Notify,
    release_first: tokio::sync::Notify,
}

#[async_trait::async_trait]
impl Handoff for SlowFirst {
    type Receipt = ();

    fn kind(&self) -> &'static str {
        "test.slow-first"
    }

    async fn look_up(&self, _job: &Job) -> LookUp<()> {
        self.look_ups.fetch_add(1, Ordering::SeqCst);
        LookUp::NotThere
    }

    async fn deliver(&self, _job: &Job) -> Attempt<()> {
        if self.deliveries.fetch_add(1, Ordering::SeqCst) == 0 {
            self.first_started.notify_one();
            self.release_first.notified().await;
        }
        Attempt::Accepted(())
    }

    async fn settle(
        &self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        _job: &Job,
        _outcome: Settled<()>,
    ) -> Result<(), StorageError> {
        self.settles.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn an_attempt_that_outlives_its_lease_writes_nothing_and_the_new_holder_looks_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("portal.db").display());
    let clock = Clock::adjustable();
    let storage = Storage::connect(&url).await.expect("storage");
    let jobs = Jobs::new(storage.with_clock(clock.clone()));
    jobs.enqueue(&NewJob {
        kind: "test.slow-first",
        subject: "one",
        provider: "test",
        idempotency_key: "test.slow-first:one",
        due_at: 0,
        recurring: false,
    })
    .await
    .expect("enqueued");
    let policy = RetryPolicy {
        lease_seconds: 1,
        first_retry_seconds: 0,
        max_retry_seconds: 0,
    };
    let handoff = SlowFirst::default();
    let first = jobs.step(&handoff, "test", &policy);
    let second = async {
        // Past the first claim's lease (whole seconds), while its delivery still hangs.
        handoff.first_started.notified().await;
        clock.advance(Duration::from_secs(2));
        let second = jobs.step(&handoff, "test", &policy).await;
        handoff.release_first.notify_one();
        second
    };
    let (first, second) = tokio::join!(first, second);
    let (_, second) = second
        .expect("storage")
        .expect("the expired job is claimed again");
    assert_eq!(second, Step::Delivered);
    assert_eq!(
        handoff.look_ups.load(Ordering::SeqCst),
        1,
        "the new holder looked the job up before sending it again"
    );
    let (_, first) = first.expect("storage").expect("the first claim");
    assert_eq!(first, Step::LeaseLost, "the late answer writes nothing");
    assert_eq!(handoff.settles.load(Ordering::SeqCst), 1, "settled once");
    assert!(
        jobs.step(&handoff, "test", &policy)
            .await
            .expect("storage")
            .is_none(),
        "nothing left"
    );
}

#[tokio::test]
async fn every_known_job_kind_is_in_the_metrics_even_with_nothing_waiting() {
    let app = crate::common::TestApp::spawn().await;
    let (status, metrics) = app.get("/metrics", None).await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains("job_queue_depth{kind=\"report.deliver\"} 0"),
        "an empty queue reads 0, not nothing: {metrics}"
    );
}

#[tokio::test]
async fn settled_jobs_are_forgotten_after_their_keeping_time_and_waiting_ones_never() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("jobs.db").display());
    let storage = Storage::connect(&url).await.expect("storage");
    let jobs = Jobs::new(storage.clone());
    for (id, settled_at) in [
        ("old", Some(1_000)),
        ("recent", Some(i64::MAX / 2)),
        ("waiting", None),
    ] {
        sqlx::query(
            "INSERT INTO jobs (id, kind, subject, provider, idempotency_key, recurring, attempts, \
               next_attempt_at, created_at, settled_at) VALUES ($1, 'test.purge', $1, 'p', $1, 0, 1, 0, 0, $2)",
        )
        .bind(id)
        .bind(settled_at)
        .execute(storage.pool())
        .await
        .expect("insert");
    }
    let deleted = jobs.purge_settled(3600).await.expect("purge");
    assert_eq!(deleted, 1, "only the job settled long ago");
    let left: Vec<String> = sqlx::query_scalar("SELECT id FROM jobs ORDER BY id")
        .fetch_all(storage.pool())
        .await
        .expect("read");
    assert_eq!(left, ["recent", "waiting"]);
}
