//! The start page: what waits for me (by role), then who is signed in, for which organization,
//! working with whom.

use firstpass_shared::domain::{OrgKind, PackageStatus, Role};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::ops::{packages, Packages};
use crate::session::{Partner, Profile, Session};
use crate::ui::{short_time, ErrorLine, Loading, StatusBadge};

/// A role as people say it.
fn role_label(role: Role) -> &'static str {
    match role {
        Role::OemAdmin => "OEM administrator",
        Role::OemEngineer => "OEM engineer",
        Role::EmsAdmin => "EMS administrator",
        Role::EmsProgramManager => "EMS program manager",
        Role::EmsQuality => "EMS quality engineer",
        Role::EmsOperator => "EMS operator",
    }
}

/// An organization kind as people say it.
fn kind_label(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Oem => "OEM",
        OrgKind::Ems => "EMS",
    }
}

/// What the partners of an organization of this kind are called.
fn partners_heading(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Oem => "EMS partners",
        OrgKind::Ems => "OEM customers",
    }
}

/// `/`: the work waiting for the signed-in user, and their card (the route guard guarantees
/// a user).
#[component]
pub fn HomePage() -> impl IntoView {
    let session = Session::get();
    let kind = move || session.profile().map(|p| p.organization.kind);
    view! {
        {move || kind().map(|kind| view! { <WorkList kind /> })}
        {move || session.profile().map(|profile| view! { <ProfileCard profile /> })}
    }
}

/// The groups of the start page's work list: heading, test id, statuses.
fn work_groups(kind: OrgKind) -> Vec<(&'static str, &'static str, Vec<PackageStatus>)> {
    match kind {
        OrgKind::Oem => vec![
            ("Drafts", "drafts", vec![PackageStatus::Draft]),
            (
                "Changes requested",
                "changes-requested",
                vec![PackageStatus::ChangesRequested],
            ),
            (
                "With the EMS",
                "with-ems",
                vec![PackageStatus::Submitted, PackageStatus::InReview],
            ),
        ],
        OrgKind::Ems => vec![(
            "Packages to review",
            "to-review",
            vec![PackageStatus::Submitted, PackageStatus::InReview],
        )],
    }
}

/// What waits for me: the open packages of my organization, grouped by what to do next.
#[component]
fn WorkList(kind: OrgKind) -> impl IntoView {
    let session = Session::get();
    let packages = LocalResource::new(move || {
        session.run::<Packages>(packages::Variables {
            first: 100,
            after: None,
            filter: None,
        })
    });
    let body = move || match packages.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
        Some(Ok(data)) => {
            let nodes: Vec<_> = data
                .npi_packages
                .edges
                .into_iter()
                .map(|e| e.node)
                .collect();
            work_groups(kind)
                .into_iter()
                .map(|(title, testid, statuses)| {
                    let rows: Vec<_> = nodes
                        .iter()
                        .filter(|n| statuses.contains(&n.status))
                        .cloned()
                        .collect();
                    view! {
                        <div class="work-group" data-testid=testid>
                            <h3>{title} " " <span class="count">{rows.len()}</span></h3>
                            {if rows.is_empty() {
                                view! { <p class="muted">"Nothing here."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="work-items">
                                        {rows
                                            .into_iter()
                                            .map(|n| {
                                                view! {
                                                    <li data-testid="work-item">
                                                        <A href=format!("/packages/{}", n.id)>
                                                            {format!(
                                                                "{} {} rev {}",
                                                                n.product.part_number,
                                                                n.product.name,
                                                                n.revision,
                                                            )}
                                                        </A>
                                                        " "
                                                        <StatusBadge status=n.status />
                                                        <span class="muted small">
                                                            {format!(
                                                                " {} → {} · {}",
                                                                n.oem.name,
                                                                n.ems.name,
                                                                short_time(&n.updated_at),
                                                            )}
                                                        </span>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }}
                        </div>
                    }
                })
                .collect_view()
                .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="work-title" id="work">
            <div class="card-head">
                <h1 id="work-title">"Waiting for you"</h1>
                {(kind == OrgKind::Oem)
                    .then(|| {
                        view! {
                            <A href="/packages/new" attr:class="button primary">
                                "New package"
                            </A>
                        }
                    })}
            </div>
            {body}
        </section>
    }
}

#[component]
fn ProfileCard(profile: Profile) -> impl IntoView {
    let org = profile.organization;
    let partners = org.partners;
    let partner_list = if partners.is_empty() {
        view! { <p class="muted" id="no-partners">"No partnerships yet."</p> }.into_any()
    } else {
        view! {
            <ul class="partners" id="partners">
                {partners.into_iter().map(|p| view! { <PartnerItem partner=p /> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="user-name">
            <h2 id="user-name">{profile.full_name}</h2>
            <dl class="facts">
                <dt>"Email"</dt>
                <dd id="user-email">{profile.email}</dd>
                <dt>"Role"</dt>
                <dd id="user-role" data-role=profile.role.as_str()>{role_label(profile.role)}</dd>
                <dt>"Organization"</dt>
                <dd>
                    <span id="org-name">{org.name}</span>
                    " "
                    <span class="badge" id="org-kind" data-kind=org.kind.as_str()>
                        {kind_label(org.kind)}
                    </span>
                </dd>
            </dl>
        </section>
        <section class="card" aria-labelledby="partners-title">
            <h2 id="partners-title">{partners_heading(org.kind)}</h2>
            {partner_list}
        </section>
    }
}

#[component]
fn PartnerItem(partner: Partner) -> impl IntoView {
    view! {
        <li data-testid="partner" data-id=partner.id>
            <span class="partner-name">{partner.name}</span>
            <span class="badge">{kind_label(partner.kind)}</span>
        </li>
    }
}
