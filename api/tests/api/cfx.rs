//! IPC-CFX over `POST /cfx`: endpoint mapping and its token, UnitsTested applied as station
//! results with test steps, UniqueID idempotency, and the dead-letter list with replays.
//!
//! The messages are written for these tests after the published CFX message structure (an
//! envelope with MessageName, Version, TimeStamp, UniqueID, Source, Target, MessageBody).

use crate::harness::{who, TestApp};
use serde_json::{json, Value};

const HANDLE: &str = "northwind.line1.ict1";

fn envelope(name: &str, unique_id: &str, body: Value) -> Value {
    json!({
        "MessageName": format!("CFX.{name}"),
        "Version": "1.7",
        "TimeStamp": "2026-12-01T09:15:02.113+01:00",
        "UniqueID": unique_id,
        "Source": HANDLE,
        "Target": null,
        "RequestID": null,
        "MessageBody": body,
    })
}

fn measurement(name: &str, value: f64, units: &str, min: f64, max: f64, result: &str) -> Value {
    json!({
        "$type": "CFX.Structures.NumericMeasurement, CFX",
        "UniqueIdentifier": format!("m-{name}"),
        "MeasurementName": name,
        "TimeRecorded": "2026-12-01T09:15:01.500+01:00",
        "Sequence": 1,
        "Result": result,
        "MeasuredValue": {"Value": value, "ValueUnits": units, "ExpectedValue": (min + max) / 2.0, "MinimumAcceptableValue": min, "MaximumAcceptableValue": max},
    })
}

fn tested_unit(serial: &str, overall: &str, vcc: f64, vcc_result: &str) -> Value {
    json!({
        "UnitIdentifier": serial,
        "UnitPositionNumber": 1,
        "OverallResult": overall,
        "Tests": [
            {"UniqueIdentifier": format!("t1-{serial}"), "TestName": "POWER_RAILS", "Result": vcc_result, "TestConditions": [], "SymptomsFound": [], "DefectsFound": [],
             "Measurements": [measurement("VCC_3V3", vcc, "V", 3.2, 3.4, vcc_result)]},
            {"UniqueIdentifier": format!("t2-{serial}"), "TestName": "BOUNDARY_SCAN", "Result": "Passed", "TestConditions": [], "SymptomsFound": [], "DefectsFound": [], "Measurements": []},
        ],
    })
}

fn units_tested(unique_id: &str, units: Vec<Value>) -> Value {
    envelope(
        "Production.TestAndInspection.UnitsTested",
        unique_id,
        json!({
            "$type": "CFX.Production.TestAndInspection.UnitsTested, CFX",
            "TransactionID": "6e0bd4c6-0b54-4c53-8c4d-2b8c3a1b7d10",
            "TestMethod": "Automated",
            "Tester": {"OperatorIdentifier": "ICT-01", "ActorType": "Machine"},
            "SamplingInformation": {"SamplingMethod": "NoSampling"},
            "TestedUnits": units,
        }),
    )
}

