//! The bar at the top of every page: where am I, the way back, the other language.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::i18n::{t, Locale};

/// Percent-encodes what a path may not carry inside a query value.
fn encode_path(path: &str) -> String {
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
    view! {
        <header class="top-bar">
            {back.map(|(href, label)| view! {
                <a class="back" href=href aria-label=label>
                    <span aria-hidden="true">"‹"</span>
                </a>
            })}
            <p class="top-title">{title}</p>
            <a class="lang-switch" href=switch_href hreflang=other.tag() lang=other.tag()
                title=t(locale, "switch-language")>
                {other.native_name()}
            </a>
        </header>
    }
}
