//! Factory-scale benchmark: `recordStationResults` throughput and `traceComponent` latency.
//!
//! Generates a factory with `firstpass demo-data --scale N` (N from `FIRSTPASS_BENCH_UNITS`,
//! default 100,000), starts the built binary, then measures over real HTTP:
//! - station results per second, recording batches of 1,000 through the whole routing;
//! - the latency of `traceComponent` for a lot code that reached 1 % of the units.
//!
//! It then prints the database's plan for the trace's index walk. Runs on SQLite, or on PostgreSQL
//! with `TEST_DATABASE_URL`. Use a release binary for representative figures:
//! `cargo build --release -p firstpass-api && FIRSTPASS_BIN=target/release/firstpass cargo bench -p firstpass-e2e --bench factory`.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use firstpass_e2e::{Firstpass, TestDb};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

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
    body
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
    login["data"]["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let units: u32 = std::env::var("FIRSTPASS_BENCH_UNITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let db = TestDb::new().await;
    let backend = if db.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let fp = Firstpass::new(&db);
    let started = Instant::now();
    let seeded = fp.run(&["demo-data", "--scale", &units.to_string()], "");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    println!(
        "factory[{backend}]: {} ({:.1} s)",
        String::from_utf8_lossy(&seeded.stdout)
            .lines()
            .next()
            .unwrap_or(""),
        started.elapsed().as_secs_f64()
    );

    let server = fp.serve();
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let pm = token(&client, &base, "pm@northwind.example").await;
    let operator = token(&client, &base, "operator@northwind.example").await;

    // A fresh build on the generated revision, to record results into.
    let package = gql(
        &client,
        &base,
        Some(&pm),
        "{ npiPackages(first: 1, filter: {status: ACCEPTED}) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    let package_id = package["data"]["npiPackages"]["edges"][0]["node"]["id"].clone();
    let stations = ["SMT", "Reflow", "AOI", "ICT", "FCT", "Box build"];
    let routing: Vec<Value> = ["SMT_TOP", "REFLOW", "AOI", "ICT", "FCT", "BOX_BUILD"]
        .iter()
        .zip(stations)
        .map(|(k, n)| json!({"kind": k, "name": n}))
        .collect();
    let build = gql(&client, &base, Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
        json!({"i": {"packageId": package_id, "phase": "PILOT", "quantity": 5000, "dueDate": "2099-01-01", "routing": routing}})).await;
    let build_id = build["data"]["createBuild"]["id"].clone();
    let made = gql(&client, &base, Some(&operator), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 5000, pattern: \"BENCH-{SEQ:5}\") { serial } }", json!({"b": build_id})).await;
    let serials: Vec<String> = made["data"]["serializeUnits"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["serial"].as_str().expect("serial").to_owned())
        .collect();

    let mut recorded = 0usize;
    let started = Instant::now();
    for station in stations {
        for chunk in serials.chunks(1000) {
            let inputs: Vec<Value> = chunk.iter().map(|s| json!({"serial": s, "station": station, "result": "PASS", "idempotencyKey": format!("{s}-{station}")})).collect();
            gql(&client, &base, Some(&operator), "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { event { id } } }", json!({"i": inputs})).await;
            recorded += chunk.len();
        }
    }
    let elapsed = started.elapsed();
    println!("recordStationResults[{backend}]: {recorded} results in {:.1} s = {:.0} results/s (batches of 1,000)", elapsed.as_secs_f64(), recorded as f64 / elapsed.as_secs_f64());

    // Trace a lot code that reached one build of 1,000 units: 1 % at 100,000 units.
    let query = "{ traceComponent(mpn: \"GRM188R71H104KA93D\", lotCode: \"LOT-42-C1\") { totalUnits byBuild { units } units(first: 100) { edges { node { serial } } } } }";
    let warm = gql(&client, &base, Some(&pm), query, json!({})).await;
    let total = warm["data"]["traceComponent"]["totalUnits"]
        .as_i64()
        .unwrap_or(0);
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        gql(&client, &base, Some(&pm), query, json!({})).await;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "traceComponent[{backend}]: {total} affected units of {units}; median {:.1} ms, p95 {:.1} ms over 20 calls",
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.95).as_secs_f64() * 1000.0
    );

    // The plan of the index walk the trace makes.
    let conn = Database::connect(&db.url).await.expect("connect");
    let backend_kind = conn.get_database_backend();
    let lot: Vec<String> = conn
        .query_all_raw(Statement::from_string(
            backend_kind,
            "SELECT CAST(id AS TEXT) FROM component_lots WHERE lot_code = 'LOT-42-C1' LIMIT 1"
                .to_owned(),
        ))
        .await
        .expect("lot")
        .iter()
        .filter_map(|row| row.try_get_by_index::<String>(0).ok())
        .collect();
    let explain = if db.is_postgres() {
        "EXPLAIN"
    } else {
        "EXPLAIN QUERY PLAN"
    };
    for sql in [
        "SELECT id FROM component_lots WHERE mpn = 'GRM188R71H104KA93D' AND lot_code = 'LOT-42-C1'".to_owned(),
        format!("SELECT unit_id, build_id, designator FROM lot_usages WHERE lot_id IN (SELECT id FROM component_lots WHERE lot_code = 'LOT-42-C1' AND mpn = 'GRM188R71H104KA93D') -- lot {}", lot.first().map_or("", String::as_str)),
    ] {
        let rows = conn.query_all_raw(Statement::from_string(backend_kind, format!("{explain} {sql}"))).await.expect("explain");
        println!("plan[{backend}] {sql}");
        for row in rows {
            let line: Vec<String> = (0..4).filter_map(|i| row.try_get_by_index::<String>(i).ok().or_else(|| row.try_get_by_index::<i64>(i).ok().map(|v| v.to_string()))).collect();
            println!("    {}", line.join(" | "));
        }
    }
}
