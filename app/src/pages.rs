//! One module per page.

pub mod account;
pub mod admin;
pub mod air;
pub mod bills;
pub mod cameras;
pub mod city;
pub mod doctors;
pub mod forms;
pub mod home;
pub mod not_found;
pub mod payments;
pub mod report;

use std::{
    future::Future,
    sync::{Arc, OnceLock},
};

use futures::future::{BoxFuture, FutureExt, Shared};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    components::header::PageHeader,
    error::{AppError, PageError},
    i18n::{t, Locale},
    pages::not_found::UnknownCity,
    prefs::Prefs,
};

/// A page's data, loaded once however often it is asked for. A `Suspense` rendering on the
/// server walks its children more than once (to find what they wait for, then to render
/// them), and each walk calls the closure inside it: a load started there would run two or
/// three times per page and the early runs be dropped half-way (which is how a provider's
/// breaker once counted dropped calls as failures). Every walk gets the same future.
pub(crate) fn load_once<T, Fut, Load>(
    load: Load,
) -> impl Fn() -> Shared<BoxFuture<'static, T>> + Clone + Send + Sync + 'static
where
    T: Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
    Load: Fn() -> Fut + Send + Sync + 'static,
{
    let started: Arc<OnceLock<Shared<BoxFuture<'static, T>>>> = Arc::default();
    let load = Arc::new(load);
    move || started.get_or_init(|| load().boxed().shared()).clone()
}

/// The shell of every page part that shows loaded data: `fetch` runs once (see
/// [`load_once`]), `show` draws what it brought, and a failure is shown as every page shows
/// one ([`forms::load_failed`]: its status, a sign-in for a signed-out visitor (of the
/// console, when `admin`), a plain message).
#[component]
pub fn Loaded<T, Fut, Fetch, Show>(
    fetch: Fetch,
    show: Show,
    #[prop(optional)] admin: bool,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, PageError>> + Send + 'static,
    Fetch: Fn() -> Fut + Send + Sync + 'static,
    Show: Fn(T) -> AnyView + Clone + Send + Sync + 'static,
{
    let load = load_once(fetch);
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let data = load();
                let show = show.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(data) => show(data),
                        Err(error) => forms::load_failed(error, admin),
                    }
                })
            }}
        </Suspense>
    }
}

/// The `:city` of the current route, and the resident's remembered district in it.
fn city_and_region() -> (String, Option<String>) {
    let city = use_params_map()
        .get_untracked()
        .get("city")
        .unwrap_or_default();
    let region = use_context::<Prefs>().and_then(|prefs| prefs.region_in(&city));
    (city, region)
}

/// A city page that could not be shown: an unknown city gets the 404 page, anything else a
/// plain message under a header leading `back`.
#[component]
fn CityPageError(error: PageError, title: String, back: (String, String)) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    match error.0 {
        AppError::UnknownCity(_) => view! {
            <PageHeader title=t(locale, "app-name") back=("/".to_owned(), t(locale, "nav-home"))/>
            <main class="page"><UnknownCity/></main>
        }
        .into_any(),
        // One rendering of a page's failure (its status, and for a service switched off
        // here, the ways on), as every other page has.
        error => view! {
            <PageHeader title back/>
            <main class="page">{forms::load_failed(PageError(error), false)}</main>
        }
        .into_any(),
    }
}
