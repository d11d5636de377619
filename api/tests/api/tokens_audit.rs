//! API tokens as integrations use them, and the audit trail every mutation leaves.

use crate::harness::{who, TestApp};
use serde_json::json;

const CREATE: &str = "mutation($name: String!, $scopes: [Scope!]!, $exp: DateTime) {
  createApiToken(name: $name, scopes: $scopes, expiresAt: $exp) { secret token { id name scopes lastUsedAt } } }";

#[tokio::test]
async fn an_api_token_acts_for_its_organization_until_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.token(who::EMS_ADMIN).await;
    let created = app
        .gql(
            Some(&admin),
            CREATE,
            json!({"name": "MES line 1", "scopes": ["READ", "WRITE"]}),
        )
        .await;
    let created = created.data()["createApiToken"].clone();
    let secret = created["secret"].as_str().expect("secret");
    assert!(secret.starts_with("fpat_"));
    assert_eq!(created["token"]["scopes"], json!(["READ", "WRITE"]));
    assert!(created["token"]["lastUsedAt"].is_null());

    // The token reads its organization's data, and only that.
    let users = app
        .gql(Some(secret), "{ users { email } }", json!({}))
        .await;
    let emails = users.data()["users"].to_string();
    assert!(
        emails.contains("northwind.example") && !emails.contains("acme.example"),
        "{emails}"
    );

    // The secret is never listed again, and its use is recorded.
    let listed = app
        .gql(
            Some(&admin),
            "{ apiTokens { id name lastUsedAt } }",
            json!({}),
        )
        .await;
    let listed = listed.data()["apiTokens"].clone();
    assert!(!listed.to_string().contains(secret));
    assert!(listed[0]["lastUsedAt"].is_string(), "{listed}");

    let revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }";
    let revoked = app
        .gql(Some(&admin), revoke, json!({"id": created["token"]["id"]}))
        .await;
    assert!(revoked.data()["revokeApiToken"]["revokedAt"].is_string());
    assert_eq!(
        app.gql(Some(secret), "{ users { email } }", json!({}))
            .await
            .code(),
        Some("UNAUTHENTICATED")
    );
}

