//! Test databases: a fresh SQLite file, and a fresh database on the PostgreSQL server named by
//! MOTCUA_TEST_PG (the test command starts a throwaway cluster and sets it). With CI=true a missing
//! PostgreSQL fails the run instead of skipping.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;
use motcua_domain::calendar::Limit;
use motcua_domain::catalogue::{Announcement, Item};
use motcua_domain::org::{Unit, UnitLevel};
use motcua_domain::procedure::{
    Applicability, Channels, OnlineLevel, PaperSpec, Procedure, ProcedureSpec, StepBudget,
};
use motcua_store::{Store, org, procedures};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

pub fn sqlite_url() -> String {
    let dir = std::env::temp_dir().join("motcua-tests");
    std::fs::create_dir_all(&dir).unwrap();
    format!(
        "sqlite:{}",
        dir.join(format!("{}.db", unique("t"))).display()
    )
}

/// A fresh database on the test PostgreSQL server, or None when there is none (outside CI).
pub fn postgres_url() -> Option<String> {
    let Ok(base) = std::env::var("MOTCUA_TEST_PG") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "MOTCUA_TEST_PG is not set: in CI the PostgreSQL tests must run (use scripts/test-all.sh)"
            );
        }
        eprintln!(
            "MOTCUA_TEST_PG not set: skipping PostgreSQL (run scripts/test-all.sh for the full suite)"
        );
        return None;
    };
    let name = unique("motcua");
    let mut admin =
        postgres::Client::connect(&base, postgres::NoTls).expect("connect to MOTCUA_TEST_PG");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let (prefix, _) = base
        .rsplit_once('/')
        .expect("MOTCUA_TEST_PG ends with /DBNAME");
    Some(format!("{prefix}/{name}"))
}

/// Every backend this run can test: (name, url).
pub fn backends() -> Vec<(&'static str, String)> {
    let mut out = vec![("sqlite", sqlite_url())];
    if let Some(url) = postgres_url() {
        out.push(("postgres", url));
    }
    out
}

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub const PROVINCE: &str = "000.00.00.H15";
pub const TOWN: &str = "000.00.12.H15";
pub const WARD: &str = "000.12.01.H15";
pub const FINANCE: &str = "000.12.30.H15";
pub const TAX: &str = "000.00.60.H15";

pub fn unit(code: &str, name: &str, level: UnitLevel, parent: Option<&str>) -> Unit {
    Unit {
        code: code.into(),
        name: name.into(),
        level,
        parent: parent.map(Into::into),
        valid_from: d("2008-12-23"),
        valid_to: None,
        successors: vec![],
    }
}

pub fn spec() -> ProcedureSpec {
    ProcedureSpec {
        code: "1.001612".into(),
        name: "Đăng ký thành lập hộ kinh doanh".into(),
        field: "Thành lập và hoạt động của hộ kinh doanh".into(),
        level: UnitLevel::District,
        receiving_agency: "Bộ phận Một cửa".into(),
        deciding_agency: "Phòng Tài chính - Kế hoạch".into(),
        channels: Channels {
            desk: true,
            post: true,
            online: OnlineLevel::Partial,
        },
        limit: Limit::WorkingDays(3),
        steps: vec![
            StepBudget {
                name: "Tiếp nhận, chuyển hồ sơ".into(),
                budget: Limit::WorkingMinutes(240),
                performer: None,
            },
            StepBudget {
                name: "Thẩm định".into(),
                budget: Limit::WorkingDays(2),
                performer: None,
            },
        ],
        fees: vec![],
        papers: vec![PaperSpec {
            name: "Giấy đề nghị đăng ký hộ kinh doanh".into(),
            copies: 1,
            mandatory: true,
            template: None,
            condition: None,
        }],
        conditions: vec![],
        result: "Giấy chứng nhận đăng ký hộ kinh doanh".into(),
        legal_basis: vec![],
        applies_to: Applicability {
            levels: vec![UnitLevel::District],
            units: vec![],
            except: vec![],
        },
        conditional_limits: vec![],
        boundary_free: false,
    }
}

/// The procedure as announced by a 2020 decision.
pub fn announcement() -> Announcement {
    Announcement {
        number: "100/QĐ-UBND".into(),
        date: d("2020-01-10"),
        issuer: "Chủ tịch UBND tỉnh Đắk Lắk".into(),
        effective: d("2020-02-01"),
        items: vec![Item::New { procedure: spec() }],
    }
}

pub fn procedure() -> Procedure {
    Procedure {
        version: 1,
        effective_from: d("2020-02-01"),
        effective_to: None,
        announced_by: "100/QĐ-UBND".into(),
        spec: spec(),
    }
}

/// A store with a province, a town with a ward and a department, an outside agency, one procedure.
pub fn seeded(url: &str) -> Store {
    let store = Store::open(url).unwrap();
    store
        .write(|tx| {
            org::put_unit(
                tx,
                &unit(PROVINCE, "Tỉnh Đắk Lắk", UnitLevel::Province, None),
            )?;
            org::put_unit(
                tx,
                &unit(TOWN, "Thị xã Buôn Hồ", UnitLevel::District, Some(PROVINCE)),
            )?;
            org::put_unit(
                tx,
                &unit(WARD, "Phường An Lạc", UnitLevel::Commune, Some(TOWN)),
            )?;
            org::put_unit(
                tx,
                &unit(
                    FINANCE,
                    "Phòng Tài chính - Kế hoạch",
                    UnitLevel::Department,
                    Some(TOWN),
                ),
            )?;
            org::put_unit(
                tx,
                &unit(TAX, "Chi cục Thuế", UnitLevel::Agency, Some(PROVINCE)),
            )?;
            procedures::import(tx, &[announcement()], "test", chrono::Utc::now())?;
            Ok(())
        })
        .unwrap();
    store
}

/// Runs one command as staff member 1 at `now`, in its own transaction.
pub fn execute_one(
    store: &Store,
    calendar: &motcua_domain::calendar::WorkCalendar,
    target: motcua_store::dossiers::Target,
    command: motcua_domain::dossier::Command,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<motcua_store::dossiers::Outcome, motcua_store::StoreError> {
    store
        .write(|tx| {
            motcua_store::dossiers::execute(
                tx,
                calendar,
                vec![motcua_store::dossiers::Request {
                    target,
                    actor: motcua_domain::dossier::Actor::Staff { id: 1 },
                    command,
                    now,
                }],
            )
        })
        .map(|mut v| v.remove(0))
}

/// The next command on the dossier an outcome left, at the version it left.
pub fn on(o: &motcua_store::dossiers::Outcome) -> motcua_store::dossiers::Target {
    motcua_store::dossiers::Target::Existing {
        id: o.id,
        expected_version: o.dossier.version,
    }
}
