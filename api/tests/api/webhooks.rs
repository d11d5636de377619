//! Webhooks over the API: registration rules (admins, public addresses only), delivery with
//! signatures, backoff through a receiver outage, order per subject, tenant isolation and
//! redelivery.

use crate::harness::{who, TestApp};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use firstpass_api::webhooks::{verify, REPLAY_WINDOW, SIGNATURE_HEADER};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a receiver was sent, and what it answered.
#[derive(Debug, Clone)]
struct Received {
    signature: String,
    body: Vec<u8>,
    accepted: bool,
}

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    down: Arc<AtomicBool>,
}

/// A webhook receiver on a local port that can be taken down (it then answers 503).
struct Receiver {
    url: String,
    inbox: Inbox,
}

async fn take(
    State(inbox): State<Inbox>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let accepted = !inbox.down.load(Ordering::SeqCst);
    inbox.received.lock().expect("inbox").push(Received {
        signature: headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body: body.to_vec(),
        accepted,
    });
    if accepted {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

impl Receiver {
    async fn start() -> Self {
        let inbox = Inbox::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new()
            .route("/hook", post(take))
            .with_state(inbox.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}/hook"),
            inbox,
        }
    }

    fn set_down(&self, down: bool) {
        self.inbox.down.store(down, Ordering::SeqCst);
    }

    fn received(&self) -> Vec<Received> {
        self.inbox.received.lock().expect("inbox").clone()
    }
}

const ALL_EVENTS: &[&str] = &[
    "PACKAGE_SUBMITTED",
    "PACKAGE_ACCEPTED",
    "PACKAGE_CHANGES_REQUESTED",
    "BUILD_CREATED",
    "BUILD_STATUS_CHANGED",
    "UNIT_FAILED",
    "UNIT_HELD",
    "UNIT_SHIPPED",
    "DEFECT_RECORDED",
    "FAI_SUBMITTED",
    "FAI_SIGNED",
    "FAI_APPROVED",
    "SHIPMENT_CREATED",
];

const CREATE: &str = "mutation($u: String!, $e: [WebhookEvent!]!, $d: String) { createWebhookEndpoint(url: $u, events: $e, description: $d) { secret endpoint { id url events active } } }";
const DELIVERIES: &str = "query($e: ID!) { webhookDeliveries(endpointId: $e, first: 500) { id eventId event subjectId status attempts responseCode lastError } }";

/// Registers an endpoint for every event; answers its id and secret.
async fn register(app: &TestApp, admin: &str, url: &str) -> (String, String) {
    let created = app
        .gql(
            Some(admin),
            CREATE,
            json!({"u": url, "e": ALL_EVENTS, "d": "test receiver"}),
        )
        .await;
    let created = &created.data()["createWebhookEndpoint"];
    assert!(created["secret"]
        .as_str()
        .expect("secret")
        .starts_with("whsec_"));
    (
        created["endpoint"]["id"].as_str().expect("id").to_owned(),
        created["secret"].as_str().expect("secret").to_owned(),
    )
}

async fn deliveries(app: &TestApp, admin: &str, endpoint: &str) -> Vec<Value> {
    app.gql(Some(admin), DELIVERIES, json!({"e": endpoint}))
        .await
        .data()["webhookDeliveries"]
        .as_array()
        .expect("deliveries")
        .clone()
}

/// Moves the delivery clock on and lets the worker run a round.
async fn pass_time(app: &TestApp, by: Duration) {
    app.state.webhooks.clock.advance(by);
    app.state.webhooks.wake();
    tokio::time::sleep(Duration::from_millis(150)).await;
}

/// A build of an accepted package with two stations and three units; one unit fails and gets
/// a defect. Answers the package id, the build id and the failed unit's serial.
async fn some_production(app: &TestApp) -> (String, String, String) {
    let package = app.accepted_package("WH-100").await;
    let pm = app.token(who::EMS_PM).await;
    let routing = json!([{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "AOI", "name": "AOI"}]);
    let build = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 3, "dueDate": "2099-01-01", "routing": routing}}))
        .await;
    let build = build.data()["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 3, pattern: \"WH-{SEQ:3}\") { serial } }", json!({"b": build}))
        .await
        .data();
    let operator = app.token(who::EMS_OPERATOR).await;
    app.gql(Some(&operator), "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { unit { status } } }",
        json!({"i": [
            {"serial": "WH-001", "station": "SMT", "result": "PASS"},
            {"serial": "WH-002", "station": "SMT", "result": "FAIL"},
        ]}))
        .await
        .data();
    app.gql(Some(&operator), "mutation($i: DefectInput!) { recordDefect(input: $i) { defect { id } } }",
        json!({"i": {"serial": "WH-002", "station": "SMT", "designator": "U1", "code": "SOLDER_BRIDGE", "disposition": "REWORK"}}))
        .await
        .data();
    (package, build, "WH-002".to_owned())
}

