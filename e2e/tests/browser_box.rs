//! Box build in a real browser. Through the API: Acme's gateway PCBA is built and tested, and
//! the gateway (a box build whose BOM names the PCBA, a modem and the released firmware) is
//! accepted and serialized. At the box-build station the operator scans a box, scans a PCBA
//! into its position, sees a PCBA still in work, a PCBA already in another box and a firmware
//! image that was not released refused in words, records the modem's IMEI and the released
//! firmware, and replaces the PCBA with a reason. The unit tree then shows the current PCBA
//! and the removed one with its reason, and the trace to boxes shows the path from a lot on
//! the PCBA to the gateway. Screenshots go to `e2e/output/`.

use fantoccini::Client;
use firstpass_e2e::browser::{
    accepted_package, click, fill, find, screenshot, serve_demo, sign_in, skip, wait_text, Api,
    Browser, DEMO_PASSWORD,
};
use firstpass_e2e::TestDb;
use firstpass_shared::cad::fixtures::{board, Style};
use serde_json::{json, Value};

/// The WebDriver Enter key, as a scanner ends a code.
const ENTER: &str = "\u{E007}";

/// Types `text` then Enter into a field, as a scanner does.
async fn scan(client: &Client, css: &str, text: &str) {
    fill(client, css, "").await;
    find(client, css)
        .await
        .send_keys(&format!("{text}{ENTER}"))
        .await
        .unwrap_or_else(|e| panic!("scan {text}: {e}"));
}

fn text(value: &Value) -> String {
    value.as_str().expect("text").to_owned()
}

/// A build of `package` with `routing`, serialized with `pattern`; the serials.
async fn build_units(
    api: &Api,
    package: &str,
    routing: Value,
    count: i32,
    pattern: &str,
) -> (String, Vec<String>) {
    let pm = api.login("pm@northwind.example", DEMO_PASSWORD).await;
    let operator = api.login("operator@northwind.example", DEMO_PASSWORD).await;
    let build = api
        .gql(
            Some(&pm),
            "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": count, "dueDate": "2099-12-31", "routing": routing}}),
        )
        .await;
    let build = text(&build["createBuild"]["id"]);
    let units = api
        .gql(
            Some(&operator),
            "mutation($b: ID!, $n: Int!, $p: String!) { serializeUnits(buildId: $b, count: $n, pattern: $p) { serial } }",
            json!({"b": build, "n": count, "p": pattern}),
        )
        .await;
    let serials = units["serializeUnits"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| text(&u["serial"]))
        .collect();
    (build, serials)
}

/// Records PASS at `station` for each serial.
async fn pass(api: &Api, serials: &[String], station: &str) {
    let operator = api.login("operator@northwind.example", DEMO_PASSWORD).await;
    let inputs: Vec<Value> = serials
        .iter()
        .map(|s| json!({"serial": s, "station": station, "result": "PASS"}))
        .collect();
    api.gql(
        Some(&operator),
        "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { unit { status } } }",
        json!({"i": inputs}),
    )
    .await;
}

