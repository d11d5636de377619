//! CFX messages about whole units, applied inside the caller's transaction:
//! `UnitsInspected` (an inspection's verdict per unit as a station result, each defect found
//! as a PENDING defect for a person to dispose), `UnitsDisqualified` (units scrapped, with the
//! reason as their defect) and `UnitsPersonalized` (MAC addresses, IMEI, ICCID and firmware
//! recorded as the unit's identity).
//!
//! A CFX unit is named by its `UnitIdentifier`; Firstpass serializes single units, so that is
//! the unit's serial (a panel's position numbers are not used).

use super::materials::materials_installed;
use super::message::{field, text, verdict, Envelope, Kind};
use crate::audit::AuditMeta;
use crate::boxbuild::service::{record_identity_in, NewIdentity};
use crate::builds::model::{DefectCode, Disposition, StationResult};
use crate::builds::service::{record_batch, record_defect_in, NewDefect, NewResult, Stop};
use crate::builds::test_steps::{parse_steps, TestStepInput};
use crate::error::{ApiError, ApiResult};
use crate::tenancy::Actor;
use firstpass_shared::text::{Designator, DisplayName, Serial};
use sea_orm::DatabaseTransaction;
use serde_json::Value;
use std::collections::BTreeSet;
use uuid::Uuid;

/// The designator of a defect of the whole board rather than of one part (a scratch, a
/// disqualified unit).
pub const BOARD_DESIGNATOR: &str = "PCB";

/// The items of a body's list field, refused when missing or empty.
fn list<'v>(body: &'v Value, name: &str, message: &str) -> ApiResult<&'v [Value]> {
    field(body, name)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .filter(|items| !items.is_empty())
        .ok_or_else(|| ApiError::bad_input(format!("{message} names no {name}")))
}

/// The serial a CFX unit entry names.
fn serial_of(unit: &Value, index: usize) -> ApiResult<Serial> {
    let raw = text(unit, "UnitIdentifier")
        .ok_or_else(|| ApiError::bad_input(format!("unit {index} has no UnitIdentifier")))?;
    Ok(Serial::parse(raw)?)
}

/// A defect code of Firstpass for a machine's own code and words: the code itself when it is
/// one of ours, else the first defect named in its code, category or description, else OTHER.
pub fn defect_code(
    code: Option<&str>,
    category: Option<&str>,
    description: Option<&str>,
) -> DefectCode {
    if let Some(ours) = code.and_then(|c| c.trim().to_ascii_uppercase().parse::<DefectCode>().ok())
    {
        return ours;
    }
    let words = [code, category, description]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    const SIGNS: &[(&str, DefectCode)] = &[
        ("tombston", DefectCode::Tombstone),
        ("bridg", DefectCode::SolderBridge),
        ("short", DefectCode::SolderBridge),
        ("insuf", DefectCode::InsufficientSolder),
        ("missing", DefectCode::MissingComponent),
        ("polarity", DefectCode::WrongPolarity),
        ("reversed", DefectCode::WrongPolarity),
        ("wrong", DefectCode::WrongComponent),
        ("lifted", DefectCode::LiftedLead),
        ("solder ball", DefectCode::SolderBall),
        ("void", DefectCode::Void),
        ("damage", DefectCode::DamagedComponent),
        ("crack", DefectCode::DamagedComponent),
    ];
    SIGNS
        .iter()
        .find(|(sign, _)| words.contains(sign))
        .map(|(_, code)| *code)
        .unwrap_or(DefectCode::Other)
}

/// The part a CFX `ReferenceDesignator` names: `R22.1` (a pin of R22) is R22; none is the
/// board itself.
fn part_designator(raw: Option<&str>) -> ApiResult<Designator> {
    let part = raw
        .map(|r| r.split('.').next().unwrap_or(r).trim())
        .filter(|r| !r.is_empty())
        .unwrap_or(BOARD_DESIGNATOR);
    Ok(Designator::parse(part)?)
}

/// One inspected unit: its station result and the defects found on it.
#[derive(Debug, Clone)]
pub struct Inspected {
    /// The verdict, with each inspection as a test step.
    pub result: NewResult,
    /// The defects found, each PENDING.
    pub defects: Vec<NewDefect>,
}

