//! City Portal's user interface: pages, components, message catalogs and the types that cross
//! between server and browser.
//!
//! Pages render on the server and read complete without JavaScript. Only islands
//! (`#[island]`) are shipped as wasm and hydrated, so a first visit stays small on a slow
//! phone network.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
mod components;
pub mod error;
pub mod i18n;
pub mod model;
mod pages;
pub mod prefs;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::i18n::{t, Locale};

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Pages with islands load the wasm themselves (`components::islands::IslandScripts`);
    // the others ship no JavaScript at all.
    provide_context(options);
    #[cfg(feature = "ssr")]
    prefs::provide_request_prefs();
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <!DOCTYPE html>
        <html lang=locale.html_lang()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // Static head entries are written here, not through leptos_meta: nothing to
                // collect and splice per request.
                <link rel="stylesheet" href="/pkg/city_portal.css"/>
                <link rel="icon" href="/favicon.svg"/>
                <meta name="description" content=t(locale, "app-description")/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The router: every page the resident can reach.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Router>
            <Routes fallback=pages::not_found::NotFoundPage>
                <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city") view=pages::city::CityPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city/air") view=pages::air::AirPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

/// Referenced by the wasm entry point so that the linker keeps this crate's islands.
pub fn link_islands() {}
