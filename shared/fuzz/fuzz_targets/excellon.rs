//! Arbitrary bytes into the Excellon parser, then the format-fit search.
#![no_main]

use firstpass_shared::cad::{excellon, Extents};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = excellon::parse(data) {
        let board = Extents { min_x: 0.0, min_y: 0.0, max_x: 50.0, max_y: 30.0 };
        if let Some(fit) = d.best_scale(&board) {
            let _ = d.rescaled(fit.factor);
        }
    }
});
