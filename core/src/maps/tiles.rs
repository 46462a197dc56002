//! The portal's map-tile proxy. Residents' browsers ask the portal for tiles
//! (`/tiles/{city}/{z}/{x}/{y}`), never the tile server, so no third party learns where a
//! resident is looking. Towards the tile server the proxy keeps to the usage policy that
//! OpenStreetMap's (and most public tile servers') set: it says who it is in its
//! User-Agent, keeps every tile on disk as long as the server's caching headers allow (a
//! week when they say nothing) and revalidates it after, fetches no more than a few tiles
//! a second and two at a time, and only tiles of the city's own area.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use serde::{Deserialize, Serialize};

use crate::{clock::Clock, config::CityConfig};

/// No closer than this is fetched (street level; the map's island asks no closer either,
/// and each level closer has four times the tiles to scrape).
pub const MAX_ZOOM: u32 = 18;

/// A tile is kept this long when its server's headers name no lifetime (OpenStreetMap's
/// tile usage policy asks for a week).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// No tile server sends a map tile this large; a larger answer is not a tile.
const MAX_TILE_BYTES: usize = 1024 * 1024;

/// At most this many tiles are fetched at once, from all cities together.
const FETCHES_AT_ONCE: usize = 2;

/// A fetch waits this long at most for its turn under the rate cap; past it the resident's
/// browser is told to come back (and shows the districts' outlines meanwhile).
const LONGEST_WAIT: Duration = Duration::from_secs(3);

/// After [`FAILURES_BEFORE_REST`] failures in a row, a city's tile server is left alone
/// this long: residents see the districts' outlines at once instead of waiting on each tile
/// (the map offline).
const REST_AFTER_FAILURE: Duration = Duration::from_secs(30);
const FAILURES_BEFORE_REST: u32 = 3;

/// A tile is kept at least this long whatever its headers say (a server saying `no-cache`
/// would otherwise be asked on every view), and revalidated at least this often.
const SHORTEST_LIFETIME: Duration = Duration::from_secs(60);
const LONGEST_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// What a tile's record beside it takes on disk, counted with it.
const RECORD_BYTES: u64 = 256;

/// A full cache is swept of expired tiles no more often than this.
const SWEEP_EVERY: Duration = Duration::from_secs(600);

/// How the proxy keeps to the tile servers' usage policies.
#[derive(Clone, Debug)]
pub struct TileProxySettings {
    /// Where tiles are kept between restarts (`TILE_CACHE_DIR`).
    pub cache_dir: PathBuf,
    /// The kept tiles never take more than this (`TILE_CACHE_MB`); past it, tiles are served
    /// but not kept.
    pub cache_limit_bytes: u64,
    /// How many tiles a second may be fetched from tile servers (`TILE_FETCHES_PER_SECOND`).
    pub fetches_per_second: u32,
    /// Says who asks: the portal and where it is run (the policy's "identifying
    /// User-Agent").
    pub user_agent: String,
    pub timeout: Duration,
}

