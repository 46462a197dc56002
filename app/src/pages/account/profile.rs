//! `/me`: the resident's profile (name, phone, email, home), passkeys and sessions.

use super::passkey::{PasskeyButton, PasskeyCeremony};
use crate::components::raw_text::PageTitle;
use leptos::prelude::*;

use crate::pages::Loaded;

use crate::{
    account::Profile,
    api::fetch_profile,
    components::{header::PageHeader, islands::IslandScripts},
    i18n::{t, t_args, Locale},
    pages::forms::{kept_contact, FormMessages},
};

#[component]
pub fn ProfilePage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "profile-title")/>
        <PageHeader title=t(locale, "profile-title") back=("/".to_owned(), t(locale, "nav-home"))/>
        <main class="page narrow">
            <FormMessages/>
            <Loaded
                fetch=fetch_profile
                show=|profile| view! { <ProfileView profile/> }.into_any()
            />
        </main>
        <IslandScripts/>
    }
}

#[component]
fn ProfileView(profile: Profile) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let home = match (&profile.home_city, &profile.home_region) {
        (Some(city), Some(region)) => format!("{city}/{region}"),
        (Some(city), None) => city.clone(),
        _ => String::new(),
    };
    let not_set = t(locale, "profile-not-set");
    view! {
        <h1>{t(locale, "profile-title")}</h1>
        // The account's parts as a menu of large targets, not a run of underlined words.
        <nav class="account-menu" aria-label=t(locale, "profile-title")>
            <ul>
                {[
                    ("/inbox", "inbox-title"),
                    ("/me/reports", "my-reports-title"),
                    ("/me/payments", "my-payments-title"),
                    ("/me/appointments", "appointments-mine"),
                    ("/me/family", "family-title"),
                    ("/me/data", "mydata-title"),
                ].into_iter().map(|(href, key)| view! {
                    <li><a href=href>{t(locale, key)}</a></li>
                }).collect_view()}
            </ul>
        </nav>

        <section aria-labelledby="profile-heading">
            <h2 id="profile-heading">{t(locale, "profile-details")}</h2>
            <form method="post" action="/me" class="stack">
                <label for="display_name">{t(locale, "field-display-name")}</label>
                <input id="display_name" name="display_name" type="text" maxlength="60"
                    autocomplete="nickname" value=profile.display_name.clone()/>
                <label for="home">{t(locale, "field-home")}</label>
                <select id="home" name="home">
                    <option value="" selected=home.is_empty()>{not_set.clone()}</option>
                    {profile.places.iter().map(|place| {
                        let city_id = place.city.id.clone();
                        let city_name = place.city.name.get(locale).to_owned();
                        view! {
                            <optgroup label=city_name.clone()>
                                <option value=city_id.clone() selected=home == city_id>
                                    {format!("{city_name} · {}", t(locale, "profile-whole-city"))}
                                </option>
                                {place.regions.iter().map(|region| {
                                    let value = format!("{}/{}", city_id, region.id);
                                    view! {
                                        <option selected=home == value value=value.clone()>
                                            {format!("{city_name} · {}", region.name.get(locale))}
                                        </option>
                                    }
                                }).collect_view()}
                            </optgroup>
                        }
                    }).collect_view()}
                </select>
                <button type="submit" class="button">{t(locale, "profile-save")}</button>
            </form>
        </section>

        <section aria-labelledby="contact-heading">
            <h2 id="contact-heading">{t(locale, "profile-contacts")}</h2>
            <dl class="facts">
                <dt>{t(locale, "field-email")}</dt>
                <dd data-field="email">{profile.email.clone().unwrap_or_else(|| not_set.clone())}</dd>
                <dt>{t(locale, "field-phone")}</dt>
                <dd data-field="phone">{profile.phone.clone().unwrap_or_else(|| not_set.clone())}</dd>
            </dl>
            <form method="post" action="/me/contact/add" class="stack">
                <label for="contact">{t(locale, "profile-add-contact")}</label>
                <input id="contact" name="contact" type="text" required value=kept_contact()/>
                <button type="submit" class="button secondary">{t(locale, "profile-send-code")}</button>
            </form>
        </section>

        <section aria-labelledby="password-heading">
            <h2 id="password-heading">{t(locale, "profile-password")}</h2>
            <form method="post" action="/me/password" class="stack">
                <label for="current">{t(locale, "field-current-password")}</label>
                <input id="current" name="current" type="password" autocomplete="current-password" required/>
                <label for="new">{t(locale, "field-new-password")}</label>
                <input id="new" name="new" type="password" autocomplete="new-password" required
                    minlength="8" maxlength="128" aria-describedby="new-hint"/>
                <p class="hint" id="new-hint">{t(locale, "field-password-hint")}</p>
                <button type="submit" class="button secondary">{t(locale, "profile-password-change")}</button>
            </form>
        </section>

        <section aria-labelledby="passkey-heading">
            <h2 id="passkey-heading">{t(locale, "profile-passkeys")}</h2>
            {if profile.passkeys.is_empty() {
                view! { <p>{t(locale, "profile-no-passkeys")}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list passkeys">
                        {profile.passkeys.into_iter().map(|passkey| view! {
                            <li>
                                <span>{t_args(locale, "profile-passkey-added", &[("date", passkey.added.into())])}</span>
                                {passkey.last_used.map(|used| view! {
                                    <span class="hint">{t_args(locale, "profile-passkey-used", &[("date", used.into())])}</span>
                                })}
                                <form method="post" action="/me/passkeys/remove">
                                    <input type="hidden" name="id" value=passkey.id/>
                                    <button type="submit" class="button link">{t(locale, "profile-passkey-remove")}</button>
                                </form>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <PasskeyButton ceremony=PasskeyCeremony::Register
                label=t(locale, "profile-passkey-add") failed=t(locale, "account-error-passkey")
                lead=None/>
        </section>

        <section aria-labelledby="session-heading">
            <h2 id="session-heading">{t(locale, "profile-sessions")}</h2>
            <p>{t_args(locale, "profile-session-count", &[("count", profile.sessions.into())])}</p>
            <div class="button-row">
                <form method="post" action="/signout">
                    <button type="submit" class="button secondary">{t(locale, "signout")}</button>
                </form>
                <form method="post" action="/signout/everywhere">
                    <button type="submit" class="button secondary">{t(locale, "signout-everywhere")}</button>
                </form>
            </div>
        </section>
    }
}
