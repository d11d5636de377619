//! Concurrent calls over the API: station results for one unit serialize exactly, a repeated
//! idempotency key answers the first outcome even when the calls race, and a refresh token
//! rotates once however many calls present it at the same time.

use crate::harness::{who, TestApp};
use futures_util::future::join_all;
use serde_json::{json, Value};

/// How many calls race in each test.
const RACERS: usize = 8;

const RECORD_ONE: &str = "mutation($i: StationResultInput!) { recordStationResult(input: $i) {
    event { id station result } unit { serial status nextStation { name } } } }";

const UNIT: &str = "query($s: String!) { unit(serial: $s) { status nextStation { name } history { id station result } } }";

/// A PILOT build with the routing SMT, Reflow, AOI and `count` units `{prefix}-01`, ...; answers
/// the serials.
async fn units(app: &TestApp, part_number: &str, prefix: &str, count: i32) -> Vec<String> {
    let pm = app.token(who::EMS_PM).await;
    let package = app.accepted_package(part_number).await;
    let routing = json!([{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "REFLOW", "name": "Reflow"}, {"kind": "AOI", "name": "AOI"}]);
    let build = app
        .gql(
            Some(&pm),
            "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": count, "dueDate": "2099-12-31", "routing": routing}}),
        )
        .await;
    let build = build.data()["createBuild"]["id"].clone();
    let made = app
        .gql(
            Some(&pm),
            "mutation($b: ID!, $n: Int!, $p: String!) { serializeUnits(buildId: $b, count: $n, pattern: $p) { serial } }",
            json!({"b": build, "n": count, "p": format!("{prefix}-{{SEQ:2}}")}),
        )
        .await;
    made.data()["serializeUnits"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["serial"].as_str().expect("serial").to_owned())
        .collect()
}

/// Sends every input as its own `recordStationResult` call, all at once; answers the bodies.
async fn race(app: &TestApp, token: &str, inputs: Vec<Value>) -> Vec<Value> {
    join_all(
        inputs
            .into_iter()
            .map(|input| app.gql(Some(token), RECORD_ONE, json!({"i": input}))),
    )
    .await
    .into_iter()
    .map(|g| g.body)
    .collect()
}

/// The answers that succeeded, and the error codes of the others (every one must have a code).
fn split(answers: &[Value]) -> (Vec<&Value>, Vec<String>) {
    let mut won = Vec::new();
    let mut codes = Vec::new();
    for answer in answers {
        match answer.get("errors") {
            None => won.push(&answer["data"]["recordStationResult"]),
            Some(errors) => codes.push(
                errors[0]["extensions"]["code"]
                    .as_str()
                    .unwrap_or_else(|| panic!("an error without a code: {answer}"))
                    .to_owned(),
            ),
        }
    }
    (won, codes)
}

async fn unit(app: &TestApp, token: &str, serial: &str) -> Value {
    app.gql(Some(token), UNIT, json!({"s": serial}))
        .await
        .data()["unit"]
        .clone()
}

#[tokio::test]
async fn concurrent_results_for_one_unit_and_station_record_once() {
    let app = TestApp::spawn().await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let serials = units(&app, "CC-PASS", "CCP", 1).await;
    let inputs = (0..RACERS)
        .map(|i| json!({"serial": serials[0], "station": "SMT", "result": "PASS", "measurements": {"racer": i}}))
        .collect();
    let answers = race(&app, &operator, inputs).await;
    let (won, codes) = split(&answers);
    assert_eq!(won.len(), 1, "exactly one call records: {answers:?}");
    assert!(
        codes.iter().all(|c| c == "CONFLICT"),
        "the others find the station already passed: {codes:?}"
    );
    assert_eq!(won[0]["unit"]["nextStation"]["name"], "Reflow");
    let unit = unit(&app, &operator, &serials[0]).await;
    assert_eq!(unit["history"].as_array().map(Vec::len), Some(1), "{unit}");
    assert_eq!(unit["history"][0]["id"], won[0]["event"]["id"]);
    assert_eq!(unit["status"], "IN_WORK");
    assert_eq!(unit["nextStation"]["name"], "Reflow");
}

