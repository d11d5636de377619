//! Centroid / pick-and-place files: KiCad `.pos` (ASCII) and CSV, Altium Pick Place (preamble,
//! quoted columns, `mm`/`mil` suffixes), and generic CSV/XLSX with Designator, X, Y, Rotation
//! and Side columns. Units: mm, mil, inch (from the header, a preamble line or value suffixes).

use serde::{Deserialize, Serialize};

use super::layers::Side;
use super::table::{self, Row};
use super::validate::{Finding, FindingCode};

/// One placement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// The file it came from.
    pub file: String,
    /// 1-based row (line).
    pub row: u32,
    /// Reference designator.
    pub designator: String,
    /// x in mm.
    pub x_mm: f64,
    /// y in mm.
    pub y_mm: f64,
    /// Rotation in degrees.
    pub rotation_deg: f64,
    /// TOP or BOTTOM (NONE when the file does not say).
    pub side: Side,
    /// Value, if given.
    pub value: Option<String>,
    /// Package / footprint, if given.
    pub package: Option<String>,
}

/// The ways a centroid file cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CentroidError {
    /// Row, when one is to blame.
    pub row: Option<u32>,
    /// What is wrong.
    pub message: String,
}

impl CentroidError {
    /// The finding this error becomes.
    pub fn finding(&self, file: &str) -> Finding {
        let f = Finding::error(
            FindingCode::CentroidParseError,
            format!("centroid file cannot be read: {}", self.message),
        )
        .in_file(file);
        match self.row {
            Some(r) => f.at(r),
            None => f,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Designator,
    X,
    Y,
    Rotation,
    Side,
    Value,
    Package,
}

fn classify(h: &str) -> Option<(Col, u8)> {
    use Col::*;
    Some(match h {
        "designator" | "ref" | "refdes" | "reference" | "designators" | "part" | "component"
        | "name" => (Designator, 2),
        "midx" | "centerx" | "centrex" | "posx" | "cx" | "centroidx" | "locationx"
        | "positionx" => (X, 3),
        "x" | "xpos" | "xmm" | "xlocation" => (X, 2),
        "refx" => (X, 1),
        "midy" | "centery" | "centrey" | "posy" | "cy" | "centroidy" | "locationy"
        | "positiony" => (Y, 3),
        "y" | "ypos" | "ymm" | "ylocation" => (Y, 2),
        "refy" => (Y, 1),
        "rotation" | "rot" | "angle" | "orientation" | "rotate" => (Rotation, 2),
        "layer" | "side" | "tb" | "placement" | "mirror" | "topbottom" => (Side, 2),
        "val" | "value" | "comment" => (Value, 2),
        "package" | "footprint" | "pattern" => (Package, 2),
        _ => return None,
    })
}

fn unit_factor(u: &str) -> Option<f64> {
    match u.trim().trim_end_matches('.').to_ascii_lowercase().as_str() {
        "mm" | "millimeters" | "millimetres" | "metric" => Some(1.0),
        "mil" | "mils" | "thou" => Some(0.0254),
        "in" | "inch" | "inches" | "\"" => Some(25.4),
        _ => None,
    }
}

/// Unit from preamble lines like `## Unit = mm, Angle = deg.` or `Units used: mil`.
fn preamble_unit(rows: &[Row]) -> Option<f64> {
    for r in rows.iter().take(40) {
        let line = r.cells.join(" ").to_ascii_lowercase();
        for key in [
            "unit =",
            "units =",
            "unit:",
            "units:",
            "units used:",
            "unit=",
            "units used",
        ] {
            if let Some(pos) = line.find(key) {
                let rest = line[pos + key.len()..].trim_start_matches([':', '=', ' ']);
                let word: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                if let Some(f) = unit_factor(&word) {
                    return Some(f);
                }
            }
        }
    }
    None
}

/// A length with an optional unit suffix, in mm.
fn length(cell: &str, default: f64) -> Option<f64> {
    let t = cell.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num = num.replace(',', ".");
    let v: f64 = num.parse().ok()?;
    let f = if unit.trim().is_empty() {
        default
    } else {
        unit_factor(unit)?
    };
    let mm = v * f;
    (mm.is_finite() && mm.abs() < 1e7).then_some(mm)
}

fn side(v: &str) -> Side {
    match v.trim().to_ascii_lowercase().as_str() {
        "top" | "t" | "toplayer" | "top layer" | "front" | "f" | "component" | "f.cu" | "0"
        | "no" => Side::Top,
        "bottom" | "b" | "bot" | "bottomlayer" | "bottom layer" | "back" | "solder" | "b.cu"
        | "1" | "yes" | "mirrored" => Side::Bottom,
        _ => Side::None,
    }
}

/// Parses a centroid file.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Vec<Placement>, CentroidError> {
    let rows = table::read_rows(bytes).map_err(|message| CentroidError { row: None, message })?;
    let ext = super::extension(file);
    if ext == "mnt" || ext == "mnb" {
        return parse_eagle_mount(
            file,
            &rows,
            if ext == "mnt" {
                Side::Top
            } else {
                Side::Bottom
            },
        );
    }
    let required =
        |k: &[Col]| k.contains(&Col::Designator) && k.contains(&Col::X) && k.contains(&Col::Y);
    let Some((hidx, cols)) = table::find_header(&rows, classify, required, 3) else {
        return Err(CentroidError {
            row: None,
            message: "no header row with designator, X and Y columns found".to_owned(),
        });
    };
    let default_unit = preamble_unit(&rows[..hidx.min(rows.len())]).unwrap_or(1.0);
    let col = |c: Col| cols.iter().position(|x| x.is_some_and(|(k, _)| k == c));
    let unit_of = |i: Option<usize>| {
        i.and_then(|i| cols.get(i).copied().flatten())
            .and_then(|(_, u)| u)
            .and_then(unit_factor)
            .unwrap_or(default_unit)
    };
    let (cd, cx, cy, cr, cs, cv, cp) = (
        col(Col::Designator),
        col(Col::X),
        col(Col::Y),
        col(Col::Rotation),
        col(Col::Side),
        col(Col::Value),
        col(Col::Package),
    );
    let (ux, uy) = (unit_of(cx), unit_of(cy));
    let mut out = Vec::new();
    for r in &rows[hidx + 1..] {
        if r.is_blank() {
            continue;
        }
        if r.comment {
            continue;
        }
        let designator = r.cell(cd).trim();
        if designator.is_empty() {
            continue;
        }
        let bad = |what: &str, v: &str| CentroidError {
            row: Some(r.row),
            message: format!(
                "row {}: {what} `{}` of {designator} is not a number",
                r.row,
                v.chars().take(40).collect::<String>()
            ),
        };
        let x = length(r.cell(cx), ux).ok_or_else(|| bad("X", r.cell(cx)))?;
        let y = length(r.cell(cy), uy).ok_or_else(|| bad("Y", r.cell(cy)))?;
        let rot_text = r.cell(cr).trim();
        let rotation_deg = if rot_text.is_empty() {
            0.0
        } else {
            let num: String = rot_text
                .chars()
                .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | ','))
                .collect();
            num.replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad("rotation", rot_text))?
        };
        out.push(Placement {
            file: file.to_owned(),
            row: r.row,
            designator: designator.chars().take(100).collect(),
            x_mm: x,
            y_mm: y,
            rotation_deg,
            side: cs.map_or(Side::Top, |_| side(r.cell(cs))),
            value: Some(r.cell(cv).to_owned()).filter(|v| !v.is_empty()),
            package: Some(r.cell(cp).to_owned()).filter(|v| !v.is_empty()),
        });
    }
    Ok(out)
}

