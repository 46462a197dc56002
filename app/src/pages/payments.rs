//! The resident's payments: "My payments", and a payment's page, which is where the payment
//! provider sends the resident back to and the receipt once the payment is settled. Plain
//! HTML: while a payment is being confirmed the page offers to look again, and with
//! JavaScript watches it by itself ([`watch`]); a settled one prints as a receipt.

mod watch;

use leptos::prelude::*;

use crate::pages::Loaded;
use leptos_router::hooks::use_params_map;

use crate::components::when::When;
use crate::{
    api::{fetch_my_payment, fetch_my_payments},
    components::{header::PageHeader, islands::IslandScripts, raw_text::PageTitle},
    i18n::{t, t_args, Locale},
    pages::forms::FormMessages,
    payments::{PaymentReceipt, PaymentStep},
};

fn status_text(locale: Locale, status: &str) -> String {
    t(locale, &format!("payment-status-{status}"))
}

/// What moved a payment, step by step: when, what happened, who or what did it. Folded
/// away: the receipt comes first; the steps answer "what happened to my money?".
#[component]
pub fn PaymentHistory(steps: Vec<PaymentStep>) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    (!steps.is_empty()).then(|| {
        view! {
            <details class="payment-history">
                <summary>{t(locale, "payment-history")}</summary>
                <ol class="plain-list">
                    {steps.into_iter().map(|step| view! {
                        <li data-event=step.event.clone() data-status=step.status.clone()>
                            <When at=step.at/>" · "
                            {t(locale, &format!("payment-event-{}", step.event))}" · "
                            <span class="hint">{t(locale, &format!("payment-moved-by-{}", step.by))}</span>
                        </li>
                    }).collect_view()}
                </ol>
            </details>
        }
        // Erased: inside the console's table, its full type is too deep for the compiler.
        .into_any()
    })
}

/// `/me/payments`: the signed-in resident's payments, newest first.
#[component]
pub fn MyPaymentsPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "my-payments-title")/>
        <PageHeader title=t(locale, "my-payments-title") back=("/me".to_owned(), t(locale, "profile-title"))/>
        <main class="page narrow">
            <h1>{t(locale, "my-payments-title")}</h1>
            <Loaded
                fetch=fetch_my_payments
                show={move |rows: Vec<_>| match rows {
                    rows if rows.is_empty() => view! { <p>{t(locale, "my-payments-empty")}</p> }.into_any(),
                    rows => view! {
                        <ul class="plain-list my-payments">
                            {rows.into_iter().map(|row| {
                                let status = row.status.clone();
                                view! {
                                    <li class="card" data-payment=row.id.clone()>
                                        <a href=format!("/me/payments/{}", row.id)><strong>{row.what}</strong></a>
                                        <p class="amount">{row.amount.display(locale)}</p>
                                        <p class="hint"><When at=row.started/></p>
                                        <p class=format!("status status-{status}") data-status=status.clone()>{status_text(locale, &status)}</p>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            />
        </main>
    }
}

/// `/me/payments/{id}`: one payment; the receipt once it is settled.
#[component]
pub fn PaymentPage() -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    view! {
        <PageTitle text=t(locale, "payment-title")/>
        <PageHeader title=t(locale, "payment-title") back=("/me/payments".to_owned(), t(locale, "my-payments-title"))/>
        <main class="page narrow">
            <FormMessages/>
            <Loaded
                fetch=move || fetch_my_payment(id.clone())
                show=|payment| view! { <Receipt payment/> }.into_any()
            />
        </main>
    }
}

#[component]
fn Receipt(payment: PaymentReceipt) -> impl IntoView {
    let locale = use_context::<Locale>().unwrap_or_default();
    let status = payment.status.clone();
    let confirming = status == "open";
    // Paid, with the company's receipt (or the hospital's booking) on its way: said so, with
    // a way to look again (not a timed refresh, which no resident can stop: WCAG 2.2.1).
    let settling = payment.settling;
    let again = format!("/me/payments/{}", payment.id);
    let row = |label: String, value: String| view! { <dt>{label}</dt><dd>{value}</dd> };
    let watched = (confirming || settling).then(|| {
        let notice = if confirming {
            t_args(
                locale,
                "payment-confirming",
                &[("seconds", watch::EVERY_SECONDS.into())],
            )
        } else {
            t(locale, "payment-settling")
        };
        view! {
            <IslandScripts/>
            <watch::PaymentWatch>
                <p class="notice" role="note">{notice}</p>
                <p id="payment-watch" role="status" data-changed=t(locale, "payment-changed")
                    data-id=payment.id.clone() data-status=payment.status.clone()
                    data-settling=settling.to_string()></p>
                <p><a class="button secondary" href=again>{t(locale, "payment-look-again")}</a></p>
            </watch::PaymentWatch>
        }
    });
    view! {
        <article class="receipt" aria-labelledby="receipt-heading">
            <h1 id="receipt-heading">{payment.what.clone()}</h1>
            <p class="amount">{payment.amount.display(locale)}</p>
            <p class=format!("status status-{status}") data-status=status.clone() role="status">
                <strong>{status_text(locale, &status)}</strong>
            </p>
            {watched}
            {payment.reason.clone().map(|reason| view! { <p class="notice">{reason}</p> })}
            {payment.continue_url.clone().map(|url| view! {
                <form method="post" action=url>
                    <button type="submit" class="button">{t(locale, "payment-continue")}</button>
                </form>
            })}
            {payment.cancel_url.clone().map(|url| view! {
                <form method="post" action=url>
                    <p class="hint">{t(locale, "payment-cancel-hint")}</p>
                    <button type="submit" class="button secondary danger-text">{t(locale, "payment-cancel")}</button>
                </form>
            })}
            <dl class="answers">
                {row(t(locale, "payment-field-city"), payment.city.name.get(locale).to_owned())}
                {payment.details.iter().map(|(label, value)| row(label.clone(), value.clone())).collect_view()}
                {row(t(locale, "payment-field-provider"), payment.provider.clone())}
                {row(t(locale, "payment-field-order"), payment.order_no.clone())}
                {payment.transaction_id.clone().map(|id| row(t(locale, "payment-field-transaction"), id))}
                {row(t(locale, "payment-field-started"), payment.started.clone())}
                {payment.paid.clone().map(|at| row(t(locale, "payment-field-paid"), at))}
            </dl>
            {(!payment.refunds.is_empty()).then(|| view! {
                <h2>{t(locale, "payment-refunds")}</h2>
                <ul class="plain-list refunds">
                    {payment.refunds.iter().map(|refund| view! {
                        <li data-status=refund.status.clone()>
                            <strong>{refund.amount.display(locale)}</strong>" · "
                            {status_text(locale, &refund.status)}" · "<When at=refund.at.clone()/>
                            <br/><span class="hint">{refund.reason.clone()}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            <PaymentHistory steps=payment.history.clone()/>
        </article>
    }
}
