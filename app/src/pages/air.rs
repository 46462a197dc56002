//! `/c/{city}/air`: every station's AQI, the resident's district first. When the provider
//! fails the page still renders: the last good readings with their age, or a plain notice.

use crate::{components::raw_text::PageTitle, pages::load_once};
use leptos::prelude::*;
use model::{AirReport, AqiScale, AqiValue, Freshness, StationReport};

use super::{city_and_region, CityPageError};
use crate::{
    api::fetch_air_report,
    components::header::PageHeader,
    i18n::{t, t_args, Locale},
};

#[component]
pub fn AirPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let (city_id, region) = city_and_region();
    let back = (format!("/c/{city_id}"), t(locale, "nav-city-home"));
    // The page renders only on the server: a plain future, no resource to hydrate.
    let load = load_once(move || fetch_air_report(city_id.clone(), region.clone()));

    view! {
        <Suspense fallback=|| ()>
            {move || {
                let back = back.clone();
                let report = load();
                Suspend::new(async move {
                    match report.await {
                        Ok(report) => view! { <AirStations report back/> }.into_any(),
                        Err(error) => view! {
                            <CityPageError error title=t(locale, "service-air") back/>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn AirStations(report: AirReport, back: (String, String)) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city_name = report.city.name.get(locale).to_owned();
    let scale_key = match report.scale {
        AqiScale::China => "air-scale-china",
        AqiScale::UsEpa => "air-scale-us",
    };
    let banner = match report.freshness {
        Freshness::Current => None,
        Freshness::Stale { minutes } => {
            Some(t_args(locale, "air-stale", &[("minutes", minutes.into())]))
        }
        Freshness::Unavailable => Some(t(locale, "air-unavailable")),
    };
    let empty = report.stations.is_empty() && report.freshness != Freshness::Unavailable;

    view! {
        <PageTitle text=format!("{} · {}", t(locale, "service-air"), city_name)/>
        <PageHeader title=city_name back/>
        <main class="page">
            <h1>{t(locale, "service-air")}</h1>
            <p class="muted">{t(locale, scale_key)}</p>
            {banner.map(|text| view! { <p class="notice" role="status">{text}</p> })}
            {empty.then(|| view! { <p class="notice">{t(locale, "air-no-stations")}</p> })}
            <ul class="stations">
                {report.stations.into_iter().map(|station| view! { <Station station/> }).collect_view()}
            </ul>
        </main>
    }
}

#[component]
fn Station(station: StationReport) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let district = station
        .region
        .as_ref()
        .map(|r| r.name.get(locale).to_owned());
    view! {
        <li class="station" data-station=station.name.clone()>
            <div class="station-head">
                <div>
                    <h2>{station.name.clone()}</h2>
                    <p class="muted">
                        {district}
                        {station.in_resident_region.then(|| view! {
                            <span class="badge">{t(locale, "air-your-district")}</span>
                        })}
                    </p>
                </div>
                {station.aqi.clone().map(|aqi| view! { <AqiBadge aqi/> })}
            </div>
            {match station.aqi {
                Some(aqi) => view! { <AqiDetails aqi/> }.into_any(),
                None => view! { <p class="muted">{t(locale, "air-no-aqi")}</p> }.into_any(),
            }}
            <dl class="readings">
                {station.readings.into_iter().map(|reading| view! {
                    <div>
                        <dt>{reading.pollutant.symbol()}</dt>
                        <dd>{format!("{:.*}", usize::from(reading.decimals), reading.value)} " " <span class="unit">{reading.unit}</span></dd>
                    </div>
                }).collect_view()}
            </dl>
            <p class="muted measured">
                {t(locale, "air-measured")} " "
                <time>{station.measured_at}</time>
            </p>
        </li>
    }
}

fn scale_prefix(scale: AqiScale) -> &'static str {
    match scale {
        AqiScale::China => "china",
        AqiScale::UsEpa => "us",
    }
}

#[component]
fn AqiBadge(aqi: AqiValue) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let prefix = scale_prefix(aqi.scale);
    let category = t(locale, &format!("aqi-{prefix}-{}", aqi.category));
    view! {
        <div class=format!("aqi aqi-{prefix}-{}", aqi.category)>
            <span class="visually-hidden">{t(locale, "aqi-label")} " "</span>
            <span class="aqi-value">{aqi.value}</span>
            <span class="aqi-category">{category}</span>
        </div>
    }
}

#[component]
fn AqiDetails(aqi: AqiValue) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let prefix = scale_prefix(aqi.scale);
    let primary = if aqi.primary.is_empty() {
        t(locale, "air-no-primary")
    } else {
        aqi.primary
            .iter()
            .map(|p| p.symbol())
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <p class="primary">{t(locale, "air-primary")} ": " <strong>{primary}</strong></p>
        <p class="advice">{t(locale, &format!("aqi-{prefix}-advice-{}", aqi.category))}</p>
    }
}
