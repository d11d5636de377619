//! Shipping rules: the OEM's ship-to addresses, shipments packed in cartons and pallets, and
//! the advance ship notice (ASN) written from what was packed.

use crate::audit::{self, AuditMeta, Change};
use crate::builds::service::{ship_units_in, Shipping};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{
    build, npi_package, organization, product, ship_to_address, shipment, shipment_carton,
    shipment_carton_unit, unit,
};
use crate::error::{ApiError, ApiResult};
use crate::policy::{authorize, Action};
use crate::tenancy::{Actor, Tenanted};
use chrono::{DateTime, NaiveDate, Utc};
use firstpass_shared::domain::OrgKind;
use firstpass_shared::text::Serial;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// Most cartons one shipment holds.
pub const MAX_CARTONS: usize = 1000;

/// Most shipments one delivery-performance answer counts (the newest).
pub const MAX_SCORED_SHIPMENTS: u64 = 100_000;

impl Tenanted for ship_to_address::Entity {
    const NOUN: &'static str = "ship-to address";
    /// The OEM's own addresses; an EMS sees those of the OEMs whose builds it runs.
    fn visible_to(actor: &Actor) -> Condition {
        match actor.org_kind {
            OrgKind::Oem => Condition::all().add(ship_to_address::Column::OemId.eq(actor.org_id)),
            OrgKind::Ems => Condition::all().add(
                ship_to_address::Column::OemId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(build::Column::OemId)
                        .from(build::Entity)
                        .and_where(build::Column::EmsId.eq(actor.org_id))
                        .to_owned(),
                ),
            ),
        }
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![ship_to_address::Column::Id]
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

/// A ship-to address to add.
#[derive(Debug, Clone)]
pub struct NewAddress {
    /// Who receives there.
    pub name: String,
    /// Street and number.
    pub street: String,
    /// City.
    pub city: String,
    /// State or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// Adds a ship-to address of the OEM (its admins and engineers).
pub async fn add_address(
    state: &AppState,
    actor: &Actor,
    input: NewAddress,
    meta: &AuditMeta,
) -> ApiResult<ship_to_address::Model> {
    authorize(actor, Action::AuthorPackages)?;
    let country = input.country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ApiError::bad_input(
            "the country is its two-letter ISO 3166 code, e.g. US or DE",
        ));
    }
    let region = input
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| bounded("the region", r, 100))
        .transpose()?;
    let txn = begin_write(&state.db).await?;
    let row = ship_to_address::ActiveModel {
        id: Set(Uuid::now_v7()),
        oem_id: Set(actor.org_id),
        name: Set(bounded("the name", &input.name, 200)?),
        street: Set(bounded("the street", &input.street, 400)?),
        city: Set(bounded("the city", &input.city, 100)?),
        region: Set(region),
        postal_code: Set(bounded("the postal code", &input.postal_code, 20)?),
        country: Set(country),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        Change::new("shipping.address", "ShipToAddress", row.id)
            .after(&json!({"name": row.name, "city": row.city, "country": row.country})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The ship-to addresses the actor sees, by name: an OEM its own, an EMS those of `oem_id`
/// when it builds for that OEM.
pub async fn addresses(
    state: &AppState,
    actor: &Actor,
    oem_id: Option<Uuid>,
) -> ApiResult<Vec<ship_to_address::Model>> {
    let mut select = actor
        .select::<ship_to_address::Entity>()
        .order_by_asc(ship_to_address::Column::Name);
    if let Some(oem) = oem_id {
        select = select.filter(ship_to_address::Column::OemId.eq(oem));
    }
    Ok(select.all(&state.db).await?)
}

/// One line of an address, as a label shows it.
pub fn address_line(a: &ship_to_address::Model) -> String {
    let region = a
        .region
        .as_deref()
        .map(|r| format!(" {r}"))
        .unwrap_or_default();
    format!(
        "{}, {}, {}{region} {}, {}",
        a.name, a.street, a.city, a.postal_code, a.country
    )
}

/// A carton to pack.
#[derive(Debug, Clone)]
pub struct NewCarton {
    /// The serials in it.
    pub serials: Vec<Serial>,
    /// The pallet it is on, if palletized.
    pub pallet: Option<i32>,
    /// Its gross weight in kilograms.
    pub weight_kg: Option<f64>,
}

/// A shipment to make.
#[derive(Debug, Clone)]
pub struct NewShipment {
    /// The build.
    pub build_id: Uuid,
    /// One of the build's OEM's ship-to addresses.
    pub ship_to_address_id: Uuid,
    /// The customer's purchase order number.
    pub customer_po: Option<String>,
    /// The delivery date the customer's purchase order asks for.
    pub requested_date: Option<NaiveDate>,
    /// Carrier.
    pub carrier: String,
    /// Carrier's tracking number.
    pub tracking_number: String,
    /// The cartons, numbered in this order.
    pub cartons: Vec<NewCarton>,
}

/// Ships finished units of a build to one of its OEM's addresses, packed in cartons: every
/// serial once, every unit COMPLETED and not inside a box, all or nothing.
pub async fn create_shipment(
    state: &AppState,
    actor: &Actor,
    input: NewShipment,
    meta: &AuditMeta,
) -> ApiResult<shipment::Model> {
    authorize(actor, Action::RecordProduction)?;
    if input.cartons.is_empty() || input.cartons.len() > MAX_CARTONS {
        return Err(ApiError::bad_input(format!(
            "a shipment has 1 to {MAX_CARTONS} cartons"
        )));
    }
    let mut seen = BTreeSet::new();
    for (i, carton) in input.cartons.iter().enumerate() {
        if carton.serials.is_empty() {
            return Err(ApiError::bad_input(format!("carton {} is empty", i + 1)));
        }
        if carton.pallet.is_some_and(|p| p < 1)
            || carton
                .weight_kg
                .is_some_and(|w| !(0.0..=2000.0).contains(&w))
        {
            return Err(ApiError::bad_input(format!(
                "carton {}: pallets are numbered from 1 and a carton weighs 0 to 2,000 kg",
                i + 1
            )));
        }
        for serial in &carton.serials {
            if !seen.insert(serial.as_str().to_owned()) {
                return Err(ApiError::bad_input(format!(
                    "unit {serial} is packed twice (carton {})",
                    i + 1
                )));
            }
        }
    }
    let customer_po = input
        .customer_po
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| bounded("the customer's order number", p, 100))
        .transpose()?;
    let txn = begin_write(&state.db).await?;
    let build = actor.load::<build::Entity>(&txn, input.build_id).await?;
    let address = ship_to_address::Entity::find_by_id(input.ship_to_address_id)
        .one(&txn)
        .await?
        .filter(|a| a.oem_id == build.oem_id)
        .ok_or(ApiError::NotFound("ship-to address"))?;
    let serials: Vec<Serial> = input
        .cartons
        .iter()
        .flat_map(|c| c.serials.iter().cloned())
        .collect();
    let shipped = ship_units_in(
        &txn,
        actor,
        Shipping {
            build_id: build.id,
            serials,
            destination: address_line(&address),
            carrier: input.carrier,
            tracking_number: input.tracking_number,
        },
        meta,
    )
    .await?;
    let mut active: shipment::ActiveModel = shipped.shipment.into();
    active.ship_to_address_id = Set(Some(address.id));
    active.customer_po = Set(customer_po);
    active.requested_date = Set(input.requested_date);
    let shipment = active.update(&txn).await?;
    let unit_ids: HashMap<&str, Uuid> = shipped
        .units
        .iter()
        .map(|u| (u.serial.as_str(), u.id))
        .collect();
    let mut packed = Vec::with_capacity(unit_ids.len());
    let mut cartons = Vec::with_capacity(input.cartons.len());
    for (i, carton) in input.cartons.iter().enumerate() {
        let id = Uuid::now_v7();
        cartons.push(shipment_carton::ActiveModel {
            id: Set(id),
            shipment_id: Set(shipment.id),
            carton_no: Set(i as i32 + 1),
            pallet_no: Set(carton.pallet),
            weight_grams: Set(carton.weight_kg.map(|kg| (kg * 1000.0).round() as i32)),
        });
        for serial in &carton.serials {
            let unit_id = unit_ids
                .get(serial.as_str())
                .copied()
                .ok_or(ApiError::NotFound("unit"))?;
            packed.push(shipment_carton_unit::ActiveModel {
                carton_id: Set(id),
                unit_id: Set(unit_id),
                shipment_id: Set(shipment.id),
            });
        }
    }
    for chunk in cartons.chunks(500) {
        shipment_carton::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in packed.chunks(1000) {
        shipment_carton_unit::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    audit::record(
        &txn,
        meta,
        Change::new("shipping.pack", "Shipment", shipment.id).after(&json!({
            "shipTo": address.id, "customerPo": shipment.customer_po, "cartons": cartons.len(), "units": packed.len(),
        })),
    )
    .await?;
    txn.commit().await?;
    state.build_events.publish(&state.db, build.id).await;
    Ok(shipment)
}

/// Shipments the actor sees (of builds it sees), newest first; optionally of one build and
/// shipped within `[from, to)`.
pub async fn shipments(
    state: &AppState,
    actor: &Actor,
    build_id: Option<Uuid>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    first: u64,
) -> ApiResult<Vec<shipment::Model>> {
    use sea_orm::QuerySelect;
    let mut select = shipment::Entity::find()
        .filter(shipment::Column::BuildId.in_subquery(crate::tenancy::visible_build_ids(actor)))
        .order_by_desc(shipment::Column::ShippedAt)
        .limit(first);
    if let Some(build) = build_id {
        select = select.filter(shipment::Column::BuildId.eq(build));
    }
    if let Some(from) = from {
        select = select.filter(shipment::Column::ShippedAt.gte(from));
    }
    if let Some(to) = to {
        select = select.filter(shipment::Column::ShippedAt.lt(to));
    }
    Ok(select.all(&state.db).await?)
}

/// One shipment the actor sees.
pub async fn shipment(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<shipment::Model> {
    shipment::Entity::find_by_id(id)
        .filter(shipment::Column::BuildId.in_subquery(crate::tenancy::visible_build_ids(actor)))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("shipment"))
}

/// A carton as packed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Carton {
    /// 1-based carton number.
    pub carton: i32,
    /// The pallet it is on.
    pub pallet: Option<i32>,
    /// Gross weight in kilograms.
    pub weight_kg: Option<f64>,
    /// Units in it.
    pub quantity: usize,
    /// Their serials, in natural order.
    pub serials: Vec<String>,
}

/// The cartons of a shipment, by number, with their serials.
pub async fn cartons(db: &impl ConnectionTrait, shipment_id: Uuid) -> ApiResult<Vec<Carton>> {
    let rows = shipment_carton::Entity::find()
        .filter(shipment_carton::Column::ShipmentId.eq(shipment_id))
        .order_by_asc(shipment_carton::Column::CartonNo)
        .all(db)
        .await?;
    let packed = shipment_carton_unit::Entity::find()
        .filter(shipment_carton_unit::Column::ShipmentId.eq(shipment_id))
        .all(db)
        .await?;
    let serials: HashMap<Uuid, String> = unit::Entity::find()
        .filter(unit::Column::ShipmentId.eq(shipment_id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.serial))
        .collect();
    let mut by_carton: HashMap<Uuid, Vec<String>> = HashMap::new();
    for p in packed {
        if let Some(serial) = serials.get(&p.unit_id) {
            by_carton
                .entry(p.carton_id)
                .or_default()
                .push(serial.clone());
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut serials = by_carton.remove(&row.id).unwrap_or_default();
            serials.sort();
            Carton {
                carton: row.carton_no,
                pallet: row.pallet_no,
                weight_kg: row.weight_grams.map(|g| f64::from(g) / 1000.0),
                quantity: serials.len(),
                serials,
            }
        })
        .collect())
}

/// An advance ship notice: what an EDI 856 carries, at its shipment, order, pack and item
/// levels.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Asn {
    /// The document's version.
    pub version: u32,
    /// Shipment level.
    pub shipment: AsnShipment,
    /// Order level.
    pub order: AsnOrder,
    /// Item level: the product shipped.
    pub item: AsnItem,
    /// Pack level: cartons (on pallets) with their serials.
    pub packs: Vec<Carton>,
}

