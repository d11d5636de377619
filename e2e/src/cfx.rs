//! CFX over the broker for tests and benchmarks: the local RabbitMQ's AMQP 1.0 port, messages
//! published to a queue of the test's own, and a plant (a one-station build, an API token and
//! a mapped endpoint) set up over GraphQL.

use fe2o3_amqp::link::CreditMode;
use fe2o3_amqp::types::messaging::{Body, Message};
use fe2o3_amqp::types::primitives::Value as AmqpValue;
use fe2o3_amqp::{Connection, Receiver, Sender, Session};
use serde_json::{json, Value};
use std::time::Duration;

/// The local broker, as `.ci/run` sets it up.
pub const BROKER_URL: &str = "amqp://guest:guest@127.0.0.1:5672";

/// A queue address of its own for one test: `/queue/firstpass-test-<what>-<random>`.
pub fn fresh_queue(what: &str) -> String {
    format!(
        "/queue/firstpass-test-{what}-{}",
        uuid::Uuid::new_v4().simple()
    )
}

/// Awaits a closing step for at most 5 s and ignores how it ends: RabbitMQ 3's AMQP 1.0 plugin
/// may answer a close in a state the client does not expect, and the client's session loop has
/// been seen to spin instead of ending; what was sent and accepted is settled already.
async fn settle<F: std::future::Future>(closing: F) {
    let _ = tokio::time::timeout(Duration::from_secs(5), closing).await;
}

/// Whether the broker answers AMQP 1.0; the reason when it does not.
pub async fn broker_ready() -> Result<(), String> {
    let open = tokio::time::timeout(
        Duration::from_secs(5),
        Connection::open("firstpass-test-probe", BROKER_URL),
    )
    .await
    .map_err(|_| "no AMQP 1.0 answer within 5 s".to_owned())?;
    let mut connection = open.map_err(|e| format!("{e}"))?;
    settle(connection.close()).await;
    Ok(())
}

/// Skips (answers false) or fails a test that needs the broker: with
/// `FIRSTPASS_REQUIRE_BROKER=1` (CI) a missing broker fails the test.
pub async fn broker_or_skip(test: &str) -> bool {
    match broker_ready().await {
        Ok(()) => true,
        Err(why) => {
            let required = std::env::var("FIRSTPASS_REQUIRE_BROKER").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "FIRSTPASS_REQUIRE_BROKER=1 but the broker at 127.0.0.1:5672 does not speak AMQP 1.0: {why}"
            );
            eprintln!("skipping {test}: no AMQP 1.0 broker at 127.0.0.1:5672 ({why})");
            false
        }
    }
}

/// Publishes `messages` as JSON in a data section each, and waits until the broker has taken
/// them all.
pub async fn publish(address: &str, messages: &[Value]) {
    let mut connection = Connection::open("firstpass-test-publisher", BROKER_URL)
        .await
        .expect("connect to the broker");
    let mut session = Session::begin(&mut connection).await.expect("session");
    let mut sender = Sender::attach(&mut session, "firstpass-test-sender", address)
        .await
        .expect("attach a sender");
    for chunk in messages.chunks(500) {
        let mut outcomes = Vec::with_capacity(chunk.len());
        for message in chunk {
            let bytes = serde_json::to_vec(message).expect("json");
            let sendable = Message::builder().data(bytes).build();
            outcomes.push(sender.send_batchable(sendable).await.expect("send"));
        }
        for outcome in outcomes {
            outcome
                .await
                .expect("outcome")
                .accepted_or_else(|state| format!("{state:?}"))
                .expect("the broker accepted the message");
        }
    }
    // Every message was accepted above; RabbitMQ 3's AMQP 1.0 plugin may answer the closing of
    // the link in a state the client calls illegal, which loses nothing, so closing is best effort.
    settle(sender.close()).await;
    settle(session.end()).await;
    settle(connection.close()).await;
}

/// How many messages the queue still hands out within `wait` (each is accepted, so the count
/// is taken once).
pub async fn drain(address: &str, wait: Duration) -> usize {
    let mut connection = Connection::open("firstpass-test-drain", BROKER_URL)
        .await
        .expect("connect to the broker");
    let mut session = Session::begin(&mut connection).await.expect("session");
    let mut receiver = Receiver::builder()
        .name("firstpass-test-drain")
        .source(address)
        .credit_mode(CreditMode::Auto(100))
        .attach(&mut session)
        .await
        .expect("attach a receiver");
    let mut count = 0;
    while let Ok(delivery) = tokio::time::timeout(wait, receiver.recv::<Body<AmqpValue>>()).await {
        let delivery = delivery.expect("receive");
        receiver.accept(&delivery).await.expect("accept");
        count += 1;
    }
    settle(receiver.close()).await;
    settle(session.end()).await;
    settle(connection.close()).await;
    count
}

