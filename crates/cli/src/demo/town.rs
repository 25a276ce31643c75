//! The demo town: Buôn Hồ (Đắk Lắk) as in 2017, with its departments, wards and communes, the
//! agencies it works with, and the three units that succeeded it on 1 July 2025.
//!
//! Agency codes follow the shape of QCVN 102:2016 (L4.L3.L2.L1) but are illustrative: the official
//! codes of these units were not available.

use chrono::NaiveDate;
use motcua_domain::org::{Role, Unit, UnitLevel};

pub const PROVINCE: &str = "000.00.00.H15";
pub const TOWN: &str = "000.00.12.H15";
pub const INTERIOR: &str = "001.00.12.H15";
pub const JUSTICE: &str = "002.00.12.H15";
pub const FINANCE: &str = "003.00.12.H15";
pub const ENVIRONMENT: &str = "004.00.12.H15";
pub const LABOUR: &str = "005.00.12.H15";
pub const URBAN: &str = "006.00.12.H15";
pub const LAND_OFFICE: &str = "000.00.61.H15";
pub const TAX: &str = "000.00.60.H15";
pub const PHUONG_BUON_HO: &str = "000.31.00.H15";
pub const PHUONG_CU_BAO: &str = "000.32.00.H15";
pub const XA_EA_DRONG: &str = "000.33.00.H15";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("demo date")
}

/// The 12 wards and communes of 2017: (code suffix, name, successor since 1 July 2025).
pub const COMMUNES: [(&str, &str, &str); 12] = [
    ("01", "Phường An Bình", PHUONG_BUON_HO),
    ("02", "Phường An Lạc", PHUONG_BUON_HO),
    ("03", "Phường Bình Tân", PHUONG_CU_BAO),
    ("04", "Phường Đạt Hiếu", PHUONG_BUON_HO),
    ("05", "Phường Đoàn Kết", PHUONG_BUON_HO),
    ("06", "Phường Thiện An", PHUONG_BUON_HO),
    ("07", "Phường Thống Nhất", PHUONG_BUON_HO),
    ("08", "Xã Bình Thuận", PHUONG_CU_BAO),
    ("09", "Xã Cư Bao", PHUONG_CU_BAO),
    ("10", "Xã Ea Blang", XA_EA_DRONG),
    ("11", "Xã Ea Drông", XA_EA_DRONG),
    ("12", "Xã Ea Siên", XA_EA_DRONG),
];

pub fn commune_code(suffix: &str) -> String {
    format!("000.{suffix}.12.H15")
}

pub fn units() -> Vec<Unit> {
    let unit = |code: &str,
                name: &str,
                level,
                parent: Option<&str>,
                from: &str,
                to: Option<&str>,
                successors: &[&str]| Unit {
        code: code.into(),
        name: name.into(),
        level,
        parent: parent.map(Into::into),
        valid_from: d(from),
        valid_to: to.map(d),
        successors: successors.iter().map(|s| s.to_string()).collect(),
    };
    let town_end = Some("2025-06-30");
    let mut out = vec![
        unit(
            PROVINCE,
            "UBND tỉnh Đắk Lắk",
            UnitLevel::Province,
            None,
            "1976-01-01",
            None,
            &[],
        ),
        unit(
            TOWN,
            "UBND thị xã Buôn Hồ",
            UnitLevel::District,
            Some(PROVINCE),
            "2008-12-23",
            town_end,
            &[PHUONG_BUON_HO, PHUONG_CU_BAO, XA_EA_DRONG],
        ),
        unit(
            INTERIOR,
            "Phòng Nội vụ thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            JUSTICE,
            "Phòng Tư pháp thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            FINANCE,
            "Phòng Tài chính - Kế hoạch thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            ENVIRONMENT,
            "Phòng Tài nguyên và Môi trường thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            LABOUR,
            "Phòng Lao động - Thương binh và Xã hội thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            URBAN,
            "Phòng Quản lý đô thị thị xã Buôn Hồ",
            UnitLevel::Department,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[],
        ),
        unit(
            LAND_OFFICE,
            "Chi nhánh Văn phòng Đăng ký đất đai Buôn Hồ",
            UnitLevel::Agency,
            Some(PROVINCE),
            "2016-01-01",
            None,
            &[],
        ),
        unit(
            TAX,
            "Chi cục Thuế khu vực Buôn Hồ",
            UnitLevel::Agency,
            Some(PROVINCE),
            "2008-12-23",
            None,
            &[],
        ),
        unit(
            PHUONG_BUON_HO,
            "UBND phường Buôn Hồ",
            UnitLevel::Commune,
            Some(PROVINCE),
            "2025-07-01",
            None,
            &[],
        ),
        unit(
            PHUONG_CU_BAO,
            "UBND phường Cư Bao",
            UnitLevel::Commune,
            Some(PROVINCE),
            "2025-07-01",
            None,
            &[],
        ),
        unit(
            XA_EA_DRONG,
            "UBND xã Ea Drông",
            UnitLevel::Commune,
            Some(PROVINCE),
            "2025-07-01",
            None,
            &[],
        ),
    ];
    for (suffix, name, successor) in COMMUNES {
        out.push(unit(
            &commune_code(suffix),
            &format!(
                "UBND {}",
                name.replace("Phường", "phường").replace("Xã", "xã")
            ),
            UnitLevel::Commune,
            Some(TOWN),
            "2008-12-23",
            town_end,
            &[successor],
        ));
    }
    out
}

