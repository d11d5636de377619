//! Box-build BOMs from a table (CSV, TSV or XLSX), as OEMs keep them: one row per position
//! (`PCBA`, `MODEM`, `PSU`, `FW`…) with its kind (sub-assembly, bought item or firmware), part
//! number or MPN, the sub-assembly's revision, a description, a quantity, and for firmware the
//! image's file name and version. Headers are found by synonyms as for board BOMs; the kind may
//! be left out where the row says it (a revision means a sub-assembly, a file name firmware).

use super::table::{self, Row};
use crate::boxbuild::BoxBomLineKind;

/// One line of a box-build BOM as read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxBomRow {
    /// 1-based row in the file.
    pub row: u32,
    /// Where it goes in the box.
    pub position: String,
    /// Sub-assembly, bought item or firmware.
    pub kind: BoxBomLineKind,
    /// The sub-assembly's part number, the bought item's MPN, or the firmware's name.
    pub part_number: String,
    /// The sub-assembly's revision.
    pub revision: Option<String>,
    /// Free description.
    pub description: String,
    /// How many per box (1 when the cell is empty).
    pub quantity: i32,
    /// The firmware image's file name.
    pub file_name: Option<String>,
    /// The firmware's version.
    pub firmware_version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Position,
    Kind,
    PartNumber,
    Revision,
    Description,
    Qty,
    File,
    Version,
}

fn classify(h: &str) -> Option<(Col, u8)> {
    use Col::*;
    Some(match h {
        "position" | "pos" | "slot" | "location" | "bomposition" => (Position, 3),
        "kind" | "type" | "linetype" | "itemtype" | "category" => (Kind, 2),
        "partnumber" | "partno" | "pn" | "mpn" | "manufacturerpartnumber" | "item" | "part" => {
            (PartNumber, 2)
        }
        "revision" | "rev" | "partrevision" => (Revision, 2),
        "description" | "desc" => (Description, 2),
        "qty" | "quantity" | "count" | "qtyperbox" | "quantityperbox" => (Qty, 2),
        "file" | "filename" | "firmwarefile" | "image" | "firmwareimage" => (File, 2),
        "version" | "firmwareversion" | "fwversion" => (Version, 2),
        _ => return None,
    })
}

