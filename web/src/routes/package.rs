//! `/packages/:id`: one NPI package — facts, workflow actions, files and upload, findings,
//! the board viewer, the BOM, and the review thread.
//!
//! Page-level state (viewer, selection, highlighted BOM row, uploads) lives in the page so it
//! survives reloads of the package after each change.

mod files;
mod review;

use std::sync::Arc;

use firstpass_shared::cad::Severity;
use firstpass_shared::domain::PackageStatus;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::files::download;
use crate::api::ops::{ipc_from_wire, package, Package};
use crate::api::ApiError;
use crate::routes::quality::{quality_refs, QualityLinks};
use crate::session::Session;
use crate::table::{matches, natural_cmp, Sort, SortHeader};
use crate::ui::{ipc_label, severity_label, ErrorLine, Loading, StatusBadge};
use crate::viewer::{safe_id, BoardViewer, Drawing, ViewerFile, ViewerState};

/// The package as the page query returns it.
pub type Pkg = package::PackageNpiPackage;

/// A stored file the viewer needs: enough to download it and to know what it is.
#[derive(Debug, Clone, PartialEq)]
struct FileRef {
    name: String,
    url: String,
    layer_function: Option<firstpass_shared::cad::LayerFunction>,
}

/// Scrolls the element with `id` into view and moves keyboard focus there.
pub fn reveal(id: &str) {
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return;
    };
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_behavior(web_sys::ScrollBehavior::Smooth);
    options.set_block(web_sys::ScrollLogicalPosition::Center);
    el.scroll_into_view_with_scroll_into_view_options(&options);
    if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
        let _ = el.focus();
    }
}

/// `/packages/:id`.
#[component]
pub fn PackagePage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let version = RwSignal::new(0_u32);
    let pkg = LocalResource::new(move || {
        version.track();
        let id = id();
        async move {
            session
                .run::<Package>(package::Variables { id })
                .await
                .map(|d| Arc::new(d.npi_package))
        }
    });
    let reload = Callback::new(move |()| version.update(|v| *v += 1));

    // The stored files' bytes, fetched again only when the set of files changes.
    let refs = Memo::new(move |_| {
        pkg.get().and_then(Result::ok).map(|p| {
            p.files
                .iter()
                .map(|f| FileRef {
                    name: f.name.clone(),
                    url: f.download_url.clone(),
                    layer_function: f.layer_function_override,
                })
                .collect::<Vec<_>>()
        })
    });
    let stored = LocalResource::new(move || {
        let refs = refs.get();
        async move {
            let mut out = Vec::new();
            for r in refs.unwrap_or_default() {
                let url = r.url.clone();
                let bytes = session
                    .authorized(move |token| {
                        let url = url.clone();
                        async move { download(&url, &token).await }
                    })
                    .await?;
                out.push(ViewerFile {
                    name: r.name,
                    bytes,
                    layer_function: r.layer_function,
                });
            }
            Ok::<_, ApiError>(Arc::new(out))
        }
    });
    // Drawn by the board module, loaded with the first board shown.
    let drawn = LocalResource::new(move || async move {
        let files = stored.await?;
        crate::cad::draw(&files)
            .await
            .map(|d| Arc::new(Drawing::new(d)))
            .map_err(ApiError::Protocol)
    });
    let drawing = Memo::new(move |_| drawn.get());

    let viewer = ViewerState::new();
    let highlight_row = RwSignal::new(None::<(String, i64)>);
    let uploads = files::UploadState::new();

    view! {
        {move || match pkg.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(error)) => view! {
                <section class="card narrow">
                    <h1>"Package"</h1>
                    <ErrorLine error />
                    <A href="/packages">"All packages"</A>
                </section>
            }.into_any(),
            Some(Ok(p)) => view! {
                <PackageView p viewer highlight_row uploads stored drawing reload />
            }.into_any(),
        }}
    }
}

