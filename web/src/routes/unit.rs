//! `/units/:serial`: one unit's station history, defects and genealogy (which lot fed which
//! designator).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::ops::{unit, Unit};
use crate::routes::quality::{quality_refs, QualityLinks};
use crate::session::Session;
use crate::ui::{label, short_time, wire, ErrorLine, Loading, WireBadge};

/// `/units/:serial`.
#[component]
pub fn UnitPage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let unit = LocalResource::new(move || {
        let serial = params.with(|p| p.get("serial").unwrap_or_default());
        session.run::<Unit>(unit::Variables { serial })
    });
    move || match unit.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
        Some(Ok(data)) => view! { <UnitView unit=data.unit /> }.into_any(),
    }
}

#[component]
fn UnitView(unit: unit::UnitUnit) -> impl IntoView {
    let b = unit.build;
    let history = unit
        .history
        .into_iter()
        .map(|e| {
            // Measurements as rows of name, value and unit; a defect recorded with a FAIL
            // shows in the defects table instead.
            let rows = crate::words::measurement_rows(&e.measurements);
            let measurements = (!rows.is_empty()).then(|| view! {
                <table class="table measurements" data-testid="measurements">
                    <tbody>
                        {rows.into_iter().map(|m| view! {
                            <tr><td>{m.name}</td><td class="num">{m.value}</td><td>{m.unit}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            });
            view! {
                <tr data-testid="history-row">
                    <td>{e.station}</td>
                    <td><WireBadge status=wire(&e.result) /></td>
                    <td class="small">{measurements}</td>
                    <td>{e.recorded_by}</td>
                    <td class="muted">{short_time(&e.created_at)}</td>
                </tr>
            }
        })
        .collect_view();
    let defects = unit
        .defects
        .into_iter()
        .map(|d| {
            view! {
                <tr data-testid="defect-row">
                    <td>{d.station}</td>
                    <td class="mono">{d.designator}</td>
                    <td>{label(&d.code)}</td>
                    <td>{d.description}</td>
                    <td>{label(&d.disposition)}</td>
                    <td>{d.recorded_by}</td>
                    <td class="muted">{short_time(&d.created_at)}</td>
                </tr>
            }
        })
        .collect_view();
    let genealogy = unit
        .genealogy
        .into_iter()
        .map(|g| {
            let trace = format!(
                "/trace?mpn={}&lot={}",
                js_sys::encode_uri_component(&g.lot.mpn),
                js_sys::encode_uri_component(&g.lot.lot_code)
            );
            view! {
                <tr data-testid="genealogy-row">
                    <td class="mono">{g.designator}</td>
                    <td>{g.lot.mpn.clone()}</td>
                    <td>{g.lot.manufacturer}</td>
                    <td><A href=trace>{g.lot.lot_code}</A></td>
                    <td>{g.lot.date_code}</td>
                    <td class="mono">{g.lot.reel_id}</td>
                    <td>{g.lot.supplier}</td>
                </tr>
            }
        })
        .collect_view();
    let tree_href = format!("/units/{}/tree", unit.serial);
    let ncrs = quality_refs!(unit.ncrs);
    let capas = quality_refs!(unit.capas);
    view! {
        <section class="card" aria-labelledby="unit-title">
            <h1 id="unit-title" class="mono">{unit.serial}</h1>
            <dl class="facts">
                <dt>"Status"</dt>
                <dd id="unit-status"><WireBadge status=wire(&unit.status) /></dd>
                <dt>"First pass"</dt>
                <dd>{if unit.first_pass { "Yes" } else { "No" }}</dd>
                <dt>"Build"</dt>
                <dd>
                    <A href=format!("/builds/{}", b.id) attr:id="unit-build-link">
                        {format!("{} {} rev {} · {}", b.product.part_number, b.product.name, b.package.revision, label(&b.phase))}
                    </A>
                </dd>
                <dt>"Next station"</dt>
                <dd>{unit.next_station.map(|s| s.name).unwrap_or_else(|| "—".to_owned())}</dd>
                <dt>"Serialized"</dt>
                <dd>{short_time(&unit.created_at)}</dd>
                <dt>"Completed"</dt>
                <dd>{unit.completed_at.as_deref().map(short_time).unwrap_or_else(|| "—".to_owned())}</dd>
                <dt>"Shipped"</dt>
                <dd>{unit.shipped_at.as_deref().map(short_time).unwrap_or_else(|| "—".to_owned())}</dd>
                <dt>"NCRs"</dt>
                <dd id="unit-ncrs"><QualityLinks items=ncrs path="ncrs" /></dd>
                <dt>"Corrective actions"</dt>
                <dd id="unit-capas"><QualityLinks items=capas path="capas" /></dd>
                <dt>"Box build"</dt>
                <dd><A href=tree_href attr:id="unit-tree-link">"Unit tree"</A></dd>
            </dl>
        </section>
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">"Station history"</h2>
            <div class="table-wrap">
                <table class="table" id="history">
                    <thead><tr>
                        <th scope="col">"Station"</th>
                        <th scope="col">"Result"</th>
                        <th scope="col">"Measurements"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"When"</th>
                    </tr></thead>
                    <tbody>{history}</tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="defects-title">
            <h2 id="defects-title">"Defects"</h2>
            <div class="table-wrap">
                <table class="table" id="defects">
                    <thead><tr>
                        <th scope="col">"Station"</th>
                        <th scope="col">"Designator"</th>
                        <th scope="col">"Code"</th>
                        <th scope="col">"Description"</th>
                        <th scope="col">"Disposition"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"When"</th>
                    </tr></thead>
                    <tbody>{defects}</tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="genealogy-title">
            <h2 id="genealogy-title">"Genealogy"</h2>
            <div class="table-wrap">
                <table class="table" id="genealogy">
                    <thead><tr>
                        <th scope="col">"Designator"</th>
                        <th scope="col">"MPN"</th>
                        <th scope="col">"Manufacturer"</th>
                        <th scope="col">"Lot code"</th>
                        <th scope="col">"Date code"</th>
                        <th scope="col">"Reel"</th>
                        <th scope="col">"Supplier"</th>
                    </tr></thead>
                    <tbody>{genealogy}</tbody>
                </table>
            </div>
        </section>
    }
}
