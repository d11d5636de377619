//! Corrective actions (CAPA) worked as an 8D.
//!
//! The EMS escalates its NCR to a CAPA, or the OEM raises one against its EMS (a supplier
//! corrective action request) citing NCRs and builds. EMS quality fills the eight disciplines,
//! each with an owner and a due date; D4, D6 and D8 are signed (password again, the SHA-256 of
//! what the discipline says). A CAPA closes only when every discipline is filled, the three
//! are signed, and its effectiveness check passed: the first-pass yield at a station kind over
//! the first N units of the product tested since the check started, computed from the
//! recorded station results.

use crate::audit::{self, AuditMeta, Change};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{
    build, build_station, capa, capa_discipline, capa_ncr, ncr, signature, station_event,
};
use crate::error::{stored, ApiError, ApiResult};
use crate::fai::model::SignatureMeaning;
use crate::policy::{authorize, Action};
use crate::signing;
use crate::tenancy::{Actor, Tenanted};
use chrono::{DateTime, NaiveDate, Utc};
use firstpass_shared::domain::{OrgKind, StationKind, StationResult};
use firstpass_shared::quality::{effectiveness_passed, CapaKind, CapaStatus, Discipline};
use firstpass_shared::text::Serial;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use uuid::Uuid;

/// The `record_type` of a discipline's signature (the record is the discipline's row).
pub const DISCIPLINE_RECORD: &str = "CapaDiscipline";

impl Tenanted for capa::Entity {
    const NOUN: &'static str = "CAPA";
    /// The EMS that works it and the OEM whose product it concerns.
    fn visible_to(actor: &Actor) -> Condition {
        match actor.org_kind {
            OrgKind::Ems => Condition::all().add(capa::Column::EmsId.eq(actor.org_id)),
            OrgKind::Oem => Condition::all().add(capa::Column::OemId.eq(actor.org_id)),
        }
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![capa::Column::Id]
    }
}

