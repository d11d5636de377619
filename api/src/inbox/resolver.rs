//! GraphQL of the inbox: the `inbox` query, `markInboxRead` and the `inboxUpdated`
//! subscription.

use super::model::Inbox;
use super::service;
use crate::context::ContextExt;
use async_graphql::{Context, Object, Result, Subscription, ID};
use futures_util::Stream;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Entries per answer unless asked otherwise, and at most.
const DEFAULT_FIRST: i32 = 50;
const MAX_FIRST: i32 = 200;
/// How often an open subscription looks again without being nudged.
const RECHECK: Duration = Duration::from_secs(3);

fn first_of(first: Option<i32>) -> Result<usize> {
    let first = first.unwrap_or(DEFAULT_FIRST);
    if !(1..=MAX_FIRST).contains(&first) {
        return Err(crate::error::ApiError::bad_input(format!(
            "first must be between 1 and {MAX_FIRST}"
        ))
        .into());
    }
    Ok(first as usize)
}

/// Inbox queries.
#[derive(Default)]
pub struct InboxQuery;

#[Object]
impl InboxQuery {
    /// What waits for the signed-in person, newest first: packages to review, questions on
    /// their packages, packages accepted, FAIs to sign, units on hold, late builds; each read
    /// or unread for this person. `first` defaults to 50 and is at most 200. API tokens have
    /// no inbox.
    async fn inbox(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] unread_only: bool,
        first: Option<i32>,
    ) -> Result<Inbox> {
        let actor = ctx.reader()?;
        let first = first_of(first)?;
        Ok(service::inbox(&ctx.state().db, actor, unread_only, first).await?)
    }
}

/// Inbox mutations.
#[derive(Default)]
pub struct InboxMutation;

#[Object]
impl InboxMutation {
    /// Marks entries of one's inbox read (`ids`, from `inbox`), or all of them with
    /// `all: true`; returns the inbox (its first 50 entries). An id not in one's inbox answers NOT_FOUND.
    async fn mark_inbox_read(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
        all: Option<bool>,
    ) -> Result<Inbox> {
        let actor = ctx.writer()?;
        let db = &ctx.state().db;
        let ids = ids.unwrap_or_default();
        service::mark_read(db, actor, &ids, all.unwrap_or(false)).await?;
        Ok(service::inbox(db, actor, false, DEFAULT_FIRST as usize).await?)
    }
}

/// Inbox subscriptions.
#[derive(Default)]
pub struct InboxSubscription;

#[Subscription]
impl InboxSubscription {
    /// The signed-in person's inbox (up to `first` entries, default 50), sent at once and then
    /// whenever it changes: a new entry, one gone, one read. Send the bearer token in the
    /// `connection_init` payload as `Authorization`.
    async fn inbox_updated(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> Result<impl Stream<Item = Result<Inbox>>> {
        let actor = ctx.reader()?.clone();
        let first = first_of(first)?;
        let state = ctx.state().clone();
        // Refused here, not in the stream, when the caller has no inbox.
        let initial = service::inbox(&state.db, &actor, false, first).await?;
        let builds = state.build_events.subscribe();
        let nudges = super::nudges().subscribe();
        Ok(futures_util::stream::unfold(
            (Some(initial), None::<Inbox>, builds, nudges, state, actor),
            move |(pending, last, mut builds, mut nudges, state, actor)| async move {
                if let Some(inbox) = pending {
                    return Some((
                        Ok(inbox.clone()),
                        (None, Some(inbox), builds, nudges, state, actor),
                    ));
                }
                loop {
                    tokio::select! {
                        changed = builds.recv() => {
                            if matches!(changed, Err(RecvError::Closed)) {
                                return None;
                            }
                        }
                        nudged = nudges.recv() => {
                            if matches!(nudged, Err(RecvError::Closed)) {
                                return None;
                            }
                        }
                        () = tokio::time::sleep(RECHECK) => {}
                    }
                    match service::inbox(&state.db, &actor, false, first).await {
                        Ok(inbox) if last.as_ref() == Some(&inbox) => continue,
                        Ok(inbox) => {
                            return Some((
                                Ok(inbox.clone()),
                                (None, Some(inbox), builds, nudges, state, actor),
                            ))
                        }
                        Err(err) => {
                            return Some((
                                Err(err.into()),
                                (None, last, builds, nudges, state, actor),
                            ))
                        }
                    }
                }
            },
        ))
    }
}
