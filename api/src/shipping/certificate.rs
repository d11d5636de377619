//! The certificate of conformance of a shipment: what was built, to which revision, at which
//! class of each IPC standard, under which approved first article, for which order, with every
//! serial shipped; signed by EMS quality with the signature mechanism of [`crate::signing`],
//! and printed as PDF at `GET /shipments/{id}/certificate.pdf`.
//!
//! The signed content is canonical JSON made from the shipment's records, which do not change
//! once shipped, so a signature stays valid unless a record under it was altered.

use super::service;
use crate::audit::{self, AuditMeta, Change};
use crate::boxbuild::service::standards_of;
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{fai_report, organization, shipment, signature, unit};
use crate::error::{ApiError, ApiResult};
use crate::fai::content::hash;
use crate::fai::model::{accountability, FaiStatus, SignatureMeaning};
use crate::policy::{authorize, Action};
use crate::signing;
use crate::tenancy::Actor;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use std::net::IpAddr;
use uuid::Uuid;

/// The `record_type` of a certificate's signatures (the record id is the shipment's).
pub const SIGNED_RECORD: &str = "CertificateOfConformance";

/// What EMS quality certifies when it signs without words of its own.
pub const STATEMENT: &str = "I certify that the units listed were built and inspected to the \
    stated revision and standards and conform to the requirements of the order.";

/// The first article a certificate cites: the newest APPROVED report of the revision.
#[derive(Debug, Clone)]
pub struct FaiReference {
    /// The report.
    pub report_id: Uuid,
    /// The serial inspected.
    pub serial: String,
    /// When it was approved (its last change).
    pub approved_at: chrono::DateTime<chrono::Utc>,
}

/// Everything a certificate states, read from the records.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// The shipment certified.
    pub shipment: shipment::Model,
    /// The EMS that built and ships.
    pub supplier: String,
    /// The OEM.
    pub customer: String,
    /// The product's part number.
    pub part_number: String,
    /// The product's name.
    pub part_name: String,
    /// The revision built.
    pub revision: String,
    /// The build's phase.
    pub phase: String,
    /// Each standard with its class, as the package states them.
    pub standards: Vec<(String, String)>,
    /// The approved first article, if the revision has one.
    pub fai: Option<FaiReference>,
    /// The serials shipped, in order.
    pub serials: Vec<String>,
}

impl Certificate {
    /// The canonical content that signatures cover.
    pub fn content(&self) -> Value {
        let s = &self.shipment;
        json!({
            "certificate": s.id,
            "shipment": {
                "id": s.id, "shippedAt": s.shipped_at.to_rfc3339(), "carrier": s.carrier,
                "trackingNumber": s.tracking_number, "shipTo": s.destination, "customerPo": s.customer_po,
            },
            "supplier": self.supplier,
            "customer": self.customer,
            "product": {"partNumber": self.part_number, "name": self.part_name, "revision": self.revision},
            "build": {"id": s.build_id, "phase": self.phase},
            "standards": self.standards.iter().map(|(standard, class)| json!({"standard": standard, "class": class})).collect::<Vec<_>>(),
            "fai": self.fai.as_ref().map(|f| json!({"reportId": f.report_id, "serial": f.serial, "approvedAt": f.approved_at.to_rfc3339()})),
            "quantity": self.serials.len(),
            "serials": self.serials,
        })
    }
}

/// Reads what the certificate of a shipment (already visible to the caller) states.
pub async fn certificate(
    db: &impl ConnectionTrait,
    shipment: &shipment::Model,
) -> ApiResult<Certificate> {
    let (build, package, product) = service::shipped_from(db, shipment).await?;
    let orgs = organization::Entity::find()
        .filter(organization::Column::Id.is_in([build.ems_id, build.oem_id]))
        .all(db)
        .await?;
    let name_of = |id: Uuid| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let standards = standards_of(db, &package)
        .await?
        .into_iter()
        .map(|(standard, class)| (standard.as_str().to_owned(), class.as_str().to_owned()))
        .collect();
    let fai = match fai_report::Entity::find()
        .filter(fai_report::Column::PackageId.eq(package.id))
        .filter(fai_report::Column::Status.eq(FaiStatus::Approved.as_str()))
        .order_by_desc(fai_report::Column::UpdatedAt)
        .one(db)
        .await?
    {
        Some(report) => Some(FaiReference {
            report_id: report.id,
            serial: accountability(&report)?.form1.serial,
            approved_at: report.updated_at,
        }),
        None => None,
    };
    let serials: Vec<String> = unit::Entity::find()
        .filter(unit::Column::ShipmentId.eq(shipment.id))
        .order_by_asc(unit::Column::Serial)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.serial)
        .collect();
    Ok(Certificate {
        shipment: shipment.clone(),
        supplier: name_of(build.ems_id),
        customer: name_of(build.oem_id),
        part_number: product.part_number,
        part_name: product.name,
        revision: package.revision,
        phase: build.phase,
        standards,
        fai,
        serials,
    })
}

/// The signatures of a certificate, oldest first, each checked against its content now.
pub async fn signatures(
    db: &impl ConnectionTrait,
    certificate: &Certificate,
) -> ApiResult<(String, Vec<(signature::Model, bool)>)> {
    let now = hash(&certificate.content())?;
    let rows = signature::Entity::find()
        .filter(signature::Column::RecordType.eq(SIGNED_RECORD))
        .filter(signature::Column::RecordId.eq(certificate.shipment.id))
        .order_by_asc(signature::Column::Id)
        .all(db)
        .await?;
    let checked = rows
        .into_iter()
        .map(|row| {
            let valid = row.content_hash == now;
            (row, valid)
        })
        .collect();
    Ok((now, checked))
}

/// Signs the certificate of a shipment as EMS quality: the password again, the content hash,
/// and `reason` (the words certified, [`STATEMENT`] when none). A certificate is signed once.
pub async fn sign(
    state: &AppState,
    actor: &Actor,
    shipment_id: Uuid,
    password: &str,
    reason: Option<&str>,
    client_ip: IpAddr,
    meta: &AuditMeta,
) -> ApiResult<signature::Model> {
    authorize(actor, Action::SignCertificates)?;
    let reason = signing::reason(reason.unwrap_or(STATEMENT))?;
    // The shipment must be visible before the password is asked (no oracle on ids).
    service::shipment(&state.db, actor, shipment_id).await?;
    let signer = signing::reauthenticate(state, actor, password, client_ip).await?;
    let txn = begin_write(&state.db).await?;
    let shipment = service::shipment(&txn, actor, shipment_id).await?;
    let certificate = certificate(&txn, &shipment).await?;
    let (content_hash, existing) = signatures(&txn, &certificate).await?;
    if let Some((first, _)) = existing.first() {
        return Err(ApiError::conflict(format!(
            "the certificate of this shipment was signed by {} on {}",
            first.printed_name,
            first.signed_at.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    let row = signing::record(
        &txn,
        signing::NewSignature {
            record_type: SIGNED_RECORD,
            record_id: shipment.id,
            signer: &signer,
            organization_id: actor.org_id,
            meaning: SignatureMeaning::Approved,
            reason,
            content_hash,
        },
    )
    .await?;
    audit::record(
        &txn,
        meta,
        Change::new("shipping.certificate.sign", "Shipment", shipment.id).after(&json!({
            "signature": row.id, "contentHash": row.content_hash, "signer": row.email,
            "fai": certificate.fai.as_ref().map(|f| f.report_id), "quantity": certificate.serials.len(),
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}
