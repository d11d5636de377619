//! The inbox over the API: what waits for whom, read marks per user, tenancy, and live
//! updates over the WebSocket.

use crate::harness::{who, TestApp};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};

const INBOX: &str = "query { inbox { unread entries { id kind title detail link at read } } }";
const MARK: &str = "mutation($ids: [ID!], $all: Boolean) { markInboxRead(ids: $ids, all: $all) { unread entries { id kind read } } }";

async fn inbox(app: &TestApp, token: &str) -> Value {
    app.gql(Some(token), INBOX, json!({})).await.data()["inbox"].clone()
}

/// The entries of an inbox of one kind that link to `link`.
fn of(inbox: &Value, kind: &str, link: &str) -> Vec<Value> {
    inbox["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["kind"] == kind && e["link"] == link)
        .cloned()
        .collect()
}

/// A pilot build of `package` with one serial, `{part}-1`; returns the build id.
async fn pilot(app: &TestApp, package: &str, part: &str) -> String {
    let pm = app.token(who::EMS_PM).await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let routing = json!([{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "ICT", "name": "ICT"}]);
    let build = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 3, "dueDate": "2099-01-01", "routing": routing}}))
        .await
        .data()["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    app.gql(
        Some(&operator),
        "mutation($b: ID!, $s: [String!]!) { addUnits(buildId: $b, serials: $s) { serial } }",
        json!({"b": build, "s": [format!("{part}-1")]}),
    )
    .await
    .data();
    build
}

