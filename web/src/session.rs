//! Who is signed in, shared with every page through a context.
//!
//! The access token lives in memory only (a reload forgets it). The refresh token is kept in
//! the tab's `sessionStorage` so a reload or a new page load in the same tab can restore the
//! session with `refreshSession`; it is gone when the tab closes, and sign-out removes it.
//! Every authenticated call goes through [`Session::run`], which renews the access token once
//! when the server answers UNAUTHENTICATED and signs out locally when that fails too.

use firstpass_shared::domain::{ErrorCode, OrgKind, Role};
use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ops::{login, logout, me, refresh, Login, Logout, Me, Refresh};
use crate::api::{self, ApiError};

/// `sessionStorage` key of the refresh token.
const REFRESH_TOKEN_KEY: &str = "firstpass.refresh_token";

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
profile_from!(me);

/// Where the session stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// At start-up, while a stored refresh token is being tried.
    Restoring,
    /// Nobody is signed in.
    SignedOut,
    /// Somebody is signed in.
    SignedIn(Profile),
}

/// The token pair of the signed-in user.
#[derive(Debug, Clone)]
struct Tokens {
    access: String,
    refresh: String,
}

/// Handle on the session; cheap to copy, obtained with [`Session::get`].
#[derive(Debug, Clone, Copy)]
pub struct Session {
    status: RwSignal<Status>,
    tokens: StoredValue<Option<Tokens>>,
}

impl Session {
    /// Creates the session for the whole app, provides it as context and starts restoring a
    /// session left by an earlier page load in this tab.
    pub fn provide() -> Self {
        let session = Session {
            status: RwSignal::new(Status::Restoring),
            tokens: StoredValue::new(None),
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
        self.keep_tokens(Tokens {
            access: login.access_token,
            refresh: login.refresh_token,
        });
        self.status.set(Status::SignedIn(login.user.into()));
        Ok(())
    }

    /// Ends the session on the server (best effort) and forgets it here in any case.
    pub async fn sign_out(self) {
        let tokens = self.tokens.get_value();
        self.forget();
        if let Some(tokens) = tokens {
            let variables = logout::Variables {
                refresh_token: tokens.refresh,
            };
            // Already signed out here; a failure only leaves a refresh token to expire.
            let _ = api::execute::<Logout>(variables, Some(&tokens.access)).await;
        }
    }

    /// Runs an operation as the signed-in user, renewing the access token once if the server
    /// says it is no longer valid. Signs out locally when renewing fails.
    pub async fn run<Q>(self, variables: Q::Variables) -> Result<Q::ResponseData, ApiError>
    where
        Q: GraphQLQuery,
        Q::Variables: Clone,
    {
        let access = self
            .tokens
            .with_value(|t| t.as_ref().map(|t| t.access.clone()));
        let Some(access) = access else {
            return Err(not_signed_in());
        };
        match api::execute::<Q>(variables.clone(), Some(&access)).await {
            Err(e) if e.code() == Some(ErrorCode::Unauthenticated) => {
                let access = self.renew().await?;
                api::execute::<Q>(variables, Some(&access)).await
            }
            other => other,
        }
    }

    /// Restores the session of this tab from its stored refresh token, if any.
    async fn restore(self) {
        if stored_refresh_token().is_none() {
            self.status.set(Status::SignedOut);
            return;
        }
        let restored = async {
            self.renew().await?;
            self.run::<Me>(me::Variables).await
        }
        .await;
        match restored {
            Ok(data) => self.status.set(Status::SignedIn(data.me.into())),
            Err(_) => self.forget(),
        }
    }

    /// Trades the refresh token for a new pair; returns the new access token.
    async fn renew(self) -> Result<String, ApiError> {
        let refresh_token = self
            .tokens
            .with_value(|t| t.as_ref().map(|t| t.refresh.clone()))
            .or_else(stored_refresh_token)
            .ok_or_else(not_signed_in)?;
        match api::execute::<Refresh>(refresh::Variables { refresh_token }, None).await {
            Ok(data) => {
                let renewed = data.refresh_session;
                let access = renewed.access_token.clone();
                self.keep_tokens(Tokens {
                    access: renewed.access_token,
                    refresh: renewed.refresh_token,
                });
                Ok(access)
            }
            Err(e) => {
                if e.code() == Some(ErrorCode::Unauthenticated) {
                    self.forget();
                }
                Err(e)
            }
        }
    }

    fn keep_tokens(&self, tokens: Tokens) {
        store_refresh_token(Some(&tokens.refresh));
        self.tokens.set_value(Some(tokens));
    }

    fn forget(&self) {
        store_refresh_token(None);
        self.tokens.set_value(None);
        self.status.set(Status::SignedOut);
    }
}

fn not_signed_in() -> ApiError {
    ApiError::Server {
        code: Some(ErrorCode::Unauthenticated),
        message: "not signed in".to_owned(),
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn stored_refresh_token() -> Option<String> {
    session_storage()?
        .get_item(REFRESH_TOKEN_KEY)
        .ok()
        .flatten()
}

/// Stores or removes the refresh token; storage may be unavailable (private modes), in which
/// case the session simply does not survive a reload.
fn store_refresh_token(token: Option<&str>) {
    if let Some(storage) = session_storage() {
        let _ = match token {
            Some(token) => storage.set_item(REFRESH_TOKEN_KEY, token),
            None => storage.remove_item(REFRESH_TOKEN_KEY),
        };
    }
}
