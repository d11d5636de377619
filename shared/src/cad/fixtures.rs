//! Generated test packages: one small 2-layer board (50 × 30 mm, four resistors, three
//! capacitors, one SOIC-8, vias, four mounting holes) exported the way KiCad, Altium and Eagle
//! export it, plus broken variants that each trigger findings. Built by code so tests never
//! depend on checked-in blobs. Enabled by the `fixtures` feature (and in this crate's tests).

use std::fmt::Write as _;

use super::validate::{FindingCode, InputFile};

/// A package: (file name, content) pairs.
pub type FileSet = Vec<(String, Vec<u8>)>;

/// Board width, mm.
pub const BOARD_WIDTH_MM: f64 = 50.0;
/// Board height, mm.
pub const BOARD_HEIGHT_MM: f64 = 30.0;

/// The CAD tool whose export conventions a fixture follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// KiCad: X2 attributes, `-F_Cu.gbr` names, decimal metric drill with `#@!`, `.pos`.
    KiCad,
    /// Altium: no X2, Protel extensions, inch 2.5 drill `.TXT`, pick-place with a preamble.
    Altium,
    /// Eagle: Eagle extensions, inch 2.4 with deprecated forms, `.xln` without a format, `.mnt`.
    Eagle,
}

/// Every style.
pub const STYLES: [Style; 3] = [Style::KiCad, Style::Altium, Style::Eagle];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Circle(f64),
    Rect(f64, f64),
    /// A rectangle drawn with an aperture macro where the style has them.
    MacroRect(f64, f64),
    /// Eagle's octagon macro.
    Octagon(f64),
}

#[derive(Debug, Clone, PartialEq)]
enum Prim {
    Flash {
        x: f64,
        y: f64,
        shape: Shape,
        dark: bool,
    },
    Line {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        w: f64,
    },
    ArcCcw {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        cx: f64,
        cy: f64,
        w: f64,
    },
    Region(Vec<(f64, f64)>),
    /// Text written as is (X2 object attributes).
    Raw(String),
}

/// A part on the board.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    /// Designator.
    pub designator: &'static str,
    /// Value.
    pub value: &'static str,
    /// Package.
    pub package: &'static str,
    /// Manufacturer part number.
    pub mpn: &'static str,
    /// Manufacturer.
    pub manufacturer: &'static str,
    /// Centre x, mm.
    pub x: f64,
    /// Centre y, mm.
    pub y: f64,
    /// Do not place.
    pub dnp: bool,
}

/// The parts of the fixture board.
pub fn parts() -> Vec<Part> {
    let p = |designator, value, package, mpn, manufacturer, x, y, dnp| Part {
        designator,
        value,
        package,
        mpn,
        manufacturer,
        x,
        y,
        dnp,
    };
    vec![
        p(
            "R1",
            "10k",
            "R_0603",
            "RC0603FR-0710KL",
            "Yageo",
            10.0,
            8.0,
            false,
        ),
        p(
            "R2",
            "10k",
            "R_0603",
            "RC0603FR-0710KL",
            "Yageo",
            10.0,
            15.0,
            false,
        ),
        p(
            "R3",
            "10k",
            "R_0603",
            "RC0603FR-0710KL",
            "Yageo",
            10.0,
            22.0,
            false,
        ),
        p(
            "R4",
            "0R",
            "R_0603",
            "RC0603JR-070RL",
            "Yageo",
            16.0,
            22.0,
            true,
        ),
        p(
            "C1",
            "100n",
            "C_0603",
            "GRM188R71H104KA93D",
            "Murata",
            22.0,
            8.0,
            false,
        ),
        p(
            "C2",
            "100n",
            "C_0603",
            "GRM188R71H104KA93D",
            "Murata",
            22.0,
            15.0,
            false,
        ),
        p(
            "C3",
            "10u",
            "C_0805",
            "GRM21BR61A106KE19L",
            "Murata",
            22.0,
            22.0,
            false,
        ),
        p(
            "U1",
            "LM358",
            "SOIC-8",
            "LM358DR",
            "Texas Instruments",
            36.0,
            15.0,
            false,
        ),
    ]
}

fn pads(part: &Part) -> Vec<(f64, f64, f64, f64)> {
    match part.package {
        "SOIC-8" => (0..8)
            .map(|i| {
                let row = f64::from(i % 4);
                let x = if i < 4 { part.x - 2.7 } else { part.x + 2.7 };
                (x, part.y - 1.905 + row * 1.27, 1.5, 0.6)
            })
            .collect(),
        "C_0805" => vec![
            (part.x - 0.95, part.y, 1.0, 1.25),
            (part.x + 0.95, part.y, 1.0, 1.25),
        ],
        _ => vec![
            (part.x - 0.8, part.y, 0.9, 0.95),
            (part.x + 0.8, part.y, 0.9, 0.95),
        ],
    }
}

const VIAS: [(f64, f64); 4] = [(15.0, 11.5), (28.0, 11.5), (28.0, 18.5), (42.0, 25.0)];
const MOUNTING: [(f64, f64); 4] = [(4.0, 4.0), (46.0, 4.0), (4.0, 26.0), (46.0, 26.0)];

struct Geometry {
    copper_top: Vec<Prim>,
    copper_bottom: Vec<Prim>,
    mask_top: Vec<Prim>,
    mask_bottom: Vec<Prim>,
    silk_top: Vec<Prim>,
    silk_bottom: Vec<Prim>,
    paste_top: Vec<Prim>,
    paste_bottom: Vec<Prim>,
    outline: Vec<Prim>,
}

