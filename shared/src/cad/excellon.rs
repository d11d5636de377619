//! Excellon (NC drill) parser: M48 header, METRIC/INCH with LZ/TZ, explicit digit formats,
//! tool definitions, hits, G85 slots and routed G00/G01 paths, and comments, including KiCad's
//! `; #@! TF.FileFunction,Plated,1,2,PTH` and Altium's `;FILE_FORMAT=2:5` and `;TYPE=PLATED`.
//!
//! When coordinates carry no decimal point and the file does not give its digit format, the
//! format is guessed (2.4 for inches, 3.3 for mm, leading zeros suppressed) and
//! [`DrillFile::format_guessed`] says so; [`DrillFile::best_scale`] then checks the guess against
//! the board outline and [`DrillFile::rescaled`] applies a correction.

use serde::{Deserialize, Serialize};

use super::gerber::{Point, Units};
use super::{include, Extents};

/// Most holes kept before the file is refused.
pub const MAX_HOLES: usize = 2_000_000;
const MAX_TOOLS: usize = 10_000;
const MAX_WARNINGS: usize = 100;

/// A fatal problem in a drill file.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[error("line {line}: {message}")]
pub struct DrillError {
    /// 1-based line.
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

/// A non-fatal oddity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillWarning {
    /// 1-based line.
    pub line: u32,
    /// What was odd.
    pub message: String,
}

/// Which zeros of a coordinate without a decimal point are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Zeros {
    /// `LZ`: leading zeros kept, trailing ones suppressed (pad on the right).
    LeadingKept,
    /// `TZ`: trailing zeros kept, leading ones suppressed (fixed decimal digits).
    TrailingKept,
}

/// How coordinates without a decimal point are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillFormat {
    /// Integer digits.
    pub integer_digits: u8,
    /// Decimal digits.
    pub decimal_digits: u8,
    /// Zero suppression.
    pub zeros: Zeros,
}

/// A tool (drill bit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Tool number (`T3` → 3).
    pub number: u32,
    /// Diameter in mm.
    pub diameter_mm: f64,
    /// Plating, when the file says (KiCad `TA.AperFunction`, Altium `;TYPE=`).
    pub plated: Option<bool>,
}

/// One drilled hole or slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hole {
    /// Centre (or slot start) x in mm.
    pub x: f64,
    /// Centre (or slot start) y in mm.
    pub y: f64,
    /// Diameter in mm.
    pub diameter_mm: f64,
    /// Whether the hole is plated.
    pub plated: bool,
    /// For slots and routed paths, the end point.
    pub slot_end: Option<Point>,
    /// 1-based line of the hit.
    pub line: u32,
}

/// A parsed drill file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillFile {
    /// Units of the file.
    pub units: Units,
    /// Whether the units were not declared and inches were assumed.
    pub units_guessed: bool,
    /// The coordinate format used for numbers without a decimal point.
    pub format: DrillFormat,
    /// Whether [`Self::format`] (or the units) was guessed and numbers depended on it.
    pub format_guessed: bool,
    /// Values of an X2 `.FileFunction` comment (KiCad), if present.
    pub file_function: Option<Vec<String>>,
    /// Whether the plating of the holes was stated by the file (else `plated` defaults to true).
    pub plating_known: bool,
    /// Tools defined.
    pub tools: Vec<Tool>,
    /// Holes in file order.
    pub holes: Vec<Hole>,
    /// Bounding box of the holes (with their radius).
    pub extents: Option<Extents>,
    /// Non-fatal oddities.
    pub warnings: Vec<DrillWarning>,
}

/// The best correction found for a guessed format.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScaleFit {
    /// Factor to multiply coordinates by.
    pub factor: f64,
    /// Share of holes inside the board with that factor (0..=1).
    pub inside_fraction: f64,
}

impl DrillFile {
    /// A copy with every coordinate multiplied by `factor` (diameters unchanged).
    pub fn rescaled(&self, factor: f64) -> DrillFile {
        let mut d = self.clone();
        if !factor.is_finite() || factor <= 0.0 {
            return d;
        }
        d.extents = None;
        for h in &mut d.holes {
            h.x *= factor;
            h.y *= factor;
            if let Some(e) = &mut h.slot_end {
                e.x *= factor;
                e.y *= factor;
            }
            include(&mut d.extents, h.x, h.y, h.diameter_mm / 2.0);
        }
        d
    }

