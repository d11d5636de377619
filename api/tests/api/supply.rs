//! Supply: a 2,000-unit production build whose long-lead op-amp (the test board's U1,
//! LM358DR) is short clears on the promised date of its purchase order and once received;
//! attrition per part class; an alternate counts only once the OEM approved it; stock goes to
//! the earlier-due build first.

use crate::harness::{who, TestApp};
use serde_json::{json, Value};

const STATUS: &str = "query($b: ID!) { build(id: $b) { materialStatus { clearNow clearDate pushesDueDate shortLines uncoveredLines
    lines { mpn designators partClass source alternates placementsPerUnit attritionPercent needed used onHand allocatedToOtherBuilds available onOrder shortage uncovered clearNow clearDate pushesDueDate } } } }";

async fn status(app: &TestApp, token: &str, build: &str) -> Value {
    app.gql(Some(token), STATUS, json!({"b": build}))
        .await
        .data()["build"]["materialStatus"]
        .clone()
}

fn line<'a>(status: &'a Value, mpn: &str) -> &'a Value {
    status["lines"]
        .as_array()
        .and_then(|lines| lines.iter().find(|l| l["mpn"] == mpn))
        .unwrap_or_else(|| panic!("no line {mpn} in {status}"))
}

async fn plan(app: &TestApp, pm: &str, package: &str, quantity: i32, due: &str) -> String {
    let made = app
        .gql(Some(pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PRODUCTION", "quantity": quantity, "dueDate": due,
                "routing": [{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "AOI", "name": "AOI"}]}}))
        .await;
    made.data()["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned()
}

async fn receive(
    app: &TestApp,
    pm: &str,
    mpn: &str,
    manufacturer: &str,
    quantity: i64,
    reel: &str,
) {
    app.gql(
        Some(pm),
        "mutation($i: ReceiveComponentLotInput!) { receiveComponentLot(input: $i) { id } }",
        json!({"i": {"mpn": mpn, "manufacturer": manufacturer, "lotCode": "L-2651", "dateCode": "2651", "reelId": reel, "quantity": quantity, "supplier": "Arrow"}}),
    )
    .await
    .data();
}

