//! Builds over the API: the seed's gateway story, routing rules, idempotency, genealogy, recall
//! trace, measures, and live updates over WebSocket.

use crate::harness::{who, TestApp};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};

const ROUTING: &str = r#"[{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "REFLOW", "name": "Reflow"}, {"kind": "AOI", "name": "AOI"},
    {"kind": "ICT", "name": "ICT"}, {"kind": "FCT", "name": "FCT"}, {"kind": "BOX_BUILD", "name": "Box build"}]"#;
const STATIONS: [&str; 6] = ["SMT", "Reflow", "AOI", "ICT", "FCT", "Box build"];

async fn create_build(app: &TestApp, pm: &str, package: &str, phase: &str, quantity: i32) -> Value {
    let routing: Value = serde_json::from_str(ROUTING).expect("routing");
    let result = app
        .gql(
            Some(pm),
            "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id phase status quantity routing { name kind position } } }",
            json!({"i": {"packageId": package, "phase": phase, "quantity": quantity, "dueDate": "2099-12-31", "routing": routing}}),
        )
        .await;
    result.data()["createBuild"].clone()
}

async fn serialize(
    app: &TestApp,
    token: &str,
    build: &str,
    count: i32,
    pattern: &str,
) -> Vec<String> {
    let result = app
        .gql(
            Some(token),
            "mutation($b: ID!, $n: Int!, $p: String!) { serializeUnits(buildId: $b, count: $n, pattern: $p) { serial status } }",
            json!({"b": build, "n": count, "p": pattern}),
        )
        .await;
    result.data()["serializeUnits"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["serial"].as_str().expect("serial").to_owned())
        .collect()
}

const RECORD: &str = "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { event { id station result } unit { serial status } } }";

async fn results(app: &TestApp, token: &str, inputs: Vec<Value>) -> Value {
    let mut last = Value::Null;
    for chunk in inputs.chunks(1000) {
        last = app
            .gql(Some(token), RECORD, json!({"i": chunk}))
            .await
            .data()["recordStationResults"]
            .clone();
    }
    last
}

fn pass(serial: &str, station: &str) -> Value {
    json!({"serial": serial, "station": station, "result": "PASS"})
}

