//! The server's side of the camera pages: the city's cameras (starred first, then by road
//! from the resident's district, on the city's map) and one camera with its latest frame.
//! Every time is in the city's zone; every age in words.

use std::{collections::HashSet, time::Duration};

use geo::{Centroid, Contains, Point};
use model::{
    account::CityMap,
    cameras::{
        is_camera_id, CameraCard, CameraPage, CamerasPage, FrameState, FrameView, RoadGroup,
    },
    i18n::{t, t_args},
    ids::{CityId, RegionId, ResidentId},
    pages::CameraPages,
    AppError, Locale, ServiceKind,
};
use portal_core::{cities::map, config::CityConfig, portal::internal, regions::Region};

use crate::{
    frames::{Latest, Trouble},
    port::{Camera, Direction},
    CityCameras, TrafficCameras,
};

/// The list asks for the due frames of its first cameras (about a phone's first screen, and
/// the starred ones) and waits this long for them; the others show what the portal has, and
/// their pictures are asked for only when a browser scrolls to them.
pub const LIST_WAIT: Duration = Duration::from_secs(2);
/// The list waits for the pictures of this many cameras (the first screen, in the page's
/// order). The others are asked for without waiting: a picture is shown only with its time,
/// so until theirs has come they show none and say so, and the next visit has them.
const LIST_ASKS_FOR: usize = 6;
/// Cameras past the first screen asked for without waiting, at most, per list shown (each
/// at most once per its refresh interval, however many residents look).
const LIST_ASKS_IN_BACKGROUND: usize = 30;
/// A camera's page waits this long for its new frame.
pub const PAGE_WAIT: Duration = Duration::from_secs(4);
/// A frame older than this many refresh intervals is marked as old.
const STALE_AFTER_INTERVALS: u32 = 3;

impl TrafficCameras {
    /// The city, when it offers cameras (in the resident's district, if known).
    pub async fn offered(
        &self,
        city: &str,
        region: Option<&str>,
    ) -> Result<(&CityConfig, &CityCameras), AppError> {
        let config = self.portal.city(city)?;
        let cameras = self
            .city(&config.id)
            .map(AsRef::as_ref)
            .ok_or(AppError::ServiceNotOffered)?;
        if !self
            .portal
            .service_available(config, ServiceKind::TrafficCameras, region)
            .await?
        {
            return Err(AppError::ServiceNotOffered);
        }
        Ok((config, cameras))
    }

    async fn starred(
        &self,
        resident: Option<&ResidentId>,
        city: &str,
    ) -> Result<HashSet<String>, AppError> {
        match resident {
            Some(resident) => self
                .stars
                .of(resident.as_str(), city)
                .await
                .map_err(internal),
            None => Ok(HashSet::new()),
        }
    }
}

