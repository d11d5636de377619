//! Build rules: planning, serialization, station results along the routing, defects and their
//! dispositions, shipping, lots and their usage.
//!
//! A unit follows its routing: its next station is the only one that takes a result. A FAIL
//! puts it ON_HOLD until a defect is recorded there; REWORK sends it back to the same station,
//! SCRAP ends it, USE_AS_IS lets it move on, PENDING keeps it held until the defect is disposed. Every change is audited in its transaction, and
//! the build's subscribers hear of it once it is committed.

use super::bulk;
use super::model::{
    BuildPhase, BuildStatus, DefectCode, Disposition, StationKind, StationResult, UnitStatus,
};
use crate::audit::{self, AuditMeta, Change};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{
    build, build_station, component_lot, defect, lot_usage, npi_package, shipment, station_event,
    unit,
};
use crate::error::{conflict_on_duplicate, ApiError, ApiResult};
use crate::packages::{analysis, model::status_of};
use crate::policy::{authorize, Action};
use crate::tenancy::Actor;
use crate::webhooks::model::WebhookEvent;
use chrono::{Datelike, NaiveDate, SubsecRound, Utc};
use firstpass_shared::domain::PackageStatus;
use firstpass_shared::text::{Designator, DisplayName, LotCode, Mpn, Serial};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// Most units one call may create or address.
pub const MAX_UNITS_PER_CALL: usize = 10_000;
/// Most station results one call may record.
pub const MAX_RESULTS_PER_CALL: usize = 5_000;

fn clean(what: &str, value: &str, max: usize) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(ApiError::bad_input(format!(
            "{what} must have 1 to {max} characters"
        )));
    }
    Ok(value.to_owned())
}

/// A station of a planned routing.
#[derive(Debug, Clone)]
pub struct NewStation {
    /// What the station does.
    pub kind: StationKind,
    /// Its name, unique in the build.
    pub name: DisplayName,
}

/// A build to plan.
#[derive(Debug, Clone)]
pub struct NewBuild {
    /// The ACCEPTED package revision to build.
    pub package_id: Uuid,
    /// Prototype, pilot or production.
    pub phase: BuildPhase,
    /// Units to build.
    pub quantity: i32,
    /// When the units are due.
    pub due_date: NaiveDate,
    /// The stations, in order.
    pub routing: Vec<NewStation>,
}

/// One station result to record.
#[derive(Debug, Clone)]
pub struct NewResult {
    /// The unit.
    pub serial: Serial,
    /// The station's name in the unit's routing.
    pub station: DisplayName,
    /// PASS or FAIL.
    pub result: StationResult,
    /// Measurements, any JSON.
    pub measurements: Option<serde_json::Value>,
    /// Repeating a key answers the first result instead of recording a second.
    pub idempotency_key: Option<String>,
    /// Typed test steps, already checked ([`super::test_steps::parse_steps`]).
    pub test_steps: Vec<super::test_steps::TestStep>,
}

/// A defect to record, with its disposition.
#[derive(Debug, Clone)]
pub struct NewDefect {
    /// The unit.
    pub serial: Serial,
    /// The station's name in the unit's routing.
    pub station: DisplayName,
    /// Where on the board.
    pub designator: Designator,
    /// What is wrong.
    pub code: DefectCode,
    /// Free description (required for OTHER).
    pub description: String,
    /// What happens to the unit.
    pub disposition: Disposition,
}

/// Units leaving the factory.
#[derive(Debug, Clone)]
pub struct Shipping {
    /// The build they belong to.
    pub build_id: Uuid,
    /// The COMPLETED units.
    pub serials: Vec<Serial>,
    /// Where they go.
    pub destination: String,
    /// Who carries them.
    pub carrier: String,
    /// The carrier's tracking number.
    pub tracking_number: String,
}

/// A reel or lot received.
#[derive(Debug, Clone)]
pub struct NewLot {
    /// Manufacturer part number.
    pub mpn: Mpn,
    /// Manufacturer.
    pub manufacturer: DisplayName,
    /// The manufacturer's lot code.
    pub lot_code: LotCode,
    /// Date code, may be empty.
    pub date_code: String,
    /// The reel's id at the EMS.
    pub reel_id: String,
    /// Parts on the reel.
    pub quantity: i32,
    /// Supplier, may be empty.
    pub supplier: String,
}

/// Which units of a build a lot fed.
#[derive(Debug, Clone)]
pub enum UnitSelection {
    /// These serials.
    Serials(Vec<Serial>),
    /// Every serial between these two, inclusive.
    Range {
        /// The first serial.
        from: Serial,
        /// The last serial.
        to: Serial,
    },
}

/// A lot that fed designators over units of a build.
#[derive(Debug, Clone)]
pub struct LotUsage {
    /// The lot.
    pub lot_id: Uuid,
    /// The build.
    pub build_id: Uuid,
    /// The designators it fed.
    pub designators: Vec<Designator>,
    /// The units.
    pub units: UnitSelection,
}

