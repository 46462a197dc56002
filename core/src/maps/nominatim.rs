//! The geocoding adapter for Nominatim's API (OpenStreetMap's geocoder, also run by others:
//! <https://nominatim.org/release-docs/latest/api/Overview/>): `GET search` with `q`,
//! `format=jsonv2`, `viewbox` and `bounded=1` to keep to the city, `accept-language` for
//! the resident's language; `GET reverse` with `lat`, `lon` and `zoom` for the nearest
//! named place. Answers are bounded before they are read.

use std::time::Duration;

use model::Locale;
use serde::{Deserialize, Serialize};
use url::Url;

use super::places::{Area, Geocoder, Place, PlaceError};

/// The adapter's id in city config (`[places] adapter`).
pub const ADAPTER: &str = "nominatim";

/// An answer larger than this is not read (ten results take a few kilobytes).
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Street-level detail for the nearest place (Nominatim's `zoom=17`: "major and minor
/// streets"); 18 would name single buildings.
const REVERSE_ZOOM: u8 = 17;

pub struct Nominatim {
    client: reqwest::Client,
    base_url: Url,
}

/// One result of `search` or the answer of `reverse` (`format=jsonv2`), as far as the
/// portal reads it. Nominatim sends coordinates as strings.
#[derive(Debug, Deserialize, Serialize, Clone, PartialEq)]
pub struct NominatimPlace {
    pub lat: String,
    pub lon: String,
    /// The place's own name; empty for an unnamed road.
    #[serde(default)]
    pub name: String,
    /// The place with its surroundings, comma-separated, most local first.
    pub display_name: String,
}

/// `reverse` with nothing near: `{"error": "Unable to geocode"}`.
#[derive(Deserialize)]
struct NoPlace {
    #[allow(dead_code)]
    error: serde_json::Value,
}

impl Nominatim {
    pub fn new(base_url: &Url, user_agent: &str, timeout: Duration) -> Result<Self, PlaceError> {
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(timeout)
            .build()
            .map_err(|e| PlaceError::Unavailable(e.to_string()))?;
        Ok(Nominatim {
            client,
            base_url: crate::providers::endpoint::as_base(base_url.clone()),
        })
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Vec<u8>, PlaceError> {
        let url = self
            .base_url
            .join(path)
            .map_err(|e| PlaceError::Unavailable(e.to_string()))?;
        let unavailable = |e: reqwest::Error| PlaceError::Unavailable(e.without_url().to_string());
        let response = self
            .client
            .get(url)
            .query(query)
            .send()
            .await
            .map_err(unavailable)?;
        if !response.status().is_success() {
            return Err(PlaceError::Unavailable(format!(
                "{path} answered {}",
                response.status()
            )));
        }
        crate::providers::read_body_within(response, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| PlaceError::Unavailable(format!("{path}: {e}")))
    }
}

#[async_trait::async_trait]
impl Geocoder for Nominatim {
    async fn search(
        &self,
        query: &str,
        area: Area,
        lang: Locale,
        limit: usize,
    ) -> Result<Vec<Place>, PlaceError> {
        let body = self
            .get(
                "search",
                &[
                    ("q", query.to_owned()),
                    ("format", "jsonv2".into()),
                    ("limit", limit.to_string()),
                    (
                        "viewbox",
                        format!("{},{},{},{}", area.west, area.north, area.east, area.south),
                    ),
                    ("bounded", "1".into()),
                    ("countrycodes", "cn".into()),
                    ("accept-language", accept_language(lang).into()),
                ],
            )
            .await?;
        let found: Vec<NominatimPlace> = serde_json::from_slice(&body)
            .map_err(|e| PlaceError::Unavailable(format!("search answered badly: {e}")))?;
        Ok(found.iter().take(limit).filter_map(read_place).collect())
    }

    async fn nearest(&self, lat: f64, lon: f64, lang: Locale) -> Result<Option<Place>, PlaceError> {
        let body = self
            .get(
                "reverse",
                &[
                    ("lat", format!("{lat:.6}")),
                    ("lon", format!("{lon:.6}")),
                    ("zoom", REVERSE_ZOOM.to_string()),
                    ("format", "jsonv2".into()),
                    ("accept-language", accept_language(lang).into()),
                ],
            )
            .await?;
        if serde_json::from_slice::<NoPlace>(&body).is_ok() {
            return Ok(None);
        }
        let found: NominatimPlace = serde_json::from_slice(&body)
            .map_err(|e| PlaceError::Unavailable(format!("reverse answered badly: {e}")))?;
        Ok(read_place(&found))
    }
}

/// Chinese first on Chinese pages; English pages fall back to Chinese where a place has no
/// English name (most streets).
fn accept_language(lang: Locale) -> &'static str {
    match lang {
        Locale::ZhCn => "zh-CN,zh",
        Locale::En => "en,zh",
    }
}

/// A place with usable coordinates; its name is the first part of its display name when
/// it has none of its own.
fn read_place(found: &NominatimPlace) -> Option<Place> {
    let lat: f64 = found.lat.trim().parse().ok()?;
    let lon: f64 = found.lon.trim().parse().ok()?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return None;
    }
    let mut parts = found.display_name.split(',').map(str::trim);
    let first = parts.next().unwrap_or_default();
    let name = if found.name.trim().is_empty() {
        first
    } else {
        found.name.trim()
    };
    if name.is_empty() {
        return None;
    }
    // What follows the name, up to the city: enough to tell two places apart.
    let context: Vec<&str> = parts.filter(|part| *part != name).take(2).collect();
    Some(Place {
        name: crate::plain_text::provider_text(name, 120),
        context: crate::plain_text::provider_text(&context.join(", "), 120),
        lat,
        lon,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of a `format=jsonv2` search result, as Nominatim's documentation shows it.
    #[test]
    fn a_documented_result_is_read() {
        let answer = r#"[{"place_id":100149,"licence":"Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright","osm_type":"node","osm_id":107775,"lat":"51.5073219","lon":"-0.1276474","category":"place","type":"city","place_rank":16,"importance":0.99,"addresstype":"city","name":"London","display_name":"London, Greater London, England, United Kingdom","boundingbox":["51.3473219","51.6673219","-0.2876474","0.0323526"]}]"#;
        let found: Vec<NominatimPlace> = serde_json::from_str(answer).expect("jsonv2");
        let place = read_place(&found[0]).expect("a place");
        assert_eq!(place.name, "London");
        assert_eq!(place.context, "Greater London, England");
        assert!((place.lat - 51.507_321_9).abs() < 1e-9);
    }

    #[test]
    fn a_result_without_coordinates_or_name_is_dropped() {
        let bad = NominatimPlace {
            lat: "north".into(),
            lon: "1".into(),
            name: "x".into(),
            display_name: "x".into(),
        };
        assert_eq!(read_place(&bad), None);
        let nameless = NominatimPlace {
            lat: "1".into(),
            lon: "1".into(),
            name: String::new(),
            display_name: String::new(),
        };
        assert_eq!(read_place(&nameless), None);
    }
}
