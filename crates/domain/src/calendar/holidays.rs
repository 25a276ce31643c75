//! Which days government offices are closed, and why.
//!
//! Two sources, in order of authority: official yearly schedules (the Government's announcements of
//! the Tết span, swapped days and make-up Saturdays), which are data; and the Labour Code's rules,
//! which generate a provisional schedule for any year nobody has announced yet. Civil servants work
//! Monday to Friday (Decision 188/1999/QĐ-TTg).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::CalendarError;
use super::lunar::{LunarCalendar, LunarDate, year_name};

/// The official schedules shipped with motcua (2017-2026), converted from the project's shared data.
const SHIPPED: &str = include_str!("../../data/official-days-off.json");

/// A dated reason: why a day is off, or why a weekend day is worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DatedReason {
    pub date: NaiveDate,
    pub reason: String,
}

/// One year's official schedule, as announced. This is also the file format of `calendar import`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct YearSchedule {
    pub year: i32,
    #[serde(default)]
    pub sources: Vec<String>,
    pub days_off: Vec<DatedReason>,
    #[serde(default)]
    pub working_saturdays: Vec<DatedReason>,
}

impl YearSchedule {
    /// Parses and checks an import file: one year, dates inside that year, no day listed twice,
    /// reasons given, worked days on weekends only.
    pub fn parse(json: &str) -> Result<YearSchedule, CalendarError> {
        let schedule: YearSchedule = serde_json::from_str(json)
            .map_err(|e| CalendarError::BadSchedule(format!("JSON: {e}")))?;
        schedule.validate()?;
        Ok(schedule)
    }

    pub fn validate(&self) -> Result<(), CalendarError> {
        let bad = |msg: String| Err(CalendarError::BadSchedule(msg));
        if !(super::lunar::FIRST_YEAR..=super::lunar::LAST_YEAR).contains(&self.year) {
            return Err(CalendarError::OutOfRange { year: self.year });
        }
        let mut seen = BTreeSet::new();
        for (i, d) in self
            .days_off
            .iter()
            .chain(&self.working_saturdays)
            .enumerate()
        {
            if d.date.year() != self.year {
                return bad(format!(
                    "mục {} ({}) không thuộc năm {} / entry {} is not in year {}",
                    i + 1,
                    d.date,
                    self.year,
                    i + 1,
                    self.year
                ));
            }
            if d.reason.trim().is_empty() {
                return bad(format!(
                    "ngày {} thiếu lý do / {} has no reason",
                    d.date, d.date
                ));
            }
            if !seen.insert(d.date) {
                return bad(format!(
                    "ngày {} được liệt kê hai lần / {} is listed twice",
                    d.date, d.date
                ));
            }
        }
        for w in &self.working_saturdays {
            if !is_weekend(w.date) {
                return bad(format!(
                    "ngày làm bù {} không phải thứ Bảy hay Chủ nhật / make-up day {} is not a weekend day",
                    w.date, w.date
                ));
            }
        }
        Ok(())
    }
}

/// The official schedules that ship with the binary.
pub fn shipped_schedules() -> Vec<YearSchedule> {
    let years: Vec<YearSchedule> =
        serde_json::from_str(SHIPPED).expect("shipped schedule file is valid JSON");
    for y in &years {
        y.validate().expect("shipped schedule is valid");
    }
    years
}

pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

pub fn weekday_name(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Mon => "thứ Hai",
        Weekday::Tue => "thứ Ba",
        Weekday::Wed => "thứ Tư",
        Weekday::Thu => "thứ Năm",
        Weekday::Fri => "thứ Sáu",
        Weekday::Sat => "thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
}

/// The Labour Code in force on a date, for the holiday rules that differ between codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabourCode {
    /// Code of 1994 as amended in 2007: Tết 4 days, Hùng Kings day from 2007.
    Lc1994,
    /// Code 10/2012/QH13, in force 1 May 2013: Tết 5 days.
    Lc2012,
    /// Code 45/2019/QH14, in force 1 January 2021: National Day is 2 September plus an adjacent day.
    Lc2019,
}

impl LabourCode {
    pub fn in_force_on(date: NaiveDate) -> LabourCode {
        if date >= NaiveDate::from_ymd_opt(2021, 1, 1).expect("date") {
            LabourCode::Lc2019
        } else if date >= NaiveDate::from_ymd_opt(2013, 5, 1).expect("date") {
            LabourCode::Lc2012
        } else {
            LabourCode::Lc1994
        }
    }
}

struct Holiday {
    dates: Vec<NaiveDate>,
    name: String,
    /// Label of a compensatory day when one of `dates` falls on a weekend.
    compensation: String,
}

