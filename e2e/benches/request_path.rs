//! Request-path benchmark on PostgreSQL: SQL statements per GraphQL request, requests per second
//! against PostGraphile v4 on the same data, and `recordStationResults` against `COPY`.
//!
//! Generates a factory with `firstpass demo-data --scale N` (N from `FIRSTPASS_BENCH_UNITS`,
//! default 20,000 units in builds of 1,000; the generator runs `ANALYZE` after its bulk load),
//! then, in one run on that one database:
//!
//! 1. **SQL statements per request** for a flat query (`builds(first: 20)` with scalar fields)
//!    and a nested one (the 20 builds with 20 units each), as the EMS program manager. The
//!    server logs no SQL (it connects with sqlx statement logging turned off), and
//!    `pg_stat_statements` needs a PostgreSQL restart to load, so the bench counts on the wire:
//!    the server connects through a small TCP relay in this process that reads the PostgreSQL
//!    frontend protocol and records every statement it executes: each simple `Query` message
//!    and each extended-protocol `Execute` (with the SQL of the `Parse` it ran). The count is
//!    taken between two markers: cleared before a request, read once its response arrived.
//!    Each request is made three times after a warm-up and all three counts are printed. The
//!    same is done for PostGraphile.
//! 2. **Requests per second** of both queries, for Firstpass and for PostGraphile v4 serving the
//!    same rows (`allBuilds` of the same EMS by id descending, `unitsByBuildId` by serial),
//!    both connected straight to PostgreSQL. A load generator here keeps
//!    `FIRSTPASS_BENCH_CONCURRENCY` requests in flight (default 16) for `FIRSTPASS_BENCH_SECONDS`
//!    (default 10) after a 2 s warm-up, and counts HTTP 200 answers with `data` and no `errors`.
//!    Firstpass runs with `RUST_LOG=warn` and PostGraphile with `--disable-query-log`, so neither
//!    writes a line per request.
//!    For each, the CPU time per request of the server, of PostgreSQL and of the load
//!    generator is read from `/proc` (so the figures mean something on a busy machine too).
//! 3. **Write path**: `FIRSTPASS_BENCH_RESULTS` station results (default 20,000) recorded through
//!    `recordStationResults` in batches of 1,000 (as the factory bench does), once by one client
//!    and once by `FIRSTPASS_BENCH_WRITERS` clients (default 4) on disjoint units, against `COPY
//!    ... FROM STDIN` of as many rows into `station_events` in one statement, made from existing
//!    units and their builds' stations and deleted again afterwards.
//!
//! PostGraphile comes from `POSTGRAPHILE_BIN`, or is installed with npm into
//! `FIRSTPASS_BENCH_NODE_DIR` (default: `firstpass-bench-node` in the temporary folder); without
//! npm its column is skipped. Needs `TEST_DATABASE_URL` (PostgreSQL) and, for representative
//! figures, a release binary:
//! `cargo build --release -p firstpass-api && FIRSTPASS_BIN=target/release/firstpass
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p firstpass-e2e
//! --bench request_path`.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use firstpass_e2e::sql_relay::{host_port, label, start_relay, via_port, StatementLog};
use firstpass_e2e::{Firstpass, TestDb};
use sea_orm::sqlx::{self, Connection, PgConnection};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const POSTGRAPHILE: &str = "postgraphile@4.14.1";
const WARMUP: Duration = Duration::from_secs(2);
const BATCH: usize = 1000;
const FLAT: &str = "{ builds(first: 20) { edges { node { id status quantity } } } }";
const NESTED: &str =
    "{ builds(first: 20) { edges { node { units(first: 20) { serial status } } } } }";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

