//! A date or time as the portal writes it ("2026-12-06 10:02"), in a `<time>` element that
//! is never broken at its hyphens (a narrow column would otherwise wrap "2026-12-" apart).

use leptos::prelude::*;

#[component]
pub fn When(at: String) -> impl IntoView {
    view! { <time class="when">{at}</time> }
}
