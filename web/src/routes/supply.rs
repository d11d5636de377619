//! Supply pages: `/purchase-orders` (the EMS's orders: move a supplier's promise, receive a
//! line as a lot) and `/demand` (for both sides: which short parts gate which open builds).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::ops::{
    material_demand, purchase_orders, receive_order_line, update_promise, MaterialDemand,
    PurchaseOrders, ReceiveOrderLine, UpdatePromise,
};
use crate::api::ApiError;
use crate::session::Session;
use crate::table::{matches, natural_cmp, Sort, SortHeader};
use crate::ui::{label, short_time, ErrorLine, Loading};

/// `/purchase-orders`.
#[component]
pub fn PurchaseOrdersPage() -> impl IntoView {
    let session = Session::get();
    let tick = RwSignal::new(0_u32);
    let data = LocalResource::new(move || {
        tick.track();
        session.run::<PurchaseOrders>(purchase_orders::Variables { first: 100 })
    });
    let search = RwSignal::new(String::new());
    // As the server lists them (newest order first) until a header sorts the lines.
    let sort = RwSignal::new(Sort::NONE);
    let note = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let done = move |result: Result<String, ApiError>| match result {
        Ok(text) => {
            error.set(None);
            note.set(Some(text));
            tick.update(|t| *t += 1);
        }
        Err(e) => {
            note.set(None);
            error.set(Some(e));
        }
    };
    let move_promise = move |line: String, mpn: String, date: String| {
        leptos::task::spawn_local(async move {
            let result = session
                .run::<UpdatePromise>(update_promise::Variables {
                    line,
                    date: date.clone(),
                })
                .await
                .map(|_| format!("{mpn} now promised for {date}"));
            done(result);
        });
    };
    let receive = move |line: String, mpn: String, quantity: i64, lot: String, reel: String| {
        leptos::task::spawn_local(async move {
            let input = receive_order_line::PurchaseOrderReceiptInput {
                quantity,
                lot_code: lot,
                date_code: String::new(),
                reel_id: reel,
            };
            let result = session
                .run::<ReceiveOrderLine>(receive_order_line::Variables { line, input })
                .await
                .map(|d| {
                    format!(
                        "Received {quantity} × {mpn}; {} still open",
                        d.receive_purchase_order_line.line.open_quantity
                    )
                });
            done(result);
        });
    };
    view! {
        <section class="card" aria-labelledby="po-title">
            <h1 id="po-title">"Purchase orders"</h1>
            <p class="muted small">"What the EMS has on order, line by line. Move a promise when the supplier does; receive a line when its parts arrive (it becomes a lot)."</p>
            <div class="field inline">
                <label for="po-search">"Search"</label>
                <input id="po-search" type="search" placeholder="PO number, supplier, MPN" bind:value=search />
            </div>
            {move || note.get().map(|t| view! { <p class="ok" id="po-note" role="status">{t}</p> })}
            {move || error.get().map(|error| view! { <ErrorLine error /> })}
            {move || match data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(d)) if d.purchase_orders.is_empty() => view! { <p class="muted" id="no-orders">"No purchase orders yet (an ERP records them through the API)."</p> }.into_any(),
                Some(Ok(d)) => {
                    let q = search.get();
                    // Every line with its order's number, supplier, build and date; the search
                    // keeps those it matches, a header sorts them.
                    let mut lines: Vec<_> = d
                        .purchase_orders
                        .into_iter()
                        .flat_map(|o| {
                            let order = (o.po_number, o.supplier, o.build_id, o.created_at);
                            o.lines.into_iter().map(move |l| (order.clone(), l))
                        })
                        .filter(|((po, supplier, ..), l)| matches(&q, &[po, supplier, &l.mpn]))
                        .collect();
                    sort.get().rows(&mut lines, |column, (a_order, a), (b_order, b)| match column {
                        0 => natural_cmp(&a_order.0, &b_order.0).then(a.line_no.cmp(&b.line_no)),
                        1 => natural_cmp(&a_order.1, &b_order.1),
                        2 => natural_cmp(&a.mpn, &b.mpn),
                        3 => a.quantity.cmp(&b.quantity),
                        4 => a.open_quantity.cmp(&b.open_quantity),
                        _ => a.promised_date.cmp(&b.promised_date),
                    });
                    view! {
                        <div class="table-wrap">
                            <table class="table" id="order-lines">
                                <thead>
                                    <tr>
                                        <SortHeader title="PO" column=0 sort />
                                        <SortHeader title="Supplier" column=1 sort />
                                        <SortHeader title="MPN" column=2 sort />
                                        <SortHeader title="Ordered" column=3 sort />
                                        <SortHeader title="Open" column=4 sort />
                                        <SortHeader title="Promised" column=5 sort />
                                        <th scope="col">"Receive"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {lines.into_iter().map(|((po, supplier, build, placed), l)| {
                                        {
                                            let promise = RwSignal::new(l.promised_date.clone());
                                            let quantity = RwSignal::new(l.open_quantity.to_string());
                                            let lot = RwSignal::new(String::new());
                                            let reel = RwSignal::new(String::new());
                                            let (id1, id2, mpn1, mpn2) = (l.id.clone(), l.id.clone(), l.mpn.clone(), l.mpn.clone());
                                            let open = l.open_quantity > 0;
                                            let build = build.clone();
                                            view! {
                                                <tr data-testid="order-line" data-mpn=l.mpn.clone() data-po=po.clone()>
                                                    <td>
                                                        <span class="mono">{format!("{} / {}", po, l.line_no)}</span>
                                                        <div class="muted small">{short_time(&placed)}
                                                            {build.map(|b| view! { " · " <A href=format!("/builds/{b}/materials")>"build"</A> })}
                                                        </div>
                                                    </td>
                                                    <td>{supplier.clone()}</td>
                                                    <td class="mono">{l.mpn.clone()}<div class="muted small">{l.manufacturer.clone()}</div></td>
                                                    <td class="num">{l.quantity}</td>
                                                    <td class="num" data-testid="open-quantity">{l.open_quantity}</td>
                                                    <td>
                                                        <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                                            ev.prevent_default();
                                                            move_promise(id1.clone(), mpn1.clone(), promise.get_untracked());
                                                        }>
                                                            <input type="date" aria-label="Promised date" data-testid="promise-date" bind:value=promise />
                                                            <button type="submit" class="button secondary small" data-testid="move-promise" disabled=!open>"Move"</button>
                                                        </form>
                                                    </td>
                                                    <td>
                                                        {open.then(|| view! {
                                                            <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                                                ev.prevent_default();
                                                                let n = quantity.get_untracked().trim().parse::<i64>().unwrap_or(0);
                                                                receive(id2.clone(), mpn2.clone(), n, lot.get_untracked().trim().to_owned(), reel.get_untracked().trim().to_owned());
                                                            }>
                                                                <input class="narrow" inputmode="numeric" aria-label="Quantity" data-testid="receive-quantity" bind:value=quantity />
                                                                <input class="mono narrow" aria-label="Lot code" placeholder="Lot" data-testid="receive-lot" required bind:value=lot />
                                                                <input class="mono narrow" aria-label="Reel id" placeholder="Reel" data-testid="receive-reel" required bind:value=reel />
                                                                <button type="submit" class="button secondary small" data-testid="receive">"Receive"</button>
                                                            </form>
                                                        })}
                                                    </td>
                                                </tr>
                                            }
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// `/demand`.
#[component]
pub fn DemandPage() -> impl IntoView {
    let session = Session::get();
    let data =
        LocalResource::new(move || session.run::<MaterialDemand>(material_demand::Variables));
    view! {
        <section class="card" aria-labelledby="demand-title">
            <h1 id="demand-title">"Material demand"</h1>
            <p class="muted small">"Parts that open builds are short of, and the builds each one gates. Parts that push a build past its due date come first."</p>
            {(session.profile().map(|p| p.organization.kind) == Some(firstpass_shared::domain::OrgKind::Ems)).then(|| view! {
                <p><A href="/purchase-orders" attr:id="to-purchase-orders">"Purchase orders"</A></p>
            })}
            {move || match data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(d)) if d.material_demand.is_empty() => view! { <p class="ok" id="no-demand">"Every open build has its parts on hand."</p> }.into_any(),
                Some(Ok(d)) => view! {
                    <div class="table-wrap">
                        <table class="table" id="demand">
                            <thead>
                                <tr>
                                    <th scope="col">"MPN"</th>
                                    <th scope="col" class="num">"Short"</th>
                                    <th scope="col">"Clear"</th>
                                    <th scope="col">"Builds it gates"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {d.material_demand.into_iter().map(|p| {
                                    let clear = p.clear_date.clone().unwrap_or_else(|| "not ordered".to_owned());
                                    let state = if p.builds_pushed_past_due > 0 { "late" } else { "short" };
                                    view! {
                                        <tr data-testid="demand-part" data-mpn=p.mpn.clone() data-state=state>
                                            <td class="mono">{p.mpn.clone()}<div class="muted small">{p.manufacturer.clone().unwrap_or_default()}</div></td>
                                            <td class="num">{p.shortage}</td>
                                            <td>{clear}</td>
                                            <td>
                                                <ul class="plain">
                                                    {p.builds.into_iter().map(|b| {
                                                        let late = b.line.pushes_due_date;
                                                        view! {
                                                            <li data-testid="gated-build" class:late=late>
                                                                <A href=format!("/builds/{}/materials", b.build_id)>{format!("{} · {}", b.part_number, label(&b.phase))}</A>
                                                                {format!(" due {} · short {}{}", b.due_date, b.line.shortage, if late { " · past due" } else { "" })}
                                                            </li>
                                                        }
                                                    }).collect_view()}
                                                </ul>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
