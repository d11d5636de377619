//! GraphQL of quality: NCRs, their dispositions and the customer's material review.

use super::model::{Ncr, OpenNcrInput};
use super::service::{self, NewNcr, ReviewRequest};
use crate::context::ContextExt;
use crate::error::ApiResult;
use crate::ids::parse_id;
use crate::pagination::clamp_first;
use async_graphql::{Context, Object, Result, ID};
use firstpass_shared::quality::{NcrDisposition, NcrStatus};
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
}