async fn post(app: &TestApp, token: &str, message: &Value) -> (u16, Value) {
    let response = app
        .http
        .post(format!("{}/cfx", app.base))
        .bearer_auth(token)
        .json(message)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

async fn ems_token(app: &TestApp, admin: &str, name: &str) -> (String, String) {
    let created = app
        .gql(
            Some(admin),
            "mutation($n: String!) { createApiToken(name: $n, scopes: [READ, WRITE]) { secret token { id } } }",
            json!({"n": name}),
        )
        .await;
    let created = &created.data()["createApiToken"];
    (
        created["token"]["id"].as_str().expect("id").to_owned(),
        created["secret"].as_str().expect("secret").to_owned(),
    )
}

#[tokio::test]
async fn units_tested_is_applied_once_and_dead_letters_are_fixed_and_replayed() {
    let app = TestApp::spawn().await;
    let package = app.accepted_package("CFX-100").await;
    let pm = app.token(who::EMS_PM).await;
    let admin = app.token(who::EMS_ADMIN).await;
    let routing = json!([{"kind": "ICT", "name": "ICT"}, {"kind": "FCT", "name": "FCT"}]);
    let build = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 3, "dueDate": "2099-01-01", "routing": routing}}))
        .await;
    let build = build.data()["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 2, pattern: \"CF-{SEQ:2}\") { serial } }", json!({"b": build}))
        .await
        .data();
    let (token_id, secret) = ems_token(&app, &admin, "ICT line 1").await;
    let (_, other_secret) = ems_token(&app, &admin, "another machine").await;

    // Unmapped, the endpoint is refused.
    let first = units_tested(
        "a1f0c7de-5d1e-4c55-9a57-000000000001",
        vec![
            tested_unit("CF-01", "Passed", 3.31, "Passed"),
            tested_unit("CF-02", "Failed", 3.55, "Failed"),
        ],
    );
    let (status, body) = post(&app, &secret, &first).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("FORBIDDEN")),
        "{body}"
    );
    let mapped = app
        .gql(
            Some(&pm),
            "mutation($h: String!, $t: ID!) { mapCfxEndpoint(handle: $h, station: \"ICT\", apiTokenId: $t) { handle station } }",
            json!({"h": HANDLE, "t": token_id}),
        )
        .await;
    assert_eq!(mapped.data()["mapCfxEndpoint"]["station"], "ICT");
    // Only with its own token.
    let (status, _) = post(&app, &other_secret, &first).await;
    assert_eq!(status, 403);

    let (status, body) = post(&app, &secret, &first).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "APPLIED", "{body}");
    assert_eq!(body["duplicate"], false);
    let (_, again) = post(&app, &secret, &first).await;
    assert_eq!(
        (again["status"].as_str(), again["duplicate"].as_bool()),
        (Some("APPLIED"), Some(true))
    );
    let unit = |serial: &'static str| {
        let app = &app;
        let pm = pm.clone();
        async move {
            app.gql(
                Some(&pm),
                "query($s: String!) { unit(serial: $s) { status nextStation { name } history { station result testSteps { name value textValue unit lowLimit highLimit result } } } }",
                json!({"s": serial}),
            )
            .await
            .data()["unit"]
                .clone()
        }
    };
    let passed = unit("CF-01").await;
    assert_eq!(
        passed["history"].as_array().map(Vec::len),
        Some(1),
        "recorded once: {passed}"
    );
    assert_eq!(passed["nextStation"]["name"], "FCT");
    assert_eq!(
        passed["history"][0]["testSteps"],
        json!([
            {"name": "VCC_3V3", "value": 3.31, "textValue": null, "unit": "V", "lowLimit": 3.2, "highLimit": 3.4, "result": "PASS"},
            {"name": "BOUNDARY_SCAN", "value": null, "textValue": "Passed", "unit": null, "lowLimit": null, "highLimit": null, "result": "PASS"},
        ])
    );
    assert_eq!(unit("CF-02").await["status"], "ON_HOLD");

    // An unknown serial and a PASS outside its limits become dead letters with the reason.
    let unknown = units_tested(
        "a1f0c7de-5d1e-4c55-9a57-000000000002",
        vec![tested_unit("CF-03", "Passed", 3.30, "Passed")],
    );
    let (_, body) = post(&app, &secret, &unknown).await;
    assert_eq!(body["status"], "DEAD");
    assert!(
        body["reason"]
            .as_str()
            .is_some_and(|r| r.contains("unit not found")),
        "{body}"
    );
    app.gql(
        Some(&pm),
        "mutation($b: ID!) { addUnits(buildId: $b, serials: [\"CF-04\"]) { serial } }",
        json!({"b": build}),
    )
    .await
    .data();
    let out_of_limits = units_tested(
        "a1f0c7de-5d1e-4c55-9a57-000000000003",
        vec![tested_unit("CF-04", "Passed", 3.45, "Passed")],
    );
    let (_, body) = post(&app, &secret, &out_of_limits).await;
    assert_eq!(body["status"], "DEAD");
    assert!(
        body["reason"]
            .as_str()
            .is_some_and(|r| r.contains("VCC_3V3") && r.contains("above")),
        "{body}"
    );
    let ignored = envelope(
        "Production.Assembly.MaterialsInstalled",
        "a1f0c7de-5d1e-4c55-9a57-000000000004",
        json!({"InstalledMaterials": []}),
    );
    let (_, body) = post(&app, &secret, &ignored).await;
    assert_eq!(body["status"], "DEAD");
    let started = envelope(
        "Production.WorkStarted",
        "a1f0c7de-5d1e-4c55-9a57-000000000005",
        json!({"TransactionID": "6e0bd4c6-0b54-4c53-8c4d-2b8c3a1b7d11", "Lane": 1, "Units": [{"UnitIdentifier": "CF-01", "PositionNumber": 1}]}),
    );
    let (_, body) = post(&app, &secret, &started).await;
    assert_eq!(body["status"], "ACKNOWLEDGED");

    const DEAD: &str = "{ cfxMessages { id uniqueId status reason message } }";
    let dead = app.gql(Some(&pm), DEAD, json!({})).await;
    let dead = dead.data()["cfxMessages"].as_array().expect("dead").clone();
    assert_eq!(dead.len(), 3, "{dead:?}");
    let find = |unique: &str| {
        dead.iter()
            .find(|m| m["uniqueId"] == unique)
            .expect("dead letter")["id"]
            .clone()
    };
    let replay = "mutation($id: ID!, $m: JSON) { replayCfxMessage(id: $id, message: $m) { status reason attempts } }";

    // Replayed as it was, it is still dead; corrected (the unit's serial fixed), it applies.
    let still = app
        .gql(
            Some(&pm),
            replay,
            json!({"id": find("a1f0c7de-5d1e-4c55-9a57-000000000002")}),
        )
        .await;
    assert_eq!(still.data()["replayCfxMessage"]["status"], "DEAD");
    let mut corrected = unknown.clone();
    corrected["MessageBody"]["TestedUnits"][0]["UnitIdentifier"] = json!("CF-04");
    let fixed = app
        .gql(
            Some(&pm),
            replay,
            json!({"id": find("a1f0c7de-5d1e-4c55-9a57-000000000002"), "m": corrected}),
        )
        .await;
    assert_eq!(
        fixed.data()["replayCfxMessage"],
        json!({"status": "APPLIED", "reason": null, "attempts": 3})
    );
    assert_eq!(unit("CF-04").await["nextStation"]["name"], "FCT");
    // The other letter's unit has moved on, so as it was it no longer applies.
    let moved = app
        .gql(
            Some(&pm),
            replay,
            json!({"id": find("a1f0c7de-5d1e-4c55-9a57-000000000003")}),
        )
        .await;
    assert_eq!(moved.data()["replayCfxMessage"]["status"], "DEAD");
    let applied = app
        .gql(
            Some(&pm),
            "{ cfxMessages(status: \"APPLIED\") { uniqueId } }",
            json!({}),
        )
        .await;
    assert_eq!(
        applied.data()["cfxMessages"].as_array().map(Vec::len),
        Some(2)
    );
    let replayed_twice = app
        .gql(
            Some(&pm),
            replay,
            json!({"id": find("a1f0c7de-5d1e-4c55-9a57-000000000002")}),
        )
        .await;
    assert_eq!(replayed_twice.code(), Some("CONFLICT"));

    // Statistics see the steps from CFX like any others.
    let stats = app
        .gql(
            Some(&pm),
            "query($b: ID!) { testStepStatistics(buildId: $b) { name count passed } }",
            json!({"b": build}),
        )
        .await;
    assert_eq!(
        stats.data()["testStepStatistics"][0],
        json!({"name": "VCC_3V3", "count": 3, "passed": 2})
    );

    // Another tenant neither posts here nor sees the letters.
    let oem = app.token(who::ACME_ADMIN).await;
    let (status, _) = post(&app, &oem, &first).await;
    assert_eq!(status, 403);
    let foreign = app.gql(Some(&oem), DEAD, json!({})).await;
    assert_eq!(foreign.code(), Some("FORBIDDEN"));
}

