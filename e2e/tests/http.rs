//! The running server as a client sees it: the flow of the README, over plain HTTP.

use firstpass_e2e::{Firstpass, TestDb};
use serde_json::{json, Value};

async fn post(
    client: &reqwest::Client,
    base: &str,
    bearer: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("send");
    assert!(response.status().is_success());
    response.json().await.expect("json")
}

#[tokio::test]
async fn sign_in_query_me_refresh_and_log_out_against_the_binary() {
    let db = TestDb::new().await;
    let fp = Firstpass::new(&db);
    assert!(fp.run(&["demo-data"], "").status.success());
    let server = fp.serve();
    let client = reqwest::Client::new();
    let base = &server.base;

    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .expect("healthz")
            .status(),
        200
    );
    assert_eq!(
        client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .expect("readyz")
            .status(),
        200
    );
    let graphiql = client
        .get(format!("{base}/graphql"))
        .send()
        .await
        .expect("graphiql")
        .text()
        .await
        .expect("text");
    assert!(graphiql.to_lowercase().contains("graphiql"));

    let login = post(
        &client,
        base,
        None,
        "mutation { login(email: \"engineer@acme.example\", password: \"firstpass-demo\") { accessToken refreshToken expiresAt user { email } } }",
        json!({}),
    )
    .await;
    let access = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("access")
        .to_owned();
    let refresh = login["data"]["login"]["refreshToken"]
        .as_str()
        .expect("refresh")
        .to_owned();

    let me = post(
        &client,
        base,
        Some(&access),
        "{ me { email organization { name partners { name } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        me["data"]["me"]["organization"]["partners"][0]["name"],
        "Northwind EMS"
    );

    let rotated = post(
        &client,
        base,
        None,
        "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }",
        json!({"t": refresh}),
    )
    .await;
    let new_refresh = rotated["data"]["refreshSession"]["refreshToken"]
        .as_str()
        .expect("rotated")
        .to_owned();
    let out = post(
        &client,
        base,
        None,
        "mutation($t: String!) { logout(refreshToken: $t) }",
        json!({"t": new_refresh}),
    )
    .await;
    assert_eq!(out["data"]["logout"], true);
    let after = post(
        &client,
        base,
        None,
        "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }",
        json!({"t": new_refresh}),
    )
    .await;
    assert_eq!(after["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    let anonymous = post(&client, base, None, "{ me { email } }", json!({})).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn data_survives_a_restart() {
    let db = TestDb::new().await;
    let fp = Firstpass::new(&db);
    assert!(fp.run(&["demo-data"], "").status.success());
    let login = "mutation { login(email: \"pm@northwind.example\", password: \"firstpass-demo\") { accessToken } }";
    let client = reqwest::Client::new();
    let first = fp.serve();
    let token = post(&client, &first.base, None, login, json!({})).await["data"]["login"]
        ["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    drop(first);
    // Same data directory, so the same generated secret: the access token is still good.
    let second = fp.serve();
    let me = post(
        &client,
        &second.base,
        Some(&token),
        "{ me { email } }",
        json!({}),
    )
    .await;
    assert_eq!(me["data"]["me"]["email"], "pm@northwind.example");
}

#[tokio::test]
async fn sigterm_stops_the_server_with_a_websocket_open() {
    use futures_util::SinkExt;
    let db = TestDb::new().await;
    let fp = Firstpass::new(&db);
    let mut server = fp.serve();
    let url = format!("{}/graphql/ws", server.base.replace("http://", "ws://"));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            url.as_str(),
        )
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    socket
        .send(tokio_tungstenite::tungstenite::Message::Text(
            json!({"type": "connection_init", "payload": {}})
                .to_string()
                .into(),
        ))
        .await
        .expect("init");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    // The promise is 10 s; allow for a loaded machine's scheduling on top.
    let status = server.wait_exit(std::time::Duration::from_secs(15));
    assert!(
        status.is_some(),
        "firstpass serve still ran 15 s after SIGTERM with a WebSocket open"
    );
    drop(socket);
}
