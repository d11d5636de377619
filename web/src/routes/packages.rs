//! `/packages` (filtered by status and IPC class, paged) and `/packages/new` (the form).

use firstpass_shared::domain::{IpcClass, OrgKind, PackageStatus};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::ops::{
    create_package, ipc_from_wire, ipc_to_wire, packages, products, CreatePackage, Packages,
    Products,
};
use crate::routes::products::Pager;
use crate::session::Session;
use crate::table::{natural_cmp, ServerSearch, Sort, SortHeader};
use crate::ui::{ipc_label, short_time, status_label, ErrorLine, Loading, StatusBadge};

/// Rows per page.
const PAGE: i64 = 20;

/// `/packages`: the packages I may see, newest first.
#[component]
pub fn PackagesPage() -> impl IntoView {
    let session = Session::get();
    let status = RwSignal::new(String::new());
    let ipc = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let cursors = RwSignal::new(vec![None::<String>]);
    // Newest first, as the server pages them, until a header sorts the page shown.
    let sort = RwSignal::new(Sort::NONE);
    // A new filter starts again at the first page.
    Effect::new(move |_| {
        status.track();
        ipc.track();
        search.track();
        cursors.set(vec![None]);
    });
    let page = LocalResource::new(move || {
        let after = cursors.with(|c| c.last().cloned().flatten());
        let filter = packages::NpiPackageFilter {
            status: status.get().parse().ok(),
            ipc_class: ipc.get().parse().ok().and_then(ipc_to_wire),
            product_id: None,
            ems_organization_id: None,
            search: Some(search.get()).filter(|s| !s.is_empty()),
        };
        session.run::<Packages>(packages::Variables {
            first: PAGE,
            after,
            filter: Some(filter),
        })
    });
    let is_oem = move || {
        session
            .profile()
            .is_some_and(|p| p.organization.kind == OrgKind::Oem)
    };
    view! {
        <section class="card" aria-labelledby="packages-title">
            <div class="card-head">
                <h1 id="packages-title">"NPI packages"</h1>
                <Show when=is_oem>
                    <A href="/packages/new" attr:class="button primary" attr:id="new-package">
                        "New package"
                    </A>
                </Show>
            </div>
            <div class="filters" role="group" aria-label="Filters">
                <ServerSearch id="packages-search" placeholder="Part number, name or revision" applied=search />
                <div class="field inline">
                    <label for="filter-status">"Status"</label>
                    <select id="filter-status" bind:value=status>
                        <option value="">"Any"</option>
                        {PackageStatus::ALL
                            .iter()
                            .map(|s| view! { <option value=s.as_str()>{status_label(*s)}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field inline">
                    <label for="filter-ipc">"IPC class"</label>
                    <select id="filter-ipc" bind:value=ipc>
                        <option value="">"Any"</option>
                        {IpcClass::ALL
                            .iter()
                            .map(|c| view! { <option value=c.as_str()>{ipc_label(*c)}</option> })
                            .collect_view()}
                    </select>
                </div>
            </div>
            {move || match page.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(data)) => {
                    let info = data.npi_packages.page_info;
                    let edges = data.npi_packages.edges;
                    let empty = edges.is_empty();
                    let rows = move || {
                        sort.get().sorted(&edges, |column, a, b| {
                            let (a, b) = (&a.node, &b.node);
                            match column {
                                0 => natural_cmp(&a.product.part_number, &b.product.part_number),
                                1 => natural_cmp(&a.revision, &b.revision),
                                2 => status_label(a.status).cmp(status_label(b.status)),
                                3 => ipc_from_wire(&a.ipc_class).cmp(&ipc_from_wire(&b.ipc_class)),
                                4 => natural_cmp(&a.ems.name, &b.ems.name),
                                _ => a.updated_at.cmp(&b.updated_at),
                            }
                        })
                    };
                    view! {
                        <div class="table-wrap">
                            <table class="table" id="packages-table">
                                <thead>
                                    <tr>
                                        <SortHeader title="Product" column=0 sort />
                                        <SortHeader title="Rev" column=1 sort />
                                        <SortHeader title="Status" column=2 sort />
                                        <SortHeader title="IPC" column=3 sort />
                                        <SortHeader title="OEM → EMS" column=4 sort />
                                        <SortHeader title="Updated" column=5 sort />
                                    </tr>
                                </thead>
                                <tbody>
                                    {move || rows()
                                        .into_iter()
                                        .map(|edge| {
                                            let n = edge.node;
                                            view! {
                                                <tr data-testid="package-row" data-id=n.id.clone()>
                                                    <td>
                                                        <A href=format!("/packages/{}", n.id)>
                                                            <span class="mono">{n.product.part_number}</span>
                                                            " "
                                                            {n.product.name}
                                                        </A>
                                                    </td>
                                                    <td>{n.revision}</td>
                                                    <td>
                                                        <StatusBadge status=n.status />
                                                    </td>
                                                    <td>{ipc_from_wire(&n.ipc_class).map(ipc_label).unwrap_or("—")}</td>
                                                    <td>{format!("{} → {}", n.oem.name, n.ems.name)}</td>
                                                    <td class="muted">{short_time(&n.updated_at)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {empty.then(|| view! { <p class="muted" id="no-packages">"No packages match."</p> })}
                        <Pager has_next=info.has_next_page end=info.end_cursor cursors />
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// Reads "10, 100 1000" as target quantities; every entry must be a whole number ≥ 1.
fn parse_quantities(text: &str) -> Result<Vec<i64>, String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .map(|part| match part.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!(
                "“{part}” is not a quantity: write whole numbers of at least 1, separated by commas."
            )),
        })
        .collect()
}

/// `/packages/new`: product, revision, EMS partner, IPC class, quantities, notes.
#[component]
pub fn NewPackagePage() -> impl IntoView {
    let session = Session::get();
    let query = use_query_map();
    let product = RwSignal::new(
        query
            .with_untracked(|q| q.get("product"))
            .unwrap_or_default(),
    );
    let revision = RwSignal::new("A".to_owned());
    let ems = RwSignal::new(String::new());
    let ipc = RwSignal::new(IpcClass::Class2.as_str().to_owned());
    let quantities = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let form_error = RwSignal::new(None::<String>);

    let partners = move || {
        session
            .profile()
            .map(|p| p.organization.partners)
            .unwrap_or_default()
    };
    // Preselect the only partner, or the first.
    Effect::new(move |_| {
        if ems.get_untracked().is_empty() {
            if let Some(first) = partners().first() {
                ems.set(first.id.clone());
            }
        }
    });
    let products = LocalResource::new(move || {
        session.run::<Products>(products::Variables {
            first: 100,
            after: None,
            search: None,
        })
    });
    // Preselect the newest product when none was named.
    Effect::new(move |_| {
        if let Some(Ok(data)) = products.get() {
            if product.get_untracked().is_empty() {
                if let Some(first) = data.products.edges.first() {
                    product.set(first.node.id.clone());
                }
            }
        }
    });

    let create = Action::new_local(move |input: &create_package::CreateNpiPackageInput| {
        session.run::<CreatePackage>(create_package::Variables {
            input: input.clone(),
        })
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(data)) = create.value().get() {
            navigate(
                &format!("/packages/{}", data.create_npi_package.id),
                Default::default(),
            );
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if create.pending().get_untracked() {
            return;
        }
        let quantities = match parse_quantities(&quantities.get_untracked()) {
            Ok(q) => q,
            Err(message) => {
                form_error.set(Some(message));
                return;
            }
        };
        let Some(ipc_class) = ipc
            .get_untracked()
            .parse::<IpcClass>()
            .ok()
            .and_then(ipc_to_wire)
        else {
            form_error.set(Some("Choose an IPC class.".to_owned()));
            return;
        };
        if product.get_untracked().is_empty() {
            form_error.set(Some(
                "Choose a product (create one first if there is none).".to_owned(),
            ));
            return;
        }
        if ems.get_untracked().is_empty() {
            form_error.set(Some(
                "Choose the EMS partner the package is for.".to_owned(),
            ));
            return;
        }
        form_error.set(None);
        create.dispatch(create_package::CreateNpiPackageInput {
            product_id: product.get_untracked(),
            revision: revision.get_untracked().trim().to_owned(),
            ems_organization_id: ems.get_untracked(),
            ipc_class,
            quantities,
            notes: notes.get_untracked(),
        });
    };

    view! {
        <section class="card narrow" aria-labelledby="new-package-title">
            <h1 id="new-package-title">"New NPI package"</h1>
            <form class="form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="package-product">"Product"</label>
                    {move || match products.get() {
                        None => view! { <Loading /> }.into_any(),
                        Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                        Some(Ok(data)) => {
                            view! {
                                <select id="package-product" required bind:value=product>
                                    {data
                                        .products
                                        .edges
                                        .into_iter()
                                        .map(|e| {
                                            let p = e.node;
                                            view! {
                                                <option value=p.id.clone() selected=product.get_untracked() == p.id>
                                                    {format!("{} — {}", p.part_number, p.name)}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
                            }
                                .into_any()
                        }
                    }}
                    <A href="/products/new" attr:class="small">"New product…"</A>
                </div>
                <div class="field">
                    <label for="package-revision">"Revision"</label>
                    <input id="package-revision" required maxlength="16" bind:value=revision />
                </div>
                <div class="field">
                    <label for="package-ems">"EMS partner"</label>
                    <select id="package-ems" required bind:value=ems>
                        {move || {
                            partners()
                                .into_iter()
                                .map(|p| view! { <option value=p.id.clone()>{p.name}</option> })
                                .collect_view()
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="package-ipc">"IPC-A-610 class"</label>
                    <select id="package-ipc" bind:value=ipc>
                        {IpcClass::ALL
                            .iter()
                            .map(|c| view! { <option value=c.as_str()>{ipc_label(*c)}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="package-quantities">"Target quantities"</label>
                    <input
                        id="package-quantities"
                        inputmode="numeric"
                        placeholder="10, 100, 1000"
                        aria-describedby="quantities-help"
                        bind:value=quantities
                    />
                    <p class="muted small" id="quantities-help">"Whole numbers, separated by commas."</p>
                </div>
                <div class="field">
                    <label for="package-notes">"Notes for the EMS"</label>
                    <textarea id="package-notes" rows="4" bind:value=notes></textarea>
                </div>
                {move || form_error.get().map(|m| view! { <p role="alert" class="alert">{m}</p> })}
                {move || create.value().get().and_then(Result::err).map(|error| view! { <ErrorLine error /> })}
                <button id="create-package" type="submit" class="button primary" disabled=create.pending()>
                    "Create package"
                </button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::parse_quantities;

    #[test]
    fn quantities_are_whole_numbers_of_at_least_one() {
        assert_eq!(parse_quantities("10, 100 1000"), Ok(vec![10, 100, 1000]));
        assert_eq!(parse_quantities(""), Ok(vec![]));
        assert!(parse_quantities("0").is_err());
        assert!(parse_quantities("ten").is_err());
    }
}
