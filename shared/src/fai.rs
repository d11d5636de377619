//! First-article inspection (AS9102) vocabulary and records shared by the server and the
//! browser: the closed sets of a report's workflow, forms 1 and 2 as typed structs, and the
//! RFC 8785 canonical JSON that a report's content hash is computed over.
//!
//! The forms keep the JSON shape the server has always stored (camelCase keys, `null` for an
//! absent value), so existing reports read back unchanged and their content hashes hold.

use crate::domain::{closed_set, IpcClass, UnknownVariant};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

closed_set! {
    /// Why a first article is inspected (AS9102).
    FaiReason, "FAI reason" {
        /// A new part.
        NewPart => "NEW_PART",
        /// A change of design.
        DesignChange => "DESIGN_CHANGE",
        /// A change of process, method, location or supplier.
        ProcessChange => "PROCESS_CHANGE",
        /// Production lapsed for two years or more.
        ProductionLapse => "PRODUCTION_LAPSE",
        /// Another reason.
        Other => "OTHER",
    }
}

closed_set! {
    /// Whether the inspection covers every characteristic or only changed ones.
    FaiScope, "FAI scope" {
        /// Every characteristic.
        Full => "FULL",
        /// Only the characteristics affected by a change.
        Partial => "PARTIAL",
    }
}

closed_set! {
    /// Where an FAI report stands.
    FaiStatus, "FAI status" {
        /// EMS quality fills it in.
        Draft => "DRAFT",
        /// Every characteristic has a result; waiting for the EMS program manager.
        Submitted => "SUBMITTED",
        /// Signed by the EMS; waiting for the OEM.
        EmsApproved => "EMS_APPROVED",
        /// Signed by both sides: production may start.
        Approved => "APPROVED",
    }
}

closed_set! {
    /// What a characteristic checks.
    CharacteristicKind, "characteristic kind" {
        /// Right part, value, polarity and presence at one designator.
        Designator => "DESIGNATOR",
        /// X-ray evidence (BGAs and bottom-terminated parts at class 3).
        Xray => "XRAY",
        /// A dimension.
        Dimension => "DIMENSION",
        /// A torque.
        Torque => "TORQUE",
        /// A visual check.
        Visual => "VISUAL",
        /// Anything else.
        Other => "OTHER",
    }
}

closed_set! {
    /// Whether a characteristic conforms.
    CharacteristicStatus, "characteristic status" {
        /// Conforms.
        Pass => "PASS",
        /// Does not conform; give a nonconformance reference.
        Fail => "FAIL",
    }
}

closed_set! {
    /// What a signature means.
    SignatureMeaning, "signature meaning" {
        /// The signer reviewed the record.
        Reviewed => "REVIEWED",
        /// The signer approves the record.
        Approved => "APPROVED",
        /// The signer rejects the record; it returns to DRAFT.
        Rejected => "REJECTED",
    }
}

impl FaiStatus {
    /// How far along the approval path a report in this status is (DRAFT lowest).
    pub fn progress(self) -> u8 {
        match self {
            FaiStatus::Draft => 1,
            FaiStatus::Submitted => 2,
            FaiStatus::EmsApproved => 3,
            FaiStatus::Approved => 4,
        }
    }

    /// Whether the report may still change (only a DRAFT does; a signed record is frozen).
    pub fn is_editable(self) -> bool {
        self == FaiStatus::Draft
    }
}

/// Forms 1 and 2 of a report as captured at creation: the `accountability` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaiAccountability {
    /// Form 1: part number accountability.
    pub form1: PartAccountability,
    /// Form 2: product accountability.
    pub form2: ProductAccountability,
}

/// AS9102 form 1: which part, revision and serial, for whom, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartAccountability {
    /// The OEM's part number of the product.
    pub part_number: String,
    /// The product's name.
    pub part_name: String,
    /// The NPI package revision inspected.
    pub revision: String,
    /// Serial number of the unit inspected.
    pub serial: String,
    /// Drawing number (the part number: the package is the drawing).
    pub drawing_number: String,
    /// Drawing revision (the package revision).
    pub drawing_revision: String,
    /// The IPC-A-610 class the package is built to.
    pub ipc_class: IpcClass,
    /// What IPC class 3 added to the inspection (X-ray evidence, named criteria).
    #[serde(default)]
    pub class3_additions: Vec<String>,
    /// The EMS organization performing the inspection.
    pub organization: String,
    /// The OEM customer.
    pub customer: String,
    /// Why the first article is inspected.
    pub reason: FaiReason,
    /// Full or partial inspection.
    pub scope: FaiScope,
    /// Phase of the build the unit comes from (PROTOTYPE, PILOT or PRODUCTION).
    pub build_phase: String,
    /// Every IPC standard the package states, with its class (IPC-A-610, IPC/WHMA-A-620,
    /// IPC-A-630). Left out of the content when empty, so reports made before it hash alike.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub standards: Vec<StandardClassLine>,
}

