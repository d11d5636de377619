//! NPI packages over the API: upload, analysis, findings, review workflow, downloads, zips.

use crate::harness::{who, TestApp};
use firstpass_shared::cad::fixtures::{self, Style};
use serde_json::{json, Value};
use std::io::Write;

type Files = Vec<(String, Vec<u8>)>;

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            zip.start_file(name.as_str(), options).expect("start");
            zip.write_all(bytes).expect("write");
        }
        zip.finish().expect("finish");
    }
    buffer.into_inner()
}

const PACKAGE: &str = "query($id: ID!) { npiPackage(id: $id) { id status revision contentHash
    files { id name kind sizeBytes sha256 downloadUrl }
    layers { function side source file { name } }
    board { widthMm heightMm layerCount }
    bomLines { row designators mpn dnp }
    placements { designator xMm yMm side }
    findings { severity code message file line designator }
    submissions { number contentHash submittedBy { fullName organizationName } }
    reviews { decision comment reviewer { fullName } submissionNumber } } }";

fn codes(package: &Value) -> Vec<String> {
    package["findings"].as_array().map_or_else(Vec::new, |f| {
        f.iter()
            .map(|x| {
                format!(
                    "{}:{}",
                    x["severity"].as_str().unwrap_or(""),
                    x["code"].as_str().unwrap_or("")
                )
            })
            .collect()
    })
}

fn errors(package: &Value) -> Vec<String> {
    codes(package)
        .into_iter()
        .filter(|c| c.starts_with("ERROR"))
        .collect()
}

async fn package(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(Some(token), PACKAGE, json!({"id": id}))
        .await
        .data()["npiPackage"]
        .clone()
}

