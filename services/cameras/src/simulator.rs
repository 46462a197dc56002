//! An Open511 camera server for the demo cities, one jurisdiction under each provider id
//! (`/{provider}/cameras/`): two cameras in every district, each on one of a few arterial
//! roads, and a still picture of each (`…/cameras/{id}/snapshot.jpg`) drawn anew every
//! refresh interval with the capture time written in it. Per-camera faults sit beside the
//! shared fault knobs: offline (404), frozen (the same frame, however long), broken (bytes
//! that are no picture). It counts the pictures each camera was asked for.

use std::{
    collections::HashMap,
    io::Cursor,
    sync::{Arc, Mutex},
};

use axum::{
    extract::{Path, RawQuery, State},
    http::{header, HeaderMap, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use geo::{Contains, InteriorPoint, Point};

use crate::{open511::wire, scene};
use portal_core::{
    regions::Region,
    simulators::faults::{apply_faults, FaultKnobs},
};

/// The demo's arterial roads: (中文, English). Generic names: the demo's cameras stand in
/// its districts, not on real roads.
const ROADS: [(&str, &str); 4] = [
    ("环城大道", "Ring Avenue"),
    ("中心大道", "Central Avenue"),
    ("滨江路", "Riverside Road"),
    ("高速连接线", "Expressway Link"),
];
const DIRECTIONS: [&str; 4] = ["E", "N", "W", "S"];
/// Seconds between pictures, camera by camera: some quick, most a minute or two.
const REFRESH: [u32; 3] = [10, 60, 120];
/// A page of the list holds at most this many cameras.
/// Open511 servers answer pages of up to 500 (or more) when a client asks; 50 when it does
/// not say.
const MAX_PAGE: usize = 500;
const DEFAULT_PAGE: usize = 50;
/// The Open511 API version the simulator follows, in every document's `meta`.
const VERSION: &str = "v1";

/// What is wrong with one camera.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CameraFault {
    /// No picture: a 404.
    Offline,
    /// The picture stopped changing at `since`.
    Frozen { since: jiff::Timestamp },
    /// A 200 whose bytes are no picture.
    Broken,
}

struct DemoCamera {
    id: String,
    name: (String, String),
    description: (String, String),
    lat: f64,
    lon: f64,
    road: usize,
    direction: &'static str,
    refresh: u32,
}

/// A camera's last picture: its frame number and its JPEG.
type Drawn = (i64, Arc<Vec<u8>>);

/// One jurisdiction's cameras.
pub struct SimulatedCameras {
    provider: String,
    jurisdiction: String,
    time_zone: jiff::tz::TimeZone,
    cameras: Vec<DemoCamera>,
    faults: Mutex<HashMap<String, CameraFault>>,
    refresh: Mutex<HashMap<String, u32>>,
    fetches: Mutex<HashMap<String, u64>>,
    /// Requests that carried anything of a client: a cookie, a forwarded address.
    revealing: std::sync::atomic::AtomicU64,
    drawn: Mutex<HashMap<String, Drawn>>,
}

impl SimulatedCameras {
    /// Two cameras in each of `regions`, inside its borders.
    pub fn seeded(
        provider: &str,
        jurisdiction: &str,
        time_zone: &jiff::tz::TimeZone,
        regions: &[Region],
    ) -> Arc<SimulatedCameras> {
        let mut cameras = Vec::new();
        for (number, region) in regions.iter().enumerate() {
            let Some(inside) = region.boundary.interior_point() else {
                continue;
            };
            // A second camera a little way off, where that is still in the district.
            let beside = [(0.01, 0.0), (-0.01, 0.0), (0.0, 0.01), (0.0, -0.01)]
                .into_iter()
                .map(|(dx, dy)| Point::new(inside.x() + dx, inside.y() + dy))
                .find(|p| region.boundary.contains(p))
                .unwrap_or(inside);
            for (k, point) in [inside, beside].into_iter().enumerate() {
                let n = number * 2 + k;
                let road = n % ROADS.len();
                cameras.push(DemoCamera {
                    id: format!("{}-{}", region.id, k + 1),
                    name: (
                        format!("{} · {}", region.name.zh, ROADS[road].0),
                        format!("{} at {}", ROADS[road].1, region.name.en),
                    ),
                    description: (
                        format!("{}{}路口", region.name.zh, k + 1),
                        format!("Junction {} in {}", k + 1, region.name.en),
                    ),
                    lat: point.y(),
                    lon: point.x(),
                    road,
                    direction: DIRECTIONS[n % DIRECTIONS.len()],
                    refresh: REFRESH[n % REFRESH.len()],
                });
            }
        }
        Arc::new(SimulatedCameras {
            provider: provider.to_owned(),
            jurisdiction: jurisdiction.to_owned(),
            time_zone: time_zone.clone(),
            cameras,
            faults: Mutex::default(),
            refresh: Mutex::default(),
            fetches: Mutex::default(),
            revealing: std::sync::atomic::AtomicU64::new(0),
            drawn: Mutex::default(),
        })
    }

    /// The cameras' ids.
    pub fn ids(&self) -> Vec<String> {
        self.cameras.iter().map(|c| c.id.clone()).collect()
    }

    /// Sets (or, with `None`, clears) one camera's fault.
    pub fn set_fault(&self, camera: &str, fault: Option<CameraFault>) {
        let mut faults = lock(&self.faults);
        match fault {
            Some(fault) => faults.insert(camera.to_owned(), fault),
            None => faults.remove(camera),
        };
    }

    /// Makes one camera take a picture every `seconds` (before the portal lists it).
    pub fn set_refresh(&self, camera: &str, seconds: u32) {
        lock(&self.refresh).insert(camera.to_owned(), seconds.max(1));
    }

    /// How many pictures `camera` was asked for.
    pub fn pictures_sent(&self, camera: &str) -> u64 {
        lock(&self.fetches).get(camera).copied().unwrap_or(0)
    }

    /// Requests that carried a cookie or a client's address (`Forwarded`, `X-Forwarded-For`,
    /// `X-Real-IP`): the portal's should carry none.
    pub fn requests_naming_a_client(&self) -> u64 {
        self.revealing.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn look_at(&self, headers: &HeaderMap) {
        let revealing = ["cookie", "forwarded", "x-forwarded-for", "x-real-ip"]
            .iter()
            .any(|name| headers.contains_key(*name));
        if revealing {
            self.revealing
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Pictures asked for, all cameras together.
    pub fn pictures_sent_in_all(&self) -> u64 {
        lock(&self.fetches).values().sum()
    }

    fn refresh_of(&self, camera: &DemoCamera) -> u32 {
        lock(&self.refresh)
            .get(&camera.id)
            .copied()
            .unwrap_or(camera.refresh)
    }

    fn jurisdiction_url(&self) -> String {
        format!("/{}/jurisdictions/{}/", self.provider, self.jurisdiction)
    }

    fn meta(&self) -> wire::Meta {
        wire::Meta {
            version: VERSION.to_owned(),
            up_url: Some(format!("/{}/", self.provider)),
        }
    }

    fn listed(&self, camera: &DemoCamera, english: bool) -> wire::Camera {
        let pick = |pair: &(String, String)| {
            if english {
                pair.1.clone()
            } else {
                pair.0.clone()
            }
        };
        let road = ROADS[camera.road];
        wire::Camera {
            id: format!("{}/{}", self.jurisdiction, camera.id),
            url: Some(format!("/{}/cameras/{}/", self.provider, camera.id)),
            jurisdiction_url: Some(self.jurisdiction_url()),
            name: pick(&camera.name),
            description: Some(pick(&camera.description)),
            geography: wire::Geometry {
                kind: "Point".into(),
                coordinates: vec![round(camera.lon), round(camera.lat)],
            },
            media_files: vec![wire::MediaFile {
                url: format!("/{}/cameras/{}/snapshot.jpg", self.provider, camera.id),
                media_type: "image/jpeg".into(),
                width: Some(scene::WIDTH),
                height: Some(scene::HEIGHT),
                refresh_interval: Some(self.refresh_of(camera)),
            }],
            roads: vec![wire::Road {
                name: (if english { road.1 } else { road.0 }).to_owned(),
                direction: Some(camera.direction.to_owned()),
            }],
        }
    }

    /// The JPEG of `camera` taken at `at` (the frame that was current then), and when.
    fn picture(&self, camera: &DemoCamera, at: jiff::Timestamp) -> (Arc<Vec<u8>>, jiff::Timestamp) {
        let every = i64::from(self.refresh_of(camera));
        let frame = at.as_second().div_euclid(every);
        let taken = jiff::Timestamp::from_second(frame * every).unwrap_or(at);
        if let Some((drawn, jpeg)) = lock(&self.drawn).get(&camera.id) {
            if *drawn == frame {
                return (Arc::clone(jpeg), taken);
            }
        }
        let stamp = taken
            .to_zoned_datetime(self.time_zone.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string();
        let seed = camera
            .id
            .bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let picture = scene::render(seed, frame, &stamp);
        let mut jpeg = Vec::new();
        let encoded =
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut Cursor::new(&mut jpeg), 80)
                .encode_image(&picture);
        if let Err(error) = encoded {
            tracing::error!(%error, "simulated picture not encoded");
        }
        let jpeg = Arc::new(jpeg);
        lock(&self.drawn).insert(camera.id.clone(), (frame, Arc::clone(&jpeg)));
        (jpeg, taken)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn round(degrees: f64) -> f64 {
    (degrees * 1e6).round() / 1e6
}

/// Every jurisdiction under its provider id, behind the shared fault knobs.
pub fn directory_router(
    jurisdictions: &HashMap<String, Arc<SimulatedCameras>>,
    knobs: Arc<FaultKnobs>,
) -> Router {
    let mut router = Router::new();
    for (provider, cameras) in jurisdictions {
        router = router.nest(&format!("/{provider}"), router_of(Arc::clone(cameras)));
    }
    router.layer(middleware::from_fn_with_state(knobs, apply_faults))
}

fn router_of(cameras: Arc<SimulatedCameras>) -> Router {
    let documents = Router::new()
        .route("/cameras/", get(list))
        .route("/cameras/{id}/", get(one_camera))
        .route("/jurisdictions/{id}/", get(jurisdiction))
        .layer(middleware::from_fn(json_only));
    documents
        .route("/cameras/{id}/snapshot.jpg", get(snapshot))
        .with_state(cameras)
}

type Sim = State<Arc<SimulatedCameras>>;

/// `GET /cameras/?bbox=w,s,e,n&road_name=…&jurisdiction=…&limit=&offset=`.
async fn list(State(sim): Sim, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    sim.look_at(&headers);
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .take(16)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let english = in_english(&headers);
    let bbox = match param("bbox").map(|b| {
        b.split(',')
            .map(str::parse::<f64>)
            .collect::<Result<Vec<_>, _>>()
    }) {
        None => None,
        Some(Ok(b)) if b.len() == 4 => Some([b[0], b[1], b[2], b[3]]),
        Some(_) => return (StatusCode::BAD_REQUEST, "bbox: west,south,east,north").into_response(),
    };
    let limit = param("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, MAX_PAGE);
    let offset: usize = param("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let road = param("road_name");
    let other_jurisdiction = param("jurisdiction").is_some_and(|j| j != sim.jurisdiction);
    let matching: Vec<&DemoCamera> = sim
        .cameras
        .iter()
        .filter(|_| !other_jurisdiction)
        .filter(|c| {
            bbox.is_none_or(|[w, s, e, n]| c.lon >= w && c.lon <= e && c.lat >= s && c.lat <= n)
        })
        // Open511's `road_name`: the road's name exactly, case and all.
        .filter(|c| {
            road.is_none_or(|r| {
                let (zh, en) = ROADS[c.road];
                r == zh || r == en
            })
        })
        .collect();
    let page = matching.iter().skip(offset).take(limit);
    let next_url = (offset + limit < matching.len()).then(|| {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.iter().filter(|(k, _)| k != "offset") {
            next.append_pair(k, v);
        }
        next.append_pair("offset", &(offset + limit).to_string());
        format!("/{}/cameras/?{}", sim.provider, next.finish())
    });
    Json(wire::CameraList {
        cameras: page.map(|c| sim.listed(c, english)).collect(),
        pagination: Some(wire::Pagination {
            offset: offset as u64,
            next_url,
        }),
        meta: Some(sim.meta()),
    })
    .into_response()
}

/// A camera's own `url`: the list of that one camera.
async fn one_camera(State(sim): Sim, Path(id): Path<String>, headers: HeaderMap) -> Response {
    sim.look_at(&headers);
    let Some(camera) = sim.cameras.iter().find(|c| c.id == id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    Json(wire::CameraList {
        cameras: vec![sim.listed(camera, in_english(&headers))],
        pagination: None,
        meta: Some(sim.meta()),
    })
    .into_response()
}

/// The cameras' `jurisdiction_url`: the jurisdiction, as Open511 describes one.
async fn jurisdiction(State(sim): Sim, Path(id): Path<String>, headers: HeaderMap) -> Response {
    sim.look_at(&headers);
    if id != sim.jurisdiction {
        return StatusCode::NOT_FOUND.into_response();
    }
    Json(serde_json::json!({
        "jurisdictions": [{
            "id": sim.jurisdiction,
            "url": sim.jurisdiction_url(),
            "name": sim.jurisdiction,
            "timezone": "Asia/Shanghai",
            "languages": ["zh", "en"],
        }],
        "meta": sim.meta(),
    }))
    .into_response()
}

/// Open511 lets a server choose its formats: this one serves its documents in JSON only, and
/// says so to a client that asks for XML (`format=xml`, or only XML in `Accept`).
async fn json_only(request: axum::extract::Request, next: middleware::Next) -> Response {
    let format = url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.into_owned());
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let only_xml = accept.contains("xml") && !accept.contains("json") && !accept.contains("*/*");
    if format.is_some_and(|f| f.eq_ignore_ascii_case("xml")) || only_xml {
        return (
            StatusCode::NOT_ACCEPTABLE,
            "This Open511 server answers in JSON only (format=json).",
        )
            .into_response();
    }
    next.run(request).await
}

fn in_english(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("en"))
}

/// `GET /cameras/{id}/snapshot.jpg`: the current picture, `Last-Modified` when it was taken.
async fn snapshot(State(sim): Sim, Path(id): Path<String>, headers: HeaderMap) -> Response {
    sim.look_at(&headers);
    let Some(camera) = sim.cameras.iter().find(|c| c.id == id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    *lock(&sim.fetches).entry(id.clone()).or_default() += 1;
    let fault = lock(&sim.faults).get(&id).copied();
    let at = match fault {
        Some(CameraFault::Offline) => return StatusCode::NOT_FOUND.into_response(),
        Some(CameraFault::Broken) => {
            return (
                [(header::CONTENT_TYPE, "image/jpeg")],
                b"\xFF\xD8\xFF\xE0 not a picture".to_vec(),
            )
                .into_response();
        }
        Some(CameraFault::Frozen { since }) => since,
        None => jiff::Timestamp::now(),
    };
    let (jpeg, taken) = sim.picture(camera, at);
    let modified = crate::http_date(taken);
    (
        [
            (header::CONTENT_TYPE, "image/jpeg".to_owned()),
            (header::LAST_MODIFIED, modified),
        ],
        jpeg.as_ref().clone(),
    )
        .into_response()
}
