//! Box-build rules: the classes a package states per standard, the box-build BOM, installing
//! and removing sub-assemblies, per-unit identities and shipment deliveries.
//!
//! An installation is a row that is closed on removal and never deleted, so a unit's history
//! keeps every box it was ever in. The database itself refuses a second current parent for a
//! unit, a second unit in one position and a repeated IMEI, ICCID or MAC within an EMS (unique
//! indexes, see migration m0008); the checks here come first only to name what is wrong.

use crate::audit::{self, AuditMeta, Change};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{
    box_bom_line, build, npi_package, package_file, package_standard, product, shipment,
    shipment_delivery, unit, unit_identity, unit_installation, unit_mac_address,
};
use crate::error::{conflict_on_duplicate, ApiError, ApiResult};
use crate::packages::model::status_of;
use crate::packages::service::clean_revision;
use crate::policy::{authorize, Action};
use crate::tenancy::Actor;
use chrono::{DateTime, Utc};
use firstpass_shared::boxbuild::{
    parse_iccid, parse_imei, parse_mac, parse_sha256, BoxBomLineKind, IpcStandard, ProductTier,
};
use firstpass_shared::domain::{IpcClass, UnitStatus};
use firstpass_shared::text::{Mpn, Serial};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use std::collections::BTreeSet;
use uuid::Uuid;

/// Deepest nesting of units followed (a box in a rack in a cabinet…); installation refuses
/// cycles, this only bounds a walk.
pub const MAX_DEPTH: i32 = 16;

/// Most lines one box-build BOM may hold.
pub const MAX_BOM_LINES: usize = 200;

/// One line of a box-build BOM, as the OEM states it.
#[derive(Debug, Clone)]
pub struct NewBomLine {
    /// Where it goes (e.g. PCBA, MODEM, PSU); unique in the BOM.
    pub position: String,
    /// Sub-assembly, bought item or firmware.
    pub kind: BoxBomLineKind,
    /// The sub-assembly's product part number, the bought item's MPN, or the firmware's name.
    pub part_number: String,
    /// The sub-assembly's revision.
    pub revision: Option<String>,
    /// Free description.
    pub description: String,
    /// How many per box.
    pub quantity: i32,
    /// The firmware image: the name of a file of the package.
    pub file_name: Option<String>,
    /// The firmware's version.
    pub firmware_version: Option<String>,
}

/// What `recordUnitIdentity` changes; an absent field stays as it is.
#[derive(Debug, Clone, Default)]
pub struct NewIdentity {
    /// Firmware version loaded.
    pub firmware_version: Option<String>,
    /// SHA-256 of the firmware image loaded.
    pub firmware_sha256: Option<String>,
    /// The modem's IMEI.
    pub imei: Option<String>,
    /// The SIM's ICCID.
    pub iccid: Option<String>,
    /// Every MAC address of the unit (replaces those recorded).
    pub mac_addresses: Option<Vec<String>>,
}

fn bounded(what: &str, value: &str, max: usize, required: bool) -> ApiResult<String> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(ApiError::bad_input(format!("{what} is required")));
    }
    if value.chars().count() > max {
        return Err(ApiError::bad_input(format!(
            "{what} must have at most {max} characters"
        )));
    }
    if let Err(message) = firstpass_shared::text::check_free_text(what, value) {
        return Err(ApiError::bad_input(message));
    }
    Ok(value.to_owned())
}

/// A position written the one way it is stored: trimmed, upper case.
pub fn clean_position(position: &str) -> ApiResult<String> {
    let position = bounded("the position", position, 64, true)?;
    if position.chars().any(char::is_control) {
        return Err(ApiError::bad_input("the position must be one line"));
    }
    Ok(position.to_uppercase())
}

/// A package the OEM may still edit.
async fn editable_package(
    txn: &DatabaseTransaction,
    actor: &Actor,
    package_id: Uuid,
) -> ApiResult<npi_package::Model> {
    let package = actor.load::<npi_package::Entity>(txn, package_id).await?;
    let status = status_of(&package);
    if !status.is_editable() {
        return Err(ApiError::conflict(format!(
            "the package is {status}; only a DRAFT or CHANGES_REQUESTED package can change"
        )));
    }
    Ok(package)
}

