//! Booking a doctor's time: the slot is checked free at the hospital, the appointment is
//! committed here (one booking of ours per slot, one per patient with a doctor a day), then
//! made at the hospital with our booking identifier (`If-None-Exist`), `pending` while a fee
//! is due. The fee is paid through payments, and the appointment is booked once the payment
//! is confirmed ([`crate::sync`]). A second tap, a reload or a retry after a lost answer finds
//! the same booking and the same appointment at the hospital.

use std::net::IpAddr;

use model::{i18n::t_args, CityId, Locale, Money, ResidentId};
use payments::{
    checkout::{CancelRefund, HoldPayment, HoldTerms, ReservationEvent},
    lifecycle::MovedBy,
    StartError, Started,
};
use portal_core::{
    inbox::Inbox,
    people::ProvenPerson,
    privacy::{PersonalField, PrivacyError},
    providers::ProviderError,
    storage::StorageError,
};

use crate::{
    local_time,
    port::{AppointmentStatus, HospitalError, NewAppointment, PatientDetails},
    store::{self, Appointment, AppointmentStore, Change, Conflict, Labels, State},
    DoctorAppointments, HospitalEntry, PATIENT_FIELDS, PURPOSE,
};

/// A slot must start at least this long from now to be booked here.
pub const LEAD_SECONDS: i64 = 15 * 60;
/// A hospital's hold is paid for by a minute before it runs out.
const HOLD_TERMS: HoldTerms = HoldTerms::as_the_provider_says();
/// A booking whose answer was lost is looked up at the hospital after this long.
const LOOK_AGAIN_SECONDS: i64 = 60;

/// What the resident asked for.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    pub resident_id: &'a str,
    pub city_id: &'a str,
    pub hospital_id: &'a str,
    pub slot_id: &'a str,
    pub person_id: &'a str,
    /// The resident ticked "the hospital may be told these details of the patient".
    pub consent: bool,
    pub locale: Locale,
    pub payer_ip: IpAddr,
}

/// Where a booking stands once asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Booked {
    /// Booked (no fee): the appointment's id.
    Confirmed { appointment_id: String },
    /// Held at the hospital: pay the fee there.
    Pay {
        appointment_id: String,
        started: Started,
    },
}

/// Why a booking could not be made. Nothing was charged in any of these.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error("no such hospital in this city")]
    UnknownHospital,
    #[error("no such time at this hospital")]
    UnknownSlot,
    #[error("the time has passed or is too close")]
    TooLate,
    #[error("the time was just taken")]
    JustTaken,
    #[error("the patient already has an appointment with this doctor that day")]
    SameDoctorSameDay { existing: String },
    #[error("not one of the resident's people")]
    UnknownPerson,
    /// The person is not proven yet: nothing is booked in their name until they are.
    #[error("the person is not proven")]
    NotProven,
    #[error("the resident has not agreed to share the patient's details")]
    NoConsent,
    #[error("the hospital is not answering: {0}")]
    HospitalDown(String),
    /// The hospital's answer was lost: it is being looked up.
    #[error("the hospital's answer was lost")]
    Unsure { appointment_id: String },
    #[error("the hospital refused: {0}")]
    Refused(String),
    /// The hold ran out, or was given back, before the fee could be paid.
    #[error("the hold ended")]
    Expired,
    #[error(transparent)]
    Payment(#[from] StartError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for BookError {
    fn from(error: sqlx::Error) -> Self {
        BookError::Storage(error.into())
    }
}

impl From<PrivacyError> for BookError {
    fn from(error: PrivacyError) -> Self {
        match error {
            PrivacyError::ConsentNeeded { .. } => BookError::NoConsent,
            PrivacyError::UnknownResident => BookError::UnknownPerson,
            PrivacyError::Storage(error) => BookError::Storage(error),
        }
    }
}

impl From<HospitalError> for BookError {
    fn from(error: HospitalError) -> Self {
        match error {
            HospitalError::SlotTaken => BookError::JustTaken,
            HospitalError::NotFound => BookError::UnknownSlot,
            HospitalError::VersionConflict => BookError::HospitalDown("changed meanwhile".into()),
            HospitalError::Refused(words) => BookError::Refused(words),
            HospitalError::Provider(error) => BookError::HospitalDown(error.summary()),
        }
    }
}

