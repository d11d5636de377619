//! The typed GraphQL operations, one unit struct each, generated from `web/graphql/*.graphql`.
//!
//! `Role` and `OrgKind` are the shared crate's enums (`extern_enums`), not generated copies, so
//! the browser and the server cannot disagree on their spelling. Custom scalars arrive as text;
//! `ID` is a `String` already.

pub use firstpass_shared::domain::{OrgKind, Role};
use graphql_client::GraphQLQuery;

// graphql_client tracks the query files but not the schema: make cargo rebuild this crate
// whenever the server's SDL changes, so a breaking change fails this build at once.
const _SCHEMA: &str = include_str!("../../../api/schema.graphql");

/// The `DateTime` scalar: RFC 3339 text.
pub type DateTime = String;

/// Sign in with email and password; returns tokens and the user.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../api/schema.graphql",
    query_path = "graphql/session.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    extern_enums("Role", "OrgKind")
)]
pub struct Login;

/// The signed-in user, with their organization and its partners.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../api/schema.graphql",
    query_path = "graphql/session.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    extern_enums("Role", "OrgKind")
)]
pub struct Me;

/// End the session of a refresh token (server side).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../api/schema.graphql",
    query_path = "graphql/session.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    extern_enums("Role", "OrgKind")
)]
pub struct Logout;

/// Trade a refresh token for a new token pair (the old refresh token is spent).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../api/schema.graphql",
    query_path = "graphql/session.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    extern_enums("Role", "OrgKind")
)]
pub struct Refresh;
