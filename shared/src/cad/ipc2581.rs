//! IPC-2581 (revision B or C) input: one XML file holding the whole package. Its layers, holes,
//! board profile, BOM and component placements are mapped into the types the Gerber, Excellon,
//! BOM and centroid readers produce ([`GerberFile`], [`DrillFile`], [`BomLine`],
//! [`Placement`]), so validation, registration, pictures and the FAI treat it alike.
//!
//! Read: `Content/DictionaryStandard` (circles, rectangles, obrounds, rounded rectangles,
//! polygons as pad shapes), `DictionaryLineDesc` (line widths), `Ecad/CadHeader` units,
//! `CadData/Layer` (function and side), `Step/Profile` (the board edge with its arcs),
//! `Step/Component` (placements with `Xform` rotation and `Location`), `Step/LayerFeature` sets
//! (`Pad` with its primitive, rotation and `PinRef`, `Line`, `Arc`, `Contour` polygons with
//! cut-outs, and `Hole` with plating), `Bom/BomItem` with `RefDes` and a `Value`
//! characteristic, and `Avl` for manufacturer part numbers. Anything else is skipped.
//!
//! A `BomItem` of category `DOCUMENT` is no part to buy and gives no BOM line; a `Component`
//! whose `mountType` is `OTHER` gives no placement unless a BOM line lists it (KiCad writes its
//! mounting holes and solder jumpers so, which its position files leave out).
//!
//! The reader is total: malformed XML, unknown units or too many objects give an error, never
//! a panic, and memory stays bounded by [`MAX_OBJECTS`].

use std::collections::{BTreeMap, HashMap};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::bom::BomLine;
use super::centroid::Placement;
use super::excellon::{DrillFile, DrillFormat, Hole, Tool, Zeros};
use super::gerber::{Aperture, GerberFile, Graphic, MacroShape, Point, Units};
use super::layers::{LayerFunction, Side};
use super::{include, Extents};

/// Most graphic objects and holes read from one file.
pub const MAX_OBJECTS: usize = 2_000_000;
/// Most vertices of one polygon.
const MAX_POLY_POINTS: usize = 200_000;
/// Deepest element nesting followed.
const MAX_DEPTH: usize = 64;

/// Why an IPC-2581 file cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Ipc2581Error {
    /// What is wrong.
    pub message: String,
}

fn err<T>(message: impl Into<String>) -> Result<T, Ipc2581Error> {
    Err(Ipc2581Error {
        message: message.into(),
    })
}

/// One layer of an IPC-2581 file, as a Gerber image.
#[derive(Debug, Clone)]
pub struct Ipc2581Layer {
    /// The layer's name in the file (`F.Cu`, `TOP`, …).
    pub name: String,
    /// Its function.
    pub function: LayerFunction,
    /// Inner copper's position (1 = first inner layer).
    pub inner_index: Option<u32>,
    /// The image.
    pub image: GerberFile,
}

/// One drill layer of an IPC-2581 file.
#[derive(Debug, Clone)]
pub struct Ipc2581Drill {
    /// The layer's name in the file.
    pub name: String,
    /// DRILL_PLATED or DRILL_NON_PLATED (a layer with both is split in two).
    pub function: LayerFunction,
    /// The holes.
    pub drill: DrillFile,
}

/// Everything read from an IPC-2581 file.
#[derive(Debug, Clone)]
pub struct Ipc2581Package {
    /// The `revision` attribute of the root (B, C, …).
    pub revision: String,
    /// Copper, mask, paste and legend layers, in file order.
    pub layers: Vec<Ipc2581Layer>,
    /// The board profile as an outline layer (strokes of zero width), when there is one.
    pub outline: Option<GerberFile>,
    /// Holes, per drill layer and plating.
    pub drills: Vec<Ipc2581Drill>,
    /// BOM lines, one per `BomItem`.
    pub bom_lines: Vec<BomLine>,
    /// Component placements.
    pub placements: Vec<Placement>,
}

