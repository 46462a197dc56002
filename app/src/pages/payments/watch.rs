//! While a payment is being confirmed (or its receipt is on its way), the page watches it:
//! it asks the portal every few seconds while it is in view, and when the answer changes it
//! says so in its live region and shows the new page. No timed reload of the whole page
//! (which no resident can stop or slow: WCAG 2.2.1): without JavaScript, the page offers a
//! "Look again" link instead.

use leptos::{html, prelude::*};

use crate::browser::{self, wire};

/// How often the portal is asked, in seconds (each may ask WeChat Pay about the order).
pub const EVERY_SECONDS: u64 = 10;
/// The order lasts 15 minutes: past 20, the page stops asking (the inbox will tell; the
/// "Look again" link still works).
const GIVE_UP_AFTER: u32 = 20 * 60 / EVERY_SECONDS as u32;

/// Watches the payment its children describe: `#payment-watch` holds the payment's id,
/// status and settling (`data-id`, `data-status`, `data-settling`: no island props, whose
/// decoding would bring a JSON reader into the chunk) and `data-changed`, the words said
/// when the answer changes.
#[island(lazy)]
pub fn PaymentWatch(children: Children) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    let asked = StoredValue::new(0u32);
    Effect::new(move |_| {
        if root.get().is_none() {
            return;
        }
        let Some(watched) = browser::element_by_id("payment-watch") else {
            return;
        };
        let (id, status) = (
            browser::data(&watched, "id"),
            browser::data(&watched, "status"),
        );
        let settling = browser::data(&watched, "settling") == "true";
        let timer = set_interval_with_handle(
            move || {
                let hidden = web_sys::window()
                    .and_then(|w| w.document())
                    .is_some_and(|d| d.hidden());
                let count = asked.try_update_value(|n| {
                    *n += 1;
                    *n
                });
                if hidden || count.is_none_or(|n| n > GIVE_UP_AFTER) {
                    return;
                }
                ask(id.clone(), status.clone(), settling);
            },
            std::time::Duration::from_secs(EVERY_SECONDS),
        );
        if let Ok(timer) = timer {
            on_cleanup(move || timer.clear());
        }
    });
    view! { <div class="island" node_ref=root>{children()}</div> }
}

/// Asks for the payment as its page would (the server function behind the page), and shows
/// the page again once it has moved on.
fn ask(id: String, status: String, settling: bool) {
    leptos::task::spawn_local(async move {
        let fields = web_sys::UrlSearchParams::new().ok();
        if let Some(fields) = &fields {
            fields.append("id", &id);
        }
        let Ok(answer) =
            browser::send("POST", "/api/me/payment", fields.map(browser::Body::Fields)).await
        else {
            return;
        };
        let Some(found) = answer.ok().then(|| answer.js().ok()).flatten() else {
            return;
        };
        let now_status = wire::text(&found, wire::PAYMENT_STATUS).unwrap_or_default();
        let now_settling = wire::flag(&found, wire::PAYMENT_SETTLING).unwrap_or(false);
        if now_status == status && now_settling == settling {
            return;
        }
        if let Some(said) = browser::element_by_id("payment-watch") {
            said.set_text_content(Some(&browser::data(&said, "changed")));
        }
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
}
