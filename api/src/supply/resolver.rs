//! GraphQL queries and mutations of supply, and `Build.materialStatus`.

use super::model::{
    AlternatePart, AttritionRate, MaterialStatus, PurchaseOrder, PurchaseOrderInput,
    PurchaseOrderLine, PurchaseOrderReceipt, PurchaseOrderReceiptInput,
};
use super::service::{self, NewAlternate, NewOrder, NewOrderLine, Receipt};
use crate::context::ContextExt;
use crate::entities::build;
use crate::error::ApiResult;
use crate::ids::parse_id;
use crate::pagination::clamp_first;
use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::NaiveDate;
use firstpass_shared::domain::BuildStatus;
use firstpass_shared::supply::{MaterialSource, PartClass};
use firstpass_shared::text::{DisplayName, LotCode, Mpn};

/// Supply queries.
#[derive(Default)]
pub struct SupplyQuery;

#[Object]
impl SupplyQuery {
    /// The EMS's purchase orders, newest first, with their lines; `buildId` keeps those placed
    /// for one build (EMS program managers and admins, WRITE tokens).
    async fn purchase_orders(
        &self,
        ctx: &Context<'_>,
        build_id: Option<ID>,
        first: Option<i32>,
    ) -> Result<Vec<PurchaseOrder>> {
        let actor = ctx.reader()?;
        let build_id = build_id.map(|b| parse_id(&b, "build")).transpose()?;
        let orders =
            service::purchase_orders(ctx.state(), actor, build_id, clamp_first(first)?).await?;
        Ok(orders.into_iter().map(Into::into).collect())
    }

    /// Alternate parts proposed for a package's BOM, oldest first (the OEM that owns it and
    /// its EMS).
    async fn alternate_parts(
        &self,
        ctx: &Context<'_>,
        package_id: ID,
    ) -> Result<Vec<AlternatePart>> {
        let actor = ctx.reader()?;
        let rows =
            service::alternates(ctx.state(), actor, parse_id(&package_id, "package")?).await?;
        Ok(rows
            .into_iter()
            .map(AlternatePart::try_from)
            .collect::<ApiResult<_>>()?)
    }

    /// The demand view across open builds: each part some open build the caller sees is short
    /// of, with the builds it gates; parts that push builds past their due date first. An
    /// EMS may keep one OEM's builds with `oemId`.
    async fn material_demand(
        &self,
        ctx: &Context<'_>,
        oem_id: Option<ID>,
    ) -> Result<Vec<super::model::PartDemand>> {
        let actor = ctx.reader()?;
        let oem = oem_id.map(|o| parse_id(&o, "organization")).transpose()?;
        Ok(service::demand(ctx.state(), actor, oem)
            .await?
            .into_iter()
            .map(super::model::PartDemand::try_from)
            .collect::<ApiResult<_>>()?)
    }

    /// The attrition the EMS plans per part class (a class not set plans none).
    async fn attrition_rates(&self, ctx: &Context<'_>) -> Result<Vec<AttritionRate>> {
        let actor = ctx.reader()?;
        let rates = service::attrition_rates(ctx.state(), actor).await?;
        Ok(PartClass::ALL
            .iter()
            .map(|class| AttritionRate::new(*class, rates.get(class).copied().unwrap_or(0)))
            .collect())
    }
}

/// An alternate part to propose.
#[derive(InputObject, Debug)]
pub struct AlternatePartInput {
    /// The package whose BOM it serves.
    pub package_id: ID,
    /// The BOM's MPN.
    pub mpn: String,
    /// The alternate's MPN.
    pub alternate_mpn: String,
    /// The alternate's manufacturer.
    pub alternate_manufacturer: String,
    /// Why (availability, lead time, obsolescence…).
    pub reason: String,
}

/// Supply mutations.
#[derive(Default)]
pub struct SupplyMutation;