/// Whether the first bytes look like an IPC-2581 file.
pub fn looks_like(head: &[u8]) -> bool {
    let head = &head[..head.len().min(4096)];
    String::from_utf8_lossy(head).contains("<IPC-2581")
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Prim {
    Circle(f64),
    Rect(f64, f64),
    Oval(f64, f64),
    /// Rectangle with rounded corners: width, height, radius.
    RoundRect(f64, f64, f64),
}

#[derive(Debug)]
struct LayerDef {
    function: Option<LayerFunction>,
    drill: bool,
    side: Side,
    /// Order of appearance, for inner copper numbering.
    order: usize,
}

#[derive(Debug)]
struct Building {
    objects: Vec<Graphic>,
    components: Vec<String>,
    component_ix: HashMap<String, u32>,
    object_components: Vec<(u32, u32)>,
}

impl Building {
    fn new() -> Self {
        Building {
            objects: Vec::new(),
            components: Vec::new(),
            component_ix: HashMap::new(),
            object_components: Vec::new(),
        }
    }
}

/// A line (start, end) or an arc (start, end, centre and clockwise).
type Stroke = (Point, Point, Option<(Point, bool)>);

/// The parse state of the current feature.
#[derive(Debug, Default)]
struct Feature {
    kind: FeatureKind,
    location: Option<Point>,
    rotation: f64,
    mirror: bool,
    prim: Option<Prim>,
    owner: Option<String>,
    width: Option<f64>,
    /// Line or arc geometry.
    line: Option<Stroke>,
    /// Polygons: the first is the outline, the others cut-outs.
    polys: Vec<Vec<Point>>,
}

#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
enum FeatureKind {
    #[default]
    None,
    Pad,
    Line,
    Arc,
    Contour,
}

struct Parser {
    /// mm per unit of the CAD data.
    scale: f64,
    /// mm per unit of the dictionaries (the same unless they say).
    dict_scale: f64,
    prims: HashMap<String, Prim>,
    line_widths: HashMap<String, f64>,
    layer_defs: BTreeMap<String, LayerDef>,
    layer_order: Vec<String>,
    images: BTreeMap<String, Building>,
    holes: BTreeMap<(String, bool), Vec<Hole>>,
    apertures: Vec<Aperture>,
    aperture_ix: HashMap<String, u32>,
    profile: Vec<Vec<Point>>,
    placements: Vec<Placement>,
    bom: Vec<BomLine>,
    avl: HashMap<String, (String, Option<String>)>,
    enterprises: HashMap<String, String>,
    revision: String,
    count: usize,
    line_no: u32,
    // Current context.
    layer: Option<String>,
    set_owner: Option<String>,
    set_width: Option<f64>,
    entry_id: Option<String>,
    feature: Feature,
    in_profile: bool,
    poly: Option<Vec<Point>>,
    component: Option<Placement>,
    /// Designators (upper case) of components whose `mountType` is `OTHER`: footprints with
    /// nothing to mount (mounting holes, solder jumpers, logos) unless the BOM lists them.
    unmounted: std::collections::HashSet<String>,
    bom_item: Option<BomLine>,
    /// The open `BomItem` is a `DOCUMENT` item (a drawing, a mounting hole): not a part.
    bom_item_document: bool,
    avl_item: Option<String>,
    avl_mpn: Option<String>,
    avl_vendor: Option<String>,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.as_ref() == name.as_bytes()).then(|| String::from_utf8_lossy(&a.value).into_owned())
    })
}

