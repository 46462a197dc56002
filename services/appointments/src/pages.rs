//! The server's side of the doctor pages: hospitals (the resident's district first) with
//! their departments, a department's doctors with their free times on a day, a chosen time
//! to confirm for a patient, and the resident's appointments. Every time is shown in the
//! city's own zone.

use model::{
    appointments::{
        ConfirmPage, DayChoice, DepartmentChoice, DepartmentPage, DoctorDay, DoctorsPage,
        HospitalChoice, MyAppointment, TimeChoice,
    },
    i18n::t_args,
    ids::{CityId, RegionId, ResidentId},
    pages::AppointmentPages,
    AppError, Locale, ServiceKind,
};
use portal_core::portal::internal;

use crate::{
    book::{starts, LEAD_SECONDS},
    local_time,
    port::HospitalError,
    simulator::DAYS,
    store::State,
    DoctorAppointments, HospitalEntry, PATIENT_FIELDS, PURPOSE,
};

fn problem(locale: Locale, error: &HospitalError) -> String {
    let key = match error {
        HospitalError::NotFound => "appointments-problem-gone",
        _ => "appointments-problem-down",
    };
    t_args(locale, key, &[])
}

impl DoctorAppointments {
    fn hospital_in(&self, city: &str, hospital: &str) -> Result<&HospitalEntry, AppError> {
        self.hospitals
            .get(hospital)
            .filter(|h| h.city_id == city)
            .map(AsRef::as_ref)
            .ok_or(AppError::NotFound)
    }

    async fn offered(&self, city: &CityId) -> Result<&portal_core::config::CityConfig, AppError> {
        let city = self.portal.city(city.as_str())?;
        if !self
            .portal
            .service_available(city, ServiceKind::Appointments, None)
            .await?
        {
            return Err(AppError::ServiceNotOffered);
        }
        Ok(city)
    }

    /// The city's days residents may book, from today.
    fn days(&self, city_id: &str) -> Vec<jiff::civil::Date> {
        let today = self
            .portal
            .clock()
            .now()
            .to_zoned_datetime(self.time_zone(city_id))
            .date();
        (0..DAYS)
            .filter_map(|n| today.checked_add(jiff::Span::new().days(n)).ok())
            .collect()
    }
}

fn day_label(date: jiff::civil::Date, locale: Locale) -> String {
    let weekday = date.weekday().to_monday_one_offset();
    t_args(
        locale,
        "appointments-day",
        &[
            (
                "weekday",
                t_args(locale, &format!("appointments-weekday-{weekday}"), &[]).into(),
            ),
            ("month", i64::from(date.month()).into()),
            ("day", i64::from(date.day()).into()),
        ],
    )
}

#[async_trait::async_trait]
impl AppointmentPages for DoctorAppointments {
    async fn hospitals(
        &self,
        city: &CityId,
        region: Option<&RegionId>,
        locale: Locale,
    ) -> Result<DoctorsPage, AppError> {
        let city = self.offered(city).await?;
        let region = region.map(RegionId::as_str);
        let entries: Vec<_> = self.hospitals.of_city(&city.id).collect();
        let directories =
            futures::future::join_all(entries.iter().map(|h| h.directory.get())).await;
        let mut hospitals: Vec<HospitalChoice> = entries
            .iter()
            .zip(directories)
            .map(|(hospital, directory)| {
                let district = hospital.options.district.as_deref();
                let (address, phone) = directory.as_ref().map_or((None, None), |d| {
                    (d.address.clone(), d.phone.clone())
                });
                let (departments, problem) = match directory {
                    Ok(directory) => (
                        directory
                            .departments
                            .iter()
                            .map(|d| DepartmentChoice {
                                id: d.id.clone(),
                                name: d.name.get(locale).to_owned(),
                            })
                            .collect(),
                        None,
                    ),
                    Err(error) => {
                        tracing::warn!(%error, hospital = %hospital.provider_id, "directory not read");
                        (Vec::new(), Some(super::pages::problem(locale, &error)))
                    }
                };
                HospitalChoice {
                    id: hospital.provider_id.clone(),
                    name: hospital.name_in(locale).to_owned(),
                    district: district
                        .and_then(|d| city.region(d))
                        .map(|r| r.name.get(locale).to_owned()),
                    nearby: district.is_some() && district == region,
                    address,
                    phone,
                    departments,
                    problem,
                }
            })
            .collect();
        // The resident's district first; otherwise config's order.
        hospitals.sort_by_key(|h| !h.nearby);
        Ok(DoctorsPage {
            city: city.summary(),
            hospitals,
        })
    }

