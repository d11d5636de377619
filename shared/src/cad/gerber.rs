//! RS-274X (Gerber) parser producing unit-normalised (mm) graphic objects.
//!
//! Why not the `gerber_parser` / `gerber-types` crates: `gerber_parser` pulls in `regex` and
//! `lazy-regex` (kept out of the browser bundle on purpose), `unwrap`s on input-dependent paths,
//! and yields a command list rather than geometry, so extents and SVG would still need an
//! interpreter of our own. This module is that interpreter, written to be total on hostile input:
//!
//! - it works on bytes in one forward pass (no regex, no backtracking), so time is linear;
//! - every count that input controls is capped by [`GerberLimits`] (objects, region points,
//!   apertures, macros, step-and-repeat copies, warnings) and absurd coordinate formats are
//!   rejected, so memory is bounded;
//! - numbers are parsed with overflow checks, and non-finite values are refused, so no NaN or
//!   infinity reaches the geometry.
//!
//! Supported: FS (leading/trailing zero omission, absolute/incremental), MO and G70/G71, AD with
//! C/R/O/P and aperture macros (AM primitives 1, 2/20, 21, 22, 4, 5, 6, 7, variables and
//! arithmetic), D01/D02/D03, G01/G02/G03 with G74/G75, G36/G37 regions, LP polarity,
//! step-and-repeat (SR, expanded), aperture blocks (AB, expanded on flash), X2 attributes
//! (TF/TA/TO/TD, also KiCad's `G04 #@! TF…` comment form), G04 comments, G54/G55 prefixes,
//! G90/G91, M00/M02. Tolerated and ignored: LM/LR/LS (mirroring, rotation, scaling of
//! apertures) and the deprecated image parameters (IP, IN, OF, SF, MI, IR, AS, IJ, KO).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{include, Extents};

/// Caps on what a file may make the parser allocate.
#[derive(Debug, Clone, Copy)]
pub struct GerberLimits {
    /// Graphic objects (after step-and-repeat and block expansion).
    pub max_objects: usize,
    /// Region contour points, in total.
    pub max_region_points: usize,
    /// Aperture definitions.
    pub max_apertures: usize,
    /// Aperture macros, and statements per macro.
    pub max_macros: usize,
    /// Warnings kept (further ones are counted only).
    pub max_warnings: usize,
}

impl Default for GerberLimits {
    fn default() -> Self {
        GerberLimits {
            max_objects: 4_000_000,
            max_region_points: 16_000_000,
            max_apertures: 100_000,
            max_macros: 10_000,
            max_warnings: 100,
        }
    }
}

/// A fatal problem; the file cannot be interpreted.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[error("line {line}: {message}")]
pub struct GerberError {
    /// 1-based line where the offending command starts.
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

/// A non-fatal oddity, kept for display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GerberWarning {
    /// 1-based line.
    pub line: u32,
    /// What was odd.
    pub message: String,
}

/// A point in mm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// x in mm.
    pub x: f64,
    /// y in mm.
    pub y: f64,
}

/// Units declared by the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Units {
    /// Millimetres.
    Mm,
    /// Inches.
    Inch,
}

impl Units {
    fn to_mm(self) -> f64 {
        match self {
            Units::Mm => 1.0,
            Units::Inch => 25.4,
        }
    }
}

/// The coordinate format from `%FS…*%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinateFormat {
    /// Integer digits.
    pub integer_digits: u8,
    /// Decimal digits.
    pub decimal_digits: u8,
    /// Whether trailing (rather than leading) zeros are omitted (deprecated `T`).
    pub trailing_zeros_omitted: bool,
    /// Whether coordinates are incremental (deprecated `I`).
    pub incremental: bool,
}

/// A simple shape of an evaluated aperture macro, relative to the flash point, in mm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MacroShape {
    /// A disc.
    Circle {
        /// Centre.
        center: Point,
        /// Diameter.
        diameter: f64,
        /// Dark (add) or clear (erase).
        dark: bool,
    },
    /// A closed polygon.
    Polygon {
        /// Vertices.
        points: Vec<Point>,
        /// Dark (add) or clear (erase).
        dark: bool,
    },
}

/// An aperture, converted to mm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Aperture {
    /// Standard circle `C`.
    Circle {
        /// Diameter.
        diameter: f64,
    },
    /// Standard rectangle `R`.
    Rectangle {
        /// x size.
        width: f64,
        /// y size.
        height: f64,
    },
    /// Standard obround `O`.
    Obround {
        /// x size.
        width: f64,
        /// y size.
        height: f64,
    },
    /// Standard regular polygon `P`.
    Polygon {
        /// Outer diameter.
        diameter: f64,
        /// Number of vertices (3..=12).
        vertices: u32,
        /// Rotation in degrees.
        rotation: f64,
    },
    /// An instantiated aperture macro.
    Macro {
        /// The macro name.
        name: String,
        /// Its primitives, evaluated.
        shapes: Vec<MacroShape>,
    },
    /// An aperture block (`AB`): its objects are copied on every flash.
    Block {
        /// Objects relative to the flash point.
        objects: Vec<Graphic>,
    },
}

impl Aperture {
    /// The stroke width this aperture draws with (conservative for non-circles).
    pub fn stroke_width(&self) -> f64 {
        match self {
            Aperture::Circle { diameter } | Aperture::Polygon { diameter, .. } => *diameter,
            Aperture::Rectangle { width, height } | Aperture::Obround { width, height } => {
                width.max(*height)
            }
            Aperture::Macro { .. } | Aperture::Block { .. } => self
                .local_extents()
                .map_or(0.0, |e| e.width().max(e.height())),
        }
    }

    /// Extents of one flash at the origin.
    pub fn local_extents(&self) -> Option<Extents> {
        let mut ext = None;
        match self {
            Aperture::Circle { diameter } | Aperture::Polygon { diameter, .. } => {
                include(&mut ext, 0.0, 0.0, diameter / 2.0)
            }
            Aperture::Rectangle { width, height } | Aperture::Obround { width, height } => {
                include(&mut ext, -width / 2.0, -height / 2.0, 0.0);
                include(&mut ext, width / 2.0, height / 2.0, 0.0);
            }
            Aperture::Macro { shapes, .. } => {
                for s in shapes {
                    match s {
                        MacroShape::Circle {
                            center, diameter, ..
                        } => include(&mut ext, center.x, center.y, diameter / 2.0),
                        MacroShape::Polygon { points, .. } => {
                            for p in points {
                                include(&mut ext, p.x, p.y, 0.0)
                            }
                        }
                    }
                }
            }
            Aperture::Block { objects } => {
                for o in objects {
                    if let Some(e) = o.extents_with(&[]) {
                        include(&mut ext, e.min_x, e.min_y, 0.0);
                        include(&mut ext, e.max_x, e.max_y, 0.0);
                    }
                }
            }
        }
        ext
    }
}

/// One graphic object, in mm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Graphic {
    /// A straight stroke.
    Line {
        /// Start.
        from: Point,
        /// End.
        to: Point,
        /// Aperture width.
        width: f64,
        /// Dark (add) or clear (erase).
        dark: bool,
    },
    /// A circular stroke.
    Arc {
        /// Start.
        from: Point,
        /// End (equal to `from` for a full circle).
        to: Point,
        /// Centre.
        center: Point,
        /// Direction.
        clockwise: bool,
        /// Aperture width.
        width: f64,
        /// Dark (add) or clear (erase).
        dark: bool,
    },
    /// A flash of aperture `aperture` (an index into [`GerberFile::apertures`]).
    Flash {
        /// Flash point.
        at: Point,
        /// Index into [`GerberFile::apertures`].
        aperture: u32,
        /// Dark (add) or clear (erase).
        dark: bool,
    },
    /// A filled contour (arcs already linearised).
    Region {
        /// Vertices; the contour is closed.
        points: Vec<Point>,
        /// Dark (add) or clear (erase).
        dark: bool,
    },
}

