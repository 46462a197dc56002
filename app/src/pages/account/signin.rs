//! `/signin`, `/signup` and `/signup/verify`: password and passkey sign-in, and sign-up with
//! a one-time code. The forms post to the server's handlers; passkeys need the passkey
//! island, and without JavaScript its button stays hidden.

use crate::{components::raw_text::PageTitle, pages::load_once};
use leptos::prelude::*;

use super::passkey::{PasskeyButton, PasskeyCeremony};
use crate::{
    api::fetch_pending_code,
    components::{header::PageHeader, islands::IslandScripts},
    i18n::{t, Locale},
    pages::forms::{kept_contact, query, FormMessages},
};

fn next_value() -> String {
    query("next").unwrap_or_default()
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let next = next_value();
    let signup_href = if next.is_empty() {
        "/signup".to_owned()
    } else {
        format!("/signup?next={}", crate::pages::forms::encode(&next))
    };
    view! {
        <PageTitle text=t(locale, "signin-title")/>
        <PageHeader title=t(locale, "app-name") back=("/".to_owned(), t(locale, "nav-home"))/>
        <main class="page narrow">
            <h1>{t(locale, "signin-title")}</h1>
            <FormMessages/>
            {query("next").map(|_| view! { <p>{t(locale, "signin-needed")}</p> })}
            <form method="post" action="/signin" class="stack" id="signin-form">
                <input type="hidden" name="next" value=next.clone()/>
                <label for="contact">{t(locale, "field-contact")}</label>
                <input id="contact" name="contact" type="text" autocomplete="username webauthn"
                    required value=kept_contact() aria-describedby="contact-hint"/>
                <p class="hint" id="contact-hint">{t(locale, "field-contact-hint")}</p>
                <label for="password">{t(locale, "field-password")}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                <button type="submit" class="button">{t(locale, "signin-submit")}</button>
            </form>
            <PasskeyButton ceremony=PasskeyCeremony::SignIn { next }
                label=t(locale, "signin-passkey") failed=t(locale, "account-error-passkey")
                lead=Some(t(locale, "signin-or"))/>
            <p>{t(locale, "signin-no-account")}" "<a href=signup_href>{t(locale, "signup-title")}</a></p>
        </main>
        <IslandScripts/>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "signup-title")/>
        <PageHeader title=t(locale, "app-name") back=("/signin".to_owned(), t(locale, "signin-title"))/>
        <main class="page narrow">
            <h1>{t(locale, "signup-title")}</h1>
            <FormMessages/>
            <form method="post" action="/signup" class="stack">
                <input type="hidden" name="next" value=next_value()/>
                <label for="contact">{t(locale, "field-contact")}</label>
                <input id="contact" name="contact" type="text" autocomplete="username"
                    required value=kept_contact() aria-describedby="contact-hint"/>
                <p class="hint" id="contact-hint">{t(locale, "field-contact-hint")}</p>
                <label for="display_name">{t(locale, "field-display-name")}</label>
                <input id="display_name" name="display_name" type="text" autocomplete="nickname" maxlength="60"/>
                <label for="password">{t(locale, "field-password")}</label>
                <input id="password" name="password" type="password" autocomplete="new-password"
                    required minlength="8" maxlength="128" aria-describedby="password-hint"/>
                <p class="hint" id="password-hint">{t(locale, "field-password-hint")}</p>
                <button type="submit" class="button">{t(locale, "signup-submit")}</button>
            </form>
        </main>
    }
}

/// `/signup/verify?pending=…` and `/me/contact?pending=…`: type the code that was sent.
#[component]
pub fn CodePage(
    #[prop(into)] action: String,
    /// Where "start again" leads when the code has expired.
    #[prop(into)]
    restart: String,
) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let pending = query("pending").unwrap_or_default();
    let next = next_value();
    let load = load_once({
        let pending = pending.clone();
        move || fetch_pending_code(pending.clone())
    });
    view! {
        <PageTitle text=t(locale, "code-title")/>
        <PageHeader title=t(locale, "app-name") back=("/".to_owned(), t(locale, "nav-home"))/>
        <main class="page narrow">
            <h1>{t(locale, "code-title")}</h1>
            <FormMessages/>
            <Suspense fallback=|| ()>
                {move || {
                    let info = load();
                    let pending = pending.clone();
                    let next = next.clone();
                    let action = action.clone();
                    let restart = restart.clone();
                    Suspend::new(async move {
                        match info.await {
                            Ok(info) => view! {
                                <p>{crate::i18n::t_args(locale, "code-sent-to", &[("to", info.sent_to.into())])}</p>
                                <form method="post" action=action class="stack">
                                    <input type="hidden" name="pending" value=pending/>
                                    <input type="hidden" name="next" value=next/>
                                    <label for="code">{t(locale, "field-code")}</label>
                                    <input id="code" name="code" type="text" inputmode="numeric"
                                        autocomplete="one-time-code" maxlength="12" required/>
                                    <button type="submit" class="button">{t(locale, "code-submit")}</button>
                                </form>
                            }.into_any(),
                            Err(_) => view! {
                                <p class="notice error" role="alert">{t(locale, "account-error-code-expired")}</p>
                                <p><a href=restart>{t(locale, "code-start-again")}</a></p>
                            }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </main>
    }
}

#[component]
pub fn SignUpCodePage() -> impl IntoView {
    view! { <CodePage action="/signup/verify" restart="/signup"/> }
}

#[component]
pub fn ContactCodePage() -> impl IntoView {
    view! { <CodePage action="/me/contact" restart="/me"/> }
}
