//! The canonical content of an FAI report and its SHA-256: what a signature attests to.
//!
//! Everything that makes up the record goes in (forms 1 and 2, every characteristic with its
//! result, the evidence files' hashes); workflow state and the signatures themselves do not, so
//! the hash changes exactly when the record does. The content is written as RFC 8785 canonical
//! JSON ([`firstpass_shared::fai::canonical_json`]), with arrays in a fixed order, so the same
//! record always yields the same bytes, on the server and in the browser alike.
//!
//! Signatures made before canonical JSON were computed over the content with its keys sorted and
//! printed by `serde_json` ([`legacy_hash`]). For the records made here (ASCII keys, integers,
//! strings) those bytes are the same; they differ only for numbers such as `5.0` or `1e17` in
//! station measurements, so verification also accepts the legacy hash.

use crate::entities::{fai_characteristic, fai_evidence, fai_report};
use crate::error::{ApiError, ApiResult};
use firstpass_shared::fai::canonical_json;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The content a signature attests to, as a JSON value (member order does not matter).
pub async fn content(db: &impl ConnectionTrait, report: &fai_report::Model) -> ApiResult<Value> {
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
    // The stored text itself, not its typed reading: every stored byte of forms 1 and 2 counts.
    let accountability: Value =
        serde_json::from_str(&report.accountability).map_err(ApiError::internal)?;
    Ok(json!({
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
    }))
}

/// The canonical (RFC 8785) bytes of a report as stored now.
pub async fn canonical(db: &impl ConnectionTrait, report: &fai_report::Model) -> ApiResult<String> {
    canonical_json(&content(db, report).await?).map_err(ApiError::internal)
}

/// Hex SHA-256 of the canonical bytes of some content.
pub fn hash(content: &Value) -> ApiResult<String> {
    let bytes = canonical_json(content).map_err(ApiError::internal)?;
    Ok(hex::encode(Sha256::digest(bytes.as_bytes())))
}

/// Hex SHA-256 of the report's canonical content now.
pub async fn content_hash(
    db: &impl ConnectionTrait,
    report: &fai_report::Model,
) -> ApiResult<String> {
    hash(&content(db, report).await?)
}

/// Rebuilds a JSON value with every object's keys sorted by their UTF-8 bytes.
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

/// The bytes signatures were computed over before canonical JSON: keys sorted by UTF-8 bytes,
/// printed by `serde_json`. Kept only so that those signatures still verify.
pub fn legacy_bytes(content: &Value) -> ApiResult<String> {
    serde_json::to_string(&sorted(content.clone())).map_err(ApiError::internal)
}

