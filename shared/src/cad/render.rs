//! SVG rendering: one layer at a time, or a composite top/bottom view in realistic colours
//! (green solder mask, gold pads, white legend, black outline, holes). Pure string building.
//!
//! Coordinates are mm; the SVG `viewBox` is the layer's extents with y flipped so the picture
//! reads like the board (Gerber y points up, SVG y down). Clear-polarity objects are drawn
//! through an SVG mask so they erase what came before. Output size is capped: past
//! [`RenderOptions::max_elements`] objects are skipped and a comment says how many.

use std::fmt::Write as _;

use super::excellon::DrillFile;
use super::gerber::{arc_sweep, Aperture, GerberFile, Graphic, MacroShape, Point};
use super::layers::{LayerFunction, Side};
use super::validate::ParsedPackage;
use super::Extents;

/// Rendering limits.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Most objects drawn per layer; the rest are skipped (and counted in a comment).
    pub max_elements: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            max_elements: 100_000,
        }
    }
}

/// Colours of the composite view.
pub mod colors {
    /// Solder mask over bare laminate.
    pub const MASK: &str = "#1f6b35";
    /// Copper seen through the mask.
    pub const COPPER_UNDER_MASK: &str = "#2f8f48";
    /// Exposed (ENIG) copper.
    pub const PAD: &str = "#d4a83a";
    /// Legend.
    pub const SILK: &str = "#f2f2f2";
    /// Outline.
    pub const OUTLINE: &str = "#000000";
    /// Holes.
    pub const HOLE: &str = "#111111";
    /// Layer colour for single-layer views.
    pub const LAYER: &str = "#b87333";
}

/// Writes a number compactly (3 decimals, trailing zeros dropped).
fn num(out: &mut String, v: f64) {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.3}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s.as_str()
    };
    out.push_str(if s == "-0" { "0" } else { s });
}

fn pt(out: &mut String, p: Point) {
    num(out, p.x);
    out.push(' ');
    num(out, p.y);
}

struct Svg {
    out: String,
    drawn: usize,
    skipped: usize,
    max: usize,
}

impl Svg {
    fn budget(&mut self) -> bool {
        if self.drawn >= self.max {
            self.skipped += 1;
            false
        } else {
            self.drawn += 1;
            true
        }
    }
}

fn open_svg(out: &mut String, e: &Extents, mirror: bool) {
    let m = (e.width().max(e.height()) * 0.02).max(0.5);
    let e = e.grown(m);
    let min_x = if mirror { -e.max_x } else { e.min_x };
    out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"");
    num(out, min_x);
    out.push(' ');
    num(out, -e.max_y);
    out.push(' ');
    num(out, e.width());
    out.push(' ');
    num(out, e.height());
    out.push_str("\" width=\"");
    num(out, e.width());
    out.push_str("mm\" height=\"");
    num(out, e.height());
    out.push_str(if mirror {
        "mm\"><g transform=\"scale(-1,-1)\">"
    } else {
        "mm\"><g transform=\"scale(1,-1)\">"
    });
}

fn close_svg(svg: &mut Svg) {
    if svg.skipped > 0 {
        let _ = write!(
            svg.out,
            "<!-- {} objects not drawn (size cap) -->",
            svg.skipped
        );
    }
    svg.out.push_str("</g></svg>");
}

