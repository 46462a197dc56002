//! The HTTP surface: Leptos pages and server functions, the preference redirects, health,
//! metrics, and the demo's fault knobs; with request ids, tracing, metrics, compression and
//! security headers around all of it.

mod account;
pub mod assets;
mod console;
mod guard;
pub mod ops;
mod prefs;
mod provider_api;
pub mod serve;
pub mod session;
mod tiles;

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
use model::pages::PageBackends;
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::{RequestBodyTimeoutLayer, TimeoutLayer},
    trace::TraceLayer,
};

use crate::{
    portal::Portal,
    service::{Homes, ServiceRoutes},
    simulators::faults::FaultKnobs,
    telemetry::{HttpLabels, Metrics},
};

/// What the non-Leptos handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The shared machinery.
    pub portal: Arc<Portal>,
    /// Each service's home, by its type (a service's routes carry their own).
    pub services: Arc<Homes>,
    pub metrics: Arc<Metrics>,
    /// Simulator name -> knobs, only when the demo's simulators run.
    pub simulator_knobs: Arc<HashMap<String, Arc<FaultKnobs>>>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
}

impl AppState {
    /// The home of the service of type `T` (tests, tools).
    pub fn home<T: std::any::Any + Send + Sync>(&self) -> Arc<T> {
        self.services
            .get::<T>()
            .unwrap_or_else(|| panic!("no service {} in the catalog", std::any::type_name::<T>()))
    }
}

/// Every page area's backend: the shared areas answered by the portal, each service's by
/// its home.
fn page_backends(state: &AppState) -> PageBackends {
    let mut backends = PageBackends::default();
    backends.provide::<dyn model::pages::CityPages>(state.portal.clone());
    backends.provide::<dyn model::pages::AccountPages>(state.portal.clone());
    backends.provide::<dyn model::pages::ConsolePages>(state.portal.clone());
    for home in state.services.all() {
        Arc::clone(home).page_backends(&mut backends);
    }
    backends
}

/// What shapes the router besides the application's state.
#[derive(Clone, Debug)]
pub struct RouterSettings {
    /// The origin residents use (`PUBLIC_URL`).
    pub public_url: url::Url,
    pub timeouts: serve::Timeouts,
    /// The demo's pages and knobs exist only in demo mode.
    pub demo_mode: bool,
    /// Who may read `/metrics` and `/readyz`'s details.
    pub operators: ops::Operators,
    /// The built front end under fingerprinted addresses.
    pub assets: Arc<assets::Assets>,
}

/// Bodies of every form and server function but the report form: a sign-in, a profile, a
/// consent or a switch in the console is a few hundred bytes.
const MAX_FORM_BODY: usize = 64 * 1024;

