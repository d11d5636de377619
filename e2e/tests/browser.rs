//! The web app in a real browser: headless chromium driving the built `firstpass` server.
//!
//! Story: an OEM engineer signs in, creates a product and a package, uploads a KiCad export
//! (a zip), sees layers, findings and the board drawn, and submits; the EMS program manager
//! starts the review and accepts; an engineer of another OEM sees nothing of it. Screenshots
//! of the main pages go to `e2e/output/`.

use std::io::Write as _;
use std::time::Instant;

use fantoccini::{Client, Locator};
use firstpass_e2e::browser::{
    click, fill, find, overflows, screenshot, skip, wait_count, wait_text, Browser,
};
use firstpass_e2e::{Firstpass, TestDb};
use firstpass_shared::cad::fixtures::{board, Style};

const PASSWORD: &str = "firstpass-demo";

/// A served Firstpass with the demo data.
async fn server(db: &TestDb) -> firstpass_e2e::Server {
    let app = Firstpass::new(db);
    let out = app.run(&["demo-data"], "");
    assert!(
        out.status.success(),
        "demo-data failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.serve()
}

/// The KiCad fixture board as a zip file on disk.
fn kicad_zip(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("board-kicad.zip");
    let file = std::fs::File::create(&path).expect("create zip");
    let mut zip = zip::ZipWriter::new(file);
    for (name, bytes) in board(Style::KiCad) {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        zip.write_all(&bytes).expect("zip bytes");
    }
    zip.finish().expect("finish zip");
    path
}

async fn sign_in(client: &Client, base: &str, email: &str) {
    client
        .goto(&format!("{base}/sign-in"))
        .await
        .expect("open sign-in");
    fill(client, "#email", email).await;
    fill(client, "#password", PASSWORD).await;
    click(client, "#sign-in").await;
    find(client, "#work-title").await;
}

async fn sign_out(client: &Client) {
    click(client, "#sign-out").await;
    find(client, "#sign-in").await;
}

async fn status_is(client: &Client, status: &str) {
    find(client, &format!("#package-status[data-status={status}]")).await;
}

#[tokio::test]
async fn sign_in_page_is_quick_and_says_what_went_wrong() {
    if skip("sign_in_page_is_quick_and_says_what_went_wrong") {
        return;
    }
    let db = TestDb::new().await;
    let server = server(&db).await;
    let base = server.base.clone();
    Browser::run(move |client| async move {
        let started = Instant::now();
        client.goto(&format!("{base}/sign-in")).await.expect("open");
        let button = find(&client, "#sign-in").await;
        while !button.is_enabled().await.unwrap_or(false) {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        eprintln!(
            "MEASURE time to usable sign-in page: {} ms",
            started.elapsed().as_millis()
        );

        fill(&client, "#email", "engineer@acme.example").await;
        fill(&client, "#password", "not-the-password").await;
        click(&client, "#sign-in").await;
        wait_text(&client, "[role=alert]", "Wrong email or password").await;
        screenshot(&client, "sign-in-wrong-password").await;

        // Signed in, a reload keeps the session (HttpOnly cookie, no script-readable token).
        fill(&client, "#password", PASSWORD).await;
        click(&client, "#sign-in").await;
        find(&client, "#work-title").await;
        let readable = client
            .execute(
                "return document.cookie + JSON.stringify(sessionStorage) + JSON.stringify(localStorage);",
                vec![],
            )
            .await
            .expect("read storage");
        assert!(
            !readable.to_string().contains("fp_refresh"),
            "the refresh token is readable by scripts: {readable}"
        );
        client.refresh().await.expect("reload");
        wait_text(&client, "#user-email", "engineer@acme.example").await;
        sign_out(&client).await;
        client.refresh().await.expect("reload");
        find(&client, "#sign-in").await;
    })
    .await;
}

#[tokio::test]
async fn npi_package_story_in_the_browser() {
    if skip("npi_package_story_in_the_browser") {
        return;
    }
    let db = TestDb::new().await;
    let server = server(&db).await;
    let base = server.base.clone();
    let files = tempfile::tempdir().expect("temp folder");
    let zip = kicad_zip(files.path());
    Browser::run(move |client| async move {
        // OEM engineer: product, package, upload, submit.
        sign_in(&client, &base, "engineer@acme.example").await;
        screenshot(&client, "home-oem").await;
        click(&client, "a[href='/products']").await;
        click(&client, "#new-product").await;
        fill(&client, "#part-number", "E2E-100").await;
        fill(&client, "#product-name", "Browser test board").await;
        click(&client, "#create-product").await;

        find(&client, "#package-product option").await;
        fill(&client, "#package-revision", "A").await;
        fill(&client, "#package-quantities", "10, 100").await;
        fill(&client, "#package-notes", "Made by the browser test.").await;
        screenshot(&client, "new-package").await;
        click(&client, "#create-package").await;
        status_is(&client, "DRAFT").await;
        let package_url = client.current_url().await.expect("url").to_string();

        let input = find(&client, "#file-input").await;
        input
            .send_keys(&zip.display().to_string())
            .await
            .expect("choose the zip");
        find(&client, "#local-check").await;
        find(&client, "[data-testid=upload][data-state=done]").await;
        let files = wait_count(&client, "[data-testid=file-row]", 13).await;
        assert!(files >= 13, "the zip's members are listed: {files}");
        wait_count(&client, "[data-testid=layer-row]", 11).await;
        wait_text(&client, "#finding-counts", "0 errors").await;
        wait_text(&client, "#board-facts", "50.0 × 30.0 mm").await;
        find(&client, "img[data-testid=board-composite]").await;
        wait_count(&client, "#board-viewer .part", 4).await;
        wait_count(&client, "[data-testid=bom-row]", 3).await;

        // A designator shows its BOM line; a layer can be shown alone; keys zoom.
        find(&client, "#designator-select")
            .await
            .select_by_value("R1")
            .await
            .expect("select R1");
        wait_text(&client, "#part-panel", "R1").await;
        click(&client, "#view-bottom").await;
        click(&client, "#view-top").await;
        find(&client, "#board-stage")
            .await
            .send_keys("++")
            .await
            .expect("zoom with keys");
        screenshot(&client, "package-draft").await;

        click(&client, "#submit-package").await;
        find(&client, "[role=alertdialog]").await;
        click(&client, "#confirm").await;
        status_is(&client, "SUBMITTED").await;
        fill(&client, "#comment-body", "Please check the SOIC footprint.").await;
        click(&client, "#add-comment").await;
        wait_count(&client, "[data-testid=thread-entry]", 2).await;
        screenshot(&client, "package-submitted").await;
        sign_out(&client).await;

        // EMS program manager: start review, accept.
        sign_in(&client, &base, "pm@northwind.example").await;
        wait_count(
            &client,
            "[data-testid=to-review] [data-testid=work-item]",
            1,
        )
        .await;
        screenshot(&client, "home-ems").await;
        client.goto(&package_url).await.expect("open package");
        click(&client, "#start-review").await;
        status_is(&client, "IN_REVIEW").await;
        fill(&client, "#review-comment", "Looks good to build.").await;
        click(&client, "#accept-package").await;
        click(&client, "#confirm").await;
        status_is(&client, "ACCEPTED").await;
        wait_text(&client, "#thread", "Accepted submission 1").await;
        screenshot(&client, "package-accepted").await;

        // Phone width: nothing wider than the screen.
        client.set_window_size(390, 844).await.expect("resize");
        find(&client, "#package-title").await;
        let wide = overflows(&client).await;
        assert!(
            wide.is_empty(),
            "the package page overflows at 390 px: {wide:?}"
        );
        screenshot(&client, "package-390px").await;
        client
            .goto(&format!("{base}/packages"))
            .await
            .expect("list");
        find(&client, "[data-testid=package-row]").await;
        let wide = overflows(&client).await;
        assert!(
            wide.is_empty(),
            "the package list overflows at 390 px: {wide:?}"
        );
        screenshot(&client, "packages-390px").await;
        client.set_window_size(1280, 900).await.expect("resize");
        screenshot(&client, "packages").await;
        sign_out(&client).await;

        // Another OEM sees nothing of it.
        sign_in(&client, &base, "engineer@globex.example").await;
        client
            .goto(&format!("{base}/packages"))
            .await
            .expect("list");
        find(&client, "#no-packages").await;
        client.goto(&package_url).await.expect("open package");
        wait_text(&client, "[role=alert]", "does not exist").await;
        assert!(client.find(Locator::Css("#package-title")).await.is_err());
        screenshot(&client, "other-oem").await;
    })
    .await;
}
