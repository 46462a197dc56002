//! Booking a doctor, one plain page per step so each is small on a slow network and works
//! without a script: the hospitals with their departments (`/c/{city}/doctors`), a
//! department's doctors and free times on a day (`…/{hospital}/{department}?day=`), the chosen
//! time to confirm for a patient (`…/{hospital}/slots/{slot}`), and "My appointments".

mod day_picker;

use leptos::prelude::*;

use crate::pages::Loaded;
use leptos_router::hooks::use_params_map;

use self::day_picker::{DayPicker, DAY_PART};
use super::city_and_region;
use crate::{
    account::ProviderLabel,
    api::{fetch_confirm, fetch_department, fetch_hospitals, fetch_my_appointments},
    appointments::{
        ConfirmPage as Confirm, DepartmentPage as Department, DoctorsPage, MyAppointment,
    },
    components::{header::PageHeader, islands::IslandScripts, raw_text::PageTitle},
    i18n::{t, t_args, Locale},
    pages::{
        account::consent_sentence,
        forms::{encode, query, FormMessages},
    },
};

fn param(name: &str) -> String {
    use_params_map()
        .get_untracked()
        .get(name)
        .unwrap_or_default()
}

/// `/c/{city}/doctors`: the city's hospitals, the resident's district first, each with its
/// departments as links.
#[component]
pub fn HospitalsPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let (city_id, region) = city_and_region();
    let back = (format!("/c/{city_id}"), t(locale, "nav-city-home"));
    view! {
        <PageTitle text=t(locale, "service-doctors")/>
        <PageHeader title=t(locale, "service-doctors") back/>
        <main class="page narrow">
            <FormMessages/>
            <Loaded
                fetch=move || fetch_hospitals(city_id.clone(), region.clone())
                show=|page| view! { <Hospitals page/> }.into_any()
            />
        </main>
    }
}

