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
