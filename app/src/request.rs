//! What the page renderer reads off the current request: who is asking, their remembered
//! preferences, and the page backends the server provided.

use std::sync::Arc;

use leptos::prelude::{provide_context, use_context};
use model::{account::Viewer, pages::PageBackends, prefs::Prefs, AppError};

/// The current request's viewer (nobody, outside a request). The server's session
/// middleware puts it in the request's extensions.
pub fn viewer() -> Viewer {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Viewer>().cloned())
        .unwrap_or_default()
}

/// The current request's client address, for limits ("unknown" outside a request).
pub fn client_address() -> String {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<model::account::ClientAddress>()
                .map(|a| a.0.clone())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// A header of the current request, if it has it (as text).
pub fn header(name: http::header::HeaderName) -> Option<String> {
    use_context::<http::request::Parts>()?
        .headers
        .get(name)?
        .to_str()
        .ok()
        .map(str::to_owned)
}

/// Reads the current request's preferences and provides them, and their locale, as context.
pub fn provide_request_prefs() {
    let parts = use_context::<http::request::Parts>();
    let header = |name: http::header::HeaderName| {
        parts
            .as_ref()
            .and_then(|parts| parts.headers.get(name))
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let prefs = Prefs::from_headers(
        header(http::header::COOKIE).as_deref(),
        header(http::header::ACCEPT_LANGUAGE).as_deref(),
    );
    provide_context(prefs.locale);
    provide_context(prefs);
}

/// Provides the page areas' backends, so a page asks only for its area's.
pub fn provide_backends(backends: &PageBackends) {
    provide_context(backends.clone());
}

/// The backend of one page area (`dyn AirPages`, …), as the server provided it.
pub fn backend<Area: ?Sized + Send + Sync + 'static>() -> Result<Arc<Area>, AppError> {
    use_context::<PageBackends>()
        .and_then(|backends| backends.get::<Area>())
        .ok_or(AppError::Internal)
}
