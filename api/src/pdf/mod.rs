//! A small typesetter for the signed records Firstpass prints (the FAI report, the certificate
//! of conformance): pages with a running header ("page n of m"), headings, wrapped paragraphs
//! and ruled tables whose header row repeats on every page, written as PDF with an embedded, subsetted Unicode TrueType font (DejaVu Sans Condensed),
//! so `µ`, `Ω`, `±`, `°` and accented names print as typed.
//!
//! Lines break between words only; a single word wider than its column (a hash, a long part
//! number) is the one thing split, at the column edge.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;
use std::io::Write;

/// The embedded font (its license is `font/LICENSE`).
static FONT: &[u8] = include_bytes!("font/DejaVuSansCondensed.ttf");
/// The font's PostScript name, with the subset tag PDF asks for.
const FONT_NAME: &[u8] = b"FPFAIA+DejaVuSansCondensed";

/// A4 landscape, in points.
const PAGE_W: f32 = 842.0;
const PAGE_H: f32 = 595.0;
const MARGIN: f32 = 36.0;
/// Where content starts below the running header, and where it must stop.
const CONTENT_TOP: f32 = PAGE_H - MARGIN - 22.0;
const CONTENT_BOTTOM: f32 = MARGIN + 16.0;
/// Padding inside a table cell.
const PAD: f32 = 3.0;

/// Something drawn on a page.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    /// A rectangle, filled light grey or stroked.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: bool,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
}

/// The font as read for measuring: glyph ids and advances.
struct Metrics<'a> {
    face: ttf_parser::Face<'a>,
    units: f32,
}

impl Metrics<'_> {
    fn glyph(&self, c: char) -> u16 {
        self.face
            .glyph_index(c)
            .or_else(|| self.face.glyph_index('?'))
            .map_or(0, |g| g.0)
    }

    fn advance(&self, glyph: u16) -> f32 {
        f32::from(
            self.face
                .glyph_hor_advance(ttf_parser::GlyphId(glyph))
                .unwrap_or(0),
        ) / self.units
    }

    /// Width of a text at a size, in points.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(self.glyph(c)))
            .sum::<f32>()
            * size
    }
}

/// A column of a table: its title and its share of the page width.
#[derive(Clone, Copy, Debug)]
pub struct Column<'a> {
    /// Header text.
    pub title: &'a str,
    /// Relative width (the shares of a table's columns are scaled to the text width).
    pub share: f32,
}

/// Shorthand for a [`Column`].
pub fn col(title: &str, share: f32) -> Column<'_> {
    Column { title, share }
}

/// A document being typeset.
pub struct Document {
    metrics: Metrics<'static>,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Left and right parts of the running header; "page n of m" is added to the right part.
    header: (String, String),
    footer: String,
}