#[Object]
impl SupplyMutation {
    /// Records a purchase order the EMS placed, with its lines and promised dates (EMS program
    /// managers and admins, an ERP's WRITE token).
    async fn record_purchase_order(
        &self,
        ctx: &Context<'_>,
        input: PurchaseOrderInput,
    ) -> Result<PurchaseOrder> {
        let actor = ctx.writer()?;
        let lines = input
            .lines
            .into_iter()
            .map(|l| {
                Ok(NewOrderLine {
                    mpn: Mpn::parse(&l.mpn)?,
                    manufacturer: DisplayName::parse(&l.manufacturer)?,
                    quantity: l.quantity,
                    promised_date: l.promised_date,
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let order = service::record_purchase_order(
            ctx.state(),
            actor,
            NewOrder {
                po_number: input.po_number,
                supplier: input.supplier,
                build_id: input.build_id.map(|b| parse_id(&b, "build")).transpose()?,
                lines,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(order.into())
    }

    /// Records the supplier's new promised date for an order line.
    async fn update_purchase_order_promise(
        &self,
        ctx: &Context<'_>,
        line_id: ID,
        promised_date: NaiveDate,
    ) -> Result<PurchaseOrderLine> {
        let actor = ctx.writer()?;
        let line = service::update_promise(
            ctx.state(),
            actor,
            parse_id(&line_id, "purchase order line")?,
            promised_date,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(line.into())
    }

    /// Receives parts of an order line: they become a lot (reel) of its part from its supplier.
    async fn receive_purchase_order_line(
        &self,
        ctx: &Context<'_>,
        line_id: ID,
        input: PurchaseOrderReceiptInput,
    ) -> Result<PurchaseOrderReceipt> {
        let actor = ctx.writer()?;
        let (lot, line) = service::receive_order_line(
            ctx.state(),
            actor,
            parse_id(&line_id, "purchase order line")?,
            Receipt {
                quantity: input.quantity,
                lot_code: LotCode::parse(&input.lot_code)?,
                date_code: input.date_code,
                reel_id: input.reel_id,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(PurchaseOrderReceipt {
            lot: lot.into(),
            line: line.into(),
        })
    }

    /// Proposes an alternate for a BOM part to the OEM; it counts as supply once approved.
    async fn propose_alternate_part(
        &self,
        ctx: &Context<'_>,
        input: AlternatePartInput,
    ) -> Result<AlternatePart> {
        let actor = ctx.writer()?;
        let row = service::propose_alternate(
            ctx.state(),
            actor,
            NewAlternate {
                package_id: parse_id(&input.package_id, "package")?,
                mpn: Mpn::parse(&input.mpn)?,
                alternate_mpn: Mpn::parse(&input.alternate_mpn)?,
                alternate_manufacturer: DisplayName::parse(&input.alternate_manufacturer)?,
                reason: input.reason,
            },
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.try_into()?)
    }

    /// The OEM approves or rejects a proposed alternate (OEM admins and engineers); the
    /// decision is recorded with who made it and why.
    async fn decide_alternate_part(
        &self,
        ctx: &Context<'_>,
        id: ID,
        approve: bool,
        note: Option<String>,
    ) -> Result<AlternatePart> {
        let actor = ctx.writer()?;
        let row = service::decide_alternate(
            ctx.state(),
            actor,
            parse_id(&id, "alternate part")?,
            approve,
            note,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.try_into()?)
    }

    /// Sets the attrition the EMS plans for a part class, in percent (0 to 100).
    async fn set_attrition_rate(
        &self,
        ctx: &Context<'_>,
        part_class: PartClass,
        percent: f64,
    ) -> Result<AttritionRate> {
        let actor = ctx.writer()?;
        let row = service::set_attrition(
            ctx.state(),
            actor,
            part_class,
            percent,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(AttritionRate::new(part_class, row.ppm.max(0) as u32))
    }

    /// Says who supplies a BOM part of a build: TURNKEY (the EMS buys it, the default) or
    /// CONSIGNED (the OEM sends it).
    async fn set_material_source(
        &self,
        ctx: &Context<'_>,
        build_id: ID,
        mpn: String,
        source: MaterialSource,
    ) -> Result<MaterialSource> {
        let actor = ctx.writer()?;
        Ok(service::set_material_source(
            ctx.state(),
            actor,
            parse_id(&build_id, "build")?,
            Mpn::parse(&mpn)?,
            source,
            &ctx.audit_meta(actor),
        )
        .await?)
    }
}

/// `Build.materialStatus`: the build's lines from its EMS's clear-to-build picture, computed
/// once per operation however many builds ask. A build that is not open needs nothing more.
pub async fn material_status(ctx: &Context<'_>, row: &build::Model) -> Result<MaterialStatus> {
    ctx.reader()?;
    let open = matches!(
        crate::error::stored::<BuildStatus>(&row.status)?,
        BuildStatus::Planned | BuildStatus::InProgress
    );
    if !open {
        return Ok(MaterialStatus::new(Vec::new(), row.due_date));
    }
    let picture = ctx
        .loaders()
        .load_one(crate::loaders::SupplyOfEms(row.ems_id))
        .await?
        .unwrap_or_default();
    let lines = picture.builds.get(&row.id).cloned().unwrap_or_default();
    Ok(MaterialStatus::new(
        service::shortages_first(lines),
        row.due_date,
    ))
}
