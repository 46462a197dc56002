//! A city file (TOML) as `server check-config` and start-up read it, with Shenzhen's real
//! districts standing in for whatever region file it names.
#![no_main]

use std::{path::Path, sync::LazyLock};

use libfuzzer_sys::fuzz_target;
use server::{config, regions::Region};

static DISTRICTS: LazyLock<Vec<Region>> = LazyLock::new(|| {
    config::parse_regions(include_str!("../../config/regions/shenzhen.geojson"))
        .expect("the demo's districts load")
});

fuzz_target!(|text: &str| {
    let _ = config::parse_city(
        Path::new("config/cities/fuzz.toml"),
        text,
        &server::catalog::KNOWN,
        |_| Ok(DISTRICTS.clone()),
    );
});
