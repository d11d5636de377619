//! The board shape from an outline (profile) layer: its strokes chained into closed loops,
//! the largest loop taken as the board edge and the loops inside it as cut-outs. Used to tell
//! whether a placement or a pad is on the board (an L-shaped board's notch, a card edge's key
//! slot or a cut-out are inside the bounding box but not on the board). Arcs are followed to
//! within [`ARC_CHORD_MM`] of the true curve.

use std::collections::HashMap;

use super::gerber::{arc_sweep, GerberFile, Graphic, Point};

/// Most outline strokes chained; past it callers fall back to the bounding box.
const MAX_SEGMENTS: usize = 50_000;
/// Endpoints closer than this (mm) are joined.
const JOIN_MM: f64 = 0.02;

/// Largest distance (mm) between an outline arc and the chords that stand for it.
pub const ARC_CHORD_MM: f64 = 0.005;

fn arc_points(from: Point, to: Point, c: Point, cw: bool) -> Vec<Point> {
    let sweep = arc_sweep(from, to, c, cw);
    let r = (from.x - c.x).hypot(from.y - c.y);
    let a0 = (from.y - c.y).atan2(from.x - c.x);
    // A chord of angle θ strays r·(1 − cos θ/2) from the arc.
    let step = if r > ARC_CHORD_MM {
        2.0 * (1.0 - ARC_CHORD_MM / r).acos()
    } else {
        std::f64::consts::PI
    };
    let n = ((sweep / step.max(1e-3)).ceil() as usize).clamp(1, 512);
    let mut pts = Vec::with_capacity(n + 1);
    pts.push(from);
    for k in 1..n {
        let a = a0 + if cw { -1.0 } else { 1.0 } * sweep * (k as f64) / (n as f64);
        pts.push(Point {
            x: c.x + r * a.cos(),
            y: c.y + r * a.sin(),
        });
    }
    pts.push(to);
    pts
}

fn key(p: Point) -> (i64, i64) {
    (
        (p.x / JOIN_MM).round() as i64,
        (p.y / JOIN_MM).round() as i64,
    )
}

fn close(a: Point, b: Point) -> bool {
    (a.x - b.x).abs() <= JOIN_MM && (a.y - b.y).abs() <= JOIN_MM
}

/// Area of a polygon (shoelace; positive when counter-clockwise).
pub fn area(poly: &[Point]) -> f64 {
    let n = poly.len();
    (0..n)
        .map(|i| {
            let (a, b) = (poly[i], poly[(i + 1) % n]);
            a.x * b.y - b.x * a.y
        })
        .sum::<f64>()
        / 2.0
}

/// A board's shape: its outer edge and the cut-outs inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardShape {
    /// The outer edge (the largest closed loop).
    pub outer: Vec<Point>,
    /// Closed loops inside the outer edge: holes in the board (and islands in holes).
    pub cutouts: Vec<Vec<Point>>,
}

impl BoardShape {
    /// Whether the point is on the board (even-odd over the edge and its cut-outs), or within
    /// `tolerance` mm of any edge.
    pub fn contains(&self, x: f64, y: f64, tolerance: f64) -> bool {
        self.distance_to_edge(x, y) <= tolerance
            || std::iter::once(&self.outer)
                .chain(&self.cutouts)
                .filter(|l| crosses_odd(l, x, y))
                .count()
                % 2
                == 1
    }

    /// Distance (mm) from the point to the nearest edge, outer or cut-out.
    pub fn distance_to_edge(&self, x: f64, y: f64) -> f64 {
        std::iter::once(&self.outer)
            .chain(&self.cutouts)
            .map(|l| distance_to_loop(l, x, y))
            .fold(f64::INFINITY, f64::min)
    }
}

/// The largest closed loop of the outline layer, or `None` when it does not close.
pub fn board_polygon(g: &GerberFile) -> Option<Vec<Point>> {
    board_shape(g).map(|s| s.outer)
}

