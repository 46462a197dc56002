//! Request guards: the origin check on every state-changing request, and the security
//! headers (Content-Security-Policy among them) on every response.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use url::Url;

/// The Provider API authenticates with bearer tokens, not cookies: a cross-site form
/// cannot ride on it, so it is the one path without the origin check.
const BEARER_ONLY_PREFIX: &str = "/api/provider/";

/// Refuses a POST (PUT, PATCH, DELETE) whose `Origin` is not this site. Browsers send
/// `Origin` on every such request; without it, `Referer` stands in; without either, the
/// request is refused, since only a non-browser client omits both and it has no session to
/// abuse that a browser would send.
pub async fn check_origin(State(public): State<Url>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || request.uri().path().starts_with(BEARER_ONLY_PREFIX) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Url::parse(v).ok());
    let same_site = claimed.is_some_and(|origin| {
        let authority = match origin.port() {
            Some(port) => format!("{}:{port}", origin.host_str().unwrap_or_default()),
            None => origin.host_str().unwrap_or_default().to_owned(),
        };
        let matches_public = origin.origin() == public.origin();
        let matches_host = host.is_some_and(|h| h.eq_ignore_ascii_case(&authority));
        matches_public || matches_host
    });
    if !same_site {
        tracing::warn!(path = %request.uri().path(), "refused a cross-origin state-changing request");
        return (
            StatusCode::FORBIDDEN,
            "This request did not come from City Portal.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Pages that run scripts set their own policy with a nonce (`app::shell`); everything
/// else gets this one, which allows no script at all.
const DEFAULT_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::CONTENT_SECURITY_POLICY, DEFAULT_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), payment=(), geolocation=(self)",
    );
    set(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    response
}
