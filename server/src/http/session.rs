//! Session cookies, and the middleware that turns them into the request's `Viewer`.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use http::HeaderMap;

use model::account::{AdminBadge, ResidentBadge, Viewer};

use super::AppState;
use crate::{
    sessions::{self, SubjectKind},
    web::client::ClientAddress,
};

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

/// The peer's address; when the peer is a trusted reverse proxy, the right-most
/// `X-Forwarded-For` entry that is not one (what a client could not forge). IPv6 clients
/// are grouped by /64, the block one subscriber usually holds.
fn resolve_client(request: &Request, trusted: &[IpAddr]) -> String {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_canonical());
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|t| t.to_canonical() == *ip);
    let mut client = peer;
    if peer.as_ref().is_some_and(is_trusted) {
        let hops: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        // From the right: each trusted proxy vouches for the hop before it. The first entry
        // that is not a trusted proxy is the client; one that does not parse ends the walk,
        // since anything left of it may have been written by the client.
        for hop in hops.into_iter().rev() {
            let Some(ip) = parse_hop(hop) else { break };
            client = Some(ip);
            if !is_trusted(&ip) {
                break;
            }
        }
    }
    match client {
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(IpAddr::V4(v4)) => v4.to_string(),
        None => "unknown".to_owned(),
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            hop.trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .ok()
        })
        .map(|ip| ip.to_canonical())
}

/// Paths that never need to know who is asking: static files and operations.
fn is_anonymous_path(path: &str) -> bool {
    path.starts_with("/pkg/")
        || matches!(path, "/favicon.svg" | "/healthz" | "/readyz" | "/metrics")
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
                                crate::contact::Contact::parse(c)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, forwarded: Option<&str>) -> Request {
        let mut builder = http::Request::builder().uri("/");
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        let mut request = builder.body(axum::body::Body::empty()).expect("request");
        let peer: SocketAddr = peer.parse().expect("address");
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().expect("ip");
        let trusted = [proxy];
        assert_eq!(
            resolve_client(&request("10.0.0.2:9", Some("203.0.113.7")), &trusted),
            "203.0.113.7"
        );
        assert_eq!(
            resolve_client(&request("198.51.100.1:9", Some("203.0.113.7")), &trusted),
            "198.51.100.1"
        );
        // The client wrote the left part; the proxy appended the right-most.
        assert_eq!(
            resolve_client(
                &request("10.0.0.2:9", Some("1.2.3.4, 203.0.113.7")),
                &trusted
            ),
            "203.0.113.7"
        );
        // An entry that does not parse ends the walk: nothing left of it is believed.
        assert_eq!(
            resolve_client(&request("10.0.0.2:9", Some("1.2.3.4, unknown")), &trusted),
            "10.0.0.2"
        );
        assert_eq!(
            resolve_client(&request("10.0.0.2:9", Some("203.0.113.7:5555")), &trusted),
            "203.0.113.7"
        );
        // A v4 proxy seen through a dual-stack socket is still the proxy.
        assert_eq!(
            resolve_client(
                &request("[::ffff:10.0.0.2]:9", Some("203.0.113.7")),
                &trusted
            ),
            "203.0.113.7"
        );
    }

    #[test]
    fn ipv6_clients_are_grouped_by_64() {
        assert_eq!(
            resolve_client(&request("[2001:db8:1:2:aaaa::1]:9", None), &[]),
            "2001:db8:1:2::/64"
        );
    }
}
