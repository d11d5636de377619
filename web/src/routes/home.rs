//! The start page: what waits for me (by role), then who is signed in, for which organization,
//! working with whom.

use firstpass_shared::domain::{OrgKind, PackageStatus, Role};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::ops::{builds, fai_reports, packages, Builds, FaiReports, Packages};
use crate::routes::floor::{plans, FloorBuildsList};
use crate::session::{Partner, Profile, Session};
use crate::ui::{
    from_wire, label, percent, short_time, wire, ErrorLine, Loading, StatusBadge, WireBadge,
};

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
    let me = Memo::new(move |_| session.profile().map(|p| (p.organization.kind, p.role)));
    view! {
        {move || me.get().map(|(kind, role)| match kind {
            OrgKind::Oem => view! { <WorkList kind /> }.into_any(),
            // Those who review packages and plan builds see both.
            OrgKind::Ems if plans(role) => view! {
                <WorkList kind />
                <FloorCard role main=false />
            }.into_any(),
            // The floor sees its builds and stations first.
            OrgKind::Ems => view! { <FloorCard role main=true /> }.into_any(),
        })}
        {move || session.profile().and_then(|p| fai_to_sign(p.role)).map(|status| view! { <FaiToSign status /> })}
        {move || me.get().filter(|(kind, _)| *kind == OrgKind::Oem).map(|_| view! { <ActiveBuilds /> })}
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
        OrgKind::Ems => vec![
            (
                "Packages to review",
                "to-review",
                vec![PackageStatus::Submitted, PackageStatus::InReview],
            ),
            (
                "Ready to build",
                "ready-to-build",
                vec![PackageStatus::Accepted],
            ),
        ],
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
                                                        {(n.status == PackageStatus::Accepted && kind == OrgKind::Ems).then(|| view! {
                                                            " "
                                                            <A href=format!("/builds/new?package={}", n.id) attr:class="plan-link">"Plan a build"</A>
                                                        })}
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

/// The FAI status waiting for a role's signature, if the role signs.
fn fai_to_sign(role: Role) -> Option<&'static str> {
    match role {
        Role::OemEngineer | Role::OemAdmin => Some("EMS_APPROVED"),
        Role::EmsProgramManager => Some("SUBMITTED"),
        Role::EmsQuality => Some("DRAFT"),
        Role::EmsAdmin | Role::EmsOperator => None,
    }
}

/// First-article reports waiting for me: to sign (OEM engineers, EMS program managers) or to
/// fill in (EMS quality).
#[component]
fn FaiToSign(status: &'static str) -> impl IntoView {
    let session = Session::get();
    let reports = LocalResource::new(move || {
        session.run::<FaiReports>(fai_reports::Variables {
            first: 50,
            after: None,
            filter: Some(fai_reports::FaiReportFilter {
                status: from_wire(status),
                build_id: None,
                search: None,
            }),
        })
    });
    let title = if status == "DRAFT" {
        "FAIs to fill in"
    } else {
        "FAIs to sign"
    };
    view! {
        <section class="card" aria-labelledby="fai-to-sign-title" data-testid="fai-to-sign">
            <h2 id="fai-to-sign-title">{title}</h2>
            {move || match reports.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(data)) if data.fai_reports.edges.is_empty() => {
                    view! { <p class="muted">"Nothing here."</p> }.into_any()
                }
                Some(Ok(data)) => view! {
                    <ul class="work-items">
                        {data.fai_reports.edges.into_iter().map(|e| {
                            let r = e.node;
                            view! {
                                <li data-testid="fai-item">
                                    <A href=format!("/fai/{}", r.id)>
                                        {format!("{} {} rev {} · serial {}", r.build.product.part_number, r.build.product.name, r.build.package.revision, r.unit.serial)}
                                    </A>
                                    " "
                                    <WireBadge status=wire(&r.status) />
                                    <span class="muted small">{format!(" · {}", short_time(&r.updated_at))}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
        </section>
    }
}

/// Builds under way (planned or in progress), newest first.
#[component]
fn ActiveBuilds() -> impl IntoView {
    let session = Session::get();
    let builds = LocalResource::new(move || {
        session.run::<Builds>(builds::Variables {
            first: 20,
            after: None,
            filter: None,
        })
    });
    view! {
        <section class="card" aria-labelledby="home-builds-title" data-testid="home-builds">
            <div class="card-head">
                <h2 id="home-builds-title">"Builds"</h2>
                <A href="/builds" attr:class="button secondary">"All builds"</A>
            </div>
            {move || match builds.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(data)) => {
                    let rows: Vec<_> = data
                        .builds
                        .edges
                        .into_iter()
                        .map(|e| e.node)
                        .filter(|b| matches!(wire(&b.status).as_str(), "PLANNED" | "IN_PROGRESS"))
                        .collect();
                    if rows.is_empty() {
                        return view! { <p class="muted">"No builds under way."</p> }.into_any();
                    }
                    view! {
                        <ul class="work-items">
                            {rows.into_iter().map(|b| view! {
                                <li data-testid="build-item">
                                    <A href=format!("/builds/{}", b.id)>
                                        {format!("{} {} rev {} · {}", b.product.part_number, b.product.name, b.package.revision, label(&b.phase))}
                                    </A>
                                    " "
                                    <WireBadge status=wire(&b.status) />
                                    <span class="muted small">
                                        {format!(" {} of {} done · FPY {} · due {}", b.metrics.units_completed, b.quantity, percent(b.metrics.first_pass_yield), b.due_date)}
                                    </span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// The builds on the floor with links to their stations: the main card of operators and
/// quality (`main`), a second one under the packages for program managers.
#[component]
fn FloorCard(role: Role, main: bool) -> impl IntoView {
    let heading = if main {
        view! { <h1 id="work-title">"Waiting for you"</h1> }.into_any()
    } else {
        view! { <h2 id="floor-title">"On the floor"</h2> }.into_any()
    };
    let hint = match role {
        Role::EmsQuality => "Builds on the floor: units on hold wait for your disposition.",
        Role::EmsOperator => "Builds on the floor: open your station and scan.",
        _ => "Builds on the floor, with their stations.",
    };
    view! {
        <section class="card" id=if main { "work" } else { "floor" } data-testid="floor">
            <div class="card-head">
                {heading}
                {plans(role).then(|| view! { <A href="/builds/new" attr:class="button primary">"Plan a build"</A> })}
            </div>
            <p class="muted small">{hint}</p>
            <FloorBuildsList role />
        </section>
    }
}
