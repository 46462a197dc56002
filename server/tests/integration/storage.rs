//! One storage story, run against SQLite (a temporary file) and, when `TEST_DATABASE_URL`
//! names a Postgres server, against a Postgres database of its own that is dropped after.

use crate::common;

use server::storage::{Backend, ServiceOverride, Storage};

fn override_of(region: &str, enabled: bool) -> ServiceOverride {
    ServiceOverride {
        city_id: "shenzhen".into(),
        service_id: "air".into(),
        region_id: region.into(),
        enabled,
    }
}

/// The story every backend must tell the same way.
async fn storage_story(storage: &Storage) {
    storage.ping().await.expect("ping");
    assert!(storage
        .overrides_of("shenzhen")
        .await
        .expect("read")
        .is_empty());

    let before = storage
        .set_override(&override_of("futian", false), "alice")
        .await
        .expect("set");
    assert_eq!(before, None);
    let before = storage
        .set_override(&override_of("futian", true), "bob")
        .await
        .expect("update");
    assert_eq!(before, Some(false));
    storage
        .set_override(&override_of("luohu", false), "alice")
        .await
        .expect("set");

    let overrides = storage.overrides_of("shenzhen").await.expect("read");
    assert_eq!(
        overrides,
        vec![override_of("futian", true), override_of("luohu", false)]
    );
    assert!(storage
        .overrides_of("guangzhou")
        .await
        .expect("read")
        .is_empty());

    assert!(storage
        .clear_override("shenzhen", "air", "luohu", "carol")
        .await
        .expect("clear"));
    assert!(!storage
        .clear_override("shenzhen", "air", "luohu", "carol")
        .await
        .expect("clear"));
    assert_eq!(
        storage.overrides_of("shenzhen").await.expect("read"),
        vec![override_of("futian", true)]
    );

    let audit = storage.audit_log("shenzhen", 10).await.expect("audit");
    assert_eq!(audit.len(), 4, "three sets and one effective clear");
    let actors: Vec<&str> = audit.iter().map(|e| e.actor.as_str()).collect();
    assert!(actors.contains(&"carol") && actors.contains(&"bob"));
    let update = audit
        .iter()
        .find(|e| e.actor == "bob")
        .expect("bob's change");
    assert_eq!(update.before.as_deref(), Some("disabled"));
    assert_eq!(update.after.as_deref(), Some("enabled"));
    assert!(storage
        .audit_log("guangzhou", 10)
        .await
        .expect("audit")
        .is_empty());
}

#[tokio::test]
async fn sqlite_storage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}",
        dir.path().join("nested/dir/portal.db").display()
    );
    let storage = Storage::connect(&url)
        .await
        .expect("connects and creates the file");
    assert_eq!(storage.backend(), Backend::Sqlite);
    storage_story(&storage).await;
    storage.close().await;

    // Migrations are idempotent and data survives a restart.
    let storage = Storage::connect(&url).await.expect("reconnects");
    assert_eq!(
        storage.overrides_of("shenzhen").await.expect("read").len(),
        1
    );
}

#[tokio::test]
async fn postgres_storage() {
    let Some(database) = common::PostgresTestDb::create().await else {
        println!("postgres_storage: skipped (TEST_DATABASE_URL is not set)");
        return;
    };
    let storage = Storage::connect(&database.url)
        .await
        .expect("connects and migrates");
    assert_eq!(storage.backend(), Backend::Postgres);
    storage_story(&storage).await;
    storage.close().await;
}

