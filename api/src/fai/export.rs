//! Exports of an FAI report: `GET /fai/{id}.pdf` (the AS9102 three-form layout) and
//! `GET /fai/{id}/characteristics.csv`, both for anyone who may see the report.

use super::model::{accountability, FaiStatus, SIGNED_RECORD};
use super::service;
use crate::entities::{fai_characteristic, fai_report, signature};
use crate::error::stored;
use crate::error::{ApiError, ApiResult};
use crate::http::{attachment, HttpState, Reader};
use crate::pdf::{col, Document};
use crate::tenancy::Actor;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use firstpass_shared::words::{humanize, measurement_rows};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

async fn report_for(state: &HttpState, actor: &Actor, id: &str) -> ApiResult<fai_report::Model> {
    crate::policy::require_capability(
        actor,
        firstpass_shared::domain::Capability::Fai,
        firstpass_shared::domain::Scope::Read,
    )?;
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
        Ok((id, body)) => attachment(
            "text/csv; charset=utf-8",
            &format!("fai-{id}.csv"),
            body.into_bytes(),
        ),
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
        Ok((id, bytes)) => attachment("application/pdf", &format!("fai-{id}.pdf"), bytes),
        Err(err) => err.into_response(),
    }
}

fn or_blank(text: &Option<String>) -> String {
    text.clone().unwrap_or_default()
}

