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
fn same_day_due_is_that_days_close_or_after_three_pm_the_next_working_days() {
    let due = |received: &str| {
        let o = motcua(&[
            "calendar",
            "due",
            "--received",
            received,
            "--same-day",
            "--json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        v["due"].as_str().unwrap().to_owned()
    };
    // Wednesday 12/3/2025.
    assert_eq!(due("2025-03-12T09:00"), "2025-03-12T17:00");
    assert_eq!(due("2025-03-12T15:30"), "2025-03-13T17:00");
    // Friday 15:30: Monday.
    assert_eq!(due("2025-03-14T15:30"), "2025-03-17T17:00");
    let o = motcua(&[
        "calendar",
        "due",
        "--received",
        "2025-03-12T09:00",
        "--same-day",
    ]);
    assert!(
        stdout(&o).contains("Hạn giải quyết:  17:00 ngày 12/03/2025 (thứ Tư)"),
        "{}",
        stdout(&o)
    );
    // A unit's own settings need its database (none yet, or no such unit: bad input, nothing made).
    let (dir, url) = temp_db("due-unit");
    let due_at = |url: &str| {
        Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args([
                "calendar",
                "due",
                "--received",
                "2025-03-12T09:00",
                "--same-day",
                "--unit",
                "000.31.00.H15",
            ])
            .env("MOTCUA_DB", url)
            .output()
            .unwrap()
    };
    let o = due_at(&url);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!std::path::Path::new(url.strip_prefix("sqlite:").unwrap()).exists());
    assert!(motcua(&["migrate", "--db", &url]).status.success());
    let o = due_at(&url);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir);
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
        vec![
            "calendar",
            "due",
            "--received",
            "2025-01-24T09:00",
            "--same-day",
            "--days",
            "1",
        ],
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
    // 200 recent dossiers, the 2017 town's 430 (the same every time: the generator is seeded),
    // the 3 certifications of copies done at the counter today and the 2 dossiers of the applicant
    // whose ID card is reused from the citizen's store, and the boundary-free one received at
    // phường Buôn Hồ for phường Cư Bao.
    let o = motcua(&["rebuild", "--db", &url]);
    assert!(
        stdout(&o).contains("rebuilt 636 dossiers") && stdout(&o).contains("identical"),
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
fn the_demo_issues_signed_results_whose_files_verify_catches_altered() {
    let (dir, url) = temp_db("documents");
    let files = dir.join("files");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(args)
            .env_remove("MOTCUA_DB")
            .env("MOTCUA_FILES_DIR", &files)
            .current_dir(&dir)
            .output()
            .expect("run motcua")
    };
    let o = run(&["demo", "--no-serve", "--db", &url, "--dossiers", "200"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let issued: usize = stdout(&o)
        .split("electronic documents: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", stdout(&o)));
    let certified: usize = stdout(&o)
        .split("papers scanned at the counter, ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", stdout(&o)));
    assert!(issued > 0 && certified > 0, "{}", stdout(&o));
    let o = run(&["verify", "--db", &url]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains(&format!("{} issued documents", issued + certified)),
        "{}",
        stdout(&o)
    );
    // One byte of one issued file changed: verify names the dossier and fails.
    let file = std::fs::read_dir(&files)
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path())
        .find(|p| {
            std::fs::read(p)
                .unwrap()
                .windows(10)
                .any(|w| w == b"/ByteRange")
        })
        .expect("a signed result among the files");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[200] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    let o = run(&["verify", "--db", &url]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("electronic document file of event"),
        "{}",
        stdout(&o)
    );
    // A signing certificate that cannot be read is refused at start-up, exit code 2.
    let o = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve", "--db", &url])
        .env_remove("MOTCUA_DB")
        .env("MOTCUA_SIGNING_P12", dir.join("none.p12"))
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot read the signing certificate"),
        "{}",
        stderr(&o)
    );
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
    assert_eq!(decisions.len(), 7);
    // The last lists procedures received regardless of administrative boundaries: the flag is
    // part of the decision, exported and imported with it.
    assert!(
        decisions[6].to_string().contains("\"boundary_free\":true"),
        "{}",
        decisions[6]
    );

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

