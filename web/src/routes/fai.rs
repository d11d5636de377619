//! First-article inspection: `/fai` (list, and a new report for EMS quality) and `/fai/:id`
//! (the three AS9102 forms, the characteristics editor for EMS quality, evidence upload, the
//! signing dialog, the signature timeline and the PDF/CSV downloads).

use firstpass_shared::domain::Role;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::Value;
use wasm_bindgen::JsCast;

use crate::api::files::{download, save_typed, upload_evidence};
use crate::api::ops::{
    add_fai_characteristic, builds, create_fai_report, fai_report, fai_reports, open_ncr,
    sign_fai_report, submit_fai_report, update_fai_characteristics, AddFaiCharacteristic, Builds,
    CreateFaiReport, FaiReport, FaiReports, OpenNcr, SignFaiReport, SubmitFaiReport,
    UpdateFaiCharacteristics,
};
use crate::api::ApiError;
use crate::routes::products::Pager;
use crate::session::Session;
use crate::table::{natural_cmp, ServerSearch, Sort, SortHeader};
use crate::ui::{
    from_wire, human_size, humanize, label, short_time, wire, ErrorLine, Loading, WireBadge,
};
use firstpass_shared::words;

/// Rows per page.
const PAGE: i64 = 20;
/// The report statuses, for the filter.
const STATUSES: [&str; 4] = ["DRAFT", "SUBMITTED", "EMS_APPROVED", "APPROVED"];
/// Why a first article is inspected.
const REASONS: [&str; 5] = [
    "NEW_PART",
    "DESIGN_CHANGE",
    "PROCESS_CHANGE",
    "PRODUCTION_LAPSE",
    "OTHER",
];
/// What a free characteristic checks.
const KINDS: [&str; 6] = [
    "DIMENSION",
    "TORQUE",
    "VISUAL",
    "XRAY",
    "DESIGNATOR",
    "OTHER",
];

/// The role of the signed-in user.
fn role() -> Option<Role> {
    Session::get().profile().map(|p| p.role)
}

