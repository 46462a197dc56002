//! Process settings from the environment. City config lives in files (see `config`);
//! secrets only ever in the environment.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::Context;
use url::Url;

pub use crate::secrets::Secret;
use crate::{
    clock::Clock, http::serve::Timeouts, providers::breaker::BreakerPolicy,
    service::ServiceSettings,
};

#[derive(Clone, Debug)]
pub struct Settings {
    /// `BIND` (default 127.0.0.1) and `PORT` (default 3000).
    pub bind: SocketAddr,
    /// `DATABASE_URL`: `sqlite://data/portal.db` (default) or `postgres://…`.
    pub database_url: String,
    /// `CONFIG_DIR` (default `config`): holds `cities/*.toml` and the region files.
    pub config_dir: PathBuf,
    /// `LEPTOS_SITE_ROOT` (default `target/site`): the built CSS, JS and wasm.
    pub site_root: String,
    /// `OVERRIDE_CACHE_MS` (default 1000): how stale admin overrides may be when another
    /// process changed them.
    pub override_cache: Duration,
    /// `PUBLIC_URL` (default `http://localhost:PORT`): the origin residents use. Passkeys are
    /// bound to its host, which must be a name, not an IP address.
    pub public_url: Url,
    /// `PORTAL_SECRET`: base64url, at least 32 bytes; keys the pseudonymous provider ids.
    pub secret: Option<Secret>,
    /// `PORTAL_SECRET_FILE` (default `data/secret.key`): without `PORTAL_SECRET`, the secret
    /// is generated once and kept here.
    pub secret_file: PathBuf,
    pub notify: NotifySettings,
    pub identity_check: IdentityCheckSettings,
    /// `TRUSTED_PROXIES`: comma-separated addresses of reverse proxies whose
    /// `X-Forwarded-For` names the client (for the sign-in and code limits).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `DEMO_MODE=1`: the demo's pages and knobs (`/_demo/outbox` with every code sent,
    /// `/_demo/faults/*`) exist, and the built-in notification simulator may run on a
    /// public URL. `make run` sets it; a deployment never should.
    pub demo_mode: bool,
    /// How long clients may take over their requests.
    pub timeouts: Timeouts,
    /// When providers' breakers open and how long they stay open
    /// (`BREAKER_COOL_DOWN_SECONDS`, default 30).
    pub breaker: BreakerPolicy,
    /// `OPS_TOKEN`: the bearer token that `/metrics` and the details of `/readyz` ask of
    /// clients not on this machine. Unset, only this machine may read them.
    pub ops_token: Option<Secret>,
    /// Each service's own settings, read by its registration (`AIR_CACHE_SECONDS`,
    /// `REPORT_*`, `PAYMENT_*`; see each service's `registration.rs`).
    pub services: ServiceSettings,
    pub tiles: TileSettings,
    /// The portal's clock: the system's (tests pass an adjustable one and move it on).
    pub clock: Clock,
}

/// How the map-tile proxy keeps tiles and paces the tile servers.
#[derive(Clone, Debug)]
pub struct TileSettings {
    /// `TILE_CACHE_DIR` (default `data/tile-cache`).
    pub cache_dir: PathBuf,
    /// `TILE_CACHE_MB` (default 1024): the kept tiles never take more.
    pub cache_limit_mb: u64,
    /// `TILE_FETCHES_PER_SECOND` (default 4): tiles fetched from tile servers a second.
    pub fetches_per_second: u32,
}

impl Default for TileSettings {
    fn default() -> Self {
        TileSettings {
            cache_dir: PathBuf::from("data/tile-cache"),
            cache_limit_mb: 1024,
            fetches_per_second: 4,
        }
    }
}

/// Where one-time codes are sent: GOV.UK Notify, or its built-in simulator.
#[derive(Clone, Debug)]
pub struct NotifySettings {
    /// `NOTIFY_URL`: `simulator:notify` (default) or e.g. `https://api.notifications.service.gov.uk/`.
    pub url: String,
    /// `NOTIFY_API_KEY`, required with a real URL.
    pub api_key: Option<Secret>,
    /// `NOTIFY_SMS_TEMPLATE_ID` and `NOTIFY_EMAIL_TEMPLATE_ID`: templates with a `((code))`.
    pub sms_template: Option<String>,
    pub email_template: Option<String>,
}

pub const NOTIFY_SIMULATOR: &str = "simulator:notify";

/// Where a person's name, document and mobile are checked (core/src/people/three_factor.rs).
#[derive(Clone, Debug)]
pub struct IdentityCheckSettings {
    /// `IDENTITY_CHECK_URL`: `simulator:three-factor` (default) or the carrier gateway's URL.
    pub url: String,
    /// `IDENTITY_CHECK_API_KEY`, required with a real URL.
    pub api_key: Option<Secret>,
}

pub const IDENTITY_CHECK_SIMULATOR: &str = "simulator:three-factor";

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/portal.db";

