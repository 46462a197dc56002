//! The script that loads the wasm bundle and hydrates islands. Only pages with an island
//! render it, so a resident opening a city's menu or its air page downloads no JavaScript.

use leptos::prelude::*;

#[component]
pub fn IslandScripts() -> impl IntoView {
    use_context::<LeptosOptions>().map(|options| view! { <HydrationScripts options islands=true/> })
}

/// A decimal number; in the browser, parsed by the browser (the wasm then carries no
/// decimal parser of its own).
pub fn parse_number(text: &str) -> Option<f64> {
    #[cfg(target_arch = "wasm32")]
    let number = js_sys::parse_float(text.trim());
    #[cfg(not(target_arch = "wasm32"))]
    let number = text.trim().parse::<f64>().ok()?;
    Some(number).filter(|n| n.is_finite())
}
