//! Bringing each appointment at its hospital to where ours stands, as jobs of the shared
//! queue per hospital: a booking whose answer was lost is looked up by its identifier; a
//! paid one is booked (a hold that ran out meanwhile has its fee refunded); one never paid,
//! or cancelled by the resident, is cancelled there (the fee refunded as the hospital's
//! rule says). Every change is read before it is written (`If-Match`), so a resend changes
//! nothing twice. A watch per hospital finds the appointments its staff cancelled, and a
//! reminder goes the evening before.

use std::{sync::Arc, time::Duration};

use payments::{
    checkout::ReservationEvent, lifecycle::MovedBy, refunds::WHOLE, store::PaymentState,
    store::PaymentStore,
};
use portal_core::{
    jobs::{
        worker::{work_round, Stopping, Workers},
        Attempt, Handoff, Job, LookUp, RetryPolicy, Settled,
    },
    providers::ProviderError,
    storage::StorageError,
};

use crate::{
    book::{booked_in, cancel_refund, hold_until, tell},
    port::{AppointmentStatus, HeldAppointment, HospitalError},
    store::{self, Appointment, AppointmentStore, Change, State},
    DoctorAppointments, HospitalEntry, PURPOSE,
};

/// How often each hospital is asked which of our appointments it cancelled.
pub const WATCH_EVERY: Duration = Duration::from_secs(60);
/// A booking sent this recently may still be answered: its job looks later. Longer than any
/// provider call may take (20 s at most).
const SEND_SETTLES_SECONDS: i64 = 30;
/// A hold found after a lost answer is kept for the resident only if this much of it is left.
const HOLD_WORTH_KEEPING_SECONDS: i64 = 180;

/// Starts, per hospital, the workers of its appointment jobs and its watch. They run until
/// `workers` is stopped.
pub fn spawn(
    appointments: &Arc<DoctorAppointments>,
    retry: RetryPolicy,
    idle: Duration,
    workers: &Workers,
) {
    let hospitals: Vec<String> = appointments
        .hospitals
        .all()
        .map(|h| h.provider_id.clone())
        .collect();
    for hospital in hospitals {
        let (home, stopping) = (Arc::clone(appointments), workers.stopping());
        let id = hospital.clone();
        workers.spawn(idle, move || {
            let (home, id, stopping) = (Arc::clone(&home), id.clone(), stopping.clone());
            async move { round(&home, &id, &retry, &stopping).await }
        });
        let home = Arc::clone(appointments);
        workers.spawn(WATCH_EVERY, move || {
            let (home, id) = (Arc::clone(&home), hospital.clone());
            async move {
                if let Err(error) = watch(&home, &id).await {
                    tracing::warn!(%error, hospital = %id, "cancellations not read");
                }
                false
            }
        });
    }
}

/// Works a batch of `hospital_id`'s appointment jobs; `true` when it did some.
pub async fn round(
    home: &DoctorAppointments,
    hospital_id: &str,
    retry: &RetryPolicy,
    stopping: &Stopping,
) -> bool {
    let Some(hospital) = home.hospitals.get(hospital_id) else {
        return false;
    };
    let syncing = &Syncing { home, hospital };
    let reminding = &Reminding { home, hospital };
    let jobs = &home.portal.jobs;
    work_round(stopping, "appointment", hospital_id, || async move {
        let synced = jobs.step(syncing, hospital_id, retry).await?;
        let reminded = jobs.step(reminding, hospital_id, retry).await?;
        Ok(synced.is_some() || reminded.is_some())
    })
    .await
}

/// What the hospital said of an appointment, for its job to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// Booked there (a lost answer found, a paid one booked).
    Booked(String),
    /// A lost request never made it: nothing there.
    NotMade,
    /// A lost request made a hold there: held here too, for the resident to pay.
    Held { fhir_id: String, until: i64 },
    /// A hold given back, that was `from` here when it was looked at.
    Released { from: State },
    /// A paid appointment the hospital no longer holds (the hold ran out first).
    Lost(String),
    /// Cancelled at the resident's request.
    Cancelled,
    /// The resident asked to cancel, but the hospital had cancelled it first (its words):
    /// the hospital's cancellation, refunded whole.
    CancelledByHospital(String),
    /// Nothing to do now (its payment is still under way).
    Waiting,
}

