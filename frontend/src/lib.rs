//! The browser entry point. The portal renders on the server; only the interactive islands
//! ship as wasm and are hydrated here.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Linking `app` brings its islands into the bundle.
    app::link_islands();
    leptos::mount::hydrate_islands();
}
