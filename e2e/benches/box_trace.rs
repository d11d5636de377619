//! Box-build trace benchmark: a lot that reached 1 % of the boxes, traced through two levels
//! (lot → PCBA → box) against the one-level trace (lot → PCBA).
//!
//! Generates a factory of `FIRSTPASS_BENCH_BOXES` PCBAs (default 1,000,000) each installed in
//! a box of its own, with set-based SQL (`INSERT … SELECT` over `generate_series` on
//! PostgreSQL, over a recursive sequence on SQLite): 2 × N units, N installation edges and N lot
//! usages, the PCBA `i` carrying capacitor lot `LOT-{i % 100}`, every box shipped. Then it
//! starts the built binary and times, over real HTTP, `traceComponent` asking for the boards
//! (`totalUnits`, one level) and for the boxes (`totalTopLevelUnits`, two levels), and prints
//! the ratio. Runs on SQLite, or on PostgreSQL with `TEST_DATABASE_URL`; for representative
//! figures use a release binary: `cargo build --release -p firstpass-api &&
//! FIRSTPASS_BIN=target/release/firstpass cargo bench -p firstpass-e2e --bench box_trace`.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use firstpass_e2e::{Firstpass, TestDb};
use sea_orm::{
    ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait,
    Value,
};
use serde_json::{json, Value as Json};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A statement written with `?`, numbered for PostgreSQL.
fn sql(backend: DatabaseBackend, text: &str, values: Vec<Value>) -> Statement {
    let text = if backend == DatabaseBackend::Postgres {
        let mut out = String::new();
        let mut n = 0;
        for c in text.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(c);
            }
        }
        out
    } else {
        text.to_owned()
    };
    Statement::from_sql_and_values(backend, text, values)
}

async fn exec(db: &DatabaseConnection, text: &str, values: Vec<Value>) {
    let backend = db.get_database_backend();
    db.execute_raw(sql(backend, text, values))
        .await
        .unwrap_or_else(|e| panic!("{e}: {text}"));
}

async fn id_of(db: &DatabaseConnection, text: &str, value: &str) -> Uuid {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(sql(backend, text, vec![value.into()]))
        .await
        .expect("query")
        .expect("row");
    row.try_get_by_index::<Uuid>(0).expect("uuid")
}

/// A sequence 1..=n as a FROM item, and the expression of a fresh id, per backend.
fn generator(backend: DatabaseBackend, n: u64) -> (String, String, &'static str) {
    match backend {
        DatabaseBackend::Postgres => (
            String::new(),
            format!("generate_series(1, {n}) AS seq(i)"),
            "gen_random_uuid()",
        ),
        _ => (
            format!("WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {n}) "),
            "seq".to_owned(),
            "randomblob(16)",
        ),
    }
}

