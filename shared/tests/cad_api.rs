//! The public contract: wire spellings, file-kind guessing, the XLSX path, hostile input.

use firstpass_shared::cad::{
    bom, centroid, excellon, gerber, guess_file_kind, FileKind, FindingCode, LayerFunction,
    Severity, Side,
};

#[test]
fn wire_spellings_match_as_str() {
    for f in [
        LayerFunction::CopperTop,
        LayerFunction::DrillNonPlated,
        LayerFunction::Unknown,
    ] {
        assert_eq!(
            serde_json::to_string(&f).ok(),
            Some(format!("\"{}\"", f.as_str()))
        );
    }
    for c in FindingCode::ALL {
        assert_eq!(
            serde_json::to_string(c).ok(),
            Some(format!("\"{}\"", c.as_str()))
        );
    }
    assert_eq!(
        serde_json::to_string(&FileKind::Centroid).ok().as_deref(),
        Some("\"CENTROID\"")
    );
    assert_eq!(
        serde_json::to_string(&Severity::Warning).ok().as_deref(),
        Some("\"WARNING\"")
    );
    assert_eq!(
        serde_json::to_string(&Side::Bottom).ok().as_deref(),
        Some("\"BOTTOM\"")
    );
}

#[test]
fn file_kinds() {
    assert_eq!(guess_file_kind("x.gbr", b"%FSLAX46Y46*%"), FileKind::Gerber);
    assert_eq!(guess_file_kind("x.GTL", b""), FileKind::Gerber);
    assert_eq!(
        guess_file_kind("weird.bin", b"G04 x*\n%MOMM*%\n%FSLAX46Y46*%"),
        FileKind::Gerber
    );
    assert_eq!(guess_file_kind("x.txt", b"M48\nINCH\n"), FileKind::Drill);
    assert_eq!(guess_file_kind("x.drl", b"M48\n"), FileKind::Drill);
    assert_eq!(guess_file_kind("readme.txt", b"hello"), FileKind::Other);
    assert_eq!(guess_file_kind("bom.xlsx", b"PK\x03\x04"), FileKind::Bom);
    assert_eq!(
        guess_file_kind("parts.csv", b"Designator,Qty,MPN\n"),
        FileKind::Bom
    );
    assert_eq!(
        guess_file_kind("board-all.pos", b"# Ref"),
        FileKind::Centroid
    );
    assert_eq!(
        guess_file_kind("xy.csv", b"Designator,Mid X,Mid Y\n"),
        FileKind::Centroid
    );
    assert_eq!(
        guess_file_kind("Pick Place for x.txt", b"Designator"),
        FileKind::Centroid
    );
    assert_eq!(guess_file_kind("fab.pdf", b"%PDF"), FileKind::Drawing);
}

#[cfg(feature = "xlsx")]
#[test]
fn xlsx_bom_reads_like_the_csv() {
    let bytes = firstpass_shared::cad::fixtures::xlsx_bom();
    assert!(bytes.starts_with(b"PK"));
    let b = bom::parse("bom.xlsx", &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.header_row, 3);
    assert_eq!(b.lines.len(), 5);
    assert_eq!(b.lines[0].row, 4);
    assert_eq!(b.lines[0].designators, vec!["R1", "R2", "R3"]);
    assert_eq!(b.lines[0].quantity, Some(3));
    assert!(b.lines[1].dnp);
    assert!(bom::check(&b).is_empty());
}

