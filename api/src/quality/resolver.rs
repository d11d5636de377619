//! GraphQL of quality: NCRs, their dispositions and the customer's material review.

use super::capa::{self, CheckInput, DisciplineInput, NewRequest};
use super::model::{Capa, CorrectiveActionRequestInput, Ncr, OpenNcrInput};
use super::service::{self, NewNcr, ReviewRequest};
use crate::context::ContextExt;
use crate::error::ApiResult;
use crate::ids::parse_id;
use crate::pagination::clamp_first;
use async_graphql::{Context, Object, Result, ID};
use firstpass_shared::domain::StationKind;
use firstpass_shared::quality::{CapaStatus, Discipline, NcrDisposition, NcrStatus};
use firstpass_shared::text::Serial;

/// Quality queries.
#[derive(Default)]
pub struct QualityQuery;

#[Object]
impl QualityQuery {
    /// NCRs the caller sees, newest first: the EMS its own, an OEM those on its products.
    async fn ncrs(
        &self,
        ctx: &Context<'_>,
        status: Option<NcrStatus>,
        first: Option<i32>,
    ) -> Result<Vec<Ncr>> {
        let actor = ctx.reader()?;
        Ok(
            service::list(&ctx.state().db, actor, status, clamp_first(first)?)
                .await?
                .into_iter()
                .map(Ncr::from_row)
                .collect::<ApiResult<_>>()?,
        )
    }

    /// One NCR.
    async fn ncr(&self, ctx: &Context<'_>, id: ID) -> Result<Ncr> {
        let actor = ctx.reader()?;
        let row = actor
            .load::<crate::entities::ncr::Entity>(&ctx.state().db, parse_id(&id, "NCR")?)
            .await?;
        Ok(Ncr::from_row(row)?)
    }

    /// Quality figures over the NCRs and corrective actions the caller sees: open ones by age,
    /// median days to close, and defects found again after their corrective action closed.
    async fn quality_metrics(&self, ctx: &Context<'_>) -> Result<super::model::QualityMetrics> {
        let actor = ctx.reader()?;
        Ok(super::metrics::figures(&ctx.state().db, actor)
            .await?
            .into())
    }

    /// Corrective actions the caller sees, newest first: the EMS the ones it works, an OEM
    /// those on its products.
    async fn capas(
        &self,
        ctx: &Context<'_>,
        status: Option<CapaStatus>,
        first: Option<i32>,
    ) -> Result<Vec<Capa>> {
        let actor = ctx.reader()?;
        Ok(
            capa::list(&ctx.state().db, actor, status, clamp_first(first)?)
                .await?
                .into_iter()
                .map(Capa::from_row)
                .collect::<ApiResult<_>>()?,
        )
    }

    /// One corrective action.
    async fn capa(&self, ctx: &Context<'_>, id: ID) -> Result<Capa> {
        let actor = ctx.reader()?;
        let row = actor
            .load::<crate::entities::capa::Entity>(&ctx.state().db, parse_id(&id, "CAPA")?)
            .await?;
        Ok(Capa::from_row(row)?)
    }
}

/// Quality mutations.
#[derive(Default)]
pub struct QualityMutation;

