//! Incident reports: committed to the database first (so an acknowledged report is never
//! lost), then handed to the desk by `delivery`.

pub mod delivery;

use sqlx::Row;

use crate::{
    providers::incidents::{AttributeValue, NewReport},
    storage::{Storage, StorageError},
};

/// A report as the resident filed it, before any desk has it.
#[derive(Clone, Debug, PartialEq)]
pub struct FiledReport {
    pub resident_id: Option<String>,
    pub city_id: String,
    pub region_id: String,
    pub desk_id: String,
    pub category: String,
    pub lat: f64,
    pub lon: f64,
    pub description: String,
    pub attributes: Vec<(String, AttributeValue)>,
}

/// Where a report stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportState {
    Queued {
        attempts: i64,
    },
    Delivered {
        request_id: Option<String>,
        token: Option<String>,
    },
    Refused {
        message: String,
    },
}

/// One report claimed by a worker for one delivery attempt.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: String,
    pub reference: String,
    pub desk_id: String,
    pub report: NewReport,
    pub attempts: i64,
    pub created_at: i64,
    /// A previous attempt may have reached the desk: look before sending again.
    pub unsure_since: Option<i64>,
}

fn attributes_json(attributes: &[(String, AttributeValue)]) -> String {
    let list: Vec<serde_json::Value> = attributes
        .iter()
        .map(|(code, value)| match value {
            AttributeValue::One(v) => serde_json::json!([code, v]),
            AttributeValue::Many(vs) => serde_json::json!([code, vs]),
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

fn attributes_from(json: &str) -> Vec<(String, AttributeValue)> {
    let list: Vec<(String, serde_json::Value)> = serde_json::from_str(json).unwrap_or_default();
    list.into_iter()
        .filter_map(|(code, value)| match value {
            serde_json::Value::String(v) => Some((code, AttributeValue::One(v))),
            serde_json::Value::Array(vs) => Some((
                code,
                AttributeValue::Many(
                    vs.into_iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect(),
                ),
            )),
            _ => None,
        })
        .collect()
}

#[derive(Clone)]
pub struct Reports {
    storage: Storage,
}

impl Reports {
    pub fn new(storage: Storage) -> Reports {
        Reports { storage }
    }

    /// Commits a report, due for delivery at once. Returns its id. Once this returns, the
    /// report may be acknowledged to the resident: it survives any crash.
    pub async fn file(&self, report: &FiledReport) -> Result<String, StorageError> {
        let id = uuid::Uuid::new_v4().to_string();
        let reference = format!("CP-{}", &id.replace('-', "")[..12].to_uppercase());
        let now = jiff::Timestamp::now().as_second();
        sqlx::query(
            "INSERT INTO reports (id, reference, resident_id, city_id, region_id, desk_id, \
               category, lat, lon, description, attributes, created_at, state, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'queued', $12)",
        )
        .bind(&id)
        .bind(&reference)
        .bind(&report.resident_id)
        .bind(&report.city_id)
        .bind(&report.region_id)
        .bind(&report.desk_id)
        .bind(&report.category)
        .bind(report.lat)
        .bind(report.lon)
        .bind(&report.description)
        .bind(attributes_json(&report.attributes))
        .bind(now)
        .execute(self.storage.pool())
        .await?;
        Ok(id)
    }

    pub async fn state(&self, id: &str) -> Result<Option<ReportState>, StorageError> {
        let Some(row) = sqlx::query(
            "SELECT state, attempts, desk_request_id, desk_token, desk_message FROM reports WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.storage.pool())
        .await?
        else {
            return Ok(None);
        };
        let state: String = row.try_get("state")?;
        Ok(Some(match state.as_str() {
            "delivered" => ReportState::Delivered {
                request_id: row.try_get("desk_request_id")?,
                token: row.try_get("desk_token")?,
            },
            "refused" => ReportState::Refused {
                message: row
                    .try_get::<Option<String>, _>("desk_message")?
                    .unwrap_or_default(),
            },
            _ => ReportState::Queued {
                attempts: row.try_get("attempts")?,
            },
        }))
    }

    /// Claims the report most overdue for `desk_id`, leasing it for `lease_seconds`.
    ///
    /// One conditional UPDATE both picks and leases the row: on Postgres a second worker
    /// that raced for the same row waits for the first's commit, re-checks the condition,
    /// and finds the lease taken; SQLite runs one writer at a time. So two processes never
    /// hold the same report, and no engine-specific `SKIP LOCKED` is needed.
    pub async fn claim_due(
        &self,
        desk_id: &str,
        lease_seconds: i64,
    ) -> Result<Option<Claimed>, StorageError> {
        let now = jiff::Timestamp::now().as_second();
        let row = sqlx::query(
            "UPDATE reports SET claimed_until = $1, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM reports \
                         WHERE state = 'queued' AND desk_id = $2 AND next_attempt_at <= $3 \
                           AND (claimed_until IS NULL OR claimed_until < $3) \
                         ORDER BY next_attempt_at, id LIMIT 1) \
               AND state = 'queued' AND (claimed_until IS NULL OR claimed_until < $3) \
             RETURNING id, reference, desk_id, category, lat, lon, description, attributes, \
               attempts, created_at, unsure_since, resident_id",
        )
        .bind(now + lease_seconds)
        .bind(desk_id)
        .bind(now)
        .fetch_optional(self.storage.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Claimed {
            id: row.try_get("id")?,
            reference: row.try_get("reference")?,
            desk_id: row.try_get("desk_id")?,
            attempts: row.try_get("attempts")?,
            created_at: row.try_get("created_at")?,
            unsure_since: row.try_get("unsure_since")?,
            report: NewReport {
                category: row.try_get("category")?,
                lat: row.try_get("lat")?,
                lon: row.try_get("lon")?,
                description: row.try_get("description")?,
                attributes: attributes_from(&row.try_get::<String, _>("attributes")?),
                media_urls: Vec::new(),
                account_id: None,
                email: None,
                phone: None,
                name: None,
            },
        }))
    }

    pub(crate) async fn settle(&self, id: &str, state: &ReportState) -> Result<(), StorageError> {
        let (state, request, token, message) = match state {
            ReportState::Delivered { request_id, token } => {
                ("delivered", request_id.clone(), token.clone(), None)
            }
            ReportState::Refused { message } => ("refused", None, None, Some(message.clone())),
            ReportState::Queued { .. } => return Ok(()),
        };
        sqlx::query(
            "UPDATE reports SET state = $1, desk_request_id = $2, desk_token = $3, \
               desk_message = $4, claimed_until = NULL WHERE id = $5",
        )
        .bind(state)
        .bind(request)
        .bind(token)
        .bind(message)
        .bind(id)
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }

    /// Puts a claimed report back for a later attempt; `unsure` when the last attempt may
    /// have reached the desk.
    pub(crate) async fn retry_later(
        &self,
        claimed: &Claimed,
        delay_seconds: i64,
        unsure_since: Option<i64>,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE reports SET next_attempt_at = $1, claimed_until = NULL, \
               unsure_since = COALESCE(unsure_since, $2) WHERE id = $3",
        )
        .bind(jiff::Timestamp::now().as_second() + delay_seconds)
        .bind(unsure_since)
        .bind(&claimed.id)
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_round_trip() {
        let attributes = vec![
            ("light_state".to_owned(), AttributeValue::One("off".into())),
            (
                "smell".to_owned(),
                AttributeValue::Many(vec!["sewage".into(), "chemical".into()]),
            ),
        ];
        assert_eq!(attributes_from(&attributes_json(&attributes)), attributes);
    }
}