/// Hex SHA-256 of [`legacy_bytes`].
pub fn legacy_hash(content: &Value) -> ApiResult<String> {
    Ok(hex::encode(Sha256::digest(
        legacy_bytes(content)?.as_bytes(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report as `create` stores it: forms 1 and 2 with lots, special processes and station
    /// results (integers and decimals among the measurements), characteristics open, passed and
    /// failed, and evidence with and without a characteristic.
    fn representative() -> Value {
        let accountability = r#"{"form1":{"partNumber":"GW-100","partName":"Gateway","revision":"B","serial":"GW-100-001","drawingNumber":"GW-100","drawingRevision":"B","ipcClass":"CLASS_3","class3Additions":["X-ray evidence for U1 (QFN-16)","Class 3 workmanship criteria named on every characteristic"],"organization":"Volt EMS","customer":"Acme Gateways","reason":"NEW_PART","scope":"FULL","buildPhase":"PILOT"},"form2":{"materials":[{"designators":["C1","C2"],"mpn":"GRM188R71H104KA93D","manufacturer":"Murata","description":"Cap 100n","value":"100n","lots":[{"designator":"C1","lotCode":"FAI-LOT","reelId":"R-1","dateCode":"2519"}]},{"designators":["U1"],"mpn":null,"manufacturer":null,"description":null,"value":"MCU","lots":[]}],"specialProcesses":[{"process":"Reflow","kind":"REFLOW"}],"functionalTests":[{"procedure":"ICT","kind":"ICT","result":"PASS","measurements":{"vcc":3.31,"count":12,"ok":true,"note":"±0.1 mm, \"quoted\"\nnext line"},"at":"2025-03-04T05:06:07.123456Z"},{"procedure":"FCT","kind":"FCT","result":"FAIL","measurements":null,"at":"2025-03-04T05:07:00Z"}]}}"#;
        let accountability: Value = serde_json::from_str(accountability).expect("json");
        json!({
            "report": {
                "id": "01960000-0000-7000-8000-000000000001", "build": "01960000-0000-7000-8000-000000000002",
                "unit": "01960000-0000-7000-8000-000000000003", "package": "01960000-0000-7000-8000-000000000004",
                "reason": "NEW_PART", "scope": "FULL", "accountability": accountability,
            },
            "characteristics": [
                {"number": 1, "kind": "DESIGNATOR", "designator": "C1", "requirement": "C1: right part (GRM188R71H104KA93D, 100n), value, polarity and presence",
                 "method": "Visual inspection and AOI", "criteria": "IPC-A-610 Class 3 (high performance): target and acceptable conditions only",
                 "result": "Conforms", "status": "PASS", "nonconformanceRef": null},
                {"number": 2, "kind": "DIMENSION", "designator": null, "requirement": "Board thickness 1.6 mm ± 0.1",
                 "method": "Caliper C-12", "criteria": "IPC-A-610 Class 3", "result": "1.72 mm", "status": "FAIL", "nonconformanceRef": "NCR-7"},
                {"number": 3, "kind": "XRAY", "designator": "U1", "requirement": "U1: X-ray", "method": "X-ray",
                 "criteria": "IPC-A-610 Class 3", "result": null, "status": null, "nonconformanceRef": null},
            ],
            "evidence": [
                {"name": "aoi-top.png", "sha256": "0a1b", "characteristic": null},
                {"name": "u1 x-ray.png", "sha256": "ff00", "characteristic": "01960000-0000-7000-8000-000000000005"},
            ],
        })
    }

    #[test]
    fn canonical_bytes_of_existing_records_are_unchanged() {
        let content = representative();
        let new = canonical_json(&content).expect("canonical");
        assert_eq!(new, legacy_bytes(&content).expect("legacy"));
        assert_eq!(
            hash(&content).expect("hash"),
            legacy_hash(&content).expect("legacy")
        );
        assert!(
            new.starts_with(r#"{"characteristics":[{"criteria":"#),
            "{new}"
        );
    }

    #[test]
    fn key_order_does_not_change_the_bytes() {
        let a = json!({"b": 1, "a": {"d": [2, {"z": 1, "y": 2}], "c": 3}});
        let b = json!({"a": {"c": 3, "d": [2, {"y": 2, "z": 1}]}, "b": 1});
        assert_eq!(hash(&a).expect("a"), hash(&b).expect("b"));
        assert_eq!(
            canonical_json(&a).expect("a"),
            r#"{"a":{"c":3,"d":[2,{"y":2,"z":1}]},"b":1}"#
        );
    }

    #[test]
    fn decimals_written_differently_keep_their_legacy_hash() {
        // serde_json writes 5.0 where RFC 8785 writes 5: the bytes differ, and verification
        // falls back to the legacy hash for signatures made before.
        let content = json!({"measurements": {"vcc": 5.0, "i": 12}});
        assert_eq!(
            canonical_json(&content).expect("c"),
            r#"{"measurements":{"i":12,"vcc":5}}"#
        );
        assert_eq!(
            legacy_bytes(&content).expect("l"),
            r#"{"measurements":{"i":12,"vcc":5.0}}"#
        );
        assert_ne!(
            hash(&content).expect("h"),
            legacy_hash(&content).expect("l")
        );
    }
}
