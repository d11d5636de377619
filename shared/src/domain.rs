//! The closed sets both sides agree on: accounts and organizations, packages, builds.
//!
//! Each set is declared once here with its stable spelling (`as_str`, `FromStr`, serde). With
//! the `server` feature it is also a GraphQL enum (its doc comments are the descriptions, its
//! value names the stable spelling) and a sea-orm text value (`DeriveActiveEnum` over `Text`),
//! so filters and stored columns use the same spelling as the wire.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Raised when text does not name a member of one of the closed sets below.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind}; expected one of: {expected}")]
pub struct UnknownVariant {
    /// What was being parsed, e.g. "role".
    pub kind: &'static str,
    /// The text that did not match.
    pub value: String,
    /// The accepted spellings, comma-separated.
    pub expected: &'static str,
}

macro_rules! closed_set {
    ($(#[$meta:meta])* $name:ident, $kind:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(
            feature = "server",
            derive(async_graphql::Enum, sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
            sea_orm(rs_type = "String", db_type = "Text")
        )]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $text)]
                #[cfg_attr(feature = "server", graphql(name = $text), sea_orm(string_value = $text))]
                $variant
            ),+
        }

        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable spelling used in the database and on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_owned()
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;

            /// Accepts the stable spelling in any letter case, with `-` for `_`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let normalized = s.trim().to_ascii_uppercase().replace('-', "_");
                match normalized.as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownVariant {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: concat!($($text, " "),+),
                    }),
                }
            }
        }
    };
}

// Lets other modules of this crate declare closed sets (`crate::domain::closed_set`).
pub(crate) use closed_set;

closed_set! {
    /// Whether an organization designs products (OEM) or builds them (EMS).
    OrgKind, "organization kind" {
        /// Original equipment manufacturer: owns the design.
        Oem => "OEM",
        /// Electronics manufacturing services provider: builds the boards.
        Ems => "EMS",
    }
}

closed_set! {
    /// A user's role; every user has exactly one.
    Role, "role" {
        /// Manages the OEM's users and API tokens, and does everything an engineer does.
        OemAdmin => "OEM_ADMIN",
        /// Creates products and NPI packages, follows builds, signs FAIs as the customer.
        OemEngineer => "OEM_ENGINEER",
        /// Manages the EMS's users and API tokens.
        EmsAdmin => "EMS_ADMIN",
        /// Reviews packages, plans builds, signs FAIs for the EMS.
        EmsProgramManager => "EMS_PROGRAM_MANAGER",
        /// Prepares FAI reports and records defects.
        EmsQuality => "EMS_QUALITY",
        /// Records serial numbers, station results and lot usage.
        EmsOperator => "EMS_OPERATOR",
    }
}

closed_set! {
    /// What an API token may do for its organization.
    Scope, "scope" {
        /// Run queries.
        Read => "READ",
        /// Run mutations.
        Write => "WRITE",
    }
}

closed_set! {
    /// An area of the API that an API token may be limited to, with READ or WRITE on each.
    Capability, "capability" {
        /// Products, NPI packages, their files, findings, review and revision comparison.
        Packages => "PACKAGES",
        /// Builds, units, station results, defects, reels and lots, trace, recalls, box build
        /// and factory (CFX) messages.
        Production => "PRODUCTION",
        /// First-article inspection reports.
        Fai => "FAI",
        /// Nonconformance reports and corrective actions.
        Quality => "QUALITY",
        /// Purchase orders, material status, demand, alternates and attrition.
        Supply => "SUPPLY",
        /// Shipments, certificates of conformance and delivery performance.
        Shipping => "SHIPPING",
    }
}

closed_set! {
    /// Where an NPI package stands in its review workflow.
    PackageStatus, "package status" {
        /// The OEM is preparing it; files can change.
        Draft => "DRAFT",
        /// Sent to the EMS; files are frozen.
        Submitted => "SUBMITTED",
        /// The EMS has opened it.
        InReview => "IN_REVIEW",
        /// Sent back to the OEM, who may edit and submit again.
        ChangesRequested => "CHANGES_REQUESTED",
        /// Accepted by the EMS; frozen for good.
        Accepted => "ACCEPTED",
        /// A later revision has been accepted in its place.
        Superseded => "SUPERSEDED",
    }
}

impl PackageStatus {
    /// Whether the OEM may change files and details in this state.
    pub fn is_editable(self) -> bool {
        matches!(self, PackageStatus::Draft | PackageStatus::ChangesRequested)
    }
}

closed_set! {
    /// IPC-A-610 acceptability class.
    IpcClass, "IPC class" {
        /// General electronic products.
        Class1 => "CLASS_1",
        /// Dedicated service electronic products.
        Class2 => "CLASS_2",
        /// High-performance / harsh-environment electronic products.
        Class3 => "CLASS_3",
    }
}

