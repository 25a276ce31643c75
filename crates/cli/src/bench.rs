//! `motcua bench ...`: programs that print figures, each beside a baseline measured in the same run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
use clap::Subcommand;
use motcua_domain::calendar::{Limit, LunarCalendar, WorkCalendar};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Hạn giải quyết và đổi âm lịch mỗi giây / due times and lunar conversions per second
    Calendar {
        /// Seconds to spend on each measurement
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
    },
    /// Tìm kiếm và nhập danh mục 2.000 thủ tục / search latency and import time over 2,000 procedures
    Catalogue,
    /// Đo ở quy mô tỉnh trên cơ sở dữ liệu đã tạo: ghi hồ sơ, báo cáo, danh sách, tra cứu, nhiều
    /// cán bộ ghi cùng lúc / measure at province scale on a seeded database (SQLite or PostgreSQL,
    /// as --db names): dossier writes against a raw loop, reports, queues, public lookups (on
    /// PostgreSQL twice: with the answers the server keeps, and each read from the database), many
    /// staff writing at once
    Scale {
        /// Cơ sở dữ liệu đã tạo bằng `bench seed` / the database seeded by `bench seed`
        /// (sqlite:PATH or postgres://...)
        #[arg(long)]
        db: String,
        /// Số vòng đời hồ sơ (tiếp nhận, chuyển, có kết quả, trả) ghi vào cơ sở dữ liệu tạm, so
        /// với vòng lặp thô; 0 để bỏ qua / dossier lifecycles (receive, hand over, result, return)
        /// written into a scratch database, against a raw loop; 0 to skip
        #[arg(long, default_value_t = 2000)]
        lifecycles: usize,
        /// Giây cho mỗi phép đo qua HTTP / seconds for each measurement over HTTP
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Số cán bộ ghi cùng lúc qua API, cách nhau bởi dấu phẩy; 0 để bỏ qua / how many staff
        /// write at once through the API, comma-separated; 0 to skip
        #[arg(long, value_delimiter = ',', default_value = "16,64")]
        writers: Vec<usize>,
        /// Bật hộp thư đi (kết nối Cổng DVCQG) khi đo (a) / measure (a) with the outbox on (the
        /// national portal configured: every event queues its messages)
        #[arg(long)]
        outbox: bool,
    },
    /// Hộp thư đi: tốc độ gửi tin tới bản sao Cổng DVCQG trên máy / outbox delivery throughput to
    /// the national portal's double on loopback (a scratch SQLite database)
    Outbox {
        /// Số vòng đời hồ sơ (6 tin mỗi vòng) / lifecycles to write first (6 messages each)
        #[arg(long, default_value_t = 500)]
        lifecycles: usize,
    },
    /// Tạo dữ liệu tải: một tỉnh ~100 đơn vị, N hồ sơ trong nhiều năm / seed a province of about 100
    /// units with N dossiers over several years (an empty database)
    Seed {
        /// Cơ sở dữ liệu trống / an empty database (sqlite:PATH or postgres://...)
        #[arg(long)]
        db: String,
        /// Số hồ sơ / how many dossiers
        #[arg(long, default_value_t = 1_000_000)]
        dossiers: usize,
        /// Số năm trước hôm nay / over how many years up to today
        #[arg(long, default_value_t = 4)]
        years: u32,
    },
}

pub fn run(command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Calendar { seconds } => calendar(Duration::from_secs_f64(seconds)),
        BenchCommand::Catalogue => catalogue(),
        BenchCommand::Scale {
            db,
            lifecycles,
            seconds,
            writers,
            outbox,
        } => {
            let writers: Vec<usize> = writers.into_iter().filter(|&w| w > 0).collect();
            crate::bench_scale::run(&db, lifecycles, seconds, &writers, outbox)
        }
        BenchCommand::Outbox { lifecycles } => crate::bench_scale::outbox_delivery(lifecycles),
        BenchCommand::Seed {
            db,
            dossiers,
            years,
        } => {
            let store = crate::demo::fresh_store(&db)?;
            let (made, events, secs) =
                crate::demo::province::seed(&store, dossiers, years, chrono::Utc::now())?;
            let bytes = store.read(motcua_store::bench::database_bytes)?;
            println!(
                "{made} hồ sơ, {events} sự kiện trong {secs:.1} s / {made} dossiers, {events} events in {secs:.1} s ({:.0} dossiers/s); cơ sở dữ liệu / database {:.0} MB",
                made as f64 / secs,
                bytes as f64 / 1e6
            );
            Ok(())
        }
    }
}

