//! Package validation: parses every file of an NPI package, identifies layers, and checks the
//! rules of the product model (DOMAIN.md, "Validation"). One implementation, run by the browser
//! for instant feedback and by the server as the authority.
//!
//! Severity policy: ERROR blocks submission, WARNING does not. Errors are what would stop the
//! EMS from building (unreadable files, missing layers, BOM inconsistencies, a part the machine
//! would place without purchasing data, a part off the board). Warnings are what a human should
//! look at but may be fine: an unidentified layer, a guessed drill format, a missing centroid
//! (hand-assembled or through-hole-only boards), and BOM parts with no placement (through-hole
//! and hand-soldered parts are routinely left out of centroid files).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::bom::{self, BomLine};
use super::centroid::{self, Placement};
use super::excellon::{self, DrillFile};
use super::gerber::{self, GerberFile, Graphic, Point};
use super::layers::{identify_layer, LayerFunction, LayerId, LayerSource, Side};
use super::outline;
use super::registration::{self, Offset};
use super::{guess_file_kind, Extents, FileKind};
use crate::domain::IpcClass;

/// Whether a finding blocks submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "server", derive(async_graphql::Enum))]
pub enum Severity {
    /// Blocks submission.
    Error,
    /// Shown; does not block.
    Warning,
}

macro_rules! codes {
    ($($(#[$m:meta])* $v:ident => $s:literal),+ $(,)?) => {
        /// Stable finding codes (the wire spelling is SCREAMING_SNAKE_CASE).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum FindingCode { $($(#[$m])* $v),+ }

        impl FindingCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [FindingCode] = &[$(FindingCode::$v),+];

            /// The stable spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(FindingCode::$v => $s),+ }
            }
        }
    };
}

codes! {
    /// A Gerber file does not parse.
    GerberParseError => "GERBER_PARSE_ERROR",
    /// A drill file does not parse.
    DrillParseError => "DRILL_PARSE_ERROR",
    /// An IPC-2581 file does not parse.
    Ipc2581ParseError => "IPC2581_PARSE_ERROR",
    /// A layer's function could not be identified; the user must set it.
    LayerFunctionUnknown => "LAYER_FUNCTION_UNKNOWN",
    /// Two files claim the same single-instance layer function.
    DuplicateLayerFunction => "DUPLICATE_LAYER_FUNCTION",
    /// Top copper, outline or drill is missing.
    MissingLayer => "MISSING_LAYER",
    /// The drill format was guessed and could not be confirmed against the outline.
    DrillFormatGuessed => "DRILL_FORMAT_GUESSED",
    /// The BOM cannot be read.
    BomParseError => "BOM_PARSE_ERROR",
    /// No header row found in the BOM.
    BomHeaderNotFound => "BOM_HEADER_NOT_FOUND",
    /// Quantity differs from the number of designators.
    BomQtyMismatch => "BOM_QTY_MISMATCH",
    /// A designator appears twice in the BOM.
    BomDuplicateDesignator => "BOM_DUPLICATE_DESIGNATOR",
    /// A placed line has no MPN.
    BomMissingMpn => "BOM_MISSING_MPN",
    /// A designator range is too large to expand.
    BomRangeTooLarge => "BOM_RANGE_TOO_LARGE",
    /// The centroid file cannot be read.
    CentroidParseError => "CENTROID_PARSE_ERROR",
    /// A designator is placed twice.
    CentroidDuplicateDesignator => "CENTROID_DUPLICATE_DESIGNATOR",
    /// A placement has no BOM line.
    PlacementWithoutBomLine => "PLACEMENT_WITHOUT_BOM_LINE",
    /// A placed BOM designator has no placement.
    BomLineWithoutPlacement => "BOM_LINE_WITHOUT_PLACEMENT",
    /// A placement lies outside the board outline, and so do its pads (or none are known).
    PlacementOutsideOutline => "PLACEMENT_OUTSIDE_OUTLINE",
    /// A placement's centroid lies beyond the board edge but its pads are on the board: a part
    /// that overhangs the edge (card-edge connector, jack), to be checked, not blocking.
    PlacementOverhangsEdge => "PLACEMENT_OVERHANGS_EDGE",
    /// Bottom-side x coordinates of a centroid file were mirrored (KiCad 6 and older write them
    /// negated) and were negated back to fit the board.
    CentroidBottomMirrored => "CENTROID_BOTTOM_MIRRORED",
    /// The package has no BOM.
    MissingBom => "MISSING_BOM",
    /// The package has no centroid file.
    MissingCentroid => "MISSING_CENTROID",
    /// The plated holes miss the copper, but all land on pads once moved by one vector (the
    /// drill file written relative to another origin than the Gerbers); the finding carries it.
    DrillOffsetFromCopper => "DRILL_OFFSET_FROM_COPPER",
    /// A drill hit lies outside the board outline.
    DrillOutsideOutline => "DRILL_OUTSIDE_OUTLINE",
    /// A plated hole has no copper at its position on an outer copper layer.
    PlatedHoleWithoutPad => "PLATED_HOLE_WITHOUT_PAD",
    /// Solder paste where the solder mask does not open.
    PasteWithoutMaskOpening => "PASTE_WITHOUT_MASK_OPENING",
    /// A solder-mask opening (flash) with neither copper nor a hole under it.
    MaskOpeningWithoutCopper => "MASK_OPENING_WITHOUT_COPPER",
    /// Silkscreen crosses a pad the solder mask leaves bare.
    SilkscreenOnPad => "SILKSCREEN_ON_PAD",
    /// A plated hole leaves less annular ring on an outer layer than the IPC class asks.
    AnnularRingBelowMinimum => "ANNULAR_RING_BELOW_MINIMUM",
    /// A hole's wall is closer to the board edge than the IPC class asks.
    HoleTooCloseToEdge => "HOLE_TOO_CLOSE_TO_EDGE",
    /// A placement's copper pads (named by X2 attributes) are on the other side or away from it.
    PlacementPadsMismatch => "PLACEMENT_PADS_MISMATCH",
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One validation finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// ERROR blocks submission.
    pub severity: Severity,
    /// Stable code.
    pub code: FindingCode,
    /// Human-readable explanation.
    pub message: String,
    /// The file concerned, if any.
    pub file: Option<String>,
    /// 1-based line (Gerber/drill) or row (BOM/centroid), if any.
    pub line: Option<u32>,
    /// The designator concerned, if any.
    pub designator: Option<String>,
    /// For `DRILL_OFFSET_FROM_COPPER`: the vector to add to the drill file's coordinates so that
    /// its holes land on the copper (see [`super::registration::apply_drill_offset`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<Offset>,
}

