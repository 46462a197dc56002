//! Incident reports: committed to the database first (so an acknowledged report is never
//! lost), then handed to the desk by `delivery`; `status` follows the desk's answer, and
//! `worker` runs both. `submission` turns a resident's form into a report; `catalogue`
//! knows which categories a city's desks take and routes a report to its desk.

pub mod catalogue;
pub mod delivery;
pub mod desks;
pub mod drafts;
pub mod filed_here;
mod followers;
pub mod form;
pub mod open311;
pub mod pages;
pub mod places;
pub mod port;
pub mod registration;
pub mod routes;
pub mod simulator;
pub mod status;
pub mod submission;
pub mod worker;

use std::sync::Arc;

use sqlx::Row;

use model::ServiceKind;

use catalogue::Catalogue;
use desks::Desks;
use port::{AttributeValue, NewReport};
use portal_core::{
    config::{no_settings, ServiceSpec},
    jobs::{self, NewJob},
    photos::CleanPhoto,
    portal::Portal,
    privacy::PersonalField,
    secrets::{base64url, token_hash, ServerSecret},
    storage::{Storage, StorageError},
};

/// Incident reports as config knows them: several desks per city, routed by district and
/// category; contact details go to a desk only with consent, so that it can call back.
pub const SERVICE: ServiceSpec = ServiceSpec {
    kind: ServiceKind::IncidentReports,
    several_providers: true,
    personal_fields: &[
        PersonalField::DisplayName,
        PersonalField::Phone,
        PersonalField::Email,
    ],
    adapters: &[open311::ADAPTER],
    job_kinds: &[delivery::DELIVER],
    check_settings: no_settings,
};

/// Incident reports' home: what its pages, routes and workers work from.
pub struct IncidentReports {
    /// The shared machinery: cities, storage, accounts, privacy, inbox, jobs.
    pub portal: Arc<Portal>,
    /// The reports as stored.
    pub store: Reports,
    /// Every city's desks.
    pub desks: Desks,
    /// Each desk's categories and definitions, cached.
    pub catalogue: Catalogue,
    /// Reports a resident (or a client address) may file an hour; 0: no limit.
    pub limit_per_hour: i64,
    /// What this process's workers run with (none: built without the registration).
    pub process: Option<registration::Process>,
}

impl IncidentReports {
    /// Builds an adapter for every incident desk the registry connected.
    pub fn new(
        portal: Arc<Portal>,
        store: Reports,
        limit_per_hour: i64,
    ) -> Result<Self, portal_core::providers::registry::RegistryError> {
        Ok(IncidentReports {
            desks: Desks::build(&portal.providers)?,
            portal,
            store,
            // A desk's list is asked again after ten minutes.
            catalogue: Catalogue::new(std::time::Duration::from_secs(600)),
            limit_per_hour,
            process: None,
        })
    }
}

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
    /// The resident's language, for the messages about it.
    pub locale: String,
    /// The resident agreed that the desk may have their contact details.
    pub share_contact: bool,
    /// The id the form carried: the same form sent twice (a retry after a lost answer) is
    /// one report.
    pub submission_id: Option<String>,
}

/// Who is filing, for the hourly limit: the resident, or the client address without an
/// account. Only a keyed hash of it is stored.
#[derive(Clone, Debug)]
pub struct Sender {
    pub key: String,
    /// Reports allowed per hour; 0: no limit.
    pub per_hour: i64,
}

/// Is `text` shaped like a report's reference (`CP-` and twelve hex digits)? Anything else
/// names no report and is not looked up.
pub fn is_reference(text: &str) -> bool {
    text.strip_prefix("CP-").is_some_and(|rest| {
        rest.len() == 12
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    })
}

/// What filing returns: the report, and the private link's token (shown once, stored hashed).
#[derive(Clone, Debug)]
pub struct Filed {
    pub id: String,
    pub reference: String,
    pub tracking_token: String,
    /// The form had been sent before: this is the report it made then.
    pub resent: bool,
}

/// Why a report could not be filed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The sender has filed `per_hour` reports in the last hour.
    #[error("too many reports in the last hour")]
    Limited,
}

