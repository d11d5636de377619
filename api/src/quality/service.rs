//! NCR rules: opening with containment, dispositions, the customer's material review, closing,
//! and the containment checks the floor and shipping ask.

use crate::audit::{self, AuditMeta, Change};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{build, component_lot, defect, ncr, ncr_item, quality_note, unit};
use crate::error::{stored, ApiError, ApiResult};
use crate::fai::model::SignatureMeaning;
use crate::policy::{authorize, Action};
use crate::signing;
use crate::tenancy::{Actor, Tenanted};
use crate::webhooks::model::WebhookEvent;
use chrono::Utc;
use firstpass_shared::domain::{OrgKind, UnitStatus};
use firstpass_shared::quality::{
    MaterialReview, NcrDisposition, NcrSeverity, NcrSource, NcrStatus,
};
use firstpass_shared::text::Serial;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::net::IpAddr;
use uuid::Uuid;

/// The `record_type` of the customer's material-review signatures (the record is the NCR).
pub const REVIEW_RECORD: &str = "NcrMaterialReview";

/// Most items one NCR holds.
pub const MAX_ITEMS: usize = 5000;

impl Tenanted for ncr::Entity {
    const NOUN: &'static str = "NCR";
    /// The EMS sees its NCRs; an OEM those on its own products.
    fn visible_to(actor: &Actor) -> Condition {
        match actor.org_kind {
            OrgKind::Ems => Condition::all().add(ncr::Column::EmsId.eq(actor.org_id)),
            OrgKind::Oem => Condition::all().add(ncr::Column::OemId.eq(actor.org_id)),
        }
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![ncr::Column::Id]
    }
}

/// An NCR to open.
#[derive(Debug, Clone)]
pub struct NewNcr {
    /// The build it was found in.
    pub build_id: Option<Uuid>,
    /// One line.
    pub title: String,
    /// What was found, where and how.
    pub description: String,
    /// How bad.
    pub severity: NcrSeverity,
    /// Defects it covers (each makes an item of its unit and designator).
    pub defect_ids: Vec<Uuid>,
    /// Units it covers besides those of the defects.
    pub serials: Vec<Serial>,
    /// Lots it covers.
    pub lot_ids: Vec<Uuid>,
    /// Failed FAI characteristics it is opened for (each links to it).
    pub fai_characteristic_ids: Vec<Uuid>,
}

fn bounded(what: &str, text: &str, max: usize) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(ApiError::bad_input(format!(
            "{what} must have 1 to {max} characters"
        )));
    }
    Ok(text.to_owned())
}

