//! Pieces the factory-floor pages share: the build they are about, links between them, station
//! words and the builds on the floor for the start page.

use firstpass_shared::domain::Role;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::ops::{floor_build, floor_builds, FloorBuild, FloorBuilds};
use crate::api::ApiError;
use crate::session::Session;
use crate::ui::{label, wire, ErrorLine, Loading, WireBadge};

/// The station kinds of the schema's `StationKind`, in routing order.
pub const STATION_KINDS: [&str; 11] = [
    "SMT_TOP",
    "SMT_BOTTOM",
    "REFLOW",
    "AOI",
    "XRAY",
    "THT",
    "ICT",
    "FCT",
    "BOX_BUILD",
    "FINAL_QA",
    "PACK",
];

/// The defect codes of the schema's `DefectCode`.
pub const DEFECT_CODES: [&str; 11] = [
    "SOLDER_BRIDGE",
    "INSUFFICIENT_SOLDER",
    "TOMBSTONE",
    "MISSING_COMPONENT",
    "WRONG_COMPONENT",
    "WRONG_POLARITY",
    "LIFTED_LEAD",
    "SOLDER_BALL",
    "VOID",
    "DAMAGED_COMPONENT",
    "OTHER",
];

/// A short default name for a station of a kind, as a routing names it.
pub fn station_default_name(kind: &str) -> &'static str {
    match kind {
        "SMT_TOP" => "SMT top",
        "SMT_BOTTOM" => "SMT bottom",
        "REFLOW" => "Reflow",
        "AOI" => "AOI",
        "XRAY" => "X-ray",
        "THT" => "THT",
        "ICT" => "ICT",
        "FCT" => "FCT",
        "BOX_BUILD" => "Box build",
        "FINAL_QA" => "Final QA",
        _ => "Pack",
    }
}

/// The link to a station's page of a build.
pub fn station_href(build_id: &str, station: &str) -> String {
    format!(
        "/builds/{build_id}/stations/{}",
        js_sys::encode_uri_component(station)
    )
}

/// A route parameter as text, percent-decoded when the router left it encoded.
pub fn decoded(raw: String) -> String {
    if raw.contains('%') {
        js_sys::decode_uri_component(&raw)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or(raw)
    } else {
        raw
    }
}

/// Whether a role plans builds (program managers and EMS admins).
pub fn plans(role: Role) -> bool {
    matches!(role, Role::EmsProgramManager | Role::EmsAdmin)
}

/// The build of the page's `:id`, refetched whenever `tick` changes; the last good answer stays
/// while the next one loads.
pub fn use_floor_build(
    tick: RwSignal<u32>,
) -> (
    Memo<String>,
    RwSignal<Option<Result<floor_build::FloorBuildBuild, ApiError>>>,
) {
    let session = Session::get();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let data = RwSignal::new(None);
    let fetched = LocalResource::new(move || {
        tick.track();
        session.run::<FloorBuild>(floor_build::Variables { id: id.get() })
    });
    Effect::new(move |_| {
        if let Some(result) = fetched.get() {
            match result {
                Ok(d) => data.set(Some(Ok(d.build))),
                Err(e) if data.with_untracked(|d: &Option<Result<_, _>>| d.is_none()) => {
                    data.set(Some(Err(e)))
                }
                Err(_) => {}
            }
        }
    });
    (id, data)
}

/// The title of a build: part number, name, revision, phase.
pub fn build_title(b: &floor_build::FloorBuildBuild) -> String {
    format!(
        "{} {} rev {} · {}",
        b.product.part_number,
        b.product.name,
        b.package.revision,
        label(&b.phase)
    )
}

/// Breadcrumbs from the builds list through the build to this page.
#[component]
pub fn BuildCrumbs(build_id: String, title: String, here: String) -> impl IntoView {
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <A href="/builds">"Builds"</A>
            " / "
            <A href=format!("/builds/{build_id}")>{title}</A>
            " / "
            <span>{here}</span>
        </nav>
    }
}