    /// The share of holes whose centre lies inside `board` (1 mm tolerance) when scaled.
    pub fn inside_fraction(&self, board: &Extents, factor: f64) -> f64 {
        if self.holes.is_empty() {
            return 1.0;
        }
        let inside = self
            .holes
            .iter()
            .filter(|h| board.contains(h.x * factor, h.y * factor, 1.0))
            .count();
        inside as f64 / self.holes.len() as f64
    }

    /// Tries the plausible format mistakes (powers of ten, inch/mm) and returns the factor that
    /// puts most holes inside `board`, preferring no change on ties. `None` when there are no holes.
    pub fn best_scale(&self, board: &Extents) -> Option<ScaleFit> {
        if self.holes.is_empty() {
            return None;
        }
        let mut best = ScaleFit {
            factor: 1.0,
            inside_fraction: self.inside_fraction(board, 1.0),
        };
        for k in -3i32..=3 {
            let p = 10f64.powi(k);
            for factor in [p, p * 25.4, p / 25.4] {
                let frac = self.inside_fraction(board, factor);
                let better = frac > best.inside_fraction + 1e-9
                    || ((frac - best.inside_fraction).abs() <= 1e-9
                        && factor.ln().abs() < best.factor.ln().abs());
                if better {
                    best = ScaleFit {
                        factor,
                        inside_fraction: frac,
                    };
                }
            }
        }
        Some(best)
    }
}

fn derr<T>(line: u32, message: impl Into<String>) -> Result<T, DrillError> {
    Err(DrillError {
        line,
        message: message.into(),
    })
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

struct State {
    units: Option<Units>,
    zeros: Option<Zeros>,
    digits: Option<(u8, u8)>,
    number_needed_format: bool,
    incremental: bool,
    tools: Vec<Tool>,
    current: Option<usize>,
    x: f64,
    y: f64,
    routing: bool,
    tool_down: bool,
    mode_g: u32,
    pending_plated: Option<bool>,
    file_plated: Option<bool>,
    file_function: Option<Vec<String>>,
    holes: Vec<Hole>,
    warnings: Vec<DrillWarning>,
}

impl State {
    fn warn(&mut self, line: u32, message: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(DrillWarning { line, message });
        }
    }

    fn to_mm(&self) -> f64 {
        match self.units {
            Some(Units::Mm) => 1.0,
            _ => 25.4,
        }
    }

    fn format(&self) -> DrillFormat {
        let metric = self.units == Some(Units::Mm);
        let (i, d) = self.digits.unwrap_or(if metric { (3, 3) } else { (2, 4) });
        DrillFormat {
            integer_digits: i,
            decimal_digits: d,
            zeros: self.zeros.unwrap_or(Zeros::TrailingKept),
        }
    }

    /// A coordinate in mm.
    fn coord(&mut self, raw: &str, line: u32) -> Result<f64, DrillError> {
        let (neg, body) = match raw.as_bytes().first() {
            Some(b'-') => (true, &raw[1..]),
            Some(b'+') => (false, &raw[1..]),
            _ => (false, raw),
        };
        if body.is_empty()
            || body.len() > 15
            || !body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            return derr(line, format!("bad coordinate `{}`", short(raw)));
        }
        let v = if body.contains('.') {
            match body.parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => return derr(line, format!("bad coordinate `{}`", short(raw))),
            }
        } else {
            if self.digits.is_none() || self.units.is_none() {
                self.number_needed_format = true;
            }
            let f = self.format();
            let n = body.bytes().fold(0i64, |a, d| a * 10 + i64::from(d - b'0')) as f64;
            let len = i32::try_from(body.len()).unwrap_or(15);
            let total = i32::from(f.integer_digits) + i32::from(f.decimal_digits);
            match f.zeros {
                Zeros::LeadingKept => {
                    n * 10f64.powi(total - len) / 10f64.powi(i32::from(f.decimal_digits))
                }
                Zeros::TrailingKept => n / 10f64.powi(i32::from(f.decimal_digits)),
            }
        };
        Ok(if neg { -v } else { v } * self.to_mm())
    }

    fn define_tool(&mut self, number: u32, params: &str, line: u32) -> Result<(), DrillError> {
        // Parameters: letters followed by numbers, e.g. `F00S00C0.0236` or `C0.8`.
        let b = params.as_bytes();
        let mut i = 0;
        let mut diameter = None;
        while i < b.len() {
            let key = b[i].to_ascii_uppercase();
            let end = b[i + 1..]
                .iter()
                .position(u8::is_ascii_alphabetic)
                .map_or(b.len(), |p| i + 1 + p);
            let val = params.get(i + 1..end).unwrap_or("");
            if key == b'C' {
                match val.trim().parse::<f64>() {
                    Ok(v) if v.is_finite() && (0.0..=1000.0).contains(&v) => diameter = Some(v),
                    _ => return derr(line, format!("bad tool diameter `{}`", short(val))),
                }
            }
            i = end;
        }
        let Some(d) = diameter else {
            return Ok(());
        };
        if self.tools.len() >= MAX_TOOLS {
            return derr(line, "too many tools");
        }
        let tool = Tool {
            number,
            diameter_mm: d * self.to_mm(),
            plated: self.pending_plated.take(),
        };
        match self.tools.iter_mut().find(|t| t.number == number) {
            Some(t) => *t = tool,
            None => self.tools.push(tool),
        }
        Ok(())
    }

    fn hit(&mut self, to: Point, slot_from: Option<Point>, line: u32) -> Result<(), DrillError> {
        let Some(idx) = self.current else {
            return derr(line, "hole with no tool selected");
        };
        let Some(tool) = self.tools.get(idx) else {
            return derr(line, "hole with no tool selected");
        };
        if self.holes.len() >= MAX_HOLES {
            return derr(line, format!("too many holes (limit {MAX_HOLES})"));
        }
        let plated = tool.plated.or(self.file_plated).unwrap_or(true);
        let hole = match slot_from {
            Some(from) => Hole {
                x: from.x,
                y: from.y,
                diameter_mm: tool.diameter_mm,
                plated,
                slot_end: Some(to),
                line,
            },
            None => Hole {
                x: to.x,
                y: to.y,
                diameter_mm: tool.diameter_mm,
                plated,
                slot_end: None,
                line,
            },
        };
        self.holes.push(hole);
        Ok(())
    }
}

