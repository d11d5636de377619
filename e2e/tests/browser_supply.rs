//! Supply and delivery in a real browser: the program manager moves a supplier's promise past
//! a build's due date on the purchase-order page and sees the part gate that build in the
//! demand view; packs two finished units in two cartons by scanning and ships them to the
//! OEM's 3PL address; EMS quality signs the certificate of conformance on the shipment page;
//! the OEM engineer sees the signed certificate, the late material in the inbox and the demand
//! view. Every new page is opened again at its address at 1280 and 390 px, with screenshots in
//! `e2e/output/`.

use firstpass_e2e::browser::{
    accepted_package, at_both_widths, click, fill, find, open, screenshot, serve_demo, set_value,
    sign_in, sign_out, skip, wait_text, Api, Browser, DEMO_PASSWORD,
};
use firstpass_e2e::TestDb;
use firstpass_shared::cad::fixtures::{board, Style};
use serde_json::{json, Value};

/// The WebDriver Enter key, as a scanner ends a code.
const ENTER: &str = "\u{E007}";

/// Through the API: an accepted package, a pilot build of two finished units, a planned
/// production-size build short of its op-amp with a purchase order promised before its due
/// date, and the OEM's 3PL address. Answers (pilot build id, planned build id).
async fn world(base: &str) -> (String, String) {
    let api = Api::new(base);
    let package =
        accepted_package(&api, "SUP-1", "Supply test board", 3, board(Style::KiCad)).await;
    let pm = api.login("pm@northwind.example", DEMO_PASSWORD).await;
    let oem = api.login("engineer@acme.example", DEMO_PASSWORD).await;
    let routing = json!([{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "AOI", "name": "AOI"}]);
    let plan = |quantity: i64, due: &'static str| json!({"i": {"packageId": package, "phase": "PILOT", "quantity": quantity, "dueDate": due, "routing": routing}});
    let create = "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }";
    let pilot = api.gql(Some(&pm), create, plan(2, "2099-01-31")).await["createBuild"]["id"]
        .as_str()
        .expect("pilot")
        .to_owned();
    api.gql(
        Some(&pm),
        "mutation($b: ID!) { serializeUnits(buildId: $b, count: 2, pattern: \"SUP-{SEQ:2}\") { serial } }",
        json!({"b": pilot}),
    )
    .await;
    for station in ["SMT", "AOI"] {
        let results: Vec<Value> = ["SUP-01", "SUP-02"]
            .iter()
            .map(|s| json!({"serial": s, "station": station, "result": "PASS"}))
            .collect();
        api.gql(
            Some(&pm),
            "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { unit { status } } }",
            json!({"i": results}),
        )
        .await;
    }
    let planned = api.gql(Some(&pm), create, plan(100, "2099-06-30")).await["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    api.gql(Some(&pm), "mutation($i: PurchaseOrderInput!) { recordPurchaseOrder(input: $i) { id } }",
        json!({"i": {"poNumber": "PO-7001", "supplier": "Arrow", "buildId": planned,
            "lines": [{"mpn": "LM358DR", "manufacturer": "Texas Instruments", "quantity": 200, "promisedDate": "2099-05-01"}]}}))
        .await;
    api.gql(Some(&oem), "mutation($i: ShipToAddressInput!) { addShipToAddress(input: $i) { id } }",
        json!({"i": {"name": "Acme c/o Sierra 3PL", "street": "1200 Logistics Way", "city": "Reno", "region": "NV", "postalCode": "89502", "country": "US"}}))
        .await;
    (pilot, planned)
}

