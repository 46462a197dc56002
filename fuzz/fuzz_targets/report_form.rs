//! The report form's `multipart/form-data` body as the server reads it, and the draft a
//! refused form would keep.
#![no_main]

use std::sync::LazyLock;

use axum::extract::{FromRequest, Multipart};
use libfuzzer_sys::fuzz_target;
use server::services::reports::{drafts, form};

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
});

fuzz_target!(|body: &[u8]| {
    let request = axum::http::Request::builder()
        .method("POST")
        .header("content-type", "multipart/form-data; boundary=fuzz")
        .body(axum::body::Body::from(body.to_vec()))
        .expect("a request");
    RUNTIME.block_on(async {
        let Ok(multipart) = Multipart::from_request(request, &()).await else {
            return;
        };
        if let Ok(draft) = form::read_draft(multipart).await {
            let kept = model::reports::KeptDraft {
                lat: draft.lat,
                lon: draft.lon,
                description: draft.description,
                answers: draft.answers,
                share_contact: draft.share_contact,
                submission: draft.submission,
                had_photos: !draft.photos.is_empty(),
                problems: Vec::new(),
            };
            let _ = drafts::bounded(&kept);
        }
    });
});