/// The PostGraphile queries returning the rows Firstpass returns for the EMS `ems`.
fn postgraphile_queries(ems: &str) -> (String, String) {
    let builds = format!("allBuilds(first: 20, orderBy: ID_DESC, condition: {{emsId: \"{ems}\"}})");
    (
        format!("{{ {builds} {{ nodes {{ id status quantity }} }} }}"),
        format!(
            "{{ {builds} {{ nodes {{ unitsByBuildId(first: 20, orderBy: SERIAL_ASC) {{ nodes {{ serial status }} }} }} }} }}"
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Counting statements on the wire (see `firstpass_e2e::sql_relay`).

/// Runs `query` three times (after one warm-up) and returns the statement count of each run
/// and the statements of the last, grouped by [`label`].
async fn count_statements(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    log: &StatementLog,
) -> (Vec<usize>, BTreeMap<String, usize>) {
    post(client, url, token, query).await;
    let mut counts = Vec::new();
    let mut groups = BTreeMap::new();
    for _ in 0..3 {
        log.lock().expect("log").clear();
        post(client, url, token, query).await;
        let statements = std::mem::take(&mut *log.lock().expect("log"));
        counts.push(statements.len());
        groups.clear();
        for sql in &statements {
            *groups.entry(label(sql)).or_insert(0) += 1;
        }
    }
    (counts, groups)
}

// ---------------------------------------------------------------------------------------------
// CPU time, from /proc: where each request's work is done.

/// Clock ticks per second of /proc's CPU times (`USER_HZ`, 100 on Linux x86-64 and arm64).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU time (user + system, in ticks) used so far by process `pid`; 0 when it is gone.
fn cpu_ticks(pid: &str) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // Fields after the command name (which may hold spaces) start with the state (field 3);
    // utime and stime are fields 14 and 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// CPU ticks of every PostgreSQL process of this machine.
fn postgres_ticks() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|pid| cpu_ticks(&pid))
        .sum()
}

/// CPU ticks of the server, of PostgreSQL and of this load generator at one moment.
#[derive(Clone, Copy)]
struct CpuSnapshot {
    server: u64,
    postgres: u64,
    client: u64,
}

impl CpuSnapshot {
    fn take(server: &Process) -> Self {
        Self {
            server: cpu_ticks(&server.child.id().to_string()),
            postgres: postgres_ticks(),
            client: cpu_ticks("self"),
        }
    }

    /// Microseconds of CPU per request of server, PostgreSQL and load generator since `earlier`.
    fn per_request(&self, earlier: &Self, requests: u64) -> [f64; 3] {
        let per = |now: u64, then: u64| {
            now.saturating_sub(then) as f64 / TICKS_PER_SECOND * 1e6 / requests.max(1) as f64
        };
        [
            per(self.server, earlier.server),
            per(self.postgres, earlier.postgres),
            per(self.client, earlier.client),
        ]
    }
}

// ---------------------------------------------------------------------------------------------
// Servers.

/// A server process, stopped when dropped.
struct Process {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `firstpass serve` on a free port with `database_url`, logging warnings only.
fn serve_firstpass(fp: &Firstpass<'_>, database_url: &str) -> Process {
    let mut child = fp
        .command()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn firstpass serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("http://").nth(1) {
                let host = rest.split('/').next().unwrap_or_default().to_owned();
                let _ = tx.send(format!("http://{host}"));
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("firstpass serve did not print its address within 120 s");
    Process { child, base }
}

/// The PostGraphile executable: `POSTGRAPHILE_BIN`, an earlier install, or a new npm install;
/// `None` when npm is unavailable or fails.
fn postgraphile_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("POSTGRAPHILE_BIN") {
        return Some(PathBuf::from(bin));
    }
    let dir = std::env::var_os("FIRSTPASS_BENCH_NODE_DIR").map_or_else(
        || std::env::temp_dir().join("firstpass-bench-node"),
        PathBuf::from,
    );
    let bin = dir.join("node_modules/.bin/postgraphile");
    if bin.exists() {
        return Some(bin);
    }
    println!(
        "postgraphile: installing {POSTGRAPHILE} into {}",
        dir.display()
    );
    std::fs::create_dir_all(&dir).ok()?;
    let installed = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .arg(POSTGRAPHILE)
        .stdout(Stdio::null())
        .status();
    match installed {
        Ok(status) if status.success() && bin.exists() => Some(bin),
        Ok(status) => {
            println!("postgraphile: skipped (npm install exited with {status})");
            None
        }
        Err(err) => {
            println!("postgraphile: skipped (npm is unavailable: {err})");
            None
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// PostGraphile on a free port, serving `database_url`; waits until it answers GraphQL.
async fn serve_postgraphile(
    bin: &Path,
    database_url: &str,
    log: &Path,
    client: &reqwest::Client,
) -> Process {
    let port = free_port();
    let out = std::fs::File::create(log).expect("postgraphile log");
    let child = Command::new(bin)
        .args(["-c", database_url, "--host", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .args(["--disable-graphiql", "--disable-query-log"])
        .stdout(out.try_clone().expect("log handle"))
        .stderr(out)
        .spawn()
        .expect("spawn postgraphile");
    let mut process = Process {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let ready = client
            .post(format!("{}/graphql", process.base))
            .json(&json!({"query": "{ __typename }"}))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            return process;
        }
        let exited = process.child.try_wait().ok().flatten();
        if exited.is_some() || Instant::now() > deadline {
            panic!(
                "postgraphile did not start ({exited:?}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// GraphQL over HTTP.

/// Posts `query` and returns the answer, which must have no `errors`.
async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, query: &str) -> Value {
    gql(client, url, token, query, json!({})).await
}

async fn gql(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(url)
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

async fn login(client: &reqwest::Client, url: &str, email: &str) -> String {
    let answer = gql(
        client,
        url,
        None,
        "mutation($e: String!) { login(email: $e, password: \"firstpass-demo\") { accessToken } }",
        json!({"e": email}),
    )
    .await;
    answer["data"]["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// Completed requests (HTTP 200, `data`, no `errors`) and failed ones in the measured window,
/// and every request answered, warm-up included (for CPU time per request).
#[derive(Default, Clone, Copy)]
struct Tally {
    ok: u64,
    failed: u64,
    answered: u64,
}

/// Keeps `concurrency` requests of `query` in flight for the warm-up and then `duration`;
/// returns the requests per second completed in `duration`.
async fn throughput(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    concurrency: u64,
    duration: Duration,
) -> (f64, Tally) {
    let body = json!({"query": query}).to_string();
    let measure_from = Instant::now() + WARMUP;
    let end = measure_from + duration;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.to_owned();
        let token = token.map(str::to_owned);
        let body = body.clone();
        workers.spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < end {
                let mut request = client
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                if let Some(token) = &token {
                    request = request.bearer_auth(token);
                }
                // The rows were compared once above; here an answer counts when it is data
                // without errors, checked on the bytes so the load generator stays cheap.
                let ok = match request.send().await {
                    Ok(response) if response.status() == reqwest::StatusCode::OK => {
                        response.bytes().await.is_ok_and(|b| {
                            b.starts_with(b"{\"data\":{")
                                && !b.windows(9).any(|w| w == b"\"errors\":")
                        })
                    }
                    _ => false,
                };
                let done = Instant::now();
                tally.answered += 1;
                if done >= measure_from && done < end {
                    if ok {
                        tally.ok += 1;
                    } else {
                        tally.failed += 1;
                    }
                }
            }
            tally
        });
    }
    let mut total = Tally::default();
    while let Some(tally) = workers.join_next().await {
        let tally = tally.expect("load worker");
        total.ok += tally.ok;
        total.failed += tally.failed;
        total.answered += tally.answered;
    }
    (total.ok as f64 / duration.as_secs_f64(), total)
}

// ---------------------------------------------------------------------------------------------

/// The serials of the nested answer, build by build, whichever server gave it.
fn serials(answer: &Value) -> Vec<String> {
    let data = &answer["data"];
    let builds: Vec<&Value> = if let Some(edges) = data["builds"]["edges"].as_array() {
        edges.iter().map(|e| &e["node"]["units"]).collect()
    } else {
        data["allBuilds"]["nodes"]
            .as_array()
            .map(|n| n.iter().map(|b| &b["unitsByBuildId"]["nodes"]).collect())
            .unwrap_or_default()
    };
    builds
        .iter()
        .flat_map(|units| units.as_array().cloned().unwrap_or_default())
        .filter_map(|u| u["serial"].as_str().map(str::to_owned))
        .collect()
}

fn summary(groups: &BTreeMap<String, usize>) -> String {
    groups
        .iter()
        .map(|(label, n)| format!("{n}x {label}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Records `results` station results for `serials` through `recordStationResults`, in batches
/// of [`BATCH`], station after station, with `clients` clients each on its own share of the
/// units. Answers the results recorded and the requests made.
async fn record_results(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    serials: &[String],
    stations: &[&str],
    results: usize,
    clients: usize,
) -> (usize, usize) {
    let share = serials.len().div_ceil(clients.max(1));
    let mut batches: Vec<Vec<Vec<Value>>> = vec![Vec::new(); clients.max(1)];
    let mut planned = 0usize;
    'stations: for station in stations {
        for (writer, group) in serials.chunks(share).enumerate() {
            for chunk in group.chunks(BATCH) {
                let chunk = &chunk[..chunk.len().min(results - planned)];
                let inputs = chunk
                    .iter()
                    .map(|s| json!({"serial": s, "station": station, "result": "PASS", "idempotencyKey": format!("{s}-{station}")}))
                    .collect();
                batches[writer].push(inputs);
                planned += chunk.len();
                if planned == results {
                    break 'stations;
                }
            }
        }
    }
    let requests = batches.iter().map(Vec::len).sum();
    let mut writers = tokio::task::JoinSet::new();
    for writer in batches {
        let (client, url, token) = (client.clone(), url.to_owned(), token.to_owned());
        writers.spawn(async move {
            for inputs in writer {
                gql(&client, &url, Some(&token), "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { event { id } } }", json!({"i": inputs})).await;
            }
        });
    }
    while let Some(done) = writers.join_next().await {
        done.expect("writer");
    }
    (planned, requests)
}

#[tokio::main]
async fn main() {
    if !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        println!(
            "request_path: skipped; this benchmark compares against PostgreSQL tools and needs \
             TEST_DATABASE_URL=postgres://USER@HOST:PORT/postgres"
        );
        return;
    }
    let units = env_number("FIRSTPASS_BENCH_UNITS", 20_000);
    let concurrency = env_number("FIRSTPASS_BENCH_CONCURRENCY", 16).max(1);
    let duration = Duration::from_secs(env_number("FIRSTPASS_BENCH_SECONDS", 10).max(1));
    let results = env_number("FIRSTPASS_BENCH_RESULTS", 20_000).max(1) as usize;
    let writers = env_number("FIRSTPASS_BENCH_WRITERS", 4).max(1) as usize;

    let db = TestDb::new().await;
    let fp = Firstpass::new(&db);
    let started = Instant::now();
    let seeded = fp.run(&["demo-data", "--scale", &units.to_string()], "");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    println!(
        "factory: {} ({:.1} s, analyzed by the generator)",
        String::from_utf8_lossy(&seeded.stdout)
            .lines()
            .next()
            .unwrap_or(""),
        started.elapsed().as_secs_f64()
    );
    let mut sql = PgConnection::connect(&db.url).await.expect("connect");
    let ems: String = sqlx::query_scalar(
        "SELECT CAST(id AS TEXT) FROM organizations WHERE name = 'Northwind EMS'",
    )
    .fetch_one(&mut sql)
    .await
    .expect("EMS id");
    let (pg_flat, pg_nested) = postgraphile_queries(&ems);
    let client = reqwest::Client::new();
    let postgraphile = postgraphile_bin();
    let pg_log = db.dir().join("postgraphile.log");

    // 1. Statements per request, through the counting relay.
    let (relay_port, statements) = start_relay(host_port(&db.url)).await;
    let relayed_url = via_port(&db.url, relay_port);
    println!("\nSQL statements per request (3 runs after a warm-up; last run by statement):");
    let firstpass_nested = {
        let server = serve_firstpass(&fp, &relayed_url);
        let url = format!("{}/graphql", server.base);
        let token = login(&client, &url, "pm@northwind.example").await;
        for (name, query) in [("flat", FLAT), ("nested", NESTED)] {
            let (counts, groups) =
                count_statements(&client, &url, Some(&token), query, &statements).await;
            println!("  Firstpass    {name:<6} {counts:?}: {}", summary(&groups));
        }
        serials(&post(&client, &url, Some(&token), NESTED).await)
    };
    if let Some(bin) = &postgraphile {
        let server = serve_postgraphile(bin, &relayed_url, &pg_log, &client).await;
        let url = format!("{}/graphql", server.base);
        for (name, query) in [("flat", &pg_flat), ("nested", &pg_nested)] {
            let (counts, groups) = count_statements(&client, &url, None, query, &statements).await;
            println!("  PostGraphile {name:<6} {counts:?}: {}", summary(&groups));
        }
        let theirs = serials(&post(&client, &url, None, &pg_nested).await);
        println!(
            "  same rows: {} ({} units from each server)",
            if theirs == firstpass_nested {
                "yes"
            } else {
                "NO"
            },
            firstpass_nested.len()
        );
    }

    // 2. Requests per second, straight to PostgreSQL.
    println!(
        "\nRequests per second ({concurrency} concurrent clients, {} s after a {} s warm-up):",
        duration.as_secs(),
        WARMUP.as_secs()
    );
    let mut firstpass_rps = Vec::new();
    {
        let server = serve_firstpass(&fp, &db.url);
        let url = format!("{}/graphql", server.base);
        let token = login(&client, &url, "pm@northwind.example").await;
        for query in [FLAT, NESTED] {
            post(&client, &url, Some(&token), query).await;
            let before = CpuSnapshot::take(&server);
            let (rps, tally) =
                throughput(&client, &url, Some(&token), query, concurrency, duration).await;
            let cpu = CpuSnapshot::take(&server).per_request(&before, tally.answered);
            firstpass_rps.push((rps, tally, cpu));
        }
    }
    let mut postgraphile_rps = Vec::new();
    if let Some(bin) = &postgraphile {
        let server = serve_postgraphile(bin, &db.url, &pg_log, &client).await;
        let url = format!("{}/graphql", server.base);
        for query in [&pg_flat, &pg_nested] {
            post(&client, &url, None, query).await;
            let before = CpuSnapshot::take(&server);
            let (rps, tally) = throughput(&client, &url, None, query, concurrency, duration).await;
            let cpu = CpuSnapshot::take(&server).per_request(&before, tally.answered);
            postgraphile_rps.push((rps, tally, cpu));
        }
    }
    println!(
        "  {:<8} {:>14} {:>17} {:>12}",
        "query", "Firstpass rps", "PostGraphile rps", "FP / PG"
    );
    for (i, name) in ["flat", "nested"].iter().enumerate() {
        let (ours, our_tally, _) = firstpass_rps[i];
        let theirs = postgraphile_rps.get(i).copied();
        println!(
            "  {name:<8} {ours:>14.0} {:>17} {:>12}",
            theirs.map_or("skipped".to_owned(), |(r, _, _)| format!("{r:.0}")),
            theirs.map_or("-".to_owned(), |(r, _, _)| format!("{:.2}", ours / r)),
        );
        let failed = our_tally.failed + theirs.map_or(0, |(_, t, _)| t.failed);
        if failed > 0 {
            println!(
                "  ({name}: {} Firstpass and {} PostGraphile requests failed)",
                our_tally.failed,
                theirs.map_or(0, |(_, t, _)| t.failed)
            );
        }
    }
    println!("\nCPU per request, in microseconds (from /proc, warm-up included):");
    println!(
        "  {:<22} {:>8} {:>11} {:>15}",
        "server / query", "server", "PostgreSQL", "load generator"
    );
    let named = [
        ("Firstpass", &firstpass_rps),
        ("PostGraphile", &postgraphile_rps),
    ];
    for (server, runs) in named {
        for (i, name) in ["flat", "nested"].iter().enumerate() {
            if let Some((_, _, [own, postgres, client])) = runs.get(i) {
                println!(
                    "  {:<22} {own:>8.0} {postgres:>11.0} {client:>15.0}",
                    format!("{server} {name}")
                );
            }
        }
    }

    // 3. Recording station results through the API against COPY.
    println!("\nWrite path ({results} station results):");
    let server = serve_firstpass(&fp, &db.url);
    let url = format!("{}/graphql", server.base);
    let pm = login(&client, &url, "pm@northwind.example").await;
    let operator = login(&client, &url, "operator@northwind.example").await;
    let package = post(
        &client,
        &url,
        Some(&pm),
        "{ npiPackages(first: 1, filter: {status: ACCEPTED}) { edges { node { id } } } }",
    )
    .await;
    let package_id = package["data"]["npiPackages"]["edges"][0]["node"]["id"].clone();
    let stations = ["SMT", "Reflow", "AOI", "ICT", "FCT", "Box build"];
    let routing: Vec<Value> = ["SMT_TOP", "REFLOW", "AOI", "ICT", "FCT", "BOX_BUILD"]
        .iter()
        .zip(stations)
        .map(|(k, n)| json!({"kind": k, "name": n}))
        .collect();
    // One run with one client, as a single MES line would send; one with `writers` clients on
    // disjoint units, as several lines (or a pipelined MES) would. Each on a build of its own.
    let mut runs = Vec::new();
    for (name, clients) in [("W1", 1), ("WN", writers)] {
        let count = results.div_ceil(stations.len());
        let build = gql(&client, &url, Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package_id, "phase": "PILOT", "quantity": count, "dueDate": "2099-01-01", "routing": routing}})).await;
        let build_id = build["data"]["createBuild"]["id"].clone();
        let pattern = format!("{name}-{{SEQ:6}}");
        let made = gql(&client, &url, Some(&operator), "mutation($b: ID!, $n: Int!, $p: String!) { serializeUnits(buildId: $b, count: $n, pattern: $p) { serial } }", json!({"b": build_id, "n": count, "p": pattern})).await;
        let serials: Vec<String> = made["data"]["serializeUnits"]
            .as_array()
            .expect("units")
            .iter()
            .map(|u| u["serial"].as_str().expect("serial").to_owned())
            .collect();
        let started = Instant::now();
        let (recorded, requests) = record_results(
            &client, &url, &operator, &serials, &stations, results, clients,
        )
        .await;
        let elapsed = started.elapsed();
        let rate = recorded as f64 / elapsed.as_secs_f64();
        println!(
            "  recordStationResults, {clients} client(s): {recorded} results in {requests} requests, {:.2} s = {rate:.0} results/s",
            elapsed.as_secs_f64()
        );
        runs.push((clients, recorded, rate));
    }
    drop(server);
    let recorded = runs[0].1;

    // As many rows for COPY, from existing units and their builds' stations.
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT CAST(u.id AS TEXT), CAST(u.build_id AS TEXT), CAST(s.id AS TEXT), \
         CAST(u.ems_id AS TEXT), CAST(now() AS TEXT) \
         FROM units u JOIN build_stations s ON s.build_id = u.build_id \
         ORDER BY u.id, s.position LIMIT $1",
    )
    .bind(recorded as i64)
    .fetch_all(&mut sql)
    .await
    .expect("rows to copy");
    let mut csv = String::with_capacity(rows.len() * 256);
    for (n, (unit, build, station, ems, now)) in rows.iter().enumerate() {
        let id = uuid::Uuid::now_v7();
        csv.push_str(&format!(
            "{id},{unit},{build},{station},{ems},PASS,{{}},copy-{n},bench copy,{now}\n"
        ));
    }
    let started = Instant::now();
    let mut copy = sql
        .copy_in_raw(
            "COPY station_events (id, unit_id, build_id, station_id, ems_id, result, \
             measurements, idempotency_key, recorded_by, created_at) FROM STDIN (FORMAT csv)",
        )
        .await
        .expect("start COPY");
    copy.send(csv.into_bytes()).await.expect("COPY data");
    let copied = copy.finish().await.expect("finish COPY");
    let elapsed = started.elapsed();
    let copy_rate = copied as f64 / elapsed.as_secs_f64();
    println!(
        "  COPY station_events:  {copied} rows in 1 statement, {:.2} s = {copy_rate:.0} rows/s",
        elapsed.as_secs_f64()
    );
    for (clients, _, rate) in runs {
        println!(
            "  ratio, {clients} client(s): the API records at {:.1} % of COPY's rate",
            100.0 * rate / copy_rate
        );
    }
    sqlx::query("DELETE FROM station_events WHERE recorded_by = 'bench copy'")
        .execute(&mut sql)
        .await
        .expect("delete copied rows");
    sql.close().await.ok();
}