/// Path data of one aperture shape at the origin, or a circle.
fn aperture_def(out: &mut String, id: &str, a: &Aperture) {
    let _ = write!(out, "<g id=\"{id}\">");
    match a {
        Aperture::Circle { diameter } => {
            out.push_str("<circle r=\"");
            num(out, diameter / 2.0);
            out.push_str("\"/>");
        }
        Aperture::Rectangle { width, height } | Aperture::Obround { width, height } => {
            out.push_str("<rect x=\"");
            num(out, -width / 2.0);
            out.push_str("\" y=\"");
            num(out, -height / 2.0);
            out.push_str("\" width=\"");
            num(out, *width);
            out.push_str("\" height=\"");
            num(out, *height);
            if matches!(a, Aperture::Obround { .. }) {
                out.push_str("\" rx=\"");
                num(out, width.min(*height) / 2.0);
            }
            out.push_str("\"/>");
        }
        Aperture::Polygon {
            diameter,
            vertices,
            rotation,
        } => {
            out.push_str("<path d=\"");
            let n = (*vertices).clamp(3, 12);
            for k in 0..n {
                let a = rotation.to_radians() + std::f64::consts::TAU * f64::from(k) / f64::from(n);
                out.push(if k == 0 { 'M' } else { 'L' });
                pt(
                    out,
                    Point {
                        x: diameter / 2.0 * a.cos(),
                        y: diameter / 2.0 * a.sin(),
                    },
                );
            }
            out.push_str("Z\"/>");
        }
        Aperture::Macro { shapes, .. } => {
            for s in shapes.iter().take(1000) {
                match s {
                    MacroShape::Circle {
                        center,
                        diameter,
                        dark,
                    } => {
                        out.push_str("<circle cx=\"");
                        num(out, center.x);
                        out.push_str("\" cy=\"");
                        num(out, center.y);
                        out.push_str("\" r=\"");
                        num(out, diameter / 2.0);
                        out.push_str(if *dark { "\"/>" } else { "\" fill=\"black\"/>" });
                    }
                    MacroShape::Polygon { points, dark } => {
                        out.push_str("<path d=\"");
                        for (k, p) in points.iter().take(10_000).enumerate() {
                            out.push(if k == 0 { 'M' } else { 'L' });
                            pt(out, *p);
                        }
                        out.push_str(if *dark {
                            "Z\"/>"
                        } else {
                            "Z\" fill=\"black\"/>"
                        });
                    }
                }
            }
        }
        Aperture::Block { .. } => {}
    }
    out.push_str("</g>");
}

/// Draws a layer's objects with `fill` for dark and `clear` for clear polarity
/// (inside a mask: white and black). Aperture definitions use ids prefixed by `prefix`.
fn draw_objects(svg: &mut Svg, g: &GerberFile, prefix: &str, fill: &str, clear: &str) {
    svg.out.push_str("<defs>");
    let used: Vec<bool> = {
        let mut used = vec![false; g.apertures.len()];
        for o in &g.objects {
            if let Graphic::Flash { aperture, .. } = o {
                if let Some(u) = used.get_mut(*aperture as usize) {
                    *u = true;
                }
            }
        }
        used
    };
    let mut def_points = 0usize;
    for (i, a) in g.apertures.iter().enumerate() {
        if used[i] {
            def_points += match a {
                Aperture::Macro { shapes, .. } => shapes
                    .iter()
                    .map(|m| match m {
                        MacroShape::Polygon { points, .. } => points.len(),
                        MacroShape::Circle { .. } => 1,
                    })
                    .sum(),
                _ => 1,
            };
            if def_points > 20 * svg.max {
                svg.skipped += 1;
                continue;
            }
            aperture_def(&mut svg.out, &format!("{prefix}a{i}"), a);
        }
    }
    svg.out.push_str("</defs>");
    for o in &g.objects {
        if !svg.budget() {
            continue;
        }
        let dark = match o {
            Graphic::Line { dark, .. }
            | Graphic::Arc { dark, .. }
            | Graphic::Flash { dark, .. }
            | Graphic::Region { dark, .. } => *dark,
        };
        let color = if dark { fill } else { clear };
        match o {
            Graphic::Line {
                from, to, width, ..
            } => {
                svg.out.push_str("<path d=\"M");
                pt(&mut svg.out, *from);
                svg.out.push('L');
                pt(&mut svg.out, *to);
                stroke(&mut svg.out, *width, color);
            }
            Graphic::Arc {
                from,
                to,
                center,
                clockwise,
                width,
                ..
            } => {
                let r = (from.x - center.x).hypot(from.y - center.y);
                let sweep = arc_sweep(*from, *to, *center, *clockwise);
                svg.out.push_str("<path d=\"M");
                pt(&mut svg.out, *from);
                let flag = if *clockwise { '0' } else { '1' };
                if sweep >= std::f64::consts::TAU - 1e-9 {
                    // A full circle: two half arcs through the opposite point.
                    let opposite = Point {
                        x: 2.0 * center.x - from.x,
                        y: 2.0 * center.y - from.y,
                    };
                    for p in [opposite, *from] {
                        svg.out.push('A');
                        num(&mut svg.out, r);
                        svg.out.push(' ');
                        num(&mut svg.out, r);
                        let _ = write!(svg.out, " 0 0 {flag} ");
                        pt(&mut svg.out, p);
                    }
                } else {
                    svg.out.push('A');
                    num(&mut svg.out, r);
                    svg.out.push(' ');
                    num(&mut svg.out, r);
                    let large = if sweep > std::f64::consts::PI {
                        '1'
                    } else {
                        '0'
                    };
                    let _ = write!(svg.out, " 0 {large} {flag} ");
                    pt(&mut svg.out, *to);
                }
                stroke(&mut svg.out, *width, color);
            }
            Graphic::Flash { at, aperture, .. } => {
                let _ = write!(svg.out, "<use href=\"#{prefix}a{aperture}\" x=\"");
                num(&mut svg.out, at.x);
                svg.out.push_str("\" y=\"");
                num(&mut svg.out, at.y);
                let _ = write!(svg.out, "\" fill=\"{color}\"/>");
            }
            Graphic::Region { points, .. } => {
                svg.out.push_str("<path d=\"");
                for (k, p) in points.iter().enumerate() {
                    svg.out.push(if k == 0 { 'M' } else { 'L' });
                    pt(&mut svg.out, *p);
                }
                let _ = write!(svg.out, "Z\" fill=\"{color}\"/>");
            }
        }
    }
}

