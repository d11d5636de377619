//! Arbitrary bytes into the Gerber parser, then extents and SVG of whatever parsed.
#![no_main]

use firstpass_shared::cad::{gerber, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(g) = gerber::parse(data) {
        let _ = render::layer_svg(&g, "red", render::RenderOptions { max_elements: 1000 });
    }
});
