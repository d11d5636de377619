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
    /// The blob folder (shared by every instance on the same database).
    pub blobs_dir: std::path::PathBuf,
    /// The database (owned by the first server on it; `None` for a second instance).
    db: Option<TestDb>,
    url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// SQL statements this server has run so far (all connections of its pool).
    pub sql_statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
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
        let url = test_db.url.clone();
        let blobs_dir = test_db.dir().join("blobs");
        Self::start(conn, url, blobs_dir, Some(test_db), limits).await
    }

    /// A second server on the same database and blob folder, as a second instance would be.
    pub async fn another_instance(&self) -> Self {
        let conn = db::connect(&self.url).await.expect("connect");
        let blobs_dir = self
            .db
            .as_ref()
            .expect("the first instance")
            .dir()
            .join("blobs");
        Self::start(conn, self.url.clone(), blobs_dir, None, self.state.limits).await
    }

    async fn start(
        mut conn: sea_orm::DatabaseConnection,
        url: String,
        blobs_dir: std::path::PathBuf,
        test_db: Option<TestDb>,
        limits: Limits,
    ) -> Self {
        let sql_statements = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = sql_statements.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let blobs = BlobStore::open(None, &blobs_dir).expect("blob store");
        let blobs_folder = blobs_dir.clone();
        let state = server::build_state(conn, blobs, TEST_SECRET, limits)
            .await
            .expect("state");
        state
            .build_events
            .listen(&url, &state.db)
            .await
            .expect("listen");
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
            blobs_dir: blobs_folder,
            db: test_db,
            url,
            shutdown: Some(tx),
            sql_statements,
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

impl TestApp {
    /// Uploads files to a package with a GraphQL multipart request, as curl would.
    pub async fn upload(
        &self,
        bearer: Option<&str>,
        package_id: &str,
        files: &[(String, Vec<u8>)],
    ) -> Gql {
        let response = self.upload_raw(bearer, package_id, files).await;
        let body: Value = response.json().await.expect("json body");
        Gql { body }
    }

    /// Any GraphQL multipart request: `variables` plus a `files` list of uploads.
    pub async fn upload_to(
        &self,
        bearer: Option<&str>,
        query: &str,
        variables: Value,
        files: &[(String, Vec<u8>)],
    ) -> Gql {
        let mut variables = variables;
        variables["files"] = Value::Array(files.iter().map(|_| Value::Null).collect());
        let operations = json!({"query": query, "variables": variables});
        let map: serde_json::Map<String, Value> = (0..files.len())
            .map(|i| (i.to_string(), json!([format!("variables.files.{i}")])))
            .collect();
        let mut form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", Value::Object(map).to_string());
        for (i, (name, bytes)) in files.iter().enumerate() {
            form = form.part(
                i.to_string(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.clone()),
            );
        }
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base))
            .multipart(form);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        Gql {
            body: request
                .send()
                .await
                .expect("send")
                .json()
                .await
                .expect("json"),
        }
    }

    /// Like [`TestApp::upload`], returning the raw HTTP response.
    pub async fn upload_raw(
        &self,
        bearer: Option<&str>,
        package_id: &str,
        files: &[(String, Vec<u8>)],
    ) -> reqwest::Response {
        let query = "mutation($id: ID!, $files: [Upload!]!) { uploadPackageFiles(packageId: $id, files: $files) {
            id status files { id name kind sizeBytes sha256 } findings { severity code message file line designator } } }";
        let nulls: Vec<Value> = files.iter().map(|_| Value::Null).collect();
        let operations = json!({"query": query, "variables": {"id": package_id, "files": nulls}});
        let map: serde_json::Map<String, Value> = (0..files.len())
            .map(|i| (i.to_string(), json!([format!("variables.files.{i}")])))
            .collect();
        let mut form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", Value::Object(map).to_string());
        for (i, (name, bytes)) in files.iter().enumerate() {
            form = form.part(
                i.to_string(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.clone()),
            );
        }
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base))
            .multipart(form);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("send")
    }

    /// The id of the demo EMS (Northwind), as an Acme user sees its partner.
    pub async fn ems_id(&self, oem_token: &str) -> String {
        let me = self
            .gql(
                Some(oem_token),
                "{ me { organization { partners { id } } } }",
                json!({}),
            )
            .await;
        me.data()["me"]["organization"]["partners"][0]["id"]
            .as_str()
            .expect("partner")
            .to_owned()
    }

    /// Creates a product and a DRAFT package for it as `oem_token`; returns the package id.
    pub async fn draft_package(&self, oem_token: &str, part_number: &str) -> String {
        self.draft_package_of_class(oem_token, part_number, "CLASS_2")
            .await
    }

    /// Like [`TestApp::draft_package`], of the given IPC class.
    pub async fn draft_package_of_class(
        &self,
        oem_token: &str,
        part_number: &str,
        class: &str,
    ) -> String {
        let product = self
            .gql(
                Some(oem_token),
                "mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }",
                json!({"i": {"partNumber": part_number, "name": format!("Board {part_number}")}}),
            )
            .await;
        let product_id = product.data()["createProduct"]["id"]
            .as_str()
            .expect("product")
            .to_owned();
        let ems = self.ems_id(oem_token).await;
        let package = self
            .gql(
                Some(oem_token),
                "mutation($i: CreateNpiPackageInput!) { createNpiPackage(input: $i) { id status } }",
                json!({"i": {"productId": product_id, "revision": "A", "emsOrganizationId": ems, "ipcClass": class, "quantities": [10, 100]}}),
            )
            .await;
        package.data()["createNpiPackage"]["id"]
            .as_str()
            .expect("package")
            .to_owned()
    }
}

