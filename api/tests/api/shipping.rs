//! Shipping: 2,000 finished gateways ship in 40 cartons on 4 pallets to the OEM's 3PL; the
//! advance ship notice lists exactly those serials per carton and reconciles to the build.

use crate::harness::{who, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const ROUTING: &str = r#"[{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "AOI", "name": "AOI"}]"#;

async fn build_of(app: &TestApp, pm: &str, package: &str, phase: &str, quantity: i32) -> String {
    let routing: Value = serde_json::from_str(ROUTING).expect("routing");
    let made = app
        .gql(Some(pm), "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": phase, "quantity": quantity, "dueDate": "2099-06-30", "routing": routing}}))
        .await;
    made.data()["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned()
}

#[tokio::test]
async fn two_thousand_units_ship_in_forty_cartons_with_an_asn() {
    let app = TestApp::spawn().await;
    let package = app.accepted_package("GW-SHIP").await;
    let pm = app.token(who::EMS_PM).await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let pilot = build_of(&app, &pm, &package, "PILOT", 1).await;
    app.gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 1, pattern: \"FA-{SEQ:2}\") { serial } }", json!({"b": pilot}))
        .await
        .data();
    let fai = app.approved_fai(&pilot, "FA-01").await;
    let build = build_of(&app, &pm, &package, "PRODUCTION", 2000).await;
    let made = app
        .gql(Some(&pm), "mutation($b: ID!) { serializeUnits(buildId: $b, count: 2000, pattern: \"GW-{SEQ:6}\") { serial } }", json!({"b": build}))
        .await;
    let serials: Vec<String> = made.data()["serializeUnits"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["serial"].as_str().expect("serial").to_owned())
        .collect();
    assert_eq!(serials.len(), 2000);
    for station in ["SMT", "AOI"] {
        let results: Vec<Value> = serials
            .iter()
            .map(|s| json!({"serial": s, "station": station, "result": "PASS"}))
            .collect();
        app.gql(
            Some(&pm),
            "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { unit { status } } }",
            json!({"i": results}),
        )
        .await
        .data();
    }

    // The OEM keeps its 3PL's address; the EMS ships there.
    let address = app
        .gql(Some(&oem), "mutation($i: ShipToAddressInput!) { addShipToAddress(input: $i) { id label } }",
            json!({"i": {"name": "Acme c/o Sierra 3PL", "street": "1200 Logistics Way", "city": "Reno", "region": "NV", "postalCode": "89502", "country": "us"}}))
        .await;
    let address_id = address.data()["addShipToAddress"]["id"]
        .as_str()
        .expect("address")
        .to_owned();
    assert_eq!(
        address.data()["addShipToAddress"]["label"],
        "Acme c/o Sierra 3PL, 1200 Logistics Way, Reno NV 89502, US"
    );
    let seen_by_ems = app
        .gql(Some(&pm), "{ shipToAddresses { id } }", json!({}))
        .await;
    assert_eq!(
        seen_by_ems.data()["shipToAddresses"],
        json!([{"id": address_id}])
    );

    let cartons: Vec<Value> = serials
        .chunks(50)
        .enumerate()
        .map(|(i, chunk)| json!({"serials": chunk, "pallet": i / 10 + 1, "weightKg": 12.5}))
        .collect();
    assert_eq!(cartons.len(), 40);
    let create = "mutation($i: CreateShipmentInput!) { createShipment(input: $i) { id customerPo cartons { number pallet serials } } }";
    let twice = {
        let mut c = cartons.clone();
        c[1]["serials"][0] = c[0]["serials"][0].clone();
        c
    };
    let refused = app
        .gql(Some(&pm), create, json!({"i": {"buildId": build, "shipToAddressId": address_id, "carrier": "UPS", "trackingNumber": "1Z999AA10123456784", "cartons": twice}}))
        .await;
    assert_eq!(refused.code(), Some("BAD_USER_INPUT"));
    let shipped = app
        .gql(Some(&pm), create, json!({"i": {"buildId": build, "shipToAddressId": address_id, "customerPo": "ACME-PO-7781", "requestedDate": "2099-07-10",
            "carrier": "UPS", "trackingNumber": "1Z999AA10123456784", "cartons": cartons}}))
        .await;
    let shipment = shipped.data()["createShipment"].clone();
    let shipment_id = shipment["id"].as_str().expect("shipment").to_owned();
    assert_eq!(shipment["cartons"].as_array().map(Vec::len), Some(40));
    assert_eq!(shipment["cartons"][39]["pallet"], 4);

    // The ASN, as the OEM receives it: every serial once, in the carton it was packed in.
    let asn = app
        .gql(
            Some(&oem),
            "query($id: ID!) { shipment(id: $id) { asn asnCsv } }",
            json!({"id": shipment_id}),
        )
        .await;
    let doc = asn.data()["shipment"]["asn"].clone();
    assert_eq!(doc["shipment"]["cartonCount"], 40);
    assert_eq!(doc["shipment"]["palletCount"], 4);
    assert_eq!(doc["shipment"]["unitCount"], 2000);
    assert_eq!(doc["shipment"]["grossWeightKg"].as_f64(), Some(500.0));
    assert_eq!(doc["shipment"]["shipTo"]["city"], "Reno");
    assert_eq!(doc["shipment"]["shipFrom"], "Northwind EMS");
    assert_eq!(doc["order"]["customerPo"], "ACME-PO-7781");
    assert_eq!(doc["order"]["buildId"], build);
    assert_eq!(doc["order"]["onTime"], true);
    assert_eq!(doc["item"]["partNumber"], "GW-SHIP");
    assert_eq!(doc["item"]["quantity"], 2000);
    for (i, pack) in doc["packs"].as_array().expect("packs").iter().enumerate() {
        let expected: Vec<&str> = serials[i * 50..(i + 1) * 50]
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(pack["carton"], i + 1);
        assert_eq!(pack["serials"], json!(expected), "carton {}", i + 1);
    }
    let csv = asn.data()["shipment"]["asnCsv"]
        .as_str()
        .expect("csv")
        .to_owned();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 2000);
    let in_csv: BTreeSet<&str> = rows.iter().filter_map(|r| r.rsplit(',').next()).collect();
    let built: BTreeSet<&str> = serials.iter().map(String::as_str).collect();
    assert_eq!(in_csv, built, "the ASN reconciles to the build");

    // The certificate of conformance: EMS quality signs it (password again, once); its PDF
    // names the revision, the classes, the first article and the signer.
    let quality = app.token(who::EMS_QUALITY).await;
    let sign = "mutation($s: ID!, $p: String!) { signCertificateOfConformance(shipmentId: $s, password: $p) { signer { printedName } contentHash } }";
    let wrong = app
        .gql(
            Some(&quality),
            sign,
            json!({"s": shipment_id, "p": "not-the-password"}),
        )
        .await;
    assert_eq!(wrong.code(), Some("FORBIDDEN"));
    let by_pm = app
        .gql(
            Some(&pm),
            sign,
            json!({"s": shipment_id, "p": "firstpass-demo"}),
        )
        .await;
    assert_eq!(by_pm.code(), Some("FORBIDDEN"));
    let unsigned = app
        .gql(Some(&oem), "query($id: ID!) { shipment(id: $id) { certificate { signed valid faiReportId pdfUrl } } }", json!({"id": shipment_id}))
        .await;
    let cert = unsigned.data()["shipment"]["certificate"].clone();
    assert_eq!(cert["signed"], false);
    assert_eq!(cert["faiReportId"], fai.as_str());
    let signed = app
        .gql(
            Some(&quality),
            sign,
            json!({"s": shipment_id, "p": "firstpass-demo"}),
        )
        .await;
    let signature = signed.data()["signCertificateOfConformance"].clone();
    assert_eq!(signature["signer"]["printedName"], "Quinn Quality");
    let twice = app
        .gql(
            Some(&quality),
            sign,
            json!({"s": shipment_id, "p": "firstpass-demo"}),
        )
        .await;
    assert_eq!(twice.code(), Some("CONFLICT"));
    let seen = app
        .gql(Some(&oem), "query($id: ID!) { shipment(id: $id) { certificate { signed valid contentHash pdfUrl signatures { signer { printedName } valid } } } }", json!({"id": shipment_id}))
        .await;
    let cert = seen.data()["shipment"]["certificate"].clone();
    assert_eq!(cert["signed"], true);
    assert_eq!(cert["valid"], true);
    assert_eq!(cert["contentHash"], signature["contentHash"]);
    let pdf = app
        .http
        .get(format!(
            "{}{}",
            app.base,
            cert["pdfUrl"].as_str().expect("url")
        ))
        .bearer_auth(&oem)
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"%PDF-"));
    let output = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../e2e/output");
    if std::fs::create_dir_all(&output).is_ok() {
        let _ = std::fs::write(output.join("certificate-of-conformance.pdf"), &bytes);
    }
    if let Some(text) = crate::fai::pdf_text(&bytes) {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            "Certificate of Conformance",
            "GW-SHIP",
            "Revision A",
            "IPC-A-610 Class 2",
            fai.as_str(),
            "Quinn Quality",
            "ACME-PO-7781",
            "Serials shipped (2000)",
            serials[0].as_str(),
            serials[1999].as_str(),
        ] {
            assert!(
                flat.contains(needle),
                "the certificate names {needle}: {flat}"
            );
        }
    }
    let globex = app.token(who::GLOBEX_ADMIN).await;
    let foreign = app
        .http
        .get(format!(
            "{}/shipments/{shipment_id}/certificate.pdf",
            app.base
        ))
        .bearer_auth(&globex)
        .send()
        .await
        .expect("pdf");
    assert_eq!(foreign.status(), 404);
    let asn_file = app
        .http
        .get(format!("{}/shipments/{shipment_id}/asn.csv", app.base))
        .bearer_auth(&oem)
        .send()
        .await
        .expect("csv");
    assert_eq!(asn_file.status(), 200);
    assert_eq!(asn_file.text().await.expect("csv"), csv);

    // On-time delivery: shipped by the build's due date; judged against the requested date
    // once delivered.
    let on_time = "query($id: ID!) { shipment(id: $id) { onTime { dueDate requestedDate toDueDate toRequestedDate deliveredOn } } }";
    let before = app
        .gql(Some(&oem), on_time, json!({"id": shipment_id}))
        .await;
    assert_eq!(
        before.data()["shipment"]["onTime"],
        json!({"dueDate": "2099-06-30", "requestedDate": "2099-07-10", "toDueDate": true, "toRequestedDate": null, "deliveredOn": null})
    );
    app.gql(
        Some(&pm),
        "mutation($id: ID!) { recordShipmentDelivered(shipmentId: $id) { deliveredAt } }",
        json!({"id": shipment_id}),
    )
    .await
    .data();
    let after = app
        .gql(Some(&oem), on_time, json!({"id": shipment_id}))
        .await;
    assert_eq!(after.data()["shipment"]["onTime"]["toRequestedDate"], true);
    let score = app
        .gql(Some(&oem), "query($b: ID!) { deliveryPerformance(filter: {buildId: $b}) { shipments onTimeToDueDate percentToDueDate judgedToRequestedDate onTimeToRequestedDate percentToRequestedDate } }", json!({"b": build}))
        .await;
    assert_eq!(
        score.data()["deliveryPerformance"],
        json!({"shipments": 1, "onTimeToDueDate": 1, "percentToDueDate": 100.0, "judgedToRequestedDate": 1, "onTimeToRequestedDate": 1, "percentToRequestedDate": 100.0})
    );
    assert_eq!(doc["order"]["requestedDate"], "2099-07-10");

    // Every unit of the build is SHIPPED in that shipment; nothing ships twice.
    let status = app
        .gql(
            Some(&oem),
            "query($b: ID!) { build(id: $b) { status } shipments(filter: {buildId: $b}) { id } }",
            json!({"b": build}),
        )
        .await;
    assert_eq!(status.data()["build"]["status"], "SHIPPED");
    assert_eq!(status.data()["shipments"], json!([{"id": shipment_id}]));
    let again = app
        .gql(Some(&pm), create, json!({"i": {"buildId": build, "shipToAddressId": address_id, "carrier": "UPS", "trackingNumber": "X",
            "cartons": [{"serials": [serials[0]]}]}}))
        .await;
    assert_eq!(again.code(), Some("CONFLICT"));

    // Another OEM sees neither the shipment nor the address, and cannot be shipped to here.
    let foreign = app
        .gql(
            Some(&globex),
            "query($id: ID!) { shipment(id: $id) { id } }",
            json!({"id": shipment_id}),
        )
        .await;
    assert_eq!(foreign.code(), Some("NOT_FOUND"));
    let none = app
        .gql(Some(&globex), "{ shipToAddresses { id } }", json!({}))
        .await;
    assert_eq!(none.data()["shipToAddresses"], json!([]));
}