/// On SQLite a transaction that reads before it writes (an admin's switch reads the value it
/// replaces, for the audit log) once failed at once with "database is locked" whenever
/// another connection wrote in between, as the job workers now do every few seconds.
#[tokio::test]
async fn a_switch_waits_for_other_writers_instead_of_failing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("portal.db").display());
    let storage = Storage::connect(&url).await.expect("connects");
    let other = Storage::connect(&url).await.expect("a second process");
    let jobs = server::jobs::Jobs::new(other);
    let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = {
        let writing = std::sync::Arc::clone(&writing);
        tokio::spawn(async move {
            let mut n = 0_u32;
            while writing.load(std::sync::atomic::Ordering::Relaxed) {
                let key = format!("test:{n}");
                jobs.enqueue(&server::jobs::NewJob {
                    kind: "test.write",
                    subject: &key,
                    provider: "test",
                    idempotency_key: &key,
                    due_at: 0,
                    recurring: false,
                })
                .await
                .expect("the other writer writes");
                n += 1;
            }
            n
        })
    };
    for round in 0..40 {
        let region = if round % 2 == 0 { "futian" } else { "luohu" };
        storage
            .switch_regions(
                "shenzhen",
                "air",
                &[region.to_owned()],
                Some(round % 3 == 0),
                "alice",
            )
            .await
            .unwrap_or_else(|e| panic!("switch {round} applies while another writes: {e}"));
    }
    writing.store(false, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await.expect("writer ends");
    assert!(written > 0, "the other connection did write meanwhile");
}

/// Dapeng became part of Longgang with the real district boundaries: the migration moves
/// homes (and reports) to Longgang instead of leaving them pointing at a district that no
/// longer exists; a switch for Dapeng alone is not widened to all of Longgang but dropped,
/// with an entry in the audit log, and a switch for Longgang itself stands.
#[tokio::test]
async fn a_district_that_disappears_takes_its_homes_switches_and_reports_with_it() {
    use sqlx::{sqlite::SqlitePoolOptions, Row};
    let migrator = server::storage::migrations::migrator();
    let dapeng_into_longgang = 20261129000001;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let pool = SqlitePoolOptions::new()
        .connect(&url)
        .await
        .expect("sqlite");
    let run = |version_wanted: fn(i64) -> bool| {
        let pool = pool.clone();
        let migrations: Vec<sqlx::SqlStr> = migrator
            .iter()
            .filter(|m| version_wanted(m.version))
            .map(|m| m.sql.clone())
            .collect();
        async move {
            for sql in migrations {
                sqlx::raw_sql(sql).execute(&pool).await.expect("migration");
            }
        }
    };
    run(|version| version < 20261129000001).await;
    for statement in [
        "INSERT INTO residents (id, password_hash, home_city, home_region, created_at)
         VALUES ('r1', 'x', 'shenzhen', 'dapeng', 0), ('r2', 'x', 'shenzhen', 'futian', 0)",
        // Air switched off in Dapeng alone; reports switched off in both, on in Longgang.
        "INSERT INTO service_overrides (city_id, service_id, region_id, enabled, changed_at, changed_by)
         VALUES ('shenzhen', 'air', 'dapeng', 0, 0, 'a'),
                ('shenzhen', 'report', 'dapeng', 0, 0, 'a'),
                ('shenzhen', 'report', 'longgang', 1, 0, 'a')",
    ] {
        sqlx::raw_sql(statement).execute(&pool).await.expect("old rows");
    }
    run(|version| version == 20261129000001).await;
    assert!(migrator.iter().any(|m| m.version == dapeng_into_longgang));

    let homes: Vec<(String, String)> =
        sqlx::query("SELECT id, home_region FROM residents ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("homes")
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
    assert_eq!(
        homes,
        [
            ("r1".into(), "longgang".into()),
            ("r2".into(), "futian".into())
        ]
    );
    let audit: Vec<(String, String, String)> =
        sqlx::query("SELECT action, subject, before FROM audit_log ORDER BY subject")
            .fetch_all(&pool)
            .await
            .expect("audit")
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect();
    assert_eq!(
        audit,
        [
            (
                "clear_service_override".into(),
                "air/dapeng".into(),
                "disabled".into()
            ),
            (
                "clear_service_override".into(),
                "report/dapeng".into(),
                "disabled".into()
            )
        ]
    );
    let switches: Vec<(String, String, i64)> = sqlx::query(
        "SELECT service_id, region_id, enabled FROM service_overrides ORDER BY service_id",
    )
    .fetch_all(&pool)
    .await
    .expect("switches")
    .iter()
    .map(|row| (row.get(0), row.get(1), row.get(2)))
    .collect();
    assert_eq!(switches, [("report".into(), "longgang".into(), 1)]);
}