/// Runs `op(i)` for `i = 0, 1, ...` until `budget` has passed; returns operations per second.
fn rate(budget: Duration, mut op: impl FnMut(u64)) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..256 {
            op(n);
            n += 1;
        }
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// A cheap deterministic sequence (splitmix64) so every run measures the same inputs.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn calendar(budget: Duration) -> Result<()> {
    let built = Instant::now();
    let cal = WorkCalendar::vietnam();
    let lunar = LunarCalendar::vietnam();
    let build_ms = built.elapsed().as_secs_f64() * 1e3;
    let base = NaiveDate::from_ymd_opt(2017, 1, 1).expect("date");
    let instant = |i: u64| {
        let r = mix(i);
        base.and_time(NaiveTime::MIN)
            + TimeDelta::days((r % (10 * 365)) as i64)
            + TimeDelta::minutes(((r >> 20) % (24 * 60)) as i64)
    };

    // Baseline: the naive deadline many systems compute (skip Saturdays and Sundays only).
    let naive = rate(budget, |i| {
        let t = instant(i);
        let mut d = t.date();
        let mut left = 1 + (mix(i) >> 40) % 30;
        while left > 0 {
            d = d.succ_opt().expect("date");
            if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                left -= 1;
            }
        }
        black_box(d);
    });
    let days = rate(budget, |i| {
        let n = 1 + ((mix(i) >> 40) % 30) as u32;
        black_box(cal.due(instant(i), Limit::WorkingDays(n)).expect("due"));
    });
    let hours = rate(budget, |i| {
        let m = 60 + ((mix(i) >> 40) % (40 * 60)) as u32;
        black_box(cal.due(instant(i), Limit::WorkingMinutes(m)).expect("due"));
    });
    let to_lunar = rate(budget, |i| {
        black_box(lunar.to_lunar(instant(i).date()).expect("lunar"));
    });
    let round_trip = rate(budget, |i| {
        let l = lunar.to_lunar(instant(i).date()).expect("lunar");
        black_box(lunar.to_solar(l).expect("solar"));
    });
    println!(
        "calendar benchmark ({:.1} s per figure)",
        budget.as_secs_f64()
    );
    println!("  build WorkCalendar 1900-2199 ........ {build_ms:>12.1} ms (once per process)");
    println!("  baseline: weekday-only count, 1-30 d  {naive:>12.0} /s");
    println!(
        "  due, 1-30 working days .............. {days:>12.0} /s ({:.2}x baseline)",
        days / naive
    );
    println!("  due, 1-40 working hours ............. {hours:>12.0} /s");
    println!("  solar -> lunar ...................... {to_lunar:>12.0} /s");
    println!("  solar -> lunar -> solar ............. {round_trip:>12.0} /s");
    Ok(())
}

const VERBS: [&str; 10] = [
    "Cấp",
    "Đăng ký",
    "Cấp lại",
    "Điều chỉnh",
    "Gia hạn",
    "Thu hồi",
    "Xác nhận",
    "Công nhận",
    "Thẩm định",
    "Phê duyệt",
];
const OBJECTS: [&str; 40] = [
    "giấy phép kinh doanh",
    "chứng chỉ hành nghề",
    "giấy chứng nhận đăng ký",
    "giấy phép xây dựng",
    "giấy phép lao động",
    "giấy chứng nhận quyền sử dụng đất",
    "giấy phép khai thác",
    "giấy chứng nhận đủ điều kiện",
    "văn bằng",
    "thẻ bảo hiểm",
    "giấy phép hoạt động",
    "chứng nhận xuất xứ",
    "giấy phép môi trường",
    "quyết định thành lập",
    "giấy phép lưu hành",
    "giấy xác nhận",
    "hồ sơ hưởng trợ cấp",
    "giấy phép biểu diễn",
    "giấy phép quảng cáo",
    "giấy phép nhập khẩu",
    "chứng chỉ quy hoạch",
    "giấy phép di dời",
    "giấy phép sử dụng tần số",
    "giấy phép đào tạo",
    "giấy chứng nhận hộ kinh doanh",
    "giấy phép vận tải",
    "giấy phép bán lẻ",
    "giấy phép sản xuất",
    "chứng nhận an toàn thực phẩm",
    "giấy phép xả thải",
    "giấy phép khoan",
    "giấy phép thăm dò",
    "giấy phép tổ chức lễ hội",
    "giấy phép hoạt động tín ngưỡng",
    "giấy phép thành lập thư viện",
    "giấy phép karaoke",
    "giấy chứng nhận người có công",
    "giấy phép chặt hạ cây xanh",
    "giấy phép đào đường",
    "giấy phép bay flycam",
];
const QUALIFIERS: [&str; 5] = [
    "",
    " cho tổ chức",
    " cho cá nhân",
    " có yếu tố nước ngoài",
    " tại Bộ phận Một cửa",
];

