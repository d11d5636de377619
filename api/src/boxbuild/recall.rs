//! Recall: from a component lot to the top-level units customers hold, counted per OEM, per
//! product and per shipment (in the factory, in transit, delivered), exported as CSV for the
//! 3PL, and followed as a campaign both sides see, unit by unit as they are recovered.

use super::model::{self as box_model, ShipmentInfo};
use crate::audit::{self, AuditMeta, Change};
use crate::builds::model::Unit;
use crate::builds::trace;
use crate::context::{AppState, ContextExt};
use crate::db::begin_write;
use crate::entities::{organization, recall_campaign, recall_campaign_unit, unit};
use crate::error::{ApiError, ApiResult};
use crate::http::{HttpState, Reader};
use crate::policy::{authorize, Action};
use crate::tenancy::Actor;
use async_graphql::{ComplexObject, Context, SimpleObject, ID};
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use firstpass_shared::boxbuild::{RecallUnitStatus, Whereabouts};
use firstpass_shared::text::{LotCode, Mpn, Serial};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Units under one heading, by whereabouts.
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct RecallCount {
    /// The OEM's, product's or shipment's id.
    pub id: ID,
    /// The OEM's name, `part number rev X`, or the ship-to address.
    pub label: String,
    /// Top-level units affected.
    pub units: i32,
    /// Of those, still in the factory.
    pub in_factory: i32,
    /// Shipped, delivery not confirmed.
    pub in_transit: i32,
    /// Delivered to the ship-to address.
    pub delivered: i32,
}

impl RecallCount {
    fn add(&mut self, whereabouts: Whereabouts) {
        self.units += 1;
        match whereabouts {
            Whereabouts::InFactory => self.in_factory += 1,
            Whereabouts::InTransit => self.in_transit += 1,
            Whereabouts::Delivered => self.delivered += 1,
        }
    }
}

/// Affected top-level units of one shipment.
#[derive(SimpleObject, Clone, Debug)]
pub struct RecallShipment {
    /// The shipment.
    pub shipment: ShipmentInfo,
    /// The OEM's name.
    pub oem: String,
    /// Affected units in it.
    pub units: i32,
    /// IN_TRANSIT or DELIVERED.
    pub whereabouts: Whereabouts,
}

/// What a recall of one lot touches.
#[derive(SimpleObject, Clone, Debug)]
pub struct RecallImpact {
    /// The part.
    pub mpn: String,
    /// Its lot code.
    pub lot_code: String,
    /// All affected top-level units the caller may see, by whereabouts.
    pub total: RecallCount,
    /// Per OEM.
    pub by_oem: Vec<RecallCount>,
    /// Per product and revision.
    pub by_product: Vec<RecallCount>,
    /// Per ship-to address.
    pub by_destination: Vec<RecallCount>,
    /// Per shipment.
    pub by_shipment: Vec<RecallShipment>,
    /// The same, one line per unit, for the 3PL: `GET` it with the bearer token.
    pub csv_url: String,
}

/// One affected top-level unit, as the CSV lists it.
#[derive(Debug, Clone)]
pub struct ImpactRow {
    /// The unit.
    pub unit: unit::Model,
    /// OEM id.
    pub oem_id: Uuid,
    /// OEM name.
    pub oem: String,
    /// Product part number.
    pub part_number: String,
    /// Revision.
    pub revision: String,
    /// Where it is.
    pub whereabouts: Whereabouts,
    /// Its shipment.
    pub shipment: Option<ShipmentInfo>,
    /// The affected units inside it (itself when it is one).
    pub affected: Vec<String>,
}

/// Every affected top-level unit of a lot code that the actor may see, by unit id.
pub async fn impact_rows(
    db: &impl ConnectionTrait,
    actor: &Actor,
    mpn: &Mpn,
    lot_code: &LotCode,
) -> ApiResult<Vec<ImpactRow>> {
    let lots = trace::lots_by_code(db, actor, mpn, lot_code).await?;
    let mut traced = trace::trace(db, actor, lots, true).await?;
    let levels = std::sync::Arc::make_mut(&mut traced.levels)
        .take()
        .unwrap_or_default();
    let mut ids: Vec<Uuid> = levels.tops.keys().copied().collect();
    for paths in levels.tops.values() {
        ids.extend(paths.iter().map(|(start, _)| *start));
    }
    let units = box_model::units_by_id(db, ids).await?;
    let made = box_model::Made::load(db, units.values().map(|u| u.build_id)).await?;
    let ships = box_model::shipments(db, units.values().filter_map(|u| u.shipment_id)).await?;
    let mut rows = Vec::with_capacity(levels.tops.len());
    for (top, paths) in &levels.tops {
        let Some(row) = units.get(top) else { continue };
        let (part_number, revision, oem, oem_id, _) = made.describe(row.build_id);
        let shipment = row.shipment_id.and_then(|id| ships.get(&id)).cloned();
        rows.push(ImpactRow {
            whereabouts: box_model::whereabouts(row, shipment.as_ref()),
            unit: row.clone(),
            oem_id,
            oem,
            part_number,
            revision,
            shipment,
            affected: paths
                .iter()
                .filter_map(|(start, _)| units.get(start).map(|u| u.serial.clone()))
                .collect(),
        });
    }
    Ok(rows)
}

