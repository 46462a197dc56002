//! Following a delivered report at its desk: turning a token into the desk's request id,
//! and polling the desk's status into the report's timeline and its followers' inboxes.
//!
//! Each change is written by one conditional UPDATE (`desk_status` differs from the new
//! one), so when several processes poll the same desk only the first to see a change
//! records it; its followers' messages go in the same transaction, so each is told once,
//! even when the process stops right after.

use model::AppError;
use sqlx::Row;

use super::{
    add_event,
    followers::{tell_status_in, About},
    port::{DeskStatus, IncidentDesk},
    Reports,
};
use portal_core::{
    portal::{internal, HealthDetails},
    storage::StorageError,
};

/// A status change to tell the report's followers about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub report_id: String,
    pub reference: String,
    pub city_id: String,
    pub desk_id: String,
    pub locale: String,
    pub status: DeskStatus,
    pub notes: Option<String>,
}

/// How many requests one status call asks about.
const BATCH: i64 = 50;

impl DeskStatus {
    pub fn id(self) -> &'static str {
        match self {
            DeskStatus::Open => "open",
            DeskStatus::Closed => "closed",
        }
    }
}

/// A desk's row on the console's health page also says how many of its reports it did not
/// accept this week (its queue is the delivery jobs', which the console reads itself).
#[async_trait::async_trait]
impl HealthDetails for Reports {
    async fn figures(&self, provider_id: &str) -> Result<Vec<(String, i64)>, AppError> {
        let refused = self
            .refused_this_week(provider_id)
            .await
            .map_err(internal)?;
        Ok(vec![("admin-reports-refused".to_owned(), refused)])
    }
}

impl Reports {
    /// The desk's refusals in the last 7 days.
    pub async fn refused_this_week(&self, desk_id: &str) -> Result<i64, StorageError> {
        let now = self.storage.clock().seconds();
        let refused = sqlx::query(
            "SELECT COUNT(*) AS n FROM reports WHERE desk_id = $1 AND state = 'refused' \
               AND created_at > $2",
        )
        .bind(desk_id)
        .bind(now - 7 * 24 * 3600)
        .fetch_one(self.storage.pool())
        .await?;
        Ok(refused.try_get("n")?)
    }

    /// Asks the desk for the request ids behind its tokens. Returns how many resolved.
    pub async fn resolve_tokens(
        &self,
        desk_id: &str,
        desk: &dyn IncidentDesk,
    ) -> Result<usize, StorageError> {
        let rows = sqlx::query(
            "SELECT id, desk_token FROM reports WHERE desk_id = $1 AND state = 'delivered' \
               AND desk_request_id IS NULL AND desk_token IS NOT NULL LIMIT $2",
        )
        .bind(desk_id)
        .bind(BATCH)
        .fetch_all(self.storage.pool())
        .await?;
        let mut resolved = 0;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let token: String = row.try_get("desk_token")?;
            // A failing desk is the breaker's business; try again next round.
            if let Ok(Some(request_id)) = desk.resolve_token(&token).await {
                sqlx::query(
                    "UPDATE reports SET desk_request_id = $1 WHERE id = $2 AND desk_request_id IS NULL",
                )
                .bind(request_id)
                .bind(&id)
                .execute(self.storage.pool())
                .await?;
                resolved += 1;
            }
        }
        Ok(resolved)
    }

    /// Polls the status of the desk's open requests not checked for `every_seconds`, and
    /// records each change. Returns the changes this process recorded.
    pub async fn poll_statuses(
        &self,
        desk_id: &str,
        desk: &dyn IncidentDesk,
        every_seconds: i64,
    ) -> Result<Vec<StatusChange>, StorageError> {
        let now = self.storage.clock().seconds();
        let rows = sqlx::query(
            "SELECT id, desk_request_id, locale FROM reports WHERE desk_id = $1 \
               AND state = 'delivered' AND desk_request_id IS NOT NULL \
               AND (desk_status IS NULL OR desk_status <> 'closed') \
               AND (status_checked_at IS NULL OR status_checked_at <= $2) \
             ORDER BY status_checked_at, id LIMIT $3",
        )
        .bind(desk_id)
        .bind(now - every_seconds)
        .bind(BATCH)
        .fetch_all(self.storage.pool())
        .await?;
        // The desk's notes go to the resident as written: ask in each report's language.
        let mut by_language: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for row in &rows {
            let language: String = row.try_get("locale")?;
            let entry = (
                row.try_get::<String, _>("desk_request_id")?,
                row.try_get::<String, _>("id")?,
            );
            match by_language.iter_mut().find(|(l, _)| *l == language) {
                Some((_, reports)) => reports.push(entry),
                None => by_language.push((language, vec![entry])),
            }
        }
        let mut changes = Vec::new();
        for (language, reports) in by_language {
            let ids: Vec<String> = reports.iter().map(|(r, _)| r.clone()).collect();
            let Ok(states) = desk.states(&ids, &language).await else {
                continue;
            };
            for (request_id, report_id) in &reports {
                sqlx::query("UPDATE reports SET status_checked_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(report_id)
                    .execute(self.storage.pool())
                    .await?;
                let Some(state) = states.iter().find(|s| &s.id == request_id) else {
                    continue;
                };
                if let Some(change) = self
                    .record_status(report_id, state.status, state.notes.as_deref())
                    .await?
                {
                    changes.push(change);
                }
            }
        }
        Ok(changes)
    }

    /// Records a new desk status, once: `None` when it is not new.
    async fn record_status(
        &self,
        report_id: &str,
        status: DeskStatus,
        notes: Option<&str>,
    ) -> Result<Option<StatusChange>, StorageError> {
        let mut tx = self.storage.begin().await?;
        let changed = sqlx::query(
            "UPDATE reports SET desk_status = $1 WHERE id = $2 \
               AND (desk_status IS NULL OR desk_status <> $1) \
             RETURNING reference, city_id, desk_id, locale",
        )
        .bind(status.id())
        .bind(report_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = changed else {
            tx.commit().await?;
            return Ok(None);
        };
        let now = self.storage.clock().seconds();
        add_event(&mut tx, report_id, now, status.id(), notes).await?;
        let about = About::from_row(report_id, &row)?;
        tell_status_in(&mut tx, &about, status, notes).await?;
        tx.commit().await?;
        Ok(Some(StatusChange {
            report_id: report_id.to_owned(),
            reference: about.reference,
            city_id: about.city_id,
            desk_id: about.desk_id,
            locale: about.locale.tag().to_owned(),
            status,
            notes: notes.map(str::to_owned),
        }))
    }
}