#[test]
fn hostile_inputs_do_not_panic() {
    let nested = format!(
        "%FSLAX46Y46*%%MOMM*%%AMX*1,1,{}1{}*%M02*",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert!(gerber::parse(nested.as_bytes()).is_err());
    assert!(gerber::parse(b"%FSLAX46Y46*%%MOMM*%%ADD10C,1e308*%D10*X1Y1D03*M02*").is_err());
    assert!(
        gerber::parse(b"%FSLAX46Y46*%%MOMM*%%ADD10C,1*%D10*X99999999999999999999Y1D03*M02*")
            .is_err()
    );
    assert!(gerber::parse(b"%FSLAX46Y46*%%MOMM*%%ADD10P,1X1000000000*%D10*X1Y1D03*M02*").is_ok());
    assert!(gerber::parse(b"%FSLAX46Y46*%%MOMM*%%AMX*4,1,99999999,0,0*%%ADD10X*%M02*").is_err());
    assert!(gerber::parse(&[0xff; 1000]).is_err());
    // Found by fuzzing: a multi-byte character where a two-letter command code was expected.
    assert!(gerber::parse(b"%FSLAX24Y24*%\n%I\x9a\x9aPPOS*%\n%\x9aAM*%\n%\xc3\xa9*%M02*").is_ok());
    assert!(gerber::parse("%FSLAX24Y24*%%SR\u{e9}1*%M02*".as_bytes()).is_err());
    assert!(excellon::parse("M48\nMETRIC\nT1\u{e9}C1.0\n%\nM30\n".as_bytes()).is_ok());
    assert!(gerber::parse(b"").is_err());
    assert!(excellon::parse(b"M48\nMETRIC,000000000.0\n%\nM30\n").is_err());
    assert!(excellon::parse(b"M48\nMETRIC\nT1C99999\n%\nM30\n").is_err());
    assert!(bom::parse("b.csv", b"Designator,Qty\nR1-R4294967295,1\n")
        .is_ok_and(|b| !b.findings.is_empty()));
    assert!(centroid::parse("p.csv", b"Designator,X,Y\nR1,1e400,0\n").is_err());
    let long = "R".repeat(100_000);
    assert!(bom::parse("b.csv", format!("Designator,Qty\n{long}1,1\n").as_bytes()).is_ok());
}

#[test]
fn kicad_7_round_rect_macro_and_object_attributes() {
    let src = "%TF.GenerationSoftware,KiCad,Pcbnew,7.0.0*%\n%TF.FileFunction,Copper,L1,Top*%\n%TF.FilePolarity,Positive*%\n%FSLAX46Y46*%\nG04 Gerber Fmt 4.6, Leading zero omitted, Abs format (unit mm)*\nG04 Created by KiCad (PCBNEW 7.0.0) date 2023-01-01 12:00:00*\n%MOMM*%\n%LPD*%\nG01*\nG04 APERTURE LIST*\n%AMRoundRect*\n0 Rectangle with rounded corners*\n0 $1 Rounding radius*\n0 $2 $3 $4 $5 $6 $7 $8 $9 X,Y pos of 4 corners*\n0 Add a 4 corners polygon primitive as box body*\n4,1,4,$2,$3,$4,$5,$6,$7,$8,$9,$2,$3,0*\n0 Add four circle primitives for the rounded corners*\n1,1,$1+$1,$2,$3*\n1,1,$1+$1,$4,$5*\n1,1,$1+$1,$6,$7*\n1,1,$1+$1,$8,$9*\n0 Add four rect primitives between the rounded corners*\n20,1,$1+$1,$2,$3,$4,$5,0*\n20,1,$1+$1,$4,$5,$6,$7,0*\n20,1,$1+$1,$6,$7,$8,$9,0*\n20,1,$1+$1,$8,$9,$2,$3,0*%\nG04 Aperture macros list end*\n%TA.AperFunction,SMDPad,CuDef*%\n%ADD10RoundRect,0.250000X-0.450000X-0.350000X0.450000X-0.350000X0.450000X0.350000X-0.450000X0.350000X0*%\n%TD*%\nG04 APERTURE END LIST*\n%TO.C,R1*%\n%TO.P,R1,1*%\nD10*\nX100000000Y-50000000D03*\n%TD*%\nM02*\n";
    let g = gerber::parse(src.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!g.negative);
    let e = g.extents.unwrap_or_else(|| panic!("no extents"));
    assert!(
        (e.min_x - 99.3).abs() < 1e-6 && (e.max_x - 100.7).abs() < 1e-6,
        "{e:?}"
    );
    assert!(
        (e.min_y + 50.6).abs() < 1e-6 && (e.max_y + 49.4).abs() < 1e-6,
        "{e:?}"
    );
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);
}
