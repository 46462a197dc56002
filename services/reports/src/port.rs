//! Incident reports ("a broken street light here"): the port that every desk adapter
//! implements, in the portal's own terms. One adapter so far: Open311 GeoReport v2
//! (`open311`).

use portal_core::providers::ProviderError;

/// A category of report a desk accepts (Open311: a service).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub description: String,
    pub group: Option<String>,
    /// The category asks for more than a description (it has a definition).
    pub has_attributes: bool,
}

/// What a category asks the resident, beyond location and description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub code: String,
    pub prompt: String,
    pub kind: AttributeKind,
    pub required: bool,
    pub order: i64,
    pub hint: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttributeKind {
    /// One line of text.
    String,
    Number,
    DateTime,
    /// Several lines of text.
    Text,
    /// Pick one of `(key, label)`.
    SingleChoice(Vec<(String, String)>),
    /// Pick any of `(key, label)`.
    MultiChoice(Vec<(String, String)>),
    /// Shown to the resident, not asked (Open311 `variable: false`).
    Information,
}

/// An answer to an attribute: one value, or several for a multi-choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttributeValue {
    One(String),
    Many(Vec<String>),
}

/// A report on its way to a desk.
#[derive(Clone, Debug, PartialEq)]
pub struct NewReport {
    pub category: String,
    pub lat: f64,
    pub lon: f64,
    pub description: String,
    pub attributes: Vec<(String, AttributeValue)>,
    pub media_urls: Vec<String>,
    /// The desk's pseudonymous id of the resident (never the account id).
    pub account_id: Option<String>,
    /// Contact details, only what the resident agreed to share with this desk.
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
}

/// What a desk answered to a new report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// The desk's id of the request.
    Request { id: String, notice: Option<String> },
    /// The desk queued it; the token turns into an id later.
    Token(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeskStatus {
    Open,
    Closed,
}

/// A request as the desk sees it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestState {
    pub id: String,
    pub status: DeskStatus,
    pub notes: Option<String>,
    pub agency: Option<String>,
    /// RFC 3339, as the desk wrote it.
    pub updated: Option<String>,
}

#[async_trait::async_trait]
pub trait IncidentDesk: Send + Sync {
    /// The categories, named in `language` (a BCP 47 tag) where the desk can.
    async fn categories(&self, language: &str) -> Result<Vec<Category>, ProviderError>;
    /// What a category asks, in `language` where the desk can.
    async fn attributes(
        &self,
        category: &str,
        language: &str,
    ) -> Result<Vec<Attribute>, ProviderError>;
    async fn submit(&self, report: &NewReport) -> Result<Accepted, ProviderError>;
    /// The request id behind a token, once the desk has made one.
    async fn resolve_token(&self, token: &str) -> Result<Option<String>, ProviderError>;
    /// The requests' status, their notes in `language` where the desk can.
    async fn states(
        &self,
        ids: &[String],
        language: &str,
    ) -> Result<Vec<RequestState>, ProviderError>;
    /// Requests of a category made since `since`, with their descriptions: how a report
    /// whose delivery had an unknown outcome is found again.
    async fn recent(
        &self,
        category: &str,
        since: jiff::Timestamp,
    ) -> Result<Vec<(String, String)>, ProviderError>;
}