struct Syncing<'a> {
    home: &'a DoctorAppointments,
    hospital: &'a HospitalEntry,
}

fn attempt(error: HospitalError, sent_at: i64) -> Attempt<Found> {
    match error {
        HospitalError::Provider(ProviderError::CircuitOpen) => Attempt::NotSent,
        HospitalError::Provider(_) | HospitalError::VersionConflict => {
            Attempt::Unanswered { sent_at }
        }
        HospitalError::SlotTaken | HospitalError::NotFound | HospitalError::Refused(_) => {
            Attempt::Refused(error.to_string())
        }
    }
}

impl Syncing<'_> {
    /// Cancels an appointment there, if there is one; gone already counts. The hospital's
    /// words when it had cancelled it itself first.
    async fn cancel_there(
        &self,
        appointment: &Appointment,
    ) -> Result<Option<String>, HospitalError> {
        let fhir_id = match &appointment.fhir_id {
            Some(id) => id.clone(),
            None => match self.hospital.adapter.find(&appointment.id).await? {
                Some(found) => found.id,
                None => return Ok(None),
            },
        };
        match self
            .hospital
            .adapter
            .set_status(&fhir_id, AppointmentStatus::Cancelled)
            .await
        {
            Ok(now) if now.status.is_off() && !now.cancelled_by_patient => {
                Ok(Some(now.cancellation_reason.unwrap_or_default()))
            }
            Ok(_) | Err(HospitalError::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn look(&self, appointment: &Appointment) -> Result<Found, HospitalError> {
        let now = self.home.portal.clock().seconds();
        match appointment.state {
            // A resident's retry may be making it right now: looked at once its answer is in.
            State::Requested if now - appointment.updated_at < SEND_SETTLES_SECONDS => {
                Err(HospitalError::Provider(ProviderError::Unreachable(
                    "a send may be under way".into(),
                )))
            }
            State::Requested => match self.hospital.adapter.find(&appointment.id).await? {
                // Made for another time than ours: not ours to keep.
                Some(found)
                    if found
                        .slot_id
                        .as_ref()
                        .is_some_and(|s| *s != appointment.slot_id) =>
                {
                    self.hospital
                        .adapter
                        .set_status(&found.id, AppointmentStatus::Cancelled)
                        .await?;
                    Ok(Found::NotMade)
                }
                Some(found)
                    if found.status == AppointmentStatus::Booked && appointment.fee.minor == 0 =>
                {
                    Ok(Found::Booked(found.id))
                }
                // Held there (or booked there though a fee is due): held here, for the
                // resident to pay while it lasts.
                Some(found)
                    if matches!(
                        found.status,
                        AppointmentStatus::Pending | AppointmentStatus::Booked
                    ) =>
                {
                    let until = hold_until(
                        found.hold_expires_at,
                        self.hospital,
                        self.home.portal.clock().seconds(),
                    );
                    if until - HOLD_WORTH_KEEPING_SECONDS > now {
                        return Ok(Found::Held {
                            fhir_id: found.id,
                            until,
                        });
                    }
                    self.hospital
                        .adapter
                        .set_status(&found.id, AppointmentStatus::Cancelled)
                        .await?;
                    Ok(Found::Released {
                        from: State::Requested,
                    })
                }
                Some(_) | None => Ok(Found::NotMade),
            },
            // Nothing is given back while the hold lasts, however early its job is run.
            State::Held if appointment.hold_expires_at.is_some_and(|until| until > now) => Err(
                HospitalError::Provider(ProviderError::Unreachable("the hold lasts".into())),
            ),
            State::Held => {
                let payment = self
                    .home
                    .payments
                    .store
                    .of_purpose(PURPOSE, &appointment.id)
                    .await
                    .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
                match payment.map(|p| p.state) {
                    // Never started, or failed: nothing will pay for the hold.
                    None | Some(PaymentState::Failed) => {
                        self.cancel_there(appointment).await?;
                        Ok(Found::Released { from: State::Held })
                    }
                    // Payments settle it and tell us.
                    Some(_) => Ok(Found::Waiting),
                }
            }
            State::Paid => {
                let fhir_id = match &appointment.fhir_id {
                    Some(id) => id.clone(),
                    None => match self.hospital.adapter.find(&appointment.id).await? {
                        Some(found) => found.id,
                        None => return Ok(Found::Lost(String::new())),
                    },
                };
                let now = match self
                    .hospital
                    .adapter
                    .set_status(&fhir_id, AppointmentStatus::Booked)
                    .await
                {
                    Ok(now) => now,
                    Err(HospitalError::NotFound) => return Ok(Found::Lost(String::new())),
                    Err(error) => return Err(error),
                };
                Ok(outcome_of_paid(now))
            }
            State::Releasing => {
                self.cancel_there(appointment).await?;
                Ok(Found::Released {
                    from: State::Releasing,
                })
            }
            State::Cancelling => Ok(match self.cancel_there(appointment).await? {
                Some(reason) => Found::CancelledByHospital(reason),
                None => Found::Cancelled,
            }),
            // Given up here while a late answer made it there: given back there too.
            State::Released | State::Failed => {
                if let Some(found) = self.hospital.adapter.find(&appointment.id).await? {
                    if !found.status.is_off() {
                        self.hospital
                            .adapter
                            .set_status(&found.id, AppointmentStatus::Cancelled)
                            .await?;
                    }
                }
                Ok(Found::Waiting)
            }
            // (An appointment is never issued: `Fulfilled` is not among its states.)
            State::Booked | State::Fulfilled | State::Cancelled => Ok(Found::Waiting),
        }
    }
}

fn outcome_of_paid(now: HeldAppointment) -> Found {
    if now.status == AppointmentStatus::Booked {
        Found::Booked(now.id)
    } else {
        Found::Lost(now.cancellation_reason.unwrap_or_default())
    }
}

#[async_trait::async_trait]
impl Handoff for Syncing<'_> {
    type Receipt = Found;

    fn kind(&self) -> &'static str {
        store::SYNC
    }

    /// Every attempt reads the hospital's state before it changes anything: sending is its
    /// own look-up.
    async fn look_up(&self, _job: &Job) -> LookUp<Found> {
        LookUp::NotThere
    }

    async fn deliver(&self, job: &Job) -> Attempt<Found> {
        let appointment = match self.home.store.get(&job.subject).await {
            Ok(Some(appointment)) => appointment,
            Ok(None) => return Attempt::Gone,
            Err(_) => return Attempt::NotSent,
        };
        // When the request left, in the world's time: a later look-up asks the hospital
        // about what it received since then, by its clock.
        let sent_at = jiff::Timestamp::now().as_second();
        match self.look(&appointment).await {
            Ok(Found::Waiting) => Attempt::Gone,
            Ok(found) => Attempt::Accepted(found),
            Err(error) => attempt(error, sent_at),
        }
    }

    async fn settle(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        job: &Job,
        outcome: Settled<Found>,
    ) -> Result<(), StorageError> {
        let Some(appointment) = AppointmentStore::get_in(tx, &job.subject).await? else {
            return Ok(());
        };
        let zone = self.home.time_zone(&appointment.city_id);
        let name = self.hospital.name_in(appointment.locale).to_owned();
        let found = match outcome {
            Settled::Accepted(found) => found,
            Settled::Refused(words) => {
                tracing::warn!(appointment = %appointment.id, %words, "the hospital refused");
                match appointment.state {
                    // Not made, or no longer there: a paid one is refunded below.
                    State::Requested => Found::NotMade,
                    State::Paid => Found::Lost(words),
                    State::Held | State::Releasing => Found::Released {
                        from: appointment.state,
                    },
                    // It would not cancel (past its own cut-off): it stays booked.
                    State::Cancelling => {
                        let moved = AppointmentStore::advance_in(
                            tx,
                            &appointment.id,
                            &[State::Cancelling],
                            ReservationEvent::CancelRefused,
                            MovedBy::Job,
                            &Change {
                                problem: Some(&words),
                                ..Change::default()
                            },
                            self.home.portal.clock().seconds(),
                        )
                        .await?;
                        // The hospital's words stay in the log; the resident reads ours.
                        if moved {
                            tell(
                                tx,
                                &appointment,
                                "appointments-message-not-cancelled",
                                name,
                                &zone,
                                None,
                            )
                            .await?;
                        }
                        return Ok(());
                    }
                    _ => return Ok(()),
                }
            }
        };
        match found {
            Found::Booked(fhir_id) => {
                booked_in(
                    tx,
                    &appointment,
                    &fhir_id,
                    name,
                    &zone,
                    MovedBy::Job,
                    self.home.portal.clock().seconds(),
                )
                .await?;
            }
            Found::NotMade => {
                let moved = AppointmentStore::advance_in(
                    tx,
                    &appointment.id,
                    &[State::Requested],
                    ReservationEvent::Refused,
                    MovedBy::Job,
                    &Change {
                        problem: Some("the hospital did not make it"),
                        ..Change::default()
                    },
                    self.home.portal.clock().seconds(),
                )
                .await?;
                if moved {
                    tell(
                        tx,
                        &appointment,
                        "appointments-message-not-booked",
                        name,
                        &zone,
                        None,
                    )
                    .await?;
                }
            }
            Found::Held { fhir_id, until } => {
                let moved = AppointmentStore::advance_in(
                    tx,
                    &appointment.id,
                    &[State::Requested],
                    ReservationEvent::Held,
                    MovedBy::Job,
                    &Change {
                        fhir_id: Some(&fhir_id),
                        hold_expires_at: Some(until),
                        ..Change::default()
                    },
                    self.home.portal.clock().seconds(),
                )
                .await?;
                if moved {
                    store::enqueue(tx, store::SYNC, &appointment, "held", until + 60).await?;
                    let until = jiff::Timestamp::from_second(until)
                        .map(|at| crate::local_time(at, &zone))
                        .unwrap_or_default();
                    tell(
                        tx,
                        &appointment,
                        "appointments-message-held",
                        name,
                        &zone,
                        Some(&until),
                    )
                    .await?;
                }
            }
            Found::Released { from } => {
                // A hold looked at without a payment: one may have started since.
                if from == State::Held
                    && PaymentStore::of_purpose_in(tx, PURPOSE, &appointment.id)
                        .await?
                        .is_some_and(|p| p.state != PaymentState::Failed)
                {
                    return Ok(());
                }
                AppointmentStore::advance_in(
                    tx,
                    &appointment.id,
                    &[from],
                    ReservationEvent::Released,
                    MovedBy::Job,
                    &Change::default(),
                    self.home.portal.clock().seconds(),
                )
                .await?;
            }
            Found::Lost(words) => {
                let moved = AppointmentStore::advance_in(
                    tx,
                    &appointment.id,
                    &[State::Paid],
                    ReservationEvent::Refused,
                    MovedBy::Job,
                    &Change {
                        problem: Some(&words),
                        ..Change::default()
                    },
                    self.home.portal.clock().seconds(),
                )
                .await?;
                if moved {
                    let reason = model::i18n::t_args(
                        appointment.locale,
                        "appointments-refund-hold-expired",
                        &[],
                    );
                    self.refund(tx, &appointment, appointment.fee, &reason)
                        .await?;
                }
            }
            Found::Cancelled => {
                record_patient_cancellation(
                    self.home,
                    tx,
                    self.hospital,
                    &appointment,
                    State::Cancelling,
                    MovedBy::Job,
                )
                .await?;
            }
            Found::CancelledByHospital(reason) => {
                record_hospital_cancellation(
                    self.home,
                    tx,
                    self.hospital,
                    &appointment,
                    State::Cancelling,
                    &reason,
                    MovedBy::Job,
                )
                .await?;
            }
            Found::Waiting => {}
        }
        Ok(())
    }
}

