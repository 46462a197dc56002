//! A photo upload: the header checks, then (for what passes them) decoding, turning
//! upright, scaling and re-encoding, under the decoding limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|upload: &[u8]| {
    if server::photos::inspect(upload).is_ok() {
        let _ = server::photos::clean(upload);
    }
});
