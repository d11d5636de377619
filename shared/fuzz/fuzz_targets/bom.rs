//! Arbitrary bytes into the BOM parser (CSV and XLSX paths) and its checks.
#![no_main]

use firstpass_shared::cad::bom;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = bom::parse("bom.csv", data) {
        let _ = bom::check(&b);
    }
});
