//! Quality: an AOI defect on 12 units opens an NCR whose containment blocks those units at every
//! station and at shipping until their disposition; USE_AS_IS waits for the OEM's signed
//! material review; a contained lot feeds no board; another OEM sees none of it.

use crate::harness::{who, TestApp};
use serde_json::{json, Value};

const NCR: &str = "query($id: ID!) { ncr(id: $id) { number status severity source buildId items { id serial designator disposition review contained } } }";
const DISPOSE: &str = "mutation($i: ID!, $d: NcrDisposition!, $r: String!) { dispositionNcrItem(itemId: $i, disposition: $d, reason: $r) { status } }";

async fn record(
    app: &TestApp,
    token: &str,
    serials: &[String],
    station: &str,
    result: &str,
) -> Value {
    let inputs: Vec<Value> = serials
        .iter()
        .map(|s| json!({"serial": s, "station": station, "result": result}))
        .collect();
    app.gql(
        Some(token),
        "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { unit { status } } }",
        json!({"i": inputs}),
    )
    .await
    .body
}

#[tokio::test]
async fn an_aoi_defect_on_twelve_units_is_contained_until_its_reviewed_disposition() {
    let app = TestApp::spawn().await;
    let package = app.accepted_package("GW-NCR").await;
    let pm = app.token(who::EMS_PM).await;
    let quality = app.token(who::EMS_QUALITY).await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let made = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 13, "dueDate": "2099-06-30",
                "routing": [{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "AOI", "name": "AOI"}, {"kind": "FCT", "name": "FCT"}]}}))
        .await;
    let build = made.data()["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    let units = app
        .gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 13, pattern: \"Q-{SEQ:2}\") { serial } }", json!({"b": build}))
        .await;
    let serials: Vec<String> = units.data()["serializeUnits"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["serial"].as_str().expect("serial").to_owned())
        .collect();
    // The OEM listens for NCRs.
    app.state.webhooks.set_allow_private(true);
    let acme_admin = app.token(who::ACME_ADMIN).await;
    app.gql(Some(&acme_admin), "mutation { createWebhookEndpoint(url: \"http://127.0.0.1:9/hooks\", events: [NCR_OPENED, NCR_CLOSED]) { secret } }", json!({}))
        .await
        .data();
    let (bad, good) = serials.split_at(12);
    record(&app, &operator, &serials, "SMT", "PASS").await;
    record(&app, &operator, good, "AOI", "PASS").await;
    record(&app, &operator, bad, "AOI", "FAIL").await;
    // AOI finds insufficient solder on C1 of twelve boards; the floor lets them go on.
    let mut defects = Vec::new();
    for serial in bad {
        let d = app
            .gql(Some(&operator), "mutation($i: DefectInput!) { recordDefect(input: $i) { defect { id } } }",
                json!({"i": {"serial": serial, "station": "AOI", "designator": "C1", "code": "INSUFFICIENT_SOLDER", "disposition": "USE_AS_IS"}}))
            .await;
        defects.push(d.data()["recordDefect"]["defect"]["id"].clone());
    }

    // Quality opens an NCR over the twelve defects: the units are contained at once.
    let refused = app
        .gql(Some(&operator), "mutation($i: OpenNcrInput!) { openNcr(input: $i) { id } }",
            json!({"i": {"title": "x", "description": "y", "severity": "MAJOR", "defectIds": defects}}))
        .await;
    assert_eq!(
        refused.code(),
        Some("FORBIDDEN"),
        "operators do not open NCRs"
    );
    let opened = app
        .gql(Some(&quality), "mutation($i: OpenNcrInput!) { openNcr(input: $i) { id number status source buildId } }",
            json!({"i": {"title": "Insufficient solder on C1", "description": "AOI flagged C1 on 12 boards of the pilot; paste print suspected.",
                "severity": "MAJOR", "defectIds": defects}}))
        .await;
    let ncr = opened.data()["openNcr"].clone();
    assert_eq!(ncr["number"], "NCR-000001");
    assert_eq!(ncr["source"], "DEFECT");
    assert_eq!(ncr["buildId"], build);
    let ncr_id = ncr["id"].as_str().expect("ncr").to_owned();
    let items = app
        .gql(Some(&quality), NCR, json!({"id": ncr_id}))
        .await
        .data()["ncr"]["items"]
        .clone();
    let items = items.as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 12);
    assert!(items
        .iter()
        .all(|i| i["contained"] == true && i["designator"] == "C1"));

    // Contained: no station takes them, and they do not ship; the thirteenth goes on.
    for unit in bad {
        let at_fct = record(&app, &operator, std::slice::from_ref(unit), "FCT", "PASS").await;
        assert_eq!(
            at_fct["errors"][0]["extensions"]["code"], "CONFLICT",
            "{at_fct}"
        );
        let message = at_fct["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("NCR-000001") && message.contains(unit.as_str()),
            "{message}"
        );
    }
    let passed = record(&app, &operator, good, "FCT", "PASS").await;
    assert!(passed.get("errors").is_none(), "{passed}");
    let ship = "mutation($b: ID!, $s: [String!]!) { shipUnits(input: {buildId: $b, serials: $s, destination: \"Reno\", carrier: \"UPS\", trackingNumber: \"T1\"}) { units } }";
    let held = app
        .gql(Some(&pm), ship, json!({"b": build, "s": [bad[0].clone()]}))
        .await;
    assert_eq!(held.code(), Some("CONFLICT"));

    // USE_AS_IS on the customer's product waits for the OEM's signed review.
    for item in &items {
        app.gql(
            Some(&quality),
            DISPOSE,
            json!({"i": item["id"], "d": "USE_AS_IS", "r": "Fillet within class 2 after X-ray"}),
        )
        .await
        .data();
    }
    let waiting = app.gql(Some(&oem), NCR, json!({"id": ncr_id})).await.data()["ncr"].clone();
    assert_eq!(waiting["status"], "IN_REVIEW");
    assert!(waiting["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|i| i["review"] == "PENDING" && i["contained"] == true));
    let inbox = "{ inbox { entries { kind link } } }";
    let entries = app.gql(Some(&oem), inbox, json!({})).await.data()["inbox"]["entries"].clone();
    assert!(
        entries
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["kind"] == "NCR_TO_REVIEW" && e["link"] == format!("/ncrs/{ncr_id}")),
        "{entries}"
    );
    let still = record(&app, &operator, &bad[..1], "FCT", "PASS").await;
    assert_eq!(still["errors"][0]["extensions"]["code"], "CONFLICT");
    let early_close = app
        .gql(
            Some(&quality),
            "mutation($id: ID!) { closeNcr(id: $id) { status } }",
            json!({"id": ncr_id}),
        )
        .await;
    assert_eq!(early_close.code(), Some("CONFLICT"));
    let review = "mutation($id: ID!, $a: Boolean!, $p: String!, $r: String!) { reviewNcrDispositions(ncrId: $id, approve: $a, password: $p, reason: $r) { status } }";
    let by_ems = app
        .gql(
            Some(&pm),
            review,
            json!({"id": ncr_id, "a": true, "p": "firstpass-demo", "r": "ok"}),
        )
        .await;
    assert_eq!(by_ems.code(), Some("FORBIDDEN"), "the customer reviews");
    let wrong = app
        .gql(
            Some(&oem),
            review,
            json!({"id": ncr_id, "a": true, "p": "wrong", "r": "ok"}),
        )
        .await;
    assert_eq!(wrong.code(), Some("FORBIDDEN"));
    let approved = app
        .gql(Some(&oem), review, json!({"id": ncr_id, "a": true, "p": "firstpass-demo", "r": "Accepted per X-ray evidence"}))
        .await;
    assert_eq!(approved.data()["reviewNcrDispositions"]["status"], "OPEN");
    let after_review =
        app.gql(Some(&oem), inbox, json!({})).await.data()["inbox"]["entries"].clone();
    assert!(
        !after_review
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["kind"] == "NCR_TO_REVIEW"),
        "{after_review}"
    );
    {
        use firstpass_api::entities::signature;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let signed = signature::Entity::find()
            .filter(signature::Column::RecordType.eq("NcrMaterialReview"))
            .all(&app.state.db)
            .await
            .expect("signatures");
        assert_eq!(signed.len(), 1);
        assert_eq!(signed[0].email, who::ACME_ENGINEER);
        assert_eq!(signed[0].content_hash.len(), 64);
    }
    // Released: the units go on, and the NCR closes.
    let released = record(&app, &operator, bad, "FCT", "PASS").await;
    assert!(released.get("errors").is_none(), "{released}");
    let closed = app
        .gql(
            Some(&quality),
            "mutation($id: ID!) { closeNcr(id: $id) { status closedAt } }",
            json!({"id": ncr_id}),
        )
        .await;
    assert_eq!(closed.data()["closeNcr"]["status"], "CLOSED");
    let shipped = app
        .gql(Some(&pm), ship, json!({"b": build, "s": serials}))
        .await;
    assert_eq!(shipped.data()["shipUnits"]["units"], 13);

    {
        use firstpass_api::entities::outbox_event;
        use sea_orm::{EntityTrait, QueryOrder};
        let events: Vec<String> = outbox_event::Entity::find()
            .order_by_asc(outbox_event::Column::Id)
            .all(&app.state.db)
            .await
            .expect("outbox")
            .into_iter()
            .filter(|e| e.subject_id.to_string() == ncr_id)
            .map(|e| e.event)
            .collect();
        assert_eq!(events, ["NCR_OPENED", "NCR_CLOSED"]);
    }

    // The unit, the build and the package list the NCR.
    let listed_on = app
        .gql(Some(&oem), "query($s: String!, $b: ID!, $p: ID!) { unit(serial: $s) { ncrs { number } } build(id: $b) { ncrs { number } } npiPackage(id: $p) { ncrs { number } } }",
            json!({"s": bad[0], "b": build, "p": package}))
        .await;
    let numbers = json!([{"number": "NCR-000001"}]);
    assert_eq!(listed_on.data()["unit"]["ncrs"], numbers);
    assert_eq!(listed_on.data()["build"]["ncrs"], numbers);
    assert_eq!(listed_on.data()["npiPackage"]["ncrs"], numbers);
    let good_unit = app
        .gql(
            Some(&oem),
            "query($s: String!) { unit(serial: $s) { ncrs { number } } }",
            json!({"s": good[0]}),
        )
        .await;
    assert_eq!(good_unit.data()["unit"]["ncrs"], json!([]));

    // Another OEM sees no NCR.
    let globex = app.token(who::GLOBEX_ADMIN).await;
    let foreign = app.gql(Some(&globex), NCR, json!({"id": ncr_id})).await;
    assert_eq!(foreign.code(), Some("NOT_FOUND"));
    let none = app.gql(Some(&globex), "{ ncrs { id } }", json!({})).await;
    assert_eq!(none.data()["ncrs"], json!([]));
    let listed = app
        .gql(Some(&oem), "{ ncrs { number status } }", json!({}))
        .await;
    assert_eq!(
        listed.data()["ncrs"],
        json!([{"number": "NCR-000001", "status": "CLOSED"}])
    );
}

