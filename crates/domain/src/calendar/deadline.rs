//! The working-day calendar and the deadlines computed on it.
//!
//! A limit of N working days runs from the moment a complete dossier is received (or, when that is
//! outside office hours, from the start of the next working period) to the same time of day on the
//! N-th following working day. A limit in working hours walks the working periods. A pause (waiting
//! for a supplement, for financial obligations, an applicant's stop) suspends the clock and pushes the
//! due time back by the working time it took. Every due time says which days off it skipped, and why.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};

use super::CalendarError;
use super::holidays::{
    DatedReason, YearSchedule, is_weekend, provisional_schedule, shipped_schedules, weekday_name,
    weekend_holiday_names,
};
use super::lunar::{FIRST_YEAR, LAST_YEAR, LunarCalendar};
use super::working_time::WorkingHours;

/// The longest limits accepted: no procedure takes a year of working days.
pub const MAX_DAYS: u32 = 365;
pub const MAX_HOURS: u32 = 2_000;

/// A processing time limit, as a procedure or one of its steps states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "unit", content = "value")]
pub enum Limit {
    /// Returned the same working day; received after the afternoon cut-off (`DeadlineRules`),
    /// at the close of the next working day.
    SameDay,
    WorkingDays(u32),
    /// Working time in minutes (limits are stated in hours; steps may have fractions of hours).
    WorkingMinutes(u32),
}

impl Limit {
    pub fn describe_vi(self) -> String {
        match self {
            Limit::SameDay => "trong ngày làm việc".to_owned(),
            Limit::WorkingDays(n) => format!("{n} ngày làm việc"),
            Limit::WorkingMinutes(m) if m % 60 == 0 => format!("{} giờ làm việc", m / 60),
            Limit::WorkingMinutes(m) => format!("{} giờ {} phút làm việc", m / 60, m % 60),
        }
    }

    pub fn describe_en(self) -> String {
        match self {
            Limit::SameDay => "the same working day".to_owned(),
            Limit::WorkingDays(n) => format!("{n} working days"),
            Limit::WorkingMinutes(m) if m % 60 == 0 => format!("{} working hours", m / 60),
            Limit::WorkingMinutes(m) => format!("{} h {} min of working time", m / 60, m % 60),
        }
    }

    pub fn validate(self) -> Result<Limit, CalendarError> {
        let ok = match self {
            Limit::SameDay => true,
            Limit::WorkingDays(n) => (1..=MAX_DAYS).contains(&n),
            Limit::WorkingMinutes(m) => (1..=MAX_HOURS * 60).contains(&m),
        };
        if ok {
            Ok(self)
        } else {
            Err(CalendarError::BadLimit(self))
        }
    }
}

/// Where a limit of N working days ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DayLimitEnd {
    /// The same clock time on the N-th working day (what the national portal's dashboards compare
    /// the end of processing with).
    #[default]
    SameClockTime,
    /// The close of the N-th working day (a province may choose it; compare Civil Code 2015
    /// art. 148: a limit in days ends at the end of its last day).
    CloseOfDay,
}

/// A province's deadline settings, in force from a date. Defaults: the 15:00 cut-off for same-day
/// procedures (Decree 61/2018 art. 19 as applied in provincial procedure texts) and day limits ending at
/// the same clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeadlineRules {
    /// A same-day dossier received after this time is due at the next working day's close.
    pub same_day_cutoff: NaiveTime,
    #[serde(default)]
    pub day_limit_end: DayLimitEnd,
    /// An apology issued more than this many working days before the due date is flagged (the law
    /// asks for at least one day's notice; one issued long before is a way to buy time).
    #[serde(default = "default_apology_window")]
    pub apology_window_days: u32,
    /// A supplement request waiting longer than this many working days is stale: the dossier is
    /// listed for the desk, which may return it.
    #[serde(default = "default_supplement_wait")]
    pub supplement_wait_days: u32,
    /// A pause (financial obligation, applicant's request) longer than this many working days is
    /// flagged by the inspection checks.
    #[serde(default = "default_pause_days")]
    pub long_pause_days: u32,
}

