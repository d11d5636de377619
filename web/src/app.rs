//! The router and the frame every page sits in.

use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::hooks::use_navigate;
use leptos_router::path;
use leptos_router::Lazy;

use crate::pages;
use crate::routes::inbox::{InboxLink, InboxTick};
use crate::routes::sign_in::SignInPage;
use crate::session::Session;
use crate::ui::Loading;

/// The whole app: session, header, pages.
#[component]
pub fn App() -> impl IntoView {
    Session::provide();
    provide_context(InboxTick(RwSignal::new(0)));
    // While a navigation waits (for a page's chunk on its area's first visit), a bar says so.
    let routing = RwSignal::new(false);
    view! {
        <Router set_is_routing=routing>
            <Show when=move || routing.get()>
                <div class="route-progress" role="progressbar" aria-label="Opening the page"></div>
            </Show>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header />
            <main id="main" class="page" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/sign-in") view=SignInPage />
                    <Route path=path!("/") view={Lazy::<pages::Home>::new()} />
                    <Route path=path!("/products") view={Lazy::<pages::Products>::new()} />
                    <Route path=path!("/products/new") view={Lazy::<pages::NewProduct>::new()} />
                    <Route path=path!("/packages") view={Lazy::<pages::Packages>::new()} />
                    <Route path=path!("/packages/new") view={Lazy::<pages::NewPackage>::new()} />
                    <Route path=path!("/packages/:id") view={Lazy::<pages::Package>::new()} />
                    <Route path=path!("/packages/:id/compare/:from") view={Lazy::<pages::Compare>::new()} />
                    <Route path=path!("/builds") view={Lazy::<pages::Builds>::new()} />
                    <Route path=path!("/builds/new") view={Lazy::<pages::PlanBuild>::new()} />
                    <Route path=path!("/builds/:id") view={Lazy::<pages::Build>::new()} />
                    <Route path=path!("/builds/:id/serialize") view={Lazy::<pages::Serialize>::new()} />
                    <Route path=path!("/builds/:id/stations/:name") view={Lazy::<pages::Station>::new()} />
                    <Route path=path!("/builds/:id/holds") view={Lazy::<pages::Holds>::new()} />
                    <Route path=path!("/builds/:id/lots") view={Lazy::<pages::Lots>::new()} />
                    <Route path=path!("/builds/:id/ship") view={Lazy::<pages::Ship>::new()} />
                    <Route path=path!("/builds/:id/materials") view={Lazy::<pages::Materials>::new()} />
                    <Route path=path!("/shipments/:id") view={Lazy::<pages::Shipment>::new()} />
                    <Route path=path!("/ncrs") view={Lazy::<pages::NcrList>::new()} />
                    <Route path=path!("/ncrs/:id") view={Lazy::<pages::Ncr>::new()} />
                    <Route path=path!("/capas") view={Lazy::<pages::CapaList>::new()} />
                    <Route path=path!("/capas/:id") view={Lazy::<pages::Capa>::new()} />
                    <Route path=path!("/purchase-orders") view={Lazy::<pages::PurchaseOrders>::new()} />
                    <Route path=path!("/demand") view={Lazy::<pages::Demand>::new()} />
                    <Route path=path!("/units/:serial") view={Lazy::<pages::Unit>::new()} />
                    <Route path=path!("/trace") view={Lazy::<pages::Trace>::new()} />
                    <Route path=path!("/box-build") view={Lazy::<pages::BoxStation>::new()} />
                    <Route path=path!("/units/:serial/tree") view={Lazy::<pages::UnitTree>::new()} />
                    <Route path=path!("/trace/boxes") view={Lazy::<pages::TraceBoxes>::new()} />
                    <Route path=path!("/fai") view={Lazy::<pages::FaiList>::new()} />
                    <Route path=path!("/fai/:id") view={Lazy::<pages::Fai>::new()} />
                    <Route path=path!("/inbox") view={Lazy::<pages::Inbox>::new()} />
                </Routes>
            </main>
        </Router>
    }
}

/// Shows its page to a signed-in user, "Loading…" while the session is being restored, and
/// sends everyone else to the sign-in page.
#[component]
pub fn Guard(children: ChildrenFn) -> impl IntoView {
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
