//! Process settings from the environment. City config lives in files (see `config`);
//! secrets only ever in the environment.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::Context;

use crate::services::air::CachePolicy;

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
    /// `AIR_CACHE_SECONDS` (default 300): how long air readings count as current.
    pub air_cache: CachePolicy,
    /// `OVERRIDE_CACHE_MS` (default 1000): how stale admin overrides may be when another
    /// process changed them.
    pub override_cache: Duration,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/portal.db";

impl Settings {
    pub fn from_env() -> anyhow::Result<Settings> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let port: u16 = var("PORT")
            .map(|p| p.parse().context("PORT must be a port number"))
            .transpose()?
            .unwrap_or(3000);
        let host: std::net::IpAddr = var("BIND")
            .map(|h| h.parse().context("BIND must be an IP address"))
            .transpose()?
            .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
        let mut air_cache = CachePolicy::default();
        if let Some(seconds) = var("AIR_CACHE_SECONDS") {
            air_cache.fresh_for = Duration::from_secs(
                seconds
                    .parse()
                    .context("AIR_CACHE_SECONDS must be a whole number of seconds")?,
            );
        }
        let override_cache = Duration::from_millis(
            var("OVERRIDE_CACHE_MS")
                .map(|ms| ms.parse().context("OVERRIDE_CACHE_MS must be milliseconds"))
                .transpose()?
                .unwrap_or(1000),
        );
        Ok(Settings {
            bind: SocketAddr::new(host, port),
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            config_dir: var("CONFIG_DIR").map_or_else(|| PathBuf::from("config"), PathBuf::from),
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            air_cache,
            override_cache,
        })
    }
}
