//! What appointments tell payments: a fee confirmed while its appointment is held moves it to
//! paid, with the job that books it at the hospital; a fee for a hold given back meanwhile is
//! refunded; a payment that never happened gives the hold back.

use std::{collections::HashMap, sync::Arc};

use model::{i18n::t_args, Locale};
use payments::{
    checkout::ReservationEvent, lifecycle::MovedBy, store::PaymentRecord, PaymentPurpose, Usable,
};
use portal_core::storage::StorageError;

use crate::{
    book::starts,
    store::{self, AppointmentStore, Change, State},
    Hospitals, PURPOSE,
};

pub struct FeePurpose {
    store: AppointmentStore,
    hospitals: Arc<Hospitals>,
    /// Each city's time zone, by city id.
    time_zones: HashMap<String, jiff::tz::TimeZone>,
}

impl FeePurpose {
    pub fn new(
        store: AppointmentStore,
        hospitals: Arc<Hospitals>,
        time_zones: HashMap<String, jiff::tz::TimeZone>,
    ) -> FeePurpose {
        FeePurpose {
            store,
            hospitals,
            time_zones,
        }
    }
}

#[async_trait::async_trait]
impl PaymentPurpose for FeePurpose {
    fn kind(&self) -> &'static str {
        PURPOSE
    }

    async fn paid(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
    ) -> Result<Usable, StorageError> {
        let Some(appointment) = AppointmentStore::get_in(tx, &payment.purpose.reference).await?
        else {
            return Ok(Usable::No {
                reason: t_args(payment.locale, "appointments-refund-hold-expired", &[]),
            });
        };
        let moved = AppointmentStore::advance_in(
            tx,
            &appointment.id,
            &[State::Held],
            ReservationEvent::Paid,
            MovedBy::Payment,
            &Change::default(),
            self.store.storage().clock().seconds(),
        )
        .await?;
        if !moved {
            // The hold was given back first (it ran out, the payment came late).
            return Ok(Usable::No {
                reason: t_args(payment.locale, "appointments-refund-hold-expired", &[]),
            });
        }
        store::enqueue(
            tx,
            store::SYNC,
            &appointment,
            "paid",
            self.store.storage().clock().seconds(),
        )
        .await?;
        Ok(Usable::Yes)
    }

    async fn unpaid(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment: &PaymentRecord,
    ) -> Result<(), StorageError> {
        let Some(appointment) = AppointmentStore::get_in(tx, &payment.purpose.reference).await?
        else {
            return Ok(());
        };
        let moved = AppointmentStore::advance_in(
            tx,
            &appointment.id,
            &[State::Held],
            ReservationEvent::Unpaid,
            MovedBy::Payment,
            &Change::default(),
            self.store.storage().clock().seconds(),
        )
        .await?;
        if moved {
            store::enqueue(
                tx,
                store::SYNC,
                &appointment,
                "releasing",
                self.store.storage().clock().seconds(),
            )
            .await?;
        }
        Ok(())
    }

    /// Refunds are recorded by what caused them (a cancellation, a hold that ran out).
    async fn refunded(
        &self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        _payment: &PaymentRecord,
        _part: &str,
    ) -> Result<(), StorageError> {
        Ok(())
    }

    /// Paid, and the hospital is being told to book it.
    async fn settling(&self, payment: &PaymentRecord) -> bool {
        self.store
            .get(&payment.purpose.reference)
            .await
            .is_ok_and(|found| found.is_some_and(|a| a.state == State::Paid))
    }

    async fn details(&self, payment: &PaymentRecord, locale: Locale) -> Vec<(String, String)> {
        let appointment = match self.store.get(&payment.purpose.reference).await {
            Ok(Some(appointment)) => appointment,
            Ok(None) => return Vec::new(),
            Err(error) => {
                tracing::error!(%error, "an appointment unreadable");
                return Vec::new();
            }
        };
        let zone = self
            .time_zones
            .get(&appointment.city_id)
            .cloned()
            .unwrap_or(jiff::tz::TimeZone::UTC);
        let hospital = self
            .hospitals
            .get(&appointment.hospital_id)
            .map(|h| h.name_in(locale).to_owned())
            .unwrap_or_default();
        let line = |key: &str, value: String| (t_args(locale, key, &[]), value);
        vec![
            line("appointments-field-hospital", hospital),
            line(
                "appointments-field-department",
                appointment.labels.department.get(locale).to_owned(),
            ),
            line(
                "appointments-field-doctor",
                format!(
                    "{} · {}",
                    appointment.labels.doctor.get(locale),
                    appointment.labels.title.get(locale)
                ),
            ),
            line("appointments-field-time", starts(&appointment, &zone)),
            line(
                "appointments-field-patient",
                appointment.patient_name.clone(),
            ),
            line(
                "appointments-field-state",
                t_args(
                    locale,
                    &format!("appointments-state-{}", appointment.state.id()),
                    &[],
                ),
            ),
        ]
    }
}