closed_set! {
    /// An EMS decision on a submission.
    ReviewDecision, "review decision" {
        /// Accepted for manufacture.
        Accept => "ACCEPT",
        /// Sent back to the OEM with comments.
        RequestChanges => "REQUEST_CHANGES",
    }
}

closed_set! {
    /// Where a build stands in new product introduction.
    BuildPhase, "build phase" {
        /// First boards, to prove the design.
        Prototype => "PROTOTYPE",
        /// A small run, to prove the process; first articles come from here.
        Pilot => "PILOT",
        /// Volume production.
        Production => "PRODUCTION",
    }
}

closed_set! {
    /// Where a build stands.
    BuildStatus, "build status" {
        /// Planned; no unit has a result yet.
        Planned => "PLANNED",
        /// Units are moving through the routing.
        InProgress => "IN_PROGRESS",
        /// Every unit has an outcome (completed or scrapped).
        Completed => "COMPLETED",
        /// Units have been shipped.
        Shipped => "SHIPPED",
    }
}

closed_set! {
    /// What a station of the routing does.
    StationKind, "station kind" {
        /// Paste print and pick-and-place, top side.
        SmtTop => "SMT_TOP",
        /// Paste print and pick-and-place, bottom side.
        SmtBottom => "SMT_BOTTOM",
        /// Reflow soldering.
        Reflow => "REFLOW",
        /// Automated optical inspection.
        Aoi => "AOI",
        /// X-ray inspection.
        Xray => "XRAY",
        /// Through-hole assembly.
        Tht => "THT",
        /// In-circuit test.
        Ict => "ICT",
        /// Functional test.
        Fct => "FCT",
        /// Box build: integration into the enclosure.
        BoxBuild => "BOX_BUILD",
        /// Final quality assurance.
        FinalQa => "FINAL_QA",
        /// Packing.
        Pack => "PACK",
    }
}

closed_set! {
    /// The outcome of a unit at a station.
    StationResult, "station result" {
        /// Passed.
        Pass => "PASS",
        /// Failed; a defect must be recorded before the unit moves on.
        Fail => "FAIL",
    }
}

closed_set! {
    /// Where a unit stands.
    UnitStatus, "unit status" {
        /// Moving through the routing.
        InWork => "IN_WORK",
        /// Failed at a station; waiting for its defect and disposition.
        OnHold => "ON_HOLD",
        /// Passed every station.
        Completed => "COMPLETED",
        /// Scrapped.
        Scrapped => "SCRAPPED",
        /// Shipped.
        Shipped => "SHIPPED",
    }
}

closed_set! {
    /// IPC-A-610-style defect codes.
    DefectCode, "defect code" {
        /// Solder connecting conductors that should not be connected.
        SolderBridge => "SOLDER_BRIDGE",
        /// Not enough solder for an acceptable joint.
        InsufficientSolder => "INSUFFICIENT_SOLDER",
        /// A chip component standing on one end.
        Tombstone => "TOMBSTONE",
        /// A component that should be there is not.
        MissingComponent => "MISSING_COMPONENT",
        /// The wrong part in a location.
        WrongComponent => "WRONG_COMPONENT",
        /// A polarized part turned the wrong way.
        WrongPolarity => "WRONG_POLARITY",
        /// A lead lifted off its land.
        LiftedLead => "LIFTED_LEAD",
        /// Solder balls.
        SolderBall => "SOLDER_BALL",
        /// Voids in a joint (X-ray).
        Void => "VOID",
        /// A damaged component.
        DamagedComponent => "DAMAGED_COMPONENT",
        /// Anything else; describe it.
        Other => "OTHER",
    }
}

closed_set! {
    /// What happens to a unit after a defect.
    Disposition, "disposition" {
        /// Repair, then test again at the failed station.
        Rework => "REWORK",
        /// Scrap the unit.
        Scrap => "SCRAP",
        /// Accept the deviation and move on.
        UseAsIs => "USE_AS_IS",
        /// Found (by an inspector or a machine) and not decided yet: the unit stays where it
        /// is until a person disposes the defect.
        Pending => "PENDING",
    }
}

impl Role {
    /// The kind of organization this role belongs to.
    pub fn org_kind(self) -> OrgKind {
        match self {
            Role::OemAdmin | Role::OemEngineer => OrgKind::Oem,
            Role::EmsAdmin | Role::EmsProgramManager | Role::EmsQuality | Role::EmsOperator => {
                OrgKind::Ems
            }
        }
    }

    /// Whether the role administers its organization's users and tokens.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::OemAdmin | Role::EmsAdmin)
    }
}

