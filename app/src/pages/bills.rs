//! `/c/{city}/bills`: the resident's saved utility accounts with their open bills, chosen
//! with checkboxes and paid at once, and a form to save another account. Plain forms: the
//! page works the same without a script.

use leptos::prelude::*;

use crate::pages::Loaded;

use super::city_and_region;
use crate::{
    api::fetch_bills_page,
    bills::{BillsPage as Page, SavedAccount},
    components::{header::PageHeader, raw_text::PageTitle},
    i18n::{t, t_args, Locale},
    pages::forms::FormMessages,
};

#[component]
pub fn BillsPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let (city_id, _) = city_and_region();
    let back = (format!("/c/{city_id}"), t(locale, "nav-city-home"));
    view! {
        <PageTitle text=t(locale, "service-bills")/>
        <PageHeader title=t(locale, "service-bills") back/>
        <main class="page narrow">
            <FormMessages/>
            <Loaded
                fetch=move || fetch_bills_page(city_id.clone())
                show=|page| view! { <Bills page/> }.into_any()
            />
        </main>
    }
}

#[component]
fn Bills(page: Page) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let city = page.city.id.clone();
    let has_bills = page
        .accounts
        .iter()
        .any(|a| a.bills.iter().any(|b| b.payment.is_none()));
    view! {
        <h1>{t(locale, "bills-title")}</h1>
        {page.accounts.is_empty().then(|| view! { <p>{t(locale, "bills-none-saved")}</p> })}
        // One form pays every chosen bill; each account's "remove" button belongs to a form
        // of its own outside it (forms cannot nest).
        <form method="post" action=format!("/c/{city}/bills/pay") class="stack" id="pay-bills">
            {page.accounts.iter().cloned().map(|account| view! { <Account account/> }).collect_view()}
            {has_bills.then(|| view! {
                <p class="hint">{t(locale, "bills-pay-hint")}</p>
                <button type="submit" class="button primary">{t(locale, "bills-pay")}</button>
            })}
        </form>
        {page.accounts.iter().map(|account| view! {
            <form method="post" action=format!("/c/{city}/bills/accounts/remove") id=format!("remove-{}", account.id) class="visually-hidden">
                <input type="hidden" name="account" value=account.id.clone()/>
            </form>
            {(!account.proven).then(|| view! {
                <form method="post" action=format!("/c/{city}/bills/accounts/prove") id=format!("prove-{}", account.id) class="visually-hidden">
                    <input type="hidden" name="account" value=account.id.clone()/>
                </form>
            })}
        }).collect_view()}
        <section aria-labelledby="add-account">
            <h2 id="add-account">{t(locale, "bills-add-title")}</h2>
            <form method="post" action=format!("/c/{city}/bills/accounts") class="stack">
                <label for="biller">{t(locale, "bills-field-biller")}</label>
                <select id="biller" name="biller" required>
                    {page.billers.iter().map(|b| view! {
                        <option value=b.id.clone()>{format!("{} · {}", t(locale, &format!("bills-utility-{}", b.utility)), b.name)}</option>
                    }).collect_view()}
                </select>
                <label for="number">{t(locale, "bills-field-number")}</label>
                <input id="number" name="number" type="text" required inputmode="text" autocomplete="off"
                    maxlength=page.max_account_number.to_string() aria-describedby="number-hint"/>
                <p class="hint" id="number-hint">{t(locale, "bills-field-number-hint")}</p>
                <label for="amount">{t(locale, "bills-field-amount")}</label>
                <input id="amount" name="amount" type="text" required inputmode="decimal" autocomplete="off"
                    maxlength="12" aria-describedby="amount-hint"/>
                <p class="hint" id="amount-hint">{t(locale, "bills-field-amount-hint")}</p>
                <label for="label">{t(locale, "bills-field-label")}</label>
                <input id="label" name="label" type="text" maxlength=page.max_label.to_string()
                    placeholder=t(locale, "bills-field-label-example")/>
                <div class="check">
                    <input id="consent" name="consent" type="checkbox" value="yes" required/>
                    <label for="consent">{t(locale, "bills-consent")}</label>
                </div>
                <button type="submit" class="button">{t(locale, "bills-add")}</button>
            </form>
        </section>
    }
}

#[component]
fn Account(account: SavedAccount) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let heading = format!("account-{}", account.id);
    let labelled_by = heading.clone();
    view! {
        <section class="card bill-account" aria-labelledby=labelled_by data-account=account.number.clone()>
            <h2 id=heading>{account.label.clone()}</h2>
            <p class="hint">
                {account.biller.name.clone()}" · "{account.number.clone()}
                {account.holder.clone().map(|holder| view! { " · "{holder} })}
            </p>
            {account.problem.clone().map(|problem| view! { <p class="notice error">{problem}</p> })}
            {(!account.proven).then(|| {
                let form = format!("prove-{}", account.id);
                let field = format!("amount-{}", account.id);
                view! {
                    <label for=field.clone()>{t(locale, "bills-field-amount")}</label>
                    <input id=field name="amount" type="text" required inputmode="decimal" autocomplete="off"
                        maxlength="12" form=form.clone()/>
                    <button type="submit" class="button" form=form>{t(locale, "bills-prove")}</button>
                }
            })}
            {(account.problem.is_none() && account.bills.is_empty()).then(|| view! {
                <p>{t(locale, "bills-all-paid")}</p>
            })}
            <ul class="plain-list bills">
                {account.bills.iter().enumerate().map(|(index, bill)| {
                    let id = format!("bill-{}-{index}", account.id);
                    let due = if bill.overdue {
                        t_args(locale, "bills-overdue", &[("date", bill.due.clone().into())])
                    } else {
                        t_args(locale, "bills-due", &[("date", bill.due.clone().into())])
                    };
                    view! {
                        <li class="bill" data-bill=bill.number.clone()>
                            {match &bill.payment {
                                Some(payment) => view! {
                                    <p>
                                        <strong>{bill.period.clone()}" · "{bill.amount.display(locale)}</strong><br/>
                                        <a href=format!("/me/payments/{payment}")>{t(locale, "bills-being-paid")}</a>
                                    </p>
                                }.into_any(),
                                None => view! {
                                    <div class="check">
                                        <input type="checkbox" name="bill" id=id.clone() value=bill.key.clone() form="pay-bills"/>
                                        <label for=id>
                                            <strong>{bill.period.clone()}" · "{bill.amount.display(locale)}</strong><br/>
                                            <span class=if bill.overdue { "hint overdue" } else { "hint" }>{due}</span>
                                        </label>
                                    </div>
                                }.into_any(),
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <button type="submit" class="button link" form=format!("remove-{}", account.id)>
                {t(locale, "bills-remove")}
                <span class="visually-hidden">" "{account.label.clone()}</span>
            </button>
        </section>
    }
}
