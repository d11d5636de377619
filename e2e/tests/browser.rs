//! The web app in a real browser: headless chromium driving the built `firstpass` server.
//!
//! Story: an OEM engineer signs in, creates a product and a package, uploads a KiCad export
//! (a zip), sees layers, findings and the board drawn, and submits; the EMS program manager
//! starts the review and accepts; an engineer of another OEM sees nothing of it. Then the
//! factory: a build board that follows station results live, a lot traced to its units, and
//! a first-article report filled in, submitted and signed by both sides. Screenshots of the
//! main pages go to `e2e/output/`.

use std::io::Write as _;
use std::time::Instant;

use fantoccini::{Client, Locator};
use firstpass_e2e::browser::{
    accepted_package, click, draft_package, fill, find, overflows, screenshot, serve_demo, sign_in,
    sign_out, skip, wait_count, wait_text, Api, Browser, DEMO_PASSWORD,
};
use firstpass_e2e::kicad::KiCad;
use firstpass_e2e::TestDb;
use firstpass_shared::cad::fixtures::{board, kicad_revision_b_changes, Style};
use serde_json::json;

/// The KiCad fixture board as a zip file on disk.
fn kicad_zip(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("board-kicad.zip");
    let file = std::fs::File::create(&path).expect("create zip");
    let mut zip = zip::ZipWriter::new(file);
    for (name, bytes) in board(Style::KiCad) {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        zip.write_all(&bytes).expect("zip bytes");
    }
    zip.finish().expect("finish zip");
    path
}

/// The areas of the app whose chunk (`app-<hash>/split_<area>.wasm`) this page has fetched.
async fn areas_loaded(client: &Client) -> Vec<String> {
    let areas = client
        .execute(
            r#"return performance.getEntriesByType("resource")
                .map(r => new URL(r.name).pathname.match(/\/split_(\w+)\.wasm$/))
                .filter(m => m)
                .map(m => m[1]);"#,
            vec![],
        )
        .await
        .expect("resource timing");
    serde_json::from_value(areas).expect("area names")
}

async fn status_is(client: &Client, status: &str) {
    find(client, &format!("#package-status[data-status={status}]")).await;
}

