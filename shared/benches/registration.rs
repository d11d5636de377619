//! Registration checks (drill to copper and outline, mask, paste, legend, annular ring, hole
//! to edge, placements to pads) on analysed packages: the generated fixture boards, and real
//! boards when `FIRSTPASS_BENCH_BOARDS` names a folder with one sub-folder of exported files
//! per board (e.g. the KiCad demo exports kept by `FIRSTPASS_KICAD_KEEP=1 cargo test -p
//! firstpass-shared --test kicad_demos`).
//!
//! Run: `cargo bench -p firstpass-shared --bench registration -- --quick`.

use criterion::{criterion_main, Criterion};
use firstpass_shared::cad::fixtures::{self, FileSet, Style};
use firstpass_shared::cad::registration::check_package;
use firstpass_shared::cad::validate::analyze_package;
use firstpass_shared::cad::InputFile;
use firstpass_shared::domain::IpcClass;

fn boards() -> Vec<(String, FileSet)> {
    let mut out: Vec<(String, FileSet)> = vec![
        ("fixture-kicad".into(), fixtures::board(Style::KiCad)),
        ("fixture-eagle".into(), fixtures::board(Style::Eagle)),
    ];
    let Ok(dir) = std::env::var("FIRSTPASS_BENCH_BOARDS") else {
        return out;
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    let mut dirs: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&d)
            .map(|r| {
                r.flatten()
                    .filter(|e| {
                        let n = e.file_name().to_string_lossy().to_ascii_lowercase();
                        n.ends_with(".gbr") || n.ends_with(".drl") || n.ends_with(".csv")
                    })
                    .filter_map(|e| {
                        Some((
                            e.file_name().to_string_lossy().into_owned(),
                            std::fs::read(e.path()).ok()?,
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        let name = files
            .iter()
            .find_map(|(n, _)| n.strip_suffix("-PTH.drl").map(str::to_owned))
            .unwrap_or_else(|| d.display().to_string());
        out.push((name, files));
    }
    out
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("registration");
    for (name, files) in boards() {
        let inputs: Vec<InputFile<'_>> = files.iter().map(|(n, b)| InputFile::new(n, b)).collect();
        let pkg = analyze_package(&inputs);
        let holes: usize = pkg.drills.iter().map(|(_, d)| d.holes.len()).sum();
        let objects: usize = pkg.gerbers.iter().map(|(_, g)| g.objects.len()).sum();
        eprintln!("{name}: {holes} holes, {objects} Gerber objects");
        g.bench_function(format!("{name} ({holes} holes, {objects} objects)"), |b| {
            b.iter(|| check_package(&pkg, IpcClass::Class3))
        });
        g.bench_function(format!("{name} whole analysis"), |b| {
            b.iter(|| analyze_package(&inputs))
        });
    }
    g.finish();
}

fn benches() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
}

criterion_main!(benches);
