//! "Use my location": the browser's geolocation, resolved to a city and district by the
//! server at `/locate`. An island: the only part of the home page that needs wasm.

use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

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
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let geolocation = window.navigator().geolocation()?;
    let on_success = Closure::once_into_js(move |position: JsValue| {
        let coordinate = |name: &str| {
            js_sys::Reflect::get(&position, &"coords".into())
                .and_then(|coords| js_sys::Reflect::get(&coords, &name.into()))
                .ok()
                .and_then(|value| value.as_f64())
        };
        if let (Some(lat), Some(lon), Some(window)) = (
            coordinate("latitude"),
            coordinate("longitude"),
            web_sys::window(),
        ) {
            let _ = window
                .location()
                .assign(&format!("/locate?lat={lat:.6}&lon={lon:.6}"));
        }
    });
    let on_failure = Closure::once_into_js(move |_error: JsValue| on_error());
    let options = web_sys::PositionOptions::new();
    options.set_timeout(15_000);
    options.set_maximum_age(600_000);
    geolocation.get_current_position_with_error_callback_and_options(
        on_success.unchecked_ref(),
        Some(on_failure.unchecked_ref()),
        &options,
    )
}