#[tokio::test]
async fn the_kicad_zip_story_from_upload_to_acceptance() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let pm = app.token(who::EMS_PM).await;
    let other = app.token(who::GLOBEX_ENGINEER).await;
    let id = app.draft_package(&oem, "GW-100").await;

    // The EMS does not see a draft at all.
    assert_eq!(
        app.gql(Some(&pm), PACKAGE, json!({"id": id})).await.code(),
        Some("NOT_FOUND")
    );

    // Upload the KiCad export as a zip, with a BOM whose quantity does not match.
    let mut files = fixtures::board(Style::KiCad);
    let broken = fixtures::broken_variants()
        .into_iter()
        .find(|b| b.expect.as_str() == "BOM_QTY_MISMATCH")
        .expect("variant");
    let bad_bom = broken
        .files
        .iter()
        .find(|(n, _)| n.ends_with("bom.csv"))
        .cloned()
        .expect("bom");
    let good_bom = files
        .iter()
        .find(|(n, _)| n.ends_with("bom.csv"))
        .cloned()
        .expect("bom");
    files.retain(|(n, _)| !n.ends_with("bom.csv"));
    files.push(bad_bom);
    let upload = app
        .upload(
            Some(&oem),
            &id,
            &[("gateway-kicad.zip".to_owned(), zip_of(&files))],
        )
        .await;
    let uploaded = upload.data()["uploadPackageFiles"].clone();
    assert_eq!(
        uploaded["files"].as_array().map(Vec::len),
        Some(files.len()),
        "every member is a file: {uploaded}"
    );

    let p = package(&app, &oem, &id).await;
    let layers = p["layers"].as_array().expect("layers");
    assert!(layers.len() >= 11, "{layers:?}");
    for layer in layers {
        assert_ne!(layer["function"], "UNKNOWN", "unidentified: {layer}");
        assert_eq!(
            layer["source"], "X2",
            "KiCad files carry X2 attributes: {layer}"
        );
    }
    let functions: Vec<&str> = layers
        .iter()
        .filter_map(|l| l["function"].as_str())
        .collect();
    for wanted in [
        "COPPER_TOP",
        "COPPER_BOTTOM",
        "OUTLINE",
        "DRILL_PLATED",
        "DRILL_NON_PLATED",
        "SOLDERMASK_TOP",
        "SILKSCREEN_TOP",
        "PASTE_TOP",
    ] {
        assert!(
            functions.contains(&wanted),
            "{wanted} missing from {functions:?}"
        );
    }
    assert!(
        (p["board"]["widthMm"].as_f64().expect("w") - 50.0).abs() < 0.1,
        "{}",
        p["board"]
    );
    assert!(
        (p["board"]["heightMm"].as_f64().expect("h") - 30.0).abs() < 0.1,
        "{}",
        p["board"]
    );
    assert_eq!(p["board"]["layerCount"], 2);
    assert!(!p["bomLines"].as_array().expect("bom").is_empty());
    assert!(!p["placements"].as_array().expect("placements").is_empty());
    assert!(
        errors(&p).contains(&"ERROR:BOM_QTY_MISMATCH".to_owned()),
        "{:?}",
        codes(&p)
    );
    let finding = p["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "BOM_QTY_MISMATCH")
        .expect("finding");
    assert!(
        finding["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("bom.csv"))
            && finding["line"].as_i64().is_some(),
        "{finding}"
    );

    // Submitting with an ERROR standing is refused.
    let submit = "mutation($id: ID!) { submitNpiPackage(id: $id) { status contentHash } }";
    let refused = app.gql(Some(&oem), submit, json!({"id": id})).await;
    assert_eq!(refused.code(), Some("CONFLICT"), "{}", refused.body);

    // Fix the BOM: the same name replaces the old file.
    let fixed = app
        .upload(Some(&oem), &id, &[(good_bom.0.clone(), good_bom.1.clone())])
        .await;
    let fixed = fixed.data()["uploadPackageFiles"].clone();
    assert_eq!(fixed["files"].as_array().map(Vec::len), Some(files.len()));
    assert!(errors(&fixed).is_empty(), "{:?}", codes(&fixed));

    let submitted = app.gql(Some(&oem), submit, json!({"id": id})).await;
    let submitted = submitted.data()["submitNpiPackage"].clone();
    assert_eq!(submitted["status"], "SUBMITTED");
    assert_eq!(submitted["contentHash"].as_str().map(str::len), Some(64));

    // Files are frozen now.
    let late = app
        .upload(
            Some(&oem),
            &id,
            &[("notes.txt".to_owned(), b"late".to_vec())],
        )
        .await;
    assert_eq!(late.code(), Some("CONFLICT"));

    // The EMS program manager sees it, reviews, accepts.
    let seen = package(&app, &pm, &id).await;
    assert_eq!(seen["status"], "SUBMITTED");
    let start = app
        .gql(
            Some(&pm),
            "mutation($id: ID!) { startReview(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(start.data()["startReview"]["status"], "IN_REVIEW");
    let accept = app
        .gql(
            Some(&pm),
            "mutation($id: ID!) { acceptNpiPackage(id: $id, comment: \"Looks good\") { status } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(accept.data()["acceptNpiPackage"]["status"], "ACCEPTED");
    let done = package(&app, &oem, &id).await;
    assert_eq!(done["reviews"][0]["decision"], "ACCEPT");
    assert_eq!(
        done["reviews"][0]["reviewer"]["fullName"],
        "Pat Program-Manager"
    );
    assert_eq!(
        done["submissions"][0]["submittedBy"]["organizationName"],
        "Acme Gateways"
    );

    // The other OEM sees none of it.
    assert_eq!(
        app.gql(Some(&other), PACKAGE, json!({"id": id}))
            .await
            .code(),
        Some("NOT_FOUND")
    );
    let list = app
        .gql(
            Some(&other),
            "{ npiPackages { edges { node { id } } } products { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list.data()["npiPackages"]["edges"], json!([]));
    assert_eq!(list.data()["products"]["edges"], json!([]));
}

#[tokio::test]
async fn every_style_as_loose_files_and_as_a_zip_is_identified() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    for (n, style) in [Style::KiCad, Style::Altium, Style::Eagle]
        .into_iter()
        .enumerate()
    {
        let files: Files = fixtures::board(style);
        for (m, as_zip) in [false, true].into_iter().enumerate() {
            let id = app.draft_package(&oem, &format!("STYLE-{n}-{m}")).await;
            let upload = if as_zip {
                vec![("export.zip".to_owned(), zip_of(&files))]
            } else {
                files.clone()
            };
            let result = app.upload(Some(&oem), &id, &upload).await;
            let p = result.data()["uploadPackageFiles"].clone();
            assert!(
                errors(&p).is_empty(),
                "{style:?} zip={as_zip}: {:?}",
                codes(&p)
            );
            let p = package(&app, &oem, &id).await;
            let unknown: Vec<&Value> = p["layers"]
                .as_array()
                .expect("layers")
                .iter()
                .filter(|l| l["function"] == "UNKNOWN")
                .collect();
            assert!(unknown.is_empty(), "{style:?} zip={as_zip}: {unknown:?}");
            assert!(
                (p["board"]["widthMm"].as_f64().unwrap_or(0.0) - 50.0).abs() < 0.1,
                "{style:?}: {}",
                p["board"]
            );
        }
    }
}

#[tokio::test]
async fn every_broken_variant_shows_its_finding_through_the_api() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    for (n, variant) in fixtures::broken_variants().into_iter().enumerate() {
        let id = app.draft_package(&oem, &format!("BROKEN-{n}")).await;
        let result = app.upload(Some(&oem), &id, &variant.files).await;
        let p = result.data()["uploadPackageFiles"].clone();
        let code = variant.expect.as_str();
        assert!(
            p["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .any(|f| f["code"] == code),
            "{}: expected {code} in {:?}",
            variant.name,
            codes(&p)
        );
    }
}

#[tokio::test]
async fn hostile_zips_are_refused_whole() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let id = app.draft_package(&oem, "ZIP-1").await;
    let good = (
        "board-F_Cu.gbr".to_owned(),
        fixtures::board(Style::KiCad)[0].1.clone(),
    );

    let traversal = zip_of(&[
        good.clone(),
        ("../../etc/evil.gbr".to_owned(), b"x".to_vec()),
    ]);
    let absolute = zip_of(&[good.clone(), ("/etc/evil.gbr".to_owned(), b"x".to_vec())]);
    let nested = zip_of(&[
        good.clone(),
        ("inner.zip".to_owned(), zip_of(std::slice::from_ref(&good))),
    ]);
    let bomb = zip_of(&[
        good.clone(),
        ("zeros.gbr".to_owned(), vec![b'0'; 5_000_000]),
    ]);
    let symlink = {
        let mut buffer = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buffer);
            let options = zip::write::SimpleFileOptions::default();
            zip.start_file(good.0.as_str(), options).expect("start");
            zip.write_all(&good.1).expect("write");
            zip.add_symlink("link.gbr", "/etc/passwd", options)
                .expect("symlink");
            zip.finish().expect("finish");
        }
        buffer.into_inner()
    };
    let garbage = b"PK\x03\x04 this is not really a zip".to_vec();
    for (what, bytes, needle) in [
        ("traversal", traversal, "leaves the archive"),
        ("absolute", absolute, "leaves the archive"),
        ("nested", nested, "archives inside archives"),
        ("bomb", bomb, "compression ratio"),
        ("symlink", symlink, "links"),
        ("garbage", garbage, "not a readable zip"),
    ] {
        let result = app
            .upload(Some(&oem), &id, &[(format!("{what}.zip"), bytes)])
            .await;
        assert_eq!(
            result.code(),
            Some("BAD_USER_INPUT"),
            "{what}: {}",
            result.body
        );
        let message = result.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains(needle), "{what}: {message}");
    }
    let p = package(&app, &oem, &id).await;
    assert_eq!(p["files"], json!([]), "nothing partial is left behind");
}

