//! Tenancy: the one place where "who may see which rows" is decided.
//!
//! Every tenant-owned entity implements [`Tenanted`], which returns the SQL condition selecting
//! the rows an [`Actor`] may see. Resolvers and services never filter by organization by hand:
//! they read through [`Actor::select`] and [`Actor::load`], so a record of another tenant is
//! simply not there and answers `NOT_FOUND`, exactly like a record that does not exist.
//! What an actor may *do* (roles, scopes) is decided in [`crate::policy`].

use crate::auth::{parse_kind, parse_role};
use crate::entities::{
    api_token, audit_event, build, component_lot, defect, fai_report, lot_usage, npi_package,
    organization, package_file, partnership, product, recall_campaign, unit, user,
};
use crate::error::{ApiError, ApiResult};
use crate::webhooks::model::WebhookEvent;
use firstpass_shared::domain::{Capability, OrgKind, Role, Scope};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, Select,
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Who is acting: a person or an integration, always within one organization.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The organization acted for; the tenant boundary.
    pub org_id: Uuid,
    /// Whether that organization is an OEM or an EMS.
    pub org_kind: OrgKind,
    /// The person or token.
    pub principal: Principal,
}

/// The credential behind an [`Actor`].
#[derive(Debug, Clone)]
pub enum Principal {
    /// A signed-in user.
    User {
        /// User id.
        id: Uuid,
        /// E-mail, for audit labels.
        email: String,
        /// The user's role.
        role: Role,
    },
    /// An API token of the organization.
    ApiToken {
        /// Token id.
        id: Uuid,
        /// Token name, for audit labels.
        name: String,
        /// What the token may do.
        scopes: Vec<Scope>,
        /// Where it may do it, and which webhook events it may manage.
        limits: TokenLimits,
    },
}

/// The limits of an API token beyond its scopes (decided on in [`crate::policy`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenLimits {
    /// READ or WRITE per capability; empty: the token's scopes hold for every capability.
    pub grants: BTreeMap<Capability, Scope>,
    /// The webhook events whose endpoints the token may register and manage; empty: none.
    pub events: Vec<WebhookEvent>,
}

impl Actor {
    /// The actor for a signed-in user.
    pub fn for_user(user: &user::Model, org: &organization::Model) -> ApiResult<Self> {
        Ok(Actor {
            org_id: org.id,
            org_kind: parse_kind(&org.kind)?,
            principal: Principal::User {
                id: user.id,
                email: user.email.clone(),
                role: parse_role(&user.role)?,
            },
        })
    }

    /// The user id, when a person is acting.
    pub fn user_id(&self) -> Option<Uuid> {
        match &self.principal {
            Principal::User { id, .. } => Some(*id),
            Principal::ApiToken { .. } => None,
        }
    }

    /// The role, when a person is acting.
    pub fn role(&self) -> Option<Role> {
        match &self.principal {
            Principal::User { role, .. } => Some(*role),
            Principal::ApiToken { .. } => None,
        }
    }

    /// A readable label for audit records.
    pub fn label(&self) -> String {
        match &self.principal {
            Principal::User { email, .. } => email.clone(),
            Principal::ApiToken { name, .. } => format!("api token \"{name}\""),
        }
    }

    /// The limits of an API token; `None` for a person.
    pub fn token_limits(&self) -> Option<&TokenLimits> {
        match &self.principal {
            Principal::ApiToken { limits, .. } => Some(limits),
            Principal::User { .. } => None,
        }
    }

    /// Requires an API token to hold `scope`; users pass (their role decides instead).
    pub fn require_scope(&self, scope: Scope) -> ApiResult<()> {
        match &self.principal {
            Principal::ApiToken { scopes, .. } if !scopes.contains(&scope) => Err(
                ApiError::forbidden(format!("this API token lacks the {scope} scope")),
            ),
            _ => Ok(()),
        }
    }

    /// The rows of `E` this actor may see.
    pub fn select<E: Tenanted>(&self) -> Select<E> {
        E::find().filter(E::visible_to(self))
    }

