//! The system administrator's units page: the units within reach, and adding, renaming and
//! closing one (with its successors), with the checks and the record an organisation file gets.

use crate::http::FormOf;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::org::{Staff, Unit, UnitLevel};
use motcua_domain::text::{clean, fold_vi};
use motcua_store::office::{self, Origin};
use motcua_store::{Tx, org};
use serde::Deserialize;

use crate::app::{AppState, read_tx, write_tx};
use crate::auth::StaffPage;
use crate::http::{ApiError, PageError, Params, format};
use crate::i18n::{filters, pick, t};

/// The most rows the page lists at once; a search narrows a province's thousands of units.
const SHOWN: usize = 300;

struct UnitRow {
    code: String,
    name: String,
    level: &'static str,
    parent: String,
    valid_from: String,
    closed: String,
    successors: String,
}

struct ChangeRow {
    at: String,
    actor: String,
    source: String,
    code: String,
    change: &'static str,
}

#[derive(Template)]
#[template(path = "org/units.html")]
struct UnitsPage {
    who: String,
    notice: String,
    error: String,
    q: String,
    total: usize,
    rows: Vec<UnitRow>,
    /// Units in force within reach: (code, name), for the parent and successor choices.
    open: Vec<(String, String)>,
    levels: Vec<(&'static str, &'static str)>,
    changes: Vec<ChangeRow>,
    today: String,
}

#[derive(Deserialize, Default)]
pub struct Query {
    #[serde(default)]
    q: String,
    ok: Option<String>,
}

/// May the caller administer the system where `code` belongs?
fn reaches(tx: &mut dyn Tx, staff: &Staff, code: &str) -> Result<bool, ApiError> {
    Ok(can(
        &staff.grants,
        Action::AdministerSystem,
        &org::chain(tx, code)?,
    ))
}

fn change_label(kind: &str) -> &'static str {
    match kind {
        "created" => "Thành lập",
        "renamed" => "Đổi tên",
        "closed" => "Thôi hoạt động",
        _ => "Thay đổi",
    }
}

