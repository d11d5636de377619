//! The Firstpass browser app: a client-side rendered leptos app served as static files by the
//! `firstpass` server, talking to it over `POST /graphql`.
//!
//! Layout: [`api`] is the wire (transport, typed operations, errors), [`session`] the signed-in
//! state, [`app`] the router and page frame, [`pages`] the pages loaded on demand (a wasm chunk
//! each), [`routes`] one module per page, [`viewer`] the board viewer, [`cad`] the shared crate's
//! parsers and renderer in a second wasm module loaded when a board is first shown
//! (`src/bin/firstpass-cad.rs`), [`ui`] small shared pieces, [`words`] the words people read for
//! the API's values and times.

mod api;
mod app;
mod cad;
mod charts;
mod live;
mod pages;
mod routes;
mod serials;
mod session;
mod table;
mod ui;
mod viewer;
mod words;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
