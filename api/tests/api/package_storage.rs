//! What a package keeps in the blob store: request-wide upload limits, pictures rendered once
//! and read from storage, the complexity weight of pictures, and the start-up orphan sweep.

use crate::harness::{who, TestApp};
use firstpass_api::config::Limits;
use firstpass_api::entities::package_analysis;
use firstpass_shared::cad::fixtures::{self, Style};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

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

/// `len` bytes of hex text that hardly compress (so no zip ratio rule is hit).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            b"0123456789abcdef"[(state >> 60) as usize]
        })
        .collect()
}

/// Every file under `dir`, recursively (none when it does not exist).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn message(body: &Value) -> String {
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn file_names(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        "query($id: ID!) { npiPackage(id: $id) { files { name } } }",
        json!({"id": id}),
    )
    .await
    .data()["npiPackage"]["files"]
        .clone()
}

/// Asserts that a refused upload left no file row and no blob of the package behind.
async fn nothing_stored(app: &TestApp, token: &str, id: &str) {
    assert_eq!(file_names(app, token, id).await, json!([]));
    let folder = app.blobs_dir.join("packages").join(id);
    assert_eq!(
        files_under(&folder),
        Vec::<PathBuf>::new(),
        "blobs left behind"
    );
}

#[tokio::test]
async fn zips_over_the_request_byte_budget_together_are_refused_whole() {
    let app = TestApp::spawn_with(Limits {
        max_file_bytes: 1_000_000,
        max_unpacked_bytes: 3_000_000,
        ..Default::default()
    })
    .await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let id = app.draft_package(&oem, "BUDGET-1").await;
    // Six zips of 600 kB each: every one fits the file limit, together they exceed the budget.
    let zips: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| {
            let member = (format!("part-{i}/data.txt"), noise(600_000, i));
            (format!("part-{i}.zip"), zip_of(&[member]))
        })
        .collect();
    let refused = app.upload(Some(&oem), &id, &zips).await;
    assert_eq!(refused.code(), Some("BAD_USER_INPUT"), "{}", refused.body);
    assert!(
        message(&refused.body).contains("FIRSTPASS_MAX_UNPACKED_BYTES"),
        "{}",
        refused.body
    );
    nothing_stored(&app, &oem, &id).await;

    // Plain files count against the same budget as zips.
    let mut mixed = zips[..4].to_vec();
    mixed.push(("loose.txt".to_owned(), noise(900_000, 9)));
    let refused = app.upload(Some(&oem), &id, &mixed).await;
    assert_eq!(refused.code(), Some("BAD_USER_INPUT"), "{}", refused.body);
    assert!(message(&refused.body).contains("FIRSTPASS_MAX_UNPACKED_BYTES"));
    nothing_stored(&app, &oem, &id).await;

    // Within the budget, the same zips go in.
    let accepted = app.upload(Some(&oem), &id, &zips[..4]).await;
    assert_eq!(
        accepted.data()["uploadPackageFiles"]["files"]
            .as_array()
            .map(Vec::len),
        Some(4)
    );
}

#[tokio::test]
async fn too_many_files_in_one_request_are_refused_whole() {
    let app = TestApp::spawn_with(Limits {
        max_upload_files: 5,
        ..Default::default()
    })
    .await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let id = app.draft_package(&oem, "COUNT-1").await;
    let members: Vec<(String, Vec<u8>)> = (0..3)
        .map(|i| (format!("zipped-{i}.txt"), noise(100, i)))
        .collect();
    let mut files: Vec<(String, Vec<u8>)> = (0..3)
        .map(|i| (format!("loose-{i}.txt"), noise(100, 10 + i)))
        .collect();
    files.push(("three.zip".to_owned(), zip_of(&members)));
    let refused = app.upload(Some(&oem), &id, &files).await;
    assert_eq!(refused.code(), Some("BAD_USER_INPUT"), "{}", refused.body);
    assert!(
        message(&refused.body).contains("FIRSTPASS_MAX_UPLOAD_FILES"),
        "{}",
        refused.body
    );
    nothing_stored(&app, &oem, &id).await;

    let plain: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| (format!("plain-{i}.txt"), noise(100, 20 + i)))
        .collect();
    let refused = app.upload(Some(&oem), &id, &plain).await;
    assert_eq!(refused.code(), Some("BAD_USER_INPUT"), "{}", refused.body);
    assert!(message(&refused.body).contains("FIRSTPASS_MAX_UPLOAD_FILES"));
    nothing_stored(&app, &oem, &id).await;

    app.upload(Some(&oem), &id, &plain[..5]).await.data();
}

