//! The GraphQL schema: every capability's queries and mutations merged into one root.

use crate::accounts::resolver::{AccountsMutation, AccountsQuery};
use crate::api_tokens::resolver::{ApiTokensMutation, ApiTokensQuery};
use crate::audit::resolver::AuditQuery;
use crate::boxbuild::resolver::{BoxBuildMutation, BoxBuildQuery};
use crate::builds::resolver::{BuildsMutation, BuildsQuery, BuildsSubscription};
use crate::builds::test_steps::TestStepsQuery;
use crate::cfx::resolver::{CfxMutation, CfxQuery};
use crate::config::Limits;
use crate::fai::resolver::{FaiMutation, FaiQuery};
use crate::inbox::resolver::{InboxMutation, InboxQuery, InboxSubscription};
use crate::packages::resolver::{PackagesMutation, PackagesQuery};
use crate::quality::resolver::{QualityMutation, QualityQuery};
use crate::shipping::resolver::{ShippingMutation, ShippingQuery};
use crate::supply::resolver::{SupplyMutation, SupplyQuery};
use crate::webhooks::resolver::{WebhooksMutation, WebhooksQuery};
use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

/// Every query of the API.
#[derive(MergedObject, Default)]
pub struct Query(
    AccountsQuery,
    ApiTokensQuery,
    AuditQuery,
    PackagesQuery,
    BuildsQuery,
    FaiQuery,
    WebhooksQuery,
    TestStepsQuery,
    CfxQuery,
    SupplyQuery,
    ShippingQuery,
    QualityQuery,
    InboxQuery,
    BoxBuildQuery,
);

/// Every mutation of the API.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AccountsMutation,
    ApiTokensMutation,
    PackagesMutation,
    BuildsMutation,
    FaiMutation,
    WebhooksMutation,
    CfxMutation,
    SupplyMutation,
    ShippingMutation,
    QualityMutation,
    InboxMutation,
    BoxBuildMutation,
);

/// The executable schema type.
pub type FirstpassSchema = Schema<Query, Mutation, Subscription>;

/// Every subscription of the API.
#[derive(MergedSubscription, Default)]
pub struct Subscription(BuildsSubscription, InboxSubscription);

/// The schema with its limits but no data, so tests and `print-schema` need no database.
pub fn schema_builder(limits: &Limits) -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .disable_suggestions()
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .limit_recursive_depth(32)
    .limit_directives(20)
}

/// The schema in SDL, as committed in `api/schema.graphql`.
pub fn sdl() -> String {
    schema_builder(&Limits::default()).finish().sdl()
}