#[tokio::test]
async fn a_receiver_down_for_an_hour_gets_every_event_afterwards_in_order() {
    let app = TestApp::spawn().await;
    app.state.webhooks.set_allow_private(true);
    let acme_admin = app.token(who::ACME_ADMIN).await;
    let globex_admin = app.token(who::GLOBEX_ADMIN).await;
    let acme = Receiver::start().await;
    let globex = Receiver::start().await;
    acme.set_down(true);
    let (endpoint, secret) = register(&app, &acme_admin, &acme.url).await;
    let (globex_endpoint, _) = register(&app, &globex_admin, &globex.url).await;

    let (package, build, _) = some_production(&app).await;

    // An hour of outage, in five-minute steps of the delivery clock.
    for _ in 0..12 {
        pass_time(&app, Duration::from_secs(300)).await;
    }
    let during = acme.received();
    assert!(!during.is_empty(), "the worker tried during the outage");
    assert!(during.iter().all(|r| !r.accepted));
    let pending = deliveries(&app, &acme_admin, &endpoint).await;
    assert_eq!(pending.len(), 7, "{pending:?}");
    assert!(
        pending.iter().all(|d| d["status"] == "PENDING"),
        "{pending:?}"
    );
    assert!(
        pending.iter().any(|d| d["attempts"].as_i64() > Some(1)
            && d["responseCode"] == 503
            && d["lastError"].as_str().is_some_and(|e| e.contains("503"))),
        "retried with backoff: {pending:?}"
    );

    // The receiver is back: within the next hour of backoff everything arrives.
    acme.set_down(false);
    let mut settled = Vec::new();
    for _ in 0..60 {
        pass_time(&app, Duration::from_secs(600)).await;
        settled = deliveries(&app, &acme_admin, &endpoint).await;
        if settled.iter().all(|d| d["status"] == "DELIVERED") {
            break;
        }
    }
    assert!(
        settled.iter().all(|d| d["status"] == "DELIVERED"),
        "{settled:?}"
    );

    // Every accepted body verifies, each event arrived, and each subject's in order.
    let now = chrono::Utc::now().timestamp();
    let mut arrived: Vec<Value> = Vec::new();
    for received in acme.received().into_iter().filter(|r| r.accepted) {
        assert!(
            verify(
                &secret,
                &received.signature,
                &received.body,
                now,
                REPLAY_WINDOW
            ),
            "signature {} does not verify",
            received.signature
        );
        assert!(!verify(
            "whsec_wrong",
            &received.signature,
            &received.body,
            now,
            REPLAY_WINDOW
        ));
        arrived.push(serde_json::from_slice(&received.body).expect("json body"));
    }
    let expected: BTreeSet<&str> = settled
        .iter()
        .map(|d| d["eventId"].as_str().expect("event id"))
        .collect();
    let got: BTreeSet<&str> = arrived
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(got, expected);
    let mut by_subject: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for payload in &arrived {
        assert_eq!(payload["version"], 1);
        by_subject
            .entry(
                payload["subject"]["id"]
                    .as_str()
                    .expect("subject")
                    .to_owned(),
            )
            .or_default()
            .push((
                payload["id"].as_str().expect("id").to_owned(),
                payload["type"].as_str().expect("type").to_owned(),
            ));
    }
    for (subject, events) in &by_subject {
        let ids: Vec<&String> = events.iter().map(|(id, _)| id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "events of {subject} out of order: {events:?}");
    }
    let types = |subject: &str| -> Vec<&str> {
        by_subject
            .get(subject)
            .map(|e| e.iter().map(|(_, t)| t.as_str()).collect())
            .unwrap_or_default()
    };
    assert_eq!(types(&package), ["PACKAGE_SUBMITTED", "PACKAGE_ACCEPTED"]);
    assert_eq!(types(&build), ["BUILD_CREATED", "BUILD_STATUS_CHANGED"]);
    let failed_unit = arrived
        .iter()
        .find(|p| p["type"] == "UNIT_FAILED")
        .expect("a failure event");
    assert_eq!(failed_unit["data"]["serial"], "WH-002");
    assert_eq!(
        types(failed_unit["subject"]["id"].as_str().expect("unit")),
        ["UNIT_FAILED", "UNIT_HELD", "DEFECT_RECORDED"]
    );

    // The foreign OEM's receiver heard nothing, and has nothing queued.
    assert!(globex.received().is_empty());
    assert!(deliveries(&app, &globex_admin, &globex_endpoint)
        .await
        .is_empty());

    // A redelivery sends the same event again, signed anew.
    let first = &settled[settled.len() - 1];
    let again = app
        .gql(
            Some(&acme_admin),
            "mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id status } }",
            json!({"id": first["id"]}),
        )
        .await;
    assert_eq!(again.data()["redeliverWebhook"]["status"], "PENDING");
    let before = acme.received().len();
    for _ in 0..50 {
        pass_time(&app, Duration::from_secs(1)).await;
        if acme.received().len() > before {
            break;
        }
    }
    let resent = acme.received().last().cloned().expect("resent");
    let resent: Value = serde_json::from_slice(&resent.body).expect("json");
    assert_eq!(resent["id"], first["eventId"]);
}