/// Angle sweep of an arc (radians, positive) from start to end in its direction.
pub(crate) fn arc_sweep(from: Point, to: Point, center: Point, clockwise: bool) -> f64 {
    use std::f64::consts::TAU;
    let a0 = (from.y - center.y).atan2(from.x - center.x);
    let a1 = (to.y - center.y).atan2(to.x - center.x);
    let full = (from.x - to.x).abs() < 1e-9 && (from.y - to.y).abs() < 1e-9;
    if full {
        return TAU;
    }
    let s = if clockwise { a0 - a1 } else { a1 - a0 };
    let s = s.rem_euclid(TAU);
    if s < 1e-12 {
        TAU
    } else {
        s
    }
}

fn arc_extents(ext: &mut Option<Extents>, from: Point, to: Point, c: Point, cw: bool, r_pen: f64) {
    use std::f64::consts::{FRAC_PI_2, TAU};
    include(ext, from.x, from.y, r_pen);
    include(ext, to.x, to.y, r_pen);
    let r = ((from.x - c.x).powi(2) + (from.y - c.y).powi(2)).sqrt();
    let sweep = arc_sweep(from, to, c, cw);
    let a0 = (from.y - c.y).atan2(from.x - c.x);
    for k in 0..4 {
        let theta = f64::from(k) * FRAC_PI_2;
        let d = if cw { a0 - theta } else { theta - a0 };
        if d.rem_euclid(TAU) <= sweep + 1e-12 {
            include(ext, c.x + r * theta.cos(), c.y + r * theta.sin(), r_pen);
        }
    }
}

impl Graphic {
    /// Bounding box of the object; `apertures` resolves flashes (empty: flashes are points).
    pub fn extents_with(&self, apertures: &[Aperture]) -> Option<Extents> {
        let mut ext = None;
        match self {
            Graphic::Line {
                from, to, width, ..
            } => {
                include(&mut ext, from.x, from.y, width / 2.0);
                include(&mut ext, to.x, to.y, width / 2.0);
            }
            Graphic::Arc {
                from,
                to,
                center,
                clockwise,
                width,
                ..
            } => arc_extents(&mut ext, *from, *to, *center, *clockwise, width / 2.0),
            Graphic::Flash { at, aperture, .. } => {
                match apertures
                    .get(*aperture as usize)
                    .and_then(Aperture::local_extents)
                {
                    Some(e) => {
                        include(&mut ext, at.x + e.min_x, at.y + e.min_y, 0.0);
                        include(&mut ext, at.x + e.max_x, at.y + e.max_y, 0.0);
                    }
                    None => include(&mut ext, at.x, at.y, 0.0),
                }
            }
            Graphic::Region { points, .. } => {
                for p in points {
                    include(&mut ext, p.x, p.y, 0.0);
                }
            }
        }
        ext
    }

    /// Bounding box of the centre-lines (strokes without their width): for outlines.
    pub fn path_extents(&self, apertures: &[Aperture]) -> Option<Extents> {
        match self {
            Graphic::Line { from, to, .. } => {
                let mut ext = None;
                include(&mut ext, from.x, from.y, 0.0);
                include(&mut ext, to.x, to.y, 0.0);
                ext
            }
            Graphic::Arc {
                from,
                to,
                center,
                clockwise,
                ..
            } => {
                let mut ext = None;
                arc_extents(&mut ext, *from, *to, *center, *clockwise, 0.0);
                ext
            }
            _ => self.extents_with(apertures),
        }
    }

    fn translated(&self, dx: f64, dy: f64) -> Graphic {
        let t = |p: &Point| Point {
            x: p.x + dx,
            y: p.y + dy,
        };
        match self {
            Graphic::Line {
                from,
                to,
                width,
                dark,
            } => Graphic::Line {
                from: t(from),
                to: t(to),
                width: *width,
                dark: *dark,
            },
            Graphic::Arc {
                from,
                to,
                center,
                clockwise,
                width,
                dark,
            } => Graphic::Arc {
                from: t(from),
                to: t(to),
                center: t(center),
                clockwise: *clockwise,
                width: *width,
                dark: *dark,
            },
            Graphic::Flash { at, aperture, dark } => Graphic::Flash {
                at: t(at),
                aperture: *aperture,
                dark: *dark,
            },
            Graphic::Region { points, dark } => Graphic::Region {
                points: points.iter().map(t).collect(),
                dark: *dark,
            },
        }
    }

    fn point_count(&self) -> usize {
        match self {
            Graphic::Region { points, .. } => points.len(),
            _ => 1,
        }
    }
}

/// An X2 attribute: name (e.g. `.FileFunction`) and its comma-separated values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// Attribute name, with its leading dot for standard ones.
    pub name: String,
    /// Values.
    pub values: Vec<String>,
}

/// A parsed Gerber file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GerberFile {
    /// Declared units (mm when undeclared).
    pub units: Units,
    /// The coordinate format.
    pub format: Option<CoordinateFormat>,
    /// Apertures, indexed by [`Graphic::Flash::aperture`].
    pub apertures: Vec<Aperture>,
    /// Graphic objects in file order.
    pub objects: Vec<Graphic>,
    /// X2 file attributes (`TF`), in file order.
    pub file_attributes: Vec<Attribute>,
    /// Values of `.FileFunction`, if present (e.g. `["Copper", "L1", "Top"]`).
    pub file_function: Option<Vec<String>>,
    /// Whether `.FilePolarity` says `Negative`.
    pub negative: bool,
    /// Bounding box of everything drawn.
    pub extents: Option<Extents>,
    /// Bounding box of stroke centre-lines, flashes and regions (board size from an outline).
    pub path_extents: Option<Extents>,
    /// Non-fatal oddities (at most [`GerberLimits::max_warnings`]).
    pub warnings: Vec<GerberWarning>,
    /// Component references named by X2 object attributes (`%TO.C,R1*%`, or the first value of
    /// a pad's `%TO.P,R1,1*%`), each once, in order of first use.
    #[serde(default)]
    pub components: Vec<String>,
    /// The flashes and regions drawn while a component attribute was set: (index into
    /// [`GerberFile::objects`], index into [`GerberFile::components`]), by ascending object.
    #[serde(default)]
    pub object_components: Vec<(u32, u32)>,
}

impl GerberFile {
    /// The component reference an object was drawn for, from X2 object attributes.
    pub fn component_of(&self, object: usize) -> Option<&str> {
        let object = u32::try_from(object).ok()?;
        let i = self
            .object_components
            .binary_search_by_key(&object, |&(o, _)| o)
            .ok()?;
        self.components
            .get(self.object_components[i].1 as usize)
            .map(String::as_str)
    }
}

/// Parses a Gerber file with the default limits.
pub fn parse(bytes: &[u8]) -> Result<GerberFile, GerberError> {
    parse_with_limits(bytes, GerberLimits::default())
}

