//! Test harness: a real server on a free port over a fresh database, driven over HTTP.
//!
//! Each test gets its own database ([`TestDb`]): a new SQLite file, or a new PostgreSQL database
//! when `TEST_DATABASE_URL` is set.

use firstpass_api::blobs::BlobStore;
use firstpass_api::config::Limits;
use firstpass_api::context::AppState;
use firstpass_api::{db, demo, server};
use firstpass_e2e::TestDb;
use serde_json::{json, Value};
use std::net::SocketAddr;

/// The JWT secret of every test server, so tests can forge tokens against it.
pub const TEST_SECRET: &[u8] = b"firstpass-test-secret-0123456789abcdef";

/// A running server with the demo organizations and users.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The server's state, for setting up fixtures directly.
    pub state: AppState,
    /// HTTP client.
    pub http: reqwest::Client,
    _db: TestDb,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Result of one GraphQL call.
#[derive(Debug, Clone)]
pub struct Gql {
    /// The whole response body.
    pub body: Value,
}

impl Gql {
    /// `data`, panicking with the errors when there are any.
    pub fn data(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        &self.body["data"]
    }

    /// The code of the first error, if any.
    pub fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }
}

impl TestApp {
    /// Starts a server on a free port with the default limits.
    pub async fn spawn() -> Self {
        Self::spawn_with(Limits::default()).await
    }

    /// Starts a server on a free port with the given limits.
    pub async fn spawn_with(limits: Limits) -> Self {
        let test_db = TestDb::new().await;
        let conn = db::connect(&test_db.url).await.expect("connect");
        db::migrate(&conn).await.expect("migrate");
        demo::seed(&conn).await.expect("seed");
        let state = server::build_state(conn, TEST_SECRET, limits)
            .await
            .expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serve_state = state.clone();
        tokio::spawn(async move {
            let _ = server::serve(listener, serve_state, async {
                let _ = rx.await;
            })
            .await;
        });
        Self {
            base: format!("http://{addr}"),
            state,
            http: reqwest::Client::new(),
            _db: test_db,
            shutdown: Some(tx),
        }
    }

    /// Posts a GraphQL operation, with a bearer credential when given.
    pub async fn gql(&self, bearer: Option<&str>, query: &str, variables: Value) -> Gql {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base))
            .json(&json!({
                "query": query,
                "variables": variables,
            }));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("send");
        let status = response.status();
        let body: Value = response.json().await.expect("json body");
        assert!(status.is_success(), "HTTP {status}: {body}");
        Gql { body }
    }

    /// Signs in a demo user; returns the whole `login` payload.
    pub async fn login_payload(&self, email: &str) -> Value {
        let result = self
            .gql(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken expiresAt user { id email } } }",
                json!({"e": email, "p": demo::DEMO_PASSWORD}),
            )
            .await;
        result.data()["login"].clone()
    }

    /// Signs in a demo user; returns the access token.
    pub async fn token(&self, email: &str) -> String {
        self.login_payload(email).await["accessToken"]
            .as_str()
            .expect("token")
            .to_owned()
    }
}

/// Demo e-mails by role, for readability.
pub mod who {
    /// OEM admin of Acme.
    pub const ACME_ADMIN: &str = "admin@acme.example";
    /// OEM engineer of Acme.
    pub const ACME_ENGINEER: &str = "engineer@acme.example";
    /// OEM admin of Globex (the foreign tenant to Acme).
    pub const GLOBEX_ADMIN: &str = "admin@globex.example";
    /// OEM engineer of Globex.
    pub const GLOBEX_ENGINEER: &str = "engineer@globex.example";
    /// EMS admin of Northwind.
    pub const EMS_ADMIN: &str = "admin@northwind.example";
    /// EMS program manager.
    pub const EMS_PM: &str = "pm@northwind.example";
    /// EMS quality engineer.
    pub const EMS_QUALITY: &str = "quality@northwind.example";
    /// EMS operator.
    pub const EMS_OPERATOR: &str = "operator@northwind.example";
}