/// The whole application router.
pub fn router(state: AppState, leptos_options: LeptosOptions, settings: &RouterSettings) -> Router {
    let public_url = settings.public_url.clone();
    let timeouts = settings.timeouts;
    let request_deadline =
        || TimeoutLayer::with_status_code(http::StatusCode::REQUEST_TIMEOUT, timeouts.request);
    let backends = page_backends(&state);
    let forms = app::FormOrigins(
        state
            .services
            .all()
            .iter()
            .flat_map(|home| home.form_origins())
            .collect::<Vec<_>>()
            .join(" "),
    );
    let origin = app::PublicOrigin(
        settings
            .public_url
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
    );
    let stylesheet = app::Stylesheet {
        href: settings.assets.stylesheet.clone(),
        text: settings.assets.stylesheet_text.clone(),
    };
    let context = move || {
        app::request::provide_backends(&backends);
        provide_context(forms.clone());
        provide_context(origin.clone());
        provide_context(stylesheet.clone());
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
        .with_state(leptos_options)
        // Inside the deadline: it reads the body.
        .layer(middleware::from_fn(guard::refuse_nul))
        // Server functions read their own bodies: the limit wraps the body itself.
        .layer(RequestBodyLimitLayer::new(MAX_FORM_BODY))
        .layer(RequestBodyTimeoutLayer::new(timeouts.body_idle))
        .layer(middleware::from_fn(server_fn_status))
        .layer(request_deadline());

    let mut operations = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/locate", get(prefs::locate))
        .route("/tiles/{city}/{z}/{x}/{y}", get(tiles::tile))
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
        .route("/inbox/read", post(account::mark_read))
        .route("/inbox/mute", post(account::mute_provider))
        .route("/admin/signin", post(console::sign_in))
        .route("/admin/signout", post(console::sign_out))
        .route("/admin/c/{city}/switch", post(console::switch))
        .route("/admin/admins", post(console::create_admin))
        .route(
            "/api/provider/v1/announcements",
            post(provider_api::announce),
        )
        .route(
            provider_api::OPENAPI_PATH,
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    provider_api::OPENAPI,
                )
            }),
        );
    if settings.demo_mode && !state.simulator_knobs.is_empty() {
        operations = operations.route(
            "/_demo/faults/{simulator}",
            post(ops::set_fault)
                .get(ops::get_fault)
                .layer(middleware::from_fn_with_state(
                    public_url.clone(),
                    guard::require_public_origin,
                )),
        );
    }
    // `/metrics` and `/readyz` know which providers fail and how: only for operators.
    let operators = settings.operators.clone();
    let mut operations: Router = operations
        .route("/readyz", get(ops::readyz))
        .route(
            "/metrics",
            get(ops::metrics).layer(middleware::from_fn_with_state(
                operators.clone(),
                ops::require_operator,
            )),
        )
        .with_state(state.clone());
    // Each service's routes, their state given: forms under the common limits, larger
    // bodies (photos) with their own.
    let mut large = Vec::new();
    for home in state.services.all() {
        let ServiceRoutes { forms, large: big } = Arc::clone(home).routes(timeouts.upload);
        if let Some(forms) = forms {
            operations = operations.merge(forms);
        }
        large.extend(big);
    }
    let mut operations = operations
        .layer(middleware::from_fn(guard::refuse_nul))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM_BODY))
        .layer(request_deadline());
    for routes in large {
        operations = operations.merge(routes);
    }
    let operations = operations
        .layer(axum::Extension(operators))
        .layer(RequestBodyTimeoutLayer::new(timeouts.body_idle));

    let assets = Router::new()
        .route("/pkg/{hash}/{file}", get(assets::serve))
        .with_state(Arc::clone(&settings.assets));

    let request_id = header::HeaderName::from_static("x-request-id");
    pages.merge(operations).merge(assets).layer(
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
            .layer(middleware::from_fn_with_state(
                guard::HeaderPolicy {
                    https: public_url.scheme() == "https",
                },
                guard::security_headers,
            ))
            .layer(CompressionLayer::new())
            .layer(middleware::from_fn_with_state(
                public_url.clone(),
                guard::check_host,
            ))
            .layer(middleware::from_fn_with_state(public_url, guard::check_origin))
            .layer(middleware::from_fn_with_state(state, session::resolve_viewer)),
    )
}

/// Server functions answer every error with 500; the error itself says what it was (sign
/// in first, not found, not allowed), so the status is made to say the same.
async fn server_fn_status(request: Request, next: Next) -> Response {
    let server_fn = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !server_fn || response.status() != http::StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Our own error bodies are a few dozen bytes.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<model::AppError>(&bytes) {
        parts.status = http::StatusCode::from_u16(error.http_status())
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The method as a metrics label: the standard ones by name, anything else as `other`, so
/// a client inventing methods cannot grow the label set.
fn method_label(method: &http::Method) -> String {
    use http::Method;
    let known = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];
    if known.contains(method) {
        method.as_str().to_owned()
    } else {
        "other".to_owned()
    }
}

/// Latency per route pattern and status.
async fn record_http(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
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