/// A time as the record shows it: `2026-12-01 13:04:20 UTC`.
fn utc(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// An RFC 3339 time from form 2, shown like [`utc`] (as stored if it does not parse).
fn utc_text(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| utc(&t.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|_| at.to_owned())
}

/// The report as an AS9102 PDF: form 1 (part number accountability, with the signatures),
/// form 2 (product accountability: materials, special processes, functional tests) and form 3
/// (characteristic accountability), each as tables; every page headed with the report id,
/// revision and "page n of m".
fn render(
    report: &fai_report::Model,
    characteristics: &[fai_characteristic::Model],
    signatures: &[signature::Model],
    valid: bool,
    hash: &str,
) -> ApiResult<Vec<u8>> {
    let forms = accountability(report)?;
    let (form1, form2) = (&forms.form1, &forms.form2);
    let status = stored::<FaiStatus>(&report.status)?;
    let mut doc = Document::new(
        format!(
            "First Article Inspection Report (AS9102) · {} {} · serial {}",
            form1.part_number, form1.part_name, form1.serial
        ),
        format!("Report {} · Revision {}", report.id, form1.revision),
        format!(
            "Content SHA-256 {hash} · status {} · signatures {} the content",
            humanize(status.as_str()),
            if valid { "match" } else { "do NOT match" }
        ),
    );
    let wide = |s: &str| s.to_owned();

    // Form 1.
    doc.heading(14.0, "Form 1 — Part Number Accountability");
    let class3 = if form1.class3_additions.is_empty() {
        "—".to_owned()
    } else {
        form1.class3_additions.join("\n")
    };
    // Every standard the package states with its class (a box build: enclosure, harness,
    // boards); a board stating none but its IPC class shows IPC-A-610 at that class.
    let workmanship = if form1.standards.is_empty() {
        format!("IPC-A-610 {}", humanize(form1.ipc_class.as_str()))
    } else {
        form1
            .standards
            .iter()
            .map(|s| format!("{} {}", s.standard, humanize(&s.class)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let pairs = [
        ("1. Part number", form1.part_number.clone()),
        ("2. Part name", form1.part_name.clone()),
        ("3. Serial number", form1.serial.clone()),
        ("4. FAI report number", report.id.to_string()),
        ("5. Part revision level", form1.revision.clone()),
        ("6. Drawing number", form1.drawing_number.clone()),
        ("7. Drawing revision level", form1.drawing_revision.clone()),
        ("9. Build phase", humanize(&form1.build_phase)),
        ("10. Organization name", form1.organization.clone()),
        ("Customer", form1.customer.clone()),
        ("14. Full / partial FAI", humanize(form1.scope.as_str())),
        ("Reason for FAI", humanize(form1.reason.as_str())),
        ("Workmanship", workmanship),
        ("Class 3 additions", class3),
    ];
    let rows: Vec<Vec<String>> = pairs
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .flat_map(|(label, value)| [wide(label), value.clone()])
                .collect()
        })
        .collect();
    doc.table(
        9.0,
        &[
            col("Field", 2.0),
            col("Value", 3.5),
            col("Field", 2.0),
            col("Value", 3.5),
        ],
        &rows,
    );
    doc.heading(11.0, "19–22. Signatures");
    if signatures.is_empty() {
        doc.paragraph(9.0, "Not signed yet.");
    } else {
        let rows: Vec<Vec<String>> = signatures
            .iter()
            .map(|s| {
                vec![
                    humanize(&s.meaning),
                    s.printed_name.clone(),
                    s.email.clone(),
                    utc(&s.signed_at),
                    s.reason.clone(),
                    s.content_hash.clone(),
                ]
            })
            .collect();
        doc.table(
            8.0,
            &[
                col("Meaning", 1.0),
                col("Printed name", 1.8),
                col("E-mail", 1.8),
                col("Signed at", 1.5),
                col("Reason", 2.1),
                col("Content hash (SHA-256)", 5.3),
            ],
            &rows,
        );
    }
    doc.paragraph(
        9.0,
        &format!(
            "Status: {}. The signatures {} the content of this report (SHA-256 {hash}){}.",
            humanize(status.as_str()),
            if valid { "match" } else { "do NOT match" },
            if status == FaiStatus::Approved {
                "; approved for production"
            } else {
                ""
            }
        ),
    );

    // Form 2.
    doc.page_break();
    doc.heading(14.0, "Form 2 — Product Accountability");
    doc.heading(11.0, "Materials (with the lots used on this serial)");
    let rows: Vec<Vec<String>> = form2
        .materials
        .iter()
        .map(|m| {
            let lots = m
                .lots
                .iter()
                .map(|l| {
                    let supplier = l
                        .supplier
                        .as_deref()
                        .map(|s| format!(", supplier {s}"))
                        .unwrap_or_default();
                    let date_code = Some(l.date_code.trim())
                        .filter(|d| !d.is_empty())
                        .map(|d| format!(", date code {d}"))
                        .unwrap_or_default();
                    format!(
                        "{}: lot {}, reel {}{date_code}{supplier}",
                        l.designator, l.lot_code, l.reel_id
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            vec![
                m.designators.join(" "),
                or_blank(&m.mpn),
                or_blank(&m.manufacturer),
                [m.value.as_deref(), m.description.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
                lots,
            ]
        })
        .collect();
    doc.table(
        8.0,
        &[
            col("Designators", 2.0),
            col("Manufacturer part number", 2.2),
            col("Manufacturer", 1.6),
            col("Value / description", 2.6),
            col("Lots used", 3.6),
        ],
        &rows,
    );
    doc.heading(11.0, "Special processes");
    let rows: Vec<Vec<String>> = form2
        .special_processes
        .iter()
        .map(|s| vec![s.process.clone(), humanize(&s.kind)])
        .collect();
    doc.table(9.0, &[col("Process", 3.0), col("Kind", 2.0)], &rows);
    doc.heading(11.0, "Functional tests");
    let rows: Vec<Vec<String>> = form2
        .functional_tests
        .iter()
        .map(|t| {
            let measurements = measurement_rows(&t.measurements)
                .into_iter()
                .map(|m| {
                    let value = if m.unit.is_empty() {
                        m.value
                    } else {
                        format!("{} {}", m.value, m.unit)
                    };
                    if m.name.is_empty() {
                        value
                    } else {
                        format!("{}: {value}", m.name)
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            vec![
                t.procedure.clone(),
                humanize(&t.kind),
                humanize(&t.result),
                measurements,
                utc_text(&t.at),
            ]
        })
        .collect();
    doc.table(
        8.0,
        &[
            col("Procedure", 2.0),
            col("Kind", 1.2),
            col("Result", 1.0),
            col("Measurements", 4.0),
            col("Recorded at", 1.8),
        ],
        &rows,
    );

    // Form 3.
    doc.page_break();
    doc.heading(
        14.0,
        "Form 3 — Characteristic Accountability, Verification and Compatibility Evaluation",
    );
    let rows: Vec<Vec<String>> = characteristics
        .iter()
        .map(|c| {
            vec![
                c.number.to_string(),
                humanize(&c.kind),
                or_blank(&c.designator),
                c.requirement.clone(),
                c.method.clone(),
                c.criteria.clone(),
                c.result.clone().unwrap_or_else(|| "—".to_owned()),
                c.status
                    .as_deref()
                    .map_or_else(|| "Open".to_owned(), humanize),
                or_blank(&c.nonconformance_ref),
            ]
        })
        .collect();
    doc.table(
        8.0,
        &[
            col("No.", 0.6),
            col("Kind", 1.1),
            col("Designator", 1.2),
            col("Requirement", 4.0),
            col("Method", 2.2),
            col("Criteria", 3.0),
            col("Result", 2.2),
            col("Status", 0.9),
            col("NCR", 1.1),
        ],
        &rows,
    );
    Ok(doc.finish())
}