/// A `MaterialsInstalled` message after the published CFX example: one reel on a tape feeder
/// placed on `designators` of one unit.
fn materials_installed(unique_id: &str, serial: &str, reel: &str, designators: &[&str]) -> Value {
    let components: Vec<Value> = designators
        .iter()
        .map(|d| json!({"ReferenceDesignator": d, "InstallationTime": "2026-12-01T09:14:05.109+01:00"}))
        .collect();
    envelope(
        "Production.Assembly.MaterialsInstalled",
        unique_id,
        json!({
            "$type": "CFX.Production.Assembly.MaterialsInstalled, CFX",
            "TransactionId": "ce1cf002-50fe-4cd4-af27-5e46fdae5608",
            "InstalledMaterials": [{
                "UnitIdentifier": serial,
                "UnitPositionNumber": 1,
                "QuantityInstalled": designators.len() as f64,
                "Material": {"UniqueIdentifier": reel, "InternalPartNumber": "IPN47788", "Quantity": 887.0},
                "CarrierLocation": {
                    "LocationIdentifier": "UID384234893",
                    "LocationName": "SLOT45",
                    "CarrierInformation": {"$type": "CFX.Structures.SMTPlacement.SMDTapeFeeder, CFX", "BaseUniqueIdentifier": "123334", "BaseName": null, "LaneNumber": 1, "TapeWidth": 8.0, "TapePitch": 8.0, "UniqueIdentifier": "1233334", "Name": "TAPEFEEDER8mm1233334"},
                },
                "InstalledComponents": components,
            }],
        }),
    )
}

