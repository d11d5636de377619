//! GraphQL queries and mutations of first-article inspection.

use super::model::{
    AddFaiCharacteristicInput, CreateFaiReportInput, FaiCharacteristicUpdate, FaiReport,
    FaiReportConnection, FaiReportFilter, FaiStatus, FaiVerification, SignatureCheck,
    SignatureMeaning, Signer,
};
use super::service;
use crate::context::ContextExt;
use crate::db::begin_write;
use crate::entities::{fai_characteristic, fai_evidence, fai_report};
use crate::error::stored;
use crate::error::{ApiError, ApiResult};
use crate::ids::parse_id;
use crate::packages::upload::{self, Incoming};
use crate::pagination::{clamp_first, decode_cursor, page};
use crate::policy::{authorize, Action};
use async_graphql::{Context, Object, Result, Upload, ID};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// FAI queries.
#[derive(Default)]
pub struct FaiQuery;

#[Object]
impl FaiQuery {
    /// FAI reports the caller may see, newest first: the EMS's own; for an OEM, its reports
    /// from their first submission on. `first` defaults to 20 and is at most 100.
    async fn fai_reports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<FaiReportFilter>,
    ) -> Result<FaiReportConnection> {
        let actor = ctx.reader()?;
        let limit = clamp_first(first)?;
        let mut select = actor.select::<fai_report::Entity>();
        let filter = filter.unwrap_or_default();
        if let Some(status) = filter.status {
            select = select.filter(fai_report::Column::Status.eq(status.as_str()));
        }
        if let Some(build_id) = &filter.build_id {
            select = select.filter(fai_report::Column::BuildId.eq(parse_id(build_id, "build")?));
        }
        let words = crate::search::patterns(filter.search.as_deref())?;
        select =
            select.filter(crate::search::every_word(&words, |word| {
                use crate::entities::{npi_package, unit};
                use sea_orm::sea_query::{ExprTrait, Query};
                sea_orm::Condition::any()
                    // The report's own unit, by primary key: never a scan of every unit.
                    .add(sea_orm::sea_query::Expr::exists(
                        Query::select()
                            .expr(sea_orm::sea_query::Expr::val(1))
                            .from(unit::Entity)
                            .and_where(
                                sea_orm::sea_query::Expr::col((unit::Entity, unit::Column::Id))
                                    .equals((fai_report::Entity, fai_report::Column::UnitId)),
                            )
                            .and_where(crate::search::like(
                                (unit::Entity, unit::Column::Serial),
                                word,
                            ))
                            .to_owned(),
                    ))
                    .add(
                        fai_report::Column::PackageId.in_subquery(
                            Query::select()
                                .column(npi_package::Column::Id)
                                .from(npi_package::Entity)
                                .and_where(npi_package::Column::ProductId.in_subquery(
                                    crate::packages::resolver::products_matching(word),
                                ))
                                .to_owned(),
                        ),
                    )
            }));
        if let Some(cursor) = after.as_deref() {
            select = select.filter(fai_report::Column::Id.lt(decode_cursor(cursor)?));
        }
        let rows = select
            .order_by_desc(fai_report::Column::Id)
            .limit(limit + 1)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        let (info, rows) = page(rows, limit, after.is_some(), |r| r.id);
        let edges = rows
            .into_iter()
            .map(|(c, r)| Ok((c, FaiReport::from_row(r)?)))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(FaiReportConnection::new(info, edges))
    }

    /// One FAI report.
    async fn fai_report(&self, ctx: &Context<'_>, id: ID) -> Result<FaiReport> {
        let actor = ctx.reader()?;
        let id = parse_id(&id, "FAI report")?;
        Ok(FaiReport::from_row(
            service::load(&ctx.state().db, actor, id).await?,
        )?)
    }

    /// Recomputes the report's content hash and checks every signature against it: a report
    /// changed behind the server's back no longer verifies.
    async fn verify_fai_report(&self, ctx: &Context<'_>, id: ID) -> Result<FaiVerification> {
        let actor = ctx.reader()?;
        let id = parse_id(&id, "FAI report")?;
        let report = service::load(&ctx.state().db, actor, id).await?;
        let (valid, content_hash, checks) = service::verify(&ctx.state().db, &report).await?;
        let signatures = checks
            .into_iter()
            .map(|(s, ok)| {
                Ok(SignatureCheck {
                    meaning: stored(&s.meaning)?,
                    signer: Signer {
                        email: s.email,
                        printed_name: s.printed_name,
                    },
                    signed_at: s.signed_at,
                    valid: ok,
                })
            })
            .collect::<ApiResult<_>>()?;
        Ok(FaiVerification {
            valid,
            content_hash,
            signatures,
        })
    }
}

/// FAI mutations.
#[derive(Default)]
pub struct FaiMutation;

