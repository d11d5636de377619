//! Revision compare: what changed between two analysed packages, per designator, per BOM line,
//! per layer image and per file, and what first-article inspection the change calls for. Pure
//! computation on two [`PackageAnalysis`] values, so the browser can show the same diff the
//! server answers.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::bom::BomLine;
use super::centroid::Placement;
use super::excellon::DrillFile;
use super::gerber::{Aperture, GerberFile, Graphic, MacroShape, Point};
use super::layers::{LayerFunction, Side};
use super::validate::PackageAnalysis;
use crate::domain::closed_set;
use crate::domain::UnknownVariant;
use crate::fai::FaiScope;
use std::fmt;
use std::str::FromStr;

/// Default distance (mm) a placement may move before it counts as changed.
pub const POSITION_TOLERANCE_MM: f64 = 0.05;
/// Default rotation (degrees) a placement may turn before it counts as changed.
pub const ROTATION_TOLERANCE_DEG: f64 = 0.5;

closed_set! {
    /// How an item differs between two revisions.
    ChangeKind, "change kind" {
        /// Only in the newer revision.
        Added => "ADDED",
        /// Only in the older revision.
        Removed => "REMOVED",
        /// In both, different.
        Changed => "CHANGED",
    }
}

closed_set! {
    /// From when a new revision replaces the one it was made from, as the OEM chooses.
    EffectivityKind, "effectivity" {
        /// Units built from a date on.
        FromDate => "FROM_DATE",
        /// Units from a serial on.
        FromSerial => "FROM_SERIAL",
        /// The next build planned.
        NextBuild => "NEXT_BUILD",
    }
}

closed_set! {
    /// A property of a designator that changed.
    DesignatorField, "designator field" {
        /// Manufacturer part number.
        Mpn => "MPN",
        /// Value (10k, 100nF, …).
        Value => "VALUE",
        /// Footprint or package.
        Footprint => "FOOTPRINT",
        /// Position, beyond the tolerance.
        Position => "POSITION",
        /// Rotation, beyond the tolerance.
        Rotation => "ROTATION",
        /// Board side.
        Side => "SIDE",
        /// Do-not-place.
        Dnp => "DNP",
    }
}

/// One designator as a revision defines it (BOM and centroid together).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DesignatorState {
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// Value.
    pub value: Option<String>,
    /// Footprint or package (the BOM's, else the centroid's).
    pub footprint: Option<String>,
    /// x, mm (when placed).
    pub x_mm: Option<f64>,
    /// y, mm (when placed).
    pub y_mm: Option<f64>,
    /// Rotation, degrees (when placed).
    pub rotation_deg: Option<f64>,
    /// Side (when placed).
    pub side: Option<Side>,
    /// Do not place.
    pub dnp: bool,
}

/// How one designator differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesignatorChange {
    /// The reference designator.
    pub designator: String,
    /// ADDED, REMOVED or CHANGED.
    pub kind: ChangeKind,
    /// What changed (empty for ADDED and REMOVED).
    pub fields: Vec<DesignatorField>,
    /// As the older revision has it.
    pub before: Option<DesignatorState>,
    /// As the newer revision has it.
    pub after: Option<DesignatorState>,
}

impl DesignatorChange {
    /// The side the designator is on in either revision (the newer one first).
    pub fn side(&self) -> Option<Side> {
        self.after
            .as_ref()
            .and_then(|s| s.side)
            .or_else(|| self.before.as_ref().and_then(|s| s.side))
    }
}

/// A BOM line that differs, keyed by its MPN (else value and package).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BomLineChange {
    /// The key: the MPN, else `value / package`.
    pub key: String,
    /// ADDED, REMOVED or CHANGED.
    pub kind: ChangeKind,
    /// The line in the older revision.
    pub before: Option<BomLine>,
    /// The line in the newer revision.
    pub after: Option<BomLine>,
}