#[component]
fn PackageView(
    p: Arc<Pkg>,
    viewer: ViewerState,
    highlight_row: RwSignal<Option<(String, i64)>>,
    uploads: files::UploadState,
    stored: LocalResource<Result<Arc<Vec<ViewerFile>>, ApiError>>,
    drawing: Memo<Option<Result<Arc<Drawing>, ApiError>>>,
    reload: Callback<()>,
) -> impl IntoView {
    let editable = matches!(
        p.status,
        PackageStatus::Draft | PackageStatus::ChangesRequested
    );
    let errors = p
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = p.findings.len() - errors;
    let quantities = if p.quantities.is_empty() {
        "—".to_owned()
    } else {
        p.quantities
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let board = p.board.as_ref().map(|b| {
        format!(
            "{:.1} × {:.1} mm{}, {} copper layers",
            b.width_mm,
            b.height_mm,
            if b.size_from_outline {
                ""
            } else {
                " (extent of the copper: no outline)"
            },
            b.layer_count
        )
    });
    // Other revisions of the product, to compare this one with.
    let compare_links = p
        .product
        .packages
        .iter()
        .filter(|o| o.id != p.id)
        .map(|o| {
            view! {
                <A href=format!("/packages/{}/compare/{}", p.id, o.id) attr:data-testid="compare-link">
                    {format!("rev {}", o.revision)}
                </A>
                " "
            }
        })
        .collect::<Vec<_>>();
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <A href="/packages">"Packages"</A>
            " / "
            <span>{format!("{} rev {}", p.product.part_number, p.revision)}</span>
        </nav>
        <section class="card" aria-labelledby="package-title">
            <div class="card-head">
                <h1 id="package-title">
                    <span class="mono">{p.product.part_number.clone()}</span>
                    " "
                    {p.product.name.clone()}
                    " · rev "
                    {p.revision.clone()}
                </h1>
                <span id="package-status" data-status=p.status.as_str()>
                    <StatusBadge status=p.status />
                </span>
            </div>
            <dl class="facts">
                <dt>"OEM → EMS"</dt>
                <dd>{format!("{} → {}", p.oem.name, p.ems.name)}</dd>
                <dt>"IPC-A-610"</dt>
                <dd>{ipc_from_wire(&p.ipc_class).map(ipc_label).unwrap_or("—")}</dd>
                <dt>"Quantities"</dt>
                <dd>{quantities}</dd>
                <dt>"Board"</dt>
                <dd id="board-facts">{board.unwrap_or_else(|| "not known yet (needs an outline)".to_owned())}</dd>
                {(!compare_links.is_empty()).then(|| view! {
                    <dt>"Compare with"</dt>
                    <dd id="compare-with">{compare_links}</dd>
                })}
                {(p.status == PackageStatus::Accepted || !p.ncrs.is_empty()).then(|| view! {
                    <dt>"NCRs"</dt>
                    <dd id="package-ncrs"><QualityLinks items=quality_refs!(p.ncrs.clone()) path="ncrs" /></dd>
                    <dt>"Corrective actions"</dt>
                    <dd id="package-capas"><QualityLinks items=quality_refs!(p.capas.clone()) path="capas" /></dd>
                })}
                <dt>"Findings"</dt>
                <dd id="finding-counts">{format!("{}, {}", crate::words::count(errors as i64, "error", "errors"), crate::words::count(warnings as i64, "warning", "warnings"))}</dd>
                {p.content_hash.clone().map(|h| view! {
                    <dt>"Content hash"</dt>
                    <dd class="mono hash" title=h.clone()>{h.clone()}</dd>
                })}
                {(!p.notes.is_empty()).then(|| view! {
                    <dt>"Notes"</dt>
                    <dd class="notes">{p.notes.clone()}</dd>
                })}
            </dl>
            <review::Actions p=p.clone() reload />
            {(p.status == PackageStatus::Accepted
                && Session::get().profile().is_some_and(|me| crate::routes::floor::plans(me.role)))
                .then(|| view! {
                    <p class="actions">
                        <A href=format!("/builds/new?package={}", p.id) attr:class="button primary" attr:id="plan-build">
                            "Plan a build"
                        </A>
                    </p>
                })}
        </section>

        <files::FilesSection p=p.clone() editable uploads stored reload />

        <section class="card" aria-labelledby="findings-title">
            <h2 id="findings-title">"Findings"</h2>
            <FindingsList p=p.clone() viewer highlight_row />
        </section>

        <section class="card" aria-labelledby="viewer-title">
            <h2 id="viewer-title">"Board"</h2>
            {move || match drawing.get() {
                None => view! { <Loading text="Downloading and drawing the layers…" /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(d)) if d.top.is_none() => view! {
                    <p class="muted" id="no-board">"No Gerber or drill file to draw yet."</p>
                }.into_any(),
                Some(Ok(d)) => view! { <BoardViewer drawing=d state=viewer /> }.into_any(),
            }}
        </section>

        <section class="card" aria-labelledby="bom-title">
            <h2 id="bom-title">"Bill of materials"</h2>
            <BomTable p=p.clone() viewer highlight_row />
        </section>

        <review::Thread p=p.clone() reload selected=viewer.selected />
    }
}

