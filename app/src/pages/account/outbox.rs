//! `/_demo/outbox`: what the demo's notification simulator was asked to send, so that a
//! visitor can read the one-time codes. Exists only while the simulator runs.

use crate::{components::raw_text::PageTitle, pages::load_once};
use leptos::prelude::*;

use crate::{
    api::fetch_demo_outbox,
    components::header::PageHeader,
    i18n::{t, Locale},
    pages::forms::load_failed,
};

#[component]
pub fn OutboxPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let load = load_once(fetch_demo_outbox);
    view! {
        <PageTitle text=t(locale, "outbox-title")/>
        <PageHeader title=t(locale, "outbox-title") back=("/".to_owned(), t(locale, "nav-home"))/>
        <main class="page narrow">
            <h1>{t(locale, "outbox-title")}</h1>
            <p>{t(locale, "outbox-intro")}</p>
            <Suspense fallback=|| ()>
                {move || {
                    let messages = load();
                    Suspend::new(async move {
                        match messages.await {
                            Ok(messages) if messages.is_empty() => view! { <p>{t(locale, "outbox-empty")}</p> }.into_any(),
                            Ok(messages) => view! {
                                <ul class="plain-list">
                                    {messages.into_iter().map(|m| view! {
                                        <li class="card outbox-message" data-to=m.to.clone()>
                                            <p class="hint">{format!("{} · {} · {}", m.channel.to_uppercase(), m.to, m.at)}</p>
                                            <p>{m.body}</p>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(error) => load_failed(error, false),
                        }
                    })
                }}
            </Suspense>
        </main>
    }
}
