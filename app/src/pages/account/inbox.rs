//! `/inbox`: messages from services and announcements from providers, newest first; mark
//! read; mute a provider in one tap from its message.

use crate::components::raw_text::PageTitle;
use crate::components::when::When;
use leptos::prelude::*;

use crate::pages::Loaded;

use super::provider_name;
use crate::{
    account::InboxItem,
    api::fetch_inbox,
    components::header::PageHeader,
    i18n::{t, Locale},
    pages::forms::FormMessages,
};

#[component]
pub fn InboxPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "inbox-title")/>
        <PageHeader title=t(locale, "inbox-title") back=("/me".to_owned(), t(locale, "profile-title"))/>
        <main class="page narrow">
            <h1>{t(locale, "inbox-title")}</h1>
            <FormMessages/>
            <Loaded
                fetch=fetch_inbox
                show=|items| view! { <Messages items/> }.into_any()
            />
        </main>
    }
}

#[component]
fn Messages(items: Vec<InboxItem>) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    if items.is_empty() {
        return view! { <p>{t(locale, "inbox-empty")}</p> }.into_any();
    }
    let any_unread = items.iter().any(|m| !m.read);
    view! {
        {any_unread.then(|| view! {
            <form method="post" action="/inbox/read">
                <button type="submit" class="button secondary">{t(locale, "inbox-read-all")}</button>
            </form>
        })}
        <ul class="plain-list messages">
            {items.into_iter().map(|item| {
                let from = item.provider.as_ref().map(|p| provider_name(locale, p));
                let provider_id = item.provider.as_ref().map(|p| p.id.clone());
                view! {
                    <li class="card message" class:unread=!item.read data-message=item.id.clone()
                        data-kind=if item.announcement { "announcement" } else { "service" }>
                        <p class="hint">
                            {if item.announcement { t(locale, "inbox-announcement") } else { t(locale, "inbox-service") }}
                            {from.map(|f| format!(" · {f}"))}
                            " · "<When at=item.at/>
                        </p>
                        <h2 class="message-title">
                            {(!item.read).then(|| view! { <span class="visually-hidden">{t(locale, "inbox-unread")}" "</span> })}
                            {item.title}
                        </h2>
                        <p class="message-body">{item.body}</p>
                        <div class="button-row">
                            {(!item.read).then(|| view! {
                                <form method="post" action="/inbox/read">
                                    <input type="hidden" name="id" value=item.id.clone()/>
                                    <button type="submit" class="button link">{t(locale, "inbox-mark-read")}</button>
                                </form>
                            })}
                            {provider_id.filter(|_| item.announcement).map(|provider| view! {
                                <form method="post" action="/inbox/mute">
                                    <input type="hidden" name="provider" value=provider/>
                                    <input type="hidden" name="mute" value=if item.muted { "0" } else { "1" }/>
                                    <button type="submit" class="button link">
                                        {if item.muted { t(locale, "inbox-unmute") } else { t(locale, "inbox-mute") }}
                                    </button>
                                </form>
                            })}
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }.into_any()
}
