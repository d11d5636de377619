//! Quality pages for both sides: `/ncrs` (the list; EMS quality opens an NCR over scanned
//! serials), `/ncrs/:id` (items with containment and dispositions, the customer's signed
//! review, escalation to a corrective action, notes), `/capas` and `/capas/:id` (the 8D
//! workspace: a step per discipline with owner and due date, signatures of D4, D6 and D8, the
//! effectiveness check, closing).

use firstpass_shared::domain::{OrgKind, Role};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::ops::{
    add_note, capa_page, close_capa, close_ncr, dispose_ncr_item, escalate_ncr, ncr_page, open_ncr,
    raise_capa, review_ncr, set_check, sign_discipline, update_discipline, AddNote,
    CapaPage as CapaQuery, Capas, CloseCapa, CloseNcr, DisposeNcrItem, EscalateNcr,
    NcrPage as NcrQuery, Ncrs, OpenNcr, RaiseCapa, ReviewNcr, SetCheck, SignDiscipline,
    UpdateDiscipline,
};
use crate::api::ApiError;
use crate::session::Session;
use crate::table::{matches, natural_cmp, Sort, SortHeader};
use crate::ui::{from_wire, label, short_time, wire, ErrorLine, Loading};

/// Whether the signed-in person leads quality at the EMS (quality, program manager, admin).
fn ems_lead() -> bool {
    Session::get().profile().is_some_and(|p| {
        matches!(
            p.role,
            Role::EmsQuality | Role::EmsProgramManager | Role::EmsAdmin
        )
    })
}

/// Whether the signed-in person speaks for the OEM (admin or engineer).
fn oem_author() -> bool {
    Session::get().profile().is_some_and(|p| {
        p.organization.kind == OrgKind::Oem && matches!(p.role, Role::OemAdmin | Role::OemEngineer)
    })
}

/// Runs a change, then shows its error or calls `done`.
fn after<T: 'static>(
    result: Result<T, ApiError>,
    error: RwSignal<Option<ApiError>>,
    done: impl FnOnce(T),
) {
    match result {
        Ok(value) => {
            error.set(None);
            done(value);
        }
        Err(e) => error.set(Some(e)),
    }
}

/// An NCR or corrective action as another record's page links it.
#[derive(Debug, Clone)]
pub struct QualityRef {
    /// Its id.
    pub id: String,
    /// `NCR-000001` or `CAPA-000001`.
    pub number: String,
    /// Where it stands, as people say it.
    pub status: String,
}

/// Turns a query's list of NCRs or corrective actions (each with `id`, `number` and `status`)
/// into [`QualityRef`]s.
macro_rules! quality_refs {
    ($list:expr) => {
        $list
            .into_iter()
            .map(|n| $crate::routes::quality::QualityRef {
                id: n.id,
                number: n.number,
                status: $crate::ui::label(&n.status).to_lowercase(),
            })
            .collect::<Vec<_>>()
    };
}
pub(crate) use quality_refs;

/// Links to NCRs (`path` "ncrs") or corrective actions ("capas"), or a dash when there are none.
#[component]
pub fn QualityLinks(items: Vec<QualityRef>, path: &'static str) -> impl IntoView {
    if items.is_empty() {
        return view! { "—" }.into_any();
    }
    items
        .into_iter()
        .map(|n| {
            view! {
                <A href=format!("/{path}/{}", n.id) attr:data-testid="quality-link" attr:data-number=n.number.clone()>
                    {format!("{} ({})", n.number, n.status)}
                </A>
                " "
            }
        })
        .collect_view()
        .into_any()
}

/// How many of an NCR's items are still contained.
fn contained(n: &crate::api::ops::ncrs::NcrsNcrs) -> usize {
    n.items.iter().filter(|i| i.contained).count()
}

/// Severity as a rank, for sorting: minor, major, critical.
fn severity_rank(n: &crate::api::ops::ncrs::NcrsNcrs) -> u8 {
    match wire(&n.severity).as_str() {
        "CRITICAL" => 2,
        "MAJOR" => 1,
        _ => 0,
    }
}