impl DoctorAppointments {
    /// Books the slot for one of the resident's people, or finds the booking a first tap made.
    pub async fn book(&self, request: &Request<'_>) -> Result<Booked, BookError> {
        let hospital = self
            .hospitals
            .get(request.hospital_id)
            .filter(|h| h.city_id == request.city_id)
            .ok_or(BookError::UnknownHospital)?;
        let person = self
            .portal
            .people
            .get(request.resident_id, request.person_id)
            .await?
            .ok_or(BookError::UnknownPerson)?
            .proven(self.portal.clock().seconds())
            .ok_or(BookError::NotProven)?;
        let service = crate::SERVICE.kind.id();
        if request.consent {
            self.portal
                .privacy
                .grant(
                    request.resident_id,
                    &hospital.provider_id,
                    service,
                    PATIENT_FIELDS,
                )
                .await?;
        }
        let missing = self
            .portal
            .privacy
            .missing_consent(
                request.resident_id,
                &hospital.provider_id,
                service,
                PATIENT_FIELDS,
            )
            .await?;
        if !missing.is_empty() {
            return Err(BookError::NoConsent);
        }
        // A second tap, a reload, a retry after a lost answer: the same booking.
        if let Some(carried) = self.ours_already(hospital, &person, request).await? {
            return carried;
        }
        let directory = hospital.directory.get().await?;
        let slot = hospital.adapter.slot(request.slot_id).await?;
        if !slot.free {
            return Err(BookError::JustTaken);
        }
        if slot.start.as_second() < self.portal.clock().seconds() + LEAD_SECONDS {
            return Err(BookError::TooLate);
        }
        let doctor = directory
            .doctor_of_schedule(&slot.schedule_id)
            .ok_or(BookError::UnknownSlot)?;
        let department = directory
            .department(&doctor.department_id)
            .ok_or(BookError::UnknownSlot)?;
        // A fee is a payment: no time is held for a resident with too many open already.
        if doctor.fee.minor > 0 {
            self.payments.may_open(request.resident_id).await?;
        }
        let time_zone = self.time_zone(request.city_id);
        let local_day = slot
            .start
            .to_zoned_datetime(time_zone.clone())
            .date()
            .to_string();
        let labels = Labels {
            doctor: doctor.name.clone(),
            title: doctor.title.clone(),
            department: department.name.clone(),
            place: doctor.place.clone(),
        };
        let appointment = self
            .store
            .request(
                &store::NewAppointment {
                    city_id: request.city_id,
                    hospital_id: &hospital.provider_id,
                    resident_id: request.resident_id,
                    person_id: &person.id,
                    patient_key: &self.portal.privacy.person_key(&person),
                    patient_name: &person.name,
                    slot_id: &slot.id,
                    doctor_id: &doctor.id,
                    department_id: &department.id,
                    labels: &labels,
                    starts_at: slot.start.as_second(),
                    ends_at: slot.end.as_second(),
                    local_day: &local_day,
                    fee: doctor.fee,
                    locale: request.locale,
                },
                self.portal.clock().seconds() + LOOK_AGAIN_SECONDS,
            )
            .await;
        let appointment = match appointment {
            Ok(appointment) => appointment,
            Err(Conflict::Storage(error)) => return Err(error.into()),
            // Raced by a second tap of the same resident (its booking holds the slot, and the
            // patient's day with the doctor): that booking, where it stands.
            Err(conflict) => {
                return match self.ours_already(hospital, &person, request).await? {
                    Some(carried) => carried,
                    None => Err(match conflict {
                        Conflict::SameDoctorSameDay { existing } => {
                            self.same_day_refusal(existing, request.resident_id).await?
                        }
                        _ => BookError::JustTaken,
                    }),
                };
            }
        };
        self.send(
            hospital,
            &appointment,
            &person,
            &slot,
            request,
            Attempt::First,
        )
        .await
    }

    /// The patient's other appointment with the doctor that day is named only to the
    /// resident who made it: to anyone else (another resident who keeps the same person) the
    /// time is simply no longer available, so no one learns another's bookings.
    async fn same_day_refusal(
        &self,
        existing: String,
        resident_id: &str,
    ) -> Result<BookError, BookError> {
        let theirs = self
            .store
            .get(&existing)
            .await?
            .is_some_and(|a| a.resident_id.as_deref() == Some(resident_id));
        Ok(if theirs {
            BookError::SameDoctorSameDay { existing }
        } else {
            BookError::JustTaken
        })
    }