fn geometry(style: Style) -> Geometry {
    let mut g = Geometry {
        copper_top: Vec::new(),
        copper_bottom: Vec::new(),
        mask_top: Vec::new(),
        mask_bottom: Vec::new(),
        silk_top: Vec::new(),
        silk_bottom: Vec::new(),
        paste_top: Vec::new(),
        paste_bottom: Vec::new(),
        outline: Vec::new(),
    };
    let via_shape = if style == Style::Eagle {
        Shape::Octagon(0.8)
    } else {
        Shape::Circle(0.8)
    };
    for part in parts() {
        for (x, y, w, h) in pads(&part) {
            let shape = if part.package == "SOIC-8" {
                Shape::MacroRect(w, h)
            } else {
                Shape::Rect(w, h)
            };
            g.copper_top.push(Prim::Flash {
                x,
                y,
                shape,
                dark: true,
            });
            g.mask_top.push(Prim::Flash {
                x,
                y,
                shape: Shape::Rect(w + 0.1, h + 0.1),
                dark: true,
            });
            g.paste_top.push(Prim::Flash {
                x,
                y,
                shape: Shape::Rect(w, h),
                dark: true,
            });
        }
        // The legend stays clear of the pads (the SOIC's rows start 1.95 mm from its centre).
        let (hw, hh) = if part.package == "SOIC-8" {
            (1.7, 2.6)
        } else {
            (1.65, 0.8)
        };
        let (x0, y0, x1, y1) = (part.x - hw, part.y - hh, part.x + hw, part.y + hh);
        for (a, b, c, d) in [
            (x0, y0, x1, y0),
            (x1, y0, x1, y1),
            (x1, y1, x0, y1),
            (x0, y1, x0, y0),
        ] {
            g.silk_top.push(Prim::Line {
                x1: a,
                y1: b,
                x2: c,
                y2: d,
                w: 0.15,
            });
        }
    }
    // Tracks: resistors to the IC on top, a return path on the bottom.
    for (x1, y1, x2, y2) in [
        (10.8, 8.0, 15.0, 11.5),
        (10.8, 15.0, 33.3, 15.0 - 0.635),
        (22.8, 8.0, 28.0, 11.5),
        (28.0, 11.5, 33.3, 13.095),
    ] {
        g.copper_top.push(Prim::Line {
            x1,
            y1,
            x2,
            y2,
            w: 0.25,
        });
    }
    for (x1, y1, x2, y2) in [
        (15.0, 11.5, 28.0, 11.5),
        (28.0, 11.5, 28.0, 18.5),
        (28.0, 18.5, 42.0, 25.0),
    ] {
        g.copper_bottom.push(Prim::Line {
            x1,
            y1,
            x2,
            y2,
            w: 0.3,
        });
    }
    // A ground pour on the bottom with clearances around the mounting holes.
    g.copper_bottom.push(Prim::Region(vec![
        (1.0, 1.0),
        (49.0, 1.0),
        (49.0, 6.0),
        (1.0, 6.0),
        (1.0, 1.0),
    ]));
    for (x, y) in MOUNTING {
        g.copper_bottom.push(Prim::Flash {
            x,
            y,
            shape: Shape::Circle(4.0),
            dark: false,
        });
        g.silk_bottom.push(Prim::Flash {
            x,
            y,
            shape: Shape::Circle(4.2),
            dark: true,
        });
        g.silk_bottom.push(Prim::Flash {
            x,
            y,
            shape: Shape::Circle(3.8),
            dark: false,
        });
    }
    for (x, y) in VIAS {
        g.copper_top.push(Prim::Flash {
            x,
            y,
            shape: via_shape,
            dark: true,
        });
        g.copper_bottom.push(Prim::Flash {
            x,
            y,
            shape: via_shape,
            dark: true,
        });
    }
    g.mask_bottom.push(Prim::Flash {
        x: 42.0,
        y: 25.0,
        shape: Shape::Circle(1.0),
        dark: true,
    });
    g.paste_bottom.push(Prim::Flash {
        x: 42.0,
        y: 25.0,
        shape: Shape::Circle(0.1),
        dark: true,
    });
    // Outline: rounded corners (arcs) in KiCad style, a plain rectangle elsewhere.
    let (w, h) = (BOARD_WIDTH_MM, BOARD_HEIGHT_MM);
    if style == Style::KiCad {
        let r = 1.0;
        let ol = 0.1;
        g.outline.push(Prim::Line {
            x1: r,
            y1: 0.0,
            x2: w - r,
            y2: 0.0,
            w: ol,
        });
        g.outline.push(Prim::ArcCcw {
            x1: w - r,
            y1: 0.0,
            x2: w,
            y2: r,
            cx: w - r,
            cy: r,
            w: ol,
        });
        g.outline.push(Prim::Line {
            x1: w,
            y1: r,
            x2: w,
            y2: h - r,
            w: ol,
        });
        g.outline.push(Prim::ArcCcw {
            x1: w,
            y1: h - r,
            x2: w - r,
            y2: h,
            cx: w - r,
            cy: h - r,
            w: ol,
        });
        g.outline.push(Prim::Line {
            x1: w - r,
            y1: h,
            x2: r,
            y2: h,
            w: ol,
        });
        g.outline.push(Prim::ArcCcw {
            x1: r,
            y1: h,
            x2: 0.0,
            y2: h - r,
            cx: r,
            cy: h - r,
            w: ol,
        });
        g.outline.push(Prim::Line {
            x1: 0.0,
            y1: h - r,
            x2: 0.0,
            y2: r,
            w: ol,
        });
        g.outline.push(Prim::ArcCcw {
            x1: 0.0,
            y1: r,
            x2: r,
            y2: 0.0,
            cx: r,
            cy: r,
            w: ol,
        });
    } else {
        for (a, b, c, d) in [
            (0.0, 0.0, w, 0.0),
            (w, 0.0, w, h),
            (w, h, 0.0, h),
            (0.0, h, 0.0, 0.0),
        ] {
            g.outline.push(Prim::Line {
                x1: a,
                y1: b,
                x2: c,
                y2: d,
                w: 0.2,
            });
        }
    }
    g
}

struct Writer {
    style: Style,
    out: String,
    apertures: Vec<Shape>,
}

impl Writer {
    fn inch(&self) -> bool {
        self.style != Style::KiCad
    }

    fn dec(&self) -> i32 {
        match self.style {
            Style::KiCad => 6,
            Style::Altium => 5,
            Style::Eagle => 4,
        }
    }

    fn c(&self, mm: f64) -> i64 {
        let v = if self.inch() { mm / 25.4 } else { mm };
        (v * 10f64.powi(self.dec())).round() as i64
    }

    fn size(&self, mm: f64) -> String {
        if self.inch() {
            format!("{:.4}", mm / 25.4)
        } else {
            format!("{mm:.6}")
        }
    }

    fn xy(&self, x: f64, y: f64) -> String {
        format!("X{}Y{}", self.c(x), self.c(y))
    }

    fn aperture(&mut self, shape: Shape) -> usize {
        match self.apertures.iter().position(|s| *s == shape) {
            Some(i) => 10 + i,
            None => {
                self.apertures.push(shape);
                9 + self.apertures.len()
            }
        }
    }

    fn ad(&self, i: usize, shape: Shape) -> String {
        let d = 10 + i;
        match shape {
            Shape::Circle(dia) => format!("%ADD{d}C,{}*%\n", self.size(dia)),
            Shape::Rect(w, h) => format!("%ADD{d}R,{}X{}*%\n", self.size(w), self.size(h)),
            Shape::MacroRect(w, h) if self.style == Style::KiCad => {
                format!(
                    "%TA.AperFunction,SMDPad,CuDef*%\n%ADD{d}PadRect,{}X{}X0*%\n%TD*%\n",
                    self.size(w),
                    self.size(h)
                )
            }
            Shape::MacroRect(w, h) => format!("%ADD{d}R,{}X{}*%\n", self.size(w), self.size(h)),
            Shape::Octagon(dia) => format!("%ADD{d}OC8,{}*%\n", self.size(dia)),
        }
    }
}

