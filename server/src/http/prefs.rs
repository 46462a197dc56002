//! Plain-HTML preference changes: language, district, "use my location". Each sets a cookie
//! and redirects, so they work without JavaScript.

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use model::{
    i18n::Locale,
    prefs::{is_id, preference_cookie, CITY_COOKIE, LANG_COOKIE, REGION_COOKIE},
};

use super::AppState;

pub(super) fn redirect_with_cookies(to: &str, cookies: &[String]) -> Response {
    let mut headers = HeaderMap::new();
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    (headers, Redirect::to(to)).into_response()
}

/// Only paths on this site: no scheme, no `//host`, no backslash tricks.
pub(super) fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.contains("://")
                // Browsers drop tabs and newlines from URLs: "/\t/evil" would become "//evil".
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/",
    }
}

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

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/c/shenzhen/air")), "/c/shenzhen/air");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("/\t/evil.example")), "/");
        assert_eq!(local_path(Some("/\n/evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
