//! First-load benchmark: navigation to a usable sign-in page in headless chromium, and what the
//! browser downloaded for it.
//!
//! Serves the built `firstpass` with the web bundle in `web/dist` as it is (build the one users
//! get first: `cargo xtask build-web --release`), then opens `/sign-in` in a fresh headless
//! chromium `FIRSTPASS_BENCH_RUNS` times (default 5): a cold load (empty cache) and then a warm
//! one (the hashed files from the cache) per browser. "Usable" is the moment the sign-in form is
//! in the document, which the app marks on the Performance timeline
//! (`firstpass-sign-in-usable`, milliseconds since the navigation started); a
//! `MutationObserver` in the page waits for it, so polling from the test adds nothing. Prints
//! the median, fastest and slowest of each, the navigation timing (response end, DOM content
//! loaded, load event) and the bytes transferred for the wasm, JS and CSS.
//!
//! `cargo xtask build-web --release && cargo bench -p firstpass-e2e --bench first_load`.
//! The server is on loopback: the figures are the browser's own work (parse, compile,
//! instantiate, first render), not the network's; the gzip bytes printed tell the rest.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use firstpass_e2e::browser::{tools, Browser};
use firstpass_e2e::{Firstpass, TestDb};
use serde_json::Value;

/// Waits in the page until the sign-in button exists and is enabled; answers the time since the
/// navigation started, the navigation timing and the transfer sizes of the app's files.
const USABLE: &str = r##"
const done = arguments[arguments.length - 1];
const report = () => {
    const nav = performance.getEntriesByType("navigation")[0] || {};
    const files = performance.getEntriesByType("resource")
        .filter(r => /\.(wasm|js|css)$/.test(new URL(r.name).pathname))
        .map(r => ({ name: new URL(r.name).pathname, transfer: r.transferSize,
                     encoded: r.encodedBodySize, decoded: r.decodedBodySize }));
    return { nav: { responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd,
                    load: nav.loadEventEnd }, files };
};
// The app marks the moment its sign-in page is in the document; the observer below is the
// fallback for a build without the mark.
const marked = () => {
    const m = performance.getEntriesByName("firstpass-sign-in-usable")[0];
    return m ? m.startTime : null;
};
const ready = () => {
    const b = document.querySelector("#sign-in");
    return b && !b.disabled;
};
if (ready()) {
    const mark = marked();
    // Already usable when the script ran: without the mark, not known finer than now.
    done({ usable: mark ?? performance.now(), late: mark === null, ...report() });
    return;
}
const seen = new MutationObserver(() => {
    if (ready()) {
        const usable = marked() ?? performance.now();
        seen.disconnect();
        done({ usable, late: false, ...report() });
    }
});
seen.observe(document.documentElement, { childList: true, subtree: true, attributes: true });
"##;

/// One measured load.
#[derive(Debug)]
struct Load {
    usable_ms: f64,
    late: bool,
    response_end_ms: f64,
    dom_content_loaded_ms: f64,
    files: Vec<(String, u64, u64, u64)>,
}

fn parse(v: &Value) -> Load {
    let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    Load {
        usable_ms: num(&v["usable"]),
        late: v["late"].as_bool().unwrap_or(false),
        response_end_ms: num(&v["nav"]["responseEnd"]),
        dom_content_loaded_ms: num(&v["nav"]["domContentLoaded"]),
        files: v["files"]
            .as_array()
            .map(|files| {
                files
                    .iter()
                    .map(|f| {
                        let n = |k: &str| f[k].as_u64().unwrap_or(0);
                        (
                            f["name"].as_str().unwrap_or_default().to_owned(),
                            n("transfer"),
                            n("encoded"),
                            n("decoded"),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn summary(name: &str, loads: &[Load]) {
    let mut times: Vec<f64> = loads.iter().map(|l| l.usable_ms).collect();
    times.sort_by(f64::total_cmp);
    if times.is_empty() {
        return;
    }
    let median = times[times.len() / 2];
    let dcl: Vec<f64> = loads.iter().map(|l| l.dom_content_loaded_ms).collect();
    let response: Vec<f64> = loads.iter().map(|l| l.response_end_ms).collect();
    let late = loads.iter().filter(|l| l.late).count();
    println!(
        "{name}: navigation to usable sign-in page: median {median:.0} ms, fastest {:.0} ms, slowest {:.0} ms over {} loads{}",
        times[0],
        times[times.len() - 1],
        times.len(),
        if late > 0 {
            format!(" ({late} already usable when first looked at: an upper bound)")
        } else {
            String::new()
        }
    );
    println!(
        "{name}:   index.html response end {:.0} ms, DOM content loaded {:.0} ms (means)",
        response.iter().sum::<f64>() / response.len() as f64,
        dcl.iter().sum::<f64>() / dcl.len() as f64
    );
}

#[tokio::main]
async fn main() {
    if tools().is_none() {
        println!("SKIPPED first_load: chromium/chromedriver not installed");
        return;
    }
    let runs: usize = std::env::var("FIRSTPASS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let db = TestDb::new().await;
    let server = Firstpass::new(&db).serve();
    let url = format!("{}/sign-in", server.base);

    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..runs {
        let url = url.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        Browser::run(move |client| async move {
            let mut out = Vec::new();
            for _ in 0..2 {
                client.goto(&url).await.expect("open the sign-in page");
                let answer = client
                    .execute_async(USABLE, vec![])
                    .await
                    .expect("measure in the page");
                out.push(parse(&answer));
            }
            let _ = tx.send(out);
        })
        .await;
        let mut loads = rx.await.expect("the loads");
        warm.push(loads.pop().expect("warm load"));
        cold.push(loads.pop().expect("cold load"));
    }
    summary("cold cache", &cold);
    summary("warm cache", &warm);
    if let Some(first) = cold.first() {
        println!("files of a cold load (bytes transferred / encoded / decoded):");
        let mut total = (0, 0, 0);
        for (name, transfer, encoded, decoded) in &first.files {
            println!("  {name:<48} {transfer:>9} {encoded:>9} {decoded:>9}");
            total = (total.0 + transfer, total.1 + encoded, total.2 + decoded);
        }
        println!(
            "  {:<48} {:>9} {:>9} {:>9}",
            "total", total.0, total.1, total.2
        );
    }
}
