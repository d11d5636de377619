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