/// A corrective action the OEM asks of its EMS.
#[derive(Debug, Clone)]
pub struct NewRequest {
    /// One line.
    pub title: String,
    /// The problem as the OEM sees it (it becomes D2's first text).
    pub description: String,
    /// NCRs it cites.
    pub ncr_ids: Vec<Uuid>,
    /// Builds it cites.
    pub build_ids: Vec<Uuid>,
    /// Units it cites.
    pub serials: Vec<Serial>,
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

/// The next `CAPA-000001` of an EMS.
async fn next_number(db: &impl ConnectionTrait, ems_id: Uuid) -> ApiResult<String> {
    let count: Option<i64> = capa::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(capa::Column::EmsId.eq(ems_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(format!("CAPA-{:06}", count.unwrap_or(0) + 1))
}

/// What a new CAPA is made of.
struct Opening {
    ems_id: Uuid,
    oem_id: Uuid,
    product_id: Option<Uuid>,
    title: String,
    kind: CapaKind,
    cites: serde_json::Value,
    ncr_ids: Vec<Uuid>,
    problem: Option<String>,
}

async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    opening: Opening,
    meta: &AuditMeta,
) -> ApiResult<capa::Model> {
    let user = actor
        .user_id()
        .ok_or_else(|| ApiError::forbidden("only a person opens a corrective action"))?;
    let now = Utc::now();
    let row = capa::ActiveModel {
        id: Set(Uuid::now_v7()),
        ems_id: Set(opening.ems_id),
        oem_id: Set(opening.oem_id),
        product_id: Set(opening.product_id),
        number: Set(next_number(db, opening.ems_id).await?),
        title: Set(opening.title),
        kind: Set(opening.kind.as_str().to_owned()),
        status: Set(CapaStatus::Open.as_str().to_owned()),
        cites: Set(opening.cites.to_string()),
        check_station_kind: Set(None),
        check_threshold_percent: Set(None),
        check_window_units: Set(None),
        check_from: Set(None),
        created_by: Set(user),
        created_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
    }
    .insert(db)
    .await?;
    for ncr_id in &opening.ncr_ids {
        capa_ncr::ActiveModel {
            capa_id: Set(row.id),
            ncr_id: Set(*ncr_id),
        }
        .insert(db)
        .await?;
    }
    if let Some(problem) = opening.problem {
        capa_discipline::ActiveModel {
            id: Set(Uuid::now_v7()),
            capa_id: Set(row.id),
            discipline: Set(Discipline::D2.as_str().to_owned()),
            owner: Set(actor.label()),
            due_date: Set(None),
            content: Set(problem),
            updated_by: Set(actor.label()),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    audit::record(
        db,
        meta,
        Change::new("quality.capa.open", "Capa", row.id).after(&json!({
            "number": row.number, "kind": row.kind, "ncrs": opening.ncr_ids, "cites": opening.cites,
        })),
    )
    .await?;
    Ok(row)
}

/// The product of a build, if the build is given and visible.
async fn product_of(db: &impl ConnectionTrait, build_id: Option<Uuid>) -> ApiResult<Option<Uuid>> {
    Ok(match build_id {
        Some(id) => build::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|b| b.product_id),
        None => None,
    })
}

/// EMS quality escalates an NCR of a customer's product to a corrective action.
pub async fn escalate(
    state: &AppState,
    actor: &Actor,
    ncr_id: Uuid,
    title: &str,
    meta: &AuditMeta,
) -> ApiResult<capa::Model> {
    authorize(actor, Action::ManageQuality)?;
    let title = bounded("the title", title, 200)?;
    let txn = begin_write(&state.db).await?;
    let ncr = actor.load::<ncr::Entity>(&txn, ncr_id).await?;
    let Some(oem_id) = ncr.oem_id else {
        return Err(ApiError::bad_input(
            "this NCR concerns no customer's product (a lot before use): handle it with the supplier",
        ));
    };
    let opening = Opening {
        ems_id: ncr.ems_id,
        oem_id,
        product_id: product_of(&txn, ncr.build_id).await?,
        title,
        kind: CapaKind::Corrective,
        cites: json!({"builds": ncr.build_id.into_iter().collect::<Vec<_>>(), "serials": []}),
        ncr_ids: vec![ncr.id],
        problem: Some(format!(
            "{}: {}\n\n{}",
            ncr.number, ncr.title, ncr.description
        )),
    };
    let row = insert(&txn, actor, opening, meta).await?;
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(row)
}

/// The OEM raises a corrective action against its EMS, citing NCRs, builds or units of its
/// own product (a supplier corrective action request).
pub async fn request(
    state: &AppState,
    actor: &Actor,
    input: NewRequest,
    meta: &AuditMeta,
) -> ApiResult<capa::Model> {
    authorize(actor, Action::RaiseCorrectiveActions)?;
    let title = bounded("the title", &input.title, 200)?;
    let description = bounded("the description", &input.description, 10_000)?;
    if input.ncr_ids.is_empty() && input.build_ids.is_empty() && input.serials.is_empty() {
        return Err(ApiError::bad_input(
            "cite what went wrong: NCRs, builds or serials",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let ncrs = actor
        .select::<ncr::Entity>()
        .filter(ncr::Column::Id.is_in(input.ncr_ids.iter().copied()))
        .all(&txn)
        .await?;
    if ncrs.len() != input.ncr_ids.iter().collect::<BTreeSet<_>>().len() {
        return Err(ApiError::NotFound("NCR"));
    }
    let builds = actor
        .select::<build::Entity>()
        .filter(build::Column::Id.is_in(input.build_ids.iter().copied()))
        .all(&txn)
        .await?;
    if builds.len() != input.build_ids.iter().collect::<BTreeSet<_>>().len() {
        return Err(ApiError::NotFound("build"));
    }
    let serials: Vec<String> = input.serials.iter().map(Serial::to_string).collect();
    let units = actor
        .select::<crate::entities::unit::Entity>()
        .filter(crate::entities::unit::Column::Serial.is_in(serials.iter().cloned()))
        .all(&txn)
        .await?;
    if units.len() != serials.iter().collect::<BTreeSet<_>>().len() {
        return Err(ApiError::NotFound("unit"));
    }
    let unit_builds = build::Entity::find()
        .filter(build::Column::Id.is_in(units.iter().map(|u| u.build_id)))
        .all(&txn)
        .await?;
    let all_builds: Vec<&build::Model> = builds.iter().chain(&unit_builds).collect();
    let suppliers: BTreeSet<Uuid> = ncrs
        .iter()
        .map(|n| n.ems_id)
        .chain(all_builds.iter().map(|b| b.ems_id))
        .collect();
    if suppliers.len() != 1 {
        return Err(ApiError::bad_input(
            "a corrective action is asked of one EMS: cite its NCRs and builds only",
        ));
    }
    let ems_id = suppliers.into_iter().next().unwrap_or_default();
    let build_of_ncr = ncrs.iter().find_map(|n| n.build_id);
    let product_id = match all_builds.first() {
        Some(b) => Some(b.product_id),
        None => product_of(&txn, build_of_ncr).await?,
    };
    let opening = Opening {
        ems_id,
        oem_id: actor.org_id,
        product_id,
        title,
        kind: CapaKind::SupplierRequest,
        cites: json!({
            "builds": all_builds.iter().map(|b| b.id).collect::<BTreeSet<_>>(),
            "serials": serials,
        }),
        ncr_ids: ncrs.iter().map(|n| n.id).collect(),
        problem: Some(description),
    };
    let row = insert(&txn, actor, opening, meta).await?;
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(row)
}

/// The disciplines filled in so far, by discipline.
pub async fn disciplines(
    db: &impl ConnectionTrait,
    capa_id: Uuid,
) -> ApiResult<HashMap<Discipline, capa_discipline::Model>> {
    capa_discipline::Entity::find()
        .filter(capa_discipline::Column::CapaId.eq(capa_id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| Ok((stored::<Discipline>(&row.discipline)?, row)))
        .collect()
}

/// The signatures of a CAPA's disciplines, by discipline row.
pub async fn signatures(
    db: &impl ConnectionTrait,
    rows: impl IntoIterator<Item = Uuid>,
) -> ApiResult<HashMap<Uuid, signature::Model>> {
    Ok(signature::Entity::find()
        .filter(signature::Column::RecordType.eq(DISCIPLINE_RECORD))
        .filter(signature::Column::RecordId.is_in(rows))
        .order_by_asc(signature::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.record_id, s))
        .collect())
}

async fn open_capa(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> ApiResult<capa::Model> {
    let row = actor.load::<capa::Entity>(db, id).await?;
    if stored::<CapaStatus>(&row.status)? == CapaStatus::Closed {
        return Err(ApiError::conflict(format!("{} is closed", row.number)));
    }
    Ok(row)
}

/// What a discipline says, as given.
#[derive(Debug, Clone)]
pub struct DisciplineInput {
    /// Who owns it.
    pub owner: String,
    /// When it is due.
    pub due_date: Option<NaiveDate>,
    /// What it says.
    pub content: String,
}

/// Fills or changes one discipline of an open CAPA (EMS quality leads); a signed discipline
/// no longer changes.
pub async fn update_discipline(
    state: &AppState,
    actor: &Actor,
    capa_id: Uuid,
    discipline: Discipline,
    input: DisciplineInput,
    meta: &AuditMeta,
) -> ApiResult<capa_discipline::Model> {
    authorize(actor, Action::ManageQuality)?;
    let owner = bounded("the owner", &input.owner, 200)?;
    let content = bounded("the content", &input.content, 20_000)?;
    let txn = begin_write(&state.db).await?;
    let capa = open_capa(&txn, actor, capa_id).await?;
    let existing = disciplines(&txn, capa.id).await?.remove(&discipline);
    let now = Utc::now();
    let row = match existing {
        Some(row) => {
            if !signatures(&txn, [row.id]).await?.is_empty() {
                return Err(ApiError::conflict(format!(
                    "{} of {} is signed and no longer changes",
                    discipline.as_str(),
                    capa.number
                )));
            }
            let mut active: capa_discipline::ActiveModel = row.into();
            active.owner = Set(owner);
            active.due_date = Set(input.due_date);
            active.content = Set(content);
            active.updated_by = Set(actor.label());
            active.updated_at = Set(now);
            active.update(&txn).await?
        }
        None => {
            capa_discipline::ActiveModel {
                id: Set(Uuid::now_v7()),
                capa_id: Set(capa.id),
                discipline: Set(discipline.as_str().to_owned()),
                owner: Set(owner),
                due_date: Set(input.due_date),
                content: Set(content),
                updated_by: Set(actor.label()),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        meta,
        Change::new("quality.capa.discipline", "Capa", capa.id).after(&json!({
            "discipline": row.discipline, "owner": row.owner, "dueDate": row.due_date,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// What a discipline's signature covers.
fn discipline_content(capa: &capa::Model, row: &capa_discipline::Model) -> serde_json::Value {
    json!({
        "capa": capa.id, "number": capa.number, "discipline": row.discipline,
        "owner": row.owner, "dueDate": row.due_date, "content": row.content,
    })
}

/// A discipline to sign, and the signer's words.
#[derive(Debug)]
pub struct SignDiscipline<'a> {
    /// D4, D6 or D8.
    pub discipline: Discipline,
    /// The signer's password, asked again.
    pub password: &'a str,
    /// Why.
    pub reason: &'a str,
    /// Where the request came from (for the sign-in throttle).
    pub client_ip: IpAddr,
}

/// Signs D4, D6 or D8 of an open CAPA (EMS quality leads, password again).
pub async fn sign_discipline(
    state: &AppState,
    actor: &Actor,
    capa_id: Uuid,
    request: SignDiscipline<'_>,
    meta: &AuditMeta,
) -> ApiResult<signature::Model> {
    let SignDiscipline {
        discipline,
        password,
        reason,
        client_ip,
    } = request;
    authorize(actor, Action::ManageQuality)?;
    if !discipline.is_signed() {
        return Err(ApiError::bad_input(
            "D4, D6 and D8 are the signed disciplines",
        ));
    }
    let reason = signing::reason(reason)?;
    open_capa(&state.db, actor, capa_id).await?;
    let signer = signing::reauthenticate(state, actor, password, client_ip).await?;
    let txn = begin_write(&state.db).await?;
    let capa = open_capa(&txn, actor, capa_id).await?;
    let Some(row) = disciplines(&txn, capa.id).await?.remove(&discipline) else {
        return Err(ApiError::conflict(format!(
            "{} of {} is not filled in yet",
            discipline.as_str(),
            capa.number
        )));
    };
    if !signatures(&txn, [row.id]).await?.is_empty() {
        return Err(ApiError::conflict(format!(
            "{} of {} is signed already",
            discipline.as_str(),
            capa.number
        )));
    }
    let content_hash = crate::fai::content::hash(&discipline_content(&capa, &row))?;
    let signature = signing::record(
        &txn,
        signing::NewSignature {
            record_type: DISCIPLINE_RECORD,
            record_id: row.id,
            signer: &signer,
            organization_id: actor.org_id,
            meaning: SignatureMeaning::Approved,
            reason,
            content_hash,
        },
    )
    .await?;
    audit::record(
        &txn,
        meta,
        Change::new("quality.capa.sign", "Capa", capa.id).after(&json!({
            "discipline": row.discipline, "signature": signature.id, "contentHash": signature.content_hash,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(signature)
}

/// An effectiveness check to set.
#[derive(Debug, Clone, Copy)]
pub struct CheckInput {
    /// The station kind whose first-pass yield judges it.
    pub station_kind: StationKind,
    /// The yield asked, in percent (0 to 100).
    pub threshold_percent: f64,
    /// How many units it looks at (1 to 100,000).
    pub window_units: i32,
}

/// Sets (or restarts) a CAPA's effectiveness check; station results count from now on.
pub async fn set_check(
    state: &AppState,
    actor: &Actor,
    capa_id: Uuid,
    input: CheckInput,
    meta: &AuditMeta,
) -> ApiResult<capa::Model> {
    authorize(actor, Action::ManageQuality)?;
    if !(0.0..=100.0).contains(&input.threshold_percent)
        || !(1..=100_000).contains(&input.window_units)
    {
        return Err(ApiError::bad_input(
            "the threshold is 0 to 100 percent and the window 1 to 100,000 units",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let capa = open_capa(&txn, actor, capa_id).await?;
    if capa.product_id.is_none() {
        return Err(ApiError::bad_input(
            "this corrective action cites no build, so no station results can judge it",
        ));
    }
    let mut active: capa::ActiveModel = capa.into();
    active.check_station_kind = Set(Some(input.station_kind.as_str().to_owned()));
    active.check_threshold_percent = Set(Some(input.threshold_percent));
    active.check_window_units = Set(Some(input.window_units));
    active.check_from = Set(Some(Utc::now()));
    active.updated_at = Set(Utc::now());
    let capa = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("quality.capa.check", "Capa", capa.id).after(&json!({
            "stationKind": capa.check_station_kind, "thresholdPercent": capa.check_threshold_percent,
            "windowUnits": capa.check_window_units, "from": capa.check_from,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(capa)
}

/// An effectiveness check as it stands.
#[derive(Debug, Clone)]
pub struct CheckStatus {
    /// The station kind judged.
    pub station_kind: StationKind,
    /// The yield asked, in percent.
    pub threshold_percent: f64,
    /// How many units it looks at.
    pub window_units: i32,
    /// Results from this time on count.
    pub from: DateTime<Utc>,
    /// Units seen so far (at most the window).
    pub units_seen: i32,
    /// Of those, passed the first time.
    pub passed_first: i32,
    /// Whether the check passed.
    pub passed: bool,
}

/// Judges a CAPA's effectiveness check from the station results recorded since it started:
/// the first result of each of the first `window` units of the product at a station of that
/// kind of the EMS's builds. `None` when no check is set.
pub async fn check(
    db: &impl ConnectionTrait,
    capa: &capa::Model,
) -> ApiResult<Option<CheckStatus>> {
    let (Some(kind), Some(threshold), Some(window), Some(from), Some(product)) = (
        capa.check_station_kind.as_deref(),
        capa.check_threshold_percent,
        capa.check_window_units,
        capa.check_from,
        capa.product_id,
    ) else {
        return Ok(None);
    };
    let station_kind = stored::<StationKind>(kind)?;
    let stations: Vec<Uuid> = build_station::Entity::find()
        .select_only()
        .column(build_station::Column::Id)
        .filter(build_station::Column::Kind.eq(kind))
        .filter(
            build_station::Column::BuildId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(build::Column::Id)
                    .from(build::Entity)
                    .and_where(build::Column::ProductId.eq(product))
                    .and_where(build::Column::EmsId.eq(capa.ems_id))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    // The first results since the check started, in order; a unit counts once, by its first.
    let events: Vec<(Uuid, String)> = station_event::Entity::find()
        .select_only()
        .column(station_event::Column::UnitId)
        .column(station_event::Column::Result)
        .filter(station_event::Column::StationId.is_in(stations))
        .filter(station_event::Column::CreatedAt.gte(from))
        .order_by_asc(station_event::Column::CreatedAt)
        .order_by_asc(station_event::Column::Id)
        .limit(u64::try_from(window).unwrap_or(0) * 4)
        .into_tuple()
        .all(db)
        .await?;
    let mut seen = BTreeSet::new();
    let mut passed_first = 0u32;
    for (unit, result) in events {
        if seen.len() as i32 >= window {
            break;
        }
        if seen.insert(unit) && result == StationResult::Pass.as_str() {
            passed_first += 1;
        }
    }
    let units_seen = seen.len() as u32;
    Ok(Some(CheckStatus {
        station_kind,
        threshold_percent: threshold,
        window_units: window,
        from,
        units_seen: units_seen as i32,
        passed_first: passed_first as i32,
        passed: effectiveness_passed(passed_first, units_seen, window.max(0) as u32, threshold),
    }))
}

/// Closes a CAPA (EMS quality leads): every discipline filled, D4, D6 and D8 signed, and the
/// effectiveness check passed.
pub async fn close(
    state: &AppState,
    actor: &Actor,
    capa_id: Uuid,
    meta: &AuditMeta,
) -> ApiResult<capa::Model> {
    authorize(actor, Action::ManageQuality)?;
    let txn = begin_write(&state.db).await?;
    let capa = open_capa(&txn, actor, capa_id).await?;
    let filled = disciplines(&txn, capa.id).await?;
    let missing: Vec<&str> = Discipline::ALL
        .iter()
        .filter(|d| !filled.contains_key(d))
        .map(|d| d.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::conflict(format!(
            "{} is not filled in: {}",
            capa.number,
            missing.join(", ")
        )));
    }
    let signed = signatures(&txn, filled.values().map(|r| r.id)).await?;
    let unsigned: Vec<&str> = Discipline::ALL
        .iter()
        .filter(|d| d.is_signed())
        .filter(|d| {
            filled
                .get(d)
                .is_none_or(|row| !signed.contains_key(&row.id))
        })
        .map(|d| d.as_str())
        .collect();
    if !unsigned.is_empty() {
        return Err(ApiError::conflict(format!(
            "{} is not signed yet",
            unsigned.join(", ")
        )));
    }
    match check(&txn, &capa).await? {
        None => {
            return Err(ApiError::conflict(
                "set an effectiveness check first: a corrective action closes once it is shown to work",
            ))
        }
        Some(c) if !c.passed => {
            return Err(ApiError::conflict(format!(
                "the effectiveness check has not passed: {} of {} units seen, {} passed first time (asks {}%)",
                c.units_seen, c.window_units, c.passed_first, c.threshold_percent
            )))
        }
        Some(_) => {}
    }
    let now = Utc::now();
    let mut active: capa::ActiveModel = capa.into();
    active.status = Set(CapaStatus::Closed.as_str().to_owned());
    active.closed_at = Set(Some(now));
    active.updated_at = Set(now);
    let capa = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("quality.capa.close", "Capa", capa.id)
            .after(&json!({"number": capa.number, "status": capa.status})),
    )
    .await?;
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(capa)
}

/// CAPAs the actor sees, newest first; of one status when given.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    status: Option<CapaStatus>,
    first: u64,
) -> ApiResult<Vec<capa::Model>> {
    let mut select = actor
        .select::<capa::Entity>()
        .order_by_desc(capa::Column::CreatedAt)
        .order_by_desc(capa::Column::Id)
        .limit(first);
    if let Some(status) = status {
        select = select.filter(capa::Column::Status.eq(status.as_str()));
    }
    Ok(select.all(db).await?)
}

/// The NCRs a CAPA covers.
pub async fn ncrs_of(db: &impl ConnectionTrait, capa_id: Uuid) -> ApiResult<Vec<ncr::Model>> {
    let ids: Vec<Uuid> = capa_ncr::Entity::find()
        .filter(capa_ncr::Column::CapaId.eq(capa_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.ncr_id)
        .collect();
    Ok(ncr::Entity::find()
        .filter(ncr::Column::Id.is_in(ids))
        .order_by_asc(ncr::Column::Number)
        .all(db)
        .await?)
}