/// 2,000 distinct, realistic-looking procedures in one decision.
fn synthetic_decision() -> motcua_domain::catalogue::Announcement {
    use motcua_domain::catalogue::{Announcement, Item};
    use motcua_domain::org::UnitLevel;
    use motcua_domain::procedure::{Applicability, Channels, ProcedureSpec};
    let mut items = vec![];
    for (i, ((v, o), q)) in VERBS
        .iter()
        .flat_map(|v| OBJECTS.iter().map(move |o| (v, o)))
        .flat_map(|vo| QUALIFIERS.iter().map(move |q| (vo, q)))
        .enumerate()
    {
        items.push(Item::New {
            procedure: ProcedureSpec {
                code: format!("9.{i:06}"),
                name: format!("{v} {o}{q}"),
                field: format!("Lĩnh vực {}", i % 20 + 1),
                level: if i % 3 == 0 {
                    UnitLevel::District
                } else {
                    UnitLevel::Commune
                },
                receiving_agency: String::new(),
                deciding_agency: String::new(),
                channels: Channels::default(),
                limit: Limit::WorkingDays(1 + (i % 20) as u32),
                conditional_limits: vec![],
                steps: vec![],
                fees: vec![],
                papers: vec![],
                conditions: vec![],
                result: String::new(),
                legal_basis: vec![],
                applies_to: Applicability {
                    levels: vec![UnitLevel::Commune, UnitLevel::District],
                    units: vec![],
                    except: vec![],
                },
                boundary_free: false,
            },
        });
    }
    Announcement {
        number: "BENCH/QĐ".into(),
        date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        issuer: "benchmark".into(),
        effective: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        items,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn catalogue() -> Result<()> {
    use motcua_domain::catalogue::{SearchFilter, SearchIndex};
    use motcua_domain::text::fold_vi;
    let decision = synthetic_decision();
    let dir = std::env::temp_dir().join(format!("motcua-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let url = format!("sqlite:{}", dir.join("bench.db").display());
    let store = motcua_store::Store::open(&url)?;
    let started = Instant::now();
    let created = store.write(|tx| {
        motcua_store::procedures::import(
            tx,
            std::slice::from_ref(&decision),
            "bench",
            chrono::Utc::now(),
        )
    })?;
    let import_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let cat = store.read(motcua_store::procedures::catalogue)?;
    let on = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let index = SearchIndex::new(cat.all_in_force(on).cloned().collect());
    let index_ms = started.elapsed().as_secs_f64() * 1e3;
    let queries: Vec<String> = (0..1000u64)
        .map(|i| {
            let r = mix(i);
            let v = VERBS[(r % 10) as usize];
            let o = OBJECTS[((r >> 8) % 40) as usize];
            let words: Vec<&str> = o.split(' ').collect();
            let cut = 1 + ((r >> 16) as usize % words.len());
            let q = format!("{v} {}", words[..cut].join(" "));
            match (r >> 24) % 4 {
                0 => q,
                1 => fold_vi(&q),
                2 => fold_vi(&q).to_uppercase(),
                // A typo: two neighbouring letters of the longest word swapped.
                _ => {
                    let folded = fold_vi(&q);
                    let longest = folded
                        .split(' ')
                        .max_by_key(|w| w.len())
                        .unwrap_or_default()
                        .to_owned();
                    let mut chars: Vec<char> = longest.chars().collect();
                    if chars.len() >= 4 {
                        chars.swap(1, 2);
                    }
                    folded.replacen(&longest, &chars.into_iter().collect::<String>(), 1)
                }
            }
        })
        .collect();
    let filter = SearchFilter::default();
    let mut ranked = Vec::with_capacity(queries.len());
    let mut hits = 0;
    for q in &queries {
        let t = Instant::now();
        // What the search page does: the ranked search, and the suggestions when it finds nothing.
        let found = black_box(index.search(q, &filter)).len();
        if found == 0 {
            black_box(index.suggest(q, &filter, 5));
        }
        hits += found;
        ranked.push(t.elapsed().as_secs_f64() * 1e3);
    }
    // Baseline: an unranked substring scan over pre-folded names (what a LIKE '%...%' does).
    let folded: Vec<String> = cat
        .all_in_force(on)
        .map(|p| fold_vi(&p.spec.name))
        .collect();
    let mut naive = Vec::with_capacity(queries.len());
    for q in &queries {
        let t = Instant::now();
        let f = fold_vi(q);
        black_box(folded.iter().filter(|n| n.contains(&f)).count());
        naive.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ranked.sort_by(f64::total_cmp);
    naive.sort_by(f64::total_cmp);
    println!(
        "catalogue benchmark: {} procedures in force, {} queries (with marks, without, upper case, with a typo)",
        index.len(),
        queries.len()
    );
    println!(
        "  import one decision of {created} procedures (SQLite, one transaction) {import_ms:>9.1} ms"
    );
    println!("  load catalogue and build the search index .............. {index_ms:>9.1} ms");
    println!(
        "  ranked search          p50 {:>7.3} ms   p99 {:>7.3} ms   ({} hits in all)",
        percentile(&ranked, 0.5),
        percentile(&ranked, 0.99),
        hits
    );
    println!(
        "  baseline substring scan p50 {:>7.3} ms   p99 {:>7.3} ms",
        percentile(&naive, 0.5),
        percentile(&naive, 0.99)
    );
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