#[tokio::test]
async fn a_contained_lot_feeds_no_board_until_returned_or_released() {
    let app = TestApp::spawn().await;
    let package = app.accepted_package("GW-LOT").await;
    let pm = app.token(who::EMS_PM).await;
    let quality = app.token(who::EMS_QUALITY).await;
    let made = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 2, "dueDate": "2099-06-30",
                "routing": [{"kind": "SMT_TOP", "name": "SMT"}]}}))
        .await;
    let build = made.data()["createBuild"]["id"].clone();
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 2, pattern: \"L-{SEQ:2}\") { serial } }", json!({"b": build}))
        .await
        .data();
    let lot = app
        .gql(Some(&pm), "mutation($i: ReceiveComponentLotInput!) { receiveComponentLot(input: $i) { id } }",
            json!({"i": {"mpn": "GRM188R71H104KA93D", "manufacturer": "Murata", "lotCode": "BAD-1", "reelId": "R-BAD-1", "quantity": 4000}}))
        .await;
    let lot_id = lot.data()["receiveComponentLot"]["id"].clone();
    let opened = app
        .gql(Some(&quality), "mutation($i: OpenNcrInput!) { openNcr(input: $i) { id source items { id } } }",
            json!({"i": {"title": "Cracked capacitors on reel R-BAD-1", "description": "Incoming inspection: 3 of 20 sampled parts cracked.",
                "severity": "CRITICAL", "lotIds": [lot_id]}}))
        .await;
    let ncr = opened.data()["openNcr"].clone();
    assert_eq!(ncr["source"], "LOT");
    // The lot lists its NCR (a lot before use concerns no customer: no corrective action).
    let lots = app
        .gql(Some(&quality), "query { componentLots(mpn: \"GRM188R71H104KA93D\", lotCode: \"BAD-1\") { ncrs { id } capas { number } } }", json!({}))
        .await;
    assert_eq!(
        lots.data()["componentLots"],
        json!([{"ncrs": [{"id": ncr["id"]}], "capas": []}])
    );
    let usage = "mutation($i: RecordLotUsageInput!) { recordLotUsage(input: $i) }";
    let blocked = app
        .gql(Some(&pm), usage, json!({"i": {"lotId": lot_id, "buildId": build, "designators": ["C1"], "serials": ["L-01"]}}))
        .await;
    assert_eq!(blocked.code(), Some("CONFLICT"));
    // Back to the supplier: it stays out of production for good; the NCR closes.
    app.gql(
        Some(&quality),
        DISPOSE,
        json!({"i": ncr["items"][0]["id"], "d": "RETURN_TO_SUPPLIER", "r": "RMA 5521 with Murata"}),
    )
    .await
    .data();
    let still = app
        .gql(Some(&pm), usage, json!({"i": {"lotId": lot_id, "buildId": build, "designators": ["C1"], "serials": ["L-01"]}}))
        .await;
    assert_eq!(still.code(), Some("CONFLICT"));
    let closed = app
        .gql(
            Some(&quality),
            "mutation($id: ID!) { closeNcr(id: $id) { status } }",
            json!({"id": ncr["id"]}),
        )
        .await;
    assert_eq!(closed.data()["closeNcr"]["status"], "CLOSED");
}

