//! The bar at the top of every page: where am I, the way back, the other language.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::{
    account::Viewer,
    components::icons::PersonIcon,
    i18n::{t, t_args, Locale},
};

/// Percent-encodes what a path may not carry inside a query value.
pub(crate) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `back` is where the arrow leads, with its accessible label.
#[component]
pub fn PageHeader(
    title: String,
    #[prop(optional)] back: Option<(String, String)>,
) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let other = locale.other();
    let here = use_location().pathname.get_untracked();
    let switch_href = format!("/lang/{}?next={}", other.tag(), encode_path(&here));
    let here = encode_path(&here);
    view! {
        <header class="top-bar">
            {back.map(|(href, label)| view! {
                <a class="back" href=href aria-label=label>
                    <span aria-hidden="true">"‹"</span>
                </a>
            })}
            <p class="top-title">{title}</p>
            <AccountLink here=here.clone()/>
            <a class="lang-switch" href=switch_href hreflang=other.tag() lang=other.tag()
                title=t(locale, "switch-language")>
                {other.native_name()}
            </a>
        </header>
    }
}

/// "Sign in", or the signed-in resident's link to their page with the unread count.
#[component]
fn AccountLink(here: String) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    match use_context::<Viewer>().and_then(|v| v.resident) {
        Some(resident) => {
            let label = if resident.unread > 0 {
                t_args(
                    locale,
                    "header-account-unread",
                    &[("count", resident.unread.into())],
                )
            } else {
                t(locale, "header-account")
            };
            view! {
                <a class="account-link" href="/me" aria-label=label>
                    <PersonIcon/>
                    {(resident.unread > 0).then(|| view! {
                        <span class="unread-badge" aria-hidden="true" data-unread=resident.unread>{resident.unread}</span>
                    })}
                </a>
            }
            .into_any()
        }
        None => {
            let href = if here.starts_with("/signin") || here.starts_with("/signup") {
                "/signin".to_owned()
            } else {
                format!("/signin?next={here}")
            };
            view! { <a class="account-link" href=href>{t(locale, "header-sign-in")}</a> }.into_any()
        }
    }
}
