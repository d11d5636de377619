//! `/builds/:id/stations/:name`: one station of a build, for a barcode scanner and a keyboard.
//!
//! The serial field keeps the focus: a scan (or typing and Enter) loads the unit and clears the
//! field at once. PASS and FAIL are big buttons, also Alt+P and Alt+F, and the scanner may send
//! the words `PASS` and `FAIL` as command barcodes. A FAIL asks for the defect seen (code and
//! designator); the unit is then held for quality, who decide its disposition. The outcome of
//! every scan shows as a coloured panel with words and a symbol, never as sound.

use firstpass_shared::domain::ErrorCode;
use leptos::ev::{self, SubmitEvent};
use leptos::html::{Input, Select};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde_json::json;

use crate::api::ops::{
    board_pick, record_result, scan_unit, BoardPick, RecordResult, ScanUnit, Side,
};
use crate::routes::builds::station_kind_label;
use crate::routes::floor::{
    build_title, decoded, station_href, use_floor_build, with_build, BuildCrumbs, DEFECT_CODES,
};
use crate::session::Session;
use crate::ui::{humanize, short_time, wire, WireBadge};
use crate::viewer::{data_url, view_box, view_box_text, with_view_box};

/// Where the station stands after the last scan or button.
#[derive(Debug, Clone, PartialEq)]
enum Scan {
    /// Waiting for a serial.
    Idle,
    /// A lookup or a result is on its way.
    Busy(String),
    /// A unit due here: PASS or FAIL it.
    Ready,
    /// A unit that cannot take a result here, and why.
    Refused(String),
    /// A PASS was recorded: serial and where the unit goes next.
    Passed(String, String),
    /// A FAIL was recorded: the serial.
    Failed(String),
    /// Something went wrong.
    Error(String),
}

impl Scan {
    /// `data-state` and the CSS class suffix.
    fn key(&self) -> &'static str {
        match self {
            Scan::Idle => "idle",
            Scan::Busy(_) => "busy",
            Scan::Ready => "ready",
            Scan::Refused(_) => "refused",
            Scan::Passed(..) => "pass",
            Scan::Failed(_) => "fail",
            Scan::Error(_) => "error",
        }
    }

    /// A symbol that says the same as the colour.
    fn symbol(&self) -> &'static str {
        match self {
            Scan::Idle => "⌁",
            Scan::Busy(_) => "…",
            Scan::Ready => "▶",
            Scan::Refused(_) | Scan::Error(_) => "!",
            Scan::Passed(..) => "✓",
            Scan::Failed(_) => "✗",
        }
    }

    /// The words of the panel.
    fn text(&self) -> String {
        match self {
            Scan::Idle => "Scan a serial number".to_owned(),
            Scan::Busy(what) => what.clone(),
            Scan::Ready => "Unit due here: PASS or FAIL".to_owned(),
            Scan::Refused(why) | Scan::Error(why) => why.clone(),
            Scan::Passed(serial, next) => format!("PASS recorded for {serial} · next: {next}"),
            Scan::Failed(serial) => format!("FAIL recorded for {serial} · held for quality"),
        }
    }
}

/// One line of what this station recorded since the page opened.
#[derive(Debug, Clone, PartialEq)]
struct Logged {
    serial: String,
    result: &'static str,
    at: String,
}

/// Why a unit cannot take a result at `station` of build `build_id`, if it cannot.
fn refusal(unit: &scan_unit::ScanUnitUnit, build_id: &str, station: &str) -> Option<String> {
    if unit.build.id != build_id {
        return Some(format!("{} belongs to another build", unit.serial));
    }
    match wire(&unit.status).as_str() {
        "IN_WORK" => {}
        "ON_HOLD" => {
            return Some(format!(
                "{} is on hold after a FAIL: quality decides first",
                unit.serial
            ))
        }
        other => {
            return Some(format!(
                "{} is {}: no more results",
                unit.serial,
                humanize(other).to_lowercase()
            ))
        }
    }
    match &unit.next_station {
        Some(next) if next.name.eq_ignore_ascii_case(station) => None,
        Some(next) => Some(format!("{} is due at {}, not here", unit.serial, next.name)),
        None => Some(format!("{} has passed every station", unit.serial)),
    }
}

