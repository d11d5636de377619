//! Box build over the API: the mission's gateway. A PCBA at IPC-A-610 class 2 is built and
//! tested, then box-built (IPC-A-630 class 2, harness at IPC/WHMA-A-620 class 2) with modem,
//! antenna and power supply; the refusals name what is wrong; a capacitor lot on 120 PCBAs
//! traces to exactly the 120 shipped gateways and their shipments; a swapped PCBA moves the
//! trace while history keeps the old box.

use crate::harness::{who, TestApp};
use firstpass_shared::boxbuild::imei_with_check_digit;
use serde_json::{json, Value};

const CAP_MPN: &str = "GRM188R71H104KA93D";
const CAP_LOT: &str = "L2291";

async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.gql(Some(token), query, variables).await.data().clone()
}

fn id(value: &Value) -> String {
    value.as_str().expect("id").to_owned()
}

/// The PCBA revision A build's and revision B's serials, the box build's serials, and the
/// firmware's SHA-256.
struct Gateway {
    pcba: Vec<String>,
    pcba_rev_b: String,
    boxes: Vec<String>,
    firmware_sha: String,
}

async fn build_with(
    app: &TestApp,
    pm: &str,
    package: &str,
    routing: Value,
    quantity: i32,
) -> String {
    let build = ok(
        app,
        pm,
        "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
        json!({"i": {"packageId": package, "phase": "PILOT", "quantity": quantity, "dueDate": "2099-12-31", "routing": routing}}),
    )
    .await;
    id(&build["createBuild"]["id"])
}

async fn serialize(
    app: &TestApp,
    token: &str,
    build: &str,
    count: i32,
    pattern: &str,
) -> Vec<String> {
    let data = ok(
        app,
        token,
        "mutation($b: ID!, $n: Int!, $p: String!) { serializeUnits(buildId: $b, count: $n, pattern: $p) { serial } }",
        json!({"b": build, "n": count, "p": pattern}),
    )
    .await;
    data["serializeUnits"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| id(&u["serial"]))
        .collect()
}

async fn pass_all(app: &TestApp, token: &str, serials: &[String], stations: &[&str]) {
    let mut inputs = Vec::new();
    for station in stations {
        for serial in serials {
            inputs.push(json!({"serial": serial, "station": station, "result": "PASS"}));
        }
    }
    for chunk in inputs.chunks(1000) {
        ok(
            app,
            token,
            "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { unit { status } } }",
            json!({"i": chunk}),
        )
        .await;
    }
}

async fn receive_lot(app: &TestApp, token: &str, mpn: &str, lot: &str, reel: &str) -> String {
    let data = ok(
        app,
        token,
        "mutation($i: ReceiveComponentLotInput!) { receiveComponentLot(input: $i) { id } }",
        json!({"i": {"mpn": mpn, "manufacturer": "Maker", "lotCode": lot, "reelId": reel, "quantity": 5000}}),
    )
    .await;
    id(&data["receiveComponentLot"]["id"])
}

/// Submits a package as the OEM; the EMS program manager reviews and accepts it.
async fn hand_over(app: &TestApp, oem: &str, pm: &str, package: &str) {
    ok(
        app,
        oem,
        "mutation($id: ID!) { submitNpiPackage(id: $id) { id } }",
        json!({"id": package}),
    )
    .await;
    for op in ["startReview", "acceptNpiPackage"] {
        let q = format!("mutation($id: ID!) {{ {op}(id: $id) {{ id }} }}");
        ok(app, pm, &q, json!({"id": package})).await;
    }
}

const INSTALL: &str = "mutation($p: String!, $c: String!, $pos: String!) { installSubassembly(parentSerial: $p, childSerial: $c, position: $pos) { position installedAt installedBy removedAt parent { serial } child { serial } } }";