/// Reads a `UnitsInspected` body at `station`; each result is keyed by the message's
/// `UniqueID` and the unit's place in it.
pub fn units_inspected(unique_id: &str, station: &str, body: &Value) -> ApiResult<Vec<Inspected>> {
    let station = DisplayName::parse(station)?;
    let method = text(body, "InspectionMethod").unwrap_or("Inspection");
    list(body, "InspectedUnits", "UnitsInspected")?
        .iter()
        .enumerate()
        .map(|(index, unit)| {
            let serial = serial_of(unit, index)?;
            let at = |e: ApiError| ApiError::bad_input(format!("unit {serial}: {}", e.message()));
            let overall = verdict(text(unit, "OverallResult"), "OverallResult").map_err(at)?;
            let inspections = field(unit, "Inspections")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let mut steps = Vec::new();
            let mut defects = Vec::new();
            for inspection in inspections {
                let name = text(inspection, "InspectionName").unwrap_or(method);
                let result = text(inspection, "Result");
                steps.push(TestStepInput {
                    name: name.to_owned(),
                    value: None,
                    text_value: Some(result.unwrap_or("Unknown").to_owned()),
                    unit: None,
                    low_limit: None,
                    high_limit: None,
                    result: verdict(result, &format!("inspection {name}'s Result")).map_err(at)?,
                });
                for found in field(inspection, "DefectsFound")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    let code = text(found, "DefectCode");
                    let category = text(found, "DefectCategory");
                    let description = text(found, "Description");
                    let component = field(found, "ComponentOfInterest").unwrap_or(&Value::Null);
                    let said: Vec<&str> = [code, category, description, text(found, "Comments")]
                        .into_iter()
                        .flatten()
                        .collect();
                    defects.push(NewDefect {
                        serial: serial.clone(),
                        station: station.clone(),
                        designator: part_designator(text(component, "ReferenceDesignator"))
                            .map_err(at)?,
                        code: defect_code(code, category, description),
                        description: format!("{method} {name}: {}", said.join(" · "))
                            .chars()
                            .take(2000)
                            .collect(),
                        disposition: Disposition::Pending,
                    });
                }
            }
            if overall == StationResult::Fail && defects.is_empty() {
                // A failed unit without a named defect still waits for a person.
                defects.push(NewDefect {
                    serial: serial.clone(),
                    station: station.clone(),
                    designator: Designator::parse(BOARD_DESIGNATOR)?,
                    code: DefectCode::Other,
                    description: format!("{method}: failed without a named defect"),
                    disposition: Disposition::Pending,
                });
            }
            Ok(Inspected {
                result: NewResult {
                    serial: serial.clone(),
                    station: station.clone(),
                    result: overall,
                    measurements: None,
                    idempotency_key: Some(format!("cfx:{unique_id}:{index}")),
                    test_steps: parse_steps(steps, overall).map_err(at)?,
                },
                defects,
            })
        })
        .collect()
}

/// Reads a `UnitsDisqualified` body at `station`: each unit scrapped, its reason the defect.
pub fn units_disqualified(station: &str, body: &Value) -> ApiResult<Vec<NewDefect>> {
    let station = DisplayName::parse(station)?;
    let reason = text(body, "Reason").unwrap_or("no reason given");
    let comments = text(body, "Comments");
    let description = match comments {
        Some(c) => format!("Disqualified ({reason}): {c}"),
        None => format!("Disqualified ({reason})"),
    };
    list(body, "Units", "UnitsDisqualified")?
        .iter()
        .enumerate()
        .map(|(index, unit)| {
            Ok(NewDefect {
                serial: serial_of(unit, index)?,
                station: station.clone(),
                designator: Designator::parse(BOARD_DESIGNATOR)?,
                code: DefectCode::Other,
                description: description.chars().take(2000).collect(),
                disposition: Disposition::Scrap,
            })
        })
        .collect()
}

/// Reads a `UnitsPersonalized` body: per unit, the identity its characteristics give.
/// Characteristics Firstpass records: `MAC Address` (any number), `IMEI`, `ICCID`,
/// `Firmware Version` and `Firmware SHA-256`; any other is refused by name.
pub fn units_personalized(body: &Value) -> ApiResult<Vec<(Serial, NewIdentity)>> {
    list(body, "PersonalizedUnits", "UnitsPersonalized")?
        .iter()
        .enumerate()
        .map(|(index, unit)| {
            let serial = serial_of(unit, index)?;
            let mut identity = NewIdentity::default();
            for characteristic in field(unit, "Characteristics")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let name = text(characteristic, "Name").unwrap_or("");
                let value = text(characteristic, "Value")
                    .ok_or_else(|| {
                        ApiError::bad_input(format!("unit {serial}: characteristic {name} has no Value"))
                    })?
                    .to_owned();
                let key: String = name
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase();
                match key.as_str() {
                    "macaddress" | "mac" => identity.mac_addresses.get_or_insert_with(Vec::new).push(value),
                    "imei" => identity.imei = Some(value),
                    "iccid" => identity.iccid = Some(value),
                    "firmwareversion" => identity.firmware_version = Some(value),
                    "firmwaresha256" | "firmwarehash" => identity.firmware_sha256 = Some(value),
                    _ => {
                        return Err(ApiError::bad_input(format!(
                            "unit {serial}: Firstpass records the characteristics MAC Address, IMEI, ICCID, Firmware Version and Firmware SHA-256, not \"{name}\""
                        )))
                    }
                }
            }
            Ok((serial, identity))
        })
        .collect()
}

