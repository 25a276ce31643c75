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
/// The answer to a supplement request, as the lookup page offers it: what was asked (one upload per
/// item), the note, the problems of a refused try and the papers kept from it.
pub(super) struct AnswerForm {
    pub items: Vec<AnswerItem>,
    pub note: String,
    pub note_error: String,
    pub max_mb: usize,
}

pub(super) struct AnswerItem {
    pub name: String,
    pub error: String,
    pub kept: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "public/lookup.html")]
pub(super) struct LookupPage {
    pub code: String,
    pub secret: String,
    pub notice: String,
    pub error: String,
    pub errors: crate::http::form::FormErrors,
    pub found: bool,
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
    pub answer: Option<AnswerForm>,
    /// The applicant's answer to a supplement request was just recorded.
    pub answered: bool,
    /// Fees assessed: (what is still owed, the link to the payment page).
    pub fees: Option<(String, String)>,
}

impl LookupPage {
    /// The lookup form, as typed, with nothing found yet.
    pub(super) fn new(code: String, secret: String) -> LookupPage {
        LookupPage {
            notice: String::new(),
            error: String::new(),
            errors: Default::default(),
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
            answer: None,
            answered: false,
            fees: None,
            code,
            secret,
        }
    }

    /// What a wrong code or a wrong secret answers (the same, whichever it was).
    pub(super) fn not_found(mut self) -> LookupPage {
        self.error = crate::i18n::t("Không tìm thấy hồ sơ với mã và mã bí mật này.").to_owned();
        self
    }

    /// The dossier's progress, without personal data; the answer form when a supplement is asked.
    pub(super) fn show(
        self,
        id: i64,
        d: &motcua_domain::dossier::Dossier,
        units: &[motcua_domain::org::Unit],
        max_upload: usize,
    ) -> LookupPage {
        let name = |c: &str| {
            units
                .iter()
                .find(|u| u.code == c)
                .map_or(c.to_owned(), |u| u.name.clone())
        };
        self.show_view(
            id,
            &motcua_store::lookup::PublicView::of(d),
            &name,
            max_upload,
        )
    }

    /// The same from the lookup projection (what the public lookup reads).
    pub(super) fn show_view(
        mut self,
        id: i64,
        v: &motcua_store::lookup::PublicView,
        name: &dyn Fn(&str) -> String,
        max_upload: usize,
    ) -> LookupPage {
        self.found = true;
        self.shown_code = motcua_domain::dossier::shown_code(v.code.as_deref(), id);
        self.procedure = v.procedure_name.clone();
        self.unit = name(&v.unit);
        self.status = v.status.label_vi();
        self.received = when(v.received_at);
        self.appointment = when(v.appointment);
        let open = v
            .supplement
            .as_ref()
            .filter(|_| v.status == motcua_domain::dossier::Status::SupplementRequested);
        self.supplement = open.map(|s| s.items.join("; ")).unwrap_or_default();
        self.answer = open.map(|s| AnswerForm {
            items: s
                .items
                .iter()
                .map(|i| AnswerItem {
                    name: i.clone(),
                    error: String::new(),
                    kept: None,
                })
                .collect(),
            note: String::new(),
            note_error: String::new(),
            max_mb: max_upload.div_ceil(1024 * 1024),
        });
        self.rows = v
            .steps
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    name(&s.unit),
                    when(s.finished_at),
                    s.result.map_or("", |r| r.label_vi()),
                )
            })
            .collect();
        self.results = v
            .documents
            .iter()
            .enumerate()
            .map(|(i, x)| (i + 1, x.title.clone(), when(Some(x.at))))
            .collect();
        self.can_rate = v.can_rate();
        self
    }
}

#[derive(Deserialize)]
pub struct LookupQuery {
    code: Option<String>,
    secret: Option<String>,
    ok: Option<String>,
}

/// A typed code or secret as the lookup reads it: trimmed, at most `n` characters.
pub(super) fn typed(v: &str, n: usize) -> String {
    v.trim().chars().take(n).collect()
}

/// GET /tra-cuu: the citizen's lookup, by code (or online reference) and the secret of form 01.
/// Shows progress without any personal data, and the answer form when a supplement is asked;
/// rate-limited like the API.
pub async fn lookup(
    State(app): State<AppState>,
    crate::http::ClientIp(ip): crate::http::ClientIp,
    Params(q): Params<LookupQuery>,
) -> Result<axum::response::Response, PageError> {
    let code = typed(&q.code.unwrap_or_default(), 80);
    let secret = typed(&q.secret.unwrap_or_default(), 20);
    let mut page = LookupPage::new(code.clone(), secret.clone());
    if q.ok.is_some() {
        page.notice = crate::i18n::t("Cảm ơn ông/bà đã đánh giá.").to_owned();
    }
    if code.is_empty() {
        return Ok(render(&page)?.into_response());
    }
    if !app.public_limiter.allow(ip) {
        return Err(crate::http::rate_limited().into());
    }
    let max = app.settings.max_upload_bytes;
    let found = blocking(move || {
        Ok(app.store.read_each(|tx| {
            Ok(
                match crate::public::service::lookup_public(tx, &code, &secret)? {
                    Some(f) => {
                        let table = app.unit_names(tx)?;
                        let names =
                            crate::dossiers::views::Names::from_table(&f.view.unit_codes(), &table);
                        let fees = motcua_store::payments::owed(tx, f.id)?;
                        Some((f, names, fees))
                    }
                    None => None,
                },
            )
        })?)
    })
    .await?;
    let Some((found, names, fees)) = found else {
        return Ok((
            axum::http::StatusCode::NOT_FOUND,
            render(&page.not_found())?,
        )
            .into_response());
    };
    let name = |c: &str| names.of(c);
    let mut page = page.show_view(found.id, &found.view, &name, max);
    page.fees = fees.map(|(total, paid)| {
        (
            crate::payment::service::dong((total - paid).max(0)),
            crate::payment::service::pay_link(&page.code, &page.secret),
        )
    });
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
