//! Request guards: the origin check on every state-changing request, and the security
//! headers (Content-Security-Policy among them) on every response.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use url::Url;

/// Paths that authenticate without cookies, so that a cross-site form cannot ride on them:
/// the Provider API (bearer tokens) and payment providers' notifications (signed by the
/// provider). They alone skip the origin check.
const NOT_BY_COOKIE: [&str; 2] = ["/api/provider/", "/api/payments/v1/notify/"];

/// Refuses a POST (PUT, PATCH, DELETE) whose `Origin` is not this site. Browsers send
/// `Origin` on every such request; without it, `Referer` stands in; without either, the
/// request is refused, since only a non-browser client omits both and it has no session to
/// abuse that a browser would send.
pub async fn check_origin(State(public): State<Url>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let path = request.uri().path();
    if safe || NOT_BY_COOKIE.iter().any(|prefix| path.starts_with(prefix)) {
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
        // The request's own host (the portal reached by another name, such as 127.0.0.1
        // for localhost), over the public URL's scheme only: a page served over plain
        // HTTP is not the HTTPS site.
        let matches_host = origin.scheme() == public.scheme()
            && host.is_some_and(|h| h.eq_ignore_ascii_case(&authority));
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

/// Requests must name the portal: the public URL's host, or this machine by a loopback
/// name. A page on another name that resolves here (DNS rebinding) gets nothing, whatever
/// the request. Health checks, which load balancers send to an address, are exempt.
pub async fn check_host(State(public): State<Url>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if matches!(path, "/healthz" | "/readyz") {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().host())
        .unwrap_or_default();
    // The host without its port: `name:port`, or `[v6]:port`.
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let ours = public
        .host_str()
        .is_some_and(|public| public.eq_ignore_ascii_case(name))
        || matches!(name, "localhost" | "127.0.0.1" | "[::1]");
    if ours {
        next.run(request).await
    } else {
        (
            StatusCode::MISDIRECTED_REQUEST,
            "This is City Portal; the request named another site.",
        )
            .into_response()
    }
}

/// The demo's knobs change how the portal behaves for everyone: they take requests only
/// from the configured public origin, never from whatever the `Host` header names (which a
/// DNS-rebinding page controls), and only from a browser page that says where it is.
pub async fn require_public_origin(
    State(public): State<Url>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    let from_public = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Url::parse(v).ok())
        .is_some_and(|origin| origin.origin() == public.origin());
    if safe || from_public {
        next.run(request).await
    } else {
        (
            StatusCode::FORBIDDEN,
            "The demo's knobs answer only to the portal's own pages.",
        )
            .into_response()
    }
}

/// No field the portal takes holds a NUL character, and Postgres cannot store one in text:
/// a request that carries one (in its path, its query, or any body but a multipart one,
/// raw, percent-encoded or as a JSON escape) is refused here, before any handler passes it
/// on. Multipart bodies (the report form, with its photos'
/// bytes) are checked field by field instead (`plain_text::has_hidden_controls`).
pub async fn refuse_nul(request: Request, next: Next) -> Response {
    let refused = || {
        (
            StatusCode::BAD_REQUEST,
            "The request holds a NUL character, which no field takes.",
        )
            .into_response()
    };
    let encoded_nul = |text: &str| text.to_ascii_lowercase().contains("%00");
    if encoded_nul(request.uri().path()) || request.uri().query().is_some_and(encoded_nul) {
        return refused();
    }
    // Whatever the body claims to be (a server function reads a form whatever its type).
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/"));
    if multipart {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_CHECKED_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.").into_response();
    };
    let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
    let has_nul = bytes.contains(&0) || encoded_nul(&text) || text.contains("\\u0000");
    if has_nul {
        return refused();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Forms and JSON bodies are read whole to be checked: none is larger.
const MAX_CHECKED_BODY: usize = 64 * 1024;

/// Pages that run scripts set their own policy with a nonce (`app::shell`); everything
/// else gets this one, which allows no script at all.
const DEFAULT_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Pages that hold what is one resident's or one admin's: never kept by a browser's or a
/// proxy's cache, so the back button on a shared phone or a shared proxy shows nothing.
/// (What a response already says of its caching, such as a photo at an unguessable URL,
/// stands unless the path itself is personal.)
fn cache_rule(request: &Request) -> Option<bool> {
    let path = request.uri().path();
    // Whole segments: `/me` and `/me/…`, never `/media/…`.
    let personal_path = [
        "/me",
        "/inbox",
        "/r",
        "/admin",
        "/signin",
        "/signup",
        "/_demo",
        "/api/me",
        "/api/admin",
    ]
    .iter()
    .any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    let draft = request
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair.starts_with("draft=")));
    // Signed in, every page's header shows the resident's name and unread count.
    let signed_in = super::session::cookie(request.headers(), super::session::RESIDENT_COOKIE)
        .is_some()
        || super::session::cookie(request.headers(), super::session::ADMIN_COOKIE).is_some();
    if personal_path || draft {
        Some(true)
    } else if signed_in {
        Some(false)
    } else {
        None
    }
}

/// What the security headers depend on besides the request.
#[derive(Clone, Copy, Debug)]
pub struct HeaderPolicy {
    /// The public URL is HTTPS: browsers are told to use nothing else (HSTS).
    pub https: bool,
}

pub async fn security_headers(
    State(policy): State<HeaderPolicy>,
    request: Request,
    next: Next,
) -> Response {
    let rule = cache_rule(&request);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // Signed in, a page shows the resident; a stylesheet, script or photo does not.
    let page = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let no_store = match rule {
        Some(true) => true,
        Some(false) => page && !headers.contains_key(header::CACHE_CONTROL),
        None => false,
    };
    if no_store {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if policy.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
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
