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
}

pub fn run(command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Calendar { seconds } => calendar(Duration::from_secs_f64(seconds)),
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