fn num(e: &BytesStart<'_>, name: &str) -> Option<f64> {
    attr(e, name)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

fn units_scale(u: &str) -> Result<f64, Ipc2581Error> {
    match u.trim().to_ascii_uppercase().as_str() {
        "MILLIMETER" | "MM" => Ok(1.0),
        "MICRON" => Ok(0.001),
        "INCH" => Ok(25.4),
        "MILS" | "MIL" => Ok(0.0254),
        other => err(format!("unknown units `{other}`")),
    }
}

fn layer_function(function: &str, side: &str) -> (Option<LayerFunction>, bool, Side) {
    let side = match side.trim().to_ascii_uppercase().as_str() {
        "TOP" => Side::Top,
        "BOTTOM" => Side::Bottom,
        "INTERNAL" => Side::Inner,
        "BOTH" | "ALL" => Side::Both,
        _ => Side::None,
    };
    use LayerFunction as F;
    let f = function.trim().to_ascii_uppercase();
    let pick = |top: F, bottom: F| match side {
        Side::Top => Some(top),
        Side::Bottom => Some(bottom),
        _ => None,
    };
    match f.as_str() {
        "CONDUCTOR" | "SIGNAL" | "PLANE" | "MIXED" | "CONDFILM" | "CONDFOIL" => (
            Some(match side {
                Side::Top => F::CopperTop,
                Side::Bottom => F::CopperBottom,
                _ => F::CopperInner,
            }),
            false,
            side,
        ),
        "SOLDERMASK" => (pick(F::SoldermaskTop, F::SoldermaskBottom), false, side),
        "SILKSCREEN" | "LEGEND" => (pick(F::SilkscreenTop, F::SilkscreenBottom), false, side),
        "SOLDERPASTE" | "PASTEMASK" => (pick(F::PasteTop, F::PasteBottom), false, side),
        "DRILL" => (None, true, side),
        _ => (None, false, side),
    }
}

impl Parser {
    fn new() -> Self {
        Parser {
            scale: 1.0,
            dict_scale: 1.0,
            prims: HashMap::new(),
            line_widths: HashMap::new(),
            layer_defs: BTreeMap::new(),
            layer_order: Vec::new(),
            images: BTreeMap::new(),
            holes: BTreeMap::new(),
            apertures: Vec::new(),
            aperture_ix: HashMap::new(),
            profile: Vec::new(),
            placements: Vec::new(),
            bom: Vec::new(),
            avl: HashMap::new(),
            enterprises: HashMap::new(),
            revision: String::new(),
            count: 0,
            line_no: 1,
            layer: None,
            set_owner: None,
            set_width: None,
            entry_id: None,
            feature: Feature::default(),
            in_profile: false,
            poly: None,
            component: None,
            unmounted: std::collections::HashSet::new(),
            bom_item: None,
            bom_item_document: false,
            avl_item: None,
            avl_mpn: None,
            avl_vendor: None,
        }
    }

    fn bump(&mut self) -> Result<(), Ipc2581Error> {
        self.count += 1;
        if self.count > MAX_OBJECTS {
            return err(format!("more than {MAX_OBJECTS} objects"));
        }
        Ok(())
    }

    fn pt(&self, e: &BytesStart<'_>, x: &str, y: &str) -> Option<Point> {
        Some(Point {
            x: num(e, x)? * self.scale,
            y: num(e, y)? * self.scale,
        })
    }

    /// A primitive read inside a dictionary entry or inline in a pad.
    fn primitive(&self, name: &[u8], e: &BytesStart<'_>, s: f64) -> Option<Prim> {
        let v = |n: &str| num(e, n).map(|v| v * s).filter(|v| *v >= 0.0);
        match name {
            b"Circle" => Some(Prim::Circle(v("diameter")?)),
            b"RectCenter" | b"RectCorner" => Some(Prim::Rect(v("width")?, v("height")?)),
            b"Oval" => Some(Prim::Oval(v("width")?, v("height")?)),
            b"RectRound" | b"RectCham" => Some(Prim::RoundRect(
                v("width")?,
                v("height")?,
                v("radius").or_else(|| v("chamfer")).unwrap_or(0.0),
            )),
            b"Donut" => Some(Prim::Circle(v("outerDiameter")?)),
            _ => None,
        }
    }

    /// The aperture index of a primitive at a rotation (degrees).
    fn aperture(&mut self, p: Prim, rotation: f64) -> u32 {
        let quarter = (rotation / 90.0).round();
        let right = (rotation - quarter * 90.0).abs() < 1e-6;
        let swap = right && (quarter as i64).rem_euclid(2) == 1;
        let key = format!(
            "{p:?}@{:.4}",
            if right {
                f64::from(u8::from(swap)) * 90.0
            } else {
                rotation
            }
        );
        if let Some(&i) = self.aperture_ix.get(&key) {
            return i;
        }
        let (w, h) = match p {
            Prim::Circle(d) => (d, d),
            Prim::Rect(w, h) | Prim::Oval(w, h) | Prim::RoundRect(w, h, _) => (w, h),
        };
        let (w2, h2) = if swap { (h, w) } else { (w, h) };
        let a = match p {
            Prim::Circle(d) => Aperture::Circle { diameter: d },
            Prim::Oval(..) if right => Aperture::Obround {
                width: w2,
                height: h2,
            },
            Prim::Rect(..) | Prim::RoundRect(..) if right => Aperture::Rectangle {
                width: w2,
                height: h2,
            },
            _ => {
                // Any other angle: the rectangle's corners turned.
                let (c, s) = (rotation.to_radians().cos(), rotation.to_radians().sin());
                let points = [
                    (-w / 2.0, -h / 2.0),
                    (w / 2.0, -h / 2.0),
                    (w / 2.0, h / 2.0),
                    (-w / 2.0, h / 2.0),
                ]
                .iter()
                .map(|(x, y)| Point {
                    x: x * c - y * s,
                    y: x * s + y * c,
                })
                .collect();
                Aperture::Macro {
                    name: "IPC2581_ROTATED".into(),
                    shapes: vec![MacroShape::Polygon { points, dark: true }],
                }
            }
        };
        let i = self.apertures.len() as u32;
        self.apertures.push(a);
        self.aperture_ix.insert(key, i);
        i
    }

    fn push_graphic(&mut self, g: Graphic, owner: Option<String>) -> Result<(), Ipc2581Error> {
        self.bump()?;
        let Some(layer) = self.layer.clone() else {
            return Ok(());
        };
        let b = self.images.entry(layer).or_insert_with(Building::new);
        let k = b.objects.len() as u32;
        b.objects.push(g);
        if let Some(o) = owner {
            let n = b.components.len() as u32;
            let ix = *b.component_ix.entry(o.clone()).or_insert(n);
            if ix == n {
                b.components.push(o);
            }
            b.object_components.push((k, ix));
        }
        Ok(())
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), Ipc2581Error> {
        let name = e.local_name();
        let name = name.as_ref();
        match name {
            b"IPC-2581" => self.revision = attr(e, "revision").unwrap_or_default(),
            b"CadHeader" => {
                if let Some(u) = attr(e, "units") {
                    self.scale = units_scale(&u)?;
                }
            }
            b"DictionaryStandard" | b"DictionaryLineDesc" | b"DictionaryUser" => {
                self.dict_scale = match attr(e, "units") {
                    Some(u) => units_scale(&u)?,
                    None => self.scale,
                };
            }
            b"EntryStandard" | b"EntryLineDesc" | b"EntryUser" => self.entry_id = attr(e, "id"),
            b"LineDesc" => {
                let w = num(e, "lineWidth").map(|w| w * self.dict_scale);
                match (&self.entry_id, w) {
                    (Some(id), Some(w)) if self.feature.kind == FeatureKind::None => {
                        self.line_widths.insert(id.clone(), w);
                    }
                    (_, Some(w)) => {
                        let w = w / self.dict_scale * self.scale;
                        self.feature.width = Some(w);
                    }
                    _ => {}
                }
            }
            b"LineDescRef" => {
                if let Some(w) = attr(e, "id").and_then(|id| self.line_widths.get(&id).copied()) {
                    if self.feature.kind == FeatureKind::None {
                        self.set_width = Some(w);
                    } else {
                        self.feature.width = Some(w);
                    }
                }
            }
            b"Circle" | b"RectCenter" | b"RectCorner" | b"Oval" | b"RectRound" | b"RectCham"
            | b"Donut" => {
                if self.feature.kind == FeatureKind::Pad {
                    self.feature.prim = self.primitive(name, e, self.scale);
                } else if let Some(id) = self.entry_id.clone() {
                    if let Some(p) = self.primitive(name, e, self.dict_scale) {
                        self.prims.insert(id, p);
                    }
                }
            }
            b"StandardPrimitiveRef" | b"UserPrimitiveRef" => {
                if let Some(p) = attr(e, "id").and_then(|id| self.prims.get(&id).copied()) {
                    self.feature.prim = Some(p);
                }
            }
            b"Layer" => {
                let Some(n) = attr(e, "name") else {
                    return Ok(());
                };
                let (function, drill, side) = layer_function(
                    &attr(e, "layerFunction").unwrap_or_default(),
                    &attr(e, "side").unwrap_or_default(),
                );
                let order = self.layer_order.len();
                if !self.layer_defs.contains_key(&n) {
                    self.layer_order.push(n.clone());
                }
                self.layer_defs.insert(
                    n,
                    LayerDef {
                        function,
                        drill,
                        side,
                        order,
                    },
                );
            }
            b"Profile" => self.in_profile = true,
            b"LayerFeature" => self.layer = attr(e, "layerRef"),
            b"Set" => {
                self.set_owner = None;
                self.set_width = None;
            }
            b"PinRef" => {
                let owner = attr(e, "componentRef").map(|c| c.to_ascii_uppercase());
                if self.feature.kind == FeatureKind::Pad {
                    self.feature.owner = owner;
                } else {
                    self.set_owner = owner;
                }
            }
            b"Pad" => {
                self.feature = Feature {
                    kind: FeatureKind::Pad,
                    ..Feature::default()
                };
            }
            b"Line" => {
                let (Some(a), Some(b)) =
                    (self.pt(e, "startX", "startY"), self.pt(e, "endX", "endY"))
                else {
                    return Ok(());
                };
                self.feature = Feature {
                    kind: FeatureKind::Line,
                    line: Some((a, b, None)),
                    width: self.set_width,
                    ..Feature::default()
                };
                if empty {
                    self.end(b"Line")?;
                }
            }
            b"Arc" => {
                let (Some(a), Some(b), Some(c)) = (
                    self.pt(e, "startX", "startY"),
                    self.pt(e, "endX", "endY"),
                    self.pt(e, "centerX", "centerY"),
                ) else {
                    return Ok(());
                };
                let cw = attr(e, "clockwise").is_some_and(|v| v.eq_ignore_ascii_case("true"));
                self.feature = Feature {
                    kind: FeatureKind::Arc,
                    line: Some((a, b, Some((c, cw)))),
                    width: self.set_width,
                    ..Feature::default()
                };
                if empty {
                    self.end(b"Arc")?;
                }
            }
            b"Contour" => {
                self.feature = Feature {
                    kind: FeatureKind::Contour,
                    ..Feature::default()
                };
            }
            b"Polygon" | b"Cutout" => self.poly = Some(Vec::new()),
            b"PolyBegin" | b"PolyStepSegment" => {
                if let (Some(p), Some(poly)) = (self.pt(e, "x", "y"), self.poly.as_mut()) {
                    if poly.len() >= MAX_POLY_POINTS {
                        return err(format!("a polygon has more than {MAX_POLY_POINTS} points"));
                    }
                    poly.push(p);
                }
            }
            b"PolyStepCurve" => {
                let (Some(p), Some(c)) = (self.pt(e, "x", "y"), self.pt(e, "centerX", "centerY"))
                else {
                    return Ok(());
                };
                let cw = attr(e, "clockwise").is_some_and(|v| v.eq_ignore_ascii_case("true"));
                if let Some(poly) = self.poly.as_mut() {
                    let from = poly.last().copied().unwrap_or(p);
                    let r = (from.x - c.x).hypot(from.y - c.y);
                    let sweep = super::gerber::arc_sweep(from, p, c, cw);
                    // Chords within 5 µm of the arc.
                    let step = if r > 0.005 {
                        2.0 * (1.0 - 0.005 / r).clamp(-1.0, 1.0).acos()
                    } else {
                        sweep
                    };
                    let n = ((sweep / step.max(1e-3)).ceil() as usize).clamp(1, 720);
                    let a0 = (from.y - c.y).atan2(from.x - c.x);
                    for k in 1..=n {
                        if poly.len() >= MAX_POLY_POINTS {
                            return err(format!(
                                "a polygon has more than {MAX_POLY_POINTS} points"
                            ));
                        }
                        let t = sweep * k as f64 / n as f64;
                        let a = if cw { a0 - t } else { a0 + t };
                        poly.push(if k == n {
                            p
                        } else {
                            Point {
                                x: c.x + r * a.cos(),
                                y: c.y + r * a.sin(),
                            }
                        });
                    }
                }
            }
            b"Xform" => {
                let rot = num(e, "rotation").unwrap_or(0.0);
                let mirror = attr(e, "mirror").is_some_and(|v| v.eq_ignore_ascii_case("true"));
                if let Some(c) = self.component.as_mut() {
                    if self.feature.kind == FeatureKind::None {
                        c.rotation_deg = rot;
                        return Ok(());
                    }
                }
                self.feature.rotation = rot;
                self.feature.mirror = mirror;
            }
            b"Location" => {
                let p = self.pt(e, "x", "y");
                if self.feature.kind == FeatureKind::Pad {
                    self.feature.location = p;
                } else if let (Some(c), Some(p)) = (self.component.as_mut(), p) {
                    c.x_mm = p.x;
                    c.y_mm = p.y;
                }
            }
            b"Hole" => {
                self.bump()?;
                let (Some(p), Some(d)) = (self.pt(e, "x", "y"), num(e, "diameter")) else {
                    return Ok(());
                };
                let plated = !attr(e, "platingStatus").is_some_and(|v| {
                    let v = v.to_ascii_uppercase();
                    v == "NONPLATED" || v == "NON_PLATED"
                });
                let layer = self.layer.clone().unwrap_or_default();
                self.holes.entry((layer, plated)).or_default().push(Hole {
                    x: p.x,
                    y: p.y,
                    diameter_mm: d * self.scale,
                    plated,
                    slot_end: None,
                    line: self.line_no,
                });
            }
            b"Component" => {
                let layer = attr(e, "layerRef").unwrap_or_default();
                let side = self
                    .layer_defs
                    .get(&layer)
                    .map_or(Side::Top, |d| match d.side {
                        Side::Bottom => Side::Bottom,
                        _ => Side::Top,
                    });
                if attr(e, "mountType").is_some_and(|m| m.eq_ignore_ascii_case("OTHER")) {
                    if let Some(d) = attr(e, "refDes") {
                        self.unmounted.insert(d.to_ascii_uppercase());
                    }
                }
                self.component = Some(Placement {
                    file: String::new(),
                    row: self.line_no,
                    designator: attr(e, "refDes").unwrap_or_default(),
                    x_mm: 0.0,
                    y_mm: 0.0,
                    rotation_deg: 0.0,
                    side,
                    value: None,
                    package: attr(e, "packageRef"),
                });
                if empty {
                    self.end(b"Component")?;
                }
            }
            b"BomItem" => {
                self.bom_item_document =
                    attr(e, "category").is_some_and(|c| c.eq_ignore_ascii_case("DOCUMENT"));
                self.bom_item = Some(BomLine {
                    file: String::new(),
                    row: self.line_no,
                    designators: Vec::new(),
                    quantity: attr(e, "quantity").and_then(|q| q.trim().parse().ok()),
                    mpn: attr(e, "OEMDesignNumberRef"),
                    manufacturer: None,
                    description: attr(e, "description"),
                    value: None,
                    package: None,
                    dnp: false,
                });
            }
            b"RefDes" => {
                if self.bom_item.is_some() {
                    self.bump()?;
                }
                if let Some(l) = self.bom_item.as_mut() {
                    if let Some(n) = attr(e, "name") {
                        l.designators.push(n);
                    }
                    if l.package.is_none() {
                        l.package = attr(e, "packageRef");
                    }
                    if attr(e, "populate").is_some_and(|v| v.eq_ignore_ascii_case("false")) {
                        l.dnp = true;
                    }
                }
            }
            b"Textual" => {
                if let Some(l) = self.bom_item.as_mut() {
                    let n = attr(e, "textualCharacteristicName").unwrap_or_default();
                    if n.eq_ignore_ascii_case("value") {
                        l.value = attr(e, "textualCharacteristicValue");
                    }
                }
            }
            b"Enterprise" => {
                if let (Some(id), Some(n)) = (attr(e, "id"), attr(e, "name")) {
                    self.enterprises.insert(id, n);
                }
            }
            b"AvlItem" => self.avl_item = attr(e, "OEMDesignNumber"),
            b"AvlVmpn" => {
                self.avl_mpn = None;
                self.avl_vendor = None;
            }
            b"AvlVendor" => self.avl_vendor = attr(e, "enterpriseRef"),
            b"AvlMpn" => self.avl_mpn = attr(e, "name"),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &[u8]) -> Result<(), Ipc2581Error> {
        match name {
            b"EntryStandard" | b"EntryLineDesc" | b"EntryUser" => self.entry_id = None,
            b"Profile" => self.in_profile = false,
            b"LayerFeature" => self.layer = None,
            b"Polygon" | b"Cutout" => {
                let Some(poly) = self.poly.take() else {
                    return Ok(());
                };
                if poly.len() < 3 {
                    return Ok(());
                }
                if self.in_profile {
                    self.profile.push(poly);
                } else if self.feature.kind == FeatureKind::Contour {
                    self.feature.polys.push(poly);
                }
            }
            b"Pad" => {
                let f = std::mem::take(&mut self.feature);
                if let (Some(at), Some(p)) = (f.location, f.prim) {
                    let rot = if f.mirror { -f.rotation } else { f.rotation };
                    let aperture = self.aperture(p, rot);
                    let owner = f.owner.or_else(|| self.set_owner.clone());
                    self.push_graphic(
                        Graphic::Flash {
                            at,
                            aperture,
                            dark: true,
                        },
                        owner,
                    )?;
                }
            }
            b"Line" | b"Arc" => {
                let f = std::mem::take(&mut self.feature);
                if let Some((from, to, arc)) = f.line {
                    let width = f.width.or(self.set_width).unwrap_or(0.0);
                    let g = match arc {
                        None => Graphic::Line {
                            from,
                            to,
                            width,
                            dark: true,
                        },
                        Some((center, clockwise)) => Graphic::Arc {
                            from,
                            to,
                            center,
                            clockwise,
                            width,
                            dark: true,
                        },
                    };
                    let owner = self.set_owner.clone();
                    self.push_graphic(g, owner)?;
                }
            }
            b"Contour" => {
                let f = std::mem::take(&mut self.feature);
                let owner = self.set_owner.clone();
                for (k, points) in f.polys.into_iter().enumerate() {
                    self.push_graphic(
                        Graphic::Region {
                            points,
                            dark: k == 0,
                        },
                        owner.clone(),
                    )?;
                }
            }
            b"Component" => {
                if let Some(c) = self.component.take() {
                    if !c.designator.is_empty() {
                        self.bump()?;
                        self.placements.push(c);
                    }
                }
            }
            b"BomItem" => {
                if let Some(l) = self.bom_item.take().filter(|_| !self.bom_item_document) {
                    self.bom.push(l);
                }
            }
            b"AvlItem" => self.avl_item = None,
            b"AvlVmpn" => {
                // The first manufacturer part of an item is the one used.
                if let (Some(item), Some(mpn)) = (self.avl_item.clone(), self.avl_mpn.take()) {
                    let vendor = self.avl_vendor.take();
                    self.avl.entry(item).or_insert((mpn, vendor));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn finish_image(b: Building, apertures: &[Aperture]) -> GerberFile {
    let mut extents = None;
    let mut path_extents = None;
    for o in &b.objects {
        if let Some(e) = o.extents_with(apertures) {
            include(&mut extents, e.min_x, e.min_y, 0.0);
            include(&mut extents, e.max_x, e.max_y, 0.0);
        }
        if let Some(e) = o.path_extents(apertures) {
            include(&mut path_extents, e.min_x, e.min_y, 0.0);
            include(&mut path_extents, e.max_x, e.max_y, 0.0);
        }
    }
    GerberFile {
        units: Units::Mm,
        format: None,
        apertures: apertures.to_vec(),
        objects: b.objects,
        file_attributes: Vec::new(),
        file_function: None,
        negative: false,
        extents,
        path_extents,
        warnings: Vec::new(),
        components: b.components,
        object_components: b.object_components,
    }
}

fn drill_of(holes: Vec<Hole>, plated: bool) -> DrillFile {
    let mut tools: Vec<Tool> = Vec::new();
    let mut extents: Option<Extents> = None;
    for h in &holes {
        include(&mut extents, h.x, h.y, h.diameter_mm / 2.0);
        if !tools
            .iter()
            .any(|t| (t.diameter_mm - h.diameter_mm).abs() < 1e-9)
        {
            tools.push(Tool {
                number: tools.len() as u32 + 1,
                diameter_mm: h.diameter_mm,
                plated: Some(plated),
            });
        }
    }
    DrillFile {
        units: Units::Mm,
        units_guessed: false,
        format: DrillFormat {
            integer_digits: 3,
            decimal_digits: 3,
            zeros: Zeros::TrailingKept,
        },
        format_guessed: false,
        file_function: None,
        plating_known: true,
        tools,
        holes,
        extents,
        warnings: Vec::new(),
    }
}

/// Reads an IPC-2581 file; `file` names it in the BOM lines and placements it yields.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Ipc2581Package, Ipc2581Error> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut p = Parser::new();
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut seen_root = false;
    loop {
        let pos = reader.buffer_position() as usize;
        let ev = reader.read_event_into(&mut buf);
        // Line numbers for findings: count the newlines consumed.
        let now = (reader.buffer_position() as usize).min(bytes.len());
        if pos < now {
            p.line_no = p
                .line_no
                .saturating_add(bytes[pos..now].iter().filter(|b| **b == b'\n').count() as u32);
        }
        match ev {
            Ok(Event::Start(e)) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return err(format!("elements nest deeper than {MAX_DEPTH}"));
                }
                seen_root |= e.local_name().as_ref() == b"IPC-2581";
                p.start(&e, false)?;
            }
            Ok(Event::Empty(e)) => {
                seen_root |= e.local_name().as_ref() == b"IPC-2581";
                p.start(&e, true)?;
                let name = e.local_name();
                if !matches!(name.as_ref(), b"Line" | b"Arc" | b"Component") {
                    p.end(name.as_ref())?;
                }
            }
            Ok(Event::End(e)) => {
                depth = depth.saturating_sub(1);
                p.end(e.local_name().as_ref())?;
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return err(format!(
                    "the XML cannot be read near line {}: {e}",
                    p.line_no
                ))
            }
        }
        buf.clear();
    }
    if !seen_root {
        return err("no <IPC-2581> root element: not an IPC-2581 file");
    }

    // Manufacturer part numbers from the AVL.
    for l in &mut p.bom {
        l.file = file.to_owned();
        if let Some((mpn, vendor)) = l.mpn.as_ref().and_then(|k| p.avl.get(k)) {
            l.manufacturer = vendor
                .as_ref()
                .map(|v| p.enterprises.get(v).cloned().unwrap_or_else(|| v.clone()));
            l.mpn = Some(mpn.clone());
        }
    }
    let values: HashMap<String, Option<String>> = p
        .bom
        .iter()
        .flat_map(|l| {
            l.designators
                .iter()
                .map(move |d| (d.to_ascii_uppercase(), l.value.clone()))
        })
        .collect();
    // A component with nothing to mount (`mountType` OTHER) that no BOM line buys is no
    // placement (KiCad writes its mounting holes and solder jumpers so; its position files
    // leave them out).
    let unmounted = std::mem::take(&mut p.unmounted);
    p.placements.retain(|c| {
        let key = c.designator.to_ascii_uppercase();
        !unmounted.contains(&key) || values.contains_key(&key)
    });
    for c in &mut p.placements {
        c.file = file.to_owned();
        c.value = values
            .get(&c.designator.to_ascii_uppercase())
            .cloned()
            .flatten();
    }

    let mut layers = Vec::new();
    let mut inner = 0u32;
    let mut images = std::mem::take(&mut p.images);
    let mut order: Vec<(&String, &LayerDef)> = p.layer_defs.iter().collect();
    order.sort_by_key(|(_, d)| d.order);
    for (name, def) in order {
        let Some(function) = def.function else {
            continue;
        };
        let inner_index = (function == LayerFunction::CopperInner).then(|| {
            inner += 1;
            inner
        });
        let image = finish_image(
            images.remove(name).unwrap_or_else(Building::new),
            &p.apertures,
        );
        layers.push(Ipc2581Layer {
            name: name.clone(),
            function,
            inner_index,
            image,
        });
    }
    let outline = (!p.profile.is_empty()).then(|| {
        let mut b = Building::new();
        for poly in &p.profile {
            let n = poly.len();
            for i in 0..n {
                b.objects.push(Graphic::Line {
                    from: poly[i],
                    to: poly[(i + 1) % n],
                    width: 0.0,
                    dark: true,
                });
            }
        }
        finish_image(b, &[])
    });
    let drills = std::mem::take(&mut p.holes)
        .into_iter()
        .filter(|((layer, _), _)| p.layer_defs.get(layer).is_none_or(|d| d.drill))
        .map(|((layer, plated), holes)| Ipc2581Drill {
            name: layer,
            function: if plated {
                LayerFunction::DrillPlated
            } else {
                LayerFunction::DrillNonPlated
            },
            drill: drill_of(holes, plated),
        })
        .collect();
    Ok(Ipc2581Package {
        revision: p.revision,
        layers,
        outline,
        drills,
        bom_lines: p.bom,
        placements: p.placements,
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "test inputs are known good")]
mod tests {
    use super::*;
    use crate::cad::fixtures::{self, Style};
    use crate::cad::validate::validate_package;
    use crate::cad::{guess_file_kind, FileKind, InputFile};

    #[test]
    fn fixture_board_reads_like_its_gerber_set() {
        let xml = fixtures::ipc2581_board();
        assert_eq!(guess_file_kind("board.xml", &xml), FileKind::Ipc2581);
        let from_xml = validate_package(&[InputFile::new("board.xml", &xml)]);
        let set = fixtures::board(Style::KiCad);
        let from_gerbers = validate_package(&fixtures::inputs(&set));
        let (a, b) = (
            from_xml.board.as_ref().unwrap(),
            from_gerbers.board.as_ref().unwrap(),
        );
        assert!((a.width_mm - b.width_mm).abs() < 1e-6, "{a:?} {b:?}");
        assert!((a.height_mm - b.height_mm).abs() < 1e-6);
        assert_eq!(a.layer_count, b.layer_count);
        let places = |an: &crate::cad::PackageAnalysis| {
            let mut v: Vec<(String, i64, i64)> = an
                .placements
                .iter()
                .map(|p| {
                    (
                        p.designator.clone(),
                        (p.x_mm * 1000.0).round() as i64,
                        (p.y_mm * 1000.0).round() as i64,
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(places(&from_xml), places(&from_gerbers));
        let lines = |an: &crate::cad::PackageAnalysis| {
            let mut v: Vec<String> = an
                .bom_lines
                .iter()
                .map(|l| format!("{:?} {:?} {:?} {}", l.designators, l.mpn, l.value, l.dnp))
                .collect();
            v.sort();
            v
        };
        assert_eq!(lines(&from_xml), lines(&from_gerbers));
        let holes = |an: &crate::cad::PackageAnalysis| {
            an.layers.iter().filter(|l| l.function.is_drill()).count()
        };
        assert_eq!(holes(&from_xml), holes(&from_gerbers));
        let errors: Vec<_> = from_xml
            .findings
            .iter()
            .filter(|f| f.severity == crate::cad::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        for bad in [
            &b"<IPC-2581><Ecad><CadHeader units=\"FURLONG\"/></Ecad></IPC-2581>"[..],
            b"<IPC-2581><unclosed",
            b"<notipc/>",
            b"",
        ] {
            assert!(
                parse("x.xml", bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let deep =
            "<IPC-2581>".to_owned() + &"<a>".repeat(100) + &"</a>".repeat(100) + "</IPC-2581>";
        assert!(parse("x.xml", deep.as_bytes()).is_err());
    }
}
