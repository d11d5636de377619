//! `/builds/:id/ship`: pick finished (COMPLETED) units by scanning, by a serial range or by
//! ticking them, pack them carton by carton, and ship them to one of the OEM's ship-to
//! addresses (with the customer's PO and requested date) or to a destination typed in; the
//! build's shipments so far are listed with links to their pages.

use std::collections::BTreeSet;

use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api::ops::{
    create_shipment, ship_setup, ship_to_addresses, ship_units, CreateShipment, ShipSetup,
    ShipToAddresses, ShipUnits,
};
use crate::api::ApiError;
use crate::routes::floor::{build_title, use_floor_build, with_build, BuildCrumbs};
use crate::session::Session;
use crate::ui::{humanize, short_time, wire, ErrorLine};

/// `/builds/:id/ship`.
#[component]
pub fn ShipPage() -> impl IntoView {
    let session = Session::get();
    let tick = RwSignal::new(0_u32);
    let (build_id, data) = use_floor_build(tick);
    let picked = RwSignal::new(BTreeSet::<String>::new());
    let scan = RwSignal::new(String::new());
    let scan_note = RwSignal::new(None::<(bool, String)>);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let destination = RwSignal::new(String::new());
    let carrier = RwSignal::new(String::new());
    let tracking = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let shipped = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let scan_input = NodeRef::<Input>::new();
    // Cartons closed so far; `picked` is the carton being filled.
    let cartons = RwSignal::new(Vec::<Vec<String>>::new());
    let address = RwSignal::new(String::new());
    let customer_po = RwSignal::new(String::new());
    let requested = RwSignal::new(String::new());
    let navigate = use_navigate();
    let setup = LocalResource::new(move || {
        tick.track();
        session.run::<ShipSetup>(ship_setup::Variables {
            build: build_id.get(),
        })
    });
    let addresses = LocalResource::new(move || {
        let oem = setup.get().and_then(Result::ok).map(|s| s.build.oem.id);
        async move {
            match oem {
                Some(oem) => session
                    .run::<ShipToAddresses>(ship_to_addresses::Variables { oem: Some(oem) })
                    .await
                    .map(|d| d.ship_to_addresses),
                None => Ok(Vec::new()),
            }
        }
    });
    let packed_in = move |serial: &str| {
        cartons.with_untracked(|c| {
            c.iter()
                .position(|carton| carton.iter().any(|s| s == serial))
        })
    };

    // Serial → status of every unit of the build.
    let statuses = Memo::new(move |_| {
        data.with(|d| match d {
            Some(Ok(b)) => b
                .units
                .iter()
                .map(|u| (u.serial.clone(), wire(&u.status)))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    });
    let finished = Memo::new(move |_| {
        statuses.with(|s| {
            s.iter()
                .filter(|(_, st)| st == "COMPLETED")
                .map(|(serial, _)| serial.clone())
                .collect::<Vec<_>>()
        })
    });

    let on_scan = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = scan.get_untracked().trim().to_owned();
        scan.set(String::new());
        if text.is_empty() {
            return;
        }
        let status = statuses.with_untracked(|s| {
            s.iter()
                .find(|(serial, _)| serial.eq_ignore_ascii_case(&text))
                .map(|(serial, st)| (serial.clone(), st.clone()))
        });
        scan_note.set(Some(match status {
            None => (false, format!("{text} is not a unit of this build")),
            Some((serial, st)) if st != "COMPLETED" => (
                false,
                format!(
                    "{serial} is {}: only finished units ship",
                    humanize(&st).to_lowercase()
                ),
            ),
            Some((serial, _)) => match packed_in(&serial) {
                Some(n) => (false, format!("{serial} is already in carton {}", n + 1)),
                None => {
                    picked.update(|p| {
                        p.insert(serial.clone());
                    });
                    (true, format!("{serial} picked"))
                }
            },
        }));
        if let Some(el) = scan_input.get_untracked() {
            let _ = el.focus();
        }
    };
    let pick_range = move |_| {
        let (a, b) = (from.get_untracked(), to.get_untracked());
        let (a, b) = (a.trim(), b.trim());
        let inside: Vec<String> = finished
            .get_untracked()
            .into_iter()
            .filter(|s| s.as_str() >= a && s.as_str() <= b && packed_in(s).is_none())
            .collect();
        scan_note.set(Some((
            !inside.is_empty(),
            format!("{} finished units between {a} and {b}", inside.len()),
        )));
        picked.update(|p| p.extend(inside));
    };
    let close_carton = move |_| {
        let carton: Vec<String> = picked.get_untracked().into_iter().collect();
        if carton.is_empty() {
            return;
        }
        cartons.update(|c| c.push(carton));
        picked.set(BTreeSet::new());
        scan_note.set(Some((
            true,
            format!("Carton {} closed", cartons.with_untracked(Vec::len)),
        )));
        if let Some(el) = scan_input.get_untracked() {
            let _ = el.focus();
        }
    };
    let on_ship = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut packed = cartons.get_untracked();
        let open: Vec<String> = picked.get_untracked().into_iter().collect();
        if !open.is_empty() {
            packed.push(open);
        }
        if busy.get_untracked() || packed.is_empty() {
            return;
        }
        busy.set(true);
        error.set(None);
        let address_id = address.get_untracked();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            if address_id.is_empty() {
                // No ship-to address of the OEM: the destination as typed, one lot of units.
                let input = ship_units::ShipUnitsInput {
                    build_id: build_id.get_untracked(),
                    serials: packed.concat(),
                    destination: destination.get_untracked().trim().to_owned(),
                    carrier: carrier.get_untracked().trim().to_owned(),
                    tracking_number: tracking.get_untracked().trim().to_owned(),
                };
                let result = session
                    .run::<ShipUnits>(ship_units::Variables { input })
                    .await;
                busy.set(false);
                match result {
                    Ok(d) => {
                        let s = d.ship_units;
                        shipped.set(Some(format!(
                            "Shipped {} unit{} with {}, tracking {} · {}",
                            s.units,
                            if s.units == 1 { "" } else { "s" },
                            s.carrier,
                            s.tracking_number,
                            short_time(&s.shipped_at)
                        )));
                        picked.set(BTreeSet::new());
                        cartons.set(Vec::new());
                        tracking.set(String::new());
                        tick.update(|t| *t += 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
                return;
            }
            let text = |s: RwSignal<String>| {
                Some(s.get_untracked().trim().to_owned()).filter(|t| !t.is_empty())
            };
            let input = create_shipment::CreateShipmentInput {
                build_id: build_id.get_untracked(),
                ship_to_address_id: address_id,
                customer_po: text(customer_po),
                requested_date: text(requested),
                carrier: carrier.get_untracked().trim().to_owned(),
                tracking_number: tracking.get_untracked().trim().to_owned(),
                cartons: packed
                    .into_iter()
                    .map(|serials| create_shipment::CartonInput {
                        serials,
                        pallet: None,
                        weight_kg: None,
                    })
                    .collect(),
            };
            let result = session
                .run::<CreateShipment>(create_shipment::Variables { input })
                .await;
            busy.set(false);
            match result {
                Ok(d) => navigate(
                    &format!("/shipments/{}", d.create_shipment.id),
                    Default::default(),
                ),
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let head = move |b: crate::api::ops::floor_build::FloorBuildBuild| {
        let title = build_title(&b);
        view! {
            <BuildCrumbs build_id=b.id.clone() title=title.clone() here="Ship".to_owned() />
            <h1 id="ship-title" class="page-title">"Ship finished units"</h1>
            <p class="muted small">{title}</p>
        }
    };

    view! {
        {with_build(data, head)}
        <section class="card" aria-labelledby="pick-title">
            <h2 id="pick-title">"Pick units"</h2>
            <form class="inline-form" on:submit=on_scan autocomplete="off">
                <label for="ship-scan">"Scan a serial"</label>
                <input id="ship-scan" class="mono" node_ref=scan_input bind:value=scan autofocus spellcheck="false" />
            </form>
            <div class="inline-form">
                <label for="ship-from">"From"</label>
                <input id="ship-from" class="mono" bind:value=from spellcheck="false" />
                <label for="ship-to">"to"</label>
                <input id="ship-to" class="mono" bind:value=to spellcheck="false" />
                <button type="button" id="pick-range" class="button secondary" on:click=pick_range>"Pick the range"</button>
            </div>
            {move || scan_note.get().map(|(ok, text)| view! {
                <p class=if ok { "ok" } else { "alert" } id="pick-note" role="status">{text}</p>
            })}
            {move || {
                let units = finished.get();
                if units.is_empty() {
                    return view! { <p class="muted" id="none-finished">"No finished unit waits for shipping."</p> }.into_any();
                }
                view! {
                    <ul class="pick-list" id="finished-units">
                        {units.into_iter().map(|serial| {
                            let s1 = serial.clone();
                            let s2 = serial.clone();
                            let s3 = serial.clone();
                            view! {
                                <li>
                                    <label class="pick" data-testid="finished-unit" data-serial=s3>
                                        <input type="checkbox"
                                            prop:checked=move || picked.with(|p| p.contains(&s1))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                picked.update(|p| { if on { p.insert(s2.clone()); } else { p.remove(&s2); } });
                                            } />
                                        <span class="mono">{serial}</span>
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="ship-form-title">
            <h2 id="ship-form-title">
                {move || {
                    let closed = cartons.with(Vec::len);
                    let open = picked.with(BTreeSet::len);
                    let units = cartons.with(|c| c.iter().map(Vec::len).sum::<usize>()) + open;
                    let boxes = closed + usize::from(open > 0);
                    format!("Ship {units} units in {boxes} cartons")
                }}
            </h2>
            <div class="inline-form">
                <span id="carton-count" class="muted">{move || format!("Carton {} has {} units", cartons.with(Vec::len) + 1, picked.with(BTreeSet::len))}</span>
                <button type="button" id="close-carton" class="button secondary" on:click=close_carton disabled=move || picked.with(BTreeSet::is_empty)>"Close carton"</button>
            </div>
            <form class="form" on:submit=on_ship>
                <div class="field">
                    <label for="ship-address">"Ship to"</label>
                    <select id="ship-address" bind:value=address>
                        <option value="">"Another destination (typed below)"</option>
                        {move || addresses.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|a| view! {
                            <option value=a.id>{a.label}</option>
                        }).collect_view()}
                    </select>
                </div>
                {move || if address.get().is_empty() {
                    view! {
                        <div class="field">
                            <label for="ship-destination">"Destination"</label>
                            <input id="ship-destination" required bind:value=destination />
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <div class="field-row">
                            <div class="field">
                                <label for="ship-po">"Customer PO"</label>
                                <input id="ship-po" class="mono" bind:value=customer_po />
                            </div>
                            <div class="field">
                                <label for="ship-requested">"Requested delivery"</label>
                                <input id="ship-requested" type="date" bind:value=requested />
                            </div>
                        </div>
                    }.into_any()
                }}
                <div class="field-row">
                    <div class="field">
                        <label for="ship-carrier">"Carrier"</label>
                        <input id="ship-carrier" required bind:value=carrier />
                    </div>
                    <div class="field">
                        <label for="ship-tracking">"Tracking number"</label>
                        <input id="ship-tracking" class="mono" required bind:value=tracking spellcheck="false" />
                    </div>
                </div>
                {move || error.get().map(|error| view! { <ErrorLine error /> })}
                {move || shipped.get().map(|t| view! { <p class="ok" id="shipped" role="status">{t}</p> })}
                <button type="submit" id="ship" class="button primary" disabled=move || busy.get() || (picked.with(BTreeSet::is_empty) && cartons.with(Vec::is_empty))>
                    "Ship"
                </button>
            </form>
        </section>
        <section class="card" aria-labelledby="shipments-title">
            <h2 id="shipments-title">"Shipments of this build"</h2>
            {move || match setup.get() {
                Some(Ok(d)) if !d.build.shipments.is_empty() => view! {
                    <ul class="plain" id="build-shipments">
                        {d.build.shipments.into_iter().map(|s| view! {
                            <li data-testid="build-shipment">
                                <A href=format!("/shipments/{}", s.id)>{format!("{} · {} {}", short_time(&s.shipped_at), s.carrier, s.tracking_number)}</A>
                                <span class="muted small">{format!(" → {}", s.destination)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Some(Ok(_)) => view! { <p class="muted">"Nothing shipped yet."</p> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                None => ().into_any(),
            }}
        </section>
    }
}
