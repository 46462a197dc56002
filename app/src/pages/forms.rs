//! What the account and console pages share: the `?error=` and `?notice=` a form handler
//! sent back, the contact kept across that redirect, and where a page that needs a session
//! sends a visitor who has none.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

use crate::{
    error::{AppError, PageError},
    i18n::{t, t_args, Locale},
};

/// A query parameter of the current URL.
pub fn query(name: &str) -> Option<String> {
    use_query_map()
        .get_untracked()
        .get(name)
        .filter(|v| !v.is_empty())
}

/// The path and query of this page, for `next=`.
pub fn here() -> String {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    }
}

/// Percent-encodes a path or query value (slashes kept, so `next=/c/shenzhen` stays legible).
pub fn encode(value: &str) -> String {
    crate::components::header::encode_path(value)
}

/// Only catalog keys of this shape are shown, so a crafted link cannot put arbitrary
/// text on the page (and an unknown key shows nothing).
fn message_key(value: &str, prefixes: &[&str]) -> Option<String> {
    let plain = value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (plain && prefixes.iter().any(|p| value.starts_with(p))).then(|| value.to_owned())
}

/// The error or notice a form handler sent back with the redirect.
#[component]
pub fn FormMessages() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let error = query("error").and_then(|e| {
        message_key(
            &e,
            &[
                "account-error-",
                "admin-error-",
                "report-error-",
                "bills-error-",
                "appointments-error-",
                "family-error-",
                "cameras-error-",
                "payment-error-",
                "error-",
            ],
        )
    });
    let retry = query("retry").and_then(|r| r.parse::<i64>().ok());
    let notice = query("notice").and_then(|n| message_key(&n, &[""]));
    view! {
        {error.map(|key| {
            let text = match retry {
                Some(minutes) => t_args(locale, &key, &[("minutes", minutes.into())]),
                None => t(locale, &key),
            };
            view! { <p class="notice error" role="alert">{text}</p> }
        })}
        {notice.map(|key| view! {
            <p class="notice success" role="status">{t(locale, &format!("notice-{key}"))}</p>
        })}
    }
}

/// The phone or email the resident typed before the form came back with an error.
pub fn kept_contact() -> String {
    cookie("kept_contact")
        .map(|value| decode(&value))
        .unwrap_or_default()
}

/// A field of a refused form as the resident typed it, kept for the form's page in a cookie
/// (`kept_form`, never in the address); only while the page shows the form's error.
pub fn kept_field(name: &str) -> String {
    if query("error").is_none() {
        return String::new();
    }
    cookie("kept_form")
        .and_then(|kept| {
            kept.split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(field, _)| decode(field) == name)
                .map(|(_, value)| decode(value))
        })
        .unwrap_or_default()
}

/// The value of this request's cookie `name`, as sent.
fn cookie(name: &str) -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().and_then(|parts| {
            parts
                .headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(cookie, _)| *cookie == name)
                .map(|(_, value)| value.to_owned())
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = name;
        None
    }
}

fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends the visitor to sign in (coming back here after), during server rendering.
pub fn redirect_to_sign_in(admin: bool) {
    let target = if admin {
        "/admin/signin".to_owned()
    } else {
        format!("/signin?next={}", encode(&here()))
    };
    // A page render, never a server function call: a plain 303 whatever the client accepts.
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(location)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&target),
    ) {
        response.set_status(http::StatusCode::SEE_OTHER);
        response.insert_header(http::header::LOCATION, location);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = target;
}

/// What a page shows when its data could not be loaded: a sign-in redirect, a 403, or the
/// error's message.
pub fn load_failed(PageError(error): PageError, admin: bool) -> AnyView {
    let locale = use_context::<Locale>().unwrap_or_default();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        match error {
            AppError::Forbidden => response.set_status(http::StatusCode::FORBIDDEN),
            AppError::NotFound | AppError::UnknownCity(_) | AppError::ServiceNotOffered => {
                response.set_status(http::StatusCode::NOT_FOUND);
            }
            _ => {}
        }
    }
    if error == AppError::SignInRequired {
        redirect_to_sign_in(admin);
    }
    // A saved link to a service switched off here: why, and the ways on, not a dead end.
    if error == AppError::ServiceNotOffered {
        let city = leptos_router::hooks::use_params_map()
            .get_untracked()
            .get("city")
            .unwrap_or_default();
        let home = format!("/c/{}", encode(&city));
        return view! {
            <div class="notice error" role="alert">
                <p>{t(locale, error.message_key())}</p>
                <p class="button-row">
                    <a class="button" href=format!("{home}#district")>{t(locale, "service-not-offered-change")}</a>
                    <a class="button secondary" href=home>{t(locale, "service-not-offered-back")}</a>
                </p>
            </div>
        }
        .into_any();
    }
    view! { <p class="notice error" role="alert">{t(locale, error.message_key())}</p> }.into_any()
}
