//! The bar at the top of every page: where am I, the way back, the other language.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::i18n::{t, Locale};

/// `back` is where the arrow leads, with its accessible label.
#[component]
pub fn PageHeader(
    title: String,
    #[prop(optional)] back: Option<(String, String)>,
) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let other = locale.other();
    let here = use_location().pathname.get_untracked();
    let switch_href = format!("/lang/{}?next={}", other.tag(), here);
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
