//! `motcua demo`: a fresh database holding the town of Buôn Hồ (Đắk Lắk): its 2017 units and desks,
//! the three units that succeeded it in 2025, their staff, a procedure catalogue, and months of
//! realistic dossiers generated through the same code paths as real ones.

pub mod blank_forms;
mod boundary_free;
mod catalogue;
pub mod documents;
mod feedback;
mod generate;
pub mod inspection2017;
pub mod province;
mod town;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Instant as Clock;

use anyhow::Result;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use motcua_domain::dossier::to_local;
use motcua_domain::org::{Decision, Desk, DeskMember, Grant, Role};
use motcua_store::dossiers::{self, Request, Target};
use motcua_store::{DbUrl, Store, calendar, org, procedures};

use crate::BadInput;

pub const PASSWORD: &str = "motcua-demo";

/// The demo catalogue's announcement decisions (for the benchmarks).
pub fn catalogue_announcements() -> Vec<motcua_domain::catalogue::Announcement> {
    catalogue::announcements()
}

/// Opens an empty database for the demo: a SQLite file is recreated; a PostgreSQL database must be
/// empty (the demo never overwrites real data).
pub fn fresh_store(url: &str) -> Result<Store> {
    if let DbUrl::Sqlite(path) = DbUrl::parse(url).map_err(|e| BadInput(e.to_string()))? {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
    let store = crate::open_store(url)?;
    let used = !store.read(motcua_store::is_empty)?;
    if used {
        return Err(BadInput(
            "cơ sở dữ liệu đã có dữ liệu; bản demo cần một cơ sở dữ liệu trống / the database is not empty; the demo needs an empty one".into(),
        )
        .into());
    }
    Ok(store)
}

/// Seeds the demo and returns a summary for people.
pub fn seed(store: &Store, dossier_count: usize, now: DateTime<Utc>) -> Result<String> {
    let started = Clock::now();
    let hash = motcua_web::auth::hash_password(PASSWORD).map_err(anyhow::Error::msg)?;
    let accounts = town::accounts();
    let today = to_local(now).date();
    let cat = catalogue::catalogue();
    let catalogue = catalogue::procedures(&cat, today);
    let decisions = catalogue::announcements();
    let ids: HashMap<String, i64> = store.write(|tx| {
        for u in town::units() {
            org::put_unit(tx, &u)?;
        }
        procedures::import(tx, &decisions, "demo", now)?;
        for p in catalogue::postings(&cat) {
            procedures::record_posting(tx, &p, "demo", now)?;
        }
        let mut ids = HashMap::new();
        for a in &accounts {
            let grants: Vec<Grant> = a
                .grants
                .iter()
                .map(|(role, unit)| Grant {
                    role: *role,
                    unit: unit.clone(),
                })
                .collect();
            let id = org::add_staff(
                tx,
                &org::NewStaff {
                    username: &a.username,
                    full_name: &a.full_name,
                    title: &a.title,
                    password_hash: &hash,
                    grants: &grants,
                },
            )?;
            ids.insert(a.username.clone(), id);
        }
        for (unit, name, decision) in town::desks() {
            let members = accounts
                .iter()
                .filter(|a| {
                    a.grants
                        .iter()
                        .any(|(r, u)| *r == Role::ReceptionOfficer && *u == unit)
                })
                .map(|a| DeskMember {
                    staff_id: ids[&a.username],
                    assigned_on: decision
                        .map_or(NaiveDate::MIN, |d| d.1.parse().unwrap_or(NaiveDate::MIN)),
                    duty: "Tiếp nhận và trả kết quả".into(),
                })
                .collect();
            org::add_desk(
                tx,
                &Desk {
                    id: 0,
                    unit,
                    name,
                    founding_decision: decision.map(|(number, date, signer)| Decision {
                        number: number.into(),
                        date: date.parse().unwrap_or(NaiveDate::MIN),
                        signer: signer.into(),
                    }),
                    members,
                },
            )?;
        }
        Ok(ids)
    })?;

    // Who acts for each unit in the generated history.
    let role_of = |unit: &str, role: Role| {
        accounts
            .iter()
            .find(|a| a.grants.iter().any(|(r, u)| *r == role && u == unit))
            .map_or(1, |a| ids[&a.username])
    };
    let mut crew = generate::Crew {
        by_unit: HashMap::new(),
    };
    for unit in [
        town::PHUONG_BUON_HO,
        town::PHUONG_CU_BAO,
        town::XA_EA_DRONG,
        town::LAND_OFFICE,
        town::TAX,
    ] {
        crew.by_unit.insert(
            unit.to_owned(),
            (
                role_of(unit, Role::ReceptionOfficer),
                role_of(unit, Role::Specialist),
                role_of(unit, Role::UnitLeader),
            ),
        );
    }
    let units = [
        (town::PHUONG_BUON_HO, "phường Buôn Hồ", 50),
        (town::PHUONG_CU_BAO, "phường Cư Bao", 30),
        (town::XA_EA_DRONG, "xã Ea Drông", 20),
    ];
    let cal = store.read(calendar::work_calendar)?;
    let earliest: NaiveDate = "2025-07-01".parse().unwrap_or(NaiveDate::MIN);
    let from = (today - TimeDelta::days(183)).max(earliest);
    let mut rng = generate::Rng::new(20_171_020);
    let mut plans = generate::plan(
        &mut rng,
        &cal,
        &catalogue,
        &units,
        &crew,
        dossier_count,
        from,
        now,
    );
    // Dossier ids follow the order of first events, as they would have been created.
    plans.sort_by_key(|p| p[0].at);
    let mut all: Vec<(usize, generate::Planned)> = plans
        .into_iter()
        .enumerate()
        .flat_map(|(i, p)| p.into_iter().map(move |x| (i, x)))
        .collect();
    all.sort_by_key(|(i, p)| (p.at, *i, p.seq));
    let base = store.read(dossiers::last_id)?;
    let total_events = all.len();
    let dossier_total = all.iter().map(|(i, _)| *i).max().map_or(0, |m| m + 1);
    for chunk in all.chunks(2000) {
        let requests: Vec<Request> = chunk
            .iter()
            .map(|(i, p)| Request {
                target: if p.seq == 1 {
                    Target::New
                } else {
                    Target::Existing {
                        id: base + *i as i64 + 1,
                        expected_version: p.seq - 1,
                    }
                },
                actor: p.actor.clone(),
                command: p.command.clone(),
                now: p.at,
            })
            .collect();
        store.write(|tx| dossiers::execute(tx, &cal, requests).map(|_| ()))?;
    }
    // Walk-ins at the counters in the last weeks: guidance to complete (form 02), refusals (form 03).
    let procedure_of = |code: &str| {
        catalogue
            .iter()
            .find(|p| p.procedure.spec.code == code)
            .map(|p| motcua_domain::procedure::ProcedureRef::from(&p.procedure))
    };
    let visits: [(
        &str,
        &str,
        motcua_domain::walk_in::WalkInKind,
        &str,
        &str,
        &str,
        i64,
    ); 4] = [
        (
            town::PHUONG_BUON_HO,
            "1.001193",
            motcua_domain::walk_in::WalkInKind::Guidance,
            "Nguyễn Thị Lan",
            "Giấy chứng sinh (bản chính)",
            "",
            9,
        ),
        (
            town::PHUONG_CU_BAO,
            "2.000815",
            motcua_domain::walk_in::WalkInKind::Guidance,
            "Trần Văn Hùng",
            "Bản chính giấy tờ để đối chiếu",
            "",
            6,
        ),
        (
            town::PHUONG_CU_BAO,
            "1.001193",
            motcua_domain::walk_in::WalkInKind::Refusal,
            "Lê Thị Hoa",
            "",
            "Trẻ sinh tại tỉnh khác, cha mẹ thường trú tại tỉnh khác: không thuộc thẩm quyền của phường",
            4,
        ),
        (
            town::XA_EA_DRONG,
            "2.000815",
            motcua_domain::walk_in::WalkInKind::Refusal,
            "H Mai Niê",
            "",
            "Bản chính giấy tờ bị tẩy xóa, sửa chữa (không được chứng thực bản sao)",
            2,
        ),
    ];
    for (unit, code, kind, name, item, reason, days_ago) in visits {
        let Some(procedure) = procedure_of(code) else {
            continue;
        };
        let at = now - TimeDelta::days(days_ago);
        let desk = role_of(unit, Role::ReceptionOfficer);
        let items: Vec<String> = if item.is_empty() {
            vec![]
        } else {
            vec![item.to_owned()]
        };
        let w = motcua_domain::walk_in::WalkIn::new(
            unit,
            &procedure,
            kind,
            name,
            None,
            &items,
            reason,
            Some(desk),
            at,
        )?;
        store.write(|tx| {
            motcua_store::walk_ins::record(
                tx,
                &w,
                &motcua_domain::dossier::Actor::Import {
                    staff: Some(desk),
                    source: "demo".into(),
                },
            )
        })?;
    }
    // A boundary-free reception: received at phường Buôn Hồ, resolved by phường Cư Bao.
    let boundary_free_code = boundary_free::seed(store, &cal, &catalogue, now, &role_of)?;
    // Feedback and petitions over the past months, handled through the store's own path.
    let feedback_count = feedback::seed(store, &cal, now, 36, &role_of)?;
    // 2017: the town's records and its administrative-reform inspection.
    let officers: HashMap<String, i64> = accounts
        .iter()
        .filter(|a| a.username.starts_with("motcua2017."))
        .filter_map(|a| {
            a.grants
                .first()
                .map(|(_, unit)| (unit.clone(), ids[&a.username]))
        })
        .collect();
    let inspection = inspection2017::seed(store, &cal, &officers, ids["thanhtra"])?;
    let elapsed = started.elapsed().as_secs_f64();
    let in_force = cat.all_in_force(today).count();

    let mut s = String::new();
    let _ = writeln!(s, "Thị xã Buôn Hồ (Đắk Lắk), dữ liệu mô phỏng / demo data:");
    let _ = writeln!(
        s,
        "  {} đơn vị, {} quyết định công bố, {in_force} thủ tục đang hiệu lực, {dossier_total} hồ sơ ({total_events} sự kiện) từ {} / \
         {} units, {} announcement decisions, {in_force} procedures in force, {dossier_total} dossiers ({total_events} events) since {from}; {elapsed:.1} s",
        town::units().len(),
        decisions.len(),
        from.format("%d/%m/%Y"),
        town::units().len(),
        decisions.len(),
    );
    let _ = writeln!(
        s,
        "  {feedback_count} phản ánh, kiến nghị / feedback items: /can-bo/phan-anh, /phan-anh/da-tra-loi"
    );
    let _ = writeln!(
        s,
        "  Đợt kiểm tra CCHC năm 2017 / the 2017 inspection: /can-bo/kiem-tra/{inspection} (thanhtra)"
    );
    if let Some(code) = &boundary_free_code {
        let _ = writeln!(
            s,
            "  Tiếp nhận không phụ thuộc địa giới hành chính / received regardless of boundaries: {code} (phường Buôn Hồ -> phường Cư Bao)"
        );
    }
    let _ = writeln!(s, "Tài khoản mẫu (mật khẩu / password: {PASSWORD}):");
    for a in &accounts {
        let roles: Vec<String> = a
            .grants
            .iter()
            .map(|(r, u)| format!("{} @ {u}", r.label_vi()))
            .collect();
        let _ = writeln!(
            s,
            "  {:<20} {:<24} {}",
            a.username,
            a.full_name,
            roles.join("; ")
        );
    }
    let _ = writeln!(
        s,
        "Trang công dân / citizens: /   Cán bộ đăng nhập / staff sign-in: /dang-nhap   API: /api/v1/openapi.json"
    );
    Ok(s)
}

/// The demo's connections (issue 15): the payment gateway and the population database are local
/// doubles served by the demo's own server on loopback (`/cong-thanh-toan-thu`, `/dan-cu-thu`),
/// with a secret and a token drawn at start; a configured `[payment]` or `[population]` wins.
/// The gateway double speaks `kind` (`[payment] kind` even without the other keys: VNPay by
/// default, or the national portal's platform).
pub fn connect_doubles(
    settings: &mut motcua_web::Settings,
    kind: motcua_web::payment::gateway::GatewayKind,
) {
    use motcua_web::payment::gateway::GatewayKind;
    use sha2::Digest;
    let draw = |what: &str| {
        let seed = format!(
            "{what}{:?}{}",
            std::time::SystemTime::now(),
            std::process::id()
        );
        hex::encode(sha2::Sha256::digest(seed.as_bytes()))
    };
    let base = settings.public_url.trim_end_matches('/').to_owned();
    if settings.payment.is_none() {
        settings.payment = Some(motcua_web::payment::gateway::PaymentConfig {
            kind,
            url: match kind {
                GatewayKind::VnPay => format!("{base}/cong-thanh-toan-thu"),
                GatewayKind::Dvcqg => format!("{base}/cong-thanh-toan-thu/dvcqg/khoi-tao"),
            },
            merchant: "MOTCUA01".into(),
            secret: draw("payment"),
            double: true,
        });
    }
    if settings.population.is_none() {
        settings.population = Some(motcua_web::population::PopulationConfig {
            url: format!("{base}/dan-cu-thu"),
            token: draw("population"),
            double: true,
        });
    }
}

/// What the banner says about the connections.
pub fn connections_banner(kind: motcua_web::payment::gateway::GatewayKind) -> String {
    let people: Vec<String> = motcua_web::population::demo_people()
        .into_iter()
        .map(|p| format!("{} ({})", p.id_number, p.full_name))
        .collect();
    format!(
        "Thanh toán trực tuyến / online payment: cổng thanh toán thử ({}) / a test gateway at /cong-thanh-toan-thu, \
         từ trang tra cứu hồ sơ / from the lookup page; đối soát / reconciliation: /can-bo/doi-soat-thanh-toan\n\
         CSDL quốc gia về dân cư thử / a test population database: GET /api/v1/population/{{số định danh}} với / with {}\n",
        match kind {
            motcua_web::payment::gateway::GatewayKind::VnPay => "VNPay 2.1.0",
            motcua_web::payment::gateway::GatewayKind::Dvcqg =>
                "Nền tảng thanh toán Cổng DVCQG / the national portal's platform",
        },
        people.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_routes_match_steps() {
        let cat = catalogue::catalogue();
        let today = "2026-11-28".parse().unwrap();
        assert!(cat.all_in_force(today).count() >= 40);
        let procedures = catalogue::procedures(&cat, today);
        assert_eq!(
            procedures.len(),
            20,
            "every generated procedure is in force"
        );
        for p in procedures {
            assert_eq!(
                p.route.len(),
                p.procedure.spec.steps.len(),
                "{}",
                p.procedure.spec.code
            );
        }
    }

    #[test]
    fn demo_seeds_a_consistent_town() {
        let dir = std::env::temp_dir().join(format!("motcua-demo-test-{}", std::process::id()));
        let url = format!("sqlite:{}", dir.join("demo.db").display());
        let store = fresh_store(&url).unwrap();
        let now: DateTime<Utc> = "2026-11-27T03:00:00Z".parse().unwrap();
        let summary = seed(&store, 300, now).unwrap();
        assert!(summary.contains("300 dossiers"), "{summary}");
        let report = store
            .read(|tx| motcua_store::ledger::verify(tx, &[]))
            .unwrap();
        assert!(report.findings.is_empty());
        let recent: i64 = store
            .read(|tx| {
                tx.query_one(
                    "SELECT COUNT(*) FROM dossiers WHERE submitted_at >= 1700000000000 OR received_at >= 1700000000000",
                    &[],
                )?
                .unwrap()
                .i64(0)
            })
            .unwrap();
        assert_eq!(recent, 301, "300 generated and the boundary-free one");
        assert!(report.dossiers > 301, "and the 2017 records");
        // Received at phường Buôn Hồ (its code), resolved by phường Cư Bao, returned at Buôn Hồ,
        // and counted so: received at Buôn Hồ, resolved by Cư Bao.
        let (code, status, unit, current, competent): (String, String, String, String, String) =
            store
                .read(|tx| {
                    let r = tx
                        .query_one(
                            "SELECT code, status, unit, current_unit, competent_unit FROM dossiers \
                             WHERE competent_unit IS NOT NULL",
                            &[],
                        )?
                        .unwrap();
                    Ok((
                        r.string(0)?,
                        r.string(1)?,
                        r.string(2)?,
                        r.string(3)?,
                        r.string(4)?,
                    ))
                })
                .unwrap();
        assert!(code.starts_with(town::PHUONG_BUON_HO), "{code}");
        assert_eq!(
            (
                status.as_str(),
                unit.as_str(),
                current.as_str(),
                competent.as_str()
            ),
            (
                "returned",
                town::PHUONG_BUON_HO,
                town::PHUONG_BUON_HO,
                town::PHUONG_CU_BAO
            )
        );
        let cat = catalogue::catalogue();
        let month = motcua_domain::stats::month_of(now);
        let period = motcua_domain::stats::Period {
            from: month - 1,
            to: month,
        };
        let build = |unit: &str| {
            store
                .read(|tx| {
                    motcua_store::reports::build(
                        tx,
                        &cat,
                        &motcua_store::reports::Request {
                            unit: unit.into(),
                            period,
                            by: motcua_domain::stats::By::Unit,
                            procedure: Some("2.000635".into()),
                            field: None,
                        },
                        now,
                    )
                })
                .unwrap()
        };
        let (buon_ho, cu_bao) = (build(town::PHUONG_BUON_HO), build(town::PHUONG_CU_BAO));
        let crossing = |r: &motcua_domain::stats::Report, dir: &str| {
            r.crossing
                .iter()
                .filter(|c| c.direction == dir)
                .map(|c| (c.unit.clone(), c.figures.received(), c.figures.resolved()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            crossing(&buon_ho, "out"),
            vec![(town::PHUONG_CU_BAO.to_owned(), 1, 1)]
        );
        assert_eq!(
            crossing(&cu_bao, "in"),
            vec![(town::PHUONG_BUON_HO.to_owned(), 1, 1)]
        );
        assert_eq!(
            buon_ho.total.received() - buon_ho.resolved.received(),
            1,
            "Buôn Hồ received it"
        );
        assert_eq!(
            cu_bao.resolved.resolved() - cu_bao.total.resolved(),
            1,
            "Cư Bao resolved it"
        );
        // Every status a desk sees in practice is present.
        let statuses: Vec<String> = store
            .read(|tx| {
                tx.query("SELECT DISTINCT status FROM dossiers ORDER BY status", &[])?
                    .iter()
                    .map(|r| r.string(0))
                    .collect()
            })
            .unwrap();
        for s in ["processing", "returned"] {
            assert!(statuses.iter().any(|x| x == s), "{s} in {statuses:?}");
        }
        let late: i64 = store
            .read(|tx| {
                tx.query_one("SELECT COUNT(*) FROM dossiers WHERE result = 'late' AND received_at >= 1700000000000", &[])?
                    .unwrap()
                    .i64(0)
            })
            .unwrap();
        assert!(
            late > 0 && late < 150,
            "some but not most dossiers are late: {late}"
        );
        // The 2017 inspection finds what the town's news item reported, for the units it named.
        let (_, inspection) = store
            .read(motcua_store::inspections::list)
            .unwrap()
            .remove(0);
        let names: std::collections::HashMap<String, String> = town::units()
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect();
        let units_of = |check: motcua_domain::inspection::Check| {
            let mut v: Vec<String> = inspection
                .findings
                .iter()
                .filter(|f| f.check == Some(check))
                .map(|f| names[&f.unit].clone())
                .collect();
            v.sort();
            v
        };
        let sorted = |v: &[&str]| {
            let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
            v.sort();
            v
        };
        use motcua_domain::inspection::Check;
        assert_eq!(
            units_of(Check::Posting),
            sorted(&[
                "Phòng Tài nguyên và Môi trường thị xã Buôn Hồ",
                "UBND xã Ea Drông",
                "UBND xã Ea Siên",
                "UBND xã Ea Blang",
                "UBND xã Bình Thuận",
                "UBND phường Đạt Hiếu",
                "UBND phường Thiện An",
            ])
        );
        assert_eq!(
            units_of(Check::SystemUse),
            sorted(&[
                "UBND phường An Bình",
                "UBND phường An Lạc",
                "UBND phường Thiện An",
                "UBND phường Thống Nhất",
                "UBND phường Đoàn Kết",
                "UBND xã Bình Thuận",
                "UBND xã Cư Bao",
                "UBND xã Ea Blang",
                "UBND xã Ea Drông",
                "UBND xã Ea Siên",
            ])
        );
        assert_eq!(
            units_of(Check::DeskWithoutDecision),
            sorted(&["UBND xã Ea Drông", "UBND xã Ea Blang", "UBND xã Ea Siên"])
        );
        assert_eq!(inspection.plan_number, "37/KH-UBND");
        assert_eq!(inspection.decision.as_ref().unwrap().number, "3027/QĐ-UBND");
        assert_eq!(inspection.units.len(), 10);
        let _ = std::fs::remove_dir_all(dir);
    }
}
