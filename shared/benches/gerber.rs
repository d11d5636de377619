//! Gerber parse throughput on a generated ~25 MB copper layer: a ground pour cut into
//! thousands of regions, tens of thousands of pad flashes and a few hundred thousand tracks.
//!
//! Run: `cargo bench -p firstpass-shared --bench gerber -- --quick`.

use std::fmt::Write as _;

use criterion::{criterion_main, Criterion, Throughput};
use firstpass_shared::cad::gerber;

fn big_gerber() -> String {
    let mut s = String::with_capacity(28 << 20);
    s.push_str("%TF.FileFunction,Copper,L1,Top*%\n%FSLAX46Y46*%\n%MOMM*%\n%LPD*%\nG75*\n");
    s.push_str("%AMRoundRect*21,1,$1,$2,0,0,0*1,1,$3,$1/2-$3,$2/2-$3*%\n");
    s.push_str("%ADD10C,0.150000*%\n%ADD11R,0.900000X0.950000*%\n%ADD12RoundRect,1.5X0.6X0.1*%\n%ADD13C,0.800000*%\n");
    // Pour: 100 × 100 cells, each an irregular region with 48 vertices.
    s.push_str("G01*\n");
    for i in 0..100u32 {
        for j in 0..100u32 {
            let (cx, cy) = (f64::from(i) * 3.0 + 1.5, f64::from(j) * 3.0 + 1.5);
            s.push_str("G36*\n");
            for k in 0..48u32 {
                let a = std::f64::consts::TAU * f64::from(k) / 48.0;
                let r = 1.2 + 0.2 * (f64::from(k * 7 + i + j) * 0.37).sin();
                let (x, y) = ((cx + r * a.cos()) * 1e6, (cy + r * a.sin()) * 1e6);
                let _ = writeln!(
                    s,
                    "X{}Y{}D0{}*",
                    x as i64,
                    y as i64,
                    if k == 0 { 2 } else { 1 }
                );
            }
            s.push_str("G37*\n");
        }
    }
    // Pads: 60 000 flashes over three apertures.
    for n in 0..60_000u32 {
        let d = 11 + n % 3;
        if matches!(n % 1000, 0 | 500) {
            let _ = writeln!(s, "D{d}*");
        }
        let (x, y) = (
            f64::from(n % 300) * 1.0 + 0.5,
            f64::from(n / 300) * 1.5 + 0.25,
        );
        let _ = writeln!(s, "X{}Y{}D03*", (x * 1e6) as i64, (y * 1e6) as i64);
    }
    // Tracks until the file passes 25 MB, with an arc every 16th.
    s.push_str("D10*\n");
    let mut n = 0u64;
    while s.len() < 25 << 20 {
        let x = (n % 3000) as f64 * 0.1;
        let y = (n / 3000) as f64 * 0.1;
        let _ = writeln!(s, "X{}Y{}D02*", (x * 1e6) as i64, (y * 1e6) as i64);
        if n & 15 == 0 {
            let _ = writeln!(
                s,
                "G03X{}Y{}I50000J0D01*\nG01*",
                ((x + 0.1) * 1e6) as i64,
                (y * 1e6) as i64
            );
        } else {
            let _ = writeln!(
                s,
                "X{}Y{}D01*",
                ((x + 0.08) * 1e6) as i64,
                ((y + 0.05) * 1e6) as i64
            );
        }
        n += 1;
    }
    s.push_str("M02*\n");
    s
}

fn bench(c: &mut Criterion) {
    let file = big_gerber();
    let mut group = c.benchmark_group("gerber");
    group.throughput(Throughput::Bytes(file.len() as u64));
    group.sample_size(10);
    group.bench_function(format!("parse_{}MB", file.len() >> 20), |b| {
        b.iter(|| {
            let g = gerber::parse(std::hint::black_box(file.as_bytes()));
            assert!(g.is_ok_and(|g| g.objects.len() > 100_000));
        })
    });
    group.finish();
}

mod harness {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(harness::benches);
