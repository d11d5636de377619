//! Box build: product tiers, IPC standards, box-build BOM line kinds, recall statuses, and the
//! per-unit identities (IMEI, ICCID, MAC address, firmware SHA-256) checked the same way in the
//! server and at the browser's box-build station.

use crate::domain::{closed_set, UnknownVariant};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

closed_set! {
    /// What a product is: a bare assembled board, or a top-level assembly built from others.
    ProductTier, "product tier" {
        /// A printed circuit board assembly.
        Pcba => "PCBA",
        /// A box build (top-level assembly): sub-assemblies, bought items and firmware in an enclosure.
        BoxBuild => "BOX_BUILD",
    }
}

closed_set! {
    /// An IPC workmanship standard whose class a package states.
    IpcStandard, "IPC standard" {
        /// IPC-A-610, acceptability of electronic assemblies (boards).
        IpcA610 => "IPC_A_610",
        /// IPC/WHMA-A-620, cable and wire harness assemblies.
        IpcWhmaA620 => "IPC_WHMA_A_620",
        /// IPC-A-630, manufactured electronic enclosures and box build.
        IpcA630 => "IPC_A_630",
    }
}

impl IpcStandard {
    /// The standard's printed name, e.g. "IPC/WHMA-A-620".
    pub fn title(self) -> &'static str {
        match self {
            IpcStandard::IpcA610 => "IPC-A-610",
            IpcStandard::IpcWhmaA620 => "IPC/WHMA-A-620",
            IpcStandard::IpcA630 => "IPC-A-630",
        }
    }
}

closed_set! {
    /// What a line of a box-build BOM is.
    BoxBomLineKind, "box-build BOM line kind" {
        /// Another product of the same OEM, at a revision, installed as a serialized unit.
        Subassembly => "SUBASSEMBLY",
        /// A bought item: cable, enclosure, power supply, modem, antenna, screws, labels.
        Bought => "BOUGHT",
        /// A firmware image released on the package as a file with its SHA-256.
        Firmware => "FIRMWARE",
    }
}

closed_set! {
    /// Where a unit covered by a recall campaign stands.
    RecallUnitStatus, "recall unit status" {
        /// Not yet recovered.
        Open => "OPEN",
        /// Back at the EMS or the OEM.
        Recovered => "RECOVERED",
        /// Repaired or reworked and released again.
        Repaired => "REPAIRED",
        /// Scrapped after recovery.
        Scrapped => "SCRAPPED",
    }
}

closed_set! {
    /// Where a unit is, from the factory's point of view.
    Whereabouts, "whereabouts" {
        /// Not shipped yet.
        InFactory => "IN_FACTORY",
        /// Shipped; the delivery is not confirmed.
        InTransit => "IN_TRANSIT",
        /// Shipped and delivered to its ship-to address.
        Delivered => "DELIVERED",
    }
}

/// Checks an IMEI: 15 digits whose last is the Luhn check digit. Spaces and `-` are ignored.
pub fn parse_imei(raw: &str) -> Result<String, String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.len() != 15 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("the IMEI \"{}\" must have 15 digits", raw.trim()));
    }
    if !luhn_ok(&digits) {
        return Err(format!(
            "the IMEI {digits} fails its check digit (Luhn); it was probably mistyped"
        ));
    }
    Ok(digits)
}

/// Checks an ICCID: 18 to 22 digits (a trailing `F` padding is dropped).
pub fn parse_iccid(raw: &str) -> Result<String, String> {
    let mut value: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if value.ends_with(['F', 'f']) {
        value.pop();
    }
    if !(18..=22).contains(&value.len()) || !value.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "the ICCID \"{}\" must have 18 to 22 digits",
            raw.trim()
        ));
    }
    Ok(value)
}

/// Checks a MAC address (12 hex digits, with `:`, `-`, `.` or nothing between them) and writes
/// it as `AA:BB:CC:DD:EE:FF`.
pub fn parse_mac(raw: &str) -> Result<String, String> {
    let hex: String = raw
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.' | ' '))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "the MAC address \"{}\" must have 12 hexadecimal digits",
            raw.trim()
        ));
    }
    let upper = hex.to_ascii_uppercase();
    Ok(upper
        .as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).into_owned())
        .collect::<Vec<_>>()
        .join(":"))
}

/// Checks a SHA-256 written in hex (64 digits) and writes it in lower case.
pub fn parse_sha256(raw: &str) -> Result<String, String> {
    let value = raw.trim();
    if value.len() != 64 || !value.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "the SHA-256 \"{value}\" must have 64 hexadecimal digits"
        ));
    }
    Ok(value.to_ascii_lowercase())
}

/// The Luhn check over a string of digits (the last one being the check digit).
fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.rem_euclid(10) == 0
}

/// The IMEI made of 14 digits and their Luhn check digit (for test data and generators).
pub fn imei_with_check_digit(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|candidate| luhn_ok(candidate))
        .unwrap_or_else(|| format!("{body}0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imeis_need_fifteen_digits_and_their_check_digit() {
        assert_eq!(
            parse_imei("49-015420-323751-8").as_deref(),
            Ok("490154203237518")
        );
        assert!(parse_imei("490154203237519").is_err());
        assert!(parse_imei("4901542032375").is_err());
        let made = imei_with_check_digit("35000000000001");
        assert!(parse_imei(&made).is_ok());
    }

    #[test]
    fn macs_are_written_one_way() {
        assert_eq!(
            parse_mac("aa-bb-cc-00-11-22").as_deref(),
            Ok("AA:BB:CC:00:11:22")
        );
        assert_eq!(
            parse_mac("aabb.cc00.1122").as_deref(),
            Ok("AA:BB:CC:00:11:22")
        );
        assert!(parse_mac("aa:bb:cc:00:11").is_err());
        assert!(parse_mac("gg:bb:cc:00:11:22").is_err());
    }

    #[test]
    fn iccids_and_hashes() {
        assert_eq!(
            parse_iccid("8944500102198304826F").as_deref(),
            Ok("8944500102198304826")
        );
        assert!(parse_iccid("12345").is_err());
        assert!(parse_sha256(&"A".repeat(64)).is_ok());
        assert!(parse_sha256("abc").is_err());
    }

    #[test]
    fn every_set_round_trips() {
        for tier in ProductTier::ALL {
            assert_eq!(tier.as_str().parse::<ProductTier>(), Ok(*tier));
        }
        for standard in IpcStandard::ALL {
            assert_eq!(standard.as_str().parse::<IpcStandard>(), Ok(*standard));
        }
        assert_eq!("subassembly".parse(), Ok(BoxBomLineKind::Subassembly));
    }
}
