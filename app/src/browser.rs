//! What islands ask of the browser beyond their own view: requests to the portal with
//! their answers read as the model's wire types, and going to another page. Called only
//! from event handlers and effects, which run in the browser alone.

use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Why a request came to nothing; an island tells the resident in words of its own.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The request did not leave, or its answer did not come back (offline, cut off).
    #[error("no answer from the portal")]
    Network,
    /// An answer came that this page does not understand.
    #[error("an answer this page does not understand")]
    Unexpected,
}

/// What a request carries.
pub enum Body {
    /// Serialized JSON.
    Json(String),
    /// A form as the browser encodes it (multipart, with its files).
    Form(web_sys::FormData),
    /// `name=value` pairs, URL-encoded.
    Fields(web_sys::UrlSearchParams),
}

/// The status and text of an answer.
pub struct Answer {
    pub status: u16,
    text: String,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as one of the model's wire types.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, FetchError> {
        serde_json::from_str(&self.text).map_err(|_| FetchError::Unexpected)
    }

    /// The body as a JavaScript value, for what is handed on to a browser API as it came.
    pub fn js(&self) -> Result<JsValue, FetchError> {
        js_sys::JSON::parse(&self.text).map_err(|_| FetchError::Unexpected)
    }
}

/// Sends a request to the portal (same origin, with its cookies) asking for JSON.
pub async fn send(method: &str, url: &str, body: Option<Body>) -> Result<Answer, FetchError> {
    let network = |_| FetchError::Network;
    let window = web_sys::window().ok_or(FetchError::Network)?;
    let headers = web_sys::Headers::new().map_err(network)?;
    headers.set("Accept", "application/json").map_err(network)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    match body {
        Some(Body::Json(text)) => {
            headers
                .set("Content-Type", "application/json")
                .map_err(network)?;
            init.set_body(&JsValue::from_str(&text));
        }
        Some(Body::Form(form)) => init.set_body(&form),
        Some(Body::Fields(fields)) => init.set_body(&fields),
        None => {}
    }
    init.set_headers(&headers);
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)?;
    let text = JsFuture::from(response.text().map_err(network)?)
        .await
        .map_err(network)?
        .as_string()
        .unwrap_or_default();
    Ok(Answer {
        status: response.status(),
        text,
    })
}

/// Goes to `path` on this site, as a link would.
pub fn go_to(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
}

/// The element with `id` in this page.
pub fn element_by_id(id: &str) -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(id)
}

/// Asks the phone where it is: `found` with latitude and longitude in degrees, or `failed`
/// (refused, unavailable, or no fix within 15 s). `Err` when the browser has no
/// geolocation at all.
pub fn locate(
    precise: bool,
    found: impl FnOnce(f64, f64) + 'static,
    failed: impl FnOnce() + 'static,
) -> Result<(), JsValue> {
    use wasm_bindgen::closure::Closure;
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let geolocation = window.navigator().geolocation()?;
    let on_success = Closure::once_into_js(move |position: JsValue| {
        let coordinate = |name: &str| {
            js_sys::Reflect::get(&position, &"coords".into())
                .and_then(|coords| js_sys::Reflect::get(&coords, &name.into()))
                .ok()
                .and_then(|value| value.as_f64())
        };
        if let (Some(lat), Some(lon)) = (coordinate("latitude"), coordinate("longitude")) {
            found(lat, lon);
        }
    });
    let on_failure = Closure::once_into_js(move |_error: JsValue| failed());
    let options = web_sys::PositionOptions::new();
    options.set_timeout(15_000);
    if precise {
        options.set_enable_high_accuracy(true);
    } else {
        // A position from the last ten minutes is close enough to pick a district.
        options.set_maximum_age(600_000);
    }
    geolocation.get_current_position_with_error_callback_and_options(
        on_success.unchecked_ref(),
        Some(on_failure.unchecked_ref()),
        &options,
    )
}

/// `value` with `digits` decimals, formatted by the browser (the wasm then carries no
/// float formatting of its own).
pub fn fixed_digits(value: f64, digits: u8) -> String {
    js_sys::Number::from(value)
        .to_fixed(digits)
        .map(String::from)
        .unwrap_or_default()
}
