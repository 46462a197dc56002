//! City configuration: one TOML file per city under `config/cities/`, each naming a GeoJSON
//! file of its districts and the providers of its services.
//!
//! Everything is checked at start-up; the first problem stops the server with a message that
//! names the file, the city and the field, so an integrator can fix it without guessing.

use std::{
    collections::{HashMap, HashSet},
    fmt,
    path::{Path, PathBuf},
    time::Duration,
};

use geo::{LineString, MultiPolygon, Polygon};
use serde::{de::DeserializeOwned, Deserialize};
use url::Url;

use model::{LocalizedName, ServiceKind};

use crate::{privacy::PersonalField, regions::Region};

/// A configuration problem, located precisely.
#[derive(Debug, thiserror::Error)]
#[error("{file}: city '{city}', field '{field}': {problem}")]
pub struct ConfigError {
    pub file: PathBuf,
    pub city: String,
    pub field: String,
    pub problem: String,
}

/// A city, checked and ready to serve.
#[derive(Clone, Debug)]
pub struct CityConfig {
    pub id: String,
    pub name: LocalizedName,
    pub time_zone: jiff::tz::TimeZone,
    pub regions: Vec<Region>,
    pub services: Vec<ServiceConfig>,
    /// Raster tiles drawn beneath the city's map, when configured.
    pub map_tiles: Option<MapTiles>,
    /// The address search over the city's map (`[places]`), when configured.
    pub places: Option<PlacesConfig>,
    /// Each service's own settings for the city (`[settings.air]`), checked by its
    /// [`ServiceSpec::check_settings`]; see [`CityConfig::settings`].
    pub service_settings: HashMap<ServiceKind, toml::Table>,
}

impl CityConfig {
    /// A service's own settings for the city, empty when the file has none.
    pub fn settings(&self, kind: ServiceKind) -> &toml::Table {
        static NONE: std::sync::LazyLock<toml::Table> = std::sync::LazyLock::new(toml::Table::new);
        self.service_settings.get(&kind).unwrap_or(&NONE)
    }
}

/// A slippy-map tile server: `url` holds `{z}`, `{x}` and `{y}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapTiles {
    pub url: String,
    /// Shown under the map, as the tiles' licence asks.
    pub attribution: String,
    /// The datum the tiles are drawn in (`coordinates`, default `wgs84`).
    pub datum: model::account::Datum,
    /// The variable holding the key the URL's `{key}` stands for (Tianditu's `tk`,
    /// AutoNavi's `key`): keys stay out of files, and the tile proxy keeps them from
    /// browsers.
    pub api_key_env: Option<String>,
}

/// A geocoder (`[places]`): finds places by name and names the place nearest a pin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacesConfig {
    /// The adapter's id: `nominatim` (the only one so far).
    pub adapter: &'static str,
    pub base_url: Url,
    pub timeout: Duration,
}

/// The geocoding adapters there are.
pub const PLACES_ADAPTERS: &[&str] = &[crate::maps::nominatim::ADAPTER];

/// One service of a city, and the provider that serves it.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    pub service: ServiceKind,
    /// Names the provider in metrics, logs and breaker state; unique across all cities.
    pub provider_id: String,
    /// The adapter's id (`openaq-v3`), one of its service's [`AdapterSpec`]s.
    pub adapter: &'static str,
    pub base_url: Url,
    /// The name of the environment variable holding the API key; the key never sits in a file.
    pub api_key_env: Option<String>,
    pub timeout: Duration,
    /// Region ids the service is enabled in by config (admins may override).
    pub regions: Vec<String>,
    /// How often the provider may post announcements to residents.
    pub account: AccountType,
    /// The adapter's own settings (`[services.options]`), checked by its
    /// [`AdapterSpec::check_options`] and read with [`read_options`].
    pub options: toml::Table,
}