impl From<sqlx::Error> for FileError {
    fn from(error: sqlx::Error) -> Self {
        FileError::Storage(error.into())
    }
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

/// A report waiting for its desk, as a delivery attempt sends it.
#[derive(Clone, Debug)]
pub struct Undelivered {
    pub id: String,
    pub reference: String,
    pub desk_id: String,
    pub report: NewReport,
    pub resident_id: Option<String>,
    pub share_contact: bool,
    /// Ids of its photos, in order, for their URLs.
    pub photo_ids: Vec<String>,
}

/// One entry of a report's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: i64,
    /// filed, delivered, refused, open or closed.
    pub kind: String,
    pub note: Option<String>,
}

/// A report as its resident (or its tracking link) sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRecord {
    pub id: String,
    pub reference: String,
    /// What the resident filed.
    pub filed: FiledReport,
    pub created_at: i64,
    pub state: ReportState,
    pub desk_status: Option<String>,
    pub photo_ids: Vec<String>,
    pub supporters: i64,
    pub events: Vec<Event>,
}

/// A report on the city's public list: no description, photos or anything of the resident.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicReport {
    pub reference: String,
    pub region_id: String,
    pub category: String,
    pub lat: f64,
    pub lon: f64,
    pub created_at: i64,
    /// queued, delivered, refused, open or closed: the latest word on it.
    pub status: String,
    pub supporters: i64,
}

/// An open report near a pin, offered for "me too".
#[derive(Clone, Debug, PartialEq)]
pub struct NearbyReport {
    pub reference: String,
    pub lat: f64,
    pub lon: f64,
    pub distance_m: f64,
    pub created_at: i64,
    pub status: String,
    pub supporters: i64,
}

/// The latest word on a report, from its delivery state (`queued`, `delivered`, `refused`)
/// and the desk's status (`open`, `closed`) once it has one.
fn status_of(state: &str, desk_status: Option<&str>) -> String {
    match (state, desk_status) {
        ("delivered", Some(status)) => status.to_owned(),
        (state, _) => state.to_owned(),
    }
}

impl ReportState {
    fn name(&self) -> &'static str {
        match self {
            ReportState::Queued { .. } => "queued",
            ReportState::Delivered { .. } => "delivered",
            ReportState::Refused { .. } => "refused",
        }
    }
}

impl ReportRecord {
    /// The latest word on it: queued, delivered, refused, open or closed.
    pub fn status(&self) -> String {
        status_of(self.state.name(), self.desk_status.as_deref())
    }
}

/// Great-circle distance in metres (haversine; ample at a city's scale).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
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
    secret: ServerSecret,
}

impl Reports {
    pub fn new(storage: Storage, secret: ServerSecret) -> Reports {
        Reports { storage, secret }
    }

    /// The private link's token of a report: derived from its id with the server's secret,
    /// so it can be given again to a resent form; only its hash is stored, for lookups.
    fn tracking_token(&self, report_id: &str) -> String {
        base64url(&self.secret.keyed_hash("report-tracking", &[report_id]))
    }

    /// What the browser that filed a report keeps to claim it later (`filed_here`): not the
    /// private link, which may be shared; derived from the id with the server's secret.
    pub(crate) fn claim_token(&self, report_id: &str) -> String {
        base64url(&self.secret.keyed_hash("report-claim", &[report_id]))
    }