impl Finding {
    /// A new ERROR finding.
    pub fn error(code: FindingCode, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Error,
            code,
            message: message.into(),
            file: None,
            line: None,
            designator: None,
            offset: None,
        }
    }

    /// A new WARNING finding.
    pub fn warning(code: FindingCode, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(code, message)
        }
    }

    /// Names the file.
    pub fn in_file(mut self, file: &str) -> Self {
        self.file = Some(file.to_owned());
        self
    }

    /// Names the line or row.
    pub fn at(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }

    /// Names the designator.
    pub fn designator(mut self, d: &str) -> Self {
        self.designator = Some(d.to_owned());
        self
    }
}

/// One file of a package, as uploaded.
#[derive(Debug, Clone, Copy)]
pub struct InputFile<'a> {
    /// File name (may include folders).
    pub name: &'a str,
    /// Content.
    pub bytes: &'a [u8],
    /// Kind, when known (else guessed from name and content).
    pub kind: Option<FileKind>,
    /// Layer function set by the user; wins over X2 and the file name.
    pub layer_function: Option<LayerFunction>,
}

impl<'a> InputFile<'a> {
    /// A file with kind and function left to be guessed.
    pub fn new(name: &'a str, bytes: &'a [u8]) -> Self {
        InputFile {
            name,
            bytes,
            kind: None,
            layer_function: None,
        }
    }
}

/// Kind of each file as used by validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// File name.
    pub name: String,
    /// Kind used.
    pub kind: FileKind,
}

/// A Gerber or drill layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// File name.
    pub file: String,
    /// GERBER or DRILL.
    pub kind: FileKind,
    /// Function.
    pub function: LayerFunction,
    /// Side.
    pub side: Side,
    /// Inner layer number (In1 = 1), where known.
    pub inner_index: Option<u32>,
    /// Where the function came from.
    pub source: LayerSource,
    /// Bounding box in mm, when the file parsed and draws something.
    pub extents_mm: Option<Extents>,
    /// Whether the file parsed.
    pub parsed: bool,
    /// A hash of the drawn image (see [`super::compare::gerber_image_hash`]): equal images,
    /// equal hashes, whatever the file's headers. `None` when the file did not parse (or the
    /// analysis was stored before images were hashed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_hash: Option<String>,
}

/// Board facts derived from the layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardInfo {
    /// Width from the outline, mm.
    pub width_mm: f64,
    /// Height from the outline, mm.
    pub height_mm: f64,
    /// Number of copper layers.
    pub layer_count: u32,
    /// The outline's bounding box.
    pub outline: Extents,
    /// The board edge as a closed polygon, when the outline strokes close.
    pub polygon: Option<Vec<Point>>,
    /// Closed outline loops inside the board edge: cut-outs (empty when there are none).
    #[serde(default)]
    pub cutouts: Vec<Vec<Point>>,
}

impl BoardInfo {
    /// The board's shape (edge and cut-outs), when the outline closes.
    pub fn shape(&self) -> Option<outline::BoardShape> {
        self.polygon.as_ref().map(|outer| outline::BoardShape {
            outer: outer.clone(),
            cutouts: self.cutouts.clone(),
        })
    }
}

