//! The package's files and layers, and the upload area: files are read, unzipped and
//! validated in the browser (with the package's stored files, by the board module
//! [`crate::cad`]) before they are sent, so the findings appear at once; then each is uploaded
//! with its own progress bar.

use std::sync::Arc;

use firstpass_shared::cad::{Finding, FindingCode, LayerFunction, Severity};
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::Pkg;
use crate::api::files::{download, read_file, save, upload};
use crate::api::ops::{remove_file, set_layer_function, RemoveFile, SetLayerFunction};
use crate::api::ApiError;
use crate::session::Session;
use crate::ui::{human_size, layer_label, severity_label, short_time, ErrorLine};
use crate::viewer::ViewerFile;

/// Where one upload stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Sending: fraction sent.
    Sending(f64),
    /// The server took it.
    Done,
    /// It failed, in words.
    Failed(String),
}

/// One file being uploaded.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadItem {
    key: u32,
    name: String,
    progress: Progress,
}

/// What the browser's check found in the package: the same facts whether the files came as
/// one IPC-2581 file or as a Gerber + drill + BOM + centroid set.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalSummary {
    /// The chosen files by kind, e.g. "9 Gerber, 2 drill, 1 BOM, 1 centroid".
    kinds: String,
    /// Board size and copper layer count, when the package has an outline.
    board: Option<String>,
    /// Component placements.
    placements: usize,
    /// BOM lines.
    bom_lines: usize,
}

/// The browser's own check of the package with the chosen files.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalCheck {
    files: Vec<String>,
    summary: LocalSummary,
    findings: Vec<Finding>,
    /// Dropped spreadsheets (XLSX BOMs), which only the server reads.
    on_upload: Vec<String>,
}

/// Uploads and the last local check, kept by the page.
#[derive(Debug, Clone, Copy)]
pub struct UploadState {
    items: RwSignal<Vec<UploadItem>>,
    check: RwSignal<Option<LocalCheck>>,
    next: StoredValue<u32>,
}

impl UploadState {
    /// Nothing uploaded, nothing checked.
    pub fn new() -> Self {
        UploadState {
            items: RwSignal::new(Vec::new()),
            check: RwSignal::new(None),
            next: StoredValue::new(0),
        }
    }
}

/// The board module's check of the stored files with the dropped ones (zips unpacked there; a
/// dropped file replaces a stored one of the same name, as on the server).
async fn check(
    stored: &[ViewerFile],
    dropped: &[(String, Vec<u8>)],
) -> Result<LocalCheck, ApiError> {
    let checked = crate::cad::check(stored, dropped)
        .await
        .map_err(ApiError::Protocol)?;
    // The browser build leaves the spreadsheet reader out (a fifth of the download), so an
    // XLSX BOM reads as unreadable here: the server checks it on upload instead.
    let findings = checked
        .findings
        .into_iter()
        .filter(|f| {
            f.code != FindingCode::BomParseError || !f.file.as_deref().is_some_and(is_spreadsheet)
        })
        .collect();
    let summary = LocalSummary {
        kinds: checked.kinds,
        board: checked.board.map(|b| {
            format!(
                "{:.1} × {:.1} mm, {}",
                b.width_mm,
                b.height_mm,
                crate::words::count(b.layer_count, "copper layer", "copper layers")
            )
        }),
        placements: checked.placements,
        bom_lines: checked.bom_lines,
    };
    Ok(LocalCheck {
        summary,
        on_upload: checked
            .files
            .iter()
            .filter(|n| is_spreadsheet(n))
            .cloned()
            .collect(),
        files: checked.files,
        findings,
    })
}

/// Whether a file is a spreadsheet (which the browser does not read).
fn is_spreadsheet(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".xlsx") || lower.ends_with(".xls")
}

