//! `/_demo/outbox`: what the demo's notification simulator was asked to send, so that a
//! visitor can read the one-time codes. Exists only while the simulator runs.

use crate::components::raw_text::PageTitle;
use leptos::prelude::*;

use crate::pages::Loaded;

use crate::{
    api::fetch_demo_outbox,
    components::header::PageHeader,
    i18n::{t, Locale},
};

#[component]
pub fn OutboxPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "outbox-title")/>
        <PageHeader title=t(locale, "outbox-title") back=("/".to_owned(), t(locale, "nav-home"))/>
        <main class="page narrow">
            <h1>{t(locale, "outbox-title")}</h1>
            <p>{t(locale, "outbox-intro")}</p>
            <Loaded
                fetch=fetch_demo_outbox
                show={move |messages: Vec<_>| match messages {
                    messages if messages.is_empty() => view! { <p>{t(locale, "outbox-empty")}</p> }.into_any(),
                    messages => view! {
                        <ul class="plain-list">
                            {messages.into_iter().map(|m| view! {
                                <li class="card outbox-message" data-to=m.to.clone()>
                                    <p class="hint">{format!("{} · {} · {}", m.channel.to_uppercase(), m.to, m.at)}</p>
                                    <p>{m.body}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            />
        </main>
    }
}