/// Everything validation found out about a package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageAnalysis {
    /// Every input file with the kind used.
    pub files: Vec<FileInfo>,
    /// Gerber and drill layers, in input order.
    pub layers: Vec<LayerInfo>,
    /// Board size and layer count, when an outline was found.
    pub board: Option<BoardInfo>,
    /// BOM lines of every BOM file.
    pub bom_lines: Vec<BomLine>,
    /// Placements of every centroid file.
    pub placements: Vec<Placement>,
    /// Findings, in a deterministic order (file in input order, then line, code, designator).
    pub findings: Vec<Finding>,
}

/// The number of distinct copper layers: numbered inner layers count once, an inner layer
/// without a number counts per file.
fn copper_layer_count(layers: &[LayerInfo]) -> u32 {
    let copper: BTreeSet<(LayerFunction, Option<u32>, &str)> = layers
        .iter()
        .filter(|l| l.function.is_copper())
        .map(|l| {
            (
                l.function,
                l.inner_index,
                if l.inner_index.is_none() && l.function == LayerFunction::CopperInner {
                    l.file.as_str()
                } else {
                    ""
                },
            )
        })
        .collect();
    u32::try_from(copper.len()).unwrap_or(u32::MAX)
}

impl PackageAnalysis {
    /// The board when an outline was found; otherwise a stand-in whose size is the extent of
    /// the copper layers (no polygon, no cut-outs), so a package without an outline still
    /// shows a size and a layer count. The flag says whether the size is the outline's.
    pub fn board_or_copper_extent(&self) -> Option<(BoardInfo, bool)> {
        if let Some(b) = &self.board {
            return Some((b.clone(), true));
        }
        let extent = self
            .layers
            .iter()
            .filter(|l| l.function.is_copper())
            .filter_map(|l| l.extents_mm)
            .reduce(|a, b| a.union(&b))?;
        Some((
            BoardInfo {
                width_mm: extent.width(),
                height_mm: extent.height(),
                layer_count: copper_layer_count(&self.layers),
                outline: extent,
                polygon: None,
                cutouts: Vec::new(),
            },
            false,
        ))
    }