/// Parses an Excellon drill file.
pub fn parse(bytes: &[u8]) -> Result<DrillFile, DrillError> {
    let text = String::from_utf8_lossy(bytes);
    let mut s = State {
        units: None,
        zeros: None,
        digits: None,
        number_needed_format: false,
        incremental: false,
        tools: Vec::new(),
        current: None,
        x: 0.0,
        y: 0.0,
        routing: false,
        tool_down: false,
        mode_g: 5,
        pending_plated: None,
        file_plated: None,
        file_function: None,
        holes: Vec::new(),
        warnings: Vec::new(),
    };
    let mut in_header = false;
    let mut seen_header = false;
    let mut ended = false;
    let mut last_line = 0u32;
    for (idx, raw_line) in text.lines().enumerate() {
        let line = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        last_line = line;
        let l = raw_line.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(c) = l.strip_prefix(';') {
            comment(&mut s, c.trim(), line);
            continue;
        }
        let up = l.to_ascii_uppercase();
        if ended {
            continue;
        }
        if up == "M48" {
            in_header = true;
            seen_header = true;
            continue;
        }
        if up == "%" || up == "M95" {
            in_header = false;
            continue;
        }
        if up == "M30" || up == "M00" {
            ended = true;
            continue;
        }
        if let Some(rest) = unit_line(&up) {
            header_units(&mut s, &up, rest, line)?;
            continue;
        }
        if up == "M71" {
            s.units = Some(Units::Mm);
            continue;
        }
        if up == "M72" {
            s.units = Some(Units::Inch);
            continue;
        }
        if in_header
            && (up.starts_with('X') || up.starts_with('Y') || up.starts_with("G0") || up == "M15")
        {
            // A header that never closed: the body has started.
            in_header = false;
        }
        if in_header {
            if up.starts_with('T') && up[1..].starts_with(|c: char| c.is_ascii_digit()) {
                tool_line(&mut s, &up, line, true)?;
            } else if !is_known_header(&up) {
                s.warn(line, format!("unknown header line `{}` ignored", short(l)));
            }
            continue;
        }
        body_line(&mut s, &up, line)?;
    }
    if !seen_header && s.tools.is_empty() {
        return derr(
            1,
            "not an Excellon drill file (no M48 header and no tool definitions)",
        );
    }
    if !ended {
        return derr(last_line.max(1), "file ends without M30 (truncated?)");
    }
    let format = s.format();
    let mut extents = None;
    for h in &s.holes {
        include(&mut extents, h.x, h.y, h.diameter_mm / 2.0);
        if let Some(e) = h.slot_end {
            include(&mut extents, e.x, e.y, h.diameter_mm / 2.0);
        }
    }
    let plating_known = s.file_plated.is_some()
        || s.tools.iter().all(|t| t.plated.is_some()) && !s.tools.is_empty();
    Ok(DrillFile {
        units: s.units.unwrap_or(Units::Inch),
        units_guessed: s.units.is_none(),
        format,
        format_guessed: s.number_needed_format,
        file_function: s.file_function,
        plating_known,
        tools: s.tools,
        holes: s.holes,
        extents,
        warnings: s.warnings,
    })
}

