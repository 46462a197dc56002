//! One city's console: the services x districts switches with the city's map
//! (`/admin/c/{city}`), provider health (`…/health`), payments (`…/payments`) and the audit
//! log (`…/audit`).

use crate::components::raw_text::PageTitle;
use crate::components::when::When;
use leptos::prelude::*;

use crate::pages::Loaded;
use leptos_router::hooks::use_params_map;

use super::{CityTabs, ConsoleHeader};
use crate::{
    account::{AdminCity, CityMap},
    api::{fetch_admin_audit, fetch_admin_city, fetch_admin_health, fetch_admin_payments},
    i18n::{t, t_args, Locale},
    pages::forms::FormMessages,
    payments::AdminPaymentRow,
};
use model::ServiceKind;

use crate::pages::payments::PaymentHistory;

fn city_param() -> String {
    use_params_map()
        .get_untracked()
        .get("city")
        .unwrap_or_default()
}

#[component]
pub fn AdminCityPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city = city_param();
    view! {
        <PageTitle text=t(locale, "admin-tab-services")/>
        <ConsoleHeader title=t(locale, "admin-title") back=("/admin".to_owned(), t(locale, "admin-your-cities"))/>
        <main class="page wide">
            <FormMessages/>
            <Loaded
                fetch=move || fetch_admin_city(city.clone())
                admin=true
                show=|data| view! { <Switches data/> }.into_any()
            />
        </main>
    }
}