#[tokio::test]
async fn concurrent_pass_and_fail_leave_one_consistent_outcome() {
    let app = TestApp::spawn().await;
    let operator = app.token(who::EMS_OPERATOR).await;
    // Several units, so that both outcomes are likely to win somewhere.
    let serials = units(&app, "CC-MIXED", "CCM", 4).await;
    for serial in &serials {
        let inputs = (0..RACERS)
            .map(|i| {
                let result = if i % 2 == 0 { "PASS" } else { "FAIL" };
                json!({"serial": serial, "station": "SMT", "result": result})
            })
            .collect();
        let answers = race(&app, &operator, inputs).await;
        let (won, codes) = split(&answers);
        assert_eq!(won.len(), 1, "exactly one call records: {answers:?}");
        assert!(codes.iter().all(|c| c == "CONFLICT"), "{codes:?}");
        let unit = unit(&app, &operator, serial).await;
        let history = unit["history"].as_array().expect("history");
        assert_eq!(history.len(), 1, "{unit}");
        assert_eq!(history[0]["id"], won[0]["event"]["id"]);
        match history[0]["result"].as_str() {
            Some("FAIL") => {
                assert_eq!(unit["status"], "ON_HOLD", "{unit}");
                assert_eq!(
                    unit["nextStation"]["name"], "SMT",
                    "held, not advanced: {unit}"
                );
            }
            Some("PASS") => {
                assert_eq!(unit["status"], "IN_WORK", "{unit}");
                assert_eq!(unit["nextStation"]["name"], "Reflow", "{unit}");
            }
            other => panic!("unexpected result {other:?}"),
        }
        assert_eq!(won[0]["unit"]["status"], unit["status"]);
    }
}

#[tokio::test]
async fn concurrent_calls_with_one_idempotency_key_answer_the_first_outcome() {
    let app = TestApp::spawn().await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let serials = units(&app, "CC-KEY", "CCK", RACERS as i32 + 1).await;

    // The same result for one unit, as a client retrying too eagerly sends it.
    let inputs = (0..RACERS)
        .map(|_| json!({"serial": serials[0], "station": "SMT", "result": "PASS", "idempotencyKey": "scan-1"}))
        .collect();
    let answers = race(&app, &operator, inputs).await;
    let (won, codes) = split(&answers);
    assert!(codes.is_empty(), "every call answers: {answers:?}");
    assert!(
        won.iter().all(|w| *w == won[0]),
        "every call answers the first outcome: {answers:?}"
    );
    let unit0 = unit(&app, &operator, &serials[0]).await;
    assert_eq!(unit0["history"].as_array().map(Vec::len), Some(1));
    assert_eq!(unit0["history"][0]["id"], won[0]["event"]["id"]);

    // One key on different units (all still due at SMT): nothing orders these calls but the
    // key itself.
    let inputs = serials[1..]
        .iter()
        .map(|s| json!({"serial": s, "station": "SMT", "result": "PASS", "idempotencyKey": "scan-2"}))
        .collect();
    let answers = race(&app, &operator, inputs).await;
    let (won, codes) = split(&answers);
    assert!(codes.is_empty(), "every call answers: {answers:?}");
    let first = won[0]["event"]["id"].clone();
    assert!(
        won.iter().all(|w| w["event"]["id"] == first),
        "every call answers the first outcome: {answers:?}"
    );
    let mut recorded = 0;
    for serial in &serials[1..] {
        let unit = unit(&app, &operator, serial).await;
        recorded += unit["history"]
            .as_array()
            .expect("history")
            .iter()
            .filter(|e| e["id"] == first)
            .count();
    }
    assert_eq!(recorded, 1, "the key recorded one event");
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_rotate_it_once() {
    let app = TestApp::spawn().await;
    let refresh =
        "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }";
    // A few sign-ins, so that the calls overlap in more than one way.
    const ROUNDS: usize = 4;
    for _ in 0..ROUNDS {
        let login = app.login_payload(who::EMS_OPERATOR).await;
        let presented = login["refreshToken"].as_str().expect("refresh token");
        let answers =
            join_all((0..RACERS).map(|_| app.gql(None, refresh, json!({"t": presented})))).await;
        let won: Vec<&Value> = answers
            .iter()
            .filter(|a| a.body.get("errors").is_none())
            .map(|a| &a.body["data"]["refreshSession"])
            .collect();
        assert_eq!(
            won.len(),
            1,
            "exactly one call rotates the token: {answers:?}"
        );
        assert!(
            answers
                .iter()
                .filter(|a| a.body.get("errors").is_some())
                .all(|a| a.code() == Some("UNAUTHENTICATED")),
            "{answers:?}"
        );
        // The others were a reuse: the whole family is revoked, the winner's new token included.
        let next = won[0]["refreshToken"].as_str().expect("new refresh token");
        assert_eq!(
            app.gql(None, refresh, json!({"t": next})).await.code(),
            Some("UNAUTHENTICATED")
        );
    }
    use firstpass_api::entities::audit_event;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let reuses = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("session.reuse_detected"))
        .count(&app.state.db)
        .await
        .expect("audit count");
    assert!(reuses as usize >= ROUNDS, "each reuse is audited");
}
