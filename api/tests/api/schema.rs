//! The committed SDL matches the code; regenerate with `cargo xtask schema`.

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("api/schema.graphql exists");
    let current = firstpass_api::schema::sdl();
    if committed.trim_end() != current.trim_end() {
        panic!("api/schema.graphql is stale: run `cargo xtask schema` and review the diff");
    }
}

#[test]
fn every_type_and_field_has_a_description() {
    let sdl = firstpass_api::schema::sdl();
    let mut missing = Vec::new();
    let lines: Vec<&str> = sdl.lines().collect();
    let mut in_schema_block = false;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with("schema {") {
            in_schema_block = true;
        }
        if in_schema_block {
            in_schema_block = trimmed != "}";
            continue;
        }
        let is_definition = trimmed.starts_with("type ")
            || trimmed.starts_with("enum ")
            || trimmed.starts_with("input ")
            || (line.starts_with('\t') || line.starts_with("  "))
                && trimmed.contains(':')
                && !trimmed.starts_with('"');
        let builtin = [
            "type Query",
            "type Mutation",
            "type PageInfo",
            "type Subscription",
        ]
        .iter()
        .any(|b| trimmed.starts_with(b));
        if !is_definition || builtin {
            continue;
        }
        let previous = i.checked_sub(1).map(|p| lines[p].trim()).unwrap_or("");
        if !previous.ends_with('"') {
            missing.push(trimmed.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented in the schema: {missing:#?}"
    );
}
