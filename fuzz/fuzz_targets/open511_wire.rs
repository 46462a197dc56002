//! What camera providers send: Open511 camera lists, as the adapter reads them (ids, points,
//! media files and their links, roads and their directions).
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::{
    providers::decode,
    services::cameras::open511::{read_camera, wire},
};

fuzz_target!(|body: &[u8]| {
    let Ok(base) = url::Url::parse("https://open511.example.cn/sz/") else {
        return;
    };
    if let Ok(list) = decode::<wire::CameraList>(body) {
        for camera in list.cameras {
            let _ = read_camera(&base, camera);
        }
    }
});
