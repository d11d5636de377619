//! Words for people: the closed sets' wire spellings as people say them (`NEW_PART` is
//! "New part", `CLASS_2` "Class 2", `EMS_APPROVED` "EMS approved"), counts with the right
//! plural, and station measurements as rows of name, value and unit. The web app and the FAI
//! PDF both use these, so a value reads the same everywhere.

use serde_json::Value;

/// Abbreviations that stay in capitals inside a wire spelling.
const ACRONYMS: &[&str] = &[
    "EMS", "OEM", "FAI", "AOI", "ICT", "FCT", "SMT", "THT", "QA", "BOM", "DNP", "NCR", "IPC",
    "CAD", "PCB", "MPN", "API", "CSV", "PDF", "ERP", "MES", "CFX", "XLSX", "BGA", "QFN",
];

/// Words that read better spelled out than humanized letter by letter.
const SPECIAL: &[(&str, &str)] = &[
    ("XRAY", "X-ray"),
    ("SMT_TOP", "SMT top"),
    ("SMT_BOTTOM", "SMT bottom"),
    ("FINAL_QA", "Final QA"),
    ("USE_AS_IS", "Use as is"),
    ("DNP", "Do not place"),
];

/// A wire spelling (`NEW_PART`, `CLASS_2`, `EMS_APPROVED`) as people say it ("New part",
/// "Class 2", "EMS approved"). Text that is not a wire spelling comes back unchanged.
pub fn humanize(wire: &str) -> String {
    if let Some((_, words)) = SPECIAL.iter().find(|(w, _)| *w == wire) {
        return (*words).to_owned();
    }
    let is_wire = !wire.is_empty()
        && wire
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !is_wire {
        return wire.to_owned();
    }
    let words: Vec<String> = wire
        .split('_')
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, word)| {
            if ACRONYMS.contains(&word) {
                word.to_owned()
            } else if i == 0 {
                let lower = word.to_ascii_lowercase();
                let mut chars = lower.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            } else {
                word.to_ascii_lowercase()
            }
        })
        .collect();
    words.join(" ")
}

/// A count with its noun in the right number: `1 warning`, `2 warnings`, `0 warnings`.
pub fn count(n: impl Into<i64>, singular: &str, plural: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// Units named by a key's suffix (`vcc_v`, `current_ma`, `r_ohm`).
const UNIT_SUFFIXES: &[(&str, &str)] = &[
    ("_mv", "mV"),
    ("_uv", "µV"),
    ("_v", "V"),
    ("_ua", "µA"),
    ("_ma", "mA"),
    ("_a", "A"),
    ("_mohm", "mΩ"),
    ("_kohm", "kΩ"),
    ("_ohm", "Ω"),
    ("_mhz", "MHz"),
    ("_khz", "kHz"),
    ("_hz", "Hz"),
    ("_ms", "ms"),
    ("_us", "µs"),
    ("_s", "s"),
    ("_mw", "mW"),
    ("_w", "W"),
    ("_degc", "°C"),
    ("_c", "°C"),
    ("_mm", "mm"),
    ("_um", "µm"),
    ("_pct", "%"),
    ("_db", "dB"),
];

/// One measurement as people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasurementRow {
    /// What was measured ("vcc", "Temperature").
    pub name: String,
    /// The value as recorded.
    pub value: String,
    /// Its unit, when the record names one (`{"value": 3.3, "unit": "V"}`, or a key suffix
    /// such as `_v`, `_ma`, `_ohm`); empty otherwise.
    pub unit: String,
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// Station measurements (any JSON) as rows of name, value and unit, in the record's order:
/// an object gives one row per member (nested objects with `value` and `unit` read as one
/// measurement, other nested objects as `outer.inner`), an array one row per item, and a lone
/// value one row without a name. `null` gives no rows.
pub fn measurement_rows(measurements: &Value) -> Vec<MeasurementRow> {
    let mut rows = Vec::new();
    collect(String::new(), measurements, &mut rows);
    rows
}

fn collect(name: String, value: &Value, rows: &mut Vec<MeasurementRow>) {
    match value {
        Value::Null if name.is_empty() => {}
        Value::Object(map) if map.contains_key("value") => {
            rows.push(MeasurementRow {
                name,
                value: scalar(&map["value"]),
                unit: map.get("unit").map(scalar).unwrap_or_default(),
            });
        }
        Value::Object(map) => {
            for (key, inner) in map {
                let full = if name.is_empty() {
                    key.clone()
                } else {
                    format!("{name}.{key}")
                };
                collect(full, inner, rows);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                let full = if name.is_empty() {
                    format!("#{}", i + 1)
                } else {
                    format!("{name} #{}", i + 1)
                };
                collect(full, inner, rows);
            }
        }
        other => {
            let lower = name.to_ascii_lowercase();
            let unit = UNIT_SUFFIXES
                .iter()
                .find(|(suffix, _)| lower.ends_with(suffix) && lower.len() > suffix.len())
                .map(|(_, unit)| (*unit).to_owned())
                .unwrap_or_default();
            rows.push(MeasurementRow {
                name,
                value: scalar(other),
                unit,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wire_spellings_read_as_words() {
        assert_eq!(humanize("PILOT"), "Pilot");
        assert_eq!(humanize("CLASS_2"), "Class 2");
        assert_eq!(humanize("NEW_PART"), "New part");
        assert_eq!(humanize("EMS_APPROVED"), "EMS approved");
        assert_eq!(humanize("FINAL_QA"), "Final QA");
        assert_eq!(humanize("XRAY"), "X-ray");
        assert_eq!(humanize("Already words"), "Already words");
        assert_eq!(humanize(""), "");
    }

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(count(1, "warning", "warnings"), "1 warning");
        assert_eq!(count(0, "warning", "warnings"), "0 warnings");
        assert_eq!(count(3, "unit", "units"), "3 units");
    }

    #[test]
    fn measurements_become_rows_with_units() {
        let rows = measurement_rows(
            &json!({"vcc_v": 3.31, "current": {"value": 12, "unit": "mA"}, "ok": true}),
        );
        let flat: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|r| (r.name.as_str(), r.value.as_str(), r.unit.as_str()))
            .collect();
        assert!(flat.contains(&("vcc_v", "3.31", "V")), "{flat:?}");
        assert!(flat.contains(&("current", "12", "mA")), "{flat:?}");
        assert!(flat.contains(&("ok", "yes", "")), "{flat:?}");
        assert!(measurement_rows(&Value::Null).is_empty());
        assert_eq!(measurement_rows(&json!(5))[0].value, "5");
    }
}
