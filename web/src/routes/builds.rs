//! `/builds` (filtered by status and phase, paged) and `/builds/:id`, the build board: units
//! per station, metrics and charts, kept live over WebSocket (polling when the socket fails).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::ops::{build, builds, organization_metrics, Build, Builds, OrganizationMetrics};
use crate::charts::{Bar, BarChart, PercentLine, Point};
use crate::live::{watch_build, Mode};
use crate::routes::floor::{plans, FloorLinks};
use crate::routes::products::Pager;
use crate::routes::quality::{quality_refs, QualityLinks};
use crate::session::Session;
use crate::table::{matches, natural_cmp, ServerSearch, Sort, SortHeader};
use crate::ui::{from_wire, humanize, label, percent, wire, ErrorLine, Loading, WireBadge};

/// Rows per page.
const PAGE: i64 = 20;

/// The build statuses, for the filter.
const STATUSES: [&str; 4] = ["PLANNED", "IN_PROGRESS", "COMPLETED", "SHIPPED"];
/// The build phases, for the filter.
const PHASES: [&str; 3] = ["PROTOTYPE", "PILOT", "PRODUCTION"];

/// `/builds`: the builds I may see, newest first.
#[component]
pub fn BuildsPage() -> impl IntoView {
    let session = Session::get();
    let status = RwSignal::new(String::new());
    let phase = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let cursors = RwSignal::new(vec![None::<String>]);
    Effect::new(move |_| {
        status.track();
        phase.track();
        search.track();
        cursors.set(vec![None]);
    });
    let page = LocalResource::new(move || {
        let after = cursors.with(|c| c.last().cloned().flatten());
        let filter = builds::BuildFilter {
            status: from_wire(&status.get()),
            phase: from_wire(&phase.get()),
            package_id: None,
            search: Some(search.get()).filter(|s| !s.is_empty()),
        };
        session.run::<Builds>(builds::Variables {
            first: PAGE,
            after,
            filter: Some(filter),
        })
    });
    let options = |values: &'static [&'static str]| {
        values
            .iter()
            .map(|v| view! { <option value=*v>{humanize(v)}</option> })
            .collect_view()
    };
    view! {
        <section class="card" aria-labelledby="builds-title">
            <div class="card-head">
                <h1 id="builds-title">"Builds"</h1>
                <div class="button-row">
                    {move || session.profile().is_some_and(|me| plans(me.role)).then(|| view! {
                        <A href="/builds/new" attr:class="button primary" attr:id="plan-build">"Plan a build"</A>
                    })}
                    <A href="/trace" attr:class="button secondary">"Trace a lot"</A>
                </div>
            </div>
            <div class="filters" role="group" aria-label="Filters">
                <ServerSearch id="builds-search" placeholder="Part number or name" applied=search />
                <div class="field inline">
                    <label for="filter-build-status">"Status"</label>
                    <select id="filter-build-status" bind:value=status>
                        <option value="">"Any"</option>
                        {options(&STATUSES)}
                    </select>
                </div>
                <div class="field inline">
                    <label for="filter-phase">"Phase"</label>
                    <select id="filter-phase" bind:value=phase>
                        <option value="">"Any"</option>
                        {options(&PHASES)}
                    </select>
                </div>
            </div>
            {move || match page.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(data)) => {
                    let info = data.builds.page_info;
                    let edges = data.builds.edges;
                    let empty = edges.is_empty();
                    // Newest first, as the server pages them, until a header sorts the page.
                    let sort = RwSignal::new(Sort::NONE);
                    let rows = move || {
                        sort.get().sorted(&edges, |column, a, b| {
                            let (a, b) = (&a.node, &b.node);
                            let fpy = |x: Option<f64>| x.unwrap_or(-1.0);
                            match column {
                                0 => natural_cmp(&a.product.part_number, &b.product.part_number),
                                1 => natural_cmp(&a.package.revision, &b.package.revision),
                                2 => label(&a.phase).cmp(&label(&b.phase)),
                                3 => label(&a.status).cmp(&label(&b.status)),
                                4 => a.quantity.cmp(&b.quantity),
                                5 => a.metrics.units_completed.cmp(&b.metrics.units_completed),
                                6 => fpy(a.metrics.first_pass_yield)
                                    .total_cmp(&fpy(b.metrics.first_pass_yield)),
                                7 => a.due_date.cmp(&b.due_date),
                                _ => natural_cmp(&a.oem.name, &b.oem.name),
                            }
                        })
                    };
                    view! {
                        <div class="table-wrap">
                            <table class="table" id="builds-table">
                                <thead>
                                    <tr>
                                        <SortHeader title="Product" column=0 sort />
                                        <SortHeader title="Rev" column=1 sort />
                                        <SortHeader title="Phase" column=2 sort />
                                        <SortHeader title="Status" column=3 sort />
                                        <SortHeader title="Qty" column=4 sort />
                                        <SortHeader title="Done" column=5 sort />
                                        <SortHeader title="FPY" column=6 sort />
                                        <SortHeader title="Due" column=7 sort />
                                        <SortHeader title="OEM → EMS" column=8 sort />
                                    </tr>
                                </thead>
                                <tbody>
                                    {move || rows()
                                        .into_iter()
                                        .map(|edge| {
                                            let b = edge.node;
                                            view! {
                                                <tr data-testid="build-row" data-id=b.id.clone()>
                                                    <td>
                                                        <A href=format!("/builds/{}", b.id)>
                                                            <span class="mono">{b.product.part_number}</span>
                                                            " "
                                                            {b.product.name}
                                                        </A>
                                                    </td>
                                                    <td>{b.package.revision}</td>
                                                    <td>{label(&b.phase)}</td>
                                                    <td><WireBadge status=wire(&b.status) /></td>
                                                    <td>{b.quantity}</td>
                                                    <td>{format!("{} / {}", b.metrics.units_completed, b.metrics.units_started)}</td>
                                                    <td>{percent(b.metrics.first_pass_yield)}</td>
                                                    <td class="muted">{b.due_date}</td>
                                                    <td>{format!("{} → {}", b.oem.name, b.ems.name)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {empty.then(|| view! { <p class="muted" id="no-builds">"No builds match."</p> })}
                        <Pager has_next=info.has_next_page end=info.end_cursor cursors />
                    }
                        .into_any()
                }
            }}
        </section>
        <WeeklyYield />
    }
}

/// What a station does, as people say it (the acronyms stay acronyms).
pub fn station_kind_label(kind: &str) -> String {
    match kind {
        "SMT_TOP" => "SMT, top side".to_owned(),
        "SMT_BOTTOM" => "SMT, bottom side".to_owned(),
        "REFLOW" => "Reflow".to_owned(),
        "AOI" => "Optical inspection (AOI)".to_owned(),
        "XRAY" => "X-ray".to_owned(),
        "THT" => "Through-hole (THT)".to_owned(),
        "ICT" => "In-circuit test (ICT)".to_owned(),
        "FCT" => "Functional test (FCT)".to_owned(),
        "BOX_BUILD" => "Box build".to_owned(),
        "FINAL_QA" => "Final QA".to_owned(),
        "PACK" => "Packing".to_owned(),
        other => humanize(other),
    }
}

/// `/builds/:id`: the build board.
#[component]
pub fn BuildPage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let tick = RwSignal::new(0_u32);
    let mode = RwSignal::new(Mode::Connecting);
    // The last answer stays on screen while the next one loads: updates happen in place.
    let data = RwSignal::new(None::<Result<build::BuildBuild, crate::api::ApiError>>);
    let fetched = LocalResource::new(move || {
        tick.track();
        session.run::<Build>(build::Variables { id: id() })
    });
    Effect::new(move |_| {
        if let Some(result) = fetched.get() {
            // A failed refresh keeps what is shown; only a first failure is displayed.
            match result {
                Ok(d) => data.set(Some(Ok(d.build))),
                Err(e) if data.with_untracked(Option::is_none) => data.set(Some(Err(e))),
                Err(_) => {}
            }
        }
    });
    watch_build(id(), tick, mode);
    // The units list's search and order outlive the live updates that redraw the board.
    let list = (
        RwSignal::new(String::new()),
        RwSignal::new(Sort {
            column: 0,
            ascending: true,
        }),
    );
    view! {
        {move || match data.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
            Some(Ok(b)) => view! { <Board data=b mode list /> }.into_any(),
        }}
    }
}