#[tokio::test]
async fn duplicate_and_control_character_member_names_are_refused() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let id = app.draft_package(&oem, "NAMES-1").await;
    let gerber = fixtures::board(Style::KiCad)[0].1.clone();

    // The zip writer refuses a name twice: write two names of the same length, then make the
    // second the first in the local and central headers alike.
    let mut exact = zip_of(&[
        ("gerbers/top-A.gbr".to_owned(), gerber.clone()),
        (
            "gerbers/top-B.gbr".to_owned(),
            b"G04 other*\nM02*\n".to_vec(),
        ),
    ]);
    let (from, to) = (b"gerbers/top-B.gbr", b"gerbers/top-A.gbr");
    let mut patched = 0;
    for start in 0..exact.len() - from.len() {
        if &exact[start..start + from.len()] == from {
            exact[start..start + from.len()].copy_from_slice(to);
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "one local and one central header");
    // The same path spelled two ways.
    let normalized = zip_of(&[
        ("gerbers/top.gbr".to_owned(), gerber.clone()),
        ("gerbers//top.gbr".to_owned(), gerber.clone()),
    ]);
    let crlf = zip_of(&[
        ("gerbers/ok.gbr".to_owned(), gerber.clone()),
        ("gerbers/evil\r\nname.gbr".to_owned(), gerber.clone()),
    ]);
    let tab = zip_of(&[("gerbers/tab\tname.gbr".to_owned(), gerber.clone())]);
    for (what, bytes, needles) in [
        ("exact", exact, vec!["gerbers/top-A.gbr", "more than once"]),
        ("normalized", normalized, vec!["gerbers/top.gbr", "twice"]),
        (
            "crlf",
            crlf,
            vec!["gerbers/evil\\r\\nname.gbr", "control characters"],
        ),
        ("tab", tab, vec!["tab\\tname.gbr", "control characters"]),
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
        let text = message(&result.body);
        for needle in needles {
            assert!(text.contains(needle), "{what}: {text}");
        }
        nothing_stored(&app, &oem, &id).await;
    }
}

const PICTURES: &str = "query($id: ID!) { npiPackage(id: $id) {
    board { svgTop svgBottom } layers { file { name } svg } } }";

async fn pictures(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(Some(token), PICTURES, json!({"id": id}))
        .await
        .data()["npiPackage"]
        .clone()
}

/// The stored picture files of every package, by path.
fn derived_files(app: &TestApp) -> Vec<PathBuf> {
    files_under(&app.blobs_dir.join("derived"))
}

#[tokio::test]
async fn pictures_are_rendered_at_upload_and_read_from_storage() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let id = app.draft_package(&oem, "PIC-1").await;
    app.upload(Some(&oem), &id, &fixtures::board(Style::KiCad))
        .await
        .data();

    // Rendered when the files arrived, before anyone asked.
    let stored = derived_files(&app);
    let names: Vec<String> = stored
        .iter()
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
        .collect();
    assert!(names.contains(&"board-top.svg".to_owned()), "{names:?}");
    assert!(names.contains(&"board-bottom.svg".to_owned()), "{names:?}");
    assert!(
        names.iter().filter(|n| n.starts_with("layer-")).count() >= 11,
        "{names:?}"
    );

    let first = pictures(&app, &oem, &id).await;
    let second = pictures(&app, &oem, &id).await;
    assert_eq!(first, second, "the same bytes every time");
    let top = first["board"]["svgTop"].as_str().expect("top");
    assert!(top.starts_with("<svg"));
    let on_disk = stored
        .iter()
        .find(|p| p.ends_with("board-top.svg"))
        .expect("top file");
    assert_eq!(std::fs::read_to_string(on_disk).expect("read"), top);

    // Reading only fetches: change the stored picture and the API answers with it.
    let layer_file = stored
        .iter()
        .find(|p| p.ends_with("layer-0.svg"))
        .expect("layer 0");
    std::fs::write(layer_file, "<svg><!-- from storage --></svg>").expect("write");
    let third = pictures(&app, &oem, &id).await;
    assert_eq!(
        third["layers"][0]["svg"],
        "<svg><!-- from storage --></svg>"
    );
    assert_eq!(third["board"], first["board"]);

    // A file change derives new pictures; the old ones, no longer anyone's, are deleted.
    let before: Vec<PathBuf> = derived_files(&app);
    app.upload(
        Some(&oem),
        &id,
        &[("notes.txt".to_owned(), b"new revision notes".to_vec())],
    )
    .await
    .data();
    let after = derived_files(&app);
    assert!(
        before.iter().all(|p| !after.contains(p)),
        "old pictures stay: {before:?} / {after:?}"
    );
    let fourth = pictures(&app, &oem, &id).await;
    assert_eq!(fourth["layers"][1], first["layers"][1]);
    assert_ne!(fourth["layers"][0]["svg"], third["layers"][0]["svg"]);
}