/// `/fai`: the reports I may see, newest first.
#[component]
pub fn FaiListPage() -> impl IntoView {
    let session = Session::get();
    let status = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let cursors = RwSignal::new(vec![None::<String>]);
    Effect::new(move |_| {
        status.track();
        search.track();
        cursors.set(vec![None]);
    });
    let page = LocalResource::new(move || {
        let after = cursors.with(|c| c.last().cloned().flatten());
        session.run::<FaiReports>(fai_reports::Variables {
            first: PAGE,
            after,
            filter: Some(fai_reports::FaiReportFilter {
                status: from_wire(&status.get()),
                build_id: None,
                search: Some(search.get()).filter(|s| !s.is_empty()),
            }),
        })
    });
    view! {
        <Show when=move || role() == Some(Role::EmsQuality)>
            <NewFaiForm />
        </Show>
        <section class="card" aria-labelledby="fai-title">
            <h1 id="fai-title">"First-article inspections"</h1>
            <div class="filters" role="group" aria-label="Filters">
                <ServerSearch id="fai-search" placeholder="Serial, part number or name" applied=search />
                <div class="field inline">
                    <label for="filter-fai-status">"Status"</label>
                    <select id="filter-fai-status" bind:value=status>
                        <option value="">"Any"</option>
                        {STATUSES.iter().map(|s| view! { <option value=*s>{humanize(s)}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            {move || match page.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(data)) => {
                    let info = data.fai_reports.page_info;
                    let edges = data.fai_reports.edges;
                    let empty = edges.is_empty();
                    // Newest first, as the server pages them, until a header sorts the page.
                    let sort = RwSignal::new(Sort::NONE);
                    let rows = move || {
                        sort.get().sorted(&edges, |column, a, b| {
                            let (a, b) = (&a.node, &b.node);
                            match column {
                                0 => natural_cmp(&a.build.product.part_number, &b.build.product.part_number)
                                    .then_with(|| natural_cmp(&a.build.package.revision, &b.build.package.revision)),
                                1 => natural_cmp(&a.unit.serial, &b.unit.serial),
                                2 => label(&a.reason).cmp(&label(&b.reason)),
                                3 => label(&a.scope).cmp(&label(&b.scope)),
                                4 => label(&a.status).cmp(&label(&b.status)),
                                5 => natural_cmp(&a.build.oem.name, &b.build.oem.name),
                                _ => a.updated_at.cmp(&b.updated_at),
                            }
                        })
                    };
                    view! {
                        <div class="table-wrap">
                            <table class="table" id="fai-table">
                                <thead><tr>
                                    <SortHeader title="Product" column=0 sort />
                                    <SortHeader title="Serial" column=1 sort />
                                    <SortHeader title="Reason" column=2 sort />
                                    <SortHeader title="Scope" column=3 sort />
                                    <SortHeader title="Status" column=4 sort />
                                    <SortHeader title="OEM" column=5 sort />
                                    <SortHeader title="Updated" column=6 sort />
                                </tr></thead>
                                <tbody>
                                    {move || rows().into_iter().map(|e| {
                                        let r = e.node;
                                        view! {
                                            <tr data-testid="fai-row" data-id=r.id.clone()>
                                                <td>
                                                    <A href=format!("/fai/{}", r.id)>
                                                        {format!("{} {} rev {}", r.build.product.part_number, r.build.product.name, r.build.package.revision)}
                                                    </A>
                                                </td>
                                                <td class="mono">{r.unit.serial}</td>
                                                <td>{label(&r.reason)}</td>
                                                <td>{label(&r.scope)}</td>
                                                <td><WireBadge status=wire(&r.status) /></td>
                                                <td>{r.build.oem.name}</td>
                                                <td class="muted">{short_time(&r.updated_at)}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {empty.then(|| view! { <p class="muted" id="no-fai">"No reports match."</p> })}
                        <Pager has_next=info.has_next_page end=info.end_cursor cursors />
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// EMS quality starts a report: build, serial, reason, scope.
#[component]
fn NewFaiForm() -> impl IntoView {
    let session = Session::get();
    let build = RwSignal::new(String::new());
    let serial = RwSignal::new(String::new());
    let reason = RwSignal::new("NEW_PART".to_owned());
    let scope = RwSignal::new("FULL".to_owned());
    let builds = LocalResource::new(move || {
        session.run::<Builds>(builds::Variables {
            first: 100,
            after: None,
            filter: None,
        })
    });
    Effect::new(move |_| {
        if let Some(Ok(data)) = builds.get() {
            if build.get_untracked().is_empty() {
                if let Some(first) = data.builds.edges.first() {
                    build.set(first.node.id.clone());
                }
            }
        }
    });
    let create = Action::new_local(move |input: &create_fai_report::CreateFaiReportInput| {
        session.run::<CreateFaiReport>(create_fai_report::Variables {
            input: input.clone(),
        })
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(data)) = create.value().get() {
            navigate(
                &format!("/fai/{}", data.create_fai_report.id),
                Default::default(),
            );
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (Some(reason), Some(scope)) = (
            from_wire(&reason.get_untracked()),
            from_wire(&scope.get_untracked()),
        ) else {
            return;
        };
        create.dispatch(create_fai_report::CreateFaiReportInput {
            build_id: build.get_untracked(),
            serial: serial.get_untracked().trim().to_owned(),
            reason,
            scope,
        });
    };
    view! {
        <section class="card" aria-labelledby="new-fai-title">
            <h2 id="new-fai-title">"New first-article report"</h2>
            <form class="filters" on:submit=on_submit>
                <div class="field inline">
                    <label for="fai-build">"Build"</label>
                    <select id="fai-build" bind:value=build>
                        {move || builds.get().and_then(Result::ok).map(|data| {
                            data.builds.edges.into_iter().map(|e| {
                                let b = e.node;
                                view! {
                                    <option value=b.id.clone()>
                                        {format!("{} rev {} · {} · {}", b.product.part_number, b.package.revision, label(&b.phase), b.due_date)}
                                    </option>
                                }
                            }).collect_view()
                        })}
                    </select>
                </div>
                <div class="field inline">
                    <label for="fai-serial">"Serial"</label>
                    <input id="fai-serial" required bind:value=serial />
                </div>
                <div class="field inline">
                    <label for="fai-reason">"Reason"</label>
                    <select id="fai-reason" bind:value=reason>
                        {REASONS.iter().map(|r| view! { <option value=*r>{humanize(r)}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field inline">
                    <label for="fai-scope">"Scope"</label>
                    <select id="fai-scope" bind:value=scope>
                        <option value="FULL">"Full"</option>
                        <option value="PARTIAL">"Partial"</option>
                    </select>
                </div>
                <button id="create-fai" type="submit" class="button primary" disabled=create.pending()>"Create report"</button>
            </form>
            {move || create.value().get().and_then(Result::err).map(|error| view! { <ErrorLine error /> })}
        </section>
    }
}

/// The report as the page holds it.
type Report = fai_report::FaiReportFaiReport;

/// `/fai/:id`.
#[component]
pub fn FaiPage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let tick = RwSignal::new(0_u32);
    let report = LocalResource::new(move || {
        tick.track();
        session.run::<FaiReport>(fai_report::Variables { id: id() })
    });
    let reload = Callback::new(move |()| tick.update(|t| *t += 1));
    // Kept here, above the reload, so "Saved" outlives the report being fetched again.
    provide_context(SavedNotice(RwSignal::new(None)));
    move || match report.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
        Some(Ok(data)) => view! { <ReportView report=data.fai_report reload /> }.into_any(),
    }
}

/// What the last save of form 3 did, shown after the report reloads.
#[derive(Debug, Clone, Copy)]
struct SavedNotice(RwSignal<Option<String>>);

/// Who may do what with a report in its status.
fn can_sign(status: &str, role: Option<Role>) -> bool {
    matches!(
        (status, role),
        ("SUBMITTED", Some(Role::EmsProgramManager | Role::EmsAdmin))
            | ("EMS_APPROVED", Some(Role::OemEngineer | Role::OemAdmin))
    )
}

#[component]
fn ReportView(report: Report, reload: Callback<()>) -> impl IntoView {
    let session = Session::get();
    let status = wire(&report.status);
    let editable = status == "DRAFT" && role() == Some(Role::EmsQuality);
    let signable = can_sign(&status, role());
    let signing = RwSignal::new(false);
    let download_error = RwSignal::new(None::<ApiError>);
    let on_download = move |url: String, name: String, mime: &'static str| {
        leptos::task::spawn_local(async move {
            let result = session
                .authorized(|token| {
                    let url = url.clone();
                    async move { download(&url, &token).await }
                })
                .await
                .and_then(|bytes| save_typed(&name, mime, &bytes));
            download_error.set(result.err());
        });
    };
    let (pdf_url, csv_url) = (report.pdf_url.clone(), report.csv_url.clone());
    let short = report.id.chars().take(8).collect::<String>();
    let (pdf_name, csv_name) = (format!("fai-{short}.pdf"), format!("fai-{short}.csv"));
    let b = report.build.clone();
    let title = format!(
        "FAI {} {} rev {} · {}",
        b.product.part_number, b.product.name, b.package.revision, report.unit.serial
    );
    let accountability = report.accountability.clone();
    let form1 = accountability.get("form1").cloned().unwrap_or(Value::Null);
    let form2 = accountability.get("form2").cloned().unwrap_or(Value::Null);
    let submit = Action::new_local(move |id: &String| {
        session.run::<SubmitFaiReport>(submit_fai_report::Variables { id: id.clone() })
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = submit.value().get() {
            reload.run(());
        }
    });
    let report_id = report.id.clone();
    let sign_id = report.id.clone();
    let sign_title = format!(
        "{} (serial {})",
        report.build.product.part_number, report.unit.serial
    );
    let sign_hash = report.content_hash.clone();
    let sign_status = status.clone();
    let sign_summary = report
        .characteristics
        .iter()
        .fold((0, 0, 0), |(p, f, o), c| {
            match c.status.as_ref().map(wire).as_deref() {
                Some("PASS") => (p + 1, f, o),
                Some("FAIL") => (p, f + 1, o),
                _ => (p, f, o + 1),
            }
        });
    view! {
        <section class="card" aria-labelledby="fai-report-title">
            <div class="card-head">
                <h1 id="fai-report-title">{title}</h1>
                <span id="fai-status" data-status=status.clone()><WireBadge status=status.clone() /></span>
            </div>
            <dl class="facts">
                <dt>"Reason"</dt>
                <dd>{label(&report.reason)}</dd>
                <dt>"Scope"</dt>
                <dd>{label(&report.scope)}</dd>
                <dt>"OEM → EMS"</dt>
                <dd>{format!("{} → {}", b.oem.name, b.ems.name)}</dd>
                <dt>"Build"</dt>
                <dd><A href=format!("/builds/{}", b.id)>{label(&b.phase)}</A></dd>
                <dt>"Content hash"</dt>
                <dd class="mono small hash" id="content-hash">{report.content_hash.clone()}</dd>
            </dl>
            <div class="actions">
                <button id="download-pdf" type="button" class="button secondary" on:click={
                    let (u, n) = (pdf_url.clone(), pdf_name.clone());
                    move |_| on_download(u.clone(), n.clone(), "application/pdf")
                }>"Download PDF"</button>
                <button id="download-csv" type="button" class="button secondary" on:click={
                    let (u, n) = (csv_url.clone(), csv_name.clone());
                    move |_| on_download(u.clone(), n.clone(), "text/csv")
                }>"Characteristics CSV"</button>
                {signable.then(|| view! {
                    <button id="sign-fai" type="button" class="button primary" on:click=move |_| signing.set(true)>
                        "Sign…"
                    </button>
                })}
                {editable.then(|| {
                    let id = report_id.clone();
                    view! {
                        <button id="submit-fai" type="button" class="button primary" disabled=submit.pending()
                            on:click=move |_| { submit.dispatch(id.clone()); }>
                            "Submit for signature"
                        </button>
                    }
                })}
            </div>
            {move || submit.value().get().and_then(Result::err).map(|error| view! { <ErrorLine error /> })}
            {move || download_error.get().map(|error| view! { <ErrorLine error /> })}
        </section>
        {move || signing.get().then(|| view! {
            <SignDialog
                report_id=sign_id.clone()
                title=sign_title.clone()
                hash=sign_hash.clone()
                status=sign_status.clone()
                summary=sign_summary
                close=Callback::new(move |signed: bool| {
                    signing.set(false);
                    if signed { reload.run(()); }
                })
            />
        })}
        <Timeline signatures=report.signatures.clone() />
        <section class="card" aria-labelledby="form1-title" id="form1">
            <h2 id="form1-title">"Form 1 · Part accountability"</h2>
            <JsonView value=form1 />
        </section>
        <section class="card" aria-labelledby="form2-title" id="form2">
            <h2 id="form2-title">"Form 2 · Product accountability"</h2>
            <JsonView value=form2 />
        </section>
        <section class="card" aria-labelledby="form3-title" id="form3">
            <h2 id="form3-title">"Form 3 · Characteristic accountability"</h2>
            {if editable {
                view! { <Editor report=report.clone() reload /> }.into_any()
            } else {
                view! { <Characteristics report=report.clone() /> }.into_any()
            }}
        </section>
        <Evidence report=report.clone() editable />
    }
}

/// Every signature, oldest first, as a timeline.
#[component]
fn Timeline(signatures: Vec<fai_report::FaiReportFaiReportSignatures>) -> impl IntoView {
    let empty = signatures.is_empty();
    view! {
        <section class="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Signatures"</h2>
            {empty.then(|| view! { <p class="muted">"Not signed yet."</p> })}
            <ol class="timeline" id="timeline">
                {signatures.into_iter().map(|s| {
                    let meaning = wire(&s.meaning);
                    view! {
                        <li data-testid="signature" data-meaning=meaning.clone()>
                            <p>
                                <strong>{humanize(&meaning)}</strong>
                                " by "
                                <span class="signer">{s.signer.printed_name}</span>
                                <span class="muted">{format!(" <{}>", s.signer.email)}</span>
                                <span class="muted">{format!(" · {}", short_time(&s.signed_at))}</span>
                            </p>
                            {(!s.reason.is_empty()).then(|| view! { <p class="small">{format!("Reason: {}", s.reason)}</p> })}
                            <p class="mono small hash">{format!("SHA-256 {}", s.content_hash)}</p>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

/// Forms 1 and 2 (stored as JSON) as nested facts and tables, in words: enum values as people
/// say them, times in the viewer's zone, measurements as a table with units.
#[component]
fn JsonView(value: Value) -> impl IntoView {
    json_view(None, value)
}

/// Members whose values are closed-set wire spellings.
const ENUM_KEYS: [&str; 6] = [
    "ipcClass",
    "reason",
    "scope",
    "buildPhase",
    "kind",
    "result",
];

fn json_view(key: Option<&str>, value: Value) -> AnyView {
    if key == Some("measurements") {
        return measurements_view(&value);
    }
    match value {
        Value::Null => view! { <span class="muted">"—"</span> }.into_any(),
        Value::Object(map) => view! {
            <dl class="facts">
                {map.into_iter().map(|(k, v)| view! {
                    <dt>{humanize_key(&k)}</dt>
                    <dd>{json_view(Some(&k), v)}</dd>
                }).collect_view()}
            </dl>
        }
        .into_any(),
        Value::Array(items) if items.is_empty() => {
            view! { <span class="muted">"None"</span> }.into_any()
        }
        Value::Array(items) if items.iter().all(Value::is_object) => {
            let mut keys: Vec<String> = Vec::new();
            for item in &items {
                if let Value::Object(m) = item {
                    for k in m.keys() {
                        if !keys.contains(k) {
                            keys.push(k.clone());
                        }
                    }
                }
            }
            view! {
                <div class="table-wrap">
                    <table class="table">
                        <thead><tr>{keys.iter().map(|k| view! { <th scope="col">{humanize_key(k)}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {items.into_iter().map(|item| {
                                let keys = keys.clone();
                                view! {
                                    <tr>{keys.into_iter().map(|k| {
                                        let v = item.get(&k).cloned().unwrap_or(Value::Null);
                                        view! { <td>{json_view(Some(&k), v)}</td> }
                                    }).collect_view()}</tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
            .into_any(),
        Value::String(s) if key.is_some_and(|k| ENUM_KEYS.contains(&k)) => {
            words::humanize(&s).into_any()
        }
        Value::String(s) if key.is_some_and(|k| k == "at" || k.ends_with("At")) => {
            short_time(&s).into_any()
        }
        Value::String(s) => s.into_any(),
        Value::Bool(b) => (if b { "Yes" } else { "No" }).into_any(),
        other => other.to_string().into_any(),
    }
}

/// Station measurements as a small table of name, value and unit.
fn measurements_view(value: &Value) -> AnyView {
    let rows = words::measurement_rows(value);
    if rows.is_empty() {
        return view! { <span class="muted">"—"</span> }.into_any();
    }
    view! {
        <table class="table measurements" data-testid="measurements">
            <thead><tr><th scope="col">"Measured"</th><th scope="col">"Value"</th><th scope="col">"Unit"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|m| view! {
                    <tr><td>{m.name}</td><td class="num">{m.value}</td><td>{m.unit}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// A member name of forms 1 and 2 in words (`class3Additions`: "Class 3 additions").
fn humanize_key(key: &str) -> String {
    let known = match key {
        "partNumber" => "Part number",
        "partName" => "Part name",
        "serial" => "Serial number",
        "drawingNumber" => "Drawing number",
        "drawingRevision" => "Drawing revision",
        "ipcClass" => "IPC-A-610 class",
        "class3Additions" => "Class 3 additions",
        "scope" => "Full or partial",
        "buildPhase" => "Build phase",
        "mpn" => "MPN",
        "lotCode" => "Lot",
        "reelId" => "Reel",
        "dateCode" => "Date code",
        "at" => "Recorded",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in key.chars() {
        match previous {
            None => out.push(c.to_ascii_uppercase()),
            Some(p) => {
                if c.is_ascii_uppercase() || (c.is_ascii_digit() && !p.is_ascii_digit()) {
                    out.push(' ');
                }
                out.push(c.to_ascii_lowercase());
            }
        }
        previous = Some(c);
    }
    out
}

/// Form 3, read only.
#[component]
fn Characteristics(report: Report) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table" id="characteristics">
                <thead><tr>
                    <th scope="col">"#"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Designator"</th>
                    <th scope="col">"Requirement"</th>
                    <th scope="col">"Method"</th>
                    <th scope="col">"Result"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"NCR"</th>
                </tr></thead>
                <tbody>
                    {report.characteristics.into_iter().map(|c| {
                        let status = c.status.as_ref().map(wire).unwrap_or_default();
                        view! {
                            <tr data-testid="characteristic" data-status=status.clone() class:row-fail=status == "FAIL">
                                <td>{c.number}</td>
                                <td>{label(&c.kind)}</td>
                                <td class="mono">{c.designator.unwrap_or_default()}</td>
                                <td>{c.requirement}<br /><span class="muted small">{c.criteria}</span></td>
                                <td>{c.method}</td>
                                <td>{c.result.unwrap_or_default()}</td>
                                <td>{(!status.is_empty()).then(|| view! { <WireBadge status=status.clone() /> })}</td>
                                <td data-testid="characteristic-ncr">{match c.ncr {
                                    Some(ncr) => view! { <A href=format!("/ncrs/{}", ncr.id)>{ncr.number}</A> }.into_any(),
                                    None => c.nonconformance_ref.unwrap_or_default().into_any(),
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// One editable row of form 3.
#[derive(Debug, Clone, Copy)]
struct Row {
    result: RwSignal<String>,
    status: RwSignal<String>,
    ncr: RwSignal<String>,
    /// The linked NCR: id and number.
    linked: RwSignal<Option<(String, String)>>,
}

/// Moves focus to the next entry field of the table on Enter (Tab does so by itself).
fn enter_moves_on(ev: KeyboardEvent) {
    if ev.key() != "Enter" {
        return;
    }
    ev.prevent_default();
    let Some(target) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(fields) = document.query_selector_all("#char-table [data-entry]") else {
        return;
    };
    let list: Vec<web_sys::Element> = (0..fields.length())
        .filter_map(|i| fields.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
        .collect();
    let next = list
        .iter()
        .position(|e| *e == target)
        .and_then(|i| list.get(i + 1));
    match next.and_then(|e| e.clone().dyn_into::<web_sys::HtmlElement>().ok()) {
        Some(next) => {
            let _ = next.focus();
        }
        None => {
            if let Some(save) = document
                .get_element_by_id("save-characteristics")
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = save.focus();
            }
        }
    }
}

/// Form 3 for EMS quality: results typed in row by row, saved together.
#[component]
fn Editor(report: Report, reload: Callback<()>) -> impl IntoView {
    let session = Session::get();
    let rows: Vec<(fai_report::FaiReportFaiReportCharacteristics, Row)> = report
        .characteristics
        .iter()
        .map(|c| {
            let row = Row {
                result: RwSignal::new(c.result.clone().unwrap_or_default()),
                status: RwSignal::new(c.status.as_ref().map(wire).unwrap_or_default()),
                ncr: RwSignal::new(c.nonconformance_ref.clone().unwrap_or_default()),
                linked: RwSignal::new(c.ncr.as_ref().map(|n| (n.id.clone(), n.number.clone()))),
            };
            (c.clone(), row)
        })
        .collect();
    let form_error = RwSignal::new(None::<String>);
    let saved = use_context::<SavedNotice>()
        .map(|n| n.0)
        .unwrap_or_else(|| RwSignal::new(None));
    let report_id = report.id.clone();
    let save = Action::new_local(
        move |updates: &Vec<update_fai_characteristics::FaiCharacteristicUpdate>| {
            session.run::<UpdateFaiCharacteristics>(update_fai_characteristics::Variables {
                report_id: report_id.clone(),
                updates: updates.clone(),
            })
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            let count = save.input().get_untracked().map_or(0, |u| u.len());
            saved.set(Some(format!(
                "Saved: {}.",
                words::count(count as i64, "result", "results")
            )));
            reload.run(());
        }
    });
    let all_rows: Vec<(String, Row)> = rows.iter().map(|(c, r)| (c.id.clone(), *r)).collect();
    let on_save = move |_| {
        let mut updates = Vec::new();
        for (id, row) in &all_rows {
            let result = row.result.get_untracked().trim().to_owned();
            let status = row.status.get_untracked();
            let ncr = row.ncr.get_untracked().trim().to_owned();
            if result.is_empty() && status.is_empty() {
                continue;
            }
            let Some(status_wire) =
                from_wire::<update_fai_characteristics::CharacteristicStatus>(&status)
            else {
                form_error.set(Some(
                    "Every row with a result needs PASS or FAIL.".to_owned(),
                ));
                return;
            };
            if status == "FAIL" && ncr.is_empty() {
                form_error.set(Some(
                    "A failing characteristic needs a nonconformance reference (NCR).".to_owned(),
                ));
                return;
            }
            updates.push(update_fai_characteristics::FaiCharacteristicUpdate {
                id: id.clone(),
                result,
                status: status_wire,
                nonconformance_ref: (!ncr.is_empty()).then_some(ncr),
                ncr_id: None,
            });
        }
        if updates.is_empty() {
            form_error.set(Some("Type at least one result before saving.".to_owned()));
            return;
        }
        form_error.set(None);
        saved.set(None);
        save.dispatch(updates);
    };
    let table_rows = rows
        .into_iter()
        .map(|(c, row)| {
            let failing = move || row.status.get() == "FAIL";
            let ncr_missing = move || failing() && row.ncr.get().trim().is_empty();
            let saved_status = c.status.as_ref().map(wire).unwrap_or_default();
            let opener = OpenFromCharacteristic {
                id: c.id.clone(),
                number: c.number,
                requirement: c.requirement.clone(),
            };
            view! {
                <tr data-testid="char-row" data-number=c.number data-saved-status=saved_status class:row-fail=failing>
                    <td>{c.number}</td>
                    <td>{label(&c.kind)}</td>
                    <td class="mono">{c.designator.clone().unwrap_or_default()}</td>
                    <td>{c.requirement.clone()}<br /><span class="muted small">{c.method.clone()}</span></td>
                    <td>
                        <input data-entry data-testid="char-result" aria-label=format!("Result of {}", c.number)
                            bind:value=row.result on:keydown=enter_moves_on />
                    </td>
                    <td>
                        <select data-entry data-testid="char-status" aria-label=format!("Status of {}", c.number)
                            bind:value=row.status on:keydown=enter_moves_on>
                            <option value="">"—"</option>
                            <option value="PASS">"Pass"</option>
                            <option value="FAIL">"Fail"</option>
                        </select>
                    </td>
                    <td>
                        {move || match row.linked.get() {
                            Some((id, number)) => view! {
                                <A href=format!("/ncrs/{id}") attr:data-testid="char-ncr-link">{number}</A>
                            }.into_any(),
                            None => view! {
                                <input data-entry data-testid="char-ncr" aria-label=format!("NCR of {}", c.number)
                                    required=failing aria-invalid=move || ncr_missing().to_string()
                                    placeholder=move || if failing() { "Required" } else { "" }
                                    bind:value=row.ncr on:keydown=enter_moves_on />
                                {let opener = opener.clone(); move || failing().then(|| view! { <OpenNcrButton opener=opener.clone() row /> })}
                            }.into_any(),
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted small">"Type a result, Tab or Enter to move on; a FAIL needs an NCR reference."</p>
        <div class="table-wrap">
            <table class="table editor" id="char-table">
                <thead><tr>
                    <th scope="col">"#"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Designator"</th>
                    <th scope="col">"Requirement / method"</th>
                    <th scope="col">"Result"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"NCR"</th>
                </tr></thead>
                <tbody>{table_rows}</tbody>
            </table>
        </div>
        {move || form_error.get().map(|m| view! { <p role="alert" class="alert">{m}</p> })}
        {move || save.value().get().and_then(Result::err).map(|error| view! { <ErrorLine error /> })}
        <div class="actions">
            <button id="save-characteristics" type="button" class="button primary" disabled=save.pending() on:click=on_save>
                "Save results"
            </button>
            {move || saved.get().map(|m| view! { <span class="saved" role="status" id="saved">{m}</span> })}
        </div>
        <AddCharacteristic report_id=report.id.clone() reload />
    }
}

/// What an NCR opened from a failed characteristic is about.
#[derive(Debug, Clone)]
struct OpenFromCharacteristic {
    id: String,
    number: i64,
    requirement: String,
}

/// Opens an NCR for a failed characteristic (the inspected unit is contained at once) and links
/// it to the row, without losing the results typed in other rows.
#[component]
fn OpenNcrButton(opener: OpenFromCharacteristic, row: Row) -> impl IntoView {
    let session = Session::get();
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let on_click = move |_| {
        let result = row.result.get_untracked().trim().to_owned();
        let found = if result.is_empty() {
            "failed".to_owned()
        } else {
            format!("found {result}")
        };
        let input = open_ncr::OpenNcrInput {
            build_id: None,
            title: format!("FAI characteristic {} failed", opener.number),
            description: format!("Required: {}. First article {found}.", opener.requirement),
            severity: open_ncr::NcrSeverity::MAJOR,
            defect_ids: Vec::new(),
            serials: Vec::new(),
            lot_ids: Vec::new(),
            fai_characteristic_ids: vec![opener.id.clone()],
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match session.run::<OpenNcr>(open_ncr::Variables { input }).await {
                Ok(d) => {
                    row.ncr.set(d.open_ncr.number.clone());
                    row.linked.set(Some((d.open_ncr.id, d.open_ncr.number)));
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <button type="button" class="button small" data-testid="char-open-ncr" disabled=busy on:click=on_click
            aria-label=format!("Open an NCR for characteristic {}", opener.number)>
            "Open NCR"
        </button>
        {move || error.get().map(|error| view! { <ErrorLine error /> })}
    }
}

/// A free characteristic: kind, requirement, method, designator.
#[component]
fn AddCharacteristic(report_id: String, reload: Callback<()>) -> impl IntoView {
    let session = Session::get();
    let kind = RwSignal::new("DIMENSION".to_owned());
    let requirement = RwSignal::new(String::new());
    let method = RwSignal::new(String::new());
    let designator = RwSignal::new(String::new());
    let add = Action::new_local(
        move |input: &add_fai_characteristic::AddFaiCharacteristicInput| {
            session.run::<AddFaiCharacteristic>(add_fai_characteristic::Variables {
                input: input.clone(),
            })
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            reload.run(());
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(kind) = from_wire(&kind.get_untracked()) else {
            return;
        };
        let designator = designator.get_untracked().trim().to_owned();
        add.dispatch(add_fai_characteristic::AddFaiCharacteristicInput {
            report_id: report_id.clone(),
            kind,
            requirement: requirement.get_untracked().trim().to_owned(),
            method: method.get_untracked().trim().to_owned(),
            designator: (!designator.is_empty()).then_some(designator),
        });
    };
    view! {
        <details class="add-characteristic">
            <summary>"Add a characteristic"</summary>
            <form class="filters" on:submit=on_submit>
                <div class="field inline">
                    <label for="new-char-kind">"Kind"</label>
                    <select id="new-char-kind" bind:value=kind>
                        {KINDS.iter().map(|k| view! { <option value=*k>{humanize(k)}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field inline">
                    <label for="new-char-requirement">"Requirement"</label>
                    <input id="new-char-requirement" required bind:value=requirement />
                </div>
                <div class="field inline">
                    <label for="new-char-method">"Method"</label>
                    <input id="new-char-method" required bind:value=method />
                </div>
                <div class="field inline">
                    <label for="new-char-designator">"Designator"</label>
                    <input id="new-char-designator" bind:value=designator />
                </div>
                <button id="add-characteristic" type="submit" class="button secondary" disabled=add.pending()>"Add"</button>
            </form>
            {move || add.value().get().and_then(Result::err).map(|error| view! { <ErrorLine error /> })}
        </details>
    }
}

/// An evidence file as listed.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct EvidenceRow {
    characteristic_id: Option<String>,
    name: String,
    size_bytes: i64,
    sha256: String,
    created_at: String,
}

/// Evidence files, and for a DRAFT an upload with a progress bar per file.
#[component]
fn Evidence(report: Report, editable: bool) -> impl IntoView {
    let session = Session::get();
    // Updated from each upload's answer, not by reloading the report: a reload would throw
    // away results typed into form 3 and not yet saved.
    let rows = RwSignal::new(
        report
            .evidence
            .iter()
            .map(|e| EvidenceRow {
                characteristic_id: e.characteristic_id.clone(),
                name: e.name.clone(),
                size_bytes: e.size_bytes,
                sha256: e.sha256.clone(),
                created_at: e.created_at.clone(),
            })
            .collect::<Vec<_>>(),
    );
    let uploads = RwSignal::new(Vec::<(
        String,
        RwSignal<f64>,
        RwSignal<Option<Result<(), ApiError>>>,
    )>::new());
    // Which characteristic the next files support ("" for the report as a whole).
    let target = RwSignal::new(String::new());
    let numbers: Vec<(String, i64, String)> = report
        .characteristics
        .iter()
        .map(|c| {
            let what = c
                .designator
                .clone()
                .unwrap_or_else(|| c.requirement.clone());
            (c.id.clone(), c.number, what)
        })
        .collect();
    let number_of = {
        let numbers = numbers.clone();
        move |id: &str| numbers.iter().find(|(i, _, _)| i == id).map(|(_, n, _)| *n)
    };
    let report_id = report.id.clone();
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(list) = input.files() else {
            return;
        };
        let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        input.set_value("");
        let report_id = report_id.clone();
        let characteristic = Some(target.get_untracked()).filter(|t| !t.is_empty());
        leptos::task::spawn_local(async move {
            for file in files {
                let progress = RwSignal::new(0.0);
                let outcome = RwSignal::new(None);
                uploads.update(|u| u.push((file.name(), progress, outcome)));
                let result = session
                    .authorized(|token| {
                        let (report_id, file) = (report_id.clone(), file.clone());
                        let characteristic = characteristic.clone();
                        async move {
                            upload_evidence(
                                &report_id,
                                characteristic.as_deref(),
                                &file,
                                &token,
                                move |f| progress.set(f),
                            )
                            .await
                        }
                    })
                    .await;
                progress.set(1.0);
                let result = result.and_then(|list| {
                    serde_json::from_value::<Vec<EvidenceRow>>(list)
                        .map_err(|e| ApiError::Protocol(e.to_string()))
                });
                match result {
                    Ok(list) => {
                        rows.set(list);
                        outcome.set(Some(Ok(())));
                    }
                    Err(e) => outcome.set(Some(Err(e))),
                }
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="evidence-title">
            <h2 id="evidence-title">"Evidence"</h2>
            <ul class="evidence" id="evidence">
                {move || rows.get().into_iter().map(|e| view! {
                    <li data-testid="evidence-row">
                        <span>{e.name}</span>
                        {e.characteristic_id.as_deref().and_then(&number_of).map(|n| view! {
                            <span class="badge">{format!("#{n}")}</span>
                        })}
                        <span class="muted small">{format!(" · {} · {}", human_size(e.size_bytes), short_time(&e.created_at))}</span>
                        <span class="mono small hash">{format!(" SHA-256 {}", e.sha256)}</span>
                    </li>
                }).collect_view()}
            </ul>
            {editable.then(|| view! {
                <div class="field">
                    <label for="evidence-for">"Supports"</label>
                    <select id="evidence-for" bind:value=target>
                        <option value="">"The whole report"</option>
                        {numbers.iter().map(|(id, n, what)| view! {
                            <option value=id.clone()>{format!("#{n} {what}")}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="evidence-input">"Attach AOI/X-ray images or measurement exports"</label>
                    <input id="evidence-input" type="file" multiple on:change=on_change />
                </div>
                <ul class="uploads">
                    {move || uploads.get().into_iter().map(|(name, progress, outcome)| {
                        let state = move || match outcome.get() {
                            None => "uploading",
                            Some(Ok(())) => "done",
                            Some(Err(_)) => "failed",
                        };
                        view! {
                            <li data-testid="evidence-upload" data-state=state>
                                <span>{name}</span>
                                <progress max="1" value=move || progress.get()></progress>
                                {move || outcome.get().and_then(Result::err).map(|error| view! { <ErrorLine error /> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

/// The signing dialog: what is signed (report, content hash), meaning, reason, password.
#[component]
fn SignDialog(
    report_id: String,
    title: String,
    hash: String,
    status: String,
    /// Characteristics passed, failed and without a result.
    summary: (usize, usize, usize),
    close: Callback<bool>,
) -> impl IntoView {
    let (passed, failed, open) = summary;
    let session = Session::get();
    // Approving moves the report on (SUBMITTED → EMS_APPROVED → APPROVED); a REVIEWED
    // signature is recorded without changing the status.
    let meaning = RwSignal::new("APPROVED".to_owned());
    let next = if status == "SUBMITTED" {
        "Approving sends the report to the customer for the final signature."
    } else {
        "Approving releases the first article: production may start."
    };
    let reason = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form_error = RwSignal::new(None::<String>);
    let sign = Action::new_local(move |vars: &sign_fai_report::Variables| {
        session.run::<SignFaiReport>(vars.clone())
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = sign.value().get() {
            close.run(true);
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(m) = from_wire::<sign_fai_report::SignatureMeaning>(&meaning.get_untracked())
        else {
            return;
        };
        if password.get_untracked().is_empty() {
            form_error.set(Some("Enter your password to sign.".to_owned()));
            return;
        }
        if meaning.get_untracked() == "REJECTED" && reason.get_untracked().trim().is_empty() {
            form_error.set(Some("Say why you reject the report.".to_owned()));
            return;
        }
        form_error.set(None);
        sign.dispatch(sign_fai_report::Variables {
            id: report_id.clone(),
            password: password.get_untracked(),
            meaning: m,
            reason: reason.get_untracked().trim().to_owned(),
        });
    };
    view! {
        <div
            class="dialog-backdrop"
            on:keydown=move |ev: KeyboardEvent| {
                if ev.key() == "Escape" {
                    close.run(false);
                }
            }
        >
            <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="sign-title" id="sign-dialog">
                <h2 id="sign-title">"Sign the first-article report"</h2>
                <form class="form" on:submit=on_submit>
                    <dl class="facts">
                        <dt>"Report"</dt>
                        <dd id="sign-report">{title}</dd>
                        <dt>"Content hash (SHA-256)"</dt>
                        <dd class="mono small hash" id="sign-hash">{hash}</dd>
                    </dl>
                    <p class="sign-summary" id="sign-summary" data-passed=passed.to_string() data-failed=failed.to_string() data-open=open.to_string()>
                        <span>{words::count(passed as i64, "characteristic passed", "characteristics passed")}</span>
                        <span class:fail={failed > 0}>{words::count(failed as i64, "failed", "failed")}</span>
                        {(open > 0).then(|| view! { <span>{format!("{open} without a result")}</span> })}
                        {(failed > 0).then(|| view! { <span class="muted small">"(each failure has its NCR in form 3)"</span> })}
                    </p>
                    <div class="field">
                        <label for="sign-meaning">"Meaning"</label>
                        <select id="sign-meaning" bind:value=meaning>
                            <option value="REVIEWED">"Reviewed"</option>
                            <option value="APPROVED">"Approved"</option>
                            <option value="REJECTED">"Rejected (back to draft)"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="sign-reason">"Reason"</label>
                        <textarea id="sign-reason" rows="2" bind:value=reason></textarea>
                    </div>
                    <div class="field">
                        <label for="sign-password">"Your password"</label>
                        <input id="sign-password" type="password" autocomplete="current-password" bind:value=password />
                    </div>
                    <p class="small" id="sign-effect">{next}</p>
                    <p class="muted small">"Signing records your printed name, the time, the meaning, the reason and the hash above."</p>
                    {move || form_error.get().map(|m| view! { <p role="alert" class="alert">{m}</p> })}
                    {move || sign.value().get().and_then(Result::err).map(|error| view! { <ErrorLine error /> })}
                    <div class="actions">
                        <button id="confirm-sign" type="submit" class="button primary" disabled=sign.pending()>"Sign"</button>
                        <button id="cancel-sign" type="button" class="button secondary" on:click=move |_| close.run(false)>"Cancel"</button>
                    </div>
                </form>
            </div>
        </div>
    }
}