#[tokio::test]
async fn a_reel_of_the_wrong_part_is_a_dead_letter_until_the_ems_fixes_it() {
    let app = TestApp::spawn().await;
    let package = app.accepted_package("CFX-200").await;
    let pm = app.token(who::EMS_PM).await;
    let admin = app.token(who::EMS_ADMIN).await;
    let build = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 1, "dueDate": "2099-01-01", "routing": [{"kind": "ICT", "name": "ICT"}]}}))
        .await;
    let build = build.data()["createBuild"]["id"].clone();
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 1, pattern: \"MI-{SEQ:2}\") { serial } }", json!({"b": build}))
        .await
        .data();
    let receive =
        "mutation($i: ReceiveComponentLotInput!) { receiveComponentLot(input: $i) { id } }";
    for (reel, mpn) in [
        ("REEL-47K", "RC0603FR-0747KL"),
        ("REEL-10K", "RC0603FR-0710KL"),
    ] {
        app.gql(Some(&pm), receive, json!({"i": {"mpn": mpn, "manufacturer": "Yageo", "lotCode": "L2611", "dateCode": "2611", "reelId": reel, "quantity": 5000, "supplier": "Distributor"}}))
            .await
            .data();
    }
    let (token_id, secret) = ems_token(&app, &admin, "SMT line 1").await;
    app.gql(
        Some(&pm),
        "mutation($h: String!, $t: ID!) { mapCfxEndpoint(handle: $h, station: \"ICT\", apiTokenId: $t) { id } }",
        json!({"h": HANDLE, "t": token_id}),
    )
    .await
    .data();

    // The 47 kΩ reel on R1 and R2, where the BOM wants the 10 kΩ part: refused, both MPNs named.
    let wrong = materials_installed(
        "5b8e2f7a-3c1d-4e9f-8a6b-000000000001",
        "MI-01",
        "REEL-47K",
        &["R1", "R2"],
    );
    let (status, body) = post(&app, &secret, &wrong).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "DEAD", "{body}");
    let reason = body["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("RC0603FR-0747KL") && reason.contains("RC0603FR-0710KL"),
        "{reason}"
    );
    const LOTS: &str =
        "query($s: String!) { unit(serial: $s) { genealogy { designator lot { reelId mpn } } } }";
    let lots = app.gql(Some(&pm), LOTS, json!({"s": "MI-01"})).await;
    assert_eq!(
        lots.data()["unit"]["genealogy"],
        json!([]),
        "nothing recorded"
    );
    let dead = app
        .gql(
            Some(&pm),
            "{ cfxMessages { id uniqueId reason } }",
            json!({}),
        )
        .await;
    let letter = dead.data()["cfxMessages"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|m| m["uniqueId"] == "5b8e2f7a-3c1d-4e9f-8a6b-000000000001")
        })
        .cloned()
        .expect("in the dead-letter list");
    assert_eq!(letter["reason"].as_str(), Some(reason));

    // The EMS fixes the reel (the line loaded the 10 kΩ reel) and replays the corrected message.
    let mut fixed = wrong.clone();
    fixed["MessageBody"]["InstalledMaterials"][0]["Material"]["UniqueIdentifier"] =
        json!("REEL-10K");
    let replayed = app
        .gql(
            Some(&pm),
            "mutation($id: ID!, $m: JSON) { replayCfxMessage(id: $id, message: $m) { status reason attempts } }",
            json!({"id": letter["id"], "m": fixed}),
        )
        .await;
    assert_eq!(
        replayed.data()["replayCfxMessage"],
        json!({"status": "APPLIED", "reason": null, "attempts": 2})
    );
    let expected = json!([
        {"designator": "R1", "lot": {"reelId": "REEL-10K", "mpn": "RC0603FR-0710KL"}},
        {"designator": "R2", "lot": {"reelId": "REEL-10K", "mpn": "RC0603FR-0710KL"}},
    ]);
    let lots = app.gql(Some(&pm), LOTS, json!({"s": "MI-01"})).await;
    assert_eq!(lots.data()["unit"]["genealogy"], expected);

    // Sent again, the message answers its outcome and records nothing twice.
    let (_, again) = post(&app, &secret, &wrong).await;
    assert_eq!(
        (again["status"].as_str(), again["duplicate"].as_bool()),
        (Some("APPLIED"), Some(true)),
        "{again}"
    );
    let lots = app.gql(Some(&pm), LOTS, json!({"s": "MI-01"})).await;
    assert_eq!(lots.data()["unit"]["genealogy"], expected);

    // A designator the BOM does not place is refused too.
    let nowhere = materials_installed(
        "5b8e2f7a-3c1d-4e9f-8a6b-000000000002",
        "MI-01",
        "REEL-10K",
        &["R99"],
    );
    let (_, body) = post(&app, &secret, &nowhere).await;
    assert_eq!(body["status"], "DEAD");
    assert!(
        body["reason"].as_str().is_some_and(|r| r.contains("R99")),
        "{body}"
    );
}