#[tokio::test]
async fn internal_addresses_and_non_admins_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.token(who::ACME_ADMIN).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://10.0.0.7/hook",
        "http://192.168.1.20/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://localhost:3000/hook",
        "http://0.0.0.0/hook",
        "ftp://files.example.com/hook",
        "not a url",
    ] {
        let refused = app
            .gql(
                Some(&admin),
                CREATE,
                json!({"u": url, "e": ["BUILD_CREATED"]}),
            )
            .await;
        assert_eq!(
            refused.code(),
            Some("BAD_USER_INPUT"),
            "{url}: {}",
            refused.body
        );
    }
    let no_events = app
        .gql(
            Some(&admin),
            CREATE,
            json!({"u": "https://hooks.example.com/x", "e": []}),
        )
        .await;
    assert_eq!(no_events.code(), Some("BAD_USER_INPUT"));
    let engineer = app.token(who::ACME_ENGINEER).await;
    let forbidden = app
        .gql(
            Some(&engineer),
            CREATE,
            json!({"u": "https://hooks.example.com/x", "e": ["BUILD_CREATED"]}),
        )
        .await;
    assert_eq!(forbidden.code(), Some("FORBIDDEN"));

    // Allowed by configuration (closed networks, tests); changing the URL is checked too.
    app.state.webhooks.set_allow_private(true);
    let (id, _) = register(&app, &admin, "http://127.0.0.1:9/hook").await;
    app.state.webhooks.set_allow_private(false);
    let moved = app
        .gql(
            Some(&admin),
            "mutation($id: ID!, $u: String!) { updateWebhookEndpoint(id: $id, url: $u) { url } }",
            json!({"id": id, "u": "http://10.1.1.1/hook"}),
        )
        .await;
    assert_eq!(moved.code(), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn a_private_address_is_not_posted_to_once_disallowed() {
    let app = TestApp::spawn().await;
    app.state.webhooks.set_allow_private(true);
    let admin = app.token(who::ACME_ADMIN).await;
    let receiver = Receiver::start().await;
    let (endpoint, _) = register(&app, &admin, &receiver.url).await;
    // The configuration changes after registration: deliveries are checked again.
    app.state.webhooks.set_allow_private(false);
    app.accepted_package("WH-200").await;
    for _ in 0..5 {
        pass_time(&app, Duration::from_secs(60)).await;
    }
    assert!(receiver.received().is_empty());
    let queued = deliveries(&app, &admin, &endpoint).await;
    assert!(!queued.is_empty());
    assert!(
        queued
            .iter()
            .all(|d| d["status"] == "PENDING" && d["responseCode"].is_null()),
        "{queued:?}"
    );
    // The oldest was tried and refused; the later one about the same package waits its turn.
    let oldest = queued.last().expect("oldest");
    assert!(oldest["attempts"].as_i64() > Some(1), "{oldest}");
    assert!(oldest["lastError"]
        .as_str()
        .is_some_and(|e| e.contains("private")));
    assert_eq!(queued[0]["attempts"], 0);
}

#[tokio::test]
async fn endpoints_are_listed_changed_paused_and_deleted() {
    let app = TestApp::spawn().await;
    app.state.webhooks.set_allow_private(true);
    let admin = app.token(who::ACME_ADMIN).await;
    let receiver = Receiver::start().await;
    let (id, _) = register(&app, &admin, &receiver.url).await;
    let listed = app
        .gql(
            Some(&admin),
            "{ webhookEndpoints { id url description events active } }",
            json!({}),
        )
        .await;
    let listed = listed.data()["webhookEndpoints"].clone();
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["description"], "test receiver");
    assert_eq!(
        listed[0]["events"].as_array().map(Vec::len),
        Some(ALL_EVENTS.len())
    );
    let paused = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { updateWebhookEndpoint(id: $id, active: false, events: [BUILD_CREATED, BUILD_CREATED]) { active events } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        paused.data()["updateWebhookEndpoint"],
        json!({"active": false, "events": ["BUILD_CREATED"]})
    );
    app.accepted_package("WH-300").await;
    assert!(
        deliveries(&app, &admin, &id).await.is_empty(),
        "a paused endpoint queues nothing"
    );
    let deleted = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(deleted.data()["deleteWebhookEndpoint"], true);
    let gone = app.gql(Some(&admin), DELIVERIES, json!({"e": id})).await;
    assert_eq!(gone.code(), Some("NOT_FOUND"));
    let audit = app
        .gql(
            Some(&admin),
            "{ auditEvents(first: 20) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    let actions = audit.data().to_string();
    for action in ["webhook.create", "webhook.update", "webhook.delete"] {
        assert!(actions.contains(action), "{action} audited: {actions}");
    }
}