fn view(
    tx: &mut dyn Tx,
    staff: &Staff,
    q: &str,
    notice: String,
    error: String,
) -> Result<UnitsPage, ApiError> {
    if !staff
        .grants
        .iter()
        .any(|g| motcua_domain::authz::allows(g.role, Action::AdministerSystem))
    {
        return Err(ApiError::forbidden());
    }
    let all = org::units(tx)?;
    // Reach by the parents in memory: one query for a province's thousands of units.
    let parent: std::collections::HashMap<&str, Option<&str>> = all
        .iter()
        .map(|u| (u.code.as_str(), u.parent.as_deref()))
        .collect();
    let chain_of = |code: &str| {
        let mut chain = vec![];
        let mut next = Some(code);
        while let Some(c) = next {
            if chain.iter().any(|x: &String| x == c) {
                break;
            }
            chain.push(c.to_owned());
            next = parent.get(c).copied().flatten();
        }
        chain
    };
    let mut mine: Vec<&Unit> = all
        .iter()
        .filter(|u| can(&staff.grants, Action::AdministerSystem, &chain_of(&u.code)))
        .collect();
    mine.sort_by(|a, b| a.code.cmp(&b.code));
    let today = format::today();
    let folded = fold_vi(q.trim());
    let matching: Vec<&&Unit> = mine
        .iter()
        .filter(|u| {
            folded.is_empty()
                || fold_vi(&u.code).contains(&folded)
                || fold_vi(&u.name).contains(&folded)
        })
        .collect();
    let name_of = |code: &str| {
        all.iter()
            .find(|u| u.code == code)
            .map_or(code.to_owned(), |u| format!("{} ({code})", u.name))
    };
    let rows = matching
        .iter()
        .take(SHOWN)
        .map(|u| UnitRow {
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.label_vi(),
            parent: u.parent.as_deref().map(&name_of).unwrap_or_default(),
            valid_from: format::dmy(u.valid_from),
            closed: u.valid_to.map(format::dmy).unwrap_or_default(),
            successors: u
                .successors
                .iter()
                .map(|s| name_of(s))
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect();
    let codes: Vec<&str> = mine.iter().map(|u| u.code.as_str()).collect();
    let changes = office::org_changes(tx, 200)?
        .into_iter()
        .filter(|c| codes.contains(&c.code.as_str()))
        .take(30)
        .map(|c| ChangeRow {
            at: format::when(Some(c.at)),
            actor: c.actor,
            source: c.source,
            code: c.code,
            change: change_label(&c.change),
        })
        .collect();
    Ok(UnitsPage {
        who: staff.full_name.clone(),
        notice,
        error,
        q: q.trim().to_owned(),
        total: matching.len(),
        rows,
        open: mine
            .iter()
            .filter(|u| u.valid_to.is_none_or(|d| d >= today))
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect(),
        levels: [
            UnitLevel::Province,
            UnitLevel::District,
            UnitLevel::Commune,
            UnitLevel::Department,
            UnitLevel::Agency,
        ]
        .iter()
        .map(|l| (l.as_str(), l.label_vi()))
        .collect(),
        changes,
        today: today.format("%Y-%m-%d").to_string(),
    })
}

async fn render(
    app: AppState,
    staff: Staff,
    q: String,
    notice: String,
    error: String,
) -> Result<Html<String>, PageError> {
    let page = read_tx(&app, move |tx| view(tx, &staff, &q, notice, error)).await?;
    page.render()
        .map(Html)
        .map_err(|e| PageError::from(ApiError::internal(format!("template: {e}"))))
}

/// GET /can-bo/he-thong/don-vi
pub async fn page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(f): Params<Query>,
) -> Result<Html<String>, PageError> {
    let notice =
        f.ok.map(|_| t("Đã ghi nhận").to_owned())
            .unwrap_or_default();
    render(app, staff, f.q, notice, String::new()).await
}

/// Runs one change in one transaction, recorded as made by the caller "from the web"; back to
/// the page, or the page with the refusal (nothing written).
async fn write(
    app: AppState,
    staff: Staff,
    f: impl FnOnce(&mut dyn Tx, &Origin) -> Result<(), ApiError> + Send + 'static,
) -> Response {
    let caller = staff.clone();
    let done = write_tx(&app, move |tx| {
        let actor = caller.username.clone();
        let origin = Origin {
            actor: &actor,
            source: "web",
            at: Utc::now(),
        };
        f(tx, &origin)
    })
    .await;
    match done {
        Ok(()) => Redirect::to("/can-bo/he-thong/don-vi?ok=1").into_response(),
        Err(e) => {
            let status = e.status;
            match render(
                app,
                staff,
                String::new(),
                String::new(),
                pick(&e.vi, &e.en).to_owned(),
            )
            .await
            {
                Ok(p) => (status, p).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

fn date(field: &'static str, s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(
            field,
            "ngày cần dạng YYYY-MM-DD",
            "the date must be YYYY-MM-DD",
        )
    })
}

fn must_reach(tx: &mut dyn Tx, staff: &Staff, code: &str) -> Result<(), ApiError> {
    if reaches(tx, staff, code)? {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

#[derive(Deserialize)]
pub struct AddForm {
    code: String,
    name: String,
    level: String,
    parent: String,
    valid_from: String,
}

/// POST /can-bo/he-thong/don-vi/them: a new unit under one the caller administers. Top units
/// (a new province) come from an organisation file (`motcua org import`).
pub async fn add(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    FormOf(f): FormOf<AddForm>,
) -> Response {
    let caller = staff.clone();
    write(app, staff, move |tx, origin| {
        let level = UnitLevel::parse(f.level.trim()).ok_or_else(|| {
            ApiError::invalid("level", "cấp đơn vị không hợp lệ", "unknown unit level")
        })?;
        let parent = f.parent.trim().to_owned();
        if parent.is_empty() {
            return Err(ApiError::invalid(
                "parent",
                "cần chọn đơn vị cấp trên",
                "choose the parent unit",
            ));
        }
        must_reach(tx, &caller, &parent)?;
        let unit = Unit {
            code: f.code.trim().to_owned(),
            name: clean(&f.name),
            level,
            parent: Some(parent),
            valid_from: date("valid_from", &f.valid_from)?,
            valid_to: None,
            successors: vec![],
        };
        Ok(office::add_unit(tx, origin, &unit)?)
    })
    .await
}

#[derive(Deserialize)]
pub struct RenameForm {
    code: String,
    name: String,
}

/// POST /can-bo/he-thong/don-vi/doi-ten
pub async fn rename(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    FormOf(f): FormOf<RenameForm>,
) -> Response {
    let caller = staff.clone();
    write(app, staff, move |tx, origin| {
        let code = f.code.trim();
        must_reach(tx, &caller, code)?;
        Ok(office::rename_unit(tx, origin, code, &f.name)?)
    })
    .await
}

#[derive(Deserialize)]
pub struct CloseForm {
    code: String,
    last_day: String,
    /// Successor codes separated by `;` or commas.
    #[serde(default)]
    successors: String,
}

/// POST /can-bo/he-thong/don-vi/thoi-hoat-dong: a unit's last day and who takes over its work.
/// A successor need only exist (it may be a neighbour outside the caller's reach): it is named,
/// not changed.
pub async fn close(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    FormOf(f): FormOf<CloseForm>,
) -> Response {
    let caller = staff.clone();
    write(app, staff, move |tx, origin| {
        let code = f.code.trim();
        must_reach(tx, &caller, code)?;
        let last_day = date("last_day", &f.last_day)?;
        let successors: Vec<String> = f
            .successors
            .split([';', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(office::close_unit(tx, origin, code, last_day, &successors)?)
    })
    .await
}

#[derive(Deserialize)]
pub struct TransferForm {
    from: String,
    to: String,
    decision: String,
    date: String,
}

/// POST /can-bo/he-thong/don-vi/chuyen-giao: every unfinished dossier of a closed unit moves to
/// one of its successors (within the caller's reach), one event per dossier with the decision as its legal basis (the same
/// checks as `motcua org transfer`); one transaction.
pub async fn transfer(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    FormOf(f): FormOf<TransferForm>,
) -> Response {
    let caller = staff.clone();
    write(app, staff, move |tx, _origin| {
        // The successor takes the dossiers on: its administrator may move them (the closed unit
        // itself may be outside the caller's reach, like a neighbour merged into the caller's).
        let (from, to) = (f.from.trim(), f.to.trim());
        must_reach(tx, &caller, to)?;
        let date = date("date", &f.date)?;
        office::transfer(
            tx,
            motcua_domain::dossier::Actor::Staff { id: caller.id },
            from,
            to,
            &f.decision,
            date,
            Utc::now(),
        )?;
        Ok(())
    })
    .await
}
