//! CFX from the broker: the `firstpass` binary consuming `UnitsTested` messages from a queue of
//! the local RabbitMQ (AMQP 1.0), killed (SIGKILL) in the middle of the stream and started
//! again, records every message exactly once. Needs the broker's AMQP 1.0 plugin
//! (`.ci/run` enables it); skipped without a broker unless `FIRSTPASS_REQUIRE_BROKER=1`.

use firstpass_e2e::cfx::{
    broker_or_skip, drain, fresh_queue, plant, publish, units_tested, BROKER_URL,
};
use firstpass_e2e::{Firstpass, TestDb};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::Value;
use std::time::{Duration, Instant};

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

/// Waits until `sql` counts at least `target`, at most `limit`; the last count.
async fn wait_for(db: &DatabaseConnection, sql: &str, target: i64, limit: Duration) -> i64 {
    let deadline = Instant::now() + limit;
    loop {
        let n = count(db, sql).await;
        if n >= target || Instant::now() >= deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

const MESSAGES: usize = 10_000;
const HANDLE: &str = "northwind.line1.ict";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_units_tested_are_recorded_once_each_when_the_consumer_is_killed_midway() {
    if !broker_or_skip("the CFX broker test").await {
        return;
    }
    let db = TestDb::new().await;
    let fp = Firstpass::new(&db);
    let seeded = fp.run(&["demo-data", "--scale", "10"], "");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let client = reqwest::Client::new();
    let plant = {
        let server = fp.serve();
        plant(&client, &server.base, MESSAGES, "ICT", "AMQ", HANDLE).await
    };
    let queue = fresh_queue("exactly-once");
    let messages: Vec<Value> = plant
        .serials
        .iter()
        .enumerate()
        .map(|(n, serial)| units_tested(&format!("amqp-once-{n:05}"), HANDLE, serial))
        .collect();
    publish(&queue, &messages).await;

    let env = [
        ("FIRSTPASS_CFX_AMQP_URL", BROKER_URL),
        ("FIRSTPASS_CFX_AMQP_ADDRESS", queue.as_str()),
        ("FIRSTPASS_CFX_AMQP_TOKEN", plant.secret.as_str()),
        ("FIRSTPASS_CFX_AMQP_BATCH", "250"),
    ];
    let conn = Database::connect(&db.url).await.expect("connect");
    let stored = "SELECT COUNT(*) FROM cfx_messages";

    // The first consumer is killed once it has taken part of the stream.
    let server = fp.serve_with(&env);
    let at_kill = wait_for(&conn, stored, 1500, Duration::from_secs(180)).await;
    server.kill();
    let after_kill = count(&conn, stored).await;
    assert!(
        (1500..MESSAGES as i64).contains(&after_kill),
        "the consumer is to be killed midway: {at_kill} messages stored when it was killed, {after_kill} after"
    );

    // The second one takes the rest, and what the first left unacknowledged.
    let server = fp.serve_with(&env);
    let done = wait_for(&conn, stored, MESSAGES as i64, Duration::from_secs(300)).await;
    assert_eq!(done, MESSAGES as i64, "every message is stored");
    // Nothing is left on the queue once the consumer has stopped: all were acknowledged.
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(server);
    assert_eq!(
        drain(&queue, Duration::from_secs(2)).await,
        0,
        "queue drained"
    );

    let counts = [
        ("messages", stored.to_owned(), MESSAGES as i64),
        (
            "distinct UniqueIDs",
            "SELECT COUNT(DISTINCT unique_id) FROM cfx_messages".to_owned(),
            MESSAGES as i64,
        ),
        (
            "applied messages",
            "SELECT COUNT(*) FROM cfx_messages WHERE status = 'APPLIED' AND attempts = 1".to_owned(),
            MESSAGES as i64,
        ),
        (
            "station results",
            "SELECT COUNT(*) FROM station_events WHERE idempotency_key LIKE 'cfx:amqp-once-%'"
                .to_owned(),
            MESSAGES as i64,
        ),
        (
            "units with a result",
            "SELECT COUNT(DISTINCT unit_id) FROM station_events WHERE idempotency_key LIKE 'cfx:amqp-once-%'"
                .to_owned(),
            MESSAGES as i64,
        ),
        (
            "test steps",
            "SELECT COUNT(*) FROM test_steps t JOIN station_events e ON e.id = t.station_event_id \
             WHERE e.idempotency_key LIKE 'cfx:amqp-once-%'"
                .to_owned(),
            2 * MESSAGES as i64,
        ),
        (
            "completed units",
            "SELECT COUNT(*) FROM units WHERE serial LIKE 'AMQ-%' AND status = 'COMPLETED'".to_owned(),
            MESSAGES as i64,
        ),
    ];
    for (what, sql, expected) in counts {
        assert_eq!(count(&conn, &sql).await, expected, "{what}: {sql}");
    }
}
