//! The board shape from an outline (profile) layer: its strokes chained into closed loops,
//! the largest loop taken as the board edge. Used to tell whether a placement is on the board
//! (an L-shaped board's notch is inside its bounding box but not on the board).

use std::collections::HashMap;

use super::gerber::{arc_sweep, GerberFile, Graphic, Point};

/// Most outline strokes chained; past it callers fall back to the bounding box.
const MAX_SEGMENTS: usize = 50_000;
/// Endpoints closer than this (mm) are joined.
const JOIN_MM: f64 = 0.02;

fn arc_points(from: Point, to: Point, c: Point, cw: bool) -> Vec<Point> {
    let sweep = arc_sweep(from, to, c, cw);
    let r = (from.x - c.x).hypot(from.y - c.y);
    let a0 = (from.y - c.y).atan2(from.x - c.x);
    let n = ((sweep / (std::f64::consts::PI / 32.0)).ceil() as usize).clamp(1, 128);
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

/// The largest closed loop of the outline layer, or `None` when it does not close.
pub fn board_polygon(g: &GerberFile) -> Option<Vec<Point>> {
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
    loops
        .into_iter()
        .filter(|l| l.len() >= 3)
        .max_by(|a, b| area(a).abs().total_cmp(&area(b).abs()))
}

/// Whether the point is inside the polygon (even-odd) or within `tolerance` mm of its edge.
pub fn contains(poly: &[Point], x: f64, y: f64, tolerance: f64) -> bool {
    let n = poly.len();
    let mut inside = false;
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + n - 1) % n]);
        if (a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
        // Distance to the edge a–b.
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (((x - a.x) * dx + (y - a.y) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        if (a.x + t * dx - x).hypot(a.y + t * dy - y) <= tolerance {
            return true;
        }
    }
    inside
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
}