#[component]
fn Hospitals(page: DoctorsPage) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city = page.city.id.clone();
    view! {
        <h1>{t(locale, "appointments-choose-hospital")}</h1>
        <p><a href="/me/appointments">{t(locale, "appointments-mine")}</a></p>
        <ul class="plain-list hospitals">
            {page.hospitals.into_iter().map(|hospital| {
                let city = city.clone();
                let hospital_id = hospital.id.clone();
                view! {
                    <li class="card" data-hospital=hospital.id.clone()>
                        <h2>{hospital.name.clone()}</h2>
                        <p class="hint">
                            {hospital.district.clone()}
                            {hospital.nearby.then(|| view! { " · "<strong>{t(locale, "appointments-nearby")}</strong> })}
                        </p>
                        {hospital.address.clone().map(|address| view! { <p class="hint">{address}</p> })}
                        {hospital.phone.clone().map(|phone| view! {
                            <p class="hint"><a href=format!("tel:{phone}")>{phone.clone()}</a></p>
                        })}
                        {hospital.problem.clone().map(|problem| view! { <p class="notice error">{problem}</p> })}
                        <ul class="plain-list departments">
                            {hospital.departments.into_iter().map(|department| view! {
                                <li>
                                    <a class="button link" href=format!("/c/{city}/doctors/{}/{}", encode(&hospital_id), encode(&department.id))>
                                        {department.name}
                                    </a>
                                </li>
                            }).collect_view()}
                        </ul>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// `/c/{city}/doctors/{hospital}/{department}?day=YYYY-MM-DD`.
#[component]
pub fn DepartmentPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let (city_id, _) = city_and_region();
    let (hospital, department) = (param("hospital"), param("department"));
    let day = query("day");
    let back = (
        format!("/c/{city_id}/doctors"),
        t(locale, "service-doctors"),
    );
    view! {
        <PageTitle text=t(locale, "service-doctors")/>
        <PageHeader title=t(locale, "service-doctors") back/>
        <main class="page narrow">
            <FormMessages/>
            <Loaded
                fetch=move || {
        fetch_department(
            city_id.clone(),
            hospital.clone(),
            department.clone(),
            day.clone(),
        )
    }
                show=|page| view! { <DoctorsOfDay page/> }.into_any()
            />
        </main>
        <IslandScripts/>
    }
}

#[component]
fn DoctorsOfDay(page: Department) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let base = format!(
        "/c/{}/doctors/{}/{}",
        page.city.id,
        encode(&page.hospital_id),
        encode(&page.department_id)
    );
    let slot_base = format!(
        "/c/{}/doctors/{}/slots",
        page.city.id,
        encode(&page.hospital_id)
    );
    let any_free = page.doctors.iter().any(|d| !d.times.is_empty());
    view! {
        <h1>{page.department.clone()}</h1>
        <p class="hint">{page.hospital.clone()}</p>
        <DayPicker>
            <nav aria-label=t(locale, "appointments-days") class="days">
                <ul class="plain-list day-list">
                    {page.days.iter().map(|day| {
                        let current = day.chosen.then_some("date");
                        view! {
                            <li>
                                <a href=format!("{base}?day={}", day.date) aria-current=current class:chosen=day.chosen>
                                    {day.label.clone()}
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </nav>
            <div id=DAY_PART>
                {page.problem.clone().map(|problem| view! { <p class="notice error" role="alert">{problem}</p> })}
                {(page.problem.is_none() && !any_free).then(|| view! { <p>{t(locale, "appointments-none-free")}</p> })}
                <ul class="plain-list doctors">
                    {page.doctors.into_iter().map(|doctor| {
                        let slot_base = slot_base.clone();
                        view! {
                            <li class="card doctor" data-doctor=doctor.id.clone()>
                                <h2><span class="doctor-name">{doctor.name.clone()}</span>" · "{doctor.title.clone()}</h2>
                                <p class="hint">
                                    {if doctor.fee.minor > 0 {
                                        t_args(locale, "appointments-fee", &[("amount", doctor.fee.display(locale).into())])
                                    } else {
                                        t(locale, "appointments-no-fee")
                                    }}
                                    {doctor.place.clone().map(|place| view! { " · "{place} })}
                                </p>
                                {if doctor.times.is_empty() {
                                    view! { <p class="hint">{t(locale, "appointments-doctor-full")}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="plain-list times">
                                            {doctor.times.into_iter().map(|time| view! {
                                                <li>
                                                    <a class="button time" href=format!("{slot_base}/{}", encode(&time.slot_id))>
                                                        {time.time}
                                                    </a>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        </DayPicker>
    }
}

/// `/c/{city}/doctors/{hospital}/slots/{slot}`: the chosen time, for one of the resident's
/// people, with the hospital told only what the resident agrees to.
#[component]
pub fn ConfirmPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let (city_id, _) = city_and_region();
    let (hospital, slot) = (param("hospital"), param("slot"));
    let back = (
        format!("/c/{city_id}/doctors"),
        t(locale, "service-doctors"),
    );
    view! {
        <PageTitle text=t(locale, "appointments-confirm-title")/>
        <PageHeader title=t(locale, "appointments-confirm-title") back/>
        <main class="page narrow">
            <FormMessages/>
            <Loaded
                fetch=move || fetch_confirm(city_id.clone(), hospital.clone(), slot.clone())
                show=|page| view! { <ConfirmForm page/> }.into_any()
            />
        </main>
    }
}

#[component]
fn ConfirmForm(page: Confirm) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let here = format!(
        "/c/{}/doctors/{}/slots/{}",
        page.city.id,
        encode(&page.hospital_id),
        encode(&page.slot_id)
    );
    let add_person = format!("/me/family?next={}", encode(&here));
    let other_times = format!(
        "/c/{}/doctors/{}/{}",
        page.city.id,
        encode(&page.hospital_id),
        encode(&page.department_id)
    );
    // The hospital by its own name, whatever config's name for it.
    let hospital = ProviderLabel {
        id: page.hospital_id.clone(),
        name: Some(model::city::LocalizedName {
            zh: page.hospital.clone(),
            en: page.hospital.clone(),
        }),
        city: None,
        service: None,
    };
    let consent = consent_sentence(
        locale,
        model::ServiceKind::Appointments.id(),
        &hospital,
        &page.fields,
    );
    let fee = if page.fee.minor > 0 {
        t_args(
            locale,
            "appointments-fee",
            &[("amount", page.fee.display(locale).into())],
        )
    } else {
        t(locale, "appointments-no-fee")
    };
    view! {
        <h1>{t(locale, "appointments-confirm-title")}</h1>
        <dl class="facts">
            <dt>{t(locale, "appointments-field-hospital")}</dt>
            <dd>{page.hospital.clone()}{page.address.clone().map(|address| view! { <br/><span class="hint">{address}</span> })}</dd>
            <dt>{t(locale, "appointments-field-department")}</dt><dd>{page.department.clone()}</dd>
            <dt>{t(locale, "appointments-field-doctor")}</dt><dd>{page.doctor.clone()}" · "{page.title.clone()}</dd>
            <dt>{t(locale, "appointments-field-time")}</dt><dd data-time=page.time.clone()>{page.time.clone()}</dd>
            {page.place.clone().map(|place| view! {
                <dt>{t(locale, "appointments-field-place")}</dt><dd>{place}</dd>
            })}
            <dt>{t(locale, "appointments-field-fee")}</dt><dd>{fee}</dd>
        </dl>
        {match page.problem.clone() {
            Some(problem) => view! {
                <p class="notice error" role="alert">{problem}</p>
                <p><a href=other_times>{t(locale, "appointments-other-times")}</a></p>
            }.into_any(),
            None if !page.people.iter().any(|p| p.proven) => view! {
                <p>{t(locale, "appointments-no-patients")}</p>
                <UnprovenPeople people=page.people.clone() family=add_person.clone()/>
                <p><a class="button primary" href=add_person>{t(locale, "family-add")}</a></p>
            }.into_any(),
            None => view! {
                <form method="post" action=format!("/c/{}/doctors/book", page.city.id) class="stack">
                    <input type="hidden" name="hospital" value=page.hospital_id.clone()/>
                    <input type="hidden" name="slot" value=page.slot_id.clone()/>
                    <fieldset>
                        <legend>{t(locale, "appointments-patient")}</legend>
                        {page.people.iter().filter(|p| p.proven).enumerate().map(|(index, person)| {
                            let id = format!("person-{index}");
                            view! {
                                <div class="check">
                                    <input type="radio" name="person" id=id.clone() value=person.id.clone() required checked=index == 0/>
                                    <label for=id>
                                        <strong>{person.name.clone()}</strong>" · "{t(locale, &format!("family-relation-{}", person.relation))}<br/>
                                        <span class="hint">{person.masked_id_number.clone()}</span>
                                    </label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                    <UnprovenPeople people=page.people.clone() family=add_person.clone()/>
                    <p><a href=add_person>{t(locale, "family-add")}</a></p>
                    {if page.consented {
                        view! { <input type="hidden" name="consent" value="yes"/> }.into_any()
                    } else {
                        view! {
                            <div class="check">
                                <input id="consent" name="consent" type="checkbox" value="yes" required/>
                                <label for="consent">
                                    {t_args(locale, "consent-agree-to", &[("sentence", consent.clone().into())])}
                                </label>
                            </div>
                        }.into_any()
                    }}
                    <button type="submit" class="button primary">
                        {if page.fee.minor > 0 { t(locale, "appointments-book-and-pay") } else { t(locale, "appointments-book") }}
                    </button>
                </form>
            }.into_any(),
        }}
    }
}

/// `/me/appointments`: upcoming first, then the past, each with what can be done with it.
#[component]
pub fn MyAppointmentsPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "appointments-mine")/>
        <PageHeader title=t(locale, "appointments-mine") back=("/me".to_owned(), t(locale, "profile-title"))/>
        <main class="page narrow">
            <h1>{t(locale, "appointments-mine")}</h1>
            <FormMessages/>
            <Loaded
                fetch=fetch_my_appointments
                show={move |rows: Vec<_>| match rows {
                    rows if rows.is_empty() => view! { <p>{t(locale, "appointments-none")}</p> }.into_any(),
                    rows => {
                        // Cancelled and never-booked ones apart, whatever their day.
                        let (ended, rest): (Vec<_>, Vec<_>) =
                            rows.into_iter().partition(|row| NOT_HAPPENING.contains(&row.state.as_str()));
                        let (upcoming, past): (Vec<_>, Vec<_>) =
                            rest.into_iter().partition(|row| row.upcoming);
                        view! {
                            <AppointmentList heading=t(locale, "appointments-upcoming") rows=upcoming/>
                            <AppointmentList heading=t(locale, "appointments-cancelled") rows=ended/>
                            <AppointmentList heading=t(locale, "appointments-past") rows=past/>
                        }.into_any()
                    }
                }}
            />
        </main>
    }
}

/// States of an appointment that will not take place: listed apart from the past ones.
const NOT_HAPPENING: [&str; 5] = ["cancelling", "cancelled", "releasing", "released", "failed"];

/// One part of "My appointments" under its heading; nothing when it is empty.
#[component]
fn AppointmentList(heading: String, rows: Vec<MyAppointment>) -> impl IntoView {
    (!rows.is_empty()).then(|| {
        let label = heading.clone();
        view! {
            <section aria-label=label>
                <h2>{heading}</h2>
                <ul class="plain-list my-appointments">
                    {rows.into_iter().map(|row| view! { <AppointmentCard row/> }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn AppointmentCard(row: MyAppointment) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let state = row.state.clone();
    let state_text = if row.cancelled_by_hospital {
        t(locale, "appointments-state-cancelled-by-hospital")
    } else {
        t(locale, &format!("appointments-state-{state}"))
    };
    let class = if row.upcoming {
        "card appointment upcoming"
    } else {
        "card appointment past"
    };
    view! {
        <li class=class data-appointment=row.id.clone() data-state=state.clone()>
            <h3>{row.time.clone()}" · "{row.doctor.clone()}</h3>
            <p>{row.hospital.clone()}" · "{row.department.clone()}" · "{row.title.clone()}</p>
            {row.place.clone().map(|place| view! { <p class="hint">{place}</p> })}
            <p class="hint">{t_args(locale, "appointments-for", &[("patient", row.patient.clone().into())])}</p>
            <p class=format!("status status-{state}")>{state_text}</p>
            {row.problem.clone().filter(|_| row.cancelled_by_hospital).map(|problem| view! { <p class="hint">{problem}</p> })}
            {row.payable.then(|| view! {
                <form method="post" action=format!("/me/appointments/{}/pay", row.id)>
                    <button type="submit" class="button primary">
                        {t_args(locale, "appointments-pay", &[("amount", row.fee.display(locale).into())])}
                    </button>
                </form>
            })}
            {row.payment.clone().map(|payment| view! {
                <p><a href=format!("/me/payments/{payment}")>{t(locale, "appointments-see-payment")}</a></p>
            })}
            {row.cancel_until.clone().map(|until| {
                // Cancelling what was paid for is asked about first, on this page (works
                // without a script): what is refunded, then a button that says what it does.
                let asked = query("cancel").as_deref() == Some(row.id.as_str());
                let refund = cancel_refund_sentence(locale, row.fee, row.refund_on_cancel);
                if asked {
                    view! {
                        <div class="confirm-cancel" role="alertdialog" aria-labelledby=format!("cancel-{}", row.id)
                            id=format!("cancel-{}", row.id)>
                            <p class="strong">{t(locale, "appointments-cancel-ask")}</p>
                            <p>{refund}</p>
                            <form method="post" action=format!("/me/appointments/{}/cancel", row.id)>
                                <button type="submit" class="button danger">{t(locale, "appointments-cancel-yes")}</button>
                            </form>
                            <p><a class="button secondary" href="/me/appointments">{t(locale, "appointments-cancel-keep")}</a></p>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <p class="hint">{t_args(locale, "appointments-cancel-until", &[("time", until.into())])}</p>
                        <p><a class="button secondary danger-text" href=format!("/me/appointments?cancel={}#cancel-{}", encode(&row.id), encode(&row.id))>
                            {t(locale, "appointments-cancel")}
                        </a></p>
                    }.into_any()
                }
            })}
        </li>
    }
}

/// What cancelling refunds, in a sentence.
fn cancel_refund_sentence(
    locale: Locale,
    fee: model::Money,
    refund: Option<model::Money>,
) -> String {
    match refund {
        _ if fee.minor == 0 => t(locale, "appointments-cancel-no-fee"),
        Some(refund) if refund == fee => t_args(
            locale,
            "appointments-cancel-refund-all",
            &[("fee", fee.display(locale).into())],
        ),
        Some(refund) if refund.minor > 0 => t_args(
            locale,
            "appointments-cancel-refund-part",
            &[
                ("refund", refund.display(locale).into()),
                ("fee", fee.display(locale).into()),
            ],
        ),
        _ => t_args(
            locale,
            "appointments-cancel-refund-none",
            &[("fee", fee.display(locale).into())],
        ),
    }
}

/// The resident's people who cannot be booked for yet, with the way to prove them.
#[component]
fn UnprovenPeople(people: Vec<model::appointments::PersonRow>, family: String) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let names: Vec<String> = people
        .into_iter()
        .filter(|p| !p.proven)
        .map(|p| p.name)
        .collect();
    (!names.is_empty()).then(|| {
        view! {
            <p class="hint">
                {t_args(locale, "appointments-unproven", &[("names", names.join(", ").into())])}" "
                <a href=family>{t(locale, "family-prove-where")}</a>
            </p>
        }
    })
}
