//! `/trace/boxes`: MPN and lot code → the top-level units (the boxes customers hold) that
//! contain an affected unit at any depth, each with its paths (`lot → designator → PCBA serial
//! → position → box serial`), where it is and its shipment; paged.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::box_ops::{trace_top_levels, TraceTopLevels};
use crate::routes::products::Pager;
use crate::session::Session;
use crate::ui::{humanize, wire, ErrorLine, Loading};

/// Rows per page.
const PAGE: i64 = 50;

/// `/trace/boxes`.
#[component]
pub fn TraceBoxesPage() -> impl IntoView {
    let session = Session::get();
    let query_map = use_query_map();
    let (first_mpn, first_lot) = query_map.with_untracked(|q| {
        (
            q.get("mpn").unwrap_or_default(),
            q.get("lot").unwrap_or_default(),
        )
    });
    let mpn = RwSignal::new(first_mpn.clone());
    let lot = RwSignal::new(first_lot.clone());
    let query = RwSignal::new(
        (!first_mpn.is_empty() && !first_lot.is_empty()).then_some((first_mpn, first_lot)),
    );
    let cursors = RwSignal::new(vec![None::<String>]);
    let data = LocalResource::new(move || {
        let q = query.get();
        let after = cursors.with(|c| c.last().cloned().flatten());
        async move {
            match q {
                None => None,
                Some((mpn, lot_code)) => Some(
                    session
                        .run::<TraceTopLevels>(trace_top_levels::Variables {
                            mpn,
                            lot_code,
                            first: PAGE,
                            after,
                        })
                        .await,
                ),
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (m, l) = (
            mpn.get_untracked().trim().to_owned(),
            lot.get_untracked().trim().to_owned(),
        );
        if m.is_empty() || l.is_empty() {
            return;
        }
        cursors.set(vec![None]);
        query.set(Some((m, l)));
    };
    view! {
        <section class="card" aria-labelledby="trace-boxes-title">
            <h1 id="trace-boxes-title">"Trace a lot to the shipped boxes"</h1>
            <form class="filters" on:submit=on_submit>
                <div class="field inline">
                    <label for="boxes-mpn">"MPN"</label>
                    <input id="boxes-mpn" required bind:value=mpn />
                </div>
                <div class="field inline">
                    <label for="boxes-lot">"Lot code"</label>
                    <input id="boxes-lot" required bind:value=lot />
                </div>
                <button id="boxes-run" type="submit" class="button primary">"Trace"</button>
            </form>
        </section>
        {move || match data.get() {
            None => view! { <Loading /> }.into_any(),
            Some(None) => view! { <p class="muted">"Enter a manufacturer part number and a lot code."</p> }.into_any(),
            Some(Some(Err(error))) => view! { <ErrorLine error /> }.into_any(),
            Some(Some(Ok(d))) => {
                let t = d.trace_component;
                let info = t.top_level_units.page_info;
                let rows = t
                    .top_level_units
                    .edges
                    .into_iter()
                    .map(|e| {
                        let n = e.node;
                        let shipment = n
                            .shipment
                            .map(|s| format!("{} · {} {}", s.destination, s.carrier, s.tracking_number))
                            .unwrap_or_else(|| "—".to_owned());
                        let paths = n
                            .paths
                            .iter()
                            .map(|p| view! { <li class="mono" data-testid="trace-path">{p.text.clone()}</li> })
                            .collect_view();
                        let serial = n.serial.clone();
                        let href = format!("/units/{serial}/tree");
                        let label = serial.clone();
                        view! {
                            <tr data-testid="top-unit" data-serial=serial>
                                <td><A href=href><span class="mono">{label}</span></A></td>
                                <td>{format!("{} rev {}", n.part_number, n.revision)}</td>
                                <td>{n.oem}</td>
                                <td>{humanize(&wire(&n.whereabouts))}</td>
                                <td>{shipment}</td>
                                <td><ul class="plain">{paths}</ul></td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <section class="card" aria-labelledby="boxes-result-title">
                        <h2 id="boxes-result-title">
                            "Top-level units: " <span id="boxes-total">{t.total_top_level_units}</span>
                            ", shipped: " <span id="boxes-shipped">{t.top_level_shipped}</span>
                        </h2>
                        <div class="table-wrap">
                            <table class="table" id="boxes-units">
                                <thead><tr>
                                    <th scope="col">"Serial"</th>
                                    <th scope="col">"Product"</th>
                                    <th scope="col">"OEM"</th>
                                    <th scope="col">"Where"</th>
                                    <th scope="col">"Shipment"</th>
                                    <th scope="col">"Paths"</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                        <Pager has_next=info.has_next_page end=info.end_cursor cursors />
                    </section>
                }
                .into_any()
            }
        }}
    }
}