/// A demo account: username, full name, title, roles.
pub struct Account {
    pub username: String,
    pub full_name: String,
    pub title: String,
    pub grants: Vec<(Role, String)>,
}

fn account(username: &str, full_name: &str, title: &str, grants: &[(Role, &str)]) -> Account {
    Account {
        username: username.into(),
        full_name: full_name.into(),
        title: title.into(),
        grants: grants.iter().map(|(r, u)| (*r, u.to_string())).collect(),
    }
}

/// Accounts for the units that exist today, and for the 2017 town (history and inspection).
pub fn accounts() -> Vec<Account> {
    use Role::*;
    let mut out = vec![
        account(
            "admin",
            "Quản trị hệ thống",
            "Quản trị viên",
            &[(SystemAdmin, PROVINCE)],
        ),
        account(
            "thanhtra",
            "Lê Thị Ngọc Phượng",
            "Phó Trưởng phòng Nội vụ",
            &[(Inspector, TOWN), (UnitAdmin, INTERIOR)],
        ),
        account(
            "lanhdao.thixa",
            "Trần Văn Hùng",
            "Phó Chủ tịch UBND thị xã",
            &[(UnitLeader, TOWN)],
        ),
        account(
            "motcua.thixa",
            "Nguyễn Thị Hoa",
            "Công chức Bộ phận TN&TKQ thị xã",
            &[(ReceptionOfficer, TOWN)],
        ),
        account(
            "tckh.chuyenvien",
            "Phạm Văn Bình",
            "Chuyên viên Phòng TC-KH",
            &[(Specialist, FINANCE)],
        ),
        account(
            "tnmt.chuyenvien",
            "Võ Thị Lan",
            "Chuyên viên Phòng TN&MT",
            &[(Specialist, ENVIRONMENT)],
        ),
        account(
            "vpdk.chuyenvien",
            "Đỗ Minh Tuấn",
            "Viên chức Chi nhánh VPĐKĐĐ",
            &[(Specialist, LAND_OFFICE)],
        ),
        account(
            "thue.chuyenvien",
            "Hoàng Thị Mai",
            "Công chức Chi cục Thuế",
            &[(Specialist, TAX)],
        ),
    ];
    for (code, slug, leader, officer, specialist) in [
        (
            PHUONG_BUON_HO,
            "buonho",
            "Y Khuê Niê",
            "Nguyễn Thị Thu",
            "Lê Văn Nam",
        ),
        (
            PHUONG_CU_BAO,
            "cubao",
            "Trần Quốc Việt",
            "H'Linh Êban",
            "Phan Thị Hạnh",
        ),
        (
            XA_EA_DRONG,
            "eadrong",
            "Y Thanh Mlô",
            "Đinh Thị Yến",
            "Nguyễn Văn Sơn",
        ),
    ] {
        out.push(account(
            &format!("motcua.{slug}"),
            officer,
            "Công chức Bộ phận Một cửa",
            &[(ReceptionOfficer, code)],
        ));
        out.push(account(
            &format!("chuyenvien.{slug}"),
            specialist,
            "Công chức chuyên môn",
            &[(Specialist, code)],
        ));
        out.push(account(
            &format!("lanhdao.{slug}"),
            leader,
            "Phó Chủ tịch UBND",
            &[(UnitLeader, code)],
        ));
        out.push(account(
            &format!("quantri.{slug}"),
            officer,
            "Quản trị đơn vị",
            &[(UnitAdmin, code)],
        ));
    }
    // The desk officers of the communes in 2017, where a desk was set up and staffed (Ea Blang,
    // Ea Drông and Ea Siên had assigned nobody).
    let officers_2017 = [
        "Nguyễn Thị Lài",
        "Trần Thị Thanh",
        "Lê Văn Dũng",
        "Phạm Thị Hà",
        "Võ Văn Lực",
        "H'Nga Byă",
        "Đặng Thị Mỹ",
        "Bùi Văn Toàn",
        "Y Sang Ksơr",
    ];
    for ((suffix, _, _), name) in COMMUNES.iter().zip(officers_2017) {
        out.push(account(
            &format!("motcua2017.{suffix}"),
            name,
            "Công chức Bộ phận Tiếp nhận và Trả kết quả",
            &[(ReceptionOfficer, &commune_code(suffix))],
        ));
    }
    out
}