fn unit_line(up: &str) -> Option<&str> {
    for u in ["METRIC", "INCH"] {
        if let Some(rest) = up.strip_prefix(u) {
            if rest.is_empty() || rest.starts_with(',') {
                return Some(rest);
            }
        }
    }
    None
}

fn header_units(s: &mut State, up: &str, rest: &str, line: u32) -> Result<(), DrillError> {
    s.units = Some(if up.starts_with("METRIC") {
        Units::Mm
    } else {
        Units::Inch
    });
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "LZ" => s.zeros = Some(Zeros::LeadingKept),
            "TZ" => s.zeros = Some(Zeros::TrailingKept),
            p if p.bytes().all(|b| b == b'0' || b == b'.') && p.contains('.') => {
                let (i, d) = p.split_once('.').unwrap_or((p, ""));
                let (i, d) = (i.len(), d.len());
                if !(1..=7).contains(&i) || !(1..=7).contains(&d) {
                    return derr(line, format!("absurd coordinate format `{}`", short(p)));
                }
                s.digits = Some((i as u8, d as u8));
            }
            _ => s.warn(line, format!("unknown unit option `{}`", short(part))),
        }
    }
    Ok(())
}

fn is_known_header(up: &str) -> bool {
    [
        "FMAT", "VER", "ICI", "DETECT", "ATC", "OM48", "BLKD", "SBK", "TCST", "G90", "G91", "G93",
        "R,", "M71", "M72", "G05", "AFS", "CCW", "CP", "RC", "RD", "RT", "OSTOP", "ZA", "ZC",
    ]
    .iter()
    .any(|k| up.starts_with(k))
}

fn comment(s: &mut State, c: &str, line: u32) {
    let lower = c.to_ascii_lowercase();
    if let Some(attr) = c.strip_prefix("#@!") {
        let attr = attr.trim();
        let mut parts = attr.split(',').map(str::trim);
        let name = parts.next().unwrap_or("");
        let values: Vec<String> = parts
            .take(16)
            .map(|v| v.chars().take(100).collect())
            .collect();
        if name.eq_ignore_ascii_case("TF.FileFunction") {
            match values.first().map(|v| v.to_ascii_lowercase()).as_deref() {
                Some("plated") => s.file_plated = Some(true),
                Some("nonplated") => s.file_plated = Some(false),
                _ => {}
            }
            s.file_function = Some(values);
        } else if name.eq_ignore_ascii_case("TA.AperFunction") {
            match values.first().map(|v| v.to_ascii_lowercase()).as_deref() {
                Some("plated") => s.pending_plated = Some(true),
                Some("nonplated") => s.pending_plated = Some(false),
                _ => {}
            }
        }
    } else if let Some(f) = lower.strip_prefix("file_format=") {
        let mut it = f.trim().split(':');
        let i = it.next().and_then(|v| v.trim().parse::<u8>().ok());
        let d = it.next().and_then(|v| v.trim().parse::<u8>().ok());
        match (i, d) {
            (Some(i), Some(d)) if (1..=7).contains(&i) && (1..=7).contains(&d) => {
                s.digits = Some((i, d))
            }
            _ => s.warn(line, format!("bad FILE_FORMAT comment `{}`", short(c))),
        }
    } else if let Some(t) = lower.strip_prefix("type=") {
        match t.trim() {
            "plated" => s.file_plated = Some(true),
            "non_plated" | "nonplated" | "non-plated" => s.file_plated = Some(false),
            _ => {}
        }
    }
}

