//! `/trace`: MPN and lot code → every affected unit (paged), totals per OEM and per build,
//! and a CSV of all affected units made in the browser.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::files::save_text;
use crate::api::ops::{trace_component, TraceComponent};
use crate::api::ApiError;
use crate::routes::products::Pager;
use crate::routes::quality::{quality_refs, QualityLinks};
use crate::session::Session;
use crate::table::{natural_cmp, Sort, SortHeader};
use crate::ui::{label, ErrorLine, Loading};

/// Rows per page.
const PAGE: i64 = 50;

/// What is being traced.
#[derive(Debug, Clone, PartialEq)]
struct Query {
    mpn: String,
    lot: String,
}

/// `/trace`.
#[component]
pub fn TracePage() -> impl IntoView {
    let session = Session::get();
    let query_map = use_query_map();
    let initial = query_map.with_untracked(|q| Query {
        mpn: q.get("mpn").unwrap_or_default(),
        lot: q.get("lot").unwrap_or_default(),
    });
    let mpn = RwSignal::new(initial.mpn.clone());
    let lot = RwSignal::new(initial.lot.clone());
    let query =
        RwSignal::new((!initial.mpn.is_empty() && !initial.lot.is_empty()).then_some(initial));
    let cursors = RwSignal::new(vec![None::<String>]);
    let export_error = RwSignal::new(None::<ApiError>);
    let exporting = RwSignal::new(false);

    let trace = LocalResource::new(move || {
        let q = query.get();
        let after = cursors.with(|c| c.last().cloned().flatten());
        async move {
            match q {
                None => None,
                Some(q) => Some(
                    session
                        .run::<TraceComponent>(trace_component::Variables {
                            mpn: q.mpn,
                            lot_code: q.lot,
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
        let q = Query {
            mpn: mpn.get_untracked().trim().to_owned(),
            lot: lot.get_untracked().trim().to_owned(),
        };
        if q.mpn.is_empty() || q.lot.is_empty() {
            return;
        }
        cursors.set(vec![None]);
        query.set(Some(q));
    };
    let export = move |_| {
        let Some(q) = query.get_untracked() else {
            return;
        };
        exporting.set(true);
        export_error.set(None);
        leptos::task::spawn_local(async move {
            let result = export_csv(session, q).await;
            exporting.set(false);
            if let Err(e) = result {
                export_error.set(Some(e));
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="trace-title">
            <h1 id="trace-title">"Trace a component lot"</h1>
            <form class="filters" on:submit=on_submit>
                <div class="field inline">
                    <label for="trace-mpn">"MPN"</label>
                    <input id="trace-mpn" required bind:value=mpn />
                </div>
                <div class="field inline">
                    <label for="trace-lot">"Lot code"</label>
                    <input id="trace-lot" required bind:value=lot />
                </div>
                <button id="trace-run" type="submit" class="button primary">"Trace"</button>
            </form>
        </section>
        {move || match trace.get() {
            None => view! { <Loading /> }.into_any(),
            Some(None) => view! { <p class="muted">"Enter a manufacturer part number and a lot code."</p> }.into_any(),
            Some(Some(Err(error))) => view! { <ErrorLine error /> }.into_any(),
            Some(Some(Ok(data))) => {
                let t = data.trace_component;
                // The NCRs and corrective actions on any reel of the lot, each once.
                let mut ncrs = Vec::new();
                let mut capas = Vec::new();
                for reel in data.component_lots {
                    ncrs.extend(quality_refs!(reel.ncrs));
                    capas.extend(quality_refs!(reel.capas));
                }
                for list in [&mut ncrs, &mut capas] {
                    list.sort_by(|a, b| b.number.cmp(&a.number));
                    list.dedup_by(|a, b| a.id == b.id);
                }
                let info = t.units.page_info;
                let totals = |rows: Vec<trace_component::TraceComponentTraceComponentByOem>, testid: &'static str| {
                    rows.into_iter()
                        .map(|r| view! {
                            <tr data-testid=testid data-id=r.id>
                                <td>{r.label}</td>
                                <td>{r.units}</td>
                                <td>{r.shipped}</td>
                            </tr>
                        })
                        .collect_view()
                };
                let by_build = t
                    .by_build
                    .into_iter()
                    .map(|r| view! {
                        <tr data-testid="total-build" data-id=r.id.clone()>
                            <td><A href=format!("/builds/{}", r.id)>{r.label}</A></td>
                            <td>{r.units}</td>
                            <td>{r.shipped}</td>
                        </tr>
                    })
                    .collect_view();
                // In the server's order until a header sorts the page shown.
                let sort = RwSignal::new(Sort::NONE);
                let edges = t.units.edges;
                let units = move || {
                    sort.get().sorted(&edges, |column, a, b| {
                        let (a, b) = (&a.node, &b.node);
                        match column {
                            0 => natural_cmp(&a.serial, &b.serial),
                            1 => natural_cmp(&a.designators.join(" "), &b.designators.join(" ")),
                            2 => natural_cmp(&a.part_number, &b.part_number)
                                .then_with(|| natural_cmp(&a.revision, &b.revision)),
                            3 => label(&a.build_phase).cmp(&label(&b.build_phase)),
                            4 => natural_cmp(&a.oem, &b.oem),
                            _ => a.shipped.cmp(&b.shipped),
                        }
                    }).into_iter()
                    .map(|e| {
                        let u = e.node;
                        let href = format!("/units/{}", u.serial);
                        let shown = u.serial.clone();
                        view! {
                            <tr data-testid="trace-unit" data-serial=u.serial>
                                <td><A href=href><span class="mono">{shown}</span></A></td>
                                <td class="mono">{u.designators.join(" ")}</td>
                                <td>{format!("{} rev {}", u.part_number, u.revision)}</td>
                                <td>{label(&u.build_phase)}</td>
                                <td>{u.oem}</td>
                                <td>{if u.shipped { "Shipped" } else { "In house" }}</td>
                            </tr>
                        }
                    })
                    .collect_view()
                };
                view! {
                    <section class="card" aria-labelledby="trace-result-title">
                        <div class="card-head">
                            <h2 id="trace-result-title">
                                "Affected units: " <span id="trace-total">{t.total_units}</span>
                            </h2>
                            <A href=format!("/trace/boxes?mpn={}&lot={}", js_sys::encode_uri_component(&mpn.get_untracked()), js_sys::encode_uri_component(&lot.get_untracked())) attr:id="trace-boxes">"Boxes holding them"</A>
                            <button id="trace-export" type="button" class="button secondary" disabled=move || exporting.get() on:click=export>
                                "Export CSV"
                            </button>
                        </div>
                        {move || export_error.get().map(|error| view! { <ErrorLine error /> })}
                        <dl class="facts">
                            <dt>"NCRs on the lot"</dt>
                            <dd id="trace-ncrs"><QualityLinks items=ncrs path="ncrs" /></dd>
                            <dt>"Corrective actions"</dt>
                            <dd id="trace-capas"><QualityLinks items=capas path="capas" /></dd>
                        </dl>
                        <div class="charts">
                            <div class="table-wrap">
                                <table class="table" id="trace-by-oem">
                                    <caption>"Per OEM"</caption>
                                    <thead><tr><th scope="col">"OEM"</th><th scope="col">"Units"</th><th scope="col">"Shipped"</th></tr></thead>
                                    <tbody>{totals(t.by_oem, "total-oem")}</tbody>
                                </table>
                            </div>
                            <div class="table-wrap">
                                <table class="table" id="trace-by-build">
                                    <caption>"Per build"</caption>
                                    <thead><tr><th scope="col">"Build"</th><th scope="col">"Units"</th><th scope="col">"Shipped"</th></tr></thead>
                                    <tbody>{by_build}</tbody>
                                </table>
                            </div>
                        </div>
                        <div class="table-wrap">
                            <table class="table" id="trace-units">
                                <thead><tr>
                                    <SortHeader title="Serial" column=0 sort />
                                    <SortHeader title="Designators" column=1 sort />
                                    <SortHeader title="Product" column=2 sort />
                                    <SortHeader title="Phase" column=3 sort />
                                    <SortHeader title="OEM" column=4 sort />
                                    <SortHeader title="Shipped" column=5 sort />
                                </tr></thead>
                                <tbody>{units}</tbody>
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

/// One CSV field, quoted when it needs to be.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Every affected unit (all pages) as CSV, offered as a download.
async fn export_csv(session: Session, q: Query) -> Result<(), ApiError> {
    let mut csv =
        String::from("serial,designators,part_number,revision,build_id,phase,oem,shipped\n");
    let mut after = None;
    loop {
        let data = session
            .run::<TraceComponent>(trace_component::Variables {
                mpn: q.mpn.clone(),
                lot_code: q.lot.clone(),
                first: 100,
                after: after.clone(),
            })
            .await?;
        let units = data.trace_component.units;
        for e in units.edges {
            let u = e.node;
            let row = [
                u.serial,
                u.designators.join(" "),
                u.part_number,
                u.revision,
                u.build_id,
                crate::ui::wire(&u.build_phase),
                u.oem,
                u.shipped.to_string(),
            ];
            csv.push_str(
                &row.iter()
                    .map(|f| csv_field(f))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            csv.push('\n');
        }
        match (units.page_info.has_next_page, units.page_info.end_cursor) {
            (true, Some(end)) => after = Some(end),
            _ => break,
        }
    }
    let name = format!("trace-{}-{}.csv", q.mpn, q.lot).replace(['/', '\\'], "_");
    save_text(&name, "text/csv", &csv)
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("GW-1"), "GW-1");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
