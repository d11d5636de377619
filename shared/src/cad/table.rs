//! Shared reading of tabular files (CSV with `,` `;` or tab, whitespace-aligned text, XLSX):
//! rows of cells with their 1-based row number, and header-row discovery by synonyms.

/// Most rows read from one table.
pub(crate) const MAX_ROWS: usize = 200_000;
const MAX_CELLS: usize = 512;
const MAX_CELL_CHARS: usize = 1000;

/// One row of cells.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// 1-based row (line for text, spreadsheet row for XLSX).
    pub row: u32,
    /// Cells, trimmed.
    pub cells: Vec<String>,
    /// A `#` comment line of whitespace-aligned text (its `#` marks are not cells).
    pub comment: bool,
}

impl Row {
    pub(crate) fn cell(&self, i: Option<usize>) -> &str {
        i.and_then(|i| self.cells.get(i)).map_or("", |s| s.as_str())
    }

    pub(crate) fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.is_empty())
    }
}

fn clip(s: &str) -> String {
    let t = s.trim().trim_matches('\u{feff}').trim();
    if t.chars().count() > MAX_CELL_CHARS {
        t.chars().take(MAX_CELL_CHARS).collect()
    } else {
        t.to_owned()
    }
}

/// Whether the bytes are an Office (zip or OLE) document.
pub(crate) fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// Decodes text: UTF-8 (BOM stripped), UTF-16 with a BOM, else Latin-1.
pub(crate) fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let utf16 = |le: bool, b: &[u8]| -> String {
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(true, rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(false, rest);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Reads a table from CSV/TSV/aligned text or a spreadsheet (first sheet with data).
pub(crate) fn read_rows(bytes: &[u8]) -> Result<Vec<Row>, String> {
    if is_spreadsheet(bytes) {
        return read_spreadsheet(bytes);
    }
    let text = decode(bytes);
    if text.contains('\0') {
        return Err("binary data, not a text table".to_owned());
    }
    match sniff_delimiter(&text) {
        Some(d) => read_csv(&text, d),
        None => Ok(read_aligned(&text)),
    }
}

fn sniff_delimiter(text: &str) -> Option<u8> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(200)
        .collect();
    let count = |l: &str, d: u8| {
        let mut quoted = false;
        let mut n = 0;
        for &b in l.as_bytes() {
            if b == b'"' {
                quoted = !quoted;
            } else if b == d && !quoted {
                n += 1;
            }
        }
        n
    };
    // The data rows come last: the delimiter must be in most of the last few lines.
    let tail = &lines[lines.len().saturating_sub(5)..];
    let mut best: Option<(u8, usize)> = None;
    for d in [b',', b';', b'\t'] {
        let in_tail = tail.iter().filter(|l| count(l, d) > 0).count();
        if in_tail == 0 || in_tail * 2 < tail.len() {
            continue;
        }
        let lines_with = lines.iter().filter(|l| count(l, d) > 0).count();
        if best.is_none_or(|(_, bl)| lines_with > bl) {
            best = Some((d, lines_with));
        }
    }
    best.map(|(d, _)| d)
}

fn read_csv(text: &str, delimiter: u8) -> Result<Vec<Row>, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // csv's own line counter skips blank lines; count from byte offsets instead.
    let newlines: Vec<usize> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let line_of = |byte: u64| {
        let mut byte = usize::try_from(byte).unwrap_or(usize::MAX);
        while matches!(text.as_bytes().get(byte), Some(b'\n' | b'\r')) {
            byte += 1;
        }
        u32::try_from(newlines.partition_point(|&n| n < byte) + 1).unwrap_or(u32::MAX)
    };
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let row = record.position().map_or(0, |p| line_of(p.byte()));
                let cells = record.iter().take(MAX_CELLS).map(clip).collect();
                rows.push(Row {
                    row,
                    cells,
                    comment: false,
                });
                if rows.len() > MAX_ROWS {
                    return Err(format!("more than {MAX_ROWS} rows"));
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| line_of(p.byte()));
                return Err(format!("row {line}: {e}"));
            }
        }
    }
    Ok(rows)
}

/// Splits whitespace-aligned text (KiCad `.pos`, old Altium pick-place), honouring quotes.
fn read_aligned(text: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().take(MAX_ROWS) {
        let comment = line.trim_start().starts_with('#');
        let line = if comment {
            line.trim_start().trim_start_matches('#')
        } else {
            line
        };
        let mut cells = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        let mut in_cell = false;
        for c in line.chars() {
            match c {
                '"' => {
                    quoted = !quoted;
                    in_cell = true;
                }
                c if c.is_whitespace() && !quoted => {
                    if in_cell {
                        cells.push(clip(&cur));
                        cur.clear();
                        in_cell = false;
                    }
                }
                c => {
                    cur.push(c);
                    in_cell = true;
                }
            }
            if cells.len() >= MAX_CELLS {
                break;
            }
        }
        if in_cell && cells.len() < MAX_CELLS {
            cells.push(clip(&cur));
        }
        rows.push(Row {
            row: u32::try_from(i + 1).unwrap_or(u32::MAX),
            cells,
            comment,
        });
    }
    rows
}

/// Largest spreadsheet accepted, compressed and as its members declare uncompressed.
#[cfg(feature = "xlsx")]
const MAX_SPREADSHEET_BYTES: u64 = 64 << 20;

