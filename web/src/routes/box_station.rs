//! `/box-build`: the box-build station. Scan a box, scan each sub-assembly into its position,
//! remove or replace one with a reason, and record the box's identities (modem IMEI, SIM
//! ICCID, MAC addresses, firmware). Every refusal shows the server's sentence: which unit,
//! which position, which revision or hash was wrong.

use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::box_ops::{
    box_unit, install_subassembly, record_unit_identity, remove_subassembly, BoxUnit,
    InstallSubassembly, RecordUnitIdentity, RemoveSubassembly,
};
use crate::api::ApiError;
use crate::session::Session;
use crate::ui::{humanize, short_time, wire, ErrorLine, Loading};

/// What the last action said: a success line or an error.
type Outcome = Option<Result<String, ApiError>>;

/// Text or nothing: an empty field leaves the identity as it is.
fn given(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// MAC addresses typed or scanned one after another, separated by spaces, commas or lines.
fn macs(text: &str) -> Option<Vec<String>> {
    let list: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    (!list.is_empty()).then_some(list)
}

/// The last word of each form. Kept by the page, not by the box view, which is drawn afresh
/// each time the box is read again after a change.
#[derive(Debug, Clone, Copy)]
struct Outcomes {
    install: RwSignal<Outcome>,
    remove: RwSignal<Outcome>,
    identity: RwSignal<Outcome>,
}

impl Outcomes {
    fn new() -> Self {
        Outcomes {
            install: RwSignal::new(None),
            remove: RwSignal::new(None),
            identity: RwSignal::new(None),
        }
    }

    fn clear(self) {
        self.install.set(None);
        self.remove.set(None);
        self.identity.set(None);
    }
}

/// The success or error line of one form.
#[component]
fn OutcomeLine(outcome: RwSignal<Outcome>, id: &'static str) -> impl IntoView {
    move || match outcome.get() {
        None => ().into_any(),
        Some(Ok(text)) => view! { <p class="ok" id=id role="status">{text}</p> }.into_any(),
        Some(Err(error)) => view! { <div id=id><ErrorLine error /></div> }.into_any(),
    }
}

/// `/box-build` (`?box=SERIAL` opens a box at once).
#[component]
pub fn BoxStationPage() -> impl IntoView {
    let session = Session::get();
    let query_map = use_query_map();
    let opened = RwSignal::new(
        query_map
            .with_untracked(|q| q.get("box"))
            .and_then(|s| given(&s)),
    );
    let box_scan = RwSignal::new(String::new());
    let tick = RwSignal::new(0_u32);
    let outcomes = Outcomes::new();
    let data = LocalResource::new(move || {
        let serial = opened.get();
        tick.track();
        async move {
            match serial {
                None => None,
                Some(serial) => Some(session.run::<BoxUnit>(box_unit::Variables { serial }).await),
            }
        }
    });
    let on_open = move |ev: SubmitEvent| {
        ev.prevent_default();
        if let Some(serial) = given(&box_scan.get_untracked()) {
            box_scan.set(String::new());
            outcomes.clear();
            opened.set(Some(serial));
        }
    };
    view! {
        <section class="card" aria-labelledby="box-station-title">
            <h1 id="box-station-title">"Box-build station"</h1>
            <form class="inline-form" on:submit=on_open autocomplete="off">
                <label for="box-serial">"Scan the box serial"</label>
                <input id="box-serial" class="mono" bind:value=box_scan autofocus spellcheck="false" />
                <button id="box-open" type="submit" class="button primary">"Open"</button>
            </form>
        </section>
        {move || match data.get() {
            None => view! { <Loading /> }.into_any(),
            Some(None) => view! {
                <p class="muted" id="box-none">"Scan a box to install its sub-assemblies."</p>
            }.into_any(),
            Some(Some(Err(error))) => view! { <div id="box-error"><ErrorLine error /></div> }.into_any(),
            Some(Some(Ok(d))) => view! { <BoxView unit=d.unit tick outcomes /> }.into_any(),
        }}
    }
}

/// One open box: its positions, the install, remove and identity forms, and its history.
#[component]
fn BoxView(unit: box_unit::BoxUnitUnit, tick: RwSignal<u32>, outcomes: Outcomes) -> impl IntoView {
    let session = Session::get();
    let serial = unit.serial.clone();
    let product = &unit.build.product;
    let package = &unit.build.package;
    let title = format!(
        "{} {} rev {}",
        product.part_number, product.name, package.revision
    );
    let lines = package.box_build_bom.clone();
    let current: Vec<box_unit::BoxUnitUnitChildren> = unit
        .children
        .iter()
        .filter(|c| c.current)
        .cloned()
        .collect();
    let held = |position: &str| {
        current
            .iter()
            .find(|c| c.position == position)
            .map(|c| c.child.serial.clone())
    };
    // The first sub-assembly position still empty is where the next scan goes.
    let sub_positions: Vec<String> = lines
        .iter()
        .filter(|l| wire(&l.kind) == "SUBASSEMBLY")
        .map(|l| l.position.clone())
        .collect();
    let next_free = sub_positions
        .iter()
        .find(|p| held(p).is_none())
        .cloned()
        .or_else(|| sub_positions.first().cloned())
        .unwrap_or_default();

    let position = RwSignal::new(next_free);
    let child_scan = RwSignal::new(String::new());
    let install_outcome = outcomes.install;
    let remove_child = RwSignal::new(
        current
            .first()
            .map(|c| c.child.serial.clone())
            .unwrap_or_default(),
    );
    let reason = RwSignal::new(String::new());
    let replacement = RwSignal::new(String::new());
    let remove_outcome = outcomes.remove;
    let busy = RwSignal::new(false);
    let child_input = NodeRef::<Input>::new();

    let identity = unit.identity.clone();
    let fw_version = RwSignal::new(identity.firmware_version.clone().unwrap_or_default());
    let fw_hash = RwSignal::new(String::new());
    let imei = RwSignal::new(String::new());
    let iccid = RwSignal::new(String::new());
    let mac_text = RwSignal::new(String::new());
    let identity_outcome = outcomes.identity;

    let box_serial = serial.clone();
    let on_install = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(child) = given(&child_scan.get_untracked()) else {
            return;
        };
        let at = position.get_untracked().trim().to_owned();
        if at.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        let parent = box_serial.clone();
        leptos::task::spawn_local(async move {
            let result = session
                .run::<InstallSubassembly>(install_subassembly::Variables {
                    parent_serial: parent.clone(),
                    child_serial: child.clone(),
                    position: at.clone(),
                })
                .await;
            busy.set(false);
            match result {
                Ok(_) => {
                    child_scan.set(String::new());
                    install_outcome.set(Some(Ok(format!("{child} installed in {parent} at {at}"))));
                    tick.update(|t| *t += 1);
                }
                Err(e) => install_outcome.set(Some(Err(e))),
            }
            if let Some(el) = child_input.get_untracked() {
                let _ = el.focus();
            }
        });
    };

    let box_serial = serial.clone();
    let positions_of_current: Vec<(String, String)> = current
        .iter()
        .map(|c| (c.child.serial.clone(), c.position.clone()))
        .collect();
    let on_remove = move |ev: SubmitEvent| {
        ev.prevent_default();
        let child = remove_child.get_untracked();
        let why = reason.get_untracked().trim().to_owned();
        if child.is_empty() || busy.get_untracked() {
            return;
        }
        let at = positions_of_current
            .iter()
            .find(|(s, _)| *s == child)
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        let swap_in = given(&replacement.get_untracked());
        busy.set(true);
        let parent = box_serial.clone();
        leptos::task::spawn_local(async move {
            let removed = session
                .run::<RemoveSubassembly>(remove_subassembly::Variables {
                    parent_serial: parent.clone(),
                    child_serial: child.clone(),
                    reason: why,
                })
                .await;
            let outcome = match (removed, swap_in) {
                (Err(e), _) => Err(e),
                (Ok(_), None) => Ok(format!("{child} removed from {parent}")),
                (Ok(_), Some(new)) => session
                    .run::<InstallSubassembly>(install_subassembly::Variables {
                        parent_serial: parent.clone(),
                        child_serial: new.clone(),
                        position: at.clone(),
                    })
                    .await
                    .map(|_| format!("{child} replaced by {new} at {at}")),
            };
            busy.set(false);
            if outcome.is_ok() {
                reason.set(String::new());
                replacement.set(String::new());
            }
            remove_outcome.set(Some(outcome));
            tick.update(|t| *t += 1);
        });
    };

    let box_serial = serial.clone();
    let on_identity = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = record_unit_identity::UnitIdentityInput {
            firmware_version: given(&fw_version.get_untracked()),
            firmware_sha256: given(&fw_hash.get_untracked()),
            imei: given(&imei.get_untracked()),
            iccid: given(&iccid.get_untracked()),
            mac_addresses: macs(&mac_text.get_untracked()),
        };
        busy.set(true);
        let serial = box_serial.clone();
        leptos::task::spawn_local(async move {
            let result = session
                .run::<RecordUnitIdentity>(record_unit_identity::Variables {
                    serial: serial.clone(),
                    identity: input,
                })
                .await;
            busy.set(false);
            match result {
                Ok(_) => {
                    fw_hash.set(String::new());
                    imei.set(String::new());
                    iccid.set(String::new());
                    mac_text.set(String::new());
                    identity_outcome.set(Some(Ok(format!("Identities recorded on {serial}"))));
                    tick.update(|t| *t += 1);
                }
                Err(e) => identity_outcome.set(Some(Err(e))),
            }
        });
    };

    let rows = lines
        .iter()
        .map(|l| {
            let kind = wire(&l.kind);
            let expects = match (&l.revision, kind.as_str()) {
                (Some(rev), _) => format!("{} rev {rev}", l.part_number),
                (None, "FIRMWARE") => format!(
                    "{} {}",
                    l.part_number,
                    l.firmware_version.clone().unwrap_or_default()
                ),
                _ => l.part_number.clone(),
            };
            let holds = if kind == "SUBASSEMBLY" {
                held(&l.position).unwrap_or_else(|| "—".to_owned())
            } else {
                String::new()
            };
            view! {
                <tr data-testid="box-position" data-position=l.position.clone()>
                    <td class="mono">{l.position.clone()}</td>
                    <td>{humanize(&kind)}</td>
                    <td>{expects}</td>
                    <td class="mono" data-testid="held">{holds}</td>
                </tr>
            }
        })
        .collect_view();
    let history = unit
        .children
        .iter()
        .map(|c| {
            let removed = c
                .removed_at
                .as_deref()
                .map(short_time)
                .unwrap_or_else(|| "—".to_owned());
            let href = format!("/units/{}/tree", c.child.serial);
            let label = c.child.serial.clone();
            view! {
                <tr data-testid="installation" data-current=c.current.to_string() data-serial=c.child.serial.clone()>
                    <td class="mono">{c.position.clone()}</td>
                    <td><A href=href><span class="mono">{label}</span></A></td>
                    <td>{format!("{} rev {}", c.child.build.product.part_number, c.child.build.package.revision)}</td>
                    <td>{format!("{} · {}", short_time(&c.installed_at), c.installed_by)}</td>
                    <td>{removed}</td>
                    <td>{c.removed_by.clone().unwrap_or_default()}</td>
                    <td>{c.removal_reason.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let position_options = sub_positions
        .iter()
        .map(|p| view! { <option value=p.clone()>{p.clone()}</option> })
        .collect_view();
    let remove_options = current
        .iter()
        .map(|c| {
            view! {
                <option value=c.child.serial.clone()>
                    {format!("{} ({})", c.child.serial, c.position)}
                </option>
            }
        })
        .collect_view();
    let has_current = !current.is_empty();
    let shown_identity = format!(
        "Firmware {} · IMEI {} · ICCID {} · MAC {}",
        identity
            .firmware_version
            .clone()
            .unwrap_or_else(|| "—".to_owned()),
        identity.imei.clone().unwrap_or_else(|| "—".to_owned()),
        identity.iccid.clone().unwrap_or_else(|| "—".to_owned()),
        if identity.mac_addresses.is_empty() {
            "—".to_owned()
        } else {
            identity.mac_addresses.join(" ")
        }
    );
    let parent_note = unit.parent.as_ref().map(|p| {
        view! { <p class="muted" id="box-parent">{format!("Installed in {}", p.serial)}</p> }
    });
    view! {
        <section class="card" aria-labelledby="box-title">
            <div class="card-head">
                <h2 id="box-title" class="mono" data-serial=serial.clone()>{serial.clone()}</h2>
                <A href=format!("/units/{serial}/tree") attr:id="box-tree">"Unit tree"</A>
            </div>
            <p class="muted">{format!("{title} · {}", humanize(&wire(&unit.status)))}</p>
            {parent_note}
            <div class="table-wrap">
                <table class="table" id="box-positions">
                    <caption>"Box-build BOM"</caption>
                    <thead><tr>
                        <th scope="col">"Position"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Expects"</th>
                        <th scope="col">"Installed"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="install-title">
            <h2 id="install-title">"Install a sub-assembly"</h2>
            <form class="inline-form" on:submit=on_install autocomplete="off">
                <label for="install-position">"Position"</label>
                <select id="install-position" prop:value=move || position.get()
                    on:change=move |ev| position.set(event_target_value(&ev))>
                    {position_options}
                </select>
                <label for="install-serial">"Scan the sub-assembly"</label>
                <input id="install-serial" class="mono" node_ref=child_input bind:value=child_scan spellcheck="false" />
                <button id="install-submit" type="submit" class="button primary" disabled=move || busy.get()>"Install"</button>
            </form>
            <OutcomeLine outcome=install_outcome id="install-outcome" />
        </section>
        <section class="card" aria-labelledby="remove-title">
            <h2 id="remove-title">"Remove or replace"</h2>
            {if has_current {
                view! {
                    <form class="form" on:submit=on_remove autocomplete="off">
                        <div class="field-row">
                            <div class="field">
                                <label for="remove-serial">"Sub-assembly"</label>
                                <select id="remove-serial" prop:value=move || remove_child.get()
                                    on:change=move |ev| remove_child.set(event_target_value(&ev))>
                                    {remove_options}
                                </select>
                            </div>
                            <div class="field">
                                <label for="remove-reason">"Reason"</label>
                                <input id="remove-reason" required bind:value=reason />
                            </div>
                            <div class="field">
                                <label for="remove-replacement">"Replace with (optional)"</label>
                                <input id="remove-replacement" class="mono" bind:value=replacement spellcheck="false" />
                            </div>
                        </div>
                        <button id="remove-submit" type="submit" class="button secondary" disabled=move || busy.get()>
                            {move || if replacement.with(|r| r.trim().is_empty()) { "Remove" } else { "Replace" }}
                        </button>
                    </form>
                }.into_any()
            } else {
                view! { <p class="muted" id="remove-none">"Nothing is installed in this box."</p> }.into_any()
            }}
            <OutcomeLine outcome=remove_outcome id="remove-outcome" />
        </section>
        <section class="card" aria-labelledby="identity-title">
            <h2 id="identity-title">"Identities"</h2>
            <p class="muted" id="identity-now">{shown_identity}</p>
            <form class="form" on:submit=on_identity autocomplete="off">
                <div class="field-row">
                    <div class="field">
                        <label for="identity-imei">"Modem IMEI"</label>
                        <input id="identity-imei" class="mono" bind:value=imei spellcheck="false" />
                    </div>
                    <div class="field">
                        <label for="identity-iccid">"SIM ICCID"</label>
                        <input id="identity-iccid" class="mono" bind:value=iccid spellcheck="false" />
                    </div>
                    <div class="field">
                        <label for="identity-macs">"MAC addresses"</label>
                        <input id="identity-macs" class="mono" bind:value=mac_text spellcheck="false" />
                    </div>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="identity-fw-version">"Firmware version"</label>
                        <input id="identity-fw-version" bind:value=fw_version />
                    </div>
                    <div class="field">
                        <label for="identity-fw-hash">"Firmware SHA-256"</label>
                        <input id="identity-fw-hash" class="mono" bind:value=fw_hash spellcheck="false" />
                    </div>
                </div>
                <button id="identity-submit" type="submit" class="button primary" disabled=move || busy.get()>"Record"</button>
            </form>
            <OutcomeLine outcome=identity_outcome id="identity-outcome" />
        </section>
        <section class="card" aria-labelledby="box-history-title">
            <h2 id="box-history-title">"Installation history"</h2>
            <div class="table-wrap">
                <table class="table" id="box-history">
                    <thead><tr>
                        <th scope="col">"Position"</th>
                        <th scope="col">"Serial"</th>
                        <th scope="col">"Product"</th>
                        <th scope="col">"Installed"</th>
                        <th scope="col">"Removed"</th>
                        <th scope="col">"Removed by"</th>
                        <th scope="col">"Reason"</th>
                    </tr></thead>
                    <tbody>{history}</tbody>
                </table>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{given, macs};

    #[test]
    fn empty_fields_leave_identities_alone() {
        assert_eq!(given("  "), None);
        assert_eq!(given(" 3567 "), Some("3567".to_owned()));
        assert_eq!(macs(" \n"), None);
        assert_eq!(
            macs("02:00:00:00:00:01, 02:00:00:00:00:02\n02:00:00:00:00:03"),
            Some(vec![
                "02:00:00:00:00:01".to_owned(),
                "02:00:00:00:00:02".to_owned(),
                "02:00:00:00:00:03".to_owned()
            ])
        );
    }
}
