//! Choosing a day on a department's page: with JavaScript, the day's doctors and times
//! replace the last day's in place (the day strip keeps its scroll, the page its header,
//! the address the chosen day); without, each day is a link to its own page. An island
//! around the day strip and the doctors.

use crate::browser;
use leptos::{html, prelude::*};

/// The part of the page a day changes; the island swaps it for the same part of the chosen
/// day's page.
pub const DAY_PART: &str = "day-doctors";

/// Loads a chosen day's doctors into the page; any failure follows the link instead.
#[island(lazy)]
pub fn DayPicker(children: Children) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    // Which click is the latest: an earlier day's answer that comes late is dropped.
    let clicks = StoredValue::new(0_u32);
    // Said on the page, so a browser test knows a click is the island's.
    Effect::new(move |_| {
        if let Some(root) = root.get() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    let on_click = move |event: web_sys::MouseEvent| {
        // A new tab or window is the browser's to open.
        if event.ctrl_key()
            || event.meta_key()
            || event.shift_key()
            || event.alt_key()
            || event.button() != 0
        {
            return;
        }
        let Some(link) = browser::target_in(&event, ".day-list a") else {
            return;
        };
        let Some(href) = link.get_attribute("href") else {
            return;
        };
        event.prevent_default();
        let click = clicks.try_update_value(|n| {
            *n = n.wrapping_add(1);
            *n
        });
        let latest = move || clicks.try_get_value() == click;
        leptos::task::spawn_local(async move {
            if show_day(&link, &href, latest).await.is_none() {
                browser::go_to(&href);
            }
        });
    };
    view! { <div class="island day-picker" node_ref=root on:click=on_click>{children()}</div> }
}

/// Fetches the day's page and puts its doctors in place of these, unless another day was
/// chosen meanwhile; `None` when it could not.
async fn show_day(link: &web_sys::Element, href: &str, latest: impl Fn() -> bool) -> Option<()> {
    let part = browser::element_by_id(DAY_PART)?;
    let _ = part.set_attribute("aria-busy", "true");
    let fetched = browser::page(href).await;
    if !latest() {
        return Some(());
    }
    let _ = part.remove_attribute("aria-busy");
    let page = fetched?;
    let fresh = page.get_element_by_id(DAY_PART)?;
    part.set_inner_html(&fresh.inner_html());
    let chosen_before = link
        .closest(".day-list")
        .ok()
        .flatten()
        .and_then(|days| browser::child(&days, "a.chosen"));
    if let Some(day) = chosen_before {
        let _ = day.remove_attribute("aria-current");
        let _ = day.class_list().remove_1("chosen");
    }
    let _ = link.set_attribute("aria-current", "date");
    let _ = link.class_list().add_1("chosen");
    browser::show_address(href);
    Some(())
}