impl Syncing<'_> {
    async fn refund(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        appointment: &Appointment,
        amount: model::Money,
        reason: &str,
    ) -> Result<(), StorageError> {
        refund_fee(self.home, tx, appointment, amount, reason).await
    }
}

/// Gives back `amount` of an appointment's paid fee, if a fee was paid.
async fn refund_fee(
    home: &DoctorAppointments,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    appointment: &Appointment,
    amount: model::Money,
    reason: &str,
) -> Result<(), StorageError> {
    home.payments
        .refund_reservation(
            tx,
            PURPOSE,
            &appointment.id,
            WHOLE,
            amount,
            reason,
            MovedBy::Job,
        )
        .await?;
    Ok(())
}

/// The reminder the evening before.
struct Reminding<'a> {
    home: &'a DoctorAppointments,
    hospital: &'a HospitalEntry,
}

#[async_trait::async_trait]
impl Handoff for Reminding<'_> {
    type Receipt = ();

    fn kind(&self) -> &'static str {
        store::REMIND
    }

    async fn look_up(&self, _job: &Job) -> LookUp<()> {
        LookUp::NotThere
    }

    async fn deliver(&self, job: &Job) -> Attempt<()> {
        match self.home.store.get(&job.subject).await {
            Ok(Some(a))
                if a.state == State::Booked && a.starts_at > self.home.portal.clock().seconds() =>
            {
                Attempt::Accepted(())
            }
            Ok(_) => Attempt::Gone,
            Err(_) => Attempt::NotSent,
        }
    }

    async fn settle(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        job: &Job,
        outcome: Settled<()>,
    ) -> Result<(), StorageError> {
        let Settled::Accepted(()) = outcome else {
            return Ok(());
        };
        let Some(appointment) = AppointmentStore::get_in(tx, &job.subject).await? else {
            return Ok(());
        };
        if appointment.state != State::Booked {
            return Ok(());
        }
        tell(
            tx,
            &appointment,
            "appointments-message-reminder",
            self.hospital.name_in(appointment.locale).to_owned(),
            &self.home.time_zone(&appointment.city_id),
            None,
        )
        .await
    }
}