#[tokio::test]
async fn a_short_long_lead_part_clears_on_its_promise_and_on_receipt() {
    let app = TestApp::spawn().await;
    let package = app.accepted_package("GW-MAIN").await;
    let pm = app.token(who::EMS_PM).await;
    let oem = app.token(who::ACME_ENGINEER).await;
    // A production build needs an approved first article: a one-unit pilot first (it stays
    // open, due earlier, so it is served first: one unit's parts).
    let pilot = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 1, "dueDate": "2098-12-01",
                "routing": [{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "AOI", "name": "AOI"}]}}))
        .await;
    let pilot = pilot.data()["createBuild"]["id"]
        .as_str()
        .expect("pilot")
        .to_owned();
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 1, pattern: \"FA-{SEQ:2}\") { serial } }", json!({"b": pilot}))
        .await
        .data();
    app.approved_fai(&pilot, "FA-01").await;
    let build = plan(&app, &pm, &package, 2000, "2099-06-30").await;

    // Nothing on hand and nothing ordered: every line is short with nothing in sight.
    let empty = status(&app, &pm, &build).await;
    assert_eq!(empty["clearNow"], false);
    assert_eq!(empty["clearDate"], Value::Null);
    assert_eq!(empty["pushesDueDate"], true);
    let lines = empty["lines"].as_array().cloned().unwrap_or_default();
    assert!(!lines.is_empty(), "{empty}");
    assert_eq!(empty["uncoveredLines"], lines.len());
    let u1 = line(&empty, "LM358DR");
    assert_eq!(
        (
            u1["designators"].clone(),
            u1["partClass"].clone(),
            u1["needed"].clone()
        ),
        (json!(["U1"]), json!("ACTIVE"), json!(2000))
    );

    // 0.5 % attrition on chip passives; everything but the op-amp on hand.
    app.gql(
        Some(&pm),
        "mutation { setAttritionRate(partClass: CHIP_PASSIVE, percent: 0.5) { percent } }",
        json!({}),
    )
    .await
    .data();
    let with_attrition = status(&app, &pm, &build).await;
    for l in with_attrition["lines"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let per_unit = l["placementsPerUnit"].as_i64().expect("per unit");
        let base = per_unit * 2000;
        let expected = if l["partClass"] == "CHIP_PASSIVE" {
            base + (base * 5 + 999) / 1000
        } else {
            base
        };
        assert_eq!(l["needed"].as_i64(), Some(expected), "{l}");
        if l["mpn"] != "LM358DR" {
            // This build's parts and the pilot's (one unit, attrition rounded up).
            let mpn = l["mpn"].as_str().expect("mpn");
            receive(
                &app,
                &pm,
                mpn,
                "Murata",
                expected + per_unit + 1,
                &format!("R-{mpn}"),
            )
            .await;
        }
    }
    receive(&app, &pm, "LM358DR", "Texas Instruments", 501, "R-U1-A").await;
    let short = status(&app, &pm, &build).await;
    assert_eq!(short["shortLines"], 1, "{short}");
    assert_eq!(
        short["lines"][0]["mpn"], "LM358DR",
        "shortages first: {short}"
    );
    let u1 = line(&short, "LM358DR");
    assert_eq!(
        (
            u1["onHand"].clone(),
            u1["allocatedToOtherBuilds"].clone(),
            u1["shortage"].clone(),
            u1["uncovered"].clone()
        ),
        (json!(501), json!(1), json!(1500), json!(1500))
    );

    // The purchase order's promise is the date the build clears.
    let order = app
        .gql(Some(&pm), "mutation($i: PurchaseOrderInput!) { recordPurchaseOrder(input: $i) { poNumber lines { id lineNo openQuantity promisedDate } } }",
            json!({"i": {"poNumber": "PO-4711", "supplier": "Arrow", "buildId": build,
                "lines": [{"mpn": "LM358DR", "manufacturer": "Texas Instruments", "quantity": 1500, "promisedDate": "2099-05-01"}]}}))
        .await;
    let order_line = order.data()["recordPurchaseOrder"]["lines"][0]["id"]
        .as_str()
        .expect("line")
        .to_owned();
    let promised = status(&app, &pm, &build).await;
    assert_eq!(
        (
            promised["clearNow"].clone(),
            promised["clearDate"].clone(),
            promised["pushesDueDate"].clone()
        ),
        (json!(false), json!("2099-05-01"), json!(false)),
        "{promised}"
    );
    let u1 = line(&promised, "LM358DR");
    assert_eq!(
        (
            u1["onOrder"].clone(),
            u1["uncovered"].clone(),
            u1["clearDate"].clone()
        ),
        (json!(1500), json!(0), json!("2099-05-01"))
    );
    // The OEM follows the same status on its build.
    assert_eq!(status(&app, &oem, &build).await["clearDate"], "2099-05-01");
    let duplicate = app
        .gql(Some(&pm), "mutation($i: PurchaseOrderInput!) { recordPurchaseOrder(input: $i) { id } }",
            json!({"i": {"poNumber": "PO-4711", "supplier": "Arrow", "lines": [{"mpn": "X", "manufacturer": "Y", "quantity": 1, "promisedDate": "2099-01-01"}]}}))
        .await;
    assert_eq!(duplicate.code(), Some("CONFLICT"));

    // Both sides listen for late material; then the supplier slips past the due date.
    app.state.webhooks.set_allow_private(true);
    for admin in [who::EMS_ADMIN, who::ACME_ADMIN] {
        let token = app.token(admin).await;
        app.gql(Some(&token), "mutation { createWebhookEndpoint(url: \"http://127.0.0.1:9/hooks\", events: [MATERIAL_LATE]) { secret } }", json!({}))
            .await
            .data();
    }
    app.gql(
        Some(&pm),
        "mutation($l: ID!) { updatePurchaseOrderPromise(lineId: $l, promisedDate: \"2099-07-15\") { promisedDate } }",
        json!({"l": order_line}),
    )
    .await
    .data();
    let slipped = status(&app, &pm, &build).await;
    assert_eq!(
        (
            slipped["clearDate"].clone(),
            slipped["pushesDueDate"].clone()
        ),
        (json!("2099-07-15"), json!(true))
    );
    // Both sides hear of it: an inbox entry each, and a MATERIAL_LATE event for each tenant.
    for token in [&pm, &oem] {
        let inbox = app
            .gql(
                Some(token),
                "{ inbox { entries { kind link detail } } }",
                json!({}),
            )
            .await;
        let entries = inbox.data()["inbox"]["entries"].clone();
        let late = entries
            .as_array()
            .and_then(|e| e.iter().find(|e| e["kind"] == "MATERIAL_LATE"))
            .unwrap_or_else(|| panic!("no MATERIAL_LATE entry in {entries}"));
        assert_eq!(late["link"], format!("/builds/{build}/materials"));
        let detail = late["detail"].as_str().expect("detail");
        assert!(
            detail.contains("2099-07-15") && detail.contains("LM358DR"),
            "{detail}"
        );
    }
    // The OEM's demand view: the op-amp gates this build past its due date.
    let demand = app
        .gql(Some(&oem), "{ materialDemand { mpn shortage clearDate buildsPushedPastDue builds { buildId partNumber dueDate line { shortage pushesDueDate } } } }", json!({}))
        .await;
    let parts = demand.data()["materialDemand"].clone();
    assert_eq!(parts[0]["mpn"], "LM358DR", "{parts}");
    assert_eq!(parts[0]["clearDate"], "2099-07-15");
    assert_eq!(parts[0]["buildsPushedPastDue"], 1);
    assert_eq!(
        parts[0]["builds"],
        json!([{"buildId": build, "partNumber": "GW-MAIN", "dueDate": "2099-06-30", "line": {"shortage": 1500, "pushesDueDate": true}}])
    );
    let globex = app.token(who::GLOBEX_ADMIN).await;
    let none = app
        .gql(Some(&globex), "{ materialDemand { mpn } }", json!({}))
        .await;
    assert_eq!(none.data()["materialDemand"], json!([]));
    {
        use firstpass_api::entities::outbox_event;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let events = outbox_event::Entity::find()
            .filter(outbox_event::Column::Event.eq("MATERIAL_LATE"))
            .all(&app.state.db)
            .await
            .expect("outbox");
        assert_eq!(events.len(), 2, "one event for the EMS and one for the OEM");
        for e in &events {
            assert_eq!(e.subject_id.to_string(), build);
            assert!(e.payload.contains("2099-07-15"), "{}", e.payload);
        }
    }

    // Receiving more than is open is refused; receiving the line clears the build.
    let too_many = app
        .gql(Some(&pm), "mutation($l: ID!, $i: PurchaseOrderReceiptInput!) { receivePurchaseOrderLine(lineId: $l, input: $i) { line { openQuantity } } }",
            json!({"l": order_line, "i": {"quantity": 1501, "lotCode": "L9", "reelId": "R-U1-X"}}))
        .await;
    assert_eq!(too_many.code(), Some("BAD_USER_INPUT"));
    let received = app
        .gql(Some(&pm), "mutation($l: ID!, $i: PurchaseOrderReceiptInput!) { receivePurchaseOrderLine(lineId: $l, input: $i) { lot { mpn quantity supplier } line { receivedQuantity openQuantity } } }",
            json!({"l": order_line, "i": {"quantity": 1500, "lotCode": "L-2702", "dateCode": "2702", "reelId": "R-U1-B"}}))
        .await;
    assert_eq!(
        received.data()["receivePurchaseOrderLine"],
        json!({"lot": {"mpn": "LM358DR", "quantity": 1500, "supplier": "Arrow"}, "line": {"receivedQuantity": 1500, "openQuantity": 0}})
    );
    let clear = status(&app, &pm, &build).await;
    assert_eq!(
        (
            clear["clearNow"].clone(),
            clear["shortLines"].clone(),
            clear["pushesDueDate"].clone()
        ),
        (json!(true), json!(0), json!(false)),
        "{clear}"
    );

    // A second build, due later: the stock is the first build's, so its op-amp is short.
    let later = plan(&app, &pm, &package, 1000, "2099-09-30").await;
    let second = status(&app, &pm, &later).await;
    let u1 = line(&second, "LM358DR");
    assert_eq!(
        (
            u1["onHand"].clone(),
            u1["allocatedToOtherBuilds"].clone(),
            u1["available"].clone(),
            u1["uncovered"].clone()
        ),
        (json!(2001), json!(2001), json!(0), json!(1000)),
        "{u1}"
    );
    // An alternate on hand counts only once the OEM approved it.
    receive(&app, &pm, "LM358ADR", "Texas Instruments", 1000, "R-ALT-1").await;
    let proposed = app
        .gql(Some(&pm), "mutation($i: AlternatePartInput!) { proposeAlternatePart(input: $i) { id status } }",
            json!({"i": {"packageId": package, "mpn": "LM358DR", "alternateMpn": "LM358ADR", "alternateManufacturer": "Texas Instruments", "reason": "A grade in stock; LM358DR at 26 weeks"}}))
        .await;
    let alternate = proposed.data()["proposeAlternatePart"]["id"]
        .as_str()
        .expect("alternate")
        .to_owned();
    assert_eq!(
        line(&status(&app, &pm, &later).await, "LM358DR")["uncovered"],
        1000,
        "a proposed alternate does not count"
    );
    let not_on_bom = app
        .gql(Some(&pm), "mutation($i: AlternatePartInput!) { proposeAlternatePart(input: $i) { id } }",
            json!({"i": {"packageId": package, "mpn": "NE555", "alternateMpn": "LM358ADR", "alternateManufacturer": "TI", "reason": "x"}}))
        .await;
    assert_eq!(not_on_bom.code(), Some("BAD_USER_INPUT"));
    let pm_decides = app
        .gql(
            Some(&pm),
            "mutation($id: ID!) { decideAlternatePart(id: $id, approve: true) { status } }",
            json!({"id": alternate}),
        )
        .await;
    assert_eq!(pm_decides.code(), Some("FORBIDDEN"));
    let approved = app
        .gql(Some(&oem), "mutation($id: ID!) { decideAlternatePart(id: $id, approve: true, note: \"Same die, tighter offset\") { status decisionNote decidedAt } }",
            json!({"id": alternate}))
        .await;
    assert_eq!(approved.data()["decideAlternatePart"]["status"], "APPROVED");
    let after = status(&app, &pm, &later).await;
    let u1 = line(&after, "LM358DR");
    assert_eq!(
        (
            u1["alternates"].clone(),
            u1["shortage"].clone(),
            u1["clearNow"].clone()
        ),
        (json!(["LM358ADR"]), json!(0), json!(true)),
        "{u1}"
    );
    let twice = app
        .gql(
            Some(&oem),
            "mutation($id: ID!) { decideAlternatePart(id: $id, approve: false) { status } }",
            json!({"id": alternate}),
        )
        .await;
    assert_eq!(twice.code(), Some("CONFLICT"));

    // Consigned: the OEM sends the op-amp for the second build.
    app.gql(
        Some(&pm),
        "mutation($b: ID!) { setMaterialSource(buildId: $b, mpn: \"LM358DR\", source: CONSIGNED) }",
        json!({"b": later}),
    )
    .await
    .data();
    assert_eq!(
        line(&status(&app, &oem, &later).await, "LM358DR")["source"],
        "CONSIGNED"
    );

    // The orders and alternates are listed; another OEM sees none of it.
    let orders = app
        .gql(Some(&pm), "query($b: ID!) { purchaseOrders(buildId: $b) { poNumber lines { receivedQuantity } } }", json!({"b": build}))
        .await;
    assert_eq!(
        orders.data()["purchaseOrders"],
        json!([{"poNumber": "PO-4711", "lines": [{"receivedQuantity": 1500}]}])
    );
    let foreign = app.gql(Some(&globex), STATUS, json!({"b": build})).await;
    assert_eq!(foreign.code(), Some("NOT_FOUND"));
    let foreign_alternates = app
        .gql(
            Some(&globex),
            "query($p: ID!) { alternateParts(packageId: $p) { id } }",
            json!({"p": package}),
        )
        .await;
    assert_eq!(foreign_alternates.code(), Some("NOT_FOUND"));
}