#[tokio::test]
async fn the_gateway_story_pilot_production_yield_and_recall() {
    let app = TestApp::spawn().await;
    let pm = app.token(who::EMS_PM).await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let other_oem = app.token(who::GLOBEX_ENGINEER).await;
    let package = app.accepted_package("GW-100").await;

    // Pilot build of 50 at IPC class 2.
    let pilot = create_build(&app, &pm, &package, "PILOT", 50).await;
    assert_eq!(pilot["status"], "PLANNED");
    let pilot_id = pilot["id"].as_str().expect("id").to_owned();
    let serials = serialize(&app, &operator, &pilot_id, 50, "GW-{YYYY}{WW}-{SEQ:6}").await;
    assert_eq!(serials.len(), 50);
    assert!(
        serials[0].starts_with("GW-") && serials[0].ends_with("-000001"),
        "{}",
        serials[0]
    );
    let over = app
        .gql(Some(&operator), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 1, pattern: \"X-{SEQ:3}\") { serial } }", json!({"b": pilot_id}))
        .await;
    assert_eq!(
        over.code(),
        Some("CONFLICT"),
        "never more units than ordered"
    );

    // Reels: two lots of the 100 nF capacitor (C1, C2), one per half of the build.
    let receive =
        "mutation($i: ReceiveComponentLotInput!) { receiveComponentLot(input: $i) { id reelId } }";
    let mut lots = Vec::new();
    for (reel, lot) in [("REEL-0001", "LOT-A"), ("REEL-0002", "LOT-B")] {
        let input = json!({"mpn": "GRM188R71H104KA93D", "manufacturer": "Murata", "lotCode": lot, "dateCode": "2445", "reelId": reel, "quantity": 4000, "supplier": "Distributor"});
        lots.push(
            app.gql(Some(&operator), receive, json!({"i": input}))
                .await
                .data()["receiveComponentLot"]["id"]
                .as_str()
                .expect("lot")
                .to_owned(),
        );
    }
    let dup = json!({"mpn": "X", "manufacturer": "Y", "lotCode": "Z", "reelId": "REEL-0001", "quantity": 1});
    assert_eq!(
        app.gql(Some(&operator), receive, json!({"i": dup}))
            .await
            .code(),
        Some("CONFLICT")
    );
    let usage = "mutation($i: RecordLotUsageInput!) { recordLotUsage(input: $i) }";
    let first_half = json!({"lotId": lots[0], "buildId": pilot_id, "designators": ["C1", "C2"], "serialRange": {"from": serials[0], "to": serials[19]}});
    assert_eq!(
        app.gql(Some(&operator), usage, json!({"i": first_half}))
            .await
            .data()["recordLotUsage"],
        40
    );
    let second_half = json!({"lotId": lots[1], "buildId": pilot_id, "designators": ["C1", "C2"], "serials": serials[20..].to_vec()});
    assert_eq!(
        app.gql(Some(&operator), usage, json!({"i": second_half}))
            .await
            .data()["recordLotUsage"],
        60
    );
    let unknown = json!({"lotId": lots[1], "buildId": pilot_id, "designators": ["C99"], "serials": [serials[0]]});
    assert_eq!(
        app.gql(Some(&operator), usage, json!({"i": unknown}))
            .await
            .code(),
        Some("BAD_USER_INPUT")
    );

    // The routing is enforced.
    let skip = app
        .gql(
            Some(&operator),
            RECORD,
            json!({"i": [pass(&serials[0], "Reflow")]}),
        )
        .await;
    assert_eq!(skip.code(), Some("CONFLICT"), "{}", skip.body);

    // Every unit through the line; unit 5 fails AOI and is reworked, unit 7 fails and is scrapped.
    let mut inputs = Vec::new();
    for station in &STATIONS[..2] {
        inputs.extend(serials.iter().map(|s| pass(s, station)));
    }
    results(&app, &operator, inputs).await;
    let fail = |serial: &str, key: &str| json!({"serial": serial, "station": "AOI", "result": "FAIL", "idempotencyKey": key, "measurements": {"image": "aoi-0042.png"}});
    let first = app
        .gql(
            Some(&operator),
            RECORD,
            json!({"i": [fail(&serials[4], "aoi-5"), fail(&serials[6], "aoi-7")]}),
        )
        .await;
    assert_eq!(
        first.data()["recordStationResults"][0]["unit"]["status"],
        "ON_HOLD"
    );
    // The same key twice records once and answers the first result.
    let again = app
        .gql(
            Some(&operator),
            RECORD,
            json!({"i": [fail(&serials[4], "aoi-5")]}),
        )
        .await;
    assert_eq!(
        again.data()["recordStationResults"][0]["event"]["id"],
        first.data()["recordStationResults"][0]["event"]["id"]
    );
    // On hold until the defect is recorded.
    assert_eq!(
        app.gql(
            Some(&operator),
            RECORD,
            json!({"i": [pass(&serials[4], "AOI")]})
        )
        .await
        .code(),
        Some("CONFLICT")
    );
    let defect = "mutation($i: DefectInput!) { recordDefect(input: $i) { defect { code disposition station } unit { status nextStation { name } } } }";
    let rework = app
        .gql(Some(&operator), defect, json!({"i": {"serial": serials[4], "station": "AOI", "designator": "U1", "code": "SOLDER_BRIDGE", "disposition": "REWORK"}}))
        .await;
    assert_eq!(
        rework.data()["recordDefect"]["unit"]["nextStation"]["name"],
        "AOI",
        "a reworked unit returns to the failed station"
    );
    let scrap = app
        .gql(Some(&operator), defect, json!({"i": {"serial": serials[6], "station": "AOI", "designator": "C3", "code": "TOMBSTONE", "disposition": "SCRAP"}}))
        .await;
    assert_eq!(scrap.data()["recordDefect"]["unit"]["status"], "SCRAPPED");
    let mut inputs = Vec::new();
    for station in &STATIONS[2..] {
        inputs.extend(
            serials
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != 6)
                .map(|(_, s)| pass(s, station)),
        );
    }
    results(&app, &operator, inputs).await;

    // First-pass yield by hand: 50 outcomes (49 completed, 1 scrapped), 48 without a FAIL.
    let metrics = "query($id: ID!) { build(id: $id) { status metrics { unitsStarted unitsCompleted unitsScrapped firstPassYield dpmo
        opportunitiesPerUnit defects defectsByCode { code count } yieldByStation { station tested passedFirstTime firstTimeYield } }
        progress { station { name } waiting onHold passed } } }";
    let m = app
        .gql(Some(&oem), metrics, json!({"id": pilot_id}))
        .await
        .data()["build"]
        .clone();
    let metric = &m["metrics"];
    assert_eq!(metric["unitsStarted"], 50);
    assert_eq!(metric["unitsCompleted"], 49);
    assert_eq!(metric["unitsScrapped"], 1);
    assert_eq!(metric["firstPassYield"].as_f64(), Some(48.0 / 50.0));
    let opportunities = metric["opportunitiesPerUnit"]
        .as_i64()
        .expect("opportunities");
    assert!(opportunities > 0);
    let dpmo = metric["dpmo"].as_f64().expect("dpmo");
    assert!(
        (dpmo - 2.0 * 1e6 / (50.0 * opportunities as f64)).abs() < 1e-6,
        "{dpmo}"
    );
    let aoi = metric["yieldByStation"]
        .as_array()
        .expect("stations")
        .iter()
        .find(|s| s["station"] == "AOI")
        .cloned()
        .expect("aoi");
    assert_eq!(aoi["tested"], 50);
    assert_eq!(aoi["passedFirstTime"], 48);
    assert_eq!(m["progress"][5]["passed"], 49);
    assert_eq!(m["status"], "IN_PROGRESS");

    // Ship ten units (not the scrapped one); the build is on time.
    let shipping: Vec<&String> = serials[..11]
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 6)
        .map(|(_, s)| s)
        .collect();
    let ship = app
        .gql(
            Some(&operator),
            "mutation($i: ShipUnitsInput!) { shipUnits(input: $i) { units carrier } }",
            json!({"i": {"buildId": pilot_id, "serials": shipping, "destination": "Acme 3PL, Reno", "carrier": "UPS", "trackingNumber": "1Z999"}}),
        )
        .await;
    assert_eq!(ship.data()["shipUnits"]["units"], 10);
    let org = app
        .gql(Some(&oem), "{ organizationMetrics(from: \"2000-01-01T00:00:00Z\", to: \"2100-01-01T00:00:00Z\") { onTimeDelivery buildsShipped firstPassYield weekly { unitsWithOutcome } } }", json!({}))
        .await;
    assert_eq!(
        org.data()["organizationMetrics"]["onTimeDelivery"].as_f64(),
        Some(1.0)
    );
    assert_eq!(
        org.data()["organizationMetrics"]["firstPassYield"].as_f64(),
        Some(48.0 / 50.0)
    );

    // The first article of the pilot is inspected and signed by both sides; then production.
    app.approved_fai(&pilot_id, &serials[0]).await;

    // Production build of 2,000, all through the line.
    let production = create_build(&app, &pm, &package, "PRODUCTION", 2000).await;
    let production_id = production["id"].as_str().expect("id").to_owned();
    let big = serialize(&app, &operator, &production_id, 2000, "GWP-{SEQ:6}").await;
    let lot_c = app
        .gql(Some(&operator), receive, json!({"i": {"mpn": "GRM188R71H104KA93D", "manufacturer": "Murata", "lotCode": "LOT-A", "reelId": "REEL-0003", "quantity": 8000}}))
        .await
        .data()["receiveComponentLot"]["id"]
        .clone();
    let range = json!({"lotId": lot_c, "buildId": production_id, "designators": ["C1"], "serialRange": {"from": big[0], "to": big[99]}});
    assert_eq!(
        app.gql(Some(&operator), usage, json!({"i": range}))
            .await
            .data()["recordLotUsage"],
        100
    );
    let mut inputs = Vec::new();
    for station in STATIONS {
        inputs.extend(big.iter().map(|s| pass(s, station)));
    }
    results(&app, &operator, inputs).await;
    let p = app
        .gql(Some(&pm), metrics, json!({"id": production_id}))
        .await
        .data()["build"]["metrics"]
        .clone();
    assert_eq!(p["unitsCompleted"], 2000);
    assert_eq!(p["firstPassYield"].as_f64(), Some(1.0));

    // Recall: the capacitor lot LOT-A went into the first 20 pilot units and 100 production units.
    let trace = "query($m: String!, $l: String!, $after: String) { traceComponent(mpn: $m, lotCode: $l) { totalUnits
        byOem { label units } byBuild { label units shipped }
        units(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { serial designators oem revision shipped buildPhase } } } } }";
    let traced = app
        .gql(
            Some(&pm),
            trace,
            json!({"m": "GRM188R71H104KA93D", "l": "LOT-A"}),
        )
        .await
        .data()["traceComponent"]
        .clone();
    assert_eq!(traced["totalUnits"], 120);
    assert_eq!(
        traced["byOem"],
        json!([{"label": "Acme Gateways", "units": 120}])
    );
    assert_eq!(traced["byBuild"].as_array().map(Vec::len), Some(2));
    let mut seen: Vec<String> = Vec::new();
    let mut page = traced["units"].clone();
    loop {
        for edge in page["edges"].as_array().expect("edges") {
            seen.push(edge["node"]["serial"].as_str().expect("serial").to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        let next = app.gql(Some(&pm), trace, json!({"m": "GRM188R71H104KA93D", "l": "LOT-A", "after": page["pageInfo"]["endCursor"]})).await;
        page = next.data()["traceComponent"]["units"].clone();
    }
    seen.sort();
    let mut expected: Vec<String> = serials[..20]
        .iter()
        .chain(big[..100].iter())
        .cloned()
        .collect();
    expected.sort();
    assert_eq!(seen, expected, "exactly the units that used the lot");
    let shipped = traced["byBuild"]
        .as_array()
        .expect("builds")
        .iter()
        .map(|b| b["shipped"].as_i64().unwrap_or(0))
        .sum::<i64>();
    assert_eq!(shipped, 10);

    // The OEM sees its own units; another OEM sees none.
    let as_oem = app
        .gql(
            Some(&oem),
            trace,
            json!({"m": "GRM188R71H104KA93D", "l": "LOT-A"}),
        )
        .await;
    assert_eq!(as_oem.data()["traceComponent"]["totalUnits"], 120);
    let as_other = app
        .gql(
            Some(&other_oem),
            trace,
            json!({"m": "GRM188R71H104KA93D", "l": "LOT-A"}),
        )
        .await;
    assert_eq!(as_other.data()["traceComponent"]["totalUnits"], 0);
    let lot_trace = app
        .gql(
            Some(&pm),
            "query($id: ID!) { traceLot(lotId: $id) { totalUnits } }",
            json!({"id": lots[1]}),
        )
        .await;
    assert_eq!(lot_trace.data()["traceLot"]["totalUnits"], 30);
    assert_eq!(
        app.gql(
            Some(&other_oem),
            "query($id: ID!) { traceLot(lotId: $id) { totalUnits } }",
            json!({"id": lots[1]})
        )
        .await
        .code(),
        Some("NOT_FOUND")
    );

    // A unit's page: history, defects and genealogy by designator.
    let unit = app
        .gql(Some(&oem), "query($s: String!) { unit(serial: $s) { status firstPass history { station result } defects { code } genealogy { designator lot { lotCode reelId } } } }", json!({"s": serials[4]}))
        .await;
    let unit = unit.data()["unit"].clone();
    assert_eq!(unit["firstPass"], false);
    assert_eq!(
        unit["history"].as_array().map(Vec::len),
        Some(7),
        "{}",
        unit["history"]
    );
    assert_eq!(
        unit["genealogy"],
        json!([{"designator": "C1", "lot": {"lotCode": "LOT-A", "reelId": "REEL-0001"}}, {"designator": "C2", "lot": {"lotCode": "LOT-A", "reelId": "REEL-0001"}}])
    );
    assert_eq!(
        app.gql(
            Some(&other_oem),
            "query($s: String!) { unit(serial: $s) { serial } }",
            json!({"s": serials[4]})
        )
        .await
        .code(),
        Some("NOT_FOUND")
    );
}

#[tokio::test]
async fn builds_need_an_accepted_package_and_the_right_roles() {
    let app = TestApp::spawn().await;
    let pm = app.token(who::EMS_PM).await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let draft = app.draft_package(&oem, "GW-DRAFT").await;
    let routing: Value = serde_json::from_str(ROUTING).expect("routing");
    let create = "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }";
    let input = |package: &str| json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 5, "dueDate": "2099-01-01", "routing": routing}});
    assert_eq!(
        app.gql(Some(&pm), create, input(&draft)).await.code(),
        Some("NOT_FOUND"),
        "a draft is invisible to the EMS"
    );
    let accepted = app.accepted_package("GW-OK").await;
    assert_eq!(
        app.gql(Some(&operator), create, input(&accepted))
            .await
            .code(),
        Some("FORBIDDEN")
    );
    assert_eq!(
        app.gql(Some(&oem), create, input(&accepted)).await.code(),
        Some("FORBIDDEN")
    );
    let dup_routing = json!({"i": {"packageId": accepted, "phase": "PILOT", "quantity": 5, "dueDate": "2099-01-01",
        "routing": [{"kind": "AOI", "name": "AOI"}, {"kind": "AOI", "name": "aoi"}]}});
    assert_eq!(
        app.gql(Some(&pm), create, dup_routing).await.code(),
        Some("BAD_USER_INPUT")
    );
    let build =
        app.gql(Some(&pm), create, input(&accepted)).await.data()["createBuild"]["id"].clone();

    // An API token of the EMS with WRITE records results, as an MES would.
    let admin = app.token(who::EMS_ADMIN).await;
    let token = app
        .gql(
            Some(&admin),
            "mutation { createApiToken(name: \"MES\", scopes: [READ, WRITE]) { secret } }",
            json!({}),
        )
        .await
        .data()["createApiToken"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let units = app
        .gql(Some(&token), "mutation($b: ID!) { addUnits(buildId: $b, serials: [\"MES-1\", \"MES-2\"]) { serial } }", json!({"b": build}))
        .await;
    assert_eq!(units.data()["addUnits"].as_array().map(Vec::len), Some(2));
    let dup = app
        .gql(
            Some(&token),
            "mutation($b: ID!) { addUnits(buildId: $b, serials: [\"MES-1\"]) { serial } }",
            json!({"b": build}),
        )
        .await;
    assert_eq!(
        dup.code(),
        Some("CONFLICT"),
        "serials are unique within the EMS"
    );
    let r = app
        .gql(Some(&token), RECORD, json!({"i": [pass("MES-1", "SMT")]}))
        .await;
    assert_eq!(
        r.data()["recordStationResults"][0]["event"]["result"],
        "PASS"
    );
    // The OEM cannot record results, even on its own build.
    assert_eq!(
        app.gql(Some(&oem), RECORD, json!({"i": [pass("MES-1", "Reflow")]}))
            .await
            .code(),
        Some("FORBIDDEN")
    );
    // A batch is all or none.
    let batch = app
        .gql(
            Some(&token),
            RECORD,
            json!({"i": [pass("MES-1", "Reflow"), pass("MES-2", "AOI")]}),
        )
        .await;
    assert_eq!(batch.code(), Some("CONFLICT"));
    let unit = app
        .gql(
            Some(&pm),
            "{ unit(serial: \"MES-1\") { history { station } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        unit.data()["unit"]["history"].as_array().map(Vec::len),
        Some(1),
        "the failed batch left nothing"
    );
}