fn gerber(style: Style, function: &str, prims: &[Prim]) -> Vec<u8> {
    let mut w = Writer {
        style,
        out: String::new(),
        apertures: Vec::new(),
    };
    // Body first (to collect apertures), header after.
    let mut body = String::new();
    let mut current = 0usize;
    let mut dark = true;
    for p in prims {
        if let Prim::Raw(text) = p {
            body.push_str(text);
            continue;
        }
        let (shape, want_dark) = match p {
            Prim::Flash { shape, dark, .. } => (Some(*shape), *dark),
            Prim::Line { w: width, .. } | Prim::ArcCcw { w: width, .. } => {
                (Some(Shape::Circle(*width)), true)
            }
            Prim::Region(_) | Prim::Raw(_) => (None, true),
        };
        if want_dark != dark {
            dark = want_dark;
            body.push_str(if dark { "%LPD*%\n" } else { "%LPC*%\n" });
        }
        if let Some(shape) = shape {
            let d = w.aperture(shape);
            if d != current {
                current = d;
                if style == Style::Eagle {
                    let _ = writeln!(body, "G54D{d}*");
                } else {
                    let _ = writeln!(body, "D{d}*");
                }
            }
        }
        match p {
            Prim::Flash { x, y, .. } => {
                let _ = writeln!(body, "{}D03*", w.xy(*x, *y));
            }
            Prim::Line { x1, y1, x2, y2, .. } => {
                let _ = writeln!(body, "{}D02*", w.xy(*x1, *y1));
                let _ = writeln!(body, "G01{}D01*", w.xy(*x2, *y2));
            }
            Prim::ArcCcw {
                x1,
                y1,
                x2,
                y2,
                cx,
                cy,
                ..
            } => {
                let _ = writeln!(body, "{}D02*", w.xy(*x1, *y1));
                let _ = writeln!(
                    body,
                    "G75*\nG03{}I{}J{}D01*",
                    w.xy(*x2, *y2),
                    w.c(cx - x1),
                    w.c(cy - y1)
                );
            }
            Prim::Region(pts) => {
                body.push_str("G36*\n");
                for (i, (x, y)) in pts.iter().enumerate() {
                    let _ = writeln!(
                        body,
                        "{}{}*",
                        w.xy(*x, *y),
                        if i == 0 { "D02" } else { "D01" }
                    );
                }
                body.push_str("G37*\n");
            }
            Prim::Raw(_) => {}
        }
    }
    match style {
        Style::KiCad => {
            w.out.push_str(
                "%TF.GenerationSoftware,KiCad,Pcbnew,8.0.0*%\n%TF.SameCoordinates,Original*%\n",
            );
            let _ = writeln!(
                w.out,
                "%TF.FileFunction,{function}*%\n%TF.FilePolarity,Positive*%"
            );
            w.out.push_str("%FSLAX46Y46*%\nG04 Gerber Fmt 4.6, Leading zero omitted, Abs format (unit mm)*\n%MOMM*%\n%LPD*%\nG01*\n");
            w.out.push_str("G04 Aperture macros list*\n%AMPadRect*\n0 Rectangle, $1 width, $2 height, $3 rotation*\n21,1,$1,$2,0,0,$3*%\n");
        }
        Style::Altium => {
            w.out.push_str("G04 Layer_Physical_Order*\nG04 Altium Designer*\n%FSLAX25Y25*%\n%MOIN*%\n%IPPOS*%\n%SFA1B1*%\nG70*\nG01*\nG75*\n");
        }
        Style::Eagle => {
            w.out.push_str("G04 EAGLE Gerber RS-274X export*\nG75*\n%MOIN*%\n%OFA0B0*%\n%FSLAX24Y24*%\n%IPPOS*%\n%AMOC8*\n5,1,8,0,0,1.08239X$1,22.5*%\nG01*\n");
        }
    }
    let defs: String = w
        .apertures
        .iter()
        .enumerate()
        .map(|(i, s)| w.ad(i, *s))
        .collect();
    w.out.push_str(&defs);
    w.out.push_str(&body);
    w.out.push_str("M02*\n");
    w.out.into_bytes()
}

fn drill(style: Style, plated: bool, holes: &[(f64, f64, f64)]) -> Vec<u8> {
    let mut tools: Vec<f64> = Vec::new();
    for (_, _, d) in holes {
        if !tools.iter().any(|t| (t - d).abs() < 1e-9) {
            tools.push(*d);
        }
    }
    let mut s = String::new();
    match style {
        Style::KiCad => {
            s.push_str("M48\n; DRILL file {KiCad 8.0.0} date 2024-01-01\n; FORMAT={-:-/ absolute / metric / decimal}\n");
            let _ = writeln!(
                s,
                "; #@! TF.FileFunction,{}",
                if plated {
                    "Plated,1,2,PTH"
                } else {
                    "NonPlated,1,2,NPTH"
                }
            );
            s.push_str("FMAT,2\nMETRIC\n");
            for (i, d) in tools.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "; #@! TA.AperFunction,{}\nT{}C{d:.3}",
                    if plated {
                        "Plated,PTH,ViaDrill"
                    } else {
                        "NonPlated,NPTH,ComponentDrill"
                    },
                    i + 1
                );
            }
            s.push_str("%\nG90\nG05\n");
        }
        Style::Altium => {
            s.push_str("M48\n;Layer_Color=9474304\n;FILE_FORMAT=2:5\nINCH,LZ\n");
            let _ = writeln!(s, ";TYPE={}", if plated { "PLATED" } else { "NON_PLATED" });
            for (i, d) in tools.iter().enumerate() {
                let _ = writeln!(s, "T{}F00S00C{:.4}", i + 1, d / 25.4);
            }
            s.push_str("%\n");
        }
        Style::Eagle => {
            s.push_str("%\nM48\nM72\n");
            for (i, d) in tools.iter().enumerate() {
                let _ = writeln!(s, "T{:02}C{:.4}", i + 1, d / 25.4);
            }
            s.push_str("%\n");
        }
    }
    for (i, t) in tools.iter().enumerate() {
        match style {
            Style::Eagle => {
                let _ = writeln!(s, "T{:02}", i + 1);
            }
            _ => {
                let _ = writeln!(s, "T{}", i + 1);
            }
        }
        for (x, y, _) in holes.iter().filter(|h| (h.2 - t).abs() < 1e-9) {
            match style {
                Style::KiCad => {
                    let _ = writeln!(s, "X{x:.3}Y{y:.3}");
                }
                Style::Altium => {
                    // 2.5 inch, leading zeros kept, trailing zeros suppressed.
                    let f = |v: f64| {
                        let n = (v / 25.4 * 1e5).round() as i64;
                        let digits = format!("{:07}", n.abs());
                        let trimmed = digits.trim_end_matches('0');
                        format!(
                            "{}{}",
                            if n < 0 { "-" } else { "" },
                            if trimmed.is_empty() { "0" } else { trimmed }
                        )
                    };
                    let _ = writeln!(s, "X{}Y{}", f(*x), f(*y));
                }
                Style::Eagle => {
                    let f = |v: f64| (v / 25.4 * 1e4).round() as i64;
                    let _ = writeln!(s, "X{}Y{}", f(*x), f(*y));
                }
            }
        }
    }
    s.push_str(if style == Style::KiCad {
        "T0\nM30\n"
    } else {
        "M30\n"
    });
    s.into_bytes()
}

fn pth_holes() -> Vec<(f64, f64, f64)> {
    VIAS.iter().map(|(x, y)| (*x, *y, 0.4)).collect()
}

fn npth_holes() -> Vec<(f64, f64, f64)> {
    MOUNTING.iter().map(|(x, y)| (*x, *y, 3.2)).collect()
}

