//! GraphQL types of first-article inspection.

use crate::builds::model::{Build, Unit};
use crate::context::ContextExt;
use crate::entities::{build, fai_characteristic, fai_evidence, fai_report, signature, unit};
use crate::error::stored;
use crate::error::{ApiError, ApiResult};
use async_graphql::{ComplexObject, Context, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

pub use firstpass_shared::fai::{
    CharacteristicKind, CharacteristicStatus, FaiAccountability, FaiReason, FaiScope, FaiStatus,
    SignatureMeaning,
};

/// The `record_type` of an FAI report's signatures.
pub const SIGNED_RECORD: &str = "FaiReport";

/// Reads a report's forms 1 and 2 as stored.
pub fn accountability(row: &fai_report::Model) -> ApiResult<FaiAccountability> {
    serde_json::from_str(&row.accountability).map_err(ApiError::internal)
}

/// Fields of a new FAI report.
#[derive(InputObject, Debug)]
pub struct CreateFaiReportInput {
    /// The build (a pilot build, usually).
    pub build_id: ID,
    /// The serial of the unit inspected; it must belong to the build.
    pub serial: String,
    /// Why.
    pub reason: FaiReason,
    /// FULL or PARTIAL.
    pub scope: FaiScope,
}

/// A result entered for one characteristic.
#[derive(InputObject, Debug)]
pub struct FaiCharacteristicUpdate {
    /// The characteristic.
    pub id: ID,
    /// The measured or observed result.
    pub result: String,
    /// PASS or FAIL.
    pub status: CharacteristicStatus,
    /// An outside nonconformance reference; a FAIL needs it or `ncrId`.
    pub nonconformance_ref: Option<String>,
    /// The NCR to link (its number becomes the reference); a FAIL needs it or
    /// `nonconformanceRef`.
    pub ncr_id: Option<ID>,
}

/// A free characteristic added to a report.
#[derive(InputObject, Debug)]
pub struct AddFaiCharacteristicInput {
    /// The report.
    pub report_id: ID,
    /// What it checks.
    pub kind: CharacteristicKind,
    /// What is required (e.g. "Board thickness 1.6 mm ± 0.1").
    pub requirement: String,
    /// Method or tool (e.g. "Caliper #C-12").
    pub method: String,
    /// The designator concerned, if any.
    pub designator: Option<String>,
}

/// A first-article inspection report.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct FaiReport {
    /// Unique id.
    pub id: ID,
    /// Why.
    pub reason: FaiReason,
    /// FULL or PARTIAL.
    pub scope: FaiScope,
    /// Where it stands.
    pub status: FaiStatus,
    /// Form 1 (part accountability) and form 2 (product accountability) as captured at
    /// creation: part and drawing numbers, IPC class and what class 3 added, materials with the
    /// lots used on this serial, special processes and functional tests.
    pub accountability: async_graphql::Json<serde_json::Value>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The row.
    #[graphql(skip)]
    pub row: fai_report::Model,
}

impl FaiReport {
    /// Converts a row.
    pub fn from_row(row: fai_report::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ID(row.id.to_string()),
            reason: stored(&row.reason)?,
            scope: stored(&row.scope)?,
            status: stored(&row.status)?,
            accountability: async_graphql::Json(
                serde_json::to_value(accountability(&row)?).map_err(ApiError::internal)?,
            ),
            created_at: row.created_at,
            updated_at: row.updated_at,
            row,
        })
    }
}

#[ComplexObject]
impl FaiReport {
    /// The build the unit belongs to.
    async fn build(&self, ctx: &Context<'_>) -> async_graphql::Result<Build> {
        let actor = ctx.reader()?;
        Ok(Build::from_row(
            actor
                .load::<build::Entity>(&ctx.state().db, self.row.build_id)
                .await?,
        )?)
    }

    /// The unit inspected.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Unit> {
        let row = unit::Entity::find_by_id(self.row.unit_id)
            .one(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        Ok(Unit::from_row(row.ok_or(ApiError::NotFound("unit"))?)?)
    }