/// The fixed set of error codes every API error carries in `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// No valid credentials were presented.
    Unauthenticated,
    /// The caller is known but may not do this.
    Forbidden,
    /// No such record, or one the caller may not know exists.
    NotFound,
    /// The input is malformed or breaks a rule.
    BadUserInput,
    /// The request clashes with the current state (duplicate, wrong status).
    Conflict,
    /// Too many attempts; wait and try again.
    RateLimited,
    /// The request ran past the server's time limit and was stopped; nothing of it was kept.
    Timeout,
    /// A fault on the server; details are in its log under the request id.
    Internal,
}

impl ErrorCode {
    /// The stable spelling sent to clients.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Checks a new password against the policy; returns a sentence for the user when it fails.
pub fn check_password_policy(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters (it has {chars})"
        ));
    }
    if chars > 256 {
        return Err("the password must have at most 256 characters".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        assert_eq!("oem-engineer".parse::<Role>(), Ok(Role::OemEngineer));
        let Err(err) = "boss".parse::<Role>() else {
            panic!("`boss` is not a role");
        };
        assert!(err.to_string().contains("OEM_ADMIN"));
    }

    /// Every member of every closed set: its spelling parses back to it, serde writes and reads
    /// the same spelling, and `Display` prints it.
    fn round_trips<T>(all: &[T], as_str: fn(T) -> &'static str)
    where
        T: Copy
            + PartialEq
            + fmt::Debug
            + fmt::Display
            + FromStr<Err = UnknownVariant>
            + Serialize
            + for<'de> Deserialize<'de>,
    {
        for member in all {
            let text = as_str(*member);
            assert_eq!(text.parse::<T>(), Ok(*member), "{text}");
            assert_eq!(text.to_ascii_lowercase().parse::<T>(), Ok(*member));
            assert_eq!(member.to_string(), text);
            let wire = serde_json::to_string(member).expect("serialize");
            assert_eq!(wire, format!("\"{text}\""));
            let back: T = serde_json::from_str(&wire).expect("deserialize");
            assert_eq!(back, *member);
        }
        assert!("NOT_A_MEMBER".parse::<T>().is_err());
    }

    #[test]
    fn every_closed_set_round_trips_through_its_spelling() {
        round_trips(OrgKind::ALL, OrgKind::as_str);
        round_trips(Role::ALL, Role::as_str);
        round_trips(Scope::ALL, Scope::as_str);
        round_trips(PackageStatus::ALL, PackageStatus::as_str);
        round_trips(IpcClass::ALL, IpcClass::as_str);
        round_trips(ReviewDecision::ALL, ReviewDecision::as_str);
        round_trips(BuildPhase::ALL, BuildPhase::as_str);
        round_trips(BuildStatus::ALL, BuildStatus::as_str);
        round_trips(StationKind::ALL, StationKind::as_str);
        round_trips(StationResult::ALL, StationResult::as_str);
        round_trips(UnitStatus::ALL, UnitStatus::as_str);
        round_trips(DefectCode::ALL, DefectCode::as_str);
        round_trips(Disposition::ALL, Disposition::as_str);
    }

    #[test]
    fn stored_spellings_are_the_ones_in_the_database() {
        assert_eq!(UnitStatus::OnHold.as_str(), "ON_HOLD");
        assert_eq!(StationResult::Pass.as_str(), "PASS");
        assert_eq!(StationKind::BoxBuild.as_str(), "BOX_BUILD");
        assert_eq!(StationKind::Xray.as_str(), "XRAY");
        assert_eq!(Disposition::UseAsIs.as_str(), "USE_AS_IS");
        assert_eq!(IpcClass::Class3.as_str(), "CLASS_3");
        assert_eq!(String::from(BuildStatus::InProgress), "IN_PROGRESS");
    }

    #[test]
    fn wire_spelling_is_the_stable_spelling() {
        assert_eq!(
            serde_json::to_string(&IpcClass::Class2).ok().as_deref(),
            Some("\"CLASS_2\"")
        );
        assert_eq!(
            serde_json::to_string(&Role::EmsProgramManager)
                .ok()
                .as_deref(),
            Some("\"EMS_PROGRAM_MANAGER\"")
        );
    }

    #[test]
    fn roles_belong_to_one_kind() {
        assert_eq!(Role::EmsOperator.org_kind(), OrgKind::Ems);
        assert_eq!(Role::OemEngineer.org_kind(), OrgKind::Oem);
        assert!(Role::EmsAdmin.is_admin());
        assert!(!Role::EmsProgramManager.is_admin());
    }

    #[test]
    fn password_policy_counts_characters_not_bytes() {
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy("ääääääääääää").is_ok());
        assert!(check_password_policy("correct horse battery").is_ok());
    }
}