#[tokio::test]
async fn packages_stored_before_pictures_get_them_once_on_first_read() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let id = app.draft_package(&oem, "LEGACY-1").await;
    app.upload(Some(&oem), &id, &fixtures::board(Style::KiCad))
        .await
        .data();
    let expected = pictures(&app, &oem, &id).await;

    // Make it look like a package analysed before pictures were kept.
    let package_id: uuid::Uuid = id.parse().expect("uuid");
    let row = package_analysis::Entity::find_by_id(package_id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("row");
    let analysis_before = row.analysis.clone();
    let mut legacy: package_analysis::ActiveModel = row.into();
    legacy.inputs_hash = Set(None);
    legacy.pictures = Set(None);
    legacy.update(&app.state.db).await.expect("update");
    std::fs::remove_dir_all(app.blobs_dir.join("derived")).expect("remove pictures");

    // Several readers at once all get the same pictures.
    let reads = (0..4).map(|_| pictures(&app, &oem, &id));
    for got in futures_util::future::join_all(reads).await {
        assert_eq!(got, expected);
    }
    let row = package_analysis::Entity::find_by_id(package_id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("row");
    assert!(row.pictures.is_some() && row.inputs_hash.is_some());
    assert_eq!(
        row.analysis, analysis_before,
        "the analysis is left as it was"
    );
    assert!(
        !derived_files(&app).is_empty(),
        "stored for the next reader"
    );
}

#[tokio::test]
async fn ten_aliases_of_layer_pictures_are_refused_before_execution() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let id = app.draft_package(&oem, "ALIAS-1").await;
    app.upload(Some(&oem), &id, &fixtures::board(Style::KiCad))
        .await
        .data();
    let aliases: String = (0..10)
        .map(|i| format!("a{i}: layers {{ svg }} "))
        .collect();
    let query = format!("query($id: ID!) {{ npiPackage(id: $id) {{ {aliases} }} }}");
    let refused = app.gql(Some(&oem), &query, json!({"id": id})).await;
    assert_eq!(refused.code(), Some("BAD_USER_INPUT"), "{}", refused.body);
    assert!(
        message(&refused.body).contains("complex"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.get("data").is_none_or(Value::is_null),
        "nothing ran: {}",
        refused.body
    );

    // One set of pictures is fine, and so is the web app's package page query.
    pictures(&app, &oem, &id).await;
    let web = include_str!("../../../web/graphql/packages.graphql");
    let start = web.find("query Package(").expect("Package query");
    let end = start + web[start..].find("\n}\n").expect("end of query") + 3;
    let page = app
        .gql(Some(&oem), &web[start..end], json!({"id": id}))
        .await;
    page.data();
}

/// Sets a file's modification time `age` into the past.
fn age(path: &Path, age: Duration) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open");
    file.set_modified(SystemTime::now() - age).expect("mtime");
}

#[tokio::test]
async fn orphan_blobs_are_swept_at_start_and_referenced_ones_stay() {
    let app = TestApp::spawn().await;
    let oem = app.token(who::ACME_ENGINEER).await;
    let id = app.draft_package(&oem, "SWEEP-1").await;
    app.upload(Some(&oem), &id, &fixtures::board(Style::KiCad))
        .await
        .data();
    let expected = pictures(&app, &oem, &id).await;
    app.state
        .orphan_sweep
        .finished()
        .await
        .expect("first sweep");

    let two_hours = Duration::from_secs(2 * 3600);
    let kept = files_under(&app.blobs_dir);
    for path in &kept {
        age(path, two_hours);
    }
    // What a server killed midway would leave: a file blob no row refers to, pictures of inputs
    // no package has; and a fresh orphan, perhaps an upload in flight on another instance.
    let plant = |relative: String, old: bool| {
        let path = app.blobs_dir.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, b"orphan").expect("plant");
        if old {
            age(&path, two_hours);
        }
        path
    };
    let old_file = plant(format!("packages/{id}/{}", uuid::Uuid::new_v4()), true);
    let old_picture = plant(format!("derived/{}/layer-0.svg", "0".repeat(64)), true);
    let fresh_file = plant(format!("packages/{id}/{}", uuid::Uuid::new_v4()), false);

    let restarted = app.another_instance().await;
    let report = restarted
        .state
        .orphan_sweep
        .finished()
        .await
        .expect("sweep");
    assert_eq!((report.files, report.derived), (1, 1), "{report:?}");
    assert!(!old_file.exists() && !old_picture.exists());
    assert!(fresh_file.exists(), "younger than the grace period");
    for path in &kept {
        assert!(path.exists(), "referenced blob swept: {}", path.display());
    }
    assert_eq!(pictures(&restarted, &oem, &id).await, expected);
    let files = file_names(&restarted, &oem, &id).await;
    assert_eq!(
        files.as_array().map(Vec::len),
        Some(fixtures::board(Style::KiCad).len())
    );
}