async fn generate(db: &DatabaseConnection, n: u64) {
    let backend = db.get_database_backend();
    let oem = id_of(
        db,
        "SELECT id FROM organizations WHERE name = ?",
        "Acme Gateways",
    )
    .await;
    let ems = id_of(
        db,
        "SELECT id FROM organizations WHERE name = ?",
        "Northwind EMS",
    )
    .await;
    let engineer = id_of(
        db,
        "SELECT id FROM users WHERE email = ?",
        "engineer@acme.example",
    )
    .await;
    let pm = id_of(
        db,
        "SELECT id FROM users WHERE email = ?",
        "pm@northwind.example",
    )
    .await;
    let now = chrono::Utc::now();
    let today = now.date_naive();
    let (pcba_product, box_product) = (Uuid::now_v7(), Uuid::now_v7());
    let (pcba_package, box_package) = (Uuid::now_v7(), Uuid::now_v7());
    let (pcba_build, box_build) = (Uuid::now_v7(), Uuid::now_v7());
    for (id, part, tier) in [
        (pcba_product, "BENCH-PCBA", "PCBA"),
        (box_product, "BENCH-BOX", "BOX_BUILD"),
    ] {
        exec(db, "INSERT INTO products (id, oem_id, part_number, name, description, created_by, created_at, tier) VALUES (?, ?, ?, ?, '', ?, ?, ?)",
            vec![id.into(), oem.into(), part.into(), part.into(), engineer.into(), now.into(), tier.into()]).await;
    }
    for (id, product) in [(pcba_package, pcba_product), (box_package, box_product)] {
        exec(db, "INSERT INTO npi_packages (id, product_id, oem_id, ems_id, revision, ipc_class, quantities, notes, status, content_hash, first_submitted_at, previous_package_id, created_by, created_at, updated_at) \
                  VALUES (?, ?, ?, ?, 'A', 'CLASS_2', '', '', 'ACCEPTED', NULL, ?, NULL, ?, ?, ?)",
            vec![id.into(), product.into(), oem.into(), ems.into(), now.into(), engineer.into(), now.into(), now.into()]).await;
    }
    exec(db, "INSERT INTO box_bom_lines (id, package_id, position, kind, child_product_id, child_revision, part_number, description, quantity, file_name, firmware_version) \
              VALUES (?, ?, 'PCBA', 'SUBASSEMBLY', ?, 'A', 'BENCH-PCBA', '', 1, NULL, NULL)",
        vec![Uuid::now_v7().into(), box_package.into(), pcba_product.into()]).await;
    for (id, package, product) in [
        (pcba_build, pcba_package, pcba_product),
        (box_build, box_package, box_product),
    ] {
        exec(db, "INSERT INTO builds (id, package_id, product_id, oem_id, ems_id, phase, quantity, due_date, status, created_by, created_at, updated_at) \
                  VALUES (?, ?, ?, ?, ?, 'PRODUCTION', ?, ?, 'SHIPPED', ?, ?, ?)",
            vec![id.into(), package.into(), product.into(), oem.into(), ems.into(), (n.min(1_000_000) as i32).into(), today.into(), pm.into(), now.into(), now.into()]).await;
        exec(db, "INSERT INTO build_stations (id, build_id, position, kind, name) VALUES (?, ?, 0, 'FCT', 'FCT')",
            vec![Uuid::now_v7().into(), id.into()]).await;
    }
    let shipment = Uuid::now_v7();
    exec(db, "INSERT INTO shipments (id, build_id, destination, carrier, tracking_number, shipped_at) VALUES (?, ?, '3PL Reno', 'UPS', '1Z-BENCH', ?)",
        vec![shipment.into(), box_build.into(), now.into()]).await;
    for lot in 0..100 {
        exec(db, "INSERT INTO component_lots (id, ems_id, mpn, manufacturer, lot_code, date_code, reel_id, quantity, supplier, received_at) VALUES (?, ?, 'BENCH-CAP', 'Maker', ?, '2446', ?, 1000000, '', ?)",
            vec![Uuid::now_v7().into(), ems.into(), format!("LOT-{lot}").into(), format!("BENCH-REEL-{lot}").into(), now.into()]).await;
    }
    let (with, from, fresh) = generator(backend, n);
    let started = Instant::now();
    // Boxes (shipped), then boards paired with them by serial number: each board names the box
    // it sits in (`parent_unit_id`, read through the (build, serial) index), and the
    // installation rows are written from that.
    for (build, prefix, shipped) in [(box_build, "B", true), (pcba_build, "P", false)] {
        let serial_of = |prefix: &str| match backend {
            DatabaseBackend::Postgres => format!("'{prefix}-' || lpad(i::text, 7, '0')"),
            _ => format!("printf('{prefix}-%07d', i)"),
        };
        let serial = serial_of(prefix);
        let (status, shipped_at, shipment_id) = if shipped {
            ("'SHIPPED'", "?", "?")
        } else {
            ("'COMPLETED'", "NULL", "NULL")
        };
        let mut values: Vec<Value> = vec![build.into(), ems.into(), now.into(), now.into()];
        if shipped {
            values.push(now.into());
            values.push(shipment.into());
        }
        // A board sits in its box, the box being its top unit, shipped.
        let parent = if shipped {
            "NULL, NULL, NULL, NULL".to_owned()
        } else {
            let holder = format!(
                "(SELECT b.id FROM units b WHERE b.build_id = ? AND b.serial = {})",
                serial_of("B")
            );
            values.extend([box_build.into(), box_build.into(), now.into()]);
            format!("{holder}, 'PCBA', {holder}, ?")
        };
        exec(db, &format!(
            "INSERT INTO units (id, build_id, ems_id, serial, status, next_position, failed_ever, created_at, completed_at, shipped_at, shipment_id, parent_unit_id, parent_position, top_unit_id, top_shipped_at) \
             {with}SELECT {fresh}, ?, ?, {serial}, {status}, 1, false, ?, ?, {shipped_at}, {shipment_id}, {parent} FROM {from}"),
            values).await;
    }
    println!("  units: {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    exec(db, &format!(
        "INSERT INTO unit_installations (id, ems_id, parent_id, child_id, position, installed_at, installed_by, removed_at, removed_by, removal_reason) \
         SELECT {fresh}, ?, p.parent_unit_id, p.id, 'PCBA', ?, 'bench', NULL, NULL, NULL \
         FROM units p WHERE p.build_id = ?"),
        vec![ems.into(), now.into(), pcba_build.into()]).await;
    println!("  installations: {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let lot_of = match backend {
        DatabaseBackend::Postgres => {
            "'BENCH-REEL-' || (CAST(substr(p.serial, 3) AS INTEGER) % 100)::text"
        }
        _ => "'BENCH-REEL-' || (CAST(substr(p.serial, 3) AS INTEGER) % 100)",
    };
    exec(db, &format!(
        "INSERT INTO lot_usages (id, lot_id, unit_id, build_id, designator, created_at) \
         SELECT {fresh}, l.id, p.id, p.build_id, 'C1', ? \
         FROM units p JOIN component_lots l ON l.ems_id = ? AND l.reel_id = {lot_of} WHERE p.build_id = ?"),
        vec![now.into(), ems.into(), pcba_build.into()]).await;
    println!("  lot usages: {:.1} s", started.elapsed().as_secs_f64());
    let _ = with;
    // As autovacuum leaves tables some time after a bulk load: planner statistics, and on
    // PostgreSQL the visibility map that lets index-only reads skip the table.
    let settle = match backend {
        DatabaseBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    exec(db, settle, vec![]).await;
}

