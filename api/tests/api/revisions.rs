//! Revision compare and ECO impact: a revision B of the fixture board with two parts swapped,
//! one moved 0.5 mm and one value changed; what `compareRevisions` lists, the partial first
//! article it suggests and `createFaiReport` makes, the serials in work it reaches, and the
//! production gate taking that partial first article.

use crate::harness::{who, TestApp};
use firstpass_shared::cad::fixtures::{self, Style};
use serde_json::{json, Value};

const COMPARE: &str = "query($a: ID!, $b: ID!) { compareRevisions(fromPackageId: $a, toPackageId: $b) {
    designators { designator kind fields before { xMm yMm value } after { xMm yMm value } }
    bomLines { key kind } layers { function kind } filesAdded filesRemoved filesChanged
    suggestedFaiScope faiDesignators
    affectedBuilds { buildId unitsInWork build { phase } units { serial status station reworkDesignators bareBoardChanged } } } }";

async fn gql_ok(app: &TestApp, token: &str, q: &str, v: Value) -> Value {
    app.gql(Some(token), q, v).await.data().clone()
}

#[tokio::test]
async fn compare_lists_exactly_the_changed_designators_and_their_impact() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let pm = app.token(who::EMS_PM).await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let quality = app.token(who::EMS_QUALITY).await;
    let a = app.accepted_package("ECO-1").await;

    // Work in progress on A: four units, two past SMT.
    let routing = json!([{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "REFLOW", "name": "Reflow"}, {"kind": "AOI", "name": "AOI"}]);
    let build = gql_ok(&app, &pm, "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
        json!({"i": {"packageId": a, "phase": "PILOT", "quantity": 4, "dueDate": "2099-01-01", "routing": routing}}))
        .await["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    let serials: Vec<String> = (1..=4).map(|n| format!("ECO-{n:03}")).collect();
    gql_ok(
        &app,
        &operator,
        "mutation($b: ID!, $s: [String!]!) { addUnits(buildId: $b, serials: $s) { serial } }",
        json!({"b": build, "s": serials}),
    )
    .await;
    let results = json!([
        {"serial": "ECO-001", "station": "SMT", "result": "PASS"},
        {"serial": "ECO-001", "station": "Reflow", "result": "PASS"},
        {"serial": "ECO-002", "station": "SMT", "result": "PASS"},
    ]);
    gql_ok(&app, &operator, "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { unit { status } } }",
        json!({"i": results})).await;

    // Revision B.
    let b = gql_ok(
        &app,
        &oem,
        "mutation($id: ID!) { createRevision(fromPackageId: $id, revision: \"B\") { id } }",
        json!({"id": a}),
    )
    .await["createRevision"]["id"]
        .as_str()
        .expect("revision B")
        .to_owned();
    let same = gql_ok(&app, &oem, COMPARE, json!({"a": a, "b": b})).await;
    assert_eq!(same["compareRevisions"]["designators"], json!([]), "{same}");
    assert_eq!(same["compareRevisions"]["layers"], json!([]));
    app.upload(Some(&oem), &b, &fixtures::kicad_revision_b_changes())
        .await
        .data();

    let diff =
        gql_ok(&app, &oem, COMPARE, json!({"a": a, "b": b})).await["compareRevisions"].clone();
    let listed: Vec<(&str, &str, Vec<&str>)> = diff["designators"]
        .as_array()
        .expect("designators")
        .iter()
        .map(|d| {
            (
                d["designator"].as_str().expect("designator"),
                d["kind"].as_str().expect("kind"),
                d["fields"]
                    .as_array()
                    .expect("fields")
                    .iter()
                    .map(|f| f.as_str().expect("field"))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            ("C1", "CHANGED", vec!["POSITION"]),
            ("C2", "CHANGED", vec!["POSITION"]),
            ("R1", "CHANGED", vec!["POSITION"]),
            ("R3", "CHANGED", vec!["MPN", "VALUE"]),
        ],
        "{diff:#}"
    );
    let c2 = &diff["designators"][1];
    let dy = c2["after"]["yMm"].as_f64().expect("y") - c2["before"]["yMm"].as_f64().expect("y");
    assert!((dy - 0.5).abs() < 1e-6);
    assert_eq!(diff["layers"], json!([]), "the Gerbers are the same images");
    assert_eq!(
        diff["filesChanged"],
        json!(["board-all.pos", "board-bom.csv"])
    );
    assert_eq!(diff["filesAdded"], json!([]));
    let bom: Vec<(&str, &str)> = diff["bomLines"]
        .as_array()
        .expect("bom lines")
        .iter()
        .map(|l| {
            (
                l["key"].as_str().expect("key"),
                l["kind"].as_str().expect("kind"),
            )
        })
        .collect();
    assert_eq!(
        bom,
        vec![("RC0603FR-0710KL", "CHANGED"), ("RC0603FR-074K7L", "ADDED")]
    );
    assert_eq!(diff["suggestedFaiScope"], "PARTIAL");
    assert_eq!(diff["faiDesignators"], json!(["C1", "C2", "R1", "R3"]));

    // ECO impact: exactly the units past SMT, each at its station.
    let affected = &diff["affectedBuilds"];
    assert_eq!(affected.as_array().map(Vec::len), Some(1), "{affected:#}");
    assert_eq!(affected[0]["buildId"], build);
    assert_eq!(affected[0]["unitsInWork"], 4);
    assert_eq!(
        affected[0]["units"],
        json!([
            {"serial": "ECO-001", "status": "IN_WORK", "station": "AOI", "reworkDesignators": ["C1", "C2", "R1", "R3"], "bareBoardChanged": false},
            {"serial": "ECO-002", "status": "IN_WORK", "station": "Reflow", "reworkDesignators": ["C1", "C2", "R1", "R3"], "bareBoardChanged": false},
        ])
    );

    // Both sides see the same compare; the EMS too once B is submitted.
    gql_ok(
        &app,
        &oem,
        "mutation($id: ID!) { submitNpiPackage(id: $id) { id } }",
        json!({"id": b}),
    )
    .await;
    for op in ["startReview", "acceptNpiPackage"] {
        let q = format!("mutation($id: ID!) {{ {op}(id: $id) {{ id }} }}");
        gql_ok(&app, &pm, &q, json!({"id": b})).await;
    }
    let seen = gql_ok(&app, &pm, COMPARE, json!({"a": a, "b": b})).await;
    assert_eq!(
        seen["compareRevisions"]["faiDesignators"],
        diff["faiDesignators"]
    );

    // The partial first article on B has exactly the changed designators' characteristics.
    let pilot = gql_ok(&app, &pm, "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
        json!({"i": {"packageId": b, "phase": "PILOT", "quantity": 1, "dueDate": "2099-01-01", "routing": [{"kind": "SMT_TOP", "name": "SMT"}]}}))
        .await["createBuild"]["id"]
        .as_str()
        .expect("pilot")
        .to_owned();
    gql_ok(
        &app,
        &operator,
        "mutation($b: ID!, $s: [String!]!) { addUnits(buildId: $b, serials: $s) { serial } }",
        json!({"b": pilot, "s": ["ECO-B-001"]}),
    )
    .await;
    let created = gql_ok(&app, &quality,
        "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id scope characteristics { id kind designator } } }",
        json!({"i": {"buildId": pilot, "serial": "ECO-B-001", "reason": "DESIGN_CHANGE", "scope": "PARTIAL"}}))
        .await["createFaiReport"]
        .clone();
    let mut designators: Vec<&str> = created["characteristics"]
        .as_array()
        .expect("characteristics")
        .iter()
        .map(|c| c["designator"].as_str().expect("designator"))
        .collect();
    designators.sort_unstable();
    assert_eq!(designators, vec!["C1", "C2", "R1", "R3"]);

    // The production gate takes the approved partial first article on B.
    let production = "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }";
    let vars = json!({"i": {"packageId": b, "phase": "PRODUCTION", "quantity": 100, "dueDate": "2099-06-30", "routing": [{"kind": "SMT_TOP", "name": "SMT"}]}});
    assert_eq!(
        app.gql(Some(&pm), production, vars.clone()).await.code(),
        Some("CONFLICT")
    );
    let updates: Vec<Value> = created["characteristics"]
        .as_array()
        .expect("characteristics")
        .iter()
        .map(|c| json!({"id": c["id"], "result": "Conforms", "status": "PASS"}))
        .collect();
    gql_ok(&app, &quality, "mutation($r: ID!, $u: [FaiCharacteristicUpdate!]!) { updateFaiCharacteristics(reportId: $r, updates: $u) { id } }",
        json!({"r": created["id"], "u": updates})).await;
    gql_ok(
        &app,
        &quality,
        "mutation($id: ID!) { submitFaiReport(id: $id) { id } }",
        json!({"id": created["id"]}),
    )
    .await;
    let sign = "mutation($id: ID!, $r: String!) { signFaiReport(id: $id, password: \"firstpass-demo\", meaning: APPROVED, reason: $r) { status } }";
    gql_ok(
        &app,
        &pm,
        sign,
        json!({"id": created["id"], "r": "Verified by the EMS"}),
    )
    .await;
    gql_ok(
        &app,
        &oem,
        sign,
        json!({"id": created["id"], "r": "Accepted"}),
    )
    .await;
    gql_ok(&app, &pm, production, vars).await;
}

#[tokio::test]
async fn compare_refuses_other_products_and_asks_full_when_a_layer_changes() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let a = app.accepted_package("ECO-2").await;
    let other = app.accepted_package("ECO-3").await;
    let refused = app
        .gql(Some(&oem), COMPARE, json!({"a": a, "b": other}))
        .await;
    assert_eq!(refused.code(), Some("BAD_USER_INPUT"));
    let missing = app
        .gql(
            Some(&oem),
            COMPARE,
            json!({"a": a, "b": "00000000-0000-7000-8000-000000000000"}),
        )
        .await;
    assert_eq!(missing.code(), Some("NOT_FOUND"));

    let b = gql_ok(
        &app,
        &oem,
        "mutation($id: ID!) { createRevision(fromPackageId: $id, revision: \"B\") { id } }",
        json!({"id": a}),
    )
    .await["createRevision"]["id"]
        .as_str()
        .expect("revision B")
        .to_owned();
    // A re-exported silkscreen with another header is the same image; a moved line is not.
    let set = fixtures::board(Style::KiCad);
    let silk = set
        .iter()
        .find(|(n, _)| n == "board-F_Silkscreen.gbr")
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .expect("silkscreen");
    let reheadered = format!("G04 re-exported*\n{silk}");
    app.upload(
        Some(&oem),
        &b,
        &[("board-F_Silkscreen.gbr".into(), reheadered.into_bytes())],
    )
    .await
    .data();
    let diff =
        gql_ok(&app, &oem, COMPARE, json!({"a": a, "b": b})).await["compareRevisions"].clone();
    assert_eq!(diff["layers"], json!([]), "{diff:#}");
    assert_eq!(diff["filesChanged"], json!(["board-F_Silkscreen.gbr"]));
    assert_eq!(diff["suggestedFaiScope"], "PARTIAL");

    let changed = silk.replacen("D01*", "D01*\nX1000000Y1000000D01*", 1);
    app.upload(
        Some(&oem),
        &b,
        &[("board-F_Silkscreen.gbr".into(), changed.into_bytes())],
    )
    .await
    .data();
    let diff =
        gql_ok(&app, &oem, COMPARE, json!({"a": a, "b": b})).await["compareRevisions"].clone();
    assert_eq!(
        diff["layers"],
        json!([{"function": "SILKSCREEN_TOP", "kind": "CHANGED"}]),
        "{diff:#}"
    );
    assert_eq!(diff["suggestedFaiScope"], "FULL");
}

