//! `/builds/:id/materials`: clear-to-build for the EMS and the OEM alike. Per BOM part, what the
//! build needs, what it has, what is on order and when it is clear; shortages first, and the
//! parts that push the build past its due date marked.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::ops::{material_status, MaterialStatus};
use crate::session::Session;
use crate::table::matches;
use crate::ui::{label, ErrorLine, Loading};

/// `/builds/:id/materials`.
#[component]
pub fn MaterialsPage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let data = LocalResource::new(move || {
        session.run::<MaterialStatus>(material_status::Variables { id: id.get() })
    });
    let search = RwSignal::new(String::new());
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <A href="/builds">"Builds"</A>
            " / "
            <A href=move || format!("/builds/{}", id.get())>"Build"</A>
            " / "
            <span>"Materials"</span>
        </nav>
        <section class="card" aria-labelledby="materials-title">
            <h1 id="materials-title">"Material status"</h1>
            {move || match data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(d)) => {
                    let b = d.build;
                    let m = b.material_status;
                    let status = crate::ui::wire(&b.status);
                    let open = status == "PLANNED" || status == "IN_PROGRESS";
                    let summary = if !open {
                        format!("This build is {}: its parts are no longer planned.", label(&b.status).to_lowercase())
                    } else if m.clear_now {
                        "Clear to build: every part is on hand.".to_owned()
                    } else if let Some(date) = &m.clear_date {
                        format!("{} part(s) short; clear on {date} (due {}).", m.short_lines, b.due_date)
                    } else {
                        format!("{} part(s) short, {} with nothing ordered.", m.short_lines, m.uncovered_lines)
                    };
                    let state = if m.clear_now { "clear" } else if m.pushes_due_date { "late" } else { "short" };
                    let lines = m.lines;
                    view! {
                        <p id="material-summary" class=format!("material-summary {state}") data-state=state>{summary}</p>
                        {m.pushes_due_date.then(|| view! {
                            <p class="small material-summary late" id="material-late">"Some parts arrive after the build's due date, or are not ordered."</p>
                        })}
                        <div class="field inline">
                            <label for="material-search">"Search"</label>
                            <input id="material-search" type="search" placeholder="MPN, designator, description" bind:value=search />
                        </div>
                        <div class="table-wrap">
                            <table class="table" id="material-lines">
                                <thead>
                                    <tr>
                                        <th scope="col">"MPN"</th>
                                        <th scope="col">"Designators"</th>
                                        <th scope="col">"Supplied by"</th>
                                        <th scope="col" class="num">"Needed"</th>
                                        <th scope="col" class="num">"Placed"</th>
                                        <th scope="col" class="num">"Available"</th>
                                        <th scope="col" class="num">"On order"</th>
                                        <th scope="col" class="num">"Short"</th>
                                        <th scope="col">"Clear"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {move || {
                                        let q = search.get();
                                        lines
                                            .iter()
                                            .filter(|l| {
                                                let designators = l.designators.join(" ");
                                                matches(&q, &[&l.mpn, &designators, l.description.as_deref().unwrap_or("")])
                                            })
                                            .map(|l| {
                                                let clear = if l.clear_now {
                                                    "now".to_owned()
                                                } else if let Some(date) = &l.clear_date {
                                                    date.clone()
                                                } else {
                                                    "not ordered".to_owned()
                                                };
                                                let alternates = if l.alternates.is_empty() {
                                                    String::new()
                                                } else {
                                                    format!(" (or {})", l.alternates.join(", "))
                                                };
                                                let row_state = if l.clear_now { "clear" } else if l.pushes_due_date { "late" } else { "short" };
                                                let count = l.designators.len();
                                                let designators = if count > 6 {
                                                    format!("{} … ({count})", l.designators[..6].join(" "))
                                                } else {
                                                    l.designators.join(" ")
                                                };
                                                view! {
                                                    <tr data-testid="material-line" data-mpn=l.mpn.clone() data-state=row_state>
                                                        <td class="mono">{format!("{}{alternates}", l.mpn)}</td>
                                                        <td class="mono small">{designators}</td>
                                                        <td>{label(&l.source)}</td>
                                                        <td class="num">{l.needed}</td>
                                                        <td class="num">{l.used}</td>
                                                        <td class="num" title=format!("{} taken by builds due earlier", l.allocated_to_other_builds)>{l.available}</td>
                                                        <td class="num">{l.on_order}</td>
                                                        <td class="num">{l.shortage}</td>
                                                        <td>{clear}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()
                                    }}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}
