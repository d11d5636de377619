//! Test harness: a real server on a free port over a fresh database, driven over HTTP.
//!
//! Each test gets its own database: a new SQLite file in a temporary folder, or, when
//! `TEST_DATABASE_URL` points at PostgreSQL, a new database created on that server and dropped
//! when the test ends.

use firstpass_api::config::Limits;
use firstpass_api::context::AppState;
use firstpass_api::{db, demo, server};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use std::net::SocketAddr;

/// The JWT secret of every test server, so tests can forge tokens against it.
pub const TEST_SECRET: &[u8] = b"firstpass-test-secret-0123456789abcdef";

/// A database that lives as long as the test.
pub struct TestDb {
    /// Connection URL for the server.
    pub url: String,
    admin_url: Option<String>,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh, empty database on the configured backend.
    pub async fn new() -> Self {
        let name = format!("fp_test_{}", uuid::Uuid::new_v4().simple());
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(base, _)| base)
                    .unwrap_or(&admin_url);
                Self {
                    url: format!("{base}/{name}"),
                    admin_url: Some(admin_url),
                    name,
                    _dir: None,
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = db::default_sqlite_url(dir.path());
                Self {
                    url,
                    admin_url: None,
                    name,
                    _dir: Some(dir),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(admin_url) = self.admin_url.clone() else {
            return;
        };
        let name = self.name.clone();
        // Drop runs outside any runtime guarantee: use a small one of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await.ok();
                }
            });
        })
        .join();
    }
}

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