#[tokio::test]
async fn build_updates_arrive_over_the_websocket() {
    let app = TestApp::spawn().await;
    let pm = app.token(who::EMS_PM).await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let package = app.accepted_package("GW-LIVE").await;
    let build = create_build(&app, &pm, &package, "PILOT", 3).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    serialize(&app, &pm, &build, 3, "LIVE-{SEQ:2}").await;

    let url = format!("{}/graphql/ws", app.base.replace("http://", "ws://"));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            url.as_str(),
        )
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    use tokio_tungstenite::tungstenite::Message;
    let send = |v: Value| Message::Text(v.to_string().into());
    socket.send(send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {oem}")}}))).await.expect("init");
    let ack = socket.next().await.expect("ack").expect("ack");
    assert!(
        ack.to_text().expect("text").contains("connection_ack"),
        "{ack}"
    );
    socket
        .send(send(json!({"id": "1", "type": "subscribe", "payload": {"query": format!("subscription {{ buildUpdated(buildId: \"{build}\") {{ id metrics {{ unitsStarted }} progress {{ passed }} }} }}")}})))
        .await
        .expect("subscribe");
    // Give the server a moment to register the subscription, then change the build.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.gql(Some(&pm), RECORD, json!({"i": [pass("LIVE-01", "SMT")]}))
        .await
        .data();
    // Earlier changes (the serialization) may still be on their way: wait for this one.
    let body = next_update_where(&mut socket, |b| {
        b["payload"]["data"]["buildUpdated"]["metrics"]["unitsStarted"] == 1
    })
    .await;
    assert_eq!(body["type"], "next", "{body}");

    // A foreign OEM cannot subscribe to it.
    let other = app.token(who::GLOBEX_ENGINEER).await;
    let (mut foreign, _) = {
        let mut request =
            tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                url.as_str(),
            )
            .expect("request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("header"),
        );
        tokio_tungstenite::connect_async(request)
            .await
            .expect("connect")
    };
    foreign.send(send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {other}")}}))).await.expect("init");
    foreign.next().await.expect("ack").expect("ack");
    foreign
        .send(send(json!({"id": "1", "type": "subscribe", "payload": {"query": format!("subscription {{ buildUpdated(buildId: \"{build}\") {{ id }} }}")}})))
        .await
        .expect("subscribe");
    let refused = tokio::time::timeout(std::time::Duration::from_secs(10), foreign.next())
        .await
        .expect("an answer")
        .expect("message")
        .expect("message");
    let body: Value = serde_json::from_str(refused.to_text().expect("text")).expect("json");
    assert!(body.to_string().contains("NOT_FOUND"), "{body}");
}

