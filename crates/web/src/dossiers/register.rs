//! The register (sổ theo dõi hồ sơ: form 06 of Circular 01/2018, 07 of Circular 03/2025) of a
//! receiving unit per period of months: one line per dossier received, as a print page, an XLSX
//! workbook and JSON. For the unit's desk, leaders and inspectors; names, phones and addresses are
//! masked for roles without the right to personal data.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Datelike, NaiveDate, TimeDelta, Utc};
use motcua_domain::authz::Action;
use motcua_domain::dossier::to_local;
use motcua_domain::forms::RegisterLine;
use motcua_domain::stats::Period;
use motcua_store::{dossiers, org};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::{mask_name, scope};
use crate::app::{AppState, read_tx};
use crate::auth::{CurrentStaff, StaffPage};
use crate::http::format::when;
use crate::http::page::render as html;
use crate::http::{ApiError, PageError, Params};
use crate::i18n::filters;

#[derive(Deserialize, JsonSchema)]
pub struct RegisterQuery {
    /// The receiving unit (default: the first of the caller's desks).
    #[serde(default, alias = "unit")]
    don_vi: Option<String>,
    /// First month, YYYY-MM (default: this month).
    #[serde(default, alias = "from")]
    tu: Option<String>,
    /// Last month, YYYY-MM (default: the first month).
    #[serde(default, alias = "to")]
    den: Option<String>,
}

/// The register of a unit over a period.
#[derive(Serialize, JsonSchema)]
pub struct Register {
    pub unit: String,
    pub unit_name: String,
    /// First day, YYYY-MM-DD.
    pub from: NaiveDate,
    /// Last day, YYYY-MM-DD.
    pub to: NaiveDate,
    /// The register's form number under the legal basis in force at the period's end.
    pub form: Option<&'static str>,
    pub lines: Vec<RegisterLine>,
}

fn month(field: &str, s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(
            field,
            format!("{field} cần dạng YYYY-MM"),
            format!("{field} must be YYYY-MM"),
        )
    })
}

fn last_day(first: NaiveDate) -> NaiveDate {
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    next.map_or(first, |n| n - TimeDelta::days(1))
}

async fn build(
    app: &AppState,
    staff: motcua_domain::org::Staff,
    q: RegisterQuery,
) -> Result<Register, ApiError> {
    let today = to_local(Utc::now()).date();
    let this_month = today.format("%Y-%m").to_string();
    let from = month(
        "tu",
        q.tu.as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(&this_month),
    )?;
    let to = match q.den.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => last_day(month("den", s)?),
        None => last_day(from),
    };
    let period =
        Period::from_dates(from, to).map_err(|(vi, en)| ApiError::invalid("den", vi, en))?;
    read_tx(app, move |tx| {
        let mut allowed = scope(tx, &staff, Action::Desk)?;
        allowed.extend(scope(tx, &staff, Action::Inspect)?);
        let unit = match q.don_vi.filter(|u| !u.is_empty()) {
            Some(u) => u,
            None => allowed.first().cloned().ok_or_else(ApiError::forbidden)?,
        };
        if !allowed.contains(&unit) {
            return Err(ApiError::forbidden());
        }
        let personal = scope(tx, &staff, Action::ViewPersonalData)?.contains(&unit);
        let unit_name = org::get_unit(tx, &unit)?.name;
        let mut lines = dossiers::register(tx, &unit, &period)?;
        if !personal {
            for l in &mut lines {
                l.applicant = mask_name(&l.applicant);
                l.address = None;
                l.phone = String::new();
            }
        }
        Ok(Register {
            form: motcua_domain::rules::basis_on(to.min(today)).forms.register,
            unit,
            unit_name,
            from,
            to,
            lines,
        })
    })
    .await
}

/// GET /register.
pub async fn api(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Params(q): Params<RegisterQuery>,
) -> Result<Json<Register>, ApiError> {
    Ok(Json(build(&app, staff, q).await?))
}

struct Line {
    code: String,
    procedure: String,
    applicant: String,
    contact: String,
    received: String,
    due: String,
    processed_by: String,
    finished: String,
    returned: String,
    result: &'static str,
    status: &'static str,
    notes: String,
}

#[derive(Template)]
#[template(path = "dossiers/register.html")]
struct RegisterPage {
    head: crate::http::page::PrintHead,
    unit: String,
    unit_name: String,
    form: String,
    from: String,
    to: String,
    tu: String,
    den: String,
    lines: Vec<Line>,
}

/// GET /can-bo/so-theo-doi: the register to print.
pub async fn page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<RegisterQuery>,
) -> Result<Html<String>, PageError> {
    let r = build(&app, staff, q).await?;
    let unit = r.unit.clone();
    let (names, level): (std::collections::HashMap<String, String>, _) = {
        let codes: Vec<String> = r
            .lines
            .iter()
            .filter_map(|l| l.processed_by.clone())
            .collect();
        read_tx(&app, move |tx| {
            Ok((
                org::names(tx, &codes)?.into_iter().collect(),
                org::get_unit(tx, &unit)?.level,
            ))
        })
        .await?
    };
    html(&RegisterPage {
        head: crate::http::page::PrintHead::desk(
            &r.unit_name,
            level,
            &crate::documents::service::place_of(&r.unit_name),
            crate::http::format::today(),
        ),
        unit: r.unit.clone(),
        unit_name: r.unit_name.clone(),
        form: r.form.unwrap_or_default().to_owned(),
        from: r.from.format("%d/%m/%Y").to_string(),
        to: r.to.format("%d/%m/%Y").to_string(),
        tu: r.from.format("%Y-%m").to_string(),
        den: r.to.format("%Y-%m").to_string(),
        lines: r
            .lines
            .iter()
            .map(|l| Line {
                code: l.code.clone().unwrap_or_default(),
                procedure: l.procedure_name.clone(),
                applicant: l.applicant.clone(),
                contact: [l.address.clone().unwrap_or_default(), l.phone.clone()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                received: when(l.received_at),
                due: when(l.due),
                processed_by: l
                    .processed_by
                    .as_ref()
                    .map(|c| names.get(c).cloned().unwrap_or_else(|| c.clone()))
                    .unwrap_or_default(),
                finished: when(l.finished_at),
                returned: when(l.returned_at),
                result: l.result.map_or("", |r| r.label_vi()),
                status: l.status.label_vi(),
                notes: l.notes.join("; "),
            })
            .collect(),
    })
}

/// GET /can-bo/so-theo-doi/tai-ve: the register as an XLSX workbook.
pub async fn xlsx(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<RegisterQuery>,
) -> Result<Response, PageError> {
    let r = build(&app, staff, q).await?;
    let bytes =
        motcua_render::register_xlsx::write_register(&r.unit_name, r.from, r.to, r.form, &r.lines)
            .map_err(|e| ApiError::internal(format!("xlsx: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"so-theo-doi-{}-{}-{}.xlsx\"",
                    r.unit,
                    r.from.format("%Y%m"),
                    r.to.format("%Y%m")
                ),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
