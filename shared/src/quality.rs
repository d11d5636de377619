//! Quality: the closed sets of nonconformance reports (NCRs) and their material review, and
//! which dispositions the customer must approve.

use crate::domain::{closed_set, UnknownVariant};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

closed_set! {
    /// How bad a nonconformance is.
    NcrSeverity, "NCR severity" {
        /// Cosmetic or within what the class tolerates once reviewed.
        Minor => "MINOR",
        /// Affects form, fit or function of the unit.
        Major => "MAJOR",
        /// Affects safety, or every unit of a lot or a build.
        Critical => "CRITICAL",
    }
}

closed_set! {
    /// Where a nonconformance was found.
    NcrSource, "NCR source" {
        /// Defects recorded on units.
        Defect => "DEFECT",
        /// A supplier's lot (supplier nonconformance).
        Lot => "LOT",
        /// A failed characteristic of a first-article inspection.
        Fai => "FAI",
        /// Opened by hand.
        Manual => "MANUAL",
    }
}

closed_set! {
    /// Where an NCR stands.
    NcrStatus, "NCR status" {
        /// Items wait for their disposition.
        Open => "OPEN",
        /// Every item is dispositioned; some wait for the customer's material review.
        InReview => "IN_REVIEW",
        /// Every item is dispositioned and released (or returned); nothing is contained.
        Closed => "CLOSED",
    }
}

closed_set! {
    /// What is done with a nonconforming item.
    NcrDisposition, "NCR disposition" {
        /// Reworked to conform to the drawing and the class.
        Rework => "REWORK",
        /// Repaired: made usable, but not to the original requirement (the customer approves).
        Repair => "REPAIR",
        /// Scrapped.
        Scrap => "SCRAP",
        /// Used as it is (the customer approves).
        UseAsIs => "USE_AS_IS",
        /// A lot sent back to its supplier; it stays out of production.
        ReturnToSupplier => "RETURN_TO_SUPPLIER",
    }
}

closed_set! {
    /// The customer's material review of one item's disposition.
    MaterialReview, "material review" {
        /// The disposition needs no approval.
        NotNeeded => "NOT_NEEDED",
        /// Waits for the OEM's signed decision.
        Pending => "PENDING",
        /// The OEM approved it.
        Approved => "APPROVED",
        /// The OEM rejected it: the EMS gives another disposition.
        Rejected => "REJECTED",
    }
}

impl NcrDisposition {
    /// Whether the customer must approve this disposition of their product (material review):
    /// a repair or using a nonconforming item as it is.
    pub fn needs_customer_approval(self) -> bool {
        matches!(self, NcrDisposition::Repair | NcrDisposition::UseAsIs)
    }

    /// Whether the item stays contained for good once so dispositioned (a lot back to its
    /// supplier never feeds a board again; a scrapped unit never moves again).
    pub fn keeps_contained(self) -> bool {
        matches!(
            self,
            NcrDisposition::ReturnToSupplier | NcrDisposition::Scrap
        )
    }
}

closed_set! {
    /// Who asked for a corrective action.
    CapaKind, "CAPA kind" {
        /// The EMS escalated its own NCR.
        Corrective => "CORRECTIVE",
        /// The OEM asked its EMS (a supplier corrective action request).
        SupplierRequest => "SUPPLIER_REQUEST",
    }
}

closed_set! {
    /// Where a corrective action stands.
    CapaStatus, "CAPA status" {
        /// The 8D is being worked.
        Open => "OPEN",
        /// Closed after its effectiveness check passed.
        Closed => "CLOSED",
    }
}

closed_set! {
    /// The eight disciplines of an 8D.
    Discipline, "8D discipline" {
        /// D1: the team.
        D1 => "D1",
        /// D2: the problem, described.
        D2 => "D2",
        /// D3: containment.
        D3 => "D3",
        /// D4: root cause (5-why or fishbone entries).
        D4 => "D4",
        /// D5: the corrective actions chosen.
        D5 => "D5",
        /// D6: their implementation, with evidence.
        D6 => "D6",
        /// D7: prevention: the documents, routings or checks changed.
        D7 => "D7",
        /// D8: closure and recognition.
        D8 => "D8",
    }
}

impl Discipline {
    /// What the discipline is about, as an 8D form titles it.
    pub fn title(self) -> &'static str {
        match self {
            Discipline::D1 => "Team",
            Discipline::D2 => "Problem description",
            Discipline::D3 => "Containment",
            Discipline::D4 => "Root cause",
            Discipline::D5 => "Corrective actions chosen",
            Discipline::D6 => "Implementation and evidence",
            Discipline::D7 => "Prevention",
            Discipline::D8 => "Closure",
        }
    }

    /// Whether the discipline is signed (root cause, implementation, closure).
    pub fn is_signed(self) -> bool {
        matches!(self, Discipline::D4 | Discipline::D6 | Discipline::D8)
    }
}

/// An effectiveness check's verdict: the first-pass yield of the first `window` units seen
/// since the check started, against a threshold in percent. Passed only once `window` units
/// were seen and their yield reached the threshold.
pub fn effectiveness_passed(
    passed_first: u32,
    seen: u32,
    window: u32,
    threshold_percent: f64,
) -> bool {
    seen >= window
        && window > 0
        && f64::from(passed_first) * 100.0 >= threshold_percent * f64::from(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_repair_and_use_as_is_need_the_customer() {
        let needing: Vec<_> = NcrDisposition::ALL
            .iter()
            .filter(|d| d.needs_customer_approval())
            .collect();
        assert_eq!(needing, [&NcrDisposition::Repair, &NcrDisposition::UseAsIs]);
    }

    #[test]
    fn the_check_needs_the_whole_window_and_the_yield() {
        assert!(
            !effectiveness_passed(10, 10, 20, 95.0),
            "not enough units yet"
        );
        assert!(effectiveness_passed(19, 20, 20, 95.0));
        assert!(!effectiveness_passed(18, 20, 20, 95.0));
        assert!(!effectiveness_passed(0, 0, 0, 0.0));
    }

    #[test]
    fn d4_d6_and_d8_are_signed() {
        let signed: Vec<_> = Discipline::ALL.iter().filter(|d| d.is_signed()).collect();
        assert_eq!(signed, [&Discipline::D4, &Discipline::D6, &Discipline::D8]);
    }

    #[test]
    fn spellings_round_trip() {
        for d in NcrDisposition::ALL {
            assert_eq!(d.as_str().parse::<NcrDisposition>(), Ok(*d));
        }
        assert_eq!("IN_REVIEW".parse::<NcrStatus>(), Ok(NcrStatus::InReview));
    }
}
