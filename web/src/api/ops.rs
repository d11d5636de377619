//! The typed GraphQL operations, one unit struct each, generated from `web/graphql/*.graphql`.
//!
//! The closed sets (`Role`, `PackageStatus`, `LayerFunction`, …) are the shared crate's enums
//! (`extern_enums`), not generated copies, so the browser and the server cannot disagree on
//! their spelling. Custom scalars arrive as text; `ID` is a `String` already.

pub use firstpass_shared::cad::{FileKind, LayerFunction, LayerSource, Severity, Side};
pub use firstpass_shared::domain::{OrgKind, PackageStatus, ReviewDecision, Role};
use graphql_client::GraphQLQuery;

// graphql_client tracks the query files but not the schema: make cargo rebuild this crate
// whenever the server's SDL changes, so a breaking change fails this build at once.
const _SCHEMA: &str = include_str!("../../../api/schema.graphql");

/// The `DateTime` scalar: RFC 3339 text.
pub type DateTime = String;

/// The IPC class on the wire. Not the shared enum: its serde spelling (`CLASS2`) differs from
/// the schema's (`CLASS_2`), so each operation has its generated copy, converted by name.
pub fn ipc_from_wire<T: serde::Serialize>(wire: &T) -> Option<firstpass_shared::domain::IpcClass> {
    serde_json::to_value(wire).ok()?.as_str()?.parse().ok()
}

/// The generated IPC class of an operation, from the shared one.
pub fn ipc_to_wire<T: serde::de::DeserializeOwned>(
    class: firstpass_shared::domain::IpcClass,
) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(class.as_str().to_owned())).ok()
}

/// Declares one operation of a `.graphql` file with the settings every operation shares.
macro_rules! operation {
    ($(#[$doc:meta])* $name:ident, $file:tt) => {
        $(#[$doc])*
        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "../api/schema.graphql",
            query_path = $file,
            response_derives = "Debug, Clone, PartialEq",
            variables_derives = "Debug, Clone",
            extern_enums(
                "Role",
                "OrgKind",
                "PackageStatus",
                "ReviewDecision",
                "FileKind",
                "LayerFunction",
                "LayerSource",
                "Severity",
                "Side"
            )
        )]
        pub struct $name;
    };
}

operation!(
    /// Sign in with email and password; the refresh token goes into an HttpOnly cookie.
    Login,
    "graphql/session.graphql"
);
operation!(
    /// End the session of the cookie (server side) and clear the cookie.
    Logout,
    "graphql/session.graphql"
);
operation!(
    /// Trade the cookie's refresh token for a new access token (the cookie is renewed).
    Refresh,
    "graphql/session.graphql"
);
operation!(
    /// A page of products, newest first.
    Products,
    "graphql/packages.graphql"
);
operation!(
    /// Create a product.
    CreateProduct,
    "graphql/packages.graphql"
);
operation!(
    /// What changed from one revision of a product to another, with the first article it
    /// calls for; and the newer revision's board picture.
    CompareRevisions,
    "graphql/packages.graphql"
);
operation!(
    /// A page of NPI packages, newest first, filtered.
    Packages,
    "graphql/packages.graphql"
);
operation!(
    /// Create a DRAFT package revision.
    CreatePackage,
    "graphql/packages.graphql"
);
operation!(
    /// Everything the package page shows.
    Package,
    "graphql/packages.graphql"
);
operation!(
    /// Send a package to its EMS.
    SubmitPackage,
    "graphql/packages.graphql"
);
operation!(
    /// The EMS opens a submitted package.
    StartReview,
    "graphql/packages.graphql"
);
operation!(
    /// The EMS accepts a package in review.
    AcceptPackage,
    "graphql/packages.graphql"
);
operation!(
    /// The EMS sends a package back with a comment.
    RequestChanges,
    "graphql/packages.graphql"
);
operation!(
    /// Add a comment to the review thread.
    AddComment,
    "graphql/packages.graphql"
);
operation!(
    /// Start a new DRAFT revision from an accepted one.
    CreateRevision,
    "graphql/packages.graphql"
);
operation!(
    /// Remove a file from an editable package.
    RemoveFile,
    "graphql/packages.graphql"
);
operation!(
    /// Say what a Gerber or drill file is.
    SetLayerFunction,
    "graphql/packages.graphql"
);

/// The `JSON` scalar: any JSON value (the schema spells it in capitals).
#[expect(
    clippy::upper_case_acronyms,
    reason = "the generated code names the scalar as the schema does"
)]
pub type JSON = serde_json::Value;

/// The `NaiveDate` scalar: `YYYY-MM-DD` text.
pub type NaiveDate = String;