    /// Whether any finding blocks submission.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// The analysis plus the parsed geometry (for rendering).
#[derive(Debug, Clone)]
pub struct ParsedPackage {
    /// The analysis.
    pub analysis: PackageAnalysis,
    /// Parsed Gerbers, keyed by index into `analysis.layers`.
    pub gerbers: Vec<(usize, GerberFile)>,
    /// Parsed drill files (rescaled when the format guess was corrected), keyed likewise.
    pub drills: Vec<(usize, DrillFile)>,
}

/// Validates a package: see the module documentation.
pub fn validate_package(files: &[InputFile<'_>]) -> PackageAnalysis {
    analyze_package(files).analysis
}

fn kind_of(f: &InputFile<'_>) -> FileKind {
    if let Some(k) = f.kind {
        return k;
    }
    let guessed = guess_file_kind(f.name, f.bytes);
    match f.layer_function {
        Some(func) if func.is_drill() && guessed != FileKind::Gerber => FileKind::Drill,
        Some(func) if !func.is_drill() && func != LayerFunction::Unknown => FileKind::Gerber,
        _ => guessed,
    }
}

/// What a package's analysis depends on besides its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalyzeOptions {
    /// The IPC class the package is built to: annular ring and hole-to-edge minimums.
    pub ipc_class: IpcClass,
}

impl Default for AnalyzeOptions {
    /// Class 2, the common case.
    fn default() -> Self {
        AnalyzeOptions {
            ipc_class: IpcClass::Class2,
        }
    }
}

/// Like [`validate_package`], keeping the parsed geometry for [`super::render`].
pub fn analyze_package(files: &[InputFile<'_>]) -> ParsedPackage {
    analyze_package_with(files, AnalyzeOptions::default())
}

/// Like [`analyze_package`], for a package of the given options (its IPC class).
pub fn analyze_package_with(files: &[InputFile<'_>], options: AnalyzeOptions) -> ParsedPackage {
    let mut findings = Vec::new();
    let mut infos = Vec::new();
    let mut layers: Vec<LayerInfo> = Vec::new();
    let mut gerbers = Vec::new();
    let mut drills = Vec::new();
    let mut bom_lines = Vec::new();
    let mut placements = Vec::new();
    let mut bom_files = 0;
    let mut bom_ok = false;
    let mut centroid_files = 0;
    let mut centroid_ok = false;

    for f in files {
        let kind = kind_of(f);
        infos.push(FileInfo {
            name: f.name.to_owned(),
            kind,
        });
        match kind {
            FileKind::Gerber => {
                let parsed = gerber::parse(f.bytes);
                let (id, extents, ok) = match &parsed {
                    Ok(g) => {
                        let id = identify_layer(f.name, g.file_function.as_deref());
                        (id, g.extents, true)
                    }
                    Err(e) => {
                        findings.push(
                            Finding::error(
                                FindingCode::GerberParseError,
                                format!("Gerber cannot be read: {}", e.message),
                            )
                            .in_file(f.name)
                            .at(e.line),
                        );
                        (identify_layer(f.name, None), None, false)
                    }
                };
                let id = user_override(id, f.layer_function);
                if let Ok(g) = parsed {
                    let extents = if id.function == LayerFunction::Outline {
                        g.path_extents
                    } else {
                        extents
                    };
                    gerbers.push((layers.len(), g));
                    layers.push(layer_info(f.name, kind, id, extents, ok));
                } else {
                    layers.push(layer_info(f.name, kind, id, None, ok));
                }
            }
            FileKind::Drill => {
                let parsed = excellon::parse(f.bytes);
                let x2 = parsed.as_ref().ok().and_then(|d| d.file_function.clone());
                let mut id = identify_layer(f.name, x2.as_deref());
                if id.function == LayerFunction::Unknown
                    || !id.function.is_drill() && id.source == LayerSource::FileName
                {
                    id = LayerId {
                        function: LayerFunction::DrillPlated,
                        side: Side::Both,
                        inner_index: None,
                        source: LayerSource::FileName,
                    };
                }
                let id = user_override(id, f.layer_function);
                match parsed {
                    Ok(mut d) => {
                        if !d.plating_known && id.function == LayerFunction::DrillNonPlated {
                            d.holes.iter_mut().for_each(|h| h.plated = false);
                        }
                        drills.push((layers.len(), d));
                        layers.push(layer_info(f.name, kind, id, None, true));
                    }
                    Err(e) => {
                        findings.push(
                            Finding::error(
                                FindingCode::DrillParseError,
                                format!("drill file cannot be read: {}", e.message),
                            )
                            .in_file(f.name)
                            .at(e.line),
                        );
                        layers.push(layer_info(f.name, kind, id, None, false));
                    }
                }
            }
            FileKind::Bom => {
                bom_files += 1;
                match bom::parse(f.name, f.bytes) {
                    Ok(b) => {
                        bom_ok = true;
                        findings.extend(bom::check(&b));
                        bom_lines.extend(b.lines);
                    }
                    Err(e) => findings.push(e.finding(f.name)),
                }
            }
            FileKind::Centroid => {
                centroid_files += 1;
                match centroid::parse(f.name, f.bytes) {
                    Ok(p) => {
                        centroid_ok = true;
                        placements.extend(p);
                    }
                    Err(e) => findings.push(e.finding(f.name)),
                }
            }
            FileKind::Ipc2581 => match super::ipc2581::parse(f.name, f.bytes) {
                Ok(pkg) => {
                    let id = |function: LayerFunction, inner_index| LayerId {
                        function,
                        side: function.side(),
                        inner_index,
                        source: LayerSource::X2,
                    };
                    let label = |layer: &str| format!("{}#{layer}", f.name);
                    for l in pkg.layers {
                        let info = layer_info(
                            &label(&l.name),
                            FileKind::Ipc2581,
                            id(l.function, l.inner_index),
                            l.image.extents,
                            true,
                        );
                        gerbers.push((layers.len(), l.image));
                        layers.push(info);
                    }
                    if let Some(o) = pkg.outline {
                        let info = layer_info(
                            &label("Profile"),
                            FileKind::Ipc2581,
                            id(LayerFunction::Outline, None),
                            o.path_extents,
                            true,
                        );
                        gerbers.push((layers.len(), o));
                        layers.push(info);
                    }
                    for d in pkg.drills {
                        let info = layer_info(
                            &label(&d.name),
                            FileKind::Ipc2581,
                            id(d.function, None),
                            None,
                            true,
                        );
                        drills.push((layers.len(), d.drill));
                        layers.push(info);
                    }
                    if !pkg.bom_lines.is_empty() {
                        bom_files += 1;
                        bom_ok = true;
                        let bom = bom::Bom {
                            lines: pkg.bom_lines,
                            header_row: 0,
                            has_mpn_column: true,
                            findings: Vec::new(),
                        };
                        findings.extend(bom::check(&bom));
                        bom_lines.extend(bom.lines);
                    }
                    if !pkg.placements.is_empty() {
                        centroid_files += 1;
                        centroid_ok = true;
                        placements.extend(pkg.placements);
                    }
                }
                Err(e) => findings.push(
                    Finding::error(
                        FindingCode::Ipc2581ParseError,
                        format!("IPC-2581 file cannot be read: {}", e.message),
                    )
                    .in_file(f.name),
                ),
            },
            FileKind::Drawing | FileKind::Other => {}
        }
    }

    // Layer identification and completeness.
    for l in &layers {
        if l.function == LayerFunction::Unknown {
            findings.push(
                Finding::warning(
                    FindingCode::LayerFunctionUnknown,
                    format!("cannot tell which layer `{}` is (no X2 .FileFunction, unknown name): please set its layer function", l.file),
                )
                .in_file(&l.file),
            );
        }
    }
    let mut by_function: BTreeMap<(LayerFunction, Option<u32>), Vec<&str>> = BTreeMap::new();
    for l in &layers {
        let many_allowed = matches!(
            l.function,
            LayerFunction::DrillPlated
                | LayerFunction::DrillNonPlated
                | LayerFunction::Drawing
                | LayerFunction::Other
                | LayerFunction::Unknown
        );
        let unnumbered_inner = l.function == LayerFunction::CopperInner && l.inner_index.is_none();
        let single = !many_allowed && !unnumbered_inner;
        if single {
            by_function
                .entry((l.function, l.inner_index))
                .or_default()
                .push(&l.file);
        }
    }
    for ((function, _), names) in &by_function {
        for dup in names.iter().skip(1) {
            findings.push(
                Finding::warning(
                    FindingCode::DuplicateLayerFunction,
                    format!("`{dup}` and `{}` are both {function}; remove one or set the right function", names[0]),
                )
                .in_file(dup),
            );
        }
    }
    let has = |p: &dyn Fn(LayerFunction) -> bool| layers.iter().any(|l| p(l.function));
    for (present, what) in [
        (has(&|f| f == LayerFunction::CopperTop), "top copper layer"),
        (
            has(&|f| f == LayerFunction::Outline),
            "board outline (profile) layer",
        ),
        (has(&LayerFunction::is_drill), "drill file"),
    ] {
        if !present {
            findings.push(Finding::error(
                FindingCode::MissingLayer,
                format!("the package has no {what}"),
            ));
        }
    }

    // Board from the outline.
    let outline = layers
        .iter()
        .filter(|l| l.function == LayerFunction::Outline)
        .filter_map(|l| l.extents_mm)
        .reduce(|a, b| a.union(&b));
    let shape = gerbers
        .iter()
        .filter(|(i, _)| layers[*i].function == LayerFunction::Outline)
        .filter_map(|(_, g)| outline::board_shape(g))
        .max_by(|a, b| {
            outline::area(&a.outer)
                .abs()
                .total_cmp(&outline::area(&b.outer).abs())
        });
    let (polygon, cutouts) = match shape {
        Some(s) => (Some(s.outer), s.cutouts),
        None => (None, Vec::new()),
    };
    let board = outline.map(|o| BoardInfo {
        width_mm: o.width(),
        height_mm: o.height(),
        layer_count: copper_layer_count(&layers),
        outline: o,
        polygon,
        cutouts,
    });

    // Drill format guesses, checked against the outline.
    for (idx, d) in &mut drills {
        if d.format_guessed {
            let file = layers[*idx].file.clone();
            let fmt = d.format;
            let described = format!(
                "{} {}.{} with {} zeros suppressed",
                if d.units == gerber::Units::Mm {
                    "mm"
                } else {
                    "inch"
                },
                fmt.integer_digits,
                fmt.decimal_digits,
                if fmt.zeros == excellon::Zeros::TrailingKept {
                    "leading"
                } else {
                    "trailing"
                }
            );
            match board.as_ref().and_then(|b| d.best_scale(&b.outline).map(|fit| (b, fit))) {
                Some((_, fit)) if (fit.factor - 1.0).abs() < 1e-12 && fit.inside_fraction >= 0.99 => {}
                Some((_, fit)) if fit.inside_fraction >= 0.9 => {
                    *d = d.rescaled(fit.factor);
                    findings.push(
                        Finding::warning(
                            FindingCode::DrillFormatGuessed,
                            format!(
                                "the drill file does not state its coordinate format; read as {described}, the holes fell outside the board, so they were scaled ×{:.4} to fit the outline: please check",
                                fit.factor
                            ),
                        )
                        .in_file(&file),
                    );
                }
                _ => findings.push(
                    Finding::warning(
                        FindingCode::DrillFormatGuessed,
                        format!("the drill file does not state its coordinate format; assumed {described}, which could not be confirmed against the outline"),
                    )
                    .in_file(&file),
                ),
            }
        }
        layers[*idx].extents_mm = d.extents;
    }
    for (idx, g) in &gerbers {
        layers[*idx].image_hash = Some(super::compare::gerber_image_hash(g));
    }
    for (idx, d) in &drills {
        layers[*idx].image_hash = Some(super::compare::drill_image_hash(d));
    }

    // BOM and centroid.
    if bom_files == 0 {
        findings.push(Finding::error(
            FindingCode::MissingBom,
            "the package has no BOM",
        ));
    }
    if centroid_files == 0 {
        findings.push(Finding::warning(
            FindingCode::MissingCentroid,
            "the package has no centroid (pick-and-place) file; the EMS will have to create one",
        ));
    }
    let mut placed_at: BTreeMap<String, &Placement> = BTreeMap::new();
    for p in &placements {
        let key = p.designator.to_ascii_uppercase();
        if let Some(first) = placed_at.get(&key) {
            findings.push(
                Finding::error(
                    FindingCode::CentroidDuplicateDesignator,
                    format!(
                        "{} is placed twice (first on row {} of `{}`)",
                        p.designator, first.row, first.file
                    ),
                )
                .in_file(&p.file)
                .at(p.row)
                .designator(&p.designator),
            );
        } else {
            placed_at.insert(key, p);
        }
    }
    if bom_ok && centroid_ok {
        let mut in_bom: BTreeMap<String, &BomLine> = BTreeMap::new();
        for l in &bom_lines {
            for d in &l.designators {
                in_bom.entry(d.to_ascii_uppercase()).or_insert(l);
            }
        }
        for p in placed_at.values() {
            if !in_bom.contains_key(&p.designator.to_ascii_uppercase()) {
                findings.push(
                    Finding::error(
                        FindingCode::PlacementWithoutBomLine,
                        format!("{} is placed but is not in the BOM", p.designator),
                    )
                    .in_file(&p.file)
                    .at(p.row)
                    .designator(&p.designator),
                );
            }
        }
        for l in &bom_lines {
            if l.dnp {
                continue;
            }
            for d in &l.designators {
                if !placed_at.contains_key(&d.to_ascii_uppercase())
                    && in_bom
                        .get(&d.to_ascii_uppercase())
                        .is_some_and(|first| first.row == l.row && first.file == l.file)
                {
                    findings.push(
                        Finding::warning(
                            FindingCode::BomLineWithoutPlacement,
                            format!("{d} is in the BOM but has no placement in the centroid file (fine for hand-placed or through-hole parts)"),
                        )
                        .in_file(&l.file)
                        .at(l.row)
                        .designator(d),
                    );
                }
            }
        }
    }
    if let Some(b) = &board {
        unmirror_bottom(&mut placements, b, &mut findings);
        let pads = copper_pads(&gerbers, &layers);
        check_placements(&placements, b, &pads, &mut findings);
    }
    findings.extend(registration::check(&registration::Inputs {
        gerbers: &gerbers,
        drills: &drills,
        layers: &layers,
        board: board.as_ref(),
        placements: &placements,
        class: options.ipc_class,
    }));

    // Deterministic order: package-level first, then files in input order, line, code, designator.
    let order: BTreeMap<&str, usize> = files
        .iter()
        .enumerate()
        .rev()
        .map(|(i, f)| (f.name, i))
        .collect();
    findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            (
                f.file
                    .as_deref()
                    .map(|n| order.get(n).copied().unwrap_or(usize::MAX)),
                f.line.unwrap_or(0),
            )
        };
        key(a)
            .cmp(&key(b))
            .then(a.code.cmp(&b.code))
            .then(a.designator.cmp(&b.designator))
            .then(a.message.cmp(&b.message))
    });

