//! Open511's camera resource as JSON (the XML schema's elements as fields; a `self` link is
//! `url`). Only what the portal reads is here; anything else in a document is ignored.

use serde::{Deserialize, Serialize};

/// `GET /cameras/`: a page of cameras (and a camera's own `url`: a list of that one).
#[derive(Debug, Deserialize, Serialize)]
pub struct CameraList {
    pub cameras: Vec<Camera>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    /// Every Open511 document's: at least the API `version` it follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct Meta {
    pub version: String,
    /// The resource one level up (the API's root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_url: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct Pagination {
    #[serde(default)]
    pub offset: u64,
    /// The next page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_url: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct Camera {
    /// `{jurisdiction id}/{camera id}`.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The jurisdiction resource the camera belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction_url: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A GeoJSON Point.
    pub geography: Geometry,
    pub media_files: Vec<MediaFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roads: Vec<Road>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct Geometry {
    #[serde(rename = "type")]
    pub kind: String,
    /// Longitude, latitude.
    pub coordinates: Vec<f64>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct MediaFile {
    pub url: String,
    /// A media type: `image/jpeg`.
    #[serde(rename = "type")]
    pub media_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Seconds between new pictures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_interval: Option<u32>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct Road {
    pub name: String,
    /// `N`, `E`, … `BOTH`, `NONE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
}
