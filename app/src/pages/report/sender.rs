//! Sending the report form: with JavaScript, the form goes with fetch, so that every
//! problem shows beside the form and nothing typed or attached is lost; without, it posts
//! and comes back filled in. An island around the problems box and the send button.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::browser::{self, wire, Body};

/// The words the island shows, in the page's language.
#[derive(Clone, Debug, PartialEq)]
pub struct SenderWords {
    pub send: String,
    pub sending: String,
    /// No answer: the network, most likely.
    pub offline: String,
    /// More photos than the form takes.
    pub too_many: String,
    /// The portal stopped waiting for the form (408): a slow connection.
    pub too_slow: String,
    /// The form was cut off as too large before the portal read it (413).
    pub too_large: String,
    /// An answer that is not the form's own: a fault on the portal's side.
    pub failed: String,
}

/// The problems box and the send button; the words the island needs ride on the button.
#[component]
pub fn ReportSender(words: SenderWords, problems: Vec<String>) -> impl IntoView {
    let none = problems.is_empty();
    let send = words.send.clone();
    view! {
        <Sender>
            <div id="report-problems" class="notice error" role="alert" hidden=none>
                <ul>{problems.into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}</ul>
            </div>
            <button type="submit" class="button primary" id="report-send"
                data-send=send data-sending=words.sending data-offline=words.offline
                data-too-many=words.too_many data-too-slow=words.too_slow
                data-too-large=words.too_large data-failed=words.failed>
                {words.send}
            </button>
        </Sender>
    }
}

/// Sends the form around it with fetch.
#[island]
pub fn Sender(children: Children) -> impl IntoView {
    // The send button's click is also what pressing Enter in a field does.
    let send = move |event: web_sys::MouseEvent| {
        let Some(button) = browser::target_in(&event, "#report-send") else {
            return;
        };
        let Some(form) = button
            .dyn_ref::<web_sys::HtmlButtonElement>()
            .and_then(|b| b.form())
        else {
            return;
        };
        event.prevent_default();
        if button.get_attribute("aria-disabled").is_some() {
            return;
        }
        clear_invalid(&form);
        if too_many_photos(&form) {
            return show(&[problem("photos", browser::data(&button, "too-many"))]);
        }
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return;
        };
        sending(&button, true);
        let action = form.action();
        leptos::task::spawn_local(async move {
            let word = |name: &str| browser::data(&button, name);
            let trouble = |status: u16| {
                let name = match status {
                    408 => "too-slow",
                    413 => "too-large",
                    _ => "failed",
                };
                vec![problem("", word(name))]
            };
            let problems = match browser::send("POST", &action, Some(Body::Form(data))).await {
                Ok(answer) => {
                    let body = answer.js().unwrap_or(JsValue::UNDEFINED);
                    if answer.ok() {
                        match wire::text(&body, wire::FILED_LOCATION) {
                            Some(location) => {
                                let join = if location.contains('?') { '&' } else { '?' };
                                browser::go_to(&format!("{location}{join}notice=report-filed"));
                                return;
                            }
                            None => trouble(answer.status),
                        }
                    } else {
                        let refused: Vec<(String, String)> =
                            wire::items(&body, Some(wire::REFUSED_PROBLEMS))
                                .iter()
                                .filter_map(|p| {
                                    let message = wire::text(p, wire::PROBLEM_MESSAGE)?;
                                    Some((wire::text(p, wire::PROBLEM_FIELD)?, message))
                                })
                                .collect();
                        if refused.is_empty() {
                            trouble(answer.status)
                        } else {
                            refused
                        }
                    }
                }
                Err(_) => vec![problem("", word("offline"))],
            };
            show(&problems);
            sending(&button, false);
        });
    };

    // A page restored from the back-forward cache after sending comes back as it was left,
    // "Sending…" and all: it can be sent again (the same submission, so the same report).
    Effect::new(move |_| {
        let _ = window_event_listener(leptos::ev::pageshow, move |event| {
            if event.persisted() {
                if let Some(button) = browser::element_by_id("report-send") {
                    sending(&button, false);
                }
            }
        });
    });

    view! { <div class="island" on:click=send>{children()}</div> }
}

/// A problem: the field it names (empty: the form as a whole) and its words.
fn problem(field: &str, message: String) -> (String, String) {
    (field.to_owned(), message)
}

/// The button says "Sending…" and takes no second tap while the form is on its way.
fn sending(button: &web_sys::Element, now: bool) {
    let word = browser::data(button, if now { "sending" } else { "send" });
    button.set_text_content(Some(&word));
    if now {
        let _ = button.set_attribute("aria-disabled", "true");
    } else {
        let _ = button.remove_attribute("aria-disabled");
    }
}

/// Lists the problems above the button, marks the fields they name, and brings them into
/// view.
fn show(problems: &[(String, String)]) {
    let Some(problems_box) = browser::element_by_id("report-problems") else {
        return;
    };
    let Some(list) = problems_box.query_selector("ul").ok().flatten() else {
        return;
    };
    list.set_text_content(None);
    for (field, message) in problems {
        mark_invalid(field);
        if let Some(item) = browser::create("li") {
            item.set_text_content(Some(message));
            let _ = list.append_child(&item);
        }
    }
    if let Ok(problems_box) = problems_box.dyn_into::<web_sys::HtmlElement>() {
        problems_box.set_hidden(problems.is_empty());
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        problems_box.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// More photos chosen than the photo field's `data-max`.
fn too_many_photos(form: &web_sys::HtmlFormElement) -> bool {
    let Some(input) = form
        .query_selector("input[type=file]")
        .ok()
        .flatten()
        .and_then(|input| input.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return false;
    };
    let chosen = input.files().map_or(0, |files| files.length());
    browser::data(&input, "max")
        .parse::<u32>()
        .is_ok_and(|max| chosen > max)
}

/// The wrapper of the field a problem names (`attribute[x]` is `field-attribute-x`).
fn mark_invalid(field: &str) {
    if field.is_empty() {
        return;
    }
    let id = format!(
        "field-{}",
        field.replace("attribute[", "attribute-").replace(']', "")
    );
    if let Some(wrapper) = browser::element_by_id(&id) {
        let _ = wrapper.class_list().add_1("invalid");
    }
}

fn clear_invalid(form: &web_sys::HtmlFormElement) {
    if let Ok(marked) = form.query_selector_all(".field.invalid") {
        for i in 0..marked.length() {
            if let Some(element) = marked
                .item(i)
                .and_then(|node| node.dyn_into::<web_sys::Element>().ok())
            {
                let _ = element.class_list().remove_1("invalid");
            }
        }
    }
}
