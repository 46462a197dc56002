//! The script that loads the wasm and hydrates islands. Only pages with an island render it,
//! so a resident opening a city's menu or its air page downloads no JavaScript.

use leptos::prelude::*;

/// Leptos's islands bootstrap without its preload links, started once the page has loaded.
/// The bootstrap fetches the script and the wasm when the browser is next idle; preloading
/// them, or starting before the page's pictures are in, would put both downloads beside the
/// page's own content, which on a slow network then paints later (the wasm is most of a first
/// visit's bytes, and a camera's picture is its page's largest content). Each lazy island's
/// chunk is fetched when that island hydrates.
#[component]
pub fn IslandScripts() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let script = use_context::<LeptosOptions>().and_then(|options| {
        let bootstrap = view! { <HydrationScripts options islands=true/> }.to_html();
        module_script_body(&bootstrap).map(after_load)
    });
    #[cfg(not(feature = "ssr"))]
    let script: Option<String> = None;
    let nonce = leptos::nonce::use_nonce();
    script.map(|script| view! { <script type="module" nonce=nonce>{script}</script> })
}

/// The text of the first `<script type="module">` in `html`.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
fn module_script_body(html: &str) -> Option<&str> {
    let open = html.find("<script type=\"module\"")?;
    let start = open + html[open..].find('>')? + 1;
    let end = start + html[start..].find("</script>")?;
    Some(&html[start..end])
}

/// `script` run once the page has loaded (module scripts run before that, so the event is
/// still to come), or after `LOAD_WAIT_MS` if it has not: a picture that never comes must not
/// leave the page's islands dead.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
fn after_load(script: &str) -> String {
    format!(
        "{{ let started = false; const start = () => {{ if (started) return; started = true; {script} }}; \
         addEventListener(\"load\", start, {{ once: true }}); setTimeout(start, {LOAD_WAIT_MS}); }}"
    )
}

/// How long the islands wait for the page's load at most.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
const LOAD_WAIT_MS: u32 = 3000;

/// A decimal number; in the browser, parsed by the browser (the wasm then carries no
/// decimal parser of its own).
pub fn parse_number(text: &str) -> Option<f64> {
    #[cfg(target_arch = "wasm32")]
    let number = js_sys::parse_float(text.trim());
    #[cfg(not(target_arch = "wasm32"))]
    let number = text.trim().parse::<f64>().ok()?;
    Some(number).filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::{after_load, module_script_body};

    #[test]
    fn the_bootstrap_is_the_module_script_and_nothing_around_it() {
        let html = r#"<link rel="modulepreload" href="/pkg/a.js"><link rel="preload" href="/pkg/a.wasm"><script type="module" nonce="n">(() => {})("", "pkg")</script>"#;
        assert_eq!(module_script_body(html), Some(r#"(() => {})("", "pkg")"#));
        assert_eq!(module_script_body("<link rel=\"preload\">"), None);
    }

    #[test]
    fn the_bootstrap_waits_for_the_page_to_load_but_not_forever() {
        assert_eq!(
            after_load("boot()"),
            "{ let started = false; const start = () => { if (started) return; started = true; \
             boot() }; addEventListener(\"load\", start, { once: true }); setTimeout(start, 3000); }"
        );
    }
}