/// States the class of each standard that applies to a package (replacing what it stated).
/// IPC-A-610's class is also the package's `ipcClass`.
pub async fn set_standards(
    state: &AppState,
    actor: &Actor,
    package_id: Uuid,
    standards: Vec<(IpcStandard, IpcClass)>,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    authorize(actor, Action::AuthorPackages)?;
    if standards.is_empty() {
        return Err(ApiError::bad_input(
            "state the class of at least one standard",
        ));
    }
    let mut seen = BTreeSet::new();
    for (standard, _) in &standards {
        if !seen.insert(standard.as_str()) {
            return Err(ApiError::bad_input(format!(
                "{} appears twice",
                standard.title()
            )));
        }
    }
    let txn = begin_write(&state.db).await?;
    let package = editable_package(&txn, actor, package_id).await?;
    let before = standards_of(&txn, &package).await?;
    package_standard::Entity::delete_many()
        .filter(package_standard::Column::PackageId.eq(package.id))
        .exec(&txn)
        .await?;
    for (standard, class) in &standards {
        package_standard::ActiveModel {
            id: Set(Uuid::now_v7()),
            package_id: Set(package.id),
            standard: Set(standard.as_str().to_owned()),
            class: Set(class.as_str().to_owned()),
        }
        .insert(&txn)
        .await?;
    }
    let mut active: npi_package::ActiveModel = package.clone().into();
    if let Some((_, class)) = standards.iter().find(|(s, _)| *s == IpcStandard::IpcA610) {
        active.ipc_class = Set(class.as_str().to_owned());
    }
    active.updated_at = Set(Utc::now());
    let package = active.update(&txn).await?;
    let describe = |list: &[(IpcStandard, IpcClass)]| {
        list.iter()
            .map(|(s, c)| json!({"standard": s, "class": c}))
            .collect::<Vec<_>>()
    };
    audit::record(
        &txn,
        meta,
        Change::new("package.standards", "NpiPackage", package.id)
            .before(&json!(describe(&before)))
            .after(&json!(describe(&standards))),
    )
    .await?;
    txn.commit().await?;
    Ok(package)
}

/// The class per standard a package states: its rows, or IPC-A-610 at the package's class when
/// it states none.
pub async fn standards_of(
    db: &impl ConnectionTrait,
    package: &npi_package::Model,
) -> ApiResult<Vec<(IpcStandard, IpcClass)>> {
    let rows = package_standard::Entity::find()
        .filter(package_standard::Column::PackageId.eq(package.id))
        .all(db)
        .await?;
    let mut out: Vec<(IpcStandard, IpcClass)> = rows
        .iter()
        .map(|r| {
            Ok((
                crate::error::stored::<IpcStandard>(&r.standard)?,
                crate::error::stored::<IpcClass>(&r.class)?,
            ))
        })
        .collect::<ApiResult<_>>()?;
    if out.is_empty() {
        out.push((
            IpcStandard::IpcA610,
            crate::error::stored::<IpcClass>(&package.ipc_class)?,
        ));
    }
    out.sort_by_key(|(s, _)| IpcStandard::ALL.iter().position(|x| x == s));
    Ok(out)
}

/// The product of a package.
async fn product_of(
    db: &impl ConnectionTrait,
    package: &npi_package::Model,
) -> ApiResult<product::Model> {
    product::Entity::find_by_id(package.product_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("product"))
}

fn tier_of(product: &product::Model) -> ProductTier {
    product.tier.parse().unwrap_or(ProductTier::Pcba)
}

