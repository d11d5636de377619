//! Peak memory of the server while it takes a 200 MB upload.
//!
//! Starts the built `firstpass` binary on a fresh database, uploads one 200 MB file to a
//! package through the GraphQL multipart endpoint, and reports the server's peak resident set
//! size (`VmHWM` from /proc) before and after, with the upload's throughput. Run with
//! `cargo bench -p firstpass-e2e --bench upload_memory` (after building the binary in release
//! mode for representative figures: `FIRSTPASS_BIN=target/release/firstpass`).

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use firstpass_e2e::{Firstpass, TestDb};
use serde_json::{json, Value};
use std::time::Instant;

const SIZE: usize = 200 * 1000 * 1000;

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

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
    request
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

#[tokio::main]
async fn main() {
    let db = TestDb::new().await;
    let fp = Firstpass::new(&db);
    assert!(fp.run(&["demo-data"], "").status.success());
    let server = fp.serve_with(&[
        ("FIRSTPASS_MAX_FILE_BYTES", "250000000"),
        ("FIRSTPASS_MAX_UPLOAD_BYTES", "300000000"),
    ]);
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let login = gql(&client, &base, None, "mutation { login(email: \"engineer@acme.example\", password: \"firstpass-demo\") { accessToken } }", json!({})).await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let me = gql(
        &client,
        &base,
        Some(&token),
        "{ me { organization { partners { id } } } }",
        json!({}),
    )
    .await;
    let ems = me["data"]["me"]["organization"]["partners"][0]["id"].clone();
    let product = gql(
        &client,
        &base,
        Some(&token),
        "mutation { createProduct(input: {partNumber: \"BENCH-1\", name: \"Bench\"}) { id } }",
        json!({}),
    )
    .await;
    let package = gql(
        &client,
        &base,
        Some(&token),
        "mutation($i: CreateNpiPackageInput!) { createNpiPackage(input: $i) { id } }",
        json!({"i": {"productId": product["data"]["createProduct"]["id"], "revision": "A", "emsOrganizationId": ems, "ipcClass": "CLASS_2"}}),
    )
    .await;
    let package_id = package["data"]["createNpiPackage"]["id"]
        .as_str()
        .expect("package")
        .to_owned();
    let before = peak_rss_kib(server.pid());

    // Incompressible content, as a drawing set or a 3D model would be.
    let mut content = vec![0u8; SIZE];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for chunk in content.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        for (b, v) in chunk.iter_mut().zip(state.to_le_bytes()) {
            *b = v;
        }
    }
    let operations = json!({
        "query": "mutation($id: ID!, $f: [Upload!]!) { uploadPackageFiles(packageId: $id, files: $f) { files { sizeBytes } } }",
        "variables": {"id": package_id, "f": [null]},
    });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({"0": ["variables.f.0"]}).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(content).file_name("assembly-drawings.pdf"),
        );
    let started = Instant::now();
    let response: Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("json");
    let elapsed = started.elapsed();
    assert_eq!(
        response["data"]["uploadPackageFiles"]["files"][0]["sizeBytes"], SIZE,
        "{response}"
    );
    let after = peak_rss_kib(server.pid());
    println!(
        "upload_memory: 200 MB upload in {:.2} s ({:.0} MB/s); server peak RSS {:.1} MiB before, {:.1} MiB after ({} database)",
        elapsed.as_secs_f64(),
        SIZE as f64 / 1e6 / elapsed.as_secs_f64(),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        if db.is_postgres() { "PostgreSQL" } else { "SQLite" }
    );
}