/// A tile to send to a browser.
#[derive(Clone, Debug, PartialEq)]
pub struct Tile {
    pub body: Vec<u8>,
    pub content_type: String,
    /// How long a browser may keep it.
    pub fresh_for: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TileError {
    /// No tiles for this city, or the tile lies outside the city's area or zoom range.
    #[error("no such tile")]
    NotHere,
    /// The rate cap is reached; the browser may try again shortly.
    #[error("the tile server is asked for too many tiles just now")]
    Busy,
    /// The tile server did not answer with a tile, and none is kept.
    #[error("the tile server did not answer: {0}")]
    Unavailable(String),
}

/// One city's tile source and the tiles its area covers.
struct CitySource {
    template: String,
    /// West, south, east, north (WGS-84, widened by a tenth each way).
    area: [f64; 4],
    health: Mutex<Health>,
}

/// How a city's tile server has been answering.
#[derive(Default)]
struct Health {
    failures_in_a_row: u32,
    resting_until: Option<tokio::time::Instant>,
}

pub struct TileProxy {
    client: reqwest::Client,
    cities: HashMap<String, CitySource>,
    settings: TileProxySettings,
    clock: Clock,
    turns: tokio::sync::Semaphore,
    /// When the next fetch may start (the rate cap, spacing fetches evenly).
    next_fetch: Mutex<tokio::time::Instant>,
    /// What the kept tiles take on disk (shared with the background sweep).
    kept_bytes: Arc<AtomicU64>,
    last_sweep: Mutex<Option<tokio::time::Instant>>,
}

/// What is kept beside a tile on disk.
#[derive(Serialize, Deserialize)]
struct Kept {
    content_type: String,
    /// Unix seconds after which the tile is revalidated.
    fresh_until: i64,
    etag: Option<String>,
    last_modified: Option<String>,
}

impl TileProxy {
    pub fn new(
        cities: &[CityConfig],
        settings: TileProxySettings,
        clock: Clock,
    ) -> Result<TileProxy, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .timeout(settings.timeout)
            .build()?;
        let cities = cities
            .iter()
            .filter_map(|city| {
                let tiles = city.map_tiles.as_ref()?;
                let bounds = city.bounding_box()?;
                let margin_lon = (bounds.max_lon - bounds.min_lon) / 10.0;
                let margin_lat = (bounds.max_lat - bounds.min_lat) / 10.0;
                // The key goes into the URL here, on the server; browsers never see it.
                let key = tiles
                    .api_key_env
                    .as_ref()
                    .and_then(|variable| std::env::var(variable).ok())
                    .unwrap_or_default();
                Some((
                    city.id.clone(),
                    CitySource {
                        template: tiles.url.replace("{key}", &key),
                        area: [
                            bounds.min_lon - margin_lon,
                            bounds.min_lat - margin_lat,
                            bounds.max_lon + margin_lon,
                            bounds.max_lat + margin_lat,
                        ],
                        health: Mutex::default(),
                    },
                ))
            })
            .collect();
        let kept_bytes = Arc::new(AtomicU64::new(size_of_dir(&settings.cache_dir)));
        Ok(TileProxy {
            client,
            cities,
            clock,
            turns: tokio::sync::Semaphore::new(FETCHES_AT_ONCE),
            next_fetch: Mutex::new(tokio::time::Instant::now()),
            kept_bytes,
            last_sweep: Mutex::new(None),
            settings,
        })
    }

    /// Does `city` have tiles at all?
    pub fn serves(&self, city: &str) -> bool {
        self.cities.contains_key(city)
    }

    /// Tile (`x`, `y`) at zoom `z` of `city`'s map: kept, revalidated, or fetched.
    pub async fn tile(&self, city: &str, z: u32, x: u32, y: u32) -> Result<Tile, TileError> {
        let source = self.cities.get(city).ok_or(TileError::NotHere)?;
        if !source.covers(z, x, y) {
            return Err(TileError::NotHere);
        }
        let path = self
            .settings
            .cache_dir
            .join(city)
            .join(z.to_string())
            .join(x.to_string())
            .join(y.to_string());
        let kept = read_kept(&path).await;
        let now = self.clock.seconds();
        if let Some((body, kept)) = &kept {
            if kept.fresh_until > now {
                return Ok(Tile {
                    body: body.clone(),
                    content_type: kept.content_type.clone(),
                    fresh_for: Duration::from_secs((kept.fresh_until - now).unsigned_abs()),
                });
            }
        }
        let url = source
            .template
            .replace("{z}", &z.to_string())
            .replace("{x}", &x.to_string())
            .replace("{y}", &y.to_string());
        let fetched = self
            .fetch(source, &url, kept.as_ref().map(|(_, k)| k))
            .await;
        match (fetched, kept) {
            (Ok(Fetched::Unchanged(lifetime)), Some((body, mut kept))) => {
                kept.fresh_until = now + seconds(lifetime);
                self.keep(&path, None, &kept).await;
                Ok(Tile {
                    body,
                    content_type: kept.content_type,
                    fresh_for: lifetime,
                })
            }
            (Ok(Fetched::Tile { body, kept: new }), _) => {
                self.keep(&path, Some(&body), &new).await;
                Ok(Tile {
                    fresh_for: Duration::from_secs((new.fresh_until - now).max(0).unsigned_abs()),
                    body,
                    content_type: new.content_type,
                })
            }
            // A stale tile beats none while the server cannot be asked; browsers keep it
            // only a minute.
            (Err(_), Some((body, kept))) => Ok(Tile {
                body,
                content_type: kept.content_type,
                fresh_for: Duration::from_secs(60),
            }),
            (Err(error), None) => Err(error),
            (Ok(Fetched::Unchanged(_)), None) => {
                Err(TileError::Unavailable("304 for a tile not kept".into()))
            }
        }
    }