#[tokio::test]
async fn sign_in_page_is_quick_and_says_what_went_wrong() {
    if skip("sign_in_page_is_quick_and_says_what_went_wrong") {
        return;
    }
    let db = TestDb::new().await;
    let server = serve_demo(&db);
    let base = server.base.clone();
    Browser::run(move |client| async move {
        let started = Instant::now();
        client.goto(&format!("{base}/sign-in")).await.expect("open");
        let button = find(&client, "#sign-in").await;
        while !button.is_enabled().await.unwrap_or(false) {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        eprintln!(
            "MEASURE time to usable sign-in page: {} ms",
            started.elapsed().as_millis()
        );
        // The first load is the sign-in page and the frame; of the areas, at most the start
        // page's, which the sign-in page fetches ahead of need.
        let areas = areas_loaded(&client).await;
        assert!(
            areas.iter().all(|area| area == "start"),
            "the sign-in page loaded {areas:?}"
        );

        fill(&client, "#email", "engineer@acme.example").await;
        fill(&client, "#password", "not-the-password").await;
        click(&client, "#sign-in").await;
        wait_text(&client, "[role=alert]", "Wrong email or password").await;
        screenshot(&client, "sign-in-wrong-password").await;

        // Signed in, a reload keeps the session (HttpOnly cookie, no script-readable token).
        fill(&client, "#password", DEMO_PASSWORD).await;
        click(&client, "#sign-in").await;
        find(&client, "#work-title").await;
        // A page of another area brings its chunk, and only that one.
        click(&client, "nav a[href='/packages']").await;
        find(&client, "#packages-title").await;
        let mut areas = areas_loaded(&client).await;
        areas.sort();
        areas.dedup();
        assert_eq!(areas, ["engineering", "start"], "areas loaded by now");
        click(&client, "nav a[href='/']").await;
        find(&client, "#work-title").await;
        let readable = client
            .execute(
                "return document.cookie + JSON.stringify(sessionStorage) + JSON.stringify(localStorage);",
                vec![],
            )
            .await
            .expect("read storage");
        assert!(
            !readable.to_string().contains("fp_refresh"),
            "the refresh token is readable by scripts: {readable}"
        );
        client.refresh().await.expect("reload");
        wait_text(&client, "#user-email", "engineer@acme.example").await;
        sign_out(&client).await;
        client.refresh().await.expect("reload");
        find(&client, "#sign-in").await;
    })
    .await;
}

#[tokio::test]
async fn npi_package_story_in_the_browser() {
    if skip("npi_package_story_in_the_browser") {
        return;
    }
    let db = TestDb::new().await;
    let server = serve_demo(&db);
    let base = server.base.clone();
    let files = tempfile::tempdir().expect("temp folder");
    let zip = kicad_zip(files.path());
    Browser::run(move |client| async move {
        // OEM engineer: product, package, upload, submit.
        sign_in(&client, &base, "engineer@acme.example").await;
        screenshot(&client, "home-oem").await;
        click(&client, "a[href='/products']").await;
        click(&client, "#new-product").await;
        fill(&client, "#part-number", "E2E-100").await;
        fill(&client, "#product-name", "Browser test board").await;
        click(&client, "#create-product").await;

        find(&client, "#package-product option").await;
        fill(&client, "#package-revision", "A").await;
        fill(&client, "#package-quantities", "10, 100").await;
        fill(&client, "#package-notes", "Made by the browser test.").await;
        screenshot(&client, "new-package").await;
        click(&client, "#create-package").await;
        status_is(&client, "DRAFT").await;
        let package_url = client.current_url().await.expect("url").to_string();

        let input = find(&client, "#file-input").await;
        input
            .send_keys(&zip.display().to_string())
            .await
            .expect("choose the zip");
        find(&client, "#local-check").await;
        find(&client, "[data-testid=upload][data-state=done]").await;
        let files = wait_count(&client, "[data-testid=file-row]", 13).await;
        assert!(files >= 13, "the zip's members are listed: {files}");
        wait_count(&client, "[data-testid=layer-row]", 11).await;
        wait_text(&client, "#finding-counts", "0 errors").await;
        wait_text(&client, "#board-facts", "50.0 × 30.0 mm").await;
        find(&client, "img[data-testid=board-composite]").await;
        wait_count(&client, "#board-viewer .part", 4).await;
        wait_count(&client, "[data-testid=bom-row]", 3).await;

        // A designator shows its BOM line; a layer can be shown alone; keys zoom.
        find(&client, "#designator-select")
            .await
            .select_by_value("R1")
            .await
            .expect("select R1");
        wait_text(&client, "#part-panel", "R1").await;
        // Choosing a part zooms the board to it.
        let zoom = client
            .execute(
                "return new DOMMatrix(getComputedStyle(document.querySelector('#board-stage .stage-inner')).transform).a;",
                vec![],
            )
            .await
            .expect("read the zoom");
        assert!(zoom.as_f64().unwrap_or(1.0) > 1.5, "zoomed to R1: {zoom}");
        // The BOM is searched and sorted in the browser.
        fill(&client, "#bom-search", "no-such-part-anywhere").await;
        wait_count(&client, "[data-testid=bom-row]", 0).await;
        wait_text(&client, "#bom-count", "0 of ").await;
        fill(&client, "#bom-search", " ").await;
        wait_count(&client, "[data-testid=bom-row]", 3).await;
        find(&client, "#bom-table th[aria-sort=ascending] button[data-column='1']").await;
        click(&client, "#bom-table button[data-column='1']").await;
        find(&client, "#bom-table th[aria-sort=descending]").await;
        click(&client, "#view-bottom").await;
        click(&client, "#view-top").await;
        find(&client, "#board-stage")
            .await
            .send_keys("++")
            .await
            .expect("zoom with keys");
        screenshot(&client, "package-draft").await;

        click(&client, "#submit-package").await;
        find(&client, "[role=alertdialog]").await;
        click(&client, "#confirm").await;
        status_is(&client, "SUBMITTED").await;
        fill(&client, "#comment-body", "Please check the SOIC footprint.").await;
        click(&client, "#add-comment").await;
        wait_count(&client, "[data-testid=thread-entry]", 2).await;
        screenshot(&client, "package-submitted").await;
        sign_out(&client).await;

        // EMS program manager: start review, accept.
        sign_in(&client, &base, "pm@northwind.example").await;
        wait_count(
            &client,
            "[data-testid=to-review] [data-testid=work-item]",
            1,
        )
        .await;
        screenshot(&client, "home-ems").await;
        client.goto(&package_url).await.expect("open package");
        click(&client, "#start-review").await;
        status_is(&client, "IN_REVIEW").await;
        fill(&client, "#review-comment", "Looks good to build.").await;
        click(&client, "#accept-package").await;
        click(&client, "#confirm").await;
        status_is(&client, "ACCEPTED").await;
        wait_text(&client, "#thread", "Accepted submission 1").await;
        screenshot(&client, "package-accepted").await;

        // Phone width: nothing wider than the screen.
        client.set_window_size(390, 844).await.expect("resize");
        find(&client, "#package-title").await;
        let wide = overflows(&client).await;
        assert!(
            wide.is_empty(),
            "the package page overflows at 390 px: {wide:?}"
        );
        screenshot(&client, "package-390px").await;
        client
            .goto(&format!("{base}/packages"))
            .await
            .expect("list");
        find(&client, "[data-testid=package-row]").await;
        let wide = overflows(&client).await;
        assert!(
            wide.is_empty(),
            "the package list overflows at 390 px: {wide:?}"
        );
        screenshot(&client, "packages-390px").await;
        client.set_window_size(1280, 900).await.expect("resize");
        screenshot(&client, "packages").await;
        sign_out(&client).await;

        // Another OEM sees nothing of it.
        sign_in(&client, &base, "engineer@globex.example").await;
        client
            .goto(&format!("{base}/packages"))
            .await
            .expect("list");
        find(&client, "#no-packages").await;
        client.goto(&package_url).await.expect("open package");
        wait_text(&client, "[role=alert]", "does not exist").await;
        assert!(client.find(Locator::Css("#package-title")).await.is_err());
        screenshot(&client, "other-oem").await;
    })
    .await;
}

/// An accepted package of Acme's with a PILOT build (stations SMT, AOI) and `units` serials.
struct Factory {
    api: Api,
    pm: String,
    operator: String,
    build: String,
    serials: Vec<String>,
}

/// Sets up, through the API, what the factory tests look at.
async fn factory(base: &str, part_number: &str, units: usize) -> Factory {
    let api = Api::new(base);
    let pm = api.login("pm@northwind.example", DEMO_PASSWORD).await;
    let operator = api.login("operator@northwind.example", DEMO_PASSWORD).await;
    let package = accepted_package(
        &api,
        part_number,
        "Factory test board",
        10,
        board(Style::KiCad),
    )
    .await;
    let build = api
        .gql(
            Some(&pm),
            "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({ "i": { "packageId": package, "phase": "PILOT", "quantity": 10,
                           "dueDate": "2099-01-01",
                           "routing": [{ "kind": "SMT_TOP", "name": "SMT" },
                                       { "kind": "AOI", "name": "AOI" }] } }),
        )
        .await["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    let serialized = api
        .gql(
            Some(&pm),
            "mutation($b: ID!, $n: Int!, $p: String!) { serializeUnits(buildId: $b, count: $n, pattern: $p) { serial } }",
            json!({ "b": build, "n": units, "p": format!("{part_number}-{{SEQ:4}}") }),
        )
        .await;
    let serials = serialized["serializeUnits"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["serial"].as_str().expect("serial").to_owned())
        .collect();
    Factory {
        api,
        pm,
        operator,
        build,
        serials,
    }
}