#[tokio::test]
async fn each_person_sees_what_waits_for_them_and_reads_are_kept_per_user() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let oem_admin = app.token(who::ACME_ADMIN).await;
    let globex = app.token(who::GLOBEX_ENGINEER).await;
    let pm = app.token(who::EMS_PM).await;
    let quality = app.token(who::EMS_QUALITY).await;
    let operator = app.token(who::EMS_OPERATOR).await;

    // A package waiting for review is in the program manager's inbox, nobody else's.
    let draft = app.draft_package(&oem, "INB0").await;
    app.upload(
        Some(&oem),
        &draft,
        &firstpass_shared::cad::fixtures::board(firstpass_shared::cad::fixtures::Style::KiCad),
    )
    .await
    .data();
    app.gql(
        Some(&oem),
        "mutation($id: ID!) { submitNpiPackage(id: $id) { id } }",
        json!({"id": draft}),
    )
    .await
    .data();
    let draft_link = format!("/packages/{draft}");
    assert_eq!(
        of(&inbox(&app, &pm).await, "PACKAGE_TO_REVIEW", &draft_link).len(),
        1
    );
    assert!(of(
        &inbox(&app, &quality).await,
        "PACKAGE_TO_REVIEW",
        &draft_link
    )
    .is_empty());
    assert!(of(&inbox(&app, &oem).await, "PACKAGE_TO_REVIEW", &draft_link).is_empty());

    // An accepted package tells the OEM, both its people, and not another OEM.
    let package = app.accepted_package("INB1").await;
    let link = format!("/packages/{package}");
    let mine = inbox(&app, &oem).await;
    let accepted = of(&mine, "PACKAGE_ACCEPTED", &link);
    assert_eq!(accepted.len(), 1, "{mine}");
    assert_eq!(accepted[0]["read"], false);
    assert!(accepted[0]["title"]
        .as_str()
        .unwrap_or_default()
        .contains("INB1"));
    assert_eq!(
        of(&inbox(&app, &oem_admin).await, "PACKAGE_ACCEPTED", &link).len(),
        1
    );
    assert!(of(&inbox(&app, &globex).await, "PACKAGE_ACCEPTED", &link).is_empty());

    // The program manager's question reaches the OEM; one's own words do not come back.
    app.gql(
        Some(&pm),
        "mutation($p: ID!, $b: String!) { addPackageComment(packageId: $p, body: $b) { id } }",
        json!({"p": package, "b": "Is C7 really 100µF? The footprint says 10µF."}),
    )
    .await
    .data();
    let mine = inbox(&app, &oem).await;
    let questions = of(&mine, "QUESTION", &link);
    assert_eq!(questions.len(), 1, "{mine}");
    assert!(questions[0]["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("100µF"));
    assert!(questions[0]["title"]
        .as_str()
        .unwrap_or_default()
        .contains("Pat Program-Manager"));
    assert!(of(&inbox(&app, &pm).await, "QUESTION", &link).is_empty());
    assert!(of(&inbox(&app, &globex).await, "QUESTION", &link).is_empty());

    // Read marks are per user.
    let unread_before = mine["unread"].as_i64().expect("unread");
    let marked = app
        .gql(Some(&oem), MARK, json!({"ids": [accepted[0]["id"]]}))
        .await
        .data()["markInboxRead"]
        .clone();
    assert_eq!(marked["unread"].as_i64(), Some(unread_before - 1));
    assert!(marked["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .any(|e| e["id"] == accepted[0]["id"] && e["read"] == true));
    assert_eq!(
        of(&inbox(&app, &oem).await, "PACKAGE_ACCEPTED", &link)[0]["read"],
        true
    );
    assert_eq!(
        of(&inbox(&app, &oem_admin).await, "PACKAGE_ACCEPTED", &link)[0]["read"],
        false
    );
    // Another tenant cannot mark it: the entry is not in its inbox.
    assert_eq!(
        app.gql(Some(&globex), MARK, json!({"ids": [accepted[0]["id"]]}))
            .await
            .code(),
        Some("NOT_FOUND")
    );
    assert_eq!(
        app.gql(Some(&oem), MARK, json!({"ids": ["accepted:not-an-entry"]}))
            .await
            .code(),
        Some("NOT_FOUND")
    );

    // A failed result holds a unit: EMS quality hears of it, the operator's inbox stays calm.
    let build = pilot(&app, &package, "INB1").await;
    app.gql(Some(&operator), "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { unit { status } } }",
        json!({"i": [{"serial": "INB1-1", "station": "SMT", "result": "FAIL"}]}))
        .await
        .data();
    let held = inbox(&app, &quality).await;
    assert!(
        held["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["kind"] == "UNIT_ON_HOLD"
                && e["title"].as_str().unwrap_or_default().contains("INB1-1")),
        "{held}"
    );
    assert!(!inbox(&app, &operator).await["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .any(|e| e["kind"] == "UNIT_ON_HOLD"));
    assert!(!inbox(&app, &oem).await["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .any(|e| e["kind"] == "UNIT_ON_HOLD"));

    // A build past its due date is late for both sides' planners, not for another OEM.
    use firstpass_api::entities::build as builds;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    builds::Entity::update_many()
        .col_expr(
            builds::Column::DueDate,
            sea_orm::sea_query::Expr::value(
                chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date"),
            ),
        )
        .filter(builds::Column::Id.eq(uuid::Uuid::parse_str(&build).expect("uuid")))
        .exec(&app.state.db)
        .await
        .expect("backdate");
    let build_link = format!("/builds/{build}");
    assert_eq!(
        of(&inbox(&app, &pm).await, "BUILD_LATE", &build_link).len(),
        1
    );
    assert_eq!(
        of(&inbox(&app, &oem).await, "BUILD_LATE", &build_link).len(),
        1
    );
    assert!(of(&inbox(&app, &globex).await, "BUILD_LATE", &build_link).is_empty());

    // Everything read at once.
    let all = app.gql(Some(&pm), MARK, json!({"all": true})).await.data()["markInboxRead"].clone();
    assert_eq!(all["unread"], 0, "{all}");
    assert_eq!(inbox(&app, &pm).await["unread"], 0);
}

#[tokio::test]
async fn fais_to_sign_move_from_one_signer_to_the_next() {
    let app = TestApp::spawn().await;
    let pm = app.token(who::EMS_PM).await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let quality = app.token(who::EMS_QUALITY).await;
    let package = app.accepted_package("INB2").await;
    let build = pilot(&app, &package, "INB2").await;
    let report = app
        .gql(Some(&quality), "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id characteristics { id } } }",
            json!({"i": {"buildId": build, "serial": "INB2-1", "reason": "NEW_PART", "scope": "FULL"}}))
        .await
        .data()["createFaiReport"]
        .clone();
    let link = format!("/fai/{}", report["id"].as_str().expect("id"));
    let updates: Vec<Value> = report["characteristics"]
        .as_array()
        .expect("characteristics")
        .iter()
        .map(|c| json!({"id": c["id"], "result": "Conforms", "status": "PASS"}))
        .collect();
    app.gql(Some(&quality), "mutation($r: ID!, $u: [FaiCharacteristicUpdate!]!) { updateFaiCharacteristics(reportId: $r, updates: $u) { id } }",
        json!({"r": report["id"], "u": updates}))
        .await
        .data();
    assert!(
        of(&inbox(&app, &pm).await, "FAI_TO_SIGN", &link).is_empty(),
        "a draft waits for nobody"
    );
    app.gql(
        Some(&quality),
        "mutation($id: ID!) { submitFaiReport(id: $id) { id } }",
        json!({"id": report["id"]}),
    )
    .await
    .data();
    assert_eq!(of(&inbox(&app, &pm).await, "FAI_TO_SIGN", &link).len(), 1);
    assert!(of(&inbox(&app, &oem).await, "FAI_TO_SIGN", &link).is_empty());
    let sign = "mutation($id: ID!) { signFaiReport(id: $id, password: \"firstpass-demo\", meaning: APPROVED, reason: \"Verified\") { status } }";
    app.gql(Some(&pm), sign, json!({"id": report["id"]}))
        .await
        .data();
    assert!(of(&inbox(&app, &pm).await, "FAI_TO_SIGN", &link).is_empty());
    assert_eq!(of(&inbox(&app, &oem).await, "FAI_TO_SIGN", &link).len(), 1);
    assert!(of(&inbox(&app, &quality).await, "FAI_TO_SIGN", &link).is_empty());
}

#[tokio::test]
async fn the_inbox_updates_live_over_the_websocket() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let pm = app.token(who::EMS_PM).await;
    let package = app.accepted_package("INB3").await;

    let url = format!("{}/graphql/ws", app.base.replace("http://", "ws://"));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            url.as_str(),
        )
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    use tokio_tungstenite::tungstenite::Message;
    let send = |v: Value| Message::Text(v.to_string().into());
    socket
        .send(send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {oem}")}})))
        .await
        .expect("init");
    let ack = socket.next().await.expect("ack").expect("ack");
    assert!(
        ack.to_text().expect("text").contains("connection_ack"),
        "{ack}"
    );
    socket
        .send(send(json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { inboxUpdated { unread entries { id kind detail } } }"}})))
        .await
        .expect("subscribe");
    let first = next_where(&mut socket, |b| b["type"] == "next").await;
    let unread = first["payload"]["data"]["inboxUpdated"]["unread"]
        .as_i64()
        .expect("unread");

    app.gql(
        Some(&pm),
        "mutation($p: ID!, $b: String!) { addPackageComment(packageId: $p, body: $b) { id } }",
        json!({"p": package, "b": "Which solder paste do you want?"}),
    )
    .await
    .data();
    let update = next_where(&mut socket, |b| {
        b["payload"]["data"]["inboxUpdated"]["entries"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["kind"] == "QUESTION"))
    })
    .await;
    assert_eq!(
        update["payload"]["data"]["inboxUpdated"]["unread"].as_i64(),
        Some(unread + 1)
    );
}

#[tokio::test]
async fn api_tokens_have_no_inbox() {
    let app = TestApp::spawn().await;
    let admin = app.token(who::ACME_ADMIN).await;
    let created = app
        .gql(
            Some(&admin),
            "mutation { createApiToken(name: \"erp\", scopes: [READ, WRITE]) { secret } }",
            json!({}),
        )
        .await;
    let secret = created.data()["createApiToken"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_eq!(
        app.gql(Some(&secret), INBOX, json!({})).await.code(),
        Some("FORBIDDEN")
    );
}

async fn next_where<S>(socket: &mut S, wanted: impl Fn(&Value) -> bool) -> Value
where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("an update in time")
            .expect("message")
            .expect("message");
        let body: Value = serde_json::from_str(message.to_text().expect("text")).expect("json");
        if wanted(&body) {
            return body;
        }
    }
}
