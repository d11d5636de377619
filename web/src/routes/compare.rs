//! `/packages/:id/compare/:from`: what changed from revision `:from` to revision `:id` of a
//! product, as `compareRevisions` says: the designators added, removed or changed, drawn on the
//! newer revision's board (where each was, where it is now), the BOM lines, layers and files
//! that differ, and the first article the change calls for.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::ops::{compare_revisions, CompareRevisions};
use crate::session::Session;
use crate::ui::{layer_label, wire, ErrorLine, Loading};
use crate::viewer::{data_url, view_box, view_box_text, with_view_box};
use crate::words::{count, label};

type Diff = compare_revisions::ResponseData;
type Snapshot = compare_revisions::CompareRevisionsCompareRevisionsDesignatorsBefore;
type SnapshotAfter = compare_revisions::CompareRevisionsCompareRevisionsDesignatorsAfter;

/// Where a part sits and how, as a line of text; "not placed" without a position.
fn placed(x: Option<f64>, y: Option<f64>, rotation: Option<f64>, side: Option<String>) -> String {
    match (x, y) {
        (Some(x), Some(y)) => format!(
            "({x:.2}, {y:.2}) mm, {:.0}°{}",
            rotation.unwrap_or(0.0),
            side.map(|s| format!(", {}", crate::words::humanize(&s)))
                .unwrap_or_default()
        ),
        _ => "not placed".to_owned(),
    }
}

/// One side of a designator's change in words: value, MPN, footprint, position, DNP.
fn described(
    value: Option<&str>,
    mpn: Option<&str>,
    footprint: Option<&str>,
    position: String,
    dnp: bool,
) -> String {
    let mut parts: Vec<String> = [value, mpn, footprint]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    parts.push(position);
    if dnp {
        parts.push("do not place".to_owned());
    }
    parts.join(" · ")
}

fn before_text(s: &Snapshot) -> String {
    described(
        s.value.as_deref(),
        s.mpn.as_deref(),
        s.footprint.as_deref(),
        placed(s.x_mm, s.y_mm, s.rotation_deg, s.side.as_ref().map(wire)),
        s.dnp,
    )
}

fn after_text(s: &SnapshotAfter) -> String {
    described(
        s.value.as_deref(),
        s.mpn.as_deref(),
        s.footprint.as_deref(),
        placed(s.x_mm, s.y_mm, s.rotation_deg, s.side.as_ref().map(wire)),
        s.dnp,
    )
}

/// A changed designator on the board picture: its old and new positions (board mm, y up).
#[derive(Debug, Clone, PartialEq)]
struct Mark {
    designator: String,
    kind: String,
    before: Option<(f64, f64)>,
    after: Option<(f64, f64)>,
}

/// The newer board with every changed designator marked: a hollow ring where it was, a filled
/// dot where it is, a line between when it moved.
#[component]
fn DiffPicture(svg: String, marks: Vec<Mark>) -> impl IntoView {
    let Some(vb) = view_box(&svg) else {
        return view! { <p class="muted">"The board picture cannot be read."</p> }.into_any();
    };
    let size = vb[2].max(vb[3]);
    let r = (size * 0.012).max(0.4);
    let font = (size * 0.03).max(0.8);
    let stroke = r * 0.35;
    let drawn = marks
        .into_iter()
        .map(|m| {
            // The picture's y runs down: board y is negated.
            let ring = m.before.map(|(x, y)| {
                view! { <circle class="was" cx=x cy={-y} r=r fill="none" stroke-width=stroke></circle> }
            });
            let dot = m.after.map(|(x, y)| {
                view! { <circle class="now" cx=x cy={-y} r=r></circle> }
            });
            let path = match (m.before, m.after) {
                (Some((x1, y1)), Some((x2, y2))) if (x1 - x2).hypot(y1 - y2) > 1e-6 => Some(view! {
                    <line class="moved" x1=x1 y1={-y1} x2=x2 y2={-y2} stroke-width={stroke * 0.6}></line>
                }),
                _ => None,
            };
            let (lx, ly) = m.after.or(m.before).unwrap_or((0.0, 0.0));
            view! {
                <g class=format!("diff-mark {}", m.kind.to_ascii_lowercase()) data-testid="diff-mark" data-designator=m.designator.clone() data-kind=m.kind.clone()>
                    <title>{format!("{} ({})", m.designator, label(&m.kind))}</title>
                    {path}
                    {ring}
                    {dot}
                    <text x=lx y={-ly - r * 1.6} text-anchor="middle" font-size=font>{m.designator.clone()}</text>
                </g>
            }
        })
        .collect_view();
    let url = data_url(&with_view_box(&svg, vb));
    view! {
        <figure class="diff-picture" id="diff-picture">
            <div class="diff-stage" style=format!("aspect-ratio: {} / {}", vb[2], vb[3])>
                <img class="board-layer" src=url alt="The newer revision's board, top side" data-testid="diff-board" />
                <svg class="diff-marks" viewBox=view_box_text(vb) preserveAspectRatio="xMidYMid meet" role="img" aria-label="Changed designators on the board">
                    {drawn}
                </svg>
            </div>
            <figcaption class="small muted">
                "Ring: where a part was in the older revision. Dot: where it is in the newer one. Parts on the bottom side are drawn as seen through the board."
            </figcaption>
        </figure>
    }
    .into_any()
}