/// Replaces the box-build BOM of a DRAFT package of a BOX_BUILD product.
pub async fn set_box_bom(
    state: &AppState,
    actor: &Actor,
    package_id: Uuid,
    lines: Vec<NewBomLine>,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    authorize(actor, Action::AuthorPackages)?;
    if lines.is_empty() || lines.len() > MAX_BOM_LINES {
        return Err(ApiError::bad_input(format!(
            "give 1 to {MAX_BOM_LINES} lines"
        )));
    }
    let txn = begin_write(&state.db).await?;
    let package = editable_package(&txn, actor, package_id).await?;
    let own = product_of(&txn, &package).await?;
    if tier_of(&own) != ProductTier::BoxBuild {
        return Err(ApiError::bad_input(format!(
            "{} is a PCBA; only a BOX_BUILD product has a box-build BOM",
            own.part_number
        )));
    }
    let files: BTreeSet<String> = package_file::Entity::find()
        .filter(package_file::Column::PackageId.eq(package.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|f| f.name)
        .collect();
    let mut positions = BTreeSet::new();
    let mut rows = Vec::with_capacity(lines.len());
    let mut summary = Vec::with_capacity(lines.len());
    for (index, line) in lines.into_iter().enumerate() {
        let at = |message: String| ApiError::bad_input(format!("line {}: {message}", index + 1));
        let position = clean_position(&line.position).map_err(|e| at(e.message()))?;
        if !positions.insert(position.clone()) {
            return Err(at(format!("position {position} appears twice")));
        }
        if !(1..=100_000).contains(&line.quantity) {
            return Err(at("the quantity must be between 1 and 100,000".into()));
        }
        let description = bounded("the description", &line.description, 1000, false)
            .map_err(|e| at(e.message()))?;
        summary.push(
            json!({"position": position, "kind": line.kind, "partNumber": line.part_number.trim(),
            "revision": line.revision, "fileName": line.file_name}),
        );
        let mut row = box_bom_line::ActiveModel {
            id: Set(Uuid::now_v7()),
            package_id: Set(package.id),
            position: Set(position.clone()),
            kind: Set(line.kind.into()),
            child_product_id: Set(None),
            child_revision: Set(None),
            part_number: Set(String::new()),
            description: Set(description),
            quantity: Set(line.quantity),
            file_name: Set(None),
            firmware_version: Set(None),
        };
        match line.kind {
            BoxBomLineKind::Subassembly => {
                let part = bounded("the part number", &line.part_number, 100, true)
                    .map_err(|e| at(e.message()))?;
                let revision = clean_revision(line.revision.as_deref().unwrap_or_default())
                    .map_err(|_| {
                        at(format!(
                            "give the revision of {part} that goes in {position}"
                        ))
                    })?;
                let child = actor
                    .select::<product::Entity>()
                    .filter(product::Column::OemId.eq(package.oem_id))
                    .filter(product::Column::PartNumber.eq(part.as_str()))
                    .one(&txn)
                    .await?
                    .ok_or_else(|| at(format!("{part} is not a product of this OEM")))?;
                if child.id == own.id {
                    return Err(at(format!("{part} cannot contain itself")));
                }
                row.child_product_id = Set(Some(child.id));
                row.child_revision = Set(Some(revision));
                row.part_number = Set(child.part_number);
            }
            BoxBomLineKind::Bought => {
                let mpn = Mpn::parse(&line.part_number).map_err(|e| at(e.to_string()))?;
                row.part_number = Set(mpn.into_string());
            }
            BoxBomLineKind::Firmware => {
                let name = line
                    .file_name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| at("a FIRMWARE line names its image: give fileName".into()))?;
                if !files.contains(name) {
                    return Err(at(format!(
                        "{name} is not a file of this package; upload the firmware image first"
                    )));
                }
                let label = if line.part_number.trim().is_empty() {
                    name.to_owned()
                } else {
                    bounded("the part number", &line.part_number, 100, true)
                        .map_err(|e| at(e.message()))?
                };
                row.part_number = Set(label);
                row.file_name = Set(Some(name.to_owned()));
                row.firmware_version = Set(line
                    .firmware_version
                    .as_deref()
                    .map(|v| bounded("the firmware version", v, 100, false))
                    .transpose()
                    .map_err(|e| at(e.message()))?
                    .filter(|v| !v.is_empty()));
            }
        }
        rows.push(row);
    }
    box_bom_line::Entity::delete_many()
        .filter(box_bom_line::Column::PackageId.eq(package.id))
        .exec(&txn)
        .await?;
    box_bom_line::Entity::insert_many(rows).exec(&txn).await?;
    let mut active: npi_package::ActiveModel = package.into();
    active.updated_at = Set(Utc::now());
    let package = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("package.box_bom", "NpiPackage", package.id).after(&json!(summary)),
    )
    .await?;
    txn.commit().await?;
    Ok(package)
}

/// The box-build BOM of a package, by position.
pub async fn bom_lines(
    db: &impl ConnectionTrait,
    package_id: Uuid,
) -> ApiResult<Vec<box_bom_line::Model>> {
    Ok(box_bom_line::Entity::find()
        .filter(box_bom_line::Column::PackageId.eq(package_id))
        .order_by_asc(box_bom_line::Column::Position)
        .all(db)
        .await?)
}

/// Before a submission: whether the package is a box build (whose board findings do not apply),
/// refusing a box build without its BOM or whose firmware lines name missing files.
pub async fn check_box_build_submission(
    db: &impl ConnectionTrait,
    package: &npi_package::Model,
) -> ApiResult<bool> {
    let product = product_of(db, package).await?;
    if tier_of(&product) != ProductTier::BoxBuild {
        return Ok(false);
    }
    let lines = bom_lines(db, package.id).await?;
    if lines.is_empty() {
        return Err(ApiError::conflict(
            "a box-build package needs its BOM (setBoxBuildBom) before it is submitted",
        ));
    }
    let files: BTreeSet<String> = package_file::Entity::find()
        .filter(package_file::Column::PackageId.eq(package.id))
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.name)
        .collect();
    for line in &lines {
        if let Some(name) = &line.file_name {
            if !files.contains(name) {
                return Err(ApiError::conflict(format!(
                    "the firmware of position {} names {name}, which is no longer a file of the package",
                    line.position
                )));
            }
        }
    }
    Ok(true)
}

