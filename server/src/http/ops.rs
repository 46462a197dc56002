//! Health, readiness, metrics and the demo's fault knobs.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use super::AppState;
use crate::simulators::faults::FaultMode;

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers. Providers are reported but do not make the server
/// unready: a failing provider degrades its own tile, not the portal.
pub async fn readyz(State(state): State<AppState>) -> Response {
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
    let body = json!({
        "status": status,
        "database": if database.is_ok() { "ok" } else { "error" },
        "providers": providers,
    });
    (code, Json(body)).into_response()
}

pub async fn metrics(State(state): State<AppState>) -> Response {
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
