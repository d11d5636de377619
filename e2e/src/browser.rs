//! Browser tests: Debian's `chromium` driven through `chromedriver` with `fantoccini`.
//!
//! [`Browser::start`] runs a chromedriver on a free port and opens a headless chromium with a
//! profile folder of its own; [`Browser::run`] runs a test body and always closes the session
//! and stops chromedriver afterwards, also when the body panics, so no chromium is left behind.
//! Where the tools are missing, [`skip`] says so (and fails when `FIRSTPASS_REQUIRE_BROWSER=1`).

use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// How long waits for the page last before a test fails.
pub const WAIT: Duration = Duration::from_secs(60);

/// The chromium and chromedriver executables, when both are on `PATH`.
pub fn tools() -> Option<(PathBuf, PathBuf)> {
    let find = |names: &[&str]| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
            .find(|p| p.is_file())
    };
    Some((
        find(&["chromium", "chromium-browser"])?,
        find(&["chromedriver"])?,
    ))
}

/// `true` when `test` must be skipped for want of a browser: prints `SKIPPED <test>: …`.
/// Panics instead when `FIRSTPASS_REQUIRE_BROWSER=1`.
pub fn skip(test: &str) -> bool {
    if tools().is_some() {
        return false;
    }
    assert!(
        std::env::var("FIRSTPASS_REQUIRE_BROWSER").as_deref() != Ok("1"),
        "{test}: chromium/chromedriver not installed and FIRSTPASS_REQUIRE_BROWSER=1"
    );
    eprintln!("SKIPPED {test}: chromium/chromedriver not installed");
    true
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A headless chromium session and the chromedriver behind it.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// Serializes browser sessions across the tests of a binary.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Browser {
    /// Starts chromedriver and a headless chromium (1280 × 900) with a fresh profile.
    pub async fn start() -> Browser {
        let (chromium, chromedriver) = tools().expect("chromium and chromedriver on PATH");
        let port = free_port();
        let mut driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile folder");
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--no-first-run",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("an object literal");
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + WAIT;
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => {
                    let _ = driver.kill();
                    let _ = driver.wait();
                    panic!("cannot open a chromium session: {e}");
                }
            }
        };
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Runs `body` with a fresh browser, then closes the session and stops chromedriver
    /// whatever happened; a panic in `body` is raised again afterwards.
    pub async fn run<F, Fut>(body: F)
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        // One browser at a time: several chromiums on a small machine make every test slow and
        // flaky, and the tests gain nothing from running side by side.
        let _turn = ONE_AT_A_TIME.lock().await;
        let mut browser = Browser::start().await;
        let outcome = tokio::spawn(body(browser.client.clone())).await;
        if outcome.is_err() {
            // What the page looked like when the test failed.
            if let Ok(png) = browser.client.screenshot().await {
                let _ = std::fs::write(output_dir().join("failure.png"), png);
            }
        }
        let _ = browser.client.clone().close().await;
        let _ = browser.driver.kill();
        let _ = browser.driver.wait();
        if let Err(e) = outcome {
            if e.is_panic() {
                std::panic::resume_unwind(e.into_panic());
            }
            panic!("browser test body failed: {e}");
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Waits until an element matching `css` exists.
pub async fn find(client: &Client, css: &str) -> Element {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element `{css}` within {WAIT:?}: {e}"))
}

/// Waits until `css` exists and clicks it.
pub async fn click(client: &Client, css: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let element = find(client, css).await;
        let enabled = element.is_enabled().await.unwrap_or(false);
        if enabled && element.click().await.is_ok() {
            return;
        }
        assert!(Instant::now() < deadline, "`{css}` never became clickable");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Replaces the value of the input `css` with `text`.
pub async fn fill(client: &Client, css: &str, text: &str) {
    let element = find(client, css).await;
    element
        .clear()
        .await
        .unwrap_or_else(|e| panic!("cannot clear `{css}`: {e}"));
    element
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("cannot type into `{css}`: {e}"));
}

/// Waits until the text of `css` contains `needle`; returns the text.
pub async fn wait_text(client: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if last.contains(needle) {
                return last;
            }
        }
        assert!(
            Instant::now() < deadline,
            "`{css}` never contained {needle:?}; last text: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until at least `n` elements match `css`; returns how many do.
pub async fn wait_count(client: &Client, css: &str, n: usize) -> usize {
    let deadline = Instant::now() + WAIT;
    loop {
        let count = client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0);
        if count >= n {
            return count;
        }
        assert!(
            Instant::now() < deadline,
            "only {count} of {n} `{css}` elements"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Elements that stick out past the right edge of the window (empty when everything fits),
/// described as `tag#id.class`.
pub async fn overflows(client: &Client) -> Vec<String> {
    const SCRIPT: &str = r##"
        if (document.documentElement.scrollWidth <= window.innerWidth + 1) return [];
        const out = [];
        for (const el of document.querySelectorAll("body *")) {
            if (el.parentElement && el.parentElement.closest(".table-wrap, .stage")) continue;
            if (el.getBoundingClientRect().right > window.innerWidth + 1) {
                out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                    (el.className && el.className.baseVal === undefined ? "." + el.className.split(" ").join(".") : ""));
            }
        }
        return out.length ? out.slice(0, 8) : ["(the page is wider than the window)"];
    "##;
    client
        .execute(SCRIPT, vec![])
        .await
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Where screenshots go: `e2e/output/` (git-ignored).
pub fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("output");
    std::fs::create_dir_all(&dir).expect("create e2e/output");
    dir
}

/// Saves a PNG of the whole window as `e2e/output/<name>.png`.
pub async fn screenshot(client: &Client, name: &str) {
    let png = client
        .screenshot()
        .await
        .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
    let path = output_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// The GraphQL API of a running server, for setting up what a browser test then looks at.
#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    /// The API of the server at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Api {
        Api {
            client: reqwest::Client::new(),
            base: base.to_owned(),
        }
    }

    /// Runs an operation as `token` (`None`: anonymous) and returns its `data`; panics on
    /// any GraphQL error, naming the operation.
    pub async fn gql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: serde_json::Value,
    ) -> serde_json::Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: serde_json::Value = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("send {query}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("answer to {query}: {e}"));
        assert!(
            body.get("errors").is_none(),
            "{query} failed: {}",
            body["errors"]
        );
        body["data"].clone()
    }

    /// Signs in and returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let data = self
            .gql(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                json!({ "e": email, "p": password }),
            )
            .await;
        data["login"]["accessToken"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// Uploads files into a package with one GraphQL multipart request.
    pub async fn upload_package_files(
        &self,
        token: &str,
        package_id: &str,
        files: Vec<(String, Vec<u8>)>,
    ) {
        let nulls: Vec<serde_json::Value> = files.iter().map(|_| serde_json::Value::Null).collect();
        let operations = json!({
            "query": "mutation($p: ID!, $f: [Upload!]!) { uploadPackageFiles(packageId: $p, files: $f) { id } }",
            "variables": { "p": package_id, "f": nulls },
        });
        let map: serde_json::Map<String, serde_json::Value> = (0..files.len())
            .map(|i| (i.to_string(), json!([format!("variables.f.{i}")])))
            .collect();
        let mut form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", serde_json::Value::Object(map).to_string());
        for (i, (name, bytes)) in files.into_iter().enumerate() {
            form = form.part(
                i.to_string(),
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        }
        let body: serde_json::Value = self
            .client
            .post(format!("{}/graphql", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("send the upload")
            .json()
            .await
            .expect("answer to the upload");
        assert!(
            body.get("errors").is_none(),
            "upload failed: {}",
            body["errors"]
        );
    }
}

/// The demo users' password (`firstpass demo-data`).
pub const DEMO_PASSWORD: &str = "firstpass-demo";

/// A served Firstpass with the demo organizations and users.
pub fn serve_demo(db: &crate::TestDb) -> crate::Server {
    let app = crate::Firstpass::new(db);
    let out = app.run(&["demo-data"], "");
    assert!(
        out.status.success(),
        "demo-data failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.serve()
}

/// Signs a demo user in through the sign-in page and waits for the home page.
pub async fn sign_in(client: &Client, base: &str, email: &str) {
    client
        .goto(&format!("{base}/sign-in"))
        .await
        .expect("open sign-in");
    fill(client, "#email", email).await;
    fill(client, "#password", DEMO_PASSWORD).await;
    click(client, "#sign-in").await;
    find(client, "#work-title").await;
}

/// Signs out and waits for the sign-in page.
pub async fn sign_out(client: &Client) {
    click(client, "#sign-out").await;
    find(client, "#sign-in").await;
}

/// Through the API: a DRAFT package (revision A) of a new Acme product for Acme's EMS
/// partner, made by Acme's engineer (whose token is `engineer`); its id.
pub async fn draft_package(
    api: &Api,
    engineer: &str,
    part_number: &str,
    name: &str,
    quantity: u32,
) -> String {
    let engineer = Some(engineer);
    let me = api
        .gql(
            engineer,
            "{ me { organization { partners { id } } } }",
            json!({}),
        )
        .await;
    let ems = me["me"]["organization"]["partners"][0]["id"]
        .as_str()
        .expect("an EMS partner")
        .to_owned();
    let product = api
        .gql(
            engineer,
            "mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }",
            json!({ "i": { "partNumber": part_number, "name": name } }),
        )
        .await["createProduct"]["id"]
        .as_str()
        .expect("product")
        .to_owned();
    api.gql(
        engineer,
        "mutation($i: CreateNpiPackageInput!) { createNpiPackage(input: $i) { id } }",
        json!({ "i": { "productId": product, "revision": "A", "emsOrganizationId": ems,
                           "ipcClass": "CLASS_2", "quantities": [quantity] } }),
    )
    .await["createNpiPackage"]["id"]
        .as_str()
        .expect("package")
        .to_owned()
}

/// Through the API: a package of a new Acme product for Acme's EMS partner, with `files`
/// uploaded, submitted, reviewed and accepted by the program manager; its id.
pub async fn accepted_package(
    api: &Api,
    part_number: &str,
    name: &str,
    quantity: u32,
    files: Vec<(String, Vec<u8>)>,
) -> String {
    let engineer = api.login("engineer@acme.example", DEMO_PASSWORD).await;
    let pm = api.login("pm@northwind.example", DEMO_PASSWORD).await;
    let package = draft_package(api, &engineer, part_number, name, quantity).await;
    api.upload_package_files(&engineer, &package, files).await;
    let id = json!({ "id": package });
    api.gql(
        Some(&engineer),
        "mutation($id: ID!) { submitNpiPackage(id: $id) { id } }",
        id.clone(),
    )
    .await;
    for op in ["startReview", "acceptNpiPackage"] {
        api.gql(
            Some(&pm),
            &format!("mutation($id: ID!) {{ {op}(id: $id) {{ id }} }}"),
            id.clone(),
        )
        .await;
    }
    package
}

/// Goes to `path` of the app at `base`.
pub async fn open(client: &Client, base: &str, path: &str) {
    client
        .goto(&format!("{base}{path}"))
        .await
        .unwrap_or_else(|e| panic!("open {path}: {e}"));
}

/// Sets a control's value as a person picking from it would (date pickers and selects do not
/// take typed keys the same way in every locale), firing `input` and `change`.
pub async fn set_value(client: &Client, css: &str, value: &str) {
    find(client, css).await;
    client
        .execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1];
             el.dispatchEvent(new Event('input', {bubbles: true}));
             el.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(css), json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("set {css}: {e}"));
}

/// Opens `path` again at 1280 and at 390 px, waits for `ready`, and keeps a screenshot of each
/// (`{name}-1280px`, `{name}-390px`); leaves the window at 1280 px.
pub async fn at_both_widths(client: &Client, base: &str, path: &str, ready: &str, name: &str) {
    for (width, suffix) in [(1280, "1280px"), (390, "390px")] {
        client
            .set_window_size(width, 900)
            .await
            .expect("window size");
        open(client, base, path).await;
        find(client, ready).await;
        screenshot(client, &format!("{name}-{suffix}")).await;
    }
    client
        .set_window_size(1280, 900)
        .await
        .expect("window size");
}