    /// The booking of ours holding the slot, taken up where it stands when it is this
    /// resident's for this person; `JustTaken` when it is someone else's; `None` when there
    /// is none.
    async fn ours_already(
        &self,
        hospital: &HospitalEntry,
        person: &ProvenPerson,
        request: &Request<'_>,
    ) -> Result<Option<Result<Booked, BookError>>, BookError> {
        let Some(existing) = self
            .store
            .holding_slot(&hospital.provider_id, request.slot_id)
            .await?
        else {
            return Ok(None);
        };
        let ours = existing.resident_id.as_deref() == Some(request.resident_id)
            && existing.person_id == person.id;
        if !ours {
            return Err(BookError::JustTaken);
        }
        Ok(Some(
            self.carry_on(hospital, existing, person, request).await,
        ))
    }

    /// Takes up a booking of the resident's own where it stands.
    async fn carry_on(
        &self,
        hospital: &HospitalEntry,
        appointment: Appointment,
        person: &ProvenPerson,
        request: &Request<'_>,
    ) -> Result<Booked, BookError> {
        match appointment.state {
            State::Requested => {
                let slot = hospital.adapter.slot(&appointment.slot_id).await?;
                // Its job waits until this answer is in before it looks.
                self.store.sending(&appointment.id).await?;
                self.send(
                    hospital,
                    &appointment,
                    person,
                    &slot,
                    request,
                    Attempt::Again,
                )
                .await
            }
            State::Held => self.pay(&appointment, request).await,
            State::Paid | State::Booked => Ok(Booked::Confirmed {
                appointment_id: appointment.id,
            }),
            _ => Err(BookError::JustTaken),
        }
    }

    /// Makes the appointment at the hospital (or finds the one a lost answer made), then
    /// records what it became.
    async fn send(
        &self,
        hospital: &HospitalEntry,
        appointment: &Appointment,
        person: &ProvenPerson,
        slot: &crate::port::Slot,
        request: &Request<'_>,
        attempt: Attempt,
    ) -> Result<Booked, BookError> {
        let release = self
            .portal
            .privacy
            .release_person(
                person,
                &hospital.provider_id,
                crate::SERVICE.kind.id(),
                PATIENT_FIELDS,
                "appointment",
            )
            .await?;
        let field = |f| release.field(f).map(str::to_owned);
        let details = PatientDetails {
            identifier: release.pseudonym().to_owned(),
            name: field(PersonalField::DisplayName),
            sex: field(PersonalField::Sex),
            birth_date: field(PersonalField::BirthDate),
            phone: field(PersonalField::Phone),
            id_number: field(PersonalField::IdNumber).map(|number| (person.id_type, number)),
        };
        let patient = match hospital.adapter.patient(&details).await {
            Ok(patient) => patient,
            Err(error) => {
                // A first attempt asked nothing of the hospital yet: nothing is left behind.
                // After an earlier one, the appointment may be there: its job looks.
                if attempt == Attempt::First {
                    self.give_up(appointment, &error.to_string()).await?;
                }
                return Err(error.into());
            }
        };
        let status = if appointment.fee.minor > 0 {
            AppointmentStatus::Pending
        } else {
            AppointmentStatus::Booked
        };
        let made = hospital
            .adapter
            .book(&NewAppointment {
                booking_id: &appointment.id,
                slot,
                doctor_id: &appointment.doctor_id,
                patient_id: &patient,
                status,
            })
            .await;
        let held = match made {
            Ok(held) => held,
            // Certainly never sent, this time nor before: the slot and the day are free again
            // at once.
            Err(HospitalError::Provider(ProviderError::CircuitOpen))
                if attempt == Attempt::First =>
            {
                self.give_up(appointment, "the hospital was not called")
                    .await?;
                return Err(BookError::HospitalDown("circuit open".into()));
            }
            Err(HospitalError::Provider(ProviderError::CircuitOpen)) => {
                return Err(BookError::HospitalDown("circuit open".into()));
            }
            // It may have been made: the booking stays, its job looks it up, and a retry of
            // the same form resends it with the same identifier.
            Err(HospitalError::Provider(error)) => {
                tracing::warn!(%error, appointment = %appointment.id, "a booking's answer was lost");
                return Err(BookError::Unsure {
                    appointment_id: appointment.id.clone(),
                });
            }
            Err(error) => {
                self.give_up(appointment, &error.to_string()).await?;
                return Err(error.into());
            }
        };
        match held.status {
            AppointmentStatus::Booked if appointment.fee.minor == 0 => {
                if self.booked(appointment, &held.id).await? {
                    return Ok(Booked::Confirmed {
                        appointment_id: appointment.id.clone(),
                    });
                }
                self.moved_meanwhile(appointment, request).await
            }
            // Booked there though a hold was asked for: still held here until the fee is
            // paid, and given back like any hold if it is not.
            AppointmentStatus::Pending | AppointmentStatus::Booked => {
                let hold_expires_at = hold_until(
                    held.hold_expires_at,
                    hospital,
                    self.portal.clock().seconds(),
                );
                let mut tx = self.store.storage().begin().await?;
                let moved = AppointmentStore::advance_in(
                    &mut tx,
                    &appointment.id,
                    &[State::Requested],
                    ReservationEvent::Held,
                    MovedBy::Resident,
                    &Change {
                        fhir_id: Some(&held.id),
                        hold_expires_at: Some(hold_expires_at),
                        ..Change::default()
                    },
                    self.portal.clock().seconds(),
                )
                .await?;
                if moved {
                    // Should its payment never start, the hold is given back after it ends.
                    store::enqueue(
                        &mut tx,
                        store::SYNC,
                        appointment,
                        "held",
                        hold_expires_at + HOLD_TERMS.margin_seconds,
                    )
                    .await?;
                }
                tx.commit().await?;
                let appointment = self
                    .store
                    .get(&appointment.id)
                    .await?
                    .ok_or(BookError::UnknownSlot)?;
                if appointment.state == State::Held {
                    return self.pay(&appointment, request).await;
                }
                self.moved_meanwhile(&appointment, request).await
            }
            // Anything else (cancelled at once, a status we never asked for): not booked.
            other => {
                self.give_up(appointment, other.code()).await?;
                Err(BookError::Refused(other.code().to_owned()))
            }
        }
    }

