//! The EMS side in a real browser: the program manager plans a build from an accepted package
//! and serializes it; the operator records results at two stations by scanning (type and
//! Enter), one FAIL with its defect, receives a reel, records its usage over a serial range
//! and ships a finished unit; quality gives the held unit a REWORK. Every new page is then
//! opened again at its address, at 1280 and 390 px, with screenshots in `e2e/output/`. Last,
//! the OEM engineer sees the program manager's question arrive in the inbox, live, and the
//! build's board follow a result recorded on the floor without a reload. The FAIL's designator
//! is picked on the board picture.

use fantoccini::Client;
use firstpass_e2e::browser::{
    accepted_package, click, fill, find, overflows, screenshot, serve_demo, sign_in, sign_out,
    skip, wait_text, Api, Browser, DEMO_PASSWORD,
};
use firstpass_e2e::TestDb;
use firstpass_shared::cad::fixtures::{board, Style};
use serde_json::json;

/// The WebDriver Enter key, as a scanner ends a code.
const ENTER: &str = "\u{E007}";

/// An accepted package of Acme's (the KiCad fixture board) for Northwind; its id.
async fn accepted_kicad_package(base: &str, part_number: &str) -> String {
    accepted_package(
        &Api::new(base),
        part_number,
        "Floor test board",
        3,
        board(Style::KiCad),
    )
    .await
}

