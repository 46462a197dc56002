//! The Provider API: what providers call on us. Bearer-token authenticated (tokens issued by
//! `server provider token`), JSON in and out. Version 1 has announcements. Its document is
//! `provider_api/openapi.json`, served at [`OPENAPI_PATH`]; errors are the Problem body
//! both directions of the Provider API share (`{"code", "message"}`).

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use crate::{inbox::InboxError, web::error::Failure};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementRequest {
    /// Omit for the provider's own city.
    city: Option<String>,
    /// Omit for the whole city.
    region: Option<String>,
    title: String,
    body: String,
}

/// Where the document of what the portal serves providers is.
pub const OPENAPI_PATH: &str = "/api/provider/v1/portal/openapi.json";
/// That document.
pub const OPENAPI: &str = include_str!("provider_api/openapi.json");

fn problem(status: StatusCode, code: &str, message: &str) -> Response {
    let mut response = (status, Json(json!({ "code": code, "message": message }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            http::header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

/// `POST /api/provider/v1/announcements`
pub async fn announce(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<AnnouncementRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let token = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return problem(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "send Authorization: Bearer <token>",
        );
    };
    let provider_id = match state.portal.inbox.provider_of_token(token).await {
        Ok(Some(provider)) => provider,
        Ok(None) => return problem(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "unknown token"),
        Err(error) => return refused(&error),
    };
    let Json(request) = match body {
        Ok(body) => body,
        Err(rejection) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                &rejection.body_text(),
            )
        }
    };
    // The provider's own city and account type, from config.
    let found = state.portal.cities.all().iter().find_map(|city| {
        city.services
            .iter()
            .find(|s| s.provider_id == provider_id)
            .map(|s| (city, s.account))
    });
    let Some((city, account)) = found else {
        return problem(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "this provider serves no city any more",
        );
    };
    if request.city.as_deref().is_some_and(|c| c != city.id) {
        return problem(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "a provider may only announce in its own city",
        );
    }
    match state
        .portal
        .inbox
        .announce(
            &provider_id,
            account,
            city,
            request.region.as_deref(),
            &request.title,
            &request.body,
        )
        .await
    {
        Ok(done) => (
            StatusCode::CREATED,
            Json(json!({
                "id": done.id,
                "recipients": done.recipients,
                "remaining_in_period": done.remaining_in_period,
            })),
        )
            .into_response(),
        Err(error) => refused(&error),
    }
}

/// The inbox's error in the Provider API's own problem format: its status from the one
/// mapping (`PublicError`), what was wrong for a provider's mistake, nothing of ours.
fn refused(error: &InboxError) -> Response {
    let failure = Failure::of(error);
    let code = match error {
        InboxError::QuotaExhausted { .. } => "QUOTA_EXHAUSTED",
        InboxError::BadTitle | InboxError::BadBody | InboxError::UnknownRegion(_) => {
            "INVALID_REQUEST"
        }
        InboxError::Storage(_) | InboxError::Random(_) => "INTERNAL",
    };
    let detail = if failure.status().is_server_error() {
        "try again later".to_owned()
    } else {
        error.to_string()
    };
    problem(failure.status(), code, &detail)
}
