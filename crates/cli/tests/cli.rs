//! The binary as an operator uses it: exit codes, outputs, and `verify` against a tampered database.

use std::path::PathBuf;
use std::process::{Command, Output};

fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env_remove("MOTCUA_DB")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run motcua")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_db(name: &str) -> (PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("motcua-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("m.db").display());
    (dir, url)
}

#[test]
fn calendar_commands_print_exactly_the_documented_lines() {
    let o = motcua(&["calendar", "lunar", "2025-01-29", "2023-03-22", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "{\"date\":\"2025-01-29\",\"year\":2025,\"month\":1,\"day\":1,\"leap\":false}\n\
         {\"date\":\"2023-03-22\",\"year\":2023,\"month\":2,\"day\":1,\"leap\":true}\n"
    );
    let o = motcua(&["calendar", "solar", "2023", "2", "1", "--leap"]);
    assert_eq!(stdout(&o), "2023-03-22\n");
    let o = motcua(&["calendar", "days", "2025-01-26", "2025-01-27", "--json"]);
    assert_eq!(
        stdout(&o),
        "{\"date\":\"2025-01-26\",\"working\":false,\"reason\":\"Nghỉ cuối tuần (Chủ nhật)\",\"official\":true}\n\
         {\"date\":\"2025-01-27\",\"working\":false,\"reason\":\"Tết Ất Tỵ\",\"official\":true}\n"
    );
    let o = motcua(&[
        "calendar",
        "due",
        "--received",
        "2025-01-24T09:00",
        "--days",
        "5",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["due"], "2025-02-07T09:00");
    assert_eq!(v["skipped"][0]["date"], "2025-01-27");
    // For people, in Vietnamese.
    let o = motcua(&[
        "calendar",
        "due",
        "--received",
        "2025-01-24T09:00",
        "--days",
        "5",
    ]);
    assert!(
        stdout(&o).contains("Hạn giải quyết:  09:00 ngày 07/02/2025 (thứ Sáu)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bad_calendar_input_exits_with_2() {
    for args in [
        vec!["calendar", "lunar", "2025-02-30"],
        vec!["calendar", "solar", "2025", "3", "1", "--leap"],
        vec!["calendar", "solar", "2300", "1", "1"],
        vec!["calendar", "lunar", "1899-12-31"],
        vec![
            "calendar",
            "due",
            "--received",
            "2025-01-24T09:00",
            "--days",
            "0",
        ],
        vec![
            "calendar",
            "due",
            "--received",
            "2025-01-24T09:00",
            "--days",
            "-4",
        ],
        vec![
            "calendar",
            "due",
            "--received",
            "2025-01-24T09:00",
            "--days",
            "100000",
        ],
        vec![
            "calendar",
            "due",
            "--received",
            "2025-01-24T09:00",
            "--hours",
            "NaN",
        ],
        vec!["calendar", "due", "--received", "tomorrow", "--days", "1"],
        vec!["calendar", "days", "2025-02-01", "2025-01-01"],
    ] {
        let o = motcua(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
}

#[test]
fn calendar_import_applies_and_a_bad_file_changes_nothing() {
    let (dir, url) = temp_db("import");
    let good = dir.join("2027.json");
    std::fs::write(
        &good,
        r#"{"year":2027,"sources":["Thông báo thử"],"days_off":[{"date":"2027-02-05","reason":"Tết Đinh Mùi"},{"date":"2027-02-12","reason":"Tết Đinh Mùi"}],"working_saturdays":[{"date":"2027-02-20","reason":"Làm bù cho ngày 12/02/2027"}]}"#,
    )
    .unwrap();
    let o = motcua(&["calendar", "import", good.to_str().unwrap(), "--db", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = motcua(&[
        "--config",
        "/dev/null",
        "calendar",
        "days",
        "2027-02-12",
        "2027-02-12",
        "--json",
    ]);
    assert!(
        stdout(&o).contains("\"working\":true"),
        "without the database the rules apply"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["calendar", "days", "2027-02-12", "2027-02-12", "--json"])
        .env("MOTCUA_DB", &url)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&o),
        "{\"date\":\"2027-02-12\",\"working\":false,\"reason\":\"Tết Đinh Mùi\",\"official\":true}\n"
    );
    let bad = dir.join("bad.json");
    for content in [
        "{",
        r#"{"year":2027,"days_off":[{"date":"2027-02-31","reason":"x"}]}"#,
        r#"{"year":2027,"days_off":[{"date":"2028-01-01","reason":"x"}]}"#,
    ] {
        std::fs::write(&bad, content).unwrap();
        let o = motcua(&["calendar", "import", bad.to_str().unwrap(), "--db", &url]);
        assert_eq!(o.status.code(), Some(2), "{content}: {}", stderr(&o));
    }
    let o = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["calendar", "days", "2027-02-12", "2027-02-12", "--json"])
        .env("MOTCUA_DB", &url)
        .output()
        .unwrap();
    assert!(stdout(&o).contains("Tết Đinh Mùi"), "still the good import");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn demo_verify_and_tampering() {
    let (dir, url) = temp_db("verify");
    let o = motcua(&["demo", "--no-serve", "--db", &url, "--dossiers", "200"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("200 dossiers"), "{}", stdout(&o));
    let o = motcua(&["verify", "--db", &url]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("intact"));
    let o = motcua(&["rebuild", "--db", &url]);
    assert!(
        stdout(&o).contains("rebuilt 200 dossiers"),
        "{}",
        stdout(&o)
    );
    let o = motcua(&["verify", "--db", &url, "--anchor", "nonsense"]);
    assert_eq!(o.status.code(), Some(2));
    // Someone with the database file drops the triggers and edits an event.
    let path = url.strip_prefix("sqlite:").unwrap();
    let status = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sqlite3; c = sqlite3.connect('{path}'); c.execute('DROP TRIGGER events_no_update'); \
             c.execute(\"UPDATE events SET payload = replace(payload, 'approved', 'denied') WHERE id = (SELECT MIN(id) FROM events WHERE kind = 'result_ready')\"); c.commit()"
        ))
        .status()
        .unwrap();
    assert!(status.success());
    let o = motcua(&["verify", "--db", &url]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("was edited"), "{}", stdout(&o));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn users_and_bad_urls() {
    let (dir, url) = temp_db("users");
    let o = motcua(&["migrate", "--db", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = motcua(&[
        "user",
        "add",
        "a.b",
        "--name",
        "Nguyễn A",
        "--role",
        "reception_officer@NOWHERE",
        "--db",
        &url,
    ]);
    assert_eq!(o.status.code(), Some(2), "unknown unit: {}", stderr(&o));
    let o = motcua(&[
        "user",
        "add",
        "a.b",
        "--name",
        "Nguyễn A",
        "--role",
        "king@X",
        "--db",
        &url,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = motcua(&["serve", "--db", "mysql://x"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = motcua(&["verify", "--db", "sqlite:"]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}

fn procedure_versions(url: &str) -> String {
    // The catalogue as JSON export: the same decisions make the same catalogue.
    let o = motcua(&["catalogue", "export", "--db", url]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn catalogue_round_trips_through_json_and_xlsx() {
    let (dir, demo) = temp_db("catalogue");
    let o = motcua(&["demo", "--no-serve", "--db", &demo, "--dossiers", "10"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let exported = procedure_versions(&demo);
    let decisions: Vec<serde_json::Value> = serde_json::from_str(&exported).unwrap();
    assert_eq!(decisions.len(), 6);

    // JSON: all decisions into an empty database give the same catalogue.
    let json = dir.join("all.json");
    std::fs::write(&json, &exported).unwrap();
    let fresh = format!("sqlite:{}", dir.join("fresh.db").display());
    let o = motcua(&[
        "catalogue",
        "import",
        json.to_str().unwrap(),
        "--db",
        &fresh,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(procedure_versions(&fresh), exported);
    // Importing them again is refused and changes nothing.
    let o = motcua(&[
        "catalogue",
        "import",
        json.to_str().unwrap(),
        "--db",
        &fresh,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already imported"), "{}", stderr(&o));
    assert_eq!(procedure_versions(&fresh), exported);

    // XLSX: each decision in turn, exported and imported in order.
    let other = format!("sqlite:{}", dir.join("xlsx.db").display());
    for d in &decisions {
        let number = d["number"].as_str().unwrap();
        let file = dir.join(format!("{}.xlsx", number.replace('/', "-")));
        let o = motcua(&[
            "catalogue",
            "export",
            "--format",
            "xlsx",
            "--decision",
            number,
            "--output",
            file.to_str().unwrap(),
            "--db",
            &demo,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = motcua(&[
            "catalogue",
            "import",
            file.to_str().unwrap(),
            "--db",
            &other,
        ]);
        assert!(o.status.success(), "{number}: {}", stderr(&o));
    }
    assert_eq!(
        procedure_versions(&other),
        exported,
        "XLSX carries every field"
    );

    // Bad files: malformed JSON, a decision that abolishes what does not exist, a broken XLSX.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"number\": ").unwrap();
    assert_eq!(
        motcua(&["catalogue", "import", bad.to_str().unwrap(), "--db", &other])
            .status
            .code(),
        Some(2)
    );
    std::fs::write(
        &bad,
        r#"{"number":"9/QĐ","date":"2026-01-01","issuer":"UBND tỉnh","effective":"2026-01-01","items":[{"action":"abolished","code":"1.000001"}]}"#,
    )
    .unwrap();
    let o = motcua(&["catalogue", "import", bad.to_str().unwrap(), "--db", &other]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("dòng 1") && stderr(&o).contains("1.000001"),
        "{}",
        stderr(&o)
    );
    let broken = dir.join("broken.xlsx");
    std::fs::write(&broken, b"PK not really").unwrap();
    assert_eq!(
        motcua(&[
            "catalogue",
            "import",
            broken.to_str().unwrap(),
            "--db",
            &other
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(procedure_versions(&other), exported, "nothing changed");
    let _ = std::fs::remove_dir_all(dir);
}