    /// The report a form with this id made, if it was sent before.
    async fn by_submission(&self, submission_id: &str) -> Result<Option<Filed>, StorageError> {
        let row = sqlx::query("SELECT id, reference FROM reports WHERE submission_id = $1")
            .bind(submission_id)
            .fetch_optional(self.storage.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.try_get("id")?;
        Ok(Some(Filed {
            tracking_token: self.tracking_token(&id),
            reference: row.try_get("reference")?,
            id,
            resent: true,
        }))
    }

    /// Only a keyed hash of who sent a report is stored.
    fn sender_key(&self, sender: &Sender) -> String {
        base64url(&self.secret.keyed_hash("report-sender", &[&sender.key])[..16])
    }

    /// May `sender` file the form `submission` now? A form filed before (a resend after a
    /// lost answer) always may; a new one only under the hourly limit. Asked before the
    /// form's photos are decoded, so a sender past the limit costs no decoding; `file`
    /// checks again as it inserts.
    pub async fn may_file(
        &self,
        submission: Option<&str>,
        sender: &Sender,
    ) -> Result<bool, StorageError> {
        if sender.per_hour == 0 {
            return Ok(true);
        }
        if let Some(submission) = submission {
            if self.by_submission(submission).await?.is_some() {
                return Ok(true);
            }
        }
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM reports WHERE sender_key = $1 AND created_at > $2",
        )
        .bind(self.sender_key(sender))
        .bind(self.storage.clock().seconds() - 3600)
        .fetch_one(self.storage.pool())
        .await?;
        Ok(row.try_get::<i64, _>("n")? < sender.per_hour)
    }

    /// Commits a report with its photos, the first entry of its timeline and its delivery
    /// job, in one transaction, due for delivery at once. Once this returns, the report may be
    /// acknowledged to the resident: it survives any crash.
    ///
    /// The sender's hourly limit is checked by the insert itself (it inserts nothing when
    /// the sender is at the limit); under parallel requests on Postgres it may be exceeded
    /// by the number of requests in flight, which is fine for a spam brake.
    pub async fn file(
        &self,
        report: &FiledReport,
        photos: &[CleanPhoto],
        sender: &Sender,
    ) -> Result<Filed, FileError> {
        if let Some(submission) = &report.submission_id {
            if let Some(filed) = self.by_submission(submission).await? {
                return Ok(filed);
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let reference = format!("CP-{}", &id.replace('-', "")[..12].to_uppercase());
        let tracking_token = self.tracking_token(&id);
        let now = self.storage.clock().seconds();
        let mut tx = self.storage.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO reports (id, reference, resident_id, city_id, region_id, desk_id, \
               category, lat, lon, description, attributes, created_at, state, \
               tracking_hash, locale, share_contact, submission_id, sender_key) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'queued', $13, $14, $15, $16, $17 \
             WHERE $18 = 0 OR (SELECT COUNT(*) FROM reports WHERE sender_key = $17 AND created_at > $19) < $18",
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
        .bind(token_hash(&tracking_token))
        .bind(&report.locale)
        .bind(i64::from(report.share_contact))
        .bind(&report.submission_id)
        .bind(self.sender_key(sender))
        .bind(sender.per_hour)
        .bind(now - 3600)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(done) if done.rows_affected() == 0 => {
                tx.rollback().await?;
                return Err(FileError::Limited);
            }
            Ok(_) => {}
            // The same form, sent twice at once: the other copy won.
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                tx.rollback().await?;
                if let Some(submission) = &report.submission_id {
                    if let Some(filed) = self.by_submission(submission).await? {
                        return Ok(filed);
                    }
                }
                return Err(sqlx::Error::Database(error).into());
            }
            Err(error) => return Err(error.into()),
        }
        for (position, photo) in photos.iter().enumerate() {
            sqlx::query(
                "INSERT INTO report_photos (id, report_id, position, jpeg, thumbnail, width, height) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(photo.jpeg.as_slice())
            .bind(photo.thumbnail.as_slice())
            .bind(i64::from(photo.width))
            .bind(i64::from(photo.height))
            .execute(&mut *tx)
            .await?;
        }
        add_event(&mut tx, &id, now, "filed", None).await?;
        jobs::enqueue(
            &mut tx,
            &NewJob {
                kind: delivery::DELIVER,
                subject: &id,
                provider: &report.desk_id,
                idempotency_key: &format!("{}:{id}", delivery::DELIVER),
                due_at: now,
                recurring: false,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Filed {
            id,
            reference,
            tracking_token,
            resent: false,
        })
    }

    pub async fn state(&self, id: &str) -> Result<Option<ReportState>, StorageError> {
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM reports WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.storage.pool())
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(state_from(&row)?))
    }