/// A layer whose image differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerChange {
    /// Its function.
    pub function: LayerFunction,
    /// For inner copper, its position in the stack.
    pub inner_index: Option<u32>,
    /// ADDED, REMOVED or CHANGED.
    pub kind: ChangeKind,
    /// The file in the older revision.
    pub file_before: Option<String>,
    /// The file in the newer revision.
    pub file_after: Option<String>,
}

/// Everything that differs between two revisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RevisionDiff {
    /// Designators added, removed or changed, by designator.
    pub designators: Vec<DesignatorChange>,
    /// BOM lines added, removed or changed, by key.
    pub bom_lines: Vec<BomLineChange>,
    /// Layers whose image changed, in layer order.
    pub layers: Vec<LayerChange>,
    /// File names only in the newer revision.
    pub files_added: Vec<String>,
    /// File names only in the older revision.
    pub files_removed: Vec<String>,
    /// File names in both with different content.
    pub files_changed: Vec<String>,
}

impl RevisionDiff {
    /// The first-article inspection the change calls for: FULL when a layer image changed
    /// (the bare board is different), else PARTIAL over [`RevisionDiff::fai_designators`].
    pub fn suggested_fai_scope(&self) -> FaiScope {
        if self.layers.is_empty() {
            FaiScope::Partial
        } else {
            FaiScope::Full
        }
    }

    /// The designators a PARTIAL FAI inspects: every added or changed one that is placed (not
    /// DNP) in the newer revision, in designator order.
    pub fn fai_designators(&self) -> Vec<String> {
        self.designators
            .iter()
            .filter(|c| c.kind != ChangeKind::Removed)
            .filter(|c| c.after.as_ref().is_some_and(|a| !a.dnp))
            .map(|c| c.designator.clone())
            .collect()
    }

    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.designators.is_empty()
            && self.bom_lines.is_empty()
            && self.layers.is_empty()
            && self.files_added.is_empty()
            && self.files_removed.is_empty()
            && self.files_changed.is_empty()
    }
}

/// A file of a revision, by name and content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef<'a> {
    /// Name.
    pub name: &'a str,
    /// Content hash (any stable hash; equal content, equal hash).
    pub sha256: &'a str,
}

/// One revision to compare: its analysis and its files.
#[derive(Debug, Clone, Copy)]
pub struct Revision<'a> {
    /// The analysis.
    pub analysis: &'a PackageAnalysis,
    /// Its files.
    pub files: &'a [FileRef<'a>],
}

/// Tolerances of the compare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Largest move (mm) that is not a change.
    pub position_mm: f64,
    /// Largest turn (degrees) that is not a change.
    pub rotation_deg: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            position_mm: POSITION_TOLERANCE_MM,
            rotation_deg: ROTATION_TOLERANCE_DEG,
        }
    }
}

fn norm(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn same_text(a: &Option<String>, b: &Option<String>) -> bool {
    match (norm(a), norm(b)) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(&b),
        (None, None) => true,
        _ => false,
    }
}

/// Every designator of a revision with its state, by upper-case designator.
pub fn designators(a: &PackageAnalysis) -> BTreeMap<String, (String, DesignatorState)> {
    let mut out: BTreeMap<String, (String, DesignatorState)> = BTreeMap::new();
    for l in &a.bom_lines {
        for d in &l.designators {
            let e = out
                .entry(d.to_ascii_uppercase())
                .or_insert_with(|| (d.clone(), DesignatorState::default()));
            if e.1.mpn.is_none() && e.1.value.is_none() {
                e.1.mpn = norm(&l.mpn);
                e.1.value = norm(&l.value);
                e.1.footprint = norm(&l.package);
                e.1.dnp = l.dnp;
            }
        }
    }
    for p in &a.placements {
        let e = out
            .entry(p.designator.to_ascii_uppercase())
            .or_insert_with(|| (p.designator.clone(), DesignatorState::default()));
        place(&mut e.1, p);
    }
    out
}

