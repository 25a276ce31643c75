//! `motcua calendar ...`: the working-day calendar from the command line. Times are Vietnam local time.

use anyhow::Result;
use chrono::{NaiveDate, NaiveDateTime};
use clap::{ArgGroup, Subcommand};
use motcua_domain::calendar::{
    CalendarError, DatedReason, Limit, LunarCalendar, LunarDate, WorkCalendar, YearSchedule,
    weekday_name, year_name,
};
use serde::Serialize;

use crate::BadInput;
use crate::config::Config;

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Đổi ngày dương lịch sang âm lịch / solar dates to lunar dates
    Lunar {
        #[arg(required = true, value_parser = parse_date)]
        dates: Vec<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Đổi ngày âm lịch sang dương lịch / a lunar date to a solar date
    Solar {
        year: i32,
        month: u8,
        day: u8,
        /// Tháng nhuận / the leap month
        #[arg(long)]
        leap: bool,
    },
    /// Ngày làm việc và ngày nghỉ / working days and days off, with reasons
    Days {
        #[arg(value_parser = parse_date)]
        from: NaiveDate,
        #[arg(value_parser = parse_date)]
        to: NaiveDate,
        #[arg(long)]
        json: bool,
    },
    /// Nhập lịch nghỉ chính thức của một năm / import a year's official schedule (JSON)
    Import {
        file: std::path::PathBuf,
        #[arg(long)]
        db: Option<String>,
    },
    /// Hạn giải quyết / the due time of a limit from a reception instant
    #[command(group(ArgGroup::new("limit").required(true).args(["days", "hours", "same_day"])))]
    Due {
        /// Thời điểm tiếp nhận / reception time, YYYY-MM-DDTHH:MM
        #[arg(long, value_parser = parse_instant)]
        received: NaiveDateTime,
        /// Số ngày làm việc / working days
        #[arg(long, allow_negative_numbers = true)]
        days: Option<i64>,
        /// Số giờ làm việc / working hours (decimals allowed)
        #[arg(long, allow_negative_numbers = true)]
        hours: Option<f64>,
        /// Trả trong ngày (sau giờ chốt buổi chiều: ngày làm việc tiếp theo) / returned the same day
        /// (after the afternoon cut-off: the next working day)
        #[arg(long)]
        same_day: bool,
        /// Đơn vị (dùng giờ làm việc, giờ chốt của tỉnh) / a unit (its province's hours and cut-off)
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        format!(
            "ngày không hợp lệ '{s}', cần dạng YYYY-MM-DD / invalid date '{s}', expected YYYY-MM-DD"
        )
    })
}

fn parse_instant(s: &str) -> Result<NaiveDateTime, String> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").map_err(|_| {
        format!(
            "thời điểm không hợp lệ '{s}', cần dạng YYYY-MM-DDTHH:MM / invalid time '{s}', expected YYYY-MM-DDTHH:MM"
        )
    })
}

fn bad(e: CalendarError) -> anyhow::Error {
    BadInput(e.to_string()).into()
}

pub fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn lunar_text(l: &LunarDate) -> String {
    format!(
        "ngày {} tháng {}{} năm {} ({})",
        l.day,
        l.month,
        if l.leap { " nhuận" } else { "" },
        year_name(l.year),
        l.year
    )
}

/// Converts a limit given on the command line, refusing zero, negative and absurd values.
fn limit(days: Option<i64>, hours: Option<f64>) -> Result<Limit> {
    let given = days.map(|n| n as f64).or(hours).unwrap_or(0.0);
    if given.is_nan() || given <= 0.0 {
        return Err(BadInput(format!(
            "thời hạn phải là số dương, nhận được {given} / the limit must be positive, got {given}"
        ))
        .into());
    }
    let limit = match (days, hours) {
        (Some(n), None) => Limit::WorkingDays(u32::try_from(n.max(0)).unwrap_or(u32::MAX)),
        (None, Some(h)) if h.is_finite() => {
            Limit::WorkingMinutes((h * 60.0).round().clamp(0.0, f64::from(u32::MAX)) as u32)
        }
        _ => Limit::WorkingMinutes(0),
    };
    limit.validate().map_err(bad)
}

/// The calendar in force: the shipped schedules plus what was imported into the configured database
/// (when that database exists; the calendar commands never create one).
fn work_calendar(config: &Config) -> Result<WorkCalendar> {
    if let Ok(motcua_store::DbUrl::Sqlite(path)) = motcua_store::DbUrl::parse(&config.db)
        && !path.exists()
    {
        return Ok(WorkCalendar::vietnam());
    }
    let store = crate::open_store(&config.db)?;
    Ok(store.read(motcua_store::calendar::work_calendar)?)
}

