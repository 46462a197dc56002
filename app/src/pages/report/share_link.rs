//! "Share the link" on a report's private page: the phone's share sheet where the browser
//! has one (`navigator.share`), else the link copied (`navigator.clipboard`). The link is on
//! the page in full for whoever has no script (select and copy it).

use leptos::{html, prelude::*};
use wasm_bindgen::{JsCast, JsValue};

use crate::browser;

#[island(lazy)]
pub fn ShareLink(children: Children) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        if root.get().is_some() {
            if let Some(button) = button() {
                button.set_hidden(false);
            }
        }
    });
    let on_click = move |event: web_sys::MouseEvent| {
        if browser::target_in(&event, "[data-action=share]").is_some() {
            share();
        }
    };
    view! { <div class="island" node_ref=root on:click=on_click>{children()}</div> }
}

fn button() -> Option<web_sys::HtmlElement> {
    browser::element_by_id("private-link")
        .and_then(|input| input.parent_element())
        .and_then(|box_| browser::child(&box_, "[data-action=share]"))
}

/// Hands the link to the share sheet, or copies it; says which happened.
fn share() {
    let (Some(link), Some(button)) = (browser::input_by_id("private-link"), button()) else {
        return;
    };
    let url = link.value();
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return;
    };
    let call = |target: &JsValue, method: &str, argument: JsValue| -> Option<js_sys::Promise> {
        let function: js_sys::Function = js_sys::Reflect::get(target, &method.into())
            .ok()?
            .dyn_into()
            .ok()?;
        function.call1(target, &argument).ok()?.dyn_into().ok()
    };
    // The share sheet, where there is one (phones); it says itself what it did.
    let data = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&data, &"url".into(), &url.clone().into());
    if let Some(shared) = call(&navigator, "share", data.into()) {
        leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(shared).await;
        });
        return;
    }
    let copied = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .ok()
        .filter(|clipboard| !clipboard.is_undefined())
        .and_then(|clipboard| call(&clipboard, "writeText", url.into()));
    leptos::task::spawn_local(async move {
        let done = match copied {
            Some(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
            None => false,
        };
        let said = browser::data(&button, if done { "copied" } else { "failed" });
        if let Some(status) = browser::element_by_id("share-status") {
            status.set_text_content(Some(&said));
        }
        if !done {
            link.select();
        }
    });
}
