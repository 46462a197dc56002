//! A jurisdiction's traffic cameras over Open511 (JSON): `GET cameras/` with its filters
//! (`jurisdiction`, `bbox`, `road_name`) page after page (`pagination.next_url`, on the
//! same server only), in the resident's language (`Accept-Language`), and each camera's
//! still picture from its `image/jpeg` media file. Every call passes the provider's guard.

pub mod wire;

use std::{sync::Arc, time::Duration};

use url::Url;

use crate::port::{
    Camera, CameraProvider, CameraQuery, Direction, Picture, PictureError, Road, Snapshot,
};
use model::{cameras::is_camera_id, Locale};
use portal_core::{
    config::{read_options, AdapterSpec},
    providers::{
        endpoint::{on_server, Answer, Endpoint, KeyIn},
        ProviderError, ProviderGuard, MAX_PROVIDER_BODY,
    },
};

/// `adapter = "open511"` in a city's config.
pub const ADAPTER: AdapterSpec = AdapterSpec {
    id: "open511",
    check_options,
};

/// A city's `[services.options]` for its cameras.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraOptions {
    /// The Open511 jurisdiction id (`shenzhen.example.cn`): only its cameras are asked for.
    #[serde(default)]
    pub jurisdiction: Option<String>,
}

impl CameraOptions {
    pub fn read(options: &toml::Table) -> Result<CameraOptions, String> {
        let options: CameraOptions = read_options(options)?;
        if let Some(jurisdiction) = &options.jurisdiction {
            if !is_jurisdiction_id(jurisdiction) {
                return Err(
                    "jurisdiction: an Open511 jurisdiction id, as `city.example.cn`".into(),
                );
            }
        }
        Ok(options)
    }
}

fn check_options(options: &toml::Table) -> Result<(), String> {
    CameraOptions::read(options).map(drop)
}

/// A list follows at most this many pages and keeps at most this many cameras.
const MAX_PAGES: usize = 20;
pub const MAX_CAMERAS: usize = 1000;
/// A page asks for this many cameras.
const PAGE: u32 = 100;
/// Names and descriptions are cut to this many characters.
const MAX_TEXT: usize = 120;
/// A picture larger than this is not a still for a phone: refused before it is read whole.
pub const MAX_PICTURE_BYTES: usize = 2 * 1024 * 1024;
/// Refresh intervals outside these bounds are taken as the nearest.
const MIN_REFRESH: Duration = Duration::from_secs(1);
const MAX_REFRESH: Duration = Duration::from_secs(3600);
/// When a media file does not say.
const DEFAULT_REFRESH: Duration = Duration::from_secs(60);

pub struct Open511 {
    endpoint: Endpoint,
    options: CameraOptions,
}

impl Open511 {
    pub fn new(
        http: reqwest::Client,
        base_url: Url,
        api_key: Option<String>,
        options: CameraOptions,
        guard: Arc<ProviderGuard>,
    ) -> Self {
        Open511 {
            endpoint: Endpoint::new(http, base_url, api_key, KeyIn::Bearer, guard),
            options,
        }
    }

    fn on_server(&self, link: &str) -> Result<Url, ProviderError> {
        self.endpoint.on_server(link)
    }

    /// A GET of `url` in `locale`, its answer read within `limit` bytes.
    async fn get(
        &self,
        url: Url,
        accept: &str,
        locale: Locale,
        limit: usize,
    ) -> Result<Answer, ProviderError> {
        let request = self
            .endpoint
            .request(reqwest::Method::GET, url, accept)
            .header(reqwest::header::ACCEPT_LANGUAGE, locale.tag());
        self.endpoint.send_within(request, limit).await
    }

    async fn list_page(&self, url: Url, locale: Locale) -> Result<wire::CameraList, ProviderError> {
        self.get(url, "application/json", locale, MAX_PROVIDER_BODY)
            .await?
            .success()?
            .json()
    }
}