/// The build's units, searched and sorted (serials in natural order).
fn unit_rows(
    units: &[build::BuildBuildUnits],
    query: &str,
    sort: Sort,
) -> Vec<build::BuildBuildUnits> {
    let next = |u: &build::BuildBuildUnits| {
        u.next_station
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };
    let mut rows: Vec<_> = units
        .iter()
        .filter(|u| matches(query, &[&u.serial, &humanize(&wire(&u.status)), &next(u)]))
        .cloned()
        .collect();
    rows.sort_by(|a, b| {
        let order = match sort.column {
            1 => wire(&a.status).cmp(&wire(&b.status)),
            2 => natural_cmp(&next(a), &next(b)),
            3 => a.first_pass.cmp(&b.first_pass),
            _ => std::cmp::Ordering::Equal,
        };
        sort.apply(order.then_with(|| natural_cmp(&a.serial, &b.serial)))
    });
    rows
}

/// The board of one build.
#[component]
fn Board(
    data: build::BuildBuild,
    mode: RwSignal<Mode>,
    /// Search text and order of the units list.
    list: (RwSignal<String>, RwSignal<Sort>),
) -> impl IntoView {
    let build = data;
    let m = build.metrics.clone();
    let ncrs = quality_refs!(build.ncrs.clone());
    let capas = quality_refs!(build.capas.clone());
    let pareto: Vec<Bar> = m
        .defects_by_code
        .iter()
        .map(|d| Bar {
            label: label(&d.code),
            value: d.count as f64,
            caption: d.count.to_string(),
        })
        .collect();
    let by_station: Vec<Bar> = m
        .yield_by_station
        .iter()
        .map(|s| Bar {
            label: s.station.clone(),
            value: s.first_time_yield.unwrap_or(0.0),
            caption: format!(
                "{} ({}/{})",
                percent(s.first_time_yield),
                s.passed_first_time,
                s.tested
            ),
        })
        .collect();
    let stations = build
        .progress
        .iter()
        .map(|p| {
            view! {
                <li
                    class="station"
                    data-testid="station"
                    data-station=p.station.name.clone()
                    data-waiting=p.waiting
                    data-on-hold=p.on_hold
                    data-passed=p.passed
                >
                    <h3>{p.station.name.clone()}</h3>
                    <p class="muted small">{station_kind_label(&wire(&p.station.kind))}</p>
                    <dl class="station-counts">
                        <dt>"Waiting"</dt>
                        <dd class="waiting">{p.waiting}</dd>
                        <dt>"On hold"</dt>
                        <dd class={if p.on_hold > 0 { "on-hold alert-text" } else { "on-hold" }}>{p.on_hold}</dd>
                        <dt>"Passed"</dt>
                        <dd class="passed">{p.passed}</dd>
                    </dl>
                </li>
            }
        })
        .collect_view();
    // The floor's pages of this build, for the EMS building it.
    let floor = Session::get()
        .profile()
        .filter(|me| me.organization.kind == firstpass_shared::domain::OrgKind::Ems)
        .map(|me| {
            let stations = build
                .progress
                .iter()
                .map(|p| (p.station.name.clone(), p.waiting, p.on_hold))
                .collect();
            view! { <FloorLinks build_id=build.id.clone() stations role=me.role /> }
        });
    let (query, sort) = list;
    let all_units = build.units.clone();
    let counted_units = build.units.clone();
    let total_units = all_units.len();
    let units = move || {
        unit_rows(&all_units, &query.get(), sort.get())
        .into_iter()
        .map(|u| {
            let href = format!("/units/{}", u.serial);
            let shown = u.serial.clone();
            view! {
                <tr data-testid="unit-row" data-serial=u.serial.clone()>
                    <td>
                        <A href=href>
                            <span class="mono">{shown}</span>
                        </A>
                    </td>
                    <td><WireBadge status=wire(&u.status) /></td>
                    <td>{u.next_station.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| "—".to_owned())}</td>
                    <td>{if u.first_pass { "Yes" } else { "No" }}</td>
                </tr>
            }
        })
        .collect_view()
    };
    view! {
        <section class="card" aria-labelledby="build-title">
            <div class="card-head">
                <h1 id="build-title">
                    {format!("{} {} rev {}", build.product.part_number, build.product.name, build.package.revision)}
                </h1>
                <span id="live-mode" class="badge" data-mode=move || mode.get().as_str()>
                    {move || match mode.get() {
                        Mode::Connecting => "Connecting…",
                        Mode::Live => "Live",
                        Mode::Polling => "Refreshing every 5 s",
                    }}
                </span>
            </div>
            <dl class="facts" id="build-facts">
                <dt>"Phase"</dt>
                <dd>{label(&build.phase)}</dd>
                <dt>"Status"</dt>
                <dd id="build-status"><WireBadge status=wire(&build.status) /></dd>
                <dt>"Quantity"</dt>
                <dd>{build.quantity}</dd>
                <dt>"Due"</dt>
                <dd>{build.due_date.clone()}</dd>
                <dt>"OEM → EMS"</dt>
                <dd>{format!("{} → {}", build.oem.name, build.ems.name)}</dd>
                <dt>"Package"</dt>
                <dd><A href=format!("/packages/{}", build.package.id) attr:id="build-package-link">"Open the package"</A></dd>
                <dt>"Materials"</dt>
                <dd><A href=format!("/builds/{}/materials", build.id) attr:id="build-materials">"Clear-to-build"</A></dd>
                <dt>"NCRs"</dt>
                <dd id="build-ncrs"><QualityLinks items=ncrs path="ncrs" /></dd>
                <dt>"Corrective actions"</dt>
                <dd id="build-capas"><QualityLinks items=capas path="capas" /></dd>
            </dl>
        </section>
        <section class="card" aria-labelledby="stations-title">
            <h2 id="stations-title">"Units per station"</h2>
            <ol class="stations" id="stations">{stations}</ol>
            {floor}
        </section>
        <section class="card" aria-labelledby="metrics-title">
            <h2 id="metrics-title">"Metrics"</h2>
            <dl class="metrics" id="build-metrics">
                <div><dt>"Started"</dt><dd id="units-started">{m.units_started}</dd></div>
                <div><dt>"Completed"</dt><dd id="units-completed">{m.units_completed}</dd></div>
                <div><dt>"Scrapped"</dt><dd>{m.units_scrapped}</dd></div>
                <div><dt>"First-pass yield"</dt><dd id="first-pass-yield">{percent(m.first_pass_yield)}</dd></div>
                <div><dt>"DPMO"</dt><dd>{m.dpmo.map_or_else(|| "—".to_owned(), |d| format!("{d:.0}"))}</dd></div>
                <div><dt>"Opportunities / unit"</dt><dd>{m.opportunities_per_unit}</dd></div>
                <div><dt>"Defects"</dt><dd>{m.defects}</dd></div>
            </dl>
            <div class="charts">
                <figure>
                    <figcaption>"Defects by code (Pareto)"</figcaption>
                    <BarChart title="Defects by code".to_owned() bars=pareto testid="pareto-chart" />
                </figure>
                <figure>
                    <figcaption>"First-time yield by station"</figcaption>
                    <BarChart title="First-time yield by station".to_owned() bars=by_station max=1.0 testid="station-yield-chart" />
                </figure>
            </div>
        </section>
        <section class="card" aria-labelledby="units-title">
            <div class="card-head">
                <h2 id="units-title">"Units"</h2>
                <div class="field inline">
                    <label for="units-search">"Search"</label>
                    <input id="units-search" type="search" placeholder="Serial, status, station" bind:value=query />
                </div>
            </div>
            <p class="muted small" id="units-count">
                {move || format!("{} of {total_units}", unit_rows(&counted_units, &query.get(), sort.get()).len())}
            </p>
            <div class="table-wrap">
                <table class="table" id="units-table">
                    <thead>
                        <tr>
                            <SortHeader title="Serial" column=0 sort />
                            <SortHeader title="Status" column=1 sort />
                            <SortHeader title="Next station" column=2 sort />
                            <SortHeader title="First pass" column=3 sort />
                        </tr>
                    </thead>
                    <tbody>{units}</tbody>
                </table>
            </div>
        </section>
    }
}