/// The board's outer edge and cut-outs, or `None` when no loop closes.
pub fn board_shape(g: &GerberFile) -> Option<BoardShape> {
    let mut loops: Vec<Vec<Point>> = Vec::new();
    let mut segs: Vec<Vec<Point>> = Vec::new();
    for o in &g.objects {
        match o {
            Graphic::Line {
                from,
                to,
                dark: true,
                ..
            } => segs.push(vec![*from, *to]),
            Graphic::Arc {
                from,
                to,
                center,
                clockwise,
                dark: true,
                ..
            } => {
                if close(*from, *to) {
                    loops.push(arc_points(*from, *to, *center, *clockwise));
                } else {
                    segs.push(arc_points(*from, *to, *center, *clockwise));
                }
            }
            Graphic::Region { points, dark: true } => loops.push(points.clone()),
            _ => {}
        }
        if segs.len() > MAX_SEGMENTS {
            return None;
        }
    }
    // Index segment ends by quantised position.
    let mut ends: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (i, s) in segs.iter().enumerate() {
        for p in [s[0], s[s.len() - 1]] {
            ends.entry(key(p)).or_default().push(i);
        }
    }
    let mut used = vec![false; segs.len()];
    for start in 0..segs.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let mut chain = segs[start].clone();
        loop {
            let end = chain[chain.len() - 1];
            if chain.len() > 2 && close(end, chain[0]) {
                loops.push(chain);
                break;
            }
            let (kx, ky) = key(end);
            let mut next = None;
            'search: for dx in -1..=1 {
                for dy in -1..=1 {
                    let bucket = ends.get(&(kx + dx, ky + dy)).map_or(&[][..], Vec::as_slice);
                    // Bounded scan: a hostile outline with every end in one spot stays linear.
                    for &i in bucket.iter().filter(|&&i| !used[i]).take(64) {
                        if !used[i] {
                            let s = &segs[i];
                            if close(s[0], end) {
                                next = Some((i, false));
                                break 'search;
                            }
                            if close(s[s.len() - 1], end) {
                                next = Some((i, true));
                                break 'search;
                            }
                        }
                    }
                }
            }
            let Some((i, reversed)) = next else { break };
            used[i] = true;
            if reversed {
                chain.extend(segs[i].iter().rev().skip(1));
            } else {
                chain.extend(segs[i].iter().skip(1));
            }
        }
    }
    let mut loops: Vec<Vec<Point>> = loops.into_iter().filter(|l| l.len() >= 3).collect();
    let outer_index = loops
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| area(a).abs().total_cmp(&area(b).abs()))
        .map(|(i, _)| i)?;
    let outer = loops.swap_remove(outer_index);
    // A loop is a cut-out when it lies inside the outer edge (all its points, the edge allowed).
    let cutouts = loops
        .into_iter()
        .filter(|l| area(l).abs() > 0.0)
        .filter(|l| l.iter().all(|p| contains(&outer, p.x, p.y, JOIN_MM)))
        .take(MAX_CUTOUTS)
        .collect();
    Some(BoardShape { outer, cutouts })
}

/// Most cut-outs kept (each point test walks them all).
const MAX_CUTOUTS: usize = 1000;

/// Whether a ray from the point towards +x crosses the loop an odd number of times.
fn crosses_odd(poly: &[Point], x: f64, y: f64) -> bool {
    let n = poly.len();
    let mut inside = false;
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + n - 1) % n]);
        if (a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
    }
    inside
}

/// Distance (mm) from the point to the closed loop's edges.
pub fn distance_to_loop(poly: &[Point], x: f64, y: f64) -> f64 {
    let n = poly.len();
    let mut best = f64::INFINITY;
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + n - 1) % n]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (((x - a.x) * dx + (y - a.y) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        best = best.min((a.x + t * dx - x).hypot(a.y + t * dy - y));
    }
    best
}

/// Whether the point is inside the polygon (even-odd) or within `tolerance` mm of its edge.
pub fn contains(poly: &[Point], x: f64, y: f64, tolerance: f64) -> bool {
    crosses_odd(poly, x, y) || distance_to_loop(poly, x, y) <= tolerance
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "test inputs are known good")]
mod tests {
    use super::*;
    use crate::cad::gerber;

    #[test]
    fn l_shape() {
        // An L: 0..20 × 0..10 plus 0..10 × 10..20, strokes in scrambled order and direction.
        let g = gerber::parse(
            b"%FSLAX46Y46*%%MOMM*%%ADD10C,0.1*%D10*\
X0Y0D02*X20000000Y0D01*\
X10000000Y20000000D02*X10000000Y10000000D01*\
X20000000Y10000000D02*X20000000Y0D01*\
X0Y20000000D02*X10000000Y20000000D01*\
X20000000Y10000000D02*X10000000Y10000000D01*\
X0Y0D02*X0Y20000000D01*M02*",
        )
        .unwrap();
        let poly = board_polygon(&g).unwrap();
        assert!((area(&poly).abs() - 300.0).abs() < 1e-6);
        assert!(contains(&poly, 5.0, 15.0, 0.0));
        assert!(!contains(&poly, 15.0, 15.0, 0.0));
        assert!(contains(&poly, 20.0, 5.0, 0.05));
    }