#[tokio::test]
async fn the_oem_chooses_the_effectivity_of_a_revision() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let pm = app.token(who::EMS_PM).await;
    let a = app.accepted_package("ECO-4").await;
    let set = "mutation($id: ID!, $i: RevisionEffectivityInput!) { setRevisionEffectivity(packageId: $id, input: $i) { kind fromDate fromSerial } }";
    // A first revision has nothing to replace.
    let first = app
        .gql(
            Some(&oem),
            set,
            json!({"id": a, "i": {"kind": "NEXT_BUILD"}}),
        )
        .await;
    assert_eq!(first.code(), Some("BAD_USER_INPUT"));
    let b = gql_ok(
        &app,
        &oem,
        "mutation($id: ID!) { createRevision(fromPackageId: $id, revision: \"B\") { id } }",
        json!({"id": a}),
    )
    .await["createRevision"]["id"]
        .as_str()
        .expect("revision B")
        .to_owned();
    let missing = app
        .gql(
            Some(&oem),
            set,
            json!({"id": b, "i": {"kind": "FROM_SERIAL"}}),
        )
        .await;
    assert_eq!(missing.code(), Some("BAD_USER_INPUT"));
    let by_pm = app
        .gql(
            Some(&pm),
            set,
            json!({"id": b, "i": {"kind": "NEXT_BUILD"}}),
        )
        .await;
    assert_eq!(by_pm.code(), Some("FORBIDDEN"));
    let chosen = gql_ok(
        &app,
        &oem,
        set,
        json!({"id": b, "i": {"kind": "FROM_DATE", "fromDate": "2099-03-01"}}),
    )
    .await;
    assert_eq!(
        chosen["setRevisionEffectivity"],
        json!({"kind": "FROM_DATE", "fromDate": "2099-03-01", "fromSerial": null})
    );
    let again = gql_ok(
        &app,
        &oem,
        set,
        json!({"id": b, "i": {"kind": "FROM_SERIAL", "fromSerial": " ECO-4-0100 "}}),
    )
    .await;
    assert_eq!(again["setRevisionEffectivity"]["fromSerial"], "ECO-4-0100");
    let seen = gql_ok(&app, &oem, "query($a: ID!, $b: ID!) { compareRevisions(fromPackageId: $a, toPackageId: $b) { effectivity { kind fromSerial } } }",
        json!({"a": a, "b": b})).await;
    assert_eq!(
        seen["compareRevisions"]["effectivity"],
        json!({"kind": "FROM_SERIAL", "fromSerial": "ECO-4-0100"})
    );
}
