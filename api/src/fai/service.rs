//! FAI rules: who fills, submits and signs a report, and in which state.
//!
//! DRAFT (EMS quality fills it) → SUBMITTED (every characteristic has a result) → EMS_APPROVED
//! (the EMS program manager signs) → APPROVED (an OEM engineer or admin of the package's OEM
//! signs). Either signer may reject with a reason, which sends the report back to DRAFT.
//! Signing takes the signer's password again (counted like a sign-in), and records meaning,
//! reason, printed name, time and the content hash. A report changes only in DRAFT.

use super::content;
use super::model::{
    AddFaiCharacteristicInput, CharacteristicKind, CharacteristicStatus, FaiCharacteristicUpdate,
    FaiReason, FaiScope, FaiStatus, SignatureMeaning, SIGNED_RECORD,
};
use crate::audit::{self, AuditMeta, Change};
use crate::builds::model::{stations, StationKind};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{
    build, component_lot, fai_characteristic, fai_report, lot_usage, ncr, npi_package,
    organization, product, signature, station_event, unit,
};
use crate::error::stored;
use crate::error::{ApiError, ApiResult};
use crate::ids::parse_id;
use crate::packages::analysis;
use crate::policy::{authorize, Action};
use crate::signing;
use crate::tenancy::Actor;
use chrono::Utc;
use firstpass_shared::domain::{IpcClass, OrgKind, Role, UnitStatus};
use firstpass_shared::fai::{
    FaiAccountability, FunctionalTest, LotUsed, Material, PartAccountability,
    ProductAccountability, SpecialProcess,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use std::collections::BTreeMap;
use std::net::IpAddr;
use uuid::Uuid;

/// Packages that need X-ray and bottom-side evidence at class 3: area arrays and
/// bottom-terminated components.
const HIDDEN_JOINTS: &[&str] = &[
    "BGA", "QFN", "DFN", "LGA", "SON", "CSP", "WLCSP", "MLF", "LCC",
];

fn hidden_joints(package: Option<&str>) -> bool {
    package.is_some_and(|p| {
        let upper = p.to_uppercase();
        HIDDEN_JOINTS.iter().any(|k| upper.contains(k))
    })
}

fn criteria(class: IpcClass) -> String {
    match class {
        IpcClass::Class1 => "IPC-A-610 Class 1 (general electronic products)".to_owned(),
        IpcClass::Class2 => "IPC-A-610 Class 2 (dedicated service)".to_owned(),
        IpcClass::Class3 => {
            "IPC-A-610 Class 3 (high performance): target and acceptable conditions only".to_owned()
        }
    }
}

/// Loads a report the caller may see.
pub async fn load(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<fai_report::Model> {
    actor.load::<fai_report::Entity>(db, id).await
}

fn status_of(report: &fai_report::Model) -> ApiResult<FaiStatus> {
    stored(&report.status)
}

/// Creates a DRAFT report for one unit of a build, with forms 1 and 2 filled from the package,
/// the genealogy and the station results, and form 3 pre-filled from the BOM.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    build_id: Uuid,
    serial: &str,
    reason: FaiReason,
    scope: FaiScope,
    meta: &AuditMeta,
) -> ApiResult<fai_report::Model> {
    authorize(actor, Action::WriteFai)?;
    let txn = begin_write(&state.db).await?;
    let build = actor.load::<build::Entity>(&txn, build_id).await?;
    if build.ems_id != actor.org_id {
        return Err(ApiError::forbidden(
            "only the EMS building it inspects a build",
        ));
    }
    let unit = unit::Entity::find()
        .filter(unit::Column::BuildId.eq(build.id))
        .filter(unit::Column::Serial.eq(serial.trim()))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ApiError::bad_input(format!("unit {serial} does not belong to this build"))
        })?;
    if stored::<UnitStatus>(&unit.status)? == UnitStatus::Scrapped {
        return Err(ApiError::conflict(format!(
            "unit {} is scrapped: a scrapped unit cannot be a first article",
            unit.serial
        )));
    }
    let package = npi_package::Entity::find_by_id(build.package_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("NPI package"))?;
    let product = product::Entity::find_by_id(build.product_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("product"))?;
    let ems = organization::Entity::find_by_id(build.ems_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("organization"))?;
    let oem = organization::Entity::find_by_id(build.oem_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("organization"))?;
    let class: IpcClass = package.ipc_class.parse().map_err(ApiError::internal)?;
    let analysis = analysis::load(&txn, package.id).await?;

    // Form 2: materials with the lots actually used on this serial.
    let usages = lot_usage::Entity::find()
        .filter(lot_usage::Column::UnitId.eq(unit.id))
        .all(&txn)
        .await?;
    let lots = component_lot::Entity::find()
        .filter(component_lot::Column::Id.is_in(usages.iter().map(|u| u.lot_id)))
        .all(&txn)
        .await?;
    let lot_of: BTreeMap<&str, &component_lot::Model> = usages
        .iter()
        .filter_map(|u| {
            Some((
                u.designator.as_str(),
                lots.iter().find(|l| l.id == u.lot_id)?,
            ))
        })
        .collect();
    let materials: Vec<Material> = analysis
        .bom_lines
        .iter()
        .filter(|l| !l.dnp)
        .map(|line| Material {
            designators: line.designators.clone(),
            mpn: line.mpn.clone(),
            manufacturer: line.manufacturer.clone(),
            description: line.description.clone(),
            value: line.value.clone(),
            lots: line
                .designators
                .iter()
                .filter_map(|d| {
                    lot_of.get(d.as_str()).map(|lot| LotUsed {
                        designator: d.clone(),
                        lot_code: lot.lot_code.clone(),
                        reel_id: lot.reel_id.clone(),
                        date_code: lot.date_code.clone(),
                        supplier: Some(lot.supplier.clone()).filter(|s| !s.is_empty()),
                    })
                })
                .collect(),
        })
        .collect();
    let routing = stations(&txn, build.id).await?;
    let kinds: BTreeMap<Uuid, StationKind> = routing
        .iter()
        .map(|s| Ok((s.id, stored::<StationKind>(&s.kind)?)))
        .collect::<ApiResult<_>>()?;
    let special: Vec<SpecialProcess> = routing
        .iter()
        .filter(|s| {
            matches!(
                kinds.get(&s.id),
                Some(StationKind::Reflow | StationKind::Xray | StationKind::Tht)
            )
        })
        .map(|s| SpecialProcess {
            process: s.name.clone(),
            kind: s.kind.clone(),
        })
        .collect();
    let events = station_event::Entity::find()
        .filter(station_event::Column::UnitId.eq(unit.id))
        .order_by_asc(station_event::Column::Id)
        .all(&txn)
        .await?;
    let mut tests: Vec<FunctionalTest> = Vec::new();
    for e in &events {
        let Some(station) = routing.iter().find(|s| s.id == e.station_id) else {
            continue;
        };
        if !matches!(
            kinds.get(&station.id),
            Some(
                StationKind::Ict
                    | StationKind::Fct
                    | StationKind::Aoi
                    | StationKind::Xray
                    | StationKind::FinalQa
            )
        ) {
            continue;
        }
        // The time exactly as JSON has always written it (RFC 3339, UTC).
        let at = match serde_json::to_value(e.created_at).map_err(ApiError::internal)? {
            serde_json::Value::String(at) => at,
            other => other.to_string(),
        };
        tests.push(FunctionalTest {
            procedure: station.name.clone(),
            kind: station.kind.clone(),
            result: e.result.clone(),
            measurements: serde_json::from_str(&e.measurements).unwrap_or(serde_json::Value::Null),
            at,
        });
    }

    // Form 3: one characteristic per placed designator, plus class 3 additions. A PARTIAL
    // report on a revision made from another inspects only the designators the revision
    // compare finds added or changed.
    let partial: Option<std::collections::BTreeSet<String>> = match scope {
        FaiScope::Partial => crate::packages::compare::fai_scope_from_previous(&txn, &package)
            .await?
            .map(|(_, ds)| ds.into_iter().map(|d| d.to_ascii_uppercase()).collect()),
        FaiScope::Full => None,
    };
    let mut characteristics: Vec<(CharacteristicKind, Option<String>, String, String)> = Vec::new();
    let mut class3_added = Vec::new();
    for line in analysis.bom_lines.iter().filter(|l| !l.dnp) {
        for designator in line.designators.iter().filter(|d| {
            partial
                .as_ref()
                .is_none_or(|p| p.contains(&d.to_ascii_uppercase()))
        }) {
            let part = [line.mpn.as_deref(), line.value.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            characteristics.push((
                CharacteristicKind::Designator,
                Some(designator.clone()),
                format!("{designator}: right part ({part}), value, polarity and presence"),
                "Visual inspection and AOI".to_owned(),
            ));
            if class == IpcClass::Class3 && hidden_joints(line.package.as_deref()) {
                characteristics.push((
                    CharacteristicKind::Xray,
                    Some(designator.clone()),
                    format!("{designator}: X-ray evidence of every hidden joint (voiding, bridging, alignment)"),
                    "X-ray inspection; attach the image".to_owned(),
                ));
                class3_added.push(format!(
                    "X-ray evidence for {designator} ({})",
                    line.package.as_deref().unwrap_or("bottom-terminated")
                ));
            }
        }
    }
    if class == IpcClass::Class3 {
        class3_added.push("Class 3 workmanship criteria named on every characteristic".to_owned());
    }
    // Box build: each stated standard's class and what it asks for, and the box-build BOM.
    let (standards, box_additions) = crate::boxbuild::fai::additions(&txn, &package).await?;
    characteristics.extend(box_additions);
    let accountability = FaiAccountability {
        form1: PartAccountability {
            part_number: product.part_number.clone(),
            part_name: product.name.clone(),
            revision: package.revision.clone(),
            serial: unit.serial.clone(),
            drawing_number: product.part_number.clone(),
            drawing_revision: package.revision.clone(),
            ipc_class: class,
            class3_additions: class3_added,
            organization: ems.name.clone(),
            customer: oem.name.clone(),
            reason,
            scope,
            build_phase: build.phase.clone(),
            standards,
        },
        form2: ProductAccountability {
            materials,
            special_processes: special,
            functional_tests: tests,
        },
    };
    let now = Utc::now();
    let report = fai_report::ActiveModel {
        id: Set(Uuid::now_v7()),
        build_id: Set(build.id),
        unit_id: Set(unit.id),
        package_id: Set(package.id),
        oem_id: Set(build.oem_id),
        ems_id: Set(build.ems_id),
        reason: Set(reason.as_str().to_owned()),
        scope: Set(scope.as_str().to_owned()),
        status: Set(FaiStatus::Draft.as_str().to_owned()),
        accountability: Set(serde_json::to_string(&accountability).map_err(ApiError::internal)?),
        first_submitted_at: Set(None),
        created_by: Set(actor.user_id().ok_or(ApiError::Unauthenticated)?),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let criteria = criteria(class);
    let rows: Vec<fai_characteristic::ActiveModel> = characteristics
        .into_iter()
        .enumerate()
        .map(
            |(i, (kind, designator, requirement, method))| fai_characteristic::ActiveModel {
                id: Set(Uuid::now_v7()),
                report_id: Set(report.id),
                number: Set(i as i32 + 1),
                kind: Set(kind.as_str().to_owned()),
                designator: Set(designator),
                requirement: Set(requirement),
                method: Set(method),
                criteria: Set(criteria.clone()),
                result: Set(None),
                status: Set(None),
                nonconformance_ref: Set(None),
                ncr_id: Set(None),
            },
        )
        .collect();
    for chunk in rows.chunks(500) {
        fai_characteristic::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        meta,
        Change::new("fai.create", "FaiReport", report.id)
            .after(&json!({"serial": unit.serial, "reason": report.reason, "scope": report.scope})),
    )
    .await?;
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(report)
}

/// Loads a report the EMS quality engineer may change: the EMS's own, in DRAFT.
async fn editable(
    txn: &DatabaseTransaction,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<fai_report::Model> {
    authorize(actor, Action::WriteFai)?;
    let report = load(txn, actor, id).await?;
    let status = status_of(&report)?;
    if !status.is_editable() {
        return Err(ApiError::conflict(format!(
            "the report is {}: only a DRAFT changes (a signed record is frozen)",
            status.as_str()
        )));
    }
    Ok(report)
}

async fn touch(
    txn: &DatabaseTransaction,
    report: fai_report::Model,
) -> ApiResult<fai_report::Model> {
    let mut active: fai_report::ActiveModel = report.into();
    active.updated_at = Set(Utc::now());
    Ok(active.update(txn).await?)
}

/// An NCR a characteristic of `report` may link: one the actor sees, about the same customer's
/// product.
async fn linkable_ncr(
    txn: &DatabaseTransaction,
    actor: &Actor,
    report: &fai_report::Model,
    ncr_id: Uuid,
) -> ApiResult<ncr::Model> {
    let ncr = actor.load::<ncr::Entity>(txn, ncr_id).await?;
    if ncr.oem_id.is_some_and(|oem| oem != report.oem_id) {
        return Err(ApiError::bad_input(format!(
            "{} concerns another customer's product",
            ncr.number
        )));
    }
    Ok(ncr)
}

/// A characteristic an NCR is opened for, with its report.
#[derive(Debug, Clone)]
pub struct FailedCharacteristic {
    /// The characteristic.
    pub characteristic: fai_characteristic::Model,
    /// Its report (a DRAFT the actor may edit).
    pub report: fai_report::Model,
}

/// The characteristics an NCR is about to be opened for: each of a DRAFT report the actor may
/// edit, failed or not yet judged, and not linked to another NCR.
pub async fn failed_characteristics(
    txn: &DatabaseTransaction,
    actor: &Actor,
    ids: &[Uuid],
) -> ApiResult<Vec<FailedCharacteristic>> {
    let rows = fai_characteristic::Entity::find()
        .filter(fai_characteristic::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(fai_characteristic::Column::Number)
        .all(txn)
        .await?;
    if rows.len() != ids.len() {
        return Err(ApiError::NotFound("characteristic"));
    }
    let mut reports: BTreeMap<Uuid, fai_report::Model> = BTreeMap::new();
    let mut found = Vec::with_capacity(rows.len());
    for characteristic in rows {
        let report = match reports.get(&characteristic.report_id) {
            Some(report) => report.clone(),
            None => {
                let report = editable(txn, actor, characteristic.report_id).await?;
                reports.insert(report.id, report.clone());
                report
            }
        };
        if characteristic.status.as_deref() == Some(CharacteristicStatus::Pass.as_str()) {
            return Err(ApiError::conflict(format!(
                "characteristic {} passed: an NCR is for a failed one",
                characteristic.number
            )));
        }
        if characteristic.ncr_id.is_some() {
            return Err(ApiError::conflict(format!(
                "characteristic {} is already linked to {}",
                characteristic.number,
                characteristic
                    .nonconformance_ref
                    .as_deref()
                    .unwrap_or("an NCR")
            )));
        }
        found.push(FailedCharacteristic {
            characteristic,
            report,
        });
    }
    Ok(found)
}

/// Links the characteristics to the NCR just opened for them; their reference becomes the NCR's
/// number.
pub async fn link_ncr(
    txn: &DatabaseTransaction,
    found: &[FailedCharacteristic],
    ncr: &ncr::Model,
    meta: &AuditMeta,
) -> ApiResult<()> {
    for FailedCharacteristic {
        characteristic,
        report,
    } in found
    {
        let mut active: fai_characteristic::ActiveModel = characteristic.clone().into();
        active.ncr_id = Set(Some(ncr.id));
        active.nonconformance_ref = Set(Some(ncr.number.clone()));
        active.update(txn).await?;
        audit::record(
            txn,
            meta,
            Change::new("fai.link_ncr", "FaiReport", report.id)
                .before(&json!({"number": characteristic.number, "nonconformanceRef": characteristic.nonconformance_ref}))
                .after(&json!({"number": characteristic.number, "nonconformanceRef": ncr.number, "ncr": ncr.id})),
        )
        .await?;
    }
    let reports: BTreeMap<Uuid, &fai_report::Model> =
        found.iter().map(|f| (f.report.id, &f.report)).collect();
    for report in reports.into_values() {
        touch(txn, report.clone()).await?;
    }
    Ok(())
}

/// Enters results for many characteristics at once.
pub async fn update_characteristics(
    state: &AppState,
    actor: &Actor,
    report_id: Uuid,
    updates: Vec<FaiCharacteristicUpdate>,
    meta: &AuditMeta,
) -> ApiResult<fai_report::Model> {
    if updates.is_empty() || updates.len() > 5000 {
        return Err(ApiError::bad_input("give 1 to 5,000 updates"));
    }
    let txn = begin_write(&state.db).await?;
    let report = editable(&txn, actor, report_id).await?;
    let mut changes = Vec::with_capacity(updates.len());
    for update in updates {
        let id = parse_id(&update.id, "characteristic")?;
        let row = fai_characteristic::Entity::find_by_id(id)
            .filter(fai_characteristic::Column::ReportId.eq(report.id))
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("characteristic"))?;
        let result = update.result.trim().to_owned();
        if result.is_empty() || result.chars().count() > 4000 {
            return Err(ApiError::bad_input(format!(
                "characteristic {}: the result must have 1 to 4,000 characters",
                row.number
            )));
        }
        let text = update
            .nonconformance_ref
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        let (reference, link) = match &update.ncr_id {
            Some(ncr_id) => {
                let ncr = linkable_ncr(&txn, actor, &report, parse_id(ncr_id, "NCR")?).await?;
                (Some(ncr.number), Some(ncr.id))
            }
            // The linked NCR stays linked while the reference still names it.
            None => {
                let keeps_link = text.is_some() && text == row.nonconformance_ref;
                (text, row.ncr_id.filter(|_| keeps_link))
            }
        };
        if update.status == CharacteristicStatus::Fail && reference.is_none() {
            return Err(ApiError::bad_input(format!(
                "characteristic {} failed: link its NCR or give its nonconformance reference",
                row.number
            )));
        }
        let before = json!({"number": row.number, "result": row.result, "status": row.status, "nonconformanceRef": row.nonconformance_ref, "ncr": row.ncr_id});
        let mut active: fai_characteristic::ActiveModel = row.into();
        active.result = Set(Some(result));
        active.status = Set(Some(update.status.as_str().to_owned()));
        active.nonconformance_ref = Set(reference);
        active.ncr_id = Set(link);
        let row = active.update(&txn).await?;
        changes.push(json!({"before": before, "after": {"number": row.number, "result": row.result, "status": row.status, "nonconformanceRef": row.nonconformance_ref, "ncr": row.ncr_id}}));
    }
    let report = touch(&txn, report).await?;
    audit::record(
        &txn,
        meta,
        Change::new("fai.update_characteristics", "FaiReport", report.id).after(&changes),
    )
    .await?;
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(report)
}

/// Adds a free characteristic (dimension, torque, visual, …) at the end of form 3.
pub async fn add_characteristic(
    state: &AppState,
    actor: &Actor,
    input: AddFaiCharacteristicInput,
    meta: &AuditMeta,
) -> ApiResult<fai_report::Model> {
    let report_id = parse_id(&input.report_id, "FAI report")?;
    let requirement = input.requirement.trim().to_owned();
    let method = input.method.trim().to_owned();
    if requirement.is_empty() || method.is_empty() {
        return Err(ApiError::bad_input(
            "a characteristic needs a requirement and a method",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let report = editable(&txn, actor, report_id).await?;
    let package = npi_package::Entity::find_by_id(report.package_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("NPI package"))?;
    let class: IpcClass = package.ipc_class.parse().map_err(ApiError::internal)?;
    let number = fai_characteristic::Entity::find()
        .filter(fai_characteristic::Column::ReportId.eq(report.id))
        .count(&txn)
        .await? as i32
        + 1;
    let row = fai_characteristic::ActiveModel {
        id: Set(Uuid::now_v7()),
        report_id: Set(report.id),
        number: Set(number),
        kind: Set(input.kind.as_str().to_owned()),
        designator: Set(input
            .designator
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())),
        requirement: Set(requirement),
        method: Set(method),
        criteria: Set(criteria(class)),
        result: Set(None),
        status: Set(None),
        nonconformance_ref: Set(None),
        ncr_id: Set(None),
    }
    .insert(&txn)
    .await?;
    let report = touch(&txn, report).await?;
    audit::record(
        &txn,
        meta,
        Change::new("fai.add_characteristic", "FaiReport", report.id).after(
            &json!({"number": row.number, "kind": row.kind, "requirement": row.requirement}),
        ),
    )
    .await?;
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(report)
}

/// Submits a DRAFT whose every characteristic has a result.
pub async fn submit(
    state: &AppState,
    actor: &Actor,
    report_id: Uuid,
    meta: &AuditMeta,
) -> ApiResult<fai_report::Model> {
    let txn = begin_write(&state.db).await?;
    let report = editable(&txn, actor, report_id).await?;
    let open = fai_characteristic::Entity::find()
        .filter(fai_characteristic::Column::ReportId.eq(report.id))
        .filter(fai_characteristic::Column::Status.is_null())
        .count(&txn)
        .await?;
    if open > 0 {
        return Err(ApiError::conflict(format!(
            "{open} characteristic(s) have no result yet"
        )));
    }
    let now = Utc::now();
    let first = report.first_submitted_at;
    let mut active: fai_report::ActiveModel = report.into();
    active.status = Set(FaiStatus::Submitted.as_str().to_owned());
    active.first_submitted_at = Set(Some(first.unwrap_or(now)));
    active.updated_at = Set(now);
    let report = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("fai.submit", "FaiReport", report.id)
            .before(&json!({"status": FaiStatus::Draft}))
            .after(&json!({"status": report.status})),
    )
    .await?;
    crate::outbox::emit_to(
        &txn,
        &[report.ems_id, report.oem_id],
        crate::webhooks::model::WebhookEvent::FaiSubmitted,
        report.id,
        json!({"status": report.status}),
    )
    .await?;
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(report)
}

/// What a signer gives.
#[derive(Debug)]
pub struct SignRequest<'a> {
    /// The signer's password, asked again.
    pub password: &'a str,
    /// What the signature means.
    pub meaning: SignatureMeaning,
    /// Why.
    pub reason: &'a str,
    /// Where the request came from (for the sign-in throttle).
    pub client_ip: IpAddr,
}

/// Signs a report: re-authenticates the signer, records the signature with the content hash,
/// and moves the report on (or back to DRAFT on REJECTED).
pub async fn sign(
    state: &AppState,
    actor: &Actor,
    report_id: Uuid,
    request: SignRequest<'_>,
    meta: &AuditMeta,
) -> ApiResult<fai_report::Model> {
    let SignRequest {
        password,
        meaning,
        reason,
        client_ip,
    } = request;
    let reason = signing::reason(reason)?;
    // Which step this signer may take, before asking for the password (no oracle on state).
    let report = load(&state.db, actor, report_id).await?;
    let expected =
        match (actor.org_kind, actor.role()) {
            (OrgKind::Ems, Some(Role::EmsProgramManager)) if report.ems_id == actor.org_id => {
                FaiStatus::Submitted
            }
            (OrgKind::Oem, Some(Role::OemEngineer | Role::OemAdmin))
                if report.oem_id == actor.org_id =>
            {
                FaiStatus::EmsApproved
            }
            _ => return Err(ApiError::forbidden(
                "only the EMS program manager, then an OEM engineer of the customer, sign an FAI",
            )),
        };
    let signer = signing::reauthenticate(state, actor, password, client_ip).await?;
    let txn = begin_write(&state.db).await?;
    let report = load(&txn, actor, report_id).await?;
    let status = status_of(&report)?;
    if status != expected {
        return Err(ApiError::conflict(format!(
            "the report is {}; this signer signs it when it is {}",
            status.as_str(),
            expected.as_str()
        )));
    }
    let next = match (meaning, expected) {
        (SignatureMeaning::Rejected, _) => FaiStatus::Draft,
        (SignatureMeaning::Approved, FaiStatus::Submitted) => FaiStatus::EmsApproved,
        (SignatureMeaning::Approved, _) => FaiStatus::Approved,
        (SignatureMeaning::Reviewed, _) => status,
    };
    let hash = content::content_hash(&txn, &report).await?;
    let row = signing::record(
        &txn,
        signing::NewSignature {
            record_type: SIGNED_RECORD,
            record_id: report.id,
            signer: &signer,
            organization_id: actor.org_id,
            meaning,
            reason,
            content_hash: hash,
        },
    )
    .await?;
    let now = row.signed_at;
    let before = report.status.clone();
    let mut active: fai_report::ActiveModel = report.into();
    active.status = Set(next.as_str().to_owned());
    active.updated_at = Set(now);
    let report = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("fai.sign", "FaiReport", report.id)
            .before(&json!({"status": before}))
            .after(&json!({"status": report.status, "signature": row.id, "meaning": row.meaning, "contentHash": row.content_hash, "signer": row.email})),
    )
    .await?;
    {
        use crate::webhooks::model::WebhookEvent;
        let tenants = [report.ems_id, report.oem_id];
        let data = json!({"status": report.status, "signatureId": row.id, "meaning": row.meaning});
        crate::outbox::emit_to(&txn, &tenants, WebhookEvent::FaiSigned, report.id, data).await?;
        if next == FaiStatus::Approved {
            let data = json!({"status": report.status});
            crate::outbox::emit_to(&txn, &tenants, WebhookEvent::FaiApproved, report.id, data)
                .await?;
        }
    }
    txn.commit().await?;
    crate::inbox::nudge();
    Ok(report)
}

/// Every signature of a report checked against its content now.
///
/// A signature holds when it matches the canonical hash of the content, or the legacy hash of
/// the same content for signatures made before canonical JSON (see [`content`]).
pub async fn verify(
    db: &impl ConnectionTrait,
    report: &fai_report::Model,
) -> ApiResult<(bool, String, Vec<(signature::Model, bool)>)> {
    let now = content::content(db, report).await?;
    let hash = content::hash(&now)?;
    let rows = signature::Entity::find()
        .filter(signature::Column::RecordType.eq(SIGNED_RECORD))
        .filter(signature::Column::RecordId.eq(report.id))
        .order_by_asc(signature::Column::Id)
        .all(db)
        .await?;
    let mut legacy: Option<String> = None;
    let mut checks: Vec<(signature::Model, bool)> = Vec::with_capacity(rows.len());
    let mut cycle_start = 0;
    for s in rows {
        let valid = if s.content_hash == hash {
            true
        } else {
            let legacy = match &legacy {
                Some(legacy) => legacy,
                None => legacy.insert(content::legacy_hash(&now)?),
            };
            s.content_hash == *legacy
        };
        if stored::<SignatureMeaning>(&s.meaning)? == SignatureMeaning::Rejected {
            cycle_start = checks.len() + 1;
        }
        checks.push((s, valid));
    }
    let current = &checks[cycle_start..];
    let valid = !current.is_empty() && current.iter().all(|(_, ok)| *ok);
    Ok((valid, hash, checks))
}

/// The production gate: a PRODUCTION build of a revision needs an APPROVED FAI on it whose
/// signatures still hold.
pub async fn require_approved_fai(db: &impl ConnectionTrait, package_id: Uuid) -> ApiResult<()> {
    let approved = fai_report::Entity::find()
        .filter(fai_report::Column::PackageId.eq(package_id))
        .filter(fai_report::Column::Status.eq(FaiStatus::Approved.as_str()))
        .all(db)
        .await?;
    // A PARTIAL first article counts only where the compare with the previous revision says a
    // partial one suffices (no layer image changed).
    let package = npi_package::Entity::find_by_id(package_id).one(db).await?;
    let partial_suffices = match &package {
        Some(p) => matches!(
            crate::packages::compare::fai_scope_from_previous(db, p).await?,
            Some((FaiScope::Partial, _))
        ),
        None => false,
    };
    let mut partial_refused = false;
    for report in &approved {
        if report.scope == FaiScope::Partial.as_str() && !partial_suffices {
            partial_refused = true;
            continue;
        }
        if verify(db, report).await?.0 {
            return Ok(());
        }
    }
    let pending = fai_report::Entity::find()
        .filter(fai_report::Column::PackageId.eq(package_id))
        .all(db)
        .await?;
    let mut furthest: Option<FaiStatus> = None;
    for report in &pending {
        let status = status_of(report)?;
        if status != FaiStatus::Approved
            && furthest.is_none_or(|f| status.progress() > f.progress())
        {
            furthest = Some(status);
        }
    }
    let state = match furthest {
        Some(FaiStatus::EmsApproved) => "an FAI waits for the OEM's signature",
        Some(FaiStatus::Submitted) => "an FAI waits for the EMS program manager's signature",
        Some(FaiStatus::Draft) => "an FAI is still in DRAFT",
        _ if partial_refused && approved.len() == 1 => {
            "the approved FAI is PARTIAL, and the compare with the previous revision asks a FULL one (a layer changed, or there is no previous revision)"
        }
        _ if !approved.is_empty() => "the approved FAI no longer matches its signatures",
        _ => "no FAI has been made on this revision",
    };
    Err(ApiError::conflict(format!(
        "a PRODUCTION build needs an APPROVED first-article inspection on this revision: {state}"
    )))
}
