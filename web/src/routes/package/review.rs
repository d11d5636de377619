//! The workflow actions the viewer's role allows, and the review thread.

use std::sync::Arc;

use firstpass_shared::cad::Severity;
use firstpass_shared::domain::{OrgKind, PackageStatus, ReviewDecision, Role};
use leptos::ev::SubmitEvent;
use leptos::html::Button;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::Pkg;
use crate::api::ops::{
    accept_package, add_comment, create_revision, request_changes, start_review, submit_package,
    AcceptPackage, AddComment, CreateRevision, RequestChanges, StartReview, SubmitPackage,
};
use crate::api::ApiError;
use crate::session::Session;
use crate::ui::{short_time, ErrorLine};

/// An irreversible step waiting for confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirm {
    Submit,
    Accept,
}

/// Submit / new revision (OEM), start review / accept / request changes (EMS program manager).
#[component]
pub fn Actions(p: Arc<Pkg>, reload: Callback<()>) -> impl IntoView {
    let session = Session::get();
    let Some(profile) = session.profile() else {
        return ().into_any();
    };
    let oem = profile.organization.kind == OrgKind::Oem;
    let reviewer = matches!(profile.role, Role::EmsProgramManager);
    let status = p.status;
    let blocked = p.findings.iter().any(|f| f.severity == Severity::Error);
    let id = p.id.clone();
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let confirming = RwSignal::new(None::<Confirm>);
    let comment = RwSignal::new(String::new());
    let new_revision = RwSignal::new(next_revision(&p.revision));
    let navigate = use_navigate();

    // Runs one step; on success reloads the page's package.
    let act = {
        let id = id.clone();
        move |step: &'static str| {
            let id = id.clone();
            let text = comment.get_untracked();
            busy.set(true);
            spawn_local(async move {
                let result = match step {
                    "submit" => session
                        .run::<SubmitPackage>(submit_package::Variables { id })
                        .await
                        .map(drop),
                    "start" => session
                        .run::<StartReview>(start_review::Variables { id })
                        .await
                        .map(drop),
                    "accept" => session
                        .run::<AcceptPackage>(accept_package::Variables { id, comment: text })
                        .await
                        .map(drop),
                    _ => session
                        .run::<RequestChanges>(request_changes::Variables { id, comment: text })
                        .await
                        .map(drop),
                };
                busy.set(false);
                confirming.set(None);
                match result {
                    Ok(()) => {
                        error.set(None);
                        comment.set(String::new());
                        reload.run(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let act = StoredValue::new(act);
    let on_revision = {
        let id = id.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let from_package_id = id.clone();
            let revision = new_revision.get_untracked().trim().to_owned();
            let navigate = navigate.clone();
            spawn_local(async move {
                match session
                    .run::<CreateRevision>(create_revision::Variables {
                        from_package_id,
                        revision,
                    })
                    .await
                {
                    Ok(data) => navigate(
                        &format!("/packages/{}", data.create_revision.id),
                        Default::default(),
                    ),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };

    let confirm_button = NodeRef::<Button>::new();
    Effect::new(move |_| {
        if confirming.get().is_some() {
            if let Some(b) = confirm_button.get() {
                let _ = b.focus();
            }
        }
    });
    let ems_name = p.ems.name.clone();
    let confirm_text = move || {
        match confirming.get() {
        Some(Confirm::Submit) => format!(
            "Submit this package to {ems_name}? Its files are frozen and a content hash is recorded; this cannot be undone."
        ),
        Some(Confirm::Accept) => "Accept this package for manufacture? An accepted revision is frozen for good.".to_owned(),
        None => String::new(),
    }
    };

    let editable = matches!(
        status,
        PackageStatus::Draft | PackageStatus::ChangesRequested
    );
    view! {
        <div class="actions-bar" role="group" aria-label="Actions">
            {(oem && editable).then(|| view! {
                <button type="button" id="submit-package" class="button primary"
                    disabled=move || busy.get() || blocked
                    aria-describedby="submit-help"
                    on:click=move |_| confirming.set(Some(Confirm::Submit))>
                    "Submit to EMS…"
                </button>
                <span class="muted small" id="submit-help">
                    {if blocked { "Fix the ERROR findings to submit." } else { "No blocking findings." }}
                </span>
            })}
            {(oem && status == PackageStatus::Accepted).then(|| view! {
                <form class="inline-form" on:submit=on_revision.clone()>
                    <label for="new-revision">"New revision"</label>
                    <input id="new-revision" required maxlength="16" bind:value=new_revision />
                    <button type="submit" id="create-revision" class="button secondary">"Start revision"</button>
                </form>
            })}
            {(reviewer && status == PackageStatus::Submitted).then(|| view! {
                <button type="button" id="start-review" class="button primary" disabled=move || busy.get()
                    on:click=move |_| act.with_value(|a| a("start"))>
                    "Start review"
                </button>
            })}
            {(reviewer && status == PackageStatus::InReview).then(|| view! {
                <div class="review-form">
                    <div class="field">
                        <label for="review-comment">"Review comment " <span class="muted">"(required to request changes)"</span></label>
                        <textarea id="review-comment" rows="3" bind:value=comment></textarea>
                    </div>
                    <div class="button-row">
                        <button type="button" id="accept-package" class="button primary" disabled=move || busy.get()
                            on:click=move |_| confirming.set(Some(Confirm::Accept))>
                            "Accept…"
                        </button>
                        <button type="button" id="request-changes" class="button secondary"
                            disabled=move || busy.get() || comment.with(|c| c.trim().is_empty())
                            on:click=move |_| act.with_value(|a| a("changes"))>
                            "Request changes"
                        </button>
                    </div>
                </div>
            })}
        </div>
        <Show when=move || confirming.get().is_some()>
            <div class="confirm" role="alertdialog" aria-labelledby="confirm-text" aria-modal="false">
                <p id="confirm-text">{confirm_text.clone()}</p>
                <div class="button-row">
                    <button type="button" id="confirm" class="button primary" node_ref=confirm_button disabled=move || busy.get()
                        on:click=move |_| {
                            let step = if confirming.get_untracked() == Some(Confirm::Submit) { "submit" } else { "accept" };
                            act.with_value(|a| a(step));
                        }>
                        "Yes, go ahead"
                    </button>
                    <button type="button" id="cancel" class="button secondary" on:click=move |_| confirming.set(None)>
                        "Cancel"
                    </button>
                </div>
            </div>
        </Show>
        {move || error.get().map(|error| view! { <ErrorLine error /> })}
    }
    .into_any()
}

/// B after A, 02 after 01; otherwise empty for the user to fill in.
fn next_revision(current: &str) -> String {
    if let Ok(n) = current.parse::<u32>() {
        return format!("{:0width$}", n + 1, width = current.len());
    }
    match current.chars().collect::<Vec<_>>().as_slice() {
        [c] if c.is_ascii_uppercase() && *c != 'Z' => ((*c as u8 + 1) as char).to_string(),
        _ => String::new(),
    }
}

/// One entry of the thread.
struct Entry {
    at: String,
    kind: &'static str,
    who: String,
    title: String,
    body: String,
}

/// Submissions, reviews and comments in time order, and a form to add a comment.
#[component]
pub fn Thread(
    p: Arc<Pkg>,
    reload: Callback<()>,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = Session::get();
    let mut entries: Vec<Entry> = Vec::new();
    for s in &p.submissions {
        entries.push(Entry {
            at: s.submitted_at.clone(),
            kind: "submission",
            who: format!(
                "{} ({})",
                s.submitted_by.full_name, s.submitted_by.organization_name
            ),
            title: format!("Submission {}", s.number),
            body: format!("Content hash {}", s.content_hash),
        });
    }
    for r in &p.reviews {
        entries.push(Entry {
            at: r.created_at.clone(),
            kind: "review",
            who: format!(
                "{} ({})",
                r.reviewer.full_name, r.reviewer.organization_name
            ),
            title: match r.decision {
                ReviewDecision::Accept => format!("Accepted submission {}", r.submission_number),
                ReviewDecision::RequestChanges => {
                    format!("Requested changes to submission {}", r.submission_number)
                }
            },
            body: r.comment.clone(),
        });
    }
    for c in &p.comments {
        let about = c.anchor.as_ref().and_then(|a| {
            a.designator
                .clone()
                .map(|d| format!("about {d}"))
                .or_else(|| a.file.clone().map(|f| format!("about {f}")))
        });
        entries.push(Entry {
            at: c.created_at.clone(),
            kind: "comment",
            who: format!("{} ({})", c.author.full_name, c.author.organization_name),
            title: about.map_or_else(|| "Comment".to_owned(), |a| format!("Comment {a}")),
            body: c.body.clone(),
        });
    }
    entries.sort_by(|a, b| a.at.cmp(&b.at));

    let body = RwSignal::new(String::new());
    let about_part = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let package_id = p.id.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = body.get_untracked();
        if text.trim().is_empty() {
            error.set(Some(ApiError::Server {
                code: None,
                message: "Write a comment first.".to_owned(),
            }));
            return;
        }
        let anchor = about_part
            .get_untracked()
            .then(|| selected.get_untracked())
            .flatten()
            .map(|d| add_comment::CommentAnchorInput {
                designator: Some(d),
                file: None,
            });
        let package_id = package_id.clone();
        pending.set(true);
        spawn_local(async move {
            let result = session
                .run::<AddComment>(add_comment::Variables {
                    package_id,
                    body: text,
                    anchor,
                })
                .await;
            pending.set(false);
            match result {
                Ok(_) => {
                    body.set(String::new());
                    error.set(None);
                    reload.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    view! {
        <section class="card" aria-labelledby="thread-title">
            <h2 id="thread-title">"Review thread"</h2>
            {if entries.is_empty() {
                view! { <p class="muted">"Nothing yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="thread" id="thread">
                        {entries.into_iter().map(|e| view! {
                            <li class=format!("entry {}", e.kind) data-testid="thread-entry" data-kind=e.kind>
                                <div class="entry-head">
                                    <strong>{e.title}</strong>
                                    <span class="muted small">{format!(" · {} · {}", e.who, short_time(&e.at))}</span>
                                </div>
                                {(!e.body.is_empty()).then(|| view! { <p class="entry-body">{e.body}</p> })}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <form class="form comment-form" on:submit=on_submit>
                <div class="field">
                    <label for="comment-body">"Add a comment"</label>
                    <textarea id="comment-body" rows="3" bind:value=body></textarea>
                </div>
                <div class="field checkbox">
                    <input id="comment-about" type="checkbox" bind:checked=about_part disabled=move || selected.get().is_none() />
                    <label for="comment-about">
                        {move || match selected.get() {
                            Some(d) => format!("About the selected part {d}"),
                            None => "About a part (select one on the board first)".to_owned(),
                        }}
                    </label>
                </div>
                {move || error.get().map(|error| view! { <ErrorLine error /> })}
                <button type="submit" id="add-comment" class="button secondary" disabled=move || pending.get()>"Add comment"</button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::next_revision;

    #[test]
    fn revisions_count_on() {
        assert_eq!(next_revision("A"), "B");
        assert_eq!(next_revision("01"), "02");
        assert_eq!(next_revision("Z"), "");
    }
}