#[tokio::test]
async fn size_limits_name_themselves() {
    let app = TestApp::spawn_with(firstpass_api::config::Limits {
        max_file_bytes: 1_000_000,
        max_upload_bytes: 3_000_000,
        ..Default::default()
    })
    .await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let id = app.draft_package(&oem, "BIG-1").await;
    let big = app
        .upload_raw(
            Some(&oem),
            &id,
            &[("big.gbr".to_owned(), vec![b'G'; 1_500_000])],
        )
        .await;
    assert_eq!(big.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = big.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("FIRSTPASS_MAX_FILE_BYTES"),
        "{body}"
    );

    let many: Files = (0..4)
        .map(|i| (format!("part{i}.gbr"), vec![b'G'; 900_000]))
        .collect();
    let too_many = app.upload_raw(Some(&oem), &id, &many).await;
    assert_eq!(too_many.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = too_many.json().await.expect("json");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("FIRSTPASS_MAX_UPLOAD_BYTES"),
        "{body}"
    );
    let p = package(&app, &oem, &id).await;
    assert_eq!(p["files"], json!([]));
}

#[tokio::test]
async fn changes_requested_resubmission_revisions_and_illegal_transitions() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let pm = app.token(who::EMS_PM).await;
    let quality = app.token(who::EMS_QUALITY).await;
    let id = app.draft_package(&oem, "FLOW-1").await;
    app.upload(Some(&oem), &id, &fixtures::board(Style::KiCad))
        .await
        .data();

    let call = |token: String, op: &'static str, args: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            let query = format!("mutation($id: ID!) {{ {op}(id: $id{args}) {{ status }} }}");
            app.gql(Some(&token), &query, json!({"id": id})).await
        }
    };
    // Illegal: review a draft (the EMS cannot even see it), accept before review.
    assert_eq!(
        call(pm.clone(), "startReview", "").await.code(),
        Some("NOT_FOUND")
    );
    assert_eq!(
        call(oem.clone(), "submitNpiPackage", "").await.data()["submitNpiPackage"]["status"],
        "SUBMITTED"
    );
    let early = call(pm.clone(), "acceptNpiPackage", "").await;
    assert_eq!(early.code(), Some("CONFLICT"));
    let message = early.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("SUBMITTED") && message.contains("ACCEPTED"),
        "{message}"
    );
    assert_eq!(
        call(oem.clone(), "submitNpiPackage", "").await.code(),
        Some("CONFLICT")
    );
    assert_eq!(
        call(quality.clone(), "startReview", "").await.code(),
        Some("FORBIDDEN")
    );
    assert_eq!(
        call(oem.clone(), "startReview", "").await.code(),
        Some("FORBIDDEN")
    );

    call(pm.clone(), "startReview", "").await.data();
    let back = call(
        pm.clone(),
        "requestChanges",
        ", comment: \"C3 footprint is wrong\"",
    )
    .await;
    assert_eq!(back.data()["requestChanges"]["status"], "CHANGES_REQUESTED");
    // The OEM edits and submits again; both submissions stay on record.
    app.upload(
        Some(&oem),
        &id,
        &[("notes.txt".to_owned(), b"C3 fixed".to_vec())],
    )
    .await
    .data();
    call(oem.clone(), "submitNpiPackage", "").await.data();
    call(pm.clone(), "startReview", "").await.data();
    call(pm.clone(), "acceptNpiPackage", "").await.data();
    let p = package(&app, &oem, &id).await;
    assert_eq!(p["submissions"].as_array().map(Vec::len), Some(2));
    assert_ne!(
        p["submissions"][0]["contentHash"],
        p["submissions"][1]["contentHash"]
    );
    assert_eq!(p["reviews"][0]["decision"], "REQUEST_CHANGES");
    assert_eq!(p["reviews"][1]["submissionNumber"], 2);

    // Accepted is frozen for good; a design change is a new revision.
    assert_eq!(
        call(oem.clone(), "submitNpiPackage", "").await.code(),
        Some("CONFLICT")
    );
    let revision = app
        .gql(
            Some(&oem),
            "mutation($id: ID!) { createRevision(fromPackageId: $id, revision: \"B\") { id status revision files { name sha256 } } }",
            json!({"id": id}),
        )
        .await;
    let b = revision.data()["createRevision"].clone();
    assert_eq!(b["status"], "DRAFT");
    assert_eq!(
        b["files"].as_array().map(Vec::len),
        p["files"].as_array().map(Vec::len)
    );
    let b_id = b["id"].as_str().expect("id").to_owned();
    for op in ["submitNpiPackage"] {
        let q = format!("mutation($id: ID!) {{ {op}(id: $id) {{ status }} }}");
        app.gql(Some(&oem), &q, json!({"id": b_id})).await.data();
    }
    for op in ["startReview", "acceptNpiPackage"] {
        let q = format!("mutation($id: ID!) {{ {op}(id: $id) {{ status }} }}");
        app.gql(Some(&pm), &q, json!({"id": b_id})).await.data();
    }
    assert_eq!(package(&app, &oem, &id).await["status"], "SUPERSEDED");
    let dup = app
        .gql(
            Some(&oem),
            "mutation($id: ID!) { createRevision(fromPackageId: $id, revision: \"b\") { id } }",
            json!({"id": b_id}),
        )
        .await;
    assert_eq!(
        dup.code(),
        Some("CONFLICT"),
        "revision labels are unique per product"
    );

    // Comments from both sides, anchored.
    let comment = "mutation($id: ID!, $a: CommentAnchorInput) { addPackageComment(packageId: $id, body: \"Check C3\", anchor: $a) { author { fullName organizationName } anchor { file designator } } }";
    let c = app
        .gql(
            Some(&pm),
            comment,
            json!({"id": id, "a": {"designator": "C3"}}),
        )
        .await;
    assert_eq!(
        c.data()["addPackageComment"]["author"]["organizationName"],
        "Northwind EMS"
    );
    let bad = app
        .gql(
            Some(&oem),
            comment,
            json!({"id": id, "a": {"file": "nope.gbr"}}),
        )
        .await;
    assert_eq!(bad.code(), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn files_download_to_those_who_may_see_them() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let other = app.token(who::GLOBEX_ENGINEER).await;
    let id = app.draft_package(&oem, "DL-1").await;
    let files = fixtures::board(Style::KiCad);
    let uploaded = app.upload(Some(&oem), &id, &files[..1]).await;
    let file = uploaded.data()["uploadPackageFiles"]["files"][0].clone();
    let url = format!("{}/files/{}", app.base, file["id"].as_str().expect("id"));

    let response = app
        .http
        .get(&url)
        .bearer_auth(&oem)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(disposition.contains(&files[0].0), "{disposition}");
    let bytes = response.bytes().await.expect("bytes");
    assert_eq!(bytes.as_ref(), files[0].1.as_slice());
    use sha2::Digest;
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        file["sha256"].as_str().expect("sha")
    );

    assert_eq!(
        app.http
            .get(&url)
            .bearer_auth(&other)
            .send()
            .await
            .expect("get")
            .status(),
        404
    );
    assert_eq!(app.http.get(&url).send().await.expect("get").status(), 401);
    let missing = format!("{}/files/{}", app.base, uuid::Uuid::now_v7());
    assert_eq!(
        app.http
            .get(&missing)
            .bearer_auth(&oem)
            .send()
            .await
            .expect("get")
            .status(),
        404
    );
}

