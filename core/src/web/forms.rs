//! What the plain-HTML form handlers share: the form's fields, who sent it and in which
//! language, redirects that carry an error key or a notice back to the page, what was typed
//! kept across that redirect (in a cookie, never in the address), and the `next` path.

use axum::{
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Redirect, Response},
};

/// Holds what the resident typed as their phone or email while a form is shown again with
/// its error, so nothing typed is lost; short-lived, HttpOnly.
pub const KEPT_CONTACT_COOKIE: &str = "kept_contact";

/// Holds a refused form's typed fields (a family member's name, birth date, phone) for its
/// page to show again: an address would keep them in the browser's history, a shared screen
/// and the access logs. Short-lived, HttpOnly, sent only to the form's own page.
pub const KEPT_FORM_COOKIE: &str = "kept_form";

/// Fields kept in the cookie are cut to this many characters, and the whole to this many
/// bytes (more would ride on every request to the page for five minutes).
const MAX_KEPT_FIELD: usize = 40;
const MAX_KEPT_FORM: usize = 1024;

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `next` as a path on this site, `/` otherwise.
pub fn next_path(next: &str) -> String {
    local_path(Some(next).filter(|n| !n.is_empty())).to_owned()
}

/// `page` with `name=value` added to its query; a `#fragment` is dropped (it would
/// otherwise swallow what is added).
pub fn with_query(page: &str, name: &str, value: &str) -> String {
    let page = page.split_once('#').map_or(page, |(before, _)| before);
    let joint = if page.contains('?') { '&' } else { '?' };
    format!("{page}{joint}{name}={}", encode(value))
}

/// Back to the form at `page` with an error message key (and `next` kept).
pub fn back_with_error(page: &str, key: &str, next: &str, extra: &[(&str, String)]) -> Response {
    Redirect::to(&back_location(page, key, next, extra)).into_response()
}

/// `page` with the error key, `next` and the message's values in its query.
fn back_location(page: &str, key: &str, next: &str, extra: &[(&str, String)]) -> String {
    let mut location = with_query(page, "error", key);
    if !next.is_empty() {
        location.push_str(&format!("&next={}", encode(&next_path(next))));
    }
    for (name, value) in extra {
        location.push_str(&format!("&{name}={}", encode(value)));
    }
    location
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

/// The pages whose refused forms keep what was typed ([`back_keeping_fields`]): signing out
/// forgets every one of them ([`forget_every_kept_form`]), so that the next person at a shared
/// phone never finds the last one's typing.
pub const PAGES_KEEPING_FORMS: &[&str] = &["/me/family"];

/// Back to the form at `page` (a path without a query) with an error key, `fields` as typed
/// kept for it in [`KEPT_FORM_COOKIE`] and nothing of them in the address. `page` is one of
/// [`PAGES_KEEPING_FORMS`].
pub fn back_keeping_fields(
    page: &str,
    key: &str,
    next: &str,
    extra: &[(&str, String)],
    fields: &[(&str, &str)],
) -> Response {
    debug_assert!(
        PAGES_KEEPING_FORMS.contains(&path_of(page)),
        "{page} keeps forms: list it in PAGES_KEEPING_FORMS"
    );
    let location = back_location(page, key, next, extra);
    let mut kept = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        kept.append_pair(name, &crate::plain_text::cut(value, MAX_KEPT_FIELD));
    }
    let kept = kept.finish();
    // Too much to keep: nothing is, and what an earlier refusal kept goes too.
    if kept.len() > MAX_KEPT_FORM {
        return redirect_with_cookies(&location, &[forget_kept_form(page)]);
    }
    let path = path_of(page);
    let cookie = format!(
        "{KEPT_FORM_COOKIE}={kept}; Path={path}; Max-Age=300; HttpOnly; Secure; SameSite=Lax"
    );
    redirect_with_cookies(&location, &[cookie])
}

/// `page` without its query or fragment: the path a kept form's cookie is sent to.
fn path_of(page: &str) -> &str {
    page.split(['?', '#']).next().unwrap_or("/")
}

/// Clears a form's kept fields once the form went through.
pub fn forget_kept_form(page: &str) -> String {
    let path = path_of(page);
    format!("{KEPT_FORM_COOKIE}=; Path={path}; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}

pub fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

/// Clears what every page's refused form kept (at sign-out).
pub fn forget_every_kept_form() -> Vec<String> {
    PAGES_KEEPING_FORMS
        .iter()
        .map(|page| forget_kept_form(page))
        .collect()
}

pub fn see_other_with_cookies(location: &str, cookies: &[String]) -> Response {
    redirect_with_cookies(location, cookies)
}

/// Clears the kept contact once it has served.
pub fn forget_kept_contact() -> String {
    format!("{KEPT_CONTACT_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}

pub fn redirect_with_cookies(to: &str, cookies: &[String]) -> Response {
    let mut headers = HeaderMap::new();
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    (headers, Redirect::to(to)).into_response()
}

/// Only paths on this site: no scheme, no `//host`, no backslash tricks.
pub fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.contains("://")
                // Browsers drop tabs and newlines from URLs: "/\t/evil" would become "//evil".
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/",
    }
}

/// A urlencoded form's fields in order, at most `max` of them (the body itself is bounded by
/// the common limit before it is read).
pub fn fields(body: &[u8], max: usize) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .take(max)
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// The first value of a field, or `""` when the form has none.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The signed-in resident's id, if the request has one.
pub fn resident_of(viewer: Option<axum::Extension<model::account::Viewer>>) -> Option<String> {
    viewer.and_then(|axum::Extension(v)| v.resident.map(|r| r.id))
}

/// The language the request asks for: its preference cookie, else `Accept-Language`.
pub fn locale_of(headers: &HeaderMap) -> model::Locale {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    model::prefs::Prefs::from_headers(header(header::COOKIE), header(header::ACCEPT_LANGUAGE))
        .locale
}

#[cfg(test)]
mod tests {
    use super::{local_path, with_query};

    #[test]
    fn a_query_value_joins_the_query_the_page_already_has_and_never_its_fragment() {
        assert_eq!(with_query("/r/x", "notice", "a b"), "/r/x?notice=a+b");
        assert_eq!(
            with_query("/c/sz/reports?page=2", "notice", "ok"),
            "/c/sz/reports?page=2&notice=ok"
        );
        assert_eq!(
            with_query("/c/sz/reports#list", "error", "e"),
            "/c/sz/reports?error=e"
        );
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/c/shenzhen/air")), "/c/shenzhen/air");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("/\t/evil.example")), "/");
        assert_eq!(local_path(Some("/\n/evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