impl TestApp {
    /// Takes a fresh Acme package with the KiCad board through review to ACCEPTED; returns its id.
    pub async fn accepted_package(&self, part_number: &str) -> String {
        let files =
            firstpass_shared::cad::fixtures::board(firstpass_shared::cad::fixtures::Style::KiCad);
        self.accepted_package_with(part_number, "CLASS_2", &files)
            .await
    }

    /// Like [`TestApp::accepted_package`], with an IPC class and files of the caller's choosing.
    pub async fn accepted_package_with(
        &self,
        part_number: &str,
        class: &str,
        files: &[(String, Vec<u8>)],
    ) -> String {
        let oem = self.token(who::ACME_ENGINEER).await;
        let pm = self.token(who::EMS_PM).await;
        let id = self.draft_package_of_class(&oem, part_number, class).await;
        self.upload(Some(&oem), &id, files).await.data();
        self.gql(
            Some(&oem),
            "mutation($id: ID!) { submitNpiPackage(id: $id) { id } }",
            json!({"id": id}),
        )
        .await
        .data();
        for op in ["startReview", "acceptNpiPackage"] {
            let q = format!("mutation($id: ID!) {{ {op}(id: $id) {{ id }} }}");
            self.gql(Some(&pm), &q, json!({"id": id})).await.data();
        }
        id
    }
}

impl TestApp {
    /// Takes a first-article inspection of `serial` from creation to APPROVED (EMS quality fills
    /// it with PASS everywhere, the EMS program manager and the Acme engineer sign).
    pub async fn approved_fai(&self, build: &str, serial: &str) -> String {
        let quality = self.token(who::EMS_QUALITY).await;
        let pm = self.token(who::EMS_PM).await;
        let oem = self.token(who::ACME_ENGINEER).await;
        let created = self
            .gql(
                Some(&quality),
                "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id characteristics { id } } }",
                json!({"i": {"buildId": build, "serial": serial, "reason": "NEW_PART", "scope": "FULL"}}),
            )
            .await;
        let report = created.data()["createFaiReport"].clone();
        let updates: Vec<Value> = report["characteristics"]
            .as_array()
            .expect("characteristics")
            .iter()
            .map(|c| json!({"id": c["id"], "result": "Conforms", "status": "PASS"}))
            .collect();
        self.gql(
            Some(&quality),
            "mutation($r: ID!, $u: [FaiCharacteristicUpdate!]!) { updateFaiCharacteristics(reportId: $r, updates: $u) { id } }",
            json!({"r": report["id"], "u": updates}),
        )
        .await
        .data();
        self.gql(
            Some(&quality),
            "mutation($id: ID!) { submitFaiReport(id: $id) { id } }",
            json!({"id": report["id"]}),
        )
        .await
        .data();
        let sign = "mutation($id: ID!, $r: String!) { signFaiReport(id: $id, password: \"firstpass-demo\", meaning: APPROVED, reason: $r) { status } }";
        for (token, reason) in [
            (&pm, "Verified by the EMS"),
            (&oem, "Accepted by the customer"),
        ] {
            self.gql(Some(token), sign, json!({"id": report["id"], "r": reason}))
                .await
                .data();
        }
        report["id"].as_str().expect("id").to_owned()
    }
}
