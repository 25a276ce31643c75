//! An office from zero, as an operator does it, on both backends: init, the example organisation,
//! the catalogue, staff, then `motcua serve`, where the imported reception officer changes the
//! one-time password, signs in and receives a dossier through the HTTP API; a backup, a restore into
//! the other backend, verify with the same ledger head, and the dossier looked up on a server over
//! the restored database. Bad files are refused naming the row, changing nothing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{Actor, Applicant, Channel, Command as DossierCommand, Paper};
use motcua_domain::procedure::ProcedureRef;
use motcua_store::dossiers::{self, Request, Target};
use motcua_store::{Store, Value, office, org, procedures};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> String {
    root().join("examples").join(name).display().to_string()
}

fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env_remove("MOTCUA_DB")
        .env_remove("MOTCUA_FILES_DIR")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run motcua")
}

fn motcua_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env_remove("MOTCUA_DB")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run motcua");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", out(&o));
    out(&o)
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(&format!("motcua-office-{name}")));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sqlite_url(dir: &Path, name: &str) -> String {
    format!("sqlite:{}", dir.join(name).display())
}

/// A fresh database on the test PostgreSQL server (MOTCUA_TEST_PG), or None outside the full suite.
fn postgres_url() -> Option<String> {
    let Ok(base) = std::env::var("MOTCUA_TEST_PG") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("MOTCUA_TEST_PG is not set: in CI the PostgreSQL tests must run");
        }
        eprintln!("MOTCUA_TEST_PG not set: skipping PostgreSQL");
        return None;
    };
    let name = unique("motcua_office");
    let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{name}"))
}

fn head(url: &str) -> (i64, String) {
    let o = motcua(&["verify", "--db", url, "--json"]);
    assert!(o.status.success(), "{}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    (
        v["head"][0].as_i64().unwrap(),
        v["head"][1].as_str().unwrap().to_owned(),
    )
}

const WARD: &str = "000.31.00.H15";

/// Receives a dossier at the ward's desk as `staff_id`, through the store; returns its code.
fn receive(store: &Store, staff_id: i64, now: DateTime<Utc>) -> String {
    let cal = WorkCalendar::vietnam();
    store
        .write(|tx| {
            let catalogue = procedures::catalogue(tx)?;
            let ward = org::get_unit(tx, WARD)?;
            let today = motcua_domain::dossier::to_local(now).date();
            let in_force = catalogue.required_at(&ward, today);
            let chosen = in_force.first().expect("a procedure in force at the ward");
            let procedure = ProcedureRef::from(*chosen);
            // The papers the procedure requires (reception checks them).
            let mut papers: Vec<Paper> = chosen
                .spec
                .papers
                .iter()
                .filter(|p| p.mandatory && p.condition.is_none())
                .map(|p| Paper {
                    name: p.name.clone(),
                    copies: p.copies,
                    file: None,
                    kind: None,
                })
                .collect();
            if papers.is_empty() {
                papers.push(Paper {
                    name: "Tờ khai".into(),
                    copies: 1,
                    file: None,
                    kind: None,
                });
            }
            let outcome = dossiers::execute(
                tx,
                &cal,
                vec![Request {
                    target: Target::New,
                    actor: Actor::Staff { id: staff_id },
                    command: DossierCommand::Receive {
                        code: String::new(),
                        channel: Channel::Desk,
                        procedure: Some(procedure),
                        unit: Some(WARD.into()),
                        applicant: Some(Applicant {
                            full_name: "Nguyễn Văn Dân".into(),
                            id_number: Some("066090001234".into()),
                            phone: "0905001234".into(),
                            email: None,
                            address: None,
                            date_of_birth: None,
                            sex: None,
                            kind: Default::default(),
                            representative: None,
                            notify: None,
                            sealed: None,
                        }),
                        papers: Some(papers),
                        details: Default::default(),
                    },
                    now,
                }],
            )?;
            Ok(outcome[0].dossier.code.clone().expect("a code"))
        })
        .unwrap()
}

