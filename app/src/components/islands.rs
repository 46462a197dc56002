//! The script that loads the wasm bundle and hydrates islands. Only pages with an island
//! render it, so a resident opening a city's menu or its air page downloads no JavaScript.

use leptos::prelude::*;

#[component]
pub fn IslandScripts() -> impl IntoView {
    use_context::<LeptosOptions>().map(|options| view! { <HydrationScripts options islands=true/> })
}
