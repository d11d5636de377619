//! Bill of materials from CSV (`,` `;` or tab) or XLSX: the header row is found by the usual
//! synonyms (possibly after preamble rows), designator lists and ranges are expanded, and each
//! line keeps its spreadsheet row number.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::table::{self, Row};
use super::validate::{Finding, FindingCode};

/// Largest designator range expanded (`R1-R500`); past it the line gets BOM_RANGE_TOO_LARGE.
pub const MAX_RANGE: u32 = 1000;

/// One BOM line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BomLine {
    /// The file it came from.
    pub file: String,
    /// 1-based row as a spreadsheet shows it.
    pub row: u32,
    /// Designators, expanded (`R1-R3` → R1, R2, R3), in file order.
    pub designators: Vec<String>,
    /// Quantity column, when present and numeric.
    pub quantity: Option<u32>,
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Value.
    pub value: Option<String>,
    /// Package / footprint.
    pub package: Option<String>,
    /// Do not place.
    pub dnp: bool,
}

/// A parsed BOM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bom {
    /// Lines in file order.
    pub lines: Vec<BomLine>,
    /// Row of the header.
    pub header_row: u32,
    /// Whether an MPN column was found.
    pub has_mpn_column: bool,
    /// Problems found while reading (ranges too large).
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Designator,
    Qty,
    Mpn,
    Manufacturer,
    Description,
    Value,
    Package,
    Dnp,
    Fitted,
}

fn classify(h: &str) -> Option<(Col, u8)> {
    use Col::*;
    let c = match h {
        "designator"
        | "designators"
        | "refdes"
        | "reference"
        | "references"
        | "ref"
        | "refs"
        | "referencedesignator"
        | "referencedesignators"
        | "partreference"
        | "partreferences"
        | "designation"
        | "refdesignator"
        | "position"
        | "positions" => (Designator, 2),
        "parts" => (Designator, 1),
        "qty" | "quantity" | "count" | "qnty" | "qtyperboard" | "quantityperboard"
        | "qtyperpcb" | "quantityperpcb" | "qtyboard" | "pcs" => (Qty, 2),
        "mpn"
        | "manufacturerpartnumber"
        | "mfrpartnumber"
        | "mfgpartnumber"
        | "mfrpn"
        | "mfgpn"
        | "manufacturerpn"
        | "mfrpart"
        | "mfgpart"
        | "manufacturerpart"
        | "mfrpartno"
        | "manufacturerpartno"
        | "mpn1"
        | "manufacturerpartnumber1" => (Mpn, 3),
        "partnumber" | "partno" | "pn" => (Mpn, 1),
        "manufacturer" | "mfr" | "mfg" | "manufacturername" | "mfrname" | "manufacturer1" => {
            (Manufacturer, 2)
        }
        "description" | "desc" | "partdescription" => (Description, 2),
        "value" | "val" => (Value, 2),
        "comment" => (Value, 1),
        "package" | "footprint" | "case" | "casepackage" | "pcbfootprint" | "packagecase" => {
            (Package, 2)
        }
        "dnp" | "donotplace" | "dni" | "donotinstall" | "dnf" | "donotfit" | "nopop"
        | "notfitted" | "nofit" => (Dnp, 2),
        "fitted" | "populate" | "populated" | "mount" | "mounted" | "place" | "install" | "fit"
        | "assemble" => (Fitted, 2),
        _ => return None,
    };
    Some(c)
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "y" | "yes" | "x" | "1" | "true" | "dnp" | "dni" | "dnf" | "np" | "not fitted" | "nofit"
    )
}

fn falsy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "n" | "no"
            | "0"
            | "false"
            | "dnp"
            | "dni"
            | "dnf"
            | "not fitted"
            | "nofit"
            | "not populated"
    )
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Splits a designator into its letter prefix and number (`R12` → ("R", 12)).
fn split_designator(s: &str) -> Option<(&str, u64)> {
    let digits = s.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 18 {
        return None;
    }
    let (prefix, num) = s.split_at(s.len() - digits);
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_') {
        return None;
    }
    num.parse().ok().map(|n| (prefix, n))
}

/// Result of expanding one designator cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The designators.
    pub designators: Vec<String>,
    /// Ranges that were too large to expand (as written).
    pub too_large: Vec<String>,
}

