//! Where a report is, in words: the address search over the pin map (`?place=` on the
//! form) and the named place nearest a filed report's pin, through the city's geocoder
//! (`portal_core::maps::places`).

use std::time::Duration;

use model::{
    reports::{NearPlace, PlaceSearch, PlaceView},
    Locale,
};
use portal_core::maps::places::PlaceError;

use super::{distance_m, IncidentReports};

/// A report's page waits no longer than this for the name of the place near its pin.
const NEAREST_WAIT: Duration = Duration::from_millis(1500);

impl IncidentReports {
    /// The places of `city` the address search finds for `query`, asked by `client` (the
    /// geocoder is shared by every resident: one client gets its share of it).
    pub async fn find_places(
        &self,
        city: &str,
        query: &str,
        client: &str,
        locale: Locale,
    ) -> PlaceSearch {
        let query: String = query
            .trim()
            .chars()
            .take(portal_core::maps::places::MAX_QUERY_CHARS)
            .collect();
        let searched = if self.portal.maps.searches_per_client.allow(client) {
            self.portal.maps.places.search(city, &query, locale).await
        } else {
            Err(PlaceError::Busy)
        };
        match searched {
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