async fn gql(client: &reqwest::Client, base: &str, token: Option<&str>, query: &str) -> Json {
    let mut request = client
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Json = request
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    body
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn time(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    runs: usize,
) -> (Duration, Json) {
    let answer = gql(client, base, Some(token), query).await;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        gql(client, base, Some(token), query).await;
        times.push(t.elapsed());
    }
    (median(times), answer)
}

/// The two-level trace statement, in the shape the server sends it: the one-level read of the
/// usages and their boards, each board naming the box holding it and whether that shipped.
fn two_level_sql() -> &'static str {
    "SELECT s.unit_id, s.build_id, s.designator, \
       CASE WHEN s.shipped_at IS NULL THEN 0 ELSE 1 END AS shipped, \
       s.parent_unit_id, s.parent_position, s.top_unit_id, \
       CASE WHEN s.top_shipped_at IS NULL THEN 0 ELSE 1 END AS top_shipped \
     FROM (SELECT l.unit_id, l.build_id, l.designator, u.shipped_at, u.parent_unit_id, \
         u.parent_position, u.top_unit_id, u.top_shipped_at \
       FROM lot_usages l JOIN units u ON u.id = l.unit_id \
       WHERE l.lot_id IN (SELECT id FROM component_lots \
         WHERE mpn = 'BENCH-CAP' AND lot_code = 'LOT-42')) AS s"
}

/// The database's plan for the two-level trace (with actual times on PostgreSQL).
async fn print_plan(db: &TestDb) {
    let conn = Database::connect(&db.url).await.expect("connect");
    let backend = conn.get_database_backend();
    let explain = if db.is_postgres() {
        "EXPLAIN (ANALYZE, BUFFERS)"
    } else {
        "EXPLAIN QUERY PLAN"
    };
    let climb = two_level_sql();
    // In a transaction, so that PostgreSQL runs it as the server's connections do: JIT off.
    let txn = conn.begin().await.expect("begin");
    if db.is_postgres() {
        txn.execute_unprepared("SET LOCAL jit = off")
            .await
            .expect("jit off");
    }
    let rows = txn
        .query_all_raw(Statement::from_string(
            backend,
            format!("{explain} {climb}"),
        ))
        .await
        .expect("explain");
    txn.commit().await.expect("commit");
    println!("plan of the two-level trace:");
    for row in rows {
        let line: Vec<String> = (0..4)
            .filter_map(|i| {
                row.try_get_by_index::<String>(i)
                    .ok()
                    .or_else(|| row.try_get_by_index::<i64>(i).ok().map(|v| v.to_string()))
            })
            .collect();
        println!("    {}", line.join(" | "));
    }
}