impl Factory {
    /// Records a PASS for `serial` at `station` as the operator.
    async fn pass(&self, serial: &str, station: &str) {
        self.result(serial, station, "PASS").await;
    }

    /// Records `result` (PASS or FAIL) for `serial` at `station` as the operator.
    async fn result(&self, serial: &str, station: &str, result: &str) {
        self.api
            .gql(
                Some(&self.operator),
                "mutation($i: StationResultInput!) { recordStationResult(input: $i) { unit { serial } } }",
                json!({ "i": { "serial": serial, "station": station, "result": result } }),
            )
            .await;
    }
}

#[tokio::test]
async fn build_board_follows_station_results_live() {
    if skip("build_board_follows_station_results_live") {
        return;
    }
    let db = TestDb::new().await;
    let server = serve_demo(&db);
    let base = server.base.clone();
    let f = factory(&base, "LIVE-1", 3).await;
    Browser::run(move |client| async move {
        sign_in(&client, &base, "pm@northwind.example").await;
        // The EMS start page lists the builds on the floor, with their stations.
        find(
            &client,
            &format!(
                "[data-testid=floor-build][data-id='{}'] .station-link[data-station=SMT]",
                f.build
            ),
        )
        .await;
        client
            .goto(&format!("{base}/builds"))
            .await
            .expect("builds");
        find(&client, "[data-testid=build-row]").await;
        find(&client, "[data-testid=weekly-yield-chart]").await;

        client
            .goto(&format!("{base}/builds/{}", f.build))
            .await
            .expect("open the board");
        find(
            &client,
            "[data-station=SMT][data-waiting='3'][data-passed='0']",
        )
        .await;
        find(&client, "#live-mode[data-mode=live]").await;
        // A mark on the page: it survives only if the page is not reloaded.
        client
            .execute("window.__stillHere = true;", vec![])
            .await
            .expect("mark the page");

        f.pass(&f.serials[0], "SMT").await;
        find(
            &client,
            "[data-station=SMT][data-waiting='2'][data-passed='1']",
        )
        .await;
        find(&client, "[data-station=AOI][data-waiting='1']").await;
        f.pass(&f.serials[0], "AOI").await;
        wait_text(&client, "#units-completed", "1").await;
        wait_text(&client, "#first-pass-yield", "100.0 %").await;
        find(
            &client,
            "[data-testid=station-yield-chart] [data-testid=bar]",
        )
        .await;

        // A failure holds the unit; its defect lands in the Pareto.
        f.result(&f.serials[1], "SMT", "FAIL").await;
        find(&client, "[data-station=SMT][data-on-hold='1']").await;
        f.api
            .gql(
                Some(&f.operator),
                "mutation($i: DefectInput!) { recordDefect(input: $i) { defect { id } } }",
                json!({ "i": { "serial": f.serials[1], "station": "SMT", "designator": "R1",
                               "code": "SOLDER_BRIDGE", "description": "R1 pads bridged",
                               "disposition": "REWORK" } }),
            )
            .await;
        find(&client, "[data-station=SMT][data-on-hold='0']").await;
        wait_text(&client, "[data-testid=pareto-chart]", "Solder bridge").await;
        let still_here = client
            .execute("return window.__stillHere === true;", vec![])
            .await
            .expect("read the mark");
        assert_eq!(still_here, json!(true), "the board was reloaded");
        screenshot(&client, "build-board").await;
        client.set_window_size(390, 844).await.expect("resize");
        find(&client, "#build-title").await;
        let wide = overflows(&client).await;
        assert!(
            wide.is_empty(),
            "the build board overflows at 390 px: {wide:?}"
        );
        screenshot(&client, "build-board-390px").await;
        client.set_window_size(1280, 900).await.expect("resize");

        let serial = f.serials[0].clone();
        click(&client, &format!("[data-serial='{serial}'] a")).await;
        wait_text(&client, "#unit-title", &serial).await;
        wait_count(&client, "[data-testid=history-row]", 2).await;
        let failed = f.serials[1].clone();
        client
            .goto(&format!("{base}/units/{failed}"))
            .await
            .expect("open the failed unit");
        wait_count(&client, "[data-testid=defect-row]", 1).await;
        wait_text(&client, "#defects", "R1 pads bridged").await;
        screenshot(&client, "unit").await;

        // Without WebSocket the board falls back to polling and still follows the floor.
        client
            .goto(&format!("{base}/builds"))
            .await
            .expect("builds");
        find(&client, "[data-testid=build-row]").await;
        // One unit has completed first time: this week's yield is drawn.
        find(
            &client,
            "[data-testid=weekly-yield-chart] [data-testid=point]",
        )
        .await;
        screenshot(&client, "builds").await;
        client
            .execute(
                "window.WebSocket = function () { throw new Error('blocked by the test'); };",
                vec![],
            )
            .await
            .expect("block WebSocket");
        click(&client, &format!("[data-id='{}'] a", f.build)).await;
        find(&client, "#live-mode[data-mode=polling]").await;
        f.pass(&f.serials[2], "SMT").await;
        find(&client, "[data-station=SMT][data-passed='2']").await;
    })
    .await;
}