/// Refuses workbooks whose members declare more than [`MAX_SPREADSHEET_BYTES`] (zip bombs).
#[cfg(feature = "xlsx")]
fn check_zip(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() as u64 > MAX_SPREADSHEET_BYTES {
        return Err("the spreadsheet is larger than 64 MB".to_owned());
    }
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("unreadable spreadsheet: {e}"))?;
    if zip.len() > 10_000 {
        return Err("the spreadsheet has too many parts".to_owned());
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| format!("unreadable spreadsheet: {e}"))?;
        total = total.saturating_add(f.size());
        if total > MAX_SPREADSHEET_BYTES {
            return Err("the spreadsheet expands to more than 64 MB".to_owned());
        }
    }
    Ok(())
}

#[cfg(feature = "xlsx")]
fn read_spreadsheet(bytes: &[u8]) -> Result<Vec<Row>, String> {
    use calamine::Reader;
    check_zip(bytes)?;
    let cursor = std::io::Cursor::new(bytes);
    let mut book = calamine::open_workbook_auto_from_rs(cursor)
        .map_err(|e| format!("unreadable spreadsheet: {e}"))?;
    let names = book.sheet_names();
    for name in names.iter().take(64) {
        let Ok(range) = book.worksheet_range(name) else {
            continue;
        };
        if range.is_empty() {
            continue;
        }
        let (r0, _) = range.start().unwrap_or((0, 0));
        let mut rows = Vec::new();
        for (i, r) in range.rows().enumerate().take(MAX_ROWS) {
            let cells = r
                .iter()
                .take(MAX_CELLS)
                .map(|c| clip(&c.to_string()))
                .collect();
            let row = r0
                .saturating_add(u32::try_from(i).unwrap_or(u32::MAX))
                .saturating_add(1);
            rows.push(Row {
                row,
                cells,
                comment: false,
            });
        }
        return Ok(rows);
    }
    Err("the spreadsheet has no data".to_owned())
}

#[cfg(not(feature = "xlsx"))]
fn read_spreadsheet(_bytes: &[u8]) -> Result<Vec<Row>, String> {
    Err("spreadsheets (XLSX) are not supported in this build; export CSV".to_owned())
}

/// Lower-cased header text with units and punctuation removed, plus the unit it named.
pub(crate) fn normalize_header(cell: &str) -> (String, Option<&'static str>) {
    let lower = cell.trim().trim_start_matches('#').to_ascii_lowercase();
    let mut unit = None;
    for (pat, u) in [
        ("(mm)", "mm"),
        ("[mm]", "mm"),
        ("(mil)", "mil"),
        ("[mil]", "mil"),
        ("(mils)", "mil"),
        ("(in)", "in"),
        ("(inch)", "in"),
        ("[in]", "in"),
    ] {
        if lower.contains(pat) {
            unit = Some(u);
        }
    }
    let no_unit = [
        "(mm)", "[mm]", "(mils)", "(mil)", "[mil]", "(inch)", "(in)", "[in]",
    ]
    .iter()
    .fold(lower, |s, p| s.replace(p, ""));
    (
        no_unit
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect(),
        unit,
    )
}

/// Per header cell: the column recognised and the unit its text named.
pub(crate) type HeaderCols<C> = Vec<Option<(C, Option<&'static str>)>>;

/// Finds the header row among the first rows: the one where `classify` recognises the most
/// cells, with at least `min_matches` and including every column `required` accepts.
/// Returns its index in `rows` and, per cell, the column and unit recognised.
pub(crate) fn find_header<C: Copy + PartialEq>(
    rows: &[Row],
    classify: impl Fn(&str) -> Option<(C, u8)>,
    required: impl Fn(&[C]) -> bool,
    min_matches: usize,
) -> Option<(usize, HeaderCols<C>)> {
    let mut best: Option<(usize, usize, HeaderCols<C>)> = None;
    for (idx, row) in rows.iter().enumerate().take(40) {
        // Per column kind keep the best-priority cell only.
        let mut chosen: Vec<Option<(C, u8, Option<&'static str>)>> = vec![None; row.cells.len()];
        for (i, cell) in row.cells.iter().enumerate() {
            let (norm, unit) = normalize_header(cell);
            if let Some((c, prio)) = classify(&norm) {
                let clash = chosen
                    .iter()
                    .position(|x| x.is_some_and(|(k, _, _)| k == c));
                match clash {
                    Some(j) => {
                        if chosen[j].is_some_and(|(_, p, _)| prio > p) {
                            chosen[j] = None;
                            chosen[i] = Some((c, prio, unit));
                        }
                    }
                    None => chosen[i] = Some((c, prio, unit)),
                }
            }
        }
        let kinds: Vec<C> = chosen.iter().flatten().map(|(c, _, _)| *c).collect();
        let n = kinds.len();
        if n >= min_matches && required(&kinds) && best.as_ref().is_none_or(|(_, bn, _)| n > *bn) {
            let cols = chosen.iter().map(|x| x.map(|(c, _, u)| (c, u))).collect();
            best = Some((idx, n, cols));
        }
    }
    best.map(|(i, _, cols)| (i, cols))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_and_read() {
        let rows = read_rows(b"a;b;c\n1;\"x;y\";3\n").unwrap_or_default();
        assert_eq!(rows[1].cells, vec!["1", "x;y", "3"]);
        let rows = read_rows(b"# Ref Val\nR1   \"10 k\"  0603\n").unwrap_or_default();
        assert_eq!(rows[1].cells, vec!["R1", "10 k", "0603"]);
        assert_eq!(rows[1].row, 2);
        assert_eq!(
            normalize_header("Center-X(mm)"),
            ("centerx".to_owned(), Some("mm"))
        );
    }
}