    ParsedPackage {
        analysis: PackageAnalysis {
            files: infos,
            layers,
            board,
            bom_lines,
            placements,
            findings,
        },
        gerbers,
        drills,
    }
}

/// Tolerance (mm) of the on-board tests: a point this close to the edge is on it.
pub(crate) const EDGE_TOLERANCE_MM: f64 = 0.05;
/// How far (mm) from its centroid a part's pads are looked for when the copper does not name
/// them (no X2 `.P`/`.C` attributes): farther than any overhang worth a warning.
const PAD_REACH_MM: f64 = 10.0;
/// Most pad look-ups (pad × placement distance tests) spent on off-board placements.
const PAD_SEARCH_BUDGET: usize = 5_000_000;

/// A copper flash (or an attributed copper region): where a part's pad is.
#[derive(Debug)]
struct Pad {
    x: f64,
    y: f64,
    /// The side of the copper layer it is on.
    side: Side,
    /// The component it belongs to, from X2 attributes (upper case).
    owner: Option<String>,
}

/// Pads of the outer copper layers: every dark flash, and the dark regions X2 attributes give
/// to a component (custom-shaped pads); copper pours are not pads.
fn copper_pads(gerbers: &[(usize, GerberFile)], layers: &[LayerInfo]) -> Vec<Pad> {
    let mut pads = Vec::new();
    for (i, g) in gerbers {
        let side = match layers[*i].function {
            LayerFunction::CopperTop => Side::Top,
            LayerFunction::CopperBottom => Side::Bottom,
            _ => continue,
        };
        for (k, o) in g.objects.iter().enumerate() {
            let owner = g.component_of(k).map(str::to_ascii_uppercase);
            let at = match o {
                Graphic::Flash { at, dark: true, .. } => *at,
                Graphic::Region { dark: true, .. } if owner.is_some() => {
                    match o.extents_with(&g.apertures) {
                        Some(e) => Point {
                            x: (e.min_x + e.max_x) / 2.0,
                            y: (e.min_y + e.max_y) / 2.0,
                        },
                        None => continue,
                    }
                }
                _ => continue,
            };
            pads.push(Pad {
                x: at.x,
                y: at.y,
                side,
                owner,
            });
        }
    }
    pads
}

