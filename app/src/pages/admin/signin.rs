//! `/admin/signin`.

use crate::components::raw_text::PageTitle;
use leptos::prelude::*;

use super::ConsoleHeader;
use crate::{
    i18n::{t, Locale},
    pages::forms::FormMessages,
};

#[component]
pub fn AdminSignInPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "admin-signin-title")/>
        <ConsoleHeader title=t(locale, "admin-title")/>
        <main class="page narrow">
            <h1>{t(locale, "admin-signin-title")}</h1>
            <FormMessages/>
            <form method="post" action="/admin/signin" class="stack">
                <label for="username">{t(locale, "field-username")}</label>
                <input id="username" name="username" type="text" autocomplete="username" required/>
                <label for="password">{t(locale, "field-password")}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                <button type="submit" class="button">{t(locale, "signin-submit")}</button>
            </form>
        </main>
    }
}