#[Object]
impl QualityMutation {
    /// Opens an NCR over defects, units and lots of one customer's product (EMS quality,
    /// program managers and admins); every item is contained at once: no station result, lot
    /// usage or shipment until its disposition releases it.
    async fn open_ncr(&self, ctx: &Context<'_>, input: OpenNcrInput) -> Result<Ncr> {
        let actor = ctx.writer()?;
        let ids = |list: &[ID], noun: &'static str| {
            list.iter()
                .map(|i| parse_id(i, noun))
                .collect::<ApiResult<Vec<_>>>()
        };
        let row = service::open(
            ctx.state(),
            actor,
            NewNcr {
                build_id: input.build_id.map(|b| parse_id(&b, "build")).transpose()?,
                title: input.title,
                description: input.description,
                severity: input.severity,
                defect_ids: ids(&input.defect_ids, "defect")?,
                serials: input
                    .serials
                    .iter()
                    .map(|s| Ok(Serial::parse(s)?))
                    .collect::<ApiResult<_>>()?,
                lot_ids: ids(&input.lot_ids, "component lot")?,
                fai_characteristic_ids: ids(&input.fai_characteristic_ids, "characteristic")?,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(Ncr::from_row(row)?)
    }

    /// Gives an NCR item its disposition with a reason; answers the NCR. REPAIR and USE_AS_IS of a customer's
    /// product then wait for the customer's signed review (`reviewNcrDispositions`); SCRAP
    /// scraps the unit; RETURN_TO_SUPPLIER keeps the lot out of production.
    async fn disposition_ncr_item(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        disposition: NcrDisposition,
        reason: String,
    ) -> Result<Ncr> {
        let actor = ctx.writer()?;
        let row = service::dispose(
            ctx.state(),
            actor,
            parse_id(&item_id, "NCR item")?,
            disposition,
            &reason,
            &ctx.audit_meta(actor),
        )
        .await?;
        let ncr = ctx
            .reader()?
            .load::<crate::entities::ncr::Entity>(&ctx.state().db, row.ncr_id)
            .await?;
        Ok(Ncr::from_row(ncr)?)
    }

    /// The customer's material review (an OEM engineer or admin): approves or rejects every
    /// disposition of the NCR that waits for it, signed like an FAI (password again, reason,
    /// the SHA-256 of the NCR's content). Approved items are released; rejected ones go back to
    /// the EMS for another disposition.
    async fn review_ncr_dispositions(
        &self,
        ctx: &Context<'_>,
        ncr_id: ID,
        approve: bool,
        password: String,
        reason: String,
    ) -> Result<Ncr> {
        let actor = ctx.writer()?;
        let row = service::review(
            ctx.state(),
            actor,
            parse_id(&ncr_id, "NCR")?,
            ReviewRequest {
                approve,
                password: &password,
                reason: &reason,
                client_ip: ctx.request().client_ip,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(Ncr::from_row(row)?)
    }

    /// Closes an NCR once every item has its final disposition.
    async fn close_ncr(&self, ctx: &Context<'_>, id: ID) -> Result<Ncr> {
        let actor = ctx.writer()?;
        let row = service::close(
            ctx.state(),
            actor,
            parse_id(&id, "NCR")?,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(Ncr::from_row(row)?)
    }

    /// Writes a note on an NCR or a CAPA: EMS quality leads (`internal: true` keeps it from the
    /// OEM for good) or the OEM's admins and engineers.
    async fn add_quality_note(
        &self,
        ctx: &Context<'_>,
        record_id: ID,
        text: String,
        #[graphql(default)] internal: bool,
    ) -> Result<super::model::QualityNote> {
        let actor = ctx.writer()?;
        let row = service::add_note(
            ctx.state(),
            actor,
            parse_id(&record_id, "record")?,
            &text,
            internal,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.into())
    }

    /// Escalates an NCR of a customer's product to a corrective action worked as an 8D (EMS
    /// quality, program managers and admins); D2 starts with the NCR's description.
    async fn escalate_ncr(&self, ctx: &Context<'_>, ncr_id: ID, title: String) -> Result<Capa> {
        let actor = ctx.writer()?;
        let row = capa::escalate(
            ctx.state(),
            actor,
            parse_id(&ncr_id, "NCR")?,
            &title,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(Capa::from_row(row)?)
    }

    /// The OEM asks its EMS for a corrective action (a supplier corrective action request),
    /// citing NCRs, builds or units of its own product (OEM admins and engineers).
    async fn raise_corrective_action(
        &self,
        ctx: &Context<'_>,
        input: CorrectiveActionRequestInput,
    ) -> Result<Capa> {
        let actor = ctx.writer()?;
        let ids = |list: &[ID], noun: &'static str| {
            list.iter()
                .map(|i| parse_id(i, noun))
                .collect::<ApiResult<Vec<_>>>()
        };
        let row = capa::request(
            ctx.state(),
            actor,
            NewRequest {
                title: input.title,
                description: input.description,
                ncr_ids: ids(&input.ncr_ids, "NCR")?,
                build_ids: ids(&input.build_ids, "build")?,
                serials: input
                    .serials
                    .iter()
                    .map(|s| Ok(Serial::parse(s)?))
                    .collect::<ApiResult<_>>()?,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(Capa::from_row(row)?)
    }

    /// Fills or changes one discipline of an open corrective action: its owner, due date and
    /// what it says (EMS quality leads). A signed discipline no longer changes.
    async fn update_capa_discipline(
        &self,
        ctx: &Context<'_>,
        capa_id: ID,
        discipline: Discipline,
        owner: String,
        due_date: Option<chrono::NaiveDate>,
        content: String,
    ) -> Result<Capa> {
        let actor = ctx.writer()?;
        let id = parse_id(&capa_id, "CAPA")?;
        capa::update_discipline(
            ctx.state(),
            actor,
            id,
            discipline,
            DisciplineInput {
                owner,
                due_date,
                content,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        reload(ctx, id).await
    }

    /// Signs D4 (root cause), D6 (implementation) or D8 (closure) with the password again; the
    /// signature keeps the SHA-256 of what the discipline says.
    async fn sign_capa_discipline(
        &self,
        ctx: &Context<'_>,
        capa_id: ID,
        discipline: Discipline,
        password: String,
        reason: String,
    ) -> Result<Capa> {
        let actor = ctx.writer()?;
        let id = parse_id(&capa_id, "CAPA")?;
        capa::sign_discipline(
            ctx.state(),
            actor,
            id,
            capa::SignDiscipline {
                discipline,
                password: &password,
                reason: &reason,
                client_ip: ctx.request().client_ip,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        reload(ctx, id).await
    }

    /// Sets (or restarts from now) the effectiveness check: the first-pass yield at a station
    /// kind over the next `windowUnits` units of the product must reach `thresholdPercent`.
    async fn set_capa_effectiveness_check(
        &self,
        ctx: &Context<'_>,
        capa_id: ID,
        station_kind: StationKind,
        threshold_percent: f64,
        window_units: i32,
    ) -> Result<Capa> {
        let actor = ctx.writer()?;
        let row = capa::set_check(
            ctx.state(),
            actor,
            parse_id(&capa_id, "CAPA")?,
            CheckInput {
                station_kind,
                threshold_percent,
                window_units,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(Capa::from_row(row)?)
    }

    /// Closes a corrective action: D1–D8 filled, D4, D6 and D8 signed, and the effectiveness
    /// check passed on the station results recorded since it started.
    async fn close_capa(&self, ctx: &Context<'_>, id: ID) -> Result<Capa> {
        let actor = ctx.writer()?;
        let row = capa::close(
            ctx.state(),
            actor,
            parse_id(&id, "CAPA")?,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(Capa::from_row(row)?)
    }
}

/// A corrective action as the caller sees it after a change.
async fn reload(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Capa> {
    let row = ctx
        .reader()?
        .load::<crate::entities::capa::Entity>(&ctx.state().db, id)
        .await?;
    Ok(Capa::from_row(row)?)
}

/// `ncrs` of a unit, a build or a package, as the caller sees them.
pub async fn ncrs_of(ctx: &Context<'_>, of: service::NcrsOf) -> Result<Vec<Ncr>> {
    let actor = ctx.reader()?;
    Ok(service::ncrs_of(&ctx.state().db, actor, of)
        .await?
        .into_iter()
        .map(Ncr::from_row)
        .collect::<ApiResult<_>>()?)
}

/// The corrective actions covering the NCRs of a record, for its `capas` field.
pub async fn capas_of(ctx: &Context<'_>, of: service::NcrsOf) -> Result<Vec<Capa>> {
    let actor = ctx.reader()?;
    Ok(service::capas_of(&ctx.state().db, actor, of)
        .await?
        .into_iter()
        .map(Capa::from_row)
        .collect::<ApiResult<_>>()?)
}
