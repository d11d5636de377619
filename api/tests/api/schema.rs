//! The committed SDL matches the code (regenerate with `cargo xtask schema`), and every type,
//! field, argument-bearing input and enum value carries a description.

use serde_json::Value;

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("api/schema.graphql exists");
    let current = firstpass_api::schema::sdl();
    if committed.trim_end() != current.trim_end() {
        panic!("api/schema.graphql is stale: run `cargo xtask schema` and review the diff");
    }
}

#[tokio::test]
async fn every_type_and_field_has_a_description() {
    let schema = firstpass_api::schema::schema_builder(&Default::default()).finish();
    let query = "{ __schema { types { kind name description
        fields { name description } inputFields { name description } enumValues { name description } } } }";
    let response = schema.execute(query).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().expect("json");
    let mut missing = Vec::new();
    let blank = |v: &Value| v.as_str().is_none_or(|s| s.trim().is_empty());
    for ty in data["__schema"]["types"].as_array().expect("types") {
        let name = ty["name"].as_str().unwrap_or_default();
        let kind = ty["kind"].as_str().unwrap_or_default();
        if name.starts_with("__") || kind == "SCALAR" {
            continue;
        }
        let root = matches!(name, "Query" | "Mutation" | "Subscription");
        if !root && blank(&ty["description"]) {
            missing.push(name.to_owned());
        }
        for list in ["fields", "inputFields", "enumValues"] {
            for item in ty[list].as_array().into_iter().flatten() {
                if blank(&item["description"]) {
                    missing.push(format!(
                        "{name}.{}",
                        item["name"].as_str().unwrap_or_default()
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented in the schema: {missing:#?}"
    );
}