fn place(s: &mut DesignatorState, p: &Placement) {
    if s.x_mm.is_some() {
        return;
    }
    s.x_mm = Some(p.x_mm);
    s.y_mm = Some(p.y_mm);
    s.rotation_deg = Some(p.rotation_deg);
    s.side = Some(p.side);
    if s.footprint.is_none() {
        s.footprint = norm(&p.package);
    }
    if s.value.is_none() {
        s.value = norm(&p.value);
    }
}

fn angle_apart(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

fn fields(a: &DesignatorState, b: &DesignatorState, t: Tolerances) -> Vec<DesignatorField> {
    let mut out = Vec::new();
    if !same_text(&a.mpn, &b.mpn) {
        out.push(DesignatorField::Mpn);
    }
    if !same_text(&a.value, &b.value) {
        out.push(DesignatorField::Value);
    }
    if !same_text(&a.footprint, &b.footprint) {
        out.push(DesignatorField::Footprint);
    }
    match (a.x_mm.zip(a.y_mm), b.x_mm.zip(b.y_mm)) {
        (Some((x0, y0)), Some((x1, y1))) if (x1 - x0).hypot(y1 - y0) > t.position_mm + 1e-9 => {
            out.push(DesignatorField::Position)
        }
        (Some(_), None) | (None, Some(_)) => out.push(DesignatorField::Position),
        _ => {}
    }
    if let (Some(r0), Some(r1)) = (a.rotation_deg, b.rotation_deg) {
        if angle_apart(r0, r1) > t.rotation_deg + 1e-9 {
            out.push(DesignatorField::Rotation);
        }
    }
    if let (Some(s0), Some(s1)) = (a.side, b.side) {
        if s0 != s1 {
            out.push(DesignatorField::Side);
        }
    }
    if a.dnp != b.dnp {
        out.push(DesignatorField::Dnp);
    }
    out
}

fn bom_key(l: &BomLine) -> String {
    match norm(&l.mpn) {
        Some(m) => m.to_ascii_uppercase(),
        None => format!(
            "{} / {}",
            norm(&l.value).unwrap_or_default(),
            norm(&l.package).unwrap_or_default()
        )
        .to_ascii_uppercase(),
    }
}

fn same_line(a: &BomLine, b: &BomLine) -> bool {
    let set = |l: &BomLine| -> BTreeSet<String> {
        l.designators
            .iter()
            .map(|d| d.to_ascii_uppercase())
            .collect()
    };
    set(a) == set(b)
        && a.quantity == b.quantity
        && same_text(&a.mpn, &b.mpn)
        && same_text(&a.manufacturer, &b.manufacturer)
        && same_text(&a.value, &b.value)
        && same_text(&a.package, &b.package)
        && same_text(&a.description, &b.description)
        && a.dnp == b.dnp
}

/// Compares two revisions (`from` the older, `to` the newer).
pub fn compare(from: Revision<'_>, to: Revision<'_>, t: Tolerances) -> RevisionDiff {
    let mut diff = RevisionDiff::default();

    // Designators.
    let before = designators(from.analysis);
    let after = designators(to.analysis);
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for k in keys {
        match (before.get(k), after.get(k)) {
            (Some((d, b)), None) => diff.designators.push(DesignatorChange {
                designator: d.clone(),
                kind: ChangeKind::Removed,
                fields: Vec::new(),
                before: Some(b.clone()),
                after: None,
            }),
            (None, Some((d, a))) => diff.designators.push(DesignatorChange {
                designator: d.clone(),
                kind: ChangeKind::Added,
                fields: Vec::new(),
                before: None,
                after: Some(a.clone()),
            }),
            (Some((_, b)), Some((d, a))) => {
                let f = fields(b, a, t);
                if !f.is_empty() {
                    diff.designators.push(DesignatorChange {
                        designator: d.clone(),
                        kind: ChangeKind::Changed,
                        fields: f,
                        before: Some(b.clone()),
                        after: Some(a.clone()),
                    });
                }
            }
            (None, None) => {}
        }
    }

    // BOM lines.
    let lines = |a: &PackageAnalysis| -> BTreeMap<String, BomLine> {
        let mut m = BTreeMap::new();
        for l in &a.bom_lines {
            m.entry(bom_key(l)).or_insert_with(|| l.clone());
        }
        m
    };
    let (lb, la) = (lines(from.analysis), lines(to.analysis));
    let keys: BTreeSet<&String> = lb.keys().chain(la.keys()).collect();
    for k in keys {
        let (b, a) = (lb.get(k), la.get(k));
        let kind = match (b, a) {
            (Some(_), None) => ChangeKind::Removed,
            (None, Some(_)) => ChangeKind::Added,
            (Some(b), Some(a)) if !same_line(b, a) => ChangeKind::Changed,
            _ => continue,
        };
        diff.bom_lines.push(BomLineChange {
            key: k.clone(),
            kind,
            before: b.cloned(),
            after: a.cloned(),
        });
    }

    // Layer images: equal when the drawn images hash the same; an analysis stored without
    // image hashes falls back to the files' content.
    struct LayerSet {
        file: String,
        image: Option<String>,
        content: Option<String>,
    }
    let layer_map = |r: &Revision<'_>| {
        let mut m: BTreeMap<(LayerFunction, Option<u32>), LayerSet> = BTreeMap::new();
        for l in &r.analysis.layers {
            if matches!(
                l.function,
                LayerFunction::Drawing | LayerFunction::Other | LayerFunction::Unknown
            ) {
                continue;
            }
            let content = r
                .files
                .iter()
                .find(|f| f.name == l.file)
                .map(|f| f.sha256.to_owned());
            let join = |a: Option<String>, b: Option<String>| Some(format!("{}+{}", a?, b?));
            match m.get_mut(&(l.function, l.inner_index)) {
                // Several drill files of one function: their hashes together.
                Some(set) => {
                    set.image = join(set.image.take(), l.image_hash.clone());
                    set.content = join(set.content.take(), content);
                }
                None => {
                    m.insert(
                        (l.function, l.inner_index),
                        LayerSet {
                            file: l.file.clone(),
                            image: l.image_hash.clone(),
                            content,
                        },
                    );
                }
            }
        }
        m
    };
    let (mb, ma) = (layer_map(&from), layer_map(&to));
    let keys: BTreeSet<&(LayerFunction, Option<u32>)> = mb.keys().chain(ma.keys()).collect();
    for k in keys {
        let (b, a) = (mb.get(k), ma.get(k));
        let kind = match (b, a) {
            (Some(_), None) => ChangeKind::Removed,
            (None, Some(_)) => ChangeKind::Added,
            (Some(b), Some(a)) => {
                let same = match (&b.image, &a.image) {
                    (Some(x), Some(y)) => x == y,
                    _ => b.content.is_some() && b.content == a.content,
                };
                if same {
                    continue;
                }
                ChangeKind::Changed
            }
            (None, None) => continue,
        };
        diff.layers.push(LayerChange {
            function: k.0,
            inner_index: k.1,
            kind,
            file_before: b.map(|x| x.file.clone()),
            file_after: a.map(|x| x.file.clone()),
        });
    }

    // Files.
    let fb: BTreeMap<&str, &str> = from.files.iter().map(|f| (f.name, f.sha256)).collect();
    let fa: BTreeMap<&str, &str> = to.files.iter().map(|f| (f.name, f.sha256)).collect();
    for (n, h) in &fa {
        match fb.get(n) {
            None => diff.files_added.push((*n).to_owned()),
            Some(old) if old != h => diff.files_changed.push((*n).to_owned()),
            _ => {}
        }
    }
    for n in fb.keys() {
        if !fa.contains_key(n) {
            diff.files_removed.push((*n).to_owned());
        }
    }
    diff
}