#[tokio::test]
async fn a_lot_is_traced_to_its_units() {
    if skip("a_lot_is_traced_to_its_units") {
        return;
    }
    let db = TestDb::new().await;
    let server = serve_demo(&db);
    let base = server.base.clone();
    let f = factory(&base, "TRACE-1", 3).await;
    let lot = f
        .api
        .gql(
            Some(&f.pm),
            "mutation($i: ReceiveComponentLotInput!) { receiveComponentLot(input: $i) { id } }",
            json!({ "i": { "mpn": "RC0603-10K", "manufacturer": "Yageo", "lotCode": "LOT-4711",
                           "reelId": "REEL-1", "quantity": 5000, "supplier": "Distributor" } }),
        )
        .await["receiveComponentLot"]["id"]
        .as_str()
        .expect("lot")
        .to_owned();
    f.api
        .gql(
            Some(&f.operator),
            "mutation($i: RecordLotUsageInput!) { recordLotUsage(input: $i) }",
            json!({ "i": { "lotId": lot, "buildId": f.build, "designators": ["R1", "R2"],
                           "serials": f.serials[..2] } }),
        )
        .await;
    let traced = f.serials[..2].to_vec();
    Browser::run(move |client| async move {
        sign_in(&client, &base, "engineer@acme.example").await;
        click(&client, "a[href='/trace']").await;
        fill(&client, "#trace-mpn", "RC0603-10K").await;
        fill(&client, "#trace-lot", "LOT-4711").await;
        click(&client, "#trace-run").await;
        wait_text(&client, "#trace-total", "2").await;
        wait_count(&client, "[data-testid=trace-unit]", 2).await;
        for serial in &traced {
            find(
                &client,
                &format!("[data-testid=trace-unit][data-serial='{serial}']"),
            )
            .await;
        }
        wait_text(&client, "#trace-by-oem", "Acme").await;
        wait_text(&client, "[data-testid=total-oem]", "2").await;
        wait_count(&client, "[data-testid=total-build]", 1).await;
        // The Serial header sorts the units one way, then the other.
        let mut ascending = traced.clone();
        ascending.sort();
        let order = || async {
            let serials = client
                .execute(
                    "return [...document.querySelectorAll('[data-testid=trace-unit]')]\
                     .map(row => row.dataset.serial);",
                    vec![],
                )
                .await
                .expect("rows");
            serde_json::from_value::<Vec<String>>(serials).expect("serials")
        };
        click(&client, "#trace-units button.sort[data-column='0']").await;
        find(&client, "#trace-units th[aria-sort=ascending]").await;
        assert_eq!(order().await, ascending, "serials ascending");
        click(&client, "#trace-units button.sort[data-column='0']").await;
        find(&client, "#trace-units th[aria-sort=descending]").await;
        ascending.reverse();
        assert_eq!(order().await, ascending, "serials descending");
        click(&client, "#trace-export").await;
        assert!(client.find(Locator::Css("[role=alert]")).await.is_err());
        screenshot(&client, "trace").await;

        click(&client, &format!("[data-serial='{}'] a", traced[0])).await;
        wait_count(&client, "[data-testid=genealogy-row]", 2).await;
        wait_text(&client, "#genealogy", "LOT-4711").await;
    })
    .await;
}

