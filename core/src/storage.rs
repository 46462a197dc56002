//! Storage: sqlx on SQLite (the embedded default, a file in WAL mode) or Postgres, chosen
//! once from the URL scheme. Queries are runtime queries in portable SQL with `$n`
//! placeholders, which both backends accept, so one code path and one test suite serve both.

use std::{path::Path, str::FromStr, time::Duration};

use crate::clock::Clock;

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    AnyPool, ConnectOptions, Row,
};

pub mod migrations;

/// A storage failure. Details go to the log, never to a resident.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the database directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
}

/// Which backend a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// One override row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceOverride {
    pub city_id: String,
    pub service_id: String,
    pub region_id: String,
    pub enabled: bool,
}

/// An audit log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub city_id: String,
    pub action: String,
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Clone)]
pub struct Storage {
    pool: AnyPool,
    backend: Backend,
    /// What "now" is for every store built on this one.
    clock: Clock,
}

impl Storage {
    /// Connects, creating a SQLite file (and its directory) when missing, and migrates.
    pub async fn connect(url: &str) -> Result<Storage, StorageError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url).ok_or_else(|| {
            let scheme = url.split(':').next().unwrap_or_default();
            sqlx::Error::Configuration(
                format!("DATABASE_URL must start with sqlite: or postgres:, not {scheme:?}:")
                    .into(),
            )
        })?;
        let mut url = url.to_owned();
        if backend == Backend::Sqlite {
            url = prepare_sqlite(&url)?;
        }
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Per connection: foreign keys, and wait rather than fail on a busy file.
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 5000")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        if backend == Backend::Sqlite {
            // WAL is a property of the file: readers do not block the writer.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        migrations::migrator().run(&pool).await?;
        Ok(Storage {
            pool,
            backend,
            clock: Clock::system(),
        })
    }

    /// The same database, with `clock` as every store's "now" (a test's adjustable clock).
    pub fn with_clock(self, clock: Clock) -> Storage {
        Storage { clock, ..self }
    }

    /// The portal's clock: every time a store writes or compares comes from it.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// For the domain modules, which keep their own SQL beside their rules.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that will write. On SQLite it takes the write lock at its start
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later cannot
    /// wait for the lock when another connection wrote meanwhile, and fails at once with
    /// "database is locked" whatever the busy timeout. Waiting at the start, it queues
    /// behind the other writers instead. Postgres locks per row and needs nothing of this.
    /// Holds the resident's row until `tx` ends, so that counting what a resident keeps and
    /// adding one more is a single step whatever the number of processes (a limit of ten
    /// cannot become eleven): Postgres locks the row; SQLite's `BEGIN IMMEDIATE` already has
    /// its one writer.
    pub async fn hold_resident(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        resident_id: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE residents SET id = id WHERE id = $1")
            .bind(resident_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A cheap round trip, for `/readyz`.
    pub async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Every override of a city.
    pub async fn overrides_of(&self, city_id: &str) -> Result<Vec<ServiceOverride>, StorageError> {
        let rows = sqlx::query(
            "SELECT city_id, service_id, region_id, enabled FROM service_overrides \
             WHERE city_id = $1 ORDER BY service_id, region_id",
        )
        .bind(city_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ServiceOverride {
                    city_id: row.try_get("city_id")?,
                    service_id: row.try_get("service_id")?,
                    region_id: row.try_get("region_id")?,
                    enabled: row.try_get::<i64, _>("enabled")? != 0,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StorageError::from)
    }

    /// Sets one override and records it in the audit log, in one transaction. Returns the
    /// previous override, if any.
    pub async fn set_override(
        &self,
        change: &ServiceOverride,
        actor: &str,
    ) -> Result<Option<bool>, StorageError> {
        let mut tx = self.begin().await?;
        let before = self.set_override_in(&mut tx, change, actor).await?;
        tx.commit().await?;
        Ok(before)
    }

    /// Removes an override so config applies again; audited. Returns whether one existed.
    pub async fn clear_override(
        &self,
        city_id: &str,
        service_id: &str,
        region_id: &str,
        actor: &str,
    ) -> Result<bool, StorageError> {
        let mut tx = self.begin().await?;
        let before = self
            .clear_override_in(&mut tx, city_id, service_id, region_id, actor)
            .await?;
        tx.commit().await?;
        Ok(before.is_some())
    }

    /// Switches one service in several regions all at once or not at all: `Some(enabled)`
    /// sets an override, `None` returns to config. Returns each region's previous override.
    pub async fn switch_regions(
        &self,
        city_id: &str,
        service_id: &str,
        regions: &[String],
        enabled: Option<bool>,
        actor: &str,
    ) -> Result<Vec<Option<bool>>, StorageError> {
        let mut tx = self.begin().await?;
        let mut before = Vec::with_capacity(regions.len());
        for region in regions {
            before.push(match enabled {
                Some(enabled) => {
                    let change = ServiceOverride {
                        city_id: city_id.to_owned(),
                        service_id: service_id.to_owned(),
                        region_id: region.clone(),
                        enabled,
                    };
                    self.set_override_in(&mut tx, &change, actor).await?
                }
                None => {
                    self.clear_override_in(&mut tx, city_id, service_id, region, actor)
                        .await?
                }
            });
        }
        tx.commit().await?;
        Ok(before)
    }

    async fn set_override_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        change: &ServiceOverride,
        actor: &str,
    ) -> Result<Option<bool>, StorageError> {
        let now = self.clock.seconds();
        // On Postgres the row is locked until commit, so two admins flipping the same switch
        // at once record each other's value as "before" in the audit log, never the same one.
        // SQLite has one writer at a time already.
        let lock = if self.backend == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let before: Option<bool> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT enabled FROM service_overrides \
             WHERE city_id = $1 AND service_id = $2 AND region_id = $3{lock}"
        )))
        .bind(&change.city_id)
        .bind(&change.service_id)
        .bind(&change.region_id)
        .fetch_optional(&mut **tx)
        .await?
        .map(|row| row.try_get::<i64, _>("enabled").map(|flag| flag != 0))
        .transpose()?;
        sqlx::query(
            "INSERT INTO service_overrides \
               (city_id, service_id, region_id, enabled, changed_at, changed_by) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (city_id, service_id, region_id) DO UPDATE SET \
               enabled = excluded.enabled, changed_at = excluded.changed_at, \
               changed_by = excluded.changed_by",
        )
        .bind(&change.city_id)
        .bind(&change.service_id)
        .bind(&change.region_id)
        .bind(i64::from(change.enabled))
        .bind(now)
        .bind(actor)
        .execute(&mut **tx)
        .await?;
        let entry = AuditEntry {
            at: now,
            actor: actor.to_owned(),
            city_id: change.city_id.clone(),
            action: "set_service_override".to_owned(),
            subject: format!("{}/{}", change.service_id, change.region_id),
            before: before.map(describe),
            after: Some(describe(change.enabled)),
        };
        audit(tx, &entry).await?;
        Ok(before)
    }

    /// A city's audit log, newest first.
    pub async fn audit_log(
        &self,
        city_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StorageError> {
        let rows = sqlx::query(
            "SELECT at, actor, city_id, action, subject, before, after FROM audit_log \
             WHERE city_id = $1 ORDER BY at DESC, id LIMIT $2",
        )
        .bind(city_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    city_id: row.try_get("city_id")?,
                    action: row.try_get("action")?,
                    subject: row.try_get("subject")?,
                    before: row.try_get("before")?,
                    after: row.try_get("after")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StorageError::from)
    }

    async fn clear_override_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        city_id: &str,
        service_id: &str,
        region_id: &str,
        actor: &str,
    ) -> Result<Option<bool>, StorageError> {
        let before: Option<bool> = sqlx::query(
            "DELETE FROM service_overrides \
             WHERE city_id = $1 AND service_id = $2 AND region_id = $3 RETURNING enabled",
        )
        .bind(city_id)
        .bind(service_id)
        .bind(region_id)
        .fetch_optional(&mut **tx)
        .await?
        .map(|row| row.try_get::<i64, _>("enabled").map(|flag| flag != 0))
        .transpose()?;
        if let Some(enabled) = before {
            let entry = AuditEntry {
                at: self.clock.seconds(),
                actor: actor.to_owned(),
                city_id: city_id.to_owned(),
                action: "clear_service_override".to_owned(),
                subject: format!("{service_id}/{region_id}"),
                before: Some(describe(enabled)),
                after: None,
            };
            audit(tx, &entry).await?;
        }
        Ok(before)
    }
}

fn describe(enabled: bool) -> String {
    if enabled { "enabled" } else { "disabled" }.to_owned()
}

/// Makes sure a SQLite file can be created: its directory exists and `mode=rwc` is set.
fn prepare_sqlite(url: &str) -> Result<String, StorageError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    if !path.is_empty() && path != ":memory:" {
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::Directory {
                path: dir.display().to_string(),
                source,
            })?;
        }
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// One audit log entry, inside the transaction of the change it records.
async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    entry: &AuditEntry,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, city_id, action, subject, before, after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(entry.at)
    .bind(&entry.actor)
    .bind(&entry.city_id)
    .bind(&entry.action)
    .bind(&entry.subject)
    .bind(&entry.before)
    .bind(&entry.after)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
