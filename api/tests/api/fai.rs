//! First-article inspection over the API: the report, both signatures, the production gate,
//! frozen records, rejection, exports, and tamper detection.

use crate::harness::{who, TestApp};
use serde_json::{json, Value};

const REPORT: &str = "query($id: ID!) { faiReport(id: $id) { id status accountability contentHash pdfUrl csvUrl
    characteristics { id number kind designator requirement criteria result status }
    evidence { name sha256 } signatures { meaning signer { email printedName } reason contentHash } } }";

async fn pilot_with_unit(app: &TestApp, part: &str) -> (String, String, String) {
    let package = app.accepted_package(part).await;
    let (build, serial) = pilot_on(app, &package, part).await;
    (package, build, serial)
}

/// A pilot build of a package with one unit that used the FAI-LOT capacitors on C1 and C2 and
/// passed every station.
async fn pilot_on(app: &TestApp, package: &str, part: &str) -> (String, String) {
    let pm = app.token(who::EMS_PM).await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let routing = json!([{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "REFLOW", "name": "Reflow"}, {"kind": "ICT", "name": "ICT"}, {"kind": "FCT", "name": "FCT"}]);
    let build = app
        .gql(Some(&pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 5, "dueDate": "2099-01-01", "routing": routing}}))
        .await
        .data()["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    let serial = format!("{part}-001");
    app.gql(
        Some(&operator),
        "mutation($b: ID!, $s: [String!]!) { addUnits(buildId: $b, serials: $s) { serial } }",
        json!({"b": build, "s": [serial]}),
    )
    .await
    .data();
    let lot = app
        .gql(Some(&operator), "mutation($i: ReceiveComponentLotInput!) { receiveComponentLot(input: $i) { id } }",
            json!({"i": {"mpn": "GRM188R71H104KA93D", "manufacturer": "Murata", "lotCode": "FAI-LOT", "reelId": format!("{part}-REEL"), "quantity": 100}}))
        .await
        .data()["receiveComponentLot"]["id"]
        .clone();
    app.gql(Some(&operator), "mutation($i: RecordLotUsageInput!) { recordLotUsage(input: $i) }",
        json!({"i": {"lotId": lot, "buildId": build, "designators": ["C1", "C2"], "serials": [serial]}}))
        .await
        .data();
    let results: Vec<Value> = ["SMT", "Reflow", "ICT", "FCT"]
        .iter()
        .map(|s| json!({"serial": serial, "station": s, "result": "PASS", "measurements": {"vcc": 3.31}}))
        .collect();
    app.gql(Some(&operator), "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { unit { status } } }", json!({"i": results}))
        .await
        .data();
    (build, serial)
}

