//! Exports of an FAI report: `GET /fai/{id}.pdf` (the AS9102 three-form layout) and
//! `GET /fai/{id}/characteristics.csv`, both for anyone who may see the report.

use super::model::{accountability, FaiStatus, SIGNED_RECORD};
use super::service;
use crate::entities::{fai_characteristic, fai_report, signature};
use crate::error::stored;
use crate::error::{ApiError, ApiResult};
use crate::http::{HttpState, Reader};
use crate::tenancy::Actor;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

async fn report_for(state: &HttpState, actor: &Actor, id: &str) -> ApiResult<fai_report::Model> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| ApiError::NotFound("FAI report"))?;
    service::load(&state.app.db, actor, id).await
}

/// `GET /fai/{id}/characteristics.csv`.
pub async fn csv(
    State(state): State<HttpState>,
    Reader(actor): Reader,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let report = report_for(&state, &actor, &id).await?;
        let rows = fai_characteristic::Entity::find()
            .filter(fai_characteristic::Column::ReportId.eq(report.id))
            .order_by_asc(fai_characteristic::Column::Number)
            .all(&state.app.db)
            .await?;
        let mut out = String::from(
            "number,kind,designator,requirement,method,criteria,result,status,nonconformance_ref\n",
        );
        for c in rows {
            let fields = [
                c.number.to_string(),
                c.kind,
                c.designator.unwrap_or_default(),
                c.requirement,
                c.method,
                c.criteria,
                c.result.unwrap_or_default(),
                c.status.unwrap_or_default(),
                c.nonconformance_ref.unwrap_or_default(),
            ];
            out.push_str(
                &fields
                    .iter()
                    .map(|f| csv_field(f))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push('\n');
        }
        Ok::<_, ApiError>((report.id, out))
    }
    .await;
    match result {
        Ok((id, body)) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&format!("attachment; filename=\"fai-{id}.csv\""))
                        .unwrap_or(HeaderValue::from_static("attachment")),
                ),
            ],
            body,
        )
            .into_response(),
        Err(err) => err.into_response(),
    }
}

/// Quotes a CSV field when needed, and defuses spreadsheet formulas.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// `GET /fai/{id}.pdf` (the route captures `{id}.pdf`).
///
/// Any other `/fai/{id}` is a page of the web app (an FAI report opened or reloaded in the
/// browser), so it gets the app.
pub async fn pdf(
    State(state): State<HttpState>,
    reader: Result<Reader, ApiError>,
    Path(file): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(id) = file.strip_suffix(".pdf") else {
        return crate::web_assets::serve(uri, headers).await;
    };
    let actor = match reader {
        Ok(Reader(actor)) => actor,
        Err(err) => return err.into_response(),
    };
    let result = async {
        let report = report_for(&state, &actor, id).await?;
        let characteristics = fai_characteristic::Entity::find()
            .filter(fai_characteristic::Column::ReportId.eq(report.id))
            .order_by_asc(fai_characteristic::Column::Number)
            .all(&state.app.db)
            .await?;
        let signatures = signature::Entity::find()
            .filter(signature::Column::RecordType.eq(SIGNED_RECORD))
            .filter(signature::Column::RecordId.eq(report.id))
            .order_by_asc(signature::Column::Id)
            .all(&state.app.db)
            .await?;
        let (valid, hash, _) = service::verify(&state.app.db, &report).await?;
        Ok::<_, ApiError>((
            report.id,
            render(&report, &characteristics, &signatures, valid, &hash)?,
        ))
    }
    .await;
    match result {
        Ok((id, bytes)) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/pdf"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&format!("attachment; filename=\"fai-{id}.pdf\""))
                        .unwrap_or(HeaderValue::from_static("attachment")),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(err) => err.into_response(),
    }
}

/// Lines of text per page, and their pages, for a simple typeset report.
struct Pages {
    pages: Vec<Vec<(f32, String)>>,
}

const TOP: f32 = 800.0;
const BOTTOM: f32 = 50.0;
const LEADING: f32 = 12.0;

impl Pages {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
        }
    }

    fn cursor(&self) -> f32 {
        TOP - self.pages.last().map_or(0, Vec::len) as f32 * LEADING
    }

    /// Starts a new page.
    fn break_page(&mut self) {
        self.pages.push(Vec::new());
    }

    /// Adds a line (font size), wrapping long text at ~100 characters.
    fn line(&mut self, size: f32, text: &str) {
        let max = if size > 10.0 { 70 } else { 105 };
        let mut rest: Vec<char> = text.chars().collect();
        loop {
            if self.cursor() < BOTTOM {
                self.break_page();
            }
            let take = rest.len().min(max);
            let piece: String = rest.drain(..take).collect();
            if let Some(page) = self.pages.last_mut() {
                page.push((size, piece));
            }
            if rest.is_empty() {
                break;
            }
        }
    }
}

/// Latin-1 bytes for the standard Helvetica font (other characters become `?`).
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| if (c as u32) < 256 { c as u8 } else { b'?' })
        .collect()
}

fn or_blank(text: &Option<String>) -> &str {
    text.as_deref().unwrap_or_default()
}