/// The shipment level of an ASN.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AsnShipment {
    /// Firstpass's shipment id (the ASN's number).
    pub id: Uuid,
    /// When it left.
    pub shipped_at: DateTime<Utc>,
    /// Carrier.
    pub carrier: String,
    /// Carrier's tracking number.
    pub tracking_number: String,
    /// The EMS it ships from.
    pub ship_from: String,
    /// The address it ships to.
    pub ship_to: AsnAddress,
    /// Cartons.
    pub carton_count: usize,
    /// Distinct pallets.
    pub pallet_count: usize,
    /// Units.
    pub unit_count: usize,
    /// Sum of the cartons' weights, when every carton was weighed.
    pub gross_weight_kg: Option<f64>,
}

/// A ship-to address in an ASN.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AsnAddress {
    /// Who receives.
    pub name: String,
    /// Street.
    pub street: String,
    /// City.
    pub city: String,
    /// Region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// Country (ISO 3166-1 alpha-2).
    pub country: String,
}

/// The order level of an ASN.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AsnOrder {
    /// The customer's purchase order number.
    pub customer_po: Option<String>,
    /// The build shipped from.
    pub build_id: Uuid,
    /// Its phase.
    pub phase: String,
    /// Its due date.
    pub due_date: NaiveDate,
    /// The delivery date the customer's purchase order asks for.
    pub requested_date: Option<NaiveDate>,
    /// Whether it shipped on or before the due date.
    pub on_time: bool,
}