#[tokio::test]
async fn token_input_is_checked() {
    let app = TestApp::spawn().await;
    let admin = app.token(who::ACME_ADMIN).await;
    let none = app
        .gql(Some(&admin), CREATE, json!({"name": "x", "scopes": []}))
        .await;
    assert_eq!(none.code(), Some("BAD_USER_INPUT"));
    let past = app
        .gql(
            Some(&admin),
            CREATE,
            json!({"name": "x", "scopes": ["READ"], "exp": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(past.code(), Some("BAD_USER_INPUT"));
    let blank = app
        .gql(
            Some(&admin),
            CREATE,
            json!({"name": "  ", "scopes": ["READ"]}),
        )
        .await;
    assert_eq!(blank.code(), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn mutations_leave_an_audit_trail_that_pages() {
    let app = TestApp::spawn().await;
    let admin = app.token(who::ACME_ADMIN).await;
    let create_user = "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }";
    for i in 0..3 {
        let input = json!({"email": format!("p{i}@acme.example"), "fullName": format!("Person {i}"), "role": "OEM_ENGINEER", "password": "a good long password"});
        app.gql(Some(&admin), create_user, json!({"input": input}))
            .await
            .data();
    }
    let duplicate = json!({"email": "p0@acme.example", "fullName": "Again", "role": "OEM_ENGINEER", "password": "a good long password"});
    assert_eq!(
        app.gql(Some(&admin), create_user, json!({"input": duplicate}))
            .await
            .code(),
        Some("CONFLICT")
    );

    let page = "query($after: String) { auditEvents(first: 2, after: $after) {
        pageInfo { hasNextPage endCursor } edges { node { action actor subjectType after requestId } } } }";
    let first = app.gql(Some(&admin), page, json!({})).await;
    let first = first.data()["auditEvents"].clone();
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let newest = &first["edges"][0]["node"];
    assert_eq!(newest["action"], "user.create");
    assert_eq!(newest["actor"], who::ACME_ADMIN);
    assert!(newest["after"]
        .as_str()
        .expect("after")
        .contains("p2@acme.example"));
    assert!(
        !newest["after"].as_str().expect("after").contains("argon2"),
        "no password hash in the trail"
    );
    assert!(newest["requestId"].is_string());

    let mut actions = Vec::new();
    let mut after = first["pageInfo"]["endCursor"].clone();
    for edge in first["edges"].as_array().expect("edges") {
        actions.push(edge["node"]["action"].as_str().expect("action").to_owned());
    }
    loop {
        let next = app.gql(Some(&admin), page, json!({"after": after})).await;
        let next = next.data()["auditEvents"].clone();
        for edge in next["edges"].as_array().expect("edges") {
            actions.push(edge["node"]["action"].as_str().expect("action").to_owned());
        }
        if next["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = next["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        actions.iter().filter(|a| *a == "user.create").count(),
        5,
        "{actions:?}"
    );
    assert!(actions.contains(&"session.login".to_owned()));
    assert!(actions.contains(&"organization.create".to_owned()));

    let too_many = app
        .gql(
            Some(&admin),
            "{ auditEvents(first: 1000) { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(too_many.code(), Some("BAD_USER_INPUT"));
}

const LIMITED: &str = "mutation($name: String!, $scopes: [Scope!]!, $caps: [CapabilityGrantInput!]!, $events: [WebhookEvent!]!) {
  createApiToken(name: $name, scopes: $scopes, capabilities: $caps, events: $events) {
    secret token { scopes capabilities { capability scope } events } } }";

/// Whether `answer` is refused with FORBIDDEN and a message naming `capability`.
fn refused_on(answer: &crate::harness::Gql, capability: &str) -> bool {
    answer.code() == Some("FORBIDDEN")
        && answer.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains(capability))
}

#[tokio::test]
async fn a_token_limited_to_capabilities_and_events_reaches_nothing_else() {
    let app = TestApp::spawn().await;
    app.state.webhooks.set_allow_private(true);
    let admin = app.token(who::EMS_ADMIN).await;
    let package = app.accepted_package("GW-SCOPE").await;
    let pm = app.token(who::EMS_PM).await;
    let build = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 2, "dueDate": "2099-06-30",
                "routing": [{"kind": "SMT_TOP", "name": "SMT"}]}}))
        .await
        .data()["createBuild"]["id"]
        .clone();
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 2, pattern: \"SC-{SEQ:2}\") { serial } }", json!({"b": build}))
        .await
        .data();

    // A WRITE grant needs the WRITE scope too.
    let inconsistent = app
        .gql(
            Some(&admin),
            LIMITED,
            json!({"name": "bad", "scopes": ["READ"],
            "caps": [{"capability": "PRODUCTION", "scope": "WRITE"}], "events": []}),
        )
        .await;
    assert_eq!(
        inconsistent.code(),
        Some("BAD_USER_INPUT"),
        "{}",
        inconsistent.body
    );

    // The MES may write production and read quality, and manage its NCR webhooks.
    let created = app
        .gql(Some(&admin), LIMITED, json!({"name": "MES", "scopes": ["READ", "WRITE"],
            "caps": [{"capability": "PRODUCTION", "scope": "WRITE"}, {"capability": "QUALITY", "scope": "READ"}],
            "events": ["NCR_OPENED", "NCR_CLOSED"]}))
        .await;
    let created = created.data()["createApiToken"].clone();
    assert_eq!(
        created["token"]["capabilities"],
        json!([{"capability": "PRODUCTION", "scope": "WRITE"}, {"capability": "QUALITY", "scope": "READ"}])
    );
    assert_eq!(
        created["token"]["events"],
        json!(["NCR_CLOSED", "NCR_OPENED"])
    );
    let mes = created["secret"].as_str().expect("secret").to_owned();

    // Granted: production reads and writes, quality reads, and what every reader sees.
    let read = app
        .gql(
            Some(&mes),
            "query($b: ID!) { build(id: $b) { units { serial } } ncrs { id } users { email } }",
            json!({"b": build}),
        )
        .await;
    assert_eq!(
        read.data()["build"]["units"].as_array().map(Vec::len),
        Some(2)
    );
    let recorded = app
        .gql(Some(&mes), "mutation { recordStationResult(input: {serial: \"SC-01\", station: \"SMT\", result: PASS}) { unit { status } } }", json!({}))
        .await;
    recorded.data();

    // Not granted: packages (also one step down from a build, and behind a fragment), supply
    // writes, and FAI reads.
    for query in [
        "{ products { pageInfo { hasNextPage } } }",
        "query($b: ID!) { build(id: $b) { package { revision } } }",
        "query { ...Everything } fragment Everything on Query { npiPackages { pageInfo { hasNextPage } } }",
        "query($b: ID!) { build(id: $b) { id ... on Build { package { id } } } }",
    ] {
        let answer = app.gql(Some(&mes), query, json!({"b": build})).await;
        assert!(refused_on(&answer, "PACKAGES"), "{query}: {}", answer.body);
    }
    let supply = app
        .gql(
            Some(&mes),
            "mutation { setAttritionRate(partClass: CHIP_PASSIVE, percent: 0.5) { percent } }",
            json!({}),
        )
        .await;
    assert!(refused_on(&supply, "SUPPLY"), "{}", supply.body);
    let fai = app
        .gql(
            Some(&mes),
            "{ faiReports { pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert!(refused_on(&fai, "FAI"), "{}", fai.body);
    // The same for a plain download.
    let csv = app
        .http
        .get(format!(
            "{}/shipments/{}/asn.csv",
            app.base,
            uuid::Uuid::nil()
        ))
        .bearer_auth(&mes)
        .send()
        .await
        .expect("download");
    assert_eq!(csv.status(), 403);

    // Webhooks: the MES registers its own for the events it was given, and no others; the
    // admin's other endpoints read as missing to it.
    let create = "mutation($e: [WebhookEvent!]!) { createWebhookEndpoint(url: \"http://127.0.0.1:9/mes\", events: $e) { endpoint { id } } }";
    let own = app
        .gql(Some(&mes), create, json!({"e": ["NCR_OPENED"]}))
        .await;
    let own_id = own.data()["createWebhookEndpoint"]["endpoint"]["id"].clone();
    let other = app
        .gql(Some(&mes), create, json!({"e": ["BUILD_CREATED"]}))
        .await;
    assert_eq!(other.code(), Some("FORBIDDEN"), "{}", other.body);
    let admins = app
        .gql(Some(&admin), create, json!({"e": ["BUILD_CREATED"]}))
        .await;
    let admins_id = admins.data()["createWebhookEndpoint"]["endpoint"]["id"].clone();
    let listed = app
        .gql(Some(&mes), "{ webhookEndpoints { id } }", json!({}))
        .await;
    assert_eq!(listed.data()["webhookEndpoints"], json!([{"id": own_id}]));
    let delete = "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }";
    let foreign = app.gql(Some(&mes), delete, json!({"id": admins_id})).await;
    assert_eq!(foreign.code(), Some("NOT_FOUND"), "{}", foreign.body);
    app.gql(Some(&mes), delete, json!({"id": own_id}))
        .await
        .data();

    // A token given no events manages no webhooks; an unlimited token reaches every capability.
    let plain = app
        .gql(
            Some(&admin),
            CREATE,
            json!({"name": "ERP", "scopes": ["READ", "WRITE"]}),
        )
        .await;
    let plain = plain.data()["createApiToken"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let no_hooks = app
        .gql(Some(&plain), create, json!({"e": ["NCR_OPENED"]}))
        .await;
    assert_eq!(no_hooks.code(), Some("FORBIDDEN"), "{}", no_hooks.body);
    let everything = app
        .gql(Some(&plain), "query($b: ID!) { build(id: $b) { package { revision } } products { pageInfo { hasNextPage } } }", json!({"b": build}))
        .await;
    everything.data();
}
