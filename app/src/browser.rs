//! What islands ask of the browser: requests to the portal with their answers, the fields
//! of the model's wire types read from them, the server-drawn markup an island works on,
//! and going to another page. Called only from event handlers and effects, which run in
//! the browser alone.
//!
//! Islands take no props but their children: the server draws their markup whole (so the
//! page is complete without JavaScript) with what they need in `data-` attributes, and an
//! island reads it from there. Props would cross as JSON, and the JSON library costs the
//! wasm about 20 KB of its brotli size; the browser's own `JSON.parse` reads the answers.

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

    /// The body as a JavaScript value, read with [`wire`] or handed on to a browser API.
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

/// The body of another page of this site as the browser would parse it (for an island to take
/// a part of it); `None` when it did not come, or came as anything but a page.
pub async fn page(path: &str) -> Option<web_sys::Document> {
    let window = web_sys::window()?;
    let init = web_sys::RequestInit::new();
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !response.ok() {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    // Only the body: the head's stylesheet carries the fetched page's nonce, which this
    // page's security policy would refuse (and say so in the console) as it parsed it.
    let body = text.find("<body").map_or(text.as_str(), |at| &text[at..]);
    web_sys::DomParser::new()
        .ok()?
        .parse_from_string(body, web_sys::SupportedType::TextHtml)
        .ok()
}

/// Shows `path` as this page's address, in place of the current one (reloading it, or
/// sharing it, then gives what the page now shows).
pub fn show_address(path: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(path));
    }
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

/// The text field with `id` in this page.
pub fn input_by_id(id: &str) -> Option<web_sys::HtmlInputElement> {
    element_by_id(id)?.dyn_into().ok()
}

/// The first element under `root` that `selector` matches.
pub fn child(root: &web_sys::Element, selector: &str) -> Option<web_sys::HtmlElement> {
    root.query_selector(selector).ok()??.dyn_into().ok()
}

/// The element `event` happened in (or under) that `selector` matches, if any (an SVG
/// element too, so not always an HTML one).
pub fn target_in(event: &web_sys::Event, selector: &str) -> Option<web_sys::Element> {
    event
        .target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest(selector)
        .ok()?
}

/// The element's `data-{name}` attribute, empty if it has none.
pub fn data(element: &web_sys::Element, name: &str) -> String {
    element
        .get_attribute(&format!("data-{name}"))
        .unwrap_or_default()
}

/// Creates an element of this page's document (`None` only outside a browser).
pub fn create(tag: &str) -> Option<web_sys::HtmlElement> {
    web_sys::window()?
        .document()?
        .create_element(tag)
        .ok()?
        .dyn_into()
        .ok()
}

/// The fields of the model's wire types that islands read, named as the model's serde
/// derives name them; the tests below serialize each type and find every name, so a rename
/// on either side fails there rather than in a resident's browser.
pub mod wire {
    use wasm_bindgen::JsValue;

    /// `model::reports::ReportFiled`: where the new report's page is.
    pub const FILED_LOCATION: &str = "location";
    /// `model::reports::ReportRefused`: the problems, each a `FormProblem`.
    pub const REFUSED_PROBLEMS: &str = "problems";
    pub const PROBLEM_FIELD: &str = "field";
    pub const PROBLEM_MESSAGE: &str = "message";
    /// `model::reports::NearbyReport`.
    pub const NEARBY_REFERENCE: &str = "reference";
    pub const NEARBY_DISTANCE: &str = "distance_m";
    pub const NEARBY_FILED: &str = "filed";
    pub const NEARBY_LAT: &str = "lat";
    pub const NEARBY_LON: &str = "lon";
    /// `model::cameras::FrameView`: a camera's latest frame.
    pub const FRAME_STATE: &str = "state";
    pub const FRAME_CAPTION: &str = "caption";
    pub const FRAME_VIEW_SRC: &str = "view_src";
    /// `model::payments::PaymentReceipt`: a payment's state, as its page shows it.
    pub const PAYMENT_STATUS: &str = "status";
    pub const PAYMENT_SETTLING: &str = "settling";
    /// `model::account::PasskeyDone`: where to go once signed in.
    pub const DONE_REDIRECT: &str = "redirect";
    /// `model::account::PasskeySignInStart`: the contact typed, if any.
    pub const SIGN_IN_CONTACT: &str = "contact";

    fn field(value: &JsValue, name: &str) -> Option<JsValue> {
        js_sys::Reflect::get(value, &name.into()).ok()
    }

    /// `value[name]`, if it is text.
    pub fn text(value: &JsValue, name: &str) -> Option<String> {
        field(value, name)?.as_string()
    }

