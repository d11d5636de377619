//! Registration: whether the layers of a package line up. Drill hits are checked against the
//! board outline and the copper pads, solder paste against mask openings, mask openings against
//! copper, silkscreen against exposed pads, placements against their pads, and the annular ring
//! and hole-to-edge distance against the package's IPC class.
//!
//! When the plated holes miss the copper but all of them land on pads once moved by one vector
//! (the drill file written relative to another origin than the Gerbers, e.g. KiCad's auxiliary
//! origin), the package gets one `DRILL_OFFSET_FROM_COPPER` ERROR per displaced drill file
//! carrying that vector ([`Finding::offset`]); the other hole checks then run on the holes moved
//! by it ([`apply_drill_offset`]), so one origin mix-up is one finding, not one per hole.
//!
//! Everything is looked up through a uniform grid over the board, so a check costs about one
//! look-up per hole, flash or stroke.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::centroid::Placement;
use super::excellon::DrillFile;
use super::gerber::{Aperture, GerberFile, Graphic, Point};
use super::layers::{LayerFunction, Side};
use super::validate::{BoardInfo, Finding, FindingCode, LayerInfo};
use super::Extents;
use crate::domain::IpcClass;

/// A displacement in micrometres (drill files resolve 1 µm at best).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Offset {
    /// x, µm.
    pub x_um: i64,
    /// y, µm.
    pub y_um: i64,
}

impl Offset {
    /// From millimetres, rounded to the micrometre.
    pub fn from_mm(x: f64, y: f64) -> Self {
        Offset {
            x_um: (x * 1000.0).round() as i64,
            y_um: (y * 1000.0).round() as i64,
        }
    }

    /// x in mm.
    pub fn x_mm(self) -> f64 {
        self.x_um as f64 / 1000.0
    }

    /// y in mm.
    pub fn y_mm(self) -> f64 {
        self.y_um as f64 / 1000.0
    }
}

/// The least annular ring (mm) Firstpass asks of a plated hole on an outer copper layer:
/// IPC-6012's finished minimum for the class (class 1 and 2 tolerate breakout, class 3 asks
/// 0.050 mm) plus 0.050 mm for drill-to-copper registration at the fabricator.
pub fn min_annular_ring_mm(class: IpcClass) -> f64 {
    match class {
        IpcClass::Class1 | IpcClass::Class2 => 0.05,
        IpcClass::Class3 => 0.10,
    }
}

/// The least distance (mm) Firstpass asks between a hole's wall and the board edge.
pub fn min_hole_to_edge_mm(class: IpcClass) -> f64 {
    match class {
        IpcClass::Class1 | IpcClass::Class2 => 0.25,
        IpcClass::Class3 => 0.40,
    }
}

/// Findings of one code listed one by one; past it one summary says how many more.
const LISTED: usize = 20;
/// A point this close (mm) to a shape counts as on it.
const TOL: f64 = 0.01;
/// Holes whose moved position votes for the drill offset.
const VOTERS: usize = 32;
/// Vote bins (mm) of the offset search.
const BIN_MM: f64 = 0.05;
/// Most (voter × pad) votes cast.
const VOTE_BUDGET: usize = 4_000_000;

/// A piece of copper, mask, paste or legend, simplified for point tests.
#[derive(Debug, Clone)]
enum Shape {
    Circle {
        c: Point,
        r: f64,
    },
    Rect(Extents),
    /// A stroke: the points within `r` of the segment.
    Stroke {
        a: Point,
        b: Point,
        r: f64,
    },
    Poly(Vec<Point>),
}

