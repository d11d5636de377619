//! `/products` (the OEM's products, searchable, paged) and `/products/new` (the form).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api::ops::{create_product, products, CreateProduct, Products};
use crate::session::Session;
use crate::table::{natural_cmp, Sort, SortHeader};
use crate::ui::{short_time, ErrorLine, Loading, StatusBadge};

/// Rows per page.
const PAGE: i64 = 20;

/// `/products`: search, a page of products with their revisions, paging.
#[component]
pub fn ProductsPage() -> impl IntoView {
    let session = Session::get();
    let search = RwSignal::new(String::new());
    let applied = RwSignal::new(String::new());
    // Cursors of the pages before this one (`None` = the first page).
    let cursors = RwSignal::new(vec![None::<String>]);
    // Newest first, as the server pages them, until a header sorts the page shown.
    let sort = RwSignal::new(Sort::NONE);
    let page = LocalResource::new(move || {
        let after = cursors.with(|c| c.last().cloned().flatten());
        let text = applied.get();
        session.run::<Products>(products::Variables {
            first: PAGE,
            after,
            search: (!text.trim().is_empty()).then(|| text.trim().to_owned()),
        })
    });
    let on_search = move |ev: SubmitEvent| {
        ev.prevent_default();
        applied.set(search.get_untracked());
        cursors.set(vec![None]);
    };
    let is_oem = move || {
        session
            .profile()
            .is_some_and(|p| p.organization.kind == firstpass_shared::domain::OrgKind::Oem)
    };
    view! {
        <section class="card" aria-labelledby="products-title">
            <div class="card-head">
                <h1 id="products-title">"Products"</h1>
                <Show when=is_oem>
                    <A href="/products/new" attr:class="button primary" attr:id="new-product">
                        "New product"
                    </A>
                </Show>
            </div>
            <form class="filters" role="search" on:submit=on_search>
                <div class="field inline">
                    <label for="product-search">"Part number or name"</label>
                    <input id="product-search" type="search" bind:value=search />
                </div>
                <button type="submit" class="button secondary">
                    "Search"
                </button>
            </form>
            {move || match page.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(error)) => view! { <ErrorLine error /> }.into_any(),
                Some(Ok(data)) => {
                    let info = data.products.page_info;
                    let edges = data.products.edges;
                    let empty = edges.is_empty();
                    let rows = move || {
                        sort.get().sorted(&edges, |column, a, b| {
                            let (a, b) = (&a.node, &b.node);
                            match column {
                                0 => natural_cmp(&a.part_number, &b.part_number),
                                1 => natural_cmp(&a.name, &b.name),
                                2 => a.packages.len().cmp(&b.packages.len()),
                                _ => a.created_at.cmp(&b.created_at),
                            }
                        })
                    };
                    view! {
                        <div class="table-wrap">
                            <table class="table" id="products-table">
                                <thead>
                                    <tr>
                                        <SortHeader title="Part number" column=0 sort />
                                        <SortHeader title="Name" column=1 sort />
                                        <SortHeader title="Revisions" column=2 sort />
                                        <SortHeader title="Created" column=3 sort />
                                    </tr>
                                </thead>
                                <tbody>
                                    {move || rows()
                                        .into_iter()
                                        .map(|edge| {
                                            let p = edge.node;
                                            let new_href = format!("/packages/new?product={}", p.id);
                                            view! {
                                                <tr data-testid="product-row">
                                                    <td class="mono">{p.part_number}</td>
                                                    <td>{p.name}</td>
                                                    <td>
                                                        <ul class="inline-list">
                                                            {p
                                                                .packages
                                                                .into_iter()
                                                                .map(|r| {
                                                                    view! {
                                                                        <li>
                                                                            <A href=format!("/packages/{}", r.id)>
                                                                                {format!("Rev {}", r.revision)}
                                                                            </A>
                                                                            " "
                                                                            <StatusBadge status=r.status />
                                                                        </li>
                                                                    }
                                                                })
                                                                .collect_view()}
                                                            <Show when=is_oem>
                                                                <li>
                                                                    <A href=new_href.clone()>"New package"</A>
                                                                </li>
                                                            </Show>
                                                        </ul>
                                                    </td>
                                                    <td class="muted">{short_time(&p.created_at)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {empty.then(|| view! { <p class="muted">"No products match."</p> })}
                        <Pager has_next=info.has_next_page end=info.end_cursor cursors />
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// Previous / next buttons over a stack of cursors (Relay `first/after`).
#[component]
pub fn Pager(
    has_next: bool,
    end: Option<String>,
    cursors: RwSignal<Vec<Option<String>>>,
) -> impl IntoView {
    let has_previous = move || cursors.with(|c| c.len() > 1);
    let page_number = move || cursors.with(Vec::len);
    view! {
        <nav class="pager" aria-label="Pages">
            <button
                type="button"
                class="button secondary"
                disabled=move || !has_previous()
                on:click=move |_| {
                    cursors.update(|c| {
                        c.pop();
                    })
                }
            >
                "Previous"
            </button>
            <span class="muted">{move || format!("Page {}", page_number())}</span>
            <button
                type="button"
                class="button secondary"
                id="next-page"
                disabled=!has_next
                on:click=move |_| {
                    if let Some(end) = end.clone() {
                        cursors.update(|c| c.push(Some(end)));
                    }
                }
            >
                "Next"
            </button>
        </nav>
    }
}

/// `/products/new`: part number, name, description; goes on to a first package.
#[component]
pub fn NewProductPage() -> impl IntoView {
    let session = Session::get();
    let part_number = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let create = Action::new_local(move |input: &create_product::CreateProductInput| {
        session.run::<CreateProduct>(create_product::Variables {
            input: input.clone(),
        })
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(data)) = create.value().get() {
            navigate(
                &format!("/packages/new?product={}", data.create_product.id),
                Default::default(),
            );
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if create.pending().get_untracked() {
            return;
        }
        create.dispatch(create_product::CreateProductInput {
            part_number: part_number.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            description: description.get_untracked(),
            tier: None,
        });
    };
    view! {
        <section class="card narrow" aria-labelledby="new-product-title">
            <h1 id="new-product-title">"New product"</h1>
            <form class="form" on:submit=on_submit>
                <div class="field">
                    <label for="part-number">"Part number"</label>
                    <input id="part-number" required autofocus bind:value=part_number />
                </div>
                <div class="field">
                    <label for="product-name">"Name"</label>
                    <input id="product-name" required bind:value=name />
                </div>
                <div class="field">
                    <label for="product-description">"Description " <span class="muted">"(optional)"</span></label>
                    <textarea id="product-description" rows="3" bind:value=description></textarea>
                </div>
                {move || {
                    create.value().get().and_then(Result::err).map(|error| view! { <ErrorLine error /> })
                }}
                <button id="create-product" type="submit" class="button primary" disabled=create.pending()>
                    "Create product"
                </button>
            </form>
        </section>
    }
}