#[tokio::test]
async fn an_update_on_one_instance_reaches_subscribers_on_another() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        // Several instances share a database only on PostgreSQL (LISTEN/NOTIFY); on SQLite the
        // single-process case is covered above.
        return;
    }
    let app = TestApp::spawn().await;
    let second = app.another_instance().await;
    let pm = app.token(who::EMS_PM).await;
    let package = app.accepted_package("GW-MULTI").await;
    let build = create_build(&app, &pm, &package, "PILOT", 2).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    serialize(&app, &pm, &build, 2, "MULTI-{SEQ:2}").await;

    let url = format!("{}/graphql/ws", second.base.replace("http://", "ws://"));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            url.as_str(),
        )
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    use tokio_tungstenite::tungstenite::Message;
    let send = |v: Value| Message::Text(v.to_string().into());
    socket.send(send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {pm}")}}))).await.expect("init");
    socket.next().await.expect("ack").expect("ack");
    socket
        .send(send(json!({"id": "1", "type": "subscribe", "payload": {"query": format!("subscription {{ buildUpdated(buildId: \"{build}\") {{ metrics {{ unitsStarted }} }} }}")}})))
        .await
        .expect("subscribe");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // The change is made through the first instance.
    app.gql(Some(&pm), RECORD, json!({"i": [pass("MULTI-01", "SMT")]}))
        .await
        .data();
    let body = next_update_where(&mut socket, |b| {
        b["payload"]["data"]["buildUpdated"]["metrics"]["unitsStarted"] == 1
    })
    .await;
    assert_eq!(body["type"], "next", "{body}");
}

