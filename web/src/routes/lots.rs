//! `/builds/:id/lots`: receive a reel (scan-friendly: Enter moves to the next field) and record
//! which designators a lot fed over a serial range of the build.

use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;

use crate::api::ops::{
    find_lots, package_designators, receive_lot, record_lot_usage, FindLots, PackageDesignators,
    ReceiveLot, RecordLotUsage,
};
use crate::api::ApiError;
use crate::routes::floor::{build_title, use_floor_build, with_build, BuildCrumbs};
use crate::session::Session;
use crate::ui::ErrorLine;

/// A lot as this page lists it.
#[derive(Debug, Clone, PartialEq)]
struct Lot {
    id: String,
    mpn: String,
    manufacturer: String,
    lot_code: String,
    date_code: String,
    reel_id: String,
    quantity: i64,
}

/// Designators typed as a list: commas, spaces or semicolons between them.
fn designator_list(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in text.split([',', ' ', ';', '\n', '\t']) {
        let d = d.trim().to_uppercase();
        if !d.is_empty() && !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// Enter in a field of the receiving form goes to the next field (a scanner ends each code
/// with Enter); in the last field it submits.
fn enter_moves_on(ev: KeyboardEvent) {
    if ev.key() != "Enter" {
        return;
    }
    let Some(target) = ev
        .target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
    else {
        return;
    };
    let Some(next) = target.get_attribute("data-next") else {
        return;
    };
    ev.prevent_default();
    if let Some(el) = document()
        .get_element_by_id(&next)
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = el.focus();
    }
}

/// `/builds/:id/lots`.
#[component]
pub fn LotsPage() -> impl IntoView {
    let session = Session::get();
    let tick = RwSignal::new(0_u32);
    let (build_id, data) = use_floor_build(tick);

    // Receiving.
    let mpn = RwSignal::new(String::new());
    let manufacturer = RwSignal::new(String::new());
    let lot_code = RwSignal::new(String::new());
    let date_code = RwSignal::new(String::new());
    let reel_id = RwSignal::new(String::new());
    let quantity = RwSignal::new(String::new());
    let supplier = RwSignal::new(String::new());
    let receive_error = RwSignal::new(None::<ApiError>);
    let received = RwSignal::new(None::<Lot>);
    let busy = RwSignal::new(false);

    // Usage.
    let find_mpn = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<Lot>::new());
    let chosen = RwSignal::new(None::<Lot>);
    let designators = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let usage_error = RwSignal::new(None::<ApiError>);
    let usage_done = RwSignal::new(None::<String>);

    // The range defaults to the whole build.
    Effect::new(move |_| {
        if let Some(Ok(b)) = data.get() {
            let mut serials: Vec<&str> = b.units.iter().map(|u| u.serial.as_str()).collect();
            serials.sort_unstable();
            if from.get_untracked().is_empty() {
                from.set(serials.first().map(|s| s.to_string()).unwrap_or_default());
            }
            if to.get_untracked().is_empty() {
                to.set(serials.last().map(|s| s.to_string()).unwrap_or_default());
            }
        }
    });
    // The BOM's designators for the chosen lot's MPN, as a suggestion.
    let package_id = Memo::new(move |_| {
        data.with(|d| match d {
            Some(Ok(b)) => Some(b.package.id.clone()),
            _ => None,
        })
    });
    let bom = LocalResource::new(move || {
        let id = package_id.get();
        async move {
            match id {
                Some(id) => session
                    .run::<PackageDesignators>(package_designators::Variables { id })
                    .await
                    .ok(),
                None => None,
            }
        }
    });
    let suggested = Memo::new(move |_| {
        let lot = chosen.get()?;
        let bom = bom.get().flatten()?;
        let list: Vec<String> = bom
            .npi_package
            .bom_lines
            .iter()
            .filter(|l| {
                !l.dnp
                    && l.mpn
                        .as_deref()
                        .is_some_and(|m| m.eq_ignore_ascii_case(&lot.mpn))
            })
            .flat_map(|l| l.designators.clone())
            .collect();
        (!list.is_empty()).then(|| list.join(", "))
    });
    Effect::new(move |_| {
        if let Some(list) = suggested.get() {
            if designators.get_untracked().is_empty() {
                designators.set(list);
            }
        }
    });

    let on_receive = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Ok(qty) = quantity.get_untracked().trim().parse::<i64>() else {
            receive_error.set(Some(ApiError::Server {
                code: None,
                message: "The quantity must be a whole number.".to_owned(),
            }));
            return;
        };
        busy.set(true);
        receive_error.set(None);
        let input = receive_lot::ReceiveComponentLotInput {
            mpn: mpn.get_untracked().trim().to_owned(),
            manufacturer: manufacturer.get_untracked().trim().to_owned(),
            lot_code: lot_code.get_untracked().trim().to_owned(),
            date_code: date_code.get_untracked().trim().to_owned(),
            reel_id: reel_id.get_untracked().trim().to_owned(),
            quantity: qty,
            supplier: supplier.get_untracked().trim().to_owned(),
        };
        leptos::task::spawn_local(async move {
            let result = session
                .run::<ReceiveLot>(receive_lot::Variables { input })
                .await;
            busy.set(false);
            match result {
                Ok(d) => {
                    let l = d.receive_component_lot;
                    let lot = Lot {
                        id: l.id,
                        mpn: l.mpn,
                        manufacturer: l.manufacturer,
                        lot_code: l.lot_code,
                        date_code: l.date_code,
                        reel_id: l.reel_id,
                        quantity: l.quantity,
                    };
                    received.set(Some(lot.clone()));
                    find_mpn.set(lot.mpn.clone());
                    found.set(vec![lot.clone()]);
                    designators.set(String::new());
                    chosen.set(Some(lot));
                    for field in [mpn, manufacturer, lot_code, date_code, reel_id, quantity] {
                        field.set(String::new());
                    }
                    if let Some(el) = document().get_element_by_id("lot-mpn") {
                        if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                            let _ = el.focus();
                        }
                    }
                }
                Err(e) => receive_error.set(Some(e)),
            }
        });
    };

    let on_find = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = find_mpn.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        usage_error.set(None);
        leptos::task::spawn_local(async move {
            match session
                .run::<FindLots>(find_lots::Variables {
                    mpn: text,
                    lot_code: None,
                })
                .await
            {
                Ok(d) => {
                    let lots: Vec<Lot> = d
                        .component_lots
                        .into_iter()
                        .map(|l| Lot {
                            id: l.id,
                            mpn: l.mpn,
                            manufacturer: l.manufacturer,
                            lot_code: l.lot_code,
                            date_code: l.date_code,
                            reel_id: l.reel_id,
                            quantity: l.quantity,
                        })
                        .collect();
                    chosen.set(lots.first().cloned());
                    found.set(lots);
                }
                Err(e) => usage_error.set(Some(e)),
            }
        });
    };

    let on_usage = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(lot) = chosen.get_untracked() else {
            return;
        };
        usage_error.set(None);
        usage_done.set(None);
        let list = designator_list(&designators.get_untracked());
        let input = record_lot_usage::RecordLotUsageInput {
            lot_id: lot.id.clone(),
            build_id: build_id.get_untracked(),
            designators: list.clone(),
            serials: None,
            serial_range: Some(record_lot_usage::SerialRange {
                from: from.get_untracked().trim().to_owned(),
                to: to.get_untracked().trim().to_owned(),
            }),
        };
        leptos::task::spawn_local(async move {
            match session
                .run::<RecordLotUsage>(record_lot_usage::Variables { input })
                .await
            {
                Ok(d) => usage_done.set(Some(format!(
                    "Recorded {} usages: reel {} (lot {}) fed {} from {} to {}.",
                    d.record_lot_usage,
                    lot.reel_id,
                    lot.lot_code,
                    list.join(", "),
                    from.get_untracked(),
                    to.get_untracked()
                ))),
                Err(e) => usage_error.set(Some(e)),
            }
        });
    };

    let head = move |b: crate::api::ops::floor_build::FloorBuildBuild| {
        let title = build_title(&b);
        view! {
            <BuildCrumbs build_id=b.id.clone() title=title.clone() here="Reels and lots".to_owned() />
            <h1 id="lots-title" class="page-title">"Reels and lots"</h1>
            <p class="muted small">{title}</p>
        }
    };
    let field = move |id: &'static str,
                      label: &'static str,
                      value: RwSignal<String>,
                      next: &'static str,
                      required: bool| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id class="mono" bind:value=value required=required data-next=next
                    autocomplete="off" spellcheck="false" on:keydown=enter_moves_on />
            </div>
        }
    };

    view! {
        {with_build(data, head)}
        <section class="card" aria-labelledby="receive-title">
            <h2 id="receive-title">"Receive a reel"</h2>
            <form class="form" on:submit=on_receive autocomplete="off">
                <div class="field-grid">
                    {field("lot-mpn", "MPN", mpn, "lot-manufacturer", true)}
                    {field("lot-manufacturer", "Manufacturer", manufacturer, "lot-code", true)}
                    {field("lot-code", "Lot code", lot_code, "lot-date-code", true)}
                    {field("lot-date-code", "Date code", date_code, "lot-reel", false)}
                    {field("lot-reel", "Reel id", reel_id, "lot-quantity", true)}
                    <div class="field">
                        <label for="lot-quantity">"Quantity"</label>
                        <input id="lot-quantity" type="number" min="1" inputmode="numeric" required bind:value=quantity />
                    </div>
                    <div class="field">
                        <label for="lot-supplier">"Supplier " <span class="muted">"(optional)"</span></label>
                        <input id="lot-supplier" bind:value=supplier />
                    </div>
                </div>
                {move || receive_error.get().map(|error| view! { <ErrorLine error /> })}
                <button type="submit" id="receive-lot" class="button primary" disabled=move || busy.get()>"Receive"</button>
            </form>
            {move || received.get().map(|l| view! {
                <p class="ok" id="received" role="status">
                    {format!("Received reel {}: {} × {} {}, lot {}{}", l.reel_id, l.quantity, l.manufacturer, l.mpn, l.lot_code,
                        if l.date_code.is_empty() { String::new() } else { format!(", date code {}", l.date_code) })}
                </p>
            })}
        </section>
        <section class="card" aria-labelledby="usage-title">
            <h2 id="usage-title">"Record lot usage"</h2>
            <form class="inline-form" on:submit=on_find>
                <label for="find-mpn">"Find reels by MPN"</label>
                <input id="find-mpn" class="mono" bind:value=find_mpn />
                <button type="submit" class="button secondary" id="find-lots">"Find"</button>
            </form>
            {move || {
                let lots = found.get();
                (!lots.is_empty()).then(|| view! {
                    <ul class="lot-choices" id="lot-choices">
                        {lots.into_iter().map(|l| {
                            let id = l.id.clone();
                            let pick = l.clone();
                            view! {
                                <li>
                                    <label class="lot-choice">
                                        <input type="radio" name="lot" value=id.clone()
                                            prop:checked=move || chosen.with(|c| c.as_ref().is_some_and(|c| c.id == id))
                                            on:change=move |_| { designators.set(String::new()); chosen.set(Some(pick.clone())); } />
                                        <span class="mono">{l.reel_id.clone()}</span>
                                        {format!(" · {} {} · lot {} · {} pcs", l.manufacturer, l.mpn, l.lot_code, l.quantity)}
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
            <form class="form" on:submit=on_usage>
                <div class="field">
                    <label for="usage-designators">"Designators"</label>
                    <input id="usage-designators" class="mono" required bind:value=designators placeholder="R1, R2, C5" spellcheck="false" />
                    {move || suggested.get().map(|s| view! { <p class="muted small">{format!("The BOM places this MPN at {s}.")}</p> })}
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="usage-from">"From serial"</label>
                        <input id="usage-from" class="mono" required bind:value=from spellcheck="false" />
                    </div>
                    <div class="field">
                        <label for="usage-to">"To serial"</label>
                        <input id="usage-to" class="mono" required bind:value=to spellcheck="false" />
                    </div>
                </div>
                {move || usage_error.get().map(|error| view! { <ErrorLine error /> })}
                {move || usage_done.get().map(|t| view! { <p class="ok" id="usage-done" role="status">{t}</p> })}
                <button type="submit" id="record-usage" class="button primary" disabled=move || chosen.with(Option::is_none)>
                    {move || chosen.get().map_or_else(|| "Choose a reel first".to_owned(), |l| format!("Record usage of reel {}", l.reel_id))}
                </button>
            </form>
        </section>
    }
}
