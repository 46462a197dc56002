//! The script that loads the wasm bundle and hydrates islands. Only pages with an island
//! render it, so a resident opening a city's menu or its air page downloads no JavaScript.

use leptos::prelude::*;

#[component]
pub fn IslandScripts() -> impl IntoView {
    use_context::<LeptosOptions>().map(|options| view! { <HydrationScripts options islands=true/> })
}

/// Reads island props that cross as a list of strings (`#[serde(into = "Vec<String>",
/// try_from = "Vec<String>")]`). A struct's derived deserializer costs the wasm kilobytes
/// per struct; a list of strings costs nothing more than the first one did.
pub struct PropList(std::vec::IntoIter<String>);

impl PropList {
    pub fn new(list: Vec<String>) -> Self {
        PropList(list.into_iter())
    }

    pub fn text(&mut self) -> Result<String, String> {
        self.0
            .next()
            .ok_or_else(|| "island props: too few".to_owned())
    }

    pub fn number(&mut self) -> Result<f64, String> {
        let text = self.text()?;
        parse_number(&text).ok_or_else(|| format!("island props: not a number: {text}"))
    }
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