#[tokio::test]
async fn an_array_of_messages_is_taken_in_one_request_each_with_its_outcome() {
    let app = TestApp::spawn().await;
    let package = app.accepted_package("CFX-300").await;
    let pm = app.token(who::EMS_PM).await;
    let admin = app.token(who::EMS_ADMIN).await;
    let build = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 3, "dueDate": "2099-01-01", "routing": [{"kind": "ICT", "name": "ICT"}]}}))
        .await;
    let build = build.data()["createBuild"]["id"].clone();
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 3, pattern: \"AR-{SEQ:2}\") { serial } }", json!({"b": build}))
        .await
        .data();
    let (token_id, secret) = ems_token(&app, &admin, "ICT batch").await;
    app.gql(
        Some(&pm),
        "mutation($h: String!, $t: ID!) { mapCfxEndpoint(handle: $h, station: \"ICT\", apiTokenId: $t) { id } }",
        json!({"h": HANDLE, "t": token_id}),
    )
    .await
    .data();
    let good = |n: u32, serial: &str| {
        units_tested(
            &format!("7d2c1b3a-0000-4000-8000-00000000000{n}"),
            vec![tested_unit(serial, "Passed", 3.3, "Passed")],
        )
    };
    let mut foreign = good(5, "AR-03");
    foreign["Source"] = json!("someone.else");
    let batch = json!([
        good(1, "AR-01"),
        good(2, "AR-99"),
        good(3, "AR-02"),
        good(1, "AR-01"),
        {"MessageName": "CFX.Production.WorkStarted"},
        foreign,
    ]);
    let (status, answers) = post(&app, &secret, &batch).await;
    assert_eq!(status, 200, "{answers}");
    let statuses: Vec<(&str, bool)> = answers
        .as_array()
        .expect("one answer per message")
        .iter()
        .map(|a| {
            (
                a["status"].as_str().unwrap_or_default(),
                a["duplicate"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("APPLIED", false),
            ("DEAD", false),
            ("APPLIED", false),
            ("APPLIED", true),
            ("REFUSED", false),
            ("REFUSED", false),
        ],
        "{answers}"
    );
    assert_eq!(answers[4]["code"], "BAD_USER_INPUT");
    assert_eq!(answers[5]["code"], "FORBIDDEN");
    assert!(answers[1]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("unit not found")));
    let history = app
        .gql(
            Some(&pm),
            "query($s: String!) { unit(serial: $s) { history { result } } }",
            json!({"s": "AR-01"}),
        )
        .await;
    assert_eq!(
        history.data()["unit"]["history"].as_array().map(Vec::len),
        Some(1)
    );
    // The whole array again: every stored message is a repeat, nothing is recorded twice.
    let (_, again) = post(&app, &secret, &batch).await;
    assert_eq!(again[0]["duplicate"], true);
    assert_eq!(again[2]["duplicate"], true);
    let unit3 = app
        .gql(
            Some(&pm),
            "query($s: String!) { unit(serial: $s) { history { result } } }",
            json!({"s": "AR-02"}),
        )
        .await;
    assert_eq!(
        unit3.data()["unit"]["history"].as_array().map(Vec::len),
        Some(1)
    );
}

