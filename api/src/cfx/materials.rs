//! `MaterialsInstalled`: reels placed on designators of units, recorded as lot usage.
//!
//! Each installed material names the unit (`UnitIdentifier`, a serial of the EMS), the reel
//! (`Material.UniqueIdentifier`, the reel id it was received under) and the designators it fed
//! (`InstalledComponents[].ReferenceDesignator`). A designator must be placed by the BOM of the
//! unit's revision, and where the BOM names an MPN there, the reel must hold that MPN: a reel
//! of another part is refused with both MPNs named, and nothing of the message is recorded.

use super::message::{field, text};
use crate::audit::{self, AuditMeta, Change};
use crate::builds::service::placed_designators;
use crate::entities::{build, component_lot, lot_usage, unit};
use crate::error::{conflict_on_duplicate, ApiError, ApiResult};
use crate::packages::analysis;
use crate::tenancy::Actor;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// What the BOM of one revision says of its designators.
struct BomOf {
    /// Placed designators (DNP ones left out; bought box-build positions in).
    placed: BTreeSet<String>,
    /// The MPN at a designator, where the BOM names one.
    mpn: HashMap<String, String>,
}

async fn bom_of(txn: &DatabaseTransaction, package_id: Uuid) -> ApiResult<BomOf> {
    let analysis = analysis::load(txn, package_id).await?;
    let mut mpn = HashMap::new();
    for line in analysis.bom_lines.iter().filter(|l| !l.dnp) {
        if let Some(part) = line.mpn.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            for designator in &line.designators {
                mpn.insert(designator.clone(), part.to_owned());
            }
        }
    }
    Ok(BomOf {
        placed: placed_designators(txn, package_id).await?,
        mpn,
    })
}

/// Applies a `MaterialsInstalled` body inside `txn` (all of it or, on an error, nothing the
/// caller keeps); answers the number of (unit, designator) usages recorded.
pub async fn materials_installed(
    txn: &DatabaseTransaction,
    actor: &Actor,
    body: &Value,
    meta: &AuditMeta,
) -> ApiResult<usize> {
    let installed = field(body, "InstalledMaterials")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ApiError::bad_input("MaterialsInstalled names no InstalledMaterials"))?;
    let mut boms: HashMap<Uuid, BomOf> = HashMap::new();
    let mut rows = Vec::new();
    let mut reels: BTreeMap<String, usize> = BTreeMap::new();
    let now = Utc::now();
    for (index, material) in installed.iter().enumerate() {
        let serial = text(material, "UnitIdentifier").ok_or_else(|| {
            ApiError::bad_input(format!("installed material {index} has no UnitIdentifier"))
        })?;
        let reel = field(material, "Material")
            .and_then(|m| text(m, "UniqueIdentifier"))
            .ok_or_else(|| {
                ApiError::bad_input(format!(
                    "installed material {index} names no Material.UniqueIdentifier (the reel id)"
                ))
            })?;
        let designators: BTreeSet<&str> = field(material, "InstalledComponents")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| text(c, "ReferenceDesignator"))
            .collect();
        if designators.is_empty() {
            return Err(ApiError::bad_input(format!(
                "installed material {index} names no InstalledComponents with a ReferenceDesignator"
            )));
        }
        let unit = unit::Entity::find()
            .filter(unit::Column::EmsId.eq(actor.org_id))
            .filter(unit::Column::Serial.eq(serial))
            .one(txn)
            .await?
            .ok_or_else(|| {
                ApiError::bad_input(format!("unit {serial} is not a unit of this EMS"))
            })?;
        let lot = component_lot::Entity::find()
            .filter(component_lot::Column::EmsId.eq(actor.org_id))
            .filter(component_lot::Column::ReelId.eq(reel))
            .one(txn)
            .await?
            .ok_or_else(|| {
                ApiError::bad_input(format!(
                    "reel {reel} has not been received (receiveComponentLot)"
                ))
            })?;
        let build = build::Entity::find_by_id(unit.build_id)
            .one(txn)
            .await?
            .ok_or(ApiError::NotFound("build"))?;
        let bom = match boms.entry(build.package_id) {
            std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::hash_map::Entry::Vacant(new) => {
                new.insert(bom_of(txn, build.package_id).await?)
            }
        };
        for designator in designators {
            if !bom.placed.contains(designator) {
                return Err(ApiError::bad_input(format!(
                    "{designator} is not a placed designator of unit {serial}'s BOM"
                )));
            }
            if let Some(wanted) = bom.mpn.get(designator) {
                if !wanted.eq_ignore_ascii_case(lot.mpn.trim()) {
                    return Err(ApiError::bad_input(format!(
                        "reel {reel} holds MPN {}, but the BOM has MPN {wanted} at {designator} of unit {serial}",
                        lot.mpn
                    )));
                }
            }
            rows.push(lot_usage::ActiveModel {
                id: Set(Uuid::now_v7()),
                lot_id: Set(lot.id),
                unit_id: Set(unit.id),
                build_id: Set(build.id),
                designator: Set(designator.to_owned()),
                created_at: Set(now),
            });
        }
        *reels.entry(reel.to_owned()).or_default() += 1;
    }
    let count = rows.len();
    for chunk in rows.chunks(1000) {
        lot_usage::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await
            .map_err(|e| {
                conflict_on_duplicate(
                    e,
                    "a designator of one of these units already has a lot recorded",
                )
            })?;
    }
    audit::record(
        txn,
        meta,
        Change::new("cfx.materials_installed", "Organization", actor.org_id)
            .after(&json!({"reels": reels, "usages": count})),
    )
    .await?;
    Ok(count)
}
