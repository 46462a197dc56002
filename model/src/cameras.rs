//! What the traffic camera pages show, as it crosses from server to page. Times are already
//! in the city's local time and ages already in words, in the resident's language.

use serde::{Deserialize, Serialize};

use crate::{account::CityMap, city::CitySummary};

/// How current a camera's frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrameState {
    /// Taken within a few refresh intervals.
    Live,
    /// Older than that: the camera stopped sending new pictures.
    Stale,
    /// The provider says the camera has no picture.
    Offline,
    /// The camera sent a picture that could not be read.
    Damaged,
    /// The portal could not reach the provider, and has no frame of this camera.
    Unavailable,
    /// Not asked for yet: its picture is when a browser shows it.
    Pending,
}

impl FrameState {
    /// The name pages put in `data-state` and islands read.
    pub fn id(self) -> &'static str {
        match self {
            FrameState::Live => "live",
            FrameState::Stale => "stale",
            FrameState::Offline => "offline",
            FrameState::Damaged => "damaged",
            FrameState::Unavailable => "unavailable",
            FrameState::Pending => "pending",
        }
    }

    /// Is something wrong that the resident should be told plainly?
    pub fn is_problem(self) -> bool {
        !matches!(self, FrameState::Live | FrameState::Pending)
    }
}

/// A camera's latest frame, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameView {
    pub state: FrameState,
    /// `Taken 10:03:15 · 2 min ago`, or what is wrong, in words.
    pub caption: String,
    /// The picture at list size and at page size, each naming its version (so a browser
    /// fetches a new picture and keeps an unchanged one); none without a frame.
    pub thumbnail_src: Option<String>,
    pub view_src: Option<String>,
    /// Seconds between the camera's pictures.
    pub refresh_seconds: u32,
}

/// A camera in a list or on its page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CameraCard {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The roads it watches, with which way it looks: `Central Avenue, eastbound`.
    pub roads: Vec<String>,
    /// In the resident's own district.
    pub nearby: bool,
    pub starred: bool,
    /// Where it is on the city's map (the drawing's units).
    pub map_x: f64,
    pub map_y: f64,
    pub frame: FrameView,
}

/// The cameras along one road.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoadGroup {
    pub road: String,
    pub cameras: Vec<CameraCard>,
}

/// `/c/{city}/cameras`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CamerasPage {
    pub city: CitySummary,
    /// The resident's starred cameras, first.
    pub starred: Vec<CameraCard>,
    /// The others by road, the road with the camera nearest the resident's district first.
    pub roads: Vec<RoadGroup>,
    /// Every road's name, for the filter.
    pub road_names: Vec<String>,
    /// The road the list is filtered to.
    pub road: Option<String>,
    pub map: CityMap,
    /// The list could not be brought up to date: in words.
    pub problem: Option<String>,
    pub signed_in: bool,
}

/// `/c/{city}/cameras/{camera}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CameraPage {
    pub city: CitySummary,
    pub camera: CameraCard,
    pub problem: Option<String>,
    pub signed_in: bool,
}

/// A camera's id as the portal's paths carry it (the jurisdiction's own id of it): 1 to 64
/// of `[A-Za-z0-9_.-]`, never `.` or `..`.
pub fn is_camera_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id != "."
        && id != ".."
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}