/// Expands a designator cell: `R1, R2`, `R1 R2`, `R1;R2`, `R1-R4`, `R1-4`, `R1 - R4`.
pub fn expand_designators(cell: &str) -> Expanded {
    // Normalise dashes and drop whitespace around them so `R1 - R4` is one token.
    let mut norm = String::with_capacity(cell.len());
    for c in cell.chars() {
        let c = if matches!(c, '–' | '—' | '‒') {
            '-'
        } else {
            c
        };
        if c == '-' {
            while norm.ends_with(char::is_whitespace) {
                norm.pop();
            }
        }
        if c.is_whitespace() && norm.ends_with('-') {
            continue;
        }
        norm.push(c);
    }
    let mut out = Expanded {
        designators: Vec::new(),
        too_large: Vec::new(),
    };
    for tok in norm.split(|c: char| c == ',' || c == ';' || c == '/' || c.is_whitespace()) {
        let tok = tok.trim();
        if tok.is_empty() {
            continue;
        }
        if let Some((a, b)) = tok.split_once('-') {
            if let Some((pa, na)) = split_designator(a) {
                let nb = match split_designator(b) {
                    Some((pb, nb)) if pb.eq_ignore_ascii_case(pa) => Some(nb),
                    _ if !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit()) && b.len() <= 9 => {
                        b.parse().ok()
                    }
                    _ => None,
                };
                if let Some(nb) = nb {
                    if nb >= na {
                        if nb - na >= u64::from(MAX_RANGE) {
                            out.too_large.push(tok.to_owned());
                        } else {
                            out.designators
                                .extend((na..=nb).map(|n| format!("{pa}{n}")));
                        }
                        continue;
                    }
                }
            }
        }
        out.designators.push(tok.to_owned());
    }
    out
}

/// The ways a BOM cannot be read at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BomError {
    /// Not a readable table.
    #[error("{0}")]
    Unreadable(String),
    /// No row looks like a header.
    #[error("no header row with a designator column found in the first rows")]
    HeaderNotFound,
}

impl BomError {
    /// The finding this error becomes.
    pub fn finding(&self, file: &str) -> Finding {
        match self {
            BomError::Unreadable(m) => Finding::error(FindingCode::BomParseError, format!("BOM cannot be read: {m}")).in_file(file),
            BomError::HeaderNotFound => Finding::error(
                FindingCode::BomHeaderNotFound,
                "no header row found: the BOM needs a column named Designator (or RefDes, Reference…) and Qty, MPN or Value",
            )
            .in_file(file),
        }
    }
}

/// Parses a BOM file (CSV, TSV or XLSX).
pub fn parse(file: &str, bytes: &[u8]) -> Result<Bom, BomError> {
    let rows = table::read_rows(bytes).map_err(BomError::Unreadable)?;
    parse_rows(file, &rows)
}

fn parse_rows(file: &str, rows: &[Row]) -> Result<Bom, BomError> {
    let required = |k: &[Col]| {
        k.contains(&Col::Designator)
            && (k.contains(&Col::Qty)
                || k.contains(&Col::Mpn)
                || k.contains(&Col::Value)
                || k.contains(&Col::Description))
    };
    let (hidx, cols) =
        table::find_header(rows, classify, required, 2).ok_or(BomError::HeaderNotFound)?;
    let col = |c: Col| cols.iter().position(|x| x.is_some_and(|(k, _)| k == c));
    let (cd, cq, cm, cman, cdesc, cv, cp, cdnp, cfit) = (
        col(Col::Designator),
        col(Col::Qty),
        col(Col::Mpn),
        col(Col::Manufacturer),
        col(Col::Description),
        col(Col::Value),
        col(Col::Package),
        col(Col::Dnp),
        col(Col::Fitted),
    );
    let mut lines = Vec::new();
    let mut findings = Vec::new();
    for r in &rows[hidx + 1..] {
        if r.is_blank() {
            continue;
        }
        let des = r.cell(cd);
        let expanded = expand_designators(des);
        for t in &expanded.too_large {
            findings.push(
                Finding::error(
                    FindingCode::BomRangeTooLarge,
                    format!("designator range `{t}` spans more than {MAX_RANGE} parts; list them or check the range"),
                )
                .in_file(file)
                .at(r.row)
                .designator(t),
            );
        }
        if expanded.designators.is_empty() && expanded.too_large.is_empty() {
            // Totals, notes and section titles have no designator.
            continue;
        }
        let qty_text = r.cell(cq).trim();
        let quantity = qty_text
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()
            .and_then(|n| n.parse::<f64>().ok())
            .filter(|q| q.is_finite() && *q >= 0.0 && q.fract() == 0.0 && *q < 1e9)
            .map(|q| q as u32);
        let value = opt(r.cell(cv));
        let dnp = cdnp.is_some_and(|_| truthy(r.cell(cdnp)))
            || cfit.is_some_and(|_| falsy(r.cell(cfit)))
            || value.as_deref().is_some_and(|v| {
                matches!(
                    v.to_ascii_uppercase().as_str(),
                    "DNP" | "DNF" | "DNI" | "NOPOP" | "NO POP" | "DO NOT PLACE"
                )
            });
        lines.push(BomLine {
            file: file.to_owned(),
            row: r.row,
            designators: expanded.designators,
            quantity,
            mpn: opt(r.cell(cm)).filter(|m| {
                !matches!(
                    m.to_ascii_lowercase().as_str(),
                    "-" | "n/a" | "na" | "none" | "tbd" | "?"
                )
            }),
            manufacturer: opt(r.cell(cman)),
            description: opt(r.cell(cdesc)),
            value,
            package: opt(r.cell(cp)),
            dnp,
        });
    }
    Ok(Bom {
        lines,
        header_row: rows[hidx].row,
        has_mpn_column: cm.is_some(),
        findings,
    })
}