    async fn department(
        &self,
        city: &CityId,
        hospital: &str,
        department: &str,
        day: Option<&str>,
        locale: Locale,
    ) -> Result<DepartmentPage, AppError> {
        let city = self.offered(city).await?;
        let hospital = self.hospital_in(&city.id, hospital)?;
        let zone = self.time_zone(&city.id);
        let days = self.days(&city.id);
        let chosen = day
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
            .filter(|d| days.contains(d))
            .or_else(|| days.first().copied())
            .ok_or(AppError::NotFound)?;
        let mut page = DepartmentPage {
            city: city.summary(),
            hospital_id: hospital.provider_id.clone(),
            hospital: hospital.name_in(locale).to_owned(),
            department_id: department.to_owned(),
            department: String::new(),
            days: days
                .iter()
                .map(|d| DayChoice {
                    date: d.to_string(),
                    label: day_label(*d, locale),
                    chosen: *d == chosen,
                })
                .collect(),
            doctors: Vec::new(),
            problem: None,
        };
        let directory = match hospital.directory.get().await {
            Ok(directory) => directory,
            Err(error) => {
                page.problem = Some(problem(locale, &error));
                return Ok(page);
            }
        };
        let found = directory.department(department).ok_or(AppError::NotFound)?;
        page.department = found.name.get(locale).to_owned();
        let doctors: Vec<_> = directory
            .doctors
            .iter()
            .filter(|d| d.department_id == found.id)
            .collect();
        let schedules: Vec<&str> = doctors
            .iter()
            .flat_map(|d| d.schedules.iter().map(String::as_str))
            .collect();
        let start_of = |date: jiff::civil::Date| {
            date.to_zoned_datetime(zone.clone())
                .map(|z| z.timestamp())
                .map_err(internal)
        };
        let from = start_of(chosen)?;
        let to = start_of(chosen.tomorrow().map_err(internal)?)?;
        let slots = match hospital.adapter.free_slots(&schedules, from, to).await {
            Ok(slots) => slots,
            Err(error) => {
                page.problem = Some(problem(locale, &error));
                return Ok(page);
            }
        };
        let earliest = self.portal.clock().seconds() + LEAD_SECONDS;
        page.doctors = doctors
            .iter()
            .map(|doctor| DoctorDay {
                id: doctor.id.clone(),
                name: doctor.name.get(locale).to_owned(),
                title: doctor.title.get(locale).to_owned(),
                fee: doctor.fee,
                place: doctor.place.as_ref().map(|p| p.get(locale).to_owned()),
                times: slots
                    .iter()
                    .filter(|s| doctor.schedules.contains(&s.schedule_id))
                    .filter(|s| s.start.as_second() >= earliest)
                    .map(|s| TimeChoice {
                        slot_id: s.id.clone(),
                        time: s
                            .start
                            .to_zoned_datetime(zone.clone())
                            .strftime("%H:%M")
                            .to_string(),
                    })
                    .collect(),
            })
            .collect();
        Ok(page)
    }

