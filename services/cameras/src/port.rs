//! What the portal needs of a city's traffic cameras, in its own terms: the cameras with
//! where they stand and which road they watch, and each camera's latest picture.

use std::time::Duration;

use model::Locale;
use portal_core::providers::ProviderError;

/// Which way along its road a camera looks (Open511's road directions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    North,
    NorthEast,
    East,
    SouthEast,
    South,
    SouthWest,
    West,
    NorthWest,
    /// Both ways along the road.
    Both,
}

impl Direction {
    /// Open511's code (`N`, `NE`, … `BOTH`); `NONE` and anything else is no direction.
    pub fn from_code(code: &str) -> Option<Direction> {
        Some(match code {
            "N" => Direction::North,
            "NE" => Direction::NorthEast,
            "E" => Direction::East,
            "SE" => Direction::SouthEast,
            "S" => Direction::South,
            "SW" => Direction::SouthWest,
            "W" => Direction::West,
            "NW" => Direction::NorthWest,
            "BOTH" => Direction::Both,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Direction::North => "N",
            Direction::NorthEast => "NE",
            Direction::East => "E",
            Direction::SouthEast => "SE",
            Direction::South => "S",
            Direction::SouthWest => "SW",
            Direction::West => "W",
            Direction::NorthWest => "NW",
            Direction::Both => "BOTH",
        }
    }
}

/// A road a camera watches.
#[derive(Clone, Debug, PartialEq)]
pub struct Road {
    pub name: String,
    pub direction: Option<Direction>,
}

/// Where a camera's still picture is, and how often it changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub url: url::Url,
    pub refresh: Duration,
}

/// A traffic camera.
#[derive(Clone, Debug, PartialEq)]
pub struct Camera {
    /// The jurisdiction's own id of it: letters, digits, `_`, `.` and `-`, safe in a path.
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// WGS-84 degrees.
    pub lat: f64,
    pub lon: f64,
    pub roads: Vec<Road>,
    pub snapshot: Snapshot,
}

/// Which cameras to list (Open511's filters).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CameraQuery {
    /// West, south, east, north in degrees.
    pub bbox: Option<[f64; 4]>,
    pub road: Option<String>,
}

/// A picture as the camera's provider sent it.
#[derive(Clone, Debug)]
pub struct Picture {
    pub bytes: Vec<u8>,
    /// When it was taken, where the provider says (`Last-Modified`).
    pub taken_at: Option<jiff::Timestamp>,
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum PictureError {
    /// The provider says the camera has no picture (it is switched off or broken).
    #[error("the camera is offline")]
    Offline,
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

#[async_trait::async_trait]
pub trait CameraProvider: Send + Sync {
    /// The jurisdiction's cameras that match `query`, named in `locale` where the provider
    /// has that language.
    async fn cameras(
        &self,
        query: &CameraQuery,
        locale: Locale,
    ) -> Result<Vec<Camera>, ProviderError>;

    /// The latest picture at `snapshot`.
    async fn picture(&self, snapshot: &Snapshot) -> Result<Picture, PictureError>;
}