fn default_apology_window() -> u32 {
    3
}

fn default_supplement_wait() -> u32 {
    15
}

fn default_pause_days() -> u32 {
    10
}

impl Default for DeadlineRules {
    fn default() -> Self {
        DeadlineRules {
            same_day_cutoff: NaiveTime::from_hms_opt(15, 0, 0).expect("time"),
            day_limit_end: DayLimitEnd::SameClockTime,
            apology_window_days: default_apology_window(),
            supplement_wait_days: default_supplement_wait(),
            long_pause_days: default_pause_days(),
        }
    }
}

/// Deadline settings in force from a date on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RulesFrom {
    pub effective_from: NaiveDate,
    pub rules: DeadlineRules,
}

/// A span during which the clock stood still; `to` is None while it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Pause {
    pub from: NaiveDateTime,
    pub to: Option<NaiveDateTime>,
}

/// A computed due time and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Due {
    /// When the clock started: the reception instant, or the next working period's start.
    pub start: NaiveDateTime,
    pub due: NaiveDateTime,
    /// Weekdays off between start and due, with their reasons (plain weekends are not listed).
    pub skipped: Vec<DatedReason>,
    /// Working time the clock stood still, in seconds.
    pub paused_seconds: i64,
    /// A pause is still running (the due time assumes it ends now).
    pub paused_now: bool,
}

/// Early, on time or late: a dossier or step finished before its due date, on it, or after its due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    Early,
    OnTime,
    Late,
}

impl Timeliness {
    pub fn as_str(self) -> &'static str {
        match self {
            Timeliness::Early => "early",
            Timeliness::OnTime => "on_time",
            Timeliness::Late => "late",
        }
    }

    pub fn classify(done: NaiveDateTime, due: NaiveDateTime) -> Timeliness {
        if done > due {
            Timeliness::Late
        } else if done.date() < due.date() {
            Timeliness::Early
        } else {
            Timeliness::OnTime
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Timeliness::Early => "Trước hạn",
            Timeliness::OnTime => "Đúng hạn",
            Timeliness::Late => "Quá hạn",
        }
    }
}

/// What the calendar says about one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DayInfo {
    pub date: NaiveDate,
    pub working: bool,
    /// Why the day is off, or why a weekend day is worked; None for an ordinary working day.
    pub reason: Option<String>,
    /// The year's schedule was announced officially (otherwise it comes from the rules).
    pub official: bool,
}

/// Which days are worked and when, for every date of 1900-2199.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    first: NaiveDate,
    working: Vec<bool>,
    /// Reasons for weekdays off, worked weekend days, and holidays that fall on a weekend.
    reasons: BTreeMap<NaiveDate, String>,
    official_years: BTreeSet<i32>,
    hours: WorkingHours,
    /// Deadline settings by effective date (sorted; the first applies before it too).
    rules: Vec<RulesFrom>,
}