operation!(
    /// A page of builds, newest first, filtered.
    Builds,
    "graphql/builds.graphql"
);
operation!(
    /// Everything the build board shows.
    Build,
    "graphql/builds.graphql"
);
operation!(
    /// One unit by serial: history, defects, genealogy.
    Unit,
    "graphql/builds.graphql"
);
operation!(
    /// Every unit holding parts of an MPN and lot code.
    TraceComponent,
    "graphql/builds.graphql"
);
operation!(
    /// Delivery, yield and DPMO with a weekly breakdown.
    OrganizationMetrics,
    "graphql/builds.graphql"
);
operation!(
    /// A page of FAI reports, newest first.
    FaiReports,
    "graphql/fai.graphql"
);
operation!(
    /// One FAI report with its three forms, evidence and signatures.
    FaiReport,
    "graphql/fai.graphql"
);
operation!(
    /// A DRAFT report for one unit of a build.
    CreateFaiReport,
    "graphql/fai.graphql"
);
operation!(
    /// Results for many characteristics at once.
    UpdateFaiCharacteristics,
    "graphql/fai.graphql"
);
operation!(
    /// A free characteristic added to a DRAFT.
    AddFaiCharacteristic,
    "graphql/fai.graphql"
);
operation!(
    /// Submit a DRAFT whose every characteristic has a result.
    SubmitFaiReport,
    "graphql/fai.graphql"
);
operation!(
    /// Sign a report with the password asked again.
    SignFaiReport,
    "graphql/fai.graphql"
);
operation!(
    /// Accepted package revisions: what a build can be planned from.
    AcceptedPackages,
    "graphql/floor.graphql"
);
operation!(
    /// The BOM designators of a package, for lot usage.
    PackageDesignators,
    "graphql/floor.graphql"
);
operation!(
    /// Plan a build of an accepted package.
    CreateBuild,
    "graphql/floor.graphql"
);
operation!(
    /// Create units with serials from a pattern.
    SerializeUnits,
    "graphql/floor.graphql"
);
operation!(
    /// One build as the floor needs it: routing, progress, units.
    FloorBuild,
    "graphql/floor.graphql"
);
operation!(
    /// Builds with their stations, for the floor's start page.
    FloorBuilds,
    "graphql/floor.graphql"
);
operation!(
    /// A scanned unit: where it stands and its recent history.
    ScanUnit,
    "graphql/floor.graphql"
);
operation!(
    /// A PASS or FAIL at a station.
    RecordResult,
    "graphql/floor.graphql"
);
operation!(
    /// A defect with its disposition.
    RecordDefect,
    "graphql/floor.graphql"
);
operation!(
    /// Clear-to-build of a build: per BOM part, need, supply and clear date.
    MaterialStatus,
    "graphql/floor.graphql"
);
operation!(
    /// Decide a PENDING defect.
    DisposeDefect,
    "graphql/floor.graphql"
);
operation!(
    /// Receive a reel or lot.
    ReceiveLot,
    "graphql/floor.graphql"
);
operation!(
    /// Lots by MPN (and lot code).
    FindLots,
    "graphql/floor.graphql"
);
operation!(
    /// A lot fed designators over units of a build.
    RecordLotUsage,
    "graphql/floor.graphql"
);
operation!(
    /// Ship completed units.
    ShipUnits,
    "graphql/floor.graphql"
);
operation!(
    /// What waits for the signed-in person.
    Inbox,
    "graphql/inbox.graphql"
);
operation!(
    /// Just the number of unread inbox entries, for the header.
    InboxCount,
    "graphql/inbox.graphql"
);
operation!(
    /// Mark inbox entries (or all of them) read.
    MarkInboxRead,
    "graphql/inbox.graphql"
);
operation!(
    /// The board pictures (rendered by the server) and the placements, to pick a designator.
    BoardPick,
    "graphql/floor.graphql"
);
operation!(
    /// The EMS's purchase orders with their lines.
    PurchaseOrders,
    "graphql/supply.graphql"
);
operation!(
    /// Move the promised date of an order line.
    UpdatePromise,
    "graphql/supply.graphql"
);
operation!(
    /// Receive parts of an order line as a lot.
    ReceiveOrderLine,
    "graphql/supply.graphql"
);
operation!(
    /// Parts open builds are short of, and the builds each gates.
    MaterialDemand,
    "graphql/supply.graphql"
);
operation!(
    /// What packing a shipment of a build needs: its OEM and its shipments so far.
    ShipSetup,
    "graphql/supply.graphql"
);
operation!(
    /// The ship-to addresses of an OEM.
    ShipToAddresses,
    "graphql/supply.graphql"
);
operation!(
    /// Ship units packed in cartons to a ship-to address.
    CreateShipment,
    "graphql/supply.graphql"
);
operation!(
    /// One shipment: cartons, on-time delivery, ASN and certificate.
    Shipment,
    "graphql/supply.graphql"
);
operation!(
    /// EMS quality signs a shipment's certificate of conformance.
    SignCertificate,
    "graphql/supply.graphql"
);
operation!(
    /// NCRs the reader sees.
    Ncrs,
    "graphql/quality.graphql"
);
operation!(
    /// One NCR with its items and notes.
    NcrPage,
    "graphql/quality.graphql"
);
operation!(
    /// Open an NCR.
    OpenNcr,
    "graphql/quality.graphql"
);
operation!(
    /// Decide an NCR item.
    DisposeNcrItem,
    "graphql/quality.graphql"
);
operation!(
    /// The customer's signed review of dispositions.
    ReviewNcr,
    "graphql/quality.graphql"
);
operation!(
    /// Close an NCR.
    CloseNcr,
    "graphql/quality.graphql"
);
operation!(
    /// Escalate an NCR to a corrective action.
    EscalateNcr,
    "graphql/quality.graphql"
);
operation!(
    /// The OEM asks for a corrective action.
    RaiseCapa,
    "graphql/quality.graphql"
);
operation!(
    /// Corrective actions the reader sees.
    Capas,
    "graphql/quality.graphql"
);
operation!(
    /// One corrective action: its 8D, check and notes.
    CapaPage,
    "graphql/quality.graphql"
);
operation!(
    /// Fill or change one discipline.
    UpdateDiscipline,
    "graphql/quality.graphql"
);
operation!(
    /// Sign D4, D6 or D8.
    SignDiscipline,
    "graphql/quality.graphql"
);
operation!(
    /// Set the effectiveness check.
    SetCheck,
    "graphql/quality.graphql"
);
operation!(
    /// Close a corrective action.
    CloseCapa,
    "graphql/quality.graphql"
);
operation!(
    /// A note on an NCR or a CAPA.
    AddNote,
    "graphql/quality.graphql"
);
