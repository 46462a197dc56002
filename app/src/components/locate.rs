//! "Use my location": the browser's geolocation, resolved to a city and district by the
//! server at `/locate`. The only part of the home page that needs wasm.

use leptos::{html, prelude::*};
use wasm_bindgen::JsValue;

use crate::browser;

/// The button, hidden until its island is hydrated: without JavaScript there is no
/// geolocation, and the city list below it does the job.
#[component]
pub fn LocateButton(label: String, locating: String, failed: String) -> impl IntoView {
    view! {
        <Locator>
            <div class="locate" data-locating=locating data-failed=failed>
                <button type="button" class="button locate-button" hidden>{label}</button>
                <p class="locate-status" role="status" aria-live="polite"></p>
            </div>
        </Locator>
    }
}

/// What the button does, on the markup above.
#[island(lazy)]
pub fn Locator(children: Children) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        let Some(root) = root.get() else { return };
        if let (Some(locate), Some(button)) = (
            browser::child(&root, ".locate"),
            browser::child(&root, ".locate-button"),
        ) {
            button.set_hidden(false);
            let _ = locate.set_attribute("data-hydrated", "true");
        }
    });
    let on_click = move |event: web_sys::MouseEvent| {
        let Some(root) = root.get_untracked() else {
            return;
        };
        if browser::target_in(&event, ".locate-button").is_none() {
            return;
        }
        let (Some(locate), Some(status)) = (
            browser::child(&root, ".locate"),
            browser::child(&root, ".locate-status"),
        ) else {
            return;
        };
        status.set_text_content(Some(&browser::data(&locate, "locating")));
        let failed = browser::data(&locate, "failed");
        let say_failed = {
            let status = status.clone();
            move || status.set_text_content(Some(&failed))
        };
        if request_position(say_failed).is_err() {
            status.set_text_content(None);
        }
    };
    view! { <div class="island" node_ref=root on:click=on_click>{children()}</div> }
}

/// Asks the browser for a position; on success goes to `/locate`, on failure calls `on_error`.
fn request_position(on_error: impl FnOnce() + 'static) -> Result<(), JsValue> {
    use crate::browser::{fixed_digits, go_to, locate};
    locate(
        false,
        |lat, lon| {
            go_to(&format!(
                "/locate?lat={}&lon={}",
                fixed_digits(lat, 6),
                fixed_digits(lon, 6)
            ));
        },
        on_error,
    )
}