    async fn fetch(
        &self,
        source: &CitySource,
        url: &str,
        kept: Option<&Kept>,
    ) -> Result<Fetched, TileError> {
        if source.resting() {
            return Err(TileError::Unavailable("failed a moment ago".into()));
        }
        let fetched = self.fetch_now(source, url, kept).await;
        let mut health = source.health.lock().unwrap_or_else(|p| p.into_inner());
        match &fetched {
            Err(TileError::Unavailable(reason)) => {
                health.failures_in_a_row += 1;
                if health.failures_in_a_row >= FAILURES_BEFORE_REST {
                    tracing::warn!(%reason, "tile server not answering; resting it");
                    health.resting_until = Some(tokio::time::Instant::now() + REST_AFTER_FAILURE);
                    health.failures_in_a_row = 0;
                }
            }
            Ok(_) | Err(TileError::NotHere) => health.failures_in_a_row = 0,
            Err(TileError::Busy) => {}
        }
        drop(health);
        fetched
    }

    async fn fetch_now(
        &self,
        source: &CitySource,
        url: &str,
        kept: Option<&Kept>,
    ) -> Result<Fetched, TileError> {
        self.wait_for_turn().await?;
        let _turn = self.turns.acquire().await.map_err(|_| TileError::Busy)?;
        // The server may have failed other fetches while this one waited.
        if source.resting() {
            return Err(TileError::Unavailable("failed a moment ago".into()));
        }
        let mut request = self.client.get(url);
        if let Some(kept) = kept {
            if let Some(etag) = &kept.etag {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(modified) = &kept.last_modified {
                request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
            }
        }
        let unavailable = |e: reqwest::Error| TileError::Unavailable(e.without_url().to_string());
        let response = request.send().await.map_err(unavailable)?;
        let (lifetime, storable) = lifetime(response.headers());
        if response.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::Unchanged(lifetime));
        }
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Err(TileError::NotHere);
        }
        if !response.status().is_success() {
            return Err(TileError::Unavailable(format!(
                "answered {}",
                response.status()
            )));
        }
        if !storable {
            return Err(TileError::Unavailable(
                "answered no-store: the proxy serves only what it may keep".into(),
            ));
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        if !content_type.starts_with("image/") {
            return Err(TileError::Unavailable(format!(
                "answered '{content_type}', not an image"
            )));
        }
        let kept = Kept {
            content_type,
            fresh_until: self.clock.seconds() + seconds(lifetime),
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        };
        let body = crate::providers::read_body_within(response, MAX_TILE_BYTES)
            .await
            .map_err(|e| TileError::Unavailable(e.to_string()))?;
        Ok(Fetched::Tile { body, kept })
    }

    /// Spaces fetches `1 / fetches_per_second` apart; a fetch that would wait longer than
    /// [`LONGEST_WAIT`] is refused instead.
    async fn wait_for_turn(&self) -> Result<(), TileError> {
        let spacing = Duration::from_secs(1) / self.settings.fetches_per_second.max(1);
        let start = {
            let mut next = self.next_fetch.lock().unwrap_or_else(|p| p.into_inner());
            let now = tokio::time::Instant::now();
            let start = (*next).max(now);
            if start - now > LONGEST_WAIT {
                return Err(TileError::Busy);
            }
            *next = start + spacing;
            start
        };
        tokio::time::sleep_until(start).await;
        Ok(())
    }

    /// Keeps a tile (or only its new lifetime, `body` none) while the cache has room; a full
    /// cache is swept of expired tiles now and then, and meanwhile tiles are served unkept.
    async fn keep(&self, path: &Path, body: Option<&[u8]>, kept: &Kept) {
        let tile = path.with_extension("tile");
        let before = match tokio::fs::metadata(&tile).await {
            Ok(meta) => meta.len() + RECORD_BYTES,
            Err(_) => 0,
        };
        let after = body.map_or(before.max(RECORD_BYTES), |b| b.len() as u64 + RECORD_BYTES);
        let limit = self.settings.cache_limit_bytes;
        // Reserved before writing, so two tiles written at once cannot both pass the limit.
        let reserved = self
            .kept_bytes
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |total| {
                let total = total.saturating_sub(before) + after;
                (total <= limit).then_some(total)
            });
        if reserved.is_err() {
            self.sweep_now_and_then();
            return;
        }
        let written = async {
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            if let Some(body) = body {
                write_whole(&tile, body).await?;
            }
            let meta = serde_json::to_vec(kept).map_err(std::io::Error::other)?;
            write_whole(&path.with_extension("json"), &meta).await
        }
        .await;
        if let Err(error) = written {
            tracing::warn!(%error, path = %path.display(), "map tile not kept");
        }
    }

    /// Deletes the expired tiles (in the background, at most every [`SWEEP_EVERY`]) and
    /// counts what is left.
    fn sweep_now_and_then(&self) {
        {
            let mut last = self.last_sweep.lock().unwrap_or_else(|p| p.into_inner());
            let now = tokio::time::Instant::now();
            if last.is_some_and(|at| now.duration_since(at) < SWEEP_EVERY) {
                return;
            }
            *last = Some(now);
        }
        let (dir, now) = (self.settings.cache_dir.clone(), self.clock.seconds());
        let kept_bytes = Arc::clone(&self.kept_bytes);
        tokio::spawn(async move {
            if let Ok(left) = tokio::task::spawn_blocking(move || sweep(&dir, now)).await {
                kept_bytes.store(left, Ordering::SeqCst);
            }
        });
    }
}