fn stroke(out: &mut String, width: f64, color: &str) {
    out.push_str(
        "\" fill=\"none\" stroke-linecap=\"round\" stroke-linejoin=\"round\" stroke-width=\"",
    );
    num(out, width.max(0.01));
    let _ = write!(out, "\" stroke=\"{color}\"/>");
}

fn has_clear(g: &GerberFile) -> bool {
    g.objects.iter().any(|o| match o {
        Graphic::Line { dark, .. }
        | Graphic::Arc { dark, .. }
        | Graphic::Flash { dark, .. }
        | Graphic::Region { dark, .. } => !dark,
    })
}

/// Draws a layer in one colour, honouring clear polarity through a mask; `clip` restricts it.
fn draw_layer(
    svg: &mut Svg,
    g: &GerberFile,
    prefix: &str,
    color: &str,
    area: &Extents,
    clip_mask: Option<&str>,
) {
    let clip = clip_mask
        .map(|m| format!(" mask=\"url(#{m})\""))
        .unwrap_or_default();
    if !has_clear(g) {
        let _ = write!(svg.out, "<g{clip}>");
        draw_objects(svg, g, prefix, color, "none");
        svg.out.push_str("</g>");
        return;
    }
    mask(svg, g, prefix, area);
    let _ = write!(svg.out, "<g{clip}><rect x=\"");
    rect_attrs(&mut svg.out, area);
    let _ = write!(svg.out, " fill=\"{color}\" mask=\"url(#{prefix}m)\"/></g>");
}

/// Defines `<mask id="{prefix}m">` holding the layer (dark white, clear black).
fn mask(svg: &mut Svg, g: &GerberFile, prefix: &str, area: &Extents) {
    let _ = write!(
        svg.out,
        "<mask id=\"{prefix}m\" maskUnits=\"userSpaceOnUse\" x=\""
    );
    rect_attrs(&mut svg.out, area);
    svg.out.push('>');
    draw_objects(svg, g, prefix, "white", "black");
    svg.out.push_str("</mask>");
}