#[async_trait::async_trait]
impl CameraPages for TrafficCameras {
    async fn cameras(
        &self,
        city: &CityId,
        region: Option<&RegionId>,
        road: Option<&str>,
        resident: Option<&ResidentId>,
        locale: Locale,
    ) -> Result<CamerasPage, AppError> {
        let region = region.map(RegionId::as_str);
        let (config, cameras) = self.offered(city.as_str(), region).await?;
        let home = region.and_then(|r| config.region(r));
        let map = map::draw(config, |_| Vec::new());
        let starred = self.starred(resident, &config.id).await?;
        let mut page = CamerasPage {
            city: config.summary(),
            starred: Vec::new(),
            roads: Vec::new(),
            road_names: Vec::new(),
            road: None,
            map,
            problem: None,
            signed_in: resident.is_some(),
        };
        let list = match cameras.list(locale).await {
            Ok(list) => list,
            Err(error) => {
                tracing::warn!(%error, city = %config.id, "camera list unavailable");
                page.problem = Some(t(locale, "cameras-problem-down"));
                return Ok(page);
            }
        };
        if list.stale {
            page.problem = Some(t(locale, "cameras-problem-old-list"));
        }
        let mut road_names: Vec<String> = list
            .value
            .iter()
            .flat_map(|c| c.roads.iter().map(|r| r.name.clone()))
            .collect();
        road_names.sort();
        road_names.dedup();
        page.road = road
            .filter(|r| road_names.iter().any(|n| n.as_str() == *r))
            .map(str::to_owned);
        page.road_names = road_names;
        let mut shown: Vec<&Camera> = list
            .value
            .iter()
            .filter(|c| {
                page.road
                    .as_ref()
                    .is_none_or(|road| c.roads.iter().any(|r| &r.name == road))
            })
            .collect();
        let from = home.and_then(|h| h.boundary.centroid());
        shown.sort_by(|a, b| distance(from, a).total_cmp(&distance(from, b)));
        // In the page's order: starred first, then road by road (the road with the nearest
        // camera first), so the first cameras asked for are the ones on the first screen.
        let mut starred_first: Vec<&Camera> = Vec::new();
        let mut by_road: Vec<(String, Vec<&Camera>)> = Vec::new();
        for camera in shown {
            if starred.contains(&camera.id) {
                starred_first.push(camera);
                continue;
            }
            let road = camera
                .roads
                .first()
                .map_or_else(|| t(locale, "cameras-other-roads"), |r| r.name.clone());
            match by_road.iter_mut().find(|(name, _)| *name == road) {
                Some((_, group)) => group.push(camera),
                None => by_road.push((road, vec![camera])),
            }
        }
        let in_order = starred_first
            .iter()
            .copied()
            .chain(by_road.iter().flat_map(|(_, group)| group.iter().copied()));
        // The first screen's pictures first (waited for), then the rest asked for without
        // waiting, so they do not queue ahead of the first screen's.
        let in_order: Vec<&Camera> = in_order.collect();
        let (first_screen, rest) = in_order.split_at(LIST_ASKS_FOR.min(in_order.len()));
        let mut latest: std::collections::HashMap<&str, Latest> = futures::future::join_all(
            first_screen
                .iter()
                .map(|c| async move { (c.id.as_str(), cameras.latest(c, LIST_WAIT).await) }),
        )
        .await
        .into_iter()
        .collect();
        for (i, camera) in rest.iter().enumerate() {
            // A city's list is a few dozen cameras; past that, the rest wait for a visit.
            let now_or_cached = if i < LIST_ASKS_IN_BACKGROUND {
                cameras.latest(camera, Duration::ZERO).await
            } else {
                cameras.frames.cached(camera)
            };
            latest.insert(camera.id.as_str(), now_or_cached);
        }
        let context = Cards {
            city: &config.id,
            time_zone: &config.time_zone,
            map: &page.map,
            home,
            locale,
        };
        let card = |camera: &Camera| {
            let latest = latest
                .get(camera.id.as_str())
                .cloned()
                .unwrap_or_else(|| cameras.frames.cached(camera));
            context.card(camera, &latest, starred.contains(&camera.id))
        };
        page.starred = starred_first.into_iter().map(card).collect();
        page.roads = by_road
            .into_iter()
            .map(|(road, group)| RoadGroup {
                road,
                cameras: group.into_iter().map(card).collect(),
            })
            .collect();
        Ok(page)
    }

    async fn camera(
        &self,
        city: &CityId,
        camera: &str,
        resident: Option<&ResidentId>,
        locale: Locale,
    ) -> Result<CameraPage, AppError> {
        let (config, cameras) = self.offered(city.as_str(), None).await?;
        if !is_camera_id(camera) {
            return Err(AppError::NotFound);
        }
        let list = cameras.list(locale).await.map_err(|error| {
            tracing::warn!(%error, city = %config.id, "camera list unavailable");
            AppError::ProviderUnavailable
        })?;
        let found = list
            .value
            .iter()
            .find(|c| c.id == camera)
            .ok_or(AppError::NotFound)?;
        let latest = cameras.latest(found, PAGE_WAIT).await;
        let starred = self.starred(resident, &config.id).await?;
        let map = map::draw(config, |_| Vec::new());
        let context = Cards {
            city: &config.id,
            time_zone: &config.time_zone,
            map: &map,
            home: None,
            locale,
        };
        Ok(CameraPage {
            city: config.summary(),
            camera: context.card(found, &latest, starred.contains(camera)),
            problem: list.stale.then(|| t(locale, "cameras-problem-old-list")),
            signed_in: resident.is_some(),
        })
    }
}

/// What every card of a page shares.
struct Cards<'a> {
    city: &'a str,
    time_zone: &'a jiff::tz::TimeZone,
    map: &'a CityMap,
    home: Option<&'a Region>,
    locale: Locale,
}

impl Cards<'_> {
    fn card(&self, camera: &Camera, latest: &Latest, starred: bool) -> CameraCard {
        let locale = self.locale;
        CameraCard {
            id: camera.id.clone(),
            name: camera.name.clone(),
            description: camera.description.clone(),
            roads: camera
                .roads
                .iter()
                .map(|road| match road.direction {
                    Some(direction) => t_args(
                        locale,
                        "cameras-road-direction",
                        &[
                            ("road", road.name.clone().into()),
                            ("direction", t(locale, direction_key(direction)).into()),
                        ],
                    ),
                    None => road.name.clone(),
                })
                .collect(),
            nearby: self
                .home
                .is_some_and(|h| h.boundary.contains(&Point::new(camera.lon, camera.lat))),
            starred,
            map_x: round((camera.lon - self.map.west) * self.map.x_scale),
            map_y: round((self.map.north - camera.lat) * self.map.y_scale),
            frame: frame_view(self.city, camera, latest, self.time_zone, locale),
        }
    }
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Roughly how far the camera is from `from`, in degrees: enough to put the nearest first.
fn distance(from: Option<Point>, camera: &Camera) -> f64 {
    from.map_or(0.0, |p| {
        let dx = (camera.lon - p.x()) * p.y().to_radians().cos();
        let dy = camera.lat - p.y();
        dx.hypot(dy)
    })
}