#[tokio::test]
async fn supply_and_delivery_in_the_browser() {
    if skip("supply_and_delivery_in_the_browser") {
        return;
    }
    let db = TestDb::new().await;
    let server = serve_demo(&db);
    let base = server.base.clone();
    let (pilot, planned) = world(&base).await;
    Browser::run(move |client| async move {
        // Program manager: the supplier slips past the build's due date.
        sign_in(&client, &base, "pm@northwind.example").await;
        open(&client, &base, "/purchase-orders").await;
        let line = "[data-testid=order-line][data-mpn=LM358DR]";
        set_value(
            &client,
            &format!("{line} [data-testid=promise-date]"),
            "2099-07-15",
        )
        .await;
        click(&client, &format!("{line} [data-testid=move-promise]")).await;
        wait_text(&client, "#po-note", "2099-07-15").await;
        at_both_widths(&client, &base, "/purchase-orders", line, "purchase-orders").await;

        // The demand view names the part and the build it pushes past its due date.
        open(&client, &base, "/demand").await;
        find(
            &client,
            "[data-testid=demand-part][data-mpn=LM358DR][data-state=late]",
        )
        .await;
        wait_text(
            &client,
            "[data-testid=demand-part][data-mpn=LM358DR]",
            "2099-07-15",
        )
        .await;
        at_both_widths(&client, &base, "/demand", "#demand", "demand").await;
        let _ = planned;

        // Pack the pilot's two finished units in two cartons by scanning, and ship to the 3PL.
        open(&client, &base, &format!("/builds/{pilot}/ship")).await;
        find(&client, "#ship-address option:nth-child(2)").await;
        let address: String = client
            .execute(
                "return document.querySelector('#ship-address option:nth-child(2)').value;",
                vec![],
            )
            .await
            .expect("address option")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        find(&client, "#ship-scan")
            .await
            .send_keys(&format!("SUP-01{ENTER}"))
            .await
            .expect("scan");
        wait_text(&client, "#pick-note", "SUP-01 picked").await;
        click(&client, "#close-carton").await;
        wait_text(&client, "#carton-count", "Carton 2").await;
        find(&client, "#ship-scan")
            .await
            .send_keys(&format!("SUP-01{ENTER}"))
            .await
            .expect("scan again");
        wait_text(&client, "#pick-note", "already in carton 1").await;
        find(&client, "#ship-scan")
            .await
            .send_keys(&format!("SUP-02{ENTER}"))
            .await
            .expect("scan");
        wait_text(&client, "#ship-form-title", "Ship 2 units in 2 cartons").await;
        set_value(&client, "#ship-address", &address).await;
        fill(&client, "#ship-po", "ACME-PO-9001").await;
        set_value(&client, "#ship-requested", "2099-02-15").await;
        fill(&client, "#ship-carrier", "UPS").await;
        fill(&client, "#ship-tracking", "1Z999AA10123456784").await;
        screenshot(&client, "ship-cartons-1280px").await;
        click(&client, "#ship").await;
        wait_text(&client, "#shipment-packed", "2 units in 2 cartons").await;
        wait_text(&client, "#shipment-destination", "Sierra 3PL").await;
        find(&client, "#certificate-status[data-state=unsigned]").await;
        let shipment_path = client.current_url().await.expect("url").path().to_owned();
        assert!(shipment_path.starts_with("/shipments/"), "{shipment_path}");
        sign_out(&client).await;

        // EMS quality signs the certificate with the password again.
        sign_in(&client, &base, "quality@northwind.example").await;
        open(&client, &base, &shipment_path).await;
        click(&client, "#sign-certificate").await;
        fill(&client, "#coc-password", "not the password").await;
        click(&client, "#confirm-coc-sign").await;
        wait_text(&client, "#coc-sign-dialog", "password is not correct").await;
        fill(&client, "#coc-password", DEMO_PASSWORD).await;
        click(&client, "#confirm-coc-sign").await;
        wait_text(
            &client,
            "#certificate-status[data-state=signed]",
            "Quinn Quality",
        )
        .await;
        sign_out(&client).await;

        // The OEM engineer: the signed certificate, the cartons, and the late material.
        sign_in(&client, &base, "engineer@acme.example").await;
        at_both_widths(
            &client,
            &base,
            &shipment_path,
            "#certificate-status[data-state=signed]",
            "shipment",
        )
        .await;
        find(&client, "[data-testid=carton][data-carton='2']").await;
        wait_text(&client, "#shipment-on-time", "shipped on time").await;
        open(&client, &base, "/inbox").await;
        find(
            &client,
            "[data-testid=inbox-entry][data-kind=MATERIAL_LATE]",
        )
        .await;
        open(&client, &base, "/demand").await;
        find(
            &client,
            "[data-testid=demand-part][data-mpn=LM358DR][data-state=late]",
        )
        .await;
    })
    .await;
}