    /// Loads one row of `E` by id, or `NOT_FOUND` when it does not exist *or* is not visible.
    pub async fn load<E>(&self, db: &impl ConnectionTrait, id: Uuid) -> ApiResult<E::Model>
    where
        E: Tenanted,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        let mut select = self.select::<E>();
        for key in E::primary_key_columns() {
            select = select.filter(key.eq(id));
        }
        select.one(db).await?.ok_or(ApiError::NotFound(E::NOUN))
    }
}

/// An entity whose rows belong to tenants.
pub trait Tenanted: EntityTrait {
    /// The word used in `NOT_FOUND` messages, e.g. "user".
    const NOUN: &'static str;

    /// The condition selecting the rows `actor` may see.
    fn visible_to(actor: &Actor) -> Condition;

    /// The primary-key columns (single-column keys in practice).
    fn primary_key_columns() -> Vec<Self::Column>;
}

/// Ids of organizations partnered with the actor's: a sub-query usable in a condition.
fn partner_ids(actor: &Actor) -> sea_orm::sea_query::SelectStatement {
    match actor.org_kind {
        OrgKind::Oem => Query::select()
            .column(partnership::Column::EmsId)
            .from(partnership::Entity)
            .and_where(partnership::Column::OemId.eq(actor.org_id))
            .to_owned(),
        OrgKind::Ems => Query::select()
            .column(partnership::Column::OemId)
            .from(partnership::Entity)
            .and_where(partnership::Column::EmsId.eq(actor.org_id))
            .to_owned(),
    }
}

impl Tenanted for organization::Entity {
    const NOUN: &'static str = "organization";
    /// One's own organization and its partners.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::any()
            .add(organization::Column::Id.eq(actor.org_id))
            .add(organization::Column::Id.in_subquery(partner_ids(actor)))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![organization::Column::Id]
    }
}

impl Tenanted for user::Entity {
    const NOUN: &'static str = "user";
    /// Users of one's own organization.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::all().add(user::Column::OrganizationId.eq(actor.org_id))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![user::Column::Id]
    }
}

impl Tenanted for api_token::Entity {
    const NOUN: &'static str = "API token";
    /// Tokens of one's own organization.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::all().add(api_token::Column::OrganizationId.eq(actor.org_id))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![api_token::Column::Id]
    }
}

impl Tenanted for audit_event::Entity {
    const NOUN: &'static str = "audit event";
    /// Events of one's own organization.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::all().add(audit_event::Column::OrganizationId.eq(actor.org_id))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![audit_event::Column::Id]
    }
}

/// Ids of the NPI packages the actor may see: a sub-query usable in a condition.
fn visible_package_ids(actor: &Actor) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(npi_package::Column::Id)
        .from(npi_package::Entity)
        .cond_where(npi_package::Entity::visible_to(actor))
        .to_owned()
}

impl Tenanted for npi_package::Entity {
    const NOUN: &'static str = "NPI package";
    /// The OEM sees its own packages; the EMS sees those addressed to it from their first
    /// submission on (a draft is the OEM's business alone).
    fn visible_to(actor: &Actor) -> Condition {
        match actor.org_kind {
            OrgKind::Oem => Condition::all().add(npi_package::Column::OemId.eq(actor.org_id)),
            OrgKind::Ems => Condition::all()
                .add(npi_package::Column::EmsId.eq(actor.org_id))
                .add(npi_package::Column::FirstSubmittedAt.is_not_null()),
        }
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![npi_package::Column::Id]
    }
}

impl Tenanted for product::Entity {
    const NOUN: &'static str = "product";
    /// The OEM sees its products; the EMS sees the products of packages it may see.
    fn visible_to(actor: &Actor) -> Condition {
        match actor.org_kind {
            OrgKind::Oem => Condition::all().add(product::Column::OemId.eq(actor.org_id)),
            OrgKind::Ems => Condition::all().add(
                product::Column::Id.in_subquery(
                    Query::select()
                        .column(npi_package::Column::ProductId)
                        .from(npi_package::Entity)
                        .cond_where(npi_package::Entity::visible_to(actor))
                        .to_owned(),
                ),
            ),
        }
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![product::Column::Id]
    }
}