    async fn confirm(
        &self,
        resident: &ResidentId,
        city: &CityId,
        hospital: &str,
        slot: &str,
        locale: Locale,
    ) -> Result<ConfirmPage, AppError> {
        let city = self.offered(city).await?;
        let hospital = self.hospital_in(&city.id, hospital)?;
        let zone = self.time_zone(&city.id);
        let directory = hospital.directory.get().await.map_err(|error| {
            tracing::warn!(%error, "directory not read");
            AppError::ProviderUnavailable
        })?;
        let found = match hospital.adapter.slot(slot).await {
            Ok(found) => found,
            Err(HospitalError::NotFound) => return Err(AppError::NotFound),
            Err(error) => {
                tracing::warn!(%error, "slot not read");
                return Err(AppError::ProviderUnavailable);
            }
        };
        let doctor = directory
            .doctor_of_schedule(&found.schedule_id)
            .ok_or(AppError::NotFound)?;
        let department = directory
            .department(&doctor.department_id)
            .ok_or(AppError::NotFound)?;
        let problem = if !found.free {
            Some(t_args(locale, "appointments-problem-taken", &[]))
        } else if found.start.as_second() < self.portal.clock().seconds() + LEAD_SECONDS {
            Some(t_args(locale, "appointments-problem-too-late", &[]))
        } else {
            None
        };
        let people = self
            .portal
            .people
            .of(resident.as_str())
            .await
            .map_err(internal)?;
        let missing = self
            .portal
            .privacy
            .missing_consent(
                resident.as_str(),
                &hospital.provider_id,
                ServiceKind::Appointments.id(),
                PATIENT_FIELDS,
            )
            .await
            .map_err(internal)?;
        Ok(ConfirmPage {
            city: city.summary(),
            hospital_id: hospital.provider_id.clone(),
            hospital: hospital.name_in(locale).to_owned(),
            department_id: department.id.clone(),
            department: department.name.get(locale).to_owned(),
            doctor: doctor.name.get(locale).to_owned(),
            title: doctor.title.get(locale).to_owned(),
            place: doctor.place.as_ref().map(|p| p.get(locale).to_owned()),
            address: directory.address.clone(),
            slot_id: found.id.clone(),
            time: local_time(found.start, &zone),
            fee: doctor.fee,
            people: people
                .into_iter()
                .map(|person| person.row(self.portal.clock().seconds()))
                .collect(),
            consented: missing.is_empty(),
            fields: PATIENT_FIELDS.iter().map(|f| f.id().to_owned()).collect(),
            problem,
        })
    }

    async fn my_appointments(
        &self,
        resident: &ResidentId,
        locale: Locale,
    ) -> Result<Vec<MyAppointment>, AppError> {
        let now = self.portal.clock().seconds();
        let mut mine = Vec::new();
        let patients = self
            .proven_patient_keys(resident.as_str())
            .await
            .map_err(internal)?;
        for appointment in self
            .store
            .of_resident(resident.as_str(), &patients)
            .await
            .map_err(internal)?
        {
            // One the resident made, or one made for a patient they proved by another:
            // only the first has a payment of theirs to link to or to take up.
            let made_here = appointment.resident_id.as_deref() == Some(resident.as_str());
            let hospital = self.hospitals.get(&appointment.hospital_id);
            let zone = self.time_zone(&appointment.city_id);
            let cancel_until = hospital
                .map(|h| appointment.starts_at - i64::from(h.options.cancel_before_hours) * 3600)
                .filter(|until| appointment.state == State::Booked && *until > now)
                .and_then(|until| jiff::Timestamp::from_second(until).ok())
                .map(|until| local_time(until, &zone));
            let refund_on_cancel = hospital.filter(|_| cancel_until.is_some()).map(|h| {
                crate::book::cancel_refund(appointment.fee, h.options.cancel_refund_percent)
            });
            let payment = if made_here {
                self.payments
                    .store
                    .of_purpose(PURPOSE, &appointment.id)
                    .await
                    .map_err(internal)?
                    .map(|p| p.id)
            } else {
                None
            };
            mine.push(MyAppointment {
                hospital: hospital
                    .map(|h| h.name_in(locale).to_owned())
                    .unwrap_or_default(),
                department: appointment.labels.department.get(locale).to_owned(),
                doctor: appointment.labels.doctor.get(locale).to_owned(),
                title: appointment.labels.title.get(locale).to_owned(),
                place: appointment
                    .labels
                    .place
                    .as_ref()
                    .map(|p| p.get(locale).to_owned()),
                time: starts(&appointment, &zone),
                patient: appointment.patient_name.clone(),
                state: appointment.state.id().to_owned(),
                fee: appointment.fee,
                problem: appointment.problem.clone(),
                cancelled_by_hospital: appointment.cancelled_by.as_deref() == Some("hospital"),
                upcoming: crate::store::is_upcoming(appointment.state) && appointment.ends_at > now,
                cancel_until,
                refund_on_cancel,
                payable: made_here
                    && appointment.state == State::Held
                    && appointment.hold_expires_at.is_some_and(|until| until > now),
                payment,
                id: appointment.id,
            });
        }
        // Upcoming first, soonest first; then the past, latest first.
        mine.sort_by(|a, b| match (a.upcoming, b.upcoming) {
            (true, true) => a.time.cmp(&b.time),
            (false, false) => b.time.cmp(&a.time),
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
        });
        Ok(mine)
    }
}