fn direction_key(direction: Direction) -> &'static str {
    match direction {
        Direction::North => "cameras-direction-n",
        Direction::NorthEast => "cameras-direction-ne",
        Direction::East => "cameras-direction-e",
        Direction::SouthEast => "cameras-direction-se",
        Direction::South => "cameras-direction-s",
        Direction::SouthWest => "cameras-direction-sw",
        Direction::West => "cameras-direction-w",
        Direction::NorthWest => "cameras-direction-nw",
        Direction::Both => "cameras-direction-both",
    }
}

/// Where a camera's frame is served, at list and page size.
pub fn frame_path(city: &str, camera: &str, size: &str, version: &str) -> String {
    format!("/c/{city}/cameras/{camera}/{size}.jpg?v={version}")
}

/// The frame as the page shows it: its state, and a caption that says when it was taken.
pub fn frame_view(
    city: &str,
    camera: &Camera,
    latest: &Latest,
    time_zone: &jiff::tz::TimeZone,
    locale: Locale,
) -> FrameView {
    let now = latest.read_at;
    let refresh = camera.snapshot.refresh;
    let taken = latest.frame.as_deref().map(|f| {
        let age = u64::try_from(now.as_second() - f.taken_at.as_second()).unwrap_or(0);
        (f, age)
    });
    let when = |frame: &crate::frames::Frame, age: u64| {
        t_args(
            locale,
            "cameras-taken",
            &[
                ("time", taken_time(frame.taken_at, now, time_zone).into()),
                ("age", age_words(age, locale).into()),
            ],
        )
    };
    let (state, caption) = match (latest.trouble, taken) {
        (Some(Trouble::Offline), frame) => (
            FrameState::Offline,
            with_last(
                t(locale, "cameras-offline"),
                frame.map(|(f, a)| when(f, a)),
                locale,
            ),
        ),
        (Some(Trouble::Damaged), frame) => (
            FrameState::Damaged,
            with_last(
                t(locale, "cameras-damaged"),
                frame.map(|(f, a)| when(f, a)),
                locale,
            ),
        ),
        (_, Some((frame, age))) if age > refresh.as_secs() * u64::from(STALE_AFTER_INTERVALS) => (
            FrameState::Stale,
            with_last(t(locale, "cameras-stale"), Some(when(frame, age)), locale),
        ),
        (_, Some((frame, age))) => (FrameState::Live, when(frame, age)),
        (Some(Trouble::Unreachable), None) => {
            (FrameState::Unavailable, t(locale, "cameras-no-picture"))
        }
        // Not asked for yet: its picture is, when a browser shows it.
        (None, None) => (FrameState::Pending, t(locale, "cameras-not-yet")),
    };
    let version = match (&latest.frame, latest.trouble) {
        (Some(frame), _) => Some(frame.version.as_str()),
        (None, None) => Some("new"),
        (None, Some(_)) => None,
    };
    let src = |size: &str| version.map(|v| frame_path(city, &camera.id, size, v));
    FrameView {
        state,
        caption,
        thumbnail_src: src("thumb"),
        view_src: src("view"),
        refresh_seconds: u32::try_from(refresh.as_secs()).unwrap_or(u32::MAX),
    }
}

/// "Camera offline. Last picture: taken 10:02:00, 5 min ago."
fn with_last(what: String, last: Option<String>, locale: Locale) -> String {
    match last {
        Some(last) => t_args(
            locale,
            "cameras-last-picture",
            &[("what", what.into()), ("last", last.into())],
        ),
        None => what,
    }
}

/// `10:03:15` today, `11-26 10:03` before.
fn taken_time(at: jiff::Timestamp, now: jiff::Timestamp, time_zone: &jiff::tz::TimeZone) -> String {
    let (at, now) = (
        at.to_zoned_datetime(time_zone.clone()),
        now.to_zoned_datetime(time_zone.clone()),
    );
    if at.date() == now.date() {
        at.strftime("%H:%M:%S").to_string()
    } else {
        at.strftime("%m-%d %H:%M").to_string()
    }
}

/// `12 s ago`, `5 min ago`, `3 h ago`, `2 days ago`.
pub fn age_words(seconds: u64, locale: Locale) -> String {
    let (key, n) = match seconds {
        0..60 => ("cameras-age-seconds", seconds),
        60..3600 => ("cameras-age-minutes", seconds / 60),
        3600..86_400 => ("cameras-age-hours", seconds / 3600),
        _ => ("cameras-age-days", seconds / 86_400),
    };
    t_args(locale, key, &[("n", n.into())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_words() {
        assert_eq!(age_words(12, Locale::En), "12 s ago");
        assert_eq!(age_words(300, Locale::En), "5 min ago");
        assert_eq!(age_words(7200, Locale::En), "2 h ago");
        assert_eq!(age_words(200_000, Locale::En), "2 days ago");
    }
}
