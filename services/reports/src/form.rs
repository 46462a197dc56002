//! The report form as the browser sends it (`multipart/form-data`), read into a [`Draft`]
//! with everything bounded before it is kept in memory: the number of parts, each text
//! part, each photo and the number of photos.

use axum::extract::{
    multipart::{Field, MultipartError},
    Multipart,
};

use super::submission::{self, Draft, Problem, Upload};

/// Requests bigger than this are cut off before the form is read: three photos at their
/// cap, and the text.
pub const MAX_REPORT_BODY: usize =
    submission::MAX_PHOTOS * portal_core::photos::MAX_UPLOAD_BYTES + 1024 * 1024;

/// Parts a report form may have: a handful of fields, each category's questions (a
/// multi-choice repeats its name) and the photos. Far more is not a form from our page.
const MAX_FORM_PARTS: usize = 256;
/// A text part is kept up to this many bytes: more than four times the longest field in
/// characters, so a part cut here still fails its length check in words.
const MAX_TEXT_PART: usize = 16 * 1024;

/// Reads one part into memory, at most `max` bytes of it (plus one, so that "too long" can
/// be told from "exactly at the limit"); the rest is passed over unread by the caller.
async fn read_capped(field: &mut Field<'_>, max: usize) -> Result<Vec<u8>, MultipartError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        let room = (max + 1).saturating_sub(bytes.len());
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() > max {
            break;
        }
    }
    Ok(bytes)
}

/// Text of a part cut at `MAX_TEXT_PART` bytes, on a character boundary.
fn capped_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_TEXT_PART)]);
    text.into_owned()
}

/// Reads the multipart form, bounding everything before it is kept: the number of parts,
/// each text part, each photo and the number of photos. A part that cannot be read (a
/// cut-off upload, a body over the limit) is a problem of the form, not a crash, and comes
/// with what was read before it (the text comes before the photos), so that is kept.
pub async fn read_draft(mut multipart: Multipart) -> Result<Draft, Box<(Draft, Problem)>> {
    let mut draft = Draft::default();
    let unreadable = || Problem {
        field: "photos".into(),
        key: "report-error-upload",
        args: vec![("max", (MAX_REPORT_BODY / 1024 / 1024).to_string())],
    };
    for _ in 0..MAX_FORM_PARTS {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(draft),
            Err(_) => return Err(Box::new((draft, unreadable()))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photos" {
            if draft.photos.len() >= submission::MAX_PHOTOS {
                // Not read into memory: counted, so the form says how many it takes.
                draft.extra_photos += 1;
                continue;
            }
            let file_name: String = field
                .file_name()
                .unwrap_or_default()
                .chars()
                .take(100)
                .collect();
            let Ok(bytes) = read_capped(&mut field, portal_core::photos::MAX_UPLOAD_BYTES).await
            else {
                return Err(Box::new((draft, unreadable())));
            };
            // A file input left empty still sends a part, without a name or bytes.
            if !bytes.is_empty() {
                draft.photos.push(Upload { file_name, bytes });
            }
            continue;
        }
        let Ok(bytes) = read_capped(&mut field, MAX_TEXT_PART).await else {
            return Err(Box::new((draft, unreadable())));
        };
        let value = capped_text(&bytes);
        match name.as_str() {
            "category" => draft.category = value,
            "lat" => draft.lat = value,
            "lon" => draft.lon = value,
            "description" => draft.description = value,
            "share_contact" => draft.share_contact = value == "1",
            "submission" => draft.submission = value,
            other => {
                if let Some(code) = other
                    .strip_prefix("attribute[")
                    .and_then(|rest| rest.strip_suffix(']'))
                {
                    draft.answers.push((code.to_owned(), value));
                }
            }
        }
    }
    let too_many = Problem {
        field: String::new(),
        key: "report-error-form-too-large",
        args: vec![("max", MAX_FORM_PARTS.to_string())],
    };
    Err(Box::new((draft, too_many)))
}
