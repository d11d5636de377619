//! The canonical content of an FAI report and its SHA-256: what a signature attests to.
//!
//! Everything that makes up the record goes in (forms 1 and 2, every characteristic with its
//! result, the evidence files' hashes); workflow state and the signatures themselves do not, so
//! the hash changes exactly when the record does. Keys are sorted and arrays ordered, so the
//! same record always yields the same bytes.

use crate::entities::{fai_characteristic, fai_evidence, fai_report};
use crate::error::{ApiError, ApiResult};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Rebuilds a JSON value with every object's keys sorted.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let ordered: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(ordered.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The canonical bytes of a report as stored now.
pub async fn canonical(db: &impl ConnectionTrait, report: &fai_report::Model) -> ApiResult<String> {
    let characteristics = fai_characteristic::Entity::find()
        .filter(fai_characteristic::Column::ReportId.eq(report.id))
        .order_by_asc(fai_characteristic::Column::Number)
        .all(db)
        .await?;
    let evidence = fai_evidence::Entity::find()
        .filter(fai_evidence::Column::ReportId.eq(report.id))
        .order_by_asc(fai_evidence::Column::Sha256)
        .all(db)
        .await?;
    let accountability: Value =
        serde_json::from_str(&report.accountability).map_err(ApiError::internal)?;
    let content = json!({
        "report": {
            "id": report.id, "build": report.build_id, "unit": report.unit_id, "package": report.package_id,
            "reason": report.reason, "scope": report.scope, "accountability": accountability,
        },
        "characteristics": characteristics.iter().map(|c| json!({
            "number": c.number, "kind": c.kind, "designator": c.designator, "requirement": c.requirement,
            "method": c.method, "criteria": c.criteria, "result": c.result, "status": c.status,
            "nonconformanceRef": c.nonconformance_ref,
        })).collect::<Vec<_>>(),
        "evidence": evidence.iter().map(|e| json!({
            "name": e.name, "sha256": e.sha256, "characteristic": e.characteristic_id,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string(&sorted(content)).map_err(ApiError::internal)
}

/// Hex SHA-256 of the report's canonical content.
pub async fn content_hash(
    db: &impl ConnectionTrait,
    report: &fai_report::Model,
) -> ApiResult<String> {
    Ok(hex::encode(Sha256::digest(
        canonical(db, report).await?.as_bytes(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_does_not_change_the_bytes() {
        let a = sorted(json!({"b": 1, "a": {"d": [2, {"z": 1, "y": 2}], "c": 3}}));
        let b = sorted(json!({"a": {"c": 3, "d": [2, {"y": 2, "z": 1}]}, "b": 1}));
        assert_eq!(a.to_string(), b.to_string());
        assert_eq!(
            a.to_string(),
            r#"{"a":{"c":3,"d":[2,{"y":2,"z":1}]},"b":1}"#
        );
    }
}