pub fn run(command: CalendarCommand, config: &Config) -> Result<()> {
    let lunar = LunarCalendar::vietnam();
    match command {
        CalendarCommand::Lunar { dates, json } => {
            // Check every date before printing anything.
            let converted: Vec<(NaiveDate, LunarDate)> = dates
                .iter()
                .map(|&d| lunar.to_lunar(d).map(|l| (d, l)))
                .collect::<Result<_, _>>()
                .map_err(bad)?;
            for (date, l) in converted {
                if json {
                    #[derive(Serialize)]
                    struct Line {
                        date: NaiveDate,
                        year: i32,
                        month: u8,
                        day: u8,
                        leap: bool,
                    }
                    let line = Line {
                        date,
                        year: l.year,
                        month: l.month,
                        day: l.day,
                        leap: l.leap,
                    };
                    println!("{}", serde_json::to_string(&line)?);
                } else {
                    println!("{} dương lịch = {} âm lịch", dmy(date), lunar_text(&l));
                }
            }
        }
        CalendarCommand::Solar {
            year,
            month,
            day,
            leap,
        } => {
            let date = lunar
                .to_solar(LunarDate {
                    year,
                    month,
                    day,
                    leap,
                })
                .map_err(bad)?;
            println!("{date}");
        }
        CalendarCommand::Days { from, to, json } => {
            if to < from {
                return Err(BadInput(format!(
                    "ngày kết thúc {to} trước ngày bắt đầu {from} / end {to} is before start {from}"
                ))
                .into());
            }
            let cal = work_calendar(config)?;
            let days: Vec<_> = from
                .iter_days()
                .take_while(|d| *d <= to)
                .map(|d| cal.day(d))
                .collect::<Result<_, _>>()
                .map_err(bad)?;
            for day in days {
                if json {
                    // DayInfo serialises as date, working, reason, official.
                    println!("{}", serde_json::to_string(&day)?);
                } else {
                    println!(
                        "{} {:<9} {:<10} {}{}",
                        dmy(day.date),
                        weekday_name(day.date),
                        if day.working { "làm việc" } else { "nghỉ" },
                        day.reason.as_deref().unwrap_or(""),
                        if day.official {
                            ""
                        } else {
                            " (dự kiến / provisional)"
                        }
                    );
                }
            }
        }
        CalendarCommand::Due {
            received,
            days,
            hours,
            same_day,
            unit,
            json,
        } => {
            let limit = if same_day {
                Limit::SameDay
            } else {
                limit(days, hours)?
            };
            let mut cal = work_calendar(config)?;
            if let Some(unit) = unit {
                if let Ok(motcua_store::DbUrl::Sqlite(path)) =
                    motcua_store::DbUrl::parse(&config.db)
                    && !path.exists()
                {
                    return Err(BadInput(format!(
                        "chưa có cơ sở dữ liệu {} để tìm đơn vị {unit} / no database at {} to look up unit {unit}",
                        config.db, config.db
                    ))
                    .into());
                }
                let store = crate::open_store(&config.db)?;
                let local = store
                    .read(|tx| {
                        motcua_store::org::get_unit(tx, &unit)?;
                        motcua_store::calendar::local_calendar(tx, &cal, &unit)
                    })
                    .map_err(|e| BadInput(e.to_string()))?;
                if let Some(local) = local {
                    cal = local;
                }
            }
            let due = cal.due(received, limit).map_err(bad)?;
            let fmt = |t: NaiveDateTime| t.format("%Y-%m-%dT%H:%M").to_string();
            if json {
                #[derive(Serialize)]
                struct Line<'a> {
                    due: String,
                    start: String,
                    limit: Limit,
                    skipped: &'a [DatedReason],
                }
                let line = Line {
                    due: fmt(due.due),
                    start: fmt(due.start),
                    limit,
                    skipped: &due.skipped,
                };
                println!("{}", serde_json::to_string(&line)?);
            } else {
                let human = |t: NaiveDateTime| {
                    format!(
                        "{} ngày {} ({})",
                        t.format("%H:%M"),
                        dmy(t.date()),
                        weekday_name(t.date())
                    )
                };
                println!("Tiếp nhận:       {}", human(received));
                if due.start != received {
                    println!("Bắt đầu tính:    {}", human(due.start));
                }
                println!("Thời hạn:        {}", limit.describe_vi());
                println!("Hạn giải quyết:  {}", human(due.due));
                if due.skipped.is_empty() {
                    println!("Không có ngày nghỉ lễ, Tết nào trong thời hạn.");
                } else {
                    println!("Ngày nghỉ không tính:");
                    for s in &due.skipped {
                        println!("  {} {}", dmy(s.date), s.reason);
                    }
                }
            }
        }
        CalendarCommand::Import { file, db } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                BadInput(format!(
                    "không đọc được {} / cannot read {}: {e}",
                    file.display(),
                    file.display()
                ))
            })?;
            let schedule = YearSchedule::parse(&text).map_err(bad)?;
            let url = db.unwrap_or_else(|| config.db.clone());
            let store = crate::open_store(&url)?;
            store.write(|tx| {
                motcua_store::calendar::import(tx, &schedule, "cli", chrono::Utc::now())
            })?;
            println!(
                "đã nhập lịch chính thức năm {}: {} ngày nghỉ, {} ngày làm bù / imported the official {} schedule: {} days off, {} make-up days",
                schedule.year,
                schedule.days_off.len(),
                schedule.working_saturdays.len(),
                schedule.year,
                schedule.days_off.len(),
                schedule.working_saturdays.len()
            );
        }
    }
    Ok(())
}