const CAPA: &str = "query($id: ID!) { capa(id: $id) { number kind status ncrs { number } disciplines { discipline filled owner needsSignature signature { signer { printedName } contentHash } } effectiveness { unitsSeen passedFirst firstPassYieldPercent passed } } }";

#[tokio::test]
async fn a_corrective_action_closes_only_once_its_8d_is_signed_and_shown_effective() {
    let app = TestApp::spawn().await;
    let package = app.accepted_package("GW-8D").await;
    let pm = app.token(who::EMS_PM).await;
    let quality = app.token(who::EMS_QUALITY).await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let plan = |quantity: i64| {
        json!({"i": {"packageId": package, "phase": "PILOT", "quantity": quantity, "dueDate": "2099-06-30",
            "routing": [{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "AOI", "name": "AOI"}]}})
    };
    let create = "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }";
    let first = app.gql(Some(&pm), create, plan(1)).await.data()["createBuild"]["id"].clone();
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 1, pattern: \"E-{SEQ:2}\") { serial } }", json!({"b": first}))
        .await
        .data();
    let one = vec!["E-01".to_owned()];
    record(&app, &operator, &one, "SMT", "PASS").await;
    record(&app, &operator, &one, "AOI", "FAIL").await;
    let defect = app
        .gql(Some(&operator), "mutation($i: DefectInput!) { recordDefect(input: $i) { defect { id } } }",
            json!({"i": {"serial": "E-01", "station": "AOI", "designator": "C1", "code": "SOLDER_BRIDGE", "disposition": "REWORK"}}))
        .await;
    let opened = app
        .gql(Some(&quality), "mutation($i: OpenNcrInput!) { openNcr(input: $i) { id items { id } } }",
            json!({"i": {"title": "Bridge on C1", "description": "Solder bridge across C1 pads.", "severity": "MINOR",
                "defectIds": [defect.data()["recordDefect"]["defect"]["id"]]}}))
        .await;
    let ncr = opened.data()["openNcr"].clone();

    // The EMS escalates its NCR; the OEM raises its own request citing the same NCR.
    let escalated = app
        .gql(Some(&quality), "mutation($n: ID!) { escalateNcr(ncrId: $n, title: \"Paste print on C1\") { number kind } }", json!({"n": ncr["id"]}))
        .await;
    assert_eq!(
        escalated.data()["escalateNcr"],
        json!({"number": "CAPA-000001", "kind": "CORRECTIVE"})
    );
    let raise = "mutation($i: CorrectiveActionRequestInput!) { raiseCorrectiveAction(input: $i) { id number kind } }";
    let by_ems = app
        .gql(
            Some(&pm),
            raise,
            json!({"i": {"title": "t", "description": "d", "ncrIds": [ncr["id"]]}}),
        )
        .await;
    assert_eq!(by_ems.code(), Some("FORBIDDEN"));
    let globex = app.token(who::GLOBEX_ENGINEER).await;
    let foreign = app
        .gql(
            Some(&globex),
            raise,
            json!({"i": {"title": "t", "description": "d", "ncrIds": [ncr["id"]]}}),
        )
        .await;
    assert_eq!(foreign.code(), Some("NOT_FOUND"));
    let raised = app
        .gql(Some(&oem), raise, json!({"i": {"title": "Solder bridges at AOI", "description": "Bridges on C1 since the stencil change.", "ncrIds": [ncr["id"]]}}))
        .await;
    let capa = raised.data()["raiseCorrectiveAction"].clone();
    assert_eq!(capa["kind"], "SUPPLIER_REQUEST");
    let capa_id = capa["id"].as_str().expect("capa").to_owned();
    let seen = app.gql(Some(&quality), CAPA, json!({"id": capa_id})).await;
    let seen = seen.data()["capa"].clone();
    assert_eq!(seen["ncrs"], json!([{"number": "NCR-000001"}]));
    assert_eq!(
        seen["disciplines"][1]["filled"], true,
        "D2 holds the OEM's description"
    );

    // EMS quality works the 8D.
    let update = "mutation($c: ID!, $d: Discipline!, $t: String!) { updateCapaDiscipline(capaId: $c, discipline: $d, owner: \"Quinn Quality\", dueDate: \"2099-01-31\", content: $t) { number } }";
    let texts = [
        ("D1", "Quinn (quality), Pat (program), Sam (process engineering)"),
        ("D2", "Bridges across C1 on boards printed after the stencil change of week 46."),
        ("D3", "All WIP after the change held at AOI and inspected; 1 unit reworked."),
        ("D4", "Why 1: too much paste. Why 2: aperture 10% larger. Why 3: stencil ordered from rev B Gerbers. Root cause: wrong stencil revision."),
        ("D5", "Re-cut stencil to rev C apertures; add stencil revision check at setup."),
        ("D6", "New stencil received and verified (evidence: stencil report SR-118)."),
        ("D7", "Setup checklist WI-SMT-04 rev 7 requires stencil revision against the package."),
        ("D8", "Team thanked; CAPA closed after 10 clean boards."),
    ];
    for (d, text) in texts {
        app.gql(
            Some(&quality),
            update,
            json!({"c": capa_id, "d": d, "t": text}),
        )
        .await
        .data();
    }
    let sign = "mutation($c: ID!, $d: Discipline!, $p: String!) { signCapaDiscipline(capaId: $c, discipline: $d, password: $p, reason: \"Reviewed\") { number } }";
    let wrong = app
        .gql(
            Some(&quality),
            sign,
            json!({"c": capa_id, "d": "D4", "p": "wrong"}),
        )
        .await;
    assert_eq!(wrong.code(), Some("FORBIDDEN"));
    let not_signed = app
        .gql(
            Some(&quality),
            sign,
            json!({"c": capa_id, "d": "D5", "p": "firstpass-demo"}),
        )
        .await;
    assert_eq!(not_signed.code(), Some("BAD_USER_INPUT"));
    let close = "mutation($c: ID!) { closeCapa(id: $c) { status closedAt } }";
    let unsigned = app.gql(Some(&quality), close, json!({"c": capa_id})).await;
    assert_eq!(unsigned.code(), Some("CONFLICT"));
    // A signed step past its due date shows in EMS quality's inbox until signed.
    app.gql(Some(&quality), "mutation($c: ID!) { updateCapaDiscipline(capaId: $c, discipline: D6, owner: \"Sam\", dueDate: \"2020-01-31\", content: \"New stencil in use since lot 2651\") { number } }",
        json!({"c": capa_id}))
        .await
        .data();
    let overdue = app
        .gql(
            Some(&quality),
            "{ inbox { entries { kind title } } }",
            json!({}),
        )
        .await;
    assert!(
        overdue.data()["inbox"]["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["kind"] == "CAPA_STEP_OVERDUE"),
        "{}",
        overdue.body
    );
    for d in ["D4", "D6", "D8"] {
        app.gql(
            Some(&quality),
            sign,
            json!({"c": capa_id, "d": d, "p": "firstpass-demo"}),
        )
        .await
        .data();
    }
    let locked = app
        .gql(
            Some(&quality),
            update,
            json!({"c": capa_id, "d": "D4", "t": "changed"}),
        )
        .await;
    assert_eq!(
        locked.code(),
        Some("CONFLICT"),
        "a signed discipline does not change"
    );
    let no_check = app.gql(Some(&quality), close, json!({"c": capa_id})).await;
    assert_eq!(no_check.code(), Some("CONFLICT"));

    // Effective once the next 10 boards pass AOI the first time at 95 %.
    app.gql(Some(&quality), "mutation($c: ID!) { setCapaEffectivenessCheck(capaId: $c, stationKind: AOI, thresholdPercent: 95, windowUnits: 10) { number } }",
        json!({"c": capa_id}))
        .await
        .data();
    let second = app.gql(Some(&pm), create, plan(10)).await.data()["createBuild"]["id"].clone();
    let made = app
        .gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 10, pattern: \"F-{SEQ:2}\") { serial } }", json!({"b": second}))
        .await;
    let serials: Vec<String> = made.data()["serializeUnits"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["serial"].as_str().expect("serial").to_owned())
        .collect();
    record(&app, &operator, &serials, "SMT", "PASS").await;
    record(&app, &operator, &serials[..5], "AOI", "PASS").await;
    let half = app.gql(Some(&quality), close, json!({"c": capa_id})).await;
    assert_eq!(half.code(), Some("CONFLICT"));
    let message = half.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("5 of 10"), "{message}");
    record(&app, &operator, &serials[5..], "AOI", "PASS").await;
    let status = app.gql(Some(&oem), CAPA, json!({"id": capa_id})).await;
    assert_eq!(
        status.data()["capa"]["effectiveness"],
        json!({"unitsSeen": 10, "passedFirst": 10, "firstPassYieldPercent": 100.0, "passed": true})
    );
    let closed = app.gql(Some(&quality), close, json!({"c": capa_id})).await;
    assert_eq!(closed.data()["closeCapa"]["status"], "CLOSED");
    let after = app.gql(Some(&oem), CAPA, json!({"id": capa_id})).await;
    let disciplines = after.data()["capa"]["disciplines"].clone();
    for d in disciplines.as_array().expect("disciplines") {
        assert_eq!(d["filled"], true);
        if d["needsSignature"] == true {
            assert_eq!(
                d["signature"]["signer"]["printedName"], "Quinn Quality",
                "{d}"
            );
        }
    }
    let none = app.gql(Some(&globex), "{ capas { id } }", json!({})).await;
    assert_eq!(none.data()["capas"], json!([]));
    // The unit, the build and the package list both corrective actions.
    let numbers = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|c| c["number"].as_str().expect("number").to_owned())
            .collect()
    };
    for token in [&oem, &quality] {
        let links = app
            .gql(Some(token), "query($b: ID!, $p: ID!) { build(id: $b) { ncrs { number } capas { number } } unit(serial: \"E-01\") { ncrs { number } capas { number } } npiPackage(id: $p) { ncrs { number } capas { number } } }",
                json!({"b": first, "p": package}))
            .await;
        let d = links.data();
        assert_eq!(numbers(&d["build"]["ncrs"]), ["NCR-000001"]);
        assert_eq!(
            numbers(&d["build"]["capas"]),
            ["CAPA-000002", "CAPA-000001"]
        );
        assert_eq!(numbers(&d["unit"]["capas"]), ["CAPA-000002", "CAPA-000001"]);
        assert_eq!(numbers(&d["npiPackage"]["ncrs"]), ["NCR-000001"]);
        assert_eq!(
            numbers(&d["npiPackage"]["capas"]),
            ["CAPA-000002", "CAPA-000001"]
        );
    }
    let globex_links = app
        .gql(
            Some(&globex),
            "query { unit(serial: \"E-01\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(globex_links.code(), Some("NOT_FOUND"));

    // The same bridge on C1 after the action closed counts as a repeat defect.
    let third = app.gql(Some(&pm), create, plan(1)).await.data()["createBuild"]["id"].clone();
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 1, pattern: \"G-{SEQ:2}\") { serial } }", json!({"b": third}))
        .await
        .data();
    let g = vec!["G-01".to_owned()];
    record(&app, &operator, &g, "SMT", "PASS").await;
    record(&app, &operator, &g, "AOI", "FAIL").await;
    app.gql(Some(&operator), "mutation($i: DefectInput!) { recordDefect(input: $i) { defect { id } } }",
        json!({"i": {"serial": "G-01", "station": "AOI", "designator": "C1", "code": "SOLDER_BRIDGE", "disposition": "REWORK"}}))
        .await
        .data();
    let metrics = app
        .gql(Some(&oem), "{ qualityMetrics { openNcrs { age count } openCapas { count } medianDaysToCloseCapa repeatDefects { capaNumber code designator count } } }", json!({}))
        .await;
    let m = metrics.data()["qualityMetrics"].clone();
    assert_eq!(
        m["openNcrs"][0],
        json!({"age": "0–7 days", "count": 1}),
        "{m}"
    );
    assert_eq!(
        m["openCapas"][0]["count"], 1,
        "the EMS's own escalation is still open: {m}"
    );
    assert!(m["medianDaysToCloseCapa"].as_f64().is_some(), "{m}");
    assert_eq!(
        m["repeatDefects"],
        json!([{"capaNumber": "CAPA-000002", "code": "SOLDER_BRIDGE", "designator": "C1", "count": 1}])
    );
    let foreign_metrics = app
        .gql(
            Some(&globex),
            "{ qualityMetrics { openNcrs { count } repeatDefects { count } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        foreign_metrics.data()["qualityMetrics"]["repeatDefects"],
        json!([])
    );

    // Notes: the EMS's internal ones never reach the OEM, in any answer the OEM can get.
    const SECRET: &str = "SECRET-SUPPLIER-DISPUTE-7731";
    let note = "mutation($r: ID!, $t: String!, $i: Boolean!) { addQualityNote(recordId: $r, text: $t, internal: $i) { id internal } }";
    for record in [ncr["id"].as_str().expect("ncr"), capa_id.as_str()] {
        app.gql(
            Some(&quality),
            note,
            json!({"r": record, "t": format!("{SECRET} on {record}"), "i": true}),
        )
        .await
        .data();
        app.gql(
            Some(&quality),
            note,
            json!({"r": record, "t": "Shared with the customer", "i": false}),
        )
        .await
        .data();
    }
    let oem_internal = app
        .gql(Some(&oem), note, json!({"r": capa_id, "t": "x", "i": true}))
        .await;
    assert_eq!(oem_internal.code(), Some("BAD_USER_INPUT"));
    app.gql(
        Some(&oem),
        note,
        json!({"r": capa_id, "t": "Thanks, verified at incoming", "i": false}),
    )
    .await
    .data();
    let everything = [
        ("query($id: ID!) { ncr(id: $id) { notes { text internal } items { serial } } }", json!({"id": ncr["id"]})),
        ("{ ncrs { notes { text } } }", json!({})),
        ("query($id: ID!) { capa(id: $id) { notes { text } ncrs { notes { text } } disciplines { content } } }", json!({"id": capa_id})),
        ("{ capas { notes { text } ncrs { notes { text } } } }", json!({})),
        ("{ inbox { entries { title detail } } }", json!({})),
        ("query($b: ID!) { build(id: $b) { ncrs { notes { text } } capas { notes { text } } } }", json!({"b": first})),
        ("{ unit(serial: \"E-01\") { ncrs { notes { text } } capas { notes { text } } } }", json!({})),
    ];
    for (query, vars) in &everything {
        let answer = app.gql(Some(&oem), query, vars.clone()).await;
        let text = answer.body.to_string();
        assert!(answer.body.get("errors").is_none(), "{text}");
        assert!(
            !text.contains(SECRET),
            "the OEM got an internal note: {text}"
        );
    }
    let oem_notes = app
        .gql(
            Some(&oem),
            "query($id: ID!) { capa(id: $id) { notes { text } } }",
            json!({"id": capa_id}),
        )
        .await;
    assert_eq!(
        oem_notes.data()["capa"]["notes"],
        json!([{"text": "Shared with the customer"}, {"text": "Thanks, verified at incoming"}])
    );
    let ems_notes = app
        .gql(
            Some(&quality),
            "query($id: ID!) { capa(id: $id) { notes { text internal } } }",
            json!({"id": capa_id}),
        )
        .await;
    assert_eq!(
        ems_notes.data()["capa"]["notes"].as_array().map(Vec::len),
        Some(3)
    );

    // A customer's request citing only the build is listed on the build too.
    let cited = app
        .gql(Some(&oem), raise, json!({"i": {"title": "Build review", "description": "Review the pilot build's yield.", "buildIds": [first]}}))
        .await;
    let cited = cited.data()["raiseCorrectiveAction"]["number"].clone();
    let of_build = app
        .gql(
            Some(&quality),
            "query($b: ID!) { build(id: $b) { capas { number } } }",
            json!({"b": first}),
        )
        .await;
    assert_eq!(
        of_build.data()["build"]["capas"][0]["number"],
        cited,
        "newest first"
    );
}