/// The NCRs matching the search, in the chosen order (numbers in natural order).
fn ncr_rows(
    ncrs: &[crate::api::ops::ncrs::NcrsNcrs],
    query: &str,
    sort: Sort,
) -> Vec<crate::api::ops::ncrs::NcrsNcrs> {
    let mut rows: Vec<_> = ncrs
        .iter()
        .filter(|n| {
            matches(
                query,
                &[&n.number, &n.title, &label(&n.severity), &label(&n.status)],
            )
        })
        .cloned()
        .collect();
    rows.sort_by(|a, b| {
        let order = match sort.column {
            1 => natural_cmp(&a.title, &b.title),
            2 => severity_rank(a).cmp(&severity_rank(b)),
            3 => wire(&a.status).cmp(&wire(&b.status)),
            4 => contained(a).cmp(&contained(b)),
            5 => a.created_at.cmp(&b.created_at),
            _ => std::cmp::Ordering::Equal,
        };
        sort.apply(order.then_with(|| natural_cmp(&a.number, &b.number)))
    });
    rows
}

/// The corrective actions matching the search, in the chosen order.
fn capa_rows(
    capas: &[crate::api::ops::capas::CapasCapas],
    query: &str,
    sort: Sort,
) -> Vec<crate::api::ops::capas::CapasCapas> {
    let mut rows: Vec<_> = capas
        .iter()
        .filter(|c| {
            matches(
                query,
                &[&c.number, &c.title, &label(&c.kind), &label(&c.status)],
            )
        })
        .cloned()
        .collect();
    rows.sort_by(|a, b| {
        let order = match sort.column {
            1 => natural_cmp(&a.title, &b.title),
            2 => wire(&a.kind).cmp(&wire(&b.kind)),
            3 => wire(&a.status).cmp(&wire(&b.status)),
            4 => a.created_at.cmp(&b.created_at),
            _ => std::cmp::Ordering::Equal,
        };
        sort.apply(order.then_with(|| natural_cmp(&a.number, &b.number)))
    });
    rows
}

/// `/ncrs`.
#[component]
pub fn NcrListPage() -> impl IntoView {
    let session = Session::get();
    let query = RwSignal::new(String::new());
    // Newest first until a header is clicked.
    let sort = RwSignal::new(Sort {
        column: 5,
        ascending: false,
    });
    let data = LocalResource::new(move || session.run::<Ncrs>(crate::api::ops::ncrs::Variables));
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let severity = RwSignal::new("MAJOR".to_owned());
    let serials = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let navigate = use_navigate();
    let on_open = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(severity) = from_wire::<open_ncr::NcrSeverity>(&severity.get_untracked()) else {
            return;
        };
        let input = open_ncr::OpenNcrInput {
            build_id: None,
            title: title.get_untracked().trim().to_owned(),
            description: description.get_untracked().trim().to_owned(),
            severity,
            defect_ids: Vec::new(),
            serials: serials
                .get_untracked()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            lot_ids: Vec::new(),
            fai_characteristic_ids: Vec::new(),
        };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = session.run::<OpenNcr>(open_ncr::Variables { input }).await;
            after(result, error, |d| {
                navigate(&format!("/ncrs/{}", d.open_ncr.id), Default::default())
            });
        });
    };
    view! {
        <section class="card" aria-labelledby="ncrs-title">
            <h1 id="ncrs-title">"Nonconformance reports"</h1>
            <p><A href="/capas" attr:id="to-capas">"Corrective actions"</A></p>
            {move || match data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(d)) if d.ncrs.is_empty() => view! { <p class="muted" id="no-ncrs">"No NCR yet."</p> }.into_any(),
                Some(Ok(d)) => {
                    let all = d.ncrs;
                    let total = all.len();
                    let counted = all.clone();
                    let rows = move || ncr_rows(&all, &query.get(), sort.get()).into_iter().map(|n| {
                        let (number, shown, href) = (n.number.clone(), n.number.clone(), format!("/ncrs/{}", n.id));
                        view! {
                            <tr data-testid="ncr-row" data-number=number>
                                <td><A href=href>{shown}</A></td>
                                <td>{n.title.clone()}</td>
                                <td>{label(&n.severity)}</td>
                                <td>{label(&n.status)}</td>
                                <td class="num">{contained(&n)}</td>
                                <td>{short_time(&n.created_at)}</td>
                            </tr>
                        }
                    }).collect_view();
                    view! {
                        <div class="field inline">
                            <label for="ncrs-search">"Search"</label>
                            <input id="ncrs-search" type="search" placeholder="Number, title, severity, status" bind:value=query />
                        </div>
                        <p class="muted small" id="ncrs-count">
                            {move || format!("{} of {total}", ncr_rows(&counted, &query.get(), sort.get()).len())}
                        </p>
                        <div class="table-wrap">
                            <table class="table" id="ncrs">
                                <thead><tr>
                                    <SortHeader title="NCR" column=0 sort />
                                    <SortHeader title="Title" column=1 sort />
                                    <SortHeader title="Severity" column=2 sort />
                                    <SortHeader title="Status" column=3 sort />
                                    <SortHeader title="Contained" column=4 sort />
                                    <SortHeader title="Opened" column=5 sort />
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }.into_any()
                }.into_any(),
            }}
        </section>
        {ems_lead().then(|| view! {
            <section class="card" aria-labelledby="open-ncr-title">
                <h2 id="open-ncr-title">"Open an NCR"</h2>
                <form class="form" on:submit=on_open>
                    <div class="field"><label for="ncr-title">"Title"</label><input id="ncr-title" required bind:value=title /></div>
                    <div class="field"><label for="ncr-description">"What was found"</label><textarea id="ncr-description" rows="3" required bind:value=description></textarea></div>
                    <div class="field">
                        <label for="ncr-severity">"Severity"</label>
                        <select id="ncr-severity" bind:value=severity>
                            <option value="MINOR">"Minor"</option>
                            <option value="MAJOR">"Major"</option>
                            <option value="CRITICAL">"Critical"</option>
                        </select>
                    </div>
                    <div class="field"><label for="ncr-serials">"Serials (scan one per line)"</label><textarea id="ncr-serials" class="mono" rows="3" bind:value=serials></textarea></div>
                    {move || error.get().map(|error| view! { <ErrorLine error /> })}
                    <button id="open-ncr" type="submit" class="button primary">"Open and contain"</button>
                </form>
            </section>
        })}
    }
}

