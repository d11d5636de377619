//! End-to-end validation of the generated fixture packages.

use std::collections::BTreeSet;

use firstpass_shared::cad::fixtures::{self, Style, STYLES};
use firstpass_shared::cad::validate::analyze_package;
use firstpass_shared::cad::{validate_package, FindingCode, LayerFunction};

fn codes(set: &fixtures::FileSet) -> BTreeSet<FindingCode> {
    validate_package(&fixtures::inputs(set))
        .findings
        .iter()
        .map(|f| f.code)
        .collect()
}

#[test]
fn clean_boards_have_no_findings_and_the_right_size() {
    for style in STYLES {
        let set = fixtures::board(style);
        let a = validate_package(&fixtures::inputs(&set));
        assert!(a.findings.is_empty(), "{style:?}: {:#?}", a.findings);
        let b = a.board.unwrap_or_else(|| panic!("{style:?}: no board"));
        assert!(
            (b.width_mm - fixtures::BOARD_WIDTH_MM).abs() < 0.1,
            "{style:?}: width {}",
            b.width_mm
        );
        assert!(
            (b.height_mm - fixtures::BOARD_HEIGHT_MM).abs() < 0.1,
            "{style:?}: height {}",
            b.height_mm
        );
        assert_eq!(b.layer_count, 2, "{style:?}");
        assert_eq!(a.placements.len(), 8, "{style:?}");
        let placed: usize = a
            .bom_lines
            .iter()
            .filter(|l| !l.dnp)
            .map(|l| l.designators.len())
            .sum();
        assert_eq!(placed, 7, "{style:?}");
        assert!(a.bom_lines.iter().all(|l| l.row > 0));
    }
}

#[test]
fn every_style_identifies_every_layer() {
    use LayerFunction as F;
    let expected = [
        F::CopperTop,
        F::CopperBottom,
        F::SoldermaskTop,
        F::SoldermaskBottom,
        F::SilkscreenTop,
        F::SilkscreenBottom,
        F::PasteTop,
        F::PasteBottom,
        F::Outline,
    ];
    for style in STYLES {
        let set = fixtures::board(style);
        let a = validate_package(&fixtures::inputs(&set));
        let found: Vec<F> = a.layers.iter().map(|l| l.function).collect();
        assert_eq!(&found[..9], &expected, "{style:?}");
        let drills: Vec<F> = found[9..].to_vec();
        match style {
            Style::Eagle => assert_eq!(drills, vec![F::DrillPlated]),
            _ => assert_eq!(drills, vec![F::DrillPlated, F::DrillNonPlated], "{style:?}"),
        }
        assert!(
            a.layers.iter().all(|l| l.parsed && l.extents_mm.is_some()),
            "{style:?}"
        );
    }
}

#[test]
fn drills_land_on_the_board_in_every_style() {
    for style in STYLES {
        let set = fixtures::board(style);
        let p = analyze_package(&fixtures::inputs(&set));
        let holes: Vec<_> = p.drills.iter().flat_map(|(_, d)| d.holes.iter()).collect();
        assert_eq!(holes.len(), 8, "{style:?}");
        let via = holes.iter().find(|h| (h.diameter_mm - 0.4).abs() < 0.01);
        let via = via.unwrap_or_else(|| panic!("{style:?}: no via"));
        assert!(
            (via.x - 15.0).abs() < 0.01 && (via.y - 11.5).abs() < 0.01,
            "{style:?}: {via:?}"
        );
        let npth = holes.iter().filter(|h| !h.plated).count();
        if style != Style::Eagle {
            assert_eq!(npth, 4, "{style:?}");
        }
    }
}

#[test]
fn every_finding_code_is_produced_by_a_broken_variant_and_absent_from_clean_boards() {
    let mut produced = BTreeSet::new();
    for b in fixtures::broken_variants() {
        let found = codes(&b.files);
        assert!(
            found.contains(&b.expect),
            "{}: expected {} in {found:?}",
            b.name,
            b.expect
        );
        produced.extend(found);
    }
    for code in FindingCode::ALL {
        assert!(produced.contains(code), "no fixture produces {code}");
    }
    for style in STYLES {
        assert!(codes(&fixtures::board(style)).is_empty());
    }
}

