//! Quality in a real browser, both sides: EMS quality opens an NCR over a unit that failed AOI
//! (it is contained) and decides USE_AS_IS; the OEM engineer approves it with a signature and
//! asks for a corrective action; EMS quality works the 8D (every discipline, D4, D6 and D8
//! signed, an internal note), sets the effectiveness check, and closes the action once a
//! station result shows it worked; the OEM sees it closed and never the internal note, and the
//! unit, build and package pages link both. A failed first-article characteristic opens its
//! NCR from the FAI page and links it. Pages are opened again at their address at 1280 and
//! 390 px, with screenshots in `e2e/output/`.

use fantoccini::{Client, Locator};
use firstpass_e2e::browser::{
    accepted_package, at_both_widths, click, fill, find, open, serve_demo, set_value, sign_in,
    sign_out, skip, wait_count, wait_text, Api, Browser, DEMO_PASSWORD,
};
use firstpass_e2e::TestDb;
use firstpass_shared::cad::fixtures::{board, Style};
use serde_json::{json, Value};

/// A pilot build of three units of an accepted package: all past SMT, Q-01 failed AOI with a
/// USE_AS_IS defect on C1. Answers the operator's token (to record more results later) and the
/// build's id.
async fn world(api: &Api) -> (String, String) {
    let package = accepted_package(api, "QA-1", "Quality test board", 3, board(Style::KiCad)).await;
    let pm = api.login("pm@northwind.example", DEMO_PASSWORD).await;
    let operator = api.login("operator@northwind.example", DEMO_PASSWORD).await;
    let build = api
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 3, "dueDate": "2099-06-30",
                "routing": [{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "AOI", "name": "AOI"}]}}))
        .await["createBuild"]["id"]
        .clone();
    api.gql(
        Some(&pm),
        "mutation($b: ID!) { serializeUnits(buildId: $b, count: 3, pattern: \"Q-{SEQ:2}\") { serial } }",
        json!({"b": build}),
    )
    .await;
    record(api, &operator, &["Q-01", "Q-02", "Q-03"], "SMT", "PASS").await;
    record(api, &operator, &["Q-01"], "AOI", "FAIL").await;
    api.gql(Some(&operator), "mutation($i: DefectInput!) { recordDefect(input: $i) { defect { id } } }",
        json!({"i": {"serial": "Q-01", "station": "AOI", "designator": "C1", "code": "INSUFFICIENT_SOLDER", "disposition": "USE_AS_IS"}}))
        .await;
    (operator, build.as_str().expect("build").to_owned())
}

async fn record(api: &Api, token: &str, serials: &[&str], station: &str, result: &str) {
    let inputs: Vec<Value> = serials
        .iter()
        .map(|s| json!({"serial": s, "station": station, "result": result}))
        .collect();
    api.gql(
        Some(token),
        "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { unit { status } } }",
        json!({"i": inputs}),
    )
    .await;
}

async fn path_now(client: &Client) -> String {
    client.current_url().await.expect("url").path().to_owned()
}

/// A selector inside one discipline's step of the 8D page.
fn step(d: &str, inner: &str) -> String {
    format!("[data-testid=discipline][data-discipline={d}] {inner}")
}

