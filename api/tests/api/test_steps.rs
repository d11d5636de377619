//! Typed test data over the API: test steps with units and limits on station results, their
//! checks, and yield, mean, standard deviation and Cpk per step, build and station.

use crate::harness::{who, TestApp};
use serde_json::{json, Value};

const RECORD: &str = "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { event { id result measurements testSteps { name value textValue unit lowLimit highLimit result } } unit { serial status } } }";
const STATS: &str = "query($b: ID!, $s: String) { testStepStatistics(buildId: $b, station: $s) { station name unit count passed stepYield numericCount mean standardDeviation min max lowLimit highLimit cpk } }";

fn vcc(value: f64, result: &str) -> Value {
    json!({"name": "VCC_3V3", "value": value, "unit": "V", "lowLimit": 3.2, "highLimit": 3.4, "result": result})
}

fn firmware(result: &str) -> Value {
    json!({"name": "FW_VERSION", "textValue": "1.4.2", "result": result})
}

/// An ICT → FCT build of four units; answers its id.
async fn test_build(app: &TestApp) -> String {
    let package = app.accepted_package("TS-100").await;
    let pm = app.token(who::EMS_PM).await;
    let routing = json!([{"kind": "ICT", "name": "ICT"}, {"kind": "FCT", "name": "FCT"}]);
    let build = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 4, "dueDate": "2099-01-01", "routing": routing}}))
        .await;
    let build = build.data()["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 4, pattern: \"TS-{SEQ:2}\") { serial } }", json!({"b": build}))
        .await
        .data();
    build
}

#[tokio::test]
async fn steps_are_checked_stored_and_summarized() {
    let app = TestApp::spawn().await;
    let build = test_build(&app).await;
    let operator = app.token(who::EMS_OPERATOR).await;

    // A PASS whose value lies outside its limits is refused, and nothing of the call is kept.
    let refused = app
        .gql(
            Some(&operator),
            RECORD,
            json!({"i": [{"serial": "TS-01", "station": "ICT", "result": "PASS", "testSteps": [vcc(3.5, "PASS")]}]}),
        )
        .await;
    assert_eq!(refused.code(), Some("BAD_USER_INPUT"), "{}", refused.body);
    let message = refused.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("VCC_3V3") && message.contains("above"),
        "{message}"
    );
    for (steps, why) in [
        (json!([vcc(3.3, "FAIL")]), "a FAIL step under a PASS result"),
        (json!([vcc(3.3, "PASS"), vcc(3.3, "PASS")]), "a name twice"),
        (json!([{"name": "X", "result": "PASS"}]), "no value"),
        (
            json!([{"name": "X", "value": 1.0, "textValue": "1", "result": "PASS"}]),
            "both values",
        ),
        (
            json!([{"name": "X", "textValue": "ok", "lowLimit": 1.0, "result": "PASS"}]),
            "limits on text",
        ),
        (
            json!([{"name": "X", "value": 1.5, "lowLimit": 2.0, "highLimit": 1.0, "result": "PASS"}]),
            "crossed limits",
        ),
    ] {
        let answer = app
            .gql(
                Some(&operator),
                RECORD,
                json!({"i": [{"serial": "TS-01", "station": "ICT", "result": "PASS", "testSteps": steps}]}),
            )
            .await;
        assert_eq!(
            answer.code(),
            Some("BAD_USER_INPUT"),
            "{why}: {}",
            answer.body
        );
    }
    let stats = app
        .gql(Some(&operator), STATS, json!({"b": build, "s": "ICT"}))
        .await;
    assert_eq!(stats.data()["testStepStatistics"], json!([]));

    // Three passes and one failure at ICT, typed steps beside untyped measurements.
    let recorded = app
        .gql(
            Some(&operator),
            RECORD,
            json!({"i": [
                {"serial": "TS-01", "station": "ICT", "result": "PASS", "measurements": {"shorts": 0}, "testSteps": [vcc(3.28, "PASS"), firmware("PASS")]},
                {"serial": "TS-02", "station": "ICT", "result": "PASS", "testSteps": [vcc(3.30, "PASS"), firmware("PASS")]},
                {"serial": "TS-03", "station": "ICT", "result": "PASS", "testSteps": [vcc(3.32, "PASS"), firmware("PASS")]},
                {"serial": "TS-04", "station": "ICT", "result": "FAIL", "testSteps": [vcc(3.52, "FAIL"), firmware("PASS")]},
            ]}),
        )
        .await;
    let recorded = recorded.data()["recordStationResults"].clone();
    assert_eq!(recorded[0]["event"]["measurements"], json!({"shorts": 0}));
    assert_eq!(
        recorded[0]["event"]["testSteps"],
        json!([
            {"name": "VCC_3V3", "value": 3.28, "textValue": null, "unit": "V", "lowLimit": 3.2, "highLimit": 3.4, "result": "PASS"},
            {"name": "FW_VERSION", "value": null, "textValue": "1.4.2", "unit": null, "lowLimit": null, "highLimit": null, "result": "PASS"},
        ])
    );
    assert_eq!(recorded[3]["unit"]["status"], "ON_HOLD");

    // The OEM reads the same statistics as the EMS.
    let oem = app.token(who::ACME_ENGINEER).await;
    let stats = app.gql(Some(&oem), STATS, json!({"b": build})).await;
    let stats = stats.data()["testStepStatistics"]
        .as_array()
        .expect("stats")
        .clone();
    assert_eq!(stats.len(), 2, "{stats:?}");
    let vcc = &stats[0];
    assert_eq!(vcc["station"], "ICT");
    assert_eq!(vcc["name"], "VCC_3V3");
    assert_eq!(vcc["unit"], "V");
    assert_eq!(vcc["count"], 4);
    assert_eq!(vcc["passed"], 3);
    assert_eq!(vcc["stepYield"], 0.75);
    assert_eq!(vcc["numericCount"], 4);
    let values = [3.28, 3.30, 3.32, 3.52];
    let mean = values.iter().sum::<f64>() / 4.0;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 3.0).sqrt();
    let cpk = ((3.4 - mean) / (3.0 * sd)).min((mean - 3.2) / (3.0 * sd));
    let close = |field: &str, want: f64| {
        let got = vcc[field].as_f64().expect(field);
        assert!((got - want).abs() < 1e-9, "{field}: {got} vs {want}");
    };
    close("mean", mean);
    close("standardDeviation", sd);
    close("cpk", cpk);
    close("min", 3.28);
    close("max", 3.52);
    assert_eq!(stats[1]["name"], "FW_VERSION");
    assert_eq!(stats[1]["stepYield"], 1.0);
    assert_eq!(stats[1]["numericCount"], 0);
    assert!(stats[1]["mean"].is_null() && stats[1]["cpk"].is_null());

    // Another station has none yet; the history shows the steps; a foreign OEM sees nothing.
    let fct = app
        .gql(Some(&oem), STATS, json!({"b": build, "s": "fct"}))
        .await;
    assert_eq!(fct.data()["testStepStatistics"], json!([]));
    let history = app
        .gql(
            Some(&oem),
            "{ unit(serial: \"TS-04\") { history { result testSteps { name value result } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        history.data()["unit"]["history"][0]["testSteps"][0],
        json!({"name": "VCC_3V3", "value": 3.52, "result": "FAIL"})
    );
    let globex = app.token(who::GLOBEX_ENGINEER).await;
    let foreign = app.gql(Some(&globex), STATS, json!({"b": build})).await;
    assert_eq!(foreign.code(), Some("NOT_FOUND"));
}