/// What config knows of a kind of service. Each service declares one; the server's catalog
/// lists them, so the loader itself names no service.
#[derive(Clone, Copy, Debug)]
pub struct ServiceSpec {
    pub kind: ServiceKind,
    /// May a city give it several providers (incident desks, routed by district and
    /// category)? Otherwise one per city.
    pub several_providers: bool,
    /// What its providers may be sent about a resident, with consent.
    pub personal_fields: &'static [PersonalField],
    pub adapters: &'static [AdapterSpec],
    /// The kinds of its one-off jobs (its hand-offs to providers), so that `/metrics`
    /// shows each one's queue, empty or not.
    pub job_kinds: &'static [&'static str],
    /// Reads a city's `[settings.<service>]` table, whatever adapter serves it; the problem
    /// names the setting at fault.
    pub check_settings: fn(&toml::Table) -> Result<(), String>,
}

/// An adapter as config names it, with the check of its own options table.
#[derive(Clone, Copy, Debug)]
pub struct AdapterSpec {
    pub id: &'static str,
    /// Reads the entry's `options`; the problem names the option at fault.
    pub check_options: fn(&toml::Table) -> Result<(), String>,
}

/// Every service and built-in simulator the portal was built with.
#[derive(Clone, Copy)]
pub struct Known {
    pub services: &'static [&'static crate::service::Registration],
    /// Simulators of the shared machinery a `base_url` may name (`simulator:NAME`), besides
    /// the services' own.
    pub shared_simulators: &'static [&'static str],
}

impl std::fmt::Debug for Known {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Known")
            .field(
                "services",
                &self.specs().map(|s| s.kind).collect::<Vec<_>>(),
            )
            .field("simulators", &self.simulators())
            .finish()
    }
}

impl Known {
    pub fn specs(&self) -> impl Iterator<Item = &'static ServiceSpec> + Clone {
        self.services.iter().map(|service| &service.spec)
    }

    pub fn service(&self, kind: ServiceKind) -> Option<&'static ServiceSpec> {
        self.specs().find(|spec| spec.kind == kind)
    }

    /// Every simulator a `base_url` may name: the services' and the shared ones.
    pub fn simulators(&self) -> Vec<&'static str> {
        self.services
            .iter()
            .flat_map(|service| service.simulators.iter().map(|offer| offer.name))
            .chain(self.shared_simulators.iter().copied())
            .collect()
    }

    /// What a service's providers may be sent about a resident (nothing, if unknown).
    pub fn personal_fields(&self, kind: ServiceKind) -> &'static [PersonalField] {
        self.service(kind).map_or(&[], |spec| spec.personal_fields)
    }

    /// Every service's one-off job kinds.
    pub fn job_kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.specs().flat_map(|spec| spec.job_kinds.iter().copied())
    }
}

/// An adapter's options as its own type; fields it does not know are refused.
pub fn read_options<T: DeserializeOwned>(options: &toml::Table) -> Result<T, String> {
    toml::Value::Table(options.clone())
        .try_into()
        .map_err(|e: toml::de::Error| e.message().trim().to_owned())
}

/// The settings check of a service that takes none.
pub fn no_settings(settings: &toml::Table) -> Result<(), String> {
    match settings.keys().next() {
        Some(key) => Err(format!("unknown setting '{key}': this service takes none")),
        None => Ok(()),
    }
}

/// The options check of an adapter that takes none.
pub fn no_options(options: &toml::Table) -> Result<(), String> {
    match options.keys().next() {
        Some(key) => Err(format!("unknown option '{key}': this adapter takes none")),
        None => Ok(()),
    }
}

/// A provider's announcement allowance, as WeChat sets it for official accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountType {
    /// At most 4 announcements per calendar month.
    Service,
    /// At most 1 announcement per calendar day.
    Subscription,
}

impl AccountType {
    pub fn id(self) -> &'static str {
        match self {
            AccountType::Service => "service",
            AccountType::Subscription => "subscription",
        }
    }
}