#[test]
fn reports_export_as_json_csv_and_xlsx_and_refuse_bad_input() {
    use calamine::{Data, Reader, Xlsx};
    let (dir, url) = temp_db("report");
    let o = motcua(&["demo", "--no-serve", "--db", &url, "--dossiers", "300"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = |name: &str| dir.join(name).display().to_string();
    let o = motcua(&[
        "report",
        "--db",
        &url,
        "--format",
        "json",
        "--output",
        &out("r.json"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out("r.json")).unwrap()).unwrap();
    let total = &json["total"];
    let received = total["received_desk"].as_i64().unwrap()
        + total["received_post"].as_i64().unwrap()
        + total["received_online"].as_i64().unwrap();
    assert!(received > 0, "{json}");
    let rows = json["rows"].as_array().unwrap();
    let sum: i64 = rows
        .iter()
        .map(|r| r["figures"]["received_desk"].as_i64().unwrap())
        .sum();
    assert_eq!(
        sum,
        total["received_desk"].as_i64().unwrap(),
        "rows add up to the total"
    );
    assert_eq!(json["indicators"].as_array().unwrap().len(), 22);
    let progress = json["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "2.1")
        .unwrap();
    let handled = [
        "resolved_early",
        "resolved_on_time",
        "resolved_late",
        "open_in_time",
        "open_overdue",
    ]
    .iter()
    .map(|c| total[c].as_i64().unwrap())
    .sum::<i64>();
    assert_eq!(
        progress["denominator"].as_i64().unwrap(),
        handled,
        "766 figures show their denominator"
    );
    assert_eq!(progress["cohort"], "handled");
    // Five groups adding up to the total, the band, the average processing time.
    let index = &json["index"];
    let groups = index["groups"].as_array().unwrap();
    assert_eq!(
        groups
            .iter()
            .map(|g| g["max"].as_f64().unwrap())
            .collect::<Vec<_>>(),
        [18.0, 20.0, 22.0, 22.0, 18.0]
    );
    let sum: f64 = groups.iter().map(|g| g["points"].as_f64().unwrap()).sum();
    assert!(
        (sum - index["total"].as_f64().unwrap()).abs() < 1e-9,
        "{index}"
    );
    assert!(index["band"]["name_vi"].is_string(), "{index}");
    assert!(
        !json["average_times"].as_array().unwrap().is_empty(),
        "{json}"
    );
    // A revision loaded from the configured file applies from its date; a wrong file is refused.
    let shipped: serde_json::Value =
        serde_json::from_str(include_str!("../../domain/data/indicators-766.json")).unwrap();
    let mut revised = shipped.clone();
    revised["methods"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "valid_from": "2026-01-01", "source": "Bản sửa đổi thử",
            "groups": [{"number": 1, "name_vi": "Tiến độ", "name_en": "Progress", "max": 100}],
            "bands": {"source": "thử", "list": [{"min": 0, "name_vi": "Đạt", "name_en": "Pass"}]},
            "indicators": [{"code": "1", "group": 1, "max": 100, "name_vi": "Đúng hạn",
                "name_en": "On time", "cohort": "handled", "ratio": {"numerator": "handled_in_time",
                "denominator": "handled", "full_at": 1.0, "when_empty": "none"}}]
        }));
    std::fs::write(out("methods.json"), revised.to_string()).unwrap();
    std::fs::write(
        out("revised.toml"),
        format!("indicators_file = \"{}\"\n", out("methods.json")),
    )
    .unwrap();
    let report_with = |config: &str, file: &str| {
        motcua(&[
            "--config",
            config,
            "report",
            "--db",
            &url,
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--format",
            "json",
            "--output",
            file,
        ])
    };
    let o = report_with(&out("revised.toml"), &out("r2.json"));
    assert!(o.status.success(), "{}", stderr(&o));
    let r2: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out("r2.json")).unwrap()).unwrap();
    assert_eq!(r2["index"]["valid_from"], "2026-01-01", "{}", r2["index"]);
    assert_eq!(r2["indicators"].as_array().unwrap().len(), 1);
    assert_eq!(r2["indicators"][0]["denominator"], progress["denominator"]);
    std::fs::write(out("methods.json"), "{\"methods\": []}").unwrap();
    let o = report_with(&out("revised.toml"), &out("r3.json"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no method in the file"),
        "{}",
        stderr(&o)
    );
    // A reorganisation: refused for a unit in force or a target that is no successor; the closed
    // town's successor takes over what was left open there (nothing, in the demo); still verifies.
    let transfer = |from: &str, to: &str| {
        motcua(&[
            "org",
            "transfer",
            "--db",
            &url,
            "--from",
            from,
            "--to",
            to,
            "--decision",
            "1664/QĐ-UBND",
            "--date",
            "2025-07-01",
        ])
    };
    let o = transfer("000.31.00.H15", "000.32.00.H15");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("vẫn đang hoạt động"), "{}", stderr(&o));
    let o = transfer("000.01.12.H15", "000.32.00.H15");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("không phải đơn vị kế thừa"),
        "{}",
        stderr(&o)
    );
    let o = transfer("000.00.12.H15", "000.31.00.H15");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("đã chuyển "), "{}", stdout(&o));
    let o = motcua(&["verify", "--db", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The citizen's store: the demo's applicant reused her ID card once (4.3), and the dossiers
    // with papers digitised at the counter or online keep them in the store (4.4).
    let score = |code: &str| {
        json["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == code)
            .unwrap()
            .clone()
    };
    let reuse = score("4.3");
    assert_eq!(reuse["numerator"].as_i64(), Some(1), "{reuse}");
    assert_eq!(reuse["denominator"].as_i64(), Some(received), "{reuse}");
    assert!(reuse["points"].as_f64().unwrap() > 0.0, "{reuse}");
    let kept = score("4.4");
    let digitised = total["digitised"].as_i64().unwrap();
    assert_eq!(kept["denominator"].as_i64(), Some(digitised), "{kept}");
    let n = kept["numerator"].as_i64().unwrap();
    assert!(n > 1 && n <= digitised, "{kept}");
    // Issue 15: fees paid at the desk and online (the portal's online-payment group, 3.4-3.6
    // here) and data from the population database (4.5a/4.5b) have numbers on the demo.
    for code in ["3.4", "3.5", "3.6", "4.5a", "4.5b"] {
        let i = score(code);
        let (num, den) = (
            i["numerator"].as_i64().unwrap_or(-1),
            i["denominator"].as_i64().unwrap_or(-1),
        );
        assert!(num > 0 && num <= den, "{code}: {i}");
        assert!(i["points"].as_f64().unwrap() > 0.0, "{code}: {i}");
        assert!(i["no_data"].is_null(), "{code}: {i}");
    }
    assert!(
        score("3.6")["numerator"].as_i64() < score("3.6")["denominator"].as_i64(),
        "some fees were paid at the desk"
    );
    // XLSX, read back: Vietnamese headers, dates as dates, the same numbers.
    let o = motcua(&[
        "report",
        "--db",
        &url,
        "--format",
        "xlsx",
        "--output",
        &out("r.xlsx"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut book: Xlsx<_> = calamine::open_workbook(out("r.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["Báo cáo", "Liên thông", "Chỉ số 766"]
    );
    let sheet = book.worksheet_range("Báo cáo").unwrap();
    assert!(
        matches!(sheet.get_value((1, 1)), Some(Data::DateTime(_))),
        "{:?}",
        sheet.get_value((1, 1))
    );
    assert_eq!(
        sheet.get_value((6, 3)),
        Some(&Data::String("Tiếp nhận trực tiếp".into()))
    );
    let last = sheet.height() as u32 - 1;
    assert_eq!(
        sheet.get_value((last, 1)),
        Some(&Data::String("Tổng cộng".into()))
    );
    assert_eq!(
        sheet.get_value((last, 3)),
        Some(&Data::Float(total["received_desk"].as_i64().unwrap() as f64))
    );
    // CSV: UTF-8 with a byte-order mark.
    let o = motcua(&[
        "report",
        "--db",
        &url,
        "--format",
        "csv",
        "--by",
        "procedure",
        "--output",
        &out("r.csv"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read(out("r.csv")).unwrap();
    assert!(csv.starts_with(b"\xef\xbb\xbf"));
    let text = String::from_utf8(csv).unwrap();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("Thủ tục,Kỳ trước chuyển qua")
    );
    assert!(text.contains("Tổng cộng"));
    // Bad input: a clear message, exit code 2, no file.
    for (args, says) in [
        (vec!["--unit", "000.99.99.H15"], "không có đơn vị"),
        (
            vec!["--from", "2025-03-05", "--to", "2025-03-31"],
            "ngày đầu tháng",
        ),
        (
            vec!["--from", "2025-03-01", "--to", "2025-03-30"],
            "ngày cuối tháng",
        ),
        (
            vec!["--from", "2025-06-01", "--to", "2025-03-31"],
            "bị ngược",
        ),
        (vec!["--from", "hôm qua"], "YYYY-MM-DD"),
        (vec!["--by", "tuần"], "--by"),
        (vec!["--procedure", "9.999999"], "không có thủ tục"),
        (vec!["--field", "Không có"], "không có lĩnh vực"),
    ] {
        let mut all = vec!["report", "--db", &url, "--format", "json"];
        all.extend(args.iter().copied());
        let bad = out("bad.json");
        all.extend(["--output", &bad]);
        let o = motcua(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(
            !std::path::Path::new(&bad).exists(),
            "{args:?} wrote a file"
        );
    }
    let bad = out("bad.pdf");
    let o = motcua(&["report", "--db", &url, "--format", "pdf", "--output", &bad]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown format"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir);
}

/// `[payment] kind` names the protocol: `vnpay` (the default) or `dvcqg`; anything else stops
/// the program with exit code 2 naming the key, and so does a half-configured gateway.
#[test]
fn the_payment_gateway_kind_is_checked() {
    let (dir, url) = temp_db("payment-kind");
    let run = |vars: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_motcua"));
        c.args(["migrate", "--db", &url])
            .env_remove("MOTCUA_DB")
            .current_dir(&dir);
        for (k, v) in vars {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let o = run(&[("MOTCUA_PAYMENT_KIND", "momo")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("invalid [payment] kind 'momo' (vnpay or dvcqg)"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        ("MOTCUA_PAYMENT_KIND", "dvcqg"),
        ("MOTCUA_PAYMENT_URL", "https://thanhtoan.example/khoi-tao"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("needs url, merchant and secret"));
    for kind in ["dvcqg", "vnpay", ""] {
        let o = run(&[
            ("MOTCUA_PAYMENT_KIND", kind),
            ("MOTCUA_PAYMENT_URL", "https://thanhtoan.example/khoi-tao"),
            ("MOTCUA_PAYMENT_MERCHANT", "H15.DAKLAK"),
            ("MOTCUA_PAYMENT_SECRET", "khoa-bi-mat"),
        ]);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        assert!(!stderr(&o).contains("khoa-bi-mat") && !stdout(&o).contains("khoa-bi-mat"));
    }
    let _ = std::fs::remove_dir_all(dir);
}