fn render(
    report: &fai_report::Model,
    characteristics: &[fai_characteristic::Model],
    signatures: &[signature::Model],
    valid: bool,
    hash: &str,
) -> ApiResult<Vec<u8>> {
    let forms = accountability(report)?;
    let (form1, form2) = (&forms.form1, &forms.form2);
    let mut p = Pages::new();
    p.line(16.0, "First Article Inspection Report (AS9102)");
    p.line(
        9.0,
        &format!(
            "Report {}   status {}   content SHA-256 {hash}",
            report.id, report.status
        ),
    );
    p.line(9.0, "");
    p.line(13.0, "Form 1 - Part Number Accountability");
    for (label, value) in [
        ("Part number", form1.part_number.as_str()),
        ("Part name", &form1.part_name),
        ("Revision", &form1.revision),
        ("Serial number", &form1.serial),
        ("Drawing number", &form1.drawing_number),
        ("Drawing revision", &form1.drawing_revision),
        ("IPC-A-610 class", form1.ipc_class.as_str()),
        ("Organization", &form1.organization),
        ("Customer", &form1.customer),
        ("Reason", form1.reason.as_str()),
        ("Full / partial", form1.scope.as_str()),
    ] {
        p.line(9.0, &format!("{label}: {value}"));
    }
    for addition in &form1.class3_additions {
        p.line(9.0, &format!("Class 3 adds: {addition}"));
    }
    p.line(9.0, "");
    p.line(13.0, "Form 2 - Product Accountability");
    p.line(10.0, "Materials (lots used on this serial)");
    for m in &form2.materials {
        let lots: Vec<String> = m
            .lots
            .iter()
            .map(|l| {
                let supplier = l
                    .supplier
                    .as_deref()
                    .map(|s| format!(" from {s}"))
                    .unwrap_or_default();
                format!(
                    "{} lot {} reel {}{supplier}",
                    l.designator, l.lot_code, l.reel_id
                )
            })
            .collect();
        p.line(
            9.0,
            &format!(
                "{}  {} {}  {}",
                m.designators.join(" "),
                or_blank(&m.mpn),
                or_blank(&m.manufacturer),
                lots.join("; ")
            ),
        );
    }
    p.line(10.0, "Special processes");
    for s in &form2.special_processes {
        p.line(9.0, &format!("{} ({})", s.process, s.kind));
    }
    p.line(10.0, "Functional tests");
    for t in &form2.functional_tests {
        let measurements = match &t.measurements {
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        p.line(
            9.0,
            &format!("{} ({}): {}  {measurements}", t.procedure, t.kind, t.result),
        );
    }
    p.break_page();
    p.line(
        13.0,
        "Form 3 - Characteristic Accountability, Verification and Compatibility Evaluation",
    );
    for c in characteristics {
        p.line(
            9.0,
            &format!(
                "{:>4}  {}  {}  | method: {} | criteria: {} | result: {} | {} {}",
                c.number,
                c.kind,
                c.requirement,
                c.method,
                c.criteria,
                c.result.as_deref().unwrap_or("-"),
                c.status.as_deref().unwrap_or("OPEN"),
                c.nonconformance_ref
                    .as_deref()
                    .map(|r| format!("NCR {r}"))
                    .unwrap_or_default()
            ),
        );
    }
    p.line(9.0, "");
    p.line(13.0, "Signatures");
    for s in signatures {
        p.line(
            9.0,
            &format!(
                "{} by {} <{}> at {} - reason: {} - hash {}",
                s.meaning,
                s.printed_name,
                s.email,
                s.signed_at.to_rfc3339(),
                s.reason,
                s.content_hash
            ),
        );
    }
    let approved = stored::<FaiStatus>(&report.status)? == FaiStatus::Approved;
    p.line(
        9.0,
        &format!(
            "Signatures {} the content of this report{}.",
            if valid { "match" } else { "do NOT match" },
            if approved {
                "; approved for production"
            } else {
                ""
            }
        ),
    );

    // Assemble the PDF: catalog, page tree, one content stream per page, Helvetica.
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let font = Ref::new(3);
    let font_name = Name(b"F1");
    let mut next = 4;
    let mut page_ids = Vec::new();
    let mut contents = Vec::new();
    for lines in &p.pages {
        let page = Ref::new(next);
        let content_id = Ref::new(next + 1);
        next += 2;
        page_ids.push(page);
        let mut content = Content::new();
        let mut y = TOP;
        for (size, text) in lines {
            content.begin_text();
            content.set_font(font_name, *size);
            content.next_line(40.0, y);
            content.show(Str(&latin1(text)));
            content.end_text();
            y -= LEADING;
        }
        contents.push((page, content_id, content.finish()));
    }
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    for (page, content_id, data) in &contents {
        let mut writer = pdf.page(*page);
        writer.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
        writer.parent(tree);
        writer.contents(*content_id);
        writer.resources().fonts().pair(font_name, font);
        writer.finish();
        pdf.stream(*content_id, data);
    }
    pdf.type1_font(font).base_font(Name(b"Helvetica"));
    Ok(pdf.finish())
}
