//! The HTTP surface: Leptos pages and server functions, the preference redirects, health,
//! metrics, and the demo's fault knobs; with request ids, tracing, metrics, compression and
//! security headers around all of it.

mod account;
mod console;
mod forms;
mod guard;
mod ops;
mod prefs;
mod provider_api;
mod reports;
pub mod session;

use std::{collections::HashMap, sync::Arc, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::{self, Next},
    response::Response,
    routing::{get, post},
    Router,
};
use http::header;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::{
    backend::Portal,
    simulators::faults::FaultKnobs,
    telemetry::{HttpLabels, Metrics},
};

/// What the non-Leptos handlers share.
#[derive(Clone)]
pub struct AppState {
    pub portal: Arc<Portal>,
    pub metrics: Arc<Metrics>,
    /// Simulator name -> knobs, only when the demo's simulators run.
    pub simulator_knobs: Arc<HashMap<String, Arc<FaultKnobs>>>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
}

/// The whole application router.
pub fn router(state: AppState, leptos_options: LeptosOptions, public_url: url::Url) -> Router {
    let backend = crate::backend::shared(Arc::clone(&state.portal));
    let mut tile_origins: Vec<String> = state
        .portal
        .cities
        .all()
        .iter()
        .filter_map(|city| city.map_tiles.as_ref().map(|t| t.origin.clone()))
        .collect();
    tile_origins.sort();
    tile_origins.dedup();
    let images = app::ImageOrigins(tile_origins.join(" "));
    let context = move || {
        provide_context(backend.clone());
        provide_context(images.clone());
    };
    let routes = generate_route_list(app::App);

    let pages = Router::new()
        .leptos_routes_with_context(&leptos_options, routes, context.clone(), {
            let options = leptos_options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context,
            app::shell,
        ))
        .with_state(leptos_options);

    let mut operations = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/locate", get(prefs::locate))
        .route("/lang/{tag}", get(prefs::language))
        .route("/prefs/region", get(prefs::region))
        .route("/signup", post(account::sign_up))
        .route("/signup/verify", post(account::confirm_sign_up))
        .route("/signin", post(account::sign_in))
        .route(
            "/signin/passkey/start",
            post(account::passkey_sign_in_start),
        )
        .route(
            "/signin/passkey/finish",
            post(account::passkey_sign_in_finish),
        )
        .route("/signout", post(account::sign_out))
        .route("/signout/everywhere", post(account::sign_out_everywhere))
        .route("/me", post(account::save_profile))
        .route("/me/password", post(account::change_password))
        .route("/me/contact/add", post(account::add_contact))
        .route("/me/contact", post(account::confirm_contact))
        .route("/me/passkeys/remove", post(account::remove_passkey))
        .route(
            "/me/passkeys/register/start",
            post(account::passkey_register_start),
        )
        .route(
            "/me/passkeys/register/finish",
            post(account::passkey_register_finish),
        )
        .route("/me/consent", post(account::grant_consent))
        .route("/me/data/withdraw", post(account::withdraw_consent))
        .route(
            "/c/{city}/report",
            post(reports::file_report).layer(axum::extract::DefaultBodyLimit::max(
                reports::MAX_REPORT_BODY,
            )),
        )
        .route("/api/c/{city}/reports/nearby", get(reports::nearby))
        .route("/r/support", post(reports::support))
        .route("/media/reports/{file}", get(reports::photo))
        .route("/inbox/read", post(account::mark_read))
        .route("/inbox/mute", post(account::mute_provider))
        .route("/admin/signin", post(console::sign_in))
        .route("/admin/signout", post(console::sign_out))
        .route("/admin/c/{city}/switch", post(console::switch))
        .route("/admin/admins", post(console::create_admin))
        .route(
            "/api/provider/v1/announcements",
            post(provider_api::announce),
        );
    if !state.simulator_knobs.is_empty() {
        operations = operations.route(
            "/_demo/faults/{simulator}",
            post(ops::set_fault).get(ops::get_fault),
        );
    }
    let operations = operations.with_state(state.clone());

    let request_id = header::HeaderName::from_static("x-request-id");
    pages.merge(operations).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http().make_span_with(|request: &Request| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
                }),
            )
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(middleware::from_fn_with_state(state.metrics.clone(), record_http))
            .layer(middleware::from_fn(guard::security_headers))
            .layer(CompressionLayer::new())
            .layer(middleware::from_fn_with_state(public_url, guard::check_origin))
            .layer(middleware::from_fn_with_state(state, session::resolve_viewer)),
    )
}

/// Latency per route pattern and status.
async fn record_http(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    metrics
        .http_duration
        .get_or_create(&HttpLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .observe(started.elapsed().as_secs_f64());
    response
}