/// The gateway box build: accepted, with its BOM and released firmware; its package id and
/// the firmware's SHA-256.
async fn gateway_package(api: &Api) -> (String, String) {
    let engineer = api.login("engineer@acme.example", DEMO_PASSWORD).await;
    let pm = api.login("pm@northwind.example", DEMO_PASSWORD).await;
    let me = api
        .gql(
            Some(&engineer),
            "{ me { organization { partners { id } } } }",
            json!({}),
        )
        .await;
    let ems = text(&me["me"]["organization"]["partners"][0]["id"]);
    let product = api
        .gql(
            Some(&engineer),
            "mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }",
            json!({"i": {"partNumber": "GW-100", "name": "Cellular gateway", "tier": "BOX_BUILD"}}),
        )
        .await;
    let package = api
        .gql(
            Some(&engineer),
            "mutation($i: CreateNpiPackageInput!) { createNpiPackage(input: $i) { id } }",
            json!({"i": {"productId": product["createProduct"]["id"], "revision": "A", "emsOrganizationId": ems, "ipcClass": "CLASS_2", "quantities": [2000]}}),
        )
        .await;
    let package = text(&package["createNpiPackage"]["id"]);
    api.gql(
        Some(&engineer),
        "mutation($id: ID!, $s: [StandardClassInput!]!) { setPackageStandards(packageId: $id, standards: $s) { id } }",
        json!({"id": package, "s": [{"standard": "IPC_A_630", "class": "CLASS_2"}, {"standard": "IPC_WHMA_A_620", "class": "CLASS_2"}]}),
    )
    .await;
    api.upload_package_files(
        &engineer,
        &package,
        vec![(
            "gw-fw-1.2.0.bin".to_owned(),
            b"\x7fELF gateway firmware 1.2.0".to_vec(),
        )],
    )
    .await;
    let bom = api
        .gql(
            Some(&engineer),
            "mutation($id: ID!, $l: [BoxBomLineInput!]!) { setBoxBuildBom(packageId: $id, lines: $l) { boxBuildBom { position firmwareSha256 } } }",
            json!({"id": package, "l": [
                {"position": "PCBA", "kind": "SUBASSEMBLY", "partNumber": "GW-PCBA", "revision": "A"},
                {"position": "MODEM", "kind": "BOUGHT", "partNumber": "EG25GGB-128", "description": "LTE modem"},
                {"position": "FW", "kind": "FIRMWARE", "fileName": "gw-fw-1.2.0.bin", "firmwareVersion": "1.2.0"},
            ]}),
        )
        .await;
    let sha = bom["setBoxBuildBom"]["boxBuildBom"]
        .as_array()
        .expect("bom")
        .iter()
        .find(|l| l["position"] == "FW")
        .map(|l| text(&l["firmwareSha256"]))
        .expect("the firmware line");
    let id = json!({"id": package});
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
    (package, sha)
}

