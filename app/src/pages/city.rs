//! `/c/{city}`: the city's service menu as a grid of tiles, for the resident's district.

use crate::{components::raw_text::PageTitle, pages::load_once};
use leptos::prelude::*;
use model::CityHome;

use super::{city_and_region, CityPageError};
use crate::{
    api::fetch_city_home,
    components::{header::PageHeader, icons::ServiceIcon},
    i18n::{t, Locale},
    prefs::Prefs,
};

#[component]
pub fn CityPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let (city_id, region) = city_and_region();
    // The page renders only on the server: a plain future, no resource to hydrate.
    let load = load_once(move || fetch_city_home(city_id.clone(), region.clone()));

    view! {
        <Suspense fallback=|| ()>
            {move || {
                let home = load();
                Suspend::new(async move {
                match home.await {
                    Ok(home) => {
                        remember_city(&home.city.id);
                        view! { <CityMenu home/> }.into_any()
                    }
                    Err(error) => view! {
                        <CityPageError error title=t(locale, "app-name")
                            back=("/".to_owned(), t(locale, "nav-home"))/>
                    }.into_any(),
                }
            })}}
        </Suspense>
    }
}

/// The next visit to `/` offers this city first.
fn remember_city(city: &str) {
    let known = use_context::<Prefs>().and_then(|prefs| prefs.city);
    if known.as_deref() == Some(city) {
        return;
    }
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let cookie = crate::prefs::preference_cookie(crate::prefs::CITY_COOKIE, city);
        if let Ok(value) = http::HeaderValue::from_str(&cookie) {
            response.append_header(http::header::SET_COOKIE, value);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = city;
}

#[component]
fn CityMenu(home: CityHome) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city_name = home.city.name.get(locale).to_owned();
    let city_id = home.city.id.clone();
    let current_region = home.region.as_ref().map(|r| r.id.clone());

    view! {
        <PageTitle text=format!("{} · {}", city_name, t(locale, "app-name"))/>
        <PageHeader title=city_name.clone() back=("/".to_owned(), t(locale, "nav-change-city"))/>
        <main class="page">
            <h1>{t(locale, "city-services")}</h1>
            <form class="region-picker" id="district" method="get" action="/prefs/region">
                <input type="hidden" name="city" value=city_id.clone()/>
                <label for="region">{t(locale, "city-your-district")}</label>
                <div class="region-row">
                    <select id="region" name="region">
                        <option value="" selected=current_region.is_none()>
                            {t(locale, "city-district-unknown")}
                        </option>
                        {home.regions.iter().map(|region| view! {
                            <option value=region.id.clone()
                                selected=current_region.as_deref() == Some(region.id.as_str())>
                                {region.name.get(locale).to_owned()}
                            </option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="button secondary">{t(locale, "city-set-district")}</button>
                </div>
            </form>
            {if home.tiles.is_empty() {
                view! { <p class="notice">{t(locale, "city-no-services")}</p> }.into_any()
            } else {
                view! {
                    <ul class="tiles">
                        {home.tiles.into_iter().map(|tile| {
                            let href = format!("/c/{}/{}", city_id, tile.service.id());
                            view! {
                                <li>
                                    <a class="tile" href=href data-service=tile.service.id()>
                                        <ServiceIcon service=tile.service/>
                                        <span class="tile-name">{t(locale, tile.service.name_key())}</span>
                                        {tile.degraded.then(|| view! {
                                            <span class="tile-note">{t(locale, "tile-degraded")}</span>
                                        })}
                                    </a>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </main>
    }
}