#[test]
fn findings_name_file_and_line() {
    for b in fixtures::broken_variants() {
        let a = validate_package(&fixtures::inputs(&b.files));
        let f = a
            .findings
            .iter()
            .find(|f| f.code == b.expect)
            .unwrap_or_else(|| panic!("{}", b.name));
        let package_level = matches!(
            f.code,
            FindingCode::MissingLayer | FindingCode::MissingBom | FindingCode::MissingCentroid
        );
        assert_eq!(f.file.is_some(), !package_level, "{}: {f:?}", b.name);
        let has_line = !matches!(
            f.code,
            FindingCode::MissingLayer
                | FindingCode::MissingBom
                | FindingCode::MissingCentroid
                | FindingCode::LayerFunctionUnknown
                | FindingCode::DuplicateLayerFunction
                | FindingCode::DrillFormatGuessed
                | FindingCode::BomParseError
                | FindingCode::BomHeaderNotFound
                | FindingCode::CentroidBottomMirrored
                | FindingCode::Ipc2581ParseError
                | FindingCode::DrillOffsetFromCopper
                | FindingCode::PasteWithoutMaskOpening
                | FindingCode::MaskOpeningWithoutCopper
                | FindingCode::SilkscreenOnPad
        );
        if has_line {
            assert!(f.line.is_some(), "{}: {f:?}", b.name);
        }
        // Deterministic: the same input gives the same findings in the same order.
        assert_eq!(
            a.findings,
            validate_package(&fixtures::inputs(&b.files)).findings
        );
    }
}

#[test]
fn user_override_wins() {
    let b = fixtures::broken_variants()
        .into_iter()
        .find(|b| b.name == "unknown_layer");
    let b = b.unwrap_or_else(|| panic!("variant missing"));
    let mut inputs = fixtures::inputs(&b.files);
    for i in &mut inputs {
        if i.name == "mystery.gbr" {
            i.layer_function = Some(LayerFunction::CopperInner);
        }
    }
    let a = validate_package(&inputs);
    assert!(!a
        .findings
        .iter()
        .any(|f| f.code == FindingCode::LayerFunctionUnknown));
}

/// Writes the fixture files as fuzzing seeds when FIRSTPASS_FUZZ_SEEDS names a folder.
#[test]
fn write_fuzz_seeds_when_asked() {
    use firstpass_shared::cad::{guess_file_kind, FileKind};
    let Ok(dir) = std::env::var("FIRSTPASS_FUZZ_SEEDS") else {
        return;
    };
    let mut sets: Vec<fixtures::FileSet> = STYLES.iter().map(|s| fixtures::board(*s)).collect();
    sets.extend(fixtures::broken_variants().into_iter().map(|b| b.files));
    for (n, set) in sets.iter().enumerate() {
        for (name, bytes) in set {
            let target = match guess_file_kind(name, bytes) {
                FileKind::Gerber => "gerber",
                FileKind::Drill => "excellon",
                FileKind::Bom => "bom",
                FileKind::Centroid => "centroid",
                _ => continue,
            };
            let folder = format!("{dir}/{target}");
            let _ = std::fs::create_dir_all(&folder);
            let safe: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let _ = std::fs::write(format!("{folder}/{n}-{safe}"), bytes);
        }
    }
}

#[test]
fn placements_in_mils_get_a_hint() {
    let mut set = fixtures::board(Style::KiCad);
    for (name, bytes) in &mut set {
        if name == "board-all.pos" {
            let text = String::from_utf8_lossy(bytes).replace("## Unit = mm", "## Unit = in");
            *bytes = text.into_bytes();
        }
    }
    let a = validate_package(&fixtures::inputs(&set));
    let hint = a
        .findings
        .iter()
        .find(|f| f.code == FindingCode::PlacementOutsideOutline && f.line.is_none());
    let hint = hint.unwrap_or_else(|| panic!("{:#?}", a.findings));
    assert!(
        hint.message.contains("scaled by 0.0394"),
        "{}",
        hint.message
    );
}

