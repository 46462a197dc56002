//! Forms refused without the page's script: kept for an hour, so that the form comes back
//! with what was typed and every problem in words (a redirect can carry neither).

use app::reports::KeptDraft;
use sqlx::Row;

use crate::{reports::Reports, storage::StorageError};

const KEPT_SECONDS: i64 = 3600;

impl Reports {
    /// Keeps a refused form; returns its id for the redirect.
    pub async fn keep_draft(
        &self,
        city_id: &str,
        draft: &KeptDraft,
    ) -> Result<String, StorageError> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = jiff::Timestamp::now().as_second();
        sqlx::query("DELETE FROM report_drafts WHERE created_at < $1")
            .bind(now - KEPT_SECONDS)
            .execute(self.storage.pool())
            .await?;
        sqlx::query(
            "INSERT INTO report_drafts (id, city_id, draft, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(city_id)
        .bind(serde_json::to_string(draft).unwrap_or_default())
        .bind(now)
        .execute(self.storage.pool())
        .await?;
        Ok(id)
    }

    /// A kept form of `city_id`, while it is kept.
    pub async fn draft(&self, id: &str, city_id: &str) -> Result<Option<KeptDraft>, StorageError> {
        let row = sqlx::query(
            "SELECT draft FROM report_drafts WHERE id = $1 AND city_id = $2 AND created_at >= $3",
        )
        .bind(id)
        .bind(city_id)
        .bind(jiff::Timestamp::now().as_second() - KEPT_SECONDS)
        .fetch_optional(self.storage.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(serde_json::from_str(&row.try_get::<String, _>("draft")?).ok())
    }
}
