//! `/inbox`: what waits for the signed-in person, newest first, unread ones marked; and the
//! header's link with the unread count, both kept live by the `inboxUpdated` subscription.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::ops::{inbox, inbox_count, mark_inbox_read, Inbox, InboxCount, MarkInboxRead};
use crate::live::{watch_inbox, Mode};
use crate::session::Session;
use crate::ui::{short_time, ErrorLine, Loading};
use crate::words::{count, label};

/// Bumped whenever the server says the inbox changed; the app provides it to every page.
#[derive(Debug, Clone, Copy)]
pub struct InboxTick(pub RwSignal<u32>);

/// The app's inbox tick.
fn tick() -> RwSignal<u32> {
    use_context::<InboxTick>().map_or_else(|| RwSignal::new(0), |t| t.0)
}

/// The header's "Inbox" link with the unread count, updated live.
#[component]
pub fn InboxLink() -> impl IntoView {
    let session = Session::get();
    let tick = tick();
    let mode = RwSignal::new(Mode::Connecting);
    watch_inbox(tick, mode);
    let unread = LocalResource::new(move || {
        tick.track();
        session.run::<InboxCount>(inbox_count::Variables {})
    });
    let n = move || {
        unread
            .get()
            .and_then(Result::ok)
            .map_or(0, |d| d.inbox.unread)
    };
    view! {
        <A href="/inbox" attr:class="inbox-link" attr:id="inbox-link">
            "Inbox"
            <span
                id="inbox-count"
                class="count-badge"
                class:empty=move || n() == 0
                data-count=move || n().to_string()
                data-mode=move || mode.get().as_str()
                aria-label=move || count(n(), "unread entry", "unread entries")
            >
                {move || n().to_string()}
            </span>
        </A>
    }
}

/// `/inbox`.
#[component]
pub fn InboxPage() -> impl IntoView {
    let session = Session::get();
    let tick = tick();
    let unread_only = RwSignal::new(false);
    let page = LocalResource::new(move || {
        tick.track();
        let unread_only = unread_only.get();
        session.run::<Inbox>(inbox::Variables {
            unread_only,
            first: Some(200),
        })
    });
    let mark = Action::new_local(move |vars: &mark_inbox_read::Variables| {
        session.run::<MarkInboxRead>(vars.clone())
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = mark.value().get() {
            tick.update(|t| *t += 1);
        }
    });
    view! {
        <section class="card" aria-labelledby="inbox-title">
            <div class="card-head">
                <h1 id="inbox-title">"Inbox"</h1>
                <div class="actions">
                    <label class="checkbox-inline">
                        <input type="checkbox" id="inbox-unread-only" prop:checked=move || unread_only.get()
                            on:change=move |_| unread_only.update(|u| *u = !*u) />
                        " Unread only"
                    </label>
                    <button id="inbox-mark-all" type="button" class="button secondary" disabled=mark.pending()
                        on:click=move |_| { mark.dispatch(mark_inbox_read::Variables { ids: None, all: Some(true) }); }>
                        "Mark all read"
                    </button>
                </div>
            </div>
            {move || mark.value().get().and_then(Result::err).map(|error| view! { <ErrorLine error /> })}
            {move || match page.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(data)) => {
                    let entries = data.inbox.entries;
                    if entries.is_empty() {
                        return view! { <p class="muted" id="inbox-empty">"Nothing waits for you."</p> }.into_any();
                    }
                    view! {
                        <p class="muted small" id="inbox-summary">
                            {count(data.inbox.unread, "unread entry", "unread entries")}
                        </p>
                        <ul class="inbox" id="inbox-list">
                            {entries.into_iter().map(|e| {
                                let id = e.id.clone();
                                let unread = !e.read;
                                view! {
                                    <li data-testid="inbox-entry" data-kind=crate::ui::wire(&e.kind) data-read=e.read.to_string() class:unread=unread>
                                        <div class="inbox-main">
                                            <span class="badge">{label(&e.kind)}</span>
                                            <A href=e.link.clone() attr:class="inbox-title">{e.title.clone()}</A>
                                            <p class="small">{e.detail.clone()}</p>
                                        </div>
                                        <div class="inbox-side">
                                            <span class="muted small">{short_time(&e.at)}</span>
                                            {unread.then(|| view! {
                                                <button type="button" class="button secondary small" data-testid="inbox-mark"
                                                    on:click=move |_| { mark.dispatch(mark_inbox_read::Variables { ids: Some(vec![id.clone()]), all: None }); }>
                                                    "Mark read"
                                                </button>
                                            })}
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}
