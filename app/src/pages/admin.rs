//! The admin console under `/admin`: server-rendered pages for busy city officials. What an
//! admin may see is checked by the server on every request; these pages only display.

pub mod accounts;
pub mod city;
pub mod home;
pub mod signin;

use leptos::prelude::*;

use crate::i18n::{t, Locale};

/// The console's bar: where am I, who am I, sign out.
#[component]
pub fn ConsoleHeader(
    title: String,
    #[prop(optional)] back: Option<(String, String)>,
) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    #[cfg(feature = "ssr")]
    let username = crate::request::viewer().admin.map(|a| a.username);
    #[cfg(not(feature = "ssr"))]
    let username: Option<String> = None;
    view! {
        <header class="top-bar console-bar">
            {back.map(|(href, label)| view! {
                <a class="back" href=href aria-label=label><span aria-hidden="true">"‹"</span></a>
            })}
            <p class="top-title">{title}</p>
            {username.map(|name| view! {
                <form method="post" action="/admin/signout" class="inline">
                    <span class="hint">{name}</span>" "
                    <button type="submit" class="button link">{t(locale, "signout")}</button>
                </form>
            })}
        </header>
    }
}

/// Tabs of one city's console.
#[component]
pub fn CityTabs(city: String, current: &'static str) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let tab = move |key: &'static str, href: String, label: &'static str| {
        view! {
            <a href=href aria-current=(current == key).then_some("page")>{t(locale, label)}</a>
        }
    };
    view! {
        <nav class="tabs" aria-label=t(locale, "admin-city-sections")>
            {tab("services", format!("/admin/c/{city}"), "admin-tab-services")}
            {tab("health", format!("/admin/c/{city}/health"), "admin-tab-health")}
            {tab("payments", format!("/admin/c/{city}/payments"), "admin-tab-payments")}
            {tab("audit", format!("/admin/c/{city}/audit"), "admin-tab-audit")}
        </nav>
    }
}