/// The page's content once the comparison is in.
#[component]
fn CompareView(d: Diff) -> impl IntoView {
    let c = d.compare_revisions;
    let (from_rev, to_rev) = (d.older.revision.clone(), d.newer.revision.clone());
    let to_id = d.newer.id.clone();
    let title = format!(
        "{} {}: rev {from_rev} → rev {to_rev}",
        d.newer.product.part_number, d.newer.product.name
    );
    let marks: Vec<Mark> = c
        .designators
        .iter()
        .map(|x| Mark {
            designator: x.designator.clone(),
            kind: wire(&x.kind),
            before: x.before.as_ref().and_then(|s| Some((s.x_mm?, s.y_mm?))),
            after: x.after.as_ref().and_then(|s| Some((s.x_mm?, s.y_mm?))),
        })
        .collect();
    let picture = match d.newer.board.and_then(|b| b.svg_top) {
        Some(svg) => view! { <DiffPicture svg marks /> }.into_any(),
        None => view! { <p class="muted" id="no-diff-picture">"The newer revision has no board picture yet."</p> }.into_any(),
    };
    let scope = wire(&c.suggested_fai_scope);
    let fai = if c.fai_designators.is_empty() {
        label(&scope)
    } else {
        format!("{} ({})", label(&scope), c.fai_designators.join(", "))
    };
    let designator_rows = c
        .designators
        .iter()
        .map(|x| {
            let kind = wire(&x.kind);
            let fields = x.fields.iter().map(label).collect::<Vec<_>>().join(", ");
            view! {
                <tr data-testid="designator-diff" data-designator=x.designator.clone() data-kind=kind.clone()>
                    <th scope="row" class="mono">{x.designator.clone()}</th>
                    <td><span class=format!("badge change-{}", kind.to_ascii_lowercase())>{label(&kind)}</span></td>
                    <td>{fields}</td>
                    <td class="small">{x.before.as_ref().map(before_text).unwrap_or_else(|| "—".to_owned())}</td>
                    <td class="small">{x.after.as_ref().map(after_text).unwrap_or_else(|| "—".to_owned())}</td>
                </tr>
            }
        })
        .collect_view();
    let bom_rows = c
        .bom_lines
        .iter()
        .map(|l| {
            let kind = wire(&l.kind);
            let line = |designators: &[String], value: Option<&str>, mpn: Option<&str>| {
                let mut parts = vec![designators.join(", ")];
                parts.extend(value.map(str::to_owned));
                parts.extend(mpn.map(str::to_owned));
                parts.join(" · ")
            };
            view! {
                <tr data-testid="bom-diff" data-kind=kind.clone()>
                    <th scope="row" class="mono">{l.key.clone()}</th>
                    <td>{label(&kind)}</td>
                    <td class="small">{l.before.as_ref().map(|b| line(&b.designators, b.value.as_deref(), b.mpn.as_deref())).unwrap_or_else(|| "—".to_owned())}</td>
                    <td class="small">{l.after.as_ref().map(|b| line(&b.designators, b.value.as_deref(), b.mpn.as_deref())).unwrap_or_else(|| "—".to_owned())}</td>
                </tr>
            }
        })
        .collect_view();
    let layer_items = c
        .layers
        .iter()
        .map(|l| {
            let name = match l.inner_index {
                Some(i) => format!("{} {i}", layer_label(l.function)),
                None => layer_label(l.function).to_owned(),
            };
            let files = match (&l.file_before, &l.file_after) {
                (Some(a), Some(b)) if a != b => format!("{a} → {b}"),
                (Some(a), _) | (None, Some(a)) => a.clone(),
                (None, None) => String::new(),
            };
            view! {
                <li data-testid="layer-diff">{format!("{name}: {} ", label(&l.kind))}<span class="muted small">{files}</span></li>
            }
        })
        .collect_view();
    let file_list = |title: &'static str, names: Vec<String>| {
        (!names.is_empty()).then(|| {
            view! {
                <dt>{title}</dt>
                <dd>{names.join(", ")}</dd>
            }
        })
    };
    let no_change = c.designators.is_empty()
        && c.bom_lines.is_empty()
        && c.layers.is_empty()
        && c.files_added.is_empty()
        && c.files_removed.is_empty()
        && c.files_changed.is_empty();
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <A href="/packages">"Packages"</A>
            " / "
            <A href=format!("/packages/{to_id}")>{format!("rev {to_rev}")}</A>
            " / "
            <span>{format!("compared with rev {from_rev}")}</span>
        </nav>
        <section class="card" aria-labelledby="compare-title">
            <h1 id="compare-title">{title}</h1>
            {no_change.then(|| view! { <p id="no-changes">"The two revisions are the same."</p> })}
            <dl class="facts">
                <dt>"Designators"</dt>
                <dd id="designator-count">{count(c.designators.len() as i64, "changed", "changed")}</dd>
                <dt>"BOM lines"</dt>
                <dd>{count(c.bom_lines.len() as i64, "differs", "differ")}</dd>
                <dt>"Layers"</dt>
                <dd>{count(c.layers.len() as i64, "image changed", "images changed")}</dd>
                <dt>"First article"</dt>
                <dd id="suggested-fai" data-scope=scope.clone()>{fai}</dd>
                {file_list("Files added", c.files_added.clone())}
                {file_list("Files removed", c.files_removed.clone())}
                {file_list("Files changed", c.files_changed.clone())}
            </dl>
        </section>
        <section class="card" aria-labelledby="diff-board-title">
            <h2 id="diff-board-title">"On the board"</h2>
            {picture}
        </section>
        <section class="card" aria-labelledby="diff-designators-title">
            <h2 id="diff-designators-title">"Designators"</h2>
            <div class="table-wrap">
                <table class="table" id="designator-diffs">
                    <thead>
                        <tr>
                            <th scope="col">"Designator"</th>
                            <th scope="col">"Change"</th>
                            <th scope="col">"What changed"</th>
                            <th scope="col">{format!("Rev {from_rev}")}</th>
                            <th scope="col">{format!("Rev {to_rev}")}</th>
                        </tr>
                    </thead>
                    <tbody>{designator_rows}</tbody>
                </table>
            </div>
            {(!c.bom_lines.is_empty()).then(|| view! {
                <h3>"BOM lines"</h3>
                <div class="table-wrap">
                    <table class="table" id="bom-diffs">
                        <thead>
                            <tr>
                                <th scope="col">"Line"</th>
                                <th scope="col">"Change"</th>
                                <th scope="col">{format!("Rev {from_rev}")}</th>
                                <th scope="col">{format!("Rev {to_rev}")}</th>
                            </tr>
                        </thead>
                        <tbody>{bom_rows}</tbody>
                    </table>
                </div>
            })}
            {(!c.layers.is_empty()).then(|| view! {
                <h3>"Layers"</h3>
                <ul id="layer-diffs">{layer_items}</ul>
            })}
        </section>
    }
}

/// `/packages/:id/compare/:from`.
#[component]
pub fn ComparePage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let diff = LocalResource::new(move || {
        let (from, to) = {
            let p = params.read();
            (
                p.get("from").unwrap_or_default(),
                p.get("id").unwrap_or_default(),
            )
        };
        async move {
            session
                .run::<CompareRevisions>(compare_revisions::Variables { from, to })
                .await
        }
    });
    view! {
        {move || match diff.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
            Some(Ok(d)) => view! { <CompareView d /> }.into_any(),
        }}
    }
}
