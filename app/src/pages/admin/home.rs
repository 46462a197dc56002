//! `/admin`: the cities this admin runs.

use crate::components::raw_text::PageTitle;
use leptos::prelude::*;

use crate::pages::Loaded;

use super::ConsoleHeader;
use crate::{
    api::fetch_admin_home,
    i18n::{t, Locale},
    pages::forms::FormMessages,
};

#[component]
pub fn AdminHomePage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "admin-title")/>
        <ConsoleHeader title=t(locale, "admin-title")/>
        <main class="page">
            <FormMessages/>
            <Loaded
                fetch=fetch_admin_home
                admin=true
                show=move |home| {
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
                }
            />
        </main>
    }
}
