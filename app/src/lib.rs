//! City Portal's user interface: pages and components. What they show, and the message
//! catalogs, are the `model` crate's; what they ask the server is `model::pages`.
//!
//! Pages render on the server and read complete without JavaScript. Only islands
//! (`#[island]`) are shipped as wasm and hydrated, so a first visit stays small on a slow
//! phone network.

pub mod api;
mod browser;
mod components;
pub mod error;
mod pages;
#[cfg(feature = "ssr")]
pub mod request;

// The pages speak the model's vocabulary; these let them name it briefly.
use model::{account, appointments, bills, cameras, i18n, payments, prefs, reports};

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::i18n::{t, Locale};

/// Origins besides the portal's own that its forms may lead to (the payment providers'
/// pages, where a pay form's answer redirects), space-separated; the server provides it.
#[derive(Clone, Debug, Default)]
pub struct FormOrigins(pub String);

/// The origin residents reach the portal at (`PUBLIC_URL`, without its trailing slash), for
/// links a page gives to be kept or shared; the server provides it.
#[derive(Clone, Debug, Default)]
pub struct PublicOrigin(pub String);

/// The stylesheet: its text, which every page carries in its head, and its address
/// (fingerprinted by the server) for when the server has no text (a build without the front
/// end). In the head it costs a first visit nothing more than a link would (it is the same
/// bytes, in one response instead of two) and the page paints a round trip sooner, which on a
/// slow network is the difference between a camera's picture at 1.05 s and at 0.9 s; a
/// later page carries it again, 3 KB with brotli.
#[derive(Clone, Debug)]
pub struct Stylesheet {
    pub href: String,
    pub text: Option<std::sync::Arc<str>>,
}

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Pages with islands load the wasm themselves (`components::islands::IslandScripts`);
    // the others ship no JavaScript at all.
    provide_context(options);
    #[cfg(feature = "ssr")]
    {
        request::provide_request_prefs();
        provide_context(request::viewer());
        set_content_security_policy();
    }
    let locale = use_context::<Locale>().unwrap_or_default();
    let stylesheet = use_context::<Stylesheet>().unwrap_or_else(|| Stylesheet {
        href: "/pkg/city_portal.css".to_owned(),
        text: None,
    });
    let stylesheet = match stylesheet.text {
        // Our own build's CSS, in a raw-text element: written as it is.
        Some(css) => {
            view! { <style nonce=leptos::nonce::use_nonce() inner_html=css></style> }.into_any()
        }
        None => view! { <link rel="stylesheet" href=stylesheet.href/> }.into_any(),
    };
    view! {
        <!DOCTYPE html>
        <html lang=locale.html_lang()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // Static head entries are written here, not through leptos_meta: nothing to
                // collect and splice per request.
                {stylesheet}
                <link rel="icon" href="/favicon.svg"/>
                <meta name="description" content=t(locale, "app-description")/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// A fresh nonce for this page's inline script (Leptos's hydration bootstrap) and stylesheet,
/// and a Content-Security-Policy that allows only those and the site's own files.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use leptos::nonce::{provide_nonce, use_nonce};
    provide_nonce();
    let nonce = use_nonce().map(|n| n.to_string()).unwrap_or_default();
    let forms = use_context::<FormOrigins>().unwrap_or_default().0;
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self' {forms}; frame-ancestors 'none'"
    );
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&policy),
    ) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The router: every page the resident can reach.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Router>
            <Routes fallback=pages::not_found::NotFoundPage>
                <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city") view=pages::city::CityPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city/air") view=pages::air::AirPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city/report") view=pages::report::NewReportPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city/reports") view=pages::report::PublicReportsPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city/bills") view=pages::bills::BillsPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city/doctors") view=pages::doctors::HospitalsPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city/doctors/:hospital/slots/:slot") view=pages::doctors::ConfirmPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city/doctors/:hospital/:department") view=pages::doctors::DepartmentPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city/cameras") view=pages::cameras::CamerasPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city/cameras/:camera") view=pages::cameras::CameraPage ssr=SsrMode::Async/>
                <Route path=path!("/me/appointments") view=pages::doctors::MyAppointmentsPage ssr=SsrMode::Async/>
                <Route path=path!("/me/family") view=pages::account::family::FamilyPage ssr=SsrMode::Async/>
                <Route path=path!("/me/family/code") view=pages::account::family::FamilyCodePage ssr=SsrMode::Async/>
                <Route path=path!("/r/:token") view=pages::report::TrackedReportPage ssr=SsrMode::Async/>
                <Route path=path!("/me/reports") view=pages::report::MyReportsPage ssr=SsrMode::Async/>
                <Route path=path!("/me/reports/:reference") view=pages::report::MyReportPage ssr=SsrMode::Async/>
                <Route path=path!("/me/payments") view=pages::payments::MyPaymentsPage ssr=SsrMode::Async/>
                <Route path=path!("/me/payments/:id") view=pages::payments::PaymentPage ssr=SsrMode::Async/>
                <Route path=path!("/c/:city/consent/:service") view=pages::account::consent::ConsentPage ssr=SsrMode::Async/>
                <Route path=path!("/signin") view=pages::account::signin::SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=pages::account::signin::SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/signup/verify") view=pages::account::signin::SignUpCodePage ssr=SsrMode::Async/>
                <Route path=path!("/me") view=pages::account::profile::ProfilePage ssr=SsrMode::Async/>
                <Route path=path!("/me/contact") view=pages::account::signin::ContactCodePage ssr=SsrMode::Async/>
                <Route path=path!("/me/data") view=pages::account::my_data::MyDataPage ssr=SsrMode::Async/>
                <Route path=path!("/inbox") view=pages::account::inbox::InboxPage ssr=SsrMode::Async/>
                <Route path=path!("/_demo/outbox") view=pages::account::outbox::OutboxPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/signin") view=pages::admin::signin::AdminSignInPage ssr=SsrMode::Async/>
                <Route path=path!("/admin") view=pages::admin::home::AdminHomePage ssr=SsrMode::Async/>
                <Route path=path!("/admin/admins") view=pages::admin::accounts::AdminAccountsPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/c/:city") view=pages::admin::city::AdminCityPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/c/:city/health") view=pages::admin::city::AdminHealthPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/c/:city/audit") view=pages::admin::city::AdminAuditPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/c/:city/payments") view=pages::admin::city::AdminPaymentsPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

/// Referenced by the wasm entry point so that the linker keeps this crate's islands.
pub fn link_islands() {}
