//! Material supply: part classes and their attrition, who supplies a part, alternate parts,
//! and clear-to-build: how the stock and the open purchase orders of an EMS are shared among
//! its open builds, earliest due first.

use crate::domain::{closed_set, UnknownVariant};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

closed_set! {
    /// The kind of a part, for the attrition an EMS plans for it.
    PartClass, "part class" {
        /// Resistors, capacitors, inductors and ferrites on tape: small parts the placement
        /// machine may drop.
        ChipPassive => "CHIP_PASSIVE",
        /// ICs, transistors, diodes, LEDs, crystals.
        Active => "ACTIVE",
        /// Connectors, switches, relays, fuses, batteries, hardware: mostly hand-placed.
        Electromechanical => "ELECTROMECHANICAL",
        /// Anything the designators do not tell.
        Other => "OTHER",
    }
}

closed_set! {
    /// Who supplies a part of a build.
    MaterialSource, "material source" {
        /// The EMS buys it.
        Turnkey => "TURNKEY",
        /// The OEM buys it and sends it to the EMS.
        Consigned => "CONSIGNED",
    }
}

closed_set! {
    /// Where an alternate part stands.
    AlternateStatus, "alternate part status" {
        /// Proposed by the EMS; the OEM has not decided.
        Proposed => "PROPOSED",
        /// Approved by the OEM: it counts as supply of the BOM part.
        Approved => "APPROVED",
        /// Rejected by the OEM.
        Rejected => "REJECTED",
    }
}

impl PartClass {
    /// The class the reference designators of a BOM line tell (their letters: `R12` is R),
    /// the most common letters first; a line whose designators disagree is OTHER.
    pub fn of_designators<'a>(designators: impl IntoIterator<Item = &'a str>) -> PartClass {
        let mut class = None;
        for designator in designators {
            let letters: String = designator
                .trim()
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_ascii_uppercase();
            let this = match letters.as_str() {
                "R" | "RN" | "C" | "L" | "FB" | "FL" => PartClass::ChipPassive,
                "U" | "IC" | "Q" | "D" | "LED" | "CR" | "Y" | "X" | "VR" | "T" => PartClass::Active,
                "J" | "P" | "CN" | "CON" | "SW" | "S" | "K" | "F" | "BT" | "H" | "MH" | "TP"
                | "JP" | "LS" | "M" => PartClass::Electromechanical,
                _ => PartClass::Other,
            };
            match class {
                None => class = Some(this),
                Some(seen) if seen == this => {}
                Some(_) => return PartClass::Other,
            }
        }
        class.unwrap_or(PartClass::Other)
    }
}

/// Parts per million that make one percent.
pub const PPM_PER_PERCENT: u32 = 10_000;

/// Parts needed for `units` units of `per_unit` placements each, with `attrition_ppm` parts
/// per million more, rounded up: 2,000 units × 10 placements at 0.5 % is 20,100.
pub fn parts_needed(per_unit: u32, units: u32, attrition_ppm: u32) -> u64 {
    let base = u64::from(per_unit) * u64::from(units);
    base + (base * u64::from(attrition_ppm)).div_ceil(1_000_000)
}

/// One build's remaining need of one BOM part, in the order builds are served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// The MPNs that may be used, the BOM's own first, then approved alternates.
    pub mpns: Vec<String>,
    /// Parts still to be placed.
    pub remaining: u64,
}

/// An open purchase order line: parts ordered and not yet received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnOrder<D> {
    /// The part ordered.
    pub mpn: String,
    /// Parts not yet received.
    pub open: u64,
    /// When the supplier promised them.
    pub promised: D,
}

/// What one need receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation<D> {
    /// Stock of its MPNs before any build was served.
    pub on_hand: u64,
    /// Of that stock, what builds served earlier took.
    pub allocated_to_earlier: u64,
    /// Taken from stock.
    pub from_stock: u64,
    /// Still open on purchase orders of its MPNs before any build was served.
    pub on_order: u64,
    /// Taken from open purchase order lines.
    pub from_orders: u64,
    /// Not covered by stock or orders: nothing in sight.
    pub uncovered: u64,
    /// When the last part it waits for was promised; `None` when it waits for nothing or for
    /// parts nobody has ordered.
    pub clear_date: Option<D>,
}

impl<D> Allocation<D> {
    /// Parts the need lacks now (taken from orders or not covered at all).
    pub fn shortage(&self) -> u64 {
        self.from_orders + self.uncovered
    }
}