/// Parses a Gerber file with the given limits.
pub fn parse_with_limits(bytes: &[u8], limits: GerberLimits) -> Result<GerberFile, GerberError> {
    let mut p = Parser::new(limits);
    p.run(bytes)?;
    Ok(p.finish())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interp {
    Linear,
    Cw,
    Ccw,
}

#[derive(Debug, Clone)]
enum Expr {
    Num(f64),
    Var(usize),
    Neg(Box<Expr>),
    Bin(u8, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone)]
enum MacroStmt {
    Assign(usize, Expr),
    Primitive(u32, Vec<Expr>),
}

const MAX_MACRO_VARS: usize = 1000;
const MAX_EXPR_DEPTH: u32 = 32;

struct StepRepeat {
    start: usize,
    nx: u32,
    ny: u32,
    dx: f64,
    dy: f64,
    line: u32,
}

struct Parser {
    limits: GerberLimits,
    line: u32,
    done: bool,
    units: Option<Units>,
    format: Option<CoordinateFormat>,
    apertures: Vec<Aperture>,
    dcodes: HashMap<u32, u32>,
    macros: HashMap<String, Vec<MacroStmt>>,
    objects: Vec<Graphic>,
    region_points: usize,
    current: Option<u32>,
    interp: Interp,
    multi_quadrant: bool,
    incremental: bool,
    dark: bool,
    x: f64,
    y: f64,
    last_op: Option<u32>,
    region: Option<Vec<Point>>,
    sr: Option<StepRepeat>,
    blocks: Vec<(u32, usize)>,
    attrs: Vec<Attribute>,
    file_function: Option<Vec<String>>,
    negative: bool,
    warnings: Vec<GerberWarning>,
    warned_units: bool,
    macro_points: usize,
    /// The `.C` object attribute in force (index into `components`).
    attr_component: Option<u32>,
    /// The refdes of the `.P` object attribute in force.
    attr_pad: Option<u32>,
    components: Vec<String>,
    component_index: HashMap<String, u32>,
    object_components: Vec<(u32, u32)>,
}

/// Most distinct component references kept from X2 object attributes.
const MAX_COMPONENTS: usize = 100_000;

fn err<T>(line: u32, message: impl Into<String>) -> Result<T, GerberError> {
    Err(GerberError {
        line,
        message: message.into(),
    })
}

fn text(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let mut s: String = s.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    if s.len() > 200 {
        let mut cut = 200;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Parses a decimal number (`-1.5`, `+2`, `.5`), refusing non-finite and absurd magnitudes.
fn number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 40 {
        return None;
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    (v.is_finite() && v.abs() <= 1e9).then_some(v)
}

impl Parser {
    fn new(limits: GerberLimits) -> Self {
        Parser {
            limits,
            line: 1,
            done: false,
            units: None,
            format: None,
            apertures: Vec::new(),
            dcodes: HashMap::new(),
            macros: HashMap::new(),
            objects: Vec::new(),
            region_points: 0,
            current: None,
            interp: Interp::Linear,
            multi_quadrant: true,
            incremental: false,
            dark: true,
            x: 0.0,
            y: 0.0,
            last_op: None,
            region: None,
            sr: None,
            blocks: Vec::new(),
            attrs: Vec::new(),
            file_function: None,
            negative: false,
            warnings: Vec::new(),
            warned_units: false,
            macro_points: 0,
            attr_component: None,
            attr_pad: None,
            components: Vec::new(),
            component_index: HashMap::new(),
            object_components: Vec::new(),
        }
    }

    /// The index of a component reference, adding it when new (None past the cap or empty).
    fn component_id(&mut self, refdes: &str) -> Option<u32> {
        let refdes: String = refdes.trim().chars().take(200).collect();
        if refdes.is_empty() {
            return None;
        }
        if let Some(&i) = self.component_index.get(&refdes) {
            return Some(i);
        }
        if self.components.len() >= MAX_COMPONENTS {
            return None;
        }
        let i = u32::try_from(self.components.len()).ok()?;
        self.components.push(refdes.clone());
        self.component_index.insert(refdes, i);
        Some(i)
    }

    /// `TO` (object attribute): `.C` and `.P` name the component of what follows.
    fn object_attribute(&mut self, rest: &str) {
        let mut it = rest.split(',');
        let name = it.next().unwrap_or("").trim();
        let first = it.next();
        if name.eq_ignore_ascii_case(".C") {
            self.attr_component = first.and_then(|r| self.component_id(r));
        } else if name.eq_ignore_ascii_case(".P") {
            self.attr_pad = first.and_then(|r| self.component_id(r));
        }
    }

    /// `TD` (delete attribute): all of them, or the one named.
    fn delete_attribute(&mut self, rest: &str) {
        let name = rest.trim();
        if name.is_empty() || name.eq_ignore_ascii_case(".C") {
            self.attr_component = None;
        }
        if name.is_empty() || name.eq_ignore_ascii_case(".P") {
            self.attr_pad = None;
        }
    }

    fn warn(&mut self, line: u32, message: impl Into<String>) {
        if self.warnings.len() < self.limits.max_warnings {
            self.warnings.push(GerberWarning {
                line,
                message: message.into(),
            });
        }
    }

    fn run(&mut self, bytes: &[u8]) -> Result<(), GerberError> {
        let n = bytes.len();
        let mut i = 0;
        while i < n && !self.done {
            match bytes[i] {
                b'\n' => {
                    self.line = self.line.saturating_add(1);
                    i += 1;
                }
                b'\r' | b' ' | b'\t' | 0x0c | 0 => i += 1,
                b'%' => {
                    let start_line = self.line;
                    let body = &bytes[i + 1..];
                    let Some(len) = body.iter().position(|&b| b == b'%') else {
                        return err(start_line, "unterminated `%` command (file truncated?)");
                    };
                    let body = &body[..len];
                    self.exec_extended(body, start_line)?;
                    self.count_lines(body);
                    i += len + 2;
                }
                _ => {
                    let start_line = self.line;
                    let rest = &bytes[i..];
                    // A comment runs to its `*` even if a careless tool put a `%` in it.
                    let is_comment = rest.len() >= 3
                        && rest[0].eq_ignore_ascii_case(&b'G')
                        && (rest[1..3] == *b"04" || rest[1] == b'4' && !rest[2].is_ascii_digit());
                    let end = |&b: &u8| b == b'*' || (b == b'%' && !is_comment);
                    let Some(len) = rest.iter().position(end) else {
                        return err(start_line, "command without closing `*` (file truncated?)");
                    };
                    if rest[len] == b'%' {
                        return err(start_line, "command without closing `*` before `%`");
                    }
                    let word = &rest[..len];
                    self.exec_word(word, start_line)?;
                    self.count_lines(word);
                    i += len + 1;
                }
            }
        }
        if !self.done {
            return err(self.line, "file ends without M02 (truncated?)");
        }
        Ok(())
    }

    fn count_lines(&mut self, b: &[u8]) {
        let n = b.iter().filter(|&&c| c == b'\n').count();
        self.line = self
            .line
            .saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
    }

    fn scale(&mut self, line: u32) -> f64 {
        match self.units {
            Some(u) => u.to_mm(),
            None => {
                if !self.warned_units {
                    self.warned_units = true;
                    self.warn(line, "no units declared (%MO…*%); assuming inches");
                }
                25.4
            }
        }
    }

    // ---------------------------------------------------------------- extended commands

    fn exec_extended(&mut self, body: &[u8], line: u32) -> Result<(), GerberError> {
        let s: String = String::from_utf8_lossy(body)
            .chars()
            .filter(|c| !matches!(c, '\r' | '\n'))
            .collect();
        let s = s.trim();
        if s.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("AM")) {
            return self.define_macro(s, line);
        }
        for part in s.split('*') {
            let part = part.trim();
            if !part.is_empty() {
                self.exec_ext_part(part, line)?;
            }
        }
        Ok(())
    }

    fn exec_ext_part(&mut self, part: &str, line: u32) -> Result<(), GerberError> {
        let code = part.get(..2).unwrap_or(part).to_ascii_uppercase();
        let rest = part.get(2..).unwrap_or("");
        match code.as_str() {
            "FS" => self.format_spec(rest, line),
            "MO" => {
                self.units = match rest.trim().to_ascii_uppercase().as_str() {
                    "MM" => Some(Units::Mm),
                    "IN" => Some(Units::Inch),
                    other => {
                        return err(
                            line,
                            format!("unknown unit `{}` in %MO", text(other.as_bytes())),
                        )
                    }
                };
                Ok(())
            }
            "AD" => self.define_aperture(rest, line),
            "LP" => {
                match rest.trim().to_ascii_uppercase().as_str() {
                    "D" => self.dark = true,
                    "C" => self.dark = false,
                    other => self.warn(
                        line,
                        format!("unknown polarity `{}`", text(other.as_bytes())),
                    ),
                }
                Ok(())
            }
            "LM" | "LR" | "LS" | "IP" | "IN" | "OF" | "SF" | "MI" | "IR" | "AS" | "IJ" | "KO"
            | "LN" | "IC" | "TA" => Ok(()),
            "TO" => {
                self.object_attribute(rest);
                Ok(())
            }
            "TD" => {
                self.delete_attribute(rest);
                Ok(())
            }
            "SR" => self.step_repeat(rest, line),
            "AB" => self.aperture_block(rest, line),
            "TF" => {
                self.attribute(rest);
                Ok(())
            }
            "G0" | "G4" if part.to_ascii_uppercase().starts_with("G04") => Ok(()),
            _ => {
                self.warn(
                    line,
                    format!(
                        "unknown extended command `{}` ignored",
                        text(part.as_bytes())
                    ),
                );
                Ok(())
            }
        }
    }

    fn attribute(&mut self, rest: &str) {
        let mut it = rest.split(',');
        let name = it.next().unwrap_or("").trim().to_owned();
        let values: Vec<String> = it
            .take(32)
            .map(|v| v.trim().chars().take(200).collect())
            .collect();
        if name.eq_ignore_ascii_case(".FileFunction") {
            self.file_function = Some(values.clone());
        }
        if name.eq_ignore_ascii_case(".FilePolarity") {
            self.negative = values
                .first()
                .is_some_and(|v| v.eq_ignore_ascii_case("negative"));
        }
        if self.attrs.len() < 1000 {
            self.attrs.push(Attribute {
                name: name.chars().take(200).collect(),
                values,
            });
        }
    }

    fn format_spec(&mut self, rest: &str, line: u32) -> Result<(), GerberError> {
        let up = rest.to_ascii_uppercase();
        let b = up.as_bytes();
        let mut fmt = CoordinateFormat {
            integer_digits: 0,
            decimal_digits: 0,
            trailing_zeros_omitted: false,
            incremental: false,
        };
        let mut i = 0;
        let mut got_x = false;
        while i < b.len() {
            match b[i] {
                b'L' | b'D' => i += 1,
                b'T' => {
                    fmt.trailing_zeros_omitted = true;
                    i += 1
                }
                b'A' => i += 1,
                b'I' => {
                    fmt.incremental = true;
                    i += 1
                }
                c @ (b'X' | b'Y') => {
                    let (Some(&d1), Some(&d2)) = (b.get(i + 1), b.get(i + 2)) else {
                        return err(line, format!("bad format `%FS{}`", text(rest.as_bytes())));
                    };
                    if !d1.is_ascii_digit() || !d2.is_ascii_digit() {
                        return err(line, format!("bad format `%FS{}`", text(rest.as_bytes())));
                    }
                    let (int, dec) = (d1 - b'0', d2 - b'0');
                    if !(1..=7).contains(&int) || !(1..=7).contains(&dec) {
                        return err(line, format!("absurd coordinate format {int}.{dec}"));
                    }
                    if c == b'X' || !got_x {
                        fmt.integer_digits = int;
                        fmt.decimal_digits = dec;
                        got_x = true;
                    } else if (int, dec) != (fmt.integer_digits, fmt.decimal_digits) {
                        self.warn(line, "X and Y formats differ; using X");
                    }
                    i += 3;
                }
                b'N' | b'G' | b'M' => i += 2,
                b' ' => i += 1,
                _ => return err(line, format!("bad format `%FS{}`", text(rest.as_bytes()))),
            }
        }
        if !got_x {
            return err(line, "format without X/Y digits");
        }
        self.incremental = fmt.incremental;
        self.format = Some(fmt);
        Ok(())
    }

    fn define_aperture(&mut self, rest: &str, line: u32) -> Result<(), GerberError> {
        let rest = rest.trim();
        let Some(rest) = rest.strip_prefix(['D', 'd']) else {
            return err(line, "aperture definition without D code");
        };
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let Some(code) = rest[..digits].parse::<u32>().ok().filter(|_| digits <= 9) else {
            return err(line, "aperture definition with a bad D code");
        };
        if code < 10 {
            return err(
                line,
                format!("aperture D{code} is reserved (D codes start at 10)"),
            );
        }
        let rest = &rest[digits..];
        let (name, params) = match rest.find(',') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let mut vals = Vec::new();
        for p in params
            .split(['X', 'x'])
            .filter(|p| !p.trim().is_empty())
            .take(1000)
        {
            match number(p) {
                Some(v) => vals.push(v),
                None => {
                    return err(
                        line,
                        format!("bad aperture parameter `{}`", text(p.as_bytes())),
                    )
                }
            }
        }
        let s = self.scale(line);
        let size = |i: usize, what: &str| -> Result<f64, GerberError> {
            match vals.get(i) {
                Some(v) if *v >= 0.0 => Ok(v * s),
                Some(_) => err(line, format!("negative {what} in aperture D{code}")),
                None => err(line, format!("missing {what} in aperture D{code}")),
            }
        };
        let aperture = match name {
            "C" => Aperture::Circle {
                diameter: size(0, "diameter")?,
            },
            "R" => Aperture::Rectangle {
                width: size(0, "width")?,
                height: size(1, "height")?,
            },
            "O" => Aperture::Obround {
                width: size(0, "width")?,
                height: size(1, "height")?,
            },
            "P" => {
                let n = vals.get(1).copied().unwrap_or(0.0);
                if !(3.0..=12.0).contains(&n) {
                    self.warn(
                        line,
                        format!("polygon aperture D{code} with {n} vertices; clamped"),
                    );
                }
                Aperture::Polygon {
                    diameter: size(0, "diameter")?,
                    vertices: n.clamp(3.0, 12.0) as u32,
                    rotation: vals.get(2).copied().unwrap_or(0.0),
                }
            }
            _ => match self.macros.get(name) {
                Some(stmts) => {
                    let shapes = eval_macro(stmts, &vals, s, line)?;
                    let points: usize = shapes
                        .iter()
                        .map(|m| match m {
                            MacroShape::Polygon { points, .. } => points.len(),
                            MacroShape::Circle { .. } => 1,
                        })
                        .sum();
                    self.macro_points = self.macro_points.saturating_add(points);
                    if self.macro_points > self.limits.max_region_points {
                        return err(line, "aperture macros expand past the point limit");
                    }
                    Aperture::Macro {
                        name: name.chars().take(100).collect(),
                        shapes,
                    }
                }
                None => {
                    return err(
                        line,
                        format!(
                            "aperture D{code} uses undefined macro `{}`",
                            text(name.as_bytes())
                        ),
                    )
                }
            },
        };
        self.add_aperture(code, aperture, line)
    }

    fn add_aperture(
        &mut self,
        code: u32,
        aperture: Aperture,
        line: u32,
    ) -> Result<(), GerberError> {
        if self.apertures.len() >= self.limits.max_apertures {
            return err(
                line,
                format!("too many apertures (limit {})", self.limits.max_apertures),
            );
        }
        let idx = u32::try_from(self.apertures.len()).unwrap_or(u32::MAX);
        self.apertures.push(aperture);
        if self.dcodes.insert(code, idx).is_some() {
            self.warn(line, format!("aperture D{code} redefined"));
        }
        Ok(())
    }

    fn define_macro(&mut self, s: &str, line: u32) -> Result<(), GerberError> {
        if self.macros.len() >= self.limits.max_macros {
            return err(
                line,
                format!(
                    "too many aperture macros (limit {})",
                    self.limits.max_macros
                ),
            );
        }
        let mut parts = s.split('*');
        let name = parts
            .next()
            .unwrap_or("")
            .get(2..)
            .unwrap_or("")
            .trim()
            .to_owned();
        if name.is_empty() {
            return err(line, "aperture macro without a name");
        }
        let mut stmts = Vec::new();
        for part in parts {
            let part = part.trim();
            if part.is_empty() || part.starts_with('0') && !part.starts_with("0.") {
                continue; // comment primitive
            }
            if stmts.len() >= self.limits.max_macros {
                return err(line, "aperture macro too long");
            }
            if let Some(assign) = part.strip_prefix('$') {
                let Some((var, expr)) = assign.split_once('=') else {
                    return err(
                        line,
                        format!("bad macro statement `{}`", text(part.as_bytes())),
                    );
                };
                let var = var
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|v| (1..=MAX_MACRO_VARS).contains(v));
                let Some(var) = var else {
                    return err(
                        line,
                        format!("bad macro variable in `{}`", text(part.as_bytes())),
                    );
                };
                stmts.push(MacroStmt::Assign(var, parse_expr(expr, line)?));
                continue;
            }
            let mut fields = part.split(',');
            let code = fields.next().unwrap_or("").trim();
            let Ok(code) = code.parse::<u32>() else {
                return err(
                    line,
                    format!("bad macro primitive `{}`", text(part.as_bytes())),
                );
            };
            let mut exprs = Vec::new();
            for f in fields.take(10_000) {
                exprs.push(parse_expr(f, line)?);
            }
            stmts.push(MacroStmt::Primitive(code, exprs));
        }
        self.macros.insert(name, stmts);
        Ok(())
    }

    fn step_repeat(&mut self, rest: &str, line: u32) -> Result<(), GerberError> {
        self.close_step_repeat()?;
        let up = rest.trim().to_ascii_uppercase();
        if up.is_empty() {
            return Ok(());
        }
        let mut nx = 1.0;
        let mut ny = 1.0;
        let mut dx = 0.0;
        let mut dy = 0.0;
        let b = up.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let key = b[i];
            let end = b[i + 1..]
                .iter()
                .position(|c| c.is_ascii_alphabetic())
                .map_or(b.len(), |p| i + 1 + p);
            let Some(v) = up.get(i + 1..end).and_then(number) else {
                return err(
                    line,
                    format!("bad step-and-repeat `%SR{}`", text(rest.as_bytes())),
                );
            };
            match key {
                b'X' => nx = v,
                b'Y' => ny = v,
                b'I' => dx = v,
                b'J' => dy = v,
                _ => {
                    return err(
                        line,
                        format!("bad step-and-repeat `%SR{}`", text(rest.as_bytes())),
                    )
                }
            }
            i = end;
        }
        if !(1.0..=10_000.0).contains(&nx) || !(1.0..=10_000.0).contains(&ny) {
            return err(line, "step-and-repeat counts out of range (1..10000)");
        }
        let s = self.scale(line);
        self.sr = Some(StepRepeat {
            start: self.objects.len(),
            nx: nx as u32,
            ny: ny as u32,
            dx: dx * s,
            dy: dy * s,
            line,
        });
        Ok(())
    }

    fn close_step_repeat(&mut self) -> Result<(), GerberError> {
        let Some(sr) = self.sr.take() else {
            return Ok(());
        };
        let copies = u64::from(sr.nx) * u64::from(sr.ny);
        let block_len = self.objects.len() - sr.start;
        let points: usize = self.objects[sr.start..]
            .iter()
            .map(Graphic::point_count)
            .sum();
        let total = (block_len as u64).saturating_mul(copies);
        if total > self.limits.max_objects as u64
            || self.objects.len() as u64 + total > self.limits.max_objects as u64
            || (points as u64).saturating_mul(copies) > self.limits.max_region_points as u64
        {
            return err(sr.line, "step-and-repeat expands past the object limit");
        }
        for ix in 0..sr.nx {
            for iy in 0..sr.ny {
                if ix == 0 && iy == 0 {
                    continue;
                }
                let (dx, dy) = (f64::from(ix) * sr.dx, f64::from(iy) * sr.dy);
                for k in sr.start..sr.start + block_len {
                    let g = self.objects[k].translated(dx, dy);
                    self.objects.push(g);
                }
            }
        }
        self.region_points = self
            .region_points
            .saturating_add(points.saturating_mul(copies as usize));
        Ok(())
    }

    fn aperture_block(&mut self, rest: &str, line: u32) -> Result<(), GerberError> {
        let rest = rest.trim();
        if rest.is_empty() {
            let Some((code, start)) = self.blocks.pop() else {
                return err(line, "`%AB*%` closes no open block");
            };
            let objects: Vec<Graphic> = self.objects.drain(start..).collect();
            return self.add_aperture(code, Aperture::Block { objects }, line);
        }
        let code = rest
            .strip_prefix(['D', 'd'])
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|c| *c >= 10);
        let Some(code) = code else {
            return err(
                line,
                format!("bad aperture block `%AB{}`", text(rest.as_bytes())),
            );
        };
        if self.blocks.len() >= 64 {
            return err(line, "aperture blocks nested too deep");
        }
        self.blocks.push((code, self.objects.len()));
        Ok(())
    }

    // ---------------------------------------------------------------- word commands

    fn exec_word(&mut self, word: &[u8], line: u32) -> Result<(), GerberError> {
        let mut k = 0;
        let mut op: Option<u32> = None;
        let (mut cx, mut cy, mut ci, mut cj) = (None, None, None, None);
        let mut any = false;
        while k < word.len() {
            let c = word[k].to_ascii_uppercase();
            k += 1;
            match c {
                b' ' | b'\r' | b'\n' | b'\t' => continue,
                b'G' | b'D' | b'M' | b'N' => {
                    let start = k;
                    while k < word.len() && word[k].is_ascii_digit() {
                        k += 1;
                    }
                    let digits = &word[start..k];
                    if digits.is_empty() || digits.len() > 9 {
                        return err(line, format!("bad code in `{}`", text(word)));
                    }
                    let n = digits
                        .iter()
                        .fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
                    match c {
                        b'G' => {
                            if n == 4 {
                                self.comment(&word[k..], line);
                                return Ok(());
                            }
                            self.g_code(n, line)?;
                        }
                        b'D' => {
                            if n >= 10 {
                                self.select_aperture(n, line)?;
                            } else if (1..=3).contains(&n) {
                                op = Some(n);
                            } else {
                                self.warn(line, format!("unknown D{n} ignored"));
                            }
                        }
                        b'M' => match n {
                            0 | 2 => {
                                self.done = true;
                                return Ok(());
                            }
                            1 => {}
                            _ => self.warn(line, format!("unknown M{n} ignored")),
                        },
                        _ => {}
                    }
                }
                b'X' | b'Y' | b'I' | b'J' => {
                    let start = k;
                    while k < word.len() && matches!(word[k], b'0'..=b'9' | b'+' | b'-' | b'.') {
                        k += 1;
                    }
                    let v = self.coordinate(&word[start..k], line)?;
                    any = true;
                    match c {
                        b'X' => cx = Some(v),
                        b'Y' => cy = Some(v),
                        b'I' => ci = Some(v),
                        _ => cj = Some(v),
                    }
                }
                _ => {
                    self.warn(line, format!("unknown command `{}` ignored", text(word)));
                    return Ok(());
                }
            }
        }
        if !any && op.is_none() {
            return Ok(());
        }
        let op = match op.or(self.last_op) {
            Some(op) => op,
            None => {
                self.warn(line, "coordinates without an operation code ignored");
                return Ok(());
            }
        };
        self.last_op = Some(op);
        let (nx, ny) = if self.incremental {
            (self.x + cx.unwrap_or(0.0), self.y + cy.unwrap_or(0.0))
        } else {
            (cx.unwrap_or(self.x), cy.unwrap_or(self.y))
        };
        let from = Point {
            x: self.x,
            y: self.y,
        };
        let to = Point { x: nx, y: ny };
        match op {
            1 => self.interpolate(from, to, ci.unwrap_or(0.0), cj.unwrap_or(0.0), line)?,
            2 => {
                if self.region.is_some() {
                    self.flush_contour(line)?;
                }
            }
            _ => {
                if self.region.is_some() {
                    self.warn(line, "flash inside a region ignored");
                } else {
                    let Some(aperture) = self.current else {
                        return err(line, "flash (D03) with no aperture selected");
                    };
                    if let Some(Aperture::Block { objects }) = self.apertures.get(aperture as usize)
                    {
                        let count: usize = objects.iter().map(Graphic::point_count).sum();
                        if self.objects.len() + objects.len() > self.limits.max_objects
                            || self.region_points.saturating_add(count)
                                > self.limits.max_region_points
                        {
                            return err(
                                line,
                                format!("too many objects (limit {})", self.limits.max_objects),
                            );
                        }
                        self.region_points += count;
                        let copies: Vec<Graphic> =
                            objects.iter().map(|g| g.translated(to.x, to.y)).collect();
                        self.objects.extend(copies);
                    } else {
                        let dark = self.dark;
                        self.push(
                            Graphic::Flash {
                                at: to,
                                aperture,
                                dark,
                            },
                            line,
                        )?;
                    }
                }
            }
        }
        self.x = nx;
        self.y = ny;
        Ok(())
    }

    fn comment(&mut self, rest: &[u8], _line: u32) {
        let s = String::from_utf8_lossy(rest);
        if let Some(attr) = s.trim().strip_prefix("#@!") {
            let attr = attr.trim();
            if let Some(tf) = attr.strip_prefix("TF") {
                self.attribute(tf);
            } else if let Some(to) = attr.strip_prefix("TO") {
                self.object_attribute(to);
            } else if let Some(td) = attr.strip_prefix("TD") {
                self.delete_attribute(td);
            }
        }
    }

    fn g_code(&mut self, n: u32, line: u32) -> Result<(), GerberError> {
        match n {
            1 => self.interp = Interp::Linear,
            2 => self.interp = Interp::Cw,
            3 => self.interp = Interp::Ccw,
            36 => {
                if self.region.is_none() {
                    self.region = Some(Vec::new());
                }
            }
            37 => {
                self.flush_contour(line)?;
                self.region = None;
            }
            74 => self.multi_quadrant = false,
            75 => self.multi_quadrant = true,
            70 => self.units = Some(Units::Inch),
            71 => self.units = Some(Units::Mm),
            90 => self.incremental = false,
            91 => self.incremental = true,
            54 | 55 => {}
            _ => self.warn(line, format!("unknown G{n:02} ignored")),
        }
        Ok(())
    }

    fn select_aperture(&mut self, code: u32, line: u32) -> Result<(), GerberError> {
        match self.dcodes.get(&code) {
            Some(idx) => {
                self.current = Some(*idx);
                Ok(())
            }
            None => err(line, format!("aperture D{code} selected but never defined")),
        }
    }

    fn coordinate(&mut self, raw: &[u8], line: u32) -> Result<f64, GerberError> {
        let Some(fmt) = self.format else {
            return err(line, "coordinate before the format specification (%FS…*%)");
        };
        let s = self.scale(line);
        let (neg, digits) = match raw.first() {
            Some(b'-') => (true, &raw[1..]),
            Some(b'+') => (false, &raw[1..]),
            _ => (false, raw),
        };
        if digits.is_empty() {
            return err(line, "empty coordinate");
        }
        let value = if digits.contains(&b'.') {
            // Not allowed by the spec, written by some tools: a plain decimal in file units.
            match number(&String::from_utf8_lossy(digits)) {
                Some(v) => v,
                None => return err(line, format!("bad coordinate `{}`", text(raw))),
            }
        } else {
            if digits.len() > 15 || !digits.iter().all(u8::is_ascii_digit) {
                return err(line, format!("bad coordinate `{}`", text(raw)));
            }
            let n = digits
                .iter()
                .fold(0i64, |a, d| a * 10 + i64::from(d - b'0')) as f64;
            let total = i32::from(fmt.integer_digits) + i32::from(fmt.decimal_digits);
            let len = i32::try_from(digits.len()).unwrap_or(15);
            if fmt.trailing_zeros_omitted {
                n * 10f64.powi(total - len) / 10f64.powi(i32::from(fmt.decimal_digits))
            } else {
                n / 10f64.powi(i32::from(fmt.decimal_digits))
            }
        };
        let v = if neg { -value } else { value } * s;
        if !v.is_finite() {
            return err(line, "coordinate out of range");
        }
        Ok(v)
    }

    fn push(&mut self, g: Graphic, line: u32) -> Result<(), GerberError> {
        if self.objects.len() >= self.limits.max_objects {
            return err(
                line,
                format!(
                    "too many graphic objects (limit {})",
                    self.limits.max_objects
                ),
            );
        }
        if matches!(g, Graphic::Flash { .. } | Graphic::Region { .. }) {
            if let Some(c) = self.attr_pad.or(self.attr_component) {
                if let Ok(i) = u32::try_from(self.objects.len()) {
                    self.object_components.push((i, c));
                }
            }
        }
        self.objects.push(g);
        Ok(())
    }

    fn arc_center(&mut self, from: Point, to: Point, i: f64, j: f64, cw: bool) -> Point {
        if self.multi_quadrant {
            return Point {
                x: from.x + i,
                y: from.y + j,
            };
        }
        let mut best = Point {
            x: from.x + i,
            y: from.y + j,
        };
        let mut best_score = f64::INFINITY;
        for (si, sj) in [(1.0, 1.0), (-1.0, 1.0), (1.0, -1.0), (-1.0, -1.0)] {
            let c = Point {
                x: from.x + si * i.abs(),
                y: from.y + sj * j.abs(),
            };
            let r0 = (from.x - c.x).hypot(from.y - c.y);
            let r1 = (to.x - c.x).hypot(to.y - c.y);
            let sweep = arc_sweep(from, to, c, cw);
            let penalty = if sweep <= std::f64::consts::FRAC_PI_2 + 1e-6 {
                0.0
            } else {
                1e6
            };
            let score = (r0 - r1).abs() + penalty;
            if score < best_score {
                best_score = score;
                best = c;
            }
        }
        best
    }

    fn interpolate(
        &mut self,
        from: Point,
        to: Point,
        i: f64,
        j: f64,
        line: u32,
    ) -> Result<(), GerberError> {
        let dark = self.dark;
        let arc = match self.interp {
            Interp::Linear => None,
            Interp::Cw => Some(true),
            Interp::Ccw => Some(false),
        };
        let center = arc.map(|cw| self.arc_center(from, to, i, j, cw));
        if let Some(contour) = &mut self.region {
            if contour.is_empty() {
                contour.push(from);
            }
            let mut added = 0usize;
            match (arc, center) {
                (Some(cw), Some(c)) => {
                    let sweep = if !self.multi_quadrant && from == to {
                        0.0
                    } else {
                        arc_sweep(from, to, c, cw)
                    };
                    let r = (from.x - c.x).hypot(from.y - c.y);
                    let a0 = (from.y - c.y).atan2(from.x - c.x);
                    let n = ((sweep / (std::f64::consts::PI / 32.0)).ceil() as usize).clamp(1, 128);
                    for k in 1..n {
                        let a = a0 + if cw { -1.0 } else { 1.0 } * sweep * (k as f64) / (n as f64);
                        contour.push(Point {
                            x: c.x + r * a.cos(),
                            y: c.y + r * a.sin(),
                        });
                        added += 1;
                    }
                    contour.push(to);
                    added += 1;
                }
                _ => {
                    contour.push(to);
                    added += 1;
                }
            }
            self.region_points = self.region_points.saturating_add(added);
            if self.region_points > self.limits.max_region_points {
                return err(
                    line,
                    format!(
                        "too many region points (limit {})",
                        self.limits.max_region_points
                    ),
                );
            }
            return Ok(());
        }
        let Some(aperture) = self.current else {
            return err(line, "draw (D01) with no aperture selected");
        };
        let width = self
            .apertures
            .get(aperture as usize)
            .map_or(0.0, Aperture::stroke_width);
        let g = match (arc, center) {
            (Some(clockwise), Some(center)) => {
                let to = if !self.multi_quadrant && from == to {
                    from
                } else {
                    to
                };
                Graphic::Arc {
                    from,
                    to,
                    center,
                    clockwise,
                    width,
                    dark,
                }
            }
            _ => Graphic::Line {
                from,
                to,
                width,
                dark,
            },
        };
        self.push(g, line)
    }

    fn flush_contour(&mut self, line: u32) -> Result<(), GerberError> {
        let Some(contour) = &mut self.region else {
            return Ok(());
        };
        if contour.len() >= 3 {
            let points = std::mem::take(contour);
            let dark = self.dark;
            self.push(Graphic::Region { points, dark }, line)?;
        } else {
            contour.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> GerberFile {
        // Unclosed constructs at M02: keep what was drawn.
        if self.close_step_repeat().is_err() {
            self.warn(self.line, "step-and-repeat at end of file not expanded");
        }
        let mut extents = None;
        let mut path_extents = None;
        for o in &self.objects {
            if let Some(e) = o.extents_with(&self.apertures) {
                include(&mut extents, e.min_x, e.min_y, 0.0);
                include(&mut extents, e.max_x, e.max_y, 0.0);
            }
            if let Some(e) = o.path_extents(&self.apertures) {
                include(&mut path_extents, e.min_x, e.min_y, 0.0);
                include(&mut path_extents, e.max_x, e.max_y, 0.0);
            }
        }
        GerberFile {
            units: self.units.unwrap_or(Units::Inch),
            format: self.format,
            apertures: self.apertures,
            objects: self.objects,
            file_attributes: self.attrs,
            file_function: self.file_function,
            negative: self.negative,
            extents,
            path_extents,
            warnings: self.warnings,
            components: self.components,
            object_components: self.object_components,
        }
    }
}

// -------------------------------------------------------------------- aperture macros

fn parse_expr(s: &str, line: u32) -> Result<Expr, GerberError> {
    let b: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if b.len() > 4096 {
        return err(line, "macro expression too long");
    }
    let mut pos = 0;
    let e = expr_sum(&b, &mut pos, 0, line)?;
    if pos != b.len() {
        return err(
            line,
            format!("bad macro expression `{}`", text(s.as_bytes())),
        );
    }
    Ok(e)
}

fn expr_sum(b: &[u8], pos: &mut usize, depth: u32, line: u32) -> Result<Expr, GerberError> {
    let mut lhs = expr_product(b, pos, depth, line)?;
    while let Some(&op @ (b'+' | b'-')) = b.get(*pos) {
        *pos += 1;
        let rhs = expr_product(b, pos, depth, line)?;
        lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
    }
    Ok(lhs)
}

fn expr_product(b: &[u8], pos: &mut usize, depth: u32, line: u32) -> Result<Expr, GerberError> {
    let mut lhs = expr_unary(b, pos, depth, line)?;
    while let Some(&op @ (b'x' | b'X' | b'/')) = b.get(*pos) {
        *pos += 1;
        let rhs = expr_unary(b, pos, depth, line)?;
        lhs = Expr::Bin(
            if op == b'/' { b'/' } else { b'x' },
            Box::new(lhs),
            Box::new(rhs),
        );
    }
    Ok(lhs)
}

fn expr_unary(b: &[u8], pos: &mut usize, depth: u32, line: u32) -> Result<Expr, GerberError> {
    if depth > MAX_EXPR_DEPTH {
        return err(line, "macro expression nested too deep");
    }
    match b.get(*pos) {
        Some(b'-') => {
            *pos += 1;
            Ok(Expr::Neg(Box::new(expr_unary(b, pos, depth + 1, line)?)))
        }
        Some(b'+') => {
            *pos += 1;
            expr_unary(b, pos, depth + 1, line)
        }
        Some(b'(') => {
            *pos += 1;
            let e = expr_sum(b, pos, depth + 1, line)?;
            if b.get(*pos) != Some(&b')') {
                return err(line, "unbalanced parenthesis in macro expression");
            }
            *pos += 1;
            Ok(e)
        }
        Some(b'$') => {
            *pos += 1;
            let start = *pos;
            while b.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            let v = std::str::from_utf8(&b[start..*pos])
                .ok()
                .and_then(|d| d.parse::<usize>().ok())
                .filter(|v| (1..=MAX_MACRO_VARS).contains(v));
            match v {
                Some(v) => Ok(Expr::Var(v)),
                None => err(line, "bad macro variable"),
            }
        }
        Some(c) if c.is_ascii_digit() || *c == b'.' => {
            let start = *pos;
            while b
                .get(*pos)
                .is_some_and(|c| c.is_ascii_digit() || *c == b'.')
            {
                *pos += 1;
            }
            let s = std::str::from_utf8(&b[start..*pos]).unwrap_or("");
            match number(s) {
                Some(v) => Ok(Expr::Num(v)),
                None => err(line, format!("bad number `{s}` in macro")),
            }
        }
        _ => err(line, "bad macro expression"),
    }
}

fn eval(e: &Expr, vars: &[f64]) -> f64 {
    let v = match e {
        Expr::Num(v) => *v,
        Expr::Var(i) => vars.get(*i).copied().unwrap_or(0.0),
        Expr::Neg(e) => -eval(e, vars),
        Expr::Bin(op, a, b) => {
            let (a, b) = (eval(a, vars), eval(b, vars));
            match op {
                b'+' => a + b,
                b'-' => a - b,
                b'x' => a * b,
                _ => {
                    if b == 0.0 {
                        0.0
                    } else {
                        a / b
                    }
                }
            }
        }
    };
    if v.is_finite() {
        v.clamp(-1e9, 1e9)
    } else {
        0.0
    }
}

fn rotate(p: Point, deg: f64) -> Point {
    if deg == 0.0 {
        return p;
    }
    let (s, c) = deg.to_radians().sin_cos();
    Point {
        x: p.x * c - p.y * s,
        y: p.x * s + p.y * c,
    }
}

fn rect_points(cx: f64, cy: f64, w: f64, h: f64, rot: f64, scale: f64) -> Vec<Point> {
    [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)]
        .iter()
        .map(|(fx, fy)| {
            let p = rotate(
                Point {
                    x: cx + fx * w,
                    y: cy + fy * h,
                },
                rot,
            );
            Point {
                x: p.x * scale,
                y: p.y * scale,
            }
        })
        .collect()
}

