//! Forms refused without the page's script: kept for an hour, so that the form comes back
//! with what was typed and every problem in words (a redirect can carry neither).
//!
//! Anyone may send a refused form, so what is kept is bounded three ways: each field is cut
//! to what the form could ever take, one sender keeps at most [`DRAFTS_PER_SENDER`] an hour,
//! and all senders together at most [`DRAFTS_IN_ALL`].

use model::reports::KeptDraft;
use sqlx::Row;

use super::{
    submission::{MAX_DESCRIPTION, MAX_LONG_ANSWER},
    Reports, Sender,
};
use portal_core::{plain_text::cut, secrets::base64url, storage::StorageError};

const KEPT_SECONDS: i64 = 3600;
/// Refused forms one sender may have kept in an hour.
pub const DRAFTS_PER_SENDER: i64 = 30;
/// Refused forms kept in all, whoever sent them: a ceiling on the table's size.
pub const DRAFTS_IN_ALL: i64 = 5000;
/// Answers kept, and their bytes in all; more than any category asks.
const MAX_KEPT_ANSWERS: usize = 64;
const MAX_KEPT_ANSWER_BYTES: usize = 16 * 1024;
/// Short fields (pin, submission id) hold a few dozen characters when genuine.
const MAX_KEPT_SHORT: usize = 64;

/// Why a refused form was not kept.
#[derive(Debug, thiserror::Error)]
pub enum KeepError {
    #[error("the sender, or everyone together, has too many refused forms kept")]
    TooMany,
    #[error("a draft does not serialise: {0}")]
    Serialise(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The draft with every field cut to what the form could take (a little more for the
/// description, so the resident sees where they went over).
pub fn bounded(draft: &KeptDraft) -> KeptDraft {
    let mut answers = Vec::new();
    let mut bytes = 0;
    for (code, value) in draft.answers.iter().take(MAX_KEPT_ANSWERS) {
        let code = cut(code, MAX_KEPT_SHORT);
        let value = cut(value, MAX_LONG_ANSWER);
        bytes += code.len() + value.len();
        if bytes > MAX_KEPT_ANSWER_BYTES {
            break;
        }
        answers.push((code, value));
    }
    KeptDraft {
        lat: cut(&draft.lat, MAX_KEPT_SHORT),
        lon: cut(&draft.lon, MAX_KEPT_SHORT),
        description: cut(&draft.description, MAX_DESCRIPTION + 200),
        answers,
        share_contact: draft.share_contact,
        submission: cut(&draft.submission, MAX_KEPT_SHORT),
        had_photos: draft.had_photos,
        problems: draft
            .problems
            .iter()
            .take(MAX_KEPT_ANSWERS)
            .map(|p| cut(p, 1000))
            .collect(),
    }
}

impl Reports {
    /// Keeps a refused form, cut to size; returns its id for the redirect, or `TooMany`
    /// when the sender (or everyone together) has kept too many in the last hour.
    pub async fn keep_draft(
        &self,
        city_id: &str,
        draft: &KeptDraft,
        sender: &Sender,
    ) -> Result<String, KeepError> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.storage.clock().seconds();
        let sender_key = base64url(&self.secret.keyed_hash("draft-sender", &[&sender.key])[..16]);
        let json = serde_json::to_string(&bounded(draft))
            .map_err(|e| KeepError::Serialise(e.to_string()))?;
        sqlx::query("DELETE FROM report_drafts WHERE created_at < $1")
            .bind(now - KEPT_SECONDS)
            .execute(self.storage.pool())
            .await
            .map_err(StorageError::from)?;
        // The limits are checked by the insert itself, like the hourly report limit.
        let inserted = sqlx::query(
            "INSERT INTO report_drafts (id, city_id, draft, created_at, sender_key) \
             SELECT $1, $2, $3, $4, $5 \
             WHERE (SELECT COUNT(*) FROM report_drafts WHERE sender_key = $5 AND created_at >= $6) < $7 \
               AND (SELECT COUNT(*) FROM report_drafts WHERE created_at >= $6) < $8",
        )
        .bind(&id)
        .bind(city_id)
        .bind(json)
        .bind(now)
        .bind(&sender_key)
        .bind(now - KEPT_SECONDS)
        .bind(DRAFTS_PER_SENDER)
        .bind(DRAFTS_IN_ALL)
        .execute(self.storage.pool())
        .await
        .map_err(StorageError::from)?;
        if inserted.rows_affected() == 0 {
            return Err(KeepError::TooMany);
        }
        Ok(id)
    }

    /// A kept form of `city_id`, while it is kept.
    pub async fn draft(&self, id: &str, city_id: &str) -> Result<Option<KeptDraft>, StorageError> {
        let row = sqlx::query(
            "SELECT draft FROM report_drafts WHERE id = $1 AND city_id = $2 AND created_at >= $3",
        )
        .bind(id)
        .bind(city_id)
        .bind(self.storage.clock().seconds() - KEPT_SECONDS)
        .fetch_optional(self.storage.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(serde_json::from_str(&row.try_get::<String, _>("draft")?).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_of_a_kept_draft_is_cut_to_size() {
        let huge = "界".repeat(1_000_000);
        let long = "x".repeat(5_000);
        let mut answers: Vec<(String, String)> = (0..2_000)
            .map(|i| (format!("q{i}"), long.clone()))
            .collect();
        answers.insert(0, (huge.clone(), huge.clone()));
        let draft = KeptDraft {
            lat: huge.clone(),
            lon: huge.clone(),
            description: huge.clone(),
            answers,
            share_contact: true,
            submission: huge.clone(),
            had_photos: true,
            problems: vec![long; 1_000],
        };
        let kept = serde_json::to_string(&bounded(&draft)).expect("serialises");
        assert!(kept.len() < 200 * 1024, "{} bytes kept", kept.len());
        let kept: KeptDraft = serde_json::from_str(&kept).expect("reads back");
        assert_eq!(kept.description.chars().count(), MAX_DESCRIPTION + 200);
        assert!(kept.answers.len() <= MAX_KEPT_ANSWERS);
        assert!(kept.had_photos && kept.share_contact);
    }

    #[test]
    fn a_short_draft_is_kept_as_it_is() {
        let draft = KeptDraft {
            lat: "22.54".into(),
            lon: "114.05".into(),
            description: "路灯不亮".into(),
            answers: vec![("pole".into(), "A-17".into())],
            ..KeptDraft::default()
        };
        assert_eq!(bounded(&draft), draft);
    }
}