    /// The booking ends unmade: nothing was charged, the slot and the day are free.
    async fn give_up(&self, appointment: &Appointment, why: &str) -> Result<(), StorageError> {
        self.store
            .advance(
                &appointment.id,
                &[State::Requested],
                ReservationEvent::Refused,
                MovedBy::Resident,
                &Change {
                    problem: Some(why),
                    ..Change::default()
                },
            )
            .await?;
        Ok(())
    }

    /// Records a booked appointment, tells the resident and sets the reminder.
    pub(crate) async fn booked(
        &self,
        appointment: &Appointment,
        fhir_id: &str,
    ) -> Result<bool, StorageError> {
        let mut tx = self.store.storage().begin().await?;
        let moved = booked_in(
            &mut tx,
            appointment,
            fhir_id,
            self.hospitals
                .get(&appointment.hospital_id)
                .map(|h| h.name_in(appointment.locale).to_owned())
                .unwrap_or_default(),
            &self.time_zone(&appointment.city_id),
            MovedBy::Resident,
            self.portal.clock().seconds(),
        )
        .await?;
        tx.commit().await?;
        Ok(moved)
    }

    /// The hospital holds the appointment, but the booking here moved on while it was being
    /// made (a second tap took it further; its job gave it up after a lost answer).
    async fn moved_meanwhile(
        &self,
        appointment: &Appointment,
        request: &Request<'_>,
    ) -> Result<Booked, BookError> {
        let now = self
            .store
            .get(&appointment.id)
            .await?
            .ok_or(BookError::UnknownSlot)?;
        match now.state {
            State::Held => self.pay(&now, request).await,
            State::Paid | State::Booked => Ok(Booked::Confirmed {
                appointment_id: now.id,
            }),
            State::Requested => Err(BookError::Unsure {
                appointment_id: now.id,
            }),
            // Given up here: what the hospital made is given back by a job.
            _ => {
                let mut tx = self.store.storage().begin().await?;
                store::enqueue(
                    &mut tx,
                    store::SYNC,
                    &now,
                    &format!("orphan-{}", uuid::Uuid::new_v4()),
                    self.portal.clock().seconds(),
                )
                .await?;
                tx.commit().await?;
                Err(BookError::Expired)
            }
        }
    }

