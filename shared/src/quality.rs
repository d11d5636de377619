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
    fn spellings_round_trip() {
        for d in NcrDisposition::ALL {
            assert_eq!(d.as_str().parse::<NcrDisposition>(), Ok(*d));
        }
        assert_eq!("IN_REVIEW".parse::<NcrStatus>(), Ok(NcrStatus::InReview));
    }
}