/// The body of a counter reception at the ward (the first procedure in force there, with the
/// papers it requires), as the API takes it.
fn reception_body(url: &str) -> serde_json::Value {
    let store = Store::open(url).unwrap();
    let (procedure, papers) = store
        .read(|tx| {
            let catalogue = procedures::catalogue(tx)?;
            let ward = org::get_unit(tx, WARD)?;
            let today = motcua_domain::dossier::to_local(Utc::now()).date();
            let chosen = *catalogue
                .required_at(&ward, today)
                .first()
                .expect("a procedure in force at the ward");
            let mut papers: Vec<serde_json::Value> = chosen
                .spec
                .papers
                .iter()
                .filter(|p| p.mandatory && p.condition.is_none())
                .map(|p| serde_json::json!({"name": p.name, "copies": p.copies}))
                .collect();
            if papers.is_empty() {
                papers.push(serde_json::json!({"name": "Tờ khai", "copies": 1}));
            }
            Ok((chosen.spec.code.clone(), papers))
        })
        .unwrap();
    serde_json::json!({
        "procedure_code": procedure,
        "unit": WARD,
        "applicant": {"full_name": "Nguyễn Văn Dân", "id_number": "066090001234", "phone": "0905001234"},
        "papers": papers,
    })
}

/// `motcua serve` on a free port of the loopback, stopped when dropped.
struct Server {
    child: std::process::Child,
    addr: String,
}

impl Server {
    fn start(db: &str, files: &Path) -> Server {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .env("MOTCUA_FILES_DIR", files)
            .env("MOTCUA_LOG", "warn")
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run motcua serve");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| {
                l.split("http://")
                    .nth(1)
                    .map(|rest| rest.split('/').next().unwrap().to_owned())
            })
            .expect("the server says where it listens");
        // Keep reading what it prints so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, addr }
    }

    /// One HTTP/1.1 request on a fresh connection; the status and the JSON answer.
    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        use std::io::Read;
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(t) = token {
            request.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        let mut stream = std::net::TcpStream::connect(&self.addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let text = String::from_utf8(answer).unwrap();
        let (head, rest) = text.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let chunked = head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked");
        let payload = if chunked {
            let mut out = String::new();
            let mut rest = rest;
            while let Some((size, tail)) = rest.split_once("\r\n") {
                let n = usize::from_str_radix(size.trim(), 16).unwrap();
                if n == 0 {
                    break;
                }
                out.push_str(&tail[..n]);
                rest = &tail[n + 2..];
            }
            out
        } else {
            rest.to_owned()
        };
        let value = serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload));
        (status, value)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Everything an office does on its first day, then the move to `to`.
