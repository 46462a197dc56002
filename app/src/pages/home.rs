//! `/`: choose a city, or let the browser locate you.

use crate::{components::raw_text::PageTitle, pages::load_once};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    api::list_cities,
    components::{header::PageHeader, islands::IslandScripts, locate::LocateButton},
    i18n::{t, Locale},
    prefs::Prefs,
};

#[component]
pub fn HomePage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let prefs = use_context::<Prefs>().unwrap_or_default();
    let outside = use_query_map().get_untracked().get("located").as_deref() == Some("outside");

    let load = load_once(list_cities);
    view! {
        <PageTitle text=t(locale, "app-name")/>
        <PageHeader title=t(locale, "app-name")/>
        <main class="page">
            <h1>{t(locale, "home-title")}</h1>
            {outside.then(|| view! {
                <p class="notice" role="alert">{t(locale, "home-located-outside")}</p>
            })}
            <LocateButton
                label=t(locale, "home-use-location")
                locating=t(locale, "home-locating")
                failed=t(locale, "home-location-failed")
            />
            <Suspense fallback=|| ()>
                {move || {
                    let remembered = prefs.city.clone();
                    let cities = load();
                    Suspend::new(async move {
                        let cities = cities.await.unwrap_or_default();
                        let continue_to = remembered
                            .and_then(|id| cities.iter().find(|c| c.id == id).cloned());
                        view! {
                            {continue_to.map(|city| view! {
                                <a class="button continue" href=format!("/c/{}", city.id)>
                                    {t(locale, "home-continue")} " " {city.name.get(locale).to_owned()}
                                </a>
                            })}
                            <h2 class="section-title">{t(locale, "home-all-cities")}</h2>
                            <ul class="city-list">
                                {cities.into_iter().map(|city| view! {
                                    <li>
                                        <a href=format!("/c/{}", city.id)>
                                            <span class="city-name">{city.name.get(locale).to_owned()}</span>
                                            <span class="city-other" lang=locale.other().tag()>
                                                {city.name.get(locale.other()).to_owned()}
                                            </span>
                                        </a>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }
                    })
                }}
            </Suspense>
        </main>
        <IslandScripts/>
    }
}
