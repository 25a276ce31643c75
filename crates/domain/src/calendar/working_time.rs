//! Office hours: the working periods of a day, which provinces change by season (with effective dates).

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::CalendarError;

/// One working period of a day, [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Period {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Period {
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }
}

/// Office hours in force from a date on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HoursFrom {
    pub effective_from: NaiveDate,
    pub periods: Vec<Period>,
}

/// The office hours of every date: a list of versions ordered by effective date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkingHours {
    versions: Vec<HoursFrom>,
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

impl Default for WorkingHours {
    /// 07:00-11:00 and 13:00-17:00 every working day: the 8-hour day of the 40-hour week
    /// (Decision 188/1999/QĐ-TTg), used where a province's own published hours are not recorded.
    fn default() -> Self {
        WorkingHours {
            versions: vec![HoursFrom {
                effective_from: NaiveDate::MIN,
                periods: vec![
                    Period {
                        start: hm(7, 0),
                        end: hm(11, 0),
                    },
                    Period {
                        start: hm(13, 0),
                        end: hm(17, 0),
                    },
                ],
            }],
        }
    }
}

impl WorkingHours {
    /// Builds office hours from versions; each must have ordered, non-overlapping, non-empty periods.
    /// The earliest version applies to every date before it too.
    pub fn new(mut versions: Vec<HoursFrom>) -> Result<WorkingHours, CalendarError> {
        if versions.is_empty() {
            return Err(CalendarError::BadHours(
                "cần ít nhất một lịch làm việc / at least one set of hours is needed".into(),
            ));
        }
        versions.sort_by_key(|v| v.effective_from);
        for w in versions.windows(2) {
            if w[0].effective_from == w[1].effective_from {
                return Err(CalendarError::BadHours(format!(
                    "hai lịch làm việc cùng hiệu lực từ {} / two sets of hours from {}",
                    w[0].effective_from, w[0].effective_from
                )));
            }
        }
        for v in &versions {
            if v.periods.is_empty() {
                return Err(CalendarError::BadHours(format!(
                    "lịch từ {} không có giờ làm việc / hours from {} have no periods",
                    v.effective_from, v.effective_from
                )));
            }
            let mut last_end: Option<NaiveTime> = None;
            for p in &v.periods {
                if p.start >= p.end || last_end.is_some_and(|e| p.start < e) {
                    return Err(CalendarError::BadHours(format!(
                        "khung giờ {}-{} không hợp lệ / period {}-{} is empty, reversed or overlapping",
                        p.start, p.end, p.start, p.end
                    )));
                }
                last_end = Some(p.end);
            }
        }
        versions[0].effective_from = NaiveDate::MIN;
        Ok(WorkingHours { versions })
    }

    /// The working periods of a date (assuming it is a working day).
    pub fn periods(&self, date: NaiveDate) -> &[Period] {
        let i = self
            .versions
            .partition_point(|v| v.effective_from <= date)
            .max(1)
            - 1;
        &self.versions[i].periods
    }

    pub fn versions(&self) -> &[HoursFrom] {
        &self.versions
    }
}
