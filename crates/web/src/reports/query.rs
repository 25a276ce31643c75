//! A report request from a query string (unit, whole months, rows by, filters), built into a report,
//! and written as a download.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::org::Staff;
use motcua_domain::stats::{Month, Period, Report, month_of, month_start, next_month};
use motcua_render::report_export;
use motcua_store::{StoreError, org, reports};
use serde::Deserialize;

use crate::app::{AppState, read_tx};
use crate::http::ApiError;

/// The report's parameters, as the form and the links carry them.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct Query {
    /// Unit code.
    #[serde(default, alias = "unit")]
    pub don_vi: Option<String>,
    /// First month, YYYY-MM (or a first day, YYYY-MM-DD).
    #[serde(default, alias = "from")]
    pub tu: Option<String>,
    /// Last month, YYYY-MM (or a last day, YYYY-MM-DD).
    #[serde(default, alias = "to")]
    pub den: Option<String>,
    /// unit, field or procedure.
    #[serde(default, alias = "by")]
    pub theo: Option<String>,
    #[serde(default, alias = "procedure")]
    pub thu_tuc: Option<String>,
    #[serde(default, alias = "field")]
    pub linh_vuc: Option<String>,
    /// Drill-down: the column and the row.
    #[serde(default)]
    pub cot: Option<String>,
    #[serde(default)]
    pub hang: Option<String>,
    #[serde(default)]
    pub sau: Option<String>,
    /// Download format: xlsx, csv or json.
    #[serde(default, alias = "format")]
    pub dinh_dang: Option<String>,
}

pub fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// A month from "YYYY-MM" or a date "YYYY-MM-DD" (which must then be the first or last day).
pub fn month(s: &str, first: bool, field: &str) -> Result<Month, ApiError> {
    let bad = || {
        ApiError::invalid(
            field,
            format!("tháng phải có dạng YYYY-MM, nhận được '{s}'"),
            format!("a month must be YYYY-MM, got '{s}'"),
        )
    };
    let date = if s.len() == 7 {
        NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").map_err(|_| bad())?
    } else {
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
        let checked = if first {
            Period::from_dates(
                d,
                month_start(next_month(month_of_date(d))) - chrono::TimeDelta::days(1),
            )
        } else {
            Period::from_dates(month_start(month_of_date(d)), d)
        };
        checked.map_err(|(vi, en)| ApiError::invalid(field, vi, en))?;
        d
    };
    Ok(month_of_date(date))
}

pub fn month_of_date(d: NaiveDate) -> Month {
    use chrono::Datelike;
    d.year() * 100 + d.month() as i32
}

/// The report request of a query, with the unit defaulting to the caller's first unit it may
/// inspect, and the period to this year.
pub fn request(
    q: &Query,
    staff: &Staff,
    now: chrono::DateTime<Utc>,
) -> Result<reports::Request, ApiError> {
    let this = month_of(now);
    let from = match nonempty(&q.tu) {
        Some(s) => month(&s, true, "tu")?,
        None => this / 100 * 100 + 1,
    };
    let to = match nonempty(&q.den) {
        Some(s) => month(&s, false, "den")?,
        None => this,
    };
    let first = month_start(from);
    let last = month_start(next_month(to)) - chrono::TimeDelta::days(1);
    let period =
        Period::from_dates(first, last).map_err(|(vi, en)| ApiError::invalid("tu", vi, en))?;
    let by = match nonempty(&q.theo) {
        Some(s) => motcua_domain::stats::By::parse(&s).ok_or_else(|| {
            ApiError::invalid(
                "theo",
                "báo cáo theo đơn vị, lĩnh vực hoặc thủ tục",
                "rows are by unit, field or procedure",
            )
        })?,
        None => motcua_domain::stats::By::Unit,
    };
    let unit = match nonempty(&q.don_vi) {
        Some(u) => u,
        None => staff
            .grants
            .iter()
            .find(|g| motcua_domain::authz::allows(g.role, Action::Inspect))
            .map(|g| g.unit.clone())
            .ok_or_else(ApiError::forbidden)?,
    };
    let (procedure, field) = (nonempty(&q.thu_tuc), nonempty(&q.linh_vuc));
    if procedure.is_some() && field.is_some() {
        return Err(ApiError::invalid(
            "thu_tuc",
            "chọn một thủ tục hoặc một lĩnh vực, không cả hai",
            "choose a procedure or a field, not both",
        ));
    }
    Ok(reports::Request {
        unit,
        period,
        by,
        procedure,
        field,
    })
}

/// Builds the report if the caller may inspect its unit.
pub fn build(
    app: &AppState,
    tx: &mut dyn motcua_store::Tx,
    staff: &Staff,
    req: &reports::Request,
    now: chrono::DateTime<Utc>,
) -> Result<Report, ApiError> {
    let chain = match org::chain(tx, &req.unit) {
        Ok(c) => c,
        Err(StoreError::NotFound(_)) => {
            return Err(ApiError::invalid(
                "don_vi",
                format!("không có đơn vị mã {}", req.unit),
                format!("no unit with code {}", req.unit),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if !can(&staff.grants, Action::Inspect, &chain) {
        return Err(ApiError::forbidden());
    }
    let catalogue = app.catalogue(tx)?;
    Ok(reports::build(tx, &catalogue, req, now)?)
}

pub fn download(report: &Report, format: &str) -> Result<Response, ApiError> {
    let name = format!(
        "bao-cao-{}-{}-{}",
        report.unit, report.period.from, report.period.to
    );
    let (bytes, kind, ext) = match format {
        "xlsx" => (
            report_export::xlsx(report).map_err(|e| ApiError::internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv" => (report_export::csv(report), "text/csv; charset=utf-8", "csv"),
        "json" => (
            serde_json::to_vec(report).map_err(|e| ApiError::internal(e.to_string()))?,
            "application/json",
            "json",
        ),
        _ => {
            return Err(ApiError::invalid(
                "dinh_dang",
                "định dạng phải là xlsx, csv hoặc json",
                "the format must be xlsx, csv or json",
            ));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The report of a query as a file, in the asked format or `default`.
pub async fn report_file(
    app: AppState,
    staff: Staff,
    q: Query,
    default: &str,
) -> Result<Response, ApiError> {
    let now = Utc::now();
    let req = request(&q, &staff, now)?;
    let format = nonempty(&q.dinh_dang).unwrap_or_else(|| default.into());
    let app2 = app.clone();
    let report = read_tx(&app, move |tx| build(&app2, tx, &staff, &req, now)).await?;
    download(&report, &format)
}