#[tokio::test]
async fn layers_render_to_svg_and_unknown_layers_can_be_named() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let id = app.draft_package(&oem, "SVG-1").await;
    let mut files = fixtures::board(Style::KiCad);
    // A copper layer under a name no convention knows and without X2.
    let (_, bytes) = files
        .iter()
        .find(|(n, _)| n.ends_with("B_Cu.gbr"))
        .cloned()
        .expect("bottom");
    files.retain(|(n, _)| !n.ends_with("B_Cu.gbr"));
    let stripped: String = String::from_utf8_lossy(&bytes)
        .lines()
        .filter(|l| !l.starts_with("%TF"))
        .collect::<Vec<_>>()
        .join("\n");
    files.push(("mystery-layer.art".to_owned(), stripped.into_bytes()));
    let uploaded = app.upload(Some(&oem), &id, &files).await;
    let p = uploaded.data()["uploadPackageFiles"].clone();
    assert!(
        codes(&p).contains(&"WARNING:LAYER_FUNCTION_UNKNOWN".to_owned()),
        "{:?}",
        codes(&p)
    );
    let file_id = p["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["name"] == "mystery-layer.art")
        .expect("file")["id"]
        .clone();
    let set = app
        .gql(
            Some(&oem),
            "mutation($f: ID!) { setLayerFunction(fileId: $f, function: COPPER_BOTTOM) { findings { code } layers { function source file { name } } board { layerCount } } }",
            json!({"f": file_id}),
        )
        .await;
    let set = set.data()["setLayerFunction"].clone();
    assert!(
        !set["findings"]
            .to_string()
            .contains("LAYER_FUNCTION_UNKNOWN"),
        "{}",
        set["findings"]
    );
    assert_eq!(set["board"]["layerCount"], 2);
    let layer = set["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .find(|l| l["file"]["name"] == "mystery-layer.art")
        .cloned()
        .expect("layer");
    assert_eq!(layer["source"], "USER");

    let svg = app
        .gql(
            Some(&oem),
            "query($id: ID!) { npiPackage(id: $id) { board { svgTop svgBottom } layers { svg } } }",
            json!({"id": id}),
        )
        .await;
    let svg = svg.data()["npiPackage"].clone();
    assert!(svg["board"]["svgTop"]
        .as_str()
        .is_some_and(|s| s.starts_with("<svg") && s.contains("viewBox")));
    assert!(svg["board"]["svgBottom"]
        .as_str()
        .is_some_and(|s| s.starts_with("<svg")));
    assert!(svg["layers"][0]["svg"]
        .as_str()
        .is_some_and(|s| s.starts_with("<svg")));
}
