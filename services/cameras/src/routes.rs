//! Traffic cameras over plain HTTP: each frame at list and at page size (the portal's copy,
//! with cache headers a browser and any proxy can follow), a frame's state as JSON for the
//! page's auto-refresh, and the form that stars a camera.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{FromRef, Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use model::{account::Viewer, cameras::is_camera_id, Locale};
use portal_core::web::{
    error::{Failure, PublicError, INTERNAL},
    forms::{encode, field, fields, locale_of, next_path, resident_of, see_other, with_query},
};

use crate::{
    frames::{Frame, Latest},
    pages::{frame_view, PAGE_WAIT},
    port::Camera,
    stars::StarError,
    TrafficCameras,
};

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<TrafficCameras>: FromRef<S>,
{
    Router::new()
        .route("/c/{city}/cameras/{camera}/thumb.jpg", get(thumbnail))
        .route("/c/{city}/cameras/{camera}/view.jpg", get(view))
        .route("/api/c/{city}/cameras/{camera}/frame", get(frame_state))
        .route("/c/{city}/cameras/{camera}/star", post(star))
}

impl PublicError for StarError {
    fn status(&self) -> StatusCode {
        match self {
            StarError::TooMany => StatusCode::CONFLICT,
            StarError::UnknownCamera => StatusCode::NOT_FOUND,
            StarError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            StarError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            StarError::TooMany => "cameras-error-too-many-stars",
            StarError::UnknownCamera => "error-not-found",
            StarError::Unavailable => "cameras-error-down",
            StarError::Storage(_) => INTERNAL,
        }
    }
}

/// The camera named in the path, with its latest frame (waiting a moment for a due one).
async fn latest_of(
    home: &TrafficCameras,
    city: &str,
    camera: &str,
    locale: Locale,
) -> Result<(String, Camera, Latest), StatusCode> {
    let (config, cameras) = home
        .offered(city, None)
        .await
        .map_err(|_| StatusCode::NOT_FOUND)?;
    if !is_camera_id(camera) {
        return Err(StatusCode::NOT_FOUND);
    }
    let list = cameras
        .list(locale)
        .await
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    let found = list
        .value
        .iter()
        .find(|c| c.id == camera)
        .cloned()
        .ok_or(StatusCode::NOT_FOUND)?;
    let latest = cameras.latest(&found, PAGE_WAIT).await;
    Ok((config.id.clone(), found, latest))
}

/// `GET /c/{city}/cameras/{camera}/thumb.jpg`.
async fn thumbnail(
    State(home): State<Arc<TrafficCameras>>,
    Path((city, camera)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    picture(&home, &city, &camera, &headers, "thumb", |f| &f.thumbnail).await
}

/// `GET /c/{city}/cameras/{camera}/view.jpg`.
async fn view(
    State(home): State<Arc<TrafficCameras>>,
    Path((city, camera)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    picture(&home, &city, &camera, &headers, "view", |f| &f.view).await
}

/// The frame at one size. Any cache may keep it until the portal would ask the camera
/// again; after that, its `ETag` lets the browser ask whether it changed (a camera that
/// froze costs a `304`, not a picture).
async fn picture(
    home: &TrafficCameras,
    city: &str,
    camera: &str,
    headers: &HeaderMap,
    size: &str,
    bytes: impl Fn(&Frame) -> &Bytes,
) -> Response {
    let latest = match latest_of(home, city, camera, Locale::default()).await {
        Ok((_, _, latest)) => latest,
        Err(status) => return no_picture(status),
    };
    let Some(frame) = latest.frame else {
        return no_picture(StatusCode::SERVICE_UNAVAILABLE);
    };
    let etag = format!("\"{}-{size}\"", frame.version);
    let cache = format!("public, max-age={}", latest.fresh_for.as_secs().max(1));
    let modified = crate::http_date(frame.taken_at);
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "image/jpeg")],
            bytes(frame.as_ref()).clone(),
        )
            .into_response()
    };
    let answer = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, cache),
        (header::ETAG, etag),
        (header::LAST_MODIFIED, modified),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            answer.insert(name, value);
        }
    }
    response
}

/// No picture to send: the page says why in words, beside the missing image.
fn no_picture(status: StatusCode) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")]).into_response()
}

/// `GET /api/c/{city}/cameras/{camera}/frame`: the frame's state and caption, and where
/// its pictures are, for the page's own refresh.
async fn frame_state(
    State(home): State<Arc<TrafficCameras>>,
    Path((city, camera)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let locale = locale_of(&headers);
    match latest_of(&home, &city, &camera, locale).await {
        Ok((city_id, found, latest)) => {
            let time_zone = home
                .portal
                .city(&city_id)
                .map_or(jiff::tz::TimeZone::UTC, |c| c.time_zone.clone());
            let view = frame_view(&city_id, &found, &latest, &time_zone, locale);
            ([(header::CACHE_CONTROL, "no-store")], Json(view)).into_response()
        }
        Err(status) => no_picture(status),
    }
}

/// `POST /c/{city}/cameras/{camera}/star` with `on` = `1` (star) or `0` (unstar), and
/// `next`, where to go back to.
async fn star(
    State(home): State<Arc<TrafficCameras>>,
    Path((city, camera)): Path<(String, String)>,
    viewer: Option<Extension<Viewer>>,
    body: Bytes,
) -> Response {
    let form = fields(&body, 8);
    let page = format!("/c/{}/cameras/{}", encode(&city), encode(&camera));
    let back = match field(&form, "next") {
        "" => page.clone(),
        next => next_path(next),
    };
    let Some(resident) = resident_of(viewer) else {
        return see_other(&format!("/signin?next={}", encode(&page)));
    };
    let on = field(&form, "on") == "1";
    match set_star(&home, &city, &camera, &resident, on).await {
        Ok(()) => {
            let notice = if on {
                "cameras-starred"
            } else {
                "cameras-unstarred"
            };
            see_other(&with_query(&back, "notice", notice))
        }
        Err(error) => Failure::of(&error).back_to(&back, ""),
    }
}

async fn set_star(
    home: &TrafficCameras,
    city: &str,
    camera: &str,
    resident: &str,
    on: bool,
) -> Result<(), StarError> {
    let (config, cameras) = home
        .offered(city, None)
        .await
        .map_err(|_| StarError::UnknownCamera)?;
    if !is_camera_id(camera) {
        return Err(StarError::UnknownCamera);
    }
    if !on {
        return Ok(home.stars.unstar(resident, &config.id, camera).await?);
    }
    let list = cameras
        .list(Locale::default())
        .await
        .map_err(|_| StarError::Unavailable)?;
    if !list.value.iter().any(|c| c.id == camera) {
        return Err(StarError::UnknownCamera);
    }
    home.stars.star(resident, &config.id, camera).await
}