#[Object]
impl FaiMutation {
    /// Creates a DRAFT report for one unit of a build (EMS quality). Forms 1 and 2 are filled
    /// from the package, the unit's genealogy and station results; form 3 gets one
    /// characteristic per placed designator, and more at IPC class 3.
    async fn create_fai_report(
        &self,
        ctx: &Context<'_>,
        input: CreateFaiReportInput,
    ) -> Result<FaiReport> {
        let actor = ctx.writer()?;
        let build_id = parse_id(&input.build_id, "build")?;
        let row = service::create(
            ctx.state(),
            actor,
            build_id,
            &input.serial,
            input.reason,
            input.scope,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(FaiReport::from_row(row)?)
    }

    /// Enters results for many characteristics at once (DRAFT only).
    async fn update_fai_characteristics(
        &self,
        ctx: &Context<'_>,
        report_id: ID,
        updates: Vec<FaiCharacteristicUpdate>,
    ) -> Result<FaiReport> {
        let actor = ctx.writer()?;
        let id = parse_id(&report_id, "FAI report")?;
        Ok(FaiReport::from_row(
            service::update_characteristics(
                ctx.state(),
                actor,
                id,
                updates,
                &ctx.audit_meta(actor),
            )
            .await?,
        )?)
    }

    /// Adds a free characteristic (dimension, torque, visual, …) to a DRAFT.
    async fn add_fai_characteristic(
        &self,
        ctx: &Context<'_>,
        input: AddFaiCharacteristicInput,
    ) -> Result<FaiReport> {
        let actor = ctx.writer()?;
        Ok(FaiReport::from_row(
            service::add_characteristic(ctx.state(), actor, input, &ctx.audit_meta(actor)).await?,
        )?)
    }

    /// Attaches evidence files (AOI and X-ray images, measurement exports) to a DRAFT report,
    /// or to one of its characteristics; GraphQL multipart request like package uploads.
    async fn upload_fai_evidence(
        &self,
        ctx: &Context<'_>,
        report_id: ID,
        characteristic_id: Option<ID>,
        files: Vec<Upload>,
    ) -> Result<FaiReport> {
        let actor = ctx.writer()?;
        authorize(actor, Action::WriteFai)?;
        let state = ctx.state();
        let id = parse_id(&report_id, "FAI report")?;
        let report = service::load(&state.db, actor, id).await?;
        if !stored::<FaiStatus>(&report.status)?.is_editable() {
            return Err(
                ApiError::conflict("evidence is attached while the report is DRAFT").into(),
            );
        }
        let characteristic = match &characteristic_id {
            Some(cid) => {
                let cid = parse_id(cid, "characteristic")?;
                fai_characteristic::Entity::find_by_id(cid)
                    .filter(fai_characteristic::Column::ReportId.eq(report.id))
                    .one(&state.db)
                    .await
                    .map_err(ApiError::from)?
                    .ok_or(ApiError::NotFound("characteristic"))?;
                Some(cid)
            }
            None => None,
        };
        let mut incoming = Vec::with_capacity(files.len());
        for file in files {
            let value = file
                .value(ctx)
                .map_err(|e| ApiError::bad_input(format!("unreadable upload: {e}")))?;
            if value.filename.to_lowercase().ends_with(".zip") {
                return Err(
                    ApiError::bad_input("attach evidence files one by one, not as a zip").into(),
                );
            }
            incoming.push(Incoming {
                name: value.filename,
                content: value.content,
            });
        }
        let stored = upload::store_all(state, report.id, incoming).await?;
        let result: ApiResult<fai_report::Model> = async {
            let txn = begin_write(&state.db).await?;
            let report = service::load(&txn, actor, id).await?;
            if !crate::error::stored::<FaiStatus>(&report.status)?.is_editable() {
                return Err(ApiError::conflict(
                    "evidence is attached while the report is DRAFT",
                ));
            }
            let uploader = actor.user_id().ok_or(ApiError::Unauthenticated)?;
            for file in &stored {
                fai_evidence::ActiveModel {
                    id: Set(file.id),
                    report_id: Set(report.id),
                    characteristic_id: Set(characteristic),
                    name: Set(file.name.clone()),
                    size_bytes: Set(file.size as i64),
                    sha256: Set(file.sha256.clone()),
                    storage_key: Set(file.storage_key.clone()),
                    uploaded_by: Set(uploader),
                    created_at: Set(Utc::now()),
                }
                .insert(&txn)
                .await?;
            }
            let names: Vec<_> = stored
                .iter()
                .map(|f| serde_json::json!({"name": f.name, "sha256": f.sha256}))
                .collect();
            crate::audit::record(
                &txn,
                &ctx.audit_meta(actor),
                crate::audit::Change::new("fai.evidence", "FaiReport", report.id).after(&names),
            )
            .await?;
            txn.commit().await?;
            Ok(report)
        }
        .await;
        match result {
            Ok(report) => Ok(FaiReport::from_row(report)?),
            Err(err) => {
                upload::discard(state, &stored).await;
                Err(err.into())
            }
        }
    }

    /// Submits a DRAFT whose every characteristic has a result (EMS quality).
    async fn submit_fai_report(&self, ctx: &Context<'_>, id: ID) -> Result<FaiReport> {
        let actor = ctx.writer()?;
        let id = parse_id(&id, "FAI report")?;
        Ok(FaiReport::from_row(
            service::submit(ctx.state(), actor, id, &ctx.audit_meta(actor)).await?,
        )?)
    }

    /// Signs the report: the EMS program manager signs a SUBMITTED report, then an OEM engineer
    /// of the customer signs it EMS_APPROVED. The signer's password is asked again (a wrong one
    /// counts as a failed sign-in); REJECTED sends the report back to DRAFT. The signature records
    /// meaning, reason, printed name, time and the SHA-256 of the report's content.
    async fn sign_fai_report(
        &self,
        ctx: &Context<'_>,
        id: ID,
        password: String,
        meaning: SignatureMeaning,
        reason: String,
    ) -> Result<FaiReport> {
        let actor = ctx.writer()?;
        let id = parse_id(&id, "FAI report")?;
        let request = service::SignRequest {
            password: &password,
            meaning,
            reason: &reason,
            client_ip: ctx.request().client_ip,
        };
        let row = service::sign(ctx.state(), actor, id, request, &ctx.audit_meta(actor)).await?;
        Ok(FaiReport::from_row(row)?)
    }
}
