//! Session cookies, and the middleware that turns them into the request's `Viewer`.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use http::HeaderMap;

use app::account::{AdminBadge, ResidentBadge, Viewer};

use super::AppState;
use crate::sessions::{self, SubjectKind};

pub const RESIDENT_COOKIE: &str = "portal_session";
/// Admins have a cookie of their own, sent only to `/admin`.
pub const ADMIN_COOKIE: &str = "portal_admin";

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
        SubjectKind::Admin => (ADMIN_COOKIE, "/admin", sessions::ADMIN_SESSION_SECONDS),
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

/// The client's address, for rate limits. Behind a reverse proxy this is the proxy's; the
/// limits then apply per proxy (documented in the README).
pub fn client_address(request_extensions: &http::Extensions) -> String {
    request_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(a)| a.ip().to_string())
}

/// Resolves the session cookies into a `Viewer` in the request's extensions. Requests
/// without cookies cost nothing; a stale cookie is simply nobody.
pub async fn resolve_viewer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
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