/// FNV-1a, 64 bits: a small stable hash (not for security) of a layer's drawn image.
#[derive(Debug, Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 ^= u64::from(*x);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn num(&mut self, v: f64) {
        // Micrometres: re-exports that only differ below that are the same image.
        let q = if v.is_finite() {
            (v * 1000.0).round() as i64
        } else {
            i64::MIN
        };
        self.bytes(&q.to_le_bytes());
    }
    fn pt(&mut self, p: Point) {
        self.num(p.x);
        self.num(p.y);
    }
    fn tag(&mut self, t: u8) {
        self.bytes(&[t]);
    }
}

fn hash_aperture(h: &mut Fnv, a: Option<&Aperture>) {
    match a {
        None => h.tag(0),
        Some(Aperture::Circle { diameter }) => {
            h.tag(1);
            h.num(*diameter);
        }
        Some(Aperture::Rectangle { width, height }) => {
            h.tag(2);
            h.num(*width);
            h.num(*height);
        }
        Some(Aperture::Obround { width, height }) => {
            h.tag(3);
            h.num(*width);
            h.num(*height);
        }
        Some(Aperture::Polygon {
            diameter,
            vertices,
            rotation,
        }) => {
            h.tag(4);
            h.num(*diameter);
            h.bytes(&vertices.to_le_bytes());
            h.num(*rotation);
        }
        Some(Aperture::Macro { shapes, .. }) => {
            h.tag(5);
            for s in shapes {
                match s {
                    MacroShape::Circle {
                        center,
                        diameter,
                        dark,
                    } => {
                        h.tag(6 + u8::from(*dark));
                        h.pt(*center);
                        h.num(*diameter);
                    }
                    MacroShape::Polygon { points, dark } => {
                        h.tag(8 + u8::from(*dark));
                        points.iter().for_each(|p| h.pt(*p));
                    }
                }
            }
        }
        Some(Aperture::Block { objects }) => {
            h.tag(10);
            for o in objects {
                hash_graphic(h, o, &[]);
            }
        }
    }
}