/// Counts the rows of a recall per OEM, product, ship-to address and shipment.
pub fn summarize(mpn: &Mpn, lot_code: &LotCode, rows: &[ImpactRow]) -> RecallImpact {
    let mut total = RecallCount {
        label: format!("{mpn} lot {lot_code}"),
        ..Default::default()
    };
    let mut by_oem: BTreeMap<Uuid, RecallCount> = BTreeMap::new();
    let mut by_product: BTreeMap<(String, String), RecallCount> = BTreeMap::new();
    let mut by_destination: BTreeMap<String, RecallCount> = BTreeMap::new();
    let mut by_shipment: BTreeMap<String, RecallShipment> = BTreeMap::new();
    for row in rows {
        total.add(row.whereabouts);
        by_oem
            .entry(row.oem_id)
            .or_insert_with(|| RecallCount {
                id: ID(row.oem_id.to_string()),
                label: row.oem.clone(),
                ..Default::default()
            })
            .add(row.whereabouts);
        let product_label = format!("{} rev {}", row.part_number, row.revision);
        by_product
            .entry((row.part_number.clone(), row.revision.clone()))
            .or_insert_with(|| RecallCount {
                id: ID(product_label.clone()),
                label: product_label,
                ..Default::default()
            })
            .add(row.whereabouts);
        let destination = row
            .shipment
            .as_ref()
            .map_or_else(|| "(in the factory)".to_owned(), |s| s.destination.clone());
        by_destination
            .entry(destination.clone())
            .or_insert_with(|| RecallCount {
                id: ID(destination.clone()),
                label: destination,
                ..Default::default()
            })
            .add(row.whereabouts);
        if let Some(shipment) = &row.shipment {
            by_shipment
                .entry(shipment.id.to_string())
                .or_insert_with(|| RecallShipment {
                    shipment: shipment.clone(),
                    oem: row.oem.clone(),
                    units: 0,
                    whereabouts: row.whereabouts,
                })
                .units += 1;
        }
    }
    RecallImpact {
        mpn: mpn.to_string(),
        lot_code: lot_code.to_string(),
        total,
        by_oem: by_oem.into_values().collect(),
        by_product: by_product.into_values().collect(),
        by_destination: by_destination.into_values().collect(),
        by_shipment: by_shipment.into_values().collect(),
        csv_url: format!(
            "/recall-impact.csv?mpn={}&lotCode={}",
            urlencode(mpn.as_str()),
            urlencode(lot_code.as_str())
        ),
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The query string of `GET /recall-impact.csv`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpactQuery {
    /// The part.
    pub mpn: String,
    /// Its lot code.
    pub lot_code: String,
}

/// `GET /recall-impact.csv?mpn=…&lotCode=…`: one line per affected top-level unit the caller
/// may see, with its whereabouts and shipment.
pub async fn csv(
    State(state): State<HttpState>,
    Reader(actor): Reader,
    query: Result<Query<ImpactQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let result = async {
        crate::policy::require_capability(
            &actor,
            firstpass_shared::domain::Capability::Production,
            firstpass_shared::domain::Scope::Read,
        )?;
        let Ok(Query(query)) = query else {
            return Err(ApiError::bad_input("give mpn and lotCode"));
        };
        let mpn = Mpn::parse(&query.mpn)?;
        let lot_code = LotCode::parse(&query.lot_code)?;
        let rows = impact_rows(&state.app.db, &actor, &mpn, &lot_code).await?;
        let mut out = String::from(
            "oem,part_number,revision,serial,whereabouts,ship_to,carrier,tracking_number,shipped_at,delivered_at,affected_units\n",
        );
        for row in rows {
            let s = row.shipment.as_ref();
            let fields = [
                row.oem,
                row.part_number,
                row.revision,
                row.unit.serial.clone(),
                row.whereabouts.to_string(),
                s.map(|s| s.destination.clone()).unwrap_or_default(),
                s.map(|s| s.carrier.clone()).unwrap_or_default(),
                s.map(|s| s.tracking_number.clone()).unwrap_or_default(),
                s.map(|s| s.shipped_at.to_rfc3339()).unwrap_or_default(),
                s.and_then(|s| s.delivered_at)
                    .map(|d| d.to_rfc3339())
                    .unwrap_or_default(),
                row.affected.join(" "),
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
        Ok::<_, ApiError>(out)
    }
    .await;
    match result {
        Ok(body) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment; filename=\"recall-impact.csv\""),
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

/// A recall campaign: the top-level units of one OEM holding a lot, followed to recovery.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct RecallCampaign {
    /// Unique id.
    pub id: ID,
    /// The part recalled.
    pub mpn: String,
    /// Its lot code.
    pub lot_code: String,
    /// Title.
    pub title: String,
    /// Who opened it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The row.
    #[graphql(skip)]
    pub row: recall_campaign::Model,
}

impl From<recall_campaign::Model> for RecallCampaign {
    fn from(row: recall_campaign::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            mpn: row.mpn.clone(),
            lot_code: row.lot_code.clone(),
            title: row.title.clone(),
            created_by: row.created_by.clone(),
            created_at: row.created_at,
            row,
        }
    }
}

/// A unit a campaign covers.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct RecallCampaignUnit {
    /// The unit's serial.
    pub serial: String,
    /// OPEN, RECOVERED, REPAIRED or SCRAPPED.
    pub status: RecallUnitStatus,
    /// Who changed the status last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
    /// The row.
    #[graphql(skip)]
    pub row: recall_campaign_unit::Model,
}

#[ComplexObject]
impl RecallCampaignUnit {
    /// The unit.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Unit> {
        ctx.reader()?;
        Ok(Unit::from_row(
            crate::loaders::visible::<unit::Entity>(ctx.loaders(), self.row.unit_id).await?,
        )?)
    }
}

/// Units of a campaign in one status.
#[derive(SimpleObject, Clone, Debug)]
pub struct RecallStatusCount {
    /// The status.
    pub status: RecallUnitStatus,
    /// How many units.
    pub units: i32,
}

#[ComplexObject]
impl RecallCampaign {
    /// The OEM whose units are recalled.
    async fn oem(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::accounts::model::Organization> {
        ctx.reader()?;
        Ok(crate::accounts::model::Organization::from_model(
            crate::loaders::visible::<organization::Entity>(ctx.loaders(), self.row.oem_id).await?,
        )?)
    }

    /// The EMS that built them.
    async fn ems(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::accounts::model::Organization> {
        ctx.reader()?;
        Ok(crate::accounts::model::Organization::from_model(
            crate::loaders::visible::<organization::Entity>(ctx.loaders(), self.row.ems_id).await?,
        )?)
    }

    /// The units covered, by serial.
    async fn units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RecallCampaignUnit>> {
        Ok(campaign_units(&ctx.state().db, self.row.id)
            .await?
            .into_iter()
            .map(campaign_unit)
            .collect::<ApiResult<_>>()?)
    }

    /// Units per status.
    async fn status_counts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<RecallStatusCount>> {
        let rows = campaign_units(&ctx.state().db, self.row.id).await?;
        Ok(RecallUnitStatus::ALL
            .iter()
            .map(|status| RecallStatusCount {
                status: *status,
                units: rows.iter().filter(|r| r.status == status.as_str()).count() as i32,
            })
            .collect())
    }
}

fn campaign_unit(row: recall_campaign_unit::Model) -> ApiResult<RecallCampaignUnit> {
    Ok(RecallCampaignUnit {
        serial: row.serial.clone(),
        status: crate::error::stored(&row.status)?,
        updated_by: row.updated_by.clone(),
        updated_at: row.updated_at,
        row,
    })
}

async fn campaign_units(
    db: &impl ConnectionTrait,
    campaign: Uuid,
) -> ApiResult<Vec<recall_campaign_unit::Model>> {
    Ok(recall_campaign_unit::Entity::find()
        .filter(recall_campaign_unit::Column::CampaignId.eq(campaign))
        .order_by_asc(recall_campaign_unit::Column::Serial)
        .all(db)
        .await?)
}

/// A campaign to open.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// The part.
    pub mpn: Mpn,
    /// Its lot code.
    pub lot_code: LotCode,
    /// Title.
    pub title: String,
    /// The OEM (an EMS names it when the lot reached several OEMs).
    pub oem_id: Option<Uuid>,
}

/// Opens a recall campaign over every affected top-level unit of one OEM, each OPEN.
pub async fn create_campaign(
    state: &AppState,
    actor: &Actor,
    input: NewCampaign,
    meta: &AuditMeta,
) -> ApiResult<recall_campaign::Model> {
    authorize(actor, Action::RunRecalls)?;
    let title = input.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(ApiError::bad_input(
            "the title must have 1 to 200 characters",
        ));
    }
    firstpass_shared::text::check_free_text("the title", &title).map_err(ApiError::bad_input)?;
    let txn = begin_write(&state.db).await?;
    let rows = impact_rows(&txn, actor, &input.mpn, &input.lot_code).await?;
    let oems: BTreeSet<Uuid> = rows.iter().map(|r| r.oem_id).collect();
    let oem_id = match (actor.org_kind, input.oem_id) {
        (firstpass_shared::domain::OrgKind::Oem, _) => actor.org_id,
        (_, Some(id)) => id,
        (_, None) if oems.len() == 1 => *oems.first().unwrap_or(&actor.org_id),
        (_, None) if oems.is_empty() => {
            return Err(ApiError::bad_input(format!(
                "{} lot {} reached no unit",
                input.mpn, input.lot_code
            )))
        }
        (_, None) => {
            return Err(ApiError::bad_input(
                "the lot reached units of several OEMs; give oemId (one campaign per OEM)",
            ))
        }
    };
    let rows: Vec<ImpactRow> = rows.into_iter().filter(|r| r.oem_id == oem_id).collect();
    if rows.is_empty() {
        return Err(ApiError::bad_input(format!(
            "{} lot {} reached no unit of that OEM",
            input.mpn, input.lot_code
        )));
    }
    let emses: BTreeSet<Uuid> = rows.iter().map(|r| r.unit.ems_id).collect();
    let ems_id = match emses.iter().next() {
        Some(id) if emses.len() == 1 => *id,
        _ => {
            return Err(ApiError::bad_input(
                "the units were built by several EMS providers; open one campaign with each",
            ))
        }
    };
    let now = Utc::now();
    let campaign = recall_campaign::ActiveModel {
        id: Set(Uuid::now_v7()),
        oem_id: Set(oem_id),
        ems_id: Set(ems_id),
        mpn: Set(input.mpn.to_string()),
        lot_code: Set(input.lot_code.to_string()),
        title: Set(title),
        created_by: Set(actor.label()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let units: Vec<recall_campaign_unit::ActiveModel> = rows
        .iter()
        .map(|r| recall_campaign_unit::ActiveModel {
            id: Set(Uuid::now_v7()),
            campaign_id: Set(campaign.id),
            unit_id: Set(r.unit.id),
            serial: Set(r.unit.serial.clone()),
            status: Set(RecallUnitStatus::Open.into()),
            updated_by: Set(actor.label()),
            updated_at: Set(now),
        })
        .collect();
    for chunk in units.chunks(500) {
        recall_campaign_unit::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        meta,
        Change::new("recall.create", "RecallCampaign", campaign.id).after(&json!({
            "mpn": campaign.mpn, "lotCode": campaign.lot_code, "units": rows.len(),
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(campaign)
}

/// Sets the recovery status of units of a campaign (either side).
pub async fn set_unit_status(
    state: &AppState,
    actor: &Actor,
    campaign_id: Uuid,
    serials: Vec<Serial>,
    status: RecallUnitStatus,
    meta: &AuditMeta,
) -> ApiResult<recall_campaign::Model> {
    authorize(actor, Action::RunRecalls)?;
    if serials.is_empty() || serials.len() > 10_000 {
        return Err(ApiError::bad_input("give 1 to 10,000 serials"));
    }
    let txn = begin_write(&state.db).await?;
    let campaign = actor
        .load::<recall_campaign::Entity>(&txn, campaign_id)
        .await?;
    let wanted: BTreeSet<String> = serials.iter().map(Serial::to_string).collect();
    let mut found = 0;
    for chunk in wanted.iter().cloned().collect::<Vec<_>>().chunks(1000) {
        let result = recall_campaign_unit::Entity::update_many()
            .col_expr(
                recall_campaign_unit::Column::Status,
                sea_orm::sea_query::Expr::value(status.as_str()),
            )
            .col_expr(
                recall_campaign_unit::Column::UpdatedBy,
                sea_orm::sea_query::Expr::value(actor.label()),
            )
            .col_expr(
                recall_campaign_unit::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(recall_campaign_unit::Column::CampaignId.eq(campaign.id))
            .filter(recall_campaign_unit::Column::Serial.is_in(chunk.iter().cloned()))
            .exec(&txn)
            .await?;
        found += result.rows_affected;
    }
    if found != wanted.len() as u64 {
        let covered: BTreeSet<String> = campaign_units(&txn, campaign.id)
            .await?
            .into_iter()
            .map(|u| u.serial)
            .collect();
        let missing: Vec<&str> = wanted
            .iter()
            .filter(|s| !covered.contains(*s))
            .map(String::as_str)
            .take(5)
            .collect();
        return Err(ApiError::bad_input(format!(
            "not units of this campaign: {}",
            missing.join(", ")
        )));
    }
    audit::record(
        &txn,
        meta,
        Change::new("recall.status", "RecallCampaign", campaign.id)
            .after(&json!({"serials": wanted, "status": status})),
    )
    .await?;
    txn.commit().await?;
    Ok(campaign)
}