#[tokio::test]
async fn first_article_report_is_filled_submitted_and_signed_by_both_sides() {
    if skip("first_article_report_is_filled_submitted_and_signed_by_both_sides") {
        return;
    }
    let db = TestDb::new().await;
    let server = serve_demo(&db);
    let base = server.base.clone();
    let f = factory(&base, "FAI-1", 2).await;
    let serial = f.serials[0].clone();
    let files = tempfile::tempdir().expect("temp folder");
    let evidence = files.path().join("aoi-report.csv");
    std::fs::write(&evidence, "designator,result\nR1,PASS\n").expect("write evidence");
    Browser::run(move |client| async move {
        // EMS quality: create the report, fill in form 3, submit.
        sign_in(&client, &base, "quality@northwind.example").await;
        click(&client, "a[href='/fai']").await;
        find(&client, "#fai-build option").await;
        find(&client, "#no-fai").await;
        fill(&client, "#fai-serial", &serial).await;
        click(&client, "#create-fai").await;
        find(&client, "#fai-status[data-status=DRAFT]").await;
        let rows = wait_count(&client, "[data-testid=char-row]", 1).await;

        // A FAIL row is marked and needs an NCR reference before it saves.
        let first_status = find(&client, "[data-testid=char-row] [data-testid=char-status]").await;
        first_status
            .select_by_value("FAIL")
            .await
            .expect("choose FAIL");
        find(&client, "tr.row-fail").await;
        fill(
            &client,
            "[data-testid=char-row] [data-testid=char-result]",
            "Bridged",
        )
        .await;
        click(&client, "#save-characteristics").await;
        wait_text(&client, "[role=alert]", "nonconformance").await;

        // Keyboard entry: type a result, Enter moves on to the status.
        let results = client
            .find_all(Locator::Css("[data-testid=char-result]"))
            .await
            .expect("result fields");
        let statuses = client
            .find_all(Locator::Css("[data-testid=char-status]"))
            .await
            .expect("status fields");
        assert_eq!(results.len(), rows);
        for (i, (result, status)) in results.iter().zip(&statuses).enumerate() {
            result.clear().await.expect("clear");
            result.send_keys("Conforms\n").await.expect("type a result");
            if i == 0 {
                let focused = client
                    .execute(
                        "return document.activeElement.dataset.testid || '';",
                        vec![],
                    )
                    .await
                    .expect("focus");
                assert_eq!(
                    focused,
                    json!("char-status"),
                    "Enter moves on to the status"
                );
            }
            status.select_by_value("PASS").await.expect("choose PASS");
        }
        assert!(client.find(Locator::Css("tr.row-fail")).await.is_err());
        screenshot(&client, "fai-editor").await;
        click(&client, "#save-characteristics").await;
        wait_count(
            &client,
            "[data-testid=char-row][data-saved-status=PASS]",
            rows,
        )
        .await;
        // Saving says so, and the words outlive the report being fetched again.
        wait_text(&client, "#saved", "Saved").await;

        // Evidence: an AOI export for characteristic 1, uploaded with a progress bar.
        find(&client, "#evidence-for")
            .await
            .select_by_index(1)
            .await
            .expect("choose characteristic 1");
        find(&client, "#evidence-input")
            .await
            .send_keys(&evidence.display().to_string())
            .await
            .expect("choose the evidence");
        find(&client, "[data-testid=evidence-upload][data-state=done]").await;
        wait_text(&client, "#evidence", "aoi-report.csv").await;
        wait_text(&client, "#evidence", "#1").await;
        click(&client, "#submit-fai").await;
        find(&client, "#fai-status[data-status=SUBMITTED]").await;
        let report_url = client.current_url().await.expect("url").to_string();

        client.goto(&format!("{base}/fai")).await.expect("FAI list");
        find(&client, "[data-testid=fai-row]").await;
        screenshot(&client, "fai-list").await;
        sign_out(&client).await;

        // EMS program manager: sign in the dialog.
        sign_in(&client, &base, "pm@northwind.example").await;
        find(&client, "[data-testid=fai-to-sign] [data-testid=fai-item]").await;
        screenshot(&client, "home-fai-to-sign").await;
        click(
            &client,
            "[data-testid=fai-to-sign] [data-testid=fai-item] a",
        )
        .await;
        let hash = find(&client, "#content-hash")
            .await
            .text()
            .await
            .expect("hash");
        click(&client, "#sign-fai").await;
        wait_text(&client, "#sign-hash", &hash).await;
        wait_text(&client, "#sign-summary", "passed").await;
        fill(
            &client,
            "#sign-reason",
            "Inspection complete and conforming.",
        )
        .await;
        // A wrong password says so, and signs nothing.
        fill(&client, "#sign-password", "not my password").await;
        click(&client, "#confirm-sign").await;
        wait_text(
            &client,
            "#sign-dialog [role=alert]",
            "password is not correct",
        )
        .await;
        fill(&client, "#sign-password", DEMO_PASSWORD).await;
        screenshot(&client, "fai-sign-dialog").await;
        click(&client, "#confirm-sign").await;
        find(&client, "#fai-status[data-status=EMS_APPROVED]").await;
        sign_out(&client).await;

        // OEM engineer: the three forms, then approve.
        sign_in(&client, &base, "engineer@acme.example").await;
        click(
            &client,
            "[data-testid=fai-to-sign] [data-testid=fai-item] a",
        )
        .await;
        find(&client, "#fai-status[data-status=EMS_APPROVED]").await;
        wait_text(&client, "#form1", "Part number").await;
        find(&client, "#form2 .facts").await;
        wait_count(
            &client,
            "#form3 [data-testid=characteristic][data-status=PASS]",
            rows,
        )
        .await;
        screenshot(&client, "fai-approval").await;
        click(&client, "#sign-fai").await;
        wait_text(&client, "#sign-summary", "passed").await;
        fill(&client, "#sign-reason", "Approved for production.").await;
        fill(&client, "#sign-password", DEMO_PASSWORD).await;
        click(&client, "#confirm-sign").await;
        find(&client, "#fai-status[data-status=APPROVED]").await;
        wait_count(&client, "[data-testid=signature]", 2).await;
        wait_count(&client, "[data-testid=signature][data-meaning=APPROVED]", 2).await;
        wait_text(&client, "#timeline", "pm@northwind.example").await;
        wait_text(&client, "#timeline", "engineer@acme.example").await;
        click(&client, "#download-pdf").await;
        assert!(client.find(Locator::Css("[role=alert]")).await.is_err());
        screenshot(&client, "fai-approved").await;
        assert_eq!(
            client.current_url().await.expect("url").to_string(),
            report_url
        );
    })
    .await;
}