impl Document {
    /// A new document with a running header and footer on every page.
    pub fn new(header_left: String, header_right: String, footer: String) -> Self {
        let face = ttf_parser::Face::parse(FONT, 0).expect("the embedded font parses");
        let units = f32::from(face.units_per_em());
        Self {
            metrics: Metrics { face, units },
            pages: vec![Vec::new()],
            y: CONTENT_TOP,
            header: (header_left, header_right),
            footer,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page.
    pub fn page_break(&mut self) {
        self.pages.push(Vec::new());
        self.y = CONTENT_TOP;
    }

    /// Makes sure `height` points fit below the cursor, else starts a new page.
    fn room(&mut self, height: f32) {
        if self.y - height < CONTENT_BOTTOM && self.y < CONTENT_TOP {
            self.page_break();
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, text: impl Into<String>) {
        let text = text.into();
        if !text.is_empty() {
            self.ops().push(Op::Text { x, y, size, text });
        }
    }

    /// A heading; it keeps at least a few lines of what follows on its page.
    pub fn heading(&mut self, size: f32, text: &str) {
        self.room(size * 1.4 + 60.0);
        self.y -= size * 1.2;
        self.text(MARGIN, self.y, size, text);
        self.y -= size * 0.5;
    }

    /// A paragraph over the full text width.
    pub fn paragraph(&mut self, size: f32, text: &str) {
        let lines = self.wrap(text, size, PAGE_W - 2.0 * MARGIN);
        for line in lines {
            self.room(size * 1.25);
            self.y -= size * 1.25;
            self.text(MARGIN, self.y + size * 0.25, size, line);
        }
    }

    /// Breaks a text into lines no wider than `width`, between words; explicit line breaks
    /// are kept. Only a word wider than the whole width is split.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let space = self.metrics.width(" ", size);
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            for word in paragraph.split_whitespace() {
                let mut word_w = self.metrics.width(word, size);
                let gap = if line.is_empty() { 0.0 } else { space };
                if line_w + gap + word_w <= width {
                    if !line.is_empty() {
                        line.push(' ');
                    }
                    line.push_str(word);
                    line_w += gap + word_w;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word wider than the column: split it where it reaches the edge.
                let mut rest = word;
                while word_w > width {
                    let mut taken = 0.0;
                    let mut cut = rest.len();
                    for (i, c) in rest.char_indices() {
                        let w = self.metrics.width(c.encode_utf8(&mut [0; 4]), size);
                        if taken + w > width && i > 0 {
                            cut = i;
                            break;
                        }
                        taken += w;
                    }
                    lines.push(rest[..cut].to_owned());
                    rest = &rest[cut..];
                    word_w = self.metrics.width(rest, size);
                }
                line.push_str(rest);
                line_w = word_w;
            }
            lines.push(line);
        }
        lines
    }

    /// A ruled table; the header row repeats at the top of every page the table runs onto.
    pub fn table(&mut self, size: f32, columns: &[Column<'_>], rows: &[Vec<String>]) {
        let total: f32 = columns
            .iter()
            .map(|c| c.share)
            .sum::<f32>()
            .max(f32::EPSILON);
        let text_w = PAGE_W - 2.0 * MARGIN;
        let widths: Vec<f32> = columns.iter().map(|c| c.share / total * text_w).collect();
        let leading = size * 1.25;
        let header: Vec<Vec<String>> = columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| self.wrap(c.title, size, w - 2.0 * PAD))
            .collect();
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * leading + 2.0 * PAD;
        self.room(header_h + leading + 2.0 * PAD);
        self.row(&widths, &header, size, true);
        for row in rows {
            let mut cells: Vec<Vec<String>> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| self.wrap(row.get(i).map_or("", String::as_str), size, w - 2.0 * PAD))
                .collect();
            // A row taller than what is left goes on as a continued row on the next page.
            loop {
                let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
                let fit =
                    (((self.y - CONTENT_BOTTOM - 2.0 * PAD) / leading).floor() as usize).min(lines);
                if fit == 0 || (fit < lines && fit < 3) {
                    self.page_break();
                    self.row(&widths, &header, size, true);
                    continue;
                }
                let part: Vec<Vec<String>> = cells
                    .iter_mut()
                    .map(|c| c.drain(..fit.min(c.len())).collect())
                    .collect();
                self.row(&widths, &part, size, false);
                if fit == lines {
                    break;
                }
                self.page_break();
                self.row(&widths, &header, size, true);
            }
        }
        self.y -= 6.0;
    }

    /// One row of cells (already wrapped) at the cursor.
    fn row(&mut self, widths: &[f32], cells: &[Vec<String>], size: f32, shaded: bool) {
        let leading = size * 1.25;
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let h = lines as f32 * leading + 2.0 * PAD;
        let top = self.y;
        let w: f32 = widths.iter().sum();
        self.ops().push(Op::Rect {
            x: MARGIN,
            y: top - h,
            w,
            h,
            fill: shaded,
        });
        let mut x = MARGIN;
        for (i, width) in widths.iter().enumerate() {
            if i > 0 {
                self.ops().push(Op::Line {
                    x1: x,
                    y1: top,
                    x2: x,
                    y2: top - h,
                });
            }
            for (n, line) in cells.get(i).into_iter().flatten().enumerate() {
                let baseline = top - PAD - (n as f32 + 1.0) * leading + size * 0.25;
                self.text(x + PAD, baseline, size, line.clone());
            }
            x += width;
        }
        self.y -= h;
    }

    /// Writes the PDF: running header and footer on every page, the font subset embedded.
    pub fn finish(mut self) -> Vec<u8> {
        let count = self.pages.len();
        let (left, right) = self.header.clone();
        let footer = self.footer.clone();
        for n in 0..count {
            let right = format!("{right} · Page {} of {count}", n + 1);
            let right_w = self.metrics.width(&right, 8.0);
            let page = &mut self.pages[n];
            let y = PAGE_H - MARGIN;
            page.push(Op::Text {
                x: MARGIN,
                y,
                size: 8.0,
                text: left.clone(),
            });
            page.push(Op::Text {
                x: PAGE_W - MARGIN - right_w,
                y,
                size: 8.0,
                text: right,
            });
            page.push(Op::Line {
                x1: MARGIN,
                y1: y - 5.0,
                x2: PAGE_W - MARGIN,
                y2: y - 5.0,
            });
            page.push(Op::Text {
                x: MARGIN,
                y: MARGIN,
                size: 7.0,
                text: footer.clone(),
            });
        }
        write_pdf(&self.metrics, &self.pages)
    }
}

/// Deflates a stream.
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// Glyphs used, renumbered for the subset, with their advances and characters.
struct Used {
    remapper: subsetter::GlyphRemapper,
    widths: BTreeMap<u16, f32>,
    chars: BTreeMap<u16, char>,
}

impl Used {
    /// The text as 2-byte glyph ids of the subset (Identity-H).
    fn encode(&mut self, metrics: &Metrics<'_>, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let old = metrics.glyph(c);
            let new = self.remapper.remap(old);
            self.widths
                .entry(new)
                .or_insert_with(|| metrics.advance(old) * 1000.0);
            self.chars.entry(new).or_insert(c);
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }
}

fn write_pdf(metrics: &Metrics<'_>, pages: &[Vec<Op>]) -> Vec<u8> {
    let mut used = Used {
        remapper: subsetter::GlyphRemapper::new(),
        widths: BTreeMap::new(),
        chars: BTreeMap::new(),
    };
    // Glyph 0 (.notdef) comes first in every subset.
    used.remapper.remap(0);
    let font_name = Name(b"F1");
    let mut contents = Vec::with_capacity(pages.len());
    for ops in pages {
        let mut content = Content::new();
        content.set_line_width(0.5);
        for op in ops {
            match op {
                Op::Text { x, y, size, text } => {
                    content.begin_text();
                    content.set_font(font_name, *size);
                    content.next_line(*x, *y);
                    content.show(Str(&used.encode(metrics, text)));
                    content.end_text();
                }
                Op::Rect { x, y, w, h, fill } => {
                    if *fill {
                        content.save_state();
                        content.set_fill_gray(0.9);
                        content.rect(*x, *y, *w, *h);
                        content.fill_nonzero_and_stroke();
                        content.restore_state();
                    } else {
                        content.rect(*x, *y, *w, *h);
                        content.stroke();
                    }
                }
                Op::Line { x1, y1, x2, y2 } => {
                    content.move_to(*x1, *y1);
                    content.line_to(*x2, *y2);
                    content.stroke();
                }
            }
        }
        contents.push(deflate(&content.finish()));
    }

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let type0 = Ref::new(3);
    let cid = Ref::new(4);
    let descriptor = Ref::new(5);
    let to_unicode = Ref::new(6);
    let file = Ref::new(7);
    let mut next = 8;
    pdf.catalog(catalog).pages(tree);
    let page_refs: Vec<(Ref, Ref)> = (0..pages.len())
        .map(|_| {
            let ids = (Ref::new(next), Ref::new(next + 1));
            next += 2;
            ids
        })
        .collect();
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(page_refs.len() as i32);
    for ((page, content_id), data) in page_refs.iter().zip(&contents) {
        let mut writer = pdf.page(*page);
        writer.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        writer.parent(tree);
        writer.contents(*content_id);
        writer.resources().fonts().pair(font_name, type0);
        writer.finish();
        pdf.stream(*content_id, data).filter(Filter::FlateDecode);
    }

    // The font: a Type 0 font over a CID TrueType font holding the subset.
    let base = Name(FONT_NAME);
    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(to_unicode);
    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    {
        let mut font = pdf.cid_font(cid);
        font.subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(system)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let mut widths = font.widths();
        for (glyph, width) in &used.widths {
            widths.consecutive(*glyph, [*width]);
        }
    }
    let face = &metrics.face;
    let scale = 1000.0 / metrics.units;
    let bbox = face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(face.ascender()) * scale)
        .descent(f32::from(face.descender()) * scale)
        .cap_height(f32::from(face.capital_height().unwrap_or(face.ascender())) * scale)
        .stem_v(80.0)
        .font_file2(file);
    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system);
    for (glyph, c) in &used.chars {
        cmap.pair(*glyph, *c);
    }
    pdf.cmap(to_unicode, &cmap.finish());
    let subset = subsetter::subset(FONT, 0, &used.remapper).unwrap_or_else(|_| FONT.to_vec());
    pdf.stream(file, &deflate(&subset))
        .filter(Filter::FlateDecode);
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        Document::new("left".into(), "right".into(), "footer".into())
    }

    #[test]
    fn lines_break_between_words_only() {
        let d = doc();
        let lines = d.wrap(
            "Board thickness 1.6 mm ± 0.1 measured with caliper",
            9.0,
            80.0,
        );
        assert!(lines.len() > 1, "{lines:?}");
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split(' ')).collect();
        assert_eq!(
            words.join(" "),
            "Board thickness 1.6 mm ± 0.1 measured with caliper"
        );
        for line in &lines {
            assert!(d.metrics.width(line, 9.0) <= 80.0, "{line}");
        }
    }

    #[test]
    fn only_a_word_wider_than_the_column_is_split() {
        let d = doc();
        let hash = "0123456789abcdef".repeat(4);
        let lines = d.wrap(&hash, 9.0, 100.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), hash);
    }

    #[test]
    fn a_long_table_runs_over_pages_with_numbered_headers() {
        let mut d = doc();
        let rows: Vec<Vec<String>> = (0..200)
            .map(|i| vec![i.to_string(), format!("C{i} 100µF ± 10 % at 25 °C, 1 kΩ")])
            .collect();
        d.table(8.0, &[col("No.", 1.0), col("Requirement", 8.0)], &rows);
        assert!(d.pages.len() > 2);
        let bytes = d.finish();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(
            bytes.len() < 200_000,
            "the font is subsetted: {}",
            bytes.len()
        );
    }
}
