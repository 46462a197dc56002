//! Where a report is, in words: the address search over the pin map (`?place=` on the form
//! without JavaScript, `GET /api/c/{city}/places` for the map's island) and the named place
//! nearest a filed report's pin, through the city's geocoder (`portal_core::maps::places`).

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use model::{
    reports::{NearPlace, PlaceSearch, PlaceView},
    Locale,
};
use serde::Deserialize;

use super::{distance_m, IncidentReports};

/// A report's page waits no longer than this for the name of the place near its pin.
const NEAREST_WAIT: Duration = Duration::from_millis(1500);

impl IncidentReports {
    /// The places of `city` the address search finds for `query`.
    pub async fn find_places(&self, city: &str, query: &str, locale: Locale) -> PlaceSearch {
        let query: String = query
            .trim()
            .chars()
            .take(portal_core::maps::places::MAX_QUERY_CHARS)
            .collect();
        match self.portal.maps.places.search(city, &query, locale).await {
            Ok(found) => PlaceSearch {
                query,
                found: found
                    .into_iter()
                    .map(|p| PlaceView {
                        name: p.name,
                        context: p.context,
                        lat: p.lat,
                        lon: p.lon,
                    })
                    .collect(),
                failed: false,
            },
            Err(error) => {
                tracing::warn!(%error, city, "address search failed");
                PlaceSearch {
                    query,
                    found: Vec::new(),
                    failed: true,
                }
            }
        }
    }

    /// The named place nearest a report's pin, when the geocoder names one in time.
    pub async fn near_place(
        &self,
        city: &str,
        lat: f64,
        lon: f64,
        locale: Locale,
    ) -> Option<NearPlace> {
        let nearest = self.portal.maps.places.nearest(city, lat, lon, locale);
        let place = tokio::time::timeout(NEAREST_WAIT, nearest).await.ok()??;
        Some(NearPlace {
            distance_m: distance_m(lat, lon, place.lat, place.lon).round(),
            name: place.name,
        })
    }
}

#[derive(Deserialize)]
pub struct PlaceQuery {
    q: String,
    #[serde(default)]
    lang: Option<String>,
}

/// `GET /api/c/{city}/places?q=…&lang=en`: the address search for the map's island.
pub async fn search(
    State(reports): State<Arc<IncidentReports>>,
    Path(city): Path<String>,
    Query(query): Query<PlaceQuery>,
) -> Response {
    if !reports.portal.maps.places.serves(&city) {
        return StatusCode::NOT_FOUND.into_response();
    }
    if query.q.chars().count() > portal_core::maps::places::MAX_QUERY_CHARS * 4 {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let locale = query
        .lang
        .as_deref()
        .and_then(Locale::from_tag)
        .unwrap_or_default();
    let found = reports.find_places(&city, &query.q, locale).await;
    if found.failed {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    Json(found.found).into_response()
}