/// The time of day now, `HH:MM:SS`, for the station log.
fn clock() -> String {
    let now = js_sys::Date::new_0();
    format!(
        "{:02}:{:02}:{:02}",
        now.get_hours(),
        now.get_minutes(),
        now.get_seconds()
    )
}

/// `/builds/:id/stations/:name`.
#[component]
pub fn StationPage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let station = Memo::new(move |_| decoded(params.with(|p| p.get("name").unwrap_or_default())));
    let tick = RwSignal::new(0_u32);
    let (build_id, data) = use_floor_build(tick);
    // The package whose board the defect form shows (changes only with the build).
    let package_id = Memo::new(move |_| {
        data.with(|d| {
            d.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|b| b.package.id.clone())
        })
    });

    let serial = RwSignal::new(String::new());
    let unit = RwSignal::new(None::<scan_unit::ScanUnitUnit>);
    let state = RwSignal::new(Scan::Idle);
    let defect_open = RwSignal::new(false);
    let code = RwSignal::new(DEFECT_CODES[0].to_owned());
    let designator = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let log = RwSignal::new(Vec::<Logged>::new());
    let input = NodeRef::<Input>::new();
    let code_select = NodeRef::<Select>::new();

    let focus_scan = move || {
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };
    // Whatever happens, the field has the focus once the page shows.
    Effect::new(move |_| {
        if input.get().is_some() {
            focus_scan();
        }
    });
    Effect::new(move |_| {
        if defect_open.get() {
            if let Some(el) = code_select.get() {
                let _ = el.focus();
            }
        }
    });

    let lookup = move |text: String| {
        state.set(Scan::Busy(format!("Looking up {text}…")));
        unit.set(None);
        defect_open.set(false);
        leptos::task::spawn_local(async move {
            let result = session
                .run::<ScanUnit>(scan_unit::Variables {
                    serial: text.clone(),
                })
                .await;
            match result {
                Ok(d) => {
                    let u = d.unit;
                    let why = refusal(&u, &build_id.get_untracked(), &station.get_untracked());
                    state.set(match why {
                        Some(why) => Scan::Refused(why),
                        None => Scan::Ready,
                    });
                    unit.set(Some(u));
                }
                Err(e) if e.code() == Some(ErrorCode::NotFound) => {
                    state.set(Scan::Error(format!("No unit with serial {text}")));
                }
                Err(e) => state.set(Scan::Error(e.user_message())),
            }
            focus_scan();
        });
    };

    let record = move |result: &'static str| {
        let Some(u) = unit.get_untracked() else {
            return;
        };
        if state.get_untracked() != Scan::Ready {
            return;
        }
        let measurements = (result == "FAIL").then(|| {
            json!({ "defect": {
                "code": code.get_untracked(),
                "designator": designator.get_untracked().trim(),
                "note": note.get_untracked().trim(),
            }})
        });
        let input_value = record_result::StationResultInput {
            serial: u.serial.clone(),
            station: station.get_untracked(),
            result: if result == "PASS" {
                record_result::StationResult::PASS
            } else {
                record_result::StationResult::FAIL
            },
            measurements,
            test_steps: None,
            // A retried request records once.
            idempotency_key: Some(format!(
                "web-{}-{}-{}",
                u.serial,
                station.get_untracked(),
                js_sys::Date::now()
            )),
        };
        state.set(Scan::Busy(format!("Recording {result} for {}…", u.serial)));
        defect_open.set(false);
        leptos::task::spawn_local(async move {
            let answer = session
                .run::<RecordResult>(record_result::Variables { input: input_value })
                .await;
            match answer {
                Ok(d) => {
                    let after = d.record_station_result.unit;
                    let next = after
                        .next_station
                        .map(|s| s.name)
                        .unwrap_or_else(|| humanize(&wire(&after.status)));
                    state.set(if result == "PASS" {
                        Scan::Passed(after.serial.clone(), next)
                    } else {
                        Scan::Failed(after.serial.clone())
                    });
                    log.update(|l| {
                        l.insert(
                            0,
                            Logged {
                                serial: after.serial,
                                result,
                                at: clock(),
                            },
                        );
                        l.truncate(20);
                    });
                    unit.set(None);
                    designator.set(String::new());
                    note.set(String::new());
                    tick.update(|t| *t += 1);
                }
                Err(e) => state.set(Scan::Error(e.user_message())),
            }
            focus_scan();
        });
    };
    let fail = move || {
        if state.get_untracked() == Scan::Ready {
            defect_open.set(true);
        }
    };

    let on_scan = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = serial.get_untracked().trim().to_owned();
        serial.set(String::new());
        focus_scan();
        match text.to_ascii_uppercase().as_str() {
            "" => {}
            "PASS" => record("PASS"),
            "FAIL" => fail(),
            _ => lookup(text),
        }
    };
    let on_defect = move |ev: SubmitEvent| {
        ev.prevent_default();
        if designator.get_untracked().trim().is_empty() {
            return;
        }
        record("FAIL");
    };
    let cancel_defect = move || {
        defect_open.set(false);
        focus_scan();
    };

    let keys = window_event_listener(ev::keydown, move |ev| {
        if ev.alt_key() && !ev.ctrl_key() && !ev.meta_key() {
            match ev.code().as_str() {
                "KeyP" => {
                    ev.prevent_default();
                    record("PASS");
                }
                "KeyF" => {
                    ev.prevent_default();
                    fail();
                }
                _ => {}
            }
        } else if ev.key() == "Escape" && defect_open.get_untracked() {
            ev.prevent_default();
            cancel_defect();
        }
    });
    on_cleanup(move || keys.remove());

    // Focus that leaves for nowhere (a click on the page) comes back to the field.
    let on_blur = move |ev: ev::FocusEvent| {
        if ev.related_target().is_none() && !defect_open.get_untracked() {
            set_timeout(focus_scan, std::time::Duration::from_millis(0));
        }
    };

    let ready = move || state.get() == Scan::Ready;
    let header = move |b: crate::api::ops::floor_build::FloorBuildBuild| {
        let title = build_title(&b);
        let name = station.get();
        let here = b
            .routing
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(&name))
            .cloned();
        let progress = b
            .progress
            .iter()
            .find(|p| p.station.name.eq_ignore_ascii_case(&name))
            .map(|p| (p.waiting, p.on_hold, p.passed));
        let others = b
            .routing
            .iter()
            .filter(|s| !s.name.eq_ignore_ascii_case(&name))
            .map(|s| {
                let href = station_href(&b.id, &s.name);
                let shown = s.name.clone();
                view! { <A href=href attr:class="chip">{shown}</A> }
            })
            .collect_view();
        view! {
            <BuildCrumbs build_id=b.id.clone() title=title.clone() here=name.clone() />
            <div class="station-head">
                <h1 id="station-title">
                    {name.clone()}
                    <span class="muted small">
                        {here.map(|s| format!(" · {} · step {} of {}", station_kind_label(&wire(&s.kind)), s.position + 1, b.routing.len()))}
                    </span>
                </h1>
                <p class="muted small">{title}</p>
                {match progress {
                    Some((waiting, on_hold, passed)) => view! {
                        <p class="station-counts-line" id="station-counts" data-waiting=waiting data-on-hold=on_hold data-passed=passed>
                            <strong>{waiting}</strong>" waiting · "<strong>{on_hold}</strong>" on hold · "<strong>{passed}</strong>" passed"
                        </p>
                    }.into_any(),
                    None => view! {
                        <p role="alert" class="alert" id="unknown-station">{format!("\"{name}\" is not a station of this build.")}</p>
                    }.into_any(),
                }}
                <nav class="chips" aria-label="Other stations">{others}</nav>
            </div>
        }
    };

    view! {
        {with_build(data, header)}
        <section class="card scan-card" aria-label="Scan">
            <form class="scan-form" on:submit=on_scan autocomplete="off">
                <label for="scan">"Serial number"</label>
                <input
                    id="scan"
                    class="scan-input mono"
                    node_ref=input
                    bind:value=serial
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    enterkeyhint="go"
                    placeholder="Scan, or type + Enter"
                    on:blur=on_blur
                />
            </form>
            <div
                id="scan-state"
                class=move || format!("scan-state scan-{}", state.with(Scan::key))
                data-state=move || state.with(Scan::key)
                role="status"
                aria-live="assertive"
            >
                <span class="scan-symbol" aria-hidden="true">{move || state.with(Scan::symbol)}</span>
                <span class="scan-text">{move || state.with(Scan::text)}</span>
            </div>
            <div class="verdict" role="group" aria-label="Result">
                <button type="button" id="pass" class="verdict-button pass" aria-keyshortcuts="Alt+P" disabled=move || !ready() on:click=move |_| record("PASS")>
                    "PASS" <span class="kbd">"Alt+P"</span>
                </button>
                <button type="button" id="fail" class="verdict-button fail" aria-keyshortcuts="Alt+F" disabled=move || !ready() on:click=move |_| fail()>
                    "FAIL" <span class="kbd">"Alt+F"</span>
                </button>
            </div>
            <Show when=move || defect_open.get()>
                <form class="defect-form" id="defect-form" on:submit=on_defect aria-label="Defect seen">
                    <p class="muted small">"What is wrong? Quality decides the disposition."</p>
                    <div class="field-row">
                        <div class="field">
                            <label for="defect-code">"Defect"</label>
                            <select id="defect-code" node_ref=code_select bind:value=code>
                                {DEFECT_CODES.iter().map(|c| view! { <option value=*c>{humanize(c)}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="defect-designator">"Designator"</label>
                            <input id="defect-designator" class="mono" required autocapitalize="characters" spellcheck="false" bind:value=designator placeholder="R12" />
                        </div>
                        <div class="field grow">
                            <label for="defect-note">"Note " <span class="muted">"(optional)"</span></label>
                            <input id="defect-note" bind:value=note />
                        </div>
                    </div>
                    {move || package_id.get().map(|id| view! { <BoardPicker package_id=id designator /> })}
                    <div class="button-row">
                        <button type="submit" id="record-fail" class="button primary danger">"Record FAIL"</button>
                        <button type="button" class="button secondary" on:click=move |_| cancel_defect()>"Cancel (Esc)"</button>
                    </div>
                </form>
            </Show>
            {move || unit.get().map(|u| view! { <UnitPanel unit=u /> })}
        </section>
        <section class="card" aria-labelledby="log-title">
            <h2 id="log-title">"Recorded here"</h2>
            {move || {
                let rows = log.get();
                if rows.is_empty() {
                    return view! { <p class="muted">"Nothing yet since this page opened."</p> }.into_any();
                }
                view! {
                    <ol class="station-log" id="station-log">
                        {rows.into_iter().map(|r| view! {
                            <li data-testid="log-row" data-result=r.result>
                                <span class="mono">{r.serial.clone()}</span>
                                " "
                                <WireBadge status=r.result.to_owned() />
                                <span class="muted small">{format!(" {}", r.at)}</span>
                                " "
                                <A href=format!("/units/{}", r.serial)>"Unit"</A>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

/// The scanned unit: where it stands and its last results.
#[component]
fn UnitPanel(unit: scan_unit::ScanUnitUnit) -> impl IntoView {
    let history: Vec<_> = unit.history.iter().rev().take(5).cloned().collect();
    let next = unit
        .next_station
        .as_ref()
        .map(|s| s.name.clone())
        .unwrap_or_else(|| "—".to_owned());
    let href = format!("/units/{}", unit.serial);
    let shown = unit.serial.clone();
    view! {
        <div class="unit-panel" id="unit-panel" data-serial=unit.serial.clone()>
            <div class="unit-panel-head">
                <A href=href>
                    <strong class="mono">{shown}</strong>
                </A>
                " "
                <WireBadge status=wire(&unit.status) />
                <span class="muted small">{format!(" next: {next}")}</span>
            </div>
            {if history.is_empty() {
                view! { <p class="muted small">"No results yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="unit-history">
                        {history.into_iter().map(|e| view! {
                            <li>
                                {e.station}
                                " "
                                <WireBadge status=wire(&e.result) />
                                <span class="muted small">{format!(" {} · {}", e.recorded_by, short_time(&e.created_at))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}

/// One side of the board as the picker draws it.
#[derive(Debug, Clone, PartialEq)]
struct PickSide {
    /// `data:` URL of the server's picture, in its own viewBox.
    url: String,
    /// The picture's viewBox, which the marks share.
    view: [f64; 4],
    /// Designator and mark position (x already mirrored for the bottom, y down).
    parts: Vec<(String, f64, f64)>,
}

/// The sides of a package's board that have a picture.
fn pick_sides(p: board_pick::BoardPickNpiPackage) -> Vec<(Side, PickSide)> {
    let Some(board) = p.board else {
        return Vec::new();
    };
    [(Side::Top, board.svg_top), (Side::Bottom, board.svg_bottom)]
        .into_iter()
        .filter_map(|(side, svg)| {
            let svg = svg?;
            let view = view_box(&svg)?;
            let bottom = side == Side::Bottom;
            let parts = p
                .placements
                .iter()
                .filter(|pl| pl.side == side || (!bottom && !matches!(pl.side, Side::Bottom)))
                .map(|pl| {
                    let x = if bottom { -pl.x_mm } else { pl.x_mm };
                    (pl.designator.clone(), x, -pl.y_mm)
                })
                .collect();
            Some((
                side,
                PickSide {
                    url: data_url(&with_view_box(&svg, view)),
                    view,
                    parts,
                },
            ))
        })
        .collect()
}

/// The board picture (drawn by the server) with its placements: a click on a part picks its
/// designator for the defect. Shows nothing when the package has no picture.
#[component]
fn BoardPicker(package_id: String, designator: RwSignal<String>) -> impl IntoView {
    let session = Session::get();
    let sides = LocalResource::new(move || {
        let id = package_id.clone();
        async move {
            session
                .run::<BoardPick>(board_pick::Variables { id })
                .await
                .map(|d| pick_sides(d.npi_package))
        }
    });
    let shown = RwSignal::new(Side::Top);
    move || {
        let sides = match sides.get() {
            Some(Ok(s)) if !s.is_empty() => s,
            _ => return None,
        };
        let choices = sides
            .iter()
            .map(|(side, _)| {
                let side = *side;
                let label = if side == Side::Top { "Top" } else { "Bottom" };
                view! {
                    <button
                        type="button"
                        class="button small secondary"
                        aria-pressed=move || (shown.get() == side).to_string()
                        on:click=move |_| shown.set(side)
                    >
                        {label}
                    </button>
                }
            })
            .collect_view();
        let picture = move || {
            let current = shown.get();
            let (_, s) = sides
                .iter()
                .find(|(side, _)| *side == current)
                .or(sides.first())?
                .clone();
            let [_, _, w, h] = s.view;
            let r = (w.max(h) / 60.0).max(0.6);
            let marks = s
                .parts
                .into_iter()
                .map(|(d, x, y)| {
                    let (d2, d3, d4) = (d.clone(), d.clone(), d.clone());
                    view! {
                        <g
                            class="part"
                            class:selected=move || designator.with(|v| v.trim().eq_ignore_ascii_case(&d2))
                            data-designator=d3
                            on:click=move |_| designator.set(d4.clone())
                        >
                            <title>{d.clone()}</title>
                            <circle cx=x cy=y r=r></circle>
                            <text x=x y=y - r * 1.4 text-anchor="middle">{d}</text>
                        </g>
                    }
                })
                .collect_view();
            Some(view! {
                <div class="pick-stage">
                    <img class="pick-picture" src=s.url alt="" />
                    <svg class="placements" viewBox=view_box_text(s.view) preserveAspectRatio="xMidYMid meet">
                        {marks}
                    </svg>
                </div>
            })
        };
        Some(view! {
            <details class="board-pick" id="board-pick" open>
                <summary>"Pick the part on the board"</summary>
                <div class="button-row">{choices}</div>
                {picture}
            </details>
        })
    }
}