/// The server's findings, each linking to where it points.
#[component]
fn FindingsList(
    p: Arc<Pkg>,
    viewer: ViewerState,
    highlight_row: RwSignal<Option<(String, i64)>>,
) -> impl IntoView {
    if p.findings.is_empty() {
        return view! { <p class="ok" id="no-findings">"No findings: the package is complete and consistent."</p> }.into_any();
    }
    let bom_files: Vec<String> = p.bom_lines.iter().map(|l| l.file.clone()).collect();
    let layers: Vec<(String, firstpass_shared::cad::Side)> = p
        .layers
        .iter()
        .filter_map(|l| l.file.as_ref().map(|f| (f.name.clone(), l.side)))
        .collect();
    let items = p
        .findings
        .iter()
        .map(|f| {
            let severity = f.severity;
            let place = match (&f.file, f.line) {
                (Some(file), Some(line)) => format!("{file}, line {line}"),
                (Some(file), None) => file.clone(),
                _ => String::new(),
            };
            let bom_link = match (&f.file, f.line) {
                (Some(file), Some(row)) if bom_files.contains(file) => {
                    let key = (file.clone(), row);
                    Some(view! {
                        <button type="button" class="link" data-testid="finding-bom-link" on:click=move |_| {
                            highlight_row.set(Some(key.clone()));
                            reveal(&bom_row_id(&key.0, key.1));
                        }>{format!("BOM row {row}")}</button>
                    })
                }
                _ => None,
            };
            let layer_link = f.file.as_ref().and_then(|file| {
                let (name, side) = layers.iter().find(|(n, _)| n == file)?.clone();
                Some(view! {
                    <button type="button" class="link" data-testid="finding-layer-link" on:click=move |_| {
                        viewer.focus_layer(&name, side);
                        reveal("board-stage");
                    }>"Show layer"</button>
                })
            });
            let designator_link = f.designator.clone().map(|d| {
                let label = format!("Show {d} on the board");
                view! {
                    <button type="button" class="link" data-testid="finding-designator-link" on:click=move |_| {
                        viewer.composite.set(true);
                        viewer.selected.set(Some(d.clone()));
                        reveal("board-stage");
                    }>{label}</button>
                }
            });
            view! {
                <li class=format!("finding {}", severity_label(severity).to_ascii_lowercase()) data-testid="finding" data-code=f.code.clone()>
                    <span class="badge sev">{severity_label(severity)}</span>
                    <span class="small muted">{crate::words::humanize(&f.code)}</span>
                    <span class="finding-message">{f.message.clone()}</span>
                    <span class="finding-place muted small">{place}</span>
                    <span class="finding-links">{bom_link}{layer_link}{designator_link}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="findings" id="findings">{items}</ul> }.into_any()
}

/// The element id of a BOM row.
fn bom_row_id(file: &str, row: i64) -> String {
    format!("bom-{}-{row}", safe_id(file))
}

/// One BOM line as the table shows it.
#[derive(Debug, Clone, PartialEq)]
struct BomRow {
    file: String,
    row: i64,
    designators: Vec<String>,
    quantity: Option<i64>,
    mpn: String,
    manufacturer: String,
    value: String,
    package: String,
    dnp: bool,
    problems: Vec<String>,
}

impl BomRow {
    /// The ascending order of two rows by a column.
    fn cmp_by(&self, other: &Self, column: usize) -> std::cmp::Ordering {
        let first = |r: &BomRow| r.designators.first().cloned().unwrap_or_default();
        match column {
            0 => self.row.cmp(&other.row),
            2 => self.quantity.cmp(&other.quantity),
            3 => natural_cmp(&self.mpn, &other.mpn),
            4 => natural_cmp(&self.manufacturer, &other.manufacturer),
            5 => natural_cmp(&self.value, &other.value),
            6 => natural_cmp(&self.package, &other.package),
            7 => self.dnp.cmp(&other.dnp),
            8 => self.problems.len().cmp(&other.problems.len()),
            _ => natural_cmp(&first(self), &first(other)),
        }
        .then_with(|| natural_cmp(&first(self), &first(other)))
    }
}

/// The BOM lines, in natural designator order (R9 before R19), sortable by every column and
/// searchable; rows with findings are marked, the row a finding points at is highlighted.
#[component]
fn BomTable(
    p: Arc<Pkg>,
    viewer: ViewerState,
    highlight_row: RwSignal<Option<(String, i64)>>,
) -> impl IntoView {
    if p.bom_lines.is_empty() {
        return view! { <p class="muted">"No BOM yet."</p> }.into_any();
    }
    let all: Vec<BomRow> = p
        .bom_lines
        .iter()
        .map(|l| {
            let mut designators = l.designators.clone();
            designators.sort_by(|a, b| natural_cmp(a, b));
            BomRow {
                file: l.file.clone(),
                row: l.row,
                designators,
                quantity: l.quantity,
                mpn: l.mpn.clone().unwrap_or_default(),
                manufacturer: l.manufacturer.clone().unwrap_or_default(),
                value: l.value.clone().unwrap_or_default(),
                package: l.package.clone().unwrap_or_default(),
                dnp: l.dnp,
                problems: p
                    .findings
                    .iter()
                    .filter(|f| {
                        f.file.as_deref() == Some(l.file.as_str()) && f.line == Some(l.row)
                            || f.designator
                                .as_ref()
                                .is_some_and(|d| l.designators.contains(d))
                    })
                    .map(|f| f.message.clone())
                    .collect(),
            }
        })
        .collect();
    let total = all.len();
    let query = RwSignal::new(String::new());
    let sort = RwSignal::new(Sort {
        column: 1,
        ascending: true,
    });
    let shown = Memo::new(move |_| {
        let q = query.get();
        let s = sort.get();
        let mut rows: Vec<BomRow> = all
            .iter()
            .filter(|r| {
                let designators = r.designators.join(" ");
                matches(
                    &q,
                    &[&designators, &r.mpn, &r.manufacturer, &r.value, &r.package],
                )
            })
            .cloned()
            .collect();
        rows.sort_by(|a, b| s.apply(a.cmp_by(b, s.column)));
        rows
    });
    let body = move || {
        shown
            .get()
            .into_iter()
            .map(|l| {
                let key = (l.file.clone(), l.row);
                let is_problem = !l.problems.is_empty();
                let problems = l.problems.clone();
                let joined = l.designators.join(" ");
                view! {
                    <tr
                        id=bom_row_id(&l.file, l.row)
                        tabindex="-1"
                        data-testid="bom-row"
                        data-designators=joined
                        class:problem=is_problem
                        class:highlight=move || highlight_row.with(|h| h.as_ref() == Some(&key))
                    >
                        <td class="num">{l.row}</td>
                        <td class="designators">
                            {l.designators
                                .into_iter()
                                .map(|d| {
                                    let d2 = d.clone();
                                    view! {
                                        <button type="button" class="link designator" on:click=move |_| {
                                            viewer.selected.set(Some(d2.clone()));
                                            reveal("board-stage");
                                        }>{d}</button>
                                        " "
                                    }
                                })
                                .collect_view()}
                        </td>
                        <td class="num">{l.quantity.map(|q| q.to_string()).unwrap_or_default()}</td>
                        <td class="mono nowrap">{l.mpn}</td>
                        <td>{l.manufacturer}</td>
                        <td>{l.value}</td>
                        <td class="nowrap">{l.package}</td>
                        <td>{if l.dnp { "DNP" } else { "" }}</td>
                        <td class="problems">
                            {is_problem.then(|| view! {
                                <span class="badge sev" title=problems.join("\n")>
                                    {crate::words::count(problems.len() as i64, "problem", "problems")}
                                </span>
                                <span class="visually-hidden">{problems.join(". ")}</span>
                            })}
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <div class="filters" role="search">
            <div class="field inline">
                <label for="bom-search">"Search"</label>
                <input id="bom-search" type="search" placeholder="Designator, MPN, value…" bind:value=query />
            </div>
            <p class="muted small" id="bom-count" aria-live="polite">
                {move || format!("{} of {total} lines", shown.with(Vec::len))}
            </p>
        </div>
        <div class="table-wrap scroll-x" tabindex="0" aria-label="Bill of materials, scrolls sideways">
            <table class="table bom" id="bom-table">
                <thead>
                    <tr>
                        <SortHeader title="Row" column=0 sort />
                        <SortHeader title="Designators" column=1 sort />
                        <SortHeader title="Qty" column=2 sort />
                        <SortHeader title="MPN" column=3 sort />
                        <SortHeader title="Manufacturer" column=4 sort />
                        <SortHeader title="Value" column=5 sort />
                        <SortHeader title="Package" column=6 sort />
                        <SortHeader title="DNP" column=7 sort />
                        <SortHeader title="Problems" column=8 sort />
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}
