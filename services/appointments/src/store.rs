//! Appointments as stored: each moves through its states once (see the migration), every
//! move a conditional update from the states it may come from, so two processes (a job and
//! a resident's retry, a notification and a cancellation) never both make the same move.

use sqlx::Row;

use model::{Currency, Locale, LocalizedName, Money};
use portal_core::{
    jobs::{self, NewJob},
    storage::{Storage, StorageError},
};

/// The job that brings an appointment at its hospital to where ours is (finds a lost
/// answer, books a paid one, gives back a hold or a cancelled one).
pub const SYNC: &str = "appointment.sync";
/// The reminder the day before.
pub const REMIND: &str = "appointment.remind";

/// Where an appointment stands: the checkout kit's states, stored under their own names
/// (an appointment is never issued, so never `fulfilled`).
pub use payments::checkout::ReservationState as State;
use payments::{
    checkout::{move_reservation, record_made, ReservationEvent, ReservationTable},
    lifecycle::{Also, MovedBy},
};

/// The appointments as the checkout kit moves them.
pub const TABLE: ReservationTable = ReservationTable {
    kind: "appointments",
    table: "appointments",
    stored_as: &[],
    stamped: Some("updated_at"),
};

/// Does the hospital's slot still count as the resident's?
pub fn is_upcoming(state: State) -> bool {
    matches!(
        state,
        State::Requested | State::Held | State::Paid | State::Booked
    )
}

/// What an appointment shows of its doctor, as it was booked.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Labels {
    #[serde(deserialize_with = "name_or_text")]
    pub doctor: LocalizedName,
    pub title: LocalizedName,
    pub department: LocalizedName,
    #[serde(default, deserialize_with = "maybe_name_or_text")]
    pub place: Option<LocalizedName>,
}

/// A label as stored: names in both languages, or (stored before hospitals gave English
/// names) one text, which stands for both.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum StoredName {
    Both(LocalizedName),
    One(String),
}

impl From<StoredName> for LocalizedName {
    fn from(stored: StoredName) -> LocalizedName {
        match stored {
            StoredName::Both(name) => name,
            StoredName::One(text) => LocalizedName {
                zh: text.clone(),
                en: text,
            },
        }
    }
}

fn name_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<LocalizedName, D::Error> {
    <StoredName as serde::Deserialize>::deserialize(d).map(LocalizedName::from)
}

fn maybe_name_or_text<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<LocalizedName>, D::Error> {
    <Option<StoredName> as serde::Deserialize>::deserialize(d)
        .map(|name| name.map(LocalizedName::from))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appointment {
    /// Also the booking identifier the hospital holds.
    pub id: String,
    pub city_id: String,
    pub hospital_id: String,
    pub resident_id: Option<String>,
    pub person_id: String,
    pub patient_key: String,
    pub patient_name: String,
    pub slot_id: String,
    pub doctor_id: String,
    pub department_id: String,
    pub labels: Labels,
    pub starts_at: i64,
    pub ends_at: i64,
    pub local_day: String,
    pub fee: Money,
    pub locale: Locale,
    pub state: State,
    pub fhir_id: Option<String>,
    pub hold_expires_at: Option<i64>,
    pub cancelled_by: Option<String>,
    pub problem: Option<String>,
    pub created_at: i64,
    /// Its last change, or the last time it was sent to the hospital.
    pub updated_at: i64,
}

/// An appointment to commit before the hospital is asked.
#[derive(Clone, Debug)]
pub struct NewAppointment<'a> {
    pub city_id: &'a str,
    pub hospital_id: &'a str,
    pub resident_id: &'a str,
    pub person_id: &'a str,
    pub patient_key: &'a str,
    pub patient_name: &'a str,
    pub slot_id: &'a str,
    pub doctor_id: &'a str,
    pub department_id: &'a str,
    pub labels: &'a Labels,
    pub starts_at: i64,
    pub ends_at: i64,
    pub local_day: &'a str,
    pub fee: Money,
    pub locale: Locale,
}

/// Why an appointment could not be committed.
#[derive(Debug, thiserror::Error)]
pub enum Conflict {
    /// Another booking of ours holds the slot.
    #[error("the slot is held by another booking")]
    SlotHeld,
    /// The patient already has one with this doctor that day: its id.
    #[error("already booked with this doctor that day")]
    SameDoctorSameDay { existing: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for Conflict {
    fn from(error: sqlx::Error) -> Self {
        Conflict::Storage(error.into())
    }
}

const COLUMNS: &str = "id, city_id, hospital_id, resident_id, person_id, patient_key, patient_name, slot_id, \
    doctor_id, department_id, labels, starts_at, ends_at, local_day, fee_minor, currency, locale, state, \
    fhir_id, hold_expires_at, cancelled_by, problem, created_at, updated_at";

/// States in which a booking may hold its slot.
const HOLDING: &str = "('requested', 'held', 'paid', 'booked', 'releasing', 'cancelling')";
/// States in which it counts as the patient's appointment with the doctor that day.
const ACTIVE: &str = "('requested', 'held', 'paid', 'booked', 'cancelling')";

/// The patient's active appointment with the doctor that day, if any. A doctor's id is the
/// hospital's own (its PractitionerRole), so the hospital is part of who the doctor is.
fn same_day_query<'q>(
    new: &'q NewAppointment<'_>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM appointments WHERE patient_key = $1 AND hospital_id = $2 \
         AND doctor_id = $3 AND local_day = $4 AND state IN {ACTIVE}"
    )))
    .bind(new.patient_key)
    .bind(new.hospital_id)
    .bind(new.doctor_id)
    .bind(new.local_day)
}

