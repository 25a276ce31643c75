//! The 2017 administrative-reform inspection of Buôn Hồ, as the town's news item of 7 November 2017
//! reports it: plan 37/KH-UBND of 3 April 2017, decision 3027/QĐ-UBND of 29 September 2017, the team
//! led by Ms Lê Thị Ngọc Phượng, deputy head of the Interior Office, visits from 20 to 31 October
//! 2017 to seven communes and wards and three town units. The 2017 records are such that the
//! automatic checks find what the team reported, for the units it named: incomplete postings, the
//! electronic system hardly used, desks never set up by decision.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{Event, Recorded, dossier_code, from_local, to_local};
use motcua_domain::inspection::{
    Change, Conclusion, FindingKind, Inspection, Member, MemberRole, NewPlan, TeamDecision, Visit,
};
use motcua_domain::org::UnitLevel;
use motcua_domain::procedure::Procedure;
use motcua_store::{Store, dossiers, inspections};

use super::catalogue::{self, DemoProcedure};
use super::generate::{self, Crew, Rng};
use super::town;

/// The seven communes and wards inspected (suffixes of `town::COMMUNES`).
pub const INSPECTED: [&str; 7] = ["04", "06", "05", "08", "12", "11", "10"];

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn at(day: &str, hour: u32) -> DateTime<Utc> {
    from_local(d(day).and_hms_opt(hour, 0, 0).expect("time"))
}

/// Dossiers received by the twelve communes from January to September 2017: the two that used the
/// system (Bình Tân, Đạt Hiếu) received most; the other ten hardly any.
fn dossiers_2017(
    store: &Store,
    cal: &WorkCalendar,
    officers: &HashMap<String, i64>,
) -> Result<usize> {
    let cat = catalogue::catalogue();
    let procs: Vec<DemoProcedure> = catalogue::procedures(&cat, d("2017-06-01"))
        .into_iter()
        .filter(|p: &DemoProcedure| {
            let p: &Procedure = &p.procedure;
            p.spec.level == UnitLevel::Commune
        })
        .collect();
    let weights: Vec<u32> = procs.iter().map(|p| p.weight).collect();
    let mut crew = Crew {
        by_unit: HashMap::new(),
    };
    let mut units = vec![];
    for (suffix, name, _) in town::COMMUNES {
        let code = town::commune_code(suffix);
        if let Some(id) = officers.get(&code) {
            crew.by_unit.insert(code.clone(), (*id, *id, *id));
        }
        let weight = if matches!(suffix, "03" | "04") { 60 } else { 1 };
        units.push((
            code,
            name.replace("Phường", "phường").replace("Xã", "xã"),
            weight,
        ));
    }
    let unit_weights: Vec<u32> = units.iter().map(|u| u.2).collect();
    let now = at("2017-12-29", 16);
    let mut rng = Rng::new(2017);
    let mut seq: HashMap<(String, NaiveDate), i64> = HashMap::new();
    let mut histories: Vec<Vec<Recorded>> = vec![];
    let mut day = d("2017-01-03");
    while day <= d("2017-09-29") {
        if cal.is_working_day(day).unwrap_or(false) {
            for _ in 0..(2 + usize::from(rng.chance(0.3))) {
                let (unit, place, _) = &units[rng.weighted(&unit_weights)];
                let p = &procs[rng.weighted(&weights)];
                let mut h = generate::history(&mut rng, cal, p, unit, place, &crew, day, now);
                for rec in &mut h {
                    if let Event::Received { code, .. } = &mut rec.event {
                        let local = to_local(rec.at).date();
                        let n = seq.entry((unit.clone(), local)).or_default();
                        *n += 1;
                        *code = dossier_code(unit, local, *n)?;
                    }
                }
                if !h.is_empty() {
                    histories.push(h);
                }
            }
        }
        day += TimeDelta::days(1);
    }
    histories.sort_by_key(|h| h[0].at);
    let n = histories.len();
    for chunk in histories.chunks(500) {
        store.write(|tx| dossiers::import(tx, chunk).map(|_| ()))?;
    }
    Ok(n)
}