#[tokio::test]
async fn box_build_station_in_the_browser() {
    if skip("box_build_station_in_the_browser") {
        return;
    }
    let db = TestDb::new().await;
    let server = serve_demo(&db);
    let base = server.base.clone();
    let api = Api::new(&base);

    // The PCBA: three finished, one still in work; a capacitor lot on the finished three.
    let pcba_package =
        accepted_package(&api, "GW-PCBA", "Gateway PCBA", 4, board(Style::KiCad)).await;
    let (pcba_build, pcbas) = build_units(
        &api,
        &pcba_package,
        json!([{"kind": "FCT", "name": "FCT"}]),
        4,
        "PCBA-{SEQ:4}",
    )
    .await;
    pass(&api, &pcbas[..3], "FCT").await;
    let operator = api.login("operator@northwind.example", DEMO_PASSWORD).await;
    let lot = api
        .gql(
            Some(&operator),
            "mutation($i: ReceiveComponentLotInput!) { receiveComponentLot(input: $i) { id } }",
            json!({"i": {"mpn": "GRM188R71H104KA93D", "manufacturer": "Maker", "lotCode": "L2291", "reelId": "REEL-CAP-1", "quantity": 5000}}),
        )
        .await;
    api.gql(
        Some(&operator),
        "mutation($i: RecordLotUsageInput!) { recordLotUsage(input: $i) }",
        json!({"i": {"lotId": lot["receiveComponentLot"]["id"], "buildId": pcba_build, "designators": ["C1"], "serialRange": {"from": "PCBA-0001", "to": "PCBA-0003"}}}),
    )
    .await;

    // The gateway: two boxes; PCBA-0003 already sits in the second one.
    let (box_package, firmware_sha) = gateway_package(&api).await;
    let (_, boxes) = build_units(
        &api,
        &box_package,
        json!([{"kind": "BOX_BUILD", "name": "Box build"}, {"kind": "FCT", "name": "Final test"}]),
        2,
        "GW-{SEQ:4}",
    )
    .await;
    api.gql(
        Some(&operator),
        "mutation { installSubassembly(parentSerial: \"GW-0002\", childSerial: \"PCBA-0003\", position: \"PCBA\") { id } }",
        json!({}),
    )
    .await;
    assert_eq!(boxes, ["GW-0001", "GW-0002"]);

    Browser::run(move |client| async move {
        sign_in(&client, &base, "operator@northwind.example").await;
        client
            .goto(&format!("{base}/box-build"))
            .await
            .expect("open the station");
        find(&client, "#box-none").await;
        scan(&client, "#box-serial", "GW-0001").await;
        find(&client, "#box-title[data-serial=GW-0001]").await;
        wait_text(&client, "#box-positions", "GW-PCBA rev A").await;
        wait_text(
            &client,
            "[data-testid=box-position][data-position=PCBA] [data-testid=held]",
            "—",
        )
        .await;

        // A PCBA still in work is refused, in words naming it.
        scan(&client, "#install-serial", "PCBA-0004").await;
        let refused = wait_text(&client, "#install-outcome [role=alert]", "PCBA-0004").await;
        assert!(
            refused.contains("IN_WORK") || refused.to_lowercase().contains("in work"),
            "{refused}"
        );
        // One already in another box is refused, naming that box.
        scan(&client, "#install-serial", "PCBA-0003").await;
        wait_text(&client, "#install-outcome [role=alert]", "GW-0002").await;
        // A finished one goes in.
        scan(&client, "#install-serial", "PCBA-0001").await;
        wait_text(
            &client,
            "#install-outcome",
            "PCBA-0001 installed in GW-0001 at PCBA",
        )
        .await;
        wait_text(
            &client,
            "[data-testid=box-position][data-position=PCBA] [data-testid=held]",
            "PCBA-0001",
        )
        .await;
        screenshot(&client, "box-station-installed").await;

        // Firmware that the OEM did not release is refused with the expected hash.
        let imei = "490154203237518";
        fill(&client, "#identity-imei", imei).await;
        fill(&client, "#identity-fw-version", "1.2.0").await;
        fill(&client, "#identity-fw-hash", &"0".repeat(64)).await;
        click(&client, "#identity-submit").await;
        let wrong = wait_text(&client, "#identity-outcome [role=alert]", &firmware_sha).await;
        assert!(wrong.contains(&"0".repeat(64)), "{wrong}");
        fill(&client, "#identity-fw-hash", &firmware_sha).await;
        click(&client, "#identity-submit").await;
        wait_text(
            &client,
            "#identity-outcome",
            "Identities recorded on GW-0001",
        )
        .await;
        wait_text(&client, "#identity-now", imei).await;

        // Replace the PCBA, saying why.
        fill(&client, "#remove-reason", "cracked USB connector").await;
        fill(&client, "#remove-replacement", "PCBA-0002").await;
        click(&client, "#remove-submit").await;
        wait_text(
            &client,
            "#remove-outcome",
            "PCBA-0001 replaced by PCBA-0002 at PCBA",
        )
        .await;
        wait_text(
            &client,
            "[data-testid=box-position][data-position=PCBA] [data-testid=held]",
            "PCBA-0002",
        )
        .await;
        wait_text(
            &client,
            "[data-testid=installation][data-current=false][data-serial=PCBA-0001]",
            "cracked USB connector",
        )
        .await;
        find(
            &client,
            "[data-testid=installation][data-current=true][data-serial=PCBA-0002]",
        )
        .await;
        screenshot(&client, "box-station-replaced").await;

        // The unit tree: the current PCBA and the removed one with its reason.
        click(&client, "#box-tree").await;
        find(&client, "#tree-title").await;
        wait_text(&client, "#tree-title", "GW-0001").await;
        find(
            &client,
            "[data-testid=tree-node][data-serial=PCBA-0002][data-current=true]",
        )
        .await;
        wait_text(
            &client,
            "[data-testid=tree-node][data-serial=PCBA-0001][data-current=false]",
            "cracked USB connector",
        )
        .await;
        screenshot(&client, "unit-tree").await;
        // Up from the PCBA: it sits in the gateway, and was once in nothing else.
        client
            .goto(&format!("{base}/units/PCBA-0002/tree"))
            .await
            .expect("open the PCBA's tree");
        wait_text(&client, "#tree-up", "GW-0001").await;

        // The lot on the PCBAs traces to the gateways, with the path through the position.
        client
            .goto(&format!(
                "{base}/trace/boxes?mpn=GRM188R71H104KA93D&lot=L2291"
            ))
            .await
            .expect("open the trace");
        wait_text(
            &client,
            "[data-testid=top-unit][data-serial=GW-0001]",
            "PCBA-0002",
        )
        .await;
        wait_text(
            &client,
            "[data-testid=top-unit][data-serial=GW-0002]",
            "PCBA-0003",
        )
        .await;
        // PCBA-0001 left its box: it is its own top-level unit now.
        find(&client, "[data-testid=top-unit][data-serial=PCBA-0001]").await;
        wait_text(&client, "#boxes-total", "3").await;
        screenshot(&client, "trace-boxes").await;
    })
    .await;
}
