//! Arbitrary bytes into the centroid parser (generic and Eagle `.mnt` paths).
#![no_main]

use firstpass_shared::cad::centroid;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = if data.first().is_some_and(|b| b & 1 == 1) { "board.mnt" } else { "pos.csv" };
    let _ = centroid::parse(name, data);
});