/// Serves `needs` in order (earliest due build first) from `stock` (parts on hand per MPN)
/// and then from `orders` (earliest promise first): each need takes its own MPN before its
/// alternates. Answers one allocation per need, in the same order.
pub fn allocate<D: Ord + Clone>(
    needs: &[Need],
    stock: &HashMap<String, u64>,
    orders: &[OnOrder<D>],
) -> Vec<Allocation<D>> {
    let mut left = stock.clone();
    let mut orders: Vec<OnOrder<D>> = orders.to_vec();
    orders.sort_by(|a, b| a.promised.cmp(&b.promised));
    // Each MPN's order lines, earliest promise first (positions in `orders`), so that a need
    // looks only at the lines of its own MPNs.
    let mut by_mpn: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, order) in orders.iter().enumerate() {
        by_mpn.entry(order.mpn.as_str()).or_default().push(i);
    }
    let by_mpn: HashMap<String, Vec<usize>> = by_mpn
        .into_iter()
        .map(|(mpn, lines)| (mpn.to_owned(), lines))
        .collect();
    needs
        .iter()
        .map(|need| {
            let on_hand: u64 = need
                .mpns
                .iter()
                .map(|m| stock.get(m).copied().unwrap_or(0))
                .sum();
            let still: u64 = need
                .mpns
                .iter()
                .map(|m| left.get(m).copied().unwrap_or(0))
                .sum();
            // The need's order lines in promise order (positions in `orders` are).
            let mut mine: Vec<usize> = need
                .mpns
                .iter()
                .filter_map(|m| by_mpn.get(m))
                .flatten()
                .copied()
                .collect();
            mine.sort_unstable();
            mine.dedup();
            let on_order: u64 = mine.iter().map(|&i| orders[i].open).sum();
            let mut wanted = need.remaining;
            let mut from_stock = 0;
            for mpn in &need.mpns {
                if let Some(have) = left.get_mut(mpn) {
                    let take = (*have).min(wanted);
                    *have -= take;
                    wanted -= take;
                    from_stock += take;
                }
            }
            let mut from_orders = 0;
            let mut clear_date = None;
            for &i in &mine {
                let order = &mut orders[i];
                if wanted == 0 {
                    break;
                }
                let take = order.open.min(wanted);
                if take > 0 {
                    order.open -= take;
                    wanted -= take;
                    from_orders += take;
                    clear_date = Some(order.promised.clone());
                }
            }
            Allocation {
                on_hand,
                allocated_to_earlier: on_hand - still,
                from_stock,
                on_order,
                from_orders,
                uncovered: wanted,
                clear_date: if wanted > 0 { None } else { clear_date },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(mpns: &[&str], remaining: u64) -> Need {
        Need {
            mpns: mpns.iter().map(|m| (*m).to_owned()).collect(),
            remaining,
        }
    }

    #[test]
    fn attrition_rounds_up() {
        assert_eq!(parts_needed(10, 2000, 5_000), 20_100);
        assert_eq!(parts_needed(1, 3, 5_000), 4);
        assert_eq!(parts_needed(1, 2000, 0), 2000);
    }

    #[test]
    fn designators_tell_the_class() {
        assert_eq!(
            PartClass::of_designators(["R1", "R22"]),
            PartClass::ChipPassive
        );
        assert_eq!(PartClass::of_designators(["U3"]), PartClass::Active);
        assert_eq!(
            PartClass::of_designators(["J1"]),
            PartClass::Electromechanical
        );
        assert_eq!(PartClass::of_designators(["R1", "U1"]), PartClass::Other);
        assert_eq!(PartClass::of_designators([]), PartClass::Other);
    }

    #[test]
    fn earlier_builds_are_served_first_and_orders_give_the_date() {
        let stock = HashMap::from([("MCU".to_owned(), 500)]);
        let orders = vec![
            OnOrder {
                mpn: "MCU".to_owned(),
                open: 1000,
                promised: "2027-03-01",
            },
            OnOrder {
                mpn: "MCU".to_owned(),
                open: 1000,
                promised: "2027-02-01",
            },
        ];
        let out = allocate(
            &[need(&["MCU"], 400), need(&["MCU"], 2000)],
            &stock,
            &orders,
        );
        assert_eq!(
            (out[0].from_stock, out[0].shortage(), out[0].clear_date),
            (400, 0, None)
        );
        assert_eq!(out[1].allocated_to_earlier, 400);
        assert_eq!((out[1].from_stock, out[1].from_orders), (100, 1900));
        assert_eq!(out[1].clear_date, Some("2027-03-01"));
        let short = allocate(&[need(&["MCU"], 3000)], &stock, &orders);
        assert_eq!((short[0].uncovered, short[0].clear_date), (500, None));
    }

    #[test]
    fn alternates_count_only_when_listed() {
        let stock = HashMap::from([("ALT".to_owned(), 100)]);
        let none: Vec<OnOrder<&str>> = Vec::new();
        assert_eq!(
            allocate(&[need(&["MCU"], 50)], &stock, &none)[0].uncovered,
            50
        );
        assert_eq!(
            allocate(&[need(&["MCU", "ALT"], 50)], &stock, &none)[0].shortage(),
            0
        );
    }
}