    /// Form 3: the characteristics, by number.
    async fn characteristics(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<FaiCharacteristic>> {
        let rows =
            crate::loaders::children::<fai_characteristic::Entity>(ctx.loaders(), self.row.id)
                .await?;
        Ok(rows
            .into_iter()
            .map(FaiCharacteristic::from_row)
            .collect::<ApiResult<_>>()?)
    }

    /// Files attached as evidence.
    async fn evidence(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FaiEvidence>> {
        let rows =
            crate::loaders::children::<fai_evidence::Entity>(ctx.loaders(), self.row.id).await?;
        Ok(rows.into_iter().map(FaiEvidence::from).collect())
    }

    /// Every signature, oldest first (rejected cycles included).
    async fn signatures(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Signature>> {
        let rows = signature::Entity::find()
            .filter(signature::Column::RecordType.eq(SIGNED_RECORD))
            .filter(signature::Column::RecordId.eq(self.row.id))
            .order_by_asc(signature::Column::Id)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        Ok(rows
            .into_iter()
            .map(Signature::from_row)
            .collect::<ApiResult<_>>()?)
    }

    /// SHA-256 of the report's canonical content now (what a signature would attest to).
    async fn content_hash(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(super::content::content_hash(&ctx.state().db, &self.row).await?)
    }

    /// Where to download the AS9102 three-form PDF (`GET` with the bearer token).
    async fn pdf_url(&self) -> String {
        format!("/fai/{}.pdf", self.row.id)
    }

    /// Where to download the characteristics as CSV (`GET` with the bearer token).
    async fn csv_url(&self) -> String {
        format!("/fai/{}/characteristics.csv", self.row.id)
    }
}

/// A numbered characteristic (AS9102 form 3).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct FaiCharacteristic {
    /// Unique id.
    pub id: ID,
    /// The FAI report it belongs to.
    pub report_id: ID,
    /// Number, from 1.
    pub number: i32,
    /// What it checks.
    pub kind: CharacteristicKind,
    /// The designator inspected, if any.
    pub designator: Option<String>,
    /// What is required.
    pub requirement: String,
    /// Method or tool.
    pub method: String,
    /// The IPC-A-610 workmanship criteria applied (class 3 named on each characteristic).
    pub criteria: String,
    /// The measured or observed result.
    pub result: Option<String>,
    /// PASS or FAIL.
    pub status: Option<CharacteristicStatus>,
    /// Nonconformance reference when failed: the linked NCR's number, or an outside reference.
    pub nonconformance_ref: Option<String>,
    /// The linked NCR's id.
    #[graphql(skip)]
    pub ncr_id: Option<uuid::Uuid>,
}

#[ComplexObject]
impl FaiCharacteristic {
    /// The NCR opened for this characteristic, when it failed and one is linked.
    async fn ncr(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::quality::model::Ncr>> {
        let Some(id) = self.ncr_id else {
            return Ok(None);
        };
        let actor = ctx.reader()?;
        match actor
            .load::<crate::entities::ncr::Entity>(&ctx.state().db, id)
            .await
        {
            Ok(row) => Ok(Some(crate::quality::model::Ncr::from_row(row)?)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

impl FaiCharacteristic {
    /// Converts a row.
    pub fn from_row(row: fai_characteristic::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ID(row.id.to_string()),
            report_id: ID(row.report_id.to_string()),
            number: row.number,
            kind: stored(&row.kind)?,
            designator: row.designator,
            requirement: row.requirement,
            method: row.method,
            criteria: row.criteria,
            result: row.result,
            status: row.status.as_deref().map(stored).transpose()?,
            nonconformance_ref: row.nonconformance_ref,
            ncr_id: row.ncr_id,
        })
    }
}

/// An evidence file.
#[derive(SimpleObject, Clone, Debug)]
pub struct FaiEvidence {
    /// Unique id.
    pub id: ID,
    /// The characteristic it supports, if any.
    pub characteristic_id: Option<ID>,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Hex SHA-256.
    pub sha256: String,
    /// When it was attached.
    pub created_at: DateTime<Utc>,
}

impl From<fai_evidence::Model> for FaiEvidence {
    fn from(row: fai_evidence::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            characteristic_id: row.characteristic_id.map(|c| ID(c.to_string())),
            name: row.name,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            created_at: row.created_at,
        }
    }
}

/// The person who signed.
#[derive(SimpleObject, Clone, Debug)]
pub struct Signer {
    /// E-mail at signing.
    pub email: String,
    /// Printed name at signing.
    pub printed_name: String,
}

/// An electronic signature.
#[derive(SimpleObject, Clone, Debug)]
pub struct Signature {
    /// Unique id.
    pub id: ID,
    /// REVIEWED, APPROVED or REJECTED.
    pub meaning: SignatureMeaning,
    /// Who signed.
    pub signer: Signer,
    /// The reason given.
    pub reason: String,
    /// SHA-256 of the report's canonical content at signing.
    pub content_hash: String,
    /// When.
    pub signed_at: DateTime<Utc>,
}

impl Signature {
    /// Converts a row.
    pub fn from_row(row: signature::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ID(row.id.to_string()),
            meaning: stored(&row.meaning)?,
            signer: Signer {
                email: row.email,
                printed_name: row.printed_name,
            },
            reason: row.reason,
            content_hash: row.content_hash,
            signed_at: row.signed_at,
        })
    }
}

/// One signature, checked against the report as it is now.
#[derive(SimpleObject, Clone, Debug)]
pub struct SignatureCheck {
    /// What the signature means.
    pub meaning: SignatureMeaning,
    /// Who signed.
    pub signer: Signer,
    /// When.
    pub signed_at: DateTime<Utc>,
    /// Whether the report's content still hashes to what was signed.
    pub valid: bool,
}

/// The result of re-checking every signature of a report.
#[derive(SimpleObject, Clone, Debug)]
pub struct FaiVerification {
    /// True when the report is signed and every signature of its current approval cycle (since
    /// the last rejection) still matches its content.
    pub valid: bool,
    /// The report's content hash now.
    pub content_hash: String,
    /// Every signature, oldest first.
    pub signatures: Vec<SignatureCheck>,
}

/// Filters for `faiReports`.
#[derive(InputObject, Debug, Default)]
pub struct FaiReportFilter {
    /// Only reports in this status.
    pub status: Option<FaiStatus>,
    /// Only reports of this build.
    pub build_id: Option<ID>,
    /// Every word appears in the inspected unit's serial or the product's part number or name
    /// (case-insensitive).
    pub search: Option<String>,
}

crate::connection!(FaiReportConnection, FaiReportEdge, FaiReport, "FAI reports");