/// Asks a hospital which of our appointments it cancelled (or marked entered in error) since
/// it was last asked, and records each: the resident told, a paid fee refunded whole, or as
/// the hospital's rule says when the patient cancelled there. The first time after a start
/// it looks back a week.
pub async fn watch(home: &DoctorAppointments, hospital_id: &str) -> Result<usize, HospitalError> {
    let Some(hospital) = home.hospitals.get(hospital_id) else {
        return Ok(0);
    };
    // The hospital filters by its own clock (`_lastUpdated`): the world's time, not the
    // portal's (which a test moves on).
    let started = jiff::Timestamp::now();
    let since = home.watched_since(hospital_id).unwrap_or_else(|| {
        started
            .checked_sub(jiff::SignedDuration::from_hours(7 * 24))
            .unwrap_or(started)
    });
    let cancelled = hospital.adapter.cancelled_since(since).await?;
    let mut recorded = 0;
    for found in cancelled {
        let Some(booking_id) = &found.booking_id else {
            continue;
        };
        match hospital_cancelled(home, hospital, booking_id, &found).await {
            Ok(true) => recorded += 1,
            Ok(false) => {}
            // Asked again next time: the marker stays where it was.
            Err(error) => {
                tracing::error!(%error, "a hospital's cancellation not recorded");
                return Ok(recorded);
            }
        }
    }
    // A little overlap: a change the hospital stamped just before this look is seen again,
    // and changes nothing twice.
    home.watched(
        hospital_id,
        started
            .checked_sub(jiff::SignedDuration::from_mins(5))
            .unwrap_or(started),
    );
    Ok(recorded)
}