    /// Starts (or takes up) the payment of a held appointment's fee.
    async fn pay(
        &self,
        appointment: &Appointment,
        request: &Request<'_>,
    ) -> Result<Booked, BookError> {
        let Some(hold_ends) = appointment.hold_expires_at else {
            return Err(BookError::Expired);
        };
        let hospital_name = self
            .hospitals
            .get(&appointment.hospital_id)
            .map(|h| h.name_in(request.locale).to_owned())
            .unwrap_or_default();
        let time_zone = self.time_zone(&appointment.city_id);
        let description = t_args(
            request.locale,
            "appointments-payment-description",
            &[
                ("hospital", hospital_name.into()),
                (
                    "department",
                    appointment
                        .labels
                        .department
                        .get(request.locale)
                        .to_owned()
                        .into(),
                ),
                (
                    "doctor",
                    appointment
                        .labels
                        .doctor
                        .get(request.locale)
                        .to_owned()
                        .into(),
                ),
                ("time", starts(appointment, &time_zone).into()),
            ],
        );
        let started = self
            .payments
            .pay_for_hold(&HoldPayment {
                kind: PURPOSE,
                reference: &appointment.id,
                city: &CityId::new(appointment.city_id.as_str()),
                resident: &ResidentId::new(request.resident_id),
                amount: appointment.fee,
                description: &description,
                locale: request.locale,
                payer_ip: request.payer_ip,
                hold_ends,
                terms: &HOLD_TERMS,
            })
            .await;
        match started {
            Err(StartError::HoldEnded) => Err(BookError::Expired),
            Ok(started) => Ok(Booked::Pay {
                appointment_id: appointment.id.clone(),
                started,
            }),
            Err(StartError::AlreadyPaid { .. }) => Ok(Booked::Confirmed {
                appointment_id: appointment.id.clone(),
            }),
            Err(error) => Err(error.into()),
        }
    }

    /// A held appointment's payment again (its page lasts only minutes), from "My
    /// appointments".
    pub async fn resume_payment(
        &self,
        resident_id: &str,
        appointment_id: &str,
        locale: Locale,
        payer_ip: IpAddr,
    ) -> Result<Booked, BookError> {
        let appointment = self
            .store
            .get(appointment_id)
            .await?
            .filter(|a| a.resident_id.as_deref() == Some(resident_id))
            .ok_or(BookError::UnknownSlot)?;
        if appointment.state != State::Held {
            return Err(BookError::JustTaken);
        }
        self.pay(
            &appointment,
            &Request {
                resident_id,
                city_id: &appointment.city_id,
                hospital_id: &appointment.hospital_id,
                slot_id: &appointment.slot_id,
                person_id: &appointment.person_id,
                consent: false,
                locale,
                payer_ip,
            },
        )
        .await
    }
}

/// Whether a booking may have reached its hospital before this attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attempt {
    First,
    Again,
}

/// Until when a pending appointment holds its slot: as the hospital says, but at most an
/// hour from now (a payment is not left open for a day on its word); the hospital's usual
/// hold when it does not say. A hold too short to pay in is refused when the fee is asked.
pub fn hold_until(stated: Option<jiff::Timestamp>, hospital: &HospitalEntry, now: i64) -> i64 {
    stated.map_or(
        now + i64::from(hospital.options.hold_minutes) * 60,
        |until| until.as_second().min(now + 3600),
    )
}

/// Moves an appointment to booked (a free one asked for, or a paid one), tells the
/// resident, and sets the reminder for the day before; nothing when someone else moved it
/// first.
pub(crate) async fn booked_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    appointment: &Appointment,
    fhir_id: &str,
    hospital_name: String,
    time_zone: &jiff::tz::TimeZone,
    by: MovedBy,
    now: i64,
) -> Result<bool, StorageError> {
    let moved = AppointmentStore::advance_in(
        tx,
        &appointment.id,
        &[State::Requested, State::Paid],
        ReservationEvent::Booked,
        by,
        &Change {
            fhir_id: Some(fhir_id),
            ..Change::default()
        },
        now,
    )
    .await?;
    if !moved {
        return Ok(false);
    }
    tell(
        tx,
        appointment,
        "appointments-message-booked",
        hospital_name,
        time_zone,
        None,
    )
    .await?;
    if let Some(at) = reminder_at(appointment.starts_at, time_zone, now) {
        store::enqueue(tx, store::REMIND, appointment, "remind", at).await?;
    }
    Ok(true)
}

