//! GraphQL queries and mutations of box build.

use super::model::{BoxBomLineInput, StandardClass, UnitIdentityInput, UnitInstallation};
use super::recall::{self, RecallCampaign, RecallImpact};
use super::service;
use crate::builds::model::Unit;
use crate::context::ContextExt;
use crate::entities::recall_campaign;
use crate::error::ApiError;
use crate::ids::parse_id;
use crate::packages::model::NpiPackage;
use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::{DateTime, Utc};
use firstpass_shared::boxbuild::RecallUnitStatus;
use firstpass_shared::text::{LotCode, Mpn, Serial};
use sea_orm::{QueryOrder, QuerySelect};

/// A recall campaign to open.
#[derive(InputObject, Debug)]
pub struct CreateRecallCampaignInput {
    /// The part recalled.
    pub mpn: String,
    /// Its lot code.
    pub lot_code: String,
    /// A title, e.g. "C12 capacitor lot 2291 — field replacement".
    pub title: String,
    /// The OEM whose units are recalled: the caller's own for an OEM; an EMS gives it when the
    /// lot reached several OEMs.
    pub oem_id: Option<ID>,
}

/// Box-build queries.
#[derive(Default)]
pub struct BoxBuildQuery;

#[Object]
impl BoxBuildQuery {
    /// What a recall of this MPN and lot code touches: the top-level units holding it (boxes
    /// customers hold, or bare boards), per OEM, product, ship-to address and shipment, each
    /// counted in the factory, in transit and delivered. An OEM sees only its own units.
    async fn recall_impact(
        &self,
        ctx: &Context<'_>,
        mpn: String,
        lot_code: String,
    ) -> Result<RecallImpact> {
        let actor = ctx.reader()?;
        let (mpn, lot_code) = (Mpn::parse(&mpn)?, LotCode::parse(&lot_code)?);
        let rows = recall::impact_rows(&ctx.state().db, actor, &mpn, &lot_code).await?;
        Ok(recall::summarize(&mpn, &lot_code, &rows))
    }

    /// Recall campaigns the caller sees (the OEM's own, or those of the EMS's units), newest
    /// first; at most 100.
    async fn recall_campaigns(&self, ctx: &Context<'_>) -> Result<Vec<RecallCampaign>> {
        let actor = ctx.reader()?;
        let rows = actor
            .select::<recall_campaign::Entity>()
            .order_by_desc(recall_campaign::Column::Id)
            .limit(100)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(RecallCampaign::from).collect())
    }

    /// One recall campaign the caller sees.
    async fn recall_campaign(&self, ctx: &Context<'_>, id: ID) -> Result<RecallCampaign> {
        let actor = ctx.reader()?;
        let id = parse_id(&id, "recall campaign")?;
        Ok(actor
            .load::<recall_campaign::Entity>(&ctx.state().db, id)
            .await?
            .into())
    }
}

/// Box-build mutations.
#[derive(Default)]
pub struct BoxBuildMutation;

