//! Counting the SQL statements a server sends to PostgreSQL, on the wire: a small TCP relay
//! that reads the PostgreSQL frontend protocol and records every statement executed (each
//! simple `Query` message and each extended-protocol `Execute`, with the SQL of the `Parse` it
//! ran). The server under test connects through it with `sslmode=disable`; a benchmark clears
//! the log before a request and reads it once the response arrived.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Statements seen by the relay, in order.
pub type StatementLog = Arc<Mutex<Vec<String>>>;

/// Starts a relay to `upstream` (`host:port`) on a free local port; returns the port and the
/// log every relayed connection writes its statements to.
pub async fn start_relay(upstream: String) -> (u16, StatementLog) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
    let port = listener.local_addr().expect("relay address").port();
    let log = StatementLog::default();
    let shared = log.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            let log = shared.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (client_read, mut client_write) = client.into_split();
                let (mut server_read, server_write) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                });
                let _ = relay_frontend(client_read, server_write, log).await;
            });
        }
    });
    (port, log)
}

/// A NUL-terminated string at the start of `bytes`, and what follows it.
fn c_string(bytes: &[u8]) -> (String, &[u8]) {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let rest = bytes.get(end + 1..).unwrap_or_default();
    (String::from_utf8_lossy(&bytes[..end]).into_owned(), rest)
}

/// Copies the client's messages to the server, logging each statement before forwarding it.
async fn relay_frontend(
    read: tokio::net::tcp::OwnedReadHalf,
    mut write: tokio::net::tcp::OwnedWriteHalf,
    log: StatementLog,
) -> std::io::Result<()> {
    let mut read = tokio::io::BufReader::new(read);
    // Untyped messages first: an optional SSL or GSS encryption request (which the server
    // answers with one byte; the relay is used with `sslmode=disable`), then the startup message.
    loop {
        let mut len = [0u8; 4];
        read.read_exact(&mut len).await?;
        let mut body = vec![0u8; (u32::from_be_bytes(len) as usize).saturating_sub(4)];
        read.read_exact(&mut body).await?;
        write.write_all(&len).await?;
        write.write_all(&body).await?;
        let code = body
            .get(..4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
        if !matches!(code, Some(80_877_103 | 80_877_104)) {
            break;
        }
    }
    // Prepared statements by name, and the SQL bound to each portal.
    let mut prepared: HashMap<String, String> = HashMap::new();
    let mut portals: HashMap<String, String> = HashMap::new();
    loop {
        let mut head = [0u8; 5];
        read.read_exact(&mut head).await?;
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len.saturating_sub(4)];
        read.read_exact(&mut body).await?;
        match head[0] {
            b'Q' => {
                let (sql, _) = c_string(&body);
                log.lock().expect("log").push(sql);
            }
            b'P' => {
                let (name, rest) = c_string(&body);
                let (sql, _) = c_string(rest);
                prepared.insert(name, sql);
            }
            b'B' => {
                let (portal, rest) = c_string(&body);
                let (statement, _) = c_string(rest);
                let sql = prepared.get(&statement).cloned().unwrap_or_default();
                portals.insert(portal, sql);
            }
            b'E' => {
                let (portal, _) = c_string(&body);
                let sql = portals.get(&portal).cloned().unwrap_or_default();
                log.lock().expect("log").push(sql);
            }
            _ => {}
        }
        write.write_all(&head).await?;
        write.write_all(&body).await?;
        if head[0] == b'X' {
            return Ok(());
        }
    }
}

/// A short label for a statement: its first word and the tables it names after `FROM`,
/// `JOIN`, `INTO` or `UPDATE` (sub-queries and PostGraphile's `__local_N__` aliases skipped).
pub fn label(sql: &str) -> String {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let verb = words.first().map_or("?", |w| w).to_uppercase();
    let mut tables: Vec<&str> = Vec::new();
    for pair in words.windows(2) {
        let keyword = pair[0].to_lowercase();
        if ["from", "join", "into", "update"].contains(&keyword.as_str())
            && !pair[1].starts_with('(')
            && !pair[1].starts_with("__")
        {
            let table = pair[1].trim_end_matches([',', ')', ';']);
            if !tables.contains(&table) {
                tables.push(table);
            }
        }
    }
    if tables.is_empty() {
        words.iter().take(3).copied().collect::<Vec<_>>().join(" ")
    } else {
        format!("{verb} {}", tables.join(", "))
    }
}

/// `url` with its host and port replaced by `127.0.0.1:port` and TLS off (for the relay).
pub fn via_port(url: &str, port: u16) -> String {
    let (scheme, rest) = url.split_once("://").expect("scheme");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let user = authority
        .rsplit_once('@')
        .map_or(String::new(), |(u, _)| format!("{u}@"));
    format!("{scheme}://{user}127.0.0.1:{port}/{path}?sslmode=disable")
}

/// The `host:port` of a PostgreSQL URL.
pub fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}
