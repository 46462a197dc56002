//! The address search above the pin map: a field and a button that belong to the page's
//! `#place-search` form (a GET), so without JavaScript the page comes back with the places
//! found as links that put the pin there. With JavaScript the map's island asks
//! `/api/c/{city}/places` instead and moves the pin without leaving the page (one place
//! found: at once; several: the resident chooses).

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::{
    browser::{self, fixed_digits, wire},
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
                <button type="submit" form="place-search" class="button secondary"
                    data-action="search">{t(locale, "report-place-search-button")}</button>
            </div>
            <p class="hint" id="place-query-hint">{t(locale, "report-place-search-hint")}</p>
            <div id="place-results" aria-live="polite">{results}</div>
        </div>
    }
}

/// Searches for what the field holds and lists the places found; one place found is gone
/// to at once (`go_to` with its link).
pub fn search(city: &str, go_to: impl Fn(web_sys::Element) + 'static) {
    let Some(field) = browser::input_by_id("place-query") else {
        return;
    };
    let query = field.value().trim().to_owned();
    if query.is_empty() {
        return;
    }
    let language = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|html| html.get_attribute("lang"))
        .unwrap_or_default();
    let url = format!(
        "/api/c/{}/places?q={}&lang={}",
        encode_component(city),
        encode_component(&query),
        encode_component(&language)
    );
    let city = city.to_owned();
    leptos::task::spawn_local(async move {
        let found = match browser::send("GET", &url, None).await {
            Ok(answer) if answer.ok() => answer.js().unwrap_or(JsValue::UNDEFINED),
            _ => return say(&word("place-failed")),
        };
        let places = wire::items(&found, None);
        if places.is_empty() {
            return say(&word("place-none"));
        }
        let Some(results) = browser::element_by_id("place-results") else {
            return;
        };
        results.set_text_content(None);
        let Some(list) = browser::create("ul") else {
            return;
        };
        list.set_class_name("plain-list place-list");
        let mut links = Vec::new();
        for place in &places {
            let (Some(name), Some(lat), Some(lon)) = (
                wire::text(place, wire::PLACE_NAME),
                wire::number(place, wire::PLACE_LAT),
                wire::number(place, wire::PLACE_LON),
            ) else {
                continue;
            };
            let context = wire::text(place, wire::PLACE_CONTEXT).unwrap_or_default();
            let (Some(item), Some(link), Some(strong), Some(hint)) = (
                browser::create("li"),
                browser::create("a"),
                browser::create("strong"),
                browser::create("span"),
            ) else {
                continue;
            };
            let category = browser::element_by_id("pin-picker")
                .map(|p| browser::data(&p, "category"))
                .unwrap_or_default();
            for (attribute, value) in [
                (
                    "href",
                    format!(
                        "/c/{}/report?category={}&lat={}&lon={}#field-pin",
                        encode_component(&city),
                        encode_component(&category),
                        fixed_digits(lat, 6),
                        fixed_digits(lon, 6)
                    ),
                ),
                ("data-lat", fixed_digits(lat, 6)),
                ("data-lon", fixed_digits(lon, 6)),
                ("data-name", name.clone()),
            ] {
                let _ = link.set_attribute(attribute, &value);
            }
            strong.set_text_content(Some(&name));
            hint.set_class_name("hint");
            hint.set_text_content(Some(&format!(" {context}")));
            let _ = link.append_child(&strong);
            let _ = link.append_child(&hint);
            let _ = item.append_child(&link);
            let _ = list.append_child(&item);
            links.push(link);
        }
        let _ = results.append_child(&list);
        if let [only] = &links[..] {
            go_to(only.clone().into());
        }
    });
}

/// A line in the results area (read out: it is a live region).
fn say(text: &str) {
    let (Some(results), Some(line)) = (
        browser::element_by_id("place-results"),
        browser::create("p"),
    ) else {
        return;
    };
    line.set_class_name("notice");
    line.set_text_content(Some(text));
    results.set_text_content(None);
    let _ = results.append_child(&line);
}

fn word(name: &str) -> String {
    browser::element_by_id("pin-picker")
        .map(|setup| browser::data(&setup, name))
        .unwrap_or_default()
}

fn encode_component(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}
