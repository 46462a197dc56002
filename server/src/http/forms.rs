//! What the plain-HTML form handlers share: redirects that carry an error key or a notice
//! back to the page, the typed-in contact kept across that redirect, and the `next` path.

use axum::response::{IntoResponse, Redirect, Response};

use super::prefs::{local_path, redirect_with_cookies};

/// Holds what the resident typed as their phone or email while a form is shown again with
/// its error, so nothing typed is lost; short-lived, HttpOnly.
pub const KEPT_CONTACT_COOKIE: &str = "kept_contact";

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `next` as a path on this site, `/` otherwise.
pub fn next_path(next: &str) -> String {
    local_path(Some(next).filter(|n| !n.is_empty())).to_owned()
}

/// Back to the form at `page` with an error message key (and `next` kept).
pub fn back_with_error(page: &str, key: &str, next: &str, extra: &[(&str, String)]) -> Response {
    let mut location = format!("{page}?error={}", encode(key));
    if !next.is_empty() {
        location.push_str(&format!("&next={}", encode(&next_path(next))));
    }
    for (name, value) in extra {
        location.push_str(&format!("&{name}={}", encode(value)));
    }
    Redirect::to(&location).into_response()
}

/// Back to the form, remembering the typed contact in a cookie rather than in the URL
/// (where it would land in logs and history).
pub fn back_keeping_contact(
    page: &str,
    key: &str,
    next: &str,
    contact: &str,
    extra: &[(&str, String)],
) -> Response {
    let response = back_with_error(page, key, next, extra);
    // No contact is longer; anything longer would only make every later request carry a
    // large cookie.
    if contact.trim().len() > crate::contact::MAX_ADDRESS {
        return response;
    }
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("/")
        .to_owned();
    let kept = format!(
        "{KEPT_CONTACT_COOKIE}={}; Path=/; Max-Age=300; HttpOnly; Secure; SameSite=Lax",
        encode(contact.trim())
    );
    redirect_with_cookies(&location, &[kept])
}

pub fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

pub fn see_other_with_cookies(location: &str, cookies: &[String]) -> Response {
    redirect_with_cookies(location, cookies)
}

/// Clears the kept contact once it has served.
pub fn forget_kept_contact() -> String {
    format!("{KEPT_CONTACT_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}