    /// A report still waiting for its desk, as delivery sends it; `None` once it is
    /// delivered or refused (or gone).
    pub(crate) async fn undelivered(&self, id: &str) -> Result<Option<Undelivered>, StorageError> {
        let row = sqlx::query(
            "SELECT id, reference, desk_id, category, lat, lon, description, attributes, \
               resident_id, share_contact FROM reports WHERE id = $1 AND state = 'queued'",
        )
        .bind(id)
        .fetch_optional(self.storage.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let photo_ids = self.photo_ids(id).await?;
        Ok(Some(Undelivered {
            reference: row.try_get("reference")?,
            desk_id: row.try_get("desk_id")?,
            resident_id: row.try_get("resident_id")?,
            share_contact: row.try_get::<i64, _>("share_contact")? != 0,
            photo_ids,
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
            id: row.try_get("id")?,
        }))
    }

    /// Records the end of a delivery: accepted (with the desk's id or token) or refused.
    /// In the caller's transaction, which closes the report's delivery job with it.
    pub(crate) async fn settle_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
        state: &ReportState,
    ) -> Result<(), StorageError> {
        let (state, request, token, message) = match state {
            ReportState::Delivered { request_id, token } => {
                ("delivered", request_id.clone(), token.clone(), None)
            }
            ReportState::Refused { message } => ("refused", None, None, Some(message.clone())),
            ReportState::Queued { .. } => return Ok(()),
        };
        let settled = sqlx::query(
            "UPDATE reports SET state = $1, desk_request_id = $2, desk_token = $3, \
               desk_message = $4 WHERE id = $5 AND state = 'queued' \
             RETURNING reference, city_id, desk_id, locale, resident_id",
        )
        .bind(state)
        .bind(request)
        .bind(token)
        .bind(&message)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = settled else {
            return Ok(());
        };
        let now = self.storage.clock().seconds();
        add_event(tx, id, now, state, message.as_deref()).await?;
        let resident: Option<String> = row.try_get("resident_id")?;
        if let (Some(message), Some(resident)) = (&message, &resident) {
            let about = followers::About::from_row(id, &row)?;
            followers::tell_refused_in(tx, &about, resident, message).await?;
        }
        Ok(())
    }