enum Fetched {
    Tile {
        body: Vec<u8>,
        kept: Kept,
    },
    /// 304: the kept tile is still right, for this long.
    Unchanged(Duration),
}

impl CitySource {
    fn resting(&self) -> bool {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .resting_until
            .is_some_and(|until| until > tokio::time::Instant::now())
    }

    fn covers(&self, z: u32, x: u32, y: u32) -> bool {
        if z > MAX_ZOOM {
            return false;
        }
        let [west, south, east, north] = self.area;
        let (first_x, first_y) = tile_of(west, north, z);
        let (last_x, last_y) = tile_of(east, south, z);
        (first_x..=last_x).contains(&x) && (first_y..=last_y).contains(&y)
    }
}

/// The Web Mercator tile (column, row) holding a position at `zoom`.
fn tile_of(lon: f64, lat: f64, zoom: u32) -> (u32, u32) {
    let tiles = f64::from(1u32 << zoom);
    let column = (lon + 180.0) / 360.0 * tiles;
    let lat = lat.to_radians();
    let row = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * tiles;
    let last = tiles - 1.0;
    (
        column.floor().clamp(0.0, last) as u32,
        row.floor().clamp(0.0, last) as u32,
    )
}

/// How long a tile may be kept, from `Cache-Control: max-age` (a week when absent), within
/// [`SHORTEST_LIFETIME`] and [`LONGEST_LIFETIME`]; and whether it may be kept at all
/// (`no-store`).
fn lifetime(headers: &reqwest::header::HeaderMap) -> (Duration, bool) {
    let directives: Vec<String> = headers
        .get_all(reqwest::header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    let storable = !directives.iter().any(|d| d == "no-store");
    let max_age = directives
        .iter()
        .find_map(|d| d.strip_prefix("max-age=")?.parse::<u64>().ok())
        .map_or(DEFAULT_LIFETIME, Duration::from_secs);
    (max_age.clamp(SHORTEST_LIFETIME, LONGEST_LIFETIME), storable)
}

/// Whole seconds of a (clamped) lifetime.
fn seconds(lifetime: Duration) -> i64 {
    i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX / 2)
}

async fn read_kept(path: &Path) -> Option<(Vec<u8>, Kept)> {
    let meta = tokio::fs::read(path.with_extension("json")).await.ok()?;
    let kept: Kept = serde_json::from_slice(&meta).ok()?;
    let body = tokio::fs::read(path.with_extension("tile")).await.ok()?;
    Some((body, kept))
}

/// Writes beside the file, then renames: a reader never sees half a tile.
async fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let partial = path.with_extension(format!("part-{}", uuid::Uuid::new_v4().simple()));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, path).await
}

/// The bytes of the tiles kept under `dir` (read at start); what a write cut short left
/// (`.part-…`) is deleted.
fn size_of_dir(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => size_of_dir(&entry.path()),
            Ok(_) if is_partial(&entry.path()) => {
                let _ = std::fs::remove_file(entry.path());
                0
            }
            Ok(_) => entry.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

fn is_partial(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.starts_with("part-"))
}