/// Shows the loaded build through `body`, "Loading…" before, or the error.
pub fn with_build<V: IntoView + 'static>(
    data: RwSignal<Option<Result<floor_build::FloorBuildBuild, ApiError>>>,
    body: impl Fn(floor_build::FloorBuildBuild) -> V + Send + Sync + 'static,
) -> impl IntoView {
    move || match data.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
        Some(Ok(b)) => body(b).into_any(),
    }
}

/// The floor's links of one build: every station with its queue, holds, reels, shipping.
#[component]
pub fn FloorLinks(
    build_id: String,
    /// (station name, waiting, on hold)
    stations: Vec<(String, i64, i64)>,
    #[prop(optional)] role: Option<Role>,
) -> impl IntoView {
    let held: i64 = stations.iter().map(|s| s.2).sum();
    let planner = role.is_some_and(plans);
    let links = stations
        .into_iter()
        .map(|(name, waiting, on_hold)| {
            let href = station_href(&build_id, &name);
            let data_station = name.clone();
            view! {
                <li>
                    <A href=href attr:class="station-link" attr:data-station=data_station>
                        <strong>{name}</strong>
                        <span class="muted small">
                            {format!(" {waiting} waiting")}
                            {(on_hold > 0).then(|| format!(" · {on_hold} on hold"))}
                        </span>
                    </A>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="floor-links" data-testid="floor-links">
            {links}
            <li><A href=format!("/builds/{build_id}/holds") attr:class="floor-link">{format!("Holds ({held})")}</A></li>
            <li><A href=format!("/builds/{build_id}/lots") attr:class="floor-link">"Reels and lots"</A></li>
            <li><A href=format!("/builds/{build_id}/ship") attr:class="floor-link">"Ship"</A></li>
            <li><A href=format!("/builds/{build_id}/materials") attr:class="floor-link">"Materials"</A></li>
            {planner.then(|| view! {
                <li><A href=format!("/builds/{build_id}/serialize") attr:class="floor-link">"Serialize units"</A></li>
            })}
        </ul>
    }
}

/// The builds on the floor (planned, in progress, completed and not yet shipped), each with
/// links to its stations; the EMS start page's work.
#[component]
pub fn FloorBuildsList(role: Role) -> impl IntoView {
    let session = Session::get();
    let builds = LocalResource::new(move || {
        session.run::<FloorBuilds>(floor_builds::Variables { first: 50 })
    });
    move || match builds.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
        Some(Ok(data)) => {
            let rows: Vec<_> = data
                .builds
                .edges
                .into_iter()
                .map(|e| e.node)
                // A build counts as SHIPPED from its first shipment on: it stays on the floor
                // while units still wait or are held.
                .filter(|b| match wire(&b.status).as_str() {
                    "PLANNED" | "IN_PROGRESS" | "COMPLETED" => true,
                    _ => b.progress.iter().any(|p| p.waiting + p.on_hold > 0),
                })
                .collect();
            if rows.is_empty() {
                let hint = if plans(role) {
                    "No builds on the floor. Plan one from an accepted package."
                } else {
                    "No builds on the floor."
                };
                return view! { <p class="muted" id="no-floor-builds">{hint}</p> }.into_any();
            }
            view! {
                <ul class="floor-builds">
                    {rows.into_iter().map(|b| {
                        let stations = b.progress.iter().map(|p| (p.station.name.clone(), p.waiting, p.on_hold)).collect();
                        view! {
                            <li data-testid="floor-build" data-id=b.id.clone()>
                                <div class="floor-build-head">
                                    <A href=format!("/builds/{}", b.id)>
                                        {format!("{} {} rev {} · {}", b.product.part_number, b.product.name, b.package.revision, label(&b.phase))}
                                    </A>
                                    " "
                                    <WireBadge status=wire(&b.status) />
                                    <span class="muted small">
                                        {format!(" {} of {} done · due {} · {}", b.metrics.units_completed, b.quantity, b.due_date, b.oem.name)}
                                    </span>
                                </div>
                                <FloorLinks build_id=b.id.clone() stations role />
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }
    }
}
