//! The working-day calendar over HTTP: the same answers as `motcua calendar`.

use crate::http::op::Op;

/// The calendar's operations (public).
pub fn api() -> Vec<Op> {
    vec![
        Op::get("/calendar/lunar", "lunarDate", lunar)
            .tag("calendar")
            .doc(
                "Âm lịch của một ngày / the lunar date of a day",
                "`date` is YYYY-MM-DD.",
            )
            .query::<LunarQuery>()
            .ok::<Lunar>(200, "The lunar date"),
        Op::get("/calendar/solar", "solarDate", solar)
            .tag("calendar")
            .doc(
                "Dương lịch của ngày âm / the solar date of a lunar date",
                "",
            )
            .query::<SolarQuery>()
            .ok::<Solar>(200, "The solar date"),
        Op::get("/calendar/days", "workingDays", days)
            .tag("calendar")
            .doc(
                "Ngày làm việc, ngày nghỉ / working days and days off",
                "`from` and `to` are YYYY-MM-DD, at most ten years apart.",
            )
            .query::<DaysQuery>()
            .ok::<Days>(200, "Every day with its reason"),
        Op::get("/calendar/due", "dueTime", due)
            .tag("calendar")
            .doc(
                "Hạn giải quyết / the due time of a limit",
                "`received` is Vietnam local time YYYY-MM-DDTHH:MM; give `days` or `hours`.",
            )
            .query::<DueQuery>()
            .ok::<DueTime>(200, "The due time and the days off it skipped"),
    ]
}

use axum::Json;
use axum::extract::State;
use chrono::{NaiveDate, NaiveDateTime};
use motcua_domain::calendar::{CalendarError, Limit, LunarCalendar, LunarDate};
use serde::Deserialize;

use crate::app::{AppState, blocking};
use crate::http::ApiError;
use crate::http::Params;

fn bad(e: CalendarError) -> ApiError {
    let m = motcua_domain::msg::Bilingual::msg(&e);
    ApiError::invalid("date", m.vi, m.en)
}

fn date(field: &str, s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(
            field,
            format!("ngày không hợp lệ '{s}', cần dạng YYYY-MM-DD"),
            format!("invalid date '{s}', expected YYYY-MM-DD"),
        )
    })
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct LunarQuery {
    date: String,
}

pub async fn lunar(Params(q): Params<LunarQuery>) -> Result<Json<Lunar>, ApiError> {
    let d = date("date", &q.date)?;
    let l = LunarCalendar::vietnam().to_lunar(d).map_err(bad)?;
    Ok(Json(Lunar {
        date: d,
        year: l.year,
        month: l.month,
        day: l.day,
        leap: l.leap,
    }))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct SolarQuery {
    year: i32,
    month: u8,
    day: u8,
    #[serde(default)]
    leap: bool,
}

pub async fn solar(Params(q): Params<SolarQuery>) -> Result<Json<Solar>, ApiError> {
    let d = LunarCalendar::vietnam()
        .to_solar(LunarDate {
            year: q.year,
            month: q.month,
            day: q.day,
            leap: q.leap,
        })
        .map_err(bad)?;
    Ok(Json(Solar { date: d }))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct DaysQuery {
    from: String,
    to: String,
}

pub async fn days(
    State(app): State<AppState>,
    Params(q): Params<DaysQuery>,
) -> Result<Json<Days>, ApiError> {
    let (from, to) = (date("from", &q.from)?, date("to", &q.to)?);
    if to < from || (to - from).num_days() > 3660 {
        return Err(ApiError::invalid(
            "to",
            "khoảng ngày phải từ ngày bắt đầu đến tối đa 10 năm sau",
            "the range must run forward and span at most 10 years",
        ));
    }
    let cal = blocking(move || Ok(app.store.read(|tx| app.calendar(tx))?)).await?;
    let days = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| cal.day(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    Ok(Json(Days { items: days }))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct DueQuery {
    received: String,
    days: Option<u32>,
    hours: Option<f64>,
}

pub async fn due(
    State(app): State<AppState>,
    Params(q): Params<DueQuery>,
) -> Result<Json<DueTime>, ApiError> {
    let received = NaiveDateTime::parse_from_str(&q.received, "%Y-%m-%dT%H:%M").map_err(|_| {
        ApiError::invalid(
            "received",
            "thời điểm tiếp nhận cần dạng YYYY-MM-DDTHH:MM",
            "received must be YYYY-MM-DDTHH:MM",
        )
    })?;
    let limit = match (q.days, q.hours) {
        (Some(n), None) => Limit::WorkingDays(n),
        (None, Some(h)) if h.is_finite() && h > 0.0 && h < 1e6 => {
            Limit::WorkingMinutes((h * 60.0).round() as u32)
        }
        _ => {
            return Err(ApiError::invalid(
                "days",
                "cần đúng một trong hai tham số days (số dương) hoặc hours (số dương)",
                "give exactly one of days or hours, positive",
            ));
        }
    };
    let cal = blocking(move || Ok(app.store.read(|tx| app.calendar(tx))?)).await?;
    let due = cal.due(received, limit).map_err(bad)?;
    Ok(Json(DueTime {
        due: due.due.format("%Y-%m-%dT%H:%M").to_string(),
        skipped: due.skipped,
    }))
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Lunar {
    pub date: NaiveDate,
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub leap: bool,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Solar {
    pub date: NaiveDate,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Days {
    pub items: Vec<motcua_domain::calendar::DayInfo>,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct DueTime {
    /// Vietnam local time, YYYY-MM-DDTHH:MM.
    pub due: String,
    /// The days off the limit skipped, with their reasons.
    pub skipped: Vec<motcua_domain::calendar::DatedReason>,
}