/// Deletes every tile under `dir` whose lifetime ended before `now` (with its record) and
/// returns what the rest take.
fn sweep(dir: &Path, now: i64) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut left = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            left += sweep(&path, now);
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let expired = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Kept>(&bytes).ok())
            .is_none_or(|kept| kept.fresh_until < now);
        let tile = path.with_extension("tile");
        if expired {
            let _ = std::fs::remove_file(&tile);
            let _ = std::fs::remove_file(&path);
        } else {
            left += std::fs::metadata(&tile).map_or(0, |m| m.len()) + RECORD_BYTES;
        }
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Futian's civic centre at zoom 12 is tile 3345/1784, as OpenStreetMap's slippy-map
    /// arithmetic gives it.
    #[test]
    fn a_position_falls_in_its_tile() {
        assert_eq!(tile_of(114.0579, 22.5431, 12), (3345, 1784));
        assert_eq!(tile_of(-180.0, 85.0, 0), (0, 0));
    }

    #[test]
    fn only_the_citys_own_tiles_are_served() {
        let shenzhen = CitySource {
            template: String::new(),
            area: [113.7, 22.4, 114.7, 22.9],
            health: Mutex::default(),
        };
        assert!(shenzhen.covers(12, 3345, 1784));
        // Beijing's civic centre, and a zoom closer than any tile server draws.
        let (x, y) = tile_of(116.39, 39.9, 12);
        assert!(!shenzhen.covers(12, x, y));
        assert!(!shenzhen.covers(MAX_ZOOM + 1, 0, 0));
    }

    fn proxy(dir: &Path, limit: u64) -> TileProxy {
        let settings = TileProxySettings {
            cache_dir: dir.to_owned(),
            cache_limit_bytes: limit,
            fetches_per_second: 4,
            user_agent: "test".into(),
            timeout: Duration::from_secs(1),
        };
        TileProxy::new(&[], settings, Clock::adjustable()).expect("a proxy")
    }

    fn kept_until(fresh_until: i64) -> Kept {
        Kept {
            content_type: "image/png".into(),
            fresh_until,
            etag: None,
            last_modified: None,
        }
    }

    /// A tile kept again (a week on, or by two residents at once) is counted once, and a
    /// cache that is full keeps nothing more.
    #[tokio::test]
    async fn a_tile_kept_again_is_counted_once_and_a_full_cache_keeps_nothing_more() {
        let dir = tempfile::tempdir().expect("a dir");
        let proxy = proxy(dir.path(), 2_000);
        let path = dir.path().join("shenzhen/12/3345/1784");
        for _ in 0..3 {
            proxy.keep(&path, Some(&[0; 500]), &kept_until(10)).await;
        }
        assert_eq!(proxy.kept_bytes.load(Ordering::SeqCst), 500 + RECORD_BYTES);
        proxy.keep(&path, None, &kept_until(20)).await;
        assert_eq!(proxy.kept_bytes.load(Ordering::SeqCst), 500 + RECORD_BYTES);
        let other = dir.path().join("shenzhen/12/3346/1784");
        proxy.keep(&other, Some(&[0; 1_500]), &kept_until(10)).await;
        assert!(
            !other.with_extension("tile").exists(),
            "over the limit: not kept"
        );
        // Restarted, the proxy counts what is on disk.
        assert_eq!(
            size_of_dir(dir.path()),
            500 + std::fs::metadata(path.with_extension("json")).map_or(0, |m| m.len())
        );
    }

    #[test]
    fn a_sweep_deletes_expired_tiles_and_counts_the_rest() {
        let dir = tempfile::tempdir().expect("a dir");
        let write = |name: &str, fresh_until: i64| {
            let path = dir.path().join(name);
            std::fs::write(path.with_extension("tile"), [0; 100]).expect("tile");
            let record = serde_json::to_vec(&kept_until(fresh_until)).expect("json");
            std::fs::write(path.with_extension("json"), record).expect("record");
            path
        };
        let old = write("old", 50);
        let fresh = write("fresh", 500);
        assert_eq!(sweep(dir.path(), 100), 100 + RECORD_BYTES);
        assert!(!old.with_extension("tile").exists());
        assert!(fresh.with_extension("tile").exists());
    }

    #[test]
    fn the_lifetime_is_the_servers_max_age_or_a_week_within_bounds() {
        let headers = reqwest::header::HeaderMap::new();
        assert_eq!(lifetime(&headers), (DEFAULT_LIFETIME, true));
        let with = |value: &'static str| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(
                reqwest::header::CACHE_CONTROL,
                reqwest::header::HeaderValue::from_static(value),
            );
            lifetime(&headers)
        };
        assert_eq!(
            with("public, max-age=3600"),
            (Duration::from_secs(3600), true)
        );
        // Never asked again on every view, never kept for ever, never kept against orders.
        assert_eq!(with("no-cache, max-age=0"), (SHORTEST_LIFETIME, true));
        assert_eq!(with("max-age=99999999999999"), (LONGEST_LIFETIME, true));
        assert!(!with("No-Store").1);
    }
}
