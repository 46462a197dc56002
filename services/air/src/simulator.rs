//! A simulator of the OpenAQ API v3, seeded with one monitoring station in every district of
//! every city that asks for it. Values change every hour, deterministically, and spread from
//! excellent to polluted so every AQI category shows up somewhere in the demo.

use std::sync::Arc;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use geo::InteriorPoint;
use serde::Deserialize;
use serde_json::json;

use portal_core::config::CityConfig;
use portal_core::simulators::faults::{apply_faults, FaultKnobs};

/// A seeded station.
#[derive(Clone, Debug)]
pub struct SimStation {
    pub id: u64,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

/// The parameters every station measures: OpenAQ name, unit, display name.
const PARAMETERS: [(&str, &str, &str); 6] = [
    ("pm25", "µg/m³", "PM2.5"),
    ("pm10", "µg/m³", "PM10"),
    ("o3", "µg/m³", "O₃"),
    ("no2", "µg/m³", "NO₂"),
    ("so2", "µg/m³", "SO₂"),
    // OpenAQ reports CO in ppm for many stations: it makes the adapter convert.
    ("co", "ppm", "CO"),
];

/// One station in every district of the given cities.
pub fn seed_stations(cities: &[&CityConfig]) -> Vec<SimStation> {
    let mut stations = Vec::new();
    for city in cities {
        for region in &city.regions {
            let Some(point) = region.boundary.interior_point() else {
                continue;
            };
            let id = 1001 + stations.len() as u64;
            stations.push(SimStation {
                id,
                name: format!("{} {}", region.name.zh, region.name.en),
                lat: point.y(),
                lon: point.x(),
            });
        }
    }
    stations
}

struct SimState {
    stations: Vec<SimStation>,
}

pub fn router(stations: Vec<SimStation>, knobs: Arc<FaultKnobs>) -> Router {
    let state = Arc::new(SimState { stations });
    Router::new()
        .route("/v3/locations", get(locations))
        .route("/v3/locations/{id}/latest", get(latest))
        .with_state(state)
        .layer(middleware::from_fn_with_state(knobs, apply_faults))
}

#[derive(Deserialize)]
struct LocationsQuery {
    bbox: Option<String>,
    coordinates: Option<String>,
    radius: Option<f64>,
    limit: Option<usize>,
}

fn unprocessable(detail: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({ "detail": detail })),
    )
        .into_response()
}

fn parse_numbers(text: &str, expected: usize) -> Option<Vec<f64>> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    (numbers.len() == expected).then_some(numbers)
}

async fn locations(
    State(state): State<Arc<SimState>>,
    Query(query): Query<LocationsQuery>,
) -> Response {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let selected: Vec<&SimStation> = match (&query.bbox, &query.coordinates) {
        (Some(bbox), None) => {
            let Some(b) = parse_numbers(bbox, 4) else {
                return unprocessable("bbox must be min_lon,min_lat,max_lon,max_lat");
            };
            state
                .stations
                .iter()
                .filter(|s| s.lon >= b[0] && s.lat >= b[1] && s.lon <= b[2] && s.lat <= b[3])
                .collect()
        }
        (None, Some(coordinates)) => {
            let Some(c) = parse_numbers(coordinates, 2) else {
                return unprocessable("coordinates must be latitude,longitude");
            };
            let radius = query.radius.unwrap_or(25_000.0);
            if !(0.0..=25_000.0).contains(&radius) {
                return unprocessable("radius must be at most 25000 metres");
            }
            state
                .stations
                .iter()
                .filter(|s| distance_m(c[0], c[1], s.lat, s.lon) <= radius)
                .collect()
        }
        _ => return unprocessable("give either bbox, or coordinates and radius"),
    };
    let found = selected.len();
    let results: Vec<serde_json::Value> = selected
        .into_iter()
        .take(limit)
        .map(location_json)
        .collect();
    Json(json!({
        "meta": { "name": "openaq-api", "website": "/", "page": 1, "limit": limit, "found": found },
        "results": results,
    }))
    .into_response()
}

fn location_json(station: &SimStation) -> serde_json::Value {
    let sensors: Vec<serde_json::Value> = PARAMETERS
        .iter()
        .enumerate()
        .map(|(k, (name, units, display))| {
            json!({
                "id": sensor_id(station.id, k),
                "name": format!("{name} {units}"),
                "parameter": { "id": k + 1, "name": name, "units": units, "displayName": display },
            })
        })
        .collect();
    json!({
        "id": station.id,
        "name": station.name,
        "locality": null,
        "timezone": "Asia/Shanghai",
        "isMobile": false,
        "isMonitor": true,
        "coordinates": { "latitude": station.lat, "longitude": station.lon },
        "sensors": sensors,
    })
}

fn sensor_id(station: u64, parameter: usize) -> u64 {
    station * 10 + parameter as u64
}

async fn latest(State(state): State<Arc<SimState>>, Path(id): Path<u64>) -> Response {
    let Some(station) = state.stations.iter().find(|s| s.id == id) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "detail": "Location not found" })),
        )
            .into_response();
    };
    let now = jiff::Timestamp::now();
    let hour = now.as_second().div_euclid(3600);
    let at = jiff::Timestamp::from_second(hour * 3600).unwrap_or(now);
    let local = at.to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
    let results: Vec<serde_json::Value> = PARAMETERS
        .iter()
        .enumerate()
        .map(|(k, (name, _, _))| {
            json!({
                "datetime": { "utc": at.to_string(), "local": local.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string() },
                "value": simulated_value(station.id, hour, name),
                "coordinates": { "latitude": station.lat, "longitude": station.lon },
                "sensorsId": sensor_id(station.id, k),
                "locationsId": station.id,
            })
        })
        .collect();
    Json(json!({
        "meta": { "name": "openaq-api", "website": "/", "page": 1, "limit": 100, "found": results.len() },
        "results": results,
    }))
    .into_response()
}

/// A value that depends only on the station, the hour and the parameter.
fn simulated_value(station: u64, hour: i64, parameter: &str) -> f64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in station
        .to_le_bytes()
        .into_iter()
        .chain(hour.to_le_bytes())
        .chain(parameter.bytes())
    {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let unit = (hash % 10_000) as f64 / 10_000.0;
    // Each station has its own typical level, so districts differ visibly.
    let level = 0.4 + (station % 7) as f64 * 0.25;
    let value = match parameter {
        "pm25" => 8.0 + unit * 45.0 * level,
        "pm10" => 15.0 + unit * 70.0 * level,
        "o3" => 20.0 + unit * 110.0 * level,
        "no2" => 8.0 + unit * 50.0 * level,
        "so2" => 2.0 + unit * 12.0,
        "co" => 0.3 + unit * 0.9,
        _ => 0.0,
    };
    (value * 10.0).round() / 10.0
}

/// Great-circle distance in metres.
fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * a.sqrt().asin()
}