/// One standard and the class a package states for it, as form 1 lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardClassLine {
    /// The standard's printed name, e.g. "IPC-A-630".
    pub standard: String,
    /// Its class: CLASS_1, CLASS_2 or CLASS_3.
    pub class: String,
}

/// AS9102 form 2: the materials used on the serial, special processes and functional tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductAccountability {
    /// Every placed BOM line with the lots used for its designators on this serial.
    #[serde(default)]
    pub materials: Vec<Material>,
    /// Special processes of the routing (reflow, X-ray, through-hole).
    #[serde(default)]
    pub special_processes: Vec<SpecialProcess>,
    /// Test and inspection results of the unit (ICT, FCT, AOI, X-ray, final QA).
    #[serde(default)]
    pub functional_tests: Vec<FunctionalTest>,
}

/// One placed BOM line of form 2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Material {
    /// Reference designators of the line.
    pub designators: Vec<String>,
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// Description from the BOM.
    pub description: Option<String>,
    /// Value from the BOM.
    pub value: Option<String>,
    /// The lots used on this serial, per designator.
    #[serde(default)]
    pub lots: Vec<LotUsed>,
}

/// A component lot used at one designator of the serial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LotUsed {
    /// The designator it was placed at.
    pub designator: String,
    /// The supplier's lot code.
    pub lot_code: String,
    /// The reel.
    pub reel_id: String,
    /// The date code.
    pub date_code: String,
    /// Who supplied the lot (absent from reports made before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
}

/// A special process of the routing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecialProcess {
    /// The station's name.
    pub process: String,
    /// The station's kind (REFLOW, XRAY or THT).
    pub kind: String,
}

/// A test or inspection result of the unit at one station.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionalTest {
    /// The station's name.
    pub procedure: String,
    /// The station's kind (ICT, FCT, AOI, XRAY or FINAL_QA).
    pub kind: String,
    /// PASS or FAIL.
    pub result: String,
    /// The measurements recorded with the result, as given (`null` when none).
    #[serde(default)]
    pub measurements: serde_json::Value,
    /// When the result was recorded (RFC 3339, UTC).
    pub at: String,
}