/// The BOM groups: (designators, value, package, mpn, manufacturer, dnp).
fn bom_groups() -> Vec<(Vec<&'static str>, Part)> {
    let mut groups: Vec<(Vec<&'static str>, Part)> = Vec::new();
    for p in parts() {
        match groups
            .iter_mut()
            .find(|(_, q)| q.mpn == p.mpn && q.dnp == p.dnp)
        {
            Some((ds, _)) => ds.push(p.designator),
            None => groups.push((vec![p.designator], p)),
        }
    }
    groups
}

fn bom(style: Style) -> Vec<u8> {
    let mut s = String::new();
    match style {
        Style::KiCad => {
            s.push_str(
                "\"Reference\",\"Value\",\"Footprint\",\"Qty\",\"DNP\",\"MPN\",\"Manufacturer\"\n",
            );
            for (ds, p) in bom_groups() {
                let _ = writeln!(
                    s,
                    "\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\"",
                    ds.join(","),
                    p.value,
                    p.package,
                    ds.len(),
                    if p.dnp { "DNP" } else { "" },
                    p.mpn,
                    p.manufacturer
                );
            }
        }
        Style::Altium => {
            s.push_str("Bill of Materials for board.PrjPcb\nDate: 2024-01-01\n\n\"Comment\",\"Description\",\"Designator\",\"Footprint\",\"Quantity\",\"Manufacturer\",\"Manufacturer Part Number\",\"Fitted\"\n");
            for (ds, p) in bom_groups() {
                let des = if ds.len() > 2 {
                    format!("{}-{}", ds[0], ds[ds.len() - 1])
                } else {
                    ds.join(", ")
                };
                let _ = writeln!(
                    s,
                    "\"{}\",\"{} {}\",\"{des}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\"",
                    p.value,
                    p.package,
                    p.value,
                    p.package,
                    ds.len(),
                    p.manufacturer,
                    p.mpn,
                    if p.dnp { "Not Fitted" } else { "Fitted" }
                );
            }
        }
        Style::Eagle => {
            s.push_str("Partlist exported from board.sch\n\nQty;Value;Device;Package;Parts;Description;MPN;MF;DNP\n");
            for (ds, p) in bom_groups() {
                let _ = writeln!(
                    s,
                    "{};{};{};{};{};;{};{};{}",
                    ds.len(),
                    p.value,
                    p.value,
                    p.package,
                    ds.join(" "),
                    p.mpn,
                    p.manufacturer,
                    if p.dnp { "yes" } else { "" }
                );
            }
        }
    }
    s.into_bytes()
}

fn centroid(style: Style) -> Vec<u8> {
    let mut s = String::new();
    match style {
        Style::KiCad => {
            s.push_str("### Footprint positions - created on 2024-01-01 ###\n### Printed by KiCad version 8.0.0\n## Unit = mm, Angle = deg.\n## Side : All\n# Ref     Val       Package                PosX       PosY       Rot  Side\n");
            for p in parts() {
                let _ = writeln!(
                    s,
                    "{:<9} {:<9} {:<22} {:>9.4} {:>10.4} {:>8.4}  top",
                    p.designator, p.value, p.package, p.x, p.y, 0.0
                );
            }
            s.push_str("## End\n");
        }
        Style::Altium => {
            s.push_str("Altium Designer Pick and Place Locations\nC:\\board\\board.PcbDoc\n\n========================================================================================================================\nFile Design Information:\n\nDate:       01/01/24\nRevision:   Not in VersionControl\nVariant:    No variations\nUnits used: mil\n\n");
            s.push_str("\"Designator\",\"Comment\",\"Layer\",\"Footprint\",\"Center-X(mil)\",\"Center-Y(mil)\",\"Rotation\",\"Description\"\n");
            for p in parts() {
                let _ = writeln!(
                    s,
                    "\"{}\",\"{}\",\"TopLayer\",\"{}\",\"{:.2}mil\",\"{:.2}mil\",\"0\",\"\"",
                    p.designator,
                    p.value,
                    p.package,
                    p.x / 0.0254,
                    p.y / 0.0254
                );
            }
        }
        Style::Eagle => {
            for p in parts() {
                let _ = writeln!(
                    s,
                    "{} {:.2} {:.2} 0 {} {}",
                    p.designator, p.x, p.y, p.value, p.package
                );
            }
        }
    }
    s.into_bytes()
}

/// The clean board exported in the given style.
pub fn board(style: Style) -> FileSet {
    let g = geometry(style);
    let layers: [(&str, &str, &str, &str, &[Prim]); 9] = [
        ("F_Cu", "GTL", "cmp", "Copper,L1,Top", &g.copper_top),
        ("B_Cu", "GBL", "sol", "Copper,L2,Bot", &g.copper_bottom),
        ("F_Mask", "GTS", "stc", "Soldermask,Top", &g.mask_top),
        ("B_Mask", "GBS", "sts", "Soldermask,Bot", &g.mask_bottom),
        ("F_Silkscreen", "GTO", "plc", "Legend,Top", &g.silk_top),
        ("B_Silkscreen", "GBO", "pls", "Legend,Bot", &g.silk_bottom),
        ("F_Paste", "GTP", "crc", "Paste,Top", &g.paste_top),
        ("B_Paste", "GBP", "crs", "Paste,Bot", &g.paste_bottom),
        ("Edge_Cuts", "GKO", "dim", "Profile,NP", &g.outline),
    ];
    let mut set = FileSet::new();
    for (kicad, altium, eagle, function, prims) in layers {
        let name = match style {
            Style::KiCad => format!("board-{kicad}.gbr"),
            Style::Altium => format!("board.{altium}"),
            Style::Eagle => format!("board.{eagle}"),
        };
        set.push((name, gerber(style, function, prims)));
    }
    match style {
        Style::KiCad => {
            set.push(("board-PTH.drl".into(), drill(style, true, &pth_holes())));
            set.push(("board-NPTH.drl".into(), drill(style, false, &npth_holes())));
            set.push(("board-all.pos".into(), centroid(style)));
            set.push(("board-bom.csv".into(), bom(style)));
        }
        Style::Altium => {
            set.push(("board-Plated.TXT".into(), drill(style, true, &pth_holes())));
            set.push((
                "board-NonPlated.TXT".into(),
                drill(style, false, &npth_holes()),
            ));
            set.push(("Pick Place for board.txt".into(), centroid(style)));
            set.push(("board-BOM.csv".into(), bom(style)));
        }
        Style::Eagle => {
            let mut holes = pth_holes();
            holes.extend(npth_holes());
            set.push(("board.xln".into(), drill(style, true, &holes)));
            set.push(("board.mnt".into(), centroid(style)));
            set.push(("board_bom.csv".into(), bom(style)));
        }
    }
    set
}

/// Revision B of the KiCad fixture board, as the files that change: the position file with R1
/// and C1 swapped, C2 moved 0.5 mm up and R3 made 4k7, and the BOM with R3 on a line of its
/// own. Uploaded over revision A, `compareRevisions` lists exactly R1, C1, C2 and R3.
pub fn kicad_revision_b_changes() -> FileSet {
    let set = board(Style::KiCad);
    let text = |name: &str| {
        set.iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .expect("fixture file")
    };
    let pos = text("board-all.pos");
    let mut lines: Vec<String> = pos.lines().map(str::to_owned).collect();
    let find = |lines: &[String], d: &str| {
        lines
            .iter()
            .position(|l| l.split_whitespace().next() == Some(d))
            .expect("designator in the position file")
    };
    let coords = |l: &str| -> (String, String) {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f[3].to_owned(), f[4].to_owned())
    };
    let with = |l: &str, x: &str, y: &str| {
        let f: Vec<&str> = l.split_whitespace().collect();
        format!("{} {} {} {x} {y} {} {}", f[0], f[1], f[2], f[5], f[6])
    };
    let (r1, c1, c2, r3) = (
        find(&lines, "R1"),
        find(&lines, "C1"),
        find(&lines, "C2"),
        find(&lines, "R3"),
    );
    let (r1xy, c1xy) = (coords(&lines[r1]), coords(&lines[c1]));
    lines[r1] = with(&lines[r1], &c1xy.0, &c1xy.1);
    lines[c1] = with(&lines[c1], &r1xy.0, &r1xy.1);
    let (x, y) = coords(&lines[c2]);
    let moved = format!("{:.4}", y.parse::<f64>().expect("y") + 0.5);
    lines[c2] = with(&lines[c2], &x, &moved);
    lines[r3] = lines[r3].replacen("10k", "4k7", 1);
    let bom = text("board-bom.csv").replace(
        "\"R1,R2,R3\",\"10k\",\"R_0603\",\"3\"",
        "\"R1,R2\",\"10k\",\"R_0603\",\"2\"",
    ) + "\"R3\",\"4k7\",\"R_0603\",\"1\",\"\",\"RC0603FR-074K7L\",\"Yageo\"\n";
    vec![
        (
            "board-all.pos".to_owned(),
            (lines.join("\n") + "\n").into_bytes(),
        ),
        ("board-bom.csv".to_owned(), bom.into_bytes()),
    ]
}