/// Reads subscription messages until one satisfies `wanted` (10 s at most).
async fn next_update_where<S>(socket: &mut S, wanted: impl Fn(&Value) -> bool) -> Value
where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("an update in time")
            .expect("message")
            .expect("message");
        let body: Value = serde_json::from_str(message.to_text().expect("text")).expect("json");
        if wanted(&body) {
            return body;
        }
    }
}

#[tokio::test]
async fn builds_packages_and_fai_reports_are_searched_by_every_word() {
    let app = TestApp::spawn().await;
    let pm = app.token(who::EMS_PM).await;
    let quality = app.token(who::EMS_QUALITY).await;
    let alpha = app.accepted_package("SRCH-ALPHA").await;
    let beta = app.accepted_package("SRCH-BETA").await;
    let alpha_build = create_build(&app, &pm, &alpha, "PILOT", 2).await["id"]
        .as_str()
        .expect("build")
        .to_owned();
    create_build(&app, &pm, &beta, "PILOT", 2).await;
    let serials = serialize(&app, &pm, &alpha_build, 2, "FIND-{SEQ:3}").await;
    app.gql(Some(&quality), "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id } }",
        json!({"i": {"buildId": alpha_build, "serial": serials[1], "reason": "NEW_PART", "scope": "FULL"}}))
        .await
        .data();

    let builds = "query($s: String) { builds(filter: {search: $s}) { edges { node { product { partNumber } } } } }";
    let parts = |answer: &Value, list: &str, path: &[&str]| -> Vec<String> {
        answer[list]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| {
                path.iter()
                    .fold(&e["node"], |v, k| &v[*k])
                    .as_str()
                    .expect("text")
                    .to_owned()
            })
            .collect()
    };
    let found = app.gql(Some(&pm), builds, json!({"s": "srch alpha"})).await;
    assert_eq!(
        parts(found.data(), "builds", &["product", "partNumber"]),
        ["SRCH-ALPHA"]
    );
    let both = app.gql(Some(&pm), builds, json!({"s": "SRCH"})).await;
    assert_eq!(
        both.data()["builds"]["edges"].as_array().map(Vec::len),
        Some(2)
    );
    // `%` and `_` are letters like any other, not wildcards.
    for literal in ["SRCH%", "SRCH_ALPHA"] {
        let none = app.gql(Some(&pm), builds, json!({"s": literal})).await;
        assert_eq!(none.data()["builds"]["edges"], json!([]), "{literal}");
    }

    let packages = "query($s: String) { npiPackages(filter: {search: $s}) { edges { node { product { partNumber } } } } }";
    let found = app.gql(Some(&pm), packages, json!({"s": "beta"})).await;
    assert_eq!(
        parts(found.data(), "npiPackages", &["product", "partNumber"]),
        ["SRCH-BETA"]
    );

    let reports = "query($s: String) { faiReports(filter: {search: $s}) { edges { node { unit { serial } } } } }";
    let found = app
        .gql(Some(&quality), reports, json!({"s": "find-002"}))
        .await;
    assert_eq!(
        parts(found.data(), "faiReports", &["unit", "serial"]),
        [serials[1].as_str()]
    );
    let by_product = app
        .gql(Some(&quality), reports, json!({"s": "alpha"}))
        .await;
    assert_eq!(
        by_product.data()["faiReports"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let nothing = app.gql(Some(&quality), reports, json!({"s": "beta"})).await;
    assert_eq!(nothing.data()["faiReports"]["edges"], json!([]));

    let long = app
        .gql(Some(&pm), builds, json!({"s": "x".repeat(201)}))
        .await;
    assert_eq!(long.code(), Some("BAD_USER_INPUT"));
}
