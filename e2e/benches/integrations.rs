//! Integration throughput: CFX `UnitsTested` messages ingested per second over `POST /cfx`, and
//! webhook deliveries per second to a local receiver.
//!
//! Starts the built binary on a fresh database (SQLite, or PostgreSQL with `TEST_DATABASE_URL`)
//! with private webhook addresses allowed, plans a one-station build of
//! `FIRSTPASS_BENCH_MESSAGES` units (default 2,000), then
//! - posts one `UnitsTested` message per unit (two test steps each), 16 requests in flight;
//! - records a FAIL for every unit, so each unit's UNIT_FAILED and UNIT_HELD events go to a
//!   registered endpoint, and times until the receiver has them all.
//!
//! `cargo bench -p firstpass-e2e --bench integrations` (use a release binary for representative
//! figures: `FIRSTPASS_BIN=target/release/firstpass`).

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use firstpass_e2e::{Firstpass, TestDb};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

async fn gql(
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

async fn token(client: &reqwest::Client, base: &str, email: &str) -> String {
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

/// A minimal HTTP/1.1 receiver that answers 204 to every request and counts them.
async fn receiver(count: Arc<AtomicUsize>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut reader = BufReader::new(read);
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    let mut started = false;
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" && started {
                            break;
                        }
                        started = true;
                        if let Some(value) =
                            line.to_ascii_lowercase().strip_prefix("content-length:")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                    if write
                        .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}/hook")
}

fn units_tested(n: usize, serial: &str) -> Value {
    json!({
        "MessageName": "CFX.Production.TestAndInspection.UnitsTested",
        "Version": "1.7",
        "TimeStamp": "2026-12-01T10:00:00+00:00",
        "UniqueID": format!("bench-{n}"),
        "Source": "bench.ict",
        "MessageBody": {
            "TransactionID": format!("tx-{n}"),
            "TestMethod": "Automated",
            "TestedUnits": [{
                "UnitIdentifier": serial,
                "OverallResult": "Passed",
                "Tests": [{"TestName": "RAILS", "Result": "Passed", "Measurements": [
                    {"MeasurementName": "VCC_3V3", "Result": "Passed", "MeasuredValue": {"Value": 3.3, "ValueUnits": "V", "MinimumAcceptableValue": 3.2, "MaximumAcceptableValue": 3.4}},
                    {"MeasurementName": "VCC_5V", "Result": "Passed", "MeasuredValue": {"Value": 5.01, "ValueUnits": "V", "MinimumAcceptableValue": 4.9, "MaximumAcceptableValue": 5.1}},
                ]}],
            }],
        },
    })
}

async fn one_station_build(
    client: &reqwest::Client,
    base: &str,
    pm: &str,
    station: &str,
    count: usize,
    prefix: &str,
) -> Vec<String> {
    let packages = gql(
        client,
        base,
        Some(pm),
        "{ npiPackages(first: 1, filter: {status: ACCEPTED}) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    let package = packages["npiPackages"]["edges"][0]["node"]["id"].clone();
    let build = gql(client, base, Some(pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
        json!({"i": {"packageId": package, "phase": "PILOT", "quantity": count, "dueDate": "2099-01-01", "routing": [{"kind": "ICT", "name": station}]}})).await;
    let build = build["createBuild"]["id"].clone();
    let made = gql(client, base, Some(pm), "mutation($b: ID!, $n: Int!, $p: String!) { serializeUnits(buildId: $b, count: $n, pattern: $p) { serial } }",
        json!({"b": build, "n": count, "p": format!("{prefix}-{{SEQ:6}}")})).await;
    made["serializeUnits"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["serial"].as_str().expect("serial").to_owned())
        .collect()
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::var("FIRSTPASS_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let db = TestDb::new().await;
    let backend = if db.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let fp = Firstpass::new(&db);
    let seeded = fp.run(&["demo-data", "--scale", "1000"], "");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let server = fp.serve_with(&[("FIRSTPASS_WEBHOOK_ALLOW_PRIVATE", "true")]);
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let pm = token(&client, &base, "pm@northwind.example").await;
    let admin = token(&client, &base, "admin@northwind.example").await;

    // CFX: one message per unit, 16 in flight.
    let serials = one_station_build(&client, &base, &pm, "ICT", count, "CFXB").await;
    let created = gql(
        &client,
        &base,
        Some(&admin),
        "mutation { createApiToken(name: \"bench ICT\", scopes: [WRITE]) { secret token { id } } }",
        json!({}),
    )
    .await;
    let secret = created["createApiToken"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    gql(&client, &base, Some(&pm),
        "mutation($t: ID!) { mapCfxEndpoint(handle: \"bench.ict\", station: \"ICT\", apiTokenId: $t) { id } }",
        json!({"t": created["createApiToken"]["token"]["id"]})).await;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (n, serial) in serials.iter().enumerate() {
        while tasks.len() >= 16 {
            tasks.join_next().await.expect("task").expect("join");
        }
        let (client, base, secret, message) = (
            client.clone(),
            base.clone(),
            secret.clone(),
            units_tested(n, serial),
        );
        tasks.spawn(async move {
            let answer: Value = client
                .post(format!("{base}/cfx"))
                .bearer_auth(&secret)
                .json(&message)
                .send()
                .await
                .expect("send")
                .json()
                .await
                .expect("json");
            assert_eq!(answer["status"], "APPLIED", "{answer}");
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("join");
    }
    let elapsed = started.elapsed();
    println!("cfx[{backend}]: {count} UnitsTested messages in {:.1} s = {:.0} messages/s (one unit and two steps each, 16 in flight)",
        elapsed.as_secs_f64(), count as f64 / elapsed.as_secs_f64());

    // Webhooks: two events per failed unit to one endpoint.
    let received = Arc::new(AtomicUsize::new(0));
    let url = receiver(received.clone()).await;
    gql(&client, &base, Some(&admin),
        "mutation($u: String!) { createWebhookEndpoint(url: $u, events: [UNIT_FAILED, UNIT_HELD]) { secret } }",
        json!({"u": url})).await;
    let operator = token(&client, &base, "operator@northwind.example").await;
    let serials = one_station_build(&client, &base, &pm, "FCT", count, "WHB").await;
    let started = Instant::now();
    for chunk in serials.chunks(1000) {
        let inputs: Vec<Value> = chunk
            .iter()
            .map(|s| json!({"serial": s, "station": "FCT", "result": "FAIL"}))
            .collect();
        gql(&client, &base, Some(&operator), "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { event { id } } }", json!({"i": inputs})).await;
    }
    let expected = 2 * count;
    let deadline = Instant::now() + Duration::from_secs(600);
    while received.load(Ordering::SeqCst) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    let got = received.load(Ordering::SeqCst);
    println!("webhooks[{backend}]: {got} of {expected} deliveries in {:.1} s = {:.0} deliveries/s (recording included)",
        elapsed.as_secs_f64(), got as f64 / elapsed.as_secs_f64());
}
