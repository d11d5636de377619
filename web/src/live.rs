//! Live updates of a build (`buildUpdated`) and of one's inbox (`inboxUpdated`) over WebSocket
//! (graphql-transport-ws), with polling every 5 s when the socket cannot be opened or drops.
//!
//! The subscription asks only for an id or a count; each message is a signal to fetch the build
//! again over HTTP, so the page has one shape of data whatever told it to refresh.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use serde_json::json;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::session::Session;

/// How often the page asks again when it has no socket.
const POLL: Duration = Duration::from_secs(5);

/// How the page learns about changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Opening the socket.
    Connecting,
    /// Subscribed over WebSocket.
    Live,
    /// Asking every 5 s.
    Polling,
}

impl Mode {
    /// The mode as shown (and as `data-mode`).
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Connecting => "connecting",
            Mode::Live => "live",
            Mode::Polling => "polling",
        }
    }
}

/// The socket and its handlers, kept alive together and closed on cleanup.
struct Socket {
    ws: web_sys::WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_close: Closure<dyn FnMut()>,
}

/// Watches build `build_id`: bumps `tick` on every change the server announces, and reports
/// how in `mode`. Everything stops when the calling component is cleaned up.
pub fn watch_build(build_id: String, tick: RwSignal<u32>, mode: RwSignal<Mode>) {
    watch(
        "subscription Live($id: ID!) { buildUpdated(buildId: $id) { id } }",
        json!({ "id": build_id }),
        tick,
        mode,
    );
}

/// Watches the signed-in person's inbox (`inboxUpdated`): bumps `tick` on every change.
pub fn watch_inbox(tick: RwSignal<u32>, mode: RwSignal<Mode>) {
    watch(
        "subscription LiveInbox { inboxUpdated(first: 1) { unread } }",
        json!({}),
        tick,
        mode,
    );
}

/// Subscribes to `query` with `variables`; each message bumps `tick`.
fn watch(
    query: &'static str,
    variables: serde_json::Value,
    tick: RwSignal<u32>,
    mode: RwSignal<Mode>,
) {
    let session = Session::get();
    let stopped = Rc::new(Cell::new(false));
    let socket: Rc<RefCell<Option<Socket>>> = Rc::new(RefCell::new(None));
    let poller: Rc<RefCell<Option<IntervalHandle>>> = Rc::new(RefCell::new(None));

    let start_polling = {
        let poller = poller.clone();
        let stopped = stopped.clone();
        move || {
            if stopped.get() || poller.borrow().is_some() {
                return;
            }
            mode.set(Mode::Polling);
            let handle = set_interval_with_handle(move || tick.update(|t| *t += 1), POLL).ok();
            *poller.borrow_mut() = handle;
        }
    };

    {
        let socket = socket.clone();
        let stopped = stopped.clone();
        let start_polling = start_polling.clone();
        leptos::task::spawn_local(async move {
            let token = session.authorized(|token| async move { Ok(token) }).await;
            if stopped.get() {
                return;
            }
            match (
                token,
                open(query, &variables, tick, mode, start_polling.clone()),
            ) {
                (Ok(token), Some(opened)) => {
                    opened.token.replace(Some(token));
                    *socket.borrow_mut() = Some(opened.socket);
                }
                _ => start_polling(),
            }
        });
    }

    let cleanup = send_wrapper::SendWrapper::new(move || {
        stopped.set(true);
        if let Some(s) = socket.borrow_mut().take() {
            s.ws.set_onclose(None);
            let _ = s.ws.close();
        }
        if let Some(handle) = poller.borrow_mut().take() {
            handle.clear();
        }
    });
    on_cleanup(move || (cleanup.take())());
}

/// A socket being opened, and where its handlers find the access token.
struct Opened {
    socket: Socket,
    token: Rc<RefCell<Option<String>>>,
}

/// Opens the socket; `None` when the browser refuses to.
fn open(
    query: &str,
    variables: &serde_json::Value,
    tick: RwSignal<u32>,
    mode: RwSignal<Mode>,
    fall_back: impl Fn() + Clone + 'static,
) -> Option<Opened> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()?.as_str() == "https:" {
        "wss"
    } else {
        "ws"
    };
    let url = format!("{scheme}://{}/graphql/ws", location.host().ok()?);
    let ws = web_sys::WebSocket::new_with_str(&url, "graphql-transport-ws").ok()?;
    let token: Rc<RefCell<Option<String>>> = Rc::new(RefCell::new(None));

    let on_open = Closure::<dyn FnMut()>::new({
        let ws = ws.clone();
        let token = token.clone();
        move || {
            let bearer = token
                .borrow()
                .as_ref()
                .map(|t| format!("Bearer {t}"))
                .unwrap_or_default();
            let init = json!({ "type": "connection_init", "payload": { "Authorization": bearer } });
            let _ = ws.send_with_str(&init.to_string());
        }
    });
    let subscribe = json!({
        "id": "1",
        "type": "subscribe",
        "payload": {
            "query": query,
            "variables": variables,
        },
    })
    .to_string();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new({
        let ws = ws.clone();
        let fall_back = fall_back.clone();
        move |event: web_sys::MessageEvent| {
            let Some(text) = event.data().as_string() else {
                return;
            };
            let message: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            match message.get("type").and_then(|t| t.as_str()) {
                Some("connection_ack") => {
                    let _ = ws.send_with_str(&subscribe);
                    mode.set(Mode::Live);
                    // Whatever changed while the socket was opening.
                    tick.update(|t| *t += 1);
                }
                Some("ping") => {
                    let _ = ws.send_with_str(r#"{"type":"pong"}"#);
                }
                Some("next") => tick.update(|t| *t += 1),
                Some("error") | Some("complete") => {
                    let _ = ws.close();
                    fall_back();
                }
                _ => {}
            }
        }
    });
    let on_close = Closure::<dyn FnMut()>::new(fall_back);
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    Some(Opened {
        socket: Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        },
        token,
    })
}