fn office_from_zero_then_move(from: &str, to: &str, dir: &Path) {
    // init, with the password on stdin; a second init is refused.
    ok(motcua_stdin(
        &[
            "init",
            "--db",
            from,
            "--admin",
            "quantri",
            "--password-stdin",
        ],
        "mat-khau-quan-tri-1\n",
    ));
    let again = motcua(&["init", "--db", from, "--admin", "other"]);
    assert_eq!(again.status.code(), Some(2), "{}", out(&again));
    // The example organisation; twice is the same as once.
    let first = ok(motcua(&[
        "org",
        "import",
        &example("org-daklak-2025.csv"),
        "--db",
        from,
    ]));
    assert!(first.contains("19 created"), "{first}");
    assert!(first.contains("system_admin@000.00.00.H15"), "{first}");
    let second = ok(motcua(&[
        "org",
        "import",
        &example("org-daklak-2025.csv"),
        "--db",
        from,
    ]));
    assert!(
        second.contains("0 created") && second.contains("19 unchanged"),
        "{second}"
    );
    ok(motcua(&[
        "catalogue",
        "import",
        &example("catalogue-daklak-demo.json"),
        "--db",
        from,
    ]));
    let passwords = dir.join("passwords.csv");
    ok(motcua(&[
        "staff",
        "import",
        &example("staff-buonho-2025.csv"),
        "--db",
        from,
        "--passwords-out",
        passwords.to_str().unwrap(),
    ]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&passwords).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&passwords).unwrap();
    let otp = text
        .lines()
        .find_map(|l| l.strip_prefix("tiepnhan.buonho,"))
        .expect("the reception officer's one-time password")
        .to_owned();
    ok(motcua(&[
        "desk",
        "set",
        WARD,
        "--name",
        "Bộ phận Một cửa phường Buôn Hồ",
        "--decision",
        "01/QĐ-UBND",
        "--date",
        "2025-07-01",
        "--signer",
        "Chủ tịch UBND phường Buôn Hồ",
        "--db",
        from,
    ]));

    // The reception officer's first sign-in, through a served HTTP server: the one-time password
    // only lets them change it; then they sign in and receive a dossier through the API.
    let files = dir.join("files");
    let server = Server::start(from, &files);
    let (s, v) = server.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(serde_json::json!({"username": "tiepnhan.buonho", "password": otp})),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["must_change_password"], true, "{v}");
    let first = v["token"].as_str().unwrap().to_owned();
    let body = reception_body(from);
    let (s, v) = server.call("POST", "/api/v1/dossiers", Some(&first), Some(body.clone()));
    assert_eq!(
        (s, v["type"].as_str()),
        (403, Some("urn:motcua:problem:must-change-password")),
        "{v}"
    );
    let (s, v) = server.call(
        "POST",
        "/api/v1/auth/password",
        Some(&first),
        Some(serde_json::json!({"old": otp, "new": "mat-khau-cua-hoa-2025"})),
    );
    assert_eq!(s, 200, "{v}");
    let (s, v) = server.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(serde_json::json!({"username": "tiepnhan.buonho", "password": otp})),
    );
    assert_eq!(s, 401, "the one-time password is spent: {v}");
    let (s, v) = server.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(
            serde_json::json!({"username": "tiepnhan.buonho", "password": "mat-khau-cua-hoa-2025"}),
        ),
    );
    assert_eq!(
        (s, &v["must_change_password"]),
        (200, &serde_json::json!(false)),
        "{v}"
    );
    let token = v["token"].as_str().unwrap().to_owned();
    let (s, v) = server.call("POST", "/api/v1/dossiers", Some(&token), Some(body));
    assert_eq!(s, 201, "{v}");
    let code = v["code"].as_str().unwrap().to_owned();
    // The secret printed on form 01, for the applicant's lookup.
    let secret = v["receipt"]["secret"].as_str().unwrap().to_owned();
    assert!(code.starts_with(WARD), "{code}");
    drop(server);

    let store = Store::open(from).unwrap();
    let login = store
        .read(|tx| office::login(tx, "tiepnhan.buonho"))
        .unwrap()
        .unwrap();
    assert!(!login.must_change_password);
    let member = store.read(|tx| org::get_staff(tx, login.staff_id)).unwrap();
    assert!(member.grants.iter().any(|g| g.unit == WARD));
    let desks = store.read(org::desks).unwrap();
    let desk = desks.iter().find(|d| d.unit == WARD).unwrap();
    assert!(desk.members.iter().any(|m| m.staff_id == login.staff_id));
    assert_eq!(
        desk.founding_decision.as_ref().unwrap().number,
        "01/QĐ-UBND"
    );
    drop(store);

    // A re-import keeps the changed password.
    ok(motcua(&[
        "staff",
        "import",
        &example("staff-buonho-2025.csv"),
        "--db",
        from,
    ]));
    let store = Store::open(from).unwrap();
    let again = store
        .read(|tx| office::login(tx, "tiepnhan.buonho"))
        .unwrap()
        .unwrap();
    assert!(motcua_store::password::verify_password(
        "mat-khau-cua-hoa-2025",
        &again.password_hash
    ));
    drop(store);

    // An uploaded paper travels too.
    std::fs::create_dir_all(files.join("01")).unwrap();
    std::fs::write(files.join("01").join("0123abcd"), b"scanned paper").unwrap();
    let archive = dir.join("office.zip");
    ok(motcua(&[
        "backup",
        "--db",
        from,
        "--output",
        archive.to_str().unwrap(),
        "--files-dir",
        files.to_str().unwrap(),
    ]));
    let restored_files = dir.join("restored-files");
    ok(motcua(&[
        "restore",
        archive.to_str().unwrap(),
        "--db",
        to,
        "--files-dir",
        restored_files.to_str().unwrap(),
    ]));
    assert_eq!(head(from), head(to));
    assert_eq!(
        std::fs::read(restored_files.join("01").join("0123abcd")).unwrap(),
        b"scanned paper"
    );
    let source_projections = Store::open(from)
        .unwrap()
        .read(dossiers::projection_digest)
        .unwrap();
    let store = Store::open(to).unwrap();
    assert_eq!(
        store.read(dossiers::projection_digest).unwrap(),
        source_projections,
        "the rebuilt projections equal the source's"
    );
    let id = store.read(|tx| dossiers::id_by_code(tx, &code)).unwrap();
    assert!(id.is_some(), "dossier {code} after the restore");
    {
        // The applicant looks the dossier up on the province's server.
        let server = Server::start(to, &restored_files);
        let (s, v) = server.call(
            "GET",
            &format!("/api/v1/public/lookup?code={code}&secret={secret}"),
            None,
            None,
        );
        assert_eq!((s, v["code"].as_str()), (200, Some(code.as_str())), "{v}");
    }
    let login = store
        .read(|tx| office::login(tx, "tiepnhan.buonho"))
        .unwrap()
        .unwrap();
    assert!(motcua_store::password::verify_password(
        "mat-khau-cua-hoa-2025",
        &login.password_hash
    ));
    // New ids continue after the restored ones (PostgreSQL sequences raised).
    let second = receive(&store, login.staff_id, Utc::now());
    assert_ne!(second, code);
    let changes = store.read(|tx| office::org_changes(tx, 100)).unwrap();
    assert_eq!(changes.len(), 19);
    assert!(changes.iter().all(|c| c.source == "org-daklak-2025.csv"));
    drop(store);
    ok(motcua(&["verify", "--db", to]));
    // A second restore into the now full target is refused.
    let again = motcua(&["restore", archive.to_str().unwrap(), "--db", to]);
    assert_eq!(again.status.code(), Some(2), "{}", out(&again));
}