    async fn photo_ids(&self, report_id: &str) -> Result<Vec<String>, StorageError> {
        let rows =
            sqlx::query("SELECT id FROM report_photos WHERE report_id = $1 ORDER BY position")
                .bind(report_id)
                .fetch_all(self.storage.pool())
                .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?)
    }

    /// A photo's JPEG (or its thumbnail), by its unguessable id.
    pub async fn photo(
        &self,
        photo_id: &str,
        thumbnail: bool,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        let query = if thumbnail {
            "SELECT thumbnail AS jpeg FROM report_photos WHERE id = $1"
        } else {
            "SELECT jpeg FROM report_photos WHERE id = $1"
        };
        let row = sqlx::query(query)
            .bind(photo_id)
            .fetch_optional(self.storage.pool())
            .await?;
        Ok(row.map(|r| r.try_get("jpeg")).transpose()?)
    }

    /// The report a tracking link's token opens.
    pub async fn by_tracking_token(
        &self,
        token: &str,
    ) -> Result<Option<ReportRecord>, StorageError> {
        self.record_where("tracking_hash = $1", &token_hash(token))
            .await
    }

    pub async fn by_id(&self, id: &str) -> Result<Option<ReportRecord>, StorageError> {
        self.record_where("id = $1", id).await
    }

    /// A report by its reference (what residents and desks quote).
    pub async fn by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<ReportRecord>, StorageError> {
        self.record_where("reference = $1", reference).await
    }

    async fn record_where(
        &self,
        condition: &'static str,
        value: &str,
    ) -> Result<Option<ReportRecord>, StorageError> {
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM reports WHERE {condition}"
        )))
        .bind(value)
        .fetch_optional(self.storage.pool())
        .await?
        else {
            return Ok(None);
        };
        let mut record = record_from(&row)?;
        record.photo_ids = self.photo_ids(&record.id).await?;
        record.supporters = self.supporters(&record.id).await?;
        let events = sqlx::query(
            "SELECT at, kind, note FROM report_events WHERE report_id = $1 ORDER BY at, id",
        )
        .bind(&record.id)
        .fetch_all(self.storage.pool())
        .await?;
        record.events = events
            .iter()
            .map(|e| {
                Ok(Event {
                    at: e.try_get("at")?,
                    kind: e.try_get("kind")?,
                    note: e.try_get("note")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        // Events written in the same second keep their order of meaning.
        record.events.sort_by_key(|e| (e.at, event_rank(&e.kind)));
        Ok(Some(record))
    }

    async fn supporters(&self, report_id: &str) -> Result<i64, StorageError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM report_supporters WHERE report_id = $1")
            .bind(report_id)
            .fetch_one(self.storage.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// A resident's reports, newest first (without timelines).
    pub async fn of_resident(&self, resident_id: &str) -> Result<Vec<ReportRecord>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM reports WHERE resident_id = $1 \
             ORDER BY created_at DESC, id LIMIT 200"
        )))
        .bind(resident_id)
        .fetch_all(self.storage.pool())
        .await?;
        Ok(rows.iter().map(record_from).collect::<Result<_, _>>()?)
    }

    /// A city's latest reports, as anyone may see them.
    pub async fn public_list(
        &self,
        city_id: &str,
        limit: i64,
    ) -> Result<Vec<PublicReport>, StorageError> {
        let rows = sqlx::query(
            "SELECT r.reference, r.region_id, r.category, r.lat, r.lon, r.created_at, r.state, \
               r.desk_status, (SELECT COUNT(*) FROM report_supporters s WHERE s.report_id = r.id) AS n \
             FROM reports r WHERE r.city_id = $1 ORDER BY r.created_at DESC, r.id LIMIT $2",
        )
        .bind(city_id)
        .bind(limit)
        .fetch_all(self.storage.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                let desk_status: Option<String> = row.try_get("desk_status")?;
                Ok(PublicReport {
                    reference: row.try_get("reference")?,
                    region_id: row.try_get("region_id")?,
                    category: row.try_get("category")?,
                    lat: row.try_get("lat")?,
                    lon: row.try_get("lon")?,
                    created_at: row.try_get("created_at")?,
                    status: status_of(&state, desk_status.as_deref()),
                    supporters: row.try_get("n")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StorageError::from)
    }

    /// Reports of `category` within `radius_m` of a pin that are not closed or refused.
    pub async fn open_nearby(
        &self,
        city_id: &str,
        category: &str,
        lat: f64,
        lon: f64,
        radius_m: f64,
    ) -> Result<Vec<NearbyReport>, StorageError> {
        // A box around the pin narrows the rows by index; the exact distance decides.
        let lat_margin = radius_m / 111_000.0;
        let lon_margin = radius_m / (111_000.0 * lat.to_radians().cos().max(0.01));
        let rows = sqlx::query(
            "SELECT r.reference, r.lat, r.lon, r.created_at, r.state, r.desk_status, \
               (SELECT COUNT(*) FROM report_supporters s WHERE s.report_id = r.id) AS n \
             FROM reports r WHERE r.city_id = $1 AND r.category = $2 \
               AND r.lat BETWEEN $3 AND $4 AND r.lon BETWEEN $5 AND $6 \
               AND r.state <> 'refused' AND (r.desk_status IS NULL OR r.desk_status <> 'closed') \
             ORDER BY r.created_at DESC LIMIT 50",
        )
        .bind(city_id)
        .bind(category)
        .bind(lat - lat_margin)
        .bind(lat + lat_margin)
        .bind(lon - lon_margin)
        .bind(lon + lon_margin)
        .fetch_all(self.storage.pool())
        .await?;
        let mut nearby = Vec::new();
        for row in &rows {
            let (report_lat, report_lon) = (row.try_get("lat")?, row.try_get("lon")?);
            let distance = distance_m(lat, lon, report_lat, report_lon);
            if distance <= radius_m {
                let state: String = row.try_get("state")?;
                let desk_status: Option<String> = row.try_get("desk_status")?;
                nearby.push(NearbyReport {
                    reference: row.try_get("reference")?,
                    lat: report_lat,
                    lon: report_lon,
                    distance_m: distance,
                    created_at: row.try_get("created_at")?,
                    status: status_of(&state, desk_status.as_deref()),
                    supporters: row.try_get("n")?,
                });
            }
        }
        nearby.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
        Ok(nearby)
    }

    /// Adds "me too" to a report; `false` when this supporter had already, or the report
    /// is unknown.
    pub async fn support(
        &self,
        reference: &str,
        supporter_key: &str,
        resident_id: Option<&str>,
    ) -> Result<bool, StorageError> {
        if !is_reference(reference) {
            return Ok(false);
        }
        let added = sqlx::query(
            "INSERT INTO report_supporters (report_id, supporter_key, resident_id, at) \
             SELECT id, $2, $3, $4 FROM reports WHERE reference = $1 \
             ON CONFLICT (report_id, supporter_key) DO NOTHING",
        )
        .bind(reference)
        .bind(supporter_key)
        .bind(resident_id)
        .bind(self.storage.clock().seconds())
        .execute(self.storage.pool())
        .await?
        .rows_affected();
        Ok(added == 1)
    }
}

// `attempts` is the delivery job's (kind `delivery::DELIVER`, spelt out: a const cannot be
// formatted into a const).
const RECORD_COLUMNS: &str = "id, reference, resident_id, city_id, region_id, desk_id, category, \
    lat, lon, description, attributes, created_at, state, (SELECT COALESCE(MAX(j.attempts), 0) \
    FROM jobs j WHERE j.kind = 'report.deliver' AND j.subject = reports.id \
    AND j.settled_at IS NULL) AS attempts, desk_request_id, desk_token, desk_message, \
    desk_status, locale, share_contact, submission_id";

/// The delivery state from `state`, `attempts` (its delivery job's) and the `desk_*`
/// columns.
fn state_from(row: &sqlx::any::AnyRow) -> Result<ReportState, sqlx::Error> {
    let state: String = row.try_get("state")?;
    Ok(match state.as_str() {
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
    })
}

fn record_from(row: &sqlx::any::AnyRow) -> Result<ReportRecord, sqlx::Error> {
    let desk_status: Option<String> = row.try_get("desk_status")?;
    Ok(ReportRecord {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        filed: FiledReport {
            resident_id: row.try_get("resident_id")?,
            city_id: row.try_get("city_id")?,
            region_id: row.try_get("region_id")?,
            desk_id: row.try_get("desk_id")?,
            category: row.try_get("category")?,
            lat: row.try_get("lat")?,
            lon: row.try_get("lon")?,
            description: row.try_get("description")?,
            attributes: attributes_from(&row.try_get::<String, _>("attributes")?),
            locale: row.try_get("locale")?,
            share_contact: row.try_get::<i64, _>("share_contact")? != 0,
            submission_id: row.try_get("submission_id")?,
        },
        created_at: row.try_get("created_at")?,
        state: state_from(row)?,
        desk_status,
        photo_ids: Vec::new(),
        supporters: 0,
        events: Vec::new(),
    })
}

fn event_rank(kind: &str) -> u8 {
    match kind {
        "filed" => 0,
        "delivered" | "refused" => 1,
        "open" => 2,
        _ => 3,
    }
}

/// One timeline entry, inside the caller's transaction.
pub(crate) async fn add_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    report_id: &str,
    at: i64,
    kind: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO report_events (id, report_id, at, kind, note) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(report_id)
    .bind(at)
    .bind(kind)
    .bind(note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_have_one_shape() {
        assert!(is_reference("CP-0A1B2C3D4E5F"));
        for other in [
            "CP-0a1b2c3d4e5f",
            "CP-0A1B2C3D4E5",
            "XX-0A1B2C3D4E5F",
            "CP-0A1B2C3D4E5F\0",
            "",
        ] {
            assert!(!is_reference(other), "{other:?}");
        }
    }

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