/// Everything up to the boxes being ready to install into.
async fn gateway(app: &TestApp) -> Gateway {
    let oem = app.token(who::ACME_ENGINEER).await;
    let pm = app.token(who::EMS_PM).await;
    let operator = app.token(who::EMS_OPERATOR).await;

    // The PCBA, revision A at IPC-A-610 class 2: built and tested.
    let pcba_a = app.accepted_package("GW-PCBA").await;
    let build_a = build_with(
        app,
        &pm,
        &pcba_a,
        json!([{"kind": "ICT", "name": "ICT"}, {"kind": "FCT", "name": "FCT"}]),
        130,
    )
    .await;
    let pcba = serialize(app, &operator, &build_a, 122, "PCBA-{SEQ:4}").await;
    pass_all(app, &operator, &pcba, &["ICT", "FCT"]).await;
    let cap = receive_lot(app, &operator, CAP_MPN, CAP_LOT, "REEL-CAP-1").await;
    let used = ok(
        app,
        &operator,
        "mutation($i: RecordLotUsageInput!) { recordLotUsage(input: $i) }",
        json!({"i": {"lotId": cap, "buildId": build_a, "designators": ["C1"], "serialRange": {"from": "PCBA-0001", "to": "PCBA-0120"}}}),
    )
    .await;
    assert_eq!(used["recordLotUsage"], 120);

    // Revision B of the PCBA, accepted later; one unit of it, finished.
    let rev_b = ok(
        app,
        &oem,
        "mutation($id: ID!) { createRevision(fromPackageId: $id, revision: \"B\") { id } }",
        json!({"id": pcba_a}),
    )
    .await;
    let pcba_b = id(&rev_b["createRevision"]["id"]);
    hand_over(app, &oem, &pm, &pcba_b).await;
    let build_b = build_with(
        app,
        &pm,
        &pcba_b,
        json!([{"kind": "FCT", "name": "FCT"}]),
        5,
    )
    .await;
    let rev_b_units = serialize(app, &operator, &build_b, 1, "PCBB-{SEQ:4}").await;
    pass_all(app, &operator, &rev_b_units, &["FCT"]).await;

    // The gateway: a box build at IPC-A-630 class 2 with its harness at IPC/WHMA-A-620 class 2.
    let product = ok(
        app,
        &oem,
        "mutation($i: CreateProductInput!) { createProduct(input: $i) { id tier } }",
        json!({"i": {"partNumber": "GW-100", "name": "Cellular gateway", "tier": "BOX_BUILD"}}),
    )
    .await;
    assert_eq!(product["createProduct"]["tier"], "BOX_BUILD");
    let ems = app.ems_id(&oem).await;
    let package = ok(
        app,
        &oem,
        "mutation($i: CreateNpiPackageInput!) { createNpiPackage(input: $i) { id } }",
        json!({"i": {"productId": product["createProduct"]["id"], "revision": "A", "emsOrganizationId": ems, "ipcClass": "CLASS_2", "quantities": [2000]}}),
    )
    .await;
    let box_package = id(&package["createNpiPackage"]["id"]);
    let standards = ok(
        app,
        &oem,
        "mutation($id: ID!, $s: [StandardClassInput!]!) { setPackageStandards(packageId: $id, standards: $s) { standards { standard class } } }",
        json!({"id": box_package, "s": [{"standard": "IPC_A_630", "class": "CLASS_2"}, {"standard": "IPC_WHMA_A_620", "class": "CLASS_2"}]}),
    )
    .await;
    assert_eq!(
        standards["setPackageStandards"]["standards"],
        json!([{"standard": "IPC_WHMA_A_620", "class": "CLASS_2"}, {"standard": "IPC_A_630", "class": "CLASS_2"}])
    );
    let firmware = b"\x7fELF gateway firmware 1.2.0".to_vec();
    let uploaded = app
        .upload(
            Some(&oem),
            &box_package,
            &[
                ("gw-fw-1.2.0.bin".to_owned(), firmware),
                (
                    "work-instructions.pdf".to_owned(),
                    b"%PDF-1.4 box build".to_vec(),
                ),
            ],
        )
        .await;
    let firmware_sha = uploaded.body["data"]["uploadPackageFiles"]["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["name"] == "gw-fw-1.2.0.bin")
        .map(|f| id(&f["sha256"]))
        .expect("firmware file");
    // Submitting without a BOM is refused.
    let early = app
        .gql(
            Some(&oem),
            "mutation($id: ID!) { submitNpiPackage(id: $id) { id } }",
            json!({"id": box_package}),
        )
        .await;
    assert_eq!(early.code(), Some("CONFLICT"), "{}", early.body);
    let bom = ok(
        app,
        &oem,
        "mutation($id: ID!, $l: [BoxBomLineInput!]!) { setBoxBuildBom(packageId: $id, lines: $l) { boxBuildBom { position kind partNumber revision product { partNumber } firmwareSha256 } } }",
        json!({"id": box_package, "l": [
            {"position": "PCBA", "kind": "SUBASSEMBLY", "partNumber": "GW-PCBA", "revision": "A"},
            {"position": "MODEM", "kind": "BOUGHT", "partNumber": "EG25GGB-128", "description": "LTE Cat 4 modem"},
            {"position": "ANTENNA", "kind": "BOUGHT", "partNumber": "ANT-LTE-01"},
            {"position": "PSU", "kind": "BOUGHT", "partNumber": "PSU-12V-1A"},
            {"position": "FW", "kind": "FIRMWARE", "fileName": "gw-fw-1.2.0.bin", "firmwareVersion": "1.2.0"},
        ]}),
    )
    .await;
    let lines = bom["setBoxBuildBom"]["boxBuildBom"]
        .as_array()
        .expect("bom");
    assert_eq!(lines.len(), 5);
    let pcba_line = lines
        .iter()
        .find(|l| l["position"] == "PCBA")
        .expect("pcba line");
    assert_eq!(pcba_line["product"]["partNumber"], "GW-PCBA");
    let fw_line = lines
        .iter()
        .find(|l| l["position"] == "FW")
        .expect("fw line");
    assert_eq!(fw_line["firmwareSha256"], firmware_sha.as_str());
    hand_over(app, &oem, &pm, &box_package).await;

    let box_build = build_with(
        app,
        &pm,
        &box_package,
        json!([{"kind": "BOX_BUILD", "name": "Box build"}, {"kind": "FCT", "name": "Final test"}, {"kind": "PACK", "name": "Pack"}]),
        130,
    )
    .await;
    let boxes = serialize(app, &operator, &box_build, 121, "GW-{SEQ:4}").await;
    // Modem, antenna and power supply: their lots go into their positions of every box.
    for (mpn, lot, reel, position) in [
        ("EG25GGB-128", "MOD-7", "REEL-MOD", "MODEM"),
        ("ANT-LTE-01", "ANT-3", "REEL-ANT", "ANTENNA"),
        ("PSU-12V-1A", "PSU-9", "REEL-PSU", "PSU"),
    ] {
        let lot = receive_lot(app, &operator, mpn, lot, reel).await;
        let used = ok(
            app,
            &operator,
            "mutation($i: RecordLotUsageInput!) { recordLotUsage(input: $i) }",
            json!({"i": {"lotId": lot, "buildId": box_build, "designators": [position], "serialRange": {"from": "GW-0001", "to": "GW-0121"}}}),
        )
        .await;
        assert_eq!(used["recordLotUsage"], 121);
    }
    Gateway {
        pcba,
        pcba_rev_b: rev_b_units[0].clone(),
        boxes,
        firmware_sha,
    }
}

/// Installs PCBA-i into GW-i, forty per request.
async fn install_pairs(app: &TestApp, token: &str, pairs: &[(String, String)]) {
    for chunk in pairs.chunks(40) {
        let mut query = String::from("mutation {");
        for (n, (parent, child)) in chunk.iter().enumerate() {
            query.push_str(&format!(
                " i{n}: installSubassembly(parentSerial: \"{parent}\", childSerial: \"{child}\", position: \"PCBA\") {{ position }}"
            ));
        }
        query.push_str(" }");
        app.gql(Some(token), &query, json!({})).await.data();
    }
}

#[tokio::test]
async fn the_gateway_is_box_built_refused_where_wrong_and_traced_to_shipped_boxes() {
    let app = TestApp::spawn().await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let pm = app.token(who::EMS_PM).await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let globex = app.token(who::GLOBEX_ENGINEER).await;
    let gw = gateway(&app).await;

    // PCBA into box, and the tree both ways.
    let first = ok(
        &app,
        &operator,
        INSTALL,
        json!({"p": gw.boxes[0], "c": gw.pcba[0], "pos": "pcba"}),
    )
    .await;
    assert_eq!(first["installSubassembly"]["position"], "PCBA");
    assert_eq!(first["installSubassembly"]["parent"]["serial"], "GW-0001");
    assert_eq!(
        first["installSubassembly"]["installedBy"],
        who::EMS_OPERATOR
    );
    let pairs: Vec<(String, String)> = (1..120)
        .map(|i| (gw.boxes[i].clone(), gw.pcba[i].clone()))
        .collect();
    install_pairs(&app, &operator, &pairs).await;

    // 1. A wrong-revision PCBA, naming expected and given.
    let wrong = app
        .gql(
            Some(&operator),
            INSTALL,
            json!({"p": gw.boxes[120], "c": gw.pcba_rev_b, "pos": "PCBA"}),
        )
        .await;
    assert_eq!(wrong.code(), Some("BAD_USER_INPUT"), "{}", wrong.body);
    let message = wrong.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("GW-PCBA rev A")
            && message.contains("GW-PCBA rev B")
            && message.contains("wrong revision"),
        "{message}"
    );
    // 2. A PCBA already in another box, naming that box.
    let taken = app
        .gql(
            Some(&operator),
            INSTALL,
            json!({"p": gw.boxes[120], "c": gw.pcba[0], "pos": "PCBA"}),
        )
        .await;
    assert_eq!(taken.code(), Some("CONFLICT"), "{}", taken.body);
    let message = taken.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("already installed in box GW-0001"),
        "{message}"
    );
    // Also refused: a bought-item position, an unknown position, an unfinished unit.
    let bought = app
        .gql(
            Some(&operator),
            INSTALL,
            json!({"p": gw.boxes[120], "c": gw.pcba[121], "pos": "MODEM"}),
        )
        .await;
    assert_eq!(bought.code(), Some("BAD_USER_INPUT"), "{}", bought.body);
    let unknown = app
        .gql(
            Some(&operator),
            INSTALL,
            json!({"p": gw.boxes[120], "c": gw.pcba[121], "pos": "LID"}),
        )
        .await;
    assert_eq!(unknown.code(), Some("BAD_USER_INPUT"), "{}", unknown.body);
    let a_box_in_a_box = app
        .gql(
            Some(&operator),
            INSTALL,
            json!({"p": gw.boxes[120], "c": gw.boxes[0], "pos": "PCBA"}),
        )
        .await;
    assert_eq!(
        a_box_in_a_box.code(),
        Some("BAD_USER_INPUT"),
        "{}",
        a_box_in_a_box.body
    );

    // Identities: the released firmware, an IMEI, an ICCID, MAC addresses.
    let identity = "mutation($s: String!, $i: UnitIdentityInput!) { recordUnitIdentity(serial: $s, identity: $i) { serial identity { firmwareVersion firmwareSha256 imei iccid macAddresses } } }";
    let imei = imei_with_check_digit("35693803564380");
    let recorded = ok(
        &app,
        &operator,
        identity,
        json!({"s": "GW-0001", "i": {"firmwareVersion": "1.2.0", "firmwareSha256": gw.firmware_sha.to_uppercase(), "imei": imei, "iccid": "8944500102198304826", "macAddresses": ["02-00-00-00-00-01"]}}),
    )
    .await;
    assert_eq!(
        recorded["recordUnitIdentity"]["identity"],
        json!({"firmwareVersion": "1.2.0", "firmwareSha256": gw.firmware_sha, "imei": imei, "iccid": "8944500102198304826", "macAddresses": ["02:00:00:00:00:01"]})
    );
    // 3. A duplicate IMEI, naming the unit that holds it.
    let duplicate = app
        .gql(
            Some(&operator),
            identity,
            json!({"s": "GW-0002", "i": {"imei": imei}}),
        )
        .await;
    assert_eq!(duplicate.code(), Some("CONFLICT"), "{}", duplicate.body);
    let message = duplicate.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("duplicate IMEI")
            && message.contains(&imei)
            && message.contains("GW-0001"),
        "{message}"
    );
    let duplicate_mac = app
        .gql(
            Some(&operator),
            identity,
            json!({"s": "GW-0002", "i": {"macAddresses": ["02:00:00:00:00:01"]}}),
        )
        .await;
    assert_eq!(
        duplicate_mac.code(),
        Some("CONFLICT"),
        "{}",
        duplicate_mac.body
    );
    let bad_imei = app
        .gql(
            Some(&operator),
            identity,
            json!({"s": "GW-0002", "i": {"imei": "356938035643801"}}),
        )
        .await;
    assert_eq!(bad_imei.code(), Some("BAD_USER_INPUT"), "{}", bad_imei.body);
    // 4. An unreleased firmware hash, naming expected and given.
    let rogue = "ab".repeat(32);
    let unreleased = app
        .gql(
            Some(&operator),
            identity,
            json!({"s": "GW-0002", "i": {"firmwareSha256": rogue}}),
        )
        .await;
    assert_eq!(
        unreleased.code(),
        Some("BAD_USER_INPUT"),
        "{}",
        unreleased.body
    );
    let message = unreleased.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains(&format!("expected SHA-256 {}", gw.firmware_sha))
            && message.contains(&format!("given {rogue}")),
        "{message}"
    );

    // A swap before shipping: PCBA-0120 moves from GW-0120 to GW-0121, PCBA-0121 takes its place.
    let removed = ok(
        &app,
        &operator,
        "mutation { removeSubassembly(parentSerial: \"GW-0120\", childSerial: \"PCBA-0120\", reason: \"USB connector cracked at final test\") { removedAt removedBy removalReason } }",
        json!({}),
    )
    .await;
    assert_eq!(
        removed["removeSubassembly"]["removalReason"],
        "USB connector cracked at final test"
    );
    let again = app
        .gql(Some(&operator), "mutation { removeSubassembly(parentSerial: \"GW-0120\", childSerial: \"PCBA-0120\", reason: \"twice\") { removedAt } }", json!({}))
        .await;
    assert_eq!(again.code(), Some("CONFLICT"));
    ok(
        &app,
        &operator,
        INSTALL,
        json!({"p": "GW-0121", "c": "PCBA-0120", "pos": "PCBA"}),
    )
    .await;
    ok(
        &app,
        &operator,
        INSTALL,
        json!({"p": "GW-0120", "c": "PCBA-0121", "pos": "PCBA"}),
    )
    .await;

    // A board inside a box does not ship on its own.
    let pcba_build = ok(
        &app,
        &pm,
        "{ unit(serial: \"PCBA-0001\") { build { id } } }",
        json!({}),
    )
    .await["unit"]["build"]["id"]
        .clone();
    let alone = app
        .gql(Some(&operator), "mutation($i: ShipUnitsInput!) { shipUnits(input: $i) { id } }",
            json!({"i": {"buildId": pcba_build, "serials": ["PCBA-0001"], "destination": "D", "carrier": "C", "trackingNumber": "T"}}))
        .await;
    assert_eq!(alone.code(), Some("CONFLICT"), "{}", alone.body);

    // Every box through its routing, then out in two shipments; the first is delivered.
    pass_all(
        &app,
        &operator,
        &gw.boxes,
        &["Box build", "Final test", "Pack"],
    )
    .await;
    let ship = "mutation($i: ShipUnitsInput!) { shipUnits(input: $i) { id units } }";
    let build_id = ok(
        &app,
        &pm,
        "{ unit(serial: \"GW-0001\") { build { id } } }",
        json!({}),
    )
    .await["unit"]["build"]["id"]
        .clone();
    let reno = ok(&app, &operator, ship, json!({"i": {"buildId": build_id, "serials": gw.boxes[..60].to_vec(), "destination": "3PL Reno, 1 Logistics Way", "carrier": "UPS", "trackingNumber": "1Z-RENO"}})).await;
    ok(&app, &operator, ship, json!({"i": {"buildId": build_id, "serials": gw.boxes[60..].to_vec(), "destination": "3PL Rotterdam, Havenweg 2", "carrier": "DHL", "trackingNumber": "DHL-ROT"}})).await;
    let delivered = ok(
        &app,
        &operator,
        "mutation($id: ID!) { recordShipmentDelivered(shipmentId: $id) { destination deliveredAt } }",
        json!({"id": reno["shipUnits"]["id"]}),
    )
    .await;
    assert!(delivered["recordShipmentDelivered"]["deliveredAt"].is_string());
    // A shipped box takes nothing more.
    let closed = app
        .gql(
            Some(&operator),
            INSTALL,
            json!({"p": "GW-0001", "c": "PCBA-0122", "pos": "PCBA"}),
        )
        .await;
    assert_eq!(closed.code(), Some("CONFLICT"), "{}", closed.body);

    // The capacitor lot: 120 boards, exactly the 120 shipped gateways that hold them.
    let trace = "query($m: String!, $l: String!, $after: String) { traceComponent(mpn: $m, lotCode: $l) {
        totalUnits totalTopLevelUnits topLevelShipped
        topLevelUnits(first: 100, after: $after) { pageInfo { hasNextPage endCursor }
          edges { node { serial partNumber revision shipped whereabouts shipment { destination trackingNumber }
            paths { text affectedSerial designators links { serial position } } } } } } }";
    for token in [&pm, &oem] {
        let mut tops: Vec<Value> = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = ok(
                &app,
                token,
                trace,
                json!({"m": CAP_MPN, "l": CAP_LOT, "after": after}),
            )
            .await;
            let traced = &data["traceComponent"];
            assert_eq!(traced["totalUnits"], 120, "one level: the boards");
            assert_eq!(
                traced["totalTopLevelUnits"], 120,
                "two levels: the gateways"
            );
            assert_eq!(traced["topLevelShipped"], 120);
            let connection = &traced["topLevelUnits"];
            tops.extend(
                connection["edges"]
                    .as_array()
                    .expect("edges")
                    .iter()
                    .map(|e| e["node"].clone()),
            );
            if connection["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = connection["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(tops.len(), 120);
        let serials: std::collections::BTreeSet<&str> = tops
            .iter()
            .map(|t| t["serial"].as_str().unwrap_or_default())
            .collect();
        assert!(
            serials.contains("GW-0121") && !serials.contains("GW-0120"),
            "the swap moved the trace"
        );
        assert!(tops
            .iter()
            .all(|t| t["shipped"] == true && t["partNumber"] == "GW-100"));
        let reno_count = tops
            .iter()
            .filter(|t| t["shipment"]["trackingNumber"] == "1Z-RENO")
            .count();
        let rotterdam = tops
            .iter()
            .filter(|t| t["shipment"]["trackingNumber"] == "DHL-ROT")
            .count();
        assert_eq!((reno_count, rotterdam), (60, 60));
        let gw1 = tops
            .iter()
            .find(|t| t["serial"] == "GW-0001")
            .expect("GW-0001");
        assert_eq!(gw1["whereabouts"], "DELIVERED");
        assert_eq!(
            gw1["paths"][0]["text"],
            format!("{CAP_MPN} lot {CAP_LOT} → C1 → PCBA-0001 → PCBA → GW-0001")
        );
        let gw121 = tops
            .iter()
            .find(|t| t["serial"] == "GW-0121")
            .expect("GW-0121");
        assert_eq!(gw121["whereabouts"], "IN_TRANSIT");
        assert_eq!(
            gw121["paths"][0]["links"],
            json!([{"serial": "PCBA-0120", "position": "PCBA"}, {"serial": "GW-0121", "position": null}])
        );
    }
    let foreign = ok(&app, &globex, "query($m: String!, $l: String!) { traceComponent(mpn: $m, lotCode: $l) { totalUnits totalTopLevelUnits } }", json!({"m": CAP_MPN, "l": CAP_LOT})).await;
    assert_eq!(
        foreign["traceComponent"],
        json!({"totalUnits": 0, "totalTopLevelUnits": 0})
    );

    // History keeps the old box; the tree reads both ways.
    let history = ok(
        &app,
        &oem,
        "{ old: unit(serial: \"GW-0120\") { children { position removedAt removalReason child { serial } } }
           board: unit(serial: \"PCBA-0120\") { parent { serial } installedIn { parent { serial } removedAt } } }",
        json!({}),
    )
    .await;
    let children = history["old"]["children"].as_array().expect("children");
    assert_eq!(children.len(), 2);
    assert_eq!(children[0]["child"]["serial"], "PCBA-0120");
    assert!(children[0]["removedAt"].is_string());
    assert_eq!(children[1]["child"]["serial"], "PCBA-0121");
    assert!(children[1]["removedAt"].is_null());
    assert_eq!(history["board"]["parent"]["serial"], "GW-0121");
    let stays: Vec<&str> = history["board"]["installedIn"]
        .as_array()
        .expect("installedIn")
        .iter()
        .map(|i| i["parent"]["serial"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(stays, ["GW-0120", "GW-0121"]);

    // Backward trace of a box: every lot at every level.
    let back = ok(&app, &oem, "{ unit(serial: \"GW-0001\") { lotsAtEveryLevel { depth serial path designator lot { mpn lotCode } } } }", json!({})).await;
    let lots = back["unit"]["lotsAtEveryLevel"].as_array().expect("lots");
    let summary: Vec<(i64, &str, &str)> = lots
        .iter()
        .map(|l| {
            (
                l["depth"].as_i64().unwrap_or(-1),
                l["designator"].as_str().unwrap_or_default(),
                l["lot"]["lotCode"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (0, "ANTENNA", "ANT-3"),
            (0, "MODEM", "MOD-7"),
            (0, "PSU", "PSU-9"),
            (1, "C1", CAP_LOT)
        ]
    );
    assert_eq!(lots[3]["path"], "GW-0001 → PCBA → PCBA-0001");

    // Recall: per OEM, product and shipment, in the factory, in transit, delivered.
    let impact = ok(
        &app,
        &oem,
        "query($m: String!, $l: String!) { recallImpact(mpn: $m, lotCode: $l) { csvUrl total { units inFactory inTransit delivered }
            byProduct { label units } byDestination { label units delivered inTransit } byShipment { units whereabouts shipment { trackingNumber } } } }",
        json!({"m": CAP_MPN, "l": CAP_LOT}),
    )
    .await;
    let impact = &impact["recallImpact"];
    assert_eq!(
        impact["total"],
        json!({"units": 120, "inFactory": 0, "inTransit": 60, "delivered": 60})
    );
    assert_eq!(
        impact["byProduct"],
        json!([{"label": "GW-100 rev A", "units": 120}])
    );
    assert_eq!(impact["byShipment"].as_array().map(Vec::len), Some(2));
    let csv = app
        .http
        .get(format!(
            "{}{}",
            app.base,
            impact["csvUrl"].as_str().expect("url")
        ))
        .bearer_auth(&oem)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.expect("body");
    assert_eq!(
        body.lines().count(),
        121,
        "a header and one line per gateway"
    );
    assert!(
        body.lines().any(
            |l| l.starts_with("Acme Gateways,GW-100,A,GW-0001,DELIVERED,")
                && l.ends_with("PCBA-0001")
        ),
        "{body}"
    );

    // A campaign both sides see, followed unit by unit.
    let campaign = ok(
        &app,
        &oem,
        "mutation($i: CreateRecallCampaignInput!) { createRecallCampaign(input: $i) { id units { serial status } } }",
        json!({"i": {"mpn": CAP_MPN, "lotCode": CAP_LOT, "title": "C1 capacitor lot L2291: field replacement"}}),
    )
    .await;
    let campaign_id = id(&campaign["createRecallCampaign"]["id"]);
    assert_eq!(
        campaign["createRecallCampaign"]["units"]
            .as_array()
            .map(Vec::len),
        Some(120)
    );
    ok(
        &app,
        &pm,
        "mutation($id: ID!) { setRecallUnitStatus(campaignId: $id, serials: [\"GW-0001\", \"GW-0002\"], status: RECOVERED) { id } }",
        json!({"id": campaign_id}),
    )
    .await;
    let seen = ok(
        &app,
        &oem,
        "{ recallCampaigns { id statusCounts { status units } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        seen["recallCampaigns"][0]["statusCounts"][0],
        json!({"status": "OPEN", "units": 118})
    );
    assert_eq!(
        seen["recallCampaigns"][0]["statusCounts"][1],
        json!({"status": "RECOVERED", "units": 2})
    );
    let not_covered = app
        .gql(Some(&pm), "mutation($id: ID!) { setRecallUnitStatus(campaignId: $id, serials: [\"GW-0120\"], status: RECOVERED) { id } }", json!({"id": campaign_id}))
        .await;
    assert_eq!(not_covered.code(), Some("BAD_USER_INPUT"));
    let foreign = app
        .gql(
            Some(&globex),
            "query($id: ID!) { recallCampaign(id: $id) { id } }",
            json!({"id": campaign_id}),
        )
        .await;
    assert_eq!(foreign.code(), Some("NOT_FOUND"));

    // The FAI of a gateway: form 1 of the PDF lists the class of every stated standard.
    let quality = app.token(who::EMS_QUALITY).await;
    let made = ok(
        &app,
        &quality,
        "query { unit(serial: \"GW-0121\") { build { id } } }",
        json!({}),
    )
    .await;
    let report = ok(
        &app,
        &quality,
        "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id } }",
        json!({"i": {"buildId": made["unit"]["build"]["id"], "serial": "GW-0121", "reason": "NEW_PART", "scope": "FULL"}}),
    )
    .await;
    let pdf = app
        .http
        .get(format!(
            "{}/fai/{}.pdf",
            app.base,
            id(&report["createFaiReport"]["id"])
        ))
        .bearer_auth(&quality)
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status(), 200);
    if let Some(text) = crate::fai::pdf_text(&pdf.bytes().await.expect("bytes")) {
        assert!(
            text.contains("IPC-A-630 Class 2") && text.contains("IPC/WHMA-A-620 Class 2"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn standards_and_box_boms_are_checked() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let pcba = app.draft_package(&oem, "BRD-1").await;
    // A PCBA states IPC-A-610 by default, and may state more.
    let read = ok(
        &app,
        &oem,
        "query($id: ID!) { npiPackage(id: $id) { standards { standard class } } }",
        json!({"id": pcba}),
    )
    .await;
    assert_eq!(
        read["npiPackage"]["standards"],
        json!([{"standard": "IPC_A_610", "class": "CLASS_2"}])
    );
    let set = ok(
        &app,
        &oem,
        "mutation($id: ID!) { setPackageStandards(packageId: $id, standards: [{standard: IPC_A_610, class: CLASS_3}, {standard: IPC_WHMA_A_620, class: CLASS_3}]) { ipcClass standards { standard class } } }",
        json!({"id": pcba}),
    )
    .await;
    assert_eq!(set["setPackageStandards"]["ipcClass"], "CLASS_3");
    let twice = app
        .gql(Some(&oem), "mutation($id: ID!) { setPackageStandards(packageId: $id, standards: [{standard: IPC_A_630, class: CLASS_1}, {standard: IPC_A_630, class: CLASS_2}]) { id } }", json!({"id": pcba}))
        .await;
    assert_eq!(twice.code(), Some("BAD_USER_INPUT"));
    // A PCBA has no box-build BOM; a box build's lines must name real things.
    let bom = "mutation($id: ID!, $l: [BoxBomLineInput!]!) { setBoxBuildBom(packageId: $id, lines: $l) { id } }";
    let on_pcba = app
        .gql(Some(&oem), bom, json!({"id": pcba, "l": [{"position": "PSU", "kind": "BOUGHT", "partNumber": "PSU-1"}]}))
        .await;
    assert_eq!(on_pcba.code(), Some("BAD_USER_INPUT"));
    let product = ok(&app, &oem, "mutation { createProduct(input: {partNumber: \"BOX-1\", name: \"Box\", tier: BOX_BUILD}) { id } }", json!({})).await;
    let ems = app.ems_id(&oem).await;
    let package = ok(
        &app,
        &oem,
        "mutation($i: CreateNpiPackageInput!) { createNpiPackage(input: $i) { id } }",
        json!({"i": {"productId": product["createProduct"]["id"], "revision": "A", "emsOrganizationId": ems, "ipcClass": "CLASS_2"}}),
    )
    .await;
    let box_package = id(&package["createNpiPackage"]["id"]);
    for (lines, needle) in [
        (
            json!([{"position": "PCBA", "kind": "SUBASSEMBLY", "partNumber": "NOPE", "revision": "A"}]),
            "not a product",
        ),
        (
            json!([{"position": "PCBA", "kind": "SUBASSEMBLY", "partNumber": "BRD-1"}]),
            "revision",
        ),
        (
            json!([{"position": "FW", "kind": "FIRMWARE", "fileName": "missing.bin"}]),
            "not a file",
        ),
        (
            json!([{"position": "A", "kind": "BOUGHT", "partNumber": "X"}, {"position": "a", "kind": "BOUGHT", "partNumber": "Y"}]),
            "twice",
        ),
    ] {
        let refused = app
            .gql(Some(&oem), bom, json!({"id": box_package, "l": lines}))
            .await;
        assert_eq!(refused.code(), Some("BAD_USER_INPUT"), "{}", refused.body);
        let message = refused.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains(needle), "{message}");
    }
    // The BOM imported from a CSV file of the package, kinds read or inferred.
    let csv = "Gateway box-build BOM\nPosition,Kind,Part number,Rev,Description,Qty\n\
        PCBA,,BRD-1,A,Main board,1\nPSU,bought,PSU-12V-1A,,Power supply,\nSCREWS,,M3x6,,,4\n";
    app.upload(
        Some(&oem),
        &box_package,
        &[
            ("box-bom.csv".to_owned(), csv.as_bytes().to_vec()),
            (
                "bad-bom.csv".to_owned(),
                b"Position,Part number,Kind\nPSU,PSU-1,gadget\n".to_vec(),
            ),
        ],
    )
    .await;
    let import = "mutation($id: ID!, $f: String!) { importBoxBuildBom(packageId: $id, fileName: $f) { boxBuildBom { position kind partNumber revision quantity } } }";
    let imported = ok(
        &app,
        &oem,
        import,
        json!({"id": box_package, "f": "box-bom.csv"}),
    )
    .await;
    assert_eq!(
        imported["importBoxBuildBom"]["boxBuildBom"],
        json!([
            {"position": "PCBA", "kind": "SUBASSEMBLY", "partNumber": "BRD-1", "revision": "A", "quantity": 1},
            {"position": "PSU", "kind": "BOUGHT", "partNumber": "PSU-12V-1A", "revision": null, "quantity": 1},
            {"position": "SCREWS", "kind": "BOUGHT", "partNumber": "M3x6", "revision": null, "quantity": 4},
        ])
    );
    for (file, needle) in [("bad-bom.csv", "row 2"), ("nope.csv", "not a file")] {
        let refused = app
            .gql(Some(&oem), import, json!({"id": box_package, "f": file}))
            .await;
        assert_eq!(refused.code(), Some("BAD_USER_INPUT"), "{}", refused.body);
        let message = refused.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains(needle), "{message}");
    }

    // Another OEM's draft does not exist for Globex.
    let globex = app.token(who::GLOBEX_ENGINEER).await;
    let foreign = app
        .gql(Some(&globex), bom, json!({"id": box_package, "l": [{"position": "PSU", "kind": "BOUGHT", "partNumber": "PSU-1"}]}))
        .await;
    assert_eq!(foreign.code(), Some("NOT_FOUND"));
}

/// The tops a trace of the capacitor lot answers, every page read: serial → (shipped, path
/// text). Checks the totals against the pages.
async fn traced_tops(
    app: &TestApp,
    token: &str,
) -> std::collections::BTreeMap<String, (bool, String)> {
    let mut tops = std::collections::BTreeMap::new();
    let mut after = Value::Null;
    loop {
        let data = ok(
            app,
            token,
            "query($m: String!, $l: String!, $after: String) { traceComponent(mpn: $m, lotCode: $l) {
                totalUnits totalTopLevelUnits topLevelShipped
                topLevelUnits(first: 100, after: $after) { pageInfo { hasNextPage endCursor }
                  edges { node { serial shipped paths { text } } } } } }",
            json!({"m": CAP_MPN, "l": CAP_LOT, "after": after}),
        )
        .await;
        let traced = &data["traceComponent"];
        assert_eq!(traced["totalUnits"], 120, "one level: the boards");
        for edge in traced["topLevelUnits"]["edges"].as_array().expect("edges") {
            let node = &edge["node"];
            tops.insert(
                id(&node["serial"]),
                (node["shipped"] == true, id(&node["paths"][0]["text"])),
            );
        }
        let page = &traced["topLevelUnits"]["pageInfo"];
        if page["hasNextPage"] != true {
            assert_eq!(traced["totalTopLevelUnits"], tops.len());
            let shipped = tops.values().filter(|(s, _)| *s).count();
            assert_eq!(traced["topLevelShipped"], shipped);
            return tops;
        }
        after = page["endCursor"].clone();
    }
}

/// The serial of the outermost unit the database names as holding `serial` (the column the
/// trace reads), and whether it names that unit shipped.
async fn stored_top(app: &TestApp, serial: &str) -> (Option<String>, bool) {
    use firstpass_api::entities::unit;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let row = unit::Entity::find()
        .filter(unit::Column::Serial.eq(serial))
        .one(&app.state.db)
        .await
        .expect("read")
        .expect("unit");
    let top = match row.top_unit_id {
        Some(top) => unit::Entity::find_by_id(top)
            .one(&app.state.db)
            .await
            .expect("read")
            .map(|u| u.serial),
        None => None,
    };
    (top, row.top_shipped_at.is_some())
}

#[tokio::test]
async fn a_box_inside_a_box_is_traced_to_the_outermost_unit() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let pm = app.token(who::EMS_PM).await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let gw = gateway(&app).await;
    install_pairs(
        &app,
        &operator,
        &[
            (gw.boxes[0].clone(), gw.pcba[0].clone()),
            (gw.boxes[1].clone(), gw.pcba[1].clone()),
        ],
    )
    .await;
    pass_all(
        &app,
        &operator,
        &gw.boxes[..2],
        &["Box build", "Final test", "Pack"],
    )
    .await;

    // A rack that holds one gateway: a box build of box builds.
    let product = ok(
        &app,
        &oem,
        "mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }",
        json!({"i": {"partNumber": "RK-10", "name": "Gateway rack", "tier": "BOX_BUILD"}}),
    )
    .await;
    let ems = app.ems_id(&oem).await;
    let package = ok(
        &app,
        &oem,
        "mutation($i: CreateNpiPackageInput!) { createNpiPackage(input: $i) { id } }",
        json!({"i": {"productId": product["createProduct"]["id"], "revision": "A", "emsOrganizationId": ems, "ipcClass": "CLASS_2", "quantities": [10]}}),
    )
    .await;
    let rack_package = id(&package["createNpiPackage"]["id"]);
    app.upload(
        Some(&oem),
        &rack_package,
        &[(
            "rack-instructions.pdf".to_owned(),
            b"%PDF-1.4 rack build".to_vec(),
        )],
    )
    .await;
    ok(
        &app,
        &oem,
        "mutation($id: ID!, $l: [BoxBomLineInput!]!) { setBoxBuildBom(packageId: $id, lines: $l) { id } }",
        json!({"id": rack_package, "l": [{"position": "GW", "kind": "SUBASSEMBLY", "partNumber": "GW-100", "revision": "A"}]}),
    )
    .await;
    hand_over(&app, &oem, &pm, &rack_package).await;
    let rack_build = build_with(
        &app,
        &pm,
        &rack_package,
        json!([{"kind": "BOX_BUILD", "name": "Rack build"}, {"kind": "PACK", "name": "Rack pack"}]),
        1,
    )
    .await;
    let racks = serialize(&app, &operator, &rack_build, 1, "RK-{SEQ:4}").await;
    ok(
        &app,
        &operator,
        INSTALL,
        json!({"p": racks[0], "c": "GW-0001", "pos": "GW"}),
    )
    .await;

    // The board two levels down is traced to the rack; its neighbour to its own gateway.
    let tops = traced_tops(&app, &oem).await;
    assert_eq!(tops.len(), 120, "118 loose boards, GW-0002 and the rack");
    assert_eq!(
        tops.get("RK-0001"),
        Some(&(
            false,
            format!("{CAP_MPN} lot {CAP_LOT} → C1 → PCBA-0001 → PCBA → GW-0001 → GW → RK-0001")
        ))
    );
    assert!(tops.contains_key("GW-0002") && !tops.contains_key("GW-0001"));

    // Out of the rack, the gateway is the top again; back in, the rack.
    ok(
        &app,
        &operator,
        "mutation { removeSubassembly(parentSerial: \"RK-0001\", childSerial: \"GW-0001\", reason: \"rail bent\") { removedAt } }",
        json!({}),
    )
    .await;
    let tops = traced_tops(&app, &pm).await;
    assert!(tops.contains_key("GW-0001") && !tops.contains_key("RK-0001"));
    assert_eq!(
        stored_top(&app, "PCBA-0001").await,
        (Some("GW-0001".to_owned()), false)
    );
    assert_eq!(stored_top(&app, "GW-0001").await, (None, false));
    ok(
        &app,
        &operator,
        INSTALL,
        json!({"p": racks[0], "c": "GW-0001", "pos": "GW"}),
    )
    .await;

    // The rack ships, and with it the board inside the gateway inside it.
    pass_all(&app, &operator, &racks, &["Rack build", "Rack pack"]).await;
    ok(
        &app,
        &operator,
        "mutation($i: ShipUnitsInput!) { shipUnits(input: $i) { id } }",
        json!({"i": {"buildId": rack_build, "serials": racks, "destination": "Site 4", "carrier": "UPS", "trackingNumber": "1Z-RACK"}}),
    )
    .await;
    for inside in ["PCBA-0001", "GW-0001"] {
        assert_eq!(
            stored_top(&app, inside).await,
            (Some("RK-0001".to_owned()), true)
        );
    }
    let tops = traced_tops(&app, &oem).await;
    assert_eq!(tops.get("RK-0001").map(|t| t.0), Some(true));
    assert_eq!(tops.get("GW-0002").map(|t| t.0), Some(false));
    assert_eq!(tops.values().filter(|(s, _)| *s).count(), 1);
}
