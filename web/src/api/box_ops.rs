//! The typed GraphQL operations of box build (`web/graphql/boxbuild.graphql`): the box-build
//! station, the unit tree and the trace to top-level units.

use graphql_client::GraphQLQuery;

/// The `DateTime` scalar: RFC 3339 text.
pub type DateTime = String;

/// Declares one box-build operation with the settings every operation shares.
macro_rules! box_operation {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "../api/schema.graphql",
            query_path = "graphql/boxbuild.graphql",
            response_derives = "Debug, Clone, PartialEq",
            variables_derives = "Debug, Clone"
        )]
        pub struct $name;
    };
}

box_operation!(
    /// A box (or any unit) with its product, its box-build BOM, its sub-assemblies (current and
    /// removed) and its identities.
    BoxUnit
);
box_operation!(
    /// Install a finished sub-assembly into a position of a box.
    InstallSubassembly
);
box_operation!(
    /// Remove a sub-assembly from a box, saying why (kept on record).
    RemoveSubassembly
);
box_operation!(
    /// Record firmware, IMEI, ICCID and MAC addresses on a unit.
    RecordUnitIdentity
);
box_operation!(
    /// A unit with the boxes above it and the sub-assemblies inside it, three levels down,
    /// with the history of every installation.
    UnitTree
);
box_operation!(
    /// The top-level units (boxes) holding units of a lot, each with its paths.
    TraceTopLevels
);