fn findings_for<'a>(
    a: &'a firstpass_shared::cad::PackageAnalysis,
    designator: &str,
) -> Vec<&'a firstpass_shared::cad::Finding> {
    a.findings
        .iter()
        .filter(|f| f.designator.as_deref() == Some(designator))
        .collect()
}

#[test]
fn parts_on_the_board_edge_are_warnings_not_errors() {
    use firstpass_shared::cad::Severity;
    // With KiCad's X2 pad attributes, and without them (pads found by proximity).
    for attributes in [true, false] {
        let set = fixtures::edge_board(attributes);
        let a = validate_package(&fixtures::inputs(&set));
        assert!(!a.has_errors(), "X2 {attributes}: {:#?}", a.findings);
        let b = a.board.as_ref().unwrap_or_else(|| panic!("no board"));
        assert_eq!(b.cutouts.len(), 1, "the round cut-out");
        // The card-edge connector's centroid is in the key slot, 1 mm from its walls.
        let j1 = findings_for(&a, fixtures::EDGE_CONNECTOR);
        assert!(
            j1.iter().all(|f| f.severity == Severity::Warning
                && f.code == FindingCode::PlacementOverhangsEdge
                && f.message.contains("1.000 mm")),
            "X2 {attributes}: {j1:#?}"
        );
        let j2 = findings_for(&a, fixtures::OVERHANGING_JACK);
        assert_eq!(j2.len(), 1, "X2 {attributes}: {j2:#?}");
        assert_eq!(j2[0].severity, Severity::Warning);
        assert_eq!(j2[0].code, FindingCode::PlacementOverhangsEdge);
        assert!(
            j2[0]
                .message
                .contains(&format!("{:.3} mm", fixtures::JACK_OVERHANG_MM)),
            "{}",
            j2[0].message
        );
        assert!(findings_for(&a, "R1").is_empty());
    }
}

#[test]
fn a_part_20_mm_off_the_board_is_still_an_error() {
    use firstpass_shared::cad::Severity;
    for attributes in [true, false] {
        let set = fixtures::edge_board_with_stray_part(attributes);
        let a = validate_package(&fixtures::inputs(&set));
        let errors: Vec<_> = a
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "X2 {attributes}: {errors:#?}");
        assert_eq!(errors[0].code, FindingCode::PlacementOutsideOutline);
        assert_eq!(errors[0].designator.as_deref(), Some(fixtures::STRAY_PART));
        assert!(
            errors[0].message.contains("20.000 mm"),
            "{}",
            errors[0].message
        );
        let j2 = findings_for(&a, fixtures::OVERHANGING_JACK);
        assert_eq!(j2.len(), 1);
        assert_eq!(j2[0].code, FindingCode::PlacementOverhangsEdge);
    }
}

#[test]
fn kicad6_mirrored_bottom_x_is_read_back() {
    use firstpass_shared::cad::Severity;
    let b = fixtures::broken_variants()
        .into_iter()
        .find(|b| b.name == "kicad6_bottom_mirrored")
        .unwrap_or_else(|| panic!("variant missing"));
    let a = validate_package(&fixtures::inputs(&b.files));
    assert!(!a.has_errors(), "{:#?}", a.findings);
    let w: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::CentroidBottomMirrored)
        .collect();
    assert_eq!(w.len(), 1, "{:#?}", a.findings);
    assert_eq!(w[0].severity, Severity::Warning);
    let u1 = a.placements.iter().find(|p| p.designator == "U1");
    assert!(u1.is_some_and(|p| (p.x_mm - 36.0).abs() < 1e-9 && p.x_mm > 0.0));
}