const CHARACTERISTICS: &str = "query($id: ID!) { faiReport(id: $id) { characteristics { id number nonconformanceRef ncr { id number } } } }";

async fn first_characteristic(app: &TestApp, token: &str, report_id: &Value) -> Value {
    app.gql(Some(token), CHARACTERISTICS, json!({"id": report_id}))
        .await
        .data()["faiReport"]["characteristics"][0]
        .clone()
}

#[tokio::test]
async fn a_failed_fai_characteristic_links_the_ncr_opened_for_it() {
    let app = TestApp::spawn().await;
    let quality = app.token(who::EMS_QUALITY).await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let globex = app.token(who::GLOBEX_ENGINEER).await;
    let report = crate::fai::drafted(&app, &quality, "FAI-NCR").await;
    let report_id = report["id"].clone();
    let first = &report["characteristics"][0];
    let second = &report["characteristics"][1];
    let open = "mutation($i: OpenNcrInput!) { openNcr(input: $i) { id number source items { serial designator contained } } }";

    // Another OEM's engineer cannot open one, and the characteristic of a foreign report reads
    // as missing to nobody but its EMS (covered by the tenancy matrix).
    let refused = app
        .gql(Some(&globex), open, json!({"i": {"title": "x", "description": "y", "severity": "MAJOR", "faiCharacteristicIds": [first["id"]]}}))
        .await;
    assert!(refused.code().is_some(), "{}", refused.body);

    let opened = app
        .gql(Some(&quality), open, json!({"i": {"title": "FAI characteristic 1 failed", "description": "Solder fillet short of the class 3 minimum.",
            "severity": "MAJOR", "faiCharacteristicIds": [first["id"]]}}))
        .await;
    let ncr = opened.data()["openNcr"].clone();
    assert_eq!(ncr["source"], "FAI");
    let items = ncr["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{ncr}");
    assert_eq!(items[0]["contained"], true, "the first article is held");
    assert_eq!(items[0]["designator"], first["designator"]);

    // The characteristic links the NCR; its reference is the NCR's number.
    let linked = first_characteristic(&app, &quality, &report_id).await;
    assert_eq!(linked["ncr"]["id"], ncr["id"]);
    assert_eq!(linked["nonconformanceRef"], ncr["number"]);
    // The NCR links back to the characteristic; the OEM sees the NCR, and the characteristic
    // once the report is submitted (a DRAFT is the EMS's own).
    let back = "query($id: ID!) { ncr(id: $id) { faiCharacteristics { reportId number } } }";
    let linked_back = app
        .gql(Some(&quality), back, json!({"id": ncr["id"]}))
        .await;
    assert_eq!(
        linked_back.data()["ncr"]["faiCharacteristics"],
        json!([{"reportId": report_id, "number": first["number"]}])
    );
    let oem_back = app.gql(Some(&oem), back, json!({"id": ncr["id"]})).await;
    assert_eq!(oem_back.data()["ncr"]["faiCharacteristics"], json!([]));

    // Recording the FAIL keeps the link; a second opening of it is refused.
    let update = "mutation($r: ID!, $u: [FaiCharacteristicUpdate!]!) { updateFaiCharacteristics(reportId: $r, updates: $u) { id } }";
    app.gql(Some(&quality), update, json!({"r": report_id, "u": [{"id": first["id"], "result": "Fillet 40 %", "status": "FAIL", "nonconformanceRef": ncr["number"]}]}))
        .await
        .data();
    assert_eq!(
        first_characteristic(&app, &quality, &report_id).await["ncr"]["id"],
        ncr["id"]
    );
    let twice = app
        .gql(Some(&quality), open, json!({"i": {"title": "again", "description": "again", "severity": "MINOR", "faiCharacteristicIds": [first["id"]]}}))
        .await;
    assert_eq!(twice.code(), Some("CONFLICT"), "{}", twice.body);

    // Another characteristic links an existing NCR by id; a FAIL with neither is refused.
    let none = app
        .gql(Some(&quality), update, json!({"r": report_id, "u": [{"id": second["id"], "result": "Wrong part", "status": "FAIL"}]}))
        .await;
    assert_eq!(none.code(), Some("BAD_USER_INPUT"), "{}", none.body);
    app.gql(Some(&quality), update, json!({"r": report_id, "u": [{"id": second["id"], "result": "Wrong part", "status": "FAIL", "ncrId": ncr["id"]}]}))
        .await
        .data();
    let listed = app
        .gql(Some(&quality), CHARACTERISTICS, json!({"id": report_id}))
        .await;
    assert_eq!(
        listed.data()["faiReport"]["characteristics"][1]["ncr"]["id"],
        ncr["id"]
    );
    // An outside reference replaces the link.
    app.gql(Some(&quality), update, json!({"r": report_id, "u": [{"id": second["id"], "result": "Wrong part", "status": "FAIL", "nonconformanceRef": "CUST-77"}]}))
        .await
        .data();
    let outside = app
        .gql(Some(&quality), CHARACTERISTICS, json!({"id": report_id}))
        .await;
    let second_now = &outside.data()["faiReport"]["characteristics"][1];
    assert_eq!(second_now["ncr"], Value::Null);
    assert_eq!(second_now["nonconformanceRef"], "CUST-77");

    // Another OEM sees neither the NCR nor the link.
    let foreign = app
        .gql(
            Some(&globex),
            "query($id: ID!) { ncr(id: $id) { number } }",
            json!({"id": ncr["id"]}),
        )
        .await;
    assert_eq!(foreign.code(), Some("NOT_FOUND"));
}
