//! "Use my location": the browser's geolocation, resolved to a city and district by the
//! server at `/locate`. An island: the only part of the home page that needs wasm.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// The button stays hidden until hydrated: without JavaScript there is no geolocation, and
/// the city list below it does the job.
#[island]
pub fn LocateButton(label: String, locating: String, failed: String) -> impl IntoView {
    let (hydrated, set_hydrated) = signal(false);
    let (status, set_status) = signal(String::new());
    Effect::new(move |_| set_hydrated.set(true));

    let on_click = move |_| {
        set_status.set(locating.clone());
        let failed = failed.clone();
        if request_position(move || set_status.set(failed)).is_err() {
            set_status.set(String::new());
        }
    };

    view! {
        <div class="locate" data-hydrated=move || hydrated.get().then_some("true")>
            <button type="button" class="button locate-button" hidden=move || !hydrated.get()
                on:click=on_click>
                {label}
            </button>
            <p class="locate-status" role="status" aria-live="polite">{move || status.get()}</p>
        </div>
    }
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
