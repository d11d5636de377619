//! Integration throughput: CFX `UnitsTested` messages ingested per second from the broker over
//! AMQP 1.0 and over `POST /cfx` (one message per request, and arrays), and webhook deliveries
//! per second to a local receiver.
//!
//! Starts the built binary on a fresh database (SQLite, or PostgreSQL with `TEST_DATABASE_URL`)
//! with private webhook addresses allowed, plans one-station builds of
//! `FIRSTPASS_BENCH_MESSAGES` units each (default 2,000), then
//! - publishes one `UnitsTested` message per unit (two test steps each) to a fresh queue of the
//!   local RabbitMQ, starts the server with the consumer on it, and times until all are recorded
//!   (skipped, saying so, without a broker);
//! - posts one message per unit, 16 requests in flight;
//! - posts them in arrays of 500, 2 requests in flight;
//! - records a FAIL for every unit, so each unit's UNIT_FAILED and UNIT_HELD events go to a
//!   registered endpoint, and times until the receiver has them all.
//!
//! Every wait is bounded (10 minutes), so the benchmark ends even when something stalls.
//!
//! `cargo bench -p firstpass-e2e --bench integrations` (use a release binary for representative
//! figures: `FIRSTPASS_BIN=target/release/firstpass`).

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use firstpass_e2e::cfx::{
    broker_ready, fresh_queue, gql, plant, publish, sign_in, units_tested, BROKER_URL,
};
use firstpass_e2e::{Firstpass, TestDb};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

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

/// Waits until `sql` counts `target`, at most 10 minutes; the count and the time taken.
async fn wait_for_count(db: &DatabaseConnection, sql: &str, target: i64) -> (i64, Duration) {
    let started = Instant::now();
    loop {
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect("query")
            .expect("row");
        let n: i64 = row.try_get_by_index(0).expect("count");
        if n >= target || started.elapsed() > Duration::from_secs(600) {
            return (n, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn rate(what: &str, count: usize, elapsed: Duration) {
    println!(
        "{what}: {count} in {:.2} s = {:.0}/s",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64()
    );
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
    let client = reqwest::Client::new();
    let conn = Database::connect(&db.url).await.expect("connect");
    let broker = broker_ready().await;

    // Plants for every phase, set up before the consumer's server starts.
    let (amqp_plant, single, arrays, hooks) = {
        let server = fp.serve();
        let base = server.base.clone();
        (
            plant(&client, &base, count, "ICT", "CFXA", "bench.amqp").await,
            plant(&client, &base, count, "ICT", "CFXS", "bench.single").await,
            plant(&client, &base, count, "ICT", "CFXB", "bench.arrays").await,
            plant(&client, &base, count, "FCT", "WHB", "bench.hooks").await,
        )
    };

    // CFX from the broker: the queue holds every message before the consumer starts.
    let queue = fresh_queue("bench");
    let mut env = vec![("FIRSTPASS_WEBHOOK_ALLOW_PRIVATE", "true".to_owned())];
    match &broker {
        Ok(()) => {
            let messages: Vec<Value> = amqp_plant
                .serials
                .iter()
                .enumerate()
                .map(|(n, s)| units_tested(&format!("bench-amqp-{n}"), "bench.amqp", s))
                .collect();
            publish(&queue, &messages).await;
            env.extend([
                ("FIRSTPASS_CFX_AMQP_URL", BROKER_URL.to_owned()),
                ("FIRSTPASS_CFX_AMQP_ADDRESS", queue.clone()),
                ("FIRSTPASS_CFX_AMQP_TOKEN", amqp_plant.secret.clone()),
            ]);
        }
        Err(why) => println!(
            "cfx over AMQP[{backend}]: skipped, no AMQP 1.0 broker at 127.0.0.1:5672 ({why})"
        ),
    }
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = fp.serve_with(&env_refs);
    let base = server.base.clone();
    if broker.is_ok() {
        let counted = "SELECT COUNT(*) FROM cfx_messages WHERE unique_id LIKE 'bench-amqp-%'";
        let (first, to_first) = wait_for_count(&conn, counted, 1).await;
        let (done, after_first) = wait_for_count(&conn, counted, count as i64).await;
        assert_eq!(done, count as i64, "every message from the broker recorded");
        rate(
            &format!("cfx over AMQP[{backend}]: UnitsTested messages (one unit and two steps each; from server start, batches of up to 500)"),
            count,
            to_first + after_first,
        );
        rate(
            &format!("cfx over AMQP[{backend}]: the same, from the first batch stored to the last"),
            count - first as usize,
            after_first,
        );
    }

    // CFX over HTTP: one message per request, 16 in flight.
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (n, serial) in single.serials.iter().enumerate() {
        while tasks.len() >= 16 {
            tasks.join_next().await.expect("task").expect("join");
        }
        let (client, base, secret, message) = (
            client.clone(),
            base.clone(),
            single.secret.clone(),
            units_tested(&format!("bench-single-{n}"), "bench.single", serial),
        );
        tasks.spawn(async move {
            let answer: Value = client
                .post(format!("{base}/cfx"))
                .bearer_auth(&secret)
                .timeout(Duration::from_secs(60))
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
    rate(
        &format!(
            "cfx over POST /cfx[{backend}]: UnitsTested messages (one per request, 16 in flight)"
        ),
        count,
        started.elapsed(),
    );

    // CFX over HTTP: arrays of 500, 2 in flight.
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let messages: Vec<Value> = arrays
        .serials
        .iter()
        .enumerate()
        .map(|(n, s)| units_tested(&format!("bench-array-{n}"), "bench.arrays", s))
        .collect();
    for chunk in messages.chunks(500) {
        while tasks.len() >= 2 {
            tasks.join_next().await.expect("task").expect("join");
        }
        let (client, base, secret, batch) = (
            client.clone(),
            base.clone(),
            arrays.secret.clone(),
            Value::Array(chunk.to_vec()),
        );
        tasks.spawn(async move {
            let answers: Value = client
                .post(format!("{base}/cfx"))
                .bearer_auth(&secret)
                .timeout(Duration::from_secs(120))
                .json(&batch)
                .send()
                .await
                .expect("send")
                .json()
                .await
                .expect("json");
            let answers = answers.as_array().expect("answers");
            assert!(
                answers.iter().all(|a| a["status"] == "APPLIED"),
                "{answers:?}"
            );
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("join");
    }
    rate(
        &format!(
            "cfx over POST /cfx[{backend}]: UnitsTested messages (arrays of 500, 2 in flight)"
        ),
        count,
        started.elapsed(),
    );

    // Webhooks: two events per failed unit to one endpoint.
    let received = Arc::new(AtomicUsize::new(0));
    let url = receiver(received.clone()).await;
    gql(&client, &base, Some(&hooks.admin),
        "mutation($u: String!) { createWebhookEndpoint(url: $u, events: [UNIT_FAILED, UNIT_HELD]) { secret } }",
        json!({"u": url})).await;
    let operator = sign_in(&client, &base, "operator@northwind.example").await;
    let started = Instant::now();
    for chunk in hooks.serials.chunks(1000) {
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
    let got = received.load(Ordering::SeqCst);
    rate(
        &format!("webhooks[{backend}]: deliveries ({got} of {expected}; recording included)"),
        got,
        started.elapsed(),
    );
    drop(server);
}
