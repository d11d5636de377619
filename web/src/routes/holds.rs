//! `/builds/:id/holds`: units held after a FAIL, for quality to give each a disposition
//! (REWORK, SCRAP or USE_AS_IS) with a reason. The defect the operator saw (kept with the FAIL
//! result) fills the form in; defects a machine found (PENDING) are decided one by one, and the
//! unit leaves the hold once none waits.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::ops::{
    dispose_defect, record_defect, scan_unit, DisposeDefect, RecordDefect, ScanUnit,
};
use crate::api::ApiError;
use crate::routes::floor::{build_title, use_floor_build, with_build, BuildCrumbs, DEFECT_CODES};
use crate::session::Session;
use crate::ui::{from_wire, humanize, short_time, wire, ErrorLine, Loading};

/// The dispositions, with what each does to the unit.
const DISPOSITIONS: [(&str, &str); 3] = [
    ("REWORK", "Repair, then test again at the failed station"),
    ("SCRAP", "The unit ends here"),
    ("USE_AS_IS", "Accept the deviation; the unit moves on"),
];

/// `/builds/:id/holds`.
#[component]
pub fn HoldsPage() -> impl IntoView {
    let tick = RwSignal::new(0_u32);
    let (_, data) = use_floor_build(tick);
    let done = RwSignal::new(Vec::<String>::new());
    let body = move |b: crate::api::ops::floor_build::FloorBuildBuild| {
        let title = build_title(&b);
        let held: Vec<(String, String)> = b
            .units
            .iter()
            .filter(|u| wire(&u.status) == "ON_HOLD")
            .map(|u| {
                (
                    u.serial.clone(),
                    u.next_station
                        .as_ref()
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        let empty = held.is_empty();
        view! {
            <BuildCrumbs build_id=b.id.clone() title=title.clone() here="Holds".to_owned() />
            <section class="card" aria-labelledby="holds-title">
                <h1 id="holds-title">"Units on hold"</h1>
                <p class="muted small">{title}</p>
                {empty.then(|| view! { <p class="ok" id="no-holds">"No unit is on hold."</p> })}
                <ul class="holds" id="holds">
                    {held.into_iter().map(|(serial, station)| view! {
                        <HeldUnit serial station on_done=Callback::new(move |line: String| {
                            done.update(|d| d.insert(0, line));
                            tick.update(|t| *t += 1);
                        }) />
                    }).collect_view()}
                </ul>
            </section>
        }
    };
    view! {
        {with_build(data, body)}
        {move || {
            let lines = done.get();
            (!lines.is_empty()).then(|| view! {
                <section class="card" aria-labelledby="decided-title">
                    <h2 id="decided-title">"Decided here"</h2>
                    <ul class="work-items" id="decided">
                        {lines.into_iter().map(|l| view! { <li data-testid="decided">{l}</li> }).collect_view()}
                    </ul>
                </section>
            })
        }}
    }
}

/// One held unit: the FAIL and the defect seen, and the disposition form.
#[component]
fn HeldUnit(serial: String, station: String, on_done: Callback<String>) -> impl IntoView {
    let session = Session::get();
    let unit = LocalResource::new({
        let serial = serial.clone();
        move || {
            session.run::<ScanUnit>(scan_unit::Variables {
                serial: serial.clone(),
            })
        }
    });
    let code = RwSignal::new(DEFECT_CODES[0].to_owned());
    let designator = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let disposition = RwSignal::new("REWORK".to_owned());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    // The operator's observation, kept with the FAIL, fills the form in.
    let seen = Memo::new(move |_| {
        unit.get().and_then(Result::ok).and_then(|d| {
            d.unit
                .history
                .iter()
                .rev()
                .find(|e| wire(&e.result) == "FAIL")
                .cloned()
        })
    });
    Effect::new(move |_| {
        if let Some(event) = seen.get() {
            let defect = &event.measurements["defect"];
            if let Some(c) = defect["code"].as_str().filter(|c| DEFECT_CODES.contains(c)) {
                code.set(c.to_owned());
            }
            if let Some(d) = defect["designator"].as_str() {
                designator.set(d.to_owned());
            }
        }
    });
    let id = format!("hold-{}", crate::viewer::safe_id(&serial));
    let on_submit = {
        let serial = serial.clone();
        let station = station.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            let (Some(code_value), Some(disposition_value)) = (
                from_wire::<record_defect::DefectCode>(&code.get_untracked()),
                from_wire::<record_defect::Disposition>(&disposition.get_untracked()),
            ) else {
                return;
            };
            busy.set(true);
            error.set(None);
            let input = record_defect::DefectInput {
                serial: serial.clone(),
                station: station.clone(),
                designator: designator.get_untracked().trim().to_owned(),
                code: code_value,
                description: reason.get_untracked().trim().to_owned(),
                disposition: disposition_value,
            };
            let serial = serial.clone();
            leptos::task::spawn_local(async move {
                let result = session
                    .run::<RecordDefect>(record_defect::Variables { input })
                    .await;
                busy.set(false);
                match result {
                    Ok(d) => {
                        let u = d.record_defect.unit;
                        on_done.run(format!(
                            "{serial}: {} → {}",
                            humanize(&wire(&d.record_defect.defect.disposition)),
                            humanize(&wire(&u.status))
                        ));
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let radio_name = format!("{id}-disposition");
    let pending_serial = serial.clone();
    let href = format!("/units/{serial}");
    let shown = serial.clone();
    view! {
        <li class="hold" data-testid="hold" data-serial=serial.clone() id=id.clone()>
            <div class="hold-head">
                <A href=href><strong class="mono">{shown}</strong></A>
                <span class="muted small">{format!(" held at {station}")}</span>
            </div>
            {move || match unit.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(_)) => match seen.get() {
                    Some(e) => {
                        let d = &e.measurements["defect"];
                        let text = format!(
                            "FAIL at {} by {}, {}: {} at {}{}",
                            e.station,
                            e.recorded_by,
                            short_time(&e.created_at),
                            humanize(d["code"].as_str().unwrap_or("?")),
                            d["designator"].as_str().unwrap_or("?"),
                            d["note"].as_str().filter(|n| !n.is_empty()).map(|n| format!(" ({n})")).unwrap_or_default(),
                        );
                        view! { <p class="small">{text}</p> }.into_any()
                    }
                    None => view! { <p class="muted small">"No FAIL found in its history."</p> }.into_any(),
                },
            }}
            {move || {
                let pending: Vec<scan_unit::ScanUnitUnitDefects> = unit
                    .get()
                    .and_then(Result::ok)
                    .map(|d| d.unit.defects.into_iter().filter(|d| wire(&d.disposition) == "PENDING").collect())
                    .unwrap_or_default();
                (!pending.is_empty()).then(|| view! {
                    <div class="pending-defects">
                        <p class="small"><strong>"Found, waiting for a decision"</strong></p>
                        <ul class="work-items">
                            {pending.into_iter().map(|d| view! {
                                <PendingDefect defect=d on_decided=Callback::new({
                                    let serial = pending_serial.clone();
                                    move |(disposition, status): (String, String)| {
                                        if status == "ON_HOLD" {
                                            unit.refetch();
                                        } else {
                                            on_done.run(format!("{serial}: {} → {}", humanize(&disposition), humanize(&status)));
                                        }
                                    }
                                }) />
                            }).collect_view()}
                        </ul>
                    </div>
                })
            }}
            <form class="form hold-form" on:submit=on_submit>
                <div class="field-row">
                    <div class="field">
                        <label for=format!("{id}-code")>"Defect"</label>
                        <select id=format!("{id}-code") class="hold-code" bind:value=code>
                            {DEFECT_CODES.iter().map(|c| view! { <option value=*c>{humanize(c)}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for=format!("{id}-designator")>"Designator"</label>
                        <input id=format!("{id}-designator") class="mono hold-designator" required bind:value=designator />
                    </div>
                    <div class="field grow">
                        <label for=format!("{id}-reason")>"Reason"</label>
                        <input id=format!("{id}-reason") class="hold-reason" required bind:value=reason placeholder="Why this disposition" />
                    </div>
                </div>
                <fieldset class="dispositions">
                    <legend>"Disposition"</legend>
                    {DISPOSITIONS.iter().map(|(value, hint)| {
                        let value = *value;
                        view! {
                            <label class="disposition">
                                <input type="radio" name=radio_name.clone() value=value
                                    prop:checked=move || disposition.get() == value
                                    on:change=move |_| disposition.set(value.to_owned()) />
                                <strong>{humanize(value)}</strong>
                                <span class="muted small">{format!(" {hint}")}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                {move || error.get().map(|error| view! { <ErrorLine error /> })}
                <button type="submit" class="button primary hold-submit" disabled=move || busy.get()>"Record the disposition"</button>
            </form>
        </li>
    }
}

/// A defect a machine or an inspector found without a decision, with one button per
/// disposition; `on_decided` hears the disposition and the unit's status after it.
#[component]
fn PendingDefect(
    defect: scan_unit::ScanUnitUnitDefects,
    on_decided: Callback<(String, String)>,
) -> impl IntoView {
    let session = Session::get();
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let text = format!(
        "{} at {}: {}",
        humanize(&wire(&defect.code)),
        defect.designator,
        defect.description
    );
    let decide = move |value: &'static str| {
        let defect_id = defect.id.clone();
        move |_| {
            let Some(disposition) = from_wire::<dispose_defect::Disposition>(value) else {
                return;
            };
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            error.set(None);
            let defect_id = defect_id.clone();
            leptos::task::spawn_local(async move {
                let result = session
                    .run::<DisposeDefect>(dispose_defect::Variables {
                        defect_id,
                        disposition,
                    })
                    .await;
                busy.set(false);
                match result {
                    Ok(d) => on_decided.run((
                        wire(&d.dispose_defect.defect.disposition),
                        wire(&d.dispose_defect.unit.status),
                    )),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    view! {
        <li class="pending-defect" data-testid="pending-defect">
            <span class="small">{text}</span>
            " "
            {DISPOSITIONS.iter().map(|(value, hint)| view! {
                <button type="button" class="button small" title=*hint disabled=move || busy.get()
                    on:click=decide(value)>{humanize(value)}</button>
            }).collect_view()}
            {move || error.get().map(|error| view! { <ErrorLine error /> })}
        </li>
    }
}