/// Whether a placement on `side` can own a pad on copper side `pad`: a part's pads are on its
/// own side (through-hole pads are on both); a placement without a side takes either.
fn same_side(side: Side, pad: Side) -> bool {
    side == pad || !matches!(side, Side::Top | Side::Bottom)
}

/// Judges every placement against the board: on it, overhanging it (centroid off, pads on:
/// WARNING), or off it (ERROR).
fn check_placements(
    placements: &[Placement],
    b: &BoardInfo,
    pads: &[Pad],
    findings: &mut Vec<Finding>,
) {
    let shape = b.shape();
    let on_board = |x: f64, y: f64| match &shape {
        Some(s) => s.contains(x, y, EDGE_TOLERANCE_MM),
        None => b.outline.contains(x, y, EDGE_TOLERANCE_MM),
    };
    let beyond = |x: f64, y: f64| match &shape {
        Some(s) => s.distance_to_edge(x, y),
        None => {
            let o = &b.outline;
            let dx = (o.min_x - x).max(x - o.max_x).max(0.0);
            let dy = (o.min_y - y).max(y - o.max_y).max(0.0);
            dx.hypot(dy)
        }
    };
    let mut by_owner: BTreeMap<&str, Vec<&Pad>> = BTreeMap::new();
    for p in pads {
        if let Some(o) = &p.owner {
            by_owner.entry(o.as_str()).or_default().push(p);
        }
    }
    let unowned: Vec<&Pad> = pads.iter().filter(|p| p.owner.is_none()).collect();
    let mut budget = PAD_SEARCH_BUDGET;
    let mut outside = 0usize;
    for p in placements {
        if on_board(p.x_mm, p.y_mm) {
            continue;
        }
        // The part's pads: named by X2 attributes, else the unnamed flashes nearer to this
        // centroid than to any other placement's on the same side, within reach.
        let key = p.designator.to_ascii_uppercase();
        let own: Vec<&Pad> = match by_owner.get(key.as_str()) {
            Some(named) => named.clone(),
            None => {
                let mut near = Vec::new();
                for pad in unowned.iter().filter(|pad| same_side(p.side, pad.side)) {
                    if budget == 0 {
                        break;
                    }
                    budget -= 1;
                    let d = (pad.x - p.x_mm).hypot(pad.y - p.y_mm);
                    if d > PAD_REACH_MM {
                        continue;
                    }
                    let nearest = placements.iter().all(|q| {
                        std::ptr::eq(q, p)
                            || !same_side(q.side, pad.side)
                            || (pad.x - q.x_mm).hypot(pad.y - q.y_mm) >= d
                    });
                    budget = budget.saturating_sub(placements.len());
                    if nearest {
                        near.push(*pad);
                    }
                }
                near
            }
        };
        let on = own.iter().filter(|pad| on_board(pad.x, pad.y)).count();
        if on > 0 {
            findings.push(
                Finding::warning(
                    FindingCode::PlacementOverhangsEdge,
                    format!(
                        "{}'s centroid at ({:.3}, {:.3}) mm lies {:.3} mm beyond the board edge, but {on} of its {} pads are on the board: a part that overhangs the edge (edge connector, jack)? check it is meant to",
                        p.designator,
                        p.x_mm,
                        p.y_mm,
                        beyond(p.x_mm, p.y_mm),
                        own.len()
                    ),
                )
                .in_file(&p.file)
                .at(p.row)
                .designator(&p.designator),
            );
            continue;
        }
        outside += 1;
        if outside <= 50 {
            let pads_said = if own.is_empty() {
                "no pads of it found on the copper".to_owned()
            } else {
                format!("none of its {} pads is on the board either", own.len())
            };
            findings.push(
                Finding::error(
                    FindingCode::PlacementOutsideOutline,
                    format!(
                        "{} at ({:.3}, {:.3}) mm lies outside the board outline, {:.3} mm beyond its edge (x {:.3}..{:.3}, y {:.3}..{:.3}), {pads_said}; check the part and the centroid origin",
                        p.designator,
                        p.x_mm,
                        p.y_mm,
                        beyond(p.x_mm, p.y_mm),
                        b.outline.min_x,
                        b.outline.max_x,
                        b.outline.min_y,
                        b.outline.max_y
                    ),
                )
                .in_file(&p.file)
                .at(p.row)
                .designator(&p.designator),
            );
        }
    }
    if outside > 50 {
        findings.push(Finding::error(
            FindingCode::PlacementOutsideOutline,
            format!("{outside} placements lie outside the board outline (first 50 listed)"),
        ));
    }
    if outside * 2 > placements.len() {
        if let Some(hint) = placement_hint(placements, b) {
            findings.push(Finding::error(
                FindingCode::PlacementOutsideOutline,
                format!("most placements lie outside the board, but {hint}: check the centroid's units and origin"),
            ));
        }
    }
}