/// The upload pre-flight in the browser: a KiCad demo board exported by KiCad as one IPC-2581
/// file is recognised as such and summed up exactly as its Gerber + drill + CSV set is (board
/// size, copper layers, placements, BOM lines), both checked by the browser before upload.
#[tokio::test]
async fn ipc2581_preflight_sums_up_like_the_gerber_set() {
    let test = "ipc2581_preflight_sums_up_like_the_gerber_set";
    if skip(test) {
        return;
    }
    let Some((kicad, board)) = KiCad::find_or_skip(test, "pic_programmer/pic_programmer.kicad_pcb")
    else {
        return;
    };
    let files = tempfile::tempdir().expect("temp folder");
    let export = kicad
        .export_demo(&board, files.path())
        .expect("KiCad export");
    let on_disk = |dir: &str, list: &[(String, Vec<u8>)]| {
        let dir = files.path().join(dir);
        std::fs::create_dir_all(&dir).expect("folder");
        list.iter()
            .map(|(name, bytes)| {
                let path = dir.join(name);
                std::fs::write(&path, bytes).expect("write");
                path.display().to_string()
            })
            .collect::<Vec<_>>()
    };
    let set_paths = on_disk("set", &export.gerber_set);
    let xml_paths = on_disk("xml", std::slice::from_ref(&export.ipc2581));
    let db = TestDb::new().await;
    let server = serve_demo(&db);
    let base = server.base.clone();
    let api = Api::new(&base);
    let engineer = api.login("engineer@acme.example", DEMO_PASSWORD).await;
    let set_pkg = draft_package(
        &api,
        &engineer,
        "KICAD-SET",
        "PIC programmer, Gerber set",
        10,
    )
    .await;
    let xml_pkg = draft_package(&api, &engineer, "KICAD-XML", "PIC programmer, IPC-2581", 10).await;
    Browser::run(move |client| async move {
        sign_in(&client, &base, "engineer@acme.example").await;
        let mut seen = Vec::new();
        for (pkg, paths, kinds) in [
            (&set_pkg, &set_paths, "Gerber"),
            (&xml_pkg, &xml_paths, "1 IPC-2581"),
        ] {
            client
                .goto(&format!("{base}/packages/{pkg}"))
                .await
                .expect("open the package");
            status_is(&client, "DRAFT").await;
            // chromedriver takes several files for one `multiple` input, one path a line.
            find(&client, "#file-input")
                .await
                .send_keys(&paths.join("\n"))
                .await
                .expect("choose the files");
            find(&client, "#local-summary").await;
            wait_text(&client, "#local-kinds", kinds).await;
            let mut facts = Vec::new();
            for id in ["#local-board", "#local-placements", "#local-bom-lines"] {
                facts.push(find(&client, id).await.text().await.expect("text"));
            }
            screenshot(
                &client,
                &format!("preflight-{}", kinds.replace(' ', "-").to_lowercase()),
            )
            .await;
            find(&client, "[data-testid=upload][data-state=done]").await;
            seen.push(facts);
        }
        eprintln!(
            "pre-flight, Gerber set: {:?}; IPC-2581: {:?}",
            seen[0], seen[1]
        );
        assert!(seen[0][0].contains(" mm, 2 copper layers"), "{:?}", seen[0]);
        assert!(
            seen[0][1].parse::<usize>().unwrap_or(0) > 0,
            "{:?}",
            seen[0]
        );
        assert_eq!(
            seen[0], seen[1],
            "the IPC-2581 pre-flight differs from the Gerber set's"
        );
    })
    .await;
}

