//! Session cookies, and the middleware that turns them into the request's `Viewer`.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use http::HeaderMap;

use app::account::{AdminBadge, ResidentBadge, Viewer};

use super::AppState;
use crate::sessions::{self, SubjectKind};

/// `__Host-`: the browser accepts it only from this host, over a secure origin, for every
/// path, so a sibling subdomain cannot plant a session of its choosing.
pub const RESIDENT_COOKIE: &str = "__Host-portal_session";
/// Admins have a cookie of their own; it is read only on the console's paths.
pub const ADMIN_COOKIE: &str = "__Host-portal_admin";

/// `Set-Cookie` for a session: HttpOnly (no script reads it), Secure (HTTPS only; browsers
/// treat http://localhost as secure), SameSite=Lax (not sent on cross-site posts).
pub fn session_cookie(kind: SubjectKind, token: &str) -> String {
    let (name, path, max_age) = cookie_of(kind);
    format!("{name}={token}; Path={path}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax")
}

pub fn clear_session_cookie(kind: SubjectKind) -> String {
    let (name, path, _) = cookie_of(kind);
    format!("{name}=; Path={path}; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}

fn cookie_of(kind: SubjectKind) -> (&'static str, &'static str, i64) {
    match kind {
        SubjectKind::Resident => (RESIDENT_COOKIE, "/", sessions::RESIDENT_SESSION_SECONDS),
        SubjectKind::Admin => (ADMIN_COOKIE, "/", sessions::ADMIN_SESSION_SECONDS),
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// The client's address for rate limits, as `resolve_viewer` found it.
#[derive(Clone, Debug)]
pub struct ClientAddress(pub String);

pub fn client_address(request_extensions: &http::Extensions) -> String {
    request_extensions
        .get::<ClientAddress>()
        .map_or_else(|| "unknown".to_owned(), |a| a.0.clone())
}

/// The peer's address; when the peer is a trusted reverse proxy, the right-most
/// `X-Forwarded-For` entry that is not one (what a client could not forge). IPv6 clients
/// are grouped by /64, the block one subscriber usually holds.
fn resolve_client(request: &Request, trusted: &[IpAddr]) -> String {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    let mut client = peer;
    if peer.is_some_and(|p| trusted.contains(&p)) {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        if let Some(hop) = forwarded
            .into_iter()
            .rev()
            .find(|hop| !trusted.contains(hop))
        {
            client = Some(hop);
        }
    }
    match client {
        Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(String::new, |v4| v4.to_string()),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        None => "unknown".to_owned(),
    }
}

/// Paths that never need to know who is asking: static files and operations.
fn is_anonymous_path(path: &str) -> bool {
    path.starts_with("/pkg/")
        || matches!(
            path,
            "/favicon.svg" | "/passkey.js" | "/healthz" | "/readyz" | "/metrics"
        )
}

/// Resolves the client's address and the session cookies into the request's extensions
/// (`ClientAddress`, `Viewer`). Requests without cookies cost no query; a stale cookie is
/// simply nobody.
pub async fn resolve_viewer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = resolve_client(&request, &state.trusted_proxies);
    request.extensions_mut().insert(ClientAddress(client));
    if is_anonymous_path(request.uri().path()) {
        return next.run(request).await;
    }
    let mut viewer = Viewer::default();
    let portal = &state.portal;
    if let Some(token) = cookie(request.headers(), RESIDENT_COOKIE) {
        match sessions::resolve(&portal.storage, SubjectKind::Resident, token).await {
            Ok(Some(id)) => {
                if let Ok(Some(resident)) = portal.accounts.resident(&id).await {
                    let unread = portal.inbox.unread_count(&id).await.unwrap_or_default();
                    let name = if resident.display_name.is_empty() {
                        resident
                            .email
                            .as_deref()
                            .or(resident.phone.as_deref())
                            .map(|c| {
                                crate::accounts::contact::Contact::parse(c)
                                    .map_or_else(|_| String::new(), |c| c.masked())
                            })
                            .unwrap_or_default()
                    } else {
                        resident.display_name
                    };
                    viewer.resident = Some(ResidentBadge { id, name, unread });
                }
            }
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "session lookup failed"),
        }
    }
    // The console's pages, and its server functions when called as an API.
    let path = request.uri().path();
    if path.starts_with("/admin") || path.starts_with("/api/admin/") {
        if let Some(token) = cookie(request.headers(), ADMIN_COOKIE) {
            match sessions::resolve(&portal.storage, SubjectKind::Admin, token).await {
                Ok(Some(id)) => {
                    if let Ok(Some(admin)) = portal.admins.load(&id).await {
                        viewer.admin = Some(AdminBadge {
                            id,
                            username: admin.username,
                        });
                    }
                }
                Ok(None) => {}
                Err(error) => tracing::error!(%error, "admin session lookup failed"),
            }
        }
    }
    request.extensions_mut().insert(viewer);
    next.run(request).await
}
