//! What every resolver can reach: the shared state and the current request.

use crate::audit::AuditMeta;
use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::LoginThrottle;
use crate::auth::Authentication;
use crate::blobs::BlobStore;
use crate::builds::events::BuildEvents;
use crate::config::Limits;
use crate::error::{ApiError, ApiResult};
use crate::tenancy::Actor;
use firstpass_shared::domain::Scope;
use sea_orm::DatabaseConnection;
use std::net::IpAddr;
use std::sync::Arc;

/// State shared by every request of one server.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Where file bytes live.
    pub blobs: BlobStore,
    /// Build change notifications for subscriptions.
    pub build_events: BuildEvents,
    /// Access-token keys.
    pub jwt: Arc<JwtKeys>,
    /// Failed sign-in throttle.
    pub throttle: Arc<LoginThrottle>,
    /// Request limits.
    pub limits: Limits,
    /// One lock per package around computing its derived data, so concurrent readers of a
    /// picture that was never stored render it once.
    pub derived_locks: Arc<crate::packages::analysis::KeyedLocks>,
    /// The outcome of the start-up sweep of orphan blobs, once it has run.
    pub orphan_sweep: crate::packages::sweep::SweepStatus,
    /// A hash of a random password, verified against when an e-mail is unknown so that an
    /// unknown account and a wrong password take the same time.
    pub decoy_hash: Arc<String>,
    /// Turns true when the server begins to stop; long-lived connections (WebSockets) close.
    pub shutdown: Arc<tokio::sync::watch::Sender<bool>>,
    /// Webhook settings, delivery clock and worker wake-up.
    pub webhooks: crate::webhooks::Webhooks,
}

/// Facts about the current request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The request id (also in the `x-request-id` response header and the log).
    pub request_id: String,
    /// The client's address.
    pub client_ip: IpAddr,
    /// The credential presented.
    pub auth: Authentication,
    /// The refresh token from the session cookie, if the browser sent one.
    pub refresh_cookie: Option<String>,
    /// Whether the client came over HTTPS (then cookies are marked `Secure`).
    pub https: bool,
}

/// Accessors on the GraphQL context; every resolver goes through these.
pub trait ContextExt {
    /// The shared state.
    fn state(&self) -> &AppState;
    /// The current request.
    fn request(&self) -> &RequestContext;
    /// The current operation's batch loaders.
    fn loaders(&self) -> &crate::loaders::Loaders;

    /// The caller, for reads: `UNAUTHENTICATED` without a valid credential; tokens need READ.
    fn reader(&self) -> ApiResult<&Actor> {
        let actor = self.authenticated()?;
        actor.require_scope(Scope::Read)?;
        Ok(actor)
    }

    /// The caller, for changes: `UNAUTHENTICATED` without a valid credential; tokens need WRITE.
    fn writer(&self) -> ApiResult<&Actor> {
        let actor = self.authenticated()?;
        actor.require_scope(Scope::Write)?;
        Ok(actor)
    }

    /// The caller, whatever its scopes.
    fn authenticated(&self) -> ApiResult<&Actor> {
        match &self.request().auth {
            Authentication::Authenticated(actor) => Ok(actor),
            Authentication::Anonymous | Authentication::Invalid => Err(ApiError::Unauthenticated),
        }
    }

    /// Audit metadata for a change made by `actor` in this request.
    fn audit_meta(&self, actor: &Actor) -> AuditMeta {
        AuditMeta::for_actor(actor, Some(self.request().request_id.clone()))
    }
}

impl ContextExt for async_graphql::Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }
    fn request(&self) -> &RequestContext {
        self.data_unchecked::<RequestContext>()
    }
    fn loaders(&self) -> &crate::loaders::Loaders {
        self.data_unchecked::<crate::loaders::Loaders>()
    }
}
