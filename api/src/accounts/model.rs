//! GraphQL types of the accounts capability.

use crate::auth::{parse_kind, parse_role};
use crate::context::ContextExt;
use crate::entities::{organization, partnership, user};
use crate::error::{ApiError, ApiResult};
use crate::tenancy::{Actor, Tenanted};
use async_graphql::{ComplexObject, Context, SimpleObject, ID};
use chrono::{DateTime, Utc};
pub use firstpass_shared::domain::{OrgKind, Role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use uuid::Uuid;

/// The actor to resolve for: the one attached to the object, else the request's reader.
fn viewer<'a>(ctx: &'a Context<'_>, attached: Option<&'a Actor>) -> ApiResult<&'a Actor> {
    match attached {
        Some(actor) => Ok(actor),
        None => ctx.reader(),
    }
}

/// An OEM or an EMS provider.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Organization {
    /// Unique id.
    pub id: ID,
    /// Display name, unique in the deployment.
    pub name: String,
    /// OEM or EMS.
    pub kind: OrgKind,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The id as a UUID, for queries.
    #[graphql(skip)]
    pub uuid: Uuid,
    /// Who child fields are resolved for when the request itself carries no credential
    /// (the payload of `login` and `refreshSession`).
    #[graphql(skip)]
    pub viewer: Option<Actor>,
}

impl Organization {
    /// Converts a row.
    pub fn from_model(model: organization::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ID(model.id.to_string()),
            name: model.name,
            kind: parse_kind(&model.kind)?,
            created_at: model.created_at,
            uuid: model.id,
            viewer: None,
        })
    }
}

#[ComplexObject]
impl Organization {
    /// The organizations this one is partnered with: an OEM's EMS providers, or an EMS's OEM
    /// customers. Listed only for the caller's own organization; empty for a partner's.
    async fn partners(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organization>> {
        let actor = viewer(ctx, self.viewer.as_ref())?;
        if actor.org_id != self.uuid {
            return Ok(Vec::new());
        }
        let db = &ctx.state().db;
        let own_column = match self.kind {
            OrgKind::Oem => partnership::Column::OemId,
            OrgKind::Ems => partnership::Column::EmsId,
        };
        let ids: Vec<Uuid> = partnership::Entity::find()
            .filter(own_column.eq(self.uuid))
            .all(db)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(|p| match self.kind {
                OrgKind::Oem => p.ems_id,
                OrgKind::Ems => p.oem_id,
            })
            .collect();
        let rows = organization::Entity::find()
            .filter(organization::Entity::visible_to(actor))
            .filter(organization::Column::Id.is_in(ids))
            .order_by_asc(organization::Column::Name)
            .all(db)
            .await
            .map_err(ApiError::from)?;
        Ok(rows
            .into_iter()
            .map(Organization::from_model)
            .collect::<ApiResult<_>>()?)
    }
}

/// A person who signs in to Firstpass.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct User {
    /// Unique id.
    pub id: ID,
    /// E-mail address, used to sign in.
    pub email: String,
    /// Full name, as printed on signatures.
    pub full_name: String,
    /// The user's role in its organization.
    pub role: Role,
    /// False once an admin has deactivated the user.
    pub active: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// The organization's id, for queries.
    #[graphql(skip)]
    pub organization_id: Uuid,
    /// Who child fields are resolved for when the request itself carries no credential
    /// (the payload of `login` and `refreshSession`).
    #[graphql(skip)]
    pub viewer: Option<Actor>,
}

impl User {
    /// Converts a row.
    pub fn from_model(model: user::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ID(model.id.to_string()),
            email: model.email,
            full_name: model.full_name,
            role: parse_role(&model.role)?,
            active: model.active,
            created_at: model.created_at,
            organization_id: model.organization_id,
            viewer: None,
        })
    }
}

#[ComplexObject]
impl User {
    /// The organization the user belongs to.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let actor = viewer(ctx, self.viewer.as_ref())?;
        let org = actor
            .load::<organization::Entity>(&ctx.state().db, self.organization_id)
            .await?;
        let mut org = Organization::from_model(org)?;
        org.viewer = self.viewer.clone();
        Ok(org)
    }
}

/// The result of signing in or refreshing a session.
#[derive(SimpleObject, Clone, Debug)]
pub struct AuthPayload {
    /// A JWT for `Authorization: Bearer …`; lives at most 15 minutes.
    pub access_token: String,
    /// Exchanges once for a new session with `refreshSession`; keep it secret.
    pub refresh_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: User,
}

/// Fields of a new user.
#[derive(async_graphql::InputObject, Debug)]
pub struct CreateUserInput {
    /// E-mail address; unique in the deployment.
    pub email: String,
    /// Full name.
    pub full_name: String,
    /// Role; must belong to the admin's kind of organization.
    pub role: Role,
    /// Initial password, at least 12 characters.
    pub password: String,
}

/// What the audit trail keeps of a user (never the password hash).
#[derive(Serialize, Debug)]
pub struct UserSnapshot<'a> {
    /// Id.
    pub id: Uuid,
    /// E-mail.
    pub email: &'a str,
    /// Full name.
    pub full_name: &'a str,
    /// Role.
    pub role: &'a str,
    /// Active flag.
    pub active: bool,
}

impl<'a> From<&'a user::Model> for UserSnapshot<'a> {
    fn from(u: &'a user::Model) -> Self {
        Self {
            id: u.id,
            email: &u.email,
            full_name: &u.full_name,
            role: &u.role,
            active: u.active,
        }
    }
}