/// KiCad 6 and older write bottom-side x negated (as seen from below). When, in one centroid
/// file, the bottom placements miss the board as written but fit it negated, while the top ones
/// fit as written, the bottom x values are negated back and a WARNING says so.
fn unmirror_bottom(placements: &mut [Placement], b: &BoardInfo, findings: &mut Vec<Finding>) {
    let area = b.outline.grown(PAD_REACH_MM);
    let files: BTreeSet<String> = placements.iter().map(|p| p.file.clone()).collect();
    for file in files {
        let fits = |ps: &[&Placement], sign: f64, side: Side| {
            let of_side: Vec<_> = ps.iter().filter(|p| p.side == side).collect();
            let inside = of_side
                .iter()
                .filter(|p| area.contains(sign * p.x_mm, p.y_mm, 0.0))
                .count();
            (inside, of_side.len())
        };
        let ps: Vec<&Placement> = placements.iter().filter(|p| p.file == file).collect();
        let (bottom_as_is, bottoms) = fits(&ps, 1.0, Side::Bottom);
        let (bottom_negated, _) = fits(&ps, -1.0, Side::Bottom);
        let (top_in, tops) = fits(&ps, 1.0, Side::Top);
        let mirrored = bottoms > 0
            && bottom_as_is * 2 < bottoms
            && bottom_negated * 10 >= bottoms * 9
            && top_in * 10 >= tops * 9;
        if !mirrored {
            continue;
        }
        placements
            .iter_mut()
            .filter(|p| p.file == file && p.side == Side::Bottom)
            .for_each(|p| p.x_mm = -p.x_mm);
        findings.push(
            Finding::warning(
                FindingCode::CentroidBottomMirrored,
                format!("the {bottoms} bottom-side placements lie off the board with x as written but on it with x negated (KiCad 6 and older write bottom x mirrored): read with x negated, please check"),
            )
            .in_file(&file),
        );
    }
}

