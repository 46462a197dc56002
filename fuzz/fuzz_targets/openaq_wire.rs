//! An OpenAQ v3 answer as the adapter reads it: a page of locations, a page of latest
//! values, and the stations made of both.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::{
    providers::decode,
    services::air::openaq_v3::{transformers, wire},
};

fuzz_target!(|body: &[u8]| {
    let locations = decode::<wire::Page<wire::Location>>(body);
    let latest = decode::<wire::Page<wire::Latest>>(body);
    if let Ok(locations) = locations {
        let latest = latest.map(|page| page.results).unwrap_or_default();
        for location in locations.results {
            let _ = transformers::station(location, latest.clone());
        }
    }
});
