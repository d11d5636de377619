//! Sign-in, sessions, token validation, deactivation, password change and throttling.

use crate::harness::{who, TestApp, TEST_SECRET};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const ME: &str = "{ me { email role organization { name kind partners { name kind } } } }";
const REFRESH: &str = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken user { email } } }";
const LOGOUT: &str = "mutation($t: String!) { logout(refreshToken: $t) }";

fn forge(claims: Value, secret: &[u8], alg: Algorithm) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("encode")
}

fn claims_for(user_id: &str, org_id: &str, exp_offset: i64, aud: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": user_id, "org": org_id, "iss": "firstpass", "aud": aud, "iat": now,
           "exp": now + exp_offset, "jti": uuid::Uuid::new_v4()})
}

#[tokio::test]
async fn sign_in_me_refresh_logout() {
    let app = TestApp::spawn().await;
    let login = app.login_payload(who::ACME_ENGINEER).await;
    let access = login["accessToken"].as_str().expect("access");
    let refresh = login["refreshToken"].as_str().expect("refresh");

    let me = app.gql(Some(access), ME, json!({})).await;
    let me = &me.data()["me"];
    assert_eq!(me["email"], who::ACME_ENGINEER);
    assert_eq!(me["role"], "OEM_ENGINEER");
    assert_eq!(me["organization"]["name"], "Acme Gateways");
    assert_eq!(
        me["organization"]["partners"],
        json!([{"name": "Northwind EMS", "kind": "EMS"}])
    );

    // Refresh rotates: the new pair works, the old refresh token works no more.
    let rotated = app.gql(None, REFRESH, json!({"t": refresh})).await;
    let rotated = rotated.data()["refreshSession"].clone();
    let new_refresh = rotated["refreshToken"].as_str().expect("new refresh");
    assert_ne!(new_refresh, refresh);
    let me = app
        .gql(rotated["accessToken"].as_str(), ME, json!({}))
        .await;
    assert_eq!(me.data()["me"]["email"], who::ACME_ENGINEER);

    // Logout ends the session: its refresh token no longer refreshes.
    let out = app.gql(None, LOGOUT, json!({"t": new_refresh})).await;
    assert_eq!(out.data()["logout"], true);
    let again = app.gql(None, REFRESH, json!({"t": new_refresh})).await;
    assert_eq!(again.code(), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn reusing_a_refresh_token_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    let login = app.login_payload(who::ACME_ENGINEER).await;
    let first = login["refreshToken"].as_str().expect("refresh").to_owned();
    let second = app.gql(None, REFRESH, json!({"t": first})).await.data()["refreshSession"]
        ["refreshToken"]
        .as_str()
        .expect("second")
        .to_owned();
    // A thief replays the first token: refused, and the legitimate second one dies with it.
    assert_eq!(
        app.gql(None, REFRESH, json!({"t": first})).await.code(),
        Some("UNAUTHENTICATED")
    );
    assert_eq!(
        app.gql(None, REFRESH, json!({"t": second})).await.code(),
        Some("UNAUTHENTICATED")
    );
    // Another sign-in is unaffected.
    let other = app.login_payload(who::ACME_ENGINEER).await;
    assert!(app
        .gql(None, REFRESH, json!({"t": other["refreshToken"]}))
        .await
        .code()
        .is_none());
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let query =
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }";
    let wrong = app
        .gql(
            None,
            query,
            json!({"e": who::ACME_ENGINEER, "p": "not the password"}),
        )
        .await;
    let unknown = app
        .gql(
            None,
            query,
            json!({"e": "nobody@nowhere.example", "p": "not the password"}),
        )
        .await;
    assert_eq!(wrong.code(), Some("UNAUTHENTICATED"));
    assert_eq!(
        wrong.body["errors"][0]["message"],
        unknown.body["errors"][0]["message"]
    );
    assert_eq!(unknown.code(), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn forged_expired_none_and_wrong_audience_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let login = app.login_payload(who::ACME_ENGINEER).await;
    let user_id = login["user"]["id"].as_str().expect("id").to_owned();
    let me = app
        .gql(
            login["accessToken"].as_str(),
            "{ me { organization { id } } }",
            json!({}),
        )
        .await;
    let org_id = me.data()["me"]["organization"]["id"]
        .as_str()
        .expect("org")
        .to_owned();

    // A well-formed token signed with the server's own secret works: the forgeries below differ
    // from it in one respect each.
    let good = forge(
        claims_for(&user_id, &org_id, 300, "firstpass-api"),
        TEST_SECRET,
        Algorithm::HS256,
    );
    assert!(app.gql(Some(&good), ME, json!({})).await.code().is_none());

    let expired = forge(
        claims_for(&user_id, &org_id, -120, "firstpass-api"),
        TEST_SECRET,
        Algorithm::HS256,
    );
    let wrong_key = forge(
        claims_for(&user_id, &org_id, 300, "firstpass-api"),
        b"some other secret of enough length!!",
        Algorithm::HS256,
    );
    let wrong_aud = forge(
        claims_for(&user_id, &org_id, 300, "someone-else"),
        TEST_SECRET,
        Algorithm::HS256,
    );
    let other_alg = forge(
        claims_for(&user_id, &org_id, 300, "firstpass-api"),
        TEST_SECRET,
        Algorithm::HS512,
    );
    let too_long = forge(
        claims_for(&user_id, &org_id, 86_400, "firstpass-api"),
        TEST_SECRET,
        Algorithm::HS256,
    );
    let b64 = |v: Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(claims_for(&user_id, &org_id, 300, "firstpass-api"))
    );
    for (what, token) in [
        ("expired", expired),
        ("wrong key", wrong_key),
        ("wrong audience", wrong_aud),
        ("HS512", other_alg),
        ("alg none", none),
        ("lifetime over 15 minutes", too_long),
        ("garbage", "not.a.token".to_owned()),
    ] {
        let result = app.gql(Some(&token), ME, json!({})).await;
        assert_eq!(
            result.code(),
            Some("UNAUTHENTICATED"),
            "{what}: {}",
            result.body
        );
    }
}