#[Object]
impl BoxBuildMutation {
    /// States the class of each IPC standard that applies to a DRAFT package (OEM roles),
    /// replacing what it stated: IPC-A-610 for boards (also the package's `ipcClass`),
    /// IPC/WHMA-A-620 for harnesses, IPC-A-630 for the enclosure and box build.
    async fn set_package_standards(
        &self,
        ctx: &Context<'_>,
        package_id: ID,
        standards: Vec<StandardClass>,
    ) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let id = parse_id(&package_id, "NPI package")?;
        let row = service::set_standards(
            ctx.state(),
            actor,
            id,
            standards
                .into_iter()
                .map(|s| (s.standard, s.class))
                .collect(),
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.into())
    }

    /// Replaces the BOM of a DRAFT box-build package (OEM roles): sub-assemblies (another
    /// product of the OEM at a revision), bought items (by MPN) and firmware (a file of the
    /// package, whose SHA-256 becomes the only image accepted on its units).
    async fn set_box_build_bom(
        &self,
        ctx: &Context<'_>,
        package_id: ID,
        lines: Vec<BoxBomLineInput>,
    ) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let id = parse_id(&package_id, "NPI package")?;
        let row = service::set_box_bom(
            ctx.state(),
            actor,
            id,
            lines
                .into_iter()
                .map(BoxBomLineInput::into_command)
                .collect(),
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.into())
    }

    /// Replaces the BOM of a DRAFT box-build package (OEM roles) with the lines of one of its
    /// uploaded files, CSV, TSV or XLSX: a row per position with Position, Kind
    /// (SUBASSEMBLY, BOUGHT or FIRMWARE; left empty, a revision means a sub-assembly and a
    /// file name firmware), Part number or MPN, Revision, Description, Qty, File and Firmware
    /// version columns. The lines are checked as `setBoxBuildBom` checks them.
    async fn import_box_build_bom(
        &self,
        ctx: &Context<'_>,
        package_id: ID,
        file_name: String,
    ) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let id = parse_id(&package_id, "NPI package")?;
        let row =
            service::import_box_bom(ctx.state(), actor, id, &file_name, &ctx.audit_meta(actor))
                .await?;
        Ok(row.into())
    }

    /// Installs a finished sub-assembly into a position of a box (EMS floor roles, or a WRITE
    /// token of the EMS). The child must be a COMPLETED unit of the product and revision the
    /// box's BOM names at that position, not shipped, not scrapped, not installed elsewhere.
    async fn install_subassembly(
        &self,
        ctx: &Context<'_>,
        parent_serial: String,
        child_serial: String,
        position: String,
    ) -> Result<UnitInstallation> {
        let actor = ctx.writer()?;
        let row = service::install(
            ctx.state(),
            actor,
            &Serial::parse(&parent_serial)?,
            &Serial::parse(&child_serial)?,
            &position,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.into())
    }

    /// Removes a sub-assembly from a box, saying why; the installation stays on record with
    /// who removed it and when.
    async fn remove_subassembly(
        &self,
        ctx: &Context<'_>,
        parent_serial: String,
        child_serial: String,
        reason: String,
    ) -> Result<UnitInstallation> {
        let actor = ctx.writer()?;
        let row = service::remove(
            ctx.state(),
            actor,
            &Serial::parse(&parent_serial)?,
            &Serial::parse(&child_serial)?,
            &reason,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.into())
    }

    /// Records what identifies a unit: firmware (its SHA-256 must be the image released on
    /// the unit's revision), IMEI, ICCID and MAC addresses (each unique within the EMS).
    async fn record_unit_identity(
        &self,
        ctx: &Context<'_>,
        serial: String,
        identity: UnitIdentityInput,
    ) -> Result<Unit> {
        let actor = ctx.writer()?;
        let row = service::record_identity(
            ctx.state(),
            actor,
            &Serial::parse(&serial)?,
            identity.into_command(),
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(Unit::from_row(row)?)
    }

    /// Records that a shipment reached its ship-to address (the EMS that shipped it); its
    /// units then count as DELIVERED in a recall. `deliveredAt` defaults to now.
    async fn record_shipment_delivered(
        &self,
        ctx: &Context<'_>,
        shipment_id: ID,
        delivered_at: Option<DateTime<Utc>>,
    ) -> Result<super::model::ShipmentInfo> {
        let actor = ctx.writer()?;
        let id = parse_id(&shipment_id, "shipment")?;
        let row =
            service::record_delivery(ctx.state(), actor, id, delivered_at, &ctx.audit_meta(actor))
                .await?;
        let mut found = super::model::shipments(&ctx.state().db, [row.id]).await?;
        Ok(found
            .remove(&row.id)
            .ok_or(ApiError::NotFound("shipment"))?)
    }

    /// Opens a recall campaign over every affected top-level unit of one OEM (OEM engineers and
    /// admins; EMS program managers, quality and admins; WRITE tokens). Both sides see it.
    async fn create_recall_campaign(
        &self,
        ctx: &Context<'_>,
        input: CreateRecallCampaignInput,
    ) -> Result<RecallCampaign> {
        let actor = ctx.writer()?;
        let command = recall::NewCampaign {
            mpn: Mpn::parse(&input.mpn)?,
            lot_code: LotCode::parse(&input.lot_code)?,
            title: input.title,
            oem_id: input
                .oem_id
                .as_ref()
                .map(|id| parse_id(id, "organization"))
                .transpose()?,
        };
        let row =
            recall::create_campaign(ctx.state(), actor, command, &ctx.audit_meta(actor)).await?;
        Ok(row.into())
    }

    /// Sets the recovery status of units of a campaign (either side).
    async fn set_recall_unit_status(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        serials: Vec<String>,
        status: RecallUnitStatus,
    ) -> Result<RecallCampaign> {
        let actor = ctx.writer()?;
        let id = parse_id(&campaign_id, "recall campaign")?;
        let serials = crate::builds::model::serials(&serials)?;
        let row = recall::set_unit_status(
            ctx.state(),
            actor,
            id,
            serials,
            status,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.into())
    }
}
