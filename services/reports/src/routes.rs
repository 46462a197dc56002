//! Reports over HTTP: the form's multipart POST (answered in JSON to the page's script, or
//! with a redirect to a plain form), open reports near a pin, "me too", and report photos.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{FromRef, Multipart, Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use model::{
    account::Viewer,
    i18n::t_args,
    reports::{FormProblem, KeptDraft, ReportFiled, ReportRefused, SupportTaken},
};
use serde::Deserialize;
use tower::ServiceBuilder;
use tower_http::timeout::TimeoutLayer;

use super::{
    drafts::KeepError,
    form::{read_draft, MAX_REPORT_BODY},
    submission::{self, Draft, Problem, Refusal},
    FileError, IncidentReports, Sender,
};
use portal_core::web::{
    client::Client,
    error::{Failure, PublicError, INTERNAL},
    forms::{encode, locale_of, next_path, see_other, with_query},
};

/// The service's routes with small bodies, under the portal's common limits.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<IncidentReports>: FromRef<S>,
{
    Router::new()
        .route("/api/c/{city}/reports/nearby", get(nearby))
        .route("/r/support", post(support))
        .route("/media/reports/{file}", get(photo))
        .merge(super::filed_here::routes())
}

/// Report forms being read at once: each may hold its photos in memory.
const UPLOADS_AT_ONCE: usize = 16;

/// The report form with its photos: a larger body, `deadline` to send it, and a bounded
/// number read at once (waiting for a turn counts against the deadline).
pub fn upload_routes<S>(deadline: Duration) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<IncidentReports>: FromRef<S>,
{
    Router::new().route(
        "/c/{city}/report",
        post(file_report).layer::<_, std::convert::Infallible>(
            ServiceBuilder::new()
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    deadline,
                ))
                .layer(tower::limit::ConcurrencyLimitLayer::new(UPLOADS_AT_ONCE))
                .layer(axum::extract::DefaultBodyLimit::max(MAX_REPORT_BODY)),
        ),
    )
}

