//! `/me/data` ("My data"): what the resident agreed to share with which provider, every
//! share made, and the providers muted. Consent can be withdrawn here.

use crate::components::raw_text::PageTitle;
use crate::components::when::When;
use leptos::prelude::*;

use crate::pages::Loaded;

use super::{consent_sentence, field_noun_list, provider_name};
use crate::{
    account::MyData,
    api::fetch_my_data,
    components::header::PageHeader,
    i18n::{t, t_args, Locale},
    pages::forms::FormMessages,
};

#[component]
pub fn MyDataPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "mydata-title")/>
        <PageHeader title=t(locale, "mydata-title") back=("/me".to_owned(), t(locale, "profile-title"))/>
        <main class="page narrow">
            <h1>{t(locale, "mydata-title")}</h1>
            <FormMessages/>
            <p>{t(locale, "mydata-intro")}</p>
            <Loaded
                fetch=fetch_my_data
                show=|data| view! { <MyDataView data/> }.into_any()
            />
        </main>
    }
}

#[component]
fn MyDataView(data: MyData) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let fields = move |ids: &[String]| field_noun_list(locale, ids);
    view! {
        <section aria-labelledby="consents-heading">
            <h2 id="consents-heading">{t(locale, "mydata-consents")}</h2>
            {if data.consents.is_empty() {
                view! { <p>{t(locale, "mydata-no-consents")}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list">
                        {data.consents.into_iter().map(|consent| {
                            let live = consent.withdrawn.is_none();
                            view! {
                                <li class="card" data-provider=consent.provider.id.clone()>
                                    <p class="strong">{provider_name(locale, &consent.provider)}</p>
                                    <p class="consent-sentence">{consent_sentence(locale, &consent.service_id, &consent.provider, &consent.fields)}</p>
                                    <p class="hint">{t_args(locale, "mydata-granted", &[("date", consent.granted.clone().into())])}</p>
                                    {consent.withdrawn.clone().map(|date| view! {
                                        <p class="hint">{t_args(locale, "mydata-withdrawn", &[("date", date.into())])}</p>
                                    })}
                                    {live.then(|| view! {
                                        <form method="post" action="/me/data/withdraw">
                                            <input type="hidden" name="provider" value=consent.provider.id.clone()/>
                                            <input type="hidden" name="service" value=consent.service_id.clone()/>
                                            <button type="submit" class="button secondary">{t(locale, "mydata-withdraw")}</button>
                                        </form>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="shares-heading">
            <h2 id="shares-heading">{t(locale, "mydata-shares")}</h2>
            {if data.shares.is_empty() {
                view! { <p>{t(locale, "mydata-no-shares")}</p> }.into_any()
            } else {
                view! {
                    <table class="data-table">
                        <thead><tr>
                            <th scope="col">{t(locale, "mydata-when")}</th>
                            <th scope="col">{t(locale, "mydata-provider")}</th>
                            <th scope="col">{t(locale, "mydata-what")}</th>
                            <th scope="col">{t(locale, "mydata-why")}</th>
                        </tr></thead>
                        <tbody>
                            {data.shares.into_iter().map(|share| view! {
                                <tr>
                                    <td><When at=share.at/></td>
                                    <td>{provider_name(locale, &share.provider)}</td>
                                    <td>{fields(&share.fields)}</td>
                                    <td>{share.purpose}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="muted-heading">
            <h2 id="muted-heading">{t(locale, "mydata-muted")}</h2>
            {if data.muted.is_empty() {
                view! { <p>{t(locale, "mydata-none-muted")}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list">
                        {data.muted.into_iter().map(|provider| view! {
                            <li>
                                <span>{provider_name(locale, &provider)}</span>
                                <form method="post" action="/inbox/mute">
                                    <input type="hidden" name="provider" value=provider.id.clone()/>
                                    <input type="hidden" name="mute" value="0"/>
                                    <input type="hidden" name="next" value="/me/data"/>
                                    <button type="submit" class="button link">{t(locale, "inbox-unmute")}</button>
                                </form>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
