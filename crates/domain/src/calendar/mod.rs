//! The working-day calendar: the Vietnamese lunar calendar, days off by law and by announcement,
//! office hours, and deadlines that pause and extend. Pure: time is always passed in.

mod deadline;
mod holidays;
mod lunar;
mod working_time;

pub use deadline::{
    DayInfo, DayLimitEnd, DeadlineRules, Due, Limit, MAX_DAYS, MAX_HOURS, Pause, RulesFrom,
    Timeliness, WorkCalendar,
};
pub use holidays::{
    DatedReason, LabourCode, YearSchedule, is_weekend, provisional_schedule, shipped_schedules,
    weekday_name,
};
pub use lunar::{FIRST_YEAR, LAST_YEAR, LunarCalendar, LunarDate, year_name};
pub use working_time::{HoursFrom, Period, WorkingHours};

/// Everything the calendar refuses, with a message in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "năm {year} nằm ngoài phạm vi hỗ trợ {FIRST_YEAR}-{LAST_YEAR} / year {year} is outside the supported range {FIRST_YEAR}-{LAST_YEAR}"
    )]
    OutOfRange { year: i32 },
    #[error(
        "ngày âm lịch {}/{}{}/{} không tồn tại / lunar date {}/{}{}/{} does not exist",
        .0.day, .0.month, if .0.leap { " nhuận" } else { "" }, .0.year,
        .0.day, .0.month, if .0.leap { " leap" } else { "" }, .0.year
    )]
    InvalidLunarDate(LunarDate),
    #[error(
        "năm âm lịch {year} không có tháng {month} nhuận / lunar year {year} has no leap month {month}"
    )]
    NoSuchLeapMonth { year: i32, month: u8 },
    #[error(
        "thời hạn {} không hợp lệ: phải từ 1 đến {MAX_DAYS} ngày làm việc hoặc 1 phút đến {MAX_HOURS} giờ làm việc / limit {} is invalid: 1 to {MAX_DAYS} working days or 1 minute to {MAX_HOURS} working hours",
        .0.describe_vi(), .0.describe_en()
    )]
    BadLimit(Limit),
    #[error("lịch nghỉ không hợp lệ / invalid schedule: {0}")]
    BadSchedule(String),
    #[error("giờ làm việc không hợp lệ / invalid working hours: {0}")]
    BadHours(String),
}

impl crate::msg::Bilingual for CalendarError {
    fn msg(&self) -> crate::msg::Msg {
        use crate::msg::Msg;
        match self {
            CalendarError::OutOfRange { year } => Msg::new(
                format!("năm {year} nằm ngoài phạm vi hỗ trợ {FIRST_YEAR}-{LAST_YEAR}"),
                format!("year {year} is outside the supported range {FIRST_YEAR}-{LAST_YEAR}"),
            ),
            CalendarError::InvalidLunarDate(d) => Msg::new(
                format!(
                    "ngày âm lịch {}/{}{}/{} không tồn tại",
                    d.day,
                    d.month,
                    if d.leap { " nhuận" } else { "" },
                    d.year
                ),
                format!(
                    "lunar date {}/{}{}/{} does not exist",
                    d.day,
                    d.month,
                    if d.leap { " leap" } else { "" },
                    d.year
                ),
            ),
            CalendarError::NoSuchLeapMonth { year, month } => Msg::new(
                format!("năm âm lịch {year} không có tháng {month} nhuận"),
                format!("lunar year {year} has no leap month {month}"),
            ),
            CalendarError::BadLimit(l) => Msg::new(
                format!(
                    "thời hạn {} không hợp lệ: phải từ 1 đến {MAX_DAYS} ngày làm việc hoặc 1 phút đến {MAX_HOURS} giờ làm việc",
                    l.describe_vi()
                ),
                format!(
                    "limit {} is invalid: 1 to {MAX_DAYS} working days or 1 minute to {MAX_HOURS} working hours",
                    l.describe_en()
                ),
            ),
            CalendarError::BadSchedule(d) => {
                Msg::new("lịch nghỉ không hợp lệ", format!("invalid schedule: {d}"))
            }
            CalendarError::BadHours(d) => Msg::new(
                "giờ làm việc không hợp lệ",
                format!("invalid working hours: {d}"),
            ),
        }
    }
}
