//! A region file (GeoJSON districts), then a look-up in what it made.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::{config, regions::RegionIndex};

fuzz_target!(|text: &str| {
    if let Ok(regions) = config::parse_regions(text) {
        let index = RegionIndex::new([("fuzz", regions.as_slice())]);
        let _ = index.locate(114.05, 22.54);
    }
});