/// Seeds the 2017 records and the inspection; returns the inspection's id.
pub fn seed(
    store: &Store,
    cal: &WorkCalendar,
    officers: &HashMap<String, i64>,
    lead: i64,
) -> Result<i64> {
    dossiers_2017(store, cal, officers)?;
    let mut units: Vec<String> = INSPECTED.iter().map(|s| town::commune_code(s)).collect();
    units.extend([town::ENVIRONMENT, town::FINANCE, town::TOWN].map(String::from));
    let plan = Inspection::new(NewPlan {
        owner: town::TOWN.into(),
        plan_number: "37/KH-UBND".into(),
        plan_date: d("2017-04-03"),
        year: 2017,
        title:
            "Kiểm tra kết quả thực hiện công tác cải cách hành chính năm 2017 trên địa bàn thị xã"
                .into(),
        units: units.clone(),
        areas: None,
        from: d("2017-10-20"),
        to: d("2017-10-31"),
        period_from: d("2017-01-01"),
        period_to: d("2017-09-30"),
        thresholds: None,
    })
    .map_err(|r| anyhow::anyhow!("{}", r.vi))?;
    let id = store.write(|tx| inspections::create(tx, &plan, lead, at("2017-04-03", 9)))?;
    // The team's work, each step its own revision, on the day it was done.
    let mut steps: Vec<(&str, Change, &str)> = vec![
        (
            "2017-09-29",
            Change::Decision(TeamDecision {
                number: "3027/QĐ-UBND".into(),
                date: d("2017-09-29"),
                signer: "Chủ tịch UBND thị xã Buôn Hồ".into(),
            }),
            "decision",
        ),
        (
            "2017-09-29",
            Change::AddMember(Member {
                name: "Lê Thị Ngọc Phượng".into(),
                title: "Phó Trưởng phòng Nội vụ".into(),
                role: MemberRole::Lead,
                staff_id: Some(lead),
            }),
            "add_member",
        ),
        (
            "2017-09-29",
            Change::AddMember(Member {
                name: "Trương Văn Lâm".into(),
                title: "Chuyên viên Văn phòng HĐND và UBND thị xã".into(),
                role: MemberRole::Member,
                staff_id: None,
            }),
            "add_member",
        ),
        (
            "2017-09-29",
            Change::AddMember(Member {
                name: "Nguyễn Thị Dung".into(),
                title: "Chuyên viên Phòng Nội vụ".into(),
                role: MemberRole::Secretary,
                staff_id: None,
            }),
            "add_member",
        ),
    ];
    let days = [
        "2017-10-20",
        "2017-10-23",
        "2017-10-24",
        "2017-10-25",
        "2017-10-26",
        "2017-10-27",
        "2017-10-30",
        "2017-10-30",
        "2017-10-31",
        "2017-10-31",
    ];
    for (unit, day) in units.iter().zip(days) {
        steps.push((
            "2017-10-19",
            Change::AddVisit(Visit {
                unit: unit.clone(),
                from: d(day),
                to: d(day),
            }),
            "add_visit",
        ));
    }
    let mut version = 1;
    let mut i = plan;
    for (day, change, label) in steps {
        i = i
            .apply(change, d(day))
            .map_err(|r| anyhow::anyhow!("{}", r.vi))?;
        version =
            store.write(|tx| inspections::save(tx, id, version, &i, label, lead, at(day, 10)))?;
    }
    // The automatic checks over the period, then what the team wrote itself.
    let found = store.read(|tx| inspections::run_checks(tx, &i, at("2017-10-31", 16)))?;
    i = i
        .apply(Change::Draft(found), d("2017-10-31"))
        .map_err(|r| anyhow::anyhow!("{}", r.vi))?;
    // The 2017 dossiers are generated: the notice says so, beside every figure it draws from them.
    i.data_note = Some(
        "Các số liệu kèm theo phát hiện tự động được tính trên hồ sơ năm 2017 do bản trình diễn mô phỏng; các phát hiện và tên đơn vị theo tin bài ngày 07/11/2017 của thị xã."
            .into(),
    );
    version = store
        .write(|tx| inspections::save(tx, id, version, &i, "checks", lead, at("2017-10-31", 16)))?;
    // The news item's general finding: the one-stop rules of 2015 not applied in earnest.
    i = i
        .apply(
            Change::AddFinding {
                unit: town::TOWN.into(),
                area: "mot-cua".into(),
                kind: FindingKind::Shortcoming,
                text: "Các đơn vị chưa thực hiện nghiêm quy định về tiếp nhận, giải quyết thủ tục hành chính theo cơ chế một cửa, một cửa liên thông của Quyết định số 09/2015/QĐ-TTg ngày 25/3/2015 của Thủ tướng Chính phủ và Quyết định số 48/2015/QĐ-UBND ngày 26/12/2015 của UBND tỉnh".into(),
            },
            d("2017-10-31"),
        )
        .map_err(|r| anyhow::anyhow!("{}", r.vi))?;
    version = store.write(|tx| {
        inspections::save(
            tx,
            id,
            version,
            &i,
            "add_finding",
            lead,
            at("2017-10-31", 17),
        )
    })?;
    for (unit, area, text) in [
        (
            town::TOWN,
            "lanh-dao",
            "Đã xây dựng kế hoạch cải cách hành chính, kế hoạch tuyên truyền và kế hoạch rà soát thủ tục hành chính năm 2017; thực hiện báo cáo định kỳ đúng thời gian",
        ),
        (
            town::TOWN,
            "to-chuc",
            "Thực hiện đúng quy định về tổ chức bộ máy; bố trí đầy đủ cơ sở vật chất tại Bộ phận tiếp nhận và trả kết quả",
        ),
    ] {
        i = i
            .apply(
                Change::AddFinding {
                    unit: unit.into(),
                    area: area.into(),
                    kind: FindingKind::Strength,
                    text: text.into(),
                },
                d("2017-10-31"),
            )
            .map_err(|r| anyhow::anyhow!("{}", r.vi))?;
        version = store.write(|tx| {
            inspections::save(
                tx,
                id,
                version,
                &i,
                "add_finding",
                lead,
                at("2017-10-31", 17),
            )
        })?;
    }
    i = i
        .apply(
            Change::TasksFromShortcomings {
                deadline: d("2017-12-31"),
            },
            d("2017-11-06"),
        )
        .map_err(|r| anyhow::anyhow!("{}", r.vi))?;
    version = store.write(|tx| {
        inspections::save(
            tx,
            id,
            version,
            &i,
            "tasks_from_shortcomings",
            lead,
            at("2017-11-06", 9),
        )
    })?;
    i = i
        .apply(
            Change::Conclude(Conclusion {
                number: "112/TB-ĐKT".into(),
                date: d("2017-11-06"),
                signer: "Lê Thị Ngọc Phượng".into(),
            }),
            d("2017-11-06"),
        )
        .map_err(|r| anyhow::anyhow!("{}", r.vi))?;
    version = store.write(|tx| {
        inspections::save(tx, id, version, &i, "conclude", lead, at("2017-11-06", 10))
    })?;
    // By the end of the year most units reported their fixes; Ea Siên's tasks are still open.
    let ea_sien = town::commune_code("12");
    let open: Vec<u32> = i
        .tasks
        .iter()
        .filter(|t| t.unit != ea_sien)
        .map(|t| t.id)
        .collect();
    for task in open {
        i = i
            .apply(
                Change::CompleteTask {
                    id: task,
                    evidence: "Báo cáo kết quả khắc phục kèm ảnh chụp bảng niêm yết, quyết định"
                        .into(),
                },
                d("2017-12-20"),
            )
            .map_err(|r| anyhow::anyhow!("{}", r.vi))?;
        version = store.write(|tx| {
            inspections::save(
                tx,
                id,
                version,
                &i,
                "complete_task",
                lead,
                at("2017-12-20", 15),
            )
        })?;
    }
    Ok(id)
}
