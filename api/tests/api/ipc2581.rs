//! IPC-2581 input through the API: the fixture board as one IPC-2581 file gives the same board
//! size, layer count, placements and BOM lines as its Gerber + CSV set.

use crate::harness::{who, TestApp};
use firstpass_shared::cad::fixtures::{self, Style};
use serde_json::{json, Value};

const PACKAGE: &str = "query($id: ID!) { npiPackage(id: $id) {
    files { name kind } board { widthMm heightMm layerCount svgTop }
    layers { function file { name } }
    placements { designator xMm yMm side } bomLines { designators mpn value dnp }
    findings { severity code message } } }";

fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .expect("list")
        .iter()
        .map(Value::to_string)
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn ipc2581_reads_like_the_gerber_set() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let xml_pkg = app.draft_package(&oem, "IPC-1").await;
    app.upload(
        Some(&oem),
        &xml_pkg,
        &[("board.xml".into(), fixtures::ipc2581_board())],
    )
    .await
    .data();
    let gerber_pkg = app.draft_package(&oem, "IPC-2").await;
    app.upload(Some(&oem), &gerber_pkg, &fixtures::board(Style::KiCad))
        .await
        .data();
    let xml = app
        .gql(Some(&oem), PACKAGE, json!({"id": xml_pkg}))
        .await
        .data()["npiPackage"]
        .clone();
    let gerbers = app
        .gql(Some(&oem), PACKAGE, json!({"id": gerber_pkg}))
        .await
        .data()["npiPackage"]
        .clone();
    assert_eq!(
        xml["files"],
        json!([{"name": "board.xml", "kind": "IPC2581"}])
    );
    for f in ["widthMm", "heightMm", "layerCount"] {
        assert_eq!(xml["board"][f], gerbers["board"][f], "{f}");
    }
    assert!(xml["board"]["svgTop"]
        .as_str()
        .is_some_and(|s| s.contains("<circle")));
    assert_eq!(sorted(&xml["placements"]), sorted(&gerbers["placements"]));
    assert_eq!(sorted(&xml["bomLines"]), sorted(&gerbers["bomLines"]));
    let errors: Vec<&Value> = xml["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "ERROR")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let broken = app
        .upload(
            Some(&oem),
            &xml_pkg,
            &[(
                "board.xml".into(),
                b"<IPC-2581><Ecad><CadHeader units=\"FURLONG\"/></Ecad></IPC-2581>".to_vec(),
            )],
        )
        .await;
    let codes: Vec<&str> = broken.data()["uploadPackageFiles"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"IPC2581_PARSE_ERROR"), "{codes:?}");
}
