//! The router and the frame every page sits in.

use leptos::prelude::*;
use leptos_router::components::{ProtectedRoute, Route, Router, Routes, A};
use leptos_router::hooks::use_navigate;
use leptos_router::path;

use crate::routes::{home::HomePage, sign_in::SignInPage};
use crate::session::Session;

/// The whole app: session, header, pages.
#[component]
pub fn App() -> impl IntoView {
    let session = Session::provide();
    view! {
        <Router>
            <Header />
            <main id="main" class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/sign-in") view=SignInPage />
                    <ProtectedRoute
                        path=path!("/")
                        view=HomePage
                        condition=move || session.is_signed_in()
                        redirect_path=|| "/sign-in"
                        fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// The bar at the top: product name, and who is signed in with a way out.
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
                <div class="topbar-user">
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