/// Writes `x=".." y=".." width=".." height=".."` after an opening `x="`.
fn rect_attrs(out: &mut String, e: &Extents) {
    num(out, e.min_x);
    out.push_str("\" y=\"");
    num(out, e.min_y);
    out.push_str("\" width=\"");
    num(out, e.width());
    out.push_str("\" height=\"");
    num(out, e.height());
    out.push('"');
}

/// One Gerber layer as SVG, in `color` (e.g. [`colors::LAYER`]).
pub fn layer_svg(g: &GerberFile, color: &str, opts: RenderOptions) -> String {
    let e = g.extents.unwrap_or(Extents::point(0.0, 0.0)).grown(0.5);
    let mut svg = Svg {
        out: String::new(),
        drawn: 0,
        skipped: 0,
        max: opts.max_elements,
    };
    open_svg(&mut svg.out, &e, false);
    draw_layer(&mut svg, g, "l", color, &e, None);
    close_svg(&mut svg);
    svg.out
}

fn draw_holes(svg: &mut Svg, d: &DrillFile, color: &str) {
    for h in &d.holes {
        if !svg.budget() {
            continue;
        }
        match h.slot_end {
            Some(e) => {
                svg.out.push_str("<path d=\"M");
                pt(&mut svg.out, Point { x: h.x, y: h.y });
                svg.out.push('L');
                pt(&mut svg.out, e);
                stroke(&mut svg.out, h.diameter_mm, color);
            }
            None => {
                svg.out.push_str("<circle cx=\"");
                num(&mut svg.out, h.x);
                svg.out.push_str("\" cy=\"");
                num(&mut svg.out, h.y);
                svg.out.push_str("\" r=\"");
                num(&mut svg.out, h.diameter_mm / 2.0);
                let _ = write!(svg.out, "\" fill=\"{color}\"/>");
            }
        }
    }
}

/// A drill file as SVG.
pub fn drill_svg(d: &DrillFile, opts: RenderOptions) -> String {
    let e = d.extents.unwrap_or(Extents::point(0.0, 0.0)).grown(0.5);
    let mut svg = Svg {
        out: String::new(),
        drawn: 0,
        skipped: 0,
        max: opts.max_elements,
    };
    open_svg(&mut svg.out, &e, false);
    draw_holes(&mut svg, d, colors::HOLE);
    close_svg(&mut svg);
    svg.out
}