    /// `value[name]`, if it is true or false.
    pub fn flag(value: &JsValue, name: &str) -> Option<bool> {
        field(value, name)?.as_bool()
    }

    /// `value[name]`, if it is a number.
    pub fn number(value: &JsValue, name: &str) -> Option<f64> {
        field(value, name)?.as_f64()
    }

    /// The items of the list `value` (or of `value[name]`); none if it is not a list.
    pub fn items(value: &JsValue, name: Option<&str>) -> Vec<JsValue> {
        let list = match name {
            Some(name) => field(value, name).unwrap_or(JsValue::UNDEFINED),
            None => value.clone(),
        };
        if js_sys::Array::is_array(&list) {
            js_sys::Array::from(&list).iter().collect()
        } else {
            Vec::new()
        }
    }

    /// `{name: value, …}` as JSON text.
    pub fn object_json(fields: &[(&str, &str)]) -> Option<String> {
        let object = js_sys::Object::new();
        for (name, value) in fields {
            js_sys::Reflect::set(&object, &(*name).into(), &(*value).into()).ok()?;
        }
        js_sys::JSON::stringify(&object).ok()?.as_string()
    }
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
    // Called by whichever of the two callbacks the browser calls.
    let failed = std::rc::Rc::new(std::cell::Cell::new(Some(failed)));
    let fail = move || {
        if let Some(failed) = failed.take() {
            failed();
        }
    };
    let fail_too = fail.clone();
    let on_success = Closure::once_into_js(move |position: JsValue| {
        let coordinate = |name: &str| {
            js_sys::Reflect::get(&position, &"coords".into())
                .and_then(|coords| js_sys::Reflect::get(&coords, &name.into()))
                .ok()
                .and_then(|value| value.as_f64())
        };
        match (coordinate("latitude"), coordinate("longitude")) {
            (Some(lat), Some(lon)) => found(lat, lon),
            _ => fail(),
        }
    });
    let on_failure = Closure::once_into_js(move |_error: JsValue| fail_too());
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

#[cfg(test)]
mod tests {
    use super::wire;
    use crate::{
        account::{PasskeyDone, PasskeySignInStart},
        cameras::{FrameState, FrameView},
        reports::{FormProblem, NearbyReport, ReportFiled, ReportRefused},
    };

    fn has(value: &impl serde::Serialize, names: &[&str]) {
        let json = serde_json::to_value(value).expect("serialized");
        for name in names {
            assert!(json.get(name).is_some(), "{name} in {json}");
        }
    }

    /// Each name an island reads is one the server writes.
    #[test]
    fn the_fields_islands_read_are_the_ones_the_wire_types_write() {
        has(
            &ReportFiled {
                reference: "SZ-1".into(),
                location: "/r/x".into(),
            },
            &[wire::FILED_LOCATION],
        );
        let problem = FormProblem {
            field: "description".into(),
            message: "Too long".into(),
        };
        has(&problem, &[wire::PROBLEM_FIELD, wire::PROBLEM_MESSAGE]);
        has(
            &ReportRefused {
                problems: vec![problem],
            },
            &[wire::REFUSED_PROBLEMS],
        );
        has(
            &NearbyReport {
                reference: "SZ-2".into(),
                lat: 22.5,
                lon: 114.0,
                distance_m: 12.0,
                filed: "2026-11-26".into(),
                status: "open".into(),
                supporters: 3,
            },
            &[
                wire::NEARBY_REFERENCE,
                wire::NEARBY_DISTANCE,
                wire::NEARBY_FILED,
                wire::NEARBY_LAT,
                wire::NEARBY_LON,
            ],
        );

        has(
            &FrameView {
                state: FrameState::Live,
                caption: "Taken 10:03:15, 12 s ago".into(),
                thumbnail_src: Some("/c/sz/cameras/a/thumb.jpg?v=1".into()),
                view_src: Some("/c/sz/cameras/a/view.jpg?v=1".into()),
                refresh_seconds: 60,
            },
            &[wire::FRAME_STATE, wire::FRAME_CAPTION, wire::FRAME_VIEW_SRC],
        );
        let state = serde_json::to_value(FrameState::Stale).expect("serialized");
        assert_eq!(state, FrameState::Stale.id(), "islands read the state's id");
        has(
            &PasskeyDone {
                redirect: "/me".into(),
            },
            &[wire::DONE_REDIRECT],
        );
        has(
            &PasskeySignInStart {
                contact: "a@b.cn".into(),
            },
            &[wire::SIGN_IN_CONTACT],
        );
    }
}
