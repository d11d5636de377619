//! Supply rules: purchase orders, receipts, alternates, attrition, material sources, and the
//! clear-to-build picture of an EMS's open builds.

use crate::audit::{self, AuditMeta, Change};
use crate::builds::service::{receive_lot_in, NewLot};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{
    alternate_part, attrition_rate, build, build_material_source, component_lot, lot_usage,
    npi_package, purchase_order, purchase_order_line, purchase_order_receipt,
};
use crate::error::{conflict_on_duplicate, ApiError, ApiResult};
use crate::packages::analysis;
use crate::policy::{authorize, Action};
use crate::tenancy::{Actor, Principal, Tenanted};
use chrono::{NaiveDate, Utc};
use firstpass_shared::domain::BuildStatus;
use firstpass_shared::supply::{
    allocate, parts_needed, Allocation, AlternateStatus, MaterialSource, Need, OnOrder, PartClass,
    PPM_PER_PERCENT,
};
use firstpass_shared::text::{DisplayName, LotCode, Mpn};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    JoinType, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// Most lines one purchase order takes.
pub const MAX_ORDER_LINES: usize = 500;

impl Tenanted for purchase_order::Entity {
    const NOUN: &'static str = "purchase order";
    /// The EMS's own orders; an OEM sees none.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::all().add(purchase_order::Column::EmsId.eq(actor.org_id))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![purchase_order::Column::Id]
    }
}

impl Tenanted for purchase_order_line::Entity {
    const NOUN: &'static str = "purchase order line";
    /// Lines of the EMS's own orders.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::all().add(purchase_order_line::Column::EmsId.eq(actor.org_id))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![purchase_order_line::Column::Id]
    }
}

impl Tenanted for alternate_part::Entity {
    const NOUN: &'static str = "alternate part";
    /// The OEM sees the alternates of its packages, the EMS those it proposed.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::any()
            .add(alternate_part::Column::OemId.eq(actor.org_id))
            .add(alternate_part::Column::EmsId.eq(actor.org_id))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![alternate_part::Column::Id]
    }
}

/// The person or token acting, for `created_by` columns.
fn principal_id(actor: &Actor) -> Uuid {
    match &actor.principal {
        Principal::User { id, .. } | Principal::ApiToken { id, .. } => *id,
    }
}

fn bounded(what: &str, value: &str, max: usize) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(ApiError::bad_input(format!(
            "{what} must have 1 to {max} characters and no control characters"
        )));
    }
    Ok(value.to_owned())
}

/// A line of a new purchase order.
#[derive(Debug, Clone)]
pub struct NewOrderLine {
    /// The part.
    pub mpn: Mpn,
    /// Its manufacturer.
    pub manufacturer: DisplayName,
    /// Parts ordered.
    pub quantity: i32,
    /// When the supplier promised them.
    pub promised_date: NaiveDate,
}

/// A new purchase order.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// The EMS's order number.
    pub po_number: String,
    /// Who supplies it.
    pub supplier: String,
    /// The build it is placed for, if any.
    pub build_id: Option<Uuid>,
    /// What is ordered.
    pub lines: Vec<NewOrderLine>,
}

/// A purchase order with its lines.
#[derive(Debug, Clone)]
pub struct Order {
    /// The order.
    pub order: purchase_order::Model,
    /// Its lines, by line number.
    pub lines: Vec<purchase_order_line::Model>,
}