#[tokio::test]
async fn a_deactivated_user_is_locked_out_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.token(who::ACME_ADMIN).await;
    let engineer = app.login_payload(who::ACME_ENGINEER).await;
    let access = engineer["accessToken"].as_str().expect("access");
    let id = engineer["user"]["id"].as_str().expect("id");
    assert!(app.gql(Some(access), ME, json!({})).await.code().is_none());

    let result = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(result.data()["deactivateUser"]["active"], false);

    assert_eq!(
        app.gql(Some(access), ME, json!({})).await.code(),
        Some("UNAUTHENTICATED")
    );
    assert_eq!(
        app.gql(None, REFRESH, json!({"t": engineer["refreshToken"]}))
            .await
            .code(),
        Some("UNAUTHENTICATED")
    );
    let login = app
        .gql(None, "mutation { login(email: \"engineer@acme.example\", password: \"firstpass-demo\") { accessToken } }", json!({}))
        .await;
    assert_eq!(login.code(), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn change_password_checks_the_current_one_and_the_policy() {
    let app = TestApp::spawn().await;
    let token = app.token(who::EMS_PM).await;
    let change = "mutation($c: String!, $n: String!) { changePassword(current: $c, new: $n) }";
    let wrong = app
        .gql(
            Some(&token),
            change,
            json!({"c": "not my password", "n": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(wrong.code(), Some("BAD_USER_INPUT"));
    let short = app
        .gql(
            Some(&token),
            change,
            json!({"c": "firstpass-demo", "n": "short"}),
        )
        .await;
    assert_eq!(short.code(), Some("BAD_USER_INPUT"));
    let ok = app
        .gql(
            Some(&token),
            change,
            json!({"c": "firstpass-demo", "n": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(ok.data()["changePassword"], true);
    let login =
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }";
    let new = app
        .gql(
            None,
            login,
            json!({"e": who::EMS_PM, "p": "a brand new passphrase"}),
        )
        .await;
    assert!(new.code().is_none(), "{}", new.body);
}

#[tokio::test]
async fn repeated_failures_are_slowed_then_rate_limited() {
    let app = TestApp::spawn().await;
    let query =
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }";
    let mut codes = Vec::new();
    for _ in 0..11 {
        let result = app
            .gql(
                None,
                query,
                json!({"e": who::EMS_OPERATOR, "p": "guess guess guess"}),
            )
            .await;
        codes.push(result.code().unwrap_or("none").to_owned());
    }
    assert_eq!(codes[0], "UNAUTHENTICATED");
    assert_eq!(
        codes.last().map(String::as_str),
        Some("RATE_LIMITED"),
        "{codes:?}"
    );
    // Even the right password is refused while the account is limited.
    let right = app
        .gql(
            None,
            query,
            json!({"e": who::EMS_OPERATOR, "p": "firstpass-demo"}),
        )
        .await;
    assert_eq!(right.code(), Some("RATE_LIMITED"));
    assert!(right.body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .is_some());
    // Other accounts are unaffected.
    let other = app
        .gql(
            None,
            query,
            json!({"e": who::EMS_QUALITY, "p": "firstpass-demo"}),
        )
        .await;
    assert!(other.code().is_none());
}

#[tokio::test]
async fn instances_on_one_database_count_failed_sign_ins_together() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    let query =
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }";
    let wrong = json!({"e": who::EMS_OPERATOR, "p": "guess guess guess"});
    // Ten failures, alternating between the instances as a load balancer would spread them.
    for attempt in 0..10 {
        let instance = if attempt % 2 == 0 { &first } else { &second };
        let result = instance.gql(None, query, wrong.clone()).await;
        assert_eq!(result.code(), Some("UNAUTHENTICATED"), "{}", result.body);
    }
    for instance in [&first, &second] {
        let right = instance
            .gql(
                None,
                query,
                json!({"e": who::EMS_OPERATOR, "p": "firstpass-demo"}),
            )
            .await;
        assert_eq!(right.code(), Some("RATE_LIMITED"), "{}", right.body);
    }
}

#[tokio::test]
async fn errors_always_carry_a_code_and_limits_hold() {
    let app = TestApp::spawn_with(firstpass_api::config::Limits {
        max_depth: 4,
        max_complexity: 50,
        max_body_bytes: 4096,
        ..Default::default()
    })
    .await;
    let token = app.token(who::ACME_ENGINEER).await;
    let syntax = app.gql(Some(&token), "{ me { email ", json!({})).await;
    assert_eq!(syntax.code(), Some("BAD_USER_INPUT"));
    let unknown = app.gql(Some(&token), "{ nope }", json!({})).await;
    assert_eq!(unknown.code(), Some("BAD_USER_INPUT"));
    let deep = app
        .gql(
            Some(&token),
            "{ me { organization { partners { partners { partners { name } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(deep.code(), Some("BAD_USER_INPUT"), "{}", deep.body);
    // Over the body limit: refused before any parsing.
    let big = format!("{{ me {{ email }} }} # {}", "x".repeat(8192));
    let response = app
        .http
        .post(format!("{}/graphql", app.base))
        .json(&json!({"query": big}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    // Request ids come back to the client for support.
    let response = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("send");
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(
        app.http
            .get(format!("{}/readyz", app.base))
            .send()
            .await
            .expect("send")
            .status(),
        200
    );
}

#[tokio::test]
async fn browsers_keep_the_refresh_token_in_an_http_only_cookie() {
    let app = TestApp::spawn().await;
    let login = app
        .http
        .post(format!("{}/graphql", app.base))
        .json(&json!({"query": "mutation { login(email: \"engineer@acme.example\", password: \"firstpass-demo\", cookie: true) { accessToken refreshToken } }"}))
        .send()
        .await
        .expect("send");
    let set_cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        set_cookie.starts_with("fp_refresh=")
            && set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let body: Value = login.json().await.expect("json");
    assert_eq!(
        body["data"]["login"]["refreshToken"], "",
        "the secret is not in the body"
    );
    let cookie = set_cookie.split(';').next().expect("pair").to_owned();

    assert!(!set_cookie.contains("Secure"), "plain HTTP: no Secure flag");
    // Behind a TLS-terminating proxy the cookie is marked Secure.
    let proxied = app
        .http
        .post(format!("{}/graphql", app.base))
        .header("x-forwarded-proto", "https")
        .json(&json!({"query": "mutation { login(email: \"engineer@acme.example\", password: \"firstpass-demo\", cookie: true) { accessToken } }"}))
        .send()
        .await
        .expect("send");
    assert!(proxied.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .contains("; Secure"));

    // Reload: no token in hand, only the cookie.
    let refresh = |cookie: String| {
        let app = &app;
        async move {
            app.http
                .post(format!("{}/graphql", app.base))
                .header("cookie", cookie)
                .json(&json!({"query": "mutation { refreshSession { accessToken refreshToken user { email } } }"}))
                .send()
                .await
                .expect("send")
        }
    };
    let renewed = refresh(cookie.clone()).await;
    let next_cookie = renewed.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    assert_ne!(next_cookie, cookie, "rotated");
    let body: Value = renewed.json().await.expect("json");
    assert_eq!(
        body["data"]["refreshSession"]["user"]["email"],
        who::ACME_ENGINEER
    );
    assert_eq!(body["data"]["refreshSession"]["refreshToken"], "");

    // The old cookie is spent: replaying it fails, ends the family, and clears the cookie.
    let replay = refresh(cookie).await;
    assert!(replay.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .contains("Max-Age=0"));
    let body: Value = replay.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let after: Value = refresh(next_cookie).await.json().await.expect("json");
    assert_eq!(after["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}
