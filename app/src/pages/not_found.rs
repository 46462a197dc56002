//! The 404 page: says so plainly and offers the cities the portal knows.

use crate::{components::raw_text::PageTitle, pages::load_once};
use leptos::prelude::*;

use crate::{
    api::list_cities,
    components::header::PageHeader,
    i18n::{t, Locale},
};

/// Sets the 404 status on the response being rendered.
pub fn set_not_found_status() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_not_found_status();
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "not-found-title")/>
        <PageHeader title=t(locale, "app-name") back=("/".to_owned(), t(locale, "nav-home"))/>
        <main class="page">
            <h1>{t(locale, "not-found-title")}</h1>
            <KnownCities/>
        </main>
    }
}

/// "We could not find that city": used by city pages given an unknown id.
#[component]
pub fn UnknownCity() -> impl IntoView {
    set_not_found_status();
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "unknown-city-title")/>
        <h1>{t(locale, "unknown-city-title")}</h1>
        <KnownCities/>
    }
}

#[component]
fn KnownCities() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let load = load_once(list_cities);
    view! {
        <p>{t(locale, "not-found-offer")}</p>
        <Suspense fallback=|| ()>
            {move || {
                let cities = load();
                Suspend::new(async move {
                let cities = cities.await.unwrap_or_default();
                view! {
                    <ul class="city-list">
                        {cities.into_iter().map(|city| view! {
                            <li><a href=format!("/c/{}", city.id)>
                                <span class="city-name">{city.name.get(locale).to_owned()}</span>
                            </a></li>
                        }).collect_view()}
                    </ul>
                }
            })}}
        </Suspense>
    }
}