/// The revision compare page: revision B of the fixture board with R1 and C1 swapped, C2 moved
/// 0.5 mm and R3 made 4k7 lists exactly those four designators, marks them on the board
/// picture, and suggests a partial first article of them.
#[tokio::test]
async fn revision_compare_page_marks_the_changed_designators() {
    if skip("revision_compare_page_marks_the_changed_designators") {
        return;
    }
    let db = TestDb::new().await;
    let server = serve_demo(&db);
    let base = server.base.clone();
    let api = Api::new(&base);
    let a = accepted_package(&api, "ECO-WEB", "Compare board", 10, board(Style::KiCad)).await;
    let engineer = api.login("engineer@acme.example", DEMO_PASSWORD).await;
    let b = api
        .gql(
            Some(&engineer),
            "mutation($id: ID!) { createRevision(fromPackageId: $id, revision: \"B\") { id } }",
            json!({ "id": a }),
        )
        .await["createRevision"]["id"]
        .as_str()
        .expect("revision B")
        .to_owned();
    api.upload_package_files(&engineer, &b, kicad_revision_b_changes())
        .await;
    Browser::run(move |client| async move {
        sign_in(&client, &base, "engineer@acme.example").await;
        client
            .goto(&format!("{base}/packages/{b}"))
            .await
            .expect("open revision B");
        click(&client, "#compare-with a[data-testid=compare-link]").await;
        wait_count(&client, "[data-testid=designator-diff]", 4).await;
        let designators = |css: &'static str| {
            let client = client.clone();
            async move {
                let mut out = Vec::new();
                for e in client.find_all(Locator::Css(css)).await.expect("find") {
                    out.push(
                        e.attr("data-designator")
                            .await
                            .expect("attribute")
                            .unwrap_or_default(),
                    );
                }
                out.sort();
                out
            }
        };
        let expected = ["C1", "C2", "R1", "R3"].map(String::from).to_vec();
        assert_eq!(designators("[data-testid=designator-diff]").await, expected);
        find(&client, "img[data-testid=diff-board]").await;
        wait_count(&client, "[data-testid=diff-mark]", 4).await;
        assert_eq!(designators("[data-testid=diff-mark]").await, expected);
        // C2 moved: its ring (where it was) and its dot (where it is) are both drawn.
        find(
            &client,
            "[data-testid=diff-mark][data-designator=C2] circle.was",
        )
        .await;
        find(
            &client,
            "[data-testid=diff-mark][data-designator=C2] circle.now",
        )
        .await;
        let fai = wait_text(&client, "#suggested-fai", "Partial").await;
        for d in &expected {
            assert!(fai.contains(d.as_str()), "{fai}");
        }
        screenshot(&client, "revision-compare").await;
    })
    .await;
}