fn seg_distance(a: Point, b: Point, x: f64, y: f64) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((x - a.x) * dx + (y - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (a.x + t * dx - x).hypot(a.y + t * dy - y)
}

impl Shape {
    fn bbox(&self) -> Extents {
        match self {
            Shape::Circle { c, r } => Extents::point(c.x, c.y).grown(*r),
            Shape::Rect(e) => *e,
            Shape::Stroke { a, b, r } => Extents::point(a.x, a.y)
                .union(&Extents::point(b.x, b.y))
                .grown(*r),
            Shape::Poly(p) => p
                .iter()
                .map(|p| Extents::point(p.x, p.y))
                .reduce(|a, b| a.union(&b))
                .unwrap_or(Extents::point(0.0, 0.0)),
        }
    }

    /// How far inside the shape the point is (its distance to the shape's edge), negative when
    /// outside. For polygons only the sign and a lower bound are exact enough for our uses.
    fn depth(&self, x: f64, y: f64) -> f64 {
        match self {
            Shape::Circle { c, r } => r - (x - c.x).hypot(y - c.y),
            Shape::Rect(e) => (x - e.min_x)
                .min(e.max_x - x)
                .min(y - e.min_y)
                .min(e.max_y - y),
            Shape::Stroke { a, b, r } => r - seg_distance(*a, *b, x, y),
            Shape::Poly(p) => {
                let d = super::outline::distance_to_loop(p, x, y);
                if super::outline::contains(p, x, y, 0.0) {
                    d
                } else {
                    -d
                }
            }
        }
    }

    /// Whether the point is on the shape or within `tol` of it.
    fn holds(&self, x: f64, y: f64, tol: f64) -> bool {
        match self {
            Shape::Poly(p) => super::outline::contains(p, x, y, tol),
            other => other.depth(x, y) >= -tol,
        }
    }

    fn center(&self) -> Point {
        let e = self.bbox();
        Point {
            x: (e.min_x + e.max_x) / 2.0,
            y: (e.min_y + e.max_y) / 2.0,
        }
    }
}

/// The shape one flash of `a` at `at` covers.
fn flash_shape(a: Option<&Aperture>, at: Point) -> Shape {
    match a {
        Some(Aperture::Circle { diameter }) => Shape::Circle {
            c: at,
            r: diameter / 2.0,
        },
        Some(Aperture::Polygon {
            diameter, vertices, ..
        }) => Shape::Circle {
            c: at,
            // The inscribed circle: conservative for depth.
            r: diameter / 2.0 * (std::f64::consts::PI / f64::from((*vertices).max(3))).cos(),
        },
        Some(Aperture::Obround { width, height }) => {
            let r = width.min(*height) / 2.0;
            let (hx, hy) = if width >= height {
                (width / 2.0 - r, 0.0)
            } else {
                (0.0, height / 2.0 - r)
            };
            Shape::Stroke {
                a: Point {
                    x: at.x - hx,
                    y: at.y - hy,
                },
                b: Point {
                    x: at.x + hx,
                    y: at.y + hy,
                },
                r,
            }
        }
        Some(other) => match other.local_extents() {
            Some(e) => Shape::Rect(Extents {
                min_x: at.x + e.min_x,
                min_y: at.y + e.min_y,
                max_x: at.x + e.max_x,
                max_y: at.y + e.max_y,
            }),
            None => Shape::Circle { c: at, r: 0.0 },
        },
        None => Shape::Circle { c: at, r: 0.0 },
    }
}

/// One indexed shape.
#[derive(Debug, Clone)]
struct Item {
    shape: Shape,
    bbox: Extents,
    /// A flash, or a region X2 attributes give to a component: a pad.
    pad: bool,
    /// The component it belongs to, from X2 attributes (upper case).
    owner: Option<String>,
}

/// A uniform grid over shapes' boxes.
#[derive(Debug, Default)]
struct Index {
    items: Vec<Item>,
    origin: (f64, f64),
    cell: f64,
    cols: usize,
    rows: usize,
    /// Per cell, the items whose box touches it.
    cells: Vec<Vec<u32>>,
    /// Items too large to grid (pours): always tested.
    large: Vec<u32>,
}

/// Cells one item may occupy before it goes to the always-tested list.
const MAX_ITEM_CELLS: usize = 256;

impl Index {
    fn new(items: Vec<Item>) -> Index {
        let Some(all) = items.iter().map(|i| i.bbox).reduce(|a, b| a.union(&b)) else {
            return Index::default();
        };
        let n = items.len().max(1) as f64;
        let area = (all.width() * all.height()).max(1e-6);
        // About one item per cell, cells 0.25 mm to whole board, at most 512 × 512.
        let mut cell = (area / n).sqrt().max(0.25);
        cell = cell.max(all.width().max(all.height()) / 512.0);
        let cols = ((all.width() / cell).floor() as usize + 1).min(513);
        let rows = ((all.height() / cell).floor() as usize + 1).min(513);
        let mut index = Index {
            items: Vec::new(),
            origin: (all.min_x, all.min_y),
            cell,
            cols,
            rows,
            cells: vec![Vec::new(); cols * rows],
            large: Vec::new(),
        };
        for (k, item) in items.iter().enumerate() {
            let (c0, r0, c1, r1) = index.span(&item.bbox);
            let k = k as u32;
            if (c1 - c0 + 1) * (r1 - r0 + 1) > MAX_ITEM_CELLS {
                index.large.push(k);
                continue;
            }
            for r in r0..=r1 {
                for c in c0..=c1 {
                    index.cells[r * cols + c].push(k);
                }
            }
        }
        index.items = items;
        index
    }

    fn clamp(&self, v: f64, n: usize) -> usize {
        if v.is_finite() && v > 0.0 {
            (v as usize).min(n - 1)
        } else {
            0
        }
    }

    fn span(&self, e: &Extents) -> (usize, usize, usize, usize) {
        let c0 = self.clamp((e.min_x - self.origin.0) / self.cell, self.cols);
        let c1 = self.clamp((e.max_x - self.origin.0) / self.cell, self.cols);
        let r0 = self.clamp((e.min_y - self.origin.1) / self.cell, self.rows);
        let r1 = self.clamp((e.max_y - self.origin.1) / self.cell, self.rows);
        (c0, r0, c1, r1)
    }

    /// The items whose box may hold the point (within `tol`).
    fn near(&self, x: f64, y: f64, tol: f64) -> impl Iterator<Item = &Item> + '_ {
        let cell = if self.cols == 0 || !x.is_finite() || !y.is_finite() {
            None
        } else {
            let c = (x - self.origin.0) / self.cell;
            let r = (y - self.origin.1) / self.cell;
            let inside = c >= 0.0 && r >= 0.0 && c < self.cols as f64 && r < self.rows as f64;
            inside.then(|| &self.cells[r as usize * self.cols + c as usize])
        };
        cell.into_iter()
            .flatten()
            .chain(&self.large)
            .map(|&k| &self.items[k as usize])
            .filter(move |i| i.bbox.contains(x, y, tol))
    }

    /// The items whose box meets `e`, each once.
    fn overlapping(&self, e: &Extents) -> Vec<&Item> {
        self.overlapping_ids(e)
            .into_iter()
            .map(|k| &self.items[k as usize])
            .collect()
    }

    /// The indices of the items whose box meets `e`, each once.
    fn overlapping_ids(&self, e: &Extents) -> Vec<u32> {
        if self.cols == 0 {
            return Vec::new();
        }
        let (c0, r0, c1, r1) = self.span(e);
        let mut ks: Vec<u32> = self.large.clone();
        if (c1 - c0 + 1) * (r1 - r0 + 1) <= 4 * MAX_ITEM_CELLS {
            for r in r0..=r1 {
                for c in c0..=c1 {
                    ks.extend(&self.cells[r * self.cols + c]);
                }
            }
        }
        ks.sort_unstable();
        ks.dedup();
        ks.retain(|&k| {
            let b = &self.items[k as usize].bbox;
            b.min_x <= e.max_x && b.max_x >= e.min_x && b.min_y <= e.max_y && b.max_y >= e.min_y
        });
        ks
    }

    /// The deepest any item holds the point (negative or -inf when none does).
    fn depth(&self, x: f64, y: f64, pads_only: bool) -> f64 {
        self.near(x, y, TOL)
            .filter(|i| !pads_only || i.pad)
            .map(|i| i.shape.depth(x, y))
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// Whether any item holds the point (within [`TOL`]): stops at the first, and tests large
    /// polygons (pours) without measuring how deep.
    fn holds(&self, x: f64, y: f64, pads_only: bool) -> bool {
        self.near(x, y, TOL)
            .filter(|i| !pads_only || i.pad)
            .any(|i| i.shape.holds(x, y, TOL))
    }
}

/// The dark shapes of a layer as items.
fn items_of(g: &GerberFile) -> Vec<Item> {
    let mut out = Vec::new();
    for (k, o) in g.objects.iter().enumerate() {
        let owner = g.component_of(k).map(str::to_ascii_uppercase);
        let (shape, pad) = match o {
            Graphic::Flash {
                at,
                aperture,
                dark: true,
            } => (flash_shape(g.apertures.get(*aperture as usize), *at), true),
            Graphic::Line {
                from,
                to,
                width,
                dark: true,
            } => (
                Shape::Stroke {
                    a: *from,
                    b: *to,
                    r: width / 2.0,
                },
                false,
            ),
            Graphic::Arc { dark: true, .. } => match o.extents_with(&g.apertures) {
                // Arcs are rare on copper; their box is close enough for "is there copper".
                Some(e) => (Shape::Rect(e), false),
                None => continue,
            },
            Graphic::Region { points, dark: true } if points.len() >= 3 => {
                (Shape::Poly(points.clone()), owner.is_some())
            }
            _ => continue,
        };
        let bbox = shape.bbox();
        if !(bbox.min_x.is_finite()
            && bbox.max_x.is_finite()
            && bbox.min_y.is_finite()
            && bbox.max_y.is_finite())
        {
            continue;
        }
        out.push(Item {
            shape,
            bbox,
            pad,
            owner,
        });
    }
    out
}

/// The layers registration looks at, indexed.
struct Layers {
    copper_top: Option<Index>,
    copper_bottom: Option<Index>,
    /// Both outer coppers' pads together (offset search).
    pads_any: Index,
    mask: [Option<Index>; 2],
    paste: [(usize, Option<Index>); 2],
    silk: [Option<(usize, &'static str)>; 2],
}

fn side_index(side: Side) -> usize {
    usize::from(side == Side::Bottom)
}

/// The package's holes, as moved by the offset where one applies.
#[derive(Debug, Clone, Copy)]
struct HoleRef {
    /// Index into the drill list.
    file: usize,
    x: f64,
    y: f64,
    r: f64,
    plated: bool,
    line: u32,
}

/// What registration needs of the analysis.
pub(crate) struct Inputs<'a> {
    /// Parsed Gerbers, keyed by layer index.
    pub gerbers: &'a [(usize, GerberFile)],
    /// Parsed drill files, keyed by layer index.
    pub drills: &'a [(usize, DrillFile)],
    /// Every layer.
    pub layers: &'a [LayerInfo],
    /// The board, when an outline was found.
    pub board: Option<&'a BoardInfo>,
    /// Placements (bottom x already un-mirrored).
    pub placements: &'a [Placement],
    /// The package's IPC class.
    pub class: IpcClass,
}

/// Runs every registration check and returns its findings.
pub(crate) fn check(inp: &Inputs<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let find = |f: LayerFunction| {
        inp.gerbers
            .iter()
            .find(|(i, _)| inp.layers.get(*i).is_some_and(|l| l.function == f))
    };
    let idx = |f: LayerFunction| find(f).map(|(_, g)| Index::new(items_of(g)));
    let copper_top = idx(LayerFunction::CopperTop);
    let copper_bottom = idx(LayerFunction::CopperBottom);
    let mut pads: Vec<Item> = Vec::new();
    for c in [&copper_top, &copper_bottom].into_iter().flatten() {
        pads.extend(c.items.iter().filter(|i| i.pad).cloned());
    }
    let layers = Layers {
        pads_any: Index::new(pads),
        copper_top,
        copper_bottom,
        mask: [
            idx(LayerFunction::SoldermaskTop),
            idx(LayerFunction::SoldermaskBottom),
        ],
        paste: [
            (
                find(LayerFunction::PasteTop).map_or(usize::MAX, |(i, _)| *i),
                idx(LayerFunction::PasteTop),
            ),
            (
                find(LayerFunction::PasteBottom).map_or(usize::MAX, |(i, _)| *i),
                idx(LayerFunction::PasteBottom),
            ),
        ],
        silk: [
            find(LayerFunction::SilkscreenTop).map(|(i, _)| (*i, "top")),
            find(LayerFunction::SilkscreenBottom).map(|(i, _)| (*i, "bottom")),
        ],
    };
    let holes = drill_checks(inp, &layers, &mut out);
    mask_checks(inp, &layers, &holes, &mut out);
    placement_checks(inp, &layers, &mut out);
    out
}

/// Pushes at most [`LISTED`] findings of one kind, then a summary with the count.
struct Capped<'a> {
    out: &'a mut Vec<Finding>,
    code: FindingCode,
    count: usize,
    summary: &'static str,
    error: bool,
}

impl<'a> Capped<'a> {
    fn new(
        out: &'a mut Vec<Finding>,
        code: FindingCode,
        error: bool,
        summary: &'static str,
    ) -> Self {
        Capped {
            out,
            code,
            count: 0,
            summary,
            error,
        }
    }

    fn push(&mut self, f: impl FnOnce() -> Finding) {
        self.count += 1;
        if self.count <= LISTED {
            self.out.push(f());
        }
    }

    fn finish(self) {
        if self.count > LISTED {
            let msg = format!("{} {} (first {LISTED} listed)", self.count, self.summary);
            self.out.push(if self.error {
                Finding::error(self.code, msg)
            } else {
                Finding::warning(self.code, msg)
            });
        }
    }
}

/// Whether a drill layer holds plated holes.
fn plated_layer(inp: &Inputs<'_>, layer: usize) -> bool {
    inp.layers
        .get(layer)
        .is_some_and(|l| l.function != LayerFunction::DrillNonPlated)
}

/// Whether the plating of a drill file's holes is known (X2 or a plated/non-plated file name),
/// not assumed: only then does a hole without copper say something.
fn plating_known(inp: &Inputs<'_>, layer: usize, d: &DrillFile) -> bool {
    d.plating_known
        || inp.layers.get(layer).is_some_and(|l| {
            l.source != super::layers::LayerSource::FileName
                || l.file.to_ascii_lowercase().contains("pth")
                || l.file.to_ascii_lowercase().contains("plated")
        })
}

/// How many of the points land on a pad when moved by (dx, dy).
fn on_pads(index: &Index, pts: &[(f64, f64)], dx: f64, dy: f64) -> usize {
    pts.iter()
        .filter(|(x, y)| index.holds(x + dx, y + dy, true))
        .count()
}

/// Looks for one vector that puts the plated holes onto pads when they mostly miss them.
fn find_offset(index: &Index, pts: &[(f64, f64)]) -> Option<(f64, f64, usize, usize)> {
    if pts.len() < 3 || index.items.is_empty() {
        return None;
    }
    let at_zero = on_pads(index, pts, 0.0, 0.0);
    if at_zero * 2 >= pts.len() {
        return None;
    }
    // Vote: each sampled hole against each pad centre. The true offset gathers a vote from
    // every sampled hole; chance vectors from few.
    let step = (pts.len() / VOTERS).max(1);
    let voters: Vec<(f64, f64)> = pts.iter().step_by(step).take(VOTERS).copied().collect();
    let centres: Vec<Point> = index.items.iter().map(|i| i.shape.center()).collect();
    let per_voter = (VOTE_BUDGET / voters.len()).min(centres.len());
    let stride = (centres.len() / per_voter.max(1)).max(1);
    let mut votes: HashMap<(i64, i64), u32> = HashMap::new();
    for (hx, hy) in &voters {
        for c in centres.iter().step_by(stride) {
            let key = (
                ((c.x - hx) / BIN_MM).round() as i64,
                ((c.y - hy) / BIN_MM).round() as i64,
            );
            *votes.entry(key).or_default() += 1;
        }
    }
    let mut ranked: Vec<((i64, i64), u32)> = votes.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut best: Option<(f64, f64, usize, usize)> = None;
    for ((bx, by), _) in ranked.into_iter().take(8) {
        let (vx, vy) = (bx as f64 * BIN_MM, by as f64 * BIN_MM);
        // Refine: the median of (pad centre − hole) over the holes that land on a pad.
        let mut dxs = Vec::new();
        let mut dys = Vec::new();
        for (x, y) in pts {
            let hit = index
                .near(x + vx, y + vy, BIN_MM)
                .filter(|i| i.pad && i.shape.depth(x + vx, y + vy) >= -BIN_MM)
                .map(|i| i.shape.center())
                .min_by(|a, b| {
                    let da = (a.x - x - vx).hypot(a.y - y - vy);
                    let db = (b.x - x - vx).hypot(b.y - y - vy);
                    da.total_cmp(&db)
                });
            if let Some(c) = hit {
                dxs.push(c.x - x);
                dys.push(c.y - y);
            }
        }
        if dxs.is_empty() {
            continue;
        }
        dxs.sort_by(f64::total_cmp);
        dys.sort_by(f64::total_cmp);
        let (rx, ry) = (dxs[dxs.len() / 2], dys[dys.len() / 2]);
        let n = on_pads(index, pts, rx, ry);
        // Drilled where they belong, holes sit at their pads' centres: of two vectors putting
        // as many holes on pads, the one centring more of them is the offset.
        let centred = pts
            .iter()
            .filter(|(x, y)| {
                index.near(x + rx, y + ry, TOL).any(|i| {
                    i.pad && {
                        let c = i.shape.center();
                        (c.x - x - rx).hypot(c.y - y - ry) <= 0.02
                    }
                })
            })
            .count();
        if best.is_none_or(|(_, _, m, k)| (centred, n) > (k, m)) {
            best = Some((rx, ry, n, centred));
        }
    }
    let (x, y, n, centred) = best?;
    // Moved, most holes on pads (non-plated holes in a file that does not say so may have
    // none), far more than as written, and most of those at their pads' centres (a chance
    // vector lands holes anywhere on pads).
    let moved = x.hypot(y) > 0.05;
    (moved && n >= 3 && n * 2 >= pts.len() && n > 2 * at_zero && centred * 2 >= n)
        .then_some((x, y, n, at_zero))
}

/// Drill checks: offset, outside the outline, plated without pad, annular ring, hole to edge.
/// Returns the holes as checked (moved by a found offset).
fn drill_checks(inp: &Inputs<'_>, layers: &Layers, out: &mut Vec<Finding>) -> Vec<HoleRef> {
    let mut holes: Vec<HoleRef> = Vec::new();
    for (k, (layer, d)) in inp.drills.iter().enumerate() {
        let plated = plated_layer(inp, *layer);
        holes.extend(
            d.holes
                .iter()
                .filter(|h| h.x.is_finite() && h.y.is_finite())
                .map(|h| HoleRef {
                    file: k,
                    x: h.x,
                    y: h.y,
                    r: h.diameter_mm / 2.0,
                    plated: plated && h.plated,
                    line: h.line,
                }),
        );
    }
    if holes.is_empty() {
        return holes;
    }
    let shape = inp.board.and_then(BoardInfo::shape);
    let on_board = |x: f64, y: f64| match (&shape, inp.board) {
        (Some(s), _) => s.contains(x, y, super::validate::EDGE_TOLERANCE_MM),
        (None, Some(b)) => b.outline.contains(x, y, super::validate::EDGE_TOLERANCE_MM),
        (None, None) => true,
    };
    let file_name = |k: usize| {
        inp.drills
            .get(k)
            .and_then(|(l, _)| inp.layers.get(*l))
            .map_or("", |l| l.file.as_str())
    };

    // The offset, from the plated holes.
    let plated_pts: Vec<(f64, f64)> = holes
        .iter()
        .filter(|h| h.plated)
        .map(|h| (h.x, h.y))
        .collect();
    if let Some((dx, dy, n, at_zero)) = find_offset(&layers.pads_any, &plated_pts) {
        let offset = Offset::from_mm(dx, dy);
        for k in 0..inp.drills.len() {
            let of_file: Vec<&HoleRef> = holes.iter().filter(|h| h.file == k).collect();
            if of_file.is_empty() {
                continue;
            }
            let inside = |vx: f64, vy: f64| {
                of_file
                    .iter()
                    .filter(|h| on_board(h.x + vx, h.y + vy))
                    .count()
            };
            let pts: Vec<(f64, f64)> = of_file
                .iter()
                .filter(|h| h.plated)
                .map(|h| (h.x, h.y))
                .collect();
            let (p0, p1) = (
                on_pads(&layers.pads_any, &pts, 0.0, 0.0),
                on_pads(&layers.pads_any, &pts, dx, dy),
            );
            let (i0, i1) = (inside(0.0, 0.0), inside(dx, dy));
            if p1 <= p0 && i1 <= i0 {
                continue;
            }
            let mut f = Finding::error(
                FindingCode::DrillOffsetFromCopper,
                format!(
                    "the drill hits are displaced from the copper by one vector: moved by ({:+.3}, {:+.3}) mm, {n} of the {} plated holes land on pads (as written, {at_zero}); {} of this file's {} hits lie off the board as written. The drill file was probably written relative to another origin than the Gerbers (e.g. KiCad's auxiliary origin): export it with absolute coordinates, or add ({:+.3}, {:+.3}) mm to its coordinates",
                    offset.x_mm(),
                    offset.y_mm(),
                    plated_pts.len(),
                    of_file.len() - i0,
                    of_file.len(),
                    offset.x_mm(),
                    offset.y_mm(),
                ),
            )
            .in_file(file_name(k));
            f.offset = Some(offset);
            out.push(f);
            for h in holes.iter_mut().filter(|h| h.file == k) {
                h.x += dx;
                h.y += dy;
            }
        }
    }

    // Outside the outline.
    if inp.board.is_some() {
        let mut c = Capped::new(
            out,
            FindingCode::DrillOutsideOutline,
            true,
            "drill hits lie outside the board outline",
        );
        for h in &holes {
            if !on_board(h.x, h.y) {
                c.push(|| {
                    Finding::error(
                        FindingCode::DrillOutsideOutline,
                        format!(
                            "a {:.3} mm hole at ({:.3}, {:.3}) mm lies outside the board outline",
                            h.r * 2.0,
                            h.x,
                            h.y
                        ),
                    )
                    .in_file(file_name(h.file))
                    .at(h.line)
                });
            }
        }
        c.finish();
    }

    // Plated holes without a pad, and the annular ring, on each outer copper layer.
    let coppers: Vec<(&str, &Index)> = [
        ("top", &layers.copper_top),
        ("bottom", &layers.copper_bottom),
    ]
    .into_iter()
    .filter_map(|(n, c)| c.as_ref().map(|c| (n, c)))
    .collect();
    let known: Vec<bool> = inp
        .drills
        .iter()
        .map(|(l, d)| plating_known(inp, *l, d))
        .collect();
    let ring_min = min_annular_ring_mm(inp.class);
    let mut without = Capped::new(
        out,
        FindingCode::PlatedHoleWithoutPad,
        true,
        "plated holes have no copper pad on an outer layer",
    );
    let mut rings: Vec<Finding> = Vec::new();
    let mut ring_count = 0usize;
    for h in holes.iter().filter(|h| h.plated && on_board(h.x, h.y)) {
        let mut worst: Option<(f64, &str)> = None;
        for (side, c) in &coppers {
            let pad = c.depth(h.x, h.y, true);
            if pad < -TOL {
                if known[h.file] && !c.holds(h.x, h.y, false) {
                    without.push(|| {
                        Finding::error(
                            FindingCode::PlatedHoleWithoutPad,
                            format!(
                                "the plated {:.3} mm hole at ({:.3}, {:.3}) mm has no copper on the {side} layer: a hole without its pad (or the drill and copper are misregistered)",
                                h.r * 2.0,
                                h.x,
                                h.y
                            ),
                        )
                        .in_file(file_name(h.file))
                        .at(h.line)
                    });
                }
                continue;
            }
            let ring = pad - h.r;
            if worst.is_none_or(|(w, _)| ring < w) {
                worst = Some((ring, side));
            }
        }
        if let Some((ring, side)) = worst {
            if ring < ring_min - 1e-6 {
                ring_count += 1;
                if ring_count <= LISTED {
                    rings.push(
                        Finding::warning(
                            FindingCode::AnnularRingBelowMinimum,
                            format!(
                                "the plated {:.3} mm hole at ({:.3}, {:.3}) mm leaves a {:.3} mm annular ring on the {side} layer; {} asks at least {ring_min:.3} mm",
                                h.r * 2.0,
                                h.x,
                                h.y,
                                ring.max(0.0),
                                class_words(inp.class)
                            ),
                        )
                        .in_file(file_name(h.file))
                        .at(h.line),
                    );
                }
            }
        }
    }
    without.finish();
    out.extend(rings);
    if ring_count > LISTED {
        out.push(Finding::warning(
            FindingCode::AnnularRingBelowMinimum,
            format!(
                "{ring_count} plated holes leave less annular ring than {} asks ({ring_min:.3} mm; first {LISTED} listed)",
                class_words(inp.class)
            ),
        ));
    }

    // Hole to edge.
    if let Some(s) = &shape {
        let edges = edge_index(s);
        let min = min_hole_to_edge_mm(inp.class);
        let mut c = Capped::new(
            out,
            FindingCode::HoleTooCloseToEdge,
            false,
            "holes are closer to the board edge than the class asks",
        );
        for h in holes.iter().filter(|h| on_board(h.x, h.y)) {
            let reach = h.r + min;
            let d = edges
                .overlapping(&Extents::point(h.x, h.y).grown(reach))
                .iter()
                .map(|i| -i.shape.depth(h.x, h.y))
                .fold(f64::INFINITY, f64::min);
            let wall = d - h.r;
            if wall < min - 1e-6 {
                c.push(|| {
                    Finding::warning(
                        FindingCode::HoleTooCloseToEdge,
                        format!(
                            "the {:.3} mm hole at ({:.3}, {:.3}) mm is {:.3} mm from the board edge; {} asks at least {min:.3} mm",
                            h.r * 2.0,
                            h.x,
                            h.y,
                            wall.max(0.0),
                            class_words(inp.class)
                        ),
                    )
                    .in_file(file_name(h.file))
                    .at(h.line)
                });
            }
        }
        c.finish();
    }
    holes
}

fn class_words(c: IpcClass) -> &'static str {
    match c {
        IpcClass::Class1 => "IPC class 1",
        IpcClass::Class2 => "IPC class 2",
        IpcClass::Class3 => "IPC class 3",
    }
}