fn tool_line(s: &mut State, up: &str, line: u32, header: bool) -> Result<(), DrillError> {
    let digits = up[1..].bytes().take_while(u8::is_ascii_digit).count();
    let Ok(number) = up[1..1 + digits].parse::<u32>() else {
        return derr(line, format!("bad tool `{}`", short(up)));
    };
    let params = &up[1 + digits..];
    if params.contains('C') {
        s.define_tool(number, params, line)?;
        if header {
            return Ok(());
        }
    }
    if number == 0 {
        s.current = None;
        return Ok(());
    }
    match s.tools.iter().position(|t| t.number == number) {
        Some(i) => s.current = Some(i),
        None => return derr(line, format!("tool T{number} selected but never defined")),
    }
    Ok(())
}

fn split_xy(s: &str) -> (Option<&str>, Option<&str>) {
    let mut x = None;
    let mut y = None;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let key = b[i];
        let end = b[i + 1..]
            .iter()
            .position(|c| c.is_ascii_alphabetic())
            .map_or(b.len(), |p| i + 1 + p);
        match key {
            b'X' => x = Some(&s[i + 1..end]),
            b'Y' => y = Some(&s[i + 1..end]),
            _ => {}
        }
        i = end;
    }
    (x, y)
}

fn point(s: &mut State, part: &str, line: u32) -> Result<Point, DrillError> {
    let (x, y) = split_xy(part);
    let (mut nx, mut ny) = (s.x, s.y);
    if let Some(x) = x {
        let v = s.coord(x, line)?;
        nx = if s.incremental { s.x + v } else { v };
    }
    if let Some(y) = y {
        let v = s.coord(y, line)?;
        ny = if s.incremental { s.y + v } else { v };
    }
    Ok(Point { x: nx, y: ny })
}

fn body_line(s: &mut State, up: &str, line: u32) -> Result<(), DrillError> {
    let first = up.as_bytes()[0];
    match first {
        b'T' if up[1..].starts_with(|c: char| c.is_ascii_digit()) => tool_line(s, up, line, false),
        b'M' => {
            match up {
                "M15" => s.tool_down = true,
                "M16" | "M17" => s.tool_down = false,
                _ => {}
            }
            Ok(())
        }
        b'G' => {
            let digits = up[1..].bytes().take_while(u8::is_ascii_digit).count();
            let code = up[1..1 + digits].parse::<u32>().unwrap_or(u32::MAX);
            let rest = &up[1 + digits..];
            match code {
                0 => {
                    s.routing = true;
                    s.tool_down = false;
                    s.mode_g = 0;
                    let p = point(s, rest, line)?;
                    s.x = p.x;
                    s.y = p.y;
                }
                1..=3 => {
                    s.mode_g = code;
                    if !rest.is_empty() {
                        route(s, rest, line)?;
                    }
                }
                5 => {
                    s.routing = false;
                    s.mode_g = 5;
                }
                90 => s.incremental = false,
                91 => s.incremental = true,
                _ => s.warn(line, format!("G{code} ignored")),
            }
            Ok(())
        }
        b'X' | b'Y' => {
            if let Some(pos) = up.find("G85") {
                let from = point(s, &up[..pos], line)?;
                s.x = from.x;
                s.y = from.y;
                let to = point(s, &up[pos + 3..], line)?;
                s.hit(to, Some(from), line)?;
                s.x = to.x;
                s.y = to.y;
                return Ok(());
            }
            if s.routing && matches!(s.mode_g, 1..=3) {
                return route(s, up, line);
            }
            if s.routing && s.mode_g == 0 {
                let p = point(s, up, line)?;
                s.x = p.x;
                s.y = p.y;
                return Ok(());
            }
            let p = point(s, up, line)?;
            s.x = p.x;
            s.y = p.y;
            s.hit(p, None, line)
        }
        b'R' => {
            s.warn(line, "repeat (R) command ignored".to_owned());
            Ok(())
        }
        _ => {
            s.warn(line, format!("unknown line `{}` ignored", short(up)));
            Ok(())
        }
    }
}