async fn hospital_cancelled(
    home: &DoctorAppointments,
    hospital: &HospitalEntry,
    booking_id: &str,
    found: &HeldAppointment,
) -> Result<bool, StorageError> {
    // Most are ours already (given back, cancelled by the resident): read before writing.
    let Some(appointment) = home.store.get(booking_id).await? else {
        return Ok(false);
    };
    if appointment.hospital_id != hospital.provider_id || appointment.state != State::Booked {
        return Ok(false);
    }
    let mut tx = home.store.storage().begin().await?;
    let moved = if found.cancelled_by_patient {
        // The patient cancelled at the hospital (at its window, by phone): the patient's rule.
        record_patient_cancellation(
            home,
            &mut tx,
            hospital,
            &appointment,
            State::Booked,
            MovedBy::ProviderNotice,
        )
        .await?
    } else {
        let reason = found.cancellation_reason.clone().unwrap_or_default();
        record_hospital_cancellation(
            home,
            &mut tx,
            hospital,
            &appointment,
            State::Booked,
            &reason,
            MovedBy::ProviderNotice,
        )
        .await?
    };
    tx.commit().await?;
    Ok(moved)
}

/// Records, in the caller's transaction, that the patient's side cancelled an appointment
/// that was `from` here: the fee given back as the hospital's rule says and the resident
/// told, once. `true` when this call recorded it.
async fn record_patient_cancellation(
    home: &DoctorAppointments,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    hospital: &HospitalEntry,
    appointment: &Appointment,
    from: State,
    by: MovedBy,
) -> Result<bool, StorageError> {
    let moved = AppointmentStore::advance_in(
        tx,
        &appointment.id,
        &[from],
        ReservationEvent::Cancelled,
        by,
        &Change::default(),
        home.portal.clock().seconds(),
    )
    .await?;
    if moved {
        let refund = cancel_refund(appointment.fee, hospital.options.cancel_refund_percent);
        let reason = model::i18n::t_args(appointment.locale, "appointments-refund-cancelled", &[]);
        refund_fee(home, tx, appointment, refund, &reason).await?;
        tell(
            tx,
            appointment,
            "appointments-message-cancelled",
            hospital.name_in(appointment.locale).to_owned(),
            &home.time_zone(&appointment.city_id),
            None,
        )
        .await?;
    }
    Ok(moved)
}