async fn production(app: &TestApp, pm: &str, package: &str) -> crate::harness::Gql {
    app.gql(Some(pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
        json!({"i": {"packageId": package, "phase": "PRODUCTION", "quantity": 2000, "dueDate": "2099-06-30", "routing": [{"kind": "SMT_TOP", "name": "SMT"}]}}))
        .await
}

async fn fill_all(app: &TestApp, quality: &str, report: &Value) {
    let updates: Vec<Value> = report["characteristics"]
        .as_array()
        .expect("characteristics")
        .iter()
        .map(|c| json!({"id": c["id"], "result": "Conforms", "status": "PASS"}))
        .collect();
    app.gql(Some(quality), "mutation($r: ID!, $u: [FaiCharacteristicUpdate!]!) { updateFaiCharacteristics(reportId: $r, updates: $u) { id } }",
        json!({"r": report["id"], "u": updates}))
        .await
        .data();
}

const SIGN: &str = "mutation($id: ID!, $p: String!, $m: SignatureMeaning!, $r: String!) { signFaiReport(id: $id, password: $p, meaning: $m, reason: $r) { status } }";

#[tokio::test]
async fn an_fai_is_filled_signed_by_both_sides_and_opens_production() {
    let app = TestApp::spawn().await;
    let pm = app.token(who::EMS_PM).await;
    let quality = app.token(who::EMS_QUALITY).await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let other = app.token(who::GLOBEX_ENGINEER).await;
    let (package, build, serial) = pilot_with_unit(&app, "FAI1").await;

    // Production is refused before any FAI, and the message says what is missing.
    let refused = production(&app, &pm, &package).await;
    assert_eq!(refused.code(), Some("CONFLICT"));
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no FAI"),
        "{}",
        refused.body
    );

    let created = app
        .gql(Some(&quality), "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id status } }",
            json!({"i": {"buildId": build, "serial": serial, "reason": "NEW_PART", "scope": "FULL"}}))
        .await;
    let id = created.data()["createFaiReport"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let report = app
        .gql(Some(&quality), REPORT, json!({"id": id}))
        .await
        .data()["faiReport"]
        .clone();
    assert_eq!(report["status"], "DRAFT");
    let form1 = &report["accountability"]["form1"];
    assert_eq!(form1["partNumber"], "FAI1");
    assert_eq!(form1["serial"], serial.as_str());
    assert_eq!(form1["ipcClass"], "CLASS_2");
    assert_eq!(form1["customer"], "Acme Gateways");
    let materials = report["accountability"]["form2"]["materials"].to_string();
    assert!(
        materials.contains("FAI-LOT"),
        "the lots actually used on this serial: {materials}"
    );
    assert_eq!(
        report["accountability"]["form2"]["functionalTests"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "ICT and FCT"
    );
    let designators: Vec<&str> = report["characteristics"]
        .as_array()
        .expect("c")
        .iter()
        .filter_map(|c| c["designator"].as_str())
        .collect();
    assert!(
        designators.contains(&"C1") && designators.contains(&"U1"),
        "{designators:?}"
    );
    assert!(report["characteristics"][0]["criteria"]
        .as_str()
        .unwrap_or_default()
        .contains("Class 2"));

    // The OEM does not see a draft; another OEM never does.
    assert_eq!(
        app.gql(Some(&oem), REPORT, json!({"id": id})).await.code(),
        Some("NOT_FOUND")
    );

    let submit = "mutation($id: ID!) { submitFaiReport(id: $id) { status } }";
    assert_eq!(
        app.gql(Some(&quality), submit, json!({"id": id}))
            .await
            .code(),
        Some("CONFLICT"),
        "open characteristics"
    );
    let first = report["characteristics"][0]["id"].clone();
    let no_ncr = app
        .gql(Some(&quality), "mutation($r: ID!, $u: [FaiCharacteristicUpdate!]!) { updateFaiCharacteristics(reportId: $r, updates: $u) { id } }",
            json!({"r": id, "u": [{"id": first, "result": "Wrong value", "status": "FAIL"}]}))
        .await;
    assert_eq!(
        no_ncr.code(),
        Some("BAD_USER_INPUT"),
        "a FAIL needs a nonconformance reference"
    );
    let added = app
        .gql(Some(&quality), "mutation($i: AddFaiCharacteristicInput!) { addFaiCharacteristic(input: $i) { id } }",
            json!({"i": {"reportId": id, "kind": "DIMENSION", "requirement": "Board thickness 1.6 mm ± 0.1", "method": "Caliper C-12"}}))
        .await;
    assert!(added.code().is_none(), "{}", added.body);
    let report = app
        .gql(Some(&quality), REPORT, json!({"id": id}))
        .await
        .data()["faiReport"]
        .clone();
    fill_all(&app, &quality, &report).await;
    let evidence = app.upload_to(
        Some(&quality),
        "mutation($r: ID!, $files: [Upload!]!) { uploadFaiEvidence(reportId: $r, files: $files) { evidence { name } } }",
        json!({"r": id}),
        &[("aoi-top.png".to_owned(), vec![0x89, b'P', b'N', b'G', 1, 2, 3])],
    )
    .await;
    assert_eq!(
        evidence.data()["uploadFaiEvidence"]["evidence"][0]["name"],
        "aoi-top.png"
    );
    assert_eq!(
        app.gql(Some(&quality), submit, json!({"id": id}))
            .await
            .data()["submitFaiReport"]["status"],
        "SUBMITTED"
    );
    let waiting = production(&app, &pm, &package).await;
    assert!(
        waiting.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("program manager"),
        "{}",
        waiting.body
    );

    // The EMS program manager signs; a wrong password signs nothing.
    let wrong = app
        .gql(
            Some(&pm),
            SIGN,
            json!({"id": id, "p": "not my password", "m": "APPROVED", "r": "Verified"}),
        )
        .await;
    assert_eq!(wrong.code(), Some("FORBIDDEN"));
    assert_eq!(
        app.gql(
            Some(&oem),
            SIGN,
            json!({"id": id, "p": "firstpass-demo", "m": "APPROVED", "r": "Too early"})
        )
        .await
        .code(),
        Some("CONFLICT")
    );
    let signed = app.gql(Some(&pm), SIGN, json!({"id": id, "p": "firstpass-demo", "m": "APPROVED", "r": "All characteristics verified"})).await;
    assert_eq!(signed.data()["signFaiReport"]["status"], "EMS_APPROVED");

    // A signed report no longer changes.
    let frozen = app
        .gql(Some(&quality), "mutation($r: ID!, $u: [FaiCharacteristicUpdate!]!) { updateFaiCharacteristics(reportId: $r, updates: $u) { id } }",
            json!({"r": id, "u": [{"id": first, "result": "Changed later", "status": "PASS"}]}))
        .await;
    assert_eq!(frozen.code(), Some("CONFLICT"));

    // The OEM engineer signs as the customer.
    let seen = app.gql(Some(&oem), REPORT, json!({"id": id})).await;
    assert_eq!(seen.data()["faiReport"]["status"], "EMS_APPROVED");
    let approved = app
        .gql(
            Some(&oem),
            SIGN,
            json!({"id": id, "p": "firstpass-demo", "m": "APPROVED", "r": "Accepted as customer"}),
        )
        .await;
    assert_eq!(approved.data()["signFaiReport"]["status"], "APPROVED");
    let verify = "query($id: ID!) { verifyFaiReport(id: $id) { valid signatures { meaning signer { email } valid } } }";
    let v = app.gql(Some(&oem), verify, json!({"id": id})).await.data()["verifyFaiReport"].clone();
    assert_eq!(v["valid"], true);
    assert_eq!(
        v["signatures"],
        json!([
            {"meaning": "APPROVED", "signer": {"email": who::EMS_PM}, "valid": true},
            {"meaning": "APPROVED", "signer": {"email": who::ACME_ENGINEER}, "valid": true},
        ])
    );
    assert_eq!(
        app.gql(Some(&other), REPORT, json!({"id": id}))
            .await
            .code(),
        Some("NOT_FOUND")
    );

    // Production opens.
    let opened = production(&app, &pm, &package).await;
    assert!(opened.code().is_none(), "{}", opened.body);

    // Exports.
    let pdf = app
        .http
        .get(format!("{}/fai/{id}.pdf", app.base))
        .bearer_auth(&oem)
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let csv = app
        .http
        .get(format!("{}/fai/{id}/characteristics.csv", app.base))
        .bearer_auth(&quality)
        .send()
        .await
        .expect("csv");
    let csv = csv.text().await.expect("text");
    assert!(
        csv.starts_with("number,kind,designator") && csv.contains("Caliper C-12"),
        "{csv}"
    );
    assert_eq!(
        app.http
            .get(format!("{}/fai/{id}.pdf", app.base))
            .bearer_auth(&other)
            .send()
            .await
            .expect("pdf")
            .status(),
        404
    );

    // Changed behind the server's back: the signatures no longer verify, and production closes.
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared("UPDATE fai_characteristics SET result = 'tampered' WHERE number = 1")
        .await
        .expect("tamper");
    let v = app.gql(Some(&oem), verify, json!({"id": id})).await.data()["verifyFaiReport"].clone();
    assert_eq!(v["valid"], false);
    assert_eq!(v["signatures"][0]["valid"], false);
    let closed = production(&app, &pm, &package).await;
    assert_eq!(closed.code(), Some("CONFLICT"));
}

#[tokio::test]
async fn either_signer_may_reject_and_everything_stays_on_record() {
    let app = TestApp::spawn().await;
    let pm = app.token(who::EMS_PM).await;
    let quality = app.token(who::EMS_QUALITY).await;
    let (_, build, serial) = pilot_with_unit(&app, "FAI2").await;
    let create = "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id } }";
    assert_eq!(app.gql(Some(&pm), create, json!({"i": {"buildId": build, "serial": serial, "reason": "NEW_PART", "scope": "FULL"}})).await.code(), Some("FORBIDDEN"));
    let foreign = app.gql(Some(&quality), create, json!({"i": {"buildId": build, "serial": "NOT-IN-BUILD", "reason": "NEW_PART", "scope": "FULL"}})).await;
    assert_eq!(
        foreign.code(),
        Some("BAD_USER_INPUT"),
        "the unit must belong to the build"
    );
    let id = app.gql(Some(&quality), create, json!({"i": {"buildId": build, "serial": serial, "reason": "DESIGN_CHANGE", "scope": "PARTIAL"}})).await.data()
        ["createFaiReport"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let report = app
        .gql(Some(&quality), REPORT, json!({"id": id}))
        .await
        .data()["faiReport"]
        .clone();
    fill_all(&app, &quality, &report).await;
    app.gql(
        Some(&quality),
        "mutation($id: ID!) { submitFaiReport(id: $id) { status } }",
        json!({"id": id}),
    )
    .await
    .data();
    let rejected = app
        .gql(
            Some(&pm),
            SIGN,
            json!({"id": id, "p": "firstpass-demo", "m": "REJECTED", "r": "C1 value not verified"}),
        )
        .await;
    assert_eq!(rejected.data()["signFaiReport"]["status"], "DRAFT");
    // Back in DRAFT it can change again; the rejection stays on record.
    fill_all(&app, &quality, &report).await;
    let again = app
        .gql(Some(&quality), REPORT, json!({"id": id}))
        .await
        .data()["faiReport"]
        .clone();
    assert_eq!(again["signatures"][0]["meaning"], "REJECTED");
    assert_eq!(again["signatures"][0]["reason"], "C1 value not verified");
    let audit = app.token(who::EMS_ADMIN).await;
    let trail = app
        .gql(
            Some(&audit),
            "{ auditEvents(first: 100) { edges { node { action before after } } } }",
            json!({}),
        )
        .await;
    let trail = trail.data().to_string();
    assert!(
        trail.contains("fai.sign") && trail.contains("fai.update_characteristics"),
        "every change with before and after"
    );
}

#[tokio::test]
async fn class_3_asks_for_more() {
    let app = TestApp::spawn().await;
    let quality = app.token(who::EMS_QUALITY).await;
    // A class 3 board whose U1 is a bottom-terminated QFN.
    let mut files =
        firstpass_shared::cad::fixtures::board(firstpass_shared::cad::fixtures::Style::KiCad);
    for (name, bytes) in files.iter_mut() {
        if name.ends_with("bom.csv") {
            *bytes = String::from_utf8_lossy(bytes)
                .replace("SOIC-8", "QFN-16")
                .into_bytes();
        }
    }
    let package = app.accepted_package_with("FAI3", "CLASS_3", &files).await;
    let (build, serial) = pilot_on(&app, &package, "FAI3").await;
    let id = app
        .gql(Some(&quality), "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id } }",
            json!({"i": {"buildId": build, "serial": serial, "reason": "NEW_PART", "scope": "FULL"}}))
        .await
        .data()["createFaiReport"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let report = app
        .gql(Some(&quality), REPORT, json!({"id": id}))
        .await
        .data()["faiReport"]
        .clone();
    let form1 = &report["accountability"]["form1"];
    assert_eq!(form1["ipcClass"], "CLASS_3");
    let additions = form1["class3Additions"].to_string();
    assert!(
        additions.contains("X-ray evidence for U1") && additions.contains("workmanship"),
        "{additions}"
    );
    let characteristics = report["characteristics"].as_array().expect("c");
    assert!(characteristics
        .iter()
        .any(|c| c["kind"] == "XRAY" && c["designator"] == "U1"));
    assert!(characteristics.iter().all(|c| c["criteria"]
        .as_str()
        .unwrap_or_default()
        .contains("Class 3")));
}

/// Creates a report on a fresh pilot unit and reads it back.
/// A DRAFT FAI report of a new pilot build's first unit, as `REPORT` reads it.
pub(crate) async fn drafted(app: &TestApp, quality: &str, part: &str) -> Value {
    let (_, build, serial) = pilot_with_unit(app, part).await;
    let id = app
        .gql(Some(quality), "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id } }",
            json!({"i": {"buildId": build, "serial": serial, "reason": "NEW_PART", "scope": "FULL"}}))
        .await
        .data()["createFaiReport"]["id"]
        .clone();
    app.gql(Some(quality), REPORT, json!({"id": id}))
        .await
        .data()["faiReport"]
        .clone()
}

async fn content_hash_of(app: &TestApp, token: &str, id: &Value) -> String {
    app.gql(
        Some(token),
        "query($id: ID!) { faiReport(id: $id) { contentHash } }",
        json!({"id": id}),
    )
    .await
    .data()["faiReport"]["contentHash"]
        .as_str()
        .expect("hash")
        .to_owned()
}

#[tokio::test]
async fn the_content_hash_is_stable_and_follows_the_results() {
    let app = TestApp::spawn().await;
    let quality = app.token(who::EMS_QUALITY).await;
    let report = drafted(&app, &quality, "FAIH").await;
    let id = report["id"].clone();
    let hash = content_hash_of(&app, &quality, &id).await;
    assert_eq!(hash.len(), 64, "{hash}");
    assert_eq!(hash, report["contentHash"].as_str().expect("hash"));
    assert_eq!(
        content_hash_of(&app, &quality, &id).await,
        hash,
        "the same record hashes the same on every read"
    );
    let verify = "query($id: ID!) { verifyFaiReport(id: $id) { valid contentHash } }";
    let v = app
        .gql(Some(&quality), verify, json!({"id": id}))
        .await
        .data()["verifyFaiReport"]
        .clone();
    assert_eq!(v["contentHash"], hash.as_str());
    assert_eq!(v["valid"], false, "nothing signed yet");

    // A characteristic's result goes into the hash; setting it back restores the hash.
    let update = "mutation($r: ID!, $u: [FaiCharacteristicUpdate!]!) { updateFaiCharacteristics(reportId: $r, updates: $u) { contentHash } }";
    let first = report["characteristics"][0]["id"].clone();
    fill_all(&app, &quality, &report).await;
    let filled = content_hash_of(&app, &quality, &id).await;
    assert_ne!(filled, hash, "results change the content");
    let changed = app
        .gql(Some(&quality), update, json!({"r": id, "u": [{"id": first, "result": "Wrong value", "status": "FAIL", "nonconformanceRef": "NCR-1"}]}))
        .await
        .data()["updateFaiCharacteristics"]["contentHash"]
        .as_str()
        .expect("hash")
        .to_owned();
    assert_ne!(changed, filled, "a changed result changes the hash");
    app.gql(
        Some(&quality),
        update,
        json!({"r": id, "u": [{"id": first, "result": "Conforms", "status": "PASS"}]}),
    )
    .await
    .data();
    assert_eq!(content_hash_of(&app, &quality, &id).await, filled);

    // Workflow state is not content: submitting leaves the hash as it was.
    app.gql(
        Some(&quality),
        "mutation($id: ID!) { submitFaiReport(id: $id) { status } }",
        json!({"id": id}),
    )
    .await
    .data();
    assert_eq!(content_hash_of(&app, &quality, &id).await, filled);
}

#[tokio::test]
async fn a_signature_made_before_canonical_json_still_verifies() {
    use firstpass_api::entities::{fai_report, signature};
    use firstpass_api::fai::content;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

    let app = TestApp::spawn().await;
    let quality = app.token(who::EMS_QUALITY).await;
    let pm = app.token(who::EMS_PM).await;
    let report = drafted(&app, &quality, "FAIJ").await;
    let id = report["id"].as_str().expect("id").to_owned();
    let uuid = uuid::Uuid::parse_str(&id).expect("uuid");
    // A report stored with a measurement serde_json wrote as `5.0`, where RFC 8785 writes `5`.
    let row = fai_report::Entity::find_by_id(uuid)
        .one(&app.state.db)
        .await
        .expect("load")
        .expect("row");
    assert!(
        row.accountability.contains("3.31"),
        "{}",
        row.accountability
    );
    let mut active: fai_report::ActiveModel = row.clone().into();
    active.accountability = Set(row.accountability.replace("3.31", "5.0"));
    active.update(&app.state.db).await.expect("store");
    fill_all(&app, &quality, &report).await;
    app.gql(
        Some(&quality),
        "mutation($id: ID!) { submitFaiReport(id: $id) { status } }",
        json!({"id": id}),
    )
    .await
    .data();
    let signed = app
        .gql(
            Some(&pm),
            SIGN,
            json!({"id": id, "p": "firstpass-demo", "m": "APPROVED", "r": "Verified"}),
        )
        .await;
    assert_eq!(signed.data()["signFaiReport"]["status"], "EMS_APPROVED");

    // Make the signature what the old code recorded: the legacy hash of the same content.
    let row = fai_report::Entity::find_by_id(uuid)
        .one(&app.state.db)
        .await
        .expect("load")
        .expect("row");
    let now = content::content(&app.state.db, &row)
        .await
        .expect("content");
    let legacy = content::legacy_hash(&now).expect("legacy");
    let canonical = content::hash(&now).expect("hash");
    assert_ne!(legacy, canonical, "the bytes differ on 5.0");
    let sig = signature::Entity::find()
        .filter(signature::Column::RecordId.eq(uuid))
        .one(&app.state.db)
        .await
        .expect("load")
        .expect("signature");
    assert_eq!(sig.content_hash, canonical, "new signatures use RFC 8785");
    let mut active: signature::ActiveModel = sig.into();
    active.content_hash = Set(legacy);
    let sig = active.update(&app.state.db).await.expect("store");

    let verify =
        "query($id: ID!) { verifyFaiReport(id: $id) { valid contentHash signatures { valid } } }";
    let v = app.gql(Some(&pm), verify, json!({"id": id})).await.data()["verifyFaiReport"].clone();
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["contentHash"], canonical.as_str());
    assert_eq!(v["signatures"][0]["valid"], true);

    // Neither hash of a changed record matches it.
    let mut active: signature::ActiveModel = sig.into();
    active.content_hash = Set("0".repeat(64));
    active.update(&app.state.db).await.expect("store");
    let v = app.gql(Some(&pm), verify, json!({"id": id})).await.data()["verifyFaiReport"].clone();
    assert_eq!(v["valid"], false, "{v}");
}

/// The text of a PDF as `pdftotext` (poppler-utils) extracts it, or `None` when the tool is
/// missing and `FIRSTPASS_REQUIRE_PDFTOTEXT` is not set (CI sets it and installs the tool).
pub(crate) fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, bytes).expect("write pdf");
    match std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "pdftotext: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8(out.stdout).expect("UTF-8 text"))
        }
        Err(e) => {
            assert!(
                std::env::var_os("FIRSTPASS_REQUIRE_PDFTOTEXT").is_none(),
                "pdftotext is required here: {e}"
            );
            eprintln!("skipped the PDF text checks: pdftotext not found ({e})");
            None
        }
    }
}

