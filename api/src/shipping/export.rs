//! Downloads of a shipment for anyone who sees it: `GET /shipments/{id}/certificate.pdf` (the
//! certificate of conformance) and `GET /shipments/{id}/asn.csv` (the advance ship notice).

use super::certificate::{self, Certificate};
use super::service;
use crate::entities::signature;
use crate::error::ApiError;
use crate::http::{attachment, HttpState, Reader};
use crate::pdf::{col, Document};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use firstpass_shared::words::humanize;

/// The shipment of a download, for a caller who may read shipping.
async fn shipment_for(
    state: &HttpState,
    actor: &crate::tenancy::Actor,
    id: &str,
) -> Result<crate::entities::shipment::Model, ApiError> {
    crate::policy::require_capability(
        actor,
        firstpass_shared::domain::Capability::Shipping,
        firstpass_shared::domain::Scope::Read,
    )?;
    let id = uuid::Uuid::parse_str(id).map_err(|_| ApiError::NotFound("shipment"))?;
    service::shipment(&state.app.db, actor, id).await
}

/// `GET /shipments/{id}/certificate.pdf`: signed or not yet (then it says so).
pub async fn certificate_pdf(
    State(state): State<HttpState>,
    Reader(actor): Reader,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let row = shipment_for(&state, &actor, &id).await?;
        let certificate = certificate::certificate(&state.app.db, &row).await?;
        let (hash, signatures) = certificate::signatures(&state.app.db, &certificate).await?;
        Ok::<_, ApiError>(render(&certificate, &hash, &signatures))
    }
    .await;
    match result {
        Ok(bytes) => attachment("application/pdf", &format!("coc-{id}.pdf"), bytes),
        Err(err) => err.into_response(),
    }
}

/// `GET /shipments/{id}/asn.csv`: one row per serial.
pub async fn asn_csv(
    State(state): State<HttpState>,
    Reader(actor): Reader,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let row = shipment_for(&state, &actor, &id).await?;
        let asn = service::asn(&state.app.db, &row).await?;
        Ok::<_, ApiError>(service::asn_csv(&asn))
    }
    .await;
    match result {
        Ok(csv) => attachment(
            "text/csv; charset=utf-8",
            &format!("asn-{id}.csv"),
            csv.into_bytes(),
        ),
        Err(err) => err.into_response(),
    }
}

fn utc(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The certificate as PDF: the facts, the statement, the signature (or that there is none
/// yet), and every serial.
fn render(c: &Certificate, hash: &str, signatures: &[(signature::Model, bool)]) -> Vec<u8> {
    let s = &c.shipment;
    let signed = !signatures.is_empty();
    let valid = signed && signatures.iter().all(|(_, ok)| *ok);
    let mut doc = Document::new(
        format!(
            "Certificate of Conformance · {} {} · Revision {}",
            c.part_number, c.part_name, c.revision
        ),
        format!("Certificate {}", s.id),
        format!(
            "Content SHA-256 {hash} · {}",
            match (signed, valid) {
                (false, _) => "NOT SIGNED",
                (true, true) => "the signature matches the content",
                (true, false) => "the signature does NOT match the content",
            }
        ),
    );
    doc.heading(16.0, "Certificate of Conformance");
    let standards = c
        .standards
        .iter()
        .map(|(standard, class)| format!("{} {}", standard_title(standard), humanize(class)))
        .collect::<Vec<_>>()
        .join("\n");
    let fai = match &c.fai {
        Some(f) => format!(
            "First article inspection report {} (serial {}), approved {}",
            f.report_id,
            f.serial,
            utc(&f.approved_at)
        ),
        None => "No approved first article inspection for this revision".to_owned(),
    };
    let pairs = [
        ("Supplier", c.supplier.clone()),
        ("Customer", c.customer.clone()),
        ("Part number", c.part_number.clone()),
        ("Part name", c.part_name.clone()),
        ("Revision", c.revision.clone()),
        ("Quantity", c.serials.len().to_string()),
        (
            "Customer PO",
            s.customer_po.clone().unwrap_or_else(|| "—".to_owned()),
        ),
        ("Build phase", humanize(&c.phase)),
        ("Standards and classes", standards),
        ("First article", fai),
        ("Shipped", utc(&s.shipped_at)),
        (
            "Carrier and tracking",
            format!("{} {}", s.carrier, s.tracking_number),
        ),
        ("Ship to", s.destination.clone()),
        ("Build", s.build_id.to_string()),
    ];
    let rows: Vec<Vec<String>> = pairs
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .flat_map(|(label, value)| [(*label).to_owned(), value.clone()])
                .collect()
        })
        .collect();
    doc.table(
        9.0,
        &[
            col("Field", 1.6),
            col("Value", 3.9),
            col("Field", 1.6),
            col("Value", 3.9),
        ],
        &rows,
    );
    doc.heading(11.0, "Certification");
    if signatures.is_empty() {
        doc.paragraph(
            10.0,
            "Not signed yet: this certificate is a draft until EMS quality signs it.",
        );
    } else {
        for (row, _) in signatures {
            doc.paragraph(10.0, &row.reason);
        }
        let rows: Vec<Vec<String>> = signatures
            .iter()
            .map(|(row, ok)| {
                vec![
                    humanize(&row.meaning),
                    row.printed_name.clone(),
                    row.email.clone(),
                    utc(&row.signed_at),
                    row.content_hash.clone(),
                    if *ok { "matches" } else { "does NOT match" }.to_owned(),
                ]
            })
            .collect();
        doc.table(
            8.0,
            &[
                col("Meaning", 1.0),
                col("Printed name", 1.8),
                col("E-mail", 1.8),
                col("Signed at", 1.6),
                col("Content hash (SHA-256)", 5.0),
                col("Content", 1.0),
            ],
            &rows,
        );
    }
    doc.heading(11.0, &format!("Serials shipped ({})", c.serials.len()));
    const PER_ROW: usize = 8;
    let rows: Vec<Vec<String>> = c.serials.chunks(PER_ROW).map(<[String]>::to_vec).collect();
    doc.table(8.0, &[col("Serials", 1.0); PER_ROW], &rows);
    doc.finish()
}

/// `IPC_A_610` as printed: `IPC-A-610`.
fn standard_title(stored: &str) -> String {
    stored
        .parse::<firstpass_shared::boxbuild::IpcStandard>()
        .map(|s| s.title().to_owned())
        .unwrap_or_else(|_| stored.to_owned())
}