/// Plans a build of an ACCEPTED package addressed to the caller's EMS.
pub async fn create_build(
    state: &AppState,
    actor: &Actor,
    input: NewBuild,
    meta: &AuditMeta,
) -> ApiResult<build::Model> {
    authorize(actor, Action::PlanBuilds)?;
    let NewBuild {
        package_id,
        phase,
        quantity,
        due_date,
        routing,
    } = input;
    if !(1..=1_000_000).contains(&quantity) {
        return Err(ApiError::bad_input(
            "quantity must be between 1 and 1,000,000",
        ));
    }
    if routing.is_empty() || routing.len() > 50 {
        return Err(ApiError::bad_input("the routing needs 1 to 50 stations"));
    }
    let mut names = BTreeSet::new();
    for station in &routing {
        let name = station.name.as_str();
        if !names.insert(name.to_lowercase()) {
            return Err(ApiError::bad_input(format!(
                "the station name \"{name}\" appears twice in the routing"
            )));
        }
    }
    let txn = begin_write(&state.db).await?;
    let package = actor.load::<npi_package::Entity>(&txn, package_id).await?;
    let status = status_of(&package);
    if status != PackageStatus::Accepted {
        return Err(ApiError::conflict(format!(
            "the package is {status}; only an ACCEPTED revision can be built"
        )));
    }
    if phase == BuildPhase::Production {
        crate::fai::service::require_approved_fai(&txn, package.id).await?;
    }
    let now = Utc::now();
    let row = build::ActiveModel {
        id: Set(Uuid::now_v7()),
        package_id: Set(package.id),
        product_id: Set(package.product_id),
        oem_id: Set(package.oem_id),
        ems_id: Set(package.ems_id),
        phase: Set(phase.into()),
        quantity: Set(quantity),
        due_date: Set(due_date),
        status: Set(BuildStatus::Planned.into()),
        created_by: Set(actor.user_id().ok_or(ApiError::Unauthenticated)?),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    for (position, station) in routing.iter().enumerate() {
        build_station::ActiveModel {
            id: Set(Uuid::now_v7()),
            build_id: Set(row.id),
            position: Set(position as i32),
            kind: Set(station.kind.into()),
            name: Set(station.name.to_string()),
        }
        .insert(&txn)
        .await?;
    }
    let stations: Vec<_> = routing
        .iter()
        .map(|s| json!({"kind": s.kind, "name": s.name.as_str()}))
        .collect();
    audit::record(
        &txn,
        meta,
        Change::new("build.create", "Build", row.id).after(&json!({
            "package": package.id, "phase": row.phase, "quantity": row.quantity, "dueDate": row.due_date, "routing": stations,
        })),
    )
    .await?;
    crate::outbox::emit_to(
        &txn,
        &[row.ems_id, row.oem_id],
        WebhookEvent::BuildCreated,
        row.id,
        json!({"packageId": package.id, "status": row.status}),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Expands a serial pattern: `{YYYY}`, `{YY}`, `{WW}` (ISO week), `{SEQ:n}` (sequence, n digits).
pub fn expand_pattern(pattern: &str, today: NaiveDate, sequence: u64) -> ApiResult<String> {
    let mut out = String::new();
    let mut rest = pattern;
    let mut has_sequence = false;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            return Err(ApiError::bad_input("the pattern has an unclosed `{`"));
        };
        let token = &rest[start + 1..start + end];
        match token {
            "YYYY" => out.push_str(&format!("{:04}", today.year())),
            "YY" => out.push_str(&format!("{:02}", today.year() % 100)),
            "WW" => out.push_str(&format!("{:02}", today.iso_week().week())),
            _ if token.starts_with("SEQ") => {
                let width: usize = match token.strip_prefix("SEQ:") {
                    Some(w) => w
                        .parse()
                        .ok()
                        .filter(|w| (1..=12).contains(w))
                        .ok_or_else(|| ApiError::bad_input("{SEQ:n} needs n from 1 to 12"))?,
                    None if token == "SEQ" => 1,
                    None => {
                        return Err(ApiError::bad_input(format!(
                            "unknown pattern token {{{token}}}"
                        )))
                    }
                };
                out.push_str(&format!("{sequence:0width$}"));
                has_sequence = true;
            }
            _ => {
                return Err(ApiError::bad_input(format!(
                    "unknown pattern token {{{token}}}; use YYYY, YY, WW or SEQ:n"
                )))
            }
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    if !has_sequence {
        return Err(ApiError::bad_input(
            "the pattern needs a {SEQ:n} token so that serials differ",
        ));
    }
    Ok(out)
}

async fn insert_units(
    txn: &DatabaseTransaction,
    build: &build::Model,
    serials: Vec<Serial>,
    allow_over_quantity: bool,
) -> ApiResult<Vec<unit::Model>> {
    if serials.is_empty() || serials.len() > MAX_UNITS_PER_CALL {
        return Err(ApiError::bad_input(format!(
            "give 1 to {MAX_UNITS_PER_CALL} units per call"
        )));
    }
    let existing = unit::Entity::find()
        .filter(unit::Column::BuildId.eq(build.id))
        .count(txn)
        .await?;
    if !allow_over_quantity && existing + serials.len() as u64 > build.quantity as u64 {
        return Err(ApiError::conflict(format!(
            "the build is for {} units and has {existing}; {} more would exceed it (pass allowOverQuantity: true to override)",
            build.quantity,
            serials.len()
        )));
    }
    let mut seen = BTreeSet::new();
    let now = Utc::now();
    let mut rows = Vec::with_capacity(serials.len());
    for serial in serials {
        let serial = serial.into_string();
        if !seen.insert(serial.clone()) {
            return Err(ApiError::bad_input(format!(
                "serial {serial} appears twice"
            )));
        }
        rows.push(unit::ActiveModel {
            id: Set(Uuid::now_v7()),
            build_id: Set(build.id),
            ems_id: Set(build.ems_id),
            serial: Set(serial),
            status: Set(UnitStatus::InWork.into()),
            next_position: Set(0),
            failed_ever: Set(false),
            shipment_id: Set(None),
            created_at: Set(now),
            completed_at: Set(None),
            shipped_at: Set(None),
            parent_unit_id: Set(None),
            parent_position: Set(None),
            top_unit_id: Set(None),
            top_shipped_at: Set(None),
        });
    }
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.id.clone().take()).collect();
    for chunk in rows.chunks(500) {
        unit::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await
            .map_err(|e| conflict_on_duplicate(e, "a serial is already in use at this EMS"))?;
    }
    Ok(unit::Entity::find()
        .filter(unit::Column::Id.is_in(ids))
        .order_by_asc(unit::Column::Serial)
        .all(txn)
        .await?)
}

async fn planned_build(
    txn: &DatabaseTransaction,
    actor: &Actor,
    build_id: Uuid,
) -> ApiResult<build::Model> {
    let build = actor.load::<build::Entity>(txn, build_id).await?;
    if build.ems_id != actor.org_id {
        return Err(ApiError::forbidden(
            "only the EMS building it may change a build",
        ));
    }
    Ok(build)
}

/// Creates `count` units with serials from `pattern`.
pub async fn serialize_units(
    state: &AppState,
    actor: &Actor,
    build_id: Uuid,
    count: i32,
    pattern: &str,
    allow_over_quantity: bool,
    meta: &AuditMeta,
) -> ApiResult<Vec<unit::Model>> {
    authorize(actor, Action::RecordProduction)?;
    if count < 1 || count as usize > MAX_UNITS_PER_CALL {
        return Err(ApiError::bad_input(format!(
            "count must be between 1 and {MAX_UNITS_PER_CALL}"
        )));
    }
    let txn = begin_write(&state.db).await?;
    let build = planned_build(&txn, actor, build_id).await?;
    let start = unit::Entity::find()
        .filter(unit::Column::BuildId.eq(build.id))
        .count(&txn)
        .await?
        + 1;
    let today = Utc::now().date_naive();
    let serials = (0..count as u64)
        .map(|i| Ok(Serial::parse(&expand_pattern(pattern, today, start + i)?)?))
        .collect::<ApiResult<Vec<_>>>()?;
    let units = insert_units(&txn, &build, serials, allow_over_quantity).await?;
    audit::record(
        &txn,
        meta,
        Change::new("build.serialize", "Build", build.id)
            .after(&json!({"count": units.len(), "pattern": pattern,
            "first": units.first().map(|u| &u.serial), "last": units.last().map(|u| &u.serial)})),
    )
    .await?;
    txn.commit().await?;
    state.build_events.publish(&state.db, build.id).await;
    Ok(units)
}

/// Creates units with the given serials.
pub async fn add_units(
    state: &AppState,
    actor: &Actor,
    build_id: Uuid,
    serials: Vec<Serial>,
    allow_over_quantity: bool,
    meta: &AuditMeta,
) -> ApiResult<Vec<unit::Model>> {
    authorize(actor, Action::RecordProduction)?;
    let txn = begin_write(&state.db).await?;
    let build = planned_build(&txn, actor, build_id).await?;
    let units = insert_units(&txn, &build, serials, allow_over_quantity).await?;
    audit::record(
        &txn,
        meta,
        Change::new("build.add_units", "Build", build.id)
            .after(&json!({"serials": units.iter().map(|u| &u.serial).collect::<Vec<_>>()})),
    )
    .await?;
    txn.commit().await?;
    state.build_events.publish(&state.db, build.id).await;
    Ok(units)
}

/// What a recorded result answers: the event and the unit after it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The station event (the first one, for a repeated idempotency key).
    pub event: station_event::Model,
    /// The unit as it stands now.
    pub unit: unit::Model,
    /// The station's name.
    pub station: String,
}

/// Ids per `IN (...)` list: well below SQLite's limit of 32,766 bound variables.
const IN_CHUNK: usize = 1000;
/// How often a call whose idempotency key lost a race is tried again before it gives up.
const KEY_RACE_RETRIES: usize = 3;

/// Finds a unit of the caller's EMS by serial. On PostgreSQL the row is locked until the end
/// of the transaction (`FOR UPDATE`), so changes to one unit happen one after another; SQLite
/// already serializes writers ([`begin_write`]) and ignores the clause.
async fn find_unit(
    txn: &DatabaseTransaction,
    actor: &Actor,
    serial: &Serial,
) -> ApiResult<unit::Model> {
    unit::Entity::find()
        .filter(unit::Column::EmsId.eq(actor.org_id))
        .filter(unit::Column::Serial.eq(serial.as_str()))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound("unit"))
}