/// The fixture board with its drill files written `(dx, dy)` mm away from the copper, as a
/// drill file exported relative to another origin than the Gerbers is.
pub fn board_with_drill_offset(style: Style, dx: f64, dy: f64) -> FileSet {
    let shift = |holes: Vec<(f64, f64, f64)>| -> Vec<(f64, f64, f64)> {
        holes
            .into_iter()
            .map(|(x, y, d)| (x + dx, y + dy, d))
            .collect()
    };
    let mut set = board(style);
    for (name, bytes) in &mut set {
        let plated = match name.as_str() {
            "board-PTH.drl" | "board-Plated.TXT" => Some(true),
            "board-NPTH.drl" | "board-NonPlated.TXT" => Some(false),
            "board.xln" => None,
            _ => continue,
        };
        *bytes = match plated {
            Some(true) => drill(style, true, &shift(pth_holes())),
            Some(false) => drill(style, false, &shift(npth_holes())),
            None => {
                let mut holes = pth_holes();
                holes.extend(npth_holes());
                drill(style, true, &shift(holes))
            }
        };
    }
    set
}

/// The card-edge board's card-edge connector: its centroid is in the tab's key slot.
pub const EDGE_CONNECTOR: &str = "J1";
/// The card-edge board's jack: its centroid is 2 mm beyond the right edge, its pads on the board.
pub const OVERHANGING_JACK: &str = "J2";
/// How far (mm) the jack's centroid lies beyond the board edge.
pub const JACK_OVERHANG_MM: f64 = 2.0;
/// The part [`edge_board_with_stray_part`] places 20 mm off the board.
pub const STRAY_PART: &str = "R9";

/// One part of the card-edge board: designator, value, package, MPN, manufacturer, centroid,
/// pads (x, y, width, height, plated hole diameter or 0).
type EdgePart = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    (f64, f64),
    Vec<(f64, f64, f64, f64, f64)>,
);

fn edge_parts(stray: bool) -> Vec<EdgePart> {
    let mut fingers = Vec::new();
    for k in 0..13 {
        fingers.push((16.0 + f64::from(k), -5.5, 0.7, 3.5, 0.0));
        fingers.push((32.0 + f64::from(k), -5.5, 0.7, 3.5, 0.0));
    }
    let mut jack: Vec<_> = (0..5)
        .map(|k| (57.0, 18.4 + 0.8 * f64::from(k), 1.5, 0.4, 0.0))
        .collect();
    jack.push((59.0, 16.5, 1.8, 1.8, 1.0));
    jack.push((59.0, 23.5, 1.8, 1.8, 1.0));
    let mut parts: Vec<EdgePart> = vec![
        (
            "R1",
            "10k",
            "R_0603",
            "RC0603FR-0710KL",
            "Yageo",
            (20.0, 20.0),
            vec![(19.2, 20.0, 0.9, 0.95, 0.0), (20.8, 20.0, 0.9, 0.95, 0.0)],
        ),
        (
            EDGE_CONNECTOR,
            "Edge x26",
            "CardEdge_26",
            "PCB-EDGE-26",
            "(board)",
            (30.0, -6.0),
            fingers,
        ),
        (
            OVERHANGING_JACK,
            "USB_B_Micro",
            "USB_Micro-B",
            "10118194-0001LF",
            "Amphenol",
            (60.0 + JACK_OVERHANG_MM, 20.0),
            jack,
        ),
    ];
    if stray {
        parts.push((
            STRAY_PART,
            "10k",
            "R_0603",
            "RC0603FR-0710KL",
            "Yageo",
            (80.0, 20.0),
            vec![(79.2, 20.0, 0.9, 0.95, 0.0), (80.8, 20.0, 0.9, 0.95, 0.0)],
        ));
    }
    parts
}

/// The outline of the card-edge board: a 60 × 40 mm body with rounded corners (arcs), a card
/// edge tab (x 15..45, 8 mm deep) with a key slot (x 29..31, 4 mm deep) on its bottom edge,
/// and a round cut-out (r 3 mm at (50, 30)).
fn edge_outline() -> Vec<Prim> {
    let w = 0.1;
    let line = |x1, y1, x2, y2| Prim::Line { x1, y1, x2, y2, w };
    let arc = |x1, y1, x2, y2, cx, cy| Prim::ArcCcw {
        x1,
        y1,
        x2,
        y2,
        cx,
        cy,
        w,
    };
    vec![
        line(2.0, 0.0, 15.0, 0.0),
        line(15.0, 0.0, 15.0, -8.0),
        line(15.0, -8.0, 29.0, -8.0),
        line(29.0, -8.0, 29.0, -4.0),
        line(29.0, -4.0, 31.0, -4.0),
        line(31.0, -4.0, 31.0, -8.0),
        line(31.0, -8.0, 45.0, -8.0),
        line(45.0, -8.0, 45.0, 0.0),
        line(45.0, 0.0, 58.0, 0.0),
        arc(58.0, 0.0, 60.0, 2.0, 58.0, 2.0),
        line(60.0, 2.0, 60.0, 38.0),
        arc(60.0, 38.0, 58.0, 40.0, 58.0, 38.0),
        line(58.0, 40.0, 2.0, 40.0),
        arc(2.0, 40.0, 0.0, 38.0, 2.0, 38.0),
        line(0.0, 38.0, 0.0, 2.0),
        arc(0.0, 2.0, 2.0, 0.0, 2.0, 2.0),
        arc(53.0, 30.0, 53.0, 30.0, 50.0, 30.0),
    ]
}

/// A board whose parts legitimately sit on its edge, exported KiCad-style: a card-edge
/// connector ([`EDGE_CONNECTOR`]) whose centroid falls in the key slot of its tab, and a jack
/// ([`OVERHANGING_JACK`]) that overhangs the right edge by [`JACK_OVERHANG_MM`]. With
/// `attributes` the copper carries KiCad's X2 pad attributes (`%TO.P,J1,1*%`), without them the
/// pads must be found by proximity. It validates with no ERROR.
pub fn edge_board(attributes: bool) -> FileSet {
    edge_board_files(attributes, false)
}

/// [`edge_board`] plus [`STRAY_PART`], placed (pads and all) 20 mm off the right edge.
pub fn edge_board_with_stray_part(attributes: bool) -> FileSet {
    edge_board_files(attributes, true)
}