/// A `UnitsTested` message for one unit with two measured steps, after the published CFX
/// example (an automated in-circuit test with numeric measurements and their limits).
pub fn units_tested(unique_id: &str, source: &str, serial: &str) -> Value {
    json!({
        "MessageName": "CFX.Production.TestAndInspection.UnitsTested",
        "Version": "1.7",
        "TimeStamp": "2026-12-01T10:00:00.000+00:00",
        "UniqueID": unique_id,
        "Source": source,
        "Target": null,
        "RequestID": null,
        "MessageBody": {
            "$type": "CFX.Production.TestAndInspection.UnitsTested, CFX",
            "TransactionID": format!("tx-{unique_id}"),
            "TestMethod": "Automated",
            "Tester": {"OperatorIdentifier": "ICT-01", "ActorType": "Machine"},
            "TestedUnits": [{
                "UnitIdentifier": serial,
                "UnitPositionNumber": 1,
                "OverallResult": "Passed",
                "Tests": [{"TestName": "RAILS", "Result": "Passed", "Measurements": [
                    {"$type": "CFX.Structures.NumericMeasurement, CFX", "MeasurementName": "VCC_3V3", "Result": "Passed",
                     "MeasuredValue": {"Value": 3.3, "ValueUnits": "V", "MinimumAcceptableValue": 3.2, "MaximumAcceptableValue": 3.4}},
                    {"$type": "CFX.Structures.NumericMeasurement, CFX", "MeasurementName": "VCC_5V", "Result": "Passed",
                     "MeasuredValue": {"Value": 5.01, "ValueUnits": "V", "MinimumAcceptableValue": 4.9, "MaximumAcceptableValue": 5.1}},
                ]}],
            }],
        },
    })
}

/// A GraphQL call that must succeed; its `data`.
pub async fn gql(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Value = request
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

/// A demo user's access token (the demo password).
pub async fn sign_in(client: &reqwest::Client, base: &str, email: &str) -> String {
    let login = gql(
        client,
        base,
        None,
        "mutation($e: String!) { login(email: $e, password: \"firstpass-demo\") { accessToken } }",
        json!({"e": email}),
    )
    .await;
    login["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// What a test needs of the demo EMS for CFX: its program manager's and admin's access tokens,
/// a WRITE API token (secret) with the endpoint `handle` mapped to it, and the serials of a
/// one-station build.
#[derive(Debug, Clone)]
pub struct Plant {
    /// The program manager's access token.
    pub pm: String,
    /// The admin's access token.
    pub admin: String,
    /// The API token's secret.
    pub secret: String,
    /// The build's id.
    pub build: String,
    /// The build's serials, in order.
    pub serials: Vec<String>,
}

/// Sets up a [`Plant`] on a server seeded with `demo-data --scale N` (which has an accepted package): a build of `count` units with the
/// one station `station`, serials `PREFIX-000001`…, and `handle` mapped to that station.
pub async fn plant(
    client: &reqwest::Client,
    base: &str,
    count: usize,
    station: &str,
    prefix: &str,
    handle: &str,
) -> Plant {
    let pm = sign_in(client, base, "pm@northwind.example").await;
    let admin = sign_in(client, base, "admin@northwind.example").await;
    let packages = gql(
        client,
        base,
        Some(&pm),
        "{ npiPackages(first: 1, filter: {status: ACCEPTED}) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    let package = packages["npiPackages"]["edges"][0]["node"]["id"].clone();
    let build = gql(client, base, Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
        json!({"i": {"packageId": package, "phase": "PILOT", "quantity": count, "dueDate": "2099-01-01", "routing": [{"kind": "ICT", "name": station}]}})).await;
    let build = build["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    let made = gql(client, base, Some(&pm), "mutation($b: ID!, $n: Int!, $p: String!) { serializeUnits(buildId: $b, count: $n, pattern: $p) { serial } }",
        json!({"b": build, "n": count, "p": format!("{prefix}-{{SEQ:6}}")})).await;
    let serials = made["serializeUnits"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["serial"].as_str().expect("serial").to_owned())
        .collect();
    let created = gql(
        client,
        base,
        Some(&admin),
        "mutation($n: String!) { createApiToken(name: $n, scopes: [READ, WRITE]) { secret token { id } } }",
        json!({"n": format!("CFX {handle}")}),
    )
    .await;
    let secret = created["createApiToken"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    gql(client, base, Some(&pm),
        "mutation($h: String!, $s: String!, $t: ID!) { mapCfxEndpoint(handle: $h, station: $s, apiTokenId: $t) { id } }",
        json!({"h": handle, "s": station, "t": created["createApiToken"]["token"]["id"]})).await;
    Plant {
        pm,
        admin,
        secret,
        build,
        serials,
    }
}