fn appointment(row: &sqlx::any::AnyRow) -> Result<Appointment, sqlx::Error> {
    let state: String = row.try_get("state")?;
    let currency: String = row.try_get("currency")?;
    let labels: String = row.try_get("labels")?;
    let broken = |what: String| sqlx::Error::Decode(what.into());
    Ok(Appointment {
        id: row.try_get("id")?,
        city_id: row.try_get("city_id")?,
        hospital_id: row.try_get("hospital_id")?,
        resident_id: row.try_get("resident_id")?,
        person_id: row.try_get("person_id")?,
        patient_key: row.try_get("patient_key")?,
        patient_name: row.try_get("patient_name")?,
        slot_id: row.try_get("slot_id")?,
        doctor_id: row.try_get("doctor_id")?,
        department_id: row.try_get("department_id")?,
        labels: serde_json::from_str(&labels)
            .map_err(|e| broken(format!("an appointment's labels: {e}")))?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        local_day: row.try_get("local_day")?,
        fee: Money::new(
            row.try_get("fee_minor")?,
            Currency::from_code(&currency)
                .ok_or_else(|| broken(format!("unknown currency {currency}")))?,
        ),
        locale: Locale::from_tag(&row.try_get::<String, _>("locale")?).unwrap_or_default(),
        state: TABLE
            .read(&state)
            .ok_or_else(|| broken(format!("unknown appointment state {state}")))?,
        fhir_id: row.try_get("fhir_id")?,
        hold_expires_at: row.try_get("hold_expires_at")?,
        cancelled_by: row.try_get("cancelled_by")?,
        problem: row.try_get("problem")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A job about an appointment, committed with the change that needs it.
pub async fn enqueue(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    kind: &str,
    appointment: &Appointment,
    step: &str,
    due_at: i64,
) -> Result<(), StorageError> {
    jobs::enqueue(
        tx,
        &NewJob {
            kind,
            subject: &appointment.id,
            provider: &appointment.hospital_id,
            idempotency_key: &format!("{kind}:{}:{step}", appointment.id),
            due_at,
            recurring: false,
        },
    )
    .await?;
    Ok(())
}

#[derive(Clone)]
pub struct AppointmentStore {
    storage: Storage,
}

impl AppointmentStore {
    pub fn new(storage: Storage) -> AppointmentStore {
        AppointmentStore { storage }
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Commits a new appointment as `requested`, with the job that finds out what became of
    /// it should its answer be lost; refused when the slot or the patient's day with the
    /// doctor is taken here already.
    pub async fn request(
        &self,
        new: &NewAppointment<'_>,
        look_again_at: i64,
    ) -> Result<Appointment, Conflict> {
        let mut tx = self.storage.begin().await?;
        let same_day = same_day_query(new).fetch_optional(&mut *tx).await?;
        if let Some(row) = same_day {
            return Err(Conflict::SameDoctorSameDay {
                existing: row.try_get("id")?,
            });
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.storage.clock().seconds();
        let labels = serde_json::to_string(new.labels).unwrap_or_else(|_| "{}".into());
        let inserted = sqlx::query(
            "INSERT INTO appointments (id, city_id, hospital_id, resident_id, person_id, \
               patient_key, patient_name, slot_id, doctor_id, department_id, labels, starts_at, \
               ends_at, local_day, fee_minor, currency, locale, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
               'requested', $18, $18)",
        )
        .bind(&id)
        .bind(new.city_id)
        .bind(new.hospital_id)
        .bind(new.resident_id)
        .bind(new.person_id)
        .bind(new.patient_key)
        .bind(new.patient_name)
        .bind(new.slot_id)
        .bind(new.doctor_id)
        .bind(new.department_id)
        .bind(&labels)
        .bind(new.starts_at)
        .bind(new.ends_at)
        .bind(new.local_day)
        .bind(new.fee.minor)
        .bind(new.fee.currency.code())
        .bind(new.locale.tag())
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            // Either index: another booking took the slot or the day meanwhile.
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                drop(tx);
                return match self.same_day(new).await? {
                    Some(existing) => Err(Conflict::SameDoctorSameDay { existing }),
                    None => Err(Conflict::SlotHeld),
                };
            }
            Err(error) => return Err(error.into()),
        }
        let appointment = Self::get_in(&mut tx, &id)
            .await?
            .ok_or_else(|| StorageError::from(sqlx::Error::RowNotFound))?;
        record_made(
            &mut tx,
            &TABLE,
            &id,
            State::Requested,
            ReservationEvent::Requested,
            MovedBy::Resident,
            now,
        )
        .await?;
        enqueue(&mut tx, SYNC, &appointment, "requested", look_again_at).await?;
        tx.commit().await?;
        Ok(appointment)
    }

    async fn same_day(&self, new: &NewAppointment<'_>) -> Result<Option<String>, StorageError> {
        let row = same_day_query(new)
            .fetch_optional(self.storage.pool())
            .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    /// The booking of ours holding a slot, if one does.
    pub async fn holding_slot(
        &self,
        hospital_id: &str,
        slot_id: &str,
    ) -> Result<Option<Appointment>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM appointments WHERE hospital_id = $1 AND slot_id = $2 \
             AND state IN {HOLDING}"
        )))
        .bind(hospital_id)
        .bind(slot_id)
        .fetch_optional(self.storage.pool())
        .await?;
        Ok(row.as_ref().map(appointment).transpose()?)
    }

    pub async fn get(&self, id: &str) -> Result<Option<Appointment>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM appointments WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.storage.pool())
        .await?;
        Ok(row.as_ref().map(appointment).transpose()?)
    }

    pub async fn get_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
    ) -> Result<Option<Appointment>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM appointments WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(row.as_ref().map(appointment).transpose()?)
    }

    /// The resident's appointments and those of the patients they proved (`patient_keys`),
    /// whoever made them, the latest first.
    pub async fn of_resident(
        &self,
        resident_id: &str,
        patient_keys: &[String],
    ) -> Result<Vec<Appointment>, StorageError> {
        // A resident keeps at most `MAX_PEOPLE`: as many placeholders.
        let keys = &patient_keys[..patient_keys.len().min(portal_core::people::MAX_PEOPLE)];
        let placeholders: Vec<String> = (0..keys.len()).map(|n| format!("${}", n + 2)).collect();
        let of_patients = if keys.is_empty() {
            String::new()
        } else {
            format!(" OR patient_key IN ({})", placeholders.join(", "))
        };
        let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM appointments WHERE resident_id = $1{of_patients} \
             ORDER BY starts_at DESC, id LIMIT 200"
        )))
        .bind(resident_id);
        for key in keys {
            query = query.bind(key);
        }
        let rows = query.fetch_all(self.storage.pool()).await?;
        Ok(rows.iter().map(appointment).collect::<Result<_, _>>()?)
    }

    /// Every appointment (for the race's reckoning).
    pub async fn all(&self) -> Result<Vec<Appointment>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM appointments ORDER BY created_at, id"
        )))
        .fetch_all(self.storage.pool())
        .await?;
        Ok(rows.iter().map(appointment).collect::<Result<_, _>>()?)
    }

    /// Moves an appointment by `event` from whichever of `from` it is in, with what the move
    /// learnt, through the checkout kit's table (and into its history); `false` when it was
    /// in none of `from` (someone else moved it first).
    pub async fn advance_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
        from: &[State],
        event: ReservationEvent,
        by: MovedBy,
        change: &Change<'_>,
        now: i64,
    ) -> Result<bool, StorageError> {
        move_reservation(tx, &TABLE, id, from, event, by, &change.also(), now).await
    }

    /// As [`AppointmentStore::advance_in`], in a transaction of its own.
    pub async fn advance(
        &self,
        id: &str,
        from: &[State],
        event: ReservationEvent,
        by: MovedBy,
        change: &Change<'_>,
    ) -> Result<bool, StorageError> {
        let mut tx = self.storage.begin().await?;
        let moved = Self::advance_in(
            &mut tx,
            id,
            from,
            event,
            by,
            change,
            self.storage.clock().seconds(),
        )
        .await?;
        tx.commit().await?;
        Ok(moved)
    }

    /// Marks a booking as being sent to its hospital again now (its job waits for the answer
    /// before it looks).
    pub async fn sending(&self, id: &str) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE appointments SET updated_at = $1 WHERE id = $2 AND state = 'requested'",
        )
        .bind(self.storage.clock().seconds())
        .bind(id)
        .execute(self.storage.pool())
        .await?;
        Ok(())
    }
}

/// What a move of state records besides the state; `None` keeps what is there.
#[derive(Clone, Debug, Default)]
pub struct Change<'a> {
    pub fhir_id: Option<&'a str>,
    pub hold_expires_at: Option<i64>,
    pub cancelled_by: Option<&'a str>,
    pub problem: Option<&'a str>,
}

impl Change<'_> {
    fn also(&self) -> Vec<Also<'_>> {
        let texts = [
            ("fhir_id", self.fhir_id),
            ("cancelled_by", self.cancelled_by),
            ("problem", self.problem),
        ];
        let mut also: Vec<Also<'_>> = texts
            .into_iter()
            .filter_map(|(column, value)| value.map(|v| Also::Text(column, v)))
            .collect();
        if let Some(until) = self.hold_expires_at {
            also.push(Also::Number("hold_expires_at", until));
        }
        also
    }
}
