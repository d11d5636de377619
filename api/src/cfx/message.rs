//! Reading CFX envelopes and turning `UnitsTested` into station results with test steps.
//! The other kinds are read in [`super::units`] and [`super::materials`].

use crate::builds::model::StationResult;
use crate::builds::service::NewResult;
use crate::builds::test_steps::{parse_steps, TestStepInput};
use crate::error::{ApiError, ApiResult};
use firstpass_shared::text::{DisplayName, Serial};
use serde_json::Value;

/// The fields of an envelope Firstpass needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// E.g. `CFX.Production.TestAndInspection.UnitsTested`.
    pub message_name: String,
    /// The sender's id of this message.
    pub unique_id: String,
    /// The sending endpoint's handle.
    pub source: String,
    /// The message body.
    pub body: Value,
}

/// A field of a JSON object by name, matched case-insensitively when not found as spelled.
pub(crate) fn field<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    value.get(name).or_else(|| {
        value.as_object().and_then(|fields| {
            fields
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    })
}

/// A field's trimmed, non-empty text.
pub(crate) fn text<'v>(value: &'v Value, name: &str) -> Option<&'v str> {
    field(value, name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Reads an envelope; a message without a name, a `UniqueID` or a `Source` is refused.
pub fn envelope(message: &Value) -> ApiResult<Envelope> {
    let required = |name: &str| {
        text(message, name)
            .filter(|v| v.chars().count() <= 200)
            .map(str::to_owned)
            .ok_or_else(|| {
                ApiError::bad_input(format!(
                    "a CFX message needs {name} (a text of at most 200 characters)"
                ))
            })
    };
    Ok(Envelope {
        message_name: required("MessageName")?,
        unique_id: required("UniqueID")?,
        source: required("Source")?,
        body: field(message, "MessageBody")
            .cloned()
            .unwrap_or(Value::Null),
    })
}

/// What a message name asks of Firstpass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Station results with test steps.
    UnitsTested,
    /// Reels on designators: lot usage.
    MaterialsInstalled,
    /// Inspection verdicts as station results, defects found as PENDING defects.
    UnitsInspected,
    /// Units scrapped.
    UnitsDisqualified,
    /// Identities (MAC addresses, IMEI, ICCID, firmware) recorded.
    UnitsPersonalized,
    /// Acknowledged without a change.
    Progress,
    /// Not applied (yet): a dead letter.
    Unsupported,
}

/// The kind of a message name, e.g. `CFX.Production.WorkStarted`.
pub fn kind(message_name: &str) -> Kind {
    match message_name.rsplit('.').next().unwrap_or("") {
        "UnitsTested" => Kind::UnitsTested,
        "MaterialsInstalled" => Kind::MaterialsInstalled,
        "UnitsInspected" => Kind::UnitsInspected,
        "UnitsDisqualified" => Kind::UnitsDisqualified,
        "UnitsPersonalized" => Kind::UnitsPersonalized,
        "WorkStarted" | "WorkCompleted" => Kind::Progress,
        _ => Kind::Unsupported,
    }
}

pub(crate) fn verdict(text: Option<&str>, what: &str) -> ApiResult<StationResult> {
    match text {
        Some("Passed") => Ok(StationResult::Pass),
        Some("Failed") => Ok(StationResult::Fail),
        other => Err(ApiError::bad_input(format!(
            "{what} is {}; Firstpass records Passed or Failed",
            other.unwrap_or("missing")
        ))),
    }
}

/// The test steps of one tested unit: each measurement a step (numeric with its units and
/// acceptable range, or text), each test without measurements a step whose text is its result.
fn steps(
    unit: &Value,
    overall: StationResult,
) -> ApiResult<Vec<crate::builds::test_steps::TestStep>> {
    let mut inputs = Vec::new();
    for test in field(unit, "Tests")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let test_name = text(test, "TestName").unwrap_or("TEST");
        let test_result = text(test, "Result");
        let measurements = field(test, "Measurements")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if measurements.is_empty() {
            inputs.push(TestStepInput {
                name: test_name.to_owned(),
                value: None,
                text_value: Some(test_result.unwrap_or("Unknown").to_owned()),
                unit: None,
                low_limit: None,
                high_limit: None,
                result: verdict(test_result, &format!("test {test_name}'s Result"))?,
            });
            continue;
        }
        for measurement in measurements {
            let name = text(measurement, "MeasurementName").unwrap_or(test_name);
            let result = verdict(
                text(measurement, "Result").or(test_result),
                &format!("measurement {name}'s Result"),
            )?;
            let measured = field(measurement, "MeasuredValue").unwrap_or(&Value::Null);
            let number = |key: &str| field(measured, key).and_then(Value::as_f64);
            let (value, text_value) = match number("Value") {
                Some(v) => (Some(v), None),
                None => (
                    None,
                    text(measured, "Value")
                        .or_else(|| text(measurement, "Value"))
                        .map(str::to_owned)
                        .or_else(|| Some(format!("{result}"))),
                ),
            };
            inputs.push(TestStepInput {
                name: name.to_owned(),
                value,
                unit: text(measured, "ValueUnits").map(str::to_owned),
                low_limit: value.and(number("MinimumAcceptableValue")),
                high_limit: value.and(number("MaximumAcceptableValue")),
                text_value,
                result,
            });
        }
    }
    parse_steps(inputs, overall)
}

/// The station results of a `UnitsTested` body at `station`, each keyed by the message's
/// `UniqueID` and the unit's place in it (so a replay records nothing twice).
pub fn units_tested(unique_id: &str, station: &str, body: &Value) -> ApiResult<Vec<NewResult>> {
    let units = field(body, "TestedUnits")
        .and_then(Value::as_array)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ApiError::bad_input("UnitsTested names no TestedUnits"))?;
    let station = DisplayName::parse(station)?;
    units
        .iter()
        .enumerate()
        .map(|(index, unit)| {
            let serial = text(unit, "UnitIdentifier").ok_or_else(|| {
                ApiError::bad_input(format!("tested unit {index} has no UnitIdentifier"))
            })?;
            let result = verdict(
                text(unit, "OverallResult"),
                &format!("unit {serial}'s OverallResult"),
            )?;
            Ok(NewResult {
                serial: Serial::parse(serial)?,
                station: station.clone(),
                result,
                measurements: None,
                idempotency_key: Some(format!("cfx:{unique_id}:{index}")),
                test_steps: steps(unit, result)
                    .map_err(|e| ApiError::bad_input(format!("unit {serial}: {}", e.message())))?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_map_to_kinds() {
        assert_eq!(
            kind("CFX.Production.TestAndInspection.UnitsTested"),
            Kind::UnitsTested
        );
        assert_eq!(kind("CFX.Production.WorkStarted"), Kind::Progress);
        assert_eq!(
            kind("CFX.Production.Assembly.MaterialsInstalled"),
            Kind::MaterialsInstalled
        );
        assert_eq!(
            kind("CFX.Production.TestAndInspection.UnitsInspected"),
            Kind::UnitsInspected
        );
        assert_eq!(
            kind("CFX.ResourcePerformance.StationStateChanged"),
            Kind::Unsupported
        );
    }

    #[test]
    fn an_envelope_needs_its_ids() {
        assert!(envelope(&json!({"MessageName": "x", "Source": "s"})).is_err());
        let e = envelope(
            &json!({"MessageName": "x", "UniqueID": "u", "Source": "s", "MessageBody": {}}),
        )
        .expect("envelope");
        assert_eq!(e.unique_id, "u");
    }
}