/// The board edge (outer loop and cut-outs) as zero-width strokes.
fn edge_index(s: &super::outline::BoardShape) -> Index {
    let mut items = Vec::new();
    for lp in std::iter::once(&s.outer).chain(&s.cutouts) {
        let n = lp.len();
        for i in 0..n {
            let shape = Shape::Stroke {
                a: lp[i],
                b: lp[(i + 1) % n],
                r: 0.0,
            };
            items.push(Item {
                bbox: shape.bbox(),
                shape,
                pad: false,
                owner: None,
            });
        }
    }
    Index::new(items)
}

/// Paste without mask opening, mask opening without copper, silkscreen on exposed pads.
fn mask_checks(inp: &Inputs<'_>, layers: &Layers, holes: &[HoleRef], out: &mut Vec<Finding>) {
    let holes_index = Index::new(
        holes
            .iter()
            .map(|h| {
                let shape = Shape::Circle {
                    c: Point { x: h.x, y: h.y },
                    r: h.r,
                };
                Item {
                    bbox: shape.bbox(),
                    shape,
                    pad: true,
                    owner: None,
                }
            })
            .collect(),
    );
    let name = |i: usize| inp.layers.get(i).map_or("", |l| l.file.as_str());
    for side in [Side::Top, Side::Bottom] {
        let s = side_index(side);
        let words = if side == Side::Top { "top" } else { "bottom" };
        let copper = if side == Side::Top {
            layers.copper_top.as_ref()
        } else {
            layers.copper_bottom.as_ref()
        };
        let Some(mask) = layers.mask[s].as_ref() else {
            continue;
        };
        // Paste where the mask does not open.
        if let (layer, Some(paste)) = &layers.paste[s] {
            let mut c = Capped::new(
                out,
                FindingCode::PasteWithoutMaskOpening,
                false,
                "paste openings have no solder-mask opening",
            );
            for p in &paste.items {
                let at = p.shape.center();
                if !mask.holds(at.x, at.y, false) {
                    c.push(|| {
                        Finding::warning(
                            FindingCode::PasteWithoutMaskOpening,
                            format!(
                                "paste at ({:.3}, {:.3}) mm on the {words} side has no solder-mask opening: the paste would print on mask",
                                at.x, at.y
                            ),
                        )
                        .in_file(name(*layer))
                    });
                }
            }
            c.finish();
        }
        // Mask openings over no copper (and over no hole: openings over bare holes are normal).
        let mask_layer = inp
            .gerbers
            .iter()
            .find(|(i, _)| {
                inp.layers.get(*i).is_some_and(|l| {
                    l.function
                        == if side == Side::Top {
                            LayerFunction::SoldermaskTop
                        } else {
                            LayerFunction::SoldermaskBottom
                        }
                })
            })
            .map_or(usize::MAX, |(i, _)| *i);
        if let Some(cu) = copper {
            let mut c = Capped::new(
                out,
                FindingCode::MaskOpeningWithoutCopper,
                false,
                "solder-mask openings have no copper under them",
            );
            for m in mask.items.iter().filter(|m| m.pad) {
                let at = m.shape.center();
                if !cu.holds(at.x, at.y, false) && !holes_index.holds(at.x, at.y, false) {
                    c.push(|| {
                        Finding::warning(
                            FindingCode::MaskOpeningWithoutCopper,
                            format!(
                                "the solder-mask opening at ({:.3}, {:.3}) mm on the {words} side has no copper under it",
                                at.x, at.y
                            ),
                        )
                        .in_file(name(mask_layer))
                    });
                }
            }
            c.finish();
            // Legend on exposed pads: pads under a mask opening that a legend stroke crosses.
            if let Some((silk_layer, _)) = layers.silk[s] {
                if let Some((_, g)) = inp.gerbers.iter().find(|(i, _)| *i == silk_layer) {
                    let mut c = Capped::new(
                        out,
                        FindingCode::SilkscreenOnPad,
                        false,
                        "exposed pads have silkscreen on them",
                    );
                    let mut seen: Vec<bool> = vec![false; cu.items.len()];
                    for stroke in items_of(g) {
                        for k in cu.overlapping_ids(&stroke.bbox) {
                            let k = k as usize;
                            let pad = &cu.items[k];
                            if !pad.pad || seen[k] {
                                continue;
                            }
                            let at = pad.shape.center();
                            if !mask.holds(at.x, at.y, false) || !touches(&stroke, pad) {
                                continue;
                            }
                            seen[k] = true;
                            c.push(|| {
                                let who = pad
                                    .owner
                                    .as_deref()
                                    .map(|o| format!("{o}'s pad"))
                                    .unwrap_or_else(|| "the pad".to_owned());
                                let f = Finding::warning(
                                    FindingCode::SilkscreenOnPad,
                                    format!(
                                        "silkscreen crosses {who} at ({:.3}, {:.3}) mm on the {words} side, which the mask leaves bare: the legend would print on solderable copper",
                                        at.x, at.y
                                    ),
                                )
                                .in_file(name(silk_layer));
                                match &pad.owner {
                                    Some(o) => f.designator(o),
                                    None => f,
                                }
                            });
                        }
                    }
                    c.finish();
                }
            }
        }
    }
}