/// How close an open report must be to be offered for "me too".
const NEARBY_METRES: f64 = 50.0;

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// `POST /c/{city}/report`: checks the whole form, stores the report, and answers with
/// its tracking link. Nothing is stored unless every check passed.
pub async fn file_report(
    State(reports): State<Arc<IncidentReports>>,
    Path(city): Path<String>,
    viewer: Option<Extension<Viewer>>,
    Client(client): Client,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let json = wants_json(&headers);
    let locale = locale_of(&headers);
    let resident = viewer.and_then(|Extension(v)| v.resident.map(|r| r.id));
    // Nothing of a form for a city we do not serve is read, let alone kept.
    if reports.portal.cities.get(&city).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let sender = Sender {
        key: resident.as_ref().map_or_else(
            || format!("address:{client}"),
            |id| format!("resident:{id}"),
        ),
        per_hour: reports.limit_per_hour,
    };
    let refusal = Refused {
        reports: &reports,
        json,
        city: &city,
        locale,
        sender: &sender,
    };
    let draft = match read_draft(multipart).await {
        Ok(draft) => draft,
        Err(refused) => {
            let (read, problem) = *refused;
            return refusal.answer(&read, &[problem]).await;
        }
    };
    let typed = draft.clone();
    let limited = || Problem {
        field: String::new(),
        key: "report-error-limited",
        args: vec![("max", reports.limit_per_hour.to_string())],
    };
    let submission_id = uuid::Uuid::parse_str(draft.submission.trim())
        .ok()
        .map(|id| id.to_string());
    match reports
        .store
        .may_file(submission_id.as_deref(), &sender)
        .await
    {
        Ok(true) => {}
        Ok(false) => return refusal.limited(&typed, limited()).await,
        Err(error) => return refusal.failed(&typed, &error).await,
    }
    let checked = match submission::check(&reports, &city, resident.as_deref(), locale, draft).await
    {
        Ok(checked) => checked,
        Err(Refusal::Invalid(problems)) => return refusal.answer(&typed, &problems).await,
        Err(error) => return refusal.failed(&typed, &error).await,
    };
    // The consent is on record before the report is, so the worker that delivers it (at
    // once, perhaps in another process) finds it.
    if checked.report.share_contact {
        if let Some(resident) = &resident {
            if let Err(error) = reports
                .portal
                .privacy
                .grant(
                    resident,
                    &checked.report.desk_id,
                    model::ServiceKind::IncidentReports.id(),
                    super::SERVICE.personal_fields,
                )
                .await
            {
                return refusal.failed(&typed, &error).await;
            }
        }
    }
    match reports
        .store
        .file(&checked.report, &checked.photos, &sender)
        .await
    {
        Ok(filed) => {
            tracing::info!(report = %filed.reference, desk = %checked.report.desk_id, resent = filed.resent, "report filed");
            let location = format!("/r/{}", filed.tracking_token);
            let mut answer = if json {
                (
                    StatusCode::CREATED,
                    Json(ReportFiled {
                        reference: filed.reference,
                        location,
                    }),
                )
                    .into_response()
            } else {
                see_other(&format!("{location}?notice=report-filed"))
            };
            // Filed without an account: this browser keeps its link, to offer it to the
            // account the resident signs up for or into (super::filed_here).
            if resident.is_none() {
                let claim = reports.store.claim_token(&filed.id);
                let kept = super::filed_here::keeping(&headers, &filed.id, &claim);
                if let Ok(value) = axum::http::HeaderValue::from_str(&kept) {
                    answer.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            answer
        }
        Err(FileError::Limited) => refusal.limited(&typed, limited()).await,
        Err(error) => refusal.failed(&typed, &error).await,
    }
}

/// How a refused form is answered, for one request.
struct Refused<'a> {
    reports: &'a IncidentReports,
    json: bool,
    city: &'a str,
    locale: model::i18n::Locale,
    sender: &'a Sender,
}

impl Refused<'_> {
    /// The form could not be taken for a reason not in its fields (ours, or a city we do
    /// not serve): the status and the message, to the script as JSON, or back to the form
    /// as it was typed, its submission id kept: had the report been stored after all, sending
    /// it again finds it instead of filing it twice.
    async fn failed(&self, typed: &Draft, error: &(dyn PublicError + Sync)) -> Response {
        let failure = Failure::of(error);
        if self.json {
            // The page's island shows `problems`, like any refusal.
            let message = failure.message(self.locale);
            return (
                failure.status(),
                Json(ReportRefused {
                    problems: vec![FormProblem {
                        field: String::new(),
                        message,
                    }],
                }),
            )
                .into_response();
        }
        self.back_to_form(typed, Vec::new(), failure.message_key(), failure.args())
            .await
    }

    /// The form's page, with the category chosen.
    fn form_page(&self, typed: &Draft) -> String {
        format!(
            "/c/{}/report?category={}",
            encode(self.city),
            encode(&typed.category.chars().take(64).collect::<String>())
        )
    }

    /// The sender is past the hourly limit: as any refusal, with 429 for the page's script.
    async fn limited(&self, typed: &Draft, problem: Problem) -> Response {
        let mut response = self.answer(typed, &[problem]).await;
        if self.json {
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        }
        response
    }

    /// The form's problems, every one in words: to the page's script as JSON, or, for a
    /// plain form, kept with what was typed (photos aside) and shown when the form comes
    /// back.
    async fn answer(&self, typed: &Draft, problems: &[Problem]) -> Response {
        let locale = self.locale;
        let messages: Vec<(String, String)> = problems
            .iter()
            .map(|p| {
                let args: Vec<(&str, model::i18n::FluentValue<'_>)> = p
                    .args
                    .iter()
                    .map(|(name, value)| (*name, value.clone().into()))
                    .collect();
                (p.field.clone(), t_args(locale, p.key, &args))
            })
            .collect();
        if self.json {
            let problems = messages
                .iter()
                .map(|(field, message)| FormProblem {
                    field: field.clone(),
                    message: message.clone(),
                })
                .collect();
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(ReportRefused { problems }),
            )
                .into_response();
        }
        let first = problems.first().map_or(INTERNAL, |p| p.key);
        let shown = messages.into_iter().map(|(_, message)| message).collect();
        self.back_to_form(typed, shown, first, &[]).await
    }

    /// Back to the form with what was typed (photos aside) kept, and either the problems
    /// `shown` in words or, with none, the message `key` (a failure of ours, also in the
    /// query with the values it names, where it can be told apart from a refusal).
    async fn back_to_form(
        &self,
        typed: &Draft,
        shown: Vec<String>,
        key: &str,
        args: &[(&str, String)],
    ) -> Response {
        let page = self.form_page(typed);
        let mut failure = format!("&error={key}");
        for (name, value) in args {
            failure.push_str(&format!("&{name}={}", encode(value)));
        }
        let error = if shown.is_empty() { &failure } else { "" };
        let kept = KeptDraft {
            lat: typed.lat.clone(),
            lon: typed.lon.clone(),
            description: typed.description.clone(),
            answers: typed.answers.clone(),
            share_contact: typed.share_contact,
            submission: typed.submission.clone(),
            had_photos: !typed.photos.is_empty(),
            problems: shown,
        };
        match self
            .reports
            .store
            .keep_draft(self.city, &kept, self.sender)
            .await
        {
            Ok(id) => see_other(&format!("{page}&draft={id}{error}")),
            Err(KeepError::TooMany) => {
                tracing::warn!(city = %self.city, "refused form not kept: too many from this sender");
                see_other(&format!("{page}&error=report-error-too-many-drafts"))
            }
            Err(error) => {
                // Not kept: the resident still reads the first problem, with nothing typed.
                tracing::warn!(%error, city = %self.city, "refused form not kept");
                see_other(&format!("{page}{failure}"))
            }
        }
    }
}