impl Tenanted for package_file::Entity {
    const NOUN: &'static str = "file";
    /// Files of the packages the actor may see.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::all()
            .add(package_file::Column::PackageId.in_subquery(visible_package_ids(actor)))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![package_file::Column::Id]
    }
}

impl Tenanted for build::Entity {
    const NOUN: &'static str = "build";
    /// The EMS sees the builds it runs; the OEM sees the builds of its packages.
    fn visible_to(actor: &Actor) -> Condition {
        match actor.org_kind {
            OrgKind::Oem => Condition::all().add(build::Column::OemId.eq(actor.org_id)),
            OrgKind::Ems => Condition::all().add(build::Column::EmsId.eq(actor.org_id)),
        }
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![build::Column::Id]
    }
}

/// Ids of the builds the actor may see: a sub-query usable in a condition.
pub fn visible_build_ids(actor: &Actor) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(build::Column::Id)
        .from(build::Entity)
        .cond_where(build::Entity::visible_to(actor))
        .to_owned()
}

impl Tenanted for unit::Entity {
    const NOUN: &'static str = "unit";
    /// Units of the builds the actor may see.
    fn visible_to(actor: &Actor) -> Condition {
        match actor.org_kind {
            // Serials are unique per EMS: the EMS's own column is the fast path.
            OrgKind::Ems => Condition::all().add(unit::Column::EmsId.eq(actor.org_id)),
            OrgKind::Oem => {
                Condition::all().add(unit::Column::BuildId.in_subquery(visible_build_ids(actor)))
            }
        }
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![unit::Column::Id]
    }
}

impl Tenanted for defect::Entity {
    const NOUN: &'static str = "defect";
    /// Defects on units of the builds the actor may see.
    fn visible_to(actor: &Actor) -> Condition {
        Condition::all().add(defect::Column::BuildId.in_subquery(visible_build_ids(actor)))
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![defect::Column::Id]
    }
}

impl Tenanted for component_lot::Entity {
    const NOUN: &'static str = "component lot";
    /// The EMS sees the lots it received; an OEM sees the lots used in its builds.
    fn visible_to(actor: &Actor) -> Condition {
        match actor.org_kind {
            OrgKind::Ems => Condition::all().add(component_lot::Column::EmsId.eq(actor.org_id)),
            OrgKind::Oem => Condition::all().add(
                component_lot::Column::Id.in_subquery(
                    Query::select()
                        .column(lot_usage::Column::LotId)
                        .from(lot_usage::Entity)
                        .and_where(lot_usage::Column::BuildId.in_subquery(visible_build_ids(actor)))
                        .to_owned(),
                ),
            ),
        }
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![component_lot::Column::Id]
    }
}

impl Tenanted for fai_report::Entity {
    const NOUN: &'static str = "FAI report";
    /// The EMS sees its reports; the OEM sees its reports from their first submission on.
    fn visible_to(actor: &Actor) -> Condition {
        match actor.org_kind {
            OrgKind::Ems => Condition::all().add(fai_report::Column::EmsId.eq(actor.org_id)),
            OrgKind::Oem => Condition::all()
                .add(fai_report::Column::OemId.eq(actor.org_id))
                .add(fai_report::Column::FirstSubmittedAt.is_not_null()),
        }
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![fai_report::Column::Id]
    }
}

impl Tenanted for recall_campaign::Entity {
    const NOUN: &'static str = "recall campaign";
    /// Both sides see a campaign: the OEM whose units it recalls and the EMS that built them.
    fn visible_to(actor: &Actor) -> Condition {
        match actor.org_kind {
            OrgKind::Oem => Condition::all().add(recall_campaign::Column::OemId.eq(actor.org_id)),
            OrgKind::Ems => Condition::all().add(recall_campaign::Column::EmsId.eq(actor.org_id)),
        }
    }
    fn primary_key_columns() -> Vec<Self::Column> {
        vec![recall_campaign::Column::Id]
    }
}