/// Applies a message of a kind that is recorded inside the caller's transaction (everything
/// but `UnitsTested`, which is batched): answers the builds it changed. On an error the
/// caller rolls back whatever this did.
pub async fn apply_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    envelope: &Envelope,
    station: &str,
    meta: &AuditMeta,
) -> ApiResult<BTreeSet<Uuid>> {
    let mut builds = BTreeSet::new();
    match super::message::kind(&envelope.message_name) {
        Kind::MaterialsInstalled => {
            materials_installed(txn, actor, &envelope.body, meta).await?;
        }
        Kind::UnitsInspected => {
            let inspected = units_inspected(&envelope.unique_id, station, &envelope.body)?;
            let results: Vec<NewResult> = inspected.iter().map(|i| i.result.clone()).collect();
            let recorded = record_batch(txn, actor, &results, meta)
                .await
                .map_err(|stop| match stop {
                    Stop::Refused(err) => err,
                    Stop::KeyRace => ApiError::conflict(
                        "another call recorded these inspection results meanwhile; replay the message",
                    ),
                })?;
            builds.extend(recorded.iter().map(|r| r.unit.build_id));
            for defect in inspected.into_iter().flat_map(|i| i.defects) {
                record_defect_in(txn, actor, defect, meta).await?;
            }
        }
        Kind::UnitsDisqualified => {
            for defect in units_disqualified(station, &envelope.body)? {
                let (_, unit, _) = record_defect_in(txn, actor, defect, meta).await?;
                builds.insert(unit.build_id);
            }
        }
        Kind::UnitsPersonalized => {
            for (serial, identity) in units_personalized(&envelope.body)? {
                let unit = record_identity_in(txn, actor, &serial, identity, meta).await?;
                builds.insert(unit.build_id);
            }
        }
        Kind::UnitsTested | Kind::Progress | Kind::Unsupported => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "{} is not applied in a transaction of its own",
                envelope.message_name
            )))
        }
    }
    Ok(builds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn machine_codes_map_to_ours() {
        assert_eq!(
            defect_code(
                Some("TMBSTN211"),
                Some("Solder Problems"),
                Some("Tombston on R22")
            ),
            DefectCode::Tombstone
        );
        assert_eq!(
            defect_code(
                Some("ISFSLD112"),
                Some("Solder Problems"),
                Some("Insuffiecient Solder on R22, Lead 1")
            ),
            DefectCode::InsufficientSolder
        );
        assert_eq!(
            defect_code(Some("solder_bridge"), None, None),
            DefectCode::SolderBridge
        );
        assert_eq!(
            defect_code(
                Some("SCR23443"),
                Some("Cosmetic Problems"),
                Some("Scratch Detected on PCB substrate")
            ),
            DefectCode::Other
        );
    }

    #[test]
    fn a_pin_names_its_part_and_none_names_the_board() {
        assert_eq!(
            part_designator(Some("R22.1"))
                .map(|d| d.into_string())
                .ok()
                .as_deref(),
            Some("R22")
        );
        assert_eq!(
            part_designator(None)
                .map(|d| d.into_string())
                .ok()
                .as_deref(),
            Some("PCB")
        );
    }

    #[test]
    fn personalized_characteristics_are_read_by_name() {
        let body = json!({"PersonalizedUnits": [{"UnitIdentifier": "GW-1", "UnitPositionNumber": 1,
            "Characteristics": [{"Name": "MAC Address", "Value": "C0-15-B9-2D-0F-3B"}, {"Name": "IMEI", "Value": "490154203237518"}]}]});
        let read = units_personalized(&body).expect("read");
        assert_eq!(read[0].0.as_str(), "GW-1");
        assert_eq!(read[0].1.imei.as_deref(), Some("490154203237518"));
        assert_eq!(
            read[0].1.mac_addresses,
            Some(vec!["C0-15-B9-2D-0F-3B".to_owned()])
        );
        let odd = json!({"PersonalizedUnits": [{"UnitIdentifier": "GW-1", "Characteristics": [{"Name": "Colour", "Value": "red"}]}]});
        assert!(units_personalized(&odd).is_err_and(|e| e.message().contains("\"Colour\"")));
    }
}