/// When most placements miss the board, a guess at why: wrong units, mirrored y, or an origin
/// offset (the placements would fit the board if moved).
fn placement_hint(placements: &[Placement], b: &BoardInfo) -> Option<String> {
    let fits = |f: &dyn Fn(&Placement) -> (f64, f64)| {
        let inside = placements
            .iter()
            .filter(|p| {
                let (x, y) = f(p);
                b.outline.contains(x, y, 0.05)
            })
            .count();
        inside * 10 >= placements.len() * 9
    };
    // Largest first: shrinking always fits a board near the origin, the right factor fills it.
    for factor in [1.0 / 0.0254, 25.4, 10.0, 0.1, 1.0 / 25.4, 0.0254] {
        if fits(&|p| (p.x_mm * factor, p.y_mm * factor)) {
            return Some(format!(
                "they would fit scaled by {factor:.4} (a mix-up of mm, mils and inches?)"
            ));
        }
    }
    if fits(&|p| (p.x_mm, -p.y_mm)) {
        return Some("they would fit with the y axis flipped".to_owned());
    }
    let spread = placements
        .iter()
        .map(|p| Extents::point(p.x_mm, p.y_mm))
        .reduce(|a, c| a.union(&c))?;
    if spread.width() <= b.width_mm && spread.height() <= b.height_mm {
        let dx = (b.outline.min_x + b.outline.max_x - spread.min_x - spread.max_x) / 2.0;
        let dy = (b.outline.min_y + b.outline.max_y - spread.min_y - spread.max_y) / 2.0;
        return Some(format!(
            "they fit within the board's size: the centroid origin probably differs from the Gerbers' (by about ({dx:.2}, {dy:.2}) mm)"
        ));
    }
    None
}

fn user_override(id: LayerId, user: Option<LayerFunction>) -> LayerId {
    match user {
        Some(function) => LayerId {
            function,
            side: function.side(),
            inner_index: if function == LayerFunction::CopperInner {
                id.inner_index
            } else {
                None
            },
            source: LayerSource::User,
        },
        None => id,
    }
}

fn layer_info(
    file: &str,
    kind: FileKind,
    id: LayerId,
    extents: Option<Extents>,
    parsed: bool,
) -> LayerInfo {
    LayerInfo {
        file: file.to_owned(),
        kind,
        function: id.function,
        side: id.side,
        inner_index: id.inner_index,
        source: id.source,
        extents_mm: extents,
        parsed,
        image_hash: None,
    }
}
