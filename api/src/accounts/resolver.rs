//! GraphQL queries and mutations of the accounts capability; thin calls into the service.

use super::cookie;
use super::model::{AuthPayload, CreateUserInput, User};
use super::service::{self, NewUser, Session};
use crate::context::ContextExt;
use crate::entities::{organization, user};
use crate::error::ApiError;
use crate::ids::parse_id;
use crate::policy::{authorize, Action};
use crate::tenancy::Actor;
use async_graphql::{Context, Object, Result, ID};
use axum::http::header;
use firstpass_shared::text::DisplayName;
use sea_orm::{EntityTrait, QueryOrder};

/// Answers with a session, putting the refresh token in the cookie when asked to.
async fn deliver(ctx: &Context<'_>, mut session: Session, in_cookie: bool) -> Result<AuthPayload> {
    if in_cookie {
        let max_age = service::REFRESH_TOKEN_TTL.num_seconds();
        ctx.append_http_header(
            header::SET_COOKIE,
            cookie::set(&session.refresh_token, max_age, ctx.request().https),
        );
        session.refresh_token = String::new();
    }
    payload(ctx, session).await
}

async fn payload(ctx: &Context<'_>, session: Session) -> Result<AuthPayload> {
    let org = organization::Entity::find_by_id(session.user.organization_id)
        .one(&ctx.state().db)
        .await
        .map_err(ApiError::from)?
        .ok_or(ApiError::Unauthenticated)?;
    let viewer = Actor::for_user(&session.user, &org)?;
    let mut user = User::from_model(session.user)?;
    user.viewer = Some(viewer);
    Ok(AuthPayload {
        access_token: session.access_token,
        refresh_token: session.refresh_token,
        expires_at: session.expires_at,
        user,
    })
}

/// Account queries.
#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in user (or, for an API token, `UNAUTHENTICATED`: tokens are not users).
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let actor = ctx.reader()?;
        let user_id = actor
            .user_id()
            .ok_or(ApiError::forbidden("an API token is not a user"))?;
        Ok(User::from_model(
            actor.load::<user::Entity>(&ctx.state().db, user_id).await?,
        )?)
    }

    /// Users of the caller's organization, by name.
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let actor = ctx.reader()?;
        let rows = actor
            .select::<user::Entity>()
            .order_by_asc(user::Column::FullName)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        Ok(rows
            .into_iter()
            .map(User::from_model)
            .collect::<Result<_, _>>()?)
    }

    /// One user of the caller's organization.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let actor = ctx.reader()?;
        let id = parse_id(&id, "user")?;
        Ok(User::from_model(
            actor.load::<user::Entity>(&ctx.state().db, id).await?,
        )?)
    }

    /// An organization: the caller's own or one of its partners.
    async fn organization(&self, ctx: &Context<'_>, id: ID) -> Result<super::model::Organization> {
        let actor = ctx.reader()?;
        let id = parse_id(&id, "organization")?;
        Ok(super::model::Organization::from_model(
            actor
                .load::<organization::Entity>(&ctx.state().db, id)
                .await?,
        )?)
    }
}

/// Account mutations.
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Signs in with e-mail and password. A wrong password and an unknown e-mail get the same
    /// `UNAUTHENTICATED` answer; repeated failures are slowed down, then `RATE_LIMITED`.
    /// Browsers pass `cookie: true`: the refresh token is then set as an `HttpOnly`,
    /// `SameSite=Strict` cookie instead of being returned (`refreshToken` is empty).
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
        #[graphql(default)] cookie: bool,
    ) -> Result<AuthPayload> {
        let request = ctx.request();
        let session = service::login(
            ctx.state(),
            &email,
            &password,
            request.client_ip,
            &request.request_id,
        )
        .await?;
        deliver(ctx, session, cookie).await
    }

    /// Exchanges a refresh token for a new session. Each refresh token works once; presenting a
    /// used one ends every session that descends from the same sign-in. Without `refreshToken`
    /// the session cookie is used, and the new token goes back into the cookie.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: Option<String>,
        #[graphql(default)] cookie: bool,
    ) -> Result<AuthPayload> {
        let from_cookie = refresh_token.is_none();
        let Some(token) = refresh_token.or_else(|| ctx.request().refresh_cookie.clone()) else {
            return Err(ApiError::Unauthenticated.into());
        };
        match service::refresh(ctx.state(), &token, &ctx.request().request_id).await {
            Ok(session) => deliver(ctx, session, cookie || from_cookie).await,
            Err(err) => {
                if from_cookie {
                    ctx.append_http_header(header::SET_COOKIE, cookie::clear());
                }
                Err(err.into())
            }
        }
    }

    /// Ends the session the refresh token (or the session cookie) belongs to; its access tokens
    /// expire on their own. Always answers true, so a client can always sign out.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: Option<String>) -> Result<bool> {
        ctx.append_http_header(header::SET_COOKIE, cookie::clear());
        let Some(token) = refresh_token.or_else(|| ctx.request().refresh_cookie.clone()) else {
            return Ok(true);
        };
        Ok(service::logout(ctx.state(), &token, &ctx.request().request_id).await?)
    }

    /// Changes the signed-in user's password; ends the user's sessions.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current: String,
        new: String,
    ) -> Result<bool> {
        let actor = ctx.writer()?;
        let meta = ctx.audit_meta(actor);
        Ok(service::change_password(
            ctx.state(),
            actor,
            &current,
            &new,
            ctx.request().client_ip,
            &meta,
        )
        .await?)
    }

    /// Creates a user in the admin's organization (OEM_ADMIN, EMS_ADMIN).
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let actor = ctx.writer()?;
        authorize(actor, Action::ManageUsers)?;
        let db = &ctx.state().db;
        let org = actor.load::<organization::Entity>(db, actor.org_id).await?;
        let new = NewUser {
            email: input.email,
            full_name: DisplayName::parse(&input.full_name)?,
            role: input.role,
            password: input.password,
        };
        let user = service::create_user(db, &org, new, &ctx.audit_meta(actor)).await?;
        Ok(User::from_model(user)?)
    }

    /// Deactivates a user of the admin's organization; their tokens stop working at once.
    async fn deactivate_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let actor = ctx.writer()?;
        let id = parse_id(&id, "user")?;
        let user =
            service::deactivate_user(&ctx.state().db, actor, id, &ctx.audit_meta(actor)).await?;
        Ok(User::from_model(user)?)
    }
}
