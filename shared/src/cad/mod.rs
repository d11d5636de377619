//! Manufacturing-file parsers and package validation.
//!
//! Everything here is pure computation on bytes, so the browser (wasm32) and the server run the
//! same code: [`validate_package`](crate::cad::validate::validate_package) is the entry point, the parsers below it can be used
//! alone. All parsers are written to be total: hostile input yields an error or a finding, never
//! a panic, a hang or unbounded memory.

pub mod bom;
pub mod box_bom;
pub mod centroid;
pub mod compare;
pub mod excellon;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod gerber;
pub mod ipc2581;
pub mod layers;
pub mod outline;
pub mod registration;
pub mod render;
mod table;
pub mod validate;

use serde::{Deserialize, Serialize};

pub use layers::{identify_layer, LayerFunction, LayerId, LayerSource, Side};
pub use registration::Offset;
pub use validate::{
    analyze_package_with, validate_package, AnalyzeOptions, Finding, FindingCode, InputFile,
    PackageAnalysis, Severity,
};

/// What a package file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "server", derive(async_graphql::Enum))]
pub enum FileKind {
    /// An RS-274X (Gerber) image.
    Gerber,
    /// An Excellon drill file.
    Drill,
    /// A bill of materials (CSV or XLSX).
    Bom,
    /// A centroid (pick-and-place) file.
    Centroid,
    /// A drawing.
    Drawing,
    /// An IPC-2581 file: layers, drill, outline, BOM and placements in one XML document.
    #[serde(rename = "IPC2581")]
    #[cfg_attr(feature = "server", graphql(name = "IPC2581"))]
    Ipc2581,
    /// Anything else.
    Other,
}

impl std::str::FromStr for FileKind {
    type Err = crate::domain::UnknownVariant;

    /// Accepts the stable spelling in any letter case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s.trim().to_ascii_uppercase();
        FileKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == n)
            .ok_or_else(|| crate::domain::UnknownVariant {
                kind: "file kind",
                value: s.to_owned(),
                expected: "GERBER DRILL BOM CENTROID DRAWING IPC2581 OTHER",
            })
    }
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FileKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [FileKind] = &[
        FileKind::Gerber,
        FileKind::Drill,
        FileKind::Bom,
        FileKind::Centroid,
        FileKind::Drawing,
        FileKind::Ipc2581,
        FileKind::Other,
    ];

    /// The stable spelling used in the database and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Gerber => "GERBER",
            FileKind::Drill => "DRILL",
            FileKind::Bom => "BOM",
            FileKind::Centroid => "CENTROID",
            FileKind::Drawing => "DRAWING",
            FileKind::Ipc2581 => "IPC2581",
            FileKind::Other => "OTHER",
        }
    }
}