/// Records, in the caller's transaction, that the hospital cancelled an appointment that was
/// `from` here: the whole fee given back and the resident told, once. `true` when this call
/// recorded it.
async fn record_hospital_cancellation(
    home: &DoctorAppointments,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    hospital: &HospitalEntry,
    appointment: &Appointment,
    from: State,
    reason: &str,
    by: MovedBy,
) -> Result<bool, StorageError> {
    let moved = AppointmentStore::advance_in(
        tx,
        &appointment.id,
        &[from],
        ReservationEvent::Cancelled,
        by,
        &Change {
            cancelled_by: Some("hospital"),
            problem: Some(reason),
            ..Change::default()
        },
        home.portal.clock().seconds(),
    )
    .await?;
    if moved {
        let refund_reason = model::i18n::t_args(
            appointment.locale,
            "appointments-refund-hospital-cancelled",
            &[],
        );
        refund_fee(home, tx, appointment, appointment.fee, &refund_reason).await?;
        tell(
            tx,
            appointment,
            "appointments-message-hospital-cancelled",
            hospital.name_in(appointment.locale).to_owned(),
            &home.time_zone(&appointment.city_id),
            Some(reason),
        )
        .await?;
    }
    Ok(moved)
}

/// Why a resident's cancellation was refused.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("no such appointment of the resident's")]
    NotFound,
    #[error("past the hospital's cut-off")]
    TooLate,
    #[error("not booked")]
    NotBooked,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for CancelError {
    fn from(error: sqlx::Error) -> Self {
        CancelError::Storage(error.into())
    }
}

impl DoctorAppointments {
    /// The resident cancels a booked appointment before the hospital's cut-off; the hospital
    /// is told by its job, and the fee refunded as its rule says.
    pub async fn cancel(&self, resident_id: &str, appointment_id: &str) -> Result<(), CancelError> {
        let appointment = self
            .store
            .get(appointment_id)
            .await?
            .ok_or(CancelError::NotFound)?;
        // The resident who made it, or one who proved its patient.
        if !self.may_see(resident_id, &appointment).await? {
            return Err(CancelError::NotFound);
        }
        let hospital = self
            .hospitals
            .get(&appointment.hospital_id)
            .ok_or(CancelError::NotFound)?;
        if appointment.state == State::Cancelling || appointment.state == State::Cancelled {
            return Ok(());
        }
        if appointment.state != State::Booked {
            return Err(CancelError::NotBooked);
        }
        let cut_off =
            appointment.starts_at - i64::from(hospital.options.cancel_before_hours) * 3600;
        if self.portal.clock().seconds() >= cut_off {
            return Err(CancelError::TooLate);
        }
        let mut tx = self.store.storage().begin().await?;
        let moved = AppointmentStore::advance_in(
            &mut tx,
            &appointment.id,
            &[State::Booked],
            ReservationEvent::CancelAsked,
            MovedBy::Resident,
            &Change {
                cancelled_by: Some("resident"),
                ..Change::default()
            },
            self.portal.clock().seconds(),
        )
        .await?;
        if moved {
            // A key per cancellation: one the hospital refused may be asked again later.
            store::enqueue(
                &mut tx,
                store::SYNC,
                &appointment,
                &format!("cancelling-{}", uuid::Uuid::new_v4()),
                self.portal.clock().seconds(),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