fn opt(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Reads a box-build BOM. Errors name the row and what is wrong with it.
pub fn parse(bytes: &[u8]) -> Result<Vec<BoxBomRow>, String> {
    let rows = table::read_rows(bytes)?;
    parse_rows(&rows)
}

fn parse_rows(rows: &[Row]) -> Result<Vec<BoxBomRow>, String> {
    let required = |k: &[Col]| k.contains(&Col::Position) && k.contains(&Col::PartNumber);
    let (hidx, cols) = table::find_header(rows, classify, required, 2).ok_or_else(|| {
        "no header row found: a box-build BOM needs a Position column and a Part number (or MPN) column"
            .to_owned()
    })?;
    let col = |c: Col| cols.iter().position(|x| x.is_some_and(|(k, _)| k == c));
    let (cpos, ckind, cpart, crev, cdesc, cqty, cfile, cver) = (
        col(Col::Position),
        col(Col::Kind),
        col(Col::PartNumber),
        col(Col::Revision),
        col(Col::Description),
        col(Col::Qty),
        col(Col::File),
        col(Col::Version),
    );
    let mut out = Vec::new();
    for r in &rows[hidx + 1..] {
        if r.is_blank() || r.comment {
            continue;
        }
        let Some(position) = opt(r.cell(cpos)) else {
            // Notes and totals have no position.
            continue;
        };
        let revision = opt(r.cell(crev));
        let file_name = opt(r.cell(cfile));
        let kind = match opt(r.cell(ckind)) {
            Some(text) => parse_kind(&text).ok_or_else(|| {
                format!(
                    "row {}: kind `{text}` is not SUBASSEMBLY, BOUGHT or FIRMWARE",
                    r.row
                )
            })?,
            None if file_name.is_some() => BoxBomLineKind::Firmware,
            None if revision.is_some() => BoxBomLineKind::Subassembly,
            None => BoxBomLineKind::Bought,
        };
        let part_number = opt(r.cell(cpart))
            .or_else(|| {
                (kind == BoxBomLineKind::Firmware)
                    .then(|| file_name.clone())
                    .flatten()
            })
            .ok_or_else(|| format!("row {}: position {position} has no part number", r.row))?;
        let quantity = match opt(r.cell(cqty)) {
            None => 1,
            Some(text) => text
                .parse::<f64>()
                .ok()
                .filter(|q| q.is_finite() && q.fract() == 0.0 && *q >= 1.0 && *q <= 10_000.0)
                .map(|q| q as i32)
                .ok_or_else(|| {
                    format!(
                        "row {}: quantity `{text}` is not a whole number from 1 to 10,000",
                        r.row
                    )
                })?,
        };
        out.push(BoxBomRow {
            row: r.row,
            position,
            kind,
            part_number,
            revision,
            description: opt(r.cell(cdesc)).unwrap_or_default(),
            quantity,
            file_name,
            firmware_version: opt(r.cell(cver)),
        });
    }
    if out.is_empty() {
        return Err("the box-build BOM has a header but no line".to_owned());
    }
    Ok(out)
}

/// A kind as people write it: the stable spelling, or a common word for it.
fn parse_kind(text: &str) -> Option<BoxBomLineKind> {
    if let Ok(kind) = text.parse() {
        return Some(kind);
    }
    let word: String = text
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    match word.as_str() {
        "subassembly" | "sub" | "assembly" | "pcba" | "module" => Some(BoxBomLineKind::Subassembly),
        "bought" | "purchased" | "buy" | "component" | "mechanical" | "cots" => {
            Some(BoxBomLineKind::Bought)
        }
        "firmware" | "fw" | "software" | "image" => Some(BoxBomLineKind::Firmware),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_with_their_kinds() {
        let csv = "Gateway GW-100 box build BOM\n\
            Position,Type,Part Number,Rev,Description,Qty,File,Firmware version\n\
            PCBA,Sub-assembly,GW-PCBA,A,Main board,1,,\n\
            MODEM,,EG25GGB-128,,LTE modem,,,\n\
            SCREWS,bought,M3x6,,Screws,4,,\n\
            FW,,,,,,gw-fw-1.2.0.bin,1.2.0\n\
            ,,,,Total,,,\n";
        let lines = parse(csv.as_bytes()).expect("parsed");
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].kind, BoxBomLineKind::Subassembly);
        assert_eq!(lines[0].revision.as_deref(), Some("A"));
        assert_eq!(lines[0].row, 3);
        assert_eq!(lines[1].kind, BoxBomLineKind::Bought);
        assert_eq!(lines[1].quantity, 1);
        assert_eq!(lines[2].quantity, 4);
        assert_eq!(lines[3].kind, BoxBomLineKind::Firmware);
        assert_eq!(lines[3].part_number, "gw-fw-1.2.0.bin");
        assert_eq!(lines[3].firmware_version.as_deref(), Some("1.2.0"));
    }

    #[test]
    fn bad_rows_are_named() {
        let no_header = parse(b"a,b\n1,2\n").expect_err("no header");
        assert!(no_header.contains("Position"), "{no_header}");
        let kind = parse(b"Position,Part number,Kind\nPSU,PSU-1,gadget\n").expect_err("kind");
        assert!(kind.contains("row 2") && kind.contains("gadget"), "{kind}");
        let qty = parse(b"Position,Part number,Qty\nPSU,PSU-1,1.5\n").expect_err("qty");
        assert!(qty.contains("row 2") && qty.contains("1.5"), "{qty}");
        let part = parse(b"Position,Part number,Qty\nPSU,,1\n").expect_err("part");
        assert!(part.contains("PSU has no part number"), "{part}");
    }
}
