//! Sending the report form: with JavaScript, the form goes with fetch, so that every
//! problem shows beside the form and nothing typed or attached is lost; without, it posts
//! and comes back filled in. An island around the problems box and the send button.

use leptos::{html, prelude::*};
use serde::{Deserialize, Serialize};

use crate::{
    browser::{self, Body},
    reports::{FormProblem, ReportFiled, ReportRefused},
};

/// The words the island shows, in the page's language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SenderWords {
    pub send: String,
    pub sending: String,
    /// No answer: the network, most likely.
    pub offline: String,
    /// More photos than the form takes.
    pub too_many: String,
}

#[island]
pub fn ReportSender(words: SenderWords, max_photos: u32, problems: Vec<String>) -> impl IntoView {
    let shown = RwSignal::new(problems);
    let sending = RwSignal::new(false);
    let words = StoredValue::new(words);
    let button = NodeRef::<html::Button>::new();
    let problems_box = NodeRef::<html::Div>::new();

    let show = move |problems: Vec<FormProblem>| {
        for problem in &problems {
            mark_invalid(&problem.field);
        }
        shown.set(problems.into_iter().map(|p| p.message).collect());
        if let Some(problems_box) = problems_box.get_untracked() {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Center);
            problems_box.scroll_into_view_with_scroll_into_view_options(&options);
        }
    };

    // The send button's click is also what pressing Enter in a field does.
    let send = move |event: web_sys::MouseEvent| {
        let Some(form) = button.get_untracked().and_then(|b| b.form()) else {
            return;
        };
        event.prevent_default();
        if sending.get_untracked() {
            return;
        }
        clear_invalid(&form);
        if photos_chosen(&form) > max_photos {
            let message = words.with_value(|w| w.too_many.clone());
            return show(vec![problem("photos", message)]);
        }
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return;
        };
        sending.set(true);
        let action = form.action();
        leptos::task::spawn_local(async move {
            match browser::send("POST", &action, Some(Body::Form(data))).await {
                Ok(answer) if answer.ok() => match answer.json::<ReportFiled>() {
                    Ok(filed) => {
                        browser::go_to(&format!("{}?notice=report-filed", filed.location));
                        return;
                    }
                    Err(_) => show(vec![offline(words)]),
                },
                Ok(answer) => match answer.json::<ReportRefused>() {
                    Ok(refused) if !refused.problems.is_empty() => show(refused.problems),
                    _ => show(vec![offline(words)]),
                },
                Err(_) => show(vec![offline(words)]),
            }
            sending.set(false);
        });
    };

    view! {
        <div id="report-problems" class="notice error" role="alert" node_ref=problems_box
            hidden=move || shown.with(Vec::is_empty)>
            <ul>
                {move || shown.get().into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
            </ul>
        </div>
        <button type="submit" class="button primary" node_ref=button on:click=send
            aria-disabled=move || sending.get().then_some("true")>
            {move || words.with_value(|w| if sending.get() { w.sending.clone() } else { w.send.clone() })}
        </button>
    }
}

fn problem(field: &str, message: String) -> FormProblem {
    FormProblem {
        field: field.to_owned(),
        message,
    }
}

fn offline(words: StoredValue<SenderWords>) -> FormProblem {
    problem("", words.with_value(|w| w.offline.clone()))
}

/// How many photos are chosen in the form's photo field.
fn photos_chosen(form: &web_sys::HtmlFormElement) -> u32 {
    use wasm_bindgen::JsCast;
    form.query_selector("input[type=file]")
        .ok()
        .flatten()
        .and_then(|input| input.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .map_or(0, |files| files.length())
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
                .and_then(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok())
            {
                let _ = element.class_list().remove_1("invalid");
            }
        }
    }
}