/// The reminder goes at 18:00 the day before, unless that is within the hour (a booking
/// made the evening before already told the resident).
pub fn reminder_at(starts_at: i64, time_zone: &jiff::tz::TimeZone, now: i64) -> Option<i64> {
    let start = jiff::Timestamp::from_second(starts_at).ok()?;
    let day_before = start
        .to_zoned_datetime(time_zone.clone())
        .date()
        .checked_sub(jiff::Span::new().days(1))
        .ok()?;
    let at = day_before
        .at(18, 0, 0, 0)
        .to_zoned_datetime(time_zone.clone())
        .ok()?
        .timestamp()
        .as_second();
    (at > now + 3600).then_some(at)
}

/// When an appointment starts, in its city's time.
pub fn starts(appointment: &Appointment, time_zone: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_second(appointment.starts_at)
        .map(|at| local_time(at, time_zone))
        .unwrap_or_default()
}

/// An inbox message about an appointment: `{key}-title` and `{key}-body`.
pub(crate) async fn tell(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    appointment: &Appointment,
    key: &str,
    hospital_name: String,
    time_zone: &jiff::tz::TimeZone,
    reason: Option<&str>,
) -> Result<(), StorageError> {
    let Some(resident) = &appointment.resident_id else {
        return Ok(());
    };
    let locale = appointment.locale;
    let args = [
        ("hospital", hospital_name.into()),
        (
            "department",
            appointment.labels.department.get(locale).to_owned().into(),
        ),
        (
            "doctor",
            appointment.labels.doctor.get(locale).to_owned().into(),
        ),
        ("time", starts(appointment, time_zone).into()),
        ("patient", appointment.patient_name.clone().into()),
        (
            "place",
            appointment
                .labels
                .place
                .as_ref()
                .map(|place| place.get(locale).to_owned())
                .unwrap_or_default()
                .into(),
        ),
        ("reason", reason.unwrap_or_default().to_owned().into()),
    ];
    Inbox::deliver_in(
        tx,
        resident,
        Some(&appointment.hospital_id),
        Some(&appointment.city_id),
        &t_args(locale, &format!("{key}-title"), &args),
        &t_args(locale, &format!("{key}-body"), &args),
    )
    .await?;
    Ok(())
}

/// The part of a fee refunded when the resident cancels in time, by the hospital's rule.
pub fn cancel_refund(fee: Money, percent: u8) -> Money {
    CancelRefund::Percent(percent)
        .amount(fee, None)
        .unwrap_or(Money::new(0, fee.currency))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reminder_is_the_evening_before_in_the_city_zone() {
        let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
        let start = jiff::Timestamp::now()
            .to_zoned_datetime(shanghai.clone())
            .date()
            .checked_add(jiff::Span::new().days(3))
            .expect("date")
            .at(8, 0, 0, 0)
            .to_zoned_datetime(shanghai.clone())
            .expect("zoned")
            .timestamp();
        let now = jiff::Timestamp::now().as_second();
        let at = reminder_at(start.as_second(), &shanghai, now).expect("a reminder");
        let at = jiff::Timestamp::from_second(at)
            .expect("time")
            .to_zoned_datetime(shanghai);
        assert_eq!((at.hour(), at.minute()), (18, 0));
        assert_eq!(start.as_second() - at.timestamp().as_second(), 14 * 3600);
        // An appointment in an hour gets none.
        assert_eq!(reminder_at(now + 3600, &jiff::tz::TimeZone::UTC, now), None);
    }

    #[test]
    fn refunds_follow_the_hospital_rule_in_whole_fen() {
        assert_eq!(cancel_refund(Money::cny(5000), 100), Money::cny(5000));
        assert_eq!(cancel_refund(Money::cny(1505), 50), Money::cny(752));
        assert_eq!(cancel_refund(Money::cny(5000), 0), Money::cny(0));
    }
}