/// An inspection of one unit after the published CFX `UnitsInspected` example (AOI of a
/// two-circuit panel): `failed` adds the example's solder defects on R22 and a scratch.
fn inspected_unit(serial: &str, failed: bool) -> Value {
    let passed = |name: &str| {
        json!({"UniqueIdentifier": format!("{name}-{serial}"), "InspectionName": name, "InspectionStartTime": null,
            "InspectionEndTime": null, "TestProcedure": null, "Comments": null, "Result": "Passed", "Error": null,
            "DefectsFound": [], "Symptoms": null, "Measurements": []})
    };
    let defect = |id: &str, code: &str, category: &str, description: &str, designator: Value| {
        json!({"UniqueIdentifier": format!("{id}-{serial}"), "DefectCode": code, "DefectCategory": category,
            "Description": description, "Comments": null,
            "ComponentOfInterest": {"ReferenceDesignator": designator, "UnitPosition": null, "PartNumber": "11123-8897"},
            "RegionOfInterest": {"StartPointX": 0.0, "StartPointY": 0.0, "RegionSegments": []},
            "DefectImages": [], "Priority": 1, "ConfidenceLevel": 100.0, "RelatedMeasurements": [], "RelatedSymptoms": []})
    };
    let inspections = if failed {
        json!([
            passed("INSPECT_R21"),
            {"UniqueIdentifier": format!("r22-{serial}"), "InspectionName": "INSPECT_R22", "Result": "Failed",
             "DefectsFound": [
                defect("d1", "ISFSLD112", "Solder Problems", "Insufficient Solder on R22, Lead 1", json!("R22.1")),
                defect("d2", "TMBSTN211", "Solder Problems", "Tombstone on R22", json!("R22")),
             ], "Measurements": []},
            {"UniqueIdentifier": format!("cos-{serial}"), "InspectionName": "COSMETIC_INSPECTION", "Result": "Failed",
             "DefectsFound": [defect("d3", "SCR23443", "Cosmetic Problems", "Scratch Detected on PCB substrate", Value::Null)],
             "Measurements": []},
        ])
    } else {
        json!([passed("INSPECT_R21"), passed("INSPECT_R22")])
    };
    json!({"UnitIdentifier": serial, "UnitPositionNumber": 1, "OverallResult": if failed { "Failed" } else { "Passed" },
        "Inspections": inspections})
}

