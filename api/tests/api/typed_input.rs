//! Validated identifiers at the service boundary: a serial, MPN, lot code, designator or name
//! with a control character, or longer than its limit, is refused with `BAD_USER_INPUT` and the
//! sentence of `IdentifierError`, and nothing of the call is stored. Runs on SQLite, and on
//! PostgreSQL with `TEST_DATABASE_URL`.

use crate::harness::{who, Gql, TestApp};
use firstpass_api::entities::{
    api_token, build, component_lot, defect, lot_usage, product, station_event, unit, user,
};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

const ROUTING: &str = r#"[{"kind": "SMT_TOP", "name": "SMT"}, {"kind": "AOI", "name": "AOI"}]"#;

/// Rows of an entity, all organizations together.
async fn count<E>(app: &TestApp) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    E::find().count(&app.state.db).await.expect("count")
}

/// Asserts a refusal with `BAD_USER_INPUT` and exactly this message.
fn refused(result: &Gql, message: &str) {
    assert_eq!(result.code(), Some("BAD_USER_INPUT"), "{}", result.body);
    assert_eq!(
        result.body["errors"][0]["message"].as_str(),
        Some(message),
        "{}",
        result.body
    );
}

fn control(noun: &str) -> String {
    format!("the {noun} contains the control character U+0009, which is not allowed")
}

fn too_long(noun: &str, max: usize, chars: usize) -> String {
    format!("the {noun} must have at most {max} characters (it has {chars})")
}

/// A planned two-station build of a fresh accepted package, with `serials` added.
async fn build_with_units(app: &TestApp, part_number: &str, serials: &[&str]) -> String {
    let pm = app.token(who::EMS_PM).await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let package = app.accepted_package(part_number).await;
    let routing: Value = serde_json::from_str(ROUTING).expect("routing");
    let build = app
        .gql(
            Some(&pm),
            "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 10, "dueDate": "2099-12-31", "routing": routing}}),
        )
        .await
        .data()["createBuild"]["id"]
        .as_str()
        .expect("build")
        .to_owned();
    app.gql(
        Some(&operator),
        "mutation($b: ID!, $s: [String!]!) { addUnits(buildId: $b, serials: $s) { serial } }",
        json!({"b": build, "s": serials}),
    )
    .await
    .data();
    build
}

#[tokio::test]
async fn serials_with_control_characters_or_too_long_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let build = build_with_units(&app, "TYPED-1", &["TY-0001", "TY-0002"]).await;
    let units = count::<unit::Entity>(&app).await;

    let add = "mutation($b: ID!, $s: [String!]!) { addUnits(buildId: $b, serials: $s) { serial } }";
    let tab = app
        .gql(
            Some(&operator),
            add,
            json!({"b": build, "s": ["TY-0003", "TY\t0004"]}),
        )
        .await;
    refused(&tab, &control("serial number"));
    let long = "S".repeat(65);
    let over = app
        .gql(
            Some(&operator),
            add,
            json!({"b": build, "s": ["TY-0005", long]}),
        )
        .await;
    refused(&over, &too_long("serial number", 64, 65));

    // A pattern whose serials would be too long: refused before any unit is made.
    let pattern = format!("{}-{{SEQ:3}}", "P".repeat(62));
    let serialize = app
        .gql(
            Some(&operator),
            "mutation($b: ID!, $p: String!) { serializeUnits(buildId: $b, count: 2, pattern: $p) { serial } }",
            json!({"b": build, "p": pattern}),
        )
        .await;
    refused(&serialize, &too_long("serial number", 64, 66));
    assert_eq!(count::<unit::Entity>(&app).await, units, "no unit stored");

    // Station results: one bad serial in a batch refuses the batch, numbered.
    let record = "mutation($i: [StationResultInput!]!) { recordStationResults(inputs: $i) { event { id } } }";
    let batch = app
        .gql(
            Some(&operator),
            record,
            json!({"i": [{"serial": "TY-0001", "station": "SMT", "result": "PASS"},
                         {"serial": "TY\t0002", "station": "SMT", "result": "PASS"}]}),
        )
        .await;
    refused(&batch, &format!("result 1: {}", control("serial number")));
    let single = app
        .gql(
            Some(&operator),
            "mutation($i: StationResultInput!) { recordStationResult(input: $i) { event { id } } }",
            json!({"i": {"serial": "S".repeat(65), "station": "SMT", "result": "PASS"}}),
        )
        .await;
    refused(&single, &too_long("serial number", 64, 65));
    assert_eq!(count::<station_event::Entity>(&app).await, 0, "no event");

    // Shipping and the unit query.
    let ship = app
        .gql(
            Some(&operator),
            "mutation($i: ShipUnitsInput!) { shipUnits(input: $i) { id } }",
            json!({"i": {"buildId": build, "serials": ["TY\t0001"], "destination": "Acme", "carrier": "DHL", "trackingNumber": "1"}}),
        )
        .await;
    refused(&ship, &control("serial number"));
    let unit = app
        .gql(
            Some(&operator),
            "query($s: String!) { unit(serial: $s) { serial } }",
            json!({"s": "S".repeat(65)}),
        )
        .await;
    refused(&unit, &too_long("serial number", 64, 65));
    assert_eq!(count::<unit::Entity>(&app).await, units);
}