#[tokio::test]
async fn the_pdf_has_the_three_forms_unicode_text_and_every_signer() {
    let app = TestApp::spawn().await;
    let pm = app.token(who::EMS_PM).await;
    let quality = app.token(who::EMS_QUALITY).await;
    let admin = app.token(who::ACME_ADMIN).await;
    // A customer engineer whose printed name needs more than Latin-1.
    let email = "zoe@acme.example";
    let name = "Zoë Ångström-Łukasiewicz";
    app.gql(
        Some(&admin),
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        json!({"i": {"email": email, "fullName": name, "role": "OEM_ENGINEER", "password": "firstpass-demo"}}),
    )
    .await
    .data();
    let oem = app.token(email).await;
    let (_, build, serial) = pilot_with_unit(&app, "PDF1").await;
    let id = app
        .gql(Some(&quality), "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id } }",
            json!({"i": {"buildId": build, "serial": serial, "reason": "NEW_PART", "scope": "FULL"}}))
        .await
        .data()["createFaiReport"]["id"]
        .clone();
    app.gql(Some(&quality), "mutation($i: AddFaiCharacteristicInput!) { addFaiCharacteristic(input: $i) { id } }",
        json!({"i": {"reportId": id, "kind": "OTHER", "requirement": "C7 bulk capacitance 100µF ± 10 % at 25 °C", "method": "LCR meter at 120 Hz, 1 kΩ source", "designator": "C7"}}))
        .await
        .data();
    let report = app
        .gql(Some(&quality), REPORT, json!({"id": id}))
        .await
        .data()["faiReport"]
        .clone();
    let updates: Vec<Value> = report["characteristics"]
        .as_array()
        .expect("characteristics")
        .iter()
        .map(|c| {
            let result = if c["designator"] == "C7" {
                "100µF"
            } else {
                "Conforms"
            };
            json!({"id": c["id"], "result": result, "status": "PASS"})
        })
        .collect();
    app.gql(Some(&quality), "mutation($r: ID!, $u: [FaiCharacteristicUpdate!]!) { updateFaiCharacteristics(reportId: $r, updates: $u) { id } }",
        json!({"r": id, "u": updates}))
        .await
        .data();
    app.gql(
        Some(&quality),
        "mutation($id: ID!) { submitFaiReport(id: $id) { status } }",
        json!({"id": id}),
    )
    .await
    .data();
    app.gql(
        Some(&pm),
        SIGN,
        json!({"id": id, "p": "firstpass-demo", "m": "APPROVED", "r": "Verified on the line"}),
    )
    .await
    .data();
    let signed = app
        .gql(Some(&oem), SIGN, json!({"id": id, "p": "firstpass-demo", "m": "APPROVED", "r": "Accepted for the customer"}))
        .await;
    assert_eq!(signed.data()["signFaiReport"]["status"], "APPROVED");

    let pdf = app
        .http
        .get(format!("{}/fai/{}.pdf", app.base, id.as_str().expect("id")))
        .bearer_auth(&oem)
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(
        bytes.len() < 400_000,
        "the font is embedded as a subset: {} bytes",
        bytes.len()
    );
    // Kept beside the browser screenshots for a person to look at.
    let output = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../e2e/output");
    if std::fs::create_dir_all(&output).is_ok() {
        let _ = std::fs::write(output.join("fai-report.pdf"), &bytes);
    }
    let Some(text) = pdf_text(&bytes) else {
        return;
    };
    for needle in [
        "Form 1",
        "Part Number Accountability",
        "Form 2",
        "Product Accountability",
        "Form 3",
        "Characteristic Accountability",
        "100µF",
        "± 10 %",
        "25 °C",
        "1 kΩ",
        "Pat Program-Manager",
        name,
        "New part",
        "Class 2",
        "Verified on the line",
        "Page 1 of",
        "Revision",
    ] {
        assert!(text.contains(needle), "{needle:?} is missing from:\n{text}");
    }
    assert!(
        text.contains(&format!("Report {}", id.as_str().expect("id"))),
        "the report id heads the pages"
    );
}

#[tokio::test]
async fn a_scrapped_unit_is_no_first_article() {
    let app = TestApp::spawn().await;
    let quality = app.token(who::EMS_QUALITY).await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let (_, build, serial) = pilot_with_unit(&app, "SCRAP1").await;
    app.gql(Some(&operator), "mutation($i: DefectInput!) { recordDefect(input: $i) { unit { status } } }",
        json!({"i": {"serial": serial, "station": "FCT", "designator": "U1", "code": "OTHER", "description": "cracked board", "disposition": "SCRAP"}}))
        .await
        .data();
    let refused = app
        .gql(Some(&quality), "mutation($i: CreateFaiReportInput!) { createFaiReport(input: $i) { id } }",
            json!({"i": {"buildId": build, "serial": serial, "reason": "NEW_PART", "scope": "FULL"}}))
        .await;
    assert_eq!(refused.code(), Some("CONFLICT"), "{}", refused.body);
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("scrapped"),
        "{}",
        refused.body
    );
}