#[component]
fn Switches(data: AdminCity) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city_id = data.city.id.clone();
    let action = format!("/admin/c/{city_id}/switch");
    let services = data.services.clone();
    view! {
        <h1>{data.city.name.get(locale).to_owned()}</h1>
        <CityTabs city=city_id.clone() current="services"/>
        <p>{t(locale, "admin-switch-intro")}</p>
        // Switches others depend on say so before any is pressed (and each of their
        // buttons points here).
        {services.iter().filter_map(|s| dependents_warning(locale, *s, &services).map(|warning| view! {
            <p class="notice" id=format!("needs-{}", s.id())>
                <strong>{t(locale, s.name_key())}": "</strong>{warning}
            </p>
        })).collect_view()}
        <div class="console-grid">
            <table class="data-table switches">
                <caption class="visually-hidden">{t(locale, "admin-tab-services")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t(locale, "admin-district")}</th>
                        {services.iter().map(|s| view! { <th scope="col">{t(locale, s.name_key())}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    <tr class="all-row">
                        <th scope="row">{t(locale, "admin-all-districts")}</th>
                        {services.iter().map(|service| view! {
                            <td data-label=t(locale, service.name_key())>
                                // The whole city in one tap is too easy to hit by mistake:
                                // the buttons sit behind a disclosure with a warning.
                                <details class="all-switch">
                                    <summary>{t(locale, "admin-all-change")}</summary>
                                    <p class="hint">{t(locale, "admin-all-warning")}</p>
                                    <div class="button-row">
                                        <form method="post" action=action.clone()>
                                            <input type="hidden" name="service" value=service.id()/>
                                            <input type="hidden" name="set" value="on"/>
                                            <button type="submit" class="button small secondary">{t(locale, "admin-all-on")}</button>
                                        </form>
                                        <form method="post" action=action.clone()>
                                            <input type="hidden" name="service" value=service.id()/>
                                            <input type="hidden" name="set" value="off"/>
                                            <button type="submit" class="button small secondary">{t(locale, "admin-all-off")}</button>
                                        </form>
                                    </div>
                                </details>
                            </td>
                        }).collect_view()}
                    </tr>
                    {data.rows.into_iter().map(|row| {
                        let region_name = row.region.name.get(locale).to_owned();
                        let region_id = row.region.id.clone();
                        view! {
                            <tr id=format!("region-{region_id}") data-region=region_id.clone()>
                                <th scope="row"><a href=format!("#map-{region_id}")>{region_name.clone()}</a></th>
                                {row.cells.into_iter().map(|cell| {
                                    let state = if cell.enabled { t(locale, "admin-on") } else { t(locale, "admin-off") };
                                    let label = t_args(locale, if cell.enabled { "admin-turn-off" } else { "admin-turn-on" },
                                        &[("service", t(locale, cell.service.name_key()).into()), ("district", region_name.clone().into())]);
                                    view! {
                                        <td data-service=cell.service.id() data-enabled=cell.enabled.to_string()
                                            data-label=t(locale, cell.service.name_key())>
                                            <span class="switch-state" class:off=!cell.enabled>{state}</span>
                                            {cell.overridden.then(|| view! { <span class="hint">" "{t(locale, "admin-overridden")}</span> })}
                                            <div class="button-row">
                                                <form method="post" action=action.clone()>
                                                    <input type="hidden" name="service" value=cell.service.id()/>
                                                    <input type="hidden" name="region" value=region_id.clone()/>
                                                    <input type="hidden" name="set" value=if cell.enabled { "off" } else { "on" }/>
                                                    <button type="submit" class="button small" aria-label=label
                                                        aria-describedby=has_dependents(cell.service, &services).then(|| format!("needs-{}", cell.service.id()))>
                                                        {if cell.enabled { t(locale, "admin-switch-off") } else { t(locale, "admin-switch-on") }}
                                                    </button>
                                                </form>
                                                {cell.overridden.then(|| view! {
                                                    <form method="post" action=action.clone()>
                                                        <input type="hidden" name="service" value=cell.service.id()/>
                                                        <input type="hidden" name="region" value=region_id.clone()/>
                                                        <input type="hidden" name="set" value="reset"/>
                                                        <button type="submit" class="button small link">{t(locale, "admin-reset")}</button>
                                                    </form>
                                                })}
                                            </div>
                                        </td>
                                    }
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <CityMapView map=data.map/>
        </div>
    }
}

/// Services of this city that `service` is needed by.
fn has_dependents(service: ServiceKind, services: &[ServiceKind]) -> bool {
    services.iter().any(|s| s.needs() == Some(service))
}

/// "Pay bills and Book a doctor take their money through it: switched off in a district,
/// they cannot take payments there." for a service others need; `None` for the rest.
fn dependents_warning(
    locale: Locale,
    service: ServiceKind,
    services: &[ServiceKind],
) -> Option<String> {
    let names: Vec<String> = services
        .iter()
        .filter(|s| s.needs() == Some(service))
        .map(|s| t(locale, s.name_key()))
        .collect();
    (!names.is_empty()).then(|| {
        t_args(
            locale,
            "admin-switch-needed-by",
            &[(
                "services",
                crate::pages::account::join_list(locale, &names).into(),
            )],
        )
    })
}

/// The districts drawn from the city's polygons; a district with a service switched off is
/// hatched, and the one a table row links to is outlined (`:target`).
#[component]
fn CityMapView(map: CityMap) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <figure class="city-map">
            <svg viewBox=format!("0 0 {} {}", map.width, map.height) role="img"
                aria-labelledby="map-caption">
                <defs>
                    <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse"
                        patternTransform="rotate(45)">
                        <rect width="6" height="6" class="hatch-ground"/>
                        <line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/>
                    </pattern>
                </defs>
                {map.regions.iter().map(|region| {
                    let name = region.name.get(locale).to_owned();
                    let off = !region.disabled.is_empty();
                    view! {
                        <path id=format!("map-{}", region.id) d=region.path.clone()
                            class="district" class:has-off=off>
                            <title>{name}</title>
                        </path>
                    }
                }).collect_view()}
                {map.regions.iter().map(|region| view! {
                    <text x=region.label_x.to_string() y=region.label_y.to_string() class="district-label"
                        aria-hidden="true">
                        {region.name.get(locale).to_owned()}
                    </text>
                }).collect_view()}
            </svg>
            <figcaption id="map-caption">{t(locale, "admin-map-caption")}</figcaption>
        </figure>
    }
}

/// A section of one city's console: its header, title and tabs around `children`.
#[component]
fn CitySection(
    title_key: &'static str,
    current: &'static str,
    children: Children,
) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, title_key)/>
        <ConsoleHeader title=t(locale, "admin-title") back=("/admin".to_owned(), t(locale, "admin-your-cities"))/>
        <main class="page wide">
            <h1>{t(locale, title_key)}</h1>
            <CityTabs city=city_param() current/>
            {children()}
        </main>
    }
}

#[component]
pub fn AdminHealthPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city = city_param();
    view! {
        <CitySection title_key="admin-tab-health" current="health">
            <Loaded
                fetch=move || fetch_admin_health(city.clone())
                admin=true
                show=move |rows| {
                    view! {
                        <table class="data-table" tabindex="0">
                            <thead><tr>
                                <th scope="col">{t(locale, "admin-provider")}</th>
                                <th scope="col">{t(locale, "admin-breaker")}</th>
                                <th scope="col">{t(locale, "admin-latency")}</th>
                                <th scope="col">{t(locale, "admin-last-error")}</th>
                                <th scope="col">{t(locale, "admin-queue")}</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|row| view! {
                                    <tr data-provider=row.provider_id.clone()>
                                        <td>{format!("{} ({})", t(locale, row.service.name_key()), row.provider_id)}</td>
                                        <td class=format!("breaker-{}", row.breaker)>{t(locale, &format!("admin-breaker-{}", row.breaker))}</td>
                                        <td>{row.last_latency_ms.map_or_else(|| "–".to_owned(), |ms| format!("{ms} ms"))}</td>
                                        <td>{row.last_error.unwrap_or_else(|| "–".to_owned())}</td>
                                        <td class="queue">{row.queue.map_or_else(|| "–".to_owned(), |q| {
                                            // Due now apart from scheduled for later: a
                                            // reminder for next week is not a backlog.
                                            let due = match q.due_for_minutes {
                                                Some(minutes) if q.due > 0 && minutes > 0 => t_args(locale, "admin-queue-due-for", &[("count", q.due.into()), ("minutes", minutes.into())]),
                                                _ => t_args(locale, "admin-queue-due", &[("count", q.due.into())]),
                                            };
                                            let scheduled = t_args(locale, "admin-queue-scheduled", &[("count", q.scheduled.into())]);
                                            [due, scheduled].into_iter()
                                                .chain(q.figures.iter().map(|(key, count)| t_args(locale, key, &[("count", (*count).into())])))
                                                .collect::<Vec<_>>()
                                                .join(" · ")
                                        })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            />
        </CitySection>
    }
}

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city = city_param();
    view! {
        <CitySection title_key="admin-tab-audit" current="audit">
            <Loaded
                fetch=move || fetch_admin_audit(city.clone())
                admin=true
                show=move |rows| {
                    if rows.is_empty() {
                        return view! { <p>{t(locale, "admin-audit-empty")}</p> }.into_any();
                    }
                    view! {
                        <table class="data-table audit" tabindex="0">
                            <thead><tr>
                                <th scope="col">{t(locale, "admin-when")}</th>
                                <th scope="col">{t(locale, "admin-who")}</th>
                                <th scope="col">{t(locale, "admin-what")}</th>
                                <th scope="col">{t(locale, "admin-before")}</th>
                                <th scope="col">{t(locale, "admin-after")}</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|row| {
                                    let what = match &row.switched {
                                        Some((service, district)) => t_args(locale, "admin-audit-switch", &[
                                            ("service", t(locale, service.name_key()).into()),
                                            ("district", district.as_ref().map_or_else(
                                                || t(locale, "admin-audit-every-district"),
                                                |d| d.get(locale).to_owned(),
                                            ).into()),
                                        ]),
                                        None if row.action == "create_admin" => t_args(
                                            locale,
                                            "admin-audit-created",
                                            &[("name", row.subject.clone().into())],
                                        ),
                                        None => format!("{} {}", row.action, row.subject),
                                    };
                                    let state = |value: Option<String>| match value.as_deref() {
                                        Some("enabled") => t(locale, "admin-on"),
                                        Some("disabled") => t(locale, "admin-off"),
                                        Some(other) => other.to_owned(),
                                        None => t(locale, "admin-config"),
                                    };
                                    view! {
                                        <tr>
                                            <td><When at=row.at/></td>
                                            <td>{row.actor}</td>
                                            <td>{what}</td>
                                            <td>{state(row.before)}</td>
                                            <td>{state(row.after)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            />
        </CitySection>
    }
}

#[component]
pub fn AdminPaymentsPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city = city_param();
    view! {
        <CitySection title_key="admin-tab-payments" current="payments">
            <Loaded
                fetch=move || fetch_admin_payments(city.clone())
                admin=true
                show=move |data| {
                    view! {
                        <dl class="counts">
                            {data.counts.iter().map(|(status, count)| view! {
                                <div data-status=status.clone()>
                                    <dt>{t(locale, &format!("payment-status-{status}"))}</dt>
                                    <dd>{*count}</dd>
                                </div>
                            }).collect_view()}
                        </dl>
                        <h2>{t(locale, "admin-payments-overdue")}</h2>
                        <PaymentTable rows=data.overdue empty="admin-payments-overdue-none"/>
                        <h2>{t(locale, "admin-payments-refunds")}</h2>
                        <PaymentTable rows=data.refunds empty="admin-payments-refunds-none"/>
                        <h2>{t(locale, "admin-payments-recent")}</h2>
                        <PaymentTable rows=data.recent empty="admin-payments-none"/>
                    }.into_any()
                }
            />
        </CitySection>
    }
}

#[component]
fn PaymentTable(rows: Vec<AdminPaymentRow>, empty: &'static str) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    if rows.is_empty() {
        return view! { <p class="hint">{t(locale, empty)}</p> }.into_any();
    }
    view! {
        <table class="data-table" tabindex="0">
            <thead><tr>
                <th scope="col">{t(locale, "payment-field-order")}</th>
                <th scope="col">{t(locale, "admin-payments-what")}</th>
                <th scope="col">{t(locale, "admin-payments-amount")}</th>
                <th scope="col">{t(locale, "admin-payments-status")}</th>
                <th scope="col">{t(locale, "payment-field-started")}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|row| view! {
                    <tr data-order=row.order_no.clone()>
                        <td class="reference">{row.order_no.clone()}</td>
                        <td>{row.what}</td>
                        <td>{row.amount.display(locale)}</td>
                        <td>
                            {t(locale, &format!("payment-status-{}", row.status))}
                            {row.reason.map(|reason| view! { <br/><span class="hint">{reason}</span> })}
                            <PaymentHistory steps=row.history/>
                        </td>
                        <td><When at=row.started/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
