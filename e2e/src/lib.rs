//! Helpers for tests that run Firstpass as its users do: the built `firstpass` binary, a
//! fresh database of its own, and real HTTP.
//!
//! - [`TestDb`]: a new SQLite file in a temporary folder, or, when `TEST_DATABASE_URL` names a
//!   PostgreSQL server, a new database on it, dropped again when the value is dropped.
//! - [`Firstpass`]: the `firstpass` binary run as a command or as a server on a free port.

pub mod browser;
pub mod cfx;
pub mod kicad;
pub mod sql_relay;

use sea_orm::{ConnectionTrait, Database};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A database that lives as long as the value.
pub struct TestDb {
    /// Connection URL to hand to the server.
    pub url: String,
    admin_url: Option<String>,
    name: String,
    dir: tempfile::TempDir,
}

impl TestDb {
    /// A fresh, empty database on the configured backend.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
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
                    .map_or(admin_url.as_str(), |(base, _)| base);
                Self {
                    url: format!("{base}/{name}"),
                    admin_url: Some(admin_url),
                    name,
                    dir,
                }
            }
            _ => {
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("firstpass.db").display()
                );
                Self {
                    url,
                    admin_url: None,
                    name,
                    dir,
                }
            }
        }
    }

    /// A folder that lives as long as the database, usable as the data directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        self.admin_url.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(admin_url) = self.admin_url.clone() else {
            return;
        };
        let name = self.name.clone();
        // Drop may run inside or outside a runtime: use a small runtime on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
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

/// Where the `firstpass` binary is: `FIRSTPASS_BIN`, or next to the test executable's folder
/// (`target/<profile>/firstpass`), where `cargo test --workspace` builds it.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("FIRSTPASS_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let path = profile_dir.join(format!("firstpass{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo xtask test` or build it with `cargo build -p firstpass-api`",
        path.display()
    );
    path
}

/// The `firstpass` binary, configured for one test database.
pub struct Firstpass<'a> {
    db: &'a TestDb,
}

impl<'a> Firstpass<'a> {
    /// Commands run against `db`, with its folder as the data directory.
    pub fn new(db: &'a TestDb) -> Self {
        Self { db }
    }

    /// A command with the test's environment: data directory, database, quiet logs.
    pub fn command(&self) -> Command {
        let mut command = Command::new(binary());
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("FIRSTPASS_DATA_DIR", self.db.dir())
            .env("DATABASE_URL", &self.db.url)
            .env("RUST_LOG", "warn");
        command
    }

    /// Runs `firstpass ARGS` with `stdin` as standard input and waits for it.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn firstpass");
        if let Some(mut input) = child.stdin.take() {
            input.write_all(stdin.as_bytes()).expect("write stdin");
        }
        child.wait_with_output().expect("wait for firstpass")
    }

    /// Starts `firstpass serve` on a free port and waits until it prints its URL.
    pub fn serve(&self) -> Server {
        self.serve_with(&[])
    }

    /// Like [`Firstpass::serve`], with extra environment variables.
    pub fn serve_with(&self, env: &[(&str, &str)]) -> Server {
        let mut child = self
            .command()
            .args(["serve", "--bind", "127.0.0.1:0"])
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn firstpass serve");
        let stdout = child.stdout.take().expect("stdout");
        // The log is read as it comes, keeping its last lines for a failure message: a pipe
        // nobody reads fills up after 64 KB and then blocks the server's next log line.
        let log_tail = std::sync::Arc::new(std::sync::Mutex::new(std::collections::VecDeque::<
            String,
        >::new()));
        if let Some(stderr) = child.stderr.take() {
            let tail = log_tail.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Ok(mut tail) = tail.lock() {
                        if tail.len() == 200 {
                            tail.pop_front();
                        }
                        tail.push_back(line);
                    }
                }
            });
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("http://").nth(1) {
                    let base = rest.split('/').next().unwrap_or_default().to_owned();
                    let _ = tx.send(format!("http://{base}"));
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let base = loop {
            if let Ok(base) = rx.recv_timeout(Duration::from_millis(100)) {
                break base;
            }
            if let Ok(Some(status)) = child.try_wait() {
                // Give the reader a moment to take the last lines.
                std::thread::sleep(Duration::from_millis(200));
                let err = log_tail
                    .lock()
                    .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default();
                panic!("firstpass serve exited with {status}: {err}");
            }
            assert!(
                Instant::now() < deadline,
                "firstpass serve did not start within 60 s"
            );
        };
        Server { child, base }
    }
}

/// A running `firstpass serve`; stopped when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Server {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process at once, as a crash would (SIGKILL on Unix: no shutdown of any kind).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits up to `limit` for the process to exit; its status, or `None` if it still runs.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