/// The BOUGHT positions of a package's box-build BOM: lots of bought items are recorded
/// against them as designators are on a board.
pub async fn bought_positions(
    db: &impl ConnectionTrait,
    package_id: Uuid,
) -> ApiResult<BTreeSet<String>> {
    Ok(box_bom_line::Entity::find()
        .filter(box_bom_line::Column::PackageId.eq(package_id))
        .filter(box_bom_line::Column::Kind.eq(BoxBomLineKind::Bought.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.position)
        .collect())
}

/// A unit of the caller's EMS by serial, locked on PostgreSQL until the transaction ends.
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

/// What a unit is: its build, package and product.
struct Made {
    build: build::Model,
    package: npi_package::Model,
    product: product::Model,
}

impl Made {
    async fn of(db: &impl ConnectionTrait, unit: &unit::Model) -> ApiResult<Self> {
        let build = build::Entity::find_by_id(unit.build_id)
            .one(db)
            .await?
            .ok_or(ApiError::NotFound("build"))?;
        let package = npi_package::Entity::find_by_id(build.package_id)
            .one(db)
            .await?
            .ok_or(ApiError::NotFound("NPI package"))?;
        let product = product_of(db, &package).await?;
        Ok(Self {
            build,
            package,
            product,
        })
    }

    fn label(&self) -> String {
        format!("{} rev {}", self.product.part_number, self.package.revision)
    }
}

/// The installation that currently holds `child`, if any.
pub async fn current_parent(
    db: &impl ConnectionTrait,
    child: Uuid,
) -> ApiResult<Option<unit_installation::Model>> {
    Ok(unit_installation::Entity::find()
        .filter(unit_installation::Column::ChildId.eq(child))
        .filter(unit_installation::Column::RemovedAt.is_null())
        .one(db)
        .await?)
}

fn status_of_unit(unit: &unit::Model) -> ApiResult<UnitStatus> {
    crate::error::stored::<UnitStatus>(&unit.status)
}

/// Installs a finished sub-assembly into a position of a box, as the box's BOM names it.
pub async fn install(
    state: &AppState,
    actor: &Actor,
    parent_serial: &Serial,
    child_serial: &Serial,
    position: &str,
    meta: &AuditMeta,
) -> ApiResult<unit_installation::Model> {
    authorize(actor, Action::RecordProduction)?;
    let position = clean_position(position)?;
    if parent_serial == child_serial {
        return Err(ApiError::bad_input(
            "a unit cannot be installed into itself",
        ));
    }
    let txn = begin_write(&state.db).await?;
    // Locked in serial order is not needed: the edge's unique indexes settle a race.
    let parent = find_unit(&txn, actor, parent_serial).await?;
    let child = find_unit(&txn, actor, child_serial).await?;
    let parent_status = status_of_unit(&parent)?;
    if matches!(parent_status, UnitStatus::Shipped | UnitStatus::Scrapped) {
        return Err(ApiError::conflict(format!(
            "box {} is {parent_status}; nothing can be installed into it",
            parent.serial
        )));
    }
    let box_made = Made::of(&txn, &parent).await?;
    let lines = bom_lines(&txn, box_made.package.id).await?;
    let Some(line) = lines.iter().find(|l| l.position == position) else {
        let known: Vec<&str> = lines
            .iter()
            .filter(|l| l.kind == BoxBomLineKind::Subassembly.as_str())
            .map(|l| l.position.as_str())
            .collect();
        return Err(ApiError::bad_input(format!(
            "position {position} is not in the BOM of {} (sub-assembly positions: {})",
            box_made.label(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    };
    if line.kind != BoxBomLineKind::Subassembly.as_str() {
        return Err(ApiError::bad_input(format!(
            "position {position} of {} is a {} line, not a sub-assembly; record a bought item's lot with recordLotUsage",
            box_made.label(),
            line.kind
        )));
    }
    let child_made = Made::of(&txn, &child).await?;
    let expected_revision = line.child_revision.clone().unwrap_or_default();
    if Some(child_made.product.id) != line.child_product_id
        || child_made.package.revision != expected_revision
    {
        let what = if Some(child_made.product.id) == line.child_product_id {
            "wrong revision"
        } else {
            "wrong product"
        };
        return Err(ApiError::bad_input(format!(
            "{what}: position {position} of box {} takes {} rev {expected_revision}; unit {} is {}",
            parent.serial,
            line.part_number,
            child.serial,
            child_made.label()
        )));
    }
    let child_status = status_of_unit(&child)?;
    if child_status != UnitStatus::Completed {
        return Err(ApiError::conflict(format!(
            "unit {} is {child_status}; only a finished (COMPLETED), unshipped, unscrapped unit can be installed",
            child.serial
        )));
    }
    if let Some(edge) = current_parent(&txn, child.id).await? {
        let other = unit::Entity::find_by_id(edge.parent_id)
            .one(&txn)
            .await?
            .map(|u| u.serial)
            .unwrap_or_default();
        return Err(ApiError::conflict(format!(
            "unit {} is already installed in box {other} (position {}); remove it there first",
            child.serial, edge.position
        )));
    }
    if let Some(edge) = unit_installation::Entity::find()
        .filter(unit_installation::Column::ParentId.eq(parent.id))
        .filter(unit_installation::Column::Position.eq(position.as_str()))
        .filter(unit_installation::Column::RemovedAt.is_null())
        .one(&txn)
        .await?
    {
        let holder = unit::Entity::find_by_id(edge.child_id)
            .one(&txn)
            .await?
            .map(|u| u.serial)
            .unwrap_or_default();
        return Err(ApiError::conflict(format!(
            "position {position} of box {} already holds unit {holder}; remove it first",
            parent.serial
        )));
    }
    // No cycles: the child must not hold the parent at any depth.
    let mut above = parent.id;
    for _ in 0..MAX_DEPTH {
        if above == child.id {
            return Err(ApiError::bad_input(format!(
                "unit {} contains box {}; it cannot also go inside it",
                child.serial, parent.serial
            )));
        }
        match current_parent(&txn, above).await? {
            Some(edge) => above = edge.parent_id,
            None => break,
        }
    }
    let row = unit_installation::ActiveModel {
        id: Set(Uuid::now_v7()),
        ems_id: Set(actor.org_id),
        parent_id: Set(parent.id),
        child_id: Set(child.id),
        position: Set(position.clone()),
        installed_at: Set(Utc::now()),
        installed_by: Set(actor.label()),
        removed_at: Set(None),
        removed_by: Set(None),
        removal_reason: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        conflict_on_duplicate(
            e,
            format!(
                "unit {} or position {position} of box {} was taken by another installation meanwhile",
                child.serial, parent.serial
            ),
        )
    })?;
    set_current_parent(&txn, &child, Some((&parent, position.clone()))).await?;
    audit::record(
        &txn,
        meta,
        Change::new("unit.install", "Unit", parent.id).after(&json!({
            "parent": parent.serial, "child": child.serial, "position": position,
        })),
    )
    .await?;
    txn.commit().await?;
    state
        .build_events
        .publish(&state.db, box_made.build.id)
        .await;
    Ok(row)
}

/// Replaces the BOM of a box-build package with the lines of one of its files (CSV, TSV or
/// XLSX, read as [`firstpass_shared::cad::box_bom::parse`] does); the lines are then checked
/// exactly as [`set_box_bom`] checks lines given one by one.
pub async fn import_box_bom(
    state: &AppState,
    actor: &Actor,
    package_id: Uuid,
    file_name: &str,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    authorize(actor, Action::AuthorPackages)?;
    let package = actor
        .load::<npi_package::Entity>(&state.db, package_id)
        .await?;
    let file = package_file::Entity::find()
        .filter(package_file::Column::PackageId.eq(package.id))
        .filter(package_file::Column::Name.eq(file_name))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::bad_input(format!("{file_name} is not a file of this package")))?;
    let bytes = state
        .blobs
        .read_all(&file.storage_key, state.limits.max_file_bytes)
        .await?
        .ok_or(ApiError::NotFound("package file"))?;
    let rows = firstpass_shared::cad::box_bom::parse(&bytes)
        .map_err(|why| ApiError::bad_input(format!("{file_name}: {why}")))?;
    let lines = rows
        .into_iter()
        .map(|r| NewBomLine {
            position: r.position,
            kind: r.kind,
            part_number: r.part_number,
            revision: r.revision,
            description: r.description,
            quantity: r.quantity,
            file_name: r.file_name,
            firmware_version: r.firmware_version,
        })
        .collect();
    set_box_bom(state, actor, package.id, lines, meta).await
}

/// Repeats a unit's current installation edge on the unit itself (`None` once removed), and
/// moves the unit and everything inside it under its new outermost holder: the columns a
/// trace reads, written in the transaction that writes the edge. `child` is the unit as read
/// (locked) before the change; `parent` the locked holder it goes into.
async fn set_current_parent(
    txn: &impl ConnectionTrait,
    child: &unit::Model,
    parent: Option<(&unit::Model, String)>,
) -> ApiResult<()> {
    use sea_orm::sea_query::Expr;
    let (parent_id, position) = parent
        .as_ref()
        .map(|(p, position)| (p.id, position.clone()))
        .unzip();
    unit::Entity::update_many()
        .col_expr(unit::Column::ParentUnitId, Expr::value(parent_id))
        .col_expr(unit::Column::ParentPosition, Expr::value(position))
        .filter(unit::Column::Id.eq(child.id))
        .exec(txn)
        .await?;
    match parent {
        // Going in: the child was its own top, so the units naming it as top are exactly
        // those inside it; all of them now sit under the parent's top.
        Some((parent, _)) => {
            let (top, top_shipped) = match parent.top_unit_id {
                Some(top) => (top, parent.top_shipped_at),
                None => (parent.id, parent.shipped_at),
            };
            unit::Entity::update_many()
                .col_expr(unit::Column::TopUnitId, Expr::value(top))
                .col_expr(unit::Column::TopShippedAt, Expr::value(top_shipped))
                .filter(
                    sea_orm::Condition::any()
                        .add(unit::Column::Id.eq(child.id))
                        .add(unit::Column::TopUnitId.eq(child.id)),
                )
                .exec(txn)
                .await?;
        }
        // Coming out: the child is its own top again, and the top of everything inside it.
        None => {
            let inside: Vec<Uuid> = super::levels::descend(txn, child.id)
                .await?
                .into_iter()
                .filter(|u| u.depth > 0)
                .map(|u| u.unit)
                .collect();
            for chunk in inside.chunks(1000) {
                unit::Entity::update_many()
                    .col_expr(unit::Column::TopUnitId, Expr::value(child.id))
                    .col_expr(unit::Column::TopShippedAt, Expr::value(child.shipped_at))
                    .filter(unit::Column::Id.is_in(chunk.iter().copied()))
                    .exec(txn)
                    .await?;
            }
            unit::Entity::update_many()
                .col_expr(unit::Column::TopUnitId, Expr::value(Option::<Uuid>::None))
                .col_expr(
                    unit::Column::TopShippedAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(unit::Column::Id.eq(child.id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// Marks what some units hold, at any depth, as shipped with them (`top_shipped_at`). The
/// units themselves are top-level: a unit inside a box never ships on its own.
pub async fn mark_contents_shipped(
    txn: &impl ConnectionTrait,
    shipped: impl Iterator<Item = Uuid>,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let tops: Vec<Uuid> = shipped.collect();
    for chunk in tops.chunks(1000) {
        unit::Entity::update_many()
            .col_expr(
                unit::Column::TopShippedAt,
                sea_orm::sea_query::Expr::value(Some(at)),
            )
            .filter(unit::Column::TopUnitId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Removes a sub-assembly from a box, keeping the installation on record with who, when and why.
pub async fn remove(
    state: &AppState,
    actor: &Actor,
    parent_serial: &Serial,
    child_serial: &Serial,
    reason: &str,
    meta: &AuditMeta,
) -> ApiResult<unit_installation::Model> {
    authorize(actor, Action::RecordProduction)?;
    let reason = bounded("the reason", reason, 2000, true)?;
    let txn = begin_write(&state.db).await?;
    let parent = find_unit(&txn, actor, parent_serial).await?;
    let child = find_unit(&txn, actor, child_serial).await?;
    let edge = current_parent(&txn, child.id)
        .await?
        .filter(|e| e.parent_id == parent.id)
        .ok_or_else(|| {
            ApiError::conflict(format!(
                "unit {} is not installed in box {}",
                child.serial, parent.serial
            ))
        })?;
    let mut active: unit_installation::ActiveModel = edge.into();
    active.removed_at = Set(Some(Utc::now()));
    active.removed_by = Set(Some(actor.label()));
    active.removal_reason = Set(Some(reason.clone()));
    let row = active.update(&txn).await?;
    set_current_parent(&txn, &child, None).await?;
    audit::record(
        &txn,
        meta,
        Change::new("unit.remove", "Unit", parent.id).after(&json!({
            "parent": parent.serial, "child": child.serial, "position": row.position, "reason": reason,
        })),
    )
    .await?;
    txn.commit().await?;
    state.build_events.publish(&state.db, parent.build_id).await;
    Ok(row)
}

/// The SHA-256 of each firmware image a package releases, with the version its line states.
async fn released_firmware(
    db: &impl ConnectionTrait,
    package_id: Uuid,
) -> ApiResult<Vec<(String, Option<String>)>> {
    let lines = bom_lines(db, package_id).await?;
    let names: Vec<String> = lines.iter().filter_map(|l| l.file_name.clone()).collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let files = package_file::Entity::find()
        .filter(package_file::Column::PackageId.eq(package_id))
        .filter(package_file::Column::Name.is_in(names))
        .all(db)
        .await?;
    Ok(lines
        .iter()
        .filter_map(|l| {
            let name = l.file_name.as_ref()?;
            let file = files.iter().find(|f| &f.name == name)?;
            Some((file.sha256.to_ascii_lowercase(), l.firmware_version.clone()))
        })
        .collect())
}

/// Records what identifies a unit (firmware, IMEI, ICCID, MAC addresses); absent fields stay.
pub async fn record_identity(
    state: &AppState,
    actor: &Actor,
    serial: &Serial,
    input: NewIdentity,
    meta: &AuditMeta,
) -> ApiResult<unit::Model> {
    let txn = begin_write(&state.db).await?;
    let unit = record_identity_in(&txn, actor, serial, input, meta).await?;
    txn.commit().await?;
    Ok(unit)
}

/// [`record_identity`] inside `txn`; the caller commits.
pub async fn record_identity_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    serial: &Serial,
    input: NewIdentity,
    meta: &AuditMeta,
) -> ApiResult<unit::Model> {
    authorize(actor, Action::RecordProduction)?;
    let imei = input
        .imei
        .as_deref()
        .map(parse_imei)
        .transpose()
        .map_err(ApiError::bad_input)?;
    let iccid = input
        .iccid
        .as_deref()
        .map(parse_iccid)
        .transpose()
        .map_err(ApiError::bad_input)?;
    let sha = input
        .firmware_sha256
        .as_deref()
        .map(parse_sha256)
        .transpose()
        .map_err(ApiError::bad_input)?;
    let version = input
        .firmware_version
        .as_deref()
        .map(|v| bounded("the firmware version", v, 100, true))
        .transpose()?;
    let macs = match &input.mac_addresses {
        Some(list) => {
            if list.len() > 16 {
                return Err(ApiError::bad_input("give at most 16 MAC addresses"));
            }
            let mut set = BTreeSet::new();
            for raw in list {
                let mac = parse_mac(raw).map_err(ApiError::bad_input)?;
                if !set.insert(mac.clone()) {
                    return Err(ApiError::bad_input(format!(
                        "MAC address {mac} appears twice"
                    )));
                }
            }
            Some(set)
        }
        None => None,
    };
    let unit = find_unit(txn, actor, serial).await?;
    if status_of_unit(&unit)? == UnitStatus::Scrapped {
        return Err(ApiError::conflict(format!(
            "unit {} is SCRAPPED",
            unit.serial
        )));
    }
    let made = Made::of(txn, &unit).await?;
    if let Some(sha) = &sha {
        let released = released_firmware(txn, made.package.id).await?;
        let matched = released.iter().find(|(hash, _)| hash == sha);
        match matched {
            None if released.is_empty() => {
                return Err(ApiError::bad_input(format!(
                    "unreleased firmware: {} releases no firmware image; given SHA-256 {sha}",
                    made.label()
                )))
            }
            None => {
                let expected: Vec<&str> = released.iter().map(|(h, _)| h.as_str()).collect();
                return Err(ApiError::bad_input(format!(
                    "unreleased firmware for {}: expected SHA-256 {}, given {sha}",
                    made.label(),
                    expected.join(" or ")
                )));
            }
            Some((_, Some(expected))) => {
                if let Some(given) = &version {
                    if given != expected {
                        return Err(ApiError::bad_input(format!(
                            "the released image {sha} is version {expected}, not {given}"
                        )));
                    }
                }
            }
            Some(_) => {}
        }
    }
    let existing = unit_identity::Entity::find_by_id(unit.id).one(txn).await?;
    if let Some(imei) = &imei {
        if let Some(other) = holder(txn, actor, unit_identity::Column::Imei, imei, unit.id).await? {
            return Err(ApiError::conflict(format!(
                "duplicate IMEI: {imei} is already recorded on unit {other}"
            )));
        }
    }
    if let Some(iccid) = &iccid {
        if let Some(other) =
            holder(txn, actor, unit_identity::Column::Iccid, iccid, unit.id).await?
        {
            return Err(ApiError::conflict(format!(
                "duplicate ICCID: {iccid} is already recorded on unit {other}"
            )));
        }
    }
    let now = Utc::now();
    let before = existing
        .as_ref()
        .map(|e| json!({"firmwareVersion": e.firmware_version, "firmwareSha256": e.firmware_sha256, "imei": e.imei, "iccid": e.iccid}));
    let row = match existing {
        Some(row) => {
            let mut active: unit_identity::ActiveModel = row.into();
            if version.is_some() {
                active.firmware_version = Set(version.clone());
            }
            if sha.is_some() {
                active.firmware_sha256 = Set(sha.clone());
            }
            if imei.is_some() {
                active.imei = Set(imei.clone());
            }
            if iccid.is_some() {
                active.iccid = Set(iccid.clone());
            }
            active.recorded_by = Set(actor.label());
            active.updated_at = Set(now);
            active.update(txn).await
        }
        None => {
            unit_identity::ActiveModel {
                unit_id: Set(unit.id),
                ems_id: Set(unit.ems_id),
                firmware_version: Set(version.clone()),
                firmware_sha256: Set(sha.clone()),
                imei: Set(imei.clone()),
                iccid: Set(iccid.clone()),
                recorded_by: Set(actor.label()),
                updated_at: Set(now),
            }
            .insert(txn)
            .await
        }
    }
    .map_err(|e| {
        conflict_on_duplicate(
            e,
            "duplicate IMEI or ICCID: recorded on another unit meanwhile",
        )
    })?;
    if let Some(macs) = &macs {
        let taken = unit_mac_address::Entity::find()
            .filter(unit_mac_address::Column::EmsId.eq(unit.ems_id))
            .filter(unit_mac_address::Column::Mac.is_in(macs.iter().cloned()))
            .filter(unit_mac_address::Column::UnitId.ne(unit.id))
            .one(txn)
            .await?;
        if let Some(taken) = taken {
            let other = unit::Entity::find_by_id(taken.unit_id)
                .one(txn)
                .await?
                .map(|u| u.serial)
                .unwrap_or_default();
            return Err(ApiError::conflict(format!(
                "duplicate MAC address: {} is already recorded on unit {other}",
                taken.mac
            )));
        }
        unit_mac_address::Entity::delete_many()
            .filter(unit_mac_address::Column::UnitId.eq(unit.id))
            .exec(txn)
            .await?;
        let rows: Vec<unit_mac_address::ActiveModel> = macs
            .iter()
            .map(|mac| unit_mac_address::ActiveModel {
                id: Set(Uuid::now_v7()),
                unit_id: Set(unit.id),
                ems_id: Set(unit.ems_id),
                mac: Set(mac.clone()),
            })
            .collect();
        if !rows.is_empty() {
            unit_mac_address::Entity::insert_many(rows)
                .exec(txn)
                .await
                .map_err(|e| {
                    conflict_on_duplicate(
                        e,
                        "duplicate MAC address: recorded on another unit meanwhile",
                    )
                })?;
        }
    }
    audit::record(
        txn,
        meta,
        Change::new("unit.identity", "Unit", unit.id)
            .before(&json!(before))
            .after(&json!({"firmwareVersion": row.firmware_version, "firmwareSha256": row.firmware_sha256,
                "imei": row.imei, "iccid": row.iccid, "macAddresses": macs})),
    )
    .await?;
    Ok(unit)
}

/// The serial of another unit of the caller's EMS holding `value` in `column`.
async fn holder(
    txn: &DatabaseTransaction,
    actor: &Actor,
    column: unit_identity::Column,
    value: &str,
    unit_id: Uuid,
) -> ApiResult<Option<String>> {
    let Some(row) = unit_identity::Entity::find()
        .filter(unit_identity::Column::EmsId.eq(actor.org_id))
        .filter(column.eq(value))
        .filter(unit_identity::Column::UnitId.ne(unit_id))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    Ok(unit::Entity::find_by_id(row.unit_id)
        .one(txn)
        .await?
        .map(|u| u.serial))
}

/// Records that a shipment reached its ship-to address (the EMS that shipped it).
pub async fn record_delivery(
    state: &AppState,
    actor: &Actor,
    shipment_id: Uuid,
    delivered_at: Option<DateTime<Utc>>,
    meta: &AuditMeta,
) -> ApiResult<shipment::Model> {
    authorize(actor, Action::RecordProduction)?;
    let txn = begin_write(&state.db).await?;
    let shipment = shipment::Entity::find_by_id(shipment_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("shipment"))?;
    // Visible through its build, like every other production record.
    let build = actor
        .load::<build::Entity>(&txn, shipment.build_id)
        .await
        .map_err(|_| ApiError::NotFound("shipment"))?;
    if build.ems_id != actor.org_id {
        return Err(ApiError::NotFound("shipment"));
    }
    let at = delivered_at.unwrap_or_else(Utc::now);
    if at < shipment.shipped_at {
        return Err(ApiError::bad_input(
            "a shipment cannot be delivered before it shipped",
        ));
    }
    if shipment_delivery::Entity::find_by_id(shipment.id)
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            "the shipment's delivery is already recorded",
        ));
    }
    shipment_delivery::ActiveModel {
        shipment_id: Set(shipment.id),
        delivered_at: Set(at),
        recorded_by: Set(actor.label()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        Change::new("shipment.delivered", "Shipment", shipment.id)
            .after(&json!({"deliveredAt": at})),
    )
    .await?;
    txn.commit().await?;
    Ok(shipment)
}
