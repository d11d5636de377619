//! The request path as an outside client meets it: cost limits, clean text, live credentials on
//! sockets, GraphQL over HTTP, security headers, request ids and HTTP error statuses.

use crate::harness::{who, TestApp, TEST_SECRET};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a graphql-transport-ws socket, without `connection_init`.
async fn open_socket(app: &TestApp) -> Socket {
    let url = format!("{}/graphql/ws", app.base.replace("http://", "ws://"));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            url.as_str(),
        )
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .expect("connect")
        .0
}

/// Opens a socket and initializes it with a bearer credential.
async fn init_socket(app: &TestApp, bearer: &str) -> Socket {
    let mut socket = open_socket(app).await;
    send(
        &mut socket,
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {bearer}")}}),
    )
    .await;
    let ack = next_json(&mut socket).await.expect("ack");
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

/// The next JSON message (pings skipped), or `None` when the socket closed (10 s at most).
async fn next_json(socket: &mut Socket) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("a message in time");
        match message {
            Some(Ok(Message::Text(text))) => {
                let body: Value = serde_json::from_str(&text).expect("json");
                if body["type"] == "ping" || body["type"] == "pong" {
                    continue;
                }
                return Some(body);
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// Runs one operation on the socket and returns its first `next` or `error` message.
async fn socket_operation(socket: &mut Socket, id: &str, query: &str) -> Value {
    send(
        socket,
        json!({"id": id, "type": "subscribe", "payload": {"query": query}}),
    )
    .await;
    loop {
        let message = next_json(socket).await.expect("an answer");
        if message["id"] == id && message["type"] != "complete" {
            return message;
        }
    }
}

fn first_code(message: &Value) -> String {
    let errors = if message["type"] == "error" {
        &message["payload"]
    } else {
        &message["payload"]["errors"]
    };
    errors[0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn fragment_fan_out_is_refused_before_execution() {
    let app = TestApp::spawn().await;
    let mut query = String::from("fragment F0 on User { id email }\n");
    for level in 1..=28 {
        let previous = level - 1;
        query.push_str(&format!(
            "fragment F{level} on User {{ ...F{previous} ...F{previous} }}\n"
        ));
    }
    query.push_str("query { me { ...F28 } }");
    assert!(query.len() < 1_500, "the probe is about 1 KB");
    let started = Instant::now();
    let answer = app.gql(None, &query, json!({})).await;
    let took = started.elapsed();
    assert_eq!(answer.code(), Some("BAD_USER_INPUT"), "{}", answer.body);
    assert!(
        answer.body.to_string().contains("fragments are expanded"),
        "{}",
        answer.body
    );
    // Not a timing assertion on speed, only that it did not run for minutes as it used to.
    assert!(took < Duration::from_secs(5), "refused after {took:?}");
    // The server is free for others at once.
    let health = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("healthz");
    assert!(health.status().is_success());
}

#[tokio::test]
async fn field_suggestions_are_off() {
    let app = TestApp::spawn().await;
    let answer = app.gql(None, "{ mee { id } }", json!({})).await;
    assert_eq!(answer.code(), Some("BAD_USER_INPUT"));
    assert!(
        !answer.body.to_string().contains("Did you mean"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn nul_and_control_characters_are_refused_as_bad_input() {
    let app = TestApp::spawn().await;
    // Anonymous login with a NUL in a variable and in a literal.
    let login = "mutation($e: String!) { login(email: $e, password: \"whatever-password\") { accessToken } }";
    let answer = app
        .gql(None, login, json!({"e": "engineer\u{0}@acme.example"}))
        .await;
    assert_eq!(answer.code(), Some("BAD_USER_INPUT"), "{}", answer.body);
    let literal = r#"mutation { login(email: "a\u0000b@acme.example", password: "whatever-password") { accessToken } }"#;
    let answer = app.gql(None, literal, json!({})).await;
    assert_eq!(answer.code(), Some("BAD_USER_INPUT"), "{}", answer.body);

    // A product name with a control character is refused and nothing is stored.
    let engineer = app.token(who::ACME_ENGINEER).await;
    let create = "mutation($i: CreateProductInput!) { createProduct(input: $i) { id name } }";
    let answer = app
        .gql(
            Some(&engineer),
            create,
            json!({"i": {"partNumber": "GW-BELL", "name": "Gateway\u{7}"}}),
        )
        .await;
    assert_eq!(answer.code(), Some("BAD_USER_INPUT"), "{}", answer.body);
    let products = app
        .gql(
            Some(&engineer),
            "{ products(first: 50) { edges { node { partNumber } } } }",
            json!({}),
        )
        .await;
    assert!(
        !products.data().to_string().contains("GW-BELL"),
        "{}",
        products.body
    );
}

#[tokio::test]
async fn sockets_without_connection_init_are_closed() {
    let app = TestApp::spawn().await;
    let mut socket = open_socket(&app).await;
    let started = Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the socket stayed open");
    assert!(started.elapsed() >= Duration::from_secs(9));
}

#[tokio::test]
async fn a_deactivated_user_is_refused_on_an_open_socket_and_loses_subscriptions() {
    let app = TestApp::spawn().await;
    let admin = app.token(who::ACME_ADMIN).await;
    let engineer_login = app.login_payload(who::ACME_ENGINEER).await;
    let engineer = engineer_login["accessToken"].as_str().expect("token");
    let engineer_id = engineer_login["user"]["id"].as_str().expect("id");

    let mut socket = init_socket(&app, engineer).await;
    let me = socket_operation(&mut socket, "1", "{ me { email } }").await;
    assert_eq!(me["type"], "next", "{me}");
    assert_eq!(me["payload"]["data"]["me"]["email"], who::ACME_ENGINEER);

    // A live subscription on a build the engineer may see.
    let pm = app.token(who::EMS_PM).await;
    let package = app.accepted_package("GW-SOCKET").await;
    let build = app
        .gql(
            Some(&pm),
            "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 2, "dueDate": "2099-12-31",
                "routing": [{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "AOI", "name": "AOI"}]}}),
        )
        .await
        .data()["createBuild"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    send(
        &mut socket,
        json!({"id": "sub", "type": "subscribe", "payload": {"query": format!("subscription {{ buildUpdated(buildId: \"{build}\") {{ id }} }}")}}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let deactivated = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
            json!({"id": engineer_id}),
        )
        .await;
    assert_eq!(deactivated.data()["deactivateUser"]["active"], false);

    // The next change to the build ends the subscription instead of reaching the user.
    app.gql(
        Some(&pm),
        "mutation($b: ID!) { serializeUnits(buildId: $b, pattern: \"SOCK-{SEQ:2}\", count: 2) { serial } }",
        json!({"b": build}),
    )
    .await
    .data();
    let ended = loop {
        let message = next_json(&mut socket).await.expect("a message");
        if message["id"] == "sub" {
            break message;
        }
    };
    assert!(
        ended["payload"]["data"].is_null(),
        "an update reached a deactivated user: {ended}"
    );
    assert_eq!(first_code(&ended), "UNAUTHENTICATED", "{ended}");
    let complete = next_json(&mut socket).await.expect("complete");
    assert_eq!(complete["type"], "complete", "{complete}");

    // And a new operation on the same socket is refused.
    let refused = socket_operation(&mut socket, "2", "{ me { email } }").await;
    assert_eq!(first_code(&refused), "UNAUTHENTICATED", "{refused}");
}

#[tokio::test]
async fn a_revoked_api_token_and_an_expired_jwt_are_refused_on_an_open_socket() {
    let app = TestApp::spawn().await;
    let admin = app.token(who::ACME_ADMIN).await;
    let created = app
        .gql(
            Some(&admin),
            "mutation { createApiToken(name: \"erp\", scopes: [READ]) { secret token { id } } }",
            json!({}),
        )
        .await;
    let secret = created.data()["createApiToken"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let token_id = created.data()["createApiToken"]["token"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut socket = init_socket(&app, &secret).await;
    let ok = socket_operation(&mut socket, "1", "{ products(first: 1) { totalCount } }").await;
    assert_eq!(ok["type"], "next", "{ok}");
    app.gql(
        Some(&admin),
        "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }",
        json!({"id": token_id}),
    )
    .await
    .data();
    let refused = socket_operation(&mut socket, "2", "{ products(first: 1) { totalCount } }").await;
    assert_eq!(first_code(&refused), "UNAUTHENTICATED", "{refused}");

    // A JWT that expires two seconds from now, signed with the server's secret.
    let login = app.login_payload(who::ACME_ENGINEER).await;
    let user_id = login["user"]["id"].as_str().expect("id");
    let me = app
        .gql(
            Some(login["accessToken"].as_str().expect("token")),
            "{ me { organization { id } } }",
            json!({}),
        )
        .await;
    let org_id = me.data()["me"]["organization"]["id"].as_str().expect("org");
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": user_id, "org": org_id, "iss": "firstpass", "aud": "firstpass-api",
        "iat": now, "exp": now + 2, "jti": uuid::Uuid::new_v4()});
    let short = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(TEST_SECRET),
    )
    .expect("encode");
    let mut socket = init_socket(&app, &short).await;
    let ok = socket_operation(&mut socket, "1", "{ me { email } }").await;
    assert_eq!(ok["type"], "next", "{ok}");
    // Past `exp` and the 5 s leeway.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let refused = socket_operation(&mut socket, "2", "{ me { email } }").await;
    assert_eq!(first_code(&refused), "UNAUTHENTICATED", "{refused}");
}

async fn post(app: &TestApp, headers: &[(&str, &str)], body: &str) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}/graphql", app.base))
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("send")
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn graphql_over_http_rules() {
    let app = TestApp::spawn().await;
    let good = r#"{"query":"{ __typename }"}"#;
    let json_type = ("content-type", "application/json");

    // No Accept, or */*: application/json.
    for accept in [None, Some("*/*")] {
        let mut headers = vec![json_type];
        if let Some(accept) = accept {
            headers.push(("accept", accept));
        }
        let response = post(&app, &headers, good).await;
        assert_eq!(response.status(), 200);
        assert!(content_type(&response).starts_with("application/json"));
    }
    // Accepting the GraphQL response type gets it.
    let response = post(
        &app,
        &[json_type, ("accept", "application/graphql-response+json")],
        good,
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("application/graphql-response+json"));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["__typename"], "Query");
    // Weights decide.
    let response = post(
        &app,
        &[
            json_type,
            (
                "accept",
                "application/graphql-response+json;q=0.5, application/json",
            ),
        ],
        good,
    )
    .await;
    assert!(content_type(&response).starts_with("application/json"));
    // Nothing acceptable: 406.
    let response = post(&app, &[json_type, ("accept", "text/html")], good).await;
    assert_eq!(response.status(), 406);

    // A POST without a content type, or with text/plain, is refused with a 4xx.
    let response = post(&app, &[], good).await;
    assert_eq!(response.status(), 415);
    assert!(content_type(&response).starts_with("application/json"));
    let response = post(&app, &[("content-type", "text/plain")], good).await;
    assert_eq!(response.status(), 415);

    // With application/graphql-response+json: parse, validation and variable-coercion
    // failures are 400 without `data`.
    let graphql_response = [json_type, ("accept", "application/graphql-response+json")];
    for body in [
        r#"{"query":"{ __typename "}"#,
        r#"{"query":"{ noSuchField }"}"#,
        r#"{"query":"query($n: Int!) { products(first: $n) { totalCount } }","variables":{"n":"many"}}"#,
        r#"{"query": 5}"#,
        "not json",
    ] {
        let response = post(&app, &graphql_response, body).await;
        assert_eq!(response.status(), 400, "{body}");
        assert!(content_type(&response).starts_with("application/graphql-response+json"));
        let answer: Value = response.json().await.expect("json");
        assert!(answer.get("data").is_none(), "{body}: {answer}");
        assert!(answer["errors"][0]["message"].is_string(), "{answer}");
    }
    // With application/json the same validation failure is a 200 with errors.
    let response = post(&app, &[json_type], r#"{"query":"{ noSuchField }"}"#).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("json");
    assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // A field error during execution is a 200 with data under either type.
    let response = post(&app, &graphql_response, r#"{"query":"{ me { email } }"}"#).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("json");
    assert!(answer.get("data").is_some(), "{answer}");
    assert_eq!(answer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn security_headers_and_request_ids() {
    let app = TestApp::spawn().await;
    for path in ["/graphql", "/healthz", "/"] {
        let response = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("get");
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        let policy = headers["content-security-policy"].to_str().expect("ascii");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
    }

    // A well-formed client id is kept; a malformed one is replaced.
    let kept = app
        .http
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "erp-sync-42")
        .send()
        .await
        .expect("get");
    assert_eq!(kept.headers()["x-request-id"], "erp-sync-42");
    let malformed = "evil\tid {\"injected\": true} ".repeat(4);
    let replaced = app
        .http
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", malformed.as_str())
        .send()
        .await
        .expect("get");
    let id = replaced.headers()["x-request-id"].to_str().expect("ascii");
    assert_ne!(id, malformed);
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
}

#[tokio::test]
async fn plain_http_routes_answer_the_error_policy_statuses() {
    let app = TestApp::spawn().await;
    let engineer = app.token(who::ACME_ENGINEER).await;
    let missing = uuid::Uuid::new_v4();
    let get = |path: String, bearer: Option<&str>| {
        let mut request = app.http.get(format!("{}{path}", app.base));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let anonymous = get(format!("/files/{missing}"), None).await.expect("get");
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.expect("json");
    assert_eq!(body["code"], "UNAUTHENTICATED");
    let not_found = get(format!("/files/{missing}"), Some(&engineer))
        .await
        .expect("get");
    assert_eq!(not_found.status(), 404);
    let pdf = get(format!("/fai/{missing}.pdf"), Some(&engineer))
        .await
        .expect("get");
    assert_eq!(pdf.status(), 404);
    let body: Value = pdf.json().await.expect("json");
    assert_eq!(body["code"], "NOT_FOUND");
    let csv = get(format!("/fai/{missing}/characteristics.csv"), None)
        .await
        .expect("get");
    assert_eq!(csv.status(), 401);
    // An FAI page of the web app opened in the browser is not taken for the PDF route.
    let page = get(format!("/fai/{missing}"), None).await.expect("get");
    assert_ne!(page.status(), 401);
    assert_ne!(page.status(), 404);
}

#[tokio::test]
async fn stale_planner_statistics_are_refreshed_on_postgres() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        // SQLite keeps no planner statistics of this kind.
        return;
    }
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    app.state
        .db
        .execute_unprepared(
            "INSERT INTO login_failures (key, failures, first_failure_ms) \
             SELECT 'bulk:' || g, 1, 0 FROM generate_series(1, 5000) g",
        )
        .await
        .expect("bulk insert");
    // Table statistics reach the cumulative statistics views within about a second.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let analyzed = firstpass_api::maintenance::refresh_statistics(&app.state.db)
            .await
            .expect("refresh");
        if analyzed.iter().any(|t| t == "login_failures") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "login_failures was never analyzed"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Once analyzed, it is no longer stale.
    let again = firstpass_api::maintenance::refresh_statistics(&app.state.db)
        .await
        .expect("refresh");
    assert!(!again.iter().any(|t| t == "login_failures"), "{again:?}");
}

/// The fewest statements one run of `query` took over three runs (a background statement of
/// the server's housekeeping may land in any one run, not in all three).
async fn statements_for(app: &TestApp, bearer: &str, query: &str) -> (u64, Value) {
    let mut fewest = u64::MAX;
    let mut body = Value::Null;
    for _ in 0..3 {
        let before = app.sql_statements.load(std::sync::atomic::Ordering::SeqCst);
        let answer = app.gql(Some(bearer), query, json!({})).await;
        let after = app.sql_statements.load(std::sync::atomic::Ordering::SeqCst);
        fewest = fewest.min(after - before);
        body = answer.data().clone();
    }
    (fewest, body)
}

#[tokio::test]
async fn nested_builds_and_units_load_in_a_bounded_number_of_statements() {
    let app = TestApp::spawn().await;
    let pm = app.token(who::EMS_PM).await;
    let package = app.accepted_package("GW-NESTED").await;
    let mut builds = Vec::new();
    for (n, count) in [3, 5, 0, 2].into_iter().enumerate() {
        let build = app
            .gql(
                Some(&pm),
                "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
                json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 10, "dueDate": "2099-12-31",
                    "routing": [{"kind": "SMT_TOP", "name": "SMT"}]}}),
            )
            .await
            .data()["createBuild"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        if count > 0 {
            app.gql(
                Some(&pm),
                "mutation($b: ID!, $n: Int!, $p: String!) { serializeUnits(buildId: $b, count: $n, pattern: $p) { serial } }",
                json!({"b": build, "n": count, "p": format!("N{n}-{{SEQ:3}}")}),
            )
            .await
            .data();
        }
        builds.push((build, count));
    }
    let nested =
        "{ builds(first: 20) { edges { node { id units(first: 4) { serial status } } } } }";
    let (statements, data) = statements_for(&app, &pm, nested).await;
    // Who is calling (1), the page of builds (1), the units of every build on it (1).
    assert!(
        statements <= 4,
        "{statements} statements for the nested page"
    );
    for edge in data["builds"]["edges"].as_array().expect("edges") {
        let id = edge["node"]["id"].as_str().expect("id");
        let (_, count) = builds
            .iter()
            .find(|(build, _)| build == id)
            .expect("a build of this test");
        let units = edge["node"]["units"].as_array().expect("units");
        assert_eq!(units.len(), (*count).min(4), "{edge}");
        let serials: Vec<&str> = units
            .iter()
            .map(|u| u["serial"].as_str().expect("serial"))
            .collect();
        let mut sorted = serials.clone();
        sorted.sort();
        assert_eq!(serials, sorted, "units come by serial");
    }
    // The same whatever the page sizes.
    let larger = "{ builds(first: 50) { edges { node { units(first: 500) { serial } oem { name } ems { name } } } } }";
    let (statements, _) = statements_for(&app, &pm, larger).await;
    assert!(statements <= 6, "{statements} statements with parents too");
    // Two page sizes under aliases, one from a variable: each build gets each of its lists.
    let answer = app
        .gql(
            Some(&pm),
            "query($n: Int) { builds(first: 20) { edges { node { id few: units(first: 2) { serial } some: units(first: $n) { serial } } } } }",
            json!({"n": 3}),
        )
        .await;
    let aliased = answer.data();
    for edge in aliased["builds"]["edges"].as_array().expect("edges") {
        let id = edge["node"]["id"].as_str().expect("id");
        let (_, count) = builds
            .iter()
            .find(|(build, _)| build == id)
            .expect("a build of this test");
        let few = edge["node"]["few"].as_array().expect("few");
        let some = edge["node"]["some"].as_array().expect("some");
        assert_eq!(few.len(), (*count).min(2), "{edge}");
        assert_eq!(some.len(), (*count).min(3), "{edge}");
        assert_eq!(few[..], some[..few.len()], "both lists start alike: {edge}");
    }
}