#[test]
fn an_office_set_up_from_zero_moves_from_sqlite_to_postgres_with_the_same_ledger_head() {
    let dir = temp_dir("s2p");
    let from = sqlite_url(&dir, "desk.db");
    let to = postgres_url().unwrap_or_else(|| sqlite_url(&dir, "moved.db"));
    office_from_zero_then_move(&from, &to, &dir);
}

#[test]
fn an_office_set_up_from_zero_on_postgres_moves_to_sqlite_with_the_same_ledger_head() {
    let dir = temp_dir("p2s");
    let Some(from) = postgres_url() else { return };
    let to = sqlite_url(&dir, "moved.db");
    office_from_zero_then_move(&from, &to, &dir);
}

#[test]
fn the_organisation_round_trips_through_xlsx_and_json() {
    let dir = temp_dir("formats");
    let a = sqlite_url(&dir, "a.db");
    ok(motcua(&[
        "org",
        "import",
        &example("org-daklak-2025.csv"),
        "--db",
        &a,
    ]));
    let csv = export(&a);
    for format in ["xlsx", "json"] {
        let file = dir.join(format!("units.{format}"));
        ok(motcua(&[
            "org",
            "export",
            "--format",
            format,
            "--output",
            file.to_str().unwrap(),
            "--db",
            &a,
        ]));
        let b = sqlite_url(&dir, &format!("{format}.db"));
        ok(motcua(&[
            "org",
            "import",
            file.to_str().unwrap(),
            "--db",
            &b,
        ]));
        assert_eq!(export(&b), csv, "{format}");
    }
    assert!(csv.contains("000.00.12.H15,UBND thị xã Buôn Hồ,district,000.00.00.H15,2008-12-23,2025-06-30,000.31.00.H15;000.32.00.H15;000.33.00.H15\n"));
}

