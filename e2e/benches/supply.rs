//! Clear-to-build benchmark: the material status of every open build in one GraphQL request.
//!
//! Generates `FIRSTPASS_BENCH_BUILDS` open builds (default 50), each of its own package with a
//! BOM of `FIRSTPASS_BENCH_BOM_LINES` lines (default 300), with `firstpass demo-data
//! --open-builds N --bom-lines M` (shared resistors in stock for about half of the builds,
//! ICs on order for every other build), then asks, as the EMS program manager,
//! `builds(first: N) { materialStatus { … lines { … } } }` and prints:
//! - the time of the request (median and slowest of `FIRSTPASS_BENCH_RUNS` runs, default 10,
//!   after one warm-up), and the size of the answer;
//! - on PostgreSQL (`TEST_DATABASE_URL`), the SQL statements the request executed, counted on
//!   the wire by a relay (`firstpass_e2e::sql_relay`), grouped by table.
//!
//! Use a release binary for representative figures: `cargo build --release -p firstpass-api &&
//! FIRSTPASS_BIN=target/release/firstpass cargo bench -p firstpass-e2e --bench supply`.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use firstpass_e2e::sql_relay::{host_port, label, start_relay, via_port};
use firstpass_e2e::{Firstpass, TestDb};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn gql(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
) -> (Value, usize) {
    let mut request = client
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let bytes = request
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    (body, bytes.len())
}

#[tokio::main]
async fn main() {
    let builds = env_number("FIRSTPASS_BENCH_BUILDS", 50);
    let lines = env_number("FIRSTPASS_BENCH_BOM_LINES", 300);
    let runs = env_number("FIRSTPASS_BENCH_RUNS", 10).max(1);
    let db = TestDb::new().await;
    let backend = if db.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let fp = Firstpass::new(&db);
    let seeded = fp.run(
        &[
            "demo-data",
            "--open-builds",
            &builds.to_string(),
            "--bom-lines",
            &lines.to_string(),
        ],
        "",
    );
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    println!(
        "supply[{backend}]: {}",
        String::from_utf8_lossy(&seeded.stdout)
            .lines()
            .next()
            .unwrap_or("")
    );

    // On PostgreSQL the server connects through the counting relay.
    let relay = if db.is_postgres() {
        Some(start_relay(host_port(&db.url)).await)
    } else {
        None
    };
    let relayed_url = relay.as_ref().map(|(port, _)| via_port(&db.url, *port));
    let env: Vec<(&str, &str)> = relayed_url
        .as_deref()
        .map(|url| vec![("DATABASE_URL", url)])
        .unwrap_or_default();
    let server = fp.serve_with(&env);
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let (login, _) = gql(
        &client,
        &base,
        None,
        "mutation { login(email: \"pm@northwind.example\", password: \"firstpass-demo\") { accessToken } }",
    )
    .await;
    let pm = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();

    let query = format!(
        "{{ builds(first: {builds}, filter: {{status: PLANNED}}) {{ edges {{ node {{ id dueDate materialStatus {{ clearNow clearDate pushesDueDate shortLines uncoveredLines lines {{ mpn needed onHand allocatedToOtherBuilds onOrder shortage clearDate }} }} }} }} }} }}"
    );
    let (warm, size) = gql(&client, &base, Some(&pm), &query).await;
    let answered = warm["data"]["builds"]["edges"].as_array().expect("builds");
    assert_eq!(answered.len(), builds as usize, "every open build answers");
    let line_count: usize = answered
        .iter()
        .map(|b| {
            b["node"]["materialStatus"]["lines"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .sum();
    let clear = answered
        .iter()
        .filter(|b| b["node"]["materialStatus"]["clearNow"] == true)
        .count();
    let pushed = answered
        .iter()
        .filter(|b| b["node"]["materialStatus"]["pushesDueDate"] == true)
        .count();
    println!(
        "supply[{backend}]: {} builds, {line_count} lines answered ({} KiB); {clear} clear now, {pushed} pushed past their due date",
        answered.len(),
        size / 1024
    );

    // The whole answer, and the per-build summary alone (the same picture computed, 50 small
    // objects instead of 15,000 lines written out).
    let summary = format!(
        "{{ builds(first: {builds}, filter: {{status: PLANNED}}) {{ edges {{ node {{ id materialStatus {{ clearNow clearDate pushesDueDate shortLines }} }} }} }} }}"
    );
    for (what, q) in [("with every line", &query), ("summary only", &summary)] {
        let mut times: Vec<Duration> = Vec::with_capacity(runs as usize);
        for _ in 0..runs {
            let started = Instant::now();
            gql(&client, &base, Some(&pm), q).await;
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "supply[{backend}]: materialStatus of {builds} open builds x {lines}-line BOMs in one request, {what}: median {:.1} ms, slowest {:.1} ms ({runs} runs)",
            times[times.len() / 2].as_secs_f64() * 1000.0,
            times[times.len() - 1].as_secs_f64() * 1000.0
        );
    }

    if let Some((_, log)) = &relay {
        log.lock().expect("log").clear();
        gql(&client, &base, Some(&pm), &query).await;
        let statements = std::mem::take(&mut *log.lock().expect("log"));
        let mut groups: BTreeMap<String, usize> = BTreeMap::new();
        for sql in &statements {
            *groups.entry(label(sql)).or_insert(0) += 1;
        }
        let summary = groups
            .iter()
            .map(|(k, n)| format!("{n}× {k}"))
            .collect::<Vec<_>>()
            .join("; ");
        println!(
            "supply[{backend}]: SQL statements for the request: {} ({summary})",
            statements.len()
        );
    } else {
        println!(
            "supply[{backend}]: statements are counted on PostgreSQL only (set TEST_DATABASE_URL)"
        );
    }
    drop(server);
}