/// `/ncrs/:id`.
#[component]
pub fn NcrPage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let tick = RwSignal::new(0_u32);
    let data = LocalResource::new(move || {
        tick.track();
        session.run::<NcrQuery>(ncr_page::Variables { id: id.get() })
    });
    let error = RwSignal::new(None::<ApiError>);
    let reload = move || tick.update(|t| *t += 1);
    let navigate = use_navigate();
    let review_reason = RwSignal::new(String::new());
    let review_password = RwSignal::new(String::new());
    let capa_title = RwSignal::new(String::new());

    let review = move |approve: bool| {
        let vars = review_ncr::Variables {
            id: id.get_untracked(),
            approve,
            password: review_password.get_untracked(),
            reason: review_reason.get_untracked().trim().to_owned(),
        };
        leptos::task::spawn_local(async move {
            let result = session.run::<ReviewNcr>(vars).await;
            after(result, error, |_| {
                review_password.set(String::new());
                reload();
            });
        });
    };
    let escalate = {
        let navigate = navigate.clone();
        move |_| {
            let (id, title) = (
                id.get_untracked(),
                capa_title.get_untracked().trim().to_owned(),
            );
            let navigate = navigate.clone();
            // Read before the task: the session lives in the component's context.
            let by_oem = oem_author();
            leptos::task::spawn_local(async move {
                let result = if by_oem {
                    let input = raise_capa::CorrectiveActionRequestInput {
                        title: title.clone(),
                        description: format!("Asked on the NCR: {title}"),
                        ncr_ids: vec![id],
                        build_ids: Vec::new(),
                        serials: Vec::new(),
                    };
                    session
                        .run::<RaiseCapa>(raise_capa::Variables { input })
                        .await
                        .map(|d| d.raise_corrective_action.id)
                } else {
                    session
                        .run::<EscalateNcr>(escalate_ncr::Variables { id, title })
                        .await
                        .map(|d| d.escalate_ncr.id)
                };
                after(result, error, |capa| {
                    navigate(&format!("/capas/{capa}"), Default::default())
                });
            });
        }
    };
    let close = move |_| {
        leptos::task::spawn_local(async move {
            let result = session
                .run::<CloseNcr>(close_ncr::Variables {
                    id: id.get_untracked(),
                })
                .await;
            after(result, error, |_| reload());
        });
    };

    view! {
        <nav class="crumbs" aria-label="Breadcrumb"><A href="/ncrs">"NCRs"</A> " / " <span>"NCR"</span></nav>
        {move || match data.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
            Some(Ok(d)) => {
                let n = d.ncr;
                let status = wire(&n.status);
                let items = n.items.clone();
                let notes = n.notes.clone();
                let escalate = escalate.clone();
                view! {
                    <section class="card" aria-labelledby="ncr-title">
                        <h1 id="ncr-title">{format!("{} · {}", n.number, n.title)}</h1>
                        <p id="ncr-status" data-status=status.clone()>{format!("{} · {} · found by {}", label(&n.status), label(&n.severity), label(&n.source).to_lowercase())}</p>
                        <p class="prewrap">{n.description.clone()}</p>
                        {n.build_id.clone().map(|b| view! { <p><A href=format!("/builds/{b}")>"The build"</A></p> })}
                        {(!n.fai_characteristics.is_empty()).then(|| view! {
                            <ul id="ncr-fai">
                                {n.fai_characteristics.iter().map(|c| view! {
                                    <li>
                                        <A href=format!("/fai/{}", c.report_id)>{format!("FAI characteristic {}", c.number)}</A>
                                        {format!(": {} (found {})", c.requirement, c.result.clone().unwrap_or_else(|| "—".to_owned()))}
                                    </li>
                                }).collect_view()}
                            </ul>
                        })}
                    </section>
                    <section class="card" aria-labelledby="items-title">
                        <h2 id="items-title">"Items"</h2>
                        <div class="table-wrap">
                            <table class="table" id="ncr-items">
                                <thead><tr>
                                    <th scope="col">"Unit or lot"</th><th scope="col">"Where"</th><th scope="col">"Contained"</th>
                                    <th scope="col">"Disposition"</th><th scope="col">"Customer review"</th>
                                </tr></thead>
                                <tbody>
                                    {items.into_iter().map(|i| {
                                        let what = i.serial.clone().or(i.lot.clone()).unwrap_or_default();
                                        let open = i.disposition.is_none() || wire(&i.review) == "REJECTED";
                                        let choice = RwSignal::new("REWORK".to_owned());
                                        let reason = RwSignal::new(String::new());
                                        let item_id = i.id.clone();
                                        let decide = move |ev: SubmitEvent| {
                                            ev.prevent_default();
                                            let Some(disposition) = from_wire::<dispose_ncr_item::NcrDisposition>(&choice.get_untracked()) else { return; };
                                            let vars = dispose_ncr_item::Variables { item: item_id.clone(), disposition, reason: reason.get_untracked().trim().to_owned() };
                                            leptos::task::spawn_local(async move {
                                                let result = session.run::<DisposeNcrItem>(vars).await;
                                                after(result, error, |_| reload());
                                            });
                                        };
                                        view! {
                                            <tr data-testid="ncr-item" data-contained=i.contained.to_string() data-review=wire(&i.review)>
                                                <td class="mono">{what}</td>
                                                <td class="mono">{i.designator.clone().unwrap_or_default()}</td>
                                                <td>{if i.contained { "held" } else { "released" }}</td>
                                                <td>
                                                    {i.disposition.as_ref().map(|d| format!("{} — {}", label(d), i.disposition_reason.clone().unwrap_or_default()))}
                                                    {(open && ems_lead()).then(|| view! {
                                                        <form class="inline-form" on:submit=decide>
                                                            <select aria-label="Disposition" data-testid="disposition" bind:value=choice>
                                                                <option value="REWORK">"Rework"</option>
                                                                <option value="REPAIR">"Repair"</option>
                                                                <option value="SCRAP">"Scrap"</option>
                                                                <option value="USE_AS_IS">"Use as is"</option>
                                                                <option value="RETURN_TO_SUPPLIER">"Return to supplier"</option>
                                                            </select>
                                                            <input aria-label="Reason" placeholder="Reason" data-testid="disposition-reason" required bind:value=reason />
                                                            <button type="submit" class="button secondary small" data-testid="decide">"Decide"</button>
                                                        </form>
                                                    })}
                                                </td>
                                                <td>{label(&i.review)}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {(status == "IN_REVIEW" && oem_author()).then(|| view! {
                            <form class="form" id="review-form" on:submit=move |ev: SubmitEvent| { ev.prevent_default(); review(true); }>
                                <h3>"Material review"</h3>
                                <p class="small">"Your signature approves or rejects every disposition that waits for you; it records your name, the time, your reason and the NCR's content hash."</p>
                                <div class="field"><label for="review-reason">"Reason"</label><input id="review-reason" required bind:value=review_reason /></div>
                                <div class="field"><label for="review-password">"Your password"</label><input id="review-password" type="password" autocomplete="current-password" bind:value=review_password /></div>
                                <div class="actions">
                                    <button id="approve-review" type="submit" class="button primary">"Approve"</button>
                                    <button id="reject-review" type="button" class="button secondary" on:click=move |_| review(false)>"Reject"</button>
                                </div>
                            </form>
                        })}
                        {(status != "CLOSED" && ems_lead()).then(|| view! {
                            <button id="close-ncr" type="button" class="button secondary" on:click=close>"Close the NCR"</button>
                        })}
                        {move || error.get().map(|error| view! { <ErrorLine error /> })}
                    </section>
                    {(ems_lead() || oem_author()).then(|| view! {
                        <section class="card" aria-labelledby="capa-title">
                            <h2 id="capa-title">"Corrective action"</h2>
                            <div class="inline-form">
                                <input id="capa-new-title" aria-label="Title of the corrective action" placeholder="What must not happen again" bind:value=capa_title />
                                <button id="escalate" type="button" class="button secondary" on:click=escalate>
                                    {if oem_author() { "Ask the EMS for a corrective action" } else { "Escalate to a corrective action" }}
                                </button>
                            </div>
                        </section>
                    })}
                    <Notes record=id.get_untracked() notes=notes.into_iter().map(|n| (n.author, n.text, n.internal, n.created_at)).collect() on_added=Callback::new(move |()| reload()) />
                }.into_any()
            }
        }}
    }
}

/// The notes on a record and a form to add one (internal only for the EMS).
#[component]
fn Notes(
    record: String,
    notes: Vec<(String, String, bool, String)>,
    on_added: Callback<()>,
) -> impl IntoView {
    let session = Session::get();
    let text = RwSignal::new(String::new());
    let internal = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let can_write = ems_lead() || oem_author();
    let is_ems = Session::get()
        .profile()
        .is_some_and(|p| p.organization.kind == OrgKind::Ems);
    let on_add = move |ev: SubmitEvent| {
        ev.prevent_default();
        let vars = add_note::Variables {
            record: record.clone(),
            text: text.get_untracked().trim().to_owned(),
            internal: internal.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            let result = session.run::<AddNote>(vars).await;
            after(result, error, |_| {
                text.set(String::new());
                on_added.run(());
            });
        });
    };
    view! {
        <section class="card" aria-labelledby="notes-title">
            <h2 id="notes-title">"Notes"</h2>
            <ul class="plain" id="notes">
                {notes.into_iter().map(|(author, text, internal, at)| view! {
                    <li data-testid="note" data-internal=internal.to_string()>
                        <span class="muted small">{format!("{author} · {}{}", short_time(&at), if internal { " · internal" } else { "" })}</span>
                        <p class="prewrap">{text}</p>
                    </li>
                }).collect_view()}
            </ul>
            {can_write.then(|| view! {
                <form class="form" on:submit=on_add>
                    <div class="field"><label for="note-text">"Add a note"</label><textarea id="note-text" rows="2" required bind:value=text></textarea></div>
                    {is_ems.then(|| view! {
                        <label class="check"><input id="note-internal" type="checkbox" bind:checked=internal /> " Internal (never shown to the customer)"</label>
                    })}
                    {move || error.get().map(|error| view! { <ErrorLine error /> })}
                    <button id="add-note" type="submit" class="button secondary">"Add the note"</button>
                </form>
            })}
        </section>
    }
}

/// `/capas`.
#[component]
pub fn CapaListPage() -> impl IntoView {
    let session = Session::get();
    let query = RwSignal::new(String::new());
    let sort = RwSignal::new(Sort {
        column: 4,
        ascending: false,
    });
    let data = LocalResource::new(move || session.run::<Capas>(crate::api::ops::capas::Variables));
    view! {
        <section class="card" aria-labelledby="capas-title">
            <h1 id="capas-title">"Corrective actions"</h1>
            {move || match data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(d)) if d.capas.is_empty() => view! { <p class="muted" id="no-capas">"No corrective action yet."</p> }.into_any(),
                Some(Ok(d)) => {
                    let all = d.capas;
                    let total = all.len();
                    let counted = all.clone();
                    let rows = move || capa_rows(&all, &query.get(), sort.get()).into_iter().map(|c| {
                        let (number, shown, href) = (c.number.clone(), c.number.clone(), format!("/capas/{}", c.id));
                        view! {
                        <tr data-testid="capa-row" data-number=number>
                            <td><A href=href>{shown}</A></td>
                            <td>{c.title.clone()}</td>
                            <td>{label(&c.kind)}</td>
                            <td>{label(&c.status)}</td>
                            <td>{short_time(&c.created_at)}</td>
                        </tr>
                    }}).collect_view();
                    view! {
                        <div class="field inline">
                            <label for="capas-search">"Search"</label>
                            <input id="capas-search" type="search" placeholder="Number, title, kind, status" bind:value=query />
                        </div>
                        <p class="muted small" id="capas-count">
                            {move || format!("{} of {total}", capa_rows(&counted, &query.get(), sort.get()).len())}
                        </p>
                        <div class="table-wrap">
                            <table class="table" id="capas">
                                <thead><tr>
                                    <SortHeader title="CAPA" column=0 sort />
                                    <SortHeader title="Title" column=1 sort />
                                    <SortHeader title="Asked by" column=2 sort />
                                    <SortHeader title="Status" column=3 sort />
                                    <SortHeader title="Opened" column=4 sort />
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// `/capas/:id`: the 8D workspace.
#[component]
pub fn CapaPage() -> impl IntoView {
    let session = Session::get();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let tick = RwSignal::new(0_u32);
    let data = LocalResource::new(move || {
        tick.track();
        session.run::<CapaQuery>(capa_page::Variables { id: id.get() })
    });
    let error = RwSignal::new(None::<ApiError>);
    let reload = move || tick.update(|t| *t += 1);
    let kind = RwSignal::new("AOI".to_owned());
    let threshold = RwSignal::new("95".to_owned());
    let window = RwSignal::new("10".to_owned());
    let set = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(kind) = from_wire::<set_check::StationKind>(&kind.get_untracked()) else {
            return;
        };
        let vars = set_check::Variables {
            capa: id.get_untracked(),
            kind,
            threshold: threshold.get_untracked().trim().parse().unwrap_or(-1.0),
            window: window.get_untracked().trim().parse().unwrap_or(0),
        };
        leptos::task::spawn_local(async move {
            let result = session.run::<SetCheck>(vars).await;
            after(result, error, |_| reload());
        });
    };
    let close = move |_| {
        leptos::task::spawn_local(async move {
            let result = session
                .run::<CloseCapa>(close_capa::Variables {
                    id: id.get_untracked(),
                })
                .await;
            after(result, error, |_| reload());
        });
    };
    view! {
        <nav class="crumbs" aria-label="Breadcrumb"><A href="/capas">"Corrective actions"</A> " / " <span>"8D"</span></nav>
        {move || match data.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
            Some(Ok(d)) => {
                let c = d.capa;
                let open = wire(&c.status) == "OPEN";
                let editable = open && ems_lead();
                let notes = c.notes.clone();
                let check = c.effectiveness.clone();
                view! {
                    <section class="card" aria-labelledby="capa-page-title">
                        <h1 id="capa-page-title">{format!("{} · {}", c.number, c.title)}</h1>
                        <p id="capa-status" data-status=wire(&c.status)>{format!("{} · {}", label(&c.status), label(&c.kind))}</p>
                        <p>{c.ncrs.clone().into_iter().map(|n| view! { <A href=format!("/ncrs/{}", n.id)>{n.number}</A> " " }).collect_view()}</p>
                    </section>
                    {c.disciplines.into_iter().map(|step| {
                        let d = wire(&step.discipline);
                        let owner = RwSignal::new(step.owner.clone().unwrap_or_default());
                        let due = RwSignal::new(step.due_date.clone().unwrap_or_default());
                        let content = RwSignal::new(step.content.clone().unwrap_or_default());
                        let password = RwSignal::new(String::new());
                        let signed = step.signature.is_some();
                        let (d1, d2) = (d.clone(), d.clone());
                        let save = move |ev: SubmitEvent| {
                            ev.prevent_default();
                            let Some(discipline) = from_wire::<update_discipline::Discipline>(&d1) else { return; };
                            let due = Some(due.get_untracked()).filter(|s| !s.is_empty());
                            let vars = update_discipline::Variables { capa: id.get_untracked(), discipline, owner: owner.get_untracked().trim().to_owned(), due, content: content.get_untracked().trim().to_owned() };
                            leptos::task::spawn_local(async move {
                                let result = session.run::<UpdateDiscipline>(vars).await;
                                after(result, error, |_| reload());
                            });
                        };
                        let sign = move |_| {
                            let Some(discipline) = from_wire::<sign_discipline::Discipline>(&d2) else { return; };
                            let vars = sign_discipline::Variables { capa: id.get_untracked(), discipline, password: password.get_untracked(), reason: "Reviewed and signed".to_owned() };
                            leptos::task::spawn_local(async move {
                                let result = session.run::<SignDiscipline>(vars).await;
                                after(result, error, |_| reload());
                            });
                        };
                        view! {
                            <section class="card discipline" data-testid="discipline" data-discipline=d.clone() data-filled=step.filled.to_string() data-signed=signed.to_string() class:overdue=step.overdue>
                                <h2>{format!("{} · {}", d, step.title)}{step.overdue.then(|| view! { <span class="badge late">"overdue"</span> })}</h2>
                                {step.signature.as_ref().map(|s| view! { <p class="ok small">{format!("Signed by {} · {}", s.signer.printed_name, short_time(&s.signed_at))}</p> })}
                                {if editable && !signed {
                                    view! {
                                        <form class="form" on:submit=save>
                                            <div class="field-row">
                                                <div class="field"><label>"Owner"<input data-testid="owner" required bind:value=owner /></label></div>
                                                <div class="field"><label>"Due"<input type="date" data-testid="due" bind:value=due /></label></div>
                                            </div>
                                            <div class="field"><label>"What it says"<textarea data-testid="content" rows="3" required bind:value=content></textarea></label></div>
                                            <button type="submit" class="button secondary small" data-testid="save">"Save"</button>
                                            {(step.needs_signature && step.filled).then(|| view! {
                                                <div class="inline-form">
                                                    <input type="password" aria-label="Your password" data-testid="sign-password" autocomplete="current-password" bind:value=password />
                                                    <button type="button" class="button primary small" data-testid="sign" on:click=sign>"Sign"</button>
                                                </div>
                                            })}
                                        </form>
                                    }.into_any()
                                } else {
                                    view! {
                                        <p class="muted small">{format!("Owner {} · due {}", step.owner.clone().unwrap_or_else(|| "—".to_owned()), step.due_date.clone().unwrap_or_else(|| "—".to_owned()))}</p>
                                        <p class="prewrap">{step.content.clone().unwrap_or_else(|| "Not filled in yet.".to_owned())}</p>
                                    }.into_any()
                                }}
                            </section>
                        }
                    }).collect_view()}
                    <section class="card" aria-labelledby="check-title">
                        <h2 id="check-title">"Effectiveness check"</h2>
                        {match check {
                            Some(e) => view! {
                                <p id="check-status" data-passed=e.passed.to_string()>
                                    {format!("{}: {} of {} units seen, {} passed first time ({}), asks {}% — {}",
                                        label(&e.station_kind), e.units_seen, e.window_units, e.passed_first,
                                        e.first_pass_yield_percent.map(|y| format!("{y}%")).unwrap_or_else(|| "—".to_owned()),
                                        e.threshold_percent, if e.passed { "passed" } else { "not passed yet" })}
                                </p>
                            }.into_any(),
                            None => view! { <p id="check-status" data-passed="false" class="muted">"No check set yet."</p> }.into_any(),
                        }}
                        {editable.then(|| view! {
                            <form class="inline-form" on:submit=set>
                                <select id="check-kind" aria-label="Station kind" bind:value=kind>
                                    <option value="AOI">"AOI"</option>
                                    <option value="ICT">"ICT"</option>
                                    <option value="FCT">"FCT"</option>
                                    <option value="XRAY">"X-ray"</option>
                                </select>
                                <input id="check-threshold" class="narrow" aria-label="Yield asked, percent" bind:value=threshold />
                                <input id="check-window" class="narrow" aria-label="Units" bind:value=window />
                                <button id="set-check" type="submit" class="button secondary small">"Set the check"</button>
                            </form>
                            <button id="close-capa" type="button" class="button primary" on:click=close>"Close the corrective action"</button>
                        })}
                        {move || error.get().map(|error| view! { <ErrorLine error /> })}
                    </section>
                    <Notes record=id.get_untracked() notes=notes.into_iter().map(|n| (n.author, n.text, n.internal, n.created_at)).collect() on_added=Callback::new(move |()| reload()) />
                }.into_any()
            }
        }}
    }
}
