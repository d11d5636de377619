//! Who is signed in, shared with every page through a context.
//!
//! No long-lived secret is readable by page scripts: the refresh token lives in an `HttpOnly`,
//! `SameSite=Strict` cookie that the server sets on `login(cookie: true)` and reads on
//! `refreshSession`; the access token lives in memory only. At start-up the app asks
//! `refreshSession` to restore the session from the cookie (a reload stays signed in).
//! Every authenticated call goes through [`Session::authorized`], which renews the access token
//! once when the server answers UNAUTHENTICATED; concurrent renewals share one request (the
//! refresh token is single-use, so two parallel refreshes would end the session).

use std::future::Future;

use firstpass_shared::domain::{ErrorCode, OrgKind, Role};
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ops::{login, logout, refresh, Login, Logout, Refresh};
use crate::api::{self, ApiError};

/// The signed-in user as the pages see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The user's id.
    pub id: String,
    /// Sign-in email.
    pub email: String,
    /// Name to show.
    pub full_name: String,
    /// The one role the user has in their organization.
    pub role: Role,
    /// The organization the user belongs to.
    pub organization: Organization,
}

/// The user's organization and the organizations it works with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// The organization's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// OEM or EMS.
    pub kind: OrgKind,
    /// EMS partners of an OEM, or OEM customers of an EMS.
    pub partners: Vec<Partner>,
}

/// One organization on the other side of a partnership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    /// The partner's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// OEM or EMS.
    pub kind: OrgKind,
}

/// Converts an operation's generated `CurrentUser` fragment into a [`Profile`]; every
/// operation module has its own copy of the fragment types.
macro_rules! profile_from {
    ($module:ident) => {
        impl From<$module::CurrentUser> for Profile {
            fn from(user: $module::CurrentUser) -> Self {
                let org = user.organization;
                Profile {
                    id: user.id,
                    email: user.email,
                    full_name: user.full_name,
                    role: user.role,
                    organization: Organization {
                        id: org.id,
                        name: org.name,
                        kind: org.kind,
                        partners: org
                            .partners
                            .into_iter()
                            .map(|p| Partner {
                                id: p.id,
                                name: p.name,
                                kind: p.kind,
                            })
                            .collect(),
                    },
                }
            }
        }
    };
}
profile_from!(login);
profile_from!(refresh);

/// Where the session stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// At start-up, while the session cookie is being tried.
    Restoring,
    /// Nobody is signed in.
    SignedOut,
    /// Somebody is signed in.
    SignedIn(Profile),
}

/// A renewal in flight, awaited by everyone who needs a fresh access token meanwhile.
type Renewal = Shared<LocalBoxFuture<'static, Result<String, ApiError>>>;

/// Handle on the session; cheap to copy, obtained with [`Session::get`].
#[derive(Debug, Clone, Copy)]
pub struct Session {
    status: RwSignal<Status>,
    access: StoredValue<Option<String>>,
    renewal: StoredValue<Option<Renewal>, LocalStorage>,
}

impl Session {
    /// Creates the session for the whole app, provides it as context and starts restoring a
    /// session from the cookie.
    pub fn provide() -> Self {
        let session = Session {
            status: RwSignal::new(Status::Restoring),
            access: StoredValue::new(None),
            renewal: StoredValue::new_local(None),
        };
        provide_context(session);
        spawn_local(session.restore());
        session
    }

    /// The session provided by [`Session::provide`].
    pub fn get() -> Self {
        expect_context::<Session>()
    }

    /// The signed-in user, if any (reactive).
    pub fn profile(&self) -> Option<Profile> {
        self.status.with(|status| match status {
            Status::SignedIn(profile) => Some(profile.clone()),
            Status::Restoring | Status::SignedOut => None,
        })
    }

    /// `Some(signed in?)` once known, `None` while restoring; the shape route guards want.
    pub fn is_signed_in(&self) -> Option<bool> {
        self.status.with(|status| match status {
            Status::Restoring => None,
            Status::SignedOut => Some(false),
            Status::SignedIn(_) => Some(true),
        })
    }

    /// Signs in with email and password.
    pub async fn sign_in(self, email: String, password: String) -> Result<(), ApiError> {
        let data = api::execute::<Login>(login::Variables { email, password }, None).await?;
        let login = data.login;
        self.access.set_value(Some(login.access_token));
        self.status.set(Status::SignedIn(login.user.into()));
        Ok(())
    }

    /// Ends the session on the server (which clears the cookie) and forgets it here.
    pub async fn sign_out(self) {
        let access = self.access.get_value();
        self.forget();
        // Already signed out here; a failure only leaves a refresh token to expire.
        let _ = api::execute::<Logout>(logout::Variables, access.as_deref()).await;
    }

    /// Runs an operation as the signed-in user (see [`Session::authorized`]).
    pub async fn run<Q>(self, variables: Q::Variables) -> Result<Q::ResponseData, ApiError>
    where
        Q: GraphQLQuery,
        Q::Variables: Clone,
    {
        let body = api::encode::<Q>(variables)?;
        api::typed(self.run_raw(body).await?)
    }

    /// [`Session::run`] with the operation already encoded: the one copy of the request path
    /// that every operation shares (a generic `run` would be compiled once per operation).
    async fn run_raw(self, body: String) -> Result<serde_json::Value, ApiError> {
        self.authorized(move |token| {
            let body = body.clone();
            async move { api::execute_raw(body, Some(&token)).await }
        })
        .await
    }

    /// Runs `request` with the access token; when the server says the token is no longer
    /// valid, renews it once (sharing a renewal already under way) and runs `request` again.
    /// Signs out locally when renewing fails for want of a session.
    pub async fn authorized<T, F, Fut>(self, request: F) -> Result<T, ApiError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let access = match self.access.get_value() {
            Some(access) => access,
            None => self.renew().await?,
        };
        match request(access).await {
            Err(e) if e.code() == Some(ErrorCode::Unauthenticated) => {
                let access = self.renew().await?;
                request(access).await
            }
            other => other,
        }
    }

    /// Restores the session from the cookie, if the browser holds one.
    async fn restore(self) {
        if self.renew().await.is_err() {
            self.access.set_value(None);
            self.status.set(Status::SignedOut);
        }
    }

    /// A new access token from the cookie's refresh token; callers arriving while a renewal is
    /// under way wait for that one instead of spending the (single-use) token again.
    async fn renew(self) -> Result<String, ApiError> {
        let pending = self.renewal.get_value();
        let renewal = match pending {
            Some(renewal) => renewal,
            None => {
                let renewal = self.renew_now().boxed_local().shared();
                self.renewal.set_value(Some(renewal.clone()));
                renewal
            }
        };
        renewal.await
    }

    async fn renew_now(self) -> Result<String, ApiError> {
        let result = api::execute::<Refresh>(refresh::Variables, None).await;
        self.renewal.set_value(None);
        match result {
            Ok(data) => {
                let renewed = data.refresh_session;
                let profile = Profile::from(renewed.user);
                self.access.set_value(Some(renewed.access_token.clone()));
                let changed = self.status.with_untracked(
                    |status| !matches!(status, Status::SignedIn(p) if *p == profile),
                );
                if changed {
                    self.status.set(Status::SignedIn(profile));
                }
                Ok(renewed.access_token)
            }
            Err(e) => {
                if e.code() == Some(ErrorCode::Unauthenticated) {
                    self.forget();
                }
                Err(e)
            }
        }
    }

    fn forget(&self) {
        self.access.set_value(None);
        self.status.set(Status::SignedOut);
    }
}