/// The provisional schedule the Labour Code's rules give for a year: each holiday, and for each one
/// that falls on a Saturday or Sunday a compensatory day on the next working day.
pub fn provisional_schedule(
    year: i32,
    lunar: &LunarCalendar,
) -> Result<YearSchedule, CalendarError> {
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d).expect("fixed holiday date");
    let mut holidays = vec![Holiday {
        dates: vec![ymd(1, 1)],
        name: "Tết Dương lịch".into(),
        compensation: format!(
            "Nghỉ bù Tết Dương lịch (01/01 rơi vào {})",
            weekday_name(ymd(1, 1))
        ),
    }];

    let tet = lunar.new_year(year)?;
    let tet_days: u64 = if LabourCode::in_force_on(tet) == LabourCode::Lc1994 {
        4
    } else {
        5
    };
    // The last day of the old year, then mùng 1 onwards.
    let eve = tet.pred_opt().expect("date");
    let tet_name = format!("Tết {}", year_name(year));
    holidays.push(Holiday {
        dates: (0..tet_days)
            .map(|i| eve.checked_add_days(Days::new(i)).expect("date"))
            .collect(),
        name: tet_name.clone(),
        compensation: tet_name,
    });

    if year >= 2007 {
        let hung = lunar.to_solar(LunarDate {
            year,
            month: 3,
            day: 10,
            leap: false,
        })?;
        holidays.push(Holiday {
            dates: vec![hung],
            name: "Giỗ Tổ Hùng Vương (10/3 âm lịch)".into(),
            compensation: "Nghỉ bù Giỗ Tổ Hùng Vương (rơi vào ngày nghỉ hằng tuần)".into(),
        });
    }
    holidays.push(Holiday {
        dates: vec![ymd(4, 30)],
        name: "Ngày Chiến thắng 30/4".into(),
        compensation: "Nghỉ bù Ngày Chiến thắng 30/4 (rơi vào ngày nghỉ hằng tuần)".into(),
    });
    holidays.push(Holiday {
        dates: vec![ymd(5, 1)],
        name: "Quốc tế Lao động 1/5".into(),
        compensation: "Nghỉ bù Quốc tế Lao động 1/5 (rơi vào ngày nghỉ hằng tuần)".into(),
    });
    let national = ymd(9, 2);
    holidays.push(Holiday {
        dates: vec![national],
        name: "Quốc khánh 2/9".into(),
        compensation: "Nghỉ bù Quốc khánh 2/9 (rơi vào ngày nghỉ hằng tuần)".into(),
    });
    if LabourCode::in_force_on(national) == LabourCode::Lc2019 {
        // The adjacent day the Government has picked in practice: the one that joins a weekend.
        let adjacent = match national.weekday() {
            Weekday::Mon | Weekday::Thu | Weekday::Sun => ymd(9, 3),
            _ => ymd(9, 1),
        };
        holidays.push(Holiday {
            dates: vec![adjacent],
            name: "Quốc khánh (ngày liền kề 2/9)".into(),
            compensation: "Nghỉ bù Quốc khánh 2/9 (rơi vào ngày nghỉ hằng tuần)".into(),
        });
    }

    let mut off: BTreeMap<NaiveDate, String> = BTreeMap::new();
    for h in &holidays {
        for &d in &h.dates {
            off.entry(d).or_insert_with(|| h.name.clone());
        }
    }
    // Compensatory days, in date order of the holidays they make up for.
    let mut weekend_holidays: Vec<(NaiveDate, &Holiday)> = holidays
        .iter()
        .flat_map(|h| h.dates.iter().map(move |&d| (d, h)))
        .filter(|(d, _)| is_weekend(*d))
        .collect();
    weekend_holidays.sort_by_key(|(d, _)| *d);
    for (d, h) in weekend_holidays {
        let mut c = d.succ_opt().expect("date");
        while is_weekend(c) || off.contains_key(&c) {
            c = c.succ_opt().expect("date");
        }
        off.insert(c, h.compensation.clone());
    }

    Ok(YearSchedule {
        year,
        sources: vec![
            "Quy tắc của Bộ luật Lao động (lịch dự kiến) / Labour Code rules (provisional)".into(),
        ],
        days_off: off
            .into_iter()
            .filter(|(d, _)| !is_weekend(*d))
            .map(|(date, reason)| DatedReason { date, reason })
            .collect(),
        working_saturdays: vec![],
    })
}