/// Desks: (unit, desk name, founding decision (number, date, signer)). The 2017 inspection found
/// that Ea Drông, Ea Blang and Ea Siên had no decision establishing their desk.
/// A founding decision: number, date, signer.
pub type DecisionRef = (&'static str, &'static str, &'static str);

pub fn desks() -> Vec<(String, String, Option<DecisionRef>)> {
    let mut out = vec![
        (
            TOWN.to_owned(),
            "Bộ phận Tiếp nhận và Trả kết quả thị xã Buôn Hồ".to_owned(),
            Some(("1520/QĐ-UBND", "2015-06-15", "Chủ tịch UBND thị xã Buôn Hồ")),
        ),
        (
            PHUONG_BUON_HO.to_owned(),
            "Trung tâm Phục vụ hành chính công phường Buôn Hồ".to_owned(),
            Some(("01/QĐ-UBND", "2025-07-01", "Chủ tịch UBND phường Buôn Hồ")),
        ),
        (
            PHUONG_CU_BAO.to_owned(),
            "Trung tâm Phục vụ hành chính công phường Cư Bao".to_owned(),
            Some(("02/QĐ-UBND", "2025-07-01", "Chủ tịch UBND phường Cư Bao")),
        ),
        (
            XA_EA_DRONG.to_owned(),
            "Trung tâm Phục vụ hành chính công xã Ea Drông".to_owned(),
            Some(("05/QĐ-UBND", "2025-07-02", "Chủ tịch UBND xã Ea Drông")),
        ),
    ];
    for (suffix, name, _) in COMMUNES {
        let missing = matches!(suffix, "10" | "11" | "12");
        out.push((
            commune_code(suffix),
            format!(
                "Bộ phận Tiếp nhận và Trả kết quả {}",
                name.replace("Phường", "phường").replace("Xã", "xã")
            ),
            (!missing).then_some(("45/QĐ-UBND", "2015-09-01", "Chủ tịch UBND")),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    //! Issue 17, item 5: identifiers change with a reorganisation. Dossier codes keep the
    //! identifier in force when they were issued, and a report over a period spanning 1 July
    //! 2025 follows the successor links from the wards of 2017 to phường Buôn Hồ.

    use chrono::{NaiveDateTime, Utc};
    use motcua_domain::dossier::{
        Actor, Applicant, Channel, Command, Instant, Outcome, ReceptionDetails, from_local,
    };
    use motcua_domain::procedure::ProcedureRef;
    use motcua_domain::stats::{By, Period};
    use motcua_store::dossiers::{self, Request, Target};
    use motcua_store::{Store, calendar, org, procedures, reports};

    use super::*;

    fn vn(s: &str) -> Instant {
        from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
    }

    fn urls() -> Vec<(String, Option<String>)> {
        let dir = std::env::temp_dir().join(format!("motcua-successors-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let mut out = vec![(format!("sqlite:{}", dir.join("s.db").display()), None)];
        if let Ok(base) = std::env::var("MOTCUA_TEST_PG") {
            let name = format!("motcua_successors_{}", std::process::id());
            let url = motcua_store::bench::create_pg_database(&base, &name).unwrap();
            out.push((url, Some(name)));
        }
        out
    }

    fn run(store: &Store, id: Option<(i64, i64)>, at: &str, command: Command) -> (i64, String) {
        let cal = store.read(calendar::work_calendar).unwrap();
        let out = store
            .write(|tx| {
                dossiers::execute(
                    tx,
                    &cal,
                    vec![Request {
                        target: match id {
                            None => Target::New,
                            Some((id, v)) => Target::Existing {
                                id,
                                expected_version: v,
                            },
                        },
                        actor: Actor::Import {
                            staff: None,
                            source: "test".into(),
                        },
                        command,
                        now: vn(at),
                    }],
                )
            })
            .unwrap();
        (out[0].id, out[0].dossier.code.clone().unwrap_or_default())
    }

    fn receive(store: &Store, unit: &str, at: &str) -> (i64, String) {
        let cat = crate::demo::catalogue::catalogue();
        let date = vn(at).with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap());
        let p = cat.in_force("1.001193", date.date_naive()).unwrap();
        run(
            store,
            None,
            at,
            Command::Receive {
                code: String::new(),
                channel: Channel::Desk,
                procedure: Some(ProcedureRef::from(p)),
                unit: Some(unit.into()),
                applicant: Some(Applicant {
                    full_name: "Nguyễn Thị Mai".into(),
                    id_number: Some("066190001234".into()),
                    phone: "0905000111".into(),
                    email: None,
                    address: None,
                    date_of_birth: None,
                    sex: None,
                    kind: Default::default(),
                    representative: None,
                    notify: None,
                    sealed: None,
                }),
                papers: Some(vec![]),
                details: ReceptionDetails {
                    missing_papers: p
                        .spec
                        .papers
                        .iter()
                        .filter(|x| x.mandatory)
                        .map(|x| motcua_domain::dossier::MissingPaper {
                            name: x.name.clone(),
                            reason: "Bổ sung sau".into(),
                        })
                        .collect(),
                    ..Default::default()
                },
            },
        )
    }

    #[test]
    fn codes_keep_the_old_identifier_and_reports_follow_the_successors() {
        for (url, pg) in urls() {
            let store = crate::demo::fresh_store(&url).unwrap();
            store
                .write(|tx| {
                    for u in units() {
                        org::put_unit(tx, &u)?;
                    }
                    procedures::import(
                        tx,
                        &crate::demo::catalogue::announcements(),
                        "test",
                        Utc::now(),
                    )
                })
                .unwrap();
            let an_binh = commune_code("01");
            // March 2025, phường An Bình: received and resolved.
            let (a, code_a) = receive(&store, &an_binh, "2025-03-12T09:00");
            run(
                &store,
                Some((a, 1)),
                "2025-03-12T10:00",
                Command::MarkResultReady {
                    outcome: Outcome::Approved,
                },
            );
            // June 2025, phường An Bình: still open on 30 June, taken over by phường Buôn Hồ.
            let (b, code_b) = receive(&store, &an_binh, "2025-06-30T09:00");
            let (_, code_after) = run(
                &store,
                Some((b, 1)),
                "2025-07-01T08:00",
                Command::Transfer {
                    from_unit: an_binh.clone(),
                    to_unit: PHUONG_BUON_HO.into(),
                    decision: "1234/QĐ-UBND".into(),
                    date: "2025-07-01".parse().unwrap(),
                },
            );
            // August 2025, phường Buôn Hồ.
            let (_, code_c) = receive(&store, PHUONG_BUON_HO, "2025-08-05T09:00");
            assert!(
                code_a.starts_with(&format!("{an_binh}-250312-")),
                "{code_a}"
            );
            assert!(
                code_b.starts_with(&format!("{an_binh}-250630-")),
                "{code_b}"
            );
            assert_eq!(
                code_after, code_b,
                "{url}: a transfer keeps the code issued"
            );
            assert!(
                code_c.starts_with(&format!("{PHUONG_BUON_HO}-250805-")),
                "{code_c}"
            );
            let cat = crate::demo::catalogue::catalogue();
            let report = |unit: &str, from: i32, to: i32| {
                store
                    .read(|tx| {
                        reports::build(
                            tx,
                            &cat,
                            &reports::Request {
                                unit: unit.into(),
                                period: Period { from, to },
                                by: By::Unit,
                                procedure: None,
                                field: None,
                            },
                            vn("2025-12-31T12:00"),
                        )
                    })
                    .unwrap()
            };
            // The whole of 2025 for phường Buôn Hồ: its predecessor's March dossier (under the
            // old identifier, in its own row), the transferred one and its own.
            let year = report(PHUONG_BUON_HO, 202501, 202512);
            assert_eq!(year.total.received(), 3, "{url}: {:?}", year.rows);
            let an_binh_row = year.rows.iter().find(|r| r.key == an_binh).unwrap();
            assert_eq!(an_binh_row.figures.received(), 1);
            assert_eq!(an_binh_row.figures.resolved(), 1);
            // After the change only its own; and a ward that succeeded others is not given
            // An Bình's figures.
            assert_eq!(report(PHUONG_BUON_HO, 202508, 202512).total.received(), 1);
            assert_eq!(report(PHUONG_CU_BAO, 202501, 202512).total.received(), 0);
            // The town (closed, split between three successors) is followed by none of them.
            let town_units: Vec<String> = report(PHUONG_BUON_HO, 202501, 202512)
                .rows
                .iter()
                .map(|r| r.key.clone())
                .collect();
            assert!(!town_units.contains(&TOWN.to_owned()), "{town_units:?}");
            assert!(
                !town_units.contains(&commune_code("03")),
                "Bình Tân went to Cư Bao"
            );
            drop(store);
            if let (Some(name), Ok(base)) = (pg, std::env::var("MOTCUA_TEST_PG")) {
                let _ = motcua_store::bench::drop_pg_database(&base, &name);
            }
        }
    }
}
