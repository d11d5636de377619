//! The `firstpass` command line, as an administrator uses it.

use firstpass_e2e::{Firstpass, TestDb};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn organizations_users_and_partnerships_from_the_command_line() {
    let db = TestDb::new().await;
    let fp = Firstpass::new(&db);

    let out = fp.run(&["org", "create", "--name", "Initech", "--kind", "oem"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Initech"));
    let out = fp.run(
        &[
            "org",
            "create",
            "--name",
            "Contoso Assembly",
            "--kind",
            "ems",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The password comes from standard input, never from the arguments.
    let out = fp.run(
        &[
            "user",
            "create",
            "--org",
            "Initech",
            "--email",
            "Milton@Initech.example",
            "--name",
            "Milton W",
            "--role",
            "OEM_ENGINEER",
        ],
        "a stapler of my own\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("milton@initech.example"),
        "e-mails are stored lower-case"
    );

    let out = fp.run(
        &[
            "user",
            "create",
            "--org",
            "Initech",
            "--email",
            "x@initech.example",
            "--name",
            "X",
            "--role",
            "OEM_ENGINEER",
        ],
        "short\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("at least 12 characters"),
        "{}",
        text(&out.stderr)
    );

    let out = fp.run(
        &[
            "user",
            "create",
            "--org",
            "Initech",
            "--email",
            "y@initech.example",
            "--name",
            "Y",
            "--role",
            "EMS_OPERATOR",
        ],
        "long enough password\n",
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an EMS role cannot live in an OEM"
    );

    let out = fp.run(
        &[
            "partnership",
            "create",
            "--oem",
            "Initech",
            "--ems",
            "Contoso Assembly",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again = fp.run(
        &[
            "partnership",
            "create",
            "--oem",
            "Initech",
            "--ems",
            "Contoso Assembly",
        ],
        "",
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("already partners"),
        "{}",
        text(&again.stderr)
    );
    let wrong_way = fp.run(
        &[
            "partnership",
            "create",
            "--oem",
            "Contoso Assembly",
            "--ems",
            "Initech",
        ],
        "",
    );
    assert_eq!(wrong_way.status.code(), Some(2));

    let dup = fp.run(&["org", "create", "--name", "Initech", "--kind", "oem"], "");
    assert_eq!(dup.status.code(), Some(2));
    assert!(text(&dup.stderr).contains("already exists"));
}

#[tokio::test]
async fn demo_data_is_idempotent_and_prints_the_sign_in_details() {
    let db = TestDb::new().await;
    let fp = Firstpass::new(&db);
    let first = fp.run(&["demo-data"], "");
    assert!(first.status.success(), "{}", text(&first.stderr));
    let second = fp.run(&["demo-data"], "");
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert_eq!(text(&first.stdout), text(&second.stdout));
    let printed = text(&first.stdout);
    for needle in [
        "engineer@acme.example",
        "pm@northwind.example",
        "engineer@globex.example",
        "firstpass-demo",
        "EMS_OPERATOR",
    ] {
        assert!(
            printed.contains(needle),
            "{needle} missing from:\n{printed}"
        );
    }
}

#[tokio::test]
async fn bad_configuration_stops_with_one_line_naming_the_setting() {
    let db = TestDb::new().await;
    let fp = Firstpass::new(&db);
    let cases: [(&str, &str, &str); 4] = [
        ("FIRSTPASS_BIND", "nonsense", "FIRSTPASS_BIND"),
        ("DATABASE_URL", "mysql://localhost/x", "DATABASE_URL"),
        ("FIRSTPASS_JWT_SECRET", "too-short", "FIRSTPASS_JWT_SECRET"),
        (
            "FIRSTPASS_MAX_QUERY_DEPTH",
            "0",
            "FIRSTPASS_MAX_QUERY_DEPTH",
        ),
    ];
    for (name, value, expected) in cases {
        let out = fp
            .command()
            .arg("serve")
            .env(name, value)
            .output()
            .expect("run");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}={value}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{name}={value}: {stderr}");
        assert!(lines[0].contains(expected), "{name}={value}: {stderr}");
    }
}

#[tokio::test]
async fn the_generated_jwt_secret_is_kept_private_in_the_data_directory() {
    let db = TestDb::new().await;
    let fp = Firstpass::new(&db);
    let server = fp.serve();
    drop(server);
    let path = db.dir().join("jwt-secret");
    let secret = std::fs::read(&path).expect("secret written");
    assert!(secret.len() >= 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
}