/// The composite view of one side (TOP or BOTTOM; BOTTOM is seen from below, mirrored).
pub fn board_svg(pkg: &ParsedPackage, side: Side, opts: RenderOptions) -> String {
    use LayerFunction as F;
    let bottom = side == Side::Bottom;
    let layers = &pkg.analysis.layers;
    let find = |f: F| {
        pkg.gerbers
            .iter()
            .find(|(i, _)| layers.get(*i).is_some_and(|l| l.function == f))
            .map(|(_, g)| g)
    };
    let (copper, soldermask, silk) = if bottom {
        (F::CopperBottom, F::SoldermaskBottom, F::SilkscreenBottom)
    } else {
        (F::CopperTop, F::SoldermaskTop, F::SilkscreenTop)
    };
    let outlines: Vec<&GerberFile> = pkg
        .gerbers
        .iter()
        .filter(|(i, _)| layers.get(*i).is_some_and(|l| l.function == F::Outline))
        .map(|(_, g)| g)
        .collect();
    let area = pkg
        .analysis
        .board
        .as_ref()
        .map(|b| b.outline)
        .or_else(|| {
            layers
                .iter()
                .filter_map(|l| l.extents_mm)
                .reduce(|a, b| a.union(&b))
        })
        .unwrap_or(Extents::point(0.0, 0.0));
    let area = area.grown(0.05);
    let mut svg = Svg {
        out: String::new(),
        drawn: 0,
        skipped: 0,
        max: opts.max_elements,
    };
    open_svg(&mut svg.out, &area, bottom);
    // Laminate under solder mask: the board shape when the outline closes, else its box.
    match pkg.analysis.board.as_ref().and_then(|b| b.polygon.as_ref()) {
        Some(poly) => {
            svg.out.push_str("<path d=\"");
            for (k, p) in poly.iter().enumerate() {
                svg.out.push(if k == 0 { 'M' } else { 'L' });
                pt(&mut svg.out, *p);
            }
            let _ = write!(svg.out, "Z\" fill=\"{}\"/>", colors::MASK);
        }
        None => {
            svg.out.push_str("<rect x=\"");
            rect_attrs(&mut svg.out, &area);
            let _ = write!(svg.out, " fill=\"{}\"/>", colors::MASK);
        }
    }
    if let Some(cu) = find(copper) {
        draw_layer(&mut svg, cu, "cu", colors::COPPER_UNDER_MASK, &area, None);
        // Pads: mask openings, gold where there is copper.
        if let Some(sm) = find(soldermask) {
            mask(&mut svg, cu, "pads", &area);
            draw_layer(&mut svg, sm, "sm", colors::PAD, &area, Some("padsm"));
        }
    }
    if let Some(s) = find(silk) {
        draw_layer(&mut svg, s, "sk", colors::SILK, &area, None);
    }
    for (_, d) in &pkg.drills {
        draw_holes(&mut svg, d, colors::HOLE);
    }
    for (k, o) in outlines.iter().enumerate() {
        draw_layer(&mut svg, o, &format!("ol{k}"), colors::OUTLINE, &area, None);
    }
    close_svg(&mut svg);
    svg.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cad::fixtures::{self, STYLES};
    use crate::cad::validate::analyze_package;

    #[test]
    fn renders_fixture_boards() {
        for style in STYLES {
            let set = fixtures::board(style);
            let pkg = analyze_package(&fixtures::inputs(&set));
            for side in [Side::Top, Side::Bottom] {
                let s = board_svg(&pkg, side, RenderOptions::default());
                assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
                assert!(
                    s.contains(colors::PAD) && s.contains("<circle"),
                    "{style:?} {side:?}"
                );
                assert!(!s.contains("NaN") && !s.contains("inf"));
            }
            for (_, g) in &pkg.gerbers {
                let s = layer_svg(g, colors::LAYER, RenderOptions::default());
                assert!(s.contains("viewBox"));
            }
        }
    }

    #[test]
    fn a_single_drill_file_is_drawn() {
        let set = fixtures::board(fixtures::Style::KiCad);
        let only: Vec<_> = set
            .iter()
            .filter(|(n, _)| n == "board-PTH.drl")
            .cloned()
            .collect();
        let pkg = analyze_package(&fixtures::inputs(&only));
        assert!(pkg.analysis.board.is_none());
        let board = board_svg(&pkg, Side::Top, RenderOptions::default());
        assert_eq!(board.matches("<circle").count(), 4, "{board}");
        let layer = drill_svg(&pkg.drills[0].1, RenderOptions::default());
        assert_eq!(layer.matches("<circle").count(), 4, "{layer}");
    }

    #[test]
    fn caps_elements() {
        let set = fixtures::board(fixtures::Style::KiCad);
        let pkg = analyze_package(&fixtures::inputs(&set));
        let s = layer_svg(&pkg.gerbers[0].1, "red", RenderOptions { max_elements: 3 });
        assert!(s.contains("objects not drawn"));
    }
}

#[cfg(test)]
mod dump {
    /// Writes the fixture renders to $FIRSTPASS_RENDER_DIR for eyeballing.
    #[test]
    fn dump_when_asked() {
        let Ok(dir) = std::env::var("FIRSTPASS_RENDER_DIR") else {
            return;
        };
        for style in crate::cad::fixtures::STYLES {
            let set = crate::cad::fixtures::board(style);
            let pkg = crate::cad::validate::analyze_package(&crate::cad::fixtures::inputs(&set));
            for side in [super::Side::Top, super::Side::Bottom] {
                let s = super::board_svg(&pkg, side, super::RenderOptions::default());
                let _ = std::fs::write(format!("{dir}/{style:?}-{side:?}.svg"), s);
            }
        }
    }
}
