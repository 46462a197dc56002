//! `/admin`: the cities this admin runs.

use crate::{components::raw_text::PageTitle, pages::load_once};
use leptos::prelude::*;

use super::ConsoleHeader;
use crate::{
    api::fetch_admin_home,
    i18n::{t, Locale},
    pages::forms::{load_failed, FormMessages},
};

#[component]
pub fn AdminHomePage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let load = load_once(fetch_admin_home);
    view! {
        <PageTitle text=t(locale, "admin-title")/>
        <ConsoleHeader title=t(locale, "admin-title")/>
        <main class="page">
            <FormMessages/>
            <Suspense fallback=|| ()>
                {move || {
                    let home = load();
                    Suspend::new(async move {
                        let home = match home.await {
                            Ok(home) => home,
                            Err(error) => return load_failed(error, true),
                        };
                        view! {
                            <h1>{t(locale, "admin-your-cities")}</h1>
                            <ul class="city-list">
                                {home.cities.into_iter().map(|city| view! {
                                    <li><a href=format!("/admin/c/{}", city.id)>
                                        <span class="city-name">{city.name.get(locale).to_owned()}</span>
                                    </a></li>
                                }).collect_view()}
                            </ul>
                            {home.is_platform.then(|| view! {
                                <p><a href="/admin/admins">{t(locale, "admin-accounts-title")}</a></p>
                            })}
                        }.into_any()
                    })
                }}
            </Suspense>
        </main>
    }
}
