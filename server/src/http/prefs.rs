//! Plain-HTML preference changes: language, district, "use my location". Each sets a cookie
//! and redirects, so they work without JavaScript.

use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use model::{
    i18n::Locale,
    prefs::{is_id, preference_cookie, CITY_COOKIE, LANG_COOKIE, REGION_COOKIE},
};

use super::AppState;
use crate::web::forms::{local_path, redirect_with_cookies};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `/lang/{tag}?next=/c/shenzhen`
pub async fn language(Path(tag): Path<String>, Query(query): Query<NextQuery>) -> Response {
    let next = local_path(query.next.as_deref());
    match Locale::from_tag(&tag) {
        Some(locale) => {
            redirect_with_cookies(next, &[preference_cookie(LANG_COOKIE, locale.tag())])
        }
        None => Redirect::to(next).into_response(),
    }
}

#[derive(Deserialize)]
pub struct RegionQuery {
    city: String,
    region: Option<String>,
}

/// `/prefs/region?city=shenzhen&region=futian`; an empty region forgets the district.
pub async fn region(State(state): State<AppState>, Query(query): Query<RegionQuery>) -> Response {
    let Some(city) = state.portal.cities.get(&query.city) else {
        return Redirect::to("/").into_response();
    };
    let home = format!("/c/{}", city.id);
    let cookie = match query
        .region
        .as_deref()
        .filter(|r| is_id(r))
        .and_then(|r| city.region(r))
    {
        Some(region) => preference_cookie(REGION_COOKIE, &format!("{}/{}", city.id, region.id)),
        None => format!("{REGION_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly"),
    };
    redirect_with_cookies(&home, &[cookie])
}

#[derive(Deserialize)]
pub struct LocateQuery {
    lat: f64,
    lon: f64,
}

/// `/locate?lat=22.54&lon=114.05`: the browser's position, resolved to city and district.
pub async fn locate(
    State(state): State<AppState>,
    query: Result<Query<LocateQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(position)) = query else {
        return Redirect::to("/").into_response();
    };
    match state.portal.cities.locate(position.lon, position.lat) {
        Some((city, region)) => redirect_with_cookies(
            &format!("/c/{}", city.id),
            &[
                preference_cookie(CITY_COOKIE, &city.id),
                preference_cookie(REGION_COOKIE, &format!("{}/{}", city.id, region.id)),
            ],
        ),
        None => Redirect::to("/?located=outside").into_response(),
    }
}
