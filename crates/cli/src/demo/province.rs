//! A province for load: Đắk Lắk as it is since July 2025 (102 communes and wards, the provincial
//! people's committee, a tax office and a land registration office), the demo catalogue, and any
//! number of dossiers over several years, simulated through the domain's own `decide` (seasons:
//! busier before Tết and at year end, quieter in Tết month; a share late, supplemented, paused,
//! inter-agency, withdrawn, refused, online with uploaded papers). Histories are written in large
//! transactions by a second thread while the first simulates.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::mpsc;
use std::time::Instant as Clock;

use anyhow::Result;
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use motcua_domain::dossier::{Event, Recorded, dossier_code, to_local};
use motcua_domain::org::{Decision, Desk, Grant, Role, Unit, UnitLevel};
use motcua_store::{Store, calendar, dossiers, org, procedures};

use super::catalogue;
use super::generate::{self, Crew, Rng};
use super::town::{LAND_OFFICE, PROVINCE, TAX};

/// Dossiers written per transaction by the seed.
const BATCH: usize = 500;

const PHUONG: [&str; 14] = [
    "Buôn Ma Thuột",
    "Tân An",
    "Tân Lập",
    "Thành Nhất",
    "Ea Kao",
    "Buôn Hồ",
    "Cư Bao",
    "Tuy Hòa",
    "Phú Yên",
    "Bình Kiến",
    "Xuân Đài",
    "Sông Cầu",
    "Đông Hòa",
    "Hòa Hiệp",
];

const XA_FIRST: [&str; 11] = [
    "Ea", "Krông", "Cư", "Buôn", "Hòa", "Xuân", "Sơn", "Đắk", "Tân", "Phú", "Ea",
];
const XA_SECOND: [&str; 16] = [
    "H'leo", "Súp", "Năng", "Búk", "Đôn", "M'gar", "Kar", "Pắc", "Bông", "Ana", "Kuin", "Wy",
    "Rốk", "Ning", "Yang", "Hiao",
];

/// The province's units: 14 wards and 88 communes, the provincial committee, two agencies.
pub fn units() -> Vec<Unit> {
    let since: NaiveDate = "2020-01-01".parse().unwrap_or(NaiveDate::MIN);
    let unit = |code: String, name: String, level, parent: Option<&str>| Unit {
        code,
        name,
        level,
        parent: parent.map(Into::into),
        valid_from: since,
        valid_to: None,
        successors: vec![],
    };
    let mut out = vec![
        unit(
            PROVINCE.into(),
            "UBND tỉnh Đắk Lắk".into(),
            UnitLevel::Province,
            None,
        ),
        unit(
            TAX.into(),
            "Thuế tỉnh Đắk Lắk".into(),
            UnitLevel::Agency,
            Some(PROVINCE),
        ),
        unit(
            LAND_OFFICE.into(),
            "Văn phòng Đăng ký đất đai tỉnh Đắk Lắk".into(),
            UnitLevel::Agency,
            Some(PROVINCE),
        ),
    ];
    let mut used = std::collections::HashSet::new();
    for i in 0..102 {
        let name = if let Some(p) = PHUONG.get(i) {
            format!("UBND phường {p}")
        } else {
            let mut k = i;
            loop {
                let n = format!(
                    "UBND xã {} {}",
                    XA_FIRST[k % XA_FIRST.len()],
                    XA_SECOND[(k / XA_FIRST.len()) % XA_SECOND.len()]
                );
                if used.insert(n.clone()) {
                    break n;
                }
                k += 7;
            }
        };
        out.push(unit(commune(i), name, UnitLevel::Commune, Some(PROVINCE)));
    }
    out
}

pub fn commune(i: usize) -> String {
    format!("000.{:02}.{:02}.H15", 40 + i / 10, i % 10)
}

/// Dossiers of a day relative to the average: Tết month is quiet, the weeks before it and the
/// end of the year are busy.
fn season(day: NaiveDate) -> f64 {
    match day.month() {
        1 => 1.25,
        2 => 0.6,
        3 => 1.05,
        6..=8 => 0.95,
        11 => 1.1,
        12 => 1.3,
        _ => 1.0,
    }
}

