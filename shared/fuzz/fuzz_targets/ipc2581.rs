//! Arbitrary bytes into the IPC-2581 reader, then the whole package analysis (registration
//! included) and the board picture of whatever it read.
#![no_main]

use firstpass_shared::cad::{render, validate, FileKind, InputFile, Side};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = firstpass_shared::cad::ipc2581::parse("board.xml", data);
    let file = InputFile {
        kind: Some(FileKind::Ipc2581),
        ..InputFile::new("board.xml", data)
    };
    let pkg = validate::analyze_package(&[file]);
    let _ = render::board_svg(&pkg, Side::Top, render::RenderOptions { max_elements: 1000 });
});