fn edge_board_files(attributes: bool, stray: bool) -> FileSet {
    let style = Style::KiCad;
    let parts = edge_parts(stray);
    let (mut top, mut bottom, mut mask_top, mut mask_bottom) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut holes = Vec::new();
    for (designator, _, package, _, _, _, pads) in &parts {
        for (n, &(x, y, pw, ph, drill)) in pads.iter().enumerate() {
            let flash = |grow: f64| Prim::Flash {
                x,
                y,
                shape: Shape::Rect(pw + grow, ph + grow),
                dark: true,
            };
            let put = |layer: &mut Vec<Prim>| {
                if attributes {
                    layer.push(Prim::Raw(format!(
                        "%TO.P,{designator},{}*%\n%TO.N,Net-({designator}-Pad{})*%\n",
                        n + 1,
                        n + 1
                    )));
                }
                layer.push(flash(0.0));
                if attributes {
                    layer.push(Prim::Raw("%TD*%\n".into()));
                }
            };
            put(&mut top);
            mask_top.push(flash(0.1));
            if drill > 0.0 || *package == "CardEdge_26" {
                put(&mut bottom);
                mask_bottom.push(flash(0.1));
            }
            if drill > 0.0 {
                holes.push((x, y, drill));
            }
        }
    }
    // A track and a via, so that the copper is not only pads.
    top.push(Prim::Line {
        x1: 20.8,
        y1: 20.0,
        x2: 40.0,
        y2: 10.0,
        w: 0.25,
    });
    for layer in [&mut top, &mut bottom] {
        layer.push(Prim::Flash {
            x: 40.0,
            y: 10.0,
            shape: Shape::Circle(0.8),
            dark: true,
        });
    }
    holes.push((40.0, 10.0, 0.4));
    let mut set = FileSet::new();
    for (name, function, prims) in [
        ("F_Cu", "Copper,L1,Top", &top),
        ("B_Cu", "Copper,L2,Bot", &bottom),
        ("F_Mask", "Soldermask,Top", &mask_top),
        ("B_Mask", "Soldermask,Bot", &mask_bottom),
        ("Edge_Cuts", "Profile,NP", &edge_outline()),
    ] {
        set.push((format!("edge-{name}.gbr"), gerber(style, function, prims)));
    }
    set.push(("edge-PTH.drl".into(), drill(style, true, &holes)));
    let mut pos = String::from("### Footprint positions - created on 2024-01-01 ###\n### Printed by KiCad version 8.0.0\n## Unit = mm, Angle = deg.\n## Side : All\n# Ref     Val       Package                PosX       PosY       Rot  Side\n");
    for (designator, value, package, _, _, (x, y), _) in &parts {
        let _ = writeln!(
            pos,
            "{designator:<9} {:<12} {package:<22} {x:>9.4} {y:>10.4} {:>8.4}  top",
            value.replace(' ', "_"),
            0.0
        );
    }
    pos.push_str("## End\n");
    set.push(("edge-all.pos".into(), pos.into_bytes()));
    let mut bom = String::from(
        "\"Reference\",\"Value\",\"Footprint\",\"Qty\",\"DNP\",\"MPN\",\"Manufacturer\"\n",
    );
    let mut lines: Vec<(Vec<&str>, &EdgePart)> = Vec::new();
    for part in &parts {
        match lines.iter_mut().find(|(_, q)| q.3 == part.3) {
            Some((ds, _)) => ds.push(part.0),
            None => lines.push((vec![part.0], part)),
        }
    }
    for (ds, (_, value, package, mpn, manufacturer, _, _)) in lines {
        let _ = writeln!(
            bom,
            "\"{}\",\"{value}\",\"{package}\",\"{}\",\"\",\"{mpn}\",\"{manufacturer}\"",
            ds.join(","),
            ds.len()
        );
    }
    set.push(("edge-bom.csv".into(), bom.into_bytes()));
    set
}

/// Borrows a file set as validation input.
pub fn inputs(set: &FileSet) -> Vec<InputFile<'_>> {
    set.iter().map(|(n, b)| InputFile::new(n, b)).collect()
}

fn replace(set: &mut FileSet, name: &str, f: impl FnOnce(String) -> String) {
    if let Some((_, bytes)) = set.iter_mut().find(|(n, _)| n == name) {
        let text = String::from_utf8_lossy(bytes).into_owned();
        *bytes = f(text).into_bytes();
    }
}

fn remove(set: &mut FileSet, name: &str) {
    set.retain(|(n, _)| n != name);
}

/// A broken variant: its name, the finding it must produce, and the files.
#[derive(Debug, Clone)]
pub struct Broken {
    /// Short name.
    pub name: &'static str,
    /// The finding code it is built to trigger.
    pub expect: FindingCode,
    /// The files.
    pub files: FileSet,
}

