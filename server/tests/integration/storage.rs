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