/// Where a built-in simulator is wanted instead of a real provider.
pub const SIMULATOR_SCHEME: &str = "simulator";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CityFile {
    id: String,
    name: NameFile,
    time_zone: String,
    regions_file: PathBuf,
    /// Service id → that service's own settings for the city.
    #[serde(default)]
    settings: toml::Table,
    #[serde(default)]
    services: Vec<ServiceFile>,
    map: Option<MapFile>,
    places: Option<PlacesFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlacesFile {
    adapter: String,
    base_url: String,
    #[serde(default = "default_timeout_ms")]
    timeout_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    tiles: String,
    attribution: String,
    /// `wgs84` (OpenStreetMap and most tile servers, the default) or `gcj02` (AutoNavi/Amap,
    /// Tencent).
    coordinates: Option<String>,
    /// Names the variable that `{key}` in `tiles` stands for.
    api_key_env: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameFile {
    zh: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceFile {
    service: String,
    provider: String,
    adapter: String,
    base_url: String,
    api_key_env: Option<String>,
    #[serde(default = "default_timeout_ms")]
    timeout_ms: u64,
    /// Region ids, or `["*"]` for every region of the city.
    regions: Vec<String>,
    /// "service" (4 announcements a month, the default) or "subscription" (1 a day).
    account: Option<String>,
    /// The adapter's own table, checked by the adapter.
    #[serde(default)]
    options: toml::Table,
}

fn default_timeout_ms() -> u64 {
    3_000
}

/// Loads every `*.toml` under `dir/cities`, in file name order, knowing the services,
/// adapters and simulators in `known`.
pub fn load_cities(dir: &Path, known: &Known) -> Result<Vec<CityConfig>, ConfigError> {
    let cities_dir = dir.join("cities");
    let unreadable = |problem: String| ConfigError {
        file: cities_dir.clone(),
        city: "-".into(),
        field: "-".into(),
        problem,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&cities_dir)
        .map_err(|e| unreadable(format!("cannot read the directory: {e}")))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(unreadable("no city files (*.toml) found".into()));
    }

    let mut cities = Vec::new();
    let mut seen_cities = HashSet::new();
    let mut seen_providers = HashSet::new();
    for file in files {
        let city = load_city(&file, known)?;
        let fail = |field: &str, problem: String| ConfigError {
            file: file.clone(),
            city: city.id.clone(),
            field: field.into(),
            problem,
        };
        if !seen_cities.insert(city.id.clone()) {
            return Err(fail("id", "another city file has the same id".into()));
        }
        for (i, service) in city.services.iter().enumerate() {
            if !seen_providers.insert(service.provider_id.clone()) {
                return Err(fail(
                    &format!("services[{i}].provider"),
                    format!(
                        "provider id '{}' is used twice; each must be unique",
                        service.provider_id
                    ),
                ));
            }
        }
        cities.push(city);
    }
    Ok(cities)
}

/// The longest a provider call may be given (`timeout_ms`).
pub const MAX_TIMEOUT_MS: u64 = 20_000;

/// A city file is a page of TOML; a region file a few megabytes of polygons at most. Both
/// are read whole, so both are bounded first.
pub const MAX_CITY_FILE: u64 = 1024 * 1024;
pub const MAX_REGION_FILE: u64 = 32 * 1024 * 1024;

/// A file's text, refused when larger than `max`.
fn read_bounded(path: &Path, max: u64) -> Result<String, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read the file: {e}"))?
        .len();
    if size > max {
        return Err(format!(
            "the file has {size} bytes, more than the {max} a file of its kind may have"
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read the file: {e}"))
}

/// Loads and checks one city file and its regions.
pub fn load_city(file: &Path, known: &Known) -> Result<CityConfig, ConfigError> {
    let text = read_bounded(file, MAX_CITY_FILE).map_err(|problem| ConfigError {
        file: file.to_owned(),
        city: "-".into(),
        field: "-".into(),
        problem,
    })?;
    parse_city(file, &text, known, load_regions)
}

/// Checks the text of the city file `file`, whose region file `regions` reads (given its
/// path, relative to the city file's folder).
pub fn parse_city(
    file: &Path,
    text: &str,
    known: &Known,
    regions: impl Fn(&Path) -> Result<Vec<Region>, RegionFileError>,
) -> Result<CityConfig, ConfigError> {
    let fail = |city: &str, field: &str, problem: String| ConfigError {
        file: file.to_owned(),
        city: city.to_owned(),
        field: field.to_owned(),
        problem,
    };
    let raw: CityFile = toml::from_str(text).map_err(|e| {
        let field = e
            .span()
            .map_or_else(|| "-".to_owned(), |span| field_at(text, span.start));
        let mut problem = e.message().trim().to_owned();
        // Adapter settings once sat beside the common fields (`categories`, `jurisdiction`).
        // A service entry's fields are the ones that end in `options`.
        if problem.starts_with("unknown field") && problem.ends_with("`options`") {
            problem.push_str("; an adapter's own settings go under [services.options]");
        }
        // The AQI scale once sat among the city's own fields.
        if problem.starts_with("unknown field `aqi_scale`") {
            problem.push_str("; it is air quality's setting: [settings.air] aqi_scale = …");
        }
        fail(&id_in(text), &field, problem)
    })?;
    let city = raw.id.as_str();

    if !model::prefs::is_id(city) {
        return Err(fail(
            city,
            "id",
            "use lowercase letters, digits and dashes".into(),
        ));
    }
    for (field, value) in [("name.zh", &raw.name.zh), ("name.en", &raw.name.en)] {
        if value.trim().is_empty() {
            return Err(fail(city, field, "must not be empty".into()));
        }
    }
    let time_zone = jiff::tz::TimeZone::get(&raw.time_zone)
        .map_err(|e| fail(city, "time_zone", format!("unknown time zone: {e}")))?;

    let regions_path = file
        .parent()
        .unwrap_or(Path::new("."))
        .join(&raw.regions_file);
    let regions = regions(&regions_path).map_err(|problem| {
        fail(
            city,
            "regions_file",
            format!("{}: {problem}", regions_path.display()),
        )
    })?;

    let region_ids: HashSet<&str> = regions.iter().map(|r| r.id.as_str()).collect();
    let mut services = Vec::new();
    for (i, service) in raw.services.into_iter().enumerate() {
        let field = |name: &str| format!("services[{i}].{name}");
        let spec = ServiceKind::from_id(&service.service)
            .and_then(|kind| known.service(kind))
            .ok_or_else(|| {
                fail(
                    city,
                    &field("service"),
                    format!(
                        "unknown service '{}' (known: {})",
                        service.service,
                        known
                            .services
                            .iter()
                            .map(|s| s.spec.kind.id())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
        let kind = spec.kind;
        if !spec.several_providers && services.iter().any(|s: &ServiceConfig| s.service == kind) {
            return Err(fail(
                city,
                &field("service"),
                format!(
                    "'{}' is configured twice; a city has one provider per service",
                    service.service
                ),
            ));
        }
        let adapter = spec
            .adapters
            .iter()
            .find(|adapter| adapter.id == service.adapter)
            .ok_or_else(|| {
                let every = known.specs().flat_map(|s| s.adapters);
                let problem = if every.clone().any(|a| a.id == service.adapter) {
                    format!(
                        "adapter '{}' does not serve '{}'",
                        service.adapter, service.service
                    )
                } else {
                    format!(
                        "unknown adapter kind '{}' (known: {})",
                        service.adapter,
                        every.map(|a| a.id).collect::<Vec<_>>().join(", ")
                    )
                };
                fail(city, &field("adapter"), problem)
            })?;
        (adapter.check_options)(&service.options)
            .map_err(|problem| fail(city, &field("options"), problem))?;
        let base_url = parse_base_url(&service.base_url, &known.simulators())
            .map_err(|problem| fail(city, &field("base_url"), problem))?;
        if let Some(variable) = &service.api_key_env {
            if std::env::var(variable).map_or(true, |v| v.is_empty()) {
                return Err(fail(
                    city,
                    &field("api_key_env"),
                    format!("environment variable {variable} is not set"),
                ));
            }
        }
        if !model::prefs::is_id(&service.provider) {
            return Err(fail(
                city,
                &field("provider"),
                "use lowercase letters, digits and dashes".into(),
            ));
        }
        // Under every request's own deadline (30 s), so that a provider's timeout, which
        // its breaker counts, always ends a hung call first.
        if service.timeout_ms == 0 || service.timeout_ms > MAX_TIMEOUT_MS {
            return Err(fail(
                city,
                &field("timeout_ms"),
                format!("must be between 1 and {MAX_TIMEOUT_MS}"),
            ));
        }
        let regions = if service.regions == ["*"] {
            regions.iter().map(|r| r.id.clone()).collect()
        } else {
            for region in &service.regions {
                if !region_ids.contains(region.as_str()) {
                    return Err(fail(
                        city,
                        &field("regions"),
                        format!("unknown region '{region}'"),
                    ));
                }
            }
            service.regions
        };
        let account = match service.account.as_deref() {
            None | Some("service") => AccountType::Service,
            Some("subscription") => AccountType::Subscription,
            Some(other) => {
                return Err(fail(
                    city,
                    &field("account"),
                    format!("'{other}' is not 'service' or 'subscription'"),
                ))
            }
        };
        services.push(ServiceConfig {
            options: service.options,
            account,
            service: kind,
            provider_id: service.provider,
            adapter: adapter.id,
            base_url,
            api_key_env: service.api_key_env,
            timeout: Duration::from_millis(service.timeout_ms),
            regions,
        });
    }

    let mut service_settings = HashMap::new();
    for (service, settings) in raw.settings {
        let field = format!("settings.{service}");
        let spec = ServiceKind::from_id(&service)
            .and_then(|kind| known.service(kind))
            .ok_or_else(|| {
                let every: Vec<&str> = known.specs().map(|s| s.kind.id()).collect();
                let problem = format!("unknown service '{service}' (known: {})", every.join(", "));
                fail(city, &field, problem)
            })?;
        // Settings for a service the city does not offer would be read by nothing.
        if !services.iter().any(|s| s.service == spec.kind) {
            let problem = format!("the city has no [[services]] entry for '{service}'");
            return Err(fail(city, &field, problem));
        }
        let toml::Value::Table(settings) = settings else {
            return Err(fail(city, &field, "must be a table".into()));
        };
        (spec.check_settings)(&settings).map_err(|problem| fail(city, &field, problem))?;
        service_settings.insert(spec.kind, settings);
    }

    let map_tiles = raw
        .map
        .map(|map| {
            let datum = match map.coordinates.as_deref() {
                None => Ok(model::account::Datum::Wgs84),
                Some(id) => model::account::Datum::from_id(id).ok_or_else(|| {
                    let problem = if id == "bd09" {
                        "Baidu's tiles (bd09) are cut on a grid of their own, not the {z}/{x}/{y} \
                         Web Mercator one: use a wgs84 or gcj02 tile service"
                            .to_owned()
                    } else {
                        format!("unknown coordinates '{id}' (known: wgs84, gcj02)")
                    };
                    fail(city, "map.coordinates", problem)
                }),
            }?;
            let mut tiles = parse_tiles(&map.tiles, &map.attribution, datum)
                .map_err(|problem| fail(city, "map.tiles", problem))?;
            match (&map.api_key_env, tiles.url.contains("{key}")) {
                (Some(variable), true) => {
                    if std::env::var(variable).map_or(true, |v| v.is_empty()) {
                        let problem = format!("environment variable {variable} is not set");
                        return Err(fail(city, "map.api_key_env", problem));
                    }
                    tiles.api_key_env = Some(variable.clone());
                }
                (None, false) => {}
                (Some(_), false) => {
                    let problem = "the tile URL has no {key} for the key to go in".to_owned();
                    return Err(fail(city, "map.api_key_env", problem));
                }
                (None, true) => {
                    let problem = "the tile URL holds {key}: name its variable in map.api_key_env";
                    return Err(fail(city, "map.tiles", problem.to_owned()));
                }
            }
            Ok(tiles)
        })
        .transpose()?;

    let places = raw
        .places
        .map(|places| {
            let adapter = PLACES_ADAPTERS
                .iter()
                .find(|known| **known == places.adapter)
                .ok_or_else(|| {
                    let problem = format!(
                        "unknown adapter '{}' (known: {})",
                        places.adapter,
                        PLACES_ADAPTERS.join(", ")
                    );
                    fail(city, "places.adapter", problem)
                })?;
            let base_url = parse_base_url(&places.base_url, &known.simulators())
                .map_err(|problem| fail(city, "places.base_url", problem))?;
            Ok(PlacesConfig {
                adapter,
                base_url,
                timeout: Duration::from_millis(places.timeout_ms),
            })
        })
        .transpose()?;

    Ok(CityConfig {
        map_tiles,
        places,
        id: raw.id,
        name: LocalizedName {
            zh: raw.name.zh,
            en: raw.name.en,
        },
        time_zone,
        regions,
        services,
        service_settings,
    })
}

fn parse_tiles(
    url: &str,
    attribution: &str,
    datum: model::account::Datum,
) -> Result<MapTiles, String> {
    for placeholder in ["{z}", "{x}", "{y}"] {
        if !url.contains(placeholder) {
            return Err(format!("the tile URL must hold {placeholder}"));
        }
    }
    let parsed = Url::parse(&url.replace(['{', '}'], "")).map_err(|e| format!("not a URL: {e}"))?;
    if parsed.scheme() != "https" && parsed.host_str() != Some("127.0.0.1") {
        return Err("tiles must come over https".into());
    }
    if attribution.trim().is_empty() {
        return Err("name the tiles' source in map.attribution, as their licence asks".into());
    }
    Ok(MapTiles {
        url: url.to_owned(),
        attribution: attribution.trim().to_owned(),
        datum,
        api_key_env: None,
    })
}

/// The key at the line of a TOML parse error, as `line N (key)`.
fn field_at(text: &str, offset: usize) -> String {
    let line_number = text.get(..offset).unwrap_or(text).matches('\n').count() + 1;
    let line = text.lines().nth(line_number - 1).unwrap_or_default();
    let key = line.split('=').next().unwrap_or_default().trim();
    if key.is_empty() || key.starts_with('[') {
        format!("line {line_number}")
    } else {
        format!("{key} (line {line_number})")
    }
}

/// The city id of a file that did not parse, if it can be seen at all.
fn id_in(text: &str) -> String {
    text.lines()
        .find_map(|line| line.trim().strip_prefix("id"))
        .and_then(|rest| rest.trim().strip_prefix('='))
        .map_or_else(|| "-".to_owned(), |v| v.trim().trim_matches('"').to_owned())
}

fn parse_base_url(raw: &str, simulators: &[&str]) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("not a valid URL '{raw}': {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("credentials do not belong in a URL: name a variable in api_key_env".into());
    }
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        SIMULATOR_SCHEME if simulators.contains(&url.path()) => Ok(url),
        SIMULATOR_SCHEME => Err(format!(
            "no built-in simulator '{}' (there are: {})",
            url.path(),
            simulators.join(", ")
        )),
        _ => Err(format!(
            "'{raw}' must be an http(s) URL, or '{SIMULATOR_SCHEME}:NAME' for a built-in simulator"
        )),
    }
}

/// Reads a GeoJSON FeatureCollection of districts: each feature a Polygon or MultiPolygon
/// with properties `id`, `name_zh`, `name_en`.
pub fn load_regions(path: &Path) -> Result<Vec<Region>, RegionFileError> {
    let text = read_bounded(path, MAX_REGION_FILE).map_err(RegionFileError::Unreadable)?;
    parse_regions(&text)
}

/// Checks the text of a region file (see [`load_regions`]).
pub fn parse_regions(text: &str) -> Result<Vec<Region>, RegionFileError> {
    let collection: geojson::FeatureCollection = text
        .parse::<geojson::GeoJson>()
        .map_err(|e| RegionFileError::NotGeoJson(e.to_string()))?
        .try_into()
        .map_err(|_| RegionFileError::NotGeoJson("expected a FeatureCollection".into()))?;

    let mut regions = Vec::new();
    let mut seen = HashSet::new();
    for (i, feature) in collection.features.iter().enumerate() {
        let property = |name: &str| {
            feature
                .property(name)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .ok_or_else(|| RegionFileError::Feature {
                    index: i,
                    field: format!("properties.{name}"),
                    problem: "missing or not a string".into(),
                })
        };
        let id = property("id")?;
        if !model::prefs::is_id(&id) || !seen.insert(id.clone()) {
            return Err(RegionFileError::Feature {
                index: i,
                field: "properties.id".into(),
                problem: format!("'{id}' is not a unique lowercase id"),
            });
        }
        let name = LocalizedName {
            zh: property("name_zh")?,
            en: property("name_en")?,
        };
        let geometry = feature
            .geometry
            .as_ref()
            .ok_or_else(|| RegionFileError::Feature {
                index: i,
                field: "geometry".into(),
                problem: "missing".into(),
            })?;
        let boundary = to_multipolygon(&geometry.value).map_err(|(field, problem)| {
            RegionFileError::Feature {
                index: i,
                field: format!("geometry.{field}"),
                problem: format!("region '{id}': {problem}"),
            }
        })?;
        regions.push(Region { id, name, boundary });
    }
    if regions.is_empty() {
        return Err(RegionFileError::NotGeoJson("no regions in the file".into()));
    }
    Ok(regions)
}

/// What is wrong with a region file.
#[derive(Debug, thiserror::Error)]
pub enum RegionFileError {
    #[error("{0}")]
    Unreadable(String),
    #[error("not a GeoJSON FeatureCollection: {0}")]
    NotGeoJson(String),
    #[error("features[{index}].{field}: {problem}")]
    Feature {
        index: usize,
        field: String,
        problem: String,
    },
}

type Ring = Vec<Vec<f64>>;

fn to_multipolygon(value: &geojson::Value) -> Result<MultiPolygon<f64>, (String, String)> {
    let polygons: Vec<&Vec<Ring>> = match value {
        geojson::Value::Polygon(rings) => vec![rings],
        geojson::Value::MultiPolygon(polygons) => polygons.iter().collect(),
        _ => return Err(("type".into(), "must be a Polygon or MultiPolygon".into())),
    };
    let mut out = Vec::new();
    for (p, rings) in polygons.into_iter().enumerate() {
        let mut checked = Vec::new();
        for (r, ring) in rings.iter().enumerate() {
            let field = format!("coordinates[{p}][{r}]");
            checked.push(to_ring(ring).map_err(|problem| (field, problem))?);
        }
        let mut rings = checked.into_iter();
        let exterior = rings.next().ok_or_else(|| {
            (
                format!("coordinates[{p}]"),
                "a polygon needs a ring".to_owned(),
            )
        })?;
        out.push(Polygon::new(exterior, rings.collect()));
    }
    if out.is_empty() {
        return Err((
            "coordinates".into(),
            "a region needs at least one polygon".into(),
        ));
    }
    Ok(MultiPolygon::new(out))
}

fn to_ring(ring: &Ring) -> Result<LineString<f64>, String> {
    let mut points = Vec::with_capacity(ring.len());
    for position in ring {
        let [lon, lat] = position.as_slice()[..2.min(position.len())] else {
            return Err("a position needs longitude and latitude".into());
        };
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(format!(
                "position ({lon}, {lat}) is not a longitude/latitude"
            ));
        }
        points.push((lon, lat));
    }
    if points.len() < 4 {
        return Err("a ring needs at least 4 positions".into());
    }
    if points.first() != points.last() {
        return Err("ring is not closed: its last position must equal its first".into());
    }
    Ok(LineString::from(points))
}

impl fmt::Display for ServiceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} via {} ({})",
            self.service.id(),
            self.provider_id,
            self.adapter
        )
    }
}