    fn edge_board_shape() -> BoardShape {
        let set = crate::cad::fixtures::edge_board(true);
        let (_, bytes) = set
            .iter()
            .find(|(n, _)| n.ends_with("Edge_Cuts.gbr"))
            .unwrap();
        board_shape(&gerber::parse(bytes).unwrap()).unwrap()
    }

    #[test]
    fn arcs_tab_key_slot_and_cutout() {
        let s = edge_board_shape();
        assert_eq!(s.cutouts.len(), 1, "the round cut-out");
        // Body 60 × 40 less four r2 corners (4 − π each), plus the tab less the key slot, less
        // the r3 cut-out.
        let corners = 4.0 * (4.0 - std::f64::consts::PI);
        let expected = 60.0 * 40.0 - corners + 30.0 * 8.0 - 2.0 * 4.0;
        assert!(
            (area(&s.outer).abs() - expected).abs() < 0.1,
            "{}",
            area(&s.outer)
        );
        assert!((area(&s.cutouts[0]).abs() - 9.0 * std::f64::consts::PI).abs() < 0.1);
        // Inside the body, on the tab, in the key slot, in the cut-out, in a rounded corner.
        assert!(s.contains(20.0, 20.0, 0.0));
        assert!(s.contains(20.0, -7.0, 0.0));
        assert!(!s.contains(30.0, -6.0, 0.0));
        assert!((s.distance_to_edge(30.0, -6.0) - 1.0).abs() < 1e-9);
        assert!(!s.contains(50.0, 30.0, 0.0));
        assert!(!s.contains(50.0, 30.0, 2.9));
        assert!(
            s.contains(50.0, 30.0, 3.01),
            "within tolerance of the cut-out's edge"
        );
        assert!(s.contains(50.0, 34.0, 0.0), "beside the cut-out");
        assert!(!s.contains(0.2, 0.2, 0.05), "cut away by the corner arc");
        assert!(s.contains(0.7, 0.7, 0.05), "inside the corner arc");
        // Beside the tab, inside the bounding box, not on the board.
        assert!(!s.contains(5.0, -4.0, 0.05));
        assert!((s.distance_to_edge(5.0, -4.0) - 4.0).abs() < 1e-9);
        // On the edge, within tolerance.
        assert!(s.contains(60.04, 20.0, 0.05));
        assert!(!s.contains(60.1, 20.0, 0.05));
    }

    #[test]
    fn concave_outline_with_an_arc_bite() {
        // A 40 × 20 comb: two 5 mm wide slots from the top down to y = 8, and a semicircular
        // bite (r 4, centre (20, 0)) out of the bottom edge, drawn clockwise.
        let g = gerber::parse(
            b"%FSLAX46Y46*%%MOMM*%%ADD10C,0.1*%D10*G75*\
X0Y0D02*X16000000Y0D01*G02X24000000Y0I4000000J0D01*G01X40000000Y0D01*\
X40000000Y20000000D01*X35000000Y20000000D01*X35000000Y8000000D01*\
X30000000Y8000000D01*X30000000Y20000000D01*X10000000Y20000000D01*\
X10000000Y8000000D01*X5000000Y8000000D01*X5000000Y20000000D01*\
X0Y20000000D01*X0Y0D01*M02*",
        )
        .unwrap();
        let s = board_shape(&g).unwrap();
        assert!(s.cutouts.is_empty());
        let expected = 40.0 * 20.0 - 2.0 * 5.0 * 12.0 - 8.0 * std::f64::consts::PI;
        assert!(
            (area(&s.outer).abs() - expected).abs() < 0.1,
            "{}",
            area(&s.outer)
        );
        assert!(!s.contains(7.5, 15.0, 0.05), "in a slot");
        assert!(!s.contains(32.5, 10.0, 0.05), "in the other slot");
        assert!(s.contains(20.0, 15.0, 0.0), "between the slots");
        assert!(!s.contains(20.0, 2.0, 0.05), "in the bite");
        assert!((s.distance_to_edge(20.0, 2.0) - 2.0).abs() < 0.01);
        assert!(s.contains(20.0, 4.0, 0.05), "on the bite's edge");
        assert!(s.contains(20.0, 5.0, 0.0), "above the bite");
        assert!(s.contains(14.0, 1.0, 0.0), "beside the bite");
    }
}
