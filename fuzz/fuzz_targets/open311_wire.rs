//! An Open311 GeoReport v2 answer as the adapter reads it: services, a service
//! definition, a new request's answer, requests' states and error lists.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::{
    providers::decode,
    services::reports::open311::{transformers, wire},
};

fuzz_target!(|body: &[u8]| {
    if let Ok(services) = decode::<Vec<wire::Service>>(body) {
        let _: Vec<_> = services.into_iter().map(transformers::category).collect();
    }
    if let Ok(definition) = decode::<wire::Definition>(body) {
        let _ = transformers::attributes(definition);
    }
    if let Ok(created) = decode::<Vec<wire::Created>>(body) {
        let _ = transformers::accepted(created);
    }
    if let Ok(requests) = decode::<Vec<wire::Request>>(body) {
        let _: Vec<_> = requests
            .into_iter()
            .filter_map(transformers::state)
            .collect();
    }
    let _ = decode::<Vec<wire::Error>>(body);
});