impl Settings {
    pub fn from_env() -> anyhow::Result<Settings> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The settings from the variables `lookup` finds (the environment, or a test's).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let port: u16 = var("PORT")
            .map(|p| p.parse().context("PORT must be a port number"))
            .transpose()?
            .unwrap_or(3000);
        let host: std::net::IpAddr = var("BIND")
            .map(|h| h.parse().context("BIND must be an IP address"))
            .transpose()?
            .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
        let override_cache = Duration::from_millis(
            var("OVERRIDE_CACHE_MS")
                .map(|ms| ms.parse().context("OVERRIDE_CACHE_MS must be milliseconds"))
                .transpose()?
                .unwrap_or(1000),
        );
        let public_url = match var("PUBLIC_URL") {
            Some(url) => Url::parse(&url)
                .context("PUBLIC_URL must be a URL such as https://portal.example.cn/")?,
            // Its default names this machine, which is only true while nobody else can
            // reach it: the origin check and the demo pages would trust the wrong origin.
            None if !host.is_loopback() => anyhow::bail!(
                "BIND={host} listens beyond this machine: set PUBLIC_URL to the address \
                 residents use, e.g. https://portal.example.cn/"
            ),
            None => Url::parse(&format!("http://localhost:{port}/")).context("PUBLIC_URL")?,
        };
        let trusted_proxies = var("TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .map(|a| {
                        a.trim()
                            .parse()
                            .with_context(|| format!("TRUSTED_PROXIES: '{a}' is not an IP address"))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()
            })
            .transpose()?
            .unwrap_or_default();
        let seconds = |name: &str, default: u64| -> anyhow::Result<u64> {
            var(name)
                .map(|v| {
                    v.parse::<u64>()
                        .with_context(|| format!("{name} must be a whole number of seconds"))
                })
                .transpose()
                .map(|v| v.unwrap_or(default))
        };
        let breaker = BreakerPolicy {
            cool_down: Duration::from_secs(seconds(
                "BREAKER_COOL_DOWN_SECONDS",
                BreakerPolicy::default().cool_down.as_secs(),
            )?),
            ..BreakerPolicy::default()
        };
        let whole = |name: &str, default: u64| -> anyhow::Result<u64> {
            var(name)
                .map(|v| {
                    v.parse::<u64>()
                        .with_context(|| format!("{name} must be a whole number"))
                })
                .transpose()
                .map(|v| v.unwrap_or(default))
        };
        let tile_defaults = TileSettings::default();
        let tiles = TileSettings {
            cache_dir: var("TILE_CACHE_DIR").map_or(tile_defaults.cache_dir, PathBuf::from),
            cache_limit_mb: whole("TILE_CACHE_MB", tile_defaults.cache_limit_mb)?,
            fetches_per_second: u32::try_from(
                whole(
                    "TILE_FETCHES_PER_SECOND",
                    u64::from(tile_defaults.fetches_per_second),
                )?
                .clamp(1, 50),
            )
            .unwrap_or(tile_defaults.fetches_per_second),
        };
        Ok(Settings {
            tiles,
            services: ServiceSettings::read(crate::catalog::SERVICES, &var)?,
            timeouts: Timeouts::default(),
            breaker,
            clock: Clock::system(),
            ops_token: var("OPS_TOKEN").map(Secret::new),
            trusted_proxies,
            demo_mode: var("DEMO_MODE").is_some_and(|v| v == "1"),
            public_url,
            secret: var("PORTAL_SECRET").map(Secret::new),
            secret_file: var("PORTAL_SECRET_FILE")
                .map_or_else(|| PathBuf::from("data/secret.key"), PathBuf::from),
            notify: NotifySettings {
                url: var("NOTIFY_URL").unwrap_or_else(|| NOTIFY_SIMULATOR.to_owned()),
                api_key: var("NOTIFY_API_KEY").map(Secret::new),
                sms_template: var("NOTIFY_SMS_TEMPLATE_ID"),
                email_template: var("NOTIFY_EMAIL_TEMPLATE_ID"),
            },
            identity_check: IdentityCheckSettings {
                url: var("IDENTITY_CHECK_URL")
                    .unwrap_or_else(|| IDENTITY_CHECK_SIMULATOR.to_owned()),
                api_key: var("IDENTITY_CHECK_API_KEY").map(Secret::new),
            },
            bind: SocketAddr::new(host, port),
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            config_dir: var("CONFIG_DIR").map_or_else(|| PathBuf::from("config"), PathBuf::from),
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            override_cache,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        Settings::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn a_bind_beyond_this_machine_needs_a_public_url() {
        let error = settings(&[("BIND", "0.0.0.0")]).expect_err("refused");
        assert!(error.to_string().contains("PUBLIC_URL"), "{error}");
        let settings = settings(&[
            ("BIND", "0.0.0.0"),
            ("PUBLIC_URL", "https://portal.example.cn/"),
        ])
        .expect("with PUBLIC_URL");
        assert_eq!(settings.public_url.as_str(), "https://portal.example.cn/");
    }

    #[test]
    fn each_services_settings_are_read_from_the_environment_and_named_when_wrong() {
        let read =
            settings(&[("PAYMENT_EXPIRE_MINUTES", "30"), ("REPORT_WORKER", "0")]).expect("reads");
        let payments = read
            .services
            .get::<crate::services::payments::PaymentSettings>();
        assert_eq!(payments.order_lifetime, Duration::from_secs(30 * 60));
        assert!(
            !read
                .services
                .get::<crate::services::reports::registration::ReportSettings>()
                .worker
        );
        let error = settings(&[("PAYMENT_EXPIRE_MINUTES", "soon")]).expect_err("refused");
        assert_eq!(
            error.to_string(),
            "PAYMENT_EXPIRE_MINUTES: 'soon' is not a whole number of minutes"
        );
    }

    #[test]
    fn on_this_machine_the_defaults_serve_localhost_without_the_demo() {
        let settings = settings(&[]).expect("defaults");
        assert_eq!(settings.public_url.as_str(), "http://localhost:3000/");
        assert!(!settings.demo_mode, "the demo's pages need DEMO_MODE=1");
        assert!(settings.ops_token.is_none());
    }
}
