//! The start page: who is signed in, for which organization, working with whom.

use firstpass_shared::domain::{OrgKind, Role};
use leptos::prelude::*;

use crate::session::{Partner, Profile, Session};

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

/// `/`: the signed-in user's card (the route guard guarantees a user).
#[component]
pub fn HomePage() -> impl IntoView {
    let session = Session::get();
    move || {
        session
            .profile()
            .map(|profile| view! { <ProfileCard profile /> })
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
            <h1 id="user-name">{profile.full_name}</h1>
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
