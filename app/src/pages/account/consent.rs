//! `/c/{city}/consent/{service}`: before a service first sends anything personal to its
//! provider, the resident sees exactly which fields go to which provider, and agrees.

use crate::components::raw_text::PageTitle;
use leptos::prelude::*;

use crate::pages::Loaded;
use leptos_router::hooks::use_params_map;

use super::consent_sentence;
use crate::{
    api::fetch_consent_request,
    components::header::PageHeader,
    i18n::{t, Locale},
    pages::forms::{query, FormMessages},
};

#[component]
pub fn ConsentPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let params = use_params_map().get_untracked();
    let city = params.get("city").unwrap_or_default();
    let service = params.get("service").unwrap_or_default();
    let next = query("next").unwrap_or_default();
    let (fetch_city, fetch_service) = (city.clone(), service.clone());
    view! {
        <PageTitle text=t(locale, "consent-title")/>
        <PageHeader title=t(locale, "consent-title") back=(format!("/c/{city}"), t(locale, "nav-city-home"))/>
        <main class="page narrow">
            <h1>{t(locale, "consent-title")}</h1>
            <FormMessages/>
            <Loaded
                fetch=move || fetch_consent_request(fetch_city.clone(), fetch_service.clone())
                show=move |request| {
                    let (city, service, next) = (city.clone(), service.clone(), next.clone());
                    let sentence =
                        consent_sentence(locale, request.service.id(), &request.provider, &request.fields);
                    view! {
                        <p class="consent-sentence">{sentence}</p>
                        <p class="hint">{t(locale, "consent-withdraw-hint")}</p>
                        {if request.already_granted {
                            view! { <p class="notice success">{t(locale, "consent-already")}</p> }.into_any()
                        } else {
                            view! {
                                <form method="post" action="/me/consent">
                                    <input type="hidden" name="city" value=city/>
                                    <input type="hidden" name="service" value=service/>
                                    <input type="hidden" name="next" value=next/>
                                    <button type="submit" class="button">{t(locale, "consent-agree")}</button>
                                </form>
                            }.into_any()
                        }}
                    }.into_any()
                }
            />
        </main>
    }
}