fn eval_macro(
    stmts: &[MacroStmt],
    params: &[f64],
    scale: f64,
    line: u32,
) -> Result<Vec<MacroShape>, GerberError> {
    let mut vars = vec![0.0; MAX_MACRO_VARS + 1];
    for (i, p) in params.iter().take(MAX_MACRO_VARS).enumerate() {
        vars[i + 1] = *p;
    }
    let mut shapes = Vec::new();
    let mut points_total = 0usize;
    for stmt in stmts {
        match stmt {
            MacroStmt::Assign(v, e) => {
                let val = eval(e, &vars);
                if let Some(slot) = vars.get_mut(*v) {
                    *slot = val;
                }
            }
            MacroStmt::Primitive(code, args) => {
                let a: Vec<f64> = args.iter().map(|e| eval(e, &vars)).collect();
                let g = |i: usize| a.get(i).copied().unwrap_or(0.0);
                let dark = g(0) != 0.0;
                let pt = |x: f64, y: f64, rot: f64| {
                    let p = rotate(Point { x, y }, rot);
                    Point {
                        x: p.x * scale,
                        y: p.y * scale,
                    }
                };
                let shape = match code {
                    1 => Some(MacroShape::Circle {
                        center: pt(g(2), g(3), g(4)),
                        diameter: g(1).abs() * scale,
                        dark,
                    }),
                    2 | 20 => {
                        let (w, sx, sy, ex, ey, rot) = (g(1), g(2), g(3), g(4), g(5), g(6));
                        let len = (ex - sx).hypot(ey - sy);
                        let (nx, ny) = if len > 0.0 {
                            (-(ey - sy) / len * w / 2.0, (ex - sx) / len * w / 2.0)
                        } else {
                            (0.0, w / 2.0)
                        };
                        Some(MacroShape::Polygon {
                            points: vec![
                                pt(sx + nx, sy + ny, rot),
                                pt(ex + nx, ey + ny, rot),
                                pt(ex - nx, ey - ny, rot),
                                pt(sx - nx, sy - ny, rot),
                            ],
                            dark,
                        })
                    }
                    21 => Some(MacroShape::Polygon {
                        points: rect_points(g(3), g(4), g(1), g(2), g(5), scale),
                        dark,
                    }),
                    22 => Some(MacroShape::Polygon {
                        points: rect_points(
                            g(3) + g(1) / 2.0,
                            g(4) + g(2) / 2.0,
                            g(1),
                            g(2),
                            g(5),
                            scale,
                        ),
                        dark,
                    }),
                    4 => {
                        let n = g(1);
                        if !(1.0..=100_000.0).contains(&n) {
                            return err(line, "macro outline with a bad vertex count");
                        }
                        let n = n as usize;
                        let rot = g(2 * (n + 1) + 2);
                        let points: Vec<Point> = (0..=n)
                            .map(|k| pt(g(2 + 2 * k), g(3 + 2 * k), rot))
                            .collect();
                        Some(MacroShape::Polygon { points, dark })
                    }
                    5 => {
                        let n = g(1);
                        if !(3.0..=1000.0).contains(&n) {
                            return err(line, "macro polygon with a bad vertex count");
                        }
                        let n = n as usize;
                        let (cx, cy, r, rot) = (g(2), g(3), g(4).abs() / 2.0, g(5));
                        let points = (0..n)
                            .map(|k| {
                                let a = std::f64::consts::TAU * k as f64 / n as f64;
                                pt(cx + r * a.cos(), cy + r * a.sin(), rot)
                            })
                            .collect();
                        Some(MacroShape::Polygon { points, dark })
                    }
                    6 => Some(MacroShape::Circle {
                        center: pt(g(0), g(1), g(8)),
                        diameter: g(2).abs().max(g(7).abs()) * scale,
                        dark: true,
                    }),
                    7 => Some(MacroShape::Circle {
                        center: pt(g(0), g(1), g(5)),
                        diameter: g(2).abs() * scale,
                        dark: true,
                    }),
                    _ => return err(line, format!("unknown macro primitive {code}")),
                };
                if let Some(shape) = shape {
                    points_total += match &shape {
                        MacroShape::Polygon { points, .. } => points.len(),
                        MacroShape::Circle { .. } => 1,
                    };
                    if points_total > 1_000_000 {
                        return err(line, "aperture macro too large");
                    }
                    shapes.push(shape);
                }
            }
        }
    }
    Ok(shapes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[expect(clippy::unwrap_used, reason = "test inputs are known good")]
    fn ok(s: &str) -> GerberFile {
        parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn object_attributes_name_the_component_of_pads() {
        let g = ok("%FSLAX46Y46*%%MOMM*%%ADD10C,1*%D10*\
%TO.C,U1*%X0Y0D03*%TO.P,R7,2*%X1000000Y0D03*%TD.P*%X2000000Y0D03*%TD*%X3000000Y0D03*\
G04 #@! TO.P,J3,1*\nX4000000Y0D03*G04 #@! TD*\nX5000000Y0D03*\
%TO.C,U1*%G36*X0Y0D02*X1000000Y0D01*X0Y1000000D01*X0Y0D01*G37*%TD*%M02*");
        let owners: Vec<Option<&str>> = (0..g.objects.len()).map(|i| g.component_of(i)).collect();
        assert_eq!(
            owners,
            [
                Some("U1"),
                Some("R7"),
                Some("U1"),
                None,
                Some("J3"),
                None,
                Some("U1")
            ]
        );
        assert_eq!(g.components, ["U1", "R7", "J3"]);
    }

    #[test]
    fn basic_flash_and_line() {
        let g = ok("%FSLAX26Y26*%\n%MOMM*%\n%ADD10C,0.5*%\n%ADD11R,1X2*%\nD10*\nX0Y0D02*\nX10000000Y0D01*\nD11*\nX5000000Y5000000D03*\nM02*\n");
        assert_eq!(g.objects.len(), 2);
        let e = g.extents.unwrap_or(Extents::point(0.0, 0.0));
        assert!((e.min_x + 0.25).abs() < 1e-9 && (e.max_x - 10.25).abs() < 1e-9);
        assert!((e.max_y - 6.0).abs() < 1e-9);
    }

    #[test]
    fn inch_and_deprecated_forms() {
        let g = ok("G04 old*\n%FSLAX24Y24*%\n%MOIN*%\n%ADD10C,0.010*%\nG54D10*\nG01X10000Y0D02*\nX20000Y0D01*\nM02*");
        let e = g.path_extents.unwrap_or(Extents::point(0.0, 0.0));
        assert!((e.min_x - 25.4).abs() < 1e-9 && (e.max_x - 50.8).abs() < 1e-9);
    }

    #[test]
    fn arcs_regions_and_x2() {
        let g = ok("%TF.FileFunction,Copper,L1,Top*%\n%FSLAX46Y46*%%MOMM*%\nG75*\n%ADD10C,0.1*%D10*\nX-1000000Y0D02*\nG03X1000000Y0I1000000J0D01*\nG36*\nX0Y0D02*G01X1000000Y0D01*X1000000Y1000000D01*X0Y0D01*G37*\nM02*\n");
        assert_eq!(g.file_function.as_deref().map(<[String]>::len), Some(3));
        assert_eq!(g.objects.len(), 2);
        let e = g.path_extents.unwrap_or(Extents::point(0.0, 0.0));
        assert!((e.min_y + 1.0).abs() < 1e-9, "{e:?}");
    }

    #[test]
    fn macros() {
        let g = ok("%FSLAX46Y46*%%MOMM*%\n%AMRR*0 rounded*21,1,$1,$2,0,0,0*1,1,$3,$1/2,0*%\n%ADD10RR,2X1X0.5*%\nD10*X0Y0D03*M02*");
        let e = g.extents.unwrap_or(Extents::point(0.0, 0.0));
        assert!((e.max_x - 1.25).abs() < 1e-9, "{e:?}");
    }

    #[test]
    fn step_repeat_and_kicad_comment_attr() {
        let g = ok("G04 #@! TF.FileFunction,Soldermask,Bot*\n%FSLAX46Y46*%%MOMM*%%ADD10C,1*%\n%SRX2Y3I10J10*%\nD10*X0Y0D03*\n%SR*%\nM02*");
        assert_eq!(g.objects.len(), 6);
        assert_eq!(
            g.file_function
                .as_deref()
                .and_then(|f| f.first())
                .map(String::as_str),
            Some("Soldermask")
        );
    }

    #[test]
    fn errors_have_lines() {
        let e = parse(b"%FSLAX26Y26*%\n%MOMM*%\nD10*\nM02*").err();
        assert_eq!(e.map(|e| e.line), Some(3));
        assert!(parse(b"%FSLAX26Y26*%\n%MOMM*%\n%ADD10C,0.5*%\nD10*X1Y").is_err());
        assert!(parse(b"%FSLAX99Y99*%").is_err());
        assert!(parse(b"%FSLAX26Y26*%\n%MOMM*%\n%ADD10C,0.5*%\nD10*X1Y1D03*\n").is_err());
        assert!(parse(b"%FSLAX26Y26*%%MOMM*%%AMX*1,1,((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))*%M02*").is_err());
    }

    #[test]
    fn percent_in_comment() {
        let g = ok("G04 100% done*\n%FSLAX26Y26*%%MOMM*%%ADD10C,1*%D10*X0Y0D03*M02*");
        assert_eq!(g.objects.len(), 1);
    }

    #[test]
    fn caps() {
        let limits = GerberLimits {
            max_objects: 10,
            ..GerberLimits::default()
        };
        let mut s = String::from("%FSLAX26Y26*%%MOMM*%%ADD10C,1*%D10*");
        for i in 0..20 {
            s.push_str(&format!("X{i}Y0D03*"));
        }
        s.push_str("M02*");
        assert!(parse_with_limits(s.as_bytes(), limits).is_err());
        let sr =
            "%FSLAX26Y26*%%MOMM*%%ADD10C,1*%D10*%SRX10000Y10000I1J1*%X0Y0D03*X1Y1D03*%SR*%M02*";
        assert!(parse(sr.as_bytes()).is_err());
    }
}