fn export(url: &str) -> String {
    ok(motcua(&["org", "export", "--db", url]))
}

fn staff_list(url: &str) -> String {
    ok(motcua(&["user", "list", "--db", url]))
}

fn org_file(dir: &Path, name: &str, rows: &[&str]) -> String {
    let path = dir.join(name);
    let mut text = String::from("code,name,level,parent,valid_from,valid_to,successors\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn refused(o: Output, row: usize, column: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains(&format!("dòng {row}, cột {column}"))
            && text.contains(&format!("row {row}, column {column}")),
        "{text}"
    );
}

fn bad_files_are_refused_on(url: &str, dir: &Path) {
    ok(motcua_stdin(
        &[
            "init",
            "--db",
            url,
            "--admin",
            "quantri",
            "--password-stdin",
        ],
        "mat-khau-quan-tri-1\n",
    ));
    ok(motcua(&[
        "org",
        "import",
        &example("org-daklak-2025.csv"),
        "--db",
        url,
    ]));
    let units = export(url);
    let good = "000.40.00.H15,UBND xã Mới,commune,000.00.00.H15,2025-07-01,,";

    // A missing parent.
    let f = org_file(
        dir,
        "parent.csv",
        &[
            good,
            "000.41.00.H15,UBND xã B,commune,000.99.00.H15,2025-07-01,,",
        ],
    );
    refused(motcua(&["org", "import", &f, "--db", url]), 2, "parent");
    // A duplicate code.
    let f = org_file(dir, "duplicate.csv", &[good, good]);
    refused(motcua(&["org", "import", &f, "--db", url]), 2, "code");
    // A successor that does not exist.
    let f = org_file(
        dir,
        "successor.csv",
        &[
            good,
            "000.31.00.H15,UBND phường Buôn Hồ,commune,000.00.00.H15,2025-07-01,2026-12-31,000.77.00.H15",
        ],
    );
    refused(motcua(&["org", "import", &f, "--db", url]), 2, "successors");
    // A date that is not a date.
    let f = org_file(
        dir,
        "date.csv",
        &[
            good,
            "000.42.00.H15,UBND xã C,commune,000.00.00.H15,2025-02-30,,",
        ],
    );
    refused(motcua(&["org", "import", &f, "--db", url]), 2, "valid_from");
    assert_eq!(export(url), units, "the organisation is unchanged");

    let staff = staff_list(url);
    let header = "username,full_name,title,roles,desk,email,phone\n";
    let ok_row = "an.nguyen,Nguyễn An,,reception_officer@000.31.00.H15,000.31.00.H15,,\n";
    // A role at a unit that does not exist.
    let f = dir.join("role.csv");
    std::fs::write(
        &f,
        format!("{header}{ok_row}binh.tran,Trần Bình,,specialist@000.99.00.H15,,,\n"),
    )
    .unwrap();
    let pw = dir.join("pw.csv");
    let args = |f: &Path| {
        vec![
            "staff".to_owned(),
            "import".into(),
            f.display().to_string(),
            "--db".into(),
            url.to_owned(),
            "--passwords-out".into(),
            pw.display().to_string(),
        ]
    };
    let run = |f: &Path| {
        let a = args(f);
        motcua(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    refused(run(&f), 2, "roles");
    // A username twice in one file.
    let f = dir.join("twice.csv");
    std::fs::write(&f, format!("{header}{ok_row}{ok_row}")).unwrap();
    refused(run(&f), 2, "username");
    assert_eq!(staff_list(url), staff, "the staff are unchanged");
    assert!(!pw.exists(), "no password file for a refused import");
}

#[test]
fn bad_organisation_and_staff_files_are_refused_naming_the_row_on_sqlite() {
    let dir = temp_dir("bad-sqlite");
    bad_files_are_refused_on(&sqlite_url(&dir, "m.db"), &dir);
}

#[test]
fn bad_organisation_and_staff_files_are_refused_naming_the_row_on_postgres() {
    let dir = temp_dir("bad-pg");
    if let Some(url) = postgres_url() {
        bad_files_are_refused_on(&url, &dir);
    }
}

#[test]
fn a_damaged_or_altered_archive_is_refused_and_the_target_left_alone() {
    let dir = temp_dir("tamper");
    let src = sqlite_url(&dir, "src.db");
    ok(motcua(&[
        "demo",
        "--no-serve",
        "--db",
        &src,
        "--dossiers",
        "40",
    ]));
    let archive = dir.join("b.zip");
    ok(motcua(&[
        "backup",
        "--db",
        &src,
        "--output",
        archive.to_str().unwrap(),
        "--files-dir",
        dir.join("none").to_str().unwrap(),
    ]));
    // One event's time altered: once with the manifest left as it was (its SHA-256 no longer
    // matches), once with the manifest's hash and size recomputed too (the hash chain catches it).
    let rewrite = |path: &Path, fix_manifest: bool| {
        let mut zin = zip::ZipArchive::new(std::fs::File::open(&archive).unwrap()).unwrap();
        let mut entries: Vec<(String, Vec<u8>)> = vec![];
        for i in 0..zin.len() {
            let mut entry = zin.by_index(i).unwrap();
            let name = entry.name().to_owned();
            let mut bytes = vec![];
            std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
            entries.push((name, bytes));
        }
        let events = entries
            .iter_mut()
            .find(|(n, _)| n == "tables/events.jsonl")
            .unwrap();
        let text = String::from_utf8(events.1.clone()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut row: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        row[3] = (row[3].as_i64().unwrap() + 1000).into();
        lines[0] = row.to_string();
        events.1 = format!("{}\n", lines.join("\n")).into_bytes();
        let (sha, len) = {
            use sha2::Digest;
            (hex::encode(sha2::Sha256::digest(&events.1)), events.1.len())
        };
        if fix_manifest {
            let manifest = entries
                .iter_mut()
                .find(|(n, _)| n == "manifest.json")
                .unwrap();
            let mut m: serde_json::Value = serde_json::from_slice(&manifest.1).unwrap();
            for member in m["members"].as_array_mut().unwrap() {
                if member["name"] == "tables/events.jsonl" {
                    member["sha256"] = sha.clone().into();
                    member["bytes"] = len.into();
                }
            }
            manifest.1 = serde_json::to_vec(&m).unwrap();
        }
        let mut zout = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        for (name, bytes) in entries {
            zout.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zout.write_all(&bytes).unwrap();
        }
        zout.finish().unwrap();
    };
    let altered = dir.join("altered.zip");
    rewrite(&altered, false);
    let forged = dir.join("forged.zip");
    rewrite(&forged, true);
    // A byte flipped in the middle of the file.
    let flipped = dir.join("flipped.zip");
    let mut bytes = std::fs::read(&archive).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&flipped, bytes).unwrap();
    for bad in [&altered, &forged, &flipped] {
        let target = dir.join("target.db");
        let o = motcua(&[
            "restore",
            bad.to_str().unwrap(),
            "--db",
            &format!("sqlite:{}", target.display()),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", out(&o));
        assert!(!target.exists(), "the target was not created");
        if bad == &forged {
            assert!(out(&o).contains("found 1 problems"), "{}", out(&o));
        }
    }
    // The faithful archive restores.
    ok(motcua(&[
        "restore",
        archive.to_str().unwrap(),
        "--db",
        &sqlite_url(&dir, "ok.db"),
    ]));
    assert_eq!(head(&src), head(&sqlite_url(&dir, "ok.db")));
}

#[test]
fn an_older_program_refuses_a_newer_database_with_a_clear_message() {
    let dir = temp_dir("schema");
    let url = sqlite_url(&dir, "m.db");
    let store = Store::open(&url).unwrap();
    store
        .write(|tx| {
            tx.exec(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)",
                &[Value::Int(motcua_store::schema_version() + 1)],
            )
        })
        .unwrap();
    drop(store);
    let o = motcua(&["verify", "--db", &url]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains("mới hơn") && text.contains("newer than version"),
        "{text}"
    );
}

/// kill -9 of the server while eight clients receive dossiers at the desk: every reception it
/// acknowledged (201 with a code) is in the database after a restart, codes are unique, the record
/// verifies, and the restarted server receives again.
fn acknowledged_writes_survive_kill_9(url: &str, dir: &Path) {
    ok(motcua(&[
        "demo",
        "--no-serve",
        "--db",
        url,
        "--dossiers",
        "20",
    ]));
    let username = Store::open(url)
        .unwrap()
        .read(|tx| {
            tx.query_one(
                "SELECT s.username FROM staff s JOIN grants g ON g.staff_id = s.id \
                 WHERE g.role = 'reception_officer' AND g.unit = $1 AND s.active = 1 ORDER BY s.id",
                &[Value::from(WARD)],
            )?
            .unwrap()
            .string(0)
        })
        .unwrap();
    let body = reception_body(url);
    let files = dir.join("files");
    let mut server = Server::start(url, &files);
    let (s, v) = server.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(serde_json::json!({"username": username, "password": "motcua-demo"})),
    );
    assert_eq!(s, 200, "{v}");
    let token = v["token"].as_str().unwrap().to_owned();
    let addr = server.addr.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (addr, token, body, stop) =
                (addr.clone(), token.clone(), body.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut acknowledged = vec![];
                let mut refused = 0;
                while !stop.load(Ordering::Relaxed) {
                    match raw_post(&addr, "/api/v1/dossiers", &token, &body.to_string()) {
                        Some((201, v)) => acknowledged.push(v["code"].as_str().unwrap().to_owned()),
                        Some((status, v)) => {
                            assert!(status < 500 || status == 503, "{status}: {v}");
                            refused += 1;
                        }
                        // The connection died with the server.
                        None => break,
                    }
                }
                (acknowledged, refused)
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // SIGKILL: no shutdown, no flush, in the middle of writes.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = vec![];
    for c in clients {
        acknowledged.extend(c.join().unwrap().0);
    }
    assert!(
        acknowledged.len() >= 5,
        "too few writes before the kill: {acknowledged:?}"
    );
    let o = motcua(&["verify", "--db", url]);
    assert!(o.status.success(), "{}", out(&o));
    let store = Store::open(url).unwrap();
    for code in &acknowledged {
        let found = store.read(|tx| dossiers::id_by_code(tx, code)).unwrap();
        assert!(found.is_some(), "{url}: acknowledged {code} lost");
    }
    let mut unique = acknowledged.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), acknowledged.len(), "a code given twice");
    drop(store);
    let server = Server::start(url, &files);
    let (s, v) = server.call("POST", "/api/v1/dossiers", Some(&token), Some(body));
    assert_eq!(s, 201, "after the restart: {v}");
    assert!(!acknowledged.contains(&v["code"].as_str().unwrap().to_owned()));
}

/// One POST on a fresh connection; None when the server is gone.
fn raw_post(addr: &str, path: &str, token: &str, body: &str) -> Option<(u16, serde_json::Value)> {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8(answer).ok()?;
    let (head, rest) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    // Answers to a POST here are JSON written at once (no chunking at this size).
    let json = rest
        .find('{')
        .and_then(|i| serde_json::from_str(rest[i..].trim_end_matches(|c: char| c != '}')).ok())
        .unwrap_or(serde_json::Value::Null);
    Some((status, json))
}

#[test]
fn acknowledged_writes_survive_kill_9_on_sqlite() {
    let dir = temp_dir("kill9");
    acknowledged_writes_survive_kill_9(&sqlite_url(&dir, "k.db"), &dir);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn acknowledged_writes_survive_kill_9_on_postgres() {
    let Some(url) = postgres_url() else { return };
    let dir = temp_dir("kill9pg");
    acknowledged_writes_survive_kill_9(&url, &dir);
    let _ = std::fs::remove_dir_all(dir);
}