/// Seeds the province with `count` dossiers received over `years` years up to `now`; prints
/// progress on standard error. Returns (dossiers, events, seconds).
pub fn seed(
    store: &Store,
    count: usize,
    years: u32,
    now: DateTime<Utc>,
) -> Result<(usize, usize, f64)> {
    let started = Clock::now();
    let today = to_local(now).date();
    let cat = catalogue::catalogue();
    let procs = catalogue::procedures(&cat, today);
    let hash = motcua_web::auth::hash_password(super::PASSWORD).map_err(anyhow::Error::msg)?;
    let all_units = units();
    let communes: Vec<&Unit> = all_units
        .iter()
        .filter(|u| u.level == UnitLevel::Commune)
        .collect();
    let mut crew = Crew {
        by_unit: HashMap::new(),
    };
    store.write(|tx| {
        for u in &all_units {
            org::put_unit(tx, u)?;
        }
        procedures::import(tx, &catalogue::announcements(), "bench", now)?;
        let mut add = |username: String, name: &str, role: Role, unit: &str| {
            org::add_staff(
                tx,
                &org::NewStaff {
                    username: &username,
                    full_name: name,
                    title: "",
                    password_hash: &hash,
                    grants: &[Grant {
                        role,
                        unit: unit.into(),
                    }],
                },
            )
        };
        add(
            "admin".into(),
            "Quản trị hệ thống",
            Role::SystemAdmin,
            PROVINCE,
        )?;
        add(
            "lanhdao.tinh".into(),
            "Lãnh đạo tỉnh",
            Role::UnitLeader,
            PROVINCE,
        )?;
        add(
            "thanhtra.tinh".into(),
            "Thanh tra tỉnh",
            Role::Inspector,
            PROVINCE,
        )?;
        for (i, u) in all_units.iter().enumerate().skip(1) {
            let desk = add(
                format!("motcua.{i}"),
                "Cán bộ một cửa",
                Role::ReceptionOfficer,
                &u.code,
            )?;
            let specialist = add(
                format!("chuyenvien.{i}"),
                "Chuyên viên",
                Role::Specialist,
                &u.code,
            )?;
            let leader = add(
                format!("lanhdao.{i}"),
                "Lãnh đạo",
                Role::UnitLeader,
                &u.code,
            )?;
            crew.by_unit
                .insert(u.code.clone(), (desk, specialist, leader));
        }
        let mut rng = Rng::new(766);
        for u in &communes {
            // Most communes have their desk set up by decision; a few do not.
            let decision = rng.chance(0.9).then(|| Decision {
                number: format!("{}/QĐ-UBND", 1 + rng.below(300)),
                date: "2025-07-01".parse().unwrap_or(NaiveDate::MIN),
                signer: "Chủ tịch UBND".into(),
            });
            org::add_desk(
                tx,
                &Desk {
                    id: 0,
                    unit: u.code.clone(),
                    // Since 1 July 2025 a commune's one-stop body is its Trung tâm Phục vụ
                    // hành chính công (Decree 118/2025, `rules::ONE_STOP_BODIES`).
                    name: format!(
                        "Trung tâm Phục vụ hành chính công {}",
                        u.name.trim_start_matches("UBND ")
                    ),
                    founding_decision: decision,
                    members: vec![],
                },
            )?;
            if rng.chance(0.85) {
                let catalogue = procedures::catalogue(tx)?;
                for p in catalogue.required_at(u, today) {
                    procedures::record_posting(
                        tx,
                        &motcua_domain::catalogue::Posting {
                            unit: u.code.clone(),
                            code: p.spec.code.clone(),
                            version: p.version,
                            posted_on: today,
                        },
                        "bench",
                        now,
                    )?;
                }
            }
        }
        Ok(())
    })?;
    let cal = store.read(calendar::work_calendar)?;
    // Working days and their share of the dossiers.
    let first = today - TimeDelta::days(365 * i64::from(years.max(1)));
    let mut days = vec![];
    let mut day = first;
    while day <= today {
        if cal.is_working_day(day).unwrap_or(false) {
            days.push((day, season(day)));
        }
        day += TimeDelta::days(1);
    }
    let weight: f64 = days.iter().map(|d| d.1).sum();
    // Bigger wards receive more.
    let unit_weights: Vec<u32> = (0..communes.len())
        .map(|i| {
            if i < PHUONG.len() {
                30
            } else {
                8 + (i % 7) as u32
            }
        })
        .collect();
    let weights: Vec<u32> = procs.iter().map(|p| p.weight).collect();

    // One batch waiting while another is written keeps the writer busy; each more held only memory
    // (at a million dossiers, a thousand-dossier batch was about 25 MB, and the client peaked at
    // 254 MB with four waiting, 220 MB with one).
    let (send, receive) = mpsc::sync_channel::<Vec<Vec<Recorded>>>(1);
    std::thread::scope(|scope| -> Result<(usize, usize, f64)> {
        let writer = scope.spawn(move || -> Result<usize> {
            let mut events = 0;
            for batch in receive {
                events += batch.iter().map(Vec::len).sum::<usize>();
                store.write(|tx| dossiers::import(tx, &batch).map(|_| ()))?;
            }
            Ok(events)
        });

        let mut rng = Rng::new(20_251_128);
        let mut made = 0usize;
        let mut owed = 0.0f64;
        let mut batch = Vec::with_capacity(BATCH);
        // The last code number given per unit and day (receptions may fall days after the draw).
        let mut seq: HashMap<(String, NaiveDate), i64> = HashMap::new();
        let mut last_print = Clock::now();
        for (day, w) in &days {
            owed += count as f64 * w / weight;
            let mut today_count = owed.floor() as usize;
            if made + today_count > count || std::ptr::eq(day, &days[days.len() - 1].0) {
                today_count = count - made;
            }
            owed -= today_count as f64;
            seq.retain(|(_, d), _| *d + TimeDelta::days(60) > *day);
            let mut histories = Vec::with_capacity(today_count);
            for _ in 0..today_count {
                let u = communes[rng.weighted(&unit_weights)];
                let p = &procs[rng.weighted(&weights)];
                let place = u.name.trim_start_matches("UBND ");
                let mut h = generate::history(&mut rng, &cal, p, &u.code, place, &crew, *day, now);
                if h.is_empty() {
                    continue;
                }
                let online = matches!(h[0].event, Event::Submitted { .. });
                for rec in &mut h {
                    match &mut rec.event {
                        Event::Submitted { papers, .. } => {
                            for (k, paper) in papers.iter_mut().enumerate() {
                                paper.file = Some(format!("{:016x}{:048x}", rng.next(), k));
                            }
                        }
                        Event::Received { code, papers, .. } => {
                            let local = to_local(rec.at).date();
                            let n = seq.entry((u.code.clone(), local)).or_default();
                            *n += 1;
                            *code = dossier_code(&u.code, local, *n)?;
                            if online {
                                for (k, paper) in papers.iter_mut().enumerate() {
                                    paper.file = Some(format!("{:016x}{:048x}", rng.next(), k));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                histories.push((h[0].at, h));
            }
            // Within a day, in the order of the first event (codes were given in draw order, which
            // is fine: they are unique per unit and day).
            histories.sort_by_key(|h| h.0);
            for (_, h) in histories {
                batch.push(h);
                made += 1;
                if batch.len() == BATCH && send.send(std::mem::take(&mut batch)).is_err() {
                    break;
                }
            }
            if last_print.elapsed().as_secs_f64() > 0.5 {
                last_print = Clock::now();
                let secs = started.elapsed().as_secs_f64();
                let rate = made as f64 / secs;
                let eta = (count.saturating_sub(made)) as f64 / rate.max(1.0);
                let bar = "#".repeat(made * 30 / count.max(1));
                eprint!(
                    "\r[{bar:<30}] {made}/{count} hồ sơ / dossiers, {rate:.0}/s, còn / left {eta:.0} s   "
                );
                let _ = std::io::stderr().flush();
            }
            if made >= count {
                break;
            }
        }
        if !batch.is_empty() {
            let _ = send.send(batch);
        }
        drop(send);
        let events = writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer panicked"))??;
        let secs = started.elapsed().as_secs_f64();
        eprintln!("\r[{}] {made}/{count}{:40}", "#".repeat(30), "");
        Ok((made, events, secs))
    })
}