/// Broken variants of the KiCad (and Eagle) board, one per finding code.
pub fn broken_variants() -> Vec<Broken> {
    let base = board(Style::KiCad);
    let mut out = Vec::new();
    let mut variant = |name: &'static str, expect: FindingCode, f: &dyn Fn(&mut FileSet)| {
        let mut files = if name == "eagle_drill_wrong_digits" {
            board(Style::Eagle)
        } else {
            base.clone()
        };
        f(&mut files);
        out.push(Broken {
            name,
            expect,
            files,
        });
    };
    variant("truncated_gerber", FindingCode::GerberParseError, &|s| {
        replace(s, "board-F_Cu.gbr", |t| t[..t.len() / 2].to_owned())
    });
    variant("garbage_drill", FindingCode::DrillParseError, &|s| {
        replace(s, "board-PTH.drl", |t| {
            t.replace("M48", "XYZ").replace("T1C", "Q1C")
        })
    });
    variant("unknown_layer", FindingCode::LayerFunctionUnknown, &|s| {
        let bytes = String::from_utf8_lossy(&s[0].1)
            .replace("%TF.FileFunction,Copper,L1,Top*%\n", "")
            .into_bytes();
        s.push(("mystery.gbr".into(), bytes));
    });
    variant(
        "duplicate_layer",
        FindingCode::DuplicateLayerFunction,
        &|s| {
            let copy = s[0].1.clone();
            s.push(("old-F_Cu.gbr".into(), copy));
        },
    );
    variant("missing_outline", FindingCode::MissingLayer, &|s| {
        remove(s, "board-Edge_Cuts.gbr")
    });
    variant(
        "eagle_drill_wrong_digits",
        FindingCode::DrillFormatGuessed,
        &|s| {
            // Written with 2.5 digits, read with the guessed 2.4: ten times too large.
            replace(s, "board.xln", |t| {
                t.lines()
                    .map(
                        |l| match l.strip_prefix('X').and_then(|r| r.split_once('Y')) {
                            Some((x, y)) => format!("X{x}0Y{y}0\n"),
                            None => format!("{l}\n"),
                        },
                    )
                    .collect()
            })
        },
    );
    variant("bom_unreadable", FindingCode::BomParseError, &|s| {
        remove(s, "board-bom.csv");
        s.push((
            "board-bom.xlsx".into(),
            b"PK\x03\x04 not really a workbook".to_vec(),
        ));
    });
    variant("bom_no_header", FindingCode::BomHeaderNotFound, &|s| {
        replace(s, "board-bom.csv", |t| {
            t.replacen(
                "\"Reference\",\"Value\",\"Footprint\",\"Qty\"",
                "\"A\",\"B\",\"C\",\"D\"",
                1,
            )
        })
    });
    variant("bom_qty_mismatch", FindingCode::BomQtyMismatch, &|s| {
        replace(s, "board-bom.csv", |t| {
            t.replacen(
                "\"R1,R2,R3\",\"10k\",\"R_0603\",\"3\"",
                "\"R1,R2,R3\",\"10k\",\"R_0603\",\"4\"",
                1,
            )
        })
    });
    variant("bom_duplicate", FindingCode::BomDuplicateDesignator, &|s| {
        replace(s, "board-bom.csv", |t| {
            t + "\"R2\",\"1k\",\"R_0603\",\"1\",\"\",\"RC0603FR-071KL\",\"Yageo\"\n"
        })
    });
    variant("bom_missing_mpn", FindingCode::BomMissingMpn, &|s| {
        replace(s, "board-bom.csv", |t| t.replace("GRM21BR61A106KE19L", ""))
    });
    variant("bom_huge_range", FindingCode::BomRangeTooLarge, &|s| {
        replace(s, "board-bom.csv", |t| {
            t + "\"TP1-TP5000\",\"TP\",\"TestPoint\",\"5000\",\"\",\"TP-1\",\"Keystone\"\n"
        })
    });
    variant("centroid_garbage", FindingCode::CentroidParseError, &|s| {
        replace(s, "board-all.pos", |t| t.replacen("36.0000", "abc", 1))
    });
    variant(
        "centroid_duplicate",
        FindingCode::CentroidDuplicateDesignator,
        &|s| {
            replace(s, "board-all.pos", |t| {
                t.replace(
                    "## End\n",
                    "C1        100n      C_0603      22.0000    9.0000   0.0000  top\n## End\n",
                )
            })
        },
    );
    variant(
        "placement_without_bom",
        FindingCode::PlacementWithoutBomLine,
        &|s| {
            replace(s, "board-all.pos", |t| {
                t.replace(
                    "## End\n",
                    "D1        LED       LED_0603    30.0000    5.0000   0.0000  top\n## End\n",
                )
            })
        },
    );
    variant(
        "bom_without_placement",
        FindingCode::BomLineWithoutPlacement,
        &|s| {
            replace(s, "board-all.pos", |t| {
                t.lines()
                    .filter(|l| !l.starts_with("C3 "))
                    .map(|l| format!("{l}\n"))
                    .collect()
            })
        },
    );
    variant(
        "placement_outside",
        FindingCode::PlacementOutsideOutline,
        &|s| replace(s, "board-all.pos", |t| t.replacen("36.0000", "60.0000", 1)),
    );
    variant(
        "kicad6_bottom_mirrored",
        FindingCode::CentroidBottomMirrored,
        &|s| {
            // U1 on the bottom, its x negated as KiCad 6 writes bottom-side x.
            replace(s, "board-all.pos", |t| {
                t.lines()
                    .map(|l| match l.strip_prefix("U1 ") {
                        Some(rest) => format!(
                            "U1 {}\n",
                            rest.replacen(" 36.0000", "-36.0000", 1)
                                .replacen(" top", " bottom", 1)
                        ),
                        None => format!("{l}\n"),
                    })
                    .collect()
            })
        },
    );
    variant("missing_bom", FindingCode::MissingBom, &|s| {
        remove(s, "board-bom.csv")
    });
    variant("missing_centroid", FindingCode::MissingCentroid, &|s| {
        remove(s, "board-all.pos")
    });
    // Registration.
    let hit = |t: String, hits: &str| t.replace("T0\nM30", &format!("{hits}T0\nM30"));
    let flash = |t: String, extra: &str| t.replace("M02*", &format!("{extra}M02*"));
    variant("ipc2581_unreadable", FindingCode::Ipc2581ParseError, &|s| {
        s.push((
            "board.xml".into(),
            b"<IPC-2581 revision=\"C\"><Ecad><CadHeader units=\"FURLONG\"/></Ecad></IPC-2581>"
                .to_vec(),
        ))
    });
    variant(
        "drill_outside_outline",
        FindingCode::DrillOutsideOutline,
        &|s| replace(s, "board-PTH.drl", |t| hit(t, "X80.000Y20.000\n")),
    );
    variant(
        "plated_hole_without_pad",
        FindingCode::PlatedHoleWithoutPad,
        &|s| replace(s, "board-PTH.drl", |t| hit(t, "X20.000Y20.000\n")),
    );
    variant("annular_ring", FindingCode::AnnularRingBelowMinimum, &|s| {
        replace(s, "board-PTH.drl", |t| t.replace("C0.400", "C0.780"))
    });
    variant("hole_near_edge", FindingCode::HoleTooCloseToEdge, &|s| {
        replace(s, "board-NPTH.drl", |t| hit(t, "X1.700Y15.000\n"))
    });
    variant(
        "paste_without_mask",
        FindingCode::PasteWithoutMaskOpening,
        &|s| {
            replace(s, "board-F_Paste.gbr", |t| {
                flash(t, "X40000000Y5000000D03*\n")
            })
        },
    );
    variant(
        "mask_without_copper",
        FindingCode::MaskOpeningWithoutCopper,
        &|s| {
            replace(s, "board-F_Mask.gbr", |t| {
                flash(t, "X40000000Y5000000D03*\n")
            })
        },
    );
    variant("silkscreen_on_pad", FindingCode::SilkscreenOnPad, &|s| {
        replace(s, "board-F_Silkscreen.gbr", |t| {
            flash(t, "X9000000Y8000000D02*\nX11000000Y8000000D01*\n")
        })
    });
    out.push(Broken {
        name: "jack_overhangs_edge",
        expect: FindingCode::PlacementOverhangsEdge,
        files: edge_board(true),
    });
    out.push(Broken {
        name: "drill_offset_from_copper",
        expect: FindingCode::DrillOffsetFromCopper,
        files: board_with_drill_offset(Style::KiCad, -31.75, 25.4),
    });
    let mut flipped = edge_board(true);
    replace(&mut flipped, "edge-all.pos", |t| {
        t.lines()
            .map(|l| {
                if l.starts_with("R1 ") {
                    l.replace("top", "bottom")
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    });
    out.push(Broken {
        name: "placement_pads_on_the_other_side",
        expect: FindingCode::PlacementPadsMismatch,
        files: flipped,
    });
    out
}

/// The KiCad fixture's BOM as a minimal XLSX workbook (inline strings, stored, two preamble
/// rows), to exercise the spreadsheet path.
#[cfg(feature = "xlsx")]
pub fn xlsx_bom() -> Vec<u8> {
    use std::io::Write as _;
    let text = String::from_utf8_lossy(&bom(Style::KiCad)).into_owned();
    let mut rows: Vec<Vec<String>> = vec![vec!["Board BOM".into()], vec!["Revision A".into()]];
    for line in text.lines() {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        if let Some(Ok(rec)) = rdr.records().next() {
            rows.push(rec.iter().map(str::to_owned).collect());
        }
    }
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut sheet = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>");
    for (r, row) in rows.iter().enumerate() {
        let _ = write!(sheet, "<row r=\"{}\">", r + 1);
        for (c, cell) in row.iter().enumerate() {
            let col = char::from(b'A' + u8::try_from(c).unwrap_or(0));
            if !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit()) && cell.len() < 6 {
                let _ = write!(sheet, "<c r=\"{col}{}\"><v>{cell}</v></c>", r + 1);
            } else {
                let _ = write!(
                    sheet,
                    "<c r=\"{col}{}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                    r + 1,
                    esc(cell)
                );
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>".to_owned()),
        ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".to_owned()),
        ("xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"BOM\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>".to_owned()),
        ("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>".to_owned()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in parts {
        if zip.start_file(name, options).is_err() || zip.write_all(content.as_bytes()).is_err() {
            return Vec::new();
        }
    }
    zip.finish()
        .map(std::io::Cursor::into_inner)
        .unwrap_or_default()
}

/// The fixture board (KiCad geometry) as an IPC-2581 revision C file, written from the
/// standard's structure (no tool at hand exports it): the same layers, holes, profile,
/// placements and BOM as [`board`]'s Gerber, drill, position and BOM files. Clear (erasing)
/// flashes are left out: IPC-2581 draws clearances as the absence of copper.
pub fn ipc2581_board() -> Vec<u8> {
    let g = geometry(Style::KiCad);
    let mut dict: Vec<(String, Shape)> = Vec::new();
    let mut entry = |shape: Shape| -> String {
        if let Some((id, _)) = dict.iter().find(|(_, s)| *s == shape) {
            return id.clone();
        }
        let id = format!("PRIM{}", dict.len() + 1);
        dict.push((id.clone(), shape));
        id
    };
    let mut features = String::new();
    let layers: [(&str, &str, &str, &[Prim]); 8] = [
        ("F.Cu", "CONDUCTOR", "TOP", &g.copper_top),
        ("B.Cu", "CONDUCTOR", "BOTTOM", &g.copper_bottom),
        ("F.Mask", "SOLDERMASK", "TOP", &g.mask_top),
        ("B.Mask", "SOLDERMASK", "BOTTOM", &g.mask_bottom),
        ("F.SilkS", "SILKSCREEN", "TOP", &g.silk_top),
        ("B.SilkS", "SILKSCREEN", "BOTTOM", &g.silk_bottom),
        ("F.Paste", "SOLDERPASTE", "TOP", &g.paste_top),
        ("B.Paste", "SOLDERPASTE", "BOTTOM", &g.paste_bottom),
    ];
    for (name, _, _, prims) in &layers {
        let _ = writeln!(features, "      <LayerFeature layerRef=\"{name}\">");
        for p in prims.iter() {
            match p {
                Prim::Flash {
                    x,
                    y,
                    shape,
                    dark: true,
                } => {
                    let id = entry(*shape);
                    let _ = writeln!(features, "        <Set><Pad><StandardPrimitiveRef id=\"{id}\"/><Location x=\"{x}\" y=\"{y}\"/></Pad></Set>");
                }
                Prim::Line { x1, y1, x2, y2, w } => {
                    let _ = writeln!(features, "        <Set><Features><Line startX=\"{x1}\" startY=\"{y1}\" endX=\"{x2}\" endY=\"{y2}\"><LineDesc lineWidth=\"{w}\" lineEnd=\"ROUND\"/></Line></Features></Set>");
                }
                Prim::ArcCcw {
                    x1,
                    y1,
                    x2,
                    y2,
                    cx,
                    cy,
                    w,
                } => {
                    let _ = writeln!(features, "        <Set><Features><Arc startX=\"{x1}\" startY=\"{y1}\" endX=\"{x2}\" endY=\"{y2}\" centerX=\"{cx}\" centerY=\"{cy}\" clockwise=\"false\"><LineDesc lineWidth=\"{w}\" lineEnd=\"ROUND\"/></Arc></Features></Set>");
                }
                Prim::Region(points) => {
                    features.push_str("        <Set><Features><Contour><Polygon>");
                    for (k, (x, y)) in points.iter().enumerate() {
                        let tag = if k == 0 {
                            "PolyBegin"
                        } else {
                            "PolyStepSegment"
                        };
                        let _ = write!(features, "<{tag} x=\"{x}\" y=\"{y}\"/>");
                    }
                    features.push_str("</Polygon></Contour></Features></Set>\n");
                }
                _ => {}
            }
        }
        features.push_str("      </LayerFeature>\n");
    }
    features.push_str("      <LayerFeature layerRef=\"DRILL_1-2\">\n");
    for (plated, holes) in [(true, pth_holes()), (false, npth_holes())] {
        for (k, (x, y, d)) in holes.iter().enumerate() {
            let _ = writeln!(
                features,
                "        <Set geometry=\"{}\"><Hole name=\"H{k}\" diameter=\"{d}\" platingStatus=\"{}\" plusTol=\"0\" minusTol=\"0\" x=\"{x}\" y=\"{y}\"/></Set>",
                if plated { "VIA" } else { "MOUNTING" },
                if plated { "VIA" } else { "NONPLATED" }
            );
        }
    }
    features.push_str("      </LayerFeature>\n");

    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<IPC-2581 revision=\"C\" xmlns=\"http://webstds.ipc.org/2581\">\n  <Content roleRef=\"Owner\">\n    <FunctionMode mode=\"ASSEMBLY\"/>\n    <StepRef name=\"board\"/>\n");
    for (name, ..) in &layers {
        let _ = writeln!(s, "    <LayerRef name=\"{name}\"/>");
    }
    s.push_str("    <DictionaryStandard units=\"MILLIMETER\">\n");
    for (id, shape) in &dict {
        let prim = match shape {
            Shape::Circle(d) | Shape::Octagon(d) => format!("<Circle diameter=\"{d}\"/>"),
            Shape::Rect(w, h) | Shape::MacroRect(w, h) => {
                format!("<RectCenter width=\"{w}\" height=\"{h}\"/>")
            }
        };
        let _ = writeln!(s, "      <EntryStandard id=\"{id}\">{prim}</EntryStandard>");
    }
    s.push_str("    </DictionaryStandard>\n  </Content>\n");
    // BOM with the manufacturer part numbers in the AVL.
    s.push_str("  <Bom name=\"board-bom\">\n    <BomHeader assembly=\"board\" revision=\"A\"><StepRef name=\"board\"/></BomHeader>\n");
    for (ds, p) in bom_groups() {
        let _ = writeln!(
            s,
            "    <BomItem OEMDesignNumberRef=\"{}-{}\" quantity=\"{}\" pinCount=\"2\" category=\"ELECTRICAL\" description=\"{} {}\">",
            p.value,
            p.package,
            ds.len(),
            p.value,
            p.package
        );
        for d in &ds {
            let _ = writeln!(
                s,
                "      <RefDes name=\"{d}\" packageRef=\"{}\" populate=\"{}\" layerRef=\"F.Cu\"/>",
                p.package, !p.dnp
            );
        }
        let _ = writeln!(s, "      <Characteristics category=\"ELECTRICAL\"><Textual definitionSource=\"Firstpass\" textualCharacteristicName=\"Value\" textualCharacteristicValue=\"{}\"/></Characteristics>\n    </BomItem>", p.value);
    }
    s.push_str(
        "  </Bom>\n  <Ecad name=\"board\">\n    <CadHeader units=\"MILLIMETER\"/>\n    <CadData>\n",
    );
    for (name, function, side, _) in &layers {
        let _ = writeln!(
            s,
            "      <Layer name=\"{name}\" layerFunction=\"{function}\" side=\"{side}\" polarity=\"POSITIVE\"/>"
        );
    }
    s.push_str("      <Layer name=\"DRILL_1-2\" layerFunction=\"DRILL\" side=\"ALL\" polarity=\"POSITIVE\"/>\n      <Step name=\"board\">\n        <Datum x=\"0\" y=\"0\"/>\n        <Profile><Polygon>");
    let mut first = true;
    for p in &g.outline {
        match p {
            Prim::Line { x1, y1, x2, y2, .. } => {
                if first {
                    let _ = write!(s, "<PolyBegin x=\"{x1}\" y=\"{y1}\"/>");
                    first = false;
                }
                let _ = write!(s, "<PolyStepSegment x=\"{x2}\" y=\"{y2}\"/>");
            }
            Prim::ArcCcw {
                x1,
                y1,
                x2,
                y2,
                cx,
                cy,
                ..
            } => {
                if first {
                    let _ = write!(s, "<PolyBegin x=\"{x1}\" y=\"{y1}\"/>");
                    first = false;
                }
                let _ = write!(s, "<PolyStepCurve x=\"{x2}\" y=\"{y2}\" centerX=\"{cx}\" centerY=\"{cy}\" clockwise=\"false\"/>");
            }
            _ => {}
        }
    }
    s.push_str("</Polygon></Profile>\n");
    for p in parts() {
        let _ = writeln!(
            s,
            "        <Component refDes=\"{}\" packageRef=\"{}\" layerRef=\"F.Cu\" part=\"{}-{}\" mountType=\"SMT\"><Xform rotation=\"0\"/><Location x=\"{}\" y=\"{}\"/></Component>",
            p.designator, p.package, p.value, p.package, p.x, p.y
        );
    }
    s.push_str(&features);
    s.push_str("      </Step>\n    </CadData>\n  </Ecad>\n  <Avl name=\"board-avl\">\n    <AvlHeader title=\"board\" source=\"Firstpass\" author=\"Firstpass\" datetime=\"2024-01-01T00:00:00\" version=\"1\"/>\n");
    for (_, p) in bom_groups() {
        let _ = writeln!(
            s,
            "    <AvlItem OEMDesignNumber=\"{}-{}\"><AvlVmpn qualified=\"true\" chosen=\"true\"><AvlMpn name=\"{}\"/><AvlVendor enterpriseRef=\"{}\"/></AvlVmpn></AvlItem>",
            p.value, p.package, p.mpn, p.manufacturer
        );
    }
    s.push_str("  </Avl>\n</IPC-2581>\n");
    s.into_bytes()
}