/// Checks one BOM: quantity = number of designators, no designator twice, an MPN on every
/// placed line. Range findings from parsing are included.
pub fn check(bom: &Bom) -> Vec<Finding> {
    let mut out = bom.findings.clone();
    let file = bom
        .lines
        .first()
        .map(|l| l.file.as_str())
        .unwrap_or_default();
    if !bom.has_mpn_column && bom.lines.iter().any(|l| !l.dnp) {
        out.push(
            Finding::error(
                FindingCode::BomMissingMpn,
                "the BOM has no MPN (manufacturer part number) column",
            )
            .in_file(file)
            .at(bom.header_row),
        );
    }
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    for l in &bom.lines {
        if let Some(q) = l.quantity {
            let n = l.designators.len();
            if q as usize != n && !(l.dnp && q == 0) {
                out.push(
                    Finding::error(
                        FindingCode::BomQtyMismatch,
                        format!(
                            "quantity {q} but {n} designator{} listed",
                            if n == 1 { "" } else { "s" }
                        ),
                    )
                    .in_file(&l.file)
                    .at(l.row),
                );
            }
        }
        for d in &l.designators {
            if let Some(first) = seen.insert(d.as_str(), l.row) {
                let _ = seen.insert(d.as_str(), first);
                out.push(
                    Finding::error(
                        FindingCode::BomDuplicateDesignator,
                        format!("{d} is already listed on row {first}"),
                    )
                    .in_file(&l.file)
                    .at(l.row)
                    .designator(d),
                );
            }
        }
        if bom.has_mpn_column && !l.dnp && l.mpn.is_none() {
            let who = l.designators.first().cloned().unwrap_or_default();
            out.push(
                Finding::error(
                    FindingCode::BomMissingMpn,
                    format!("placed line ({}) has no MPN", l.designators.join(", ")),
                )
                .in_file(&l.file)
                .at(l.row)
                .designator(&who),
            );
        }
    }
    out
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "test inputs are known good")]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(
            expand_designators("U1-U3").designators,
            vec!["U1", "U2", "U3"]
        );
        assert_eq!(
            expand_designators("R1 - R3, C1 C2;C4").designators,
            vec!["R1", "R2", "R3", "C1", "C2", "C4"]
        );
        assert_eq!(
            expand_designators("R1-3").designators,
            vec!["R1", "R2", "R3"]
        );
        assert_eq!(
            expand_designators("R1-R999999").too_large,
            vec!["R1-R999999"]
        );
        assert_eq!(expand_designators("J1-A").designators, vec!["J1-A"]);
    }

    #[test]
    fn preamble_semicolons_and_dnp() {
        let csv = "Project X BOM\nrev A\n\nItem;Qty;Reference(s);Value;Mfr Part Number;Fitted\n1;2;R1, R2;10k;RC0603;Yes\n2;1;R3;10k;;No\n";
        let bom = parse("b.csv", csv.as_bytes()).unwrap();
        assert_eq!(bom.header_row, 4);
        assert_eq!(bom.lines.len(), 2);
        assert_eq!(bom.lines[0].row, 5);
        assert!(bom.lines[1].dnp);
        assert!(check(&bom).is_empty());
    }

    #[test]
    fn findings() {
        let csv = "Designator,Quantity,MPN\n\"R1,R2\",3,X\nR2,1,Y\nC1,1,\n";
        let bom = parse("b.csv", csv.as_bytes()).unwrap();
        let codes: Vec<FindingCode> = check(&bom).iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            vec![
                FindingCode::BomQtyMismatch,
                FindingCode::BomDuplicateDesignator,
                FindingCode::BomMissingMpn
            ]
        );
        assert!(matches!(
            parse("b.csv", b"a,b\n1,2\n"),
            Err(BomError::HeaderNotFound)
        ));
        assert!(parse("b.xlsx", b"PK\x03\x04garbage").is_err());
    }
}
