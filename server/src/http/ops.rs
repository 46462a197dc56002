//! Health, readiness, metrics and the demo's fault knobs.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Path, Request, State},
    http::{header, HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde_json::json;

use super::AppState;
use crate::{
    secrets::{token_hash, Secret},
    simulators::faults::FaultMode,
    telemetry::JobLabels,
};

/// Who counts as an operator, for the handlers that show operators more than the public.
#[derive(Clone, Debug)]
pub struct Operators {
    /// `OPS_TOKEN`.
    pub token: Option<Secret>,
    /// Without a token, requests straight from this machine count, but only while the
    /// portal listens on loopback alone: bound beyond it, a proxy on this machine may pass
    /// every visitor on from a loopback address, with or without `X-Forwarded-For`.
    pub trust_loopback: bool,
}

/// Is the request an operator's? With `OPS_TOKEN` set: it carries that bearer token.
/// Without: it comes straight from this machine (a loopback peer that no proxy forwarded)
/// to a portal that listens on loopback alone.
fn is_operator(operators: &Operators, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    match &operators.token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            // Hashes compared, so the comparison's time says nothing about the token.
            .is_some_and(|given| token_hash(given) == token_hash(token.expose())),
        None => {
            operators.trust_loopback
                && peer.is_some_and(|p| p.ip().to_canonical().is_loopback())
                && !headers.contains_key("x-forwarded-for")
                && !headers.contains_key(header::FORWARDED)
        }
    }
}

fn peer_of(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| *a)
}

/// Lets only operators through (see [`is_operator`]).
pub async fn require_operator(
    State(operators): State<Operators>,
    request: Request,
    next: Next,
) -> Response {
    if is_operator(&operators, peer_of(&request), request.headers()) {
        next.run(request).await
    } else {
        (StatusCode::FORBIDDEN, "For operators only.").into_response()
    }
}

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers. Providers are reported but do not make the server
/// unready: a failing provider degrades its own tile, not the portal. Anyone (a load
/// balancer) may read the status; only operators the providers' details.
pub async fn readyz(
    State(state): State<AppState>,
    Extension(operators): Extension<Operators>,
    connect_info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    let database = state.portal.storage.ping().await;
    let providers = state.portal.providers.health();
    let degraded = providers.iter().any(|p| p.breaker != "closed");
    let status = match (&database, degraded) {
        (Err(_), _) => "unavailable",
        (Ok(()), true) => "degraded",
        (Ok(()), false) => "ready",
    };
    if let Err(error) = &database {
        tracing::error!(%error, "readiness: database check failed");
    }
    let code = if database.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let peer = connect_info.map(|Extension(ConnectInfo(peer))| peer);
    let operator = is_operator(&operators, peer, &headers);
    let body = if operator {
        json!({
            "status": status,
            "database": if database.is_ok() { "ok" } else { "error" },
            "providers": providers,
        })
    } else {
        json!({ "status": status })
    };
    (code, Json(body)).into_response()
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    match state.portal.jobs.depths().await {
        Ok(depths) => {
            // Every known kind is shown, at 0 when nothing waits; a kind no longer known
            // drops out rather than keep its last figure.
            state.metrics.job_queue_depth.clear();
            state.metrics.job_oldest_age.clear();
            for kind in state.portal.known.job_kinds() {
                let labels = JobLabels {
                    kind: kind.to_owned(),
                };
                state.metrics.job_queue_depth.get_or_create(&labels).set(0);
                state.metrics.job_oldest_age.get_or_create(&labels).set(0);
            }
            for depth in depths {
                let labels = JobLabels { kind: depth.kind };
                state
                    .metrics
                    .job_queue_depth
                    .get_or_create(&labels)
                    .set(depth.waiting);
                state
                    .metrics
                    .job_oldest_age
                    .get_or_create(&labels)
                    .set(depth.oldest_seconds.unwrap_or(0));
            }
        }
        Err(error) => tracing::error!(%error, "job queue depths unreadable"),
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

pub async fn get_fault(State(state): State<AppState>, Path(simulator): Path<String>) -> Response {
    match state.simulator_knobs.get(&simulator) {
        Some(knobs) => Json(json!({
            "fault": knobs.mode(),
            "requests": knobs.requests(),
        }))
        .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Sets a simulator's fault, e.g. `{"mode": "http500"}` or `{"mode": "slow", "delay_ms": 5000}`.
pub async fn set_fault(
    State(state): State<AppState>,
    Path(simulator): Path<String>,
    Json(mode): Json<FaultMode>,
) -> Response {
    match state.simulator_knobs.get(&simulator) {
        Some(knobs) => {
            tracing::info!(simulator, ?mode, "simulator fault set");
            knobs.set(mode);
            StatusCode::NO_CONTENT.into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