/// The routings of these builds, each in station order.
async fn routings(
    txn: &DatabaseTransaction,
    build_ids: &BTreeSet<Uuid>,
) -> ApiResult<HashMap<Uuid, Vec<build_station::Model>>> {
    let ids: Vec<Uuid> = build_ids.iter().copied().collect();
    let mut routings: HashMap<Uuid, Vec<build_station::Model>> = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        for station in build_station::Entity::find()
            .filter(build_station::Column::BuildId.is_in(chunk.iter().copied()))
            .order_by_asc(build_station::Column::BuildId)
            .order_by_asc(build_station::Column::Position)
            .all(txn)
            .await?
        {
            routings.entry(station.build_id).or_default().push(station);
        }
    }
    Ok(routings)
}

/// A result's idempotency key, trimmed; `None` when absent or blank.
fn key_of(input: &NewResult) -> Option<&str> {
    input
        .idempotency_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// Why one attempt at recording a batch stopped short.
pub(crate) enum Stop {
    /// A rule refused a result, or the database failed: the call answers this error.
    Refused(ApiError),
    /// A concurrent call committed an idempotency key this attempt was inserting too. The
    /// attempt is rolled back and tried again, and then answers the winner's outcome.
    KeyRace,
}

impl From<ApiError> for Stop {
    fn from(err: ApiError) -> Self {
        Stop::Refused(err)
    }
}

impl From<sea_orm::DbErr> for Stop {
    fn from(err: sea_orm::DbErr) -> Self {
        Stop::Refused(err.into())
    }
}

/// Applies one result to the state of its unit, checking the routing rules; answers the new
/// event. Errors are those of a single result (the caller adds its index).
fn apply_result(
    actor: &Actor,
    input: &NewResult,
    key: Option<&str>,
    unit: &mut unit::Model,
    stations: &[build_station::Model],
    now: chrono::DateTime<Utc>,
) -> ApiResult<(station_event::Model, String)> {
    let Some(station) = stations
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(input.station.as_str()))
    else {
        return Err(ApiError::bad_input(format!(
            "\"{}\" is not a station of this build's routing ({})",
            input.station,
            stations
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let status = crate::error::stored::<UnitStatus>(&unit.status)?;
    match status {
        UnitStatus::OnHold => {
            return Err(ApiError::conflict(format!(
                "unit {} failed and is on hold: record its defect first",
                unit.serial
            )))
        }
        UnitStatus::Completed | UnitStatus::Scrapped | UnitStatus::Shipped => {
            return Err(ApiError::conflict(format!(
                "unit {} is {}; it takes no more results",
                unit.serial,
                status.as_str()
            )))
        }
        UnitStatus::InWork => {}
    }
    if station.position != unit.next_position {
        let expected = stations
            .iter()
            .find(|s| s.position == unit.next_position)
            .map_or("none", |s| s.name.as_str());
        return Err(ApiError::conflict(format!(
            "unit {} is due at {expected}, not {}: a unit follows its routing",
            unit.serial, station.name
        )));
    }
    let measurements = input
        .measurements
        .as_ref()
        .map_or(serde_json::Value::Object(Default::default()), |m| m.clone())
        .to_string();
    if measurements.len() > 64 * 1024 {
        return Err(ApiError::bad_input(
            "measurements must be at most 64 KiB of JSON",
        ));
    }
    let event = station_event::Model {
        id: Uuid::now_v7(),
        unit_id: unit.id,
        build_id: unit.build_id,
        station_id: station.id,
        ems_id: actor.org_id,
        result: input.result.into(),
        measurements,
        idempotency_key: key.map(str::to_owned),
        recorded_by: actor.label(),
        created_at: now,
    };
    let last = stations.len() as i32 - 1;
    match input.result {
        StationResult::Pass if station.position == last => {
            unit.next_position = last + 1;
            unit.status = UnitStatus::Completed.into();
            unit.completed_at = Some(now);
        }
        StationResult::Pass => unit.next_position = station.position + 1,
        StationResult::Fail => {
            unit.status = UnitStatus::OnHold.into();
            unit.failed_ever = true;
        }
    }
    Ok((event, station.name.clone()))
}

/// One attempt at recording a batch inside `txn`, set-based (see [`bulk`]): a fixed number of
/// statements finds and locks the units, finds the idempotency keys and the routings, inserts
/// the events and updates the units, whatever the batch size.
pub(crate) async fn record_batch(
    txn: &DatabaseTransaction,
    actor: &Actor,
    inputs: &[NewResult],
    meta: &AuditMeta,
) -> Result<Vec<Recorded>, Stop> {
    let serials: BTreeSet<&str> = inputs.iter().map(|i| i.serial.as_str()).collect();
    let mut units = bulk::lock_units(txn, actor.org_id, &serials).await?;
    crate::quality::service::refuse_contained_units(txn, units.values()).await?;
    // Keys are read only once the units are locked: a call that waited for another on the same
    // unit then sees the key the other committed.
    let keys: BTreeSet<&str> = inputs
        .iter()
        .filter_map(key_of)
        .filter(|k| k.len() <= 200)
        .collect();
    let mut first_events = bulk::events_by_key(txn, actor.org_id, &keys).await?;
    let others: Vec<Uuid> = first_events
        .values()
        .map(|e| e.unit_id)
        .filter(|id| !units.contains_key(id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for unit in bulk::units_by_id(txn, &others).await? {
        units.insert(unit.id, unit);
    }
    let build_ids: BTreeSet<Uuid> = units
        .values()
        .map(|u| u.build_id)
        .chain(first_events.values().map(|e| e.build_id))
        .collect();
    let routings = routings(txn, &build_ids).await?;
    let no_stations = Vec::new();
    let routing_of = |build_id: &Uuid| routings.get(build_id).unwrap_or(&no_stations);
    let by_serial: HashMap<String, Uuid> =
        units.values().map(|u| (u.serial.clone(), u.id)).collect();

    let now = Utc::now().trunc_subsecs(6);
    let numbered = |index: usize, err: ApiError| match err {
        ApiError::BadUserInput(m) if inputs.len() > 1 => {
            ApiError::BadUserInput(format!("result {index}: {m}"))
        }
        ApiError::Conflict(m) if inputs.len() > 1 => {
            ApiError::Conflict(format!("result {index}: {m}"))
        }
        other => other,
    };
    let mut out: Vec<Recorded> = Vec::with_capacity(inputs.len());
    let mut new_events = Vec::new();
    let mut changed: BTreeSet<Uuid> = BTreeSet::new();
    let mut steps = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let key = key_of(input);
        if key.is_some_and(|k| k.len() > 200) {
            return Err(numbered(
                index,
                ApiError::bad_input("an idempotency key has at most 200 characters"),
            )
            .into());
        }
        if let Some(first) = key.and_then(|k| first_events.get(k)) {
            let unit = units
                .get(&first.unit_id)
                .cloned()
                .ok_or(ApiError::NotFound("unit"))?;
            let station = routing_of(&first.build_id)
                .iter()
                .find(|s| s.id == first.station_id)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            out.push(Recorded {
                event: first.clone(),
                unit,
                station,
            });
            continue;
        }
        let unit = by_serial
            .get(input.serial.as_str())
            .and_then(|id| units.get_mut(id))
            .ok_or(ApiError::NotFound("unit"))?;
        let stations = routing_of(&unit.build_id);
        let (event, station) = apply_result(actor, input, key, unit, stations, now)
            .map_err(|err| numbered(index, err))?;
        changed.insert(unit.id);
        steps.extend(super::test_steps::rows(&event, &input.test_steps));
        if let Some(key) = key {
            first_events.insert(key.to_owned(), event.clone());
        }
        new_events.push(event.clone());
        out.push(Recorded {
            event,
            unit: unit.clone(),
            station,
        });
    }

    if let Err(err) = bulk::insert_events(txn, &new_events).await {
        return Err(match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Stop::KeyRace,
            _ => err.into(),
        });
    }
    super::test_steps::insert(txn, steps).await?;
    let changed_units: Vec<&unit::Model> = changed.iter().map(|id| &units[id]).collect();
    bulk::update_units(txn, &changed_units).await?;
    // A build is IN_PROGRESS from its first result; one build at a time, in id order.
    let started: BTreeSet<Uuid> = changed.iter().map(|id| units[id].build_id).collect();
    for build_id in started {
        let moved = build::Entity::update_many()
            .col_expr(build::Column::Status, Expr::value(BuildStatus::InProgress))
            .col_expr(build::Column::UpdatedAt, Expr::value(now))
            .filter(build::Column::Id.eq(build_id))
            .filter(build::Column::Status.eq(BuildStatus::Planned))
            .exec(txn)
            .await?;
        if moved.rows_affected > 0 {
            let status = json!({"status": BuildStatus::InProgress});
            let subject = [(build_id, status)];
            crate::outbox::emit_for_build(
                txn,
                build_id,
                WebhookEvent::BuildStatusChanged,
                &subject,
            )
            .await?;
        }
    }
    emit_failures(txn, &out, &changed).await?;
    let mut per_build: BTreeMap<Uuid, usize> = BTreeMap::new();
    for recorded in &out {
        *per_build.entry(recorded.unit.build_id).or_default() += 1;
    }
    for (build_id, count) in per_build {
        audit::record(
            txn,
            meta,
            Change::new("build.record_results", "Build", build_id)
                .after(&json!({"results": count})),
        )
        .await?;
    }
    Ok(out)
}

/// Tells webhooks of the units of a batch that failed (and so are held): the newly recorded
/// FAIL events among `out`, by build.
async fn emit_failures(
    txn: &DatabaseTransaction,
    out: &[Recorded],
    changed: &BTreeSet<Uuid>,
) -> ApiResult<()> {
    let mut failed: BTreeMap<Uuid, Vec<(Uuid, serde_json::Value)>> = BTreeMap::new();
    for recorded in out {
        let unit = &recorded.unit;
        if changed.contains(&unit.id) && recorded.event.result == StationResult::Fail.as_str() {
            failed.entry(unit.build_id).or_default().push((
                unit.id,
                json!({"buildId": unit.build_id, "serial": unit.serial, "station": recorded.station, "stationEventId": recorded.event.id}),
            ));
        }
    }
    for (build_id, units) in failed {
        crate::outbox::emit_for_build(txn, build_id, WebhookEvent::UnitFailed, &units).await?;
        crate::outbox::emit_for_build(txn, build_id, WebhookEvent::UnitHeld, &units).await?;
    }
    Ok(())
}

/// Records station results in one transaction: all of them or none. Each follows the rules of
/// the module documentation; a repeated idempotency key answers the first result.
///
/// The units concerned are locked first (see [`bulk::lock_units`]), so calls about the same unit
/// behave exactly as if they ran one after another, on PostgreSQL as on SQLite. Two calls that
/// race with one idempotency key both answer the outcome of the one that committed first.
pub async fn record_results(
    state: &AppState,
    actor: &Actor,
    inputs: Vec<NewResult>,
    meta: &AuditMeta,
) -> ApiResult<Vec<Recorded>> {
    authorize(actor, Action::RecordProduction)?;
    if inputs.is_empty() || inputs.len() > MAX_RESULTS_PER_CALL {
        return Err(ApiError::bad_input(format!(
            "give 1 to {MAX_RESULTS_PER_CALL} results per call"
        )));
    }
    for _ in 0..=KEY_RACE_RETRIES {
        let txn = begin_write(&state.db).await?;
        match record_batch(&txn, actor, &inputs, meta).await {
            Ok(out) => {
                txn.commit().await?;
                let builds: BTreeSet<Uuid> = out.iter().map(|r| r.unit.build_id).collect();
                for build_id in builds {
                    state.build_events.publish(&state.db, build_id).await;
                }
                return Ok(out);
            }
            Err(Stop::Refused(err)) => return Err(err),
            // The insert failed, so the transaction is aborted: start again on a new one, which
            // sees the winner's key.
            Err(Stop::KeyRace) => txn.rollback().await?,
        }
    }
    Err(ApiError::conflict(
        "another call is recording results with the same idempotency key; try again",
    ))
}

/// Records a defect where a unit failed (or was inspected) and applies its disposition.
pub async fn record_defect(
    state: &AppState,
    actor: &Actor,
    input: NewDefect,
    meta: &AuditMeta,
) -> ApiResult<(defect::Model, unit::Model, String)> {
    let txn = begin_write(&state.db).await?;
    let recorded = record_defect_in(&txn, actor, input, meta).await?;
    txn.commit().await?;
    state
        .build_events
        .publish(&state.db, recorded.1.build_id)
        .await;
    Ok(recorded)
}

/// [`record_defect`] inside `txn`: the defect, the unit after its disposition, and the
/// station's name. The caller commits and tells the build's subscribers.
pub async fn record_defect_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    input: NewDefect,
    meta: &AuditMeta,
) -> ApiResult<(defect::Model, unit::Model, String)> {
    authorize(actor, Action::RecordProduction)?;
    let designator = input.designator.to_string();
    let description = input.description.trim().to_owned();
    if input.code == DefectCode::Other && description.is_empty() {
        return Err(ApiError::bad_input("describe a defect of code OTHER"));
    }
    let unit = find_unit(txn, actor, &input.serial).await?;
    let stations = super::model::stations(txn, unit.build_id).await?;
    let Some(station) = stations
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(input.station.as_str()))
    else {
        return Err(ApiError::bad_input(format!(
            "\"{}\" is not a station of this build's routing",
            input.station
        )));
    };
    refuse_finished(&unit)?;
    let row = defect::ActiveModel {
        id: Set(Uuid::now_v7()),
        unit_id: Set(unit.id),
        build_id: Set(unit.build_id),
        station_id: Set(station.id),
        designator: Set(designator),
        code: Set(input.code.into()),
        description: Set(description),
        disposition: Set(input.disposition.into()),
        recorded_by: Set(actor.label()),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    let unit = apply_disposition(txn, unit, station, &stations, &row, meta, "unit.defect").await?;
    let data = json!({"buildId": unit.build_id, "serial": unit.serial, "defectId": row.id, "code": row.code, "disposition": row.disposition, "status": unit.status});
    crate::outbox::emit_for_build(
        txn,
        unit.build_id,
        WebhookEvent::DefectRecorded,
        &[(unit.id, data)],
    )
    .await?;
    Ok((row, unit, station.name.clone()))
}

/// Decides a PENDING defect: REWORK, SCRAP or USE_AS_IS, applied to its unit as if it had
/// been recorded with it.
pub async fn dispose_defect(
    state: &AppState,
    actor: &Actor,
    defect_id: Uuid,
    disposition: Disposition,
    meta: &AuditMeta,
) -> ApiResult<(defect::Model, unit::Model, String)> {
    authorize(actor, Action::RecordProduction)?;
    if disposition == Disposition::Pending {
        return Err(ApiError::bad_input(
            "dispose a defect as REWORK, SCRAP or USE_AS_IS",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let found = actor.load::<defect::Entity>(&txn, defect_id).await?;
    // Lock the unit first, then read the defect again: two people disposing one defect
    // serialize on the unit, and the second sees the first's decision.
    let unit = unit::Entity::find_by_id(found.unit_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("unit"))?;
    let found = defect::Entity::find_by_id(found.id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("defect"))?;
    if found.disposition != Disposition::Pending.as_str() {
        return Err(ApiError::conflict(format!(
            "this defect is disposed already ({})",
            found.disposition
        )));
    }
    refuse_finished(&unit)?;
    let stations = super::model::stations(&txn, unit.build_id).await?;
    let station = stations
        .iter()
        .find(|s| s.id == found.station_id)
        .ok_or(ApiError::NotFound("station"))?;
    let mut active: defect::ActiveModel = found.into();
    active.disposition = Set(disposition.into());
    let row = active.update(&txn).await?;
    let unit =
        apply_disposition(&txn, unit, station, &stations, &row, meta, "defect.dispose").await?;
    txn.commit().await?;
    state.build_events.publish(&state.db, unit.build_id).await;
    Ok((row, unit, station.name.clone()))
}

/// A scrapped or shipped unit takes no more defects or dispositions.
fn refuse_finished(unit: &unit::Model) -> ApiResult<()> {
    let status = crate::error::stored::<UnitStatus>(&unit.status)?;
    if matches!(status, UnitStatus::Scrapped | UnitStatus::Shipped) {
        return Err(ApiError::conflict(format!(
            "unit {} is {}",
            unit.serial,
            status.as_str()
        )));
    }
    Ok(())
}

/// What a unit held at `station` does once `row` is disposed as `chosen`: it stays held
/// (PENDING) while another defect found since its last FAIL there waits for a decision, and
/// otherwise follows the strongest decision among them (SCRAP over REWORK over USE_AS_IS).
async fn hold_disposition(
    txn: &DatabaseTransaction,
    unit: &unit::Model,
    station: &build_station::Model,
    row: &defect::Model,
    chosen: Disposition,
) -> ApiResult<Disposition> {
    let failed_at = station_event::Entity::find()
        .filter(station_event::Column::UnitId.eq(unit.id))
        .filter(station_event::Column::StationId.eq(station.id))
        .filter(station_event::Column::Result.eq(StationResult::Fail.as_str()))
        .order_by_desc(station_event::Column::CreatedAt)
        .one(txn)
        .await?
        .map(|event| event.created_at);
    let Some(failed_at) = failed_at else {
        return Ok(chosen);
    };
    let others = defect::Entity::find()
        .filter(defect::Column::UnitId.eq(unit.id))
        .filter(defect::Column::StationId.eq(station.id))
        .filter(defect::Column::CreatedAt.gte(failed_at))
        .filter(defect::Column::Id.ne(row.id))
        .all(txn)
        .await?;
    let strength = |d: Disposition| match d {
        Disposition::Pending => 3,
        Disposition::Scrap => 2,
        Disposition::Rework => 1,
        Disposition::UseAsIs => 0,
    };
    let mut decided = chosen;
    for other in &others {
        let theirs = crate::error::stored::<Disposition>(&other.disposition)?;
        if strength(theirs) > strength(decided) {
            decided = theirs;
        }
    }
    Ok(decided)
}

/// Applies a defect's disposition to its unit and audits the change as `action`.
async fn apply_disposition(
    txn: &DatabaseTransaction,
    unit: unit::Model,
    station: &build_station::Model,
    stations: &[build_station::Model],
    row: &defect::Model,
    meta: &AuditMeta,
    action: &str,
) -> ApiResult<unit::Model> {
    let status = crate::error::stored::<UnitStatus>(&unit.status)?;
    let now = Utc::now();
    let before = json!({"status": unit.status, "nextPosition": unit.next_position});
    let on_hold_here = status == UnitStatus::OnHold && station.position == unit.next_position;
    let mut disposition = crate::error::stored::<Disposition>(&row.disposition)?;
    if on_hold_here && matches!(disposition, Disposition::Rework | Disposition::UseAsIs) {
        disposition = hold_disposition(txn, &unit, station, row, disposition).await?;
    }
    let mut active: unit::ActiveModel = unit.clone().into();
    match disposition {
        Disposition::Scrap => {
            active.status = Set(UnitStatus::Scrapped.into());
            active.failed_ever = Set(true);
            active.completed_at = Set(Some(now));
        }
        // Rework: back to the failed station for a new result.
        Disposition::Rework if on_hold_here => active.status = Set(UnitStatus::InWork.into()),
        Disposition::Rework => active.failed_ever = Set(true),
        Disposition::UseAsIs if on_hold_here => {
            let last = stations.len() as i32 - 1;
            if station.position == last {
                active.status = Set(UnitStatus::Completed.into());
                active.completed_at = Set(Some(now));
                active.next_position = Set(last + 1);
            } else {
                active.status = Set(UnitStatus::InWork.into());
                active.next_position = Set(station.position + 1);
            }
        }
        // Use as is elsewhere, or not decided yet: the unit stays where it is.
        Disposition::UseAsIs | Disposition::Pending => {}
    }
    let unit = active.update(txn).await?;
    audit::record(
        txn,
        meta,
        Change::new(action, "Unit", unit.id)
            .before(&before)
            .after(&json!({"status": unit.status, "nextPosition": unit.next_position, "defect": row.code, "designator": row.designator, "disposition": row.disposition})),
    )
    .await?;
    Ok(unit)
}

/// Ships COMPLETED units of a build.
pub async fn ship_units(
    state: &AppState,
    actor: &Actor,
    input: Shipping,
    meta: &AuditMeta,
) -> ApiResult<shipment::Model> {
    authorize(actor, Action::RecordProduction)?;
    let txn = begin_write(&state.db).await?;
    let shipped = ship_units_in(&txn, actor, input, meta).await?;
    txn.commit().await?;
    state
        .build_events
        .publish(&state.db, shipped.build.id)
        .await;
    Ok(shipped.shipment)
}

/// What shipping changed: the shipment, the build after it, and the units as they were.
#[derive(Debug, Clone)]
pub struct Shipped {
    /// The new shipment.
    pub shipment: shipment::Model,
    /// The build, now SHIPPED.
    pub build: build::Model,
    /// The units shipped, as read before the change.
    pub units: Vec<unit::Model>,
}

/// [`ship_units`] inside `txn`; the caller authorizes, commits and tells the subscribers.
pub async fn ship_units_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    input: Shipping,
    meta: &AuditMeta,
) -> ApiResult<Shipped> {
    let Shipping {
        build_id,
        serials,
        destination,
        carrier,
        tracking_number,
    } = input;
    let (destination, carrier, tracking_number) = (
        destination.as_str(),
        carrier.as_str(),
        tracking_number.as_str(),
    );
    if serials.is_empty() || serials.len() > MAX_UNITS_PER_CALL {
        return Err(ApiError::bad_input(format!(
            "give 1 to {MAX_UNITS_PER_CALL} serials"
        )));
    }
    let destination = clean("the destination", destination, 400)?;
    let carrier = clean("the carrier", carrier, 100)?;
    let tracking_number = clean("the tracking number", tracking_number, 100)?;
    let build = planned_build(txn, actor, build_id).await?;
    let wanted: BTreeSet<String> = serials.iter().map(Serial::to_string).collect();
    // Locked in id order, as station results lock them, so the two cannot deadlock.
    let units = unit::Entity::find()
        .filter(unit::Column::BuildId.eq(build.id))
        .filter(unit::Column::Serial.is_in(wanted.iter().cloned()))
        .order_by_asc(unit::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    if units.len() != wanted.len() {
        let found: BTreeSet<&str> = units.iter().map(|u| u.serial.as_str()).collect();
        let missing: Vec<&str> = wanted
            .iter()
            .map(String::as_str)
            .filter(|s| !found.contains(s))
            .take(5)
            .collect();
        return Err(ApiError::bad_input(format!(
            "not units of this build: {}",
            missing.join(", ")
        )));
    }
    crate::quality::service::refuse_contained_units(txn, &units).await?;
    if let Some(unit) = units
        .iter()
        .find(|u| u.status.parse() != Ok(UnitStatus::Completed))
    {
        return Err(ApiError::conflict(format!(
            "unit {} is {}; only COMPLETED units ship",
            unit.serial, unit.status
        )));
    }
    // A sub-assembly inside a box leaves with the box, never on its own.
    if let Some(edge) = crate::entities::unit_installation::Entity::find()
        .filter(
            crate::entities::unit_installation::Column::ChildId.is_in(units.iter().map(|u| u.id)),
        )
        .filter(crate::entities::unit_installation::Column::RemovedAt.is_null())
        .one(txn)
        .await?
    {
        let serial = units
            .iter()
            .find(|u| u.id == edge.child_id)
            .map_or("", |u| u.serial.as_str());
        return Err(ApiError::conflict(format!(
            "unit {serial} is installed in a box (position {}); ship the box",
            edge.position
        )));
    }
    let now = Utc::now();
    let shipment = shipment::ActiveModel {
        id: Set(Uuid::now_v7()),
        build_id: Set(build.id),
        destination: Set(destination),
        carrier: Set(carrier),
        tracking_number: Set(tracking_number),
        shipped_at: Set(now),
        ship_to_address_id: Set(None),
        customer_po: Set(None),
        requested_date: Set(None),
    }
    .insert(txn)
    .await?;
    unit::Entity::update_many()
        .col_expr(unit::Column::Status, Expr::value(UnitStatus::Shipped))
        .col_expr(unit::Column::ShippedAt, Expr::value(now))
        .col_expr(unit::Column::ShipmentId, Expr::value(shipment.id))
        .filter(unit::Column::Id.is_in(units.iter().map(|u| u.id)))
        .exec(txn)
        .await?;
    // What the boxes hold leaves with them: a trace reads that from each inner unit.
    crate::boxbuild::service::mark_contents_shipped(txn, units.iter().map(|u| u.id), now).await?;
    let was_shipped = build.status == BuildStatus::Shipped.as_str();
    let mut active: build::ActiveModel = build.into();
    active.status = Set(BuildStatus::Shipped.into());
    active.updated_at = Set(now);
    let build = active.update(txn).await?;
    audit::record(
        txn,
        meta,
        Change::new("build.ship", "Build", build.id).after(&json!({"shipment": shipment.id, "units": units.len(), "carrier": shipment.carrier, "trackingNumber": shipment.tracking_number})),
    )
    .await?;
    emit_shipment(txn, &build, &shipment, &units, was_shipped).await?;
    Ok(Shipped {
        shipment,
        build,
        units,
    })
}

/// Tells webhooks of a shipment, its units and (the first time) the build's SHIPPED status.
async fn emit_shipment(
    txn: &DatabaseTransaction,
    build: &build::Model,
    shipment: &shipment::Model,
    units: &[unit::Model],
    was_shipped: bool,
) -> ApiResult<()> {
    use crate::outbox::emit_for_build;
    let data = json!({"buildId": build.id, "units": units.len()});
    emit_for_build(
        txn,
        build.id,
        WebhookEvent::ShipmentCreated,
        &[(shipment.id, data)],
    )
    .await?;
    let shipped: Vec<_> = units
        .iter()
        .map(|u| {
            (
                u.id,
                json!({"buildId": build.id, "serial": u.serial, "shipmentId": shipment.id}),
            )
        })
        .collect();
    emit_for_build(txn, build.id, WebhookEvent::UnitShipped, &shipped).await?;
    if !was_shipped {
        let status = [(build.id, json!({"status": BuildStatus::Shipped}))];
        emit_for_build(txn, build.id, WebhookEvent::BuildStatusChanged, &status).await?;
    }
    Ok(())
}

/// Receives a reel or lot into the caller's EMS.
pub async fn receive_lot(
    state: &AppState,
    actor: &Actor,
    input: NewLot,
    meta: &AuditMeta,
) -> ApiResult<component_lot::Model> {
    authorize(actor, Action::RecordProduction)?;
    let txn = begin_write(&state.db).await?;
    let row = receive_lot_in(&txn, actor, input, meta).await?;
    txn.commit().await?;
    Ok(row)
}

/// [`receive_lot`] inside `txn`; the caller authorizes and commits.
pub async fn receive_lot_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    input: NewLot,
    meta: &AuditMeta,
) -> ApiResult<component_lot::Model> {
    if input.quantity < 1 {
        return Err(ApiError::bad_input("quantity must be at least 1"));
    }
    let reel_id = clean("the reel id", &input.reel_id, 100)?;
    let row = component_lot::ActiveModel {
        id: Set(Uuid::now_v7()),
        ems_id: Set(actor.org_id),
        mpn: Set(input.mpn.into_string()),
        manufacturer: Set(input.manufacturer.into_string()),
        lot_code: Set(input.lot_code.into_string()),
        date_code: Set(input.date_code.trim().chars().take(32).collect()),
        reel_id: Set(reel_id.clone()),
        quantity: Set(input.quantity),
        supplier: Set(input.supplier.trim().chars().take(200).collect()),
        received_at: Set(Utc::now()),
    }
    .insert(txn)
    .await
    .map_err(|e| conflict_on_duplicate(e, format!("reel {reel_id} has already been received")))?;
    audit::record(
        txn,
        meta,
        Change::new("lot.receive", "ComponentLot", row.id)
            .after(&json!({"mpn": row.mpn, "lotCode": row.lot_code, "reelId": row.reel_id, "quantity": row.quantity})),
    )
    .await?;
    Ok(row)
}

/// The placed (not DNP) designators of a package's BOM, and the BOUGHT positions of a
/// box-build BOM (a modem's or a power supply's lot is recorded against its position).
pub async fn placed_designators(
    db: &impl ConnectionTrait,
    package_id: Uuid,
) -> ApiResult<BTreeSet<String>> {
    let analysis = analysis::load(db, package_id).await?;
    let mut placed: BTreeSet<String> = analysis
        .bom_lines
        .iter()
        .filter(|l| !l.dnp)
        .flat_map(|l| l.designators.iter().cloned())
        .collect();
    placed.extend(crate::boxbuild::service::bought_positions(db, package_id).await?);
    Ok(placed)
}

/// Records that a lot fed designators over many units of a build.
pub async fn record_lot_usage(
    state: &AppState,
    actor: &Actor,
    input: LotUsage,
    meta: &AuditMeta,
) -> ApiResult<i32> {
    authorize(actor, Action::RecordProduction)?;
    let LotUsage {
        lot_id, build_id, ..
    } = input;
    if input.designators.is_empty() || input.designators.len() > 1000 {
        return Err(ApiError::bad_input("give 1 to 1,000 designators"));
    }
    let txn = begin_write(&state.db).await?;
    let lot = actor.load::<component_lot::Entity>(&txn, lot_id).await?;
    crate::quality::service::refuse_contained_lot(&txn, &lot).await?;
    let build = planned_build(&txn, actor, build_id).await?;
    let placed = placed_designators(&txn, build.package_id).await?;
    let designators: BTreeSet<String> = input
        .designators
        .iter()
        .map(Designator::to_string)
        .collect();
    if let Some(unknown) = designators.iter().find(|d| !placed.contains(*d)) {
        return Err(ApiError::bad_input(format!(
            "{unknown} is not a placed designator of this revision's BOM"
        )));
    }
    let units = match &input.units {
        UnitSelection::Serials(serials) => {
            let wanted: BTreeSet<String> = serials.iter().map(Serial::to_string).collect();
            let units = unit::Entity::find()
                .filter(unit::Column::BuildId.eq(build.id))
                .filter(unit::Column::Serial.is_in(wanted.iter().cloned()))
                .all(&txn)
                .await?;
            if units.len() != wanted.len() {
                return Err(ApiError::bad_input(
                    "some serials are not units of this build",
                ));
            }
            units
        }
        UnitSelection::Range { from, to } => {
            let units = unit::Entity::find()
                .filter(unit::Column::BuildId.eq(build.id))
                .filter(unit::Column::Serial.gte(from.as_str()))
                .filter(unit::Column::Serial.lte(to.as_str()))
                .all(&txn)
                .await?;
            if units.is_empty() {
                return Err(ApiError::bad_input(format!(
                    "no unit of this build lies between {from} and {to}"
                )));
            }
            units
        }
    };
    crate::quality::service::refuse_contained_units(&txn, &units).await?;
    if units.len() * designators.len() > 200_000 {
        return Err(ApiError::bad_input("at most 200,000 usages per call"));
    }
    let now = Utc::now();
    let mut rows = Vec::with_capacity(units.len() * designators.len());
    for unit in &units {
        for designator in &designators {
            rows.push(lot_usage::ActiveModel {
                id: Set(Uuid::now_v7()),
                lot_id: Set(lot.id),
                unit_id: Set(unit.id),
                build_id: Set(build.id),
                designator: Set(designator.clone()),
                created_at: Set(now),
            });
        }
    }
    let count = rows.len() as i32;
    for chunk in rows.chunks(1000) {
        lot_usage::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await
            .map_err(|e| {
                conflict_on_duplicate(
                    e,
                    "a designator of one of these units already has a lot recorded",
                )
            })?;
    }
    audit::record(
        &txn,
        meta,
        Change::new("lot.usage", "ComponentLot", lot.id)
            .after(&json!({"build": build.id, "units": units.len(), "designators": designators})),
    )
    .await?;
    txn.commit().await?;
    Ok(count)
}
