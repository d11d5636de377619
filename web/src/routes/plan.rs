//! `/builds/new` (a build planned from an accepted package: phase, quantity, due date and the
//! routing) and `/builds/:id/serialize` (units created from a serial pattern, previewed first).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::ops::{
    accepted_packages, create_build, serialize_units, AcceptedPackages, CreateBuild, SerializeUnits,
};
use crate::api::ApiError;
use crate::routes::builds::station_kind_label;
use crate::routes::floor::{
    build_title, station_default_name, use_floor_build, with_build, BuildCrumbs, FloorLinks,
    STATION_KINDS,
};
use crate::serials::{expand, Date};
use crate::session::Session;
use crate::ui::{from_wire, humanize, wire, ErrorLine, Loading, WireBadge};

/// One station of the routing being planned.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    /// Stable key for the list while rows move.
    key: u32,
    kind: String,
    name: String,
}

/// A name for a new station of `kind` that no station of `steps` has yet.
fn unique_name(steps: &[Step], kind: &str) -> String {
    let base = station_default_name(kind);
    let taken = |n: &str| steps.iter().any(|s| s.name.eq_ignore_ascii_case(n));
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|i| format!("{base} {i}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_owned())
}

/// Why the routing cannot be sent as it is, if it cannot.
fn routing_problem(steps: &[Step]) -> Option<String> {
    if steps.is_empty() {
        return Some("Add at least one station.".to_owned());
    }
    for (i, s) in steps.iter().enumerate() {
        if s.name.trim().is_empty() {
            return Some(format!("Station {} needs a name.", i + 1));
        }
        if steps[..i]
            .iter()
            .any(|t| t.name.trim().eq_ignore_ascii_case(s.name.trim()))
        {
            return Some(format!("The name \"{}\" is used twice.", s.name.trim()));
        }
    }
    None
}

/// `/builds/new?package=ID`: plan a build.
#[component]
pub fn PlanBuildPage() -> impl IntoView {
    let session = Session::get();
    let query = use_query_map();
    let packages = LocalResource::new(move || {
        session.run::<AcceptedPackages>(accepted_packages::Variables { first: 100 })
    });
    let package = RwSignal::new(query.with_untracked(|q| q.get("package").unwrap_or_default()));
    let phase = RwSignal::new("PILOT".to_owned());
    let quantity = RwSignal::new("10".to_owned());
    let due = RwSignal::new(String::new());
    let steps = RwSignal::new(Vec::<Step>::new());
    let next_key = StoredValue::new(0_u32);
    let adding = RwSignal::new("SMT_TOP".to_owned());
    let problem = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();

    // The first package is chosen when none was asked for.
    Effect::new(move |_| {
        if let Some(Ok(data)) = packages.get() {
            let known = data
                .npi_packages
                .edges
                .iter()
                .any(|e| e.node.id == package.get_untracked());
            if !known {
                if let Some(first) = data.npi_packages.edges.first() {
                    package.set(first.node.id.clone());
                }
            }
        }
    });

    let add = move |_| {
        let kind = adding.get_untracked();
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        steps.update(|s| {
            let name = unique_name(s, &kind);
            s.push(Step { key, kind, name });
        });
    };
    let swap = move |i: usize, j: usize| {
        steps.update(|s| {
            if i < s.len() && j < s.len() {
                s.swap(i, j);
            }
        })
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let routing = steps.get_untracked();
        if let Some(p) = routing_problem(&routing) {
            problem.set(Some(p));
            return;
        }
        let Ok(quantity) = quantity.get_untracked().trim().parse::<i64>() else {
            problem.set(Some("The quantity must be a whole number.".to_owned()));
            return;
        };
        if due.get_untracked().is_empty() {
            problem.set(Some("Choose a due date.".to_owned()));
            return;
        }
        let (Some(phase), true) = (
            from_wire::<create_build::BuildPhase>(&phase.get_untracked()),
            !package.get_untracked().is_empty(),
        ) else {
            problem.set(Some("Choose an accepted package.".to_owned()));
            return;
        };
        problem.set(None);
        error.set(None);
        busy.set(true);
        let input = create_build::CreateBuildInput {
            package_id: package.get_untracked(),
            phase,
            quantity,
            due_date: due.get_untracked(),
            routing: routing
                .iter()
                .filter_map(|s| {
                    Some(create_build::StationInput {
                        kind: from_wire(&s.kind)?,
                        name: s.name.trim().to_owned(),
                    })
                })
                .collect(),
        };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = session
                .run::<CreateBuild>(create_build::Variables { input })
                .await;
            busy.set(false);
            match result {
                Ok(data) => navigate(
                    &format!("/builds/{}/serialize", data.create_build.id),
                    Default::default(),
                ),
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let kind_options = STATION_KINDS
        .iter()
        .map(|k| view! { <option value=*k>{station_kind_label(k)}</option> })
        .collect_view();

    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <A href="/builds">"Builds"</A>
            " / "
            <span>"Plan a build"</span>
        </nav>
        <section class="card" aria-labelledby="plan-title">
            <h1 id="plan-title">"Plan a build"</h1>
            <form class="form plan-form" on:submit=on_submit>
                <div class="field">
                    <label for="plan-package">"Accepted package"</label>
                    {move || match packages.get() {
                        None => view! { <Loading /> }.into_any(),
                        Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                        Some(Ok(data)) if data.npi_packages.edges.is_empty() => view! {
                            <p class="muted" id="no-accepted">"No accepted package yet: a build starts from one."</p>
                        }.into_any(),
                        Some(Ok(data)) => view! {
                            <select id="plan-package" bind:value=package>
                                {data.npi_packages.edges.into_iter().map(|e| {
                                    let p = e.node;
                                    view! {
                                        <option value=p.id.clone()>
                                            {format!("{} {} rev {} · {}", p.product.part_number, p.product.name, p.revision, p.oem.name)}
                                        </option>
                                    }
                                }).collect_view()}
                            </select>
                        }.into_any(),
                    }}
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="plan-phase">"Phase"</label>
                        <select id="plan-phase" bind:value=phase>
                            {["PROTOTYPE", "PILOT", "PRODUCTION"].map(|p| view! { <option value=p>{humanize(p)}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="plan-quantity">"Quantity"</label>
                        <input id="plan-quantity" type="number" min="1" max="1000000" inputmode="numeric" required bind:value=quantity />
                    </div>
                    <div class="field">
                        <label for="plan-due">"Due date"</label>
                        <input id="plan-due" type="date" required bind:value=due />
                    </div>
                </div>
                <fieldset class="routing">
                    <legend>"Routing"</legend>
                    <p class="muted small">"Every unit passes these stations in this order. Operators and MES integrations address a station by its name."</p>
                    <ol class="routing-steps" id="routing">
                        <For
                            each={move || steps.get().into_iter().enumerate().collect::<Vec<_>>()}
                            key={|(i, s): &(usize, Step)| (*i, s.key, s.kind.clone())}
                            children=move |(i, s)| {
                                let key = s.key;
                                let set_name = move |ev| {
                                    let value = event_target_value(&ev);
                                    steps.update(|all| {
                                        if let Some(step) = all.iter_mut().find(|x| x.key == key) {
                                            step.name = value;
                                        }
                                    });
                                };
                                let set_kind = move |ev| {
                                    let value = event_target_value(&ev);
                                    steps.update(|all| {
                                        if let Some(step) = all.iter_mut().find(|x| x.key == key) {
                                            step.kind = value;
                                        }
                                    });
                                };
                                let last = move || steps.with(|all| i + 1 >= all.len());
                                view! {
                                    <li class="routing-step" data-testid="routing-step" data-kind=s.kind.clone()>
                                        <span class="step-number" aria-hidden="true">{i + 1}</span>
                                        <select aria-label=format!("Kind of station {}", i + 1) class="step-kind" on:change=set_kind prop:value=s.kind.clone()>
                                            {STATION_KINDS.iter().map(|k| view! { <option value=*k selected=*k == s.kind>{station_kind_label(k)}</option> }).collect_view()}
                                        </select>
                                        <input aria-label=format!("Name of station {}", i + 1) class="step-name" prop:value=s.name.clone() on:input=set_name maxlength="100" />
                                        <span class="step-buttons">
                                            <button type="button" class="button secondary step-up" aria-label=format!("Move station {} up", i + 1) disabled=i == 0 on:click=move |_| swap(i, i.wrapping_sub(1))>"↑"</button>
                                            <button type="button" class="button secondary step-down" aria-label=format!("Move station {} down", i + 1) disabled=last on:click=move |_| swap(i, i + 1)>"↓"</button>
                                            <button type="button" class="button secondary step-remove" aria-label=format!("Remove station {}", i + 1) on:click=move |_| steps.update(|all| all.retain(|x| x.key != key))>"✕"</button>
                                        </span>
                                    </li>
                                }
                            }
                        />
                    </ol>
                    <div class="inline-form">
                        <label for="add-kind" class="visually-hidden">"Station kind to add"</label>
                        <select id="add-kind" bind:value=adding>{kind_options}</select>
                        <button type="button" id="add-station" class="button secondary" on:click=add>"Add station"</button>
                    </div>
                </fieldset>
                {move || problem.get().map(|p| view! { <p role="alert" class="alert">{p}</p> })}
                {move || error.get().map(|error| view! { <ErrorLine error /> })}
                <button id="create-build" type="submit" class="button primary" disabled=move || busy.get()>
                    "Plan the build"
                </button>
            </form>
        </section>
    }
}

/// The serials a pattern would give from `start` for `count` units, or why it would not.
fn preview(pattern: &str, today: Date, start: u64, count: u64) -> Result<(String, String), String> {
    let first = expand(pattern, today, start)?;
    let last = expand(pattern, today, start + count.saturating_sub(1))?;
    Ok((first, last))
}

/// `/builds/:id/serialize`: the build's status and units, and more units from a pattern.
#[component]
pub fn SerializePage() -> impl IntoView {
    let session = Session::get();
    let tick = RwSignal::new(0_u32);
    let (id, data) = use_floor_build(tick);
    let pattern = RwSignal::new(String::new());
    let count = RwSignal::new(String::new());
    let created = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let today = Date::today_utc();
    // Defaults once the build is known: the part number and week, and the units still missing.
    Effect::new(move |_| {
        if let Some(Ok(b)) = data.get() {
            if pattern.get_untracked().is_empty() {
                pattern.set(format!(
                    "{}-{{YYYY}}{{WW}}-{{SEQ:4}}",
                    b.product.part_number
                ));
            }
            if count.get_untracked().is_empty() {
                let missing = (b.quantity - b.units.len() as i64).max(1);
                count.set(missing.to_string());
            }
        }
    });
    let existing = move || {
        data.with(|d| match d {
            Some(Ok(b)) => b.units.len() as u64,
            _ => 0,
        })
    };
    let shown = Memo::new(move |_| {
        let n: u64 = count
            .get()
            .trim()
            .parse()
            .map_err(|_| "The count must be a whole number.".to_owned())?;
        if n == 0 {
            return Err("The count must be at least 1.".to_owned());
        }
        preview(&pattern.get(), today, existing() + 1, n)
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || shown.get_untracked().is_err() {
            return;
        }
        let Ok(n) = count.get_untracked().trim().parse::<i64>() else {
            return;
        };
        busy.set(true);
        error.set(None);
        let variables = serialize_units::Variables {
            build_id: id.get_untracked(),
            count: n,
            pattern: pattern.get_untracked().trim().to_owned(),
        };
        leptos::task::spawn_local(async move {
            let result = session.run::<SerializeUnits>(variables).await;
            busy.set(false);
            match result {
                Ok(d) => {
                    created.set(d.serialize_units.into_iter().map(|u| u.serial).collect());
                    count.set(String::new());
                    tick.update(|t| *t += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let body = move |b: crate::api::ops::floor_build::FloorBuildBuild| {
        let title = build_title(&b);
        let stations = b
            .progress
            .iter()
            .map(|p| (p.station.name.clone(), p.waiting, p.on_hold))
            .collect();
        let routing = b
            .routing
            .iter()
            .map(|s| format!("{} ({})", s.name, station_kind_label(&wire(&s.kind))))
            .collect::<Vec<_>>()
            .join(" → ");
        let units = b.units.len();
        view! {
            <BuildCrumbs build_id=b.id.clone() title=title.clone() here="Serialize units".to_owned() />
            <section class="card" aria-labelledby="serialize-title">
                <div class="card-head">
                    <h1 id="serialize-title">{title}</h1>
                    <span id="build-status"><WireBadge status=wire(&b.status) /></span>
                </div>
                <dl class="facts">
                    <dt>"Quantity"</dt>
                    <dd>{b.quantity}</dd>
                    <dt>"Units so far"</dt>
                    <dd id="unit-count" data-count=units>{units}</dd>
                    <dt>"Due"</dt>
                    <dd>{b.due_date.clone()}</dd>
                    <dt>"Routing"</dt>
                    <dd id="routing-summary">{routing}</dd>
                </dl>
                <FloorLinks build_id=b.id.clone() stations role=Session::get().profile().map(|p| p.role).unwrap_or(firstpass_shared::domain::Role::EmsOperator) />
            </section>
        }
    };
    view! {
        {with_build(data, body)}
        <section class="card" aria-labelledby="pattern-title">
            <h2 id="pattern-title">"Serialize units"</h2>
            <form class="form" on:submit=on_submit>
                <div class="field-row">
                    <div class="field grow">
                        <label for="serial-pattern">"Pattern"</label>
                        <input id="serial-pattern" class="mono" required bind:value=pattern spellcheck="false" autocomplete="off" />
                        <p class="muted small">"{YYYY} year, {YY} two-digit year, {WW} ISO week, {SEQ:n} the unit's number in the build with n digits."</p>
                    </div>
                    <div class="field">
                        <label for="serial-count">"Units"</label>
                        <input id="serial-count" type="number" min="1" inputmode="numeric" required bind:value=count />
                    </div>
                </div>
                <div id="serial-preview" class="preview" aria-live="polite">
                    {move || match shown.get() {
                        Ok((first, last)) => view! {
                            <span>"First "</span><strong class="mono" id="preview-first">{first}</strong>
                            <span>" · last "</span><strong class="mono" id="preview-last">{last}</strong>
                            <span class="muted small">{format!(" (today, {} UTC)", today.iso())}</span>
                        }.into_any(),
                        Err(why) => view! { <span class="alert-text" id="preview-error">{why}</span> }.into_any(),
                    }}
                </div>
                {move || error.get().map(|error| view! { <ErrorLine error /> })}
                <button id="serialize" type="submit" class="button primary" disabled=move || busy.get() || shown.get().is_err()>
                    "Create the units"
                </button>
            </form>
            {move || {
                let serials = created.get();
                (!serials.is_empty()).then(|| view! {
                    <p class="ok" id="serialized" role="status">
                        {format!("Created {} units: {} … {}", serials.len(), serials.first().cloned().unwrap_or_default(), serials.last().cloned().unwrap_or_default())}
                    </p>
                })
            }}
        </section>
    }
}