/// Whether a legend shape reaches into a pad by more than the tolerance: tested at the pad
/// points nearest to the stroke's samples.
fn touches(stroke: &Item, pad: &Item) -> bool {
    let inset = 0.02;
    match &stroke.shape {
        Shape::Stroke { a, b, r } => {
            let len = (b.x - a.x).hypot(b.y - a.y);
            let n = ((len / 0.05).ceil() as usize).clamp(1, 2000);
            (0..=n).any(|k| {
                let t = k as f64 / n as f64;
                let (x, y) = (a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
                pad.shape.depth(x, y) + r > inset
            })
        }
        other => {
            let c = other.center();
            pad.shape.depth(c.x, c.y) > inset
        }
    }
}

/// Placements whose X2-named pads are not where the placement is: on the other side only, or
/// far from the centroid.
fn placement_checks(inp: &Inputs<'_>, layers: &Layers, out: &mut Vec<Finding>) {
    let mut by_owner: BTreeMap<&str, (Extents, bool, bool)> = BTreeMap::new();
    for (side, c) in [
        (Side::Top, &layers.copper_top),
        (Side::Bottom, &layers.copper_bottom),
    ] {
        let Some(c) = c else { continue };
        for i in c.items.iter().filter(|i| i.pad) {
            let Some(o) = i.owner.as_deref() else {
                continue;
            };
            let e = by_owner.entry(o).or_insert((i.bbox, false, false));
            e.0 = e.0.union(&i.bbox);
            if side == Side::Top {
                e.1 = true;
            } else {
                e.2 = true;
            }
        }
    }
    if by_owner.is_empty() {
        return;
    }
    let mut c = Capped::new(
        out,
        FindingCode::PlacementPadsMismatch,
        false,
        "placements do not match their copper pads",
    );
    let shape = inp.board.and_then(BoardInfo::shape);
    for p in inp.placements {
        let key = p.designator.to_ascii_uppercase();
        let Some((e, top, bottom)) = by_owner.get(key.as_str()) else {
            continue;
        };
        // A centroid off the board is judged by the outline checks (overhang or outside).
        if shape
            .as_ref()
            .is_some_and(|s| !s.contains(p.x_mm, p.y_mm, super::validate::EDGE_TOLERANCE_MM))
        {
            continue;
        }
        let wrong_side = match p.side {
            Side::Top => !top,
            Side::Bottom => !bottom,
            _ => false,
        };
        // A footprint's origin may sit off its pads (a jack's body, a connector's datum):
        // only farther than half the pads' span, and 2.5 mm, is a mismatch.
        let far = !e.contains(p.x_mm, p.y_mm, (e.width().max(e.height()) / 2.0).max(2.5));
        if !(wrong_side || far) {
            continue;
        }
        let why = if wrong_side {
            format!(
                "is placed on the {} side but its pads are only on the {} copper",
                if p.side == Side::Top { "top" } else { "bottom" },
                if *top { "top" } else { "bottom" }
            )
        } else {
            let dx = (e.min_x - p.x_mm).max(p.x_mm - e.max_x).max(0.0);
            let dy = (e.min_y - p.y_mm).max(p.y_mm - e.max_y).max(0.0);
            format!(
                "at ({:.3}, {:.3}) mm lies {:.3} mm away from its pads (x {:.3}..{:.3}, y {:.3}..{:.3})",
                p.x_mm,
                p.y_mm,
                dx.hypot(dy),
                e.min_x,
                e.max_x,
                e.min_y,
                e.max_y
            )
        };
        c.push(|| {
            Finding::warning(
                FindingCode::PlacementPadsMismatch,
                format!(
                    "{} {why}: check the footprint and the centroid",
                    p.designator
                ),
            )
            .in_file(&p.file)
            .at(p.row)
            .designator(&p.designator)
        });
    }
    c.finish();
}

/// Runs the registration checks alone on an analysed package (they are part of
/// [`super::validate::analyze_package_with`] already): for benchmarks and re-checks.
pub fn check_package(pkg: &super::validate::ParsedPackage, class: IpcClass) -> Vec<Finding> {
    check(&Inputs {
        gerbers: &pkg.gerbers,
        drills: &pkg.drills,
        layers: &pkg.analysis.layers,
        board: pkg.analysis.board.as_ref(),
        placements: &pkg.analysis.placements,
        class,
    })
}

/// Moves every hole of the package's drill files by `offset` (the correction a
/// `DRILL_OFFSET_FROM_COPPER` finding offers), e.g. to draw or re-check them where they belong.
pub fn apply_drill_offset(drills: &mut [(usize, DrillFile)], offset: Offset) {
    let (dx, dy) = (offset.x_mm(), offset.y_mm());
    for (_, d) in drills {
        for h in &mut d.holes {
            h.x += dx;
            h.y += dy;
            if let Some(e) = &mut h.slot_end {
                e.x += dx;
                e.y += dy;
            }
        }
        if let Some(e) = &mut d.extents {
            *e = Extents {
                min_x: e.min_x + dx,
                min_y: e.min_y + dy,
                max_x: e.max_x + dx,
                max_y: e.max_y + dy,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cad::fixtures::{self, Style, STYLES};
    use crate::cad::validate::{analyze_package_with, AnalyzeOptions};

    fn codes(set: &fixtures::FileSet, class: IpcClass) -> Vec<Finding> {
        analyze_package_with(&fixtures::inputs(set), AnalyzeOptions { ipc_class: class })
            .analysis
            .findings
    }

    const REGISTRATION: &[FindingCode] = &[
        FindingCode::DrillOffsetFromCopper,
        FindingCode::DrillOutsideOutline,
        FindingCode::PlatedHoleWithoutPad,
        FindingCode::AnnularRingBelowMinimum,
        FindingCode::HoleTooCloseToEdge,
        FindingCode::PasteWithoutMaskOpening,
        FindingCode::MaskOpeningWithoutCopper,
        FindingCode::SilkscreenOnPad,
        FindingCode::PlacementPadsMismatch,
    ];

    #[test]
    fn fixture_boards_register() {
        for style in STYLES {
            let found: Vec<Finding> = codes(&fixtures::board(style), IpcClass::Class3)
                .into_iter()
                .filter(|f| REGISTRATION.contains(&f.code))
                .collect();
            assert!(found.is_empty(), "{style:?}: {found:#?}");
        }
    }

    #[test]
    fn drill_offset_is_found_with_its_vector() {
        for style in STYLES {
            let set = fixtures::board_with_drill_offset(style, -31.75, 25.4);
            if style == Style::Eagle {
                // Eagle's drill file states no format: the guess scales the displaced holes
                // into a corner of the board (DRILL_FORMAT_GUESSED says so), after which no
                // vector may be claimed.
                let found = codes(&set, IpcClass::Class2);
                assert!(
                    !found
                        .iter()
                        .any(|f| f.code == FindingCode::DrillOffsetFromCopper),
                    "{found:#?}"
                );
                continue;
            }
            let found = codes(&set, IpcClass::Class2);
            let offsets: Vec<&Finding> = found
                .iter()
                .filter(|f| f.code == FindingCode::DrillOffsetFromCopper)
                .collect();
            assert!(!offsets.is_empty(), "{style:?}: {found:#?}");
            for f in &offsets {
                assert_eq!(f.severity, crate::cad::Severity::Error);
                assert_eq!(
                    f.offset,
                    Some(Offset {
                        x_um: 31750,
                        y_um: -25400
                    }),
                    "{style:?}"
                );
            }
            // One origin mix-up is one finding per file, not one per hole.
            assert!(
                !found.iter().any(|f| matches!(
                    f.code,
                    FindingCode::DrillOutsideOutline | FindingCode::PlatedHoleWithoutPad
                )),
                "{style:?}: {found:#?}"
            );
        }
    }

    #[test]
    fn stray_hole_is_outside_and_padless() {
        let mut set = fixtures::board(Style::KiCad);
        let pth = set
            .iter_mut()
            .find(|(n, _)| n == "board-PTH.drl")
            .map(|(_, b)| b)
            .expect("fixture has a PTH file");
        let text = String::from_utf8_lossy(pth)
            .replace("T0\nM30", "X20.000Y20.000\nX80.000Y20.000\nT0\nM30");
        *pth = text.into_bytes();
        let found = codes(&set, IpcClass::Class2);
        let of = |c: FindingCode| found.iter().filter(|f| f.code == c).count();
        assert_eq!(of(FindingCode::DrillOutsideOutline), 1, "{found:#?}");
        // No copper at (20, 20) on either layer? The fixture has a bottom pour: at least top.
        assert!(of(FindingCode::PlatedHoleWithoutPad) >= 1, "{found:#?}");
        assert_eq!(of(FindingCode::DrillOffsetFromCopper), 0);
    }

    #[test]
    fn class_three_asks_more_ring() {
        // 0.8 mm vias: a 0.65 mm drill leaves 0.075 mm, enough for class 2, not for class 3.
        let mut set = fixtures::board(Style::KiCad);
        for (n, b) in &mut set {
            if n == "board-PTH.drl" {
                *b = String::from_utf8_lossy(b)
                    .replace("C0.400", "C0.650")
                    .into_bytes();
            }
        }
        let rings = |class| {
            codes(&set, class)
                .into_iter()
                .filter(|f| f.code == FindingCode::AnnularRingBelowMinimum)
                .count()
        };
        assert_eq!(rings(IpcClass::Class2), 0);
        assert_eq!(rings(IpcClass::Class3), 4);
    }
}