/// Raised when a value cannot be written as canonical JSON (NaN or an infinity, a map with
/// non-string keys).
#[derive(Debug, thiserror::Error)]
#[error("cannot write canonical JSON: {0}")]
pub struct CanonicalError(#[from] serde_json::Error);

/// The RFC 8785 (JSON Canonicalization Scheme) form of a value: object members sorted by the
/// UTF-16 code units of their names, numbers as ECMAScript writes doubles, strings with the
/// minimal escaping, no whitespace. Equal data always gives equal bytes, whatever the order
/// it was built in, here and in the browser.
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<String, CanonicalError> {
    Ok(serde_json_canonicalizer::to_string(&value)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn jcs(text: &str) -> String {
        let value: Value = serde_json::from_str(text).expect("json");
        canonical_json(&value).expect("canonical")
    }

    #[test]
    fn rfc8785_section_3_2_2_sample() {
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        assert_eq!(
            jcs(input),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\
             \"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
        );
    }

    #[test]
    fn rfc8785_section_3_2_3_sorts_by_utf16_code_units() {
        let input = r#"{
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        let out: Value = serde_json::from_str(&jcs(input)).expect("json");
        // Read the member order back from the canonical text itself.
        let text = jcs(input);
        let order: Vec<usize> = [
            "Carriage Return",
            "One",
            "Control",
            "Latin Small Letter O With Diaeresis",
            "Euro Sign",
            "Emoji: Grinning Face",
            "Hebrew Letter Dalet With Dagesh",
        ]
        .iter()
        .map(|v| text.find(v).expect("value present"))
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert_eq!(out.as_object().map(|o| o.len()), Some(7));
        // UTF-8 byte order would put the emoji (F0 ..) after U+FB33 (EF ..): JCS does not.
        assert!(text.find('\u{1F600}') < text.find('\u{FB33}'));
    }

    #[test]
    fn rfc8785_appendix_b_numbers() {
        let cases: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for (bits, expected) in cases {
            let value = f64::from_bits(*bits);
            assert_eq!(
                canonical_json(&value).expect("finite"),
                *expected,
                "{bits:#018x}"
            );
        }
        for bits in [0x7fffffffffffffff_u64, 0x7ff0000000000000] {
            assert!(canonical_json(&f64::from_bits(bits)).is_err(), "{bits:#x}");
        }
    }

    #[test]
    fn strings_escape_minimally() {
        assert_eq!(
            canonical_json("tab\tline\nquote\"back\\slash/ctl\u{1}del\u{7f}é€😀").expect("c"),
            "\"tab\\tline\\nquote\\\"back\\\\slash/ctl\\u0001del\u{7f}é€😀\""
        );
    }

    #[test]
    fn member_order_and_whitespace_do_not_change_the_bytes() {
        let a = json!({"b": 1, "a": {"d": [2, {"z": 1, "y": 2}], "c": 3}});
        let b = jcs(r#"{ "a" : { "c" : 3, "d" : [ 2, { "y" : 2, "z" : 1 } ] }, "b" : 1 }"#);
        assert_eq!(canonical_json(&a).expect("c"), b);
        assert_eq!(b, r#"{"a":{"c":3,"d":[2,{"y":2,"z":1}]},"b":1}"#);
    }

    #[test]
    fn integers_are_written_as_doubles() {
        assert_eq!(
            canonical_json(&json!([1.0, 5, -0.0, 1e21])).expect("c"),
            "[1,5,0,1e+21]"
        );
    }

    fn sample() -> FaiAccountability {
        FaiAccountability {
            form1: PartAccountability {
                part_number: "PN-1".into(),
                part_name: "Gateway".into(),
                revision: "B".into(),
                serial: "PN-1-001".into(),
                drawing_number: "PN-1".into(),
                drawing_revision: "B".into(),
                ipc_class: IpcClass::Class3,
                class3_additions: vec!["X-ray evidence for U1 (QFN-16)".into()],
                organization: "Volt EMS".into(),
                customer: "Acme".into(),
                reason: FaiReason::NewPart,
                scope: FaiScope::Full,
                build_phase: "PILOT".into(),
                standards: Vec::new(),
            },
            form2: ProductAccountability {
                materials: vec![Material {
                    designators: vec!["C1".into(), "C2".into()],
                    mpn: Some("GRM188R71H104KA93D".into()),
                    manufacturer: Some("Murata".into()),
                    description: None,
                    value: Some("100n".into()),
                    lots: vec![LotUsed {
                        designator: "C1".into(),
                        lot_code: "L1".into(),
                        reel_id: "R1".into(),
                        date_code: String::new(),
                        supplier: None,
                    }],
                }],
                special_processes: vec![SpecialProcess {
                    process: "Reflow".into(),
                    kind: "REFLOW".into(),
                }],
                functional_tests: vec![FunctionalTest {
                    procedure: "ICT".into(),
                    kind: "ICT".into(),
                    result: "PASS".into(),
                    measurements: json!({"vcc": 3.31}),
                    at: "2025-01-02T03:04:05.123456Z".into(),
                }],
            },
        }
    }

    #[test]
    fn forms_keep_the_stored_shape() {
        let value = serde_json::to_value(sample()).expect("value");
        assert_eq!(value["form1"]["ipcClass"], "CLASS_3");
        assert_eq!(
            value["form1"]["class3Additions"][0],
            "X-ray evidence for U1 (QFN-16)"
        );
        assert_eq!(value["form1"]["reason"], "NEW_PART");
        assert_eq!(value["form1"]["buildPhase"], "PILOT");
        let lot = &value["form2"]["materials"][0]["lots"][0];
        assert_eq!(lot["lotCode"], "L1");
        assert_eq!(lot["reelId"], "R1");
        assert_eq!(
            value["form2"]["materials"][0]["description"],
            Value::Null,
            "absent values stay null"
        );
        assert!(
            lot.get("supplier").is_none(),
            "no supplier key when unknown"
        );
        assert_eq!(value["form2"]["specialProcesses"][0]["kind"], "REFLOW");
        assert_eq!(
            value["form2"]["functionalTests"][0]["measurements"]["vcc"],
            3.31
        );
        let back: FaiAccountability = serde_json::from_value(value).expect("round trip");
        assert_eq!(back, sample());
    }

    #[test]
    fn enums_have_one_stored_spelling() {
        assert_eq!(FaiStatus::EmsApproved.as_str(), "EMS_APPROVED");
        assert_eq!("EMS_APPROVED".parse(), Ok(FaiStatus::EmsApproved));
        assert_eq!(
            serde_json::to_value(CharacteristicKind::Xray).expect("v"),
            "XRAY"
        );
        assert!("MAYBE".parse::<CharacteristicStatus>().is_err());
        assert!(FaiStatus::Approved.progress() > FaiStatus::EmsApproved.progress());
        assert!(FaiStatus::Draft.is_editable() && !FaiStatus::Submitted.is_editable());
    }
}