#[derive(Deserialize)]
pub struct NearbyQuery {
    category: String,
    lat: f64,
    lon: f64,
}

/// `GET /api/c/{city}/reports/nearby`: open reports of the category within 50 m.
pub async fn nearby(
    State(reports): State<Arc<IncidentReports>>,
    Path(city): Path<String>,
    Query(query): Query<NearbyQuery>,
) -> Response {
    if reports.portal.cities.get(&city).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    // `f64` parses "NaN" and "inf" too: only a real position on Earth is looked around.
    let on_earth = (-90.0..=90.0).contains(&query.lat) && (-180.0..=180.0).contains(&query.lon);
    if !on_earth || query.category.is_empty() || query.category.len() > 64 {
        return StatusCode::BAD_REQUEST.into_response();
    }
    match reports
        .store
        .open_nearby(&city, &query.category, query.lat, query.lon, NEARBY_METRES)
        .await
    {
        Ok(found) => Json(
            found
                .into_iter()
                .map(|r| model::reports::NearbyReport {
                    filed: reports.portal.local_time(r.created_at),
                    reference: r.reference,
                    lat: r.lat,
                    lon: r.lon,
                    distance_m: r.distance_m.round(),
                    status: r.status,
                    supporters: r.supporters,
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(error) => Failure::of(&error).into_response(),
    }
}

#[derive(Deserialize)]
pub struct SupportForm {
    reference: String,
    #[serde(default)]
    next: String,
}

/// `POST /r/support`: "me too" on a report, once per resident (or client address).
pub async fn support(
    State(reports): State<Arc<IncidentReports>>,
    viewer: Option<Extension<Viewer>>,
    Client(client): Client,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SupportForm>,
) -> Response {
    let resident = viewer.and_then(|Extension(v)| v.resident.map(|r| r.id));
    let key = match &resident {
        Some(id) => format!("resident:{id}"),
        None => format!("address:{client}"),
    };
    match reports
        .store
        .support(&form.reference, &key, resident.as_deref())
        .await
    {
        Ok(added) if wants_json(&headers) => Json(SupportTaken { added }).into_response(),
        Ok(_) => see_other(&with_query(
            &next_path(&form.next),
            "notice",
            "report-supported",
        )),
        Err(error) if wants_json(&headers) => Failure::of(&error).into_response(),
        Err(error) => Failure::of(&error).back_to(&next_path(&form.next), ""),
    }
}

/// `GET /media/reports/{id}.jpg` (or `{id}.thumb.jpg`): a report photo, already stripped
/// of metadata.
pub async fn photo(
    State(reports): State<Arc<IncidentReports>>,
    Path(file): Path<String>,
) -> Response {
    let Some(name) = file.strip_suffix(".jpg") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (id, thumbnail) = match name.strip_suffix(".thumb") {
        Some(id) => (id, true),
        None => (name, false),
    };
    if uuid::Uuid::parse_str(id).is_err() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match reports.store.photo(id, thumbnail).await {
        Ok(Some(jpeg)) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            jpeg,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => Failure::of(&error).into_response(),
    }
}

/// A form refused whole: a city we do not serve, or our own fault.
impl PublicError for Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::UnknownCity => StatusCode::NOT_FOUND,
            Refusal::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            Refusal::Invalid(problems) => problems.first().map_or(INTERNAL, |p| p.key),
            Refusal::UnknownCity => "error-unknown-city",
            Refusal::Internal(_) => INTERNAL,
        }
    }
}

impl PublicError for FileError {
    fn status(&self) -> StatusCode {
        match self {
            FileError::Limited => StatusCode::TOO_MANY_REQUESTS,
            FileError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            FileError::Limited => "report-error-limited",
            FileError::Storage(_) => INTERNAL,
        }
    }
}

impl PublicError for KeepError {
    fn status(&self) -> StatusCode {
        match self {
            KeepError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            KeepError::Serialise(_) | KeepError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            KeepError::TooMany => "report-error-too-many-drafts",
            KeepError::Serialise(_) | KeepError::Storage(_) => "report-error-upload",
        }
    }
}