/// Records a purchase order the EMS placed (planners, or an ERP's WRITE token).
pub async fn record_purchase_order(
    state: &AppState,
    actor: &Actor,
    input: NewOrder,
    meta: &AuditMeta,
) -> ApiResult<Order> {
    authorize(actor, Action::ManageSupply)?;
    let po_number = bounded("the order number", &input.po_number, 100)?;
    let supplier = bounded("the supplier", &input.supplier, 200)?;
    if input.lines.is_empty() || input.lines.len() > MAX_ORDER_LINES {
        return Err(ApiError::bad_input(format!(
            "an order has 1 to {MAX_ORDER_LINES} lines"
        )));
    }
    if let Some(bad) = input.lines.iter().find(|l| l.quantity < 1) {
        return Err(ApiError::bad_input(format!(
            "the quantity of {} must be at least 1",
            bad.mpn
        )));
    }
    let txn = begin_write(&state.db).await?;
    if let Some(build_id) = input.build_id {
        actor.load::<build::Entity>(&txn, build_id).await?;
    }
    let now = Utc::now();
    let order = purchase_order::ActiveModel {
        id: Set(Uuid::now_v7()),
        ems_id: Set(actor.org_id),
        po_number: Set(po_number.clone()),
        supplier: Set(supplier),
        build_id: Set(input.build_id),
        created_by: Set(principal_id(actor)),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| conflict_on_duplicate(e, format!("order {po_number} is recorded already")))?;
    let rows: Vec<purchase_order_line::Model> = input
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| purchase_order_line::Model {
            id: Uuid::now_v7(),
            purchase_order_id: order.id,
            ems_id: actor.org_id,
            line_no: i as i32 + 1,
            mpn: line.mpn.as_str().to_owned(),
            manufacturer: line.manufacturer.as_str().to_owned(),
            quantity: line.quantity,
            promised_date: line.promised_date,
            received_quantity: 0,
            updated_at: now,
        })
        .collect();
    for chunk in rows.chunks(200) {
        purchase_order_line::Entity::insert_many(chunk.iter().cloned().map(|row| {
            let active: purchase_order_line::ActiveModel = row.into();
            active
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    audit::record(
        &txn,
        meta,
        Change::new("supply.purchase_order", "PurchaseOrder", order.id).after(&json!({
            "poNumber": order.po_number, "supplier": order.supplier, "buildId": order.build_id,
            "lines": rows.iter().map(|l| json!({"mpn": l.mpn, "quantity": l.quantity, "promisedDate": l.promised_date})).collect::<Vec<_>>(),
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(Order { order, lines: rows })
}

/// The lines of these orders, by order and line number.
pub async fn lines_of(
    db: &impl ConnectionTrait,
    orders: &[Uuid],
) -> ApiResult<Vec<purchase_order_line::Model>> {
    Ok(purchase_order_line::Entity::find()
        .filter(purchase_order_line::Column::PurchaseOrderId.is_in(orders.iter().copied()))
        .order_by_asc(purchase_order_line::Column::PurchaseOrderId)
        .order_by_asc(purchase_order_line::Column::LineNo)
        .all(db)
        .await?)
}

/// The EMS's purchase orders, newest first, with their lines (planners and tokens).
pub async fn purchase_orders(
    state: &AppState,
    actor: &Actor,
    build_id: Option<Uuid>,
    first: u64,
) -> ApiResult<Vec<Order>> {
    authorize(actor, Action::ManageSupply)?;
    let mut select = actor
        .select::<purchase_order::Entity>()
        .order_by_desc(purchase_order::Column::Id)
        .limit(first);
    if let Some(build_id) = build_id {
        select = select.filter(purchase_order::Column::BuildId.eq(build_id));
    }
    let orders = select.all(&state.db).await?;
    let ids: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    let mut lines: HashMap<Uuid, Vec<purchase_order_line::Model>> = HashMap::new();
    for line in lines_of(&state.db, &ids).await? {
        lines.entry(line.purchase_order_id).or_default().push(line);
    }
    Ok(orders
        .into_iter()
        .map(|order| Order {
            lines: lines.remove(&order.id).unwrap_or_default(),
            order,
        })
        .collect())
}

/// Moves the promised date of an order line (the supplier's new promise).
pub async fn update_promise(
    state: &AppState,
    actor: &Actor,
    line_id: Uuid,
    promised_date: NaiveDate,
    meta: &AuditMeta,
) -> ApiResult<purchase_order_line::Model> {
    authorize(actor, Action::ManageSupply)?;
    let txn = begin_write(&state.db).await?;
    let line = actor
        .load::<purchase_order_line::Entity>(&txn, line_id)
        .await?;
    let before = line.promised_date;
    let late_before: BTreeSet<Uuid> = picture(&txn, line.ems_id)
        .await?
        .late()
        .into_iter()
        .map(|l| l.build_id)
        .collect();
    let mut active: purchase_order_line::ActiveModel = line.into();
    active.promised_date = Set(promised_date);
    active.updated_at = Set(Utc::now());
    let line = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("supply.promise", "PurchaseOrderLine", line.id)
            .before(&json!({"promisedDate": before}))
            .after(&json!({"promisedDate": line.promised_date})),
    )
    .await?;
    // Builds this promise now makes late: both sides hear of it.
    for late in picture(&txn, line.ems_id).await?.late() {
        if late_before.contains(&late.build_id) {
            continue;
        }
        let data = json!({
            "mpn": line.mpn, "purchaseOrderLineId": line.id, "promisedDate": line.promised_date,
            "clearDate": late.clear_date, "dueDate": late.due_date,
        });
        crate::outbox::emit_to(
            &txn,
            &[line.ems_id, late.oem_id],
            crate::webhooks::model::WebhookEvent::MaterialLate,
            late.build_id,
            data,
        )
        .await?;
    }
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(line)
}

/// Parts of an order line received as one lot.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// Parts received (at most what is still open).
    pub quantity: i32,
    /// The manufacturer's lot code.
    pub lot_code: LotCode,
    /// Date code.
    pub date_code: String,
    /// The EMS's reel id.
    pub reel_id: String,
}

/// Receives parts of an order line: a lot of its part from its supplier, counted on the line.
pub async fn receive_order_line(
    state: &AppState,
    actor: &Actor,
    line_id: Uuid,
    receipt: Receipt,
    meta: &AuditMeta,
) -> ApiResult<(component_lot::Model, purchase_order_line::Model)> {
    authorize(actor, Action::ManageSupply)?;
    let txn = begin_write(&state.db).await?;
    // The line is locked: two receipts of one line add up instead of racing.
    let line = purchase_order_line::Entity::find()
        .filter(purchase_order_line::Entity::visible_to(actor))
        .filter(purchase_order_line::Column::Id.eq(line_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("purchase order line"))?;
    let open = line.quantity - line.received_quantity;
    if receipt.quantity < 1 || receipt.quantity > open {
        return Err(ApiError::bad_input(format!(
            "receive 1 to {open} parts: line {} of the order has {open} still open",
            line.line_no
        )));
    }
    let order = actor
        .load::<purchase_order::Entity>(&txn, line.purchase_order_id)
        .await?;
    let lot = receive_lot_in(
        &txn,
        actor,
        NewLot {
            mpn: Mpn::parse(&line.mpn)?,
            manufacturer: DisplayName::parse(&line.manufacturer)?,
            lot_code: receipt.lot_code,
            date_code: receipt.date_code,
            reel_id: receipt.reel_id,
            quantity: receipt.quantity,
            supplier: order.supplier.clone(),
        },
        meta,
    )
    .await?;
    purchase_order_receipt::ActiveModel {
        id: Set(Uuid::now_v7()),
        line_id: Set(line.id),
        lot_id: Set(lot.id),
        quantity: Set(receipt.quantity),
        received_at: Set(lot.received_at),
    }
    .insert(&txn)
    .await?;
    let received = line.received_quantity + receipt.quantity;
    let mut active: purchase_order_line::ActiveModel = line.into();
    active.received_quantity = Set(received);
    active.updated_at = Set(Utc::now());
    let line = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("supply.receipt", "PurchaseOrderLine", line.id).after(&json!({
            "poNumber": order.po_number, "lotId": lot.id, "quantity": receipt.quantity, "receivedQuantity": line.received_quantity,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok((lot, line))
}

/// The MPNs a package's BOM places (DNP lines left out).
async fn bom_mpns(db: &impl ConnectionTrait, package_id: Uuid) -> ApiResult<BTreeSet<String>> {
    Ok(analysis::load(db, package_id)
        .await?
        .bom_lines
        .iter()
        .filter(|l| !l.dnp)
        .filter_map(|l| l.mpn.as_deref().map(str::trim).filter(|m| !m.is_empty()))
        .map(str::to_owned)
        .collect())
}

/// An alternate part the EMS proposes for a BOM part of a package.
#[derive(Debug, Clone)]
pub struct NewAlternate {
    /// The package.
    pub package_id: Uuid,
    /// The BOM's MPN.
    pub mpn: Mpn,
    /// The alternate's MPN.
    pub alternate_mpn: Mpn,
    /// The alternate's manufacturer.
    pub alternate_manufacturer: DisplayName,
    /// Why.
    pub reason: String,
}

/// Proposes an alternate part to the OEM; it counts as supply only once approved.
pub async fn propose_alternate(
    state: &AppState,
    actor: &Actor,
    input: NewAlternate,
    meta: &AuditMeta,
) -> ApiResult<alternate_part::Model> {
    authorize(actor, Action::ManageSupply)?;
    let reason = bounded("the reason", &input.reason, 2000)?;
    if input.mpn == input.alternate_mpn {
        return Err(ApiError::bad_input("an alternate is another part number"));
    }
    let txn = begin_write(&state.db).await?;
    let package = actor
        .load::<npi_package::Entity>(&txn, input.package_id)
        .await?;
    if !bom_mpns(&txn, package.id)
        .await?
        .contains(input.mpn.as_str())
    {
        return Err(ApiError::bad_input(format!(
            "{} is not placed by the BOM of this package",
            input.mpn
        )));
    }
    let row = alternate_part::ActiveModel {
        id: Set(Uuid::now_v7()),
        package_id: Set(package.id),
        oem_id: Set(package.oem_id),
        ems_id: Set(actor.org_id),
        mpn: Set(input.mpn.into_string()),
        alternate_mpn: Set(input.alternate_mpn.into_string()),
        alternate_manufacturer: Set(input.alternate_manufacturer.into_string()),
        reason: Set(reason),
        status: Set(AlternateStatus::Proposed.into()),
        proposed_by: Set(principal_id(actor)),
        proposed_at: Set(Utc::now()),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_note: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(|e| conflict_on_duplicate(e, "that alternate is proposed already"))?;
    audit::record(
        &txn,
        meta,
        Change::new("supply.alternate.propose", "AlternatePart", row.id).after(&json!({
            "packageId": row.package_id, "mpn": row.mpn, "alternateMpn": row.alternate_mpn, "reason": row.reason,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The OEM approves or rejects a proposed alternate; the decision is recorded with who made
/// it, when and why.
pub async fn decide_alternate(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    approve: bool,
    note: Option<String>,
    meta: &AuditMeta,
) -> ApiResult<alternate_part::Model> {
    authorize(actor, Action::ApproveAlternates)?;
    let note = note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| bounded("the note", n, 2000))
        .transpose()?;
    let txn = begin_write(&state.db).await?;
    let row = actor.load::<alternate_part::Entity>(&txn, id).await?;
    if row.oem_id != actor.org_id {
        return Err(ApiError::NotFound("alternate part"));
    }
    if row.status != AlternateStatus::Proposed.as_str() {
        return Err(ApiError::conflict(format!(
            "this alternate is {} already",
            row.status
        )));
    }
    let status = if approve {
        AlternateStatus::Approved
    } else {
        AlternateStatus::Rejected
    };
    let mut active: alternate_part::ActiveModel = row.into();
    active.status = Set(status.into());
    active.decided_by = Set(Some(principal_id(actor)));
    active.decided_at = Set(Some(Utc::now()));
    active.decision_note = Set(note);
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("supply.alternate.decide", "AlternatePart", row.id)
            .before(&json!({"status": AlternateStatus::Proposed}))
            .after(&json!({"status": row.status, "note": row.decision_note, "by": actor.label()})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The alternates of a package (both sides), oldest first.
pub async fn alternates(
    state: &AppState,
    actor: &Actor,
    package_id: Uuid,
) -> ApiResult<Vec<alternate_part::Model>> {
    actor
        .load::<npi_package::Entity>(&state.db, package_id)
        .await?;
    Ok(actor
        .select::<alternate_part::Entity>()
        .filter(alternate_part::Column::PackageId.eq(package_id))
        .order_by_asc(alternate_part::Column::Id)
        .all(&state.db)
        .await?)
}

/// Sets the attrition the EMS plans for a part class, in percent (0 to 100).
pub async fn set_attrition(
    state: &AppState,
    actor: &Actor,
    class: PartClass,
    percent: f64,
    meta: &AuditMeta,
) -> ApiResult<attrition_rate::Model> {
    authorize(actor, Action::ManageSupply)?;
    if !(0.0..=100.0).contains(&percent) {
        return Err(ApiError::bad_input("attrition is 0 to 100 percent"));
    }
    let ppm = (percent * f64::from(PPM_PER_PERCENT)).round() as i32;
    let txn = begin_write(&state.db).await?;
    let existing = attrition_rate::Entity::find_by_id((actor.org_id, class.as_str().to_owned()))
        .one(&txn)
        .await?;
    let before = existing.as_ref().map(|r| r.ppm);
    let row = match existing {
        Some(row) => {
            let mut active: attrition_rate::ActiveModel = row.into();
            active.ppm = Set(ppm);
            active.updated_at = Set(Utc::now());
            active.update(&txn).await?
        }
        None => {
            attrition_rate::ActiveModel {
                ems_id: Set(actor.org_id),
                part_class: Set(class.into()),
                ppm: Set(ppm),
                updated_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        meta,
        Change::new("supply.attrition", "Organization", actor.org_id)
            .before(&json!({"partClass": class, "ppm": before}))
            .after(&json!({"partClass": class, "ppm": row.ppm})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The EMS's attrition rates per part class (a class not set plans none).
pub async fn attrition_rates(
    state: &AppState,
    actor: &Actor,
) -> ApiResult<HashMap<PartClass, u32>> {
    authorize(actor, Action::ManageSupply)?;
    rates_of(&state.db, actor.org_id).await
}

async fn rates_of(db: &impl ConnectionTrait, ems_id: Uuid) -> ApiResult<HashMap<PartClass, u32>> {
    let mut rates = HashMap::new();
    for row in attrition_rate::Entity::find()
        .filter(attrition_rate::Column::EmsId.eq(ems_id))
        .all(db)
        .await?
    {
        let class = crate::error::stored::<PartClass>(&row.part_class)?;
        rates.insert(class, row.ppm.max(0) as u32);
    }
    Ok(rates)
}

/// Says who supplies a part of a build: the OEM (CONSIGNED) or the EMS (TURNKEY, the default).
pub async fn set_material_source(
    state: &AppState,
    actor: &Actor,
    build_id: Uuid,
    mpn: Mpn,
    source: MaterialSource,
    meta: &AuditMeta,
) -> ApiResult<MaterialSource> {
    authorize(actor, Action::ManageSupply)?;
    let txn = begin_write(&state.db).await?;
    let build = actor.load::<build::Entity>(&txn, build_id).await?;
    if !bom_mpns(&txn, build.package_id)
        .await?
        .contains(mpn.as_str())
    {
        return Err(ApiError::bad_input(format!(
            "{mpn} is not placed by the BOM of this build"
        )));
    }
    let key = (build.id, mpn.as_str().to_owned());
    let existing = build_material_source::Entity::find_by_id(key)
        .one(&txn)
        .await?;
    let before = existing.as_ref().map(|r| r.source.clone());
    match existing {
        Some(row) => {
            let mut active: build_material_source::ActiveModel = row.into();
            active.source = Set(source.into());
            active.updated_at = Set(Utc::now());
            active.update(&txn).await?;
        }
        None => {
            build_material_source::ActiveModel {
                build_id: Set(build.id),
                mpn: Set(mpn.as_str().to_owned()),
                source: Set(source.into()),
                updated_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
        }
    }
    audit::record(
        &txn,
        meta,
        Change::new("supply.source", "Build", build.id)
            .before(&json!({"mpn": mpn.as_str(), "source": before}))
            .after(&json!({"mpn": mpn.as_str(), "source": source})),
    )
    .await?;
    txn.commit().await?;
    Ok(source)
}

/// One BOM line of one build, as clear-to-build sees it.
#[derive(Debug, Clone)]
pub struct LineStatus {
    /// The BOM's MPN.
    pub mpn: String,
    /// Its manufacturer, as the BOM names it.
    pub manufacturer: Option<String>,
    /// The BOM's description.
    pub description: Option<String>,
    /// The designators it places.
    pub designators: Vec<String>,
    /// The class its designators tell.
    pub part_class: PartClass,
    /// Who supplies it.
    pub source: MaterialSource,
    /// Approved alternates that count as supply.
    pub alternates: Vec<String>,
    /// Placements per unit.
    pub per_unit: u32,
    /// Attrition planned, parts per million.
    pub attrition_ppm: u32,
    /// Parts the whole build needs with attrition.
    pub needed: u64,
    /// Parts already placed (lot usage of this build).
    pub used: u64,
    /// How the EMS's stock and orders serve what remains.
    pub allocation: Allocation<NaiveDate>,
}

/// Clear-to-build of every open build of one EMS.
#[derive(Debug, Clone, Default)]
pub struct Picture {
    /// Per open build, its lines in BOM order.
    pub builds: HashMap<Uuid, Vec<LineStatus>>,
    /// Per open build, its OEM and due date.
    pub due: HashMap<Uuid, (Uuid, NaiveDate)>,
}

/// An open build whose material will not all be there by its due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateMaterial {
    /// The build.
    pub build_id: Uuid,
    /// Its OEM.
    pub oem_id: Uuid,
    /// Its due date.
    pub due_date: NaiveDate,
    /// When all of it will be there; `None` when some has no supply in sight.
    pub clear_date: Option<NaiveDate>,
    /// The MPNs that push it past the due date, in BOM order.
    pub gating: Vec<String>,
}

impl Picture {
    /// The open builds whose material is not clear by their due date, earliest due first.
    pub fn late(&self) -> Vec<LateMaterial> {
        let mut out: Vec<LateMaterial> = self
            .builds
            .iter()
            .filter_map(|(build_id, lines)| {
                let (oem_id, due_date) = *self.due.get(build_id)?;
                let gating: Vec<String> = lines
                    .iter()
                    .filter(|l| {
                        l.allocation.uncovered > 0
                            || l.allocation.clear_date.is_some_and(|d| d > due_date)
                    })
                    .map(|l| l.mpn.clone())
                    .collect();
                if gating.is_empty() {
                    return None;
                }
                let uncovered = lines.iter().any(|l| l.allocation.uncovered > 0);
                let clear_date = if uncovered {
                    None
                } else {
                    lines.iter().filter_map(|l| l.allocation.clear_date).max()
                };
                Some(LateMaterial {
                    build_id: *build_id,
                    oem_id,
                    due_date,
                    clear_date,
                    gating,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            a.due_date
                .cmp(&b.due_date)
                .then(a.build_id.cmp(&b.build_id))
        });
        out
    }
}

/// A BOM line's placements per unit: its designators, or its quantity without them.
fn per_unit(line: &firstpass_shared::cad::bom::BomLine) -> u32 {
    if line.designators.is_empty() {
        line.quantity.unwrap_or(0)
    } else {
        line.designators.len() as u32
    }
}

/// Computes clear-to-build for every open (PLANNED or IN_PROGRESS) build of `ems_id` with a
/// fixed number of statements, however many builds: the builds, their BOMs, approved
/// alternates, attrition rates, material sources, lot usage and stock, open order lines.
pub async fn picture(db: &impl ConnectionTrait, ems_id: Uuid) -> ApiResult<Picture> {
    let builds = build::Entity::find()
        .filter(build::Column::EmsId.eq(ems_id))
        .filter(build::Column::Status.is_in([
            BuildStatus::Planned.as_str(),
            BuildStatus::InProgress.as_str(),
        ]))
        .order_by_asc(build::Column::DueDate)
        .order_by_asc(build::Column::CreatedAt)
        .all(db)
        .await?;
    if builds.is_empty() {
        return Ok(Picture::default());
    }
    let packages: BTreeSet<Uuid> = builds.iter().map(|b| b.package_id).collect();
    let boms = analysis::bom_lines_of(db, packages.iter().copied()).await?;
    let mut approved: HashMap<(Uuid, String), Vec<String>> = HashMap::new();
    for alt in alternate_part::Entity::find()
        .filter(alternate_part::Column::PackageId.is_in(packages.iter().copied()))
        .filter(alternate_part::Column::Status.eq(AlternateStatus::Approved.as_str()))
        .order_by_asc(alternate_part::Column::Id)
        .all(db)
        .await?
    {
        approved
            .entry((alt.package_id, alt.mpn))
            .or_default()
            .push(alt.alternate_mpn);
    }
    let rates = rates_of(db, ems_id).await?;
    let build_ids: Vec<Uuid> = builds.iter().map(|b| b.id).collect();
    let mut sources: HashMap<(Uuid, String), MaterialSource> = HashMap::new();
    for row in build_material_source::Entity::find()
        .filter(build_material_source::Column::BuildId.is_in(build_ids.iter().copied()))
        .all(db)
        .await?
    {
        sources.insert(
            (row.build_id, row.mpn),
            crate::error::stored::<MaterialSource>(&row.source)?,
        );
    }
    // Parts placed, per build and MPN, and per MPN over every build (stock is what lots
    // received less what was placed from them).
    let lot_of_usage: sea_orm::RelationDef = lot_usage::Entity::belongs_to(component_lot::Entity)
        .from(lot_usage::Column::LotId)
        .to(component_lot::Column::Id)
        .into();
    let usage: Vec<(Uuid, String, i64)> = lot_usage::Entity::find()
        .select_only()
        .column(lot_usage::Column::BuildId)
        .column(component_lot::Column::Mpn)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .join(JoinType::InnerJoin, lot_of_usage)
        .filter(component_lot::Column::EmsId.eq(ems_id))
        .group_by(lot_usage::Column::BuildId)
        .group_by(component_lot::Column::Mpn)
        .into_tuple()
        .all(db)
        .await?;
    let mut used_by_build: HashMap<(Uuid, String), u64> = HashMap::new();
    let mut used_by_mpn: HashMap<String, u64> = HashMap::new();
    for (build_id, mpn, n) in usage {
        let n = n.max(0) as u64;
        *used_by_build.entry((build_id, mpn.clone())).or_default() += n;
        *used_by_mpn.entry(mpn).or_default() += n;
    }
    let received: Vec<(String, i64)> = component_lot::Entity::find()
        .select_only()
        .column(component_lot::Column::Mpn)
        .column_as(Expr::cust("SUM(quantity)"), "q")
        .filter(component_lot::Column::EmsId.eq(ems_id))
        .group_by(component_lot::Column::Mpn)
        .into_tuple()
        .all(db)
        .await?;
    let stock: HashMap<String, u64> = received
        .into_iter()
        .map(|(mpn, q)| {
            let used = used_by_mpn.get(&mpn).copied().unwrap_or(0);
            let left = (q.max(0) as u64).saturating_sub(used);
            (mpn, left)
        })
        .collect();
    let orders: Vec<OnOrder<NaiveDate>> = purchase_order_line::Entity::find()
        .filter(purchase_order_line::Column::EmsId.eq(ems_id))
        .filter(Expr::cust("received_quantity < quantity"))
        .all(db)
        .await?
        .into_iter()
        .map(|l| OnOrder {
            open: (l.quantity - l.received_quantity).max(0) as u64,
            mpn: l.mpn,
            promised: l.promised_date,
        })
        .collect();

    // Every line of every build, in the order builds are served.
    let mut needs = Vec::new();
    let mut lines: Vec<(Uuid, LineStatus)> = Vec::new();
    for b in &builds {
        let Some(bom) = boms.get(&b.package_id) else {
            continue;
        };
        for line in bom.iter().filter(|l| !l.dnp) {
            let Some(mpn) = line.mpn.as_deref().map(str::trim).filter(|m| !m.is_empty()) else {
                continue;
            };
            let part_class = PartClass::of_designators(line.designators.iter().map(String::as_str));
            let attrition_ppm = rates.get(&part_class).copied().unwrap_or(0);
            let per_unit = per_unit(line);
            let needed = parts_needed(per_unit, b.quantity.max(0) as u32, attrition_ppm);
            let alternates = approved
                .get(&(b.package_id, mpn.to_owned()))
                .cloned()
                .unwrap_or_default();
            let mut mpns = vec![mpn.to_owned()];
            mpns.extend(alternates.iter().cloned());
            let used: u64 = mpns
                .iter()
                .map(|m| used_by_build.get(&(b.id, m.clone())).copied().unwrap_or(0))
                .sum();
            needs.push(Need {
                mpns,
                remaining: needed.saturating_sub(used),
            });
            lines.push((
                b.id,
                LineStatus {
                    mpn: mpn.to_owned(),
                    manufacturer: line.manufacturer.clone(),
                    description: line.description.clone(),
                    designators: line.designators.clone(),
                    part_class,
                    source: sources
                        .get(&(b.id, mpn.to_owned()))
                        .copied()
                        .unwrap_or(MaterialSource::Turnkey),
                    alternates,
                    per_unit,
                    attrition_ppm,
                    needed,
                    used,
                    allocation: Allocation {
                        on_hand: 0,
                        allocated_to_earlier: 0,
                        from_stock: 0,
                        on_order: 0,
                        from_orders: 0,
                        uncovered: 0,
                        clear_date: None,
                    },
                },
            ));
        }
    }
    let allocations = allocate(&needs, &stock, &orders);
    let mut picture = Picture {
        due: builds
            .iter()
            .map(|b| (b.id, (b.oem_id, b.due_date)))
            .collect(),
        ..Picture::default()
    };
    for ((build_id, mut line), allocation) in lines.into_iter().zip(allocations) {
        line.allocation = allocation;
        picture.builds.entry(build_id).or_default().push(line);
    }
    Ok(picture)
}

/// A build's lines, shortages first (those with no supply in sight, then the latest clear
/// date first), then the rest in BOM order.
pub fn shortages_first(mut lines: Vec<LineStatus>) -> Vec<LineStatus> {
    let rank = |l: &LineStatus| {
        if l.allocation.uncovered > 0 {
            0
        } else if l.allocation.shortage() > 0 {
            1
        } else {
            2
        }
    };
    lines.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| b.allocation.clear_date.cmp(&a.allocation.clear_date))
    });
    lines
}

/// One open build's need of a part, in the demand view.
#[derive(Debug, Clone)]
pub struct BuildNeed {
    /// The build.
    pub build: build::Model,
    /// Its product's part number.
    pub part_number: String,
    /// Its line of the part.
    pub line: LineStatus,
}

/// A part that open builds are short of, and the builds it gates.
#[derive(Debug, Clone)]
pub struct PartDemand {
    /// The BOM's MPN.
    pub mpn: String,
    /// Its manufacturer, as a BOM names it.
    pub manufacturer: Option<String>,
    /// Each short build's line of it, earliest due first.
    pub builds: Vec<BuildNeed>,
}

/// The demand view: across every open build the actor sees (of one OEM when `oem_id` is
/// given), each part some build is short of, with the builds it gates; parts that push a build
/// past its due date first (most such builds first), then the latest clear date.
///
/// One clear-to-build picture per EMS involved; the OEM sees only its own builds in it.
pub async fn demand(
    state: &AppState,
    actor: &Actor,
    oem_id: Option<Uuid>,
) -> ApiResult<Vec<PartDemand>> {
    let mut select = actor
        .select::<build::Entity>()
        .filter(build::Column::Status.is_in([
            BuildStatus::Planned.as_str(),
            BuildStatus::InProgress.as_str(),
        ]));
    if let Some(oem) = oem_id {
        select = select.filter(build::Column::OemId.eq(oem));
    }
    let open: HashMap<Uuid, build::Model> = select
        .all(&state.db)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let part_numbers: HashMap<Uuid, String> = crate::entities::product::Entity::find()
        .filter(
            crate::entities::product::Column::Id
                .is_in(open.values().map(|b| b.product_id).collect::<BTreeSet<_>>()),
        )
        .all(&state.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.part_number))
        .collect();
    let suppliers: BTreeSet<Uuid> = open.values().map(|b| b.ems_id).collect();
    let mut parts: HashMap<String, PartDemand> = HashMap::new();
    for ems in suppliers {
        let picture = picture(&state.db, ems).await?;
        for (build_id, lines) in picture.builds {
            let Some(build) = open.get(&build_id) else {
                continue;
            };
            for line in lines.into_iter().filter(|l| l.allocation.shortage() > 0) {
                let part = parts.entry(line.mpn.clone()).or_insert_with(|| PartDemand {
                    mpn: line.mpn.clone(),
                    manufacturer: line.manufacturer.clone(),
                    builds: Vec::new(),
                });
                part.builds.push(BuildNeed {
                    build: build.clone(),
                    part_number: part_numbers
                        .get(&build.product_id)
                        .cloned()
                        .unwrap_or_default(),
                    line,
                });
            }
        }
    }
    let pushes = |n: &BuildNeed| {
        n.line.allocation.uncovered > 0
            || n.line
                .allocation
                .clear_date
                .is_some_and(|d| d > n.build.due_date)
    };
    let mut out: Vec<PartDemand> = parts.into_values().collect();
    for part in &mut out {
        part.builds.sort_by(|a, b| {
            a.build
                .due_date
                .cmp(&b.build.due_date)
                .then(a.build.id.cmp(&b.build.id))
        });
    }
    let key = |p: &PartDemand| {
        let pushed = p.builds.iter().filter(|n| pushes(n)).count();
        let uncovered = p.builds.iter().any(|n| n.line.allocation.uncovered > 0);
        let latest = p
            .builds
            .iter()
            .filter_map(|n| n.line.allocation.clear_date)
            .max();
        (
            std::cmp::Reverse(pushed),
            std::cmp::Reverse(uncovered),
            std::cmp::Reverse(latest),
        )
    };
    out.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.mpn.cmp(&b.mpn)));
    Ok(out)
}
