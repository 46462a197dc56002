//! The address search above the pin map: a field and a button that belong to the page's
//! `#place-search` form (a GET: only the place's name goes into the address), and the page
//! comes back with the places found as links that put the pin there (the map's island,
//! with JavaScript, then shows the pin and zooms to its streets). The same with or without
//! JavaScript: searching is what a resident does first, before typing anything the
//! page would lose, and it keeps the island (every page's first visit) small.

use leptos::prelude::*;

use crate::{
    i18n::{t, Locale},
    pages::forms::encode,
    reports::PlaceSearch,
};

/// What the search box needs: where it searches, the form's category (kept in the links)
/// and what the last search found.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceSearchSetup {
    pub city: String,
    /// "No place of that name was found in Shenzhen…"
    pub none_found: String,
    pub category: String,
    pub found: Option<PlaceSearch>,
}

/// The search field, its button and the places found (drawn by the server).
#[component]
pub fn PlaceSearchBox(setup: PlaceSearchSetup) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let PlaceSearchSetup {
        city,
        none_found,
        category,
        found,
    } = setup;
    let query = found.as_ref().map(|f| f.query.clone()).unwrap_or_default();
    let link = {
        let (city, category) = (city.clone(), category.clone());
        move |lat: f64, lon: f64| {
            format!(
                "/c/{city}/report?category={}&lat={lat:.6}&lon={lon:.6}#field-pin",
                encode(&category)
            )
        }
    };
    let results = found.map(|found| {
        if found.failed {
            return view! { <p class="notice">{t(locale, "report-place-failed")}</p> }.into_any();
        }
        if found.found.is_empty() {
            return view! { <p class="notice">{none_found}</p> }.into_any();
        }
        view! {
            <p>{t(locale, "report-place-results")}</p>
            <ul class="plain-list place-list">
                {found.found.into_iter().map(|place| view! {
                    <li>
                        <a href=link(place.lat, place.lon) data-lat=place.lat.to_string()
                            data-lon=place.lon.to_string() data-name=place.name.clone()>
                            <strong>{place.name.clone()}</strong>
                            " "<span class="hint">{place.context}</span>
                        </a>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    });
    view! {
        <div class="place-search field" role="search">
            <label for="place-query">{t(locale, "report-place-search")}</label>
            <div class="search-row">
                <input type="search" id="place-query" name="place" form="place-search"
                    maxlength="100" autocomplete="off" enterkeyhint="search" value=query
                    aria-describedby="place-query-hint"/>
                <input type="hidden" name="category" value=category form="place-search"/>
                <button type="submit" form="place-search" class="button secondary">
                    {t(locale, "report-place-search-button")}</button>
            </div>
            <p class="hint" id="place-query-hint">{t(locale, "report-place-search-hint")}</p>
            <div id="place-results" aria-live="polite">{results}</div>
        </div>
    }
}