#[tokio::test]
async fn mpns_lot_codes_and_designators_are_checked_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let operator = app.token(who::EMS_OPERATOR).await;
    let build = build_with_units(&app, "TYPED-2", &["TZ-0001", "TZ-0002"]).await;
    let receive =
        "mutation($i: ReceiveComponentLotInput!) { receiveComponentLot(input: $i) { id } }";
    let lot = |mpn: &str, lot_code: &str, reel: &str| json!({"i": {"mpn": mpn, "manufacturer": "Murata", "lotCode": lot_code, "reelId": reel, "quantity": 100}});
    let lots = count::<component_lot::Entity>(&app).await;
    refused(
        &app.gql(Some(&operator), receive, lot("GRM188\t", "LOT-A", "R-1"))
            .await,
        &control("part number"),
    );
    refused(
        &app.gql(
            Some(&operator),
            receive,
            lot(&"M".repeat(101), "LOT-A", "R-2"),
        )
        .await,
        &too_long("part number", 100, 101),
    );
    refused(
        &app.gql(
            Some(&operator),
            receive,
            lot("GRM188R71H104KA93D", "LOT\tA", "R-3"),
        )
        .await,
        &control("lot code"),
    );
    refused(
        &app.gql(
            Some(&operator),
            receive,
            lot("GRM188R71H104KA93D", &"L".repeat(65), "R-4"),
        )
        .await,
        &too_long("lot code", 64, 65),
    );
    assert_eq!(
        count::<component_lot::Entity>(&app).await,
        lots,
        "no lot stored"
    );

    // A real MPN and lot code are taken as they are.
    let lot_id = app
        .gql(
            Some(&operator),
            receive,
            lot("GRM188R71H104KA93D", "LOT-2446-A", "R-5"),
        )
        .await
        .data()["receiveComponentLot"]["id"]
        .as_str()
        .expect("lot")
        .to_owned();

    let usage = "mutation($i: RecordLotUsageInput!) { recordLotUsage(input: $i) }";
    refused(
        &app.gql(
            Some(&operator),
            usage,
            json!({"i": {"lotId": lot_id, "buildId": build, "designators": ["C1", "C\t2"], "serials": ["TZ-0001"]}}),
        )
        .await,
        &control("designator"),
    );
    refused(
        &app.gql(
            Some(&operator),
            usage,
            json!({"i": {"lotId": lot_id, "buildId": build, "designators": ["C1"], "serialRange": {"from": "TZ-0001", "to": "T".repeat(65)}}}),
        )
        .await,
        &too_long("serial number", 64, 65),
    );
    assert_eq!(count::<lot_usage::Entity>(&app).await, 0, "no usage stored");

    let trace =
        "query($m: String!, $l: String!) { traceComponent(mpn: $m, lotCode: $l) { totalUnits } }";
    refused(
        &app.gql(
            Some(&operator),
            trace,
            json!({"m": "GRM188R71H104KA93D", "l": "L".repeat(65)}),
        )
        .await,
        &too_long("lot code", 64, 65),
    );
    refused(
        &app.gql(
            Some(&operator),
            trace,
            json!({"m": "GRM\t188", "l": "LOT-2446-A"}),
        )
        .await,
        &control("part number"),
    );

    // A defect at a designator that is too long or holds a tab.
    let record_defect = "mutation($i: DefectInput!) { recordDefect(input: $i) { defect { id } } }";
    for (designator, message) in [
        ("R".repeat(33), too_long("designator", 32, 33)),
        ("U\t1".to_owned(), control("designator")),
    ] {
        refused(
            &app.gql(
                Some(&operator),
                record_defect,
                json!({"i": {"serial": "TZ-0001", "station": "SMT", "designator": designator, "code": "SOLDER_BRIDGE", "disposition": "REWORK"}}),
            )
            .await,
            &message,
        );
    }
    assert_eq!(count::<defect::Entity>(&app).await, 0, "no defect stored");
}

#[tokio::test]
async fn names_of_products_users_tokens_and_stations_are_checked_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let engineer = app.token(who::ACME_ENGINEER).await;
    let admin = app.token(who::ACME_ADMIN).await;

    let products = count::<product::Entity>(&app).await;
    let create_product = "mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }";
    refused(
        &app.gql(
            Some(&engineer),
            create_product,
            json!({"i": {"partNumber": "NM-1", "name": "Gateway\tMk II"}}),
        )
        .await,
        &control("name"),
    );
    refused(
        &app.gql(
            Some(&engineer),
            create_product,
            json!({"i": {"partNumber": "NM-2", "name": "N".repeat(201)}}),
        )
        .await,
        &too_long("name", 200, 201),
    );
    assert_eq!(count::<product::Entity>(&app).await, products, "no product");

    let users = count::<user::Entity>(&app).await;
    refused(
        &app.gql(
            Some(&admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({"i": {"email": "new@acme.example", "fullName": "New\tPerson", "role": "OEM_ENGINEER", "password": "a long enough password"}}),
        )
        .await,
        &control("name"),
    );
    assert_eq!(count::<user::Entity>(&app).await, users, "no user");

    let tokens = count::<api_token::Entity>(&app).await;
    refused(
        &app.gql(
            Some(&admin),
            "mutation($n: String!) { createApiToken(name: $n, scopes: [READ]) { secret } }",
            json!({"n": "T".repeat(201)}),
        )
        .await,
        &too_long("name", 200, 201),
    );
    assert_eq!(count::<api_token::Entity>(&app).await, tokens, "no token");

    let pm = app.token(who::EMS_PM).await;
    let package = app.accepted_package("TYPED-3").await;
    let builds = count::<build::Entity>(&app).await;
    refused(
        &app.gql(
            Some(&pm),
            "mutation($i: CreateBuildInput!) { createBuild(input: $i) { id } }",
            json!({"i": {"packageId": package, "phase": "PILOT", "quantity": 1, "dueDate": "2099-12-31",
                "routing": [{"kind": "SMT_TOP", "name": "SMT\ttop"}]}}),
        )
        .await,
        &control("name"),
    );
    assert_eq!(count::<build::Entity>(&app).await, builds, "no build");
}
