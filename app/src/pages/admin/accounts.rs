//! `/admin/admins`: the platform admin's list of admins, and the form that creates a city
//! admin.

use crate::components::raw_text::PageTitle;
use leptos::prelude::*;

use crate::pages::Loaded;

use super::ConsoleHeader;
use crate::{
    api::fetch_admin_accounts,
    i18n::{t, Locale},
    pages::forms::FormMessages,
};

#[component]
pub fn AdminAccountsPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "admin-accounts-title")/>
        <ConsoleHeader title=t(locale, "admin-title") back=("/admin".to_owned(), t(locale, "admin-your-cities"))/>
        <main class="page">
            <h1>{t(locale, "admin-accounts-title")}</h1>
            <FormMessages/>
            <Loaded
                fetch=fetch_admin_accounts
                admin=true
                show=move |accounts| {
                    view! {
                        <table class="data-table" tabindex="0">
                            <thead><tr>
                                <th scope="col">{t(locale, "field-username")}</th>
                                <th scope="col">{t(locale, "admin-role")}</th>
                            </tr></thead>
                            <tbody>
                                {accounts.admins.into_iter().map(|a| view! {
                                    <tr>
                                        <td>{a.username}</td>
                                        <td>{if a.is_platform { t(locale, "admin-role-platform") } else { a.cities.join(", ") }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <h2>{t(locale, "admin-create-title")}</h2>
                        <form method="post" action="/admin/admins" class="stack">
                            <label for="username">{t(locale, "field-username")}</label>
                            <input id="username" name="username" type="text" autocomplete="off" required
                                pattern="[a-z0-9._\\-]{3,32}" aria-describedby="username-hint"/>
                            <p class="hint" id="username-hint">{t(locale, "admin-username-hint")}</p>
                            <label for="password">{t(locale, "field-password")}</label>
                            <input id="password" name="password" type="password" autocomplete="new-password"
                                required minlength="8"/>
                            <fieldset>
                                <legend>{t(locale, "admin-create-cities")}</legend>
                                {accounts.cities.into_iter().map(|city| {
                                    let id = format!("city-{}", city.id);
                                    view! {
                                        <div class="check">
                                            <input type="checkbox" name="city" id=id.clone() value=city.id.clone()/>
                                            <label for=id>{city.name.get(locale).to_owned()}</label>
                                        </div>
                                    }
                                }).collect_view()}
                            </fieldset>
                            <button type="submit" class="button">{t(locale, "admin-create-submit")}</button>
                        </form>
                    }.into_any()
                }
            />
        </main>
    }
}
