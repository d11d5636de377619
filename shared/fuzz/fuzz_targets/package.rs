//! Arbitrary bytes split into a small package (names picked by the fuzzer) through validation
//! and the composite render.
#![no_main]

use firstpass_shared::cad::validate::{analyze_package, InputFile};
use firstpass_shared::cad::{render, Side};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 8] = [
    "b-F_Cu.gbr",
    "b-Edge_Cuts.gbr",
    "b-F_Mask.gbr",
    "b.drl",
    "bom.csv",
    "b.pos",
    "b.mnt",
    "x.gbr",
];

fuzz_target!(|data: &[u8]| {
    let mut files = Vec::new();
    for (i, chunk) in data.split(|&b| b == 0xFE).take(8).enumerate() {
        let (name, bytes) = match chunk.split_first() {
            Some((n, rest)) => (NAMES[usize::from(*n) % NAMES.len()], rest),
            None => (NAMES[i % NAMES.len()], chunk),
        };
        files.push(InputFile::new(name, bytes));
    }
    let pkg = analyze_package(&files);
    let opts = render::RenderOptions { max_elements: 500 };
    let _ = render::board_svg(&pkg, Side::Top, opts);
    let _ = render::board_svg(&pkg, Side::Bottom, opts);
});