/// Names of the holidays that fall on weekend days of a year (the rules' view), so that a Saturday
/// that is also mùng 1 Tết can say so.
pub fn weekend_holiday_names(
    year: i32,
    lunar: &LunarCalendar,
) -> Result<BTreeMap<NaiveDate, String>, CalendarError> {
    let tet = lunar.new_year(year)?;
    let mut names = BTreeMap::new();
    let mut add = |d: NaiveDate, name: String| {
        if is_weekend(d) {
            names.insert(d, name);
        }
    };
    let tet_name = format!("Tết {}", year_name(year));
    for i in 0..5 {
        add(
            tet.checked_add_days(Days::new(i)).expect("date"),
            tet_name.clone(),
        );
    }
    add(tet.pred_opt().expect("date"), tet_name);
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d).expect("date");
    add(ymd(1, 1), "Tết Dương lịch".into());
    add(ymd(4, 30), "Ngày Chiến thắng 30/4".into());
    add(ymd(5, 1), "Quốc tế Lao động 1/5".into());
    add(ymd(9, 2), "Quốc khánh 2/9".into());
    if year >= 2007 {
        let hung = lunar.to_solar(LunarDate {
            year,
            month: 3,
            day: 10,
            leap: false,
        })?;
        add(hung, "Giỗ Tổ Hùng Vương (10/3 âm lịch)".into());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(s: &YearSchedule) -> Vec<String> {
        s.days_off.iter().map(|d| d.date.to_string()).collect()
    }

    #[test]
    fn shipped_years_are_2017_to_2026() {
        let years: Vec<i32> = shipped_schedules().iter().map(|y| y.year).collect();
        assert_eq!(years, (2017..=2026).collect::<Vec<_>>());
    }

    /// Outside Tết and announced swaps, the rules reproduce the official schedules exactly.
    #[test]
    fn rules_agree_with_official_schedules_outside_tet_and_swaps() {
        let vn = LunarCalendar::vietnam();
        for official in shipped_schedules() {
            let rules = provisional_schedule(official.year, vn).unwrap();
            let tet_season = |d: NaiveDate| d.month() == 2 || (d.month() == 1 && d.day() > 10);
            let keep = |d: &DatedReason| {
                !(d.reason.starts_with("Tết ")
                    || d.reason.starts_with("Nghỉ hoán đổi")
                    || tet_season(d.date))
            };
            let a: Vec<_> = official
                .days_off
                .iter()
                .filter(|d| keep(d))
                .cloned()
                .collect();
            let b: Vec<_> = rules.days_off.iter().filter(|d| keep(d)).cloned().collect();
            assert_eq!(a, b, "year {}", official.year);
        }
    }

    #[test]
    fn provisional_2027() {
        // Tết Đinh Mùi is Saturday 6 February 2027: eve Fri 5/2, Sat..Tue, with Sat and Sun made up.
        let s = provisional_schedule(2027, LunarCalendar::vietnam()).unwrap();
        let d = dates(&s);
        for day in [
            "2027-01-01",
            "2027-02-05",
            "2027-02-08",
            "2027-02-09",
            "2027-02-10",
            "2027-02-11",
            "2027-04-16",
            "2027-04-30",
            "2027-05-03",
            "2027-09-02",
            "2027-09-03",
        ] {
            assert!(d.contains(&day.to_string()), "{day} in {d:?}");
        }
        assert_eq!(d.len(), 11, "{d:?}");
    }

    #[test]
    fn import_validation() {
        let ok = r#"{"year":2027,"days_off":[{"date":"2027-02-08","reason":"Tết Đinh Mùi"}],
                     "working_saturdays":[{"date":"2027-02-20","reason":"Làm bù"}]}"#;
        assert!(YearSchedule::parse(ok).is_ok());
        for bad in [
            "not json",
            r#"{"year":2027}"#,
            r#"{"year":2027,"days_off":[{"date":"2028-01-01","reason":"x"}]}"#,
            r#"{"year":2027,"days_off":[{"date":"2027-02-30","reason":"x"}]}"#,
            r#"{"year":2027,"days_off":[{"date":"2027-02-08","reason":""}]}"#,
            r#"{"year":2027,"days_off":[{"date":"2027-02-08","reason":"a"},{"date":"2027-02-08","reason":"b"}]}"#,
            r#"{"year":2027,"days_off":[],"working_saturdays":[{"date":"2027-02-10","reason":"x"}]}"#,
            r#"{"year":2300,"days_off":[]}"#,
            r#"{"year":2027,"days_off":[],"extra":1}"#,
        ] {
            assert!(YearSchedule::parse(bad).is_err(), "{bad}");
        }
    }
}