fn route(s: &mut State, rest: &str, line: u32) -> Result<(), DrillError> {
    let from = Point { x: s.x, y: s.y };
    let to = point(s, rest, line)?;
    if s.tool_down || !s.routing {
        s.hit(to, Some(from), line)?;
    }
    s.x = to.x;
    s.y = to.y;
    Ok(())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "test inputs are known good")]
mod tests {
    use super::*;

    #[test]
    fn kicad_decimal() {
        let d = parse(b"M48\n; #@! TF.FileFunction,NonPlated,1,2,NPTH\nFMAT,2\nMETRIC\nT1C3.200\n%\nG90\nG05\nT1\nX10.0Y-5.5\nX40.Y25.\nT0\nM30\n").unwrap();
        assert_eq!(d.holes.len(), 2);
        assert!(!d.holes[0].plated);
        assert!(!d.format_guessed);
        assert!((d.holes[1].x - 40.0).abs() < 1e-9 && (d.holes[0].y + 5.5).abs() < 1e-9);
    }

    #[test]
    fn zero_suppression() {
        let lz = parse(b"M48\nINCH,LZ\nT1C0.02\n%\nT1\nX01Y0015\nM30\n").unwrap();
        assert!((lz.holes[0].x - 25.4).abs() < 1e-9, "{:?}", lz.holes[0]);
        assert!((lz.holes[0].y - 0.15 * 25.4).abs() < 1e-9);
        let tz = parse(b"M48\nMETRIC,TZ,000.000\nT1C0.8\n%\nT1\nX12500Y100\nM30\n").unwrap();
        assert!((tz.holes[0].x - 12.5).abs() < 1e-9 && (tz.holes[0].y - 0.1).abs() < 1e-9);
        assert!(!tz.format_guessed);
        let eagle = parse(b"%\nM48\nM72\nT01C0.0236\n%\nT01\nX3020Y7260\nM30\n").unwrap();
        assert!(eagle.format_guessed);
        assert!((eagle.holes[0].x - 0.302 * 25.4).abs() < 1e-9);
    }

    #[test]
    fn slots_and_routes() {
        let d = parse(b"M48\nMETRIC\nT1C1.0\n%\nT1\nX1.0Y1.0G85X3.0Y1.0\nG00X5.0Y5.0\nM15\nG01X6.0Y5.0\nM16\nG05\nM30\n").unwrap();
        assert_eq!(d.holes.len(), 2);
        assert_eq!(d.holes[1].slot_end.map(|p| p.x), Some(6.0));
    }

    #[test]
    fn errors_and_fit() {
        assert_eq!(
            parse(b"M48\nMETRIC\nT1C1\n%\nT2\nX1Y1\nM30\n")
                .err()
                .map(|e| e.line),
            Some(5)
        );
        assert!(parse(b"hello").is_err());
        assert!(parse(b"M48\nMETRIC\nT1C1\n%\nT1\nX1.0Y1.0\n").is_err());
        let d = parse(b"M48\nM72\nT1C0.03\n%\nT1\nX1000Y1000\nX19000Y11000\nM30\n").unwrap();
        // Written as 3.3 mm but read as 2.4 inch.
        let board = Extents {
            min_x: 0.0,
            min_y: 0.0,
            max_x: 20.0,
            max_y: 12.0,
        };
        let fit = d.best_scale(&board).unwrap();
        let fixed = d.rescaled(fit.factor);
        assert!((fixed.holes[1].x - 19.0).abs() < 1e-6, "{fit:?}");
    }
}