/// Lower-cased extension of a file name (without the dot), or "" when there is none.
pub(crate) fn extension(name: &str) -> String {
    let base = base_name(name);
    match base.rfind('.') {
        Some(i) if i > 0 => base[i + 1..].to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// The last path component of a file name (both `/` and `\` separate folders).
pub(crate) fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Guesses a file's kind from its name and its first bytes (a few KiB are plenty).
///
/// Content wins over the name for Gerber and drill files (their first commands are
/// unmistakable); tables are told apart by name and then by their header words.
pub fn guess_file_kind(name: &str, head: &[u8]) -> FileKind {
    let head = &head[..head.len().min(8192)];
    let ext = extension(name);
    let lower_name = base_name(name).to_ascii_lowercase();
    if matches!(ext.as_str(), "xml" | "cvg" | "ipc" | "2581") && ipc2581::looks_like(head) {
        return FileKind::Ipc2581;
    }
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();

    match ext.as_str() {
        "pdf" | "dxf" | "dwg" | "svg" | "png" | "jpg" | "jpeg" => return FileKind::Drawing,
        "zip" | "gbrjob" | "step" | "stp" | "wrl" | "md" | "json" | "html" => {
            return FileKind::Other
        }
        _ => {}
    }
    let looks_gerber = text.contains("%fs")
        || text.contains("%mo")
        || text.contains("%tf.")
        || text.contains("%add");
    let looks_drill = text.lines().take(40).any(|l| {
        let l = l.trim();
        l == "m48" || l.starts_with("m48") && l.len() <= 4
    }) || (text.contains("\nt1c") || text.contains("\nt01c")) && !looks_gerber;
    if looks_drill {
        return FileKind::Drill;
    }
    if looks_gerber {
        return FileKind::Gerber;
    }
    let centroid_name = [
        "pos", "pick", "place", "centroid", "pnp", "cpl", "xy", "insert",
    ]
    .iter()
    .any(|w| lower_name.contains(w));
    let bom_name = lower_name.contains("bom") || lower_name.contains("bill");
    let table_ext = matches!(ext.as_str(), "csv" | "tsv" | "xlsx" | "xls" | "txt" | "pos");
    if matches!(ext.as_str(), "pos" | "mnt" | "mnb") {
        return FileKind::Centroid;
    }
    if table_ext {
        if bom_name {
            return FileKind::Bom;
        }
        if centroid_name && !text.contains("qty") && !text.contains("quantity") {
            return FileKind::Centroid;
        }
        let has_xy = [
            "mid x",
            "center-x",
            "posx",
            "pos x",
            "mid-x",
            "centerx",
            "locationx",
        ]
        .iter()
        .any(|w| text.contains(w));
        if has_xy {
            return FileKind::Centroid;
        }
        if text.contains("qty") || text.contains("quantity") || ext == "xlsx" || ext == "xls" {
            return FileKind::Bom;
        }
        if centroid_name {
            return FileKind::Centroid;
        }
        return FileKind::Other;
    }
    let id = layers::identify_by_name(name);
    if id.function != LayerFunction::Unknown {
        return if id.function.is_drill() && !matches!(ext.as_str(), "gbr" | "ger") {
            FileKind::Drill
        } else if id.function == LayerFunction::Drawing && ext == "pdf" {
            FileKind::Drawing
        } else {
            FileKind::Gerber
        };
    }
    if matches!(ext.as_str(), "gbr" | "ger" | "pho" | "art" | "gbx") {
        return FileKind::Gerber;
    }
    FileKind::Other
}

/// An axis-aligned bounding box in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Extents {
    /// Smallest x.
    pub min_x: f64,
    /// Smallest y.
    pub min_y: f64,
    /// Largest x.
    pub max_x: f64,
    /// Largest y.
    pub max_y: f64,
}

impl Extents {
    /// A box holding one point.
    pub fn point(x: f64, y: f64) -> Self {
        Extents {
            min_x: x,
            min_y: y,
            max_x: x,
            max_y: y,
        }
    }

    /// Width (x) in mm.
    pub fn width(&self) -> f64 {
        self.max_x - self.min_x
    }

    /// Height (y) in mm.
    pub fn height(&self) -> f64 {
        self.max_y - self.min_y
    }

    /// The smallest box holding both.
    pub fn union(&self, other: &Extents) -> Extents {
        Extents {
            min_x: self.min_x.min(other.min_x),
            min_y: self.min_y.min(other.min_y),
            max_x: self.max_x.max(other.max_x),
            max_y: self.max_y.max(other.max_y),
        }
    }

    /// Whether the point lies inside, `tolerance` mm allowed past each edge.
    pub fn contains(&self, x: f64, y: f64, tolerance: f64) -> bool {
        x >= self.min_x - tolerance
            && x <= self.max_x + tolerance
            && y >= self.min_y - tolerance
            && y <= self.max_y + tolerance
    }

    /// Grows the box by `margin` on every side.
    pub fn grown(&self, margin: f64) -> Extents {
        Extents {
            min_x: self.min_x - margin,
            min_y: self.min_y - margin,
            max_x: self.max_x + margin,
            max_y: self.max_y + margin,
        }
    }
}

/// Accumulates an optional [`Extents`], ignoring non-finite values.
pub(crate) fn include(ext: &mut Option<Extents>, x: f64, y: f64, r: f64) {
    if !(x.is_finite() && y.is_finite() && r.is_finite()) {
        return;
    }
    let b = Extents {
        min_x: x - r,
        min_y: y - r,
        max_x: x + r,
        max_y: y + r,
    };
    *ext = Some(match ext {
        Some(e) => e.union(&b),
        None => b,
    });
}