/// The id of the element that has the focus.
async fn focused(client: &Client) -> String {
    client
        .execute(
            "return document.activeElement && document.activeElement.id;",
            vec![],
        )
        .await
        .expect("read the focus")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Types `text` then Enter into the focused serial field, as a scanner does.
async fn scan(client: &Client, css: &str, text: &str) {
    find(client, css)
        .await
        .send_keys(&format!("{text}{ENTER}"))
        .await
        .unwrap_or_else(|e| panic!("scan {text}: {e}"));
}

/// Waits for the station's panel to show `state`.
async fn state_is(client: &Client, state: &str) {
    find(client, &format!("#scan-state[data-state={state}]")).await;
}

#[tokio::test]
async fn ems_floor_in_the_browser() {
    if skip("ems_floor_in_the_browser") {
        return;
    }
    let db = TestDb::new().await;
    let server = serve_demo(&db);
    let base = server.base.clone();
    let package = accepted_kicad_package(&base, "EMS-1").await;
    Browser::run(move |client| async move {
        // Program manager: the accepted package is ready to build; plan from its page.
        sign_in(&client, &base, "pm@northwind.example").await;
        find(
            &client,
            "[data-testid=ready-to-build] [data-testid=work-item] .plan-link",
        )
        .await;
        find(&client, "[data-testid=floor]").await;
        screenshot(&client, "ems-home-pm").await;
        client
            .goto(&format!("{base}/packages/{package}"))
            .await
            .expect("open the package");
        click(&client, "#plan-build").await;
        find(&client, "#plan-package").await;
        fill(&client, "#plan-quantity", "3").await;
        client
            .execute(
                "const d = document.querySelector('#plan-due'); d.value = '2099-01-31';
                 d.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![],
            )
            .await
            .expect("set the due date");
        // AOI first, then SMT moved up above it, renamed.
        find(&client, "#add-kind")
            .await
            .select_by_value("AOI")
            .await
            .expect("choose AOI");
        click(&client, "#add-station").await;
        find(&client, "#add-kind")
            .await
            .select_by_value("SMT_TOP")
            .await
            .expect("choose SMT");
        click(&client, "#add-station").await;
        click(&client, ".routing-step:nth-child(2) .step-up").await;
        find(&client, ".routing-step:nth-child(1)[data-kind=SMT_TOP]").await;
        fill(&client, ".routing-step:nth-child(1) .step-name", "SMT").await;
        screenshot(&client, "ems-plan-build").await;
        click(&client, "#create-build").await;

        // Serialize three units; the preview is what the server then creates.
        find(&client, "#serialize-title").await;
        let url = client.current_url().await.expect("url").to_string();
        let build = url
            .split("/builds/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .expect("the build id in the address")
            .to_owned();
        wait_text(&client, "#routing-summary", "SMT").await;
        fill(&client, "#serial-pattern", "EMS1-{YY}{WW}-{SEQ:3}").await;
        fill(&client, "#serial-count", "3").await;
        let first = wait_text(&client, "#preview-first", "EMS1-").await;
        let last = wait_text(&client, "#preview-last", "-003").await;
        assert!(first.ends_with("-001"), "first serial: {first}");
        click(&client, "#serialize").await;
        let created = wait_text(&client, "#serialized", "Created 3 units").await;
        assert!(
            created.contains(&first) && created.contains(&last),
            "the server made other serials than the preview: {created} vs {first} … {last}"
        );
        find(&client, "#unit-count[data-count='3']").await;
        find(&client, "#build-status [data-status=PLANNED]").await;
        screenshot(&client, "ems-serialize").await;
        let serials: Vec<String> = (1..=3)
            .map(|i| format!("{}{i:03}", first.trim_end_matches("001")))
            .collect();
        sign_out(&client).await;

        // Operator: the start page leads to the stations.
        sign_in(&client, &base, "operator@northwind.example").await;
        click(
            &client,
            &format!(
                "[data-testid=floor-build][data-id='{build}'] .station-link[data-station=SMT]"
            ),
        )
        .await;
        find(&client, "#station-counts[data-waiting='3']").await;
        assert_eq!(
            focused(&client).await,
            "scan",
            "the serial field has the focus"
        );
        // 1: scan, PASS button.
        scan(&client, "#scan", &serials[0]).await;
        state_is(&client, "ready").await;
        wait_text(&client, "#unit-panel", &serials[0]).await;
        click(&client, "#pass").await;
        state_is(&client, "pass").await;
        assert_eq!(focused(&client).await, "scan", "focus back after PASS");
        // 2: scan, PASS as a command barcode.
        scan(&client, "#scan", &serials[1]).await;
        state_is(&client, "ready").await;
        scan(&client, "#scan", "PASS").await;
        wait_text(
            &client,
            "#scan-state",
            &format!("PASS recorded for {}", serials[1]),
        )
        .await;
        // 3: scan, FAIL with the defect seen.
        scan(&client, "#scan", &serials[2]).await;
        state_is(&client, "ready").await;
        click(&client, "#fail").await;
        find(&client, "#defect-code")
            .await
            .select_by_value("SOLDER_BRIDGE")
            .await
            .expect("choose the defect");
        // The designator picked on the board picture (the server's), not typed.
        click(&client, "#board-pick .part[data-designator=R1]").await;
        find(&client, "#board-pick .part.selected[data-designator=R1]").await;
        let picked = find(&client, "#defect-designator")
            .await
            .prop("value")
            .await
            .expect("value");
        assert_eq!(picked.as_deref(), Some("R1"), "the board click picks R1");
        screenshot(&client, "ems-station-defect").await;
        click(&client, "#record-fail").await;
        state_is(&client, "fail").await;
        assert_eq!(focused(&client).await, "scan", "focus back after FAIL");
        find(
            &client,
            "#station-counts[data-passed='2'][data-on-hold='1']",
        )
        .await;
        let value = find(&client, "#scan")
            .await
            .prop("value")
            .await
            .expect("value");
        assert_eq!(value.as_deref(), Some(""), "the field is cleared");
        screenshot(&client, "ems-station").await;

        // AOI: a PASS from the keyboard (Alt+P), and the held unit is refused.
        client
            .goto(&format!("{base}/builds/{build}/stations/AOI"))
            .await
            .expect("open AOI");
        find(&client, "#station-counts[data-waiting='2']").await;
        scan(&client, "#scan", &serials[0]).await;
        state_is(&client, "ready").await;
        find(&client, "#scan")
            .await
            .send_keys("\u{E00A}p\u{E000}")
            .await
            .expect("Alt+P");
        wait_text(
            &client,
            "#scan-state",
            &format!("PASS recorded for {}", serials[0]),
        )
        .await;
        scan(&client, "#scan", &serials[2]).await;
        state_is(&client, "refused").await;
        wait_text(&client, "#scan-state", "on hold").await;

        // A reel received as a scanner types it, and its usage over the build's range.
        client
            .goto(&format!("{base}/builds/{build}/lots"))
            .await
            .expect("open lots");
        find(&client, "#lot-mpn").await;
        fill(&client, "#lot-mpn", &format!("RC0603FR-0710KL{ENTER}")).await;
        assert_eq!(focused(&client).await, "lot-manufacturer", "Enter moves on");
        fill(&client, "#lot-manufacturer", "Yageo").await;
        fill(&client, "#lot-code", "LOT-EMS-1").await;
        fill(&client, "#lot-date-code", "2451").await;
        fill(&client, "#lot-reel", "REEL-EMS-1").await;
        fill(&client, "#lot-quantity", "5000").await;
        click(&client, "#receive-lot").await;
        wait_text(&client, "#received", "REEL-EMS-1").await;
        // The BOM's designators for this MPN are suggested.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let value = find(&client, "#usage-designators")
                .await
                .prop("value")
                .await
                .expect("value")
                .unwrap_or_default();
            if value.contains("R1") {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no designators suggested: {value:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        fill(&client, "#usage-designators", "R1, R2").await;
        click(&client, "#record-usage").await;
        wait_text(&client, "#usage-done", "Recorded 6 usages").await;
        screenshot(&client, "ems-lots").await;

        // Ship the finished unit: scanned; the held one is refused.
        client
            .goto(&format!("{base}/builds/{build}/ship"))
            .await
            .expect("open shipping");
        find(
            &client,
            &format!("[data-testid=finished-unit][data-serial='{}']", serials[0]),
        )
        .await;
        scan(&client, "#ship-scan", &serials[2]).await;
        wait_text(&client, "#pick-note", "only finished units ship").await;
        scan(&client, "#ship-scan", &serials[0]).await;
        wait_text(&client, "#pick-note", "picked").await;
        fill(&client, "#ship-destination", "Acme, Receiving dock 2").await;
        fill(&client, "#ship-carrier", "DHL").await;
        fill(&client, "#ship-tracking", "JD0146000").await;
        click(&client, "#ship").await;
        wait_text(&client, "#shipped", "Shipped 1 unit with DHL").await;
        screenshot(&client, "ems-ship").await;
        sign_out(&client).await;

        // Quality: the held unit, with the operator's defect, gets a REWORK.
        sign_in(&client, &base, "quality@northwind.example").await;
        click(
            &client,
            &format!("[data-testid=floor-build][data-id='{build}'] a[href$='/holds']"),
        )
        .await;
        let hold = format!("[data-testid=hold][data-serial='{}']", serials[2]);
        find(&client, &hold).await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let value = find(&client, &format!("{hold} .hold-designator"))
                .await
                .prop("value")
                .await
                .expect("value")
                .unwrap_or_default();
            if value == "R1" {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "designator not filled in: {value:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        fill(
            &client,
            &format!("{hold} .hold-reason"),
            "Bridge reflowed by hand",
        )
        .await;
        screenshot(&client, "ems-holds").await;
        click(&client, &format!("{hold} .hold-submit")).await;
        wait_text(&client, "#decided", "Rework").await;
        find(&client, "#no-holds").await;
        client
            .goto(&format!("{base}/units/{}", serials[2]))
            .await
            .expect("open the reworked unit");
        wait_text(&client, "#defects", "Bridge reflowed by hand").await;
        wait_text(&client, "#unit-status", "In work").await;

        // A machine fails it again and names a defect without a decision (PENDING): quality
        // decides it on the holds page, and the unit leaves the hold.
        let api = Api::new(&base);
        let machine = api.login("operator@northwind.example", DEMO_PASSWORD).await;
        api.gql(
            Some(&machine),
            "mutation($i: StationResultInput!) { recordStationResult(input: $i) { unit { status } } }",
            json!({"i": {"serial": serials[2], "station": "SMT", "result": "FAIL"}}),
        )
        .await;
        api.gql(
            Some(&machine),
            "mutation($i: DefectInput!) { recordDefect(input: $i) { defect { id } } }",
            json!({"i": {"serial": serials[2], "station": "SMT", "designator": "C1", "code": "TOMBSTONE",
                "description": "AOI 3D: C1 lifted on pad 2", "disposition": "PENDING"}}),
        )
        .await;
        client
            .goto(&format!("{base}/builds/{build}/holds"))
            .await
            .expect("open the holds again");
        let pending = format!("{hold} [data-testid=pending-defect]");
        wait_text(&client, &pending, "C1 lifted on pad 2").await;
        screenshot(&client, "ems-holds-pending").await;
        click(&client, &format!("{pending} button:first-of-type")).await;
        wait_text(&client, "#decided", "Rework").await;
        find(&client, "#no-holds").await;

        // Every new page again at its address, wide and at phone width.
        let pages = [
            (
                format!("/builds/new?package={package}"),
                "#plan-title",
                "plan",
            ),
            (
                format!("/builds/{build}/serialize"),
                "#serialize-title",
                "serialize",
            ),
            (
                format!("/builds/{build}/stations/SMT"),
                "#station-counts",
                "station",
            ),
            (format!("/builds/{build}/holds"), "#no-holds", "holds"),
            (format!("/builds/{build}/lots"), "#lots-title", "lots"),
            (format!("/builds/{build}/ship"), "#ship-title", "ship"),
            (
                format!("/builds/{build}/materials"),
                "#material-summary",
                "materials",
            ),
            ("/".to_owned(), "[data-testid=floor-build]", "home-quality"),
            (format!("/builds/{build}"), "#live-mode", "build-board"),
            (format!("/units/{}", serials[2]), "#unit-status", "unit"),
            ("/inbox".to_owned(), "#inbox-list, #inbox-empty", "inbox-quality"),
        ];
        for (width, height) in [(1280, 900), (390, 844)] {
            client.set_window_size(width, height).await.expect("resize");
            for (path, ready, name) in &pages {
                client
                    .goto(&format!("{base}{path}"))
                    .await
                    .expect("open the page");
                find(&client, ready).await;
                if width < 400 {
                    let wide = overflows(&client).await;
                    assert!(wide.is_empty(), "{path} overflows at 390 px: {wide:?}");
                }
                screenshot(&client, &format!("ems-{name}-{width}px")).await;
            }
        }
        // The station at tablet width.
        client.set_window_size(768, 1024).await.expect("resize");
        client
            .goto(&format!("{base}/builds/{build}/stations/SMT"))
            .await
            .expect("open SMT");
        find(&client, "#station-counts").await;
        let wide = overflows(&client).await;
        assert!(wide.is_empty(), "the station overflows at 768 px: {wide:?}");
        screenshot(&client, "ems-station-768px").await;

        // The OEM's inbox: the program manager's question arrives live, counted in the header.
        client.set_window_size(1280, 900).await.expect("resize");
        sign_out(&client).await;
        sign_in(&client, &base, "engineer@acme.example").await;
        let before = inbox_count(&client).await;
        let api = Api::new(&base);
        let pm = api.login("pm@northwind.example", "firstpass-demo").await;
        api.gql(
            Some(&pm),
            "mutation($p: ID!, $b: String!) { addPackageComment(packageId: $p, body: $b) { id } }",
            serde_json::json!({"p": package, "b": "Can we use the 100µF reel we already stock?"}),
        )
        .await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while inbox_count(&client).await <= before {
            assert!(
                std::time::Instant::now() < deadline,
                "the inbox count did not go up from {before}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        click(&client, "#inbox-link").await;
        find(
            &client,
            "[data-testid=inbox-entry][data-kind=QUESTION][data-read=false]",
        )
        .await;
        wait_text(&client, "#inbox-list", "100µF").await;
        for (width, height) in [(1280, 900), (390, 844)] {
            client.set_window_size(width, height).await.expect("resize");
            client
                .goto(&format!("{base}/inbox"))
                .await
                .expect("open the inbox");
            find(&client, "[data-testid=inbox-entry]").await;
            if width < 400 {
                let wide = overflows(&client).await;
                assert!(wide.is_empty(), "/inbox overflows at 390 px: {wide:?}");
            }
            screenshot(&client, &format!("oem-inbox-{width}px")).await;
        }
        client.set_window_size(1280, 900).await.expect("resize");
        click(&client, "#inbox-mark-all").await;
        find(&client, "#inbox-count[data-count='0']").await;
        assert!(client
            .find(fantoccini::Locator::Css(
                "[data-testid=inbox-entry][data-read=false]"
            ))
            .await
            .is_err());

        // The OEM's live board of the build follows the floor without a reload.
        client
            .goto(&format!("{base}/builds/{build}"))
            .await
            .expect("open the build board");
        find(&client, "#live-mode[data-mode=live]").await;
        find(&client, "[data-station=AOI][data-passed='1']").await;
        client
            .execute("window.__stillHere = true;", vec![])
            .await
            .expect("mark the page");
        let operator = api
            .login("operator@northwind.example", "firstpass-demo")
            .await;
        api.gql(
            Some(&operator),
            "mutation($i: StationResultInput!) { recordStationResult(input: $i) { unit { serial } } }",
            serde_json::json!({"i": {"serial": serials[1], "station": "AOI", "result": "PASS"}}),
        )
        .await;
        find(&client, "[data-station=AOI][data-passed='2']").await;
        let still_here = client
            .execute("return window.__stillHere === true;", vec![])
            .await
            .expect("read the mark");
        assert_eq!(still_here, serde_json::json!(true), "the board was reloaded");
        // Its units list is searched and sorted in the browser, serials in natural order.
        fill(&client, "#units-search", &serials[2]).await;
        wait_text(&client, "#units-count", "1 of 3").await;
        find(
            &client,
            &format!("[data-testid=unit-row][data-serial='{}']", serials[2]),
        )
        .await;
        fill(&client, "#units-search", " ").await;
        wait_text(&client, "#units-count", "3 of 3").await;
        click(&client, "#units-table button[data-column='0']").await;
        find(&client, "#units-table th[aria-sort=descending]").await;
        let first_row = find(&client, "[data-testid=unit-row]")
            .await
            .attr("data-serial")
            .await
            .expect("read the serial");
        assert_eq!(first_row.as_deref(), Some(serials[2].as_str()), "descending serials");
        for (width, height) in [(1280, 900), (390, 844)] {
            client.set_window_size(width, height).await.expect("resize");
            find(&client, "#build-title").await;
            if width < 400 {
                let wide = overflows(&client).await;
                assert!(wide.is_empty(), "the OEM's board overflows at 390 px: {wide:?}");
            }
            screenshot(&client, &format!("oem-build-board-{width}px")).await;
        }
    })
    .await;
}

/// The unread count in the header.
async fn inbox_count(client: &Client) -> i64 {
    find(client, "#inbox-count")
        .await
        .attr("data-count")
        .await
        .expect("read the count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}