#[async_trait::async_trait]
impl CameraProvider for Open511 {
    async fn cameras(
        &self,
        query: &CameraQuery,
        locale: Locale,
    ) -> Result<Vec<Camera>, ProviderError> {
        let mut url = self.on_server("cameras/")?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("format", "json");
            pairs.append_pair("limit", &PAGE.to_string());
            if let Some(jurisdiction) = &self.options.jurisdiction {
                pairs.append_pair("jurisdiction", jurisdiction);
            }
            if let Some([west, south, east, north]) = query.bbox {
                pairs.append_pair("bbox", &format!("{west},{south},{east},{north}"));
            }
            if let Some(road) = &query.road {
                pairs.append_pair("road_name", road);
            }
        }
        let mut cameras: Vec<Camera> = Vec::new();
        for _ in 0..MAX_PAGES {
            let page = self
                .endpoint
                .guarded("cameras", self.list_page(url, locale))
                .await?;
            for camera in page.cameras {
                // Only the configured jurisdiction's: another's ids could be the same.
                let theirs =
                    self.options.jurisdiction.as_deref().is_none_or(|ours| {
                        camera.id.split_once('/').is_some_and(|(j, _)| j == ours)
                    });
                let read = read_camera(self.endpoint.base(), camera).and_then(|c| {
                    if !theirs {
                        Err(format!("camera {} is another jurisdiction's", c.id))
                    } else if cameras.iter().any(|known| known.id == c.id) {
                        Err(format!("camera {} is listed twice", c.id))
                    } else {
                        Ok(c)
                    }
                });
                match read {
                    Ok(camera) => cameras.push(camera),
                    // One bad camera costs only itself.
                    Err(problem) => tracing::warn!(%problem, "camera skipped"),
                }
                if cameras.len() >= MAX_CAMERAS {
                    return Ok(cameras);
                }
            }
            match page.pagination.and_then(|p| p.next_url) {
                None => return Ok(cameras),
                Some(next) => url = self.on_server(&next)?,
            }
        }
        Err(ProviderError::Malformed(
            "the camera list has too many pages".into(),
        ))
    }

    async fn picture(&self, snapshot: &Snapshot) -> Result<Picture, PictureError> {
        let fetch = async {
            let response = self
                .get(
                    snapshot.url.clone(),
                    "image/jpeg",
                    Locale::default(),
                    MAX_PICTURE_BYTES,
                )
                .await?;
            if matches!(response.status.as_u16(), 404 | 410) {
                return Ok(None);
            }
            let response = response.success()?;
            let taken_at = response
                .header(reqwest::header::LAST_MODIFIED)
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .and_then(|at| jiff::Timestamp::try_from(at).ok());
            let bytes = response.body;
            Ok(Some(Picture { bytes, taken_at }))
        };
        match self.endpoint.guarded("picture", fetch).await? {
            Some(picture) => Ok(picture),
            None => Err(PictureError::Offline),
        }
    }
}

/// A camera as the portal keeps it, from the provider's at `base_url`; `Err` says what is
/// wrong with it.
pub fn read_camera(base_url: &Url, camera: wire::Camera) -> Result<Camera, String> {
    let id = local_id(&camera.id).ok_or_else(|| format!("bad camera id {:?}", camera.id))?;
    let (lon, lat) = match (
        camera.geography.kind.as_str(),
        camera.geography.coordinates.as_slice(),
    ) {
        ("Point", [lon, lat, ..]) if lon.abs() <= 180.0 && lat.abs() <= 90.0 => (*lon, *lat),
        _ => return Err(format!("camera {id}: its geography is not a point")),
    };
    let media = camera
        .media_files
        .iter()
        .find(|m| m.media_type.eq_ignore_ascii_case("image/jpeg"))
        .ok_or_else(|| format!("camera {id}: no image/jpeg media file"))?;
    let url = on_server(base_url, &media.url).map_err(|e| format!("camera {id}: {e}"))?;
    let refresh = media
        .refresh_interval
        .map_or(DEFAULT_REFRESH, |s| Duration::from_secs(u64::from(s)))
        .clamp(MIN_REFRESH, MAX_REFRESH);
    let name = cut(&camera.name);
    if name.trim().is_empty() {
        return Err(format!("camera {id}: no name"));
    }
    Ok(Camera {
        id,
        name,
        description: camera
            .description
            .as_deref()
            .map(cut)
            .filter(|d| !d.trim().is_empty()),
        lat,
        lon,
        roads: camera
            .roads
            .iter()
            .take(4)
            .filter(|r| !r.name.trim().is_empty())
            .map(|r| Road {
                name: cut(&r.name),
                direction: r.direction.as_deref().and_then(Direction::from_code),
            })
            .collect(),
        snapshot: Snapshot { url, refresh },
    })
}