#[tokio::test]
async fn inspections_disqualifications_and_personalization_from_cfx() {
    let app = TestApp::spawn().await;
    let package = app.accepted_package("CFX-200").await;
    let pm = app.token(who::EMS_PM).await;
    let admin = app.token(who::EMS_ADMIN).await;
    let routing = json!([{"kind": "AOI", "name": "AOI"}, {"kind": "FCT", "name": "FCT"}]);
    let build = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 3, "dueDate": "2099-01-01", "routing": routing}}))
        .await;
    let build = build.data()["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 3, pattern: \"AO-{SEQ:2}\") { serial } }", json!({"b": build}))
        .await
        .data();
    let (token_id, secret) = ems_token(&app, &admin, "AOI line 1").await;
    app.gql(
        Some(&pm),
        "mutation($h: String!, $t: ID!) { mapCfxEndpoint(handle: $h, station: \"AOI\", apiTokenId: $t) { handle } }",
        json!({"h": HANDLE, "t": token_id}),
    )
    .await
    .data();

    let inspected = envelope(
        "Production.TestAndInspection.UnitsInspected",
        "b7e2a1c0-0000-4000-8000-000000000001",
        json!({
            "TransactionId": "14d48338-09b7-4d20-acb9-bf951270793a",
            "InspectionMethod": "AOI",
            "SamplingInformation": {"SamplingMethod": "NoSampling", "LotSize": null, "SampleSize": null},
            "Inspector": {"OperatorIdentifier": "BADGE489499", "ActorType": "Human", "LastName": "Smith", "FirstName": "Joseph"},
            "InspectedUnits": [inspected_unit("AO-01", false), inspected_unit("AO-02", true)],
        }),
    );
    let (status, body) = post(&app, &secret, &inspected).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("APPLIED")),
        "{body}"
    );

    let unit_query = "query($s: String!) { unit(serial: $s) { status nextStation { name } history { station result testSteps { name textValue result } } defects { id designator code disposition description } } }";
    let unit = |serial: &'static str| {
        let (app, pm) = (&app, pm.clone());
        async move {
            app.gql(Some(&pm), unit_query, json!({"s": serial}))
                .await
                .data()["unit"]
                .clone()
        }
    };
    let good = unit("AO-01").await;
    assert_eq!(good["nextStation"]["name"], "FCT", "{good}");
    assert_eq!(
        good["history"][0]["testSteps"],
        json!([
            {"name": "INSPECT_R21", "textValue": "Passed", "result": "PASS"},
            {"name": "INSPECT_R22", "textValue": "Passed", "result": "PASS"},
        ])
    );
    let held = unit("AO-02").await;
    assert_eq!(held["status"], "ON_HOLD", "{held}");
    let defects = held["defects"].as_array().cloned().unwrap_or_default();
    let summary: Vec<(String, String, String)> = defects
        .iter()
        .map(|d| {
            (
                d["designator"].as_str().unwrap_or("").to_owned(),
                d["code"].as_str().unwrap_or("").to_owned(),
                d["disposition"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = |d: &str, c: &str| (d.to_owned(), c.to_owned(), "PENDING".to_owned());
    for want in [
        expected("R22", "INSUFFICIENT_SOLDER"),
        expected("R22", "TOMBSTONE"),
        expected("PCB", "OTHER"),
    ] {
        assert!(summary.contains(&want), "{want:?} in {summary:?}");
    }
    assert_eq!(summary.len(), 3, "{summary:?}");
    assert!(
        defects.iter().any(|d| d["description"]
            .as_str()
            .is_some_and(|t| t.contains("SCR23443") && t.contains("Scratch"))),
        "the machine's own code is kept: {defects:?}"
    );

    // The unit stays held until every defect found is decided; the strongest decision wins.
    let dispose = "mutation($d: ID!, $x: Disposition!) { disposeDefect(defectId: $d, disposition: $x) { defect { disposition } unit { status nextStation { name } } } }";
    let id_of = |code: &str| {
        defects
            .iter()
            .find(|d| d["code"] == code)
            .and_then(|d| d["id"].as_str())
            .expect("defect")
            .to_owned()
    };
    let first = app
        .gql(
            Some(&pm),
            dispose,
            json!({"d": id_of("TOMBSTONE"), "x": "REWORK"}),
        )
        .await;
    assert_eq!(first.data()["disposeDefect"]["unit"]["status"], "ON_HOLD");
    let pending_again = app
        .gql(
            Some(&pm),
            dispose,
            json!({"d": id_of("OTHER"), "x": "PENDING"}),
        )
        .await;
    assert_eq!(pending_again.code(), Some("BAD_USER_INPUT"));
    app.gql(
        Some(&pm),
        dispose,
        json!({"d": id_of("OTHER"), "x": "USE_AS_IS"}),
    )
    .await
    .data();
    let last = app
        .gql(
            Some(&pm),
            dispose,
            json!({"d": id_of("INSUFFICIENT_SOLDER"), "x": "USE_AS_IS"}),
        )
        .await;
    assert_eq!(
        last.data()["disposeDefect"]["unit"],
        json!({"status": "IN_WORK", "nextStation": {"name": "AOI"}}),
        "REWORK decided for one defect sends the unit back to AOI"
    );
    let twice = app
        .gql(
            Some(&pm),
            dispose,
            json!({"d": id_of("TOMBSTONE"), "x": "SCRAP"}),
        )
        .await;
    assert_eq!(twice.code(), Some("CONFLICT"));
    // Another tenant cannot see or decide the defect.
    let oem_other = app.token(who::ACME_ADMIN).await;
    let foreign = app
        .gql(
            Some(&oem_other),
            dispose,
            json!({"d": id_of("TOMBSTONE"), "x": "SCRAP"}),
        )
        .await;
    assert!(
        matches!(foreign.code(), Some("NOT_FOUND") | Some("FORBIDDEN")),
        "{foreign:?}"
    );

    // Personalization after the published example: MAC addresses per unit.
    let personalized = envelope(
        "Production.Assembly.UnitsPersonalized",
        "b7e2a1c0-0000-4000-8000-000000000002",
        json!({
            "TransactionId": "e5cf340c-6858-4e26-893d-deae86bc09f1",
            "PersonalizedUnits": [
                {"UnitIdentifier": "AO-01", "UnitPositionNumber": 1, "Characteristics": [{"Name": "MAC Address", "Value": "C0-15-B9-2D-0F-3B"}]},
                {"UnitIdentifier": "AO-03", "UnitPositionNumber": 2, "Characteristics": [{"Name": "MAC Address", "Value": "C0-15-B9-2D-0F-3C"}]},
            ],
        }),
    );
    let (_, body) = post(&app, &secret, &personalized).await;
    assert_eq!(body["status"], "APPLIED", "{body}");
    let macs = app
        .gql(
            Some(&pm),
            "{ a: unit(serial: \"AO-01\") { identity { macAddresses } } b: unit(serial: \"AO-03\") { identity { macAddresses } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        macs.data(),
        &json!({"a": {"identity": {"macAddresses": ["C0:15:B9:2D:0F:3B"]}}, "b": {"identity": {"macAddresses": ["C0:15:B9:2D:0F:3C"]}}})
    );
    // The same MAC on another unit is refused whole, with the reason.
    let duplicate = envelope(
        "Production.Assembly.UnitsPersonalized",
        "b7e2a1c0-0000-4000-8000-000000000003",
        json!({"PersonalizedUnits": [{"UnitIdentifier": "AO-02", "Characteristics": [{"Name": "MAC Address", "Value": "C0-15-B9-2D-0F-3B"}]}]}),
    );
    let (_, body) = post(&app, &secret, &duplicate).await;
    assert_eq!(body["status"], "DEAD", "{body}");
    assert!(
        body["reason"]
            .as_str()
            .is_some_and(|r| r.contains("duplicate MAC address") && r.contains("AO-01")),
        "{body}"
    );

    // Disqualification after the published example: the unit is scrapped with the reason.
    let disqualified = envelope(
        "Production.UnitsDisqualified",
        "b7e2a1c0-0000-4000-8000-000000000004",
        json!({
            "Reason": "DefectiveRepairNotPossible",
            "Comments": "The units were accidentally dropped, and irrepairably damaged",
            "Units": [{"UnitIdentifier": "AO-03", "PositionNumber": 1, "PositionName": "CIRCUIT1", "X": 50.45, "Y": 80.66, "Rotation": 0.0, "FlipX": false, "FlipY": false}],
        }),
    );
    let (_, body) = post(&app, &secret, &disqualified).await;
    assert_eq!(body["status"], "APPLIED", "{body}");
    let scrapped = unit("AO-03").await;
    assert_eq!(scrapped["status"], "SCRAPPED");
    assert_eq!(scrapped["defects"][0]["disposition"], "SCRAP");
    assert!(scrapped["defects"][0]["description"]
        .as_str()
        .is_some_and(|d| d.contains("DefectiveRepairNotPossible") && d.contains("dropped")));
}