/// Opens an NCR (EMS quality, program managers and admins) over defects, units and lots of one
/// customer's product, or over lots alone; every item is contained at once.
pub async fn open(
    state: &AppState,
    actor: &Actor,
    input: NewNcr,
    meta: &AuditMeta,
) -> ApiResult<ncr::Model> {
    authorize(actor, Action::ManageQuality)?;
    let title = bounded("the title", &input.title, 200)?;
    let description = bounded("the description", &input.description, 10_000)?;
    let count = input.defect_ids.len()
        + input.serials.len()
        + input.lot_ids.len()
        + input.fai_characteristic_ids.len();
    if count == 0 && input.build_id.is_none() {
        return Err(ApiError::bad_input(
            "name what is nonconforming: defects, serials, lots, or at least the build",
        ));
    }
    if count > MAX_ITEMS {
        return Err(ApiError::bad_input(format!(
            "an NCR holds at most {MAX_ITEMS} items"
        )));
    }
    let txn = begin_write(&state.db).await?;
    let build = match input.build_id {
        Some(id) => Some(actor.load::<build::Entity>(&txn, id).await?),
        None => None,
    };
    let defect_ids: BTreeSet<Uuid> = input.defect_ids.iter().copied().collect();
    let defects = actor
        .select::<defect::Entity>()
        .filter(defect::Column::Id.is_in(defect_ids.iter().copied()))
        .order_by_asc(defect::Column::Id)
        .all(&txn)
        .await?;
    if defects.len() != defect_ids.len() {
        return Err(ApiError::NotFound("defect"));
    }
    let serials: BTreeSet<String> = input.serials.iter().map(Serial::to_string).collect();
    let by_serial = actor
        .select::<unit::Entity>()
        .filter(unit::Column::Serial.is_in(serials.iter().cloned()))
        .all(&txn)
        .await?;
    if by_serial.len() != serials.len() {
        return Err(ApiError::NotFound("unit"));
    }
    let lot_ids: BTreeSet<Uuid> = input.lot_ids.iter().copied().collect();
    let lots = actor
        .select::<component_lot::Entity>()
        .filter(component_lot::Column::Id.is_in(lot_ids.iter().copied()))
        .filter(component_lot::Column::EmsId.eq(actor.org_id))
        .all(&txn)
        .await?;
    if lots.len() != lot_ids.len() {
        return Err(ApiError::NotFound("component lot"));
    }
    let characteristic_ids: BTreeSet<Uuid> = input.fai_characteristic_ids.iter().copied().collect();
    let characteristic_ids: Vec<Uuid> = characteristic_ids.into_iter().collect();
    let failed =
        crate::fai::service::failed_characteristics(&txn, actor, &characteristic_ids).await?;
    let defect_units: BTreeSet<Uuid> = defects
        .iter()
        .map(|d| d.unit_id)
        .chain(failed.iter().map(|f| f.report.unit_id))
        .collect();
    let units_of_defects = unit::Entity::find()
        .filter(unit::Column::Id.is_in(defect_units))
        .all(&txn)
        .await?;
    // One customer: the build's and every unit's OEM agree.
    let build_ids: BTreeSet<Uuid> = by_serial
        .iter()
        .chain(&units_of_defects)
        .map(|u| u.build_id)
        .chain(build.iter().map(|b| b.id))
        .collect();
    let oems: BTreeSet<Uuid> = build::Entity::find()
        .filter(build::Column::Id.is_in(build_ids.iter().copied()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|b| b.oem_id)
        .collect();
    if oems.len() > 1 {
        return Err(ApiError::bad_input(
            "an NCR concerns one customer's product: open one per customer",
        ));
    }
    let oem_id = oems.into_iter().next();
    let only_build = (build_ids.len() == 1)
        .then(|| build_ids.iter().next().copied())
        .flatten();
    let source = if !failed.is_empty() {
        NcrSource::Fai
    } else if !defects.is_empty() {
        NcrSource::Defect
    } else if !lots.is_empty() && by_serial.is_empty() {
        NcrSource::Lot
    } else {
        NcrSource::Manual
    };
    let number = next_number(&txn, actor.org_id).await?;
    let now = Utc::now();
    let user = actor
        .user_id()
        .ok_or_else(|| ApiError::forbidden("only a person opens an NCR"))?;
    let row = ncr::ActiveModel {
        id: Set(Uuid::now_v7()),
        ems_id: Set(actor.org_id),
        oem_id: Set(oem_id),
        build_id: Set(build.as_ref().map(|b| b.id).or(only_build)),
        number: Set(number),
        title: Set(title),
        description: Set(description),
        severity: Set(input.severity.as_str().to_owned()),
        source: Set(source.as_str().to_owned()),
        status: Set(NcrStatus::Open.as_str().to_owned()),
        created_by: Set(user),
        created_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let item = |unit_id: Option<Uuid>, lot_id: Option<Uuid>, defect: Option<&defect::Model>| {
        ncr_item::ActiveModel {
            id: Set(Uuid::now_v7()),
            ncr_id: Set(row.id),
            unit_id: Set(unit_id),
            lot_id: Set(lot_id),
            defect_id: Set(defect.map(|d| d.id)),
            designator: Set(defect.map(|d| d.designator.clone())),
            disposition: Set(None),
            disposition_reason: Set(None),
            disposed_by: Set(None),
            disposed_at: Set(None),
            review: Set(MaterialReview::NotNeeded.as_str().to_owned()),
            contained: Set(true),
        }
    };
    let mut items: Vec<ncr_item::ActiveModel> = defects
        .iter()
        .map(|d| item(Some(d.unit_id), None, Some(d)))
        .collect();
    items.extend(failed.iter().map(|f| {
        let mut item = item(Some(f.report.unit_id), None, None);
        item.designator = Set(f.characteristic.designator.clone());
        item
    }));
    let covered: BTreeSet<Uuid> = defects
        .iter()
        .map(|d| d.unit_id)
        .chain(failed.iter().map(|f| f.report.unit_id))
        .collect();
    items.extend(
        by_serial
            .iter()
            .filter(|u| !covered.contains(&u.id))
            .map(|u| item(Some(u.id), None, None)),
    );
    items.extend(lots.iter().map(|l| item(None, Some(l.id), None)));
    for chunk in items.chunks(500) {
        ncr_item::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    crate::fai::service::link_ncr(&txn, &failed, &row, meta).await?;
    audit::record(
        &txn,
        meta,
        Change::new("quality.ncr.open", "Ncr", row.id).after(&json!({
            "number": row.number, "severity": row.severity, "source": row.source,
            "items": items.len(), "oem": row.oem_id,
        })),
    )
    .await?;
    let tenants: Vec<Uuid> = std::iter::once(row.ems_id).chain(row.oem_id).collect();
    crate::outbox::emit_to(
        &txn,
        &tenants,
        WebhookEvent::NcrOpened,
        row.id,
        json!({"number": row.number, "severity": row.severity, "items": items.len()}),
    )
    .await?;
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(row)
}

/// The next `NCR-000001` of an EMS (inside the opening transaction; the unique index turns a
/// concurrent twin into a conflict).
async fn next_number(db: &impl ConnectionTrait, ems_id: Uuid) -> ApiResult<String> {
    let count: Option<i64> = ncr::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(ncr::Column::EmsId.eq(ems_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(format!("NCR-{:06}", count.unwrap_or(0) + 1))
}

/// The items of an NCR, in the order they were opened.
pub async fn items(db: &impl ConnectionTrait, ncr_id: Uuid) -> ApiResult<Vec<ncr_item::Model>> {
    Ok(ncr_item::Entity::find()
        .filter(ncr_item::Column::NcrId.eq(ncr_id))
        .order_by_asc(ncr_item::Column::Id)
        .all(db)
        .await?)
}

/// Gives an item its disposition (EMS quality, program managers and admins). REPAIR and
/// USE_AS_IS of a customer's product stay contained until the customer approves; SCRAP scraps
/// the unit; RETURN_TO_SUPPLIER keeps the lot out of production for good.
pub async fn dispose(
    state: &AppState,
    actor: &Actor,
    item_id: Uuid,
    disposition: NcrDisposition,
    reason: &str,
    meta: &AuditMeta,
) -> ApiResult<ncr_item::Model> {
    authorize(actor, Action::ManageQuality)?;
    let reason = bounded("the reason", reason, 2000)?;
    let txn = begin_write(&state.db).await?;
    let item = ncr_item::Entity::find_by_id(item_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("NCR item"))?;
    let ncr = actor.load::<ncr::Entity>(&txn, item.ncr_id).await?;
    if stored::<NcrStatus>(&ncr.status)? == NcrStatus::Closed {
        return Err(ApiError::conflict(format!("{} is closed", ncr.number)));
    }
    match stored::<MaterialReview>(&item.review)? {
        MaterialReview::Pending => {
            return Err(ApiError::conflict(
                "this item's disposition waits for the customer's review",
            ))
        }
        MaterialReview::Approved => {
            return Err(ApiError::conflict(
                "the customer approved this item's disposition already",
            ))
        }
        MaterialReview::NotNeeded | MaterialReview::Rejected => {}
    }
    if item.disposition.is_some() && item.review != MaterialReview::Rejected.as_str() {
        return Err(ApiError::conflict("this item has its disposition already"));
    }
    match (item.unit_id.is_some(), disposition) {
        (true, NcrDisposition::ReturnToSupplier) => {
            return Err(ApiError::bad_input(
                "a unit is reworked, repaired, scrapped or used as is; lots go back to suppliers",
            ))
        }
        (false, NcrDisposition::Rework | NcrDisposition::Repair) => {
            return Err(ApiError::bad_input(
                "a lot is used as is, scrapped or returned to its supplier",
            ))
        }
        _ => {}
    }
    let needs_review = disposition.needs_customer_approval() && ncr.oem_id.is_some();
    let review = if needs_review {
        MaterialReview::Pending
    } else {
        MaterialReview::NotNeeded
    };
    if disposition == NcrDisposition::Scrap {
        if let Some(unit_id) = item.unit_id {
            unit::Entity::update_many()
                .col_expr(
                    unit::Column::Status,
                    Expr::value(UnitStatus::Scrapped.as_str()),
                )
                .filter(unit::Column::Id.eq(unit_id))
                .exec(&txn)
                .await?;
        }
    }
    let before = json!({"disposition": item.disposition, "review": item.review, "contained": item.contained});
    let mut active: ncr_item::ActiveModel = item.into();
    active.disposition = Set(Some(disposition.as_str().to_owned()));
    active.disposition_reason = Set(Some(reason));
    active.disposed_by = Set(Some(actor.label()));
    active.disposed_at = Set(Some(Utc::now()));
    active.review = Set(review.as_str().to_owned());
    active.contained = Set(needs_review || disposition.keeps_contained());
    let item = active.update(&txn).await?;
    refresh_status(&txn, &ncr).await?;
    audit::record(
        &txn,
        meta,
        Change::new("quality.ncr.dispose", "NcrItem", item.id)
            .before(&before)
            .after(&json!({"ncr": ncr.number, "disposition": item.disposition, "reason": item.disposition_reason, "review": item.review, "contained": item.contained})),
    )
    .await?;
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(item)
}

/// Sets an NCR's status from its items: IN_REVIEW while a review is pending, else OPEN.
async fn refresh_status(db: &impl ConnectionTrait, ncr: &ncr::Model) -> ApiResult<ncr::Model> {
    let items = items(db, ncr.id).await?;
    let pending = items
        .iter()
        .any(|i| i.review == MaterialReview::Pending.as_str());
    let status = if pending {
        NcrStatus::InReview
    } else {
        NcrStatus::Open
    };
    let mut active: ncr::ActiveModel = ncr.clone().into();
    active.status = Set(status.as_str().to_owned());
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// What the customer's review signs: the NCR and each item's disposition as they stand.
pub async fn review_content(db: &impl ConnectionTrait, ncr: &ncr::Model) -> ApiResult<Value> {
    let items = items(db, ncr.id).await?;
    Ok(json!({
        "ncr": ncr.id, "number": ncr.number, "title": ncr.title, "description": ncr.description,
        "severity": ncr.severity,
        "items": items.iter().map(|i| json!({
            "id": i.id, "unit": i.unit_id, "lot": i.lot_id, "designator": i.designator,
            "disposition": i.disposition, "reason": i.disposition_reason, "review": i.review,
        })).collect::<Vec<_>>(),
    }))
}

/// The customer's signed decision on what waits for its review.
#[derive(Debug)]
pub struct ReviewRequest<'a> {
    /// Approve (release the items) or reject (the EMS gives another disposition).
    pub approve: bool,
    /// The signer's password, asked again.
    pub password: &'a str,
    /// Why.
    pub reason: &'a str,
    /// Where the request came from (for the sign-in throttle).
    pub client_ip: IpAddr,
}

/// The OEM engineer approves or rejects every disposition of an NCR that waits for the
/// customer's review, with an electronic signature over the NCR's content.
pub async fn review(
    state: &AppState,
    actor: &Actor,
    ncr_id: Uuid,
    request: ReviewRequest<'_>,
    meta: &AuditMeta,
) -> ApiResult<ncr::Model> {
    authorize(actor, Action::ReviewMaterial)?;
    let reason = signing::reason(request.reason)?;
    actor.load::<ncr::Entity>(&state.db, ncr_id).await?;
    let signer = signing::reauthenticate(state, actor, request.password, request.client_ip).await?;
    let txn = begin_write(&state.db).await?;
    let ncr = actor.load::<ncr::Entity>(&txn, ncr_id).await?;
    let pending: Vec<ncr_item::Model> = items(&txn, ncr.id)
        .await?
        .into_iter()
        .filter(|i| i.review == MaterialReview::Pending.as_str())
        .collect();
    if pending.is_empty() {
        return Err(ApiError::conflict(format!(
            "nothing of {} waits for your review",
            ncr.number
        )));
    }
    let content_hash = crate::fai::content::hash(&review_content(&txn, &ncr).await?)?;
    let signature = signing::record(
        &txn,
        signing::NewSignature {
            record_type: REVIEW_RECORD,
            record_id: ncr.id,
            signer: &signer,
            organization_id: actor.org_id,
            meaning: if request.approve {
                SignatureMeaning::Approved
            } else {
                SignatureMeaning::Rejected
            },
            reason,
            content_hash,
        },
    )
    .await?;
    for item in &pending {
        let disposition = item
            .disposition
            .as_deref()
            .map(stored::<NcrDisposition>)
            .transpose()?;
        let mut active: ncr_item::ActiveModel = item.clone().into();
        if request.approve {
            active.review = Set(MaterialReview::Approved.as_str().to_owned());
            active.contained = Set(disposition.is_some_and(NcrDisposition::keeps_contained));
        } else {
            active.review = Set(MaterialReview::Rejected.as_str().to_owned());
        }
        active.update(&txn).await?;
    }
    let ncr = refresh_status(&txn, &ncr).await?;
    audit::record(
        &txn,
        meta,
        Change::new("quality.ncr.review", "Ncr", ncr.id).after(&json!({
            "approve": request.approve, "items": pending.len(), "signature": signature.id,
            "contentHash": signature.content_hash, "signer": signature.email,
        })),
    )
    .await?;
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(ncr)
}

/// Closes an NCR whose every item is dispositioned with no review pending or rejected.
pub async fn close(
    state: &AppState,
    actor: &Actor,
    ncr_id: Uuid,
    meta: &AuditMeta,
) -> ApiResult<ncr::Model> {
    authorize(actor, Action::ManageQuality)?;
    let txn = begin_write(&state.db).await?;
    let ncr = actor.load::<ncr::Entity>(&txn, ncr_id).await?;
    if stored::<NcrStatus>(&ncr.status)? == NcrStatus::Closed {
        return Err(ApiError::conflict(format!(
            "{} is closed already",
            ncr.number
        )));
    }
    let items = items(&txn, ncr.id).await?;
    let open = items
        .iter()
        .filter(|i| {
            i.disposition.is_none()
                || i.review == MaterialReview::Pending.as_str()
                || i.review == MaterialReview::Rejected.as_str()
        })
        .count();
    if open > 0 {
        return Err(ApiError::conflict(format!(
            "{} has {open} item(s) without a final disposition",
            ncr.number
        )));
    }
    let now = Utc::now();
    let mut active: ncr::ActiveModel = ncr.into();
    active.status = Set(NcrStatus::Closed.as_str().to_owned());
    active.updated_at = Set(now);
    active.closed_at = Set(Some(now));
    let ncr = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("quality.ncr.close", "Ncr", ncr.id)
            .after(&json!({"number": ncr.number, "status": ncr.status})),
    )
    .await?;
    let tenants: Vec<Uuid> = std::iter::once(ncr.ems_id).chain(ncr.oem_id).collect();
    crate::outbox::emit_to(
        &txn,
        &tenants,
        WebhookEvent::NcrClosed,
        ncr.id,
        json!({"number": ncr.number}),
    )
    .await?;
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(ncr)
}

/// NCRs the actor sees, newest first; of one status when given.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    status: Option<NcrStatus>,
    first: u64,
) -> ApiResult<Vec<ncr::Model>> {
    let mut select = actor
        .select::<ncr::Entity>()
        .order_by_desc(ncr::Column::CreatedAt)
        .order_by_desc(ncr::Column::Id)
        .limit(first);
    if let Some(status) = status {
        select = select.filter(ncr::Column::Status.eq(status.as_str()));
    }
    Ok(select.all(db).await?)
}

/// Refuses with CONFLICT when one of `units` is contained by an NCR, naming the unit and the
/// NCR: the floor and shipping ask before they touch units.
pub async fn refuse_contained_units<'a>(
    db: &impl ConnectionTrait,
    units: impl IntoIterator<Item = &'a unit::Model>,
) -> ApiResult<()> {
    let units: Vec<&unit::Model> = units.into_iter().collect();
    if units.is_empty() {
        return Ok(());
    }
    let Some(item) = ncr_item::Entity::find()
        .filter(ncr_item::Column::UnitId.is_in(units.iter().map(|u| u.id)))
        .filter(ncr_item::Column::Contained.eq(true))
        .order_by_asc(ncr_item::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let serial = units
        .iter()
        .find(|u| Some(u.id) == item.unit_id)
        .map_or_else(String::new, |u| u.serial.clone());
    let number = number_of(db, item.ncr_id).await?;
    Err(ApiError::conflict(format!(
        "unit {serial} is contained by {number}: it waits for its disposition"
    )))
}

/// Refuses with CONFLICT when a lot is contained by an NCR.
pub async fn refuse_contained_lot(
    db: &impl ConnectionTrait,
    lot: &component_lot::Model,
) -> ApiResult<()> {
    let Some(item) = ncr_item::Entity::find()
        .filter(ncr_item::Column::LotId.eq(lot.id))
        .filter(ncr_item::Column::Contained.eq(true))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let number = number_of(db, item.ncr_id).await?;
    Err(ApiError::conflict(format!(
        "lot {} (reel {}) is contained by {number}",
        lot.lot_code, lot.reel_id
    )))
}

async fn number_of(db: &impl ConnectionTrait, ncr_id: Uuid) -> ApiResult<String> {
    Ok(ncr::Entity::find_by_id(ncr_id)
        .one(db)
        .await?
        .map_or_else(|| "an NCR".to_owned(), |n| n.number))
}

/// What a note is written on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteOn {
    /// An NCR.
    Ncr,
    /// A corrective action.
    Capa,
}

impl NoteOn {
    fn as_str(self) -> &'static str {
        match self {
            NoteOn::Ncr => "Ncr",
            NoteOn::Capa => "Capa",
        }
    }
}

/// Writes a note on an NCR or a CAPA the actor sees: EMS quality leads (`internal` keeps it
/// from the OEM for good), or the OEM's admins and engineers (never internal).
pub async fn add_note(
    state: &AppState,
    actor: &Actor,
    record_id: Uuid,
    text: &str,
    internal: bool,
    meta: &AuditMeta,
) -> ApiResult<quality_note::Model> {
    match actor.org_kind {
        OrgKind::Ems => authorize(actor, Action::ManageQuality)?,
        OrgKind::Oem => {
            authorize(actor, Action::RaiseCorrectiveActions)?;
            if internal {
                return Err(ApiError::bad_input(
                    "internal notes are the EMS's own; the OEM's notes are seen by both sides",
                ));
            }
        }
    }
    let text = bounded("the note", text, 10_000)?;
    let txn = begin_write(&state.db).await?;
    let (on, ems_id) = match actor
        .select::<ncr::Entity>()
        .filter(ncr::Column::Id.eq(record_id))
        .one(&txn)
        .await?
    {
        Some(n) => (NoteOn::Ncr, n.ems_id),
        None => {
            let capa = actor
                .select::<crate::entities::capa::Entity>()
                .filter(crate::entities::capa::Column::Id.eq(record_id))
                .one(&txn)
                .await?
                .ok_or(ApiError::NotFound("NCR or CAPA"))?;
            (NoteOn::Capa, capa.ems_id)
        }
    };
    let row = quality_note::ActiveModel {
        id: Set(Uuid::now_v7()),
        ems_id: Set(ems_id),
        record_type: Set(on.as_str().to_owned()),
        record_id: Set(record_id),
        organization_id: Set(actor.org_id),
        author: Set(actor.label()),
        text: Set(text),
        internal: Set(internal),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        Change::new("quality.note", on.as_str(), record_id)
            .after(&json!({"note": row.id, "internal": row.internal})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The notes on a record the actor already sees, oldest first; the EMS's internal notes only
/// for the EMS.
pub async fn notes(
    db: &impl ConnectionTrait,
    actor: &Actor,
    record_id: Uuid,
) -> ApiResult<Vec<quality_note::Model>> {
    let mut select = quality_note::Entity::find()
        .filter(quality_note::Column::RecordId.eq(record_id))
        .order_by_asc(quality_note::Column::Id);
    if actor.org_kind != OrgKind::Ems {
        select = select.filter(quality_note::Column::Internal.eq(false));
    }
    Ok(select.all(db).await?)
}

/// The record whose NCRs (and the corrective actions covering them) are asked for.
#[derive(Debug, Clone, Copy)]
pub enum NcrsOf {
    /// NCRs with an item on this unit.
    Unit(Uuid),
    /// NCRs with an item on this component lot.
    Lot(Uuid),
    /// NCRs found in this build.
    Build(Uuid),
    /// NCRs found in the builds of this package (revision).
    Package(Uuid),
}

impl NcrsOf {
    /// The ids of the NCRs concerned, as a subquery (tenancy is applied by the caller).
    fn ncr_ids(self) -> sea_orm::sea_query::SelectStatement {
        use sea_orm::sea_query::Query;
        let by_item = |column: ncr_item::Column, id: Uuid| {
            Query::select()
                .column(ncr_item::Column::NcrId)
                .from(ncr_item::Entity)
                .and_where(column.eq(id))
                .to_owned()
        };
        let by_builds = |builds: sea_orm::sea_query::SimpleExpr| {
            Query::select()
                .column(ncr::Column::Id)
                .from(ncr::Entity)
                .and_where(builds)
                .to_owned()
        };
        match self {
            NcrsOf::Unit(id) => by_item(ncr_item::Column::UnitId, id),
            NcrsOf::Lot(id) => by_item(ncr_item::Column::LotId, id),
            NcrsOf::Build(id) => by_builds(ncr::Column::BuildId.eq(id)),
            NcrsOf::Package(id) => by_builds(
                ncr::Column::BuildId.in_subquery(
                    Query::select()
                        .column(build::Column::Id)
                        .from(build::Entity)
                        .and_where(build::Column::PackageId.eq(id))
                        .to_owned(),
                ),
            ),
        }
    }
}

/// The NCRs of a unit, a lot, a build or a package that the actor sees, newest first.
pub async fn ncrs_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    of: NcrsOf,
) -> ApiResult<Vec<ncr::Model>> {
    Ok(actor
        .select::<ncr::Entity>()
        .filter(ncr::Column::Id.in_subquery(of.ncr_ids()))
        .order_by_desc(ncr::Column::CreatedAt)
        .limit(crate::pagination::MAX_PAGE)
        .all(db)
        .await?)
}

/// The corrective actions the actor sees that cover NCRs of a unit, a lot, a build or a
/// package, newest first.
pub async fn capas_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    of: NcrsOf,
) -> ApiResult<Vec<crate::entities::capa::Model>> {
    use crate::entities::{capa, capa_ncr};
    let mut covers = Condition::any().add(
        capa::Column::Id.in_subquery(
            sea_orm::sea_query::Query::select()
                .column(capa_ncr::Column::CapaId)
                .from(capa_ncr::Entity)
                .and_where(capa_ncr::Column::NcrId.in_subquery(of.ncr_ids()))
                .to_owned(),
        ),
    );
    if let NcrsOf::Build(id) = of {
        // A customer's request may cite the build without an NCR (`cites` is JSON text).
        covers = covers.add(capa::Column::Cites.like(format!("%\"{id}\"%")));
    }
    Ok(actor
        .select::<capa::Entity>()
        .filter(covers)
        .order_by_desc(capa::Column::CreatedAt)
        .limit(crate::pagination::MAX_PAGE)
        .all(db)
        .await?)
}