#[tokio::main]
async fn main() {
    let boxes: u64 = std::env::var("FIRSTPASS_BENCH_BOXES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let db = TestDb::new().await;
    let backend = if db.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let fp = Firstpass::new(&db);
    let seeded = fp.run(&["demo-data"], "");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let conn = Database::connect(&db.url).await.expect("connect");
    let started = Instant::now();
    println!("box-trace[{backend}]: generating {boxes} PCBAs in {boxes} boxes");
    generate(&conn, boxes).await;
    println!(
        "box-trace[{backend}]: generated {} units, {boxes} installations, {boxes} lot usages in {:.1} s",
        2 * boxes,
        started.elapsed().as_secs_f64()
    );
    conn.close().await.ok();

    let server = fp.serve();
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let login = gql(&client, &base, None, "mutation { login(email: \"pm@northwind.example\", password: \"firstpass-demo\") { accessToken } }").await;
    let pm = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();

    let one = "{ traceComponent(mpn: \"BENCH-CAP\", lotCode: \"LOT-42\") { totalUnits byBuild { units shipped } } }";
    let two = "{ traceComponent(mpn: \"BENCH-CAP\", lotCode: \"LOT-42\") { totalTopLevelUnits topLevelShipped } }";
    let climb_only =
        "{ traceComponent(mpn: \"BENCH-CAP\", lotCode: \"LOT-42\") { totalTopLevelUnits } }";
    let page = "{ traceComponent(mpn: \"BENCH-CAP\", lotCode: \"LOT-42\") { topLevelUnits(first: 100) { edges { node { serial shipment { trackingNumber } paths { text } } } } } }";
    let runs = 11;
    let (one_time, one_answer) = time(&client, &base, &pm, one, runs).await;
    let (two_time, two_answer) = time(&client, &base, &pm, two, runs).await;
    let (page_time, page_answer) = time(&client, &base, &pm, page, runs).await;
    let (climb_time, _) = time(&client, &base, &pm, climb_only, runs).await;
    println!(
        "box-trace[{backend}]: totalTopLevelUnits alone: median {:.1} ms",
        climb_time.as_secs_f64() * 1000.0
    );
    print_plan(&db).await;
    let boards = one_answer["data"]["traceComponent"]["totalUnits"]
        .as_i64()
        .unwrap_or(0);
    let tops = two_answer["data"]["traceComponent"]["totalTopLevelUnits"]
        .as_i64()
        .unwrap_or(0);
    assert_eq!(boards, tops, "every affected board sits in one box");
    let example = page_answer["data"]["traceComponent"]["topLevelUnits"]["edges"][0]["node"]
        ["paths"][0]["text"]
        .clone();
    println!(
        "box-trace[{backend}]: one level (lot → {boards} PCBAs): median {:.1} ms over {runs} calls",
        one_time.as_secs_f64() * 1000.0
    );
    println!("box-trace[{backend}]: two levels (lot → PCBA → {tops} boxes): median {:.1} ms over {runs} calls", two_time.as_secs_f64() * 1000.0);
    println!(
        "box-trace[{backend}]: first page of 100 boxes with paths: median {:.1} ms, e.g. {example}",
        page_time.as_secs_f64() * 1000.0
    );
    println!(
        "box-trace[{backend}]: two levels / one level = {:.2}",
        two_time.as_secs_f64() / one_time.as_secs_f64()
    );
    // Keep the generated SQLite database for a closer look, when asked to.
    if let Some(to) = std::env::var_os("FIRSTPASS_BENCH_KEEP_DB") {
        if !db.is_postgres() {
            let from = db.dir().join("firstpass.db");
            std::fs::copy(from, &to).expect("copy the database");
            println!(
                "box-trace[{backend}]: database kept at {}",
                to.to_string_lossy()
            );
        }
    }
}