fn cut(text: &str) -> String {
    portal_core::plain_text::provider_text(text, MAX_TEXT)
}

/// Open511's jurisdiction id: `[a-z0-9][a-z0-9-]*\.[a-z0-9.-]{2,}`.
fn is_jurisdiction_id(id: &str) -> bool {
    let Some((first, rest)) = id.split_once('.') else {
        return false;
    };
    id.len() <= 100
        && first.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && first
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && rest.len() >= 2
        && rest
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
}

/// The camera's own part of an Open511 id (`{jurisdiction}/{camera}`), if the id is well
/// formed: at most 64 of `[A-Za-z0-9_.-]`, so it is safe in the portal's paths.
pub fn local_id(open511_id: &str) -> Option<String> {
    let (jurisdiction, camera) = open511_id.split_once('/')?;
    (is_jurisdiction_id(jurisdiction) && is_camera_id(camera)).then(|| camera.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_fetched_only_from_the_providers_own_server() {
        let base = Url::parse("https://open511.example.cn/sz/").expect("url");
        let camera = |media: &str| wire::Camera {
            id: "sz.example.cn/a-1".into(),
            url: None,
            jurisdiction_url: None,
            name: "A".into(),
            description: None,
            geography: wire::Geometry {
                kind: "Point".into(),
                coordinates: vec![114.05, 22.54],
            },
            media_files: vec![wire::MediaFile {
                url: media.into(),
                media_type: "image/jpeg".into(),
                width: None,
                height: None,
                refresh_interval: Some(0),
            }],
            roads: Vec::new(),
        };
        let read = read_camera(&base, camera("/sz/cameras/a-1/snapshot.jpg")).expect("read");
        assert_eq!(
            read.snapshot.url.as_str(),
            "https://open511.example.cn/sz/cameras/a-1/snapshot.jpg"
        );
        assert_eq!(read.snapshot.refresh, MIN_REFRESH, "bounded");
        for elsewhere in [
            "http://169.254.169.254/latest/meta-data",
            "https://open511.example.cn.evil.example/a.jpg",
            "//localhost:5432/",
        ] {
            assert!(
                read_camera(&base, camera(elsewhere)).is_err(),
                "{elsewhere}"
            );
        }
    }

    #[test]
    fn a_cameras_words_lose_what_would_reorder_or_hide_them() {
        let base = Url::parse("https://open511.example.cn/sz/").expect("url");
        let camera = wire::Camera {
            id: "sz.example.cn/a-1".into(),
            url: None,
            jurisdiction_url: None,
            name: "Futian\u{202E}gpj.exe".into(),
            description: Some("north\u{2066}bound\u{7}".into()),
            geography: wire::Geometry {
                kind: "Point".into(),
                coordinates: vec![114.05, 22.54],
            },
            media_files: vec![wire::MediaFile {
                url: "/sz/cameras/a-1/snapshot.jpg".into(),
                media_type: "image/jpeg".into(),
                width: None,
                height: None,
                refresh_interval: None,
            }],
            roads: vec![wire::Road {
                name: "Shennan\u{200F} Road".into(),
                direction: None,
            }],
        };
        let read = read_camera(&base, camera).expect("read");
        assert_eq!(read.name, "Futiangpj.exe");
        assert_eq!(read.description.as_deref(), Some("northbound"));
        assert_eq!(read.roads[0].name, "Shennan Road");
    }

    #[test]
    fn ids_are_open511s_and_safe_in_a_path() {
        assert_eq!(
            local_id("shenzhen.example.cn/futian-1"),
            Some("futian-1".into())
        );
        for bad in [
            "futian-1",
            "Shenzhen.cn/x",
            "shenzhen/x",
            "shenzhen.cn/",
            "shenzhen.cn/a/b",
            "shenzhen.cn/..",
            "shenzhen.cn/a b",
        ] {
            assert_eq!(local_id(bad), None, "{bad}");
        }
        assert!(CameraOptions::read(&toml::toml! { jurisdiction = "sz.example.cn" }).is_ok());
        assert!(CameraOptions::read(&toml::toml! { jurisdiction = "not an id" }).is_err());
        assert!(CameraOptions::read(&toml::toml! { other = 1 }).is_err());
    }
}