/// Eagle `mountsmd.ulp` output: headerless `name x y rotation value package`, mm.
fn parse_eagle_mount(
    file: &str,
    rows: &[Row],
    side: Side,
) -> Result<Vec<Placement>, CentroidError> {
    let mut out = Vec::new();
    for r in rows {
        if r.is_blank() || r.comment {
            continue;
        }
        let bad = |what: &str| CentroidError {
            row: Some(r.row),
            message: format!("row {}: {what} is not a number", r.row),
        };
        let x = length(r.cell(Some(1)), 1.0).ok_or_else(|| bad("X"))?;
        let y = length(r.cell(Some(2)), 1.0).ok_or_else(|| bad("Y"))?;
        let rotation_deg = r
            .cell(Some(3))
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad("rotation"))?;
        out.push(Placement {
            file: file.to_owned(),
            row: r.row,
            designator: r.cell(Some(0)).chars().take(100).collect(),
            x_mm: x,
            y_mm: y,
            rotation_deg,
            side,
            value: Some(r.cell(Some(4)).to_owned()).filter(|v| !v.is_empty()),
            package: Some(r.cell(Some(5)).to_owned()).filter(|v| !v.is_empty()),
        });
    }
    Ok(out)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "test inputs are known good")]
mod tests {
    use super::*;

    #[test]
    fn kicad_pos() {
        let pos = "### Footprint positions - created on x ###\n## Unit = mm, Angle = deg.\n## Side : All\n# Ref     Val       Package                PosX       PosY       Rot  Side\nC1        100n      C_0603                 10.0000   -5.5000   90.0000  top\nU1        \"LM 358\"  SOIC-8                 20.0000   -10.0000  180.0000  bottom\n## End\n";
        let p = parse("b.pos", pos.as_bytes()).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].side, Side::Bottom);
        assert_eq!(p[1].value.as_deref(), Some("LM 358"));
        assert_eq!(p[0].row, 5);
    }

    #[test]
    fn altium_mil() {
        let txt = "Altium Designer Pick and Place Locations\nC:\\x.PcbDoc\n\n========================\nUnits used:\tmil\n\n\"Designator\",\"Comment\",\"Layer\",\"Footprint\",\"Center-X(mil)\",\"Center-Y(mil)\",\"Rotation\",\"Description\"\n\"R1\",\"10k\",\"TopLayer\",\"0603\",\"1000\",\"500\",\"90\",\"\"\n\"R2\",\"10k\",\"BottomLayer\",\"0603\",\"25.4mm\",\"500mil\",\"270\",\"\"\n";
        let p = parse("pp.csv", txt.as_bytes()).unwrap();
        assert!((p[0].x_mm - 25.4).abs() < 1e-9);
        assert!((p[1].x_mm - 25.4).abs() < 1e-9 && (p[1].y_mm - 12.7).abs() < 1e-9);
        assert_eq!(p[1].side, Side::Bottom);
        assert!(parse("x.csv", b"Designator,Mid X,Mid Y\nR1,abc,1\n").is_err());
    }
}