fn hash_graphic(h: &mut Fnv, o: &Graphic, apertures: &[Aperture]) {
    match o {
        Graphic::Line {
            from,
            to,
            width,
            dark,
        } => {
            h.tag(20 + u8::from(*dark));
            h.pt(*from);
            h.pt(*to);
            h.num(*width);
        }
        Graphic::Arc {
            from,
            to,
            center,
            clockwise,
            width,
            dark,
        } => {
            h.tag(22 + u8::from(*dark) * 2 + u8::from(*clockwise));
            h.pt(*from);
            h.pt(*to);
            h.pt(*center);
            h.num(*width);
        }
        Graphic::Flash { at, aperture, dark } => {
            h.tag(26 + u8::from(*dark));
            h.pt(*at);
            hash_aperture(h, apertures.get(*aperture as usize));
        }
        Graphic::Region { points, dark } => {
            h.tag(28 + u8::from(*dark));
            points.iter().for_each(|p| h.pt(*p));
        }
    }
}

/// A hash of what a Gerber layer draws (objects in order, apertures resolved, micrometres), so
/// a re-export with other headers, aperture numbers or units is the same image.
pub fn gerber_image_hash(g: &GerberFile) -> String {
    let mut h = Fnv::new();
    h.tag(u8::from(g.negative));
    for o in &g.objects {
        hash_graphic(&mut h, o, &g.apertures);
    }
    format!("{:016x}", h.0)
}

/// A hash of a drill file's holes (position, diameter, plating, slots; micrometres), in
/// position order so that a re-export visiting them in another order is the same image.
pub fn drill_image_hash(d: &DrillFile) -> String {
    let mut holes: Vec<[i64; 6]> = d
        .holes
        .iter()
        .map(|x| {
            let q = |v: f64| (v * 1000.0).round() as i64;
            let (ex, ey) = x.slot_end.map_or((0, 0), |e| (q(e.x), q(e.y)));
            [
                q(x.x),
                q(x.y),
                q(x.diameter_mm),
                i64::from(x.plated),
                ex,
                ey,
            ]
        })
        .collect();
    holes.sort_unstable();
    let mut h = Fnv::new();
    for hole in holes {
        for v in hole {
            h.bytes(&v.to_le_bytes());
        }
    }
    format!("{:016x}", h.0)
}
