//! The router and the frame every page sits in.

use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::hooks::use_navigate;
use leptos_router::path;

use crate::routes::box_station::BoxStationPage;
use crate::routes::builds::{BuildPage, BuildsPage};
use crate::routes::compare::ComparePage;
use crate::routes::fai::{FaiListPage, FaiPage};
use crate::routes::holds::HoldsPage;
use crate::routes::home::HomePage;
use crate::routes::inbox::{InboxLink, InboxPage, InboxTick};
use crate::routes::lots::LotsPage;
use crate::routes::materials::MaterialsPage;
use crate::routes::package::PackagePage;
use crate::routes::packages::{NewPackagePage, PackagesPage};
use crate::routes::plan::{PlanBuildPage, SerializePage};
use crate::routes::products::{NewProductPage, ProductsPage};
use crate::routes::quality::{CapaListPage, CapaPage, NcrListPage, NcrPage};
use crate::routes::ship::ShipPage;
use crate::routes::shipment::ShipmentPage;
use crate::routes::sign_in::SignInPage;
use crate::routes::station::StationPage;
use crate::routes::supply::{DemandPage, PurchaseOrdersPage};
use crate::routes::trace::TracePage;
use crate::routes::trace_boxes::TraceBoxesPage;
use crate::routes::unit::UnitPage;
use crate::routes::unit_tree::UnitTreePage;
use crate::session::Session;
use crate::ui::Loading;

/// The whole app: session, header, pages.
#[component]
pub fn App() -> impl IntoView {
    Session::provide();
    provide_context(InboxTick(RwSignal::new(0)));
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header />
            <main id="main" class="page" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/sign-in") view=SignInPage />
                    <Route path=path!("/") view=|| view! { <Guard><HomePage /></Guard> } />
                    <Route path=path!("/products") view=|| view! { <Guard><ProductsPage /></Guard> } />
                    <Route path=path!("/products/new") view=|| view! { <Guard><NewProductPage /></Guard> } />
                    <Route path=path!("/packages") view=|| view! { <Guard><PackagesPage /></Guard> } />
                    <Route path=path!("/packages/new") view=|| view! { <Guard><NewPackagePage /></Guard> } />
                    <Route path=path!("/packages/:id") view=|| view! { <Guard><PackagePage /></Guard> } />
                    <Route path=path!("/packages/:id/compare/:from") view=|| view! { <Guard><ComparePage /></Guard> } />
                    <Route path=path!("/builds") view=|| view! { <Guard><BuildsPage /></Guard> } />
                    <Route path=path!("/builds/new") view=|| view! { <Guard><PlanBuildPage /></Guard> } />
                    <Route path=path!("/builds/:id") view=|| view! { <Guard><BuildPage /></Guard> } />
                    <Route path=path!("/builds/:id/serialize") view=|| view! { <Guard><SerializePage /></Guard> } />
                    <Route path=path!("/builds/:id/stations/:name") view=|| view! { <Guard><StationPage /></Guard> } />
                    <Route path=path!("/builds/:id/holds") view=|| view! { <Guard><HoldsPage /></Guard> } />
                    <Route path=path!("/builds/:id/lots") view=|| view! { <Guard><LotsPage /></Guard> } />
                    <Route path=path!("/builds/:id/ship") view=|| view! { <Guard><ShipPage /></Guard> } />
                    <Route path=path!("/builds/:id/materials") view=|| view! { <Guard><MaterialsPage /></Guard> } />
                    <Route path=path!("/shipments/:id") view=|| view! { <Guard><ShipmentPage /></Guard> } />
                    <Route path=path!("/ncrs") view=|| view! { <Guard><NcrListPage /></Guard> } />
                    <Route path=path!("/ncrs/:id") view=|| view! { <Guard><NcrPage /></Guard> } />
                    <Route path=path!("/capas") view=|| view! { <Guard><CapaListPage /></Guard> } />
                    <Route path=path!("/capas/:id") view=|| view! { <Guard><CapaPage /></Guard> } />
                    <Route path=path!("/purchase-orders") view=|| view! { <Guard><PurchaseOrdersPage /></Guard> } />
                    <Route path=path!("/demand") view=|| view! { <Guard><DemandPage /></Guard> } />
                    <Route path=path!("/units/:serial") view=|| view! { <Guard><UnitPage /></Guard> } />
                    <Route path=path!("/trace") view=|| view! { <Guard><TracePage /></Guard> } />
                    <Route path=path!("/box-build") view=|| view! { <Guard><BoxStationPage /></Guard> } />
                    <Route path=path!("/units/:serial/tree") view=|| view! { <Guard><UnitTreePage /></Guard> } />
                    <Route path=path!("/trace/boxes") view=|| view! { <Guard><TraceBoxesPage /></Guard> } />
                    <Route path=path!("/fai") view=|| view! { <Guard><FaiListPage /></Guard> } />
                    <Route path=path!("/fai/:id") view=|| view! { <Guard><FaiPage /></Guard> } />
                    <Route path=path!("/inbox") view=|| view! { <Guard><InboxPage /></Guard> } />
                </Routes>
            </main>
        </Router>
    }
}

/// Shows its page to a signed-in user, "Loading…" while the session is being restored, and
/// sends everyone else to the sign-in page.
#[component]
fn Guard(children: ChildrenFn) -> impl IntoView {
    let session = Session::get();
    let state = Memo::new(move |_| session.is_signed_in());
    move || match state.get() {
        None => view! { <Loading /> }.into_any(),
        Some(false) => view! { <Redirect path="/sign-in" /> }.into_any(),
        Some(true) => children().into_any(),
    }
}

/// The bar at the top: product name, navigation, and who is signed in with a way out.
#[component]
fn Header() -> impl IntoView {
    let session = Session::get();
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            session.sign_out().await;
            navigate("/sign-in", Default::default());
        });
    };
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">
                "Firstpass"
            </A>
            <Show when=move || session.profile().is_some()>
                <nav class="topnav" aria-label="Main">
                    <A href="/" exact=true>"Home"</A>
                    <A href="/products">"Products"</A>
                    <A href="/packages">"Packages"</A>
                    <A href="/builds">"Builds"</A>
                    <A href="/demand">"Demand"</A>
                    <A href="/trace">"Trace"</A>
                    <A href="/box-build">"Box build"</A>
                    <A href="/fai">"FAI"</A>
                    <A href="/ncrs">"Quality"</A>
                </nav>
                <div class="topbar-user">
                    <InboxLink />
                    <span class="muted topbar-email">
                        {move || session.profile().map(|p| p.email).unwrap_or_default()}
                    </span>
                    <button id="sign-out" type="button" class="button secondary" on:click=sign_out.clone()>
                        "Sign out"
                    </button>
                </div>
            </Show>
        </header>
    }
}

/// Any path the router does not know.
#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <A href="/">"Go to the start page"</A>
        </section>
    }
}