/// First-pass yield week by week over the last twelve weeks, for everything I may see.
#[component]
pub fn WeeklyYield() -> impl IntoView {
    let session = Session::get();
    let metrics = LocalResource::new(move || {
        let now = js_sys::Date::new_0();
        let to = String::from(now.to_iso_string());
        let from_ms = now.get_time() - 12.0 * 7.0 * 24.0 * 3600.0 * 1000.0;
        let from = String::from(js_sys::Date::new(&from_ms.into()).to_iso_string());
        session.run::<OrganizationMetrics>(organization_metrics::Variables { from, to })
    });
    view! {
        <section class="card" aria-labelledby="weekly-title">
            <h2 id="weekly-title">"First-pass yield by week"</h2>
            {move || match metrics.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(data)) => {
                    let m = data.organization_metrics;
                    let points: Vec<Point> = m
                        .weekly
                        .into_iter()
                        .map(|w| Point {
                            label: w.week_start.get(5..).unwrap_or(&w.week_start).to_owned(),
                            value: w.first_pass_yield,
                        })
                        .collect();
                    view! {
                        <dl class="metrics" id="org-metrics">
                            <div><dt>"First-pass yield"</dt><dd>{percent(m.first_pass_yield)}</dd></div>
                            <div><dt>"DPMO"</dt><dd>{m.dpmo.map_or_else(|| "—".to_owned(), |d| format!("{d:.0}"))}</dd></div>
                            <div><dt>"On-time delivery"</dt><dd>{percent(m.on_time_delivery)}</dd></div>
                        </dl>
                        <PercentLine title="First-pass yield by week".to_owned() points testid="weekly-yield-chart" />
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