/// The item level of an ASN.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AsnItem {
    /// The OEM's part number.
    pub part_number: String,
    /// The product's name.
    pub name: String,
    /// The revision built.
    pub revision: String,
    /// The IPC class it was built to.
    pub ipc_class: String,
    /// Units shipped.
    pub quantity: usize,
}

/// What a shipment (already visible to the caller) is of: its build, that build's package
/// (the revision) and product.
pub async fn shipped_from(
    db: &impl ConnectionTrait,
    row: &shipment::Model,
) -> ApiResult<(build::Model, npi_package::Model, product::Model)> {
    let build = build::Entity::find_by_id(row.build_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("build"))?;
    let package = npi_package::Entity::find_by_id(build.package_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("package"))?;
    let product = product::Entity::find_by_id(build.product_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("product"))?;
    Ok((build, package, product))
}

/// The ASN of a shipment the caller already sees.
pub async fn asn(db: &impl ConnectionTrait, row: &shipment::Model) -> ApiResult<Asn> {
    let (build, package, product) = shipped_from(db, row).await?;
    let ems = organization::Entity::find_by_id(build.ems_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("organization"))?;
    let address = match row.ship_to_address_id {
        Some(id) => ship_to_address::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let ship_to = match address {
        Some(a) => AsnAddress {
            name: a.name,
            street: a.street,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        },
        // Shipped before addresses were kept: the destination as typed.
        None => AsnAddress {
            name: row.destination.clone(),
            street: String::new(),
            city: String::new(),
            region: None,
            postal_code: String::new(),
            country: String::new(),
        },
    };
    let packs = cartons(db, row.id).await?;
    let unit_count = packs.iter().map(|c| c.quantity).sum();
    let pallets: BTreeSet<i32> = packs.iter().filter_map(|c| c.pallet).collect();
    let gross_weight_kg = packs
        .iter()
        .map(|c| c.weight_kg)
        .sum::<Option<f64>>()
        .filter(|_| !packs.is_empty());
    Ok(Asn {
        version: 1,
        shipment: AsnShipment {
            id: row.id,
            shipped_at: row.shipped_at,
            carrier: row.carrier.clone(),
            tracking_number: row.tracking_number.clone(),
            ship_from: ems.name,
            ship_to,
            carton_count: packs.len(),
            pallet_count: pallets.len(),
            unit_count,
            gross_weight_kg,
        },
        order: AsnOrder {
            customer_po: row.customer_po.clone(),
            build_id: build.id,
            on_time: row.shipped_at.date_naive() <= build.due_date,
            requested_date: row.requested_date,
            phase: build.phase,
            due_date: build.due_date,
        },
        item: AsnItem {
            part_number: product.part_number,
            name: product.name,
            revision: package.revision,
            ipc_class: package.ipc_class,
            quantity: unit_count,
        },
        packs,
    })
}

/// A CSV field, quoted when it must be.
fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// The ASN as CSV, one row per serial: shipment, order and item fields repeated, then pallet,
/// carton and serial.
pub fn asn_csv(asn: &Asn) -> String {
    let mut out = String::from(
        "asn_id,shipped_at,ship_from,ship_to,customer_po,carrier,tracking_number,part_number,revision,pallet,carton,serial\n",
    );
    let ship_to = [
        asn.shipment.ship_to.name.as_str(),
        asn.shipment.ship_to.city.as_str(),
        asn.shipment.ship_to.country.as_str(),
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join(", ");
    for pack in &asn.packs {
        for serial in &pack.serials {
            let row = [
                asn.shipment.id.to_string(),
                asn.shipment.shipped_at.to_rfc3339(),
                asn.shipment.ship_from.clone(),
                ship_to.clone(),
                asn.order.customer_po.clone().unwrap_or_default(),
                asn.shipment.carrier.clone(),
                asn.shipment.tracking_number.clone(),
                asn.item.part_number.clone(),
                asn.item.revision.clone(),
                pack.pallet.map(|p| p.to_string()).unwrap_or_default(),
                pack.carton.to_string(),
                serial.clone(),
            ];
            out.push_str(&row.iter().map(|v| field(v)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
    }
    out
}

/// On-time delivery of one shipment (its one line: one build of one part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnTime {
    /// The build's due date.
    pub due_date: NaiveDate,
    /// The date the customer's purchase order asks delivery for.
    pub requested_date: Option<NaiveDate>,
    /// The day it shipped (UTC).
    pub shipped_on: NaiveDate,
    /// The day it was delivered (UTC), once recorded.
    pub delivered_on: Option<NaiveDate>,
    /// Shipped on or before the build's due date.
    pub to_due_date: bool,
    /// Delivered on or before the requested date: unknown (`None`) while neither delivered nor
    /// past that date, and when the order asks for no date.
    pub to_requested_date: Option<bool>,
}

impl OnTime {
    /// Judges a shipment against its build's due date and its order's requested date, `today`.
    pub fn judge(
        shipment: &shipment::Model,
        due_date: NaiveDate,
        delivered_at: Option<DateTime<Utc>>,
        today: NaiveDate,
    ) -> Self {
        let shipped_on = shipment.shipped_at.date_naive();
        let delivered_on = delivered_at.map(|at| at.date_naive());
        let to_requested_date = shipment
            .requested_date
            .and_then(|asked| match delivered_on {
                Some(day) => Some(day <= asked),
                None if today > asked => Some(false),
                None => None,
            });
        Self {
            due_date,
            requested_date: shipment.requested_date,
            shipped_on,
            delivered_on,
            to_due_date: shipped_on <= due_date,
            to_requested_date,
        }
    }
}

/// On-time delivery of each of `shipments` (already visible to the caller), in two statements.
pub async fn on_time(
    db: &impl ConnectionTrait,
    shipments: &[shipment::Model],
) -> ApiResult<HashMap<Uuid, OnTime>> {
    use crate::entities::shipment_delivery;
    let due: HashMap<Uuid, NaiveDate> = build::Entity::find()
        .filter(build::Column::Id.is_in(shipments.iter().map(|s| s.build_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b.due_date))
        .collect();
    let delivered: HashMap<Uuid, DateTime<Utc>> = shipment_delivery::Entity::find()
        .filter(shipment_delivery::Column::ShipmentId.is_in(shipments.iter().map(|s| s.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.shipment_id, d.delivered_at))
        .collect();
    let today = Utc::now().date_naive();
    Ok(shipments
        .iter()
        .filter_map(|s| {
            let due_date = *due.get(&s.build_id)?;
            let judged = OnTime::judge(s, due_date, delivered.get(&s.id).copied(), today);
            Some((s.id, judged))
        })
        .collect())
}

/// On-time delivery over many shipments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryPerformance {
    /// Shipments counted.
    pub shipments: u32,
    /// Of those, shipped by their build's due date.
    pub on_time_to_due_date: u32,
    /// Shipments whose order asks for a date and that are judged (delivered, or late).
    pub judged_to_requested_date: u32,
    /// Of those, delivered by the requested date.
    pub on_time_to_requested_date: u32,
}

impl DeliveryPerformance {
    /// Sums up judged shipments.
    pub fn of<'a>(judged: impl IntoIterator<Item = &'a OnTime>) -> Self {
        let mut out = Self::default();
        for j in judged {
            out.shipments += 1;
            out.on_time_to_due_date += u32::from(j.to_due_date);
            if let Some(ok) = j.to_requested_date {
                out.judged_to_requested_date += 1;
                out.on_time_to_requested_date += u32::from(ok);
            }
        }
        out
    }
}
