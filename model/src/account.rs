//! Wire types of the resident's own pages (profile, "My data", inbox) and of the admin
//! console, and `Viewer`: who is asking, as the server's session layer found it.

use serde::{Deserialize, Serialize};

use crate::city::{CitySummary, RegionSummary, ServiceKind};

/// Who made this request. The server's session middleware puts it in the request's
/// extensions; pages and server functions read it with `viewer()`.
/// The client's address for rate limits, as the server's session middleware resolved it
/// (behind a trusted proxy, from `X-Forwarded-For`); in the request's extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Viewer {
    pub resident: Option<ResidentBadge>,
    pub admin: Option<AdminBadge>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentBadge {
    pub id: String,
    /// The display name, or a masked contact when none is set.
    pub name: String,
    pub unread: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminBadge {
    pub id: String,
    pub username: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityRegions {
    pub city: CitySummary,
    pub regions: Vec<RegionSummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub home_city: Option<String>,
    pub home_region: Option<String>,
    pub passkeys: Vec<PasskeyInfo>,
    pub sessions: i64,
    /// Every city and its districts, for the home picker.
    pub places: Vec<CityRegions>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyInfo {
    pub id: String,
    pub added: String,
    pub last_used: Option<String>,
}

/// A passkey ceremony's answers to the page's island: where to go once it is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyDone {
    pub redirect: String,
}

/// What starts a passkey sign-in: the contact typed, if any (empty: any passkey of this
/// site the authenticator holds).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySignInStart {
    #[serde(default)]
    pub contact: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderLabel {
    pub id: String,
    /// Its own name, when config gives one (a hospital's, a company's).
    pub name: Option<crate::city::LocalizedName>,
    /// The service it provides and the city, e.g. "Shenzhen · Air quality".
    pub city: Option<CitySummary>,
    pub service: Option<ServiceKind>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentInfo {
    pub provider: ProviderLabel,
    pub service_id: String,
    /// Field ids: display_name, phone, email, home_district.
    pub fields: Vec<String>,
    pub granted: String,
    pub withdrawn: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareInfo {
    pub provider: ProviderLabel,
    pub fields: Vec<String>,
    pub purpose: String,
    pub at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyData {
    /// The resident's pseudonymous id at each provider they have dealt with.
    pub consents: Vec<ConsentInfo>,
    pub shares: Vec<ShareInfo>,
    pub muted: Vec<ProviderLabel>,
}

/// What a service will send to a provider, for the resident to agree to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRequest {
    pub provider: ProviderLabel,
    pub service: ServiceKind,
    pub fields: Vec<String>,
    pub already_granted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    pub id: String,
    pub announcement: bool,
    pub provider: Option<ProviderLabel>,
    pub title: String,
    pub body: String,
    pub at: String,
    pub read: bool,
    pub muted: bool,
}

/// A message the demo's notification simulator was sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoMessage {
    pub channel: String,
    pub to: String,
    pub body: String,
    pub at: String,
}

/// Where a pending one-time code went, masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCodeInfo {
    pub sent_to: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminHome {
    pub username: String,
    pub is_platform: bool,
    pub cities: Vec<CitySummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchCell {
    pub service: ServiceKind,
    pub enabled: bool,
    /// An admin's override decides, not config.
    pub overridden: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionRow {
    pub region: RegionSummary,
    pub cells: Vec<SwitchCell>,
}

/// A region drawn on the console's map: an SVG path in the map's own coordinates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapRegion {
    pub id: String,
    pub name: crate::city::LocalizedName,
    pub path: String,
    pub label_x: f64,
    pub label_y: f64,
    /// Services switched off here.
    pub disabled: Vec<ServiceKind>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CityMap {
    pub width: f64,
    pub height: f64,
    pub regions: Vec<MapRegion>,
    /// The projection, so that a tap can be turned back into a position:
    /// `x = (lon - west) * x_scale`, `y = (north - lat) * y_scale`.
    pub west: f64,
    pub north: f64,
    pub x_scale: f64,
    pub y_scale: f64,
    /// Raster tiles to draw beneath (the portal's tile proxy, `/tiles/{city}/{z}/{x}/{y}`),
    /// and their attribution.
    pub tiles: Option<String>,
    pub attribution: Option<String>,
    /// The datum the tiles are drawn in; the districts and pins are always WGS-84.
    pub tiles_datum: Datum,
    /// The city has an address search (`[places]` in its config).
    pub searchable: bool,
}

/// A map's datum. Browsers, GPS, OpenStreetMap and the portal's own region files use
/// WGS-84; Chinese map data and tile services (AutoNavi/Amap, Tencent) use GCJ-02, which
/// moves every position by a few hundred metres.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Datum {
    #[default]
    Wgs84,
    Gcj02,
}

impl Datum {
    /// The id config and pages use.
    pub fn id(self) -> &'static str {
        match self {
            Datum::Wgs84 => "wgs84",
            Datum::Gcj02 => "gcj02",
        }
    }

    pub fn from_id(id: &str) -> Option<Datum> {
        match id {
            "wgs84" => Some(Datum::Wgs84),
            "gcj02" => Some(Datum::Gcj02),
            _ => None,
        }
    }
}

impl CityMap {
    /// Where a position falls on the drawing.
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.west) * self.x_scale,
            (self.north - lat) * self.y_scale,
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminCity {
    pub city: CitySummary,
    pub services: Vec<ServiceKind>,
    pub rows: Vec<RegionRow>,
    pub map: CityMap,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderHealth {
    pub provider_id: String,
    pub service: ServiceKind,
    /// "closed", "open" or "half-open".
    pub breaker: String,
    pub last_latency_ms: Option<u64>,
    pub last_error: Option<String>,
    /// What waits to be handed to the provider (its service's jobs), with the service's own
    /// figures; `None` when its service hands nothing off.
    pub queue: Option<HandoffQueue>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffQueue {
    /// Jobs whose time has come, not yet done (late, if a worker does not take them soon),
    /// and those that failed and wait to be tried again.
    pub due: i64,
    /// How long the one due longest has been due.
    pub due_for_minutes: Option<i64>,
    /// Jobs waiting for their first time (a reminder, a follow-up).
    pub scheduled: i64,
    /// The service's own figures about the provider, each a message key taking `$count`
    /// and its count (a desk's reports not accepted this week); only those not zero.
    pub figures: Vec<(String, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// For a switch: the service, and the district by name (`None`: every district).
    pub switched: Option<(ServiceKind, Option<crate::city::LocalizedName>)>,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminRow {
    pub username: String,
    pub is_platform: bool,
    pub cities: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAccounts {
    pub admins: Vec<AdminRow>,
    pub cities: Vec<CitySummary>,
}
