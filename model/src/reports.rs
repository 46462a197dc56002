//! What the report pages show, as it crosses from server to page.

use serde::{Deserialize, Serialize};

use crate::{
    account::CityMap,
    city::{CitySummary, LocalizedName},
};

/// A category residents can choose (a desk's service).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryChoice {
    pub code: String,
    pub name: String,
    pub description: String,
    pub group: Option<String>,
}

/// How an attribute is asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerInput {
    Line,
    Lines,
    Number,
    DateTime,
    /// Pick one of `(key, label)`.
    One(Vec<(String, String)>),
    /// Pick any of `(key, label)`.
    Many(Vec<(String, String)>),
    /// Shown, not asked.
    Note,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerField {
    pub code: String,
    pub prompt: String,
    pub hint: Option<String>,
    pub required: bool,
    pub input: AnswerInput,
}

/// The chosen category and what it asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenCategory {
    pub choice: CategoryChoice,
    pub fields: Vec<AnswerField>,
}

/// The new-report page: pick a category, then the form for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportForm {
    pub city: CitySummary,
    pub categories: Vec<CategoryChoice>,
    /// A desk could not say what it takes; some categories may be missing.
    pub incomplete: bool,
    pub chosen: Option<ChosenCategory>,
    pub map: CityMap,
    pub max_description: usize,
    pub max_photos: usize,
    pub max_photo_mb: usize,
    /// The whole form, photos and all, in megabytes.
    pub max_form_mb: usize,
    /// The form's own id: sending it again (after a lost answer) does not make a second
    /// report.
    pub submission: String,
    /// What was typed into this form before it was refused, and why it was.
    pub draft: Option<KeptDraft>,
    /// The address search's answer, when the resident searched (`?place=`).
    pub places: Option<PlaceSearch>,
}

/// A search for a place on the report form: what was typed, and the client address asking
/// (the geocoder is shared: each client gets its share of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlaceAsk<'a> {
    pub query: &'a str,
    pub client: &'a str,
}

/// What the address search found for a query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlaceSearch {
    pub query: String,
    pub found: Vec<PlaceView>,
    /// The search could not be asked just now (too many searches, or its server is down).
    pub failed: bool,
}

/// A place found by name, to move the pin to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaceView {
    pub name: String,
    /// Where it is ("Futian, Shenzhen"), to tell places of one name apart.
    pub context: String,
    pub lat: f64,
    pub lon: f64,
}

/// A refused form's values and problems, to show it again as it was.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptDraft {
    pub lat: String,
    pub lon: String,
    pub description: String,
    /// (attribute code, value); a multi-choice repeats its code.
    pub answers: Vec<(String, String)>,
    pub share_contact: bool,
    pub submission: String,
    /// Photos were attached: they must be attached again.
    pub had_photos: bool,
    /// What was wrong, in words.
    pub problems: Vec<String>,
}

impl KeptDraft {
    /// The answer typed for `code` (the first, for a multi-choice).
    pub fn answer(&self, code: &str) -> Option<&str> {
        self.answers
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, v)| v.as_str())
    }

    pub fn chose(&self, code: &str, key: &str) -> bool {
        self.answers.iter().any(|(c, v)| c == code && v == key)
    }
}

/// One entry of a report's timeline; `kind` is filed, delivered, refused, open or closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: String,
    pub kind: String,
    pub note: Option<String>,
}

/// A report as its resident (or whoever holds its tracking link) sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    pub reference: String,
    pub city: CitySummary,
    pub district: LocalizedName,
    pub category: String,
    pub description: String,
    /// (question, answer), as asked.
    pub answers: Vec<(String, String)>,
    pub filed: String,
    /// queued, delivered, refused, open or closed.
    pub status: String,
    pub refusal: Option<String>,
    /// (thumbnail, full size) URLs.
    pub photos: Vec<(String, String)>,
    pub supporters: i64,
    pub timeline: Vec<TimelineEntry>,
    pub lat: f64,
    pub lon: f64,
    /// The named place nearest the pin, when the city's address search names one.
    pub near: Option<NearPlace>,
}

/// The named place nearest a pin ("福田街道, 230 m").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NearPlace {
    pub name: String,
    pub distance_m: f64,
}

/// A row of "My reports".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyReport {
    pub reference: String,
    pub city: CitySummary,
    pub category: String,
    pub filed: String,
    pub status: String,
}

/// A report on a city's public list: nothing of the resident, no description or photo.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicRow {
    pub reference: String,
    pub category: String,
    pub district: LocalizedName,
    pub filed: String,
    pub status: String,
    pub supporters: i64,
    /// Where it is on the map.
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicReports {
    pub city: CitySummary,
    pub rows: Vec<PublicRow>,
    pub map: CityMap,
}

/// An open report of the same kind near a pin, offered for "me too"
/// (`GET /api/c/{city}/reports/nearby`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NearbyReport {
    pub reference: String,
    /// Where it is, to mark it on the map.
    pub lat: f64,
    pub lon: f64,
    /// Rounded to the metre.
    pub distance_m: f64,
    pub filed: String,
    pub status: String,
    pub supporters: i64,
}

/// A report form sent by the page's island and taken: where its page is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFiled {
    pub reference: String,
    pub location: String,
}

/// A report form sent by the page's island and refused: every problem, in words.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRefused {
    pub problems: Vec<FormProblem>,
}

/// One problem of a refused form; `field` names the input (empty: the form as a whole).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormProblem {
    pub field: String,
    pub message: String,
}

/// "Me too" taken (`POST /r/support`); `added` is false when this resident had already said so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportTaken {
    pub added: bool,
}

/// The cookie of a browser's reports filed without an account: `{report id}:{claim token}`
/// each, newest first (see the reports service's `filed_here`).
pub const FILED_HERE_COOKIE: &str = "filed_reports";
/// No more are kept: the oldest fall off.
pub const MAX_FILED_HERE: usize = 10;

/// The entries in a `Cookie` header's [`FILED_HERE_COOKIE`]: at most [`MAX_FILED_HERE`],
/// each a report id and a token (`{id}:{token}`: hex digits and dashes, base64url; at most
/// 100 characters in all).
pub fn tokens_filed_here(cookie_header: Option<&str>) -> Vec<String> {
    cookie_header
        .unwrap_or_default()
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == FILED_HERE_COOKIE)
        .flat_map(|(_, value)| value.split('.'))
        .filter(|entry| {
            entry.len() <= 100
                && entry.split_once(':').is_some_and(|(id, token)| {
                    !id.is_empty()
                        && !token.is_empty()
                        && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
                        && token
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                })
        })
        .take(MAX_FILED_HERE)
        .map(str::to_owned)
        .collect()
}