/// Files, layers and (while editable) the upload area.
#[component]
pub fn FilesSection(
    p: Arc<Pkg>,
    editable: bool,
    uploads: UploadState,
    stored: LocalResource<Result<Arc<Vec<ViewerFile>>, ApiError>>,
    reload: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let file_error = RwSignal::new(None::<ApiError>);
    let package_id = p.id.clone();

    let on_download = move |url: String, name: String| {
        spawn_local(async move {
            let result = session
                .authorized(move |token| {
                    let url = url.clone();
                    async move { download(&url, &token).await }
                })
                .await
                .and_then(|bytes| save(&name, &bytes));
            file_error.set(result.err());
        });
    };
    let on_remove = move |file_id: String| {
        spawn_local(async move {
            let result = session
                .run::<RemoveFile>(remove_file::Variables { file_id })
                .await;
            file_error.set(result.err());
            reload.run(());
        });
    };

    let handle_files = move |files: Vec<web_sys::File>| {
        if files.is_empty() {
            return;
        }
        let package_id = package_id.clone();
        spawn_local(async move {
            // 1. Read, then check in the browser (zips unpacked by the board module).
            let mut dropped = Vec::new();
            for file in &files {
                match read_file(file).await {
                    Ok(bytes) => dropped.push((file.name(), bytes)),
                    Err(e) => file_error.set(Some(e)),
                }
            }
            let existing = stored
                .get_untracked()
                .and_then(Result::ok)
                .unwrap_or_default();
            match check(&existing, &dropped).await {
                Ok(checked) => uploads.check.set(Some(checked)),
                Err(e) => file_error.set(Some(e)),
            }

            // 2. Upload, one request per file, each with its progress bar.
            for file in files {
                let key = uploads.next.get_value();
                uploads.next.set_value(key + 1);
                uploads.items.update(|items| {
                    items.push(UploadItem {
                        key,
                        name: file.name(),
                        progress: Progress::Sending(0.0),
                    })
                });
                let set = move |progress: Progress| {
                    uploads.items.update(|items| {
                        if let Some(item) = items.iter_mut().find(|i| i.key == key) {
                            item.progress = progress;
                        }
                    })
                };
                let package_id = package_id.clone();
                let result = session
                    .authorized(move |token| {
                        let file = file.clone();
                        let package_id = package_id.clone();
                        async move {
                            upload(&package_id, &file, &token, move |fraction| {
                                set(Progress::Sending(fraction))
                            })
                            .await
                        }
                    })
                    .await;
                set(match result {
                    Ok(()) => Progress::Done,
                    Err(e) => Progress::Failed(e.user_message()),
                });
            }
            reload.run(());
        });
    };
    let handle_files = StoredValue::new_local(handle_files);

    let on_pick = move |e: ev::Event| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let files = input
            .files()
            .map(|list| file_list(&list))
            .unwrap_or_default();
        input.set_value("");
        handle_files.with_value(|h| h(files));
    };
    let dragging = RwSignal::new(false);
    let on_drop = move |e: ev::DragEvent| {
        e.prevent_default();
        dragging.set(false);
        let files = e
            .data_transfer()
            .and_then(|dt| dt.files())
            .map(|list| file_list(&list))
            .unwrap_or_default();
        handle_files.with_value(|h| h(files));
    };

    let file_rows = p
        .files
        .iter()
        .map(|f| {
            let (url, name) = (f.download_url.clone(), f.name.clone());
            let file_id = f.id.clone();
            view! {
                <tr data-testid="file-row" data-name=f.name.clone()>
                    <td class="file-name">{f.name.clone()}</td>
                    <td>{f.kind.as_str()}</td>
                    <td class="num">{human_size(f.size_bytes)}</td>
                    <td class="mono hash" title=f.sha256.clone()>{f.sha256.get(..12).unwrap_or(&f.sha256).to_owned()} "…"</td>
                    <td class="muted">{short_time(&f.created_at)}</td>
                    <td class="actions">
                        <button type="button" class="button small secondary" aria-label=format!("Download {}", f.name) on:click=move |_| on_download(url.clone(), name.clone())>
                            "Download"
                        </button>
                        {editable.then(|| view! {
                            <button type="button" class="button small danger" aria-label=format!("Remove {}", f.name) on:click=move |_| on_remove(file_id.clone())>
                                "Remove"
                            </button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();

    view! {
        <section class="card" aria-labelledby="files-title">
            <h2 id="files-title">"Files"</h2>
            {move || file_error.get().map(|error| view! { <ErrorLine error /> })}
            {if p.files.is_empty() {
                view! { <p class="muted" id="no-files">"No files yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" id="files-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Kind"</th>
                                    <th scope="col">"Size"</th>
                                    <th scope="col">"SHA-256"</th>
                                    <th scope="col">"Uploaded"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>{file_rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {editable.then(|| view! {
                <div
                    class="dropzone"
                    class:dragging=move || dragging.get()
                    on:dragover=move |e: ev::DragEvent| { e.prevent_default(); dragging.set(true); }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=on_drop
                >
                    <label for="file-input">
                        <strong>"Add files"</strong>
                        " — drop Gerber, drill, BOM and centroid files, an IPC-2581 file (or a zip) here, or choose them."
                    </label>
                    <input id="file-input" type="file" multiple on:change=on_pick />
                </div>
            })}
            <UploadList uploads />
            <LayersTable p=p.clone() editable reload />
        </section>
    }
}

fn file_list(list: &web_sys::FileList) -> Vec<web_sys::File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Progress bars and the browser's check of the chosen files.
#[component]
fn UploadList(uploads: UploadState) -> impl IntoView {
    let items = move || {
        uploads
            .items
            .get()
            .into_iter()
            .map(|item| {
                let (value, text, class) = match &item.progress {
                    Progress::Sending(f) => (*f, format!("{:.0} %", f * 100.0), "sending"),
                    Progress::Done => (1.0, "Uploaded".to_owned(), "done"),
                    Progress::Failed(m) => (0.0, format!("Failed: {m}"), "failed"),
                };
                let id = format!("upload-{}", item.key);
                view! {
                    <li class=format!("upload {class}") data-testid="upload" data-state=class>
                        <label for=id.clone()>{item.name}</label>
                        <progress id=id max="1" value=value></progress>
                        <span class="small" role=(class == "failed").then_some("alert")>{text}</span>
                    </li>
                }
            })
            .collect_view()
    };
    let local = move || {
        uploads.check.get().map(|c| {
            let errors = c.findings.iter().filter(|f| f.severity == Severity::Error).count();
            let summary = format!(
                "Checked in your browser before upload ({}): {}, {}.",
                crate::words::count(c.files.len() as i64, "file", "files"),
                crate::words::count(errors as i64, "error", "errors"),
                crate::words::count((c.findings.len() - errors) as i64, "warning", "warnings")
            );
            let on_upload = (!c.on_upload.is_empty()).then(|| {
                format!(
                    "{}: spreadsheet BOMs are checked on upload.",
                    c.on_upload.join(", ")
                )
            });
            view! {
                <div class="local-check" id="local-check" aria-live="polite">
                    <p><strong>{summary}</strong></p>
                    <dl class="facts local-summary" id="local-summary">
                        <dt>"Files"</dt>
                        <dd id="local-kinds">{c.summary.kinds.clone()}</dd>
                        <dt>"Board"</dt>
                        <dd id="local-board">{c.summary.board.clone().unwrap_or_else(|| "not known (needs an outline)".to_owned())}</dd>
                        <dt>"Placements"</dt>
                        <dd id="local-placements">{c.summary.placements}</dd>
                        <dt>"BOM lines"</dt>
                        <dd id="local-bom-lines">{c.summary.bom_lines}</dd>
                    </dl>
                    {on_upload.map(|note| view! { <p class="muted small" data-testid="checked-on-upload">{note}</p> })}
                    <ul class="findings compact">
                        {c.findings.into_iter().map(|f| view! {
                            <li class=format!("finding {}", severity_label(f.severity).to_ascii_lowercase()) data-testid="local-finding">
                                <span class="badge sev">{severity_label(f.severity)}</span>
                                <span class="mono small">{f.code.as_str()}</span>
                                <span class="finding-message">{f.message}</span>
                                <span class="muted small">{f.file.map(|n| match f.line { Some(l) => format!("{n}, line {l}"), None => n }).unwrap_or_default()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </div>
            }
        })
    };
    view! {
        {local}
        <ul class="uploads" id="uploads">{items}</ul>
    }
}

/// The Gerber and drill layers found, with a way to correct an unidentified one.
#[component]
fn LayersTable(p: Arc<Pkg>, editable: bool, reload: Callback<()>) -> impl IntoView {
    let session = Session::get();
    let error = RwSignal::new(None::<ApiError>);
    if p.layers.is_empty() {
        return view! { <p class="muted" id="no-layers">"No layers identified yet."</p> }
            .into_any();
    }
    let set_function = move |file_id: String, value: String| {
        let Ok(function) = value.parse::<LayerFunctionText>() else {
            return;
        };
        spawn_local(async move {
            let result = session
                .run::<SetLayerFunction>(set_layer_function::Variables {
                    file_id,
                    function: function.0,
                })
                .await;
            error.set(result.err());
            reload.run(());
        });
    };
    let rows = p
        .layers
        .iter()
        .map(|l| {
            let name = l.file.as_ref().map(|f| f.name.clone()).unwrap_or_default();
            let file_id = l.file.as_ref().map(|f| f.id.clone());
            let select_id = format!("layer-function-{}", crate::viewer::safe_id(&name));
            let current = l.function;
            let control = match (editable, file_id) {
                (true, Some(file_id)) => view! {
                    <label class="visually-hidden" for=select_id.clone()>{format!("Function of {name}")}</label>
                    <select id=select_id on:change=move |e| set_function(file_id.clone(), event_target_value(&e))>
                        {LayerFunction::ALL.iter().map(|f| view! {
                            <option value=f.as_str() selected=*f == current>{layer_label(*f)}</option>
                        }).collect_view()}
                    </select>
                }.into_any(),
                _ => view! { <span>{layer_label(current)}</span> }.into_any(),
            };
            view! {
                <tr data-testid="layer-row" data-function=l.function.as_str()>
                    <td class="file-name">{name.clone()}</td>
                    <td>{control}</td>
                    <td>{format!("{:?}", l.side)}</td>
                    <td class="muted">{format!("{:?}", l.source)}</td>
                    <td>{if l.parsed { "yes" } else { "no" }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3 id="layers-title">"Layers"</h3>
        {move || error.get().map(|error| view! { <ErrorLine error /> })}
        <div class="table-wrap">
            <table class="table" id="layers-table" aria-labelledby="layers-title">
                <thead>
                    <tr>
                        <th scope="col">"File"</th>
                        <th scope="col">"Function"</th>
                        <th scope="col">"Side"</th>
                        <th scope="col">"Found by"</th>
                        <th scope="col">"Parsed"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A layer function read from a `<select>` value.
struct LayerFunctionText(LayerFunction);

impl std::str::FromStr for LayerFunctionText {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LayerFunction::ALL
            .iter()
            .find(|f| f.as_str() == s)
            .map(|f| LayerFunctionText(*f))
            .ok_or(())
    }
}