impl WorkCalendar {
    /// The calendar of the rules for every year, overridden by the given official schedules.
    pub fn new(
        official: &[YearSchedule],
        hours: WorkingHours,
    ) -> Result<WorkCalendar, CalendarError> {
        let first = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).expect("date");
        let last = NaiveDate::from_ymd_opt(LAST_YEAR, 12, 31).expect("date");
        let len = (last - first).num_days() as usize + 1;
        let mut cal = WorkCalendar {
            first,
            working: Vec::with_capacity(len),
            reasons: BTreeMap::new(),
            official_years: BTreeSet::new(),
            hours,
            rules: vec![RulesFrom {
                effective_from: NaiveDate::MIN,
                rules: DeadlineRules::default(),
            }],
        };
        cal.working
            .extend(first.iter_days().take(len).map(|d| !is_weekend(d)));
        let lunar = LunarCalendar::vietnam();
        for year in FIRST_YEAR..=LAST_YEAR {
            let schedule = match official.iter().find(|s| s.year == year) {
                Some(s) => s.clone(),
                None => provisional_schedule(year, lunar)?,
            };
            cal.apply(&schedule, official.iter().any(|s| s.year == year))?;
        }
        Ok(cal)
    }

    /// The shipped official schedules (2017-2026) with default office hours.
    pub fn vietnam() -> WorkCalendar {
        WorkCalendar::new(&shipped_schedules(), WorkingHours::default())
            .expect("shipped calendar is valid")
    }

    fn apply(&mut self, schedule: &YearSchedule, official: bool) -> Result<(), CalendarError> {
        let year = schedule.year;
        let weekend_names = weekend_holiday_names(year, LunarCalendar::vietnam())?;
        let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).expect("date");
        for d in jan1.iter_days().take_while(|d| d.year() == year) {
            let i = self.index(d)?;
            self.working[i] = !is_weekend(d);
        }
        self.reasons.retain(|d, _| d.year() != year);
        self.reasons.extend(weekend_names);
        for off in &schedule.days_off {
            let i = self.index(off.date)?;
            self.working[i] = false;
            self.reasons.insert(off.date, off.reason.clone());
        }
        for w in &schedule.working_saturdays {
            let i = self.index(w.date)?;
            self.working[i] = true;
            self.reasons.insert(w.date, w.reason.clone());
        }
        if official {
            self.official_years.insert(year);
        } else {
            self.official_years.remove(&year);
        }
        Ok(())
    }

    /// Marks one more day off (used by tests and what-if questions).
    pub fn add_day_off(&mut self, date: NaiveDate, reason: &str) -> Result<(), CalendarError> {
        let i = self.index(date)?;
        self.working[i] = false;
        self.reasons.insert(date, reason.to_owned());
        Ok(())
    }

    pub fn hours(&self) -> &WorkingHours {
        &self.hours
    }

    /// The deadline settings in force on a date.
    pub fn rules_on(&self, date: NaiveDate) -> DeadlineRules {
        let i = self
            .rules
            .partition_point(|r| r.effective_from <= date)
            .max(1)
            - 1;
        self.rules[i].rules
    }

    /// The same days with a unit's or province's own office hours and deadline settings (by
    /// effective date; an empty list keeps the defaults).
    pub fn localised(&self, hours: Option<&WorkingHours>, rules: &[RulesFrom]) -> Self {
        let mut cal = self.clone();
        if let Some(h) = hours {
            cal.hours = h.clone();
        }
        if !rules.is_empty() {
            let mut rules = rules.to_vec();
            rules.sort_by_key(|r| r.effective_from);
            rules[0].effective_from = NaiveDate::MIN;
            cal.rules = rules;
        }
        cal
    }

    /// The close of office hours on `date` (the end of its last working period).
    pub fn close_of(&self, date: NaiveDate) -> NaiveDateTime {
        let periods = self.hours.periods(date);
        date.and_time(periods[periods.len() - 1].end)
    }

    /// The next working day after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let mut d = self.next_day(date)?;
        while !self.is_working_day(d)? {
            d = self.next_day(d)?;
        }
        Ok(d)
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = self.next_day(d)?;
            if self.is_working_day(d)? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The working day `n` working days after `date` (0: `date` itself).
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut d = date;
        for _ in 0..n {
            d = self.next_working_day(d)?;
        }
        Ok(d)
    }

    fn index(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        let i = (date - self.first).num_days();
        if i < 0 || i as usize >= self.working.len() {
            Err(CalendarError::OutOfRange { year: date.year() })
        } else {
            Ok(i as usize)
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.working[self.index(date)?])
    }

    pub fn day(&self, date: NaiveDate) -> Result<DayInfo, CalendarError> {
        let working = self.is_working_day(date)?;
        let special = self.reasons.get(&date);
        let reason = match (working, is_weekend(date), special) {
            (true, false, _) => None,
            (true, true, r) => r.cloned(),
            (false, false, r) => r.cloned(),
            (false, true, Some(name)) => Some(format!("{name} ({})", weekday_name(date))),
            (false, true, _) => Some(format!("Nghỉ cuối tuần ({})", weekday_name(date))),
        };
        Ok(DayInfo {
            date,
            working,
            reason,
            official: self.official_years.contains(&date.year()),
        })
    }

    fn next_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let next = date
            .succ_opt()
            .ok_or(CalendarError::OutOfRange { year: date.year() })?;
        self.index(next)?;
        Ok(next)
    }

    /// When the clock starts for something received at `t`: `t` itself inside a working period,
    /// otherwise the start of the next working period.
    pub fn clock_start(&self, t: NaiveDateTime) -> Result<NaiveDateTime, CalendarError> {
        let mut date = t.date();
        let mut time = Some(t.time());
        loop {
            if self.is_working_day(date)? {
                for p in self.hours.periods(date) {
                    match time {
                        Some(tt) if tt >= p.end => continue,
                        Some(tt) if tt >= p.start => return Ok(date.and_time(tt)),
                        _ => return Ok(date.and_time(p.start)),
                    }
                }
            }
            date = self.next_day(date)?;
            time = None;
        }
    }

    /// The due time of a limit counted from reception at `received`, with no pauses.
    pub fn due(&self, received: NaiveDateTime, limit: Limit) -> Result<Due, CalendarError> {
        let limit = limit.validate()?;
        let start = self.clock_start(received)?;
        let rules = self.rules_on(start.date());
        let due = match limit {
            Limit::SameDay => {
                // The clock start is inside office hours; received after the cut-off (or only
                // counted from the next working day), the next working day's close.
                if start.date() != received.date() || start.time() <= rules.same_day_cutoff {
                    self.close_of(start.date())
                } else {
                    self.close_of(self.next_working_day(start.date())?)
                }
            }
            Limit::WorkingDays(n) => {
                let date = self.add_working_days(start.date(), n)?;
                match rules.day_limit_end {
                    DayLimitEnd::SameClockTime => {
                        date.and_time(self.clamp_to_hours(date, start.time()))
                    }
                    DayLimitEnd::CloseOfDay => self.close_of(date),
                }
            }
            Limit::WorkingMinutes(m) => self.add_working_seconds(start, i64::from(m) * 60)?,
        };
        Ok(Due {
            start,
            due,
            skipped: self.skipped(start.date(), due.date()),
            paused_seconds: 0,
            paused_now: false,
        })
    }

    /// The due time with the clock stopped during `pauses`. A pause that begins after the due time has
    /// no effect (the time had already run out); one still running is counted up to `now`.
    pub fn due_with_pauses(
        &self,
        received: NaiveDateTime,
        limit: Limit,
        pauses: &[Pause],
        now: NaiveDateTime,
    ) -> Result<Due, CalendarError> {
        let mut result = self.due(received, limit)?;
        let mut sorted = pauses.to_vec();
        sorted.sort_by_key(|p| p.from);
        let mut counted_until = result.start;
        for p in sorted {
            if p.from >= result.due {
                continue;
            }
            let end = match p.to {
                Some(to) => to,
                None => {
                    result.paused_now = true;
                    now
                }
            };
            let from = p.from.max(counted_until);
            if end <= from {
                continue;
            }
            let stood_still = self.working_seconds_between(from, end)?;
            result.due = self.add_working_seconds(result.due, stood_still)?;
            result.paused_seconds += stood_still;
            counted_until = end;
        }
        result.skipped = self.skipped(result.start.date(), result.due.date());
        Ok(result)
    }

    /// The time of day on `date` nearest to `time` without leaving office hours: itself when inside
    /// a period (ends included), else the end of the last period before it, else the first start.
    fn clamp_to_hours(&self, date: NaiveDate, time: NaiveTime) -> NaiveTime {
        let periods = self.hours.periods(date);
        if periods.iter().any(|p| p.start <= time && time <= p.end) {
            return time;
        }
        periods
            .iter()
            .rev()
            .find(|p| p.end < time)
            .map_or(periods[0].start, |p| p.end)
    }

    /// Working time between two instants, in seconds.
    pub fn working_seconds_between(
        &self,
        a: NaiveDateTime,
        b: NaiveDateTime,
    ) -> Result<i64, CalendarError> {
        if b <= a {
            return Ok(0);
        }
        let mut total = 0;
        let mut date = a.date();
        while date <= b.date() {
            if self.is_working_day(date)? {
                for p in self.hours.periods(date) {
                    let from = date.and_time(p.start).max(a);
                    let to = date.and_time(p.end).min(b);
                    if to > from {
                        total += (to - from).num_seconds();
                    }
                }
            }
            if date == b.date() {
                break;
            }
            date = self.next_day(date)?;
        }
        Ok(total)
    }

    /// The instant reached by working `seconds` from `t` on.
    pub fn add_working_seconds(
        &self,
        t: NaiveDateTime,
        seconds: i64,
    ) -> Result<NaiveDateTime, CalendarError> {
        if seconds <= 0 {
            return Ok(t);
        }
        let mut remaining = seconds;
        let mut date = t.date();
        loop {
            if self.is_working_day(date)? {
                for p in self.hours.periods(date) {
                    let from = if date == t.date() {
                        p.start.max(t.time())
                    } else {
                        p.start
                    };
                    if from >= p.end {
                        continue;
                    }
                    let available = (p.end - from).num_seconds();
                    if remaining <= available {
                        return Ok(date.and_time(from) + TimeDelta::seconds(remaining));
                    }
                    remaining -= available;
                }
            }
            date = self.next_day(date)?;
        }
    }

    /// Weekdays off in [from, to], with their reasons.
    fn skipped(&self, from: NaiveDate, to: NaiveDate) -> Vec<DatedReason> {
        from.iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| !is_weekend(*d) && self.is_working_day(*d) == Ok(false))
            .map(|date| DatedReason {
                date,
                reason: self
                    .reasons
                    .get(&date)
                    .cloned()
                    .unwrap_or_else(|| "Ngày nghỉ / day off".into()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn tet_2025_example() {
        let cal = WorkCalendar::vietnam();
        let due = cal
            .due(t("2025-01-24T09:00"), Limit::WorkingDays(5))
            .unwrap();
        assert_eq!(due.due, t("2025-02-07T09:00"));
        let skipped: Vec<String> = due.skipped.iter().map(|d| d.date.to_string()).collect();
        assert_eq!(
            skipped,
            [
                "2025-01-27",
                "2025-01-28",
                "2025-01-29",
                "2025-01-30",
                "2025-01-31"
            ]
        );
        assert_eq!(due.skipped[0].reason, "Tết Ất Tỵ");
    }

    #[test]
    fn reception_outside_hours_starts_at_next_period() {
        let cal = WorkCalendar::vietnam();
        // Friday evening: the clock starts Monday 07:00.
        let due = cal
            .due(t("2025-03-07T18:00"), Limit::WorkingDays(1))
            .unwrap();
        assert_eq!(due.start, t("2025-03-10T07:00"));
        assert_eq!(due.due, t("2025-03-11T07:00"));
        // Lunch break: starts at 13:00.
        let due = cal
            .due(t("2025-03-10T12:00"), Limit::WorkingDays(2))
            .unwrap();
        assert_eq!(due.due, t("2025-03-12T13:00"));
    }

    #[test]
    fn working_saturday_counts() {
        let cal = WorkCalendar::vietnam();
        // Sat 26/4/2025 is worked in exchange for Fri 2/5.
        assert!(cal.is_working_day("2025-04-26".parse().unwrap()).unwrap());
        let due = cal
            .due(t("2025-04-25T10:00"), Limit::WorkingDays(1))
            .unwrap();
        assert_eq!(due.due, t("2025-04-26T10:00"));
        let day = cal.day("2025-04-26".parse().unwrap()).unwrap();
        assert_eq!(
            day.reason.as_deref(),
            Some("Làm bù cho ngày nghỉ 02/05/2025")
        );
    }

    #[test]
    fn hours_walk_periods() {
        let cal = WorkCalendar::vietnam();
        // 4 working hours from 10:00: 1 h in the morning, 3 h in the afternoon.
        let due = cal
            .due(t("2025-03-10T10:00"), Limit::WorkingMinutes(240))
            .unwrap();
        assert_eq!(due.due, t("2025-03-10T16:00"));
        // 8 hours from 16:00 Friday: 1 h Friday, 4 h Monday morning, 3 h Monday afternoon.
        let due = cal
            .due(t("2025-03-07T16:00"), Limit::WorkingMinutes(8 * 60))
            .unwrap();
        assert_eq!(due.due, t("2025-03-10T16:00"));
    }

    #[test]
    fn pauses_push_the_due_time_back() {
        let cal = WorkCalendar::vietnam();
        let received = t("2025-03-10T08:00");
        let plain = cal.due(received, Limit::WorkingDays(3)).unwrap();
        assert_eq!(plain.due, t("2025-03-13T08:00"));
        // Paused a whole working day (Tue 08:00 to Wed 08:00): due a day later.
        let pause = Pause {
            from: t("2025-03-11T08:00"),
            to: Some(t("2025-03-12T08:00")),
        };
        let due = cal
            .due_with_pauses(
                received,
                Limit::WorkingDays(3),
                &[pause],
                t("2025-03-20T08:00"),
            )
            .unwrap();
        assert_eq!(due.due, t("2025-03-14T08:00"));
        assert_eq!(due.paused_seconds, 8 * 3600);
        // A pause starting after the due time changes nothing.
        let late = Pause {
            from: t("2025-03-14T08:00"),
            to: Some(t("2025-03-17T08:00")),
        };
        let due = cal
            .due_with_pauses(
                received,
                Limit::WorkingDays(3),
                &[late],
                t("2025-03-20T08:00"),
            )
            .unwrap();
        assert_eq!(due.due, plain.due);
        // A running pause counts up to now.
        let open = Pause {
            from: t("2025-03-11T08:00"),
            to: None,
        };
        let due = cal
            .due_with_pauses(
                received,
                Limit::WorkingDays(3),
                &[open],
                t("2025-03-11T10:00"),
            )
            .unwrap();
        assert!(due.paused_now);
        assert_eq!(due.due, t("2025-03-13T10:00"));
    }

    #[test]
    fn same_day_is_the_close_of_that_day_or_after_the_cut_off_the_next_working_days() {
        let cal = WorkCalendar::vietnam();
        let same = |r: &str| cal.due(t(r), Limit::SameDay).unwrap().due;
        // Wednesday 12/3/2025.
        assert_eq!(same("2025-03-12T09:00"), t("2025-03-12T17:00"));
        assert_eq!(same("2025-03-12T15:00"), t("2025-03-12T17:00"));
        assert_eq!(same("2025-03-12T15:30"), t("2025-03-13T17:00"));
        // Lunch break and early morning: still that day.
        assert_eq!(same("2025-03-12T12:00"), t("2025-03-12T17:00"));
        assert_eq!(same("2025-03-12T06:00"), t("2025-03-12T17:00"));
        // Friday after the cut-off: Monday's close; Saturday: Monday's close.
        assert_eq!(same("2025-03-14T15:30"), t("2025-03-17T17:00"));
        assert_eq!(same("2025-03-15T09:00"), t("2025-03-17T17:00"));
        // The day before Tết Ất Tỵ (Friday 24/1/2025) after 15:00: the first day back, 3/2.
        assert_eq!(same("2025-01-24T15:30"), t("2025-02-03T17:00"));
        // A province with a 16:00 cut-off.
        let rules = DeadlineRules {
            same_day_cutoff: NaiveTime::from_hms_opt(16, 0, 0).unwrap(),
            ..DeadlineRules::default()
        };
        let local = cal.localised(
            None,
            &[RulesFrom {
                effective_from: NaiveDate::MIN,
                rules,
            }],
        );
        assert_eq!(
            local
                .due(t("2025-03-12T15:30"), Limit::SameDay)
                .unwrap()
                .due,
            t("2025-03-12T17:00")
        );
    }

    #[test]
    fn a_province_may_end_day_limits_at_the_close_of_the_last_day_from_a_date() {
        let base = WorkCalendar::vietnam();
        let cal = base.localised(
            None,
            &[RulesFrom {
                effective_from: "2025-03-13".parse().unwrap(),
                rules: DeadlineRules {
                    day_limit_end: DayLimitEnd::CloseOfDay,
                    ..DeadlineRules::default()
                },
            }],
        );
        // Before the date the defaults hold (the first version reaches back).
        assert_eq!(
            cal.due(t("2025-03-10T09:00"), Limit::WorkingDays(3))
                .unwrap()
                .due,
            t("2025-03-13T17:00")
        );
        assert_eq!(
            base.due(t("2025-03-10T09:00"), Limit::WorkingDays(3))
                .unwrap()
                .due,
            t("2025-03-13T09:00")
        );
    }

    #[test]
    fn classification() {
        let due = t("2025-03-13T08:00");
        assert_eq!(
            Timeliness::classify(t("2025-03-12T16:00"), due),
            Timeliness::Early
        );
        assert_eq!(
            Timeliness::classify(t("2025-03-13T07:45"), due),
            Timeliness::OnTime
        );
        assert_eq!(
            Timeliness::classify(t("2025-03-13T08:00"), due),
            Timeliness::OnTime
        );
        assert_eq!(
            Timeliness::classify(t("2025-03-13T08:01"), due),
            Timeliness::Late
        );
    }

    #[test]
    fn bad_limits_and_ranges() {
        let cal = WorkCalendar::vietnam();
        assert!(
            cal.due(t("2025-03-10T08:00"), Limit::WorkingDays(0))
                .is_err()
        );
        assert!(
            cal.due(t("2025-03-10T08:00"), Limit::WorkingDays(366))
                .is_err()
        );
        assert!(
            cal.due(t("2025-03-10T08:00"), Limit::WorkingMinutes(0))
                .is_err()
        );
        assert!(
            cal.due(t("2199-12-30T08:00"), Limit::WorkingDays(5))
                .is_err()
        );
        assert!(
            cal.due(t("1899-12-30T08:00"), Limit::WorkingDays(5))
                .is_err()
        );
    }

    #[test]
    fn weekend_reasons() {
        let cal = WorkCalendar::vietnam();
        let d = cal.day("2025-02-08".parse().unwrap()).unwrap();
        assert_eq!(d.reason.as_deref(), Some("Nghỉ cuối tuần (thứ Bảy)"));
        // Tết Canh Tý fell on Saturday 25/01/2020.
        let d = cal.day("2020-01-25".parse().unwrap()).unwrap();
        assert_eq!(d.reason.as_deref(), Some("Tết Canh Tý (thứ Bảy)"));
        assert!(d.official);
        assert!(!cal.day("2027-03-01".parse().unwrap()).unwrap().official);
    }

    #[test]
    fn seasonal_hours() {
        use super::super::working_time::{HoursFrom, Period};
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let summer = HoursFrom {
            effective_from: "2025-04-01".parse().unwrap(),
            periods: vec![
                Period {
                    start: hm(7, 0),
                    end: hm(11, 0),
                },
                Period {
                    start: hm(13, 0),
                    end: hm(16, 30),
                },
            ],
        };
        let winter = HoursFrom {
            effective_from: "2024-10-01".parse().unwrap(),
            periods: vec![
                Period {
                    start: hm(7, 30),
                    end: hm(11, 30),
                },
                Period {
                    start: hm(13, 30),
                    end: hm(17, 0),
                },
            ],
        };
        let hours = WorkingHours::new(vec![summer, winter]).unwrap();
        let cal = WorkCalendar::new(&shipped_schedules(), hours).unwrap();
        // Received 16:45 on Monday 31/3 (winter hours); due on Tuesday 1/4 at 16:45 is after
        // the summer closing time, so it is held to 16:30.
        let due = cal
            .due(t("2025-03-31T16:45"), Limit::WorkingDays(1))
            .unwrap();
        assert_eq!(due.due, t("2025-04-01T16:30"));
        assert!(WorkingHours::new(vec![]).is_err());
    }
}
