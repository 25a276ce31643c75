//! The citizen's pages without an account: lookup of a dossier and its rating, public statistics.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse};
use chrono::{NaiveDate, Utc};
use motcua_store::org;
use serde::Deserialize;

use crate::app::{AppState, blocking};
use crate::http::Params;
use crate::i18n::filters;

use crate::http::PageError;
use crate::http::format::{dmy, percent, today, when};
use crate::http::page::render;
#[derive(Template)]
#[template(path = "public/lookup.html")]
struct LookupPage {
    code: String,
    secret: String,
    notice: String,
    error: String,
    found: bool,
    shown_code: String,
    procedure: String,
    unit: String,
    status: &'static str,
    received: String,
    appointment: String,
    supplement: String,
    rows: Vec<(String, String, String, &'static str)>,
    can_rate: bool,
    /// Electronic results to download: (number, title, issued at).
    results: Vec<(usize, String, String)>,
}

#[derive(Deserialize)]
pub struct LookupQuery {
    code: Option<String>,
    secret: Option<String>,
    ok: Option<String>,
}

/// GET /tra-cuu: the citizen's lookup, by code (or online reference) and the secret of form 01.
/// Shows progress without any personal data; rate-limited like the API.
pub async fn lookup(
    State(app): State<AppState>,
    crate::http::ClientIp(ip): crate::http::ClientIp,
    Params(q): Params<LookupQuery>,
) -> Result<axum::response::Response, PageError> {
    let code = q
        .code
        .unwrap_or_default()
        .trim()
        .chars()
        .take(80)
        .collect::<String>();
    let secret = q
        .secret
        .unwrap_or_default()
        .trim()
        .chars()
        .take(20)
        .collect::<String>();
    let mut page = LookupPage {
        notice: if q.ok.is_some() {
            crate::i18n::t("Cảm ơn ông/bà đã đánh giá.").to_owned()
        } else {
            String::new()
        },
        error: String::new(),
        found: false,
        shown_code: String::new(),
        procedure: String::new(),
        unit: String::new(),
        status: "",
        received: String::new(),
        appointment: String::new(),
        supplement: String::new(),
        rows: vec![],
        can_rate: false,
        results: vec![],
        code: code.clone(),
        secret: secret.clone(),
    };
    if code.is_empty() {
        return Ok(render(&page)?.into_response());
    }
    if !app.public_limiter.allow(ip) {
        return Err(crate::http::rate_limited().into());
    }
    let found = blocking(move || {
        Ok(app.store.read_each(|tx| {
            Ok(
                match crate::public::service::lookup_public(tx, &code, &secret)? {
                    Some(f) => {
                        let names =
                            crate::dossiers::views::Names::of_units(tx, &f.view.unit_codes())?;
                        Some((f, names))
                    }
                    None => None,
                },
            )
        })?)
    })
    .await?;
    let Some((found, names)) = found else {
        page.error = crate::i18n::t("Không tìm thấy hồ sơ với mã và mã bí mật này.").to_owned();
        return Ok((axum::http::StatusCode::NOT_FOUND, render(&page)?).into_response());
    };
    let v = found.view;
    page.found = true;
    page.shown_code = motcua_domain::dossier::shown_code(v.code.as_deref(), found.id);
    page.procedure = v.procedure_name.clone();
    page.unit = names.of(&v.unit);
    page.status = v.status.label_vi();
    page.received = when(v.received_at);
    page.appointment = when(v.appointment);
    page.supplement = v
        .supplement
        .as_ref()
        .map(|s| s.items.join("; "))
        .unwrap_or_default();
    page.rows = v
        .steps
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                names.of(&s.unit),
                when(s.finished_at),
                s.result.map_or("", |r| r.label_vi()),
            )
        })
        .collect();
    page.results = v
        .documents
        .iter()
        .enumerate()
        .map(|(i, x)| (i + 1, x.title.clone(), when(Some(x.at))))
        .collect();
    page.can_rate = v.can_rate();
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct RatingForm {
    code: String,
    secret: String,
    rating: motcua_domain::dossier::Rating,
    #[serde(default)]
    comment: String,
}

/// POST /tra-cuu/danh-gia: the rating, then back to the lookup with thanks.
pub async fn rate(
    State(app): State<AppState>,
    ip: crate::http::ClientIp,
    crate::http::FormOf(f): crate::http::FormOf<RatingForm>,
) -> Result<axum::response::Response, PageError> {
    let back = format!(
        "/tra-cuu?code={}&secret={}",
        percent(&f.code),
        percent(&f.secret)
    );
    crate::public::service::rate_dossier(app, ip, f.code, f.secret, f.rating, f.comment).await?;
    Ok(axum::response::Redirect::to(&format!("{back}&ok=1")).into_response())
}

struct StatRow {
    name: String,
    received: i64,
    resolved: i64,
    in_time: i64,
    share: String,
    open: i64,
}

#[derive(Template)]
#[template(path = "public/stats.html")]
struct StatsPage {
    from: String,
    rows: Vec<StatRow>,
}

/// GET /thong-ke: public statistics per unit this year (counts only, no personal data), from the
/// counters.
pub async fn stats(State(app): State<AppState>) -> Result<Html<String>, PageError> {
    let now = Utc::now();
    let today = today();
    let year_start = NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let (figures, units) = blocking(move || {
        Ok(app.store.read(|tx| {
            let units = org::units(tx)?;
            let current: Vec<String> = units
                .iter()
                .filter(|u| {
                    u.is_valid_on(today)
                        && matches!(
                            u.level,
                            motcua_domain::org::UnitLevel::Commune
                                | motcua_domain::org::UnitLevel::District
                        )
                })
                .map(|u| u.code.clone())
                .collect();
            let period = motcua_store::stats::year_to_date(now);
            Ok((
                motcua_store::stats::per_unit(tx, &current, &period, now)?,
                units,
            ))
        })?)
    })
    .await?;
    render(&StatsPage {
        from: dmy(year_start),
        rows: figures
            .iter()
            .map(|(unit, f)| StatRow {
                name: units
                    .iter()
                    .find(|u| &u.code == unit)
                    .map_or(unit.clone(), |u| u.name.clone()),
                received: f.received(),
                resolved: f.resolved(),
                in_time: f.resolved_early + f.resolved_on_time,
                share: crate::http::format::share(
                    f.resolved_early + f.resolved_on_time,
                    f.resolved(),
                ),
                open: f.open_in_time + f.open_overdue,
            })
            .collect(),
    })
}