#[tokio::test]
async fn an_ncr_from_a_defect_to_the_closure_of_its_8d_on_both_sides() {
    if skip("an_ncr_from_a_defect_to_the_closure_of_its_8d_on_both_sides") {
        return;
    }
    let db = TestDb::new().await;
    let server = serve_demo(&db);
    let base = server.base.clone();
    let api = Api::new(&base);
    let (operator, build) = world(&api).await;
    let quality = api.login("quality@northwind.example", DEMO_PASSWORD).await;
    Browser::run(move |client| async move {
        // EMS quality opens the NCR over the failed unit and decides USE_AS_IS.
        sign_in(&client, &base, "quality@northwind.example").await;
        open(&client, &base, "/ncrs").await;
        fill(&client, "#ncr-title", "Insufficient solder on C1").await;
        fill(&client, "#ncr-description", "AOI flagged C1 on Q-01.").await;
        fill(&client, "#ncr-serials", "Q-01").await;
        click(&client, "#open-ncr").await;
        wait_text(&client, "#ncr-title", "NCR-000001").await;
        find(&client, "[data-testid=ncr-item][data-contained=true]").await;
        let ncr_path = path_now(&client).await;
        set_value(&client, "[data-testid=disposition]", "USE_AS_IS").await;
        fill(
            &client,
            "[data-testid=disposition-reason]",
            "Fillet within class 2 on X-ray",
        )
        .await;
        click(&client, "[data-testid=decide]").await;
        find(&client, "#ncr-status[data-status=IN_REVIEW]").await;
        at_both_widths(&client, &base, &ncr_path, "#ncr-items", "ncr").await;
        sign_out(&client).await;

        // The OEM engineer approves with a signature and asks for a corrective action.
        sign_in(&client, &base, "engineer@acme.example").await;
        open(&client, &base, &ncr_path).await;
        fill(&client, "#review-reason", "Accepted on the X-ray evidence").await;
        fill(&client, "#review-password", DEMO_PASSWORD).await;
        click(&client, "#approve-review").await;
        find(&client, "#ncr-status[data-status=OPEN]").await;
        find(
            &client,
            "[data-testid=ncr-item][data-contained=false][data-review=APPROVED]",
        )
        .await;
        fill(
            &client,
            "#capa-new-title",
            "No more insufficient solder after stencil changes",
        )
        .await;
        click(&client, "#escalate").await;
        wait_text(&client, "#capa-page-title", "CAPA-000001").await;
        let capa_path = path_now(&client).await;
        sign_out(&client).await;

        // EMS quality works the 8D.
        sign_in(&client, &base, "quality@northwind.example").await;
        open(&client, &base, &capa_path).await;
        for d in ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"] {
            fill(&client, &step(d, "[data-testid=owner]"), "Quinn Quality").await;
            fill(
                &client,
                &step(d, "[data-testid=content]"),
                &format!("{d}: done as the 8D asks"),
            )
            .await;
            click(&client, &step(d, "[data-testid=save]")).await;
            find(
                &client,
                &format!("[data-testid=discipline][data-discipline={d}][data-filled=true]"),
            )
            .await;
        }
        for d in ["D4", "D6", "D8"] {
            fill(
                &client,
                &step(d, "[data-testid=sign-password]"),
                DEMO_PASSWORD,
            )
            .await;
            click(&client, &step(d, "[data-testid=sign]")).await;
            find(
                &client,
                &format!("[data-testid=discipline][data-discipline={d}][data-signed=true]"),
            )
            .await;
        }
        fill(
            &client,
            "#note-text",
            "Internal: the stencil vendor disputes the cause",
        )
        .await;
        click(&client, "#note-internal").await;
        click(&client, "#add-note").await;
        find(&client, "[data-testid=note][data-internal=true]").await;
        fill(&client, "#check-threshold", "100").await;
        fill(&client, "#check-window", "1").await;
        click(&client, "#set-check").await;
        wait_text(&client, "#check-status", "0 of 1").await;
        click(&client, "#close-capa").await;
        wait_text(
            &client,
            "[role=alert]",
            "effectiveness check has not passed",
        )
        .await;

        // The next board passes AOI the first time: the check passes, and the action closes.
        record(&api, &operator, &["Q-03"], "AOI", "PASS").await;
        open(&client, &base, &capa_path).await;
        find(&client, "#check-status[data-passed=true]").await;
        click(&client, "#close-capa").await;
        find(&client, "#capa-status[data-status=CLOSED]").await;
        sign_out(&client).await;

        // The OEM sees it closed, with the shared notes only.
        sign_in(&client, &base, "engineer@acme.example").await;
        at_both_widths(
            &client,
            &base,
            &capa_path,
            "#capa-status[data-status=CLOSED]",
            "capa",
        )
        .await;
        let internal = client
            .find_all(Locator::Css("[data-testid=note][data-internal=true]"))
            .await
            .expect("notes")
            .len();
        assert_eq!(internal, 0, "the OEM never sees the EMS's internal notes");
        let page = client.source().await.expect("page");
        assert!(
            !page.contains("stencil vendor disputes"),
            "internal note leaked"
        );
        at_both_widths(&client, &base, "/ncrs", "[data-testid=ncr-row]", "ncrs").await;
        // The unit's page links its NCR and the corrective action; so do its build and package.
        open(&client, &base, "/units/Q-01").await;
        wait_text(&client, "#unit-ncrs", "NCR-000001").await;
        wait_text(&client, "#unit-capas", "CAPA-000001").await;
        click(&client, "#unit-build-link").await;
        wait_text(&client, "#build-ncrs", "NCR-000001").await;
        wait_text(&client, "#build-capas", "CAPA-000001").await;
        click(&client, "#build-package-link").await;
        wait_text(&client, "#package-ncrs", "NCR-000001").await;
        wait_text(&client, "#package-capas", "CAPA-000001").await;
        sign_out(&client).await;

        // A first article fails a characteristic: EMS quality opens its NCR from the FAI page,
        // the row links it, and the NCR links back to the characteristic.
        sign_in(&client, &base, "quality@northwind.example").await;
        let fai = api
            .gql(Some(&quality), "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id } }",
                json!({"i": {"buildId": build, "serial": "Q-02", "reason": "NEW_PART", "scope": "FULL"}}))
            .await["createFaiReport"]["id"]
            .as_str()
            .expect("report")
            .to_owned();
        open(&client, &base, &format!("/fai/{fai}")).await;
        let first_row = "[data-testid=char-row][data-number='1']";
        fill(&client, &format!("{first_row} [data-testid=char-result]"), "Fillet 40 %").await;
        set_value(&client, &format!("{first_row} [data-testid=char-status]"), "FAIL").await;
        click(&client, &format!("{first_row} [data-testid=char-open-ncr]")).await;
        wait_text(&client, &format!("{first_row} [data-testid=char-ncr-link]"), "NCR-000002").await;
        click(&client, "#save-characteristics").await;
        find(&client, "#saved").await;
        click(&client, &format!("{first_row} [data-testid=char-ncr-link]")).await;
        wait_text(&client, "#ncr-fai", "FAI characteristic 1").await;
        find(&client, "[data-testid=ncr-item][data-contained=true]").await;

        // Lists are searched: the NCRs in the browser, the builds on the server.
        open(&client, &base, "/ncrs").await;
        wait_text(&client, "#ncrs-count", "2 of 2").await;
        set_value(&client, "#ncrs-search", "characteristic").await;
        wait_text(&client, "#ncrs-count", "1 of 2").await;
        open(&client, &base, "/builds").await;
        set_value(&client, "#builds-search", "no such part").await;
        find(&client, "#no-builds").await;
        set_value(&client, "#builds-search", "QA-1").await;
        wait_count(&client, "[data-testid=build-row]", 1).await;
    })
    .await;
}
