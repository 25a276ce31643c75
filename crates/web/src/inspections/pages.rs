//! Inspection pages: the list with a new plan, the detail with every change as a form, the printable
//! conclusion notice, and a dossier by its code for the team's evidence.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use motcua_domain::authz::Action;
use motcua_domain::inspection::{
    Change, Conclusion, FindingKind, Member, MemberRole, NewPlan, Notice, TaskStatus, TeamDecision,
    Visit,
};
use motcua_domain::org::Staff;
use motcua_store::{inspections, org};
use serde::Deserialize;

use super::service::*;
use crate::app::{AppState, read_tx, write_tx};
use crate::auth::StaffPage;
use crate::http::ApiError;
use crate::http::PageError;
use crate::http::form::FormValues;
use crate::i18n::filters;

// ---------------------------------------------------------------- pages

struct Row {
    id: i64,
    plan: String,
    title: String,
    dates: String,
    units: usize,
    findings: usize,
    overdue: usize,
}

#[derive(Template)]
#[template(path = "inspections/list.html")]
struct ListPage {
    who: String,
    rows: Vec<Row>,
    owners: Vec<(String, String)>,
    units: Vec<(String, String)>,
    error: String,
}

/// GET /can-bo/kiem-tra
pub async fn list_page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
) -> Result<Html<String>, PageError> {
    render_list(app, staff, String::new()).await.map(Html)
}

async fn render_list(app: AppState, staff: Staff, error: String) -> Result<String, PageError> {
    let who = staff.full_name.clone();
    let (list, owners, units) = read_tx(&app, move |tx| {
        let mut out = (visible(tx, &staff)?, vec![], vec![]);
        let all = org::units(tx)?;
        let scope = crate::access::scope(tx, &staff, Action::Inspect)?;
        for u in &all {
            if scope.contains(&u.code) {
                if matches!(
                    u.level,
                    motcua_domain::org::UnitLevel::District
                        | motcua_domain::org::UnitLevel::Province
                ) {
                    out.1.push((u.code.clone(), u.name.clone()));
                }
                out.2.push((u.code.clone(), u.name.clone()));
            }
        }
        Ok(out)
    })
    .await?;
    let today = today();
    let page = ListPage {
        who,
        rows: list
            .iter()
            .map(|(id, i)| Row {
                id: *id,
                plan: format!("{} ngày {}", i.plan_number, i.plan_date.format("%d/%m/%Y")),
                title: i.title.clone(),
                dates: format!(
                    "{} – {}",
                    i.from.format("%d/%m/%Y"),
                    i.to.format("%d/%m/%Y")
                ),
                units: i.units.len(),
                findings: i.findings.len(),
                overdue: i.tasks.iter().filter(|t| t.overdue(today)).count(),
            })
            .collect(),
        owners,
        units,
        error,
    };
    page.render()
        .map_err(|e| ApiError::internal(format!("template: {e}")).into())
}

fn date(v: &FormValues, name: &'static str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(&v.value(name), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(name, "cần một ngày hợp lệ", "a valid date is needed"))
}

/// POST /can-bo/kiem-tra: a new inspection from the form.
pub async fn create_page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let v = FormValues(&fields);
    let plan = (|| {
        Ok::<_, ApiError>(NewPlan {
            owner: v.value("owner"),
            plan_number: v.value("plan_number"),
            plan_date: date(&v, "plan_date")?,
            year: v
                .value("year")
                .parse()
                .map_err(|_| ApiError::invalid("year", "năm không hợp lệ", "invalid year"))?,
            title: v.value("title"),
            units: fields
                .iter()
                .filter(|(k, _)| k == "unit")
                .map(|(_, u)| u.clone())
                .collect(),
            areas: None,
            from: date(&v, "from")?,
            to: date(&v, "to")?,
            period_from: date(&v, "period_from")?,
            period_to: date(&v, "period_to")?,
            thresholds: None,
        })
    })();
    let result = match plan {
        Ok(p) => create(app.clone(), staff.clone(), p).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Redirect::to(&format!("/can-bo/kiem-tra/{id}")).into_response(),
        Err(e) if e.status == StatusCode::FORBIDDEN => PageError::from(e).into_response(),
        Err(e) => {
            let status = e.status;
            match render_list(app, staff, crate::i18n::pick(&e.vi, &e.en).to_owned()).await {
                Ok(h) => (status, Html(h)).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

struct FindingView {
    id: u32,
    unit: String,
    kind: &'static str,
    text: String,
    evidence: String,
    dossiers: Vec<String>,
    link: String,
    automatic: bool,
}

struct AreaView {
    name: String,
    findings: Vec<FindingView>,
}

struct TaskView {
    id: u32,
    unit: String,
    what: String,
    deadline: String,
    done: bool,
    overdue: bool,
    evidence: String,
}

#[derive(Template)]
#[template(path = "inspections/detail.html")]
struct DetailPage {
    who: String,
    id: i64,
    version: i64,
    manage: bool,
    notice: String,
    error: String,
    plan: String,
    title: String,
    period: String,
    dates: String,
    decision: String,
    members: Vec<(String, String, &'static str)>,
    units: Vec<(String, String)>,
    visits: Vec<(String, String)>,
    areas: Vec<AreaView>,
    area_choices: Vec<(String, String)>,
    tasks: Vec<TaskView>,
    concluded: String,
    revisions: i64,
}

/// GET /can-bo/kiem-tra/{id}
pub async fn detail_page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
    crate::http::Params(q): crate::http::Params<Flash>,
) -> Result<Html<String>, PageError> {
    let notice = if q.ok.is_some() {
        crate::i18n::t("Đã ghi nhận").to_owned()
    } else {
        String::new()
    };
    render_detail(app, staff, id, notice, String::new())
        .await
        .map(Html)
}

#[derive(Deserialize)]
pub struct Flash {
    ok: Option<String>,
}

async fn render_detail(
    app: AppState,
    staff: Staff,
    id: i64,
    notice: String,
    error: String,
) -> Result<String, PageError> {
    let who = staff.full_name.clone();
    let (i, version, manage, names, revisions) = read_tx(&app, move |tx| {
        let (i, v, m) = readable(tx, &staff, id)?;
        let r = inspections::revisions(tx, id)?;
        Ok((i, v, m, unit_names(tx)?, r))
    })
    .await?;
    let name = |c: &str| {
        names
            .iter()
            .find(|(code, _)| code == c)
            .map_or(c.to_owned(), |(_, n)| n.clone())
    };
    let today = today();
    let dmy = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    let page = DetailPage {
        who,
        id,
        version,
        manage,
        notice,
        error,
        plan: format!("{} ngày {}", i.plan_number, dmy(i.plan_date)),
        title: i.title.clone(),
        period: format!("{} – {}", dmy(i.period_from), dmy(i.period_to)),
        dates: format!("{} – {}", dmy(i.from), dmy(i.to)),
        decision: i
            .decision
            .as_ref()
            .map(|d| format!("{} ngày {} ({})", d.number, dmy(d.date), d.signer))
            .unwrap_or_default(),
        members: i
            .members
            .iter()
            .map(|m| (m.name.clone(), m.title.clone(), m.role.label_vi()))
            .collect(),
        units: i.units.iter().map(|u| (u.clone(), name(u))).collect(),
        visits: i
            .visits
            .iter()
            .map(|v| (name(&v.unit), format!("{} – {}", dmy(v.from), dmy(v.to))))
            .collect(),
        areas: i
            .areas
            .iter()
            .map(|a| AreaView {
                name: a.name.clone(),
                findings: i
                    .findings
                    .iter()
                    .filter(|f| f.area == a.code)
                    .map(|f| FindingView {
                        id: f.id,
                        unit: name(&f.unit),
                        kind: match f.kind {
                            FindingKind::Strength => "Ưu điểm",
                            FindingKind::Shortcoming => "Hạn chế",
                        },
                        text: f.text.clone(),
                        evidence: f.evidence.summary.clone(),
                        dossiers: f.evidence.dossiers.clone(),
                        link: f.evidence.link.clone().unwrap_or_default(),
                        automatic: f.check.is_some(),
                    })
                    .collect(),
            })
            .collect(),
        area_choices: i
            .areas
            .iter()
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect(),
        tasks: i
            .tasks
            .iter()
            .map(|t| TaskView {
                id: t.id,
                unit: name(&t.unit),
                what: t.what.clone(),
                deadline: dmy(t.deadline),
                done: t.status == TaskStatus::Done,
                overdue: t.overdue(today),
                evidence: match (&t.evidence, t.done_on) {
                    (Some(e), Some(d)) => format!("{} ({})", e, dmy(d)),
                    _ => String::new(),
                },
            })
            .collect(),
        concluded: i
            .conclusion
            .as_ref()
            .map(|c| format!("{} ngày {}", c.number, dmy(c.date)))
            .unwrap_or_default(),
        revisions,
    };
    page.render()
        .map_err(|e| ApiError::internal(format!("template: {e}")).into())
}

/// POST /can-bo/kiem-tra/{id}/{action}: one change from a form, at the version the page showed.
pub async fn act_page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, action)): Path<(i64, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let v = FormValues(&fields);
    let version: i64 = v.value("version").parse().unwrap_or(-1);
    let parsed: Result<Option<Change>, ApiError> = (|| {
        let num = |name: &'static str| -> Result<u32, ApiError> {
            v.value(name)
                .parse()
                .map_err(|_| ApiError::invalid(name, "số không hợp lệ", "invalid number"))
        };
        Ok(Some(match action.as_str() {
            "quyet-dinh" => Change::Decision(TeamDecision {
                number: v.value("number"),
                date: date(&v, "date")?,
                signer: v.value("signer"),
            }),
            "thanh-vien" => Change::AddMember(Member {
                name: v.value("name"),
                title: v.value("title"),
                role: match v.value("role").as_str() {
                    "lead" => MemberRole::Lead,
                    "secretary" => MemberRole::Secretary,
                    _ => MemberRole::Member,
                },
                staff_id: None,
            }),
            "lam-viec" => Change::AddVisit(Visit {
                unit: v.value("unit"),
                from: date(&v, "from")?,
                to: date(&v, "to")?,
            }),
            "tu-dong" => return Ok(None),
            "ket-luan-moi" => Change::AddFinding {
                unit: v.value("unit"),
                area: v.value("area"),
                kind: if v.value("kind") == "strength" {
                    FindingKind::Strength
                } else {
                    FindingKind::Shortcoming
                },
                text: v.value("text"),
            },
            "sua" => Change::EditFinding {
                id: num("finding")?,
                text: v.value("text"),
            },
            "ban-hanh" => Change::Conclude(Conclusion {
                number: v.value("number"),
                date: date(&v, "date")?,
                signer: v.value("signer"),
            }),
            "nhiem-vu" => Change::TasksFromShortcomings {
                deadline: date(&v, "deadline")?,
            },
            "hoan-thanh" => Change::CompleteTask {
                id: num("task")?,
                evidence: v.value("evidence"),
            },
            _ => {
                return Err(ApiError::not_found(
                    "Không có thao tác này",
                    "No such action",
                ));
            }
        }))
    })();
    let result = match parsed {
        Ok(c) => {
            let staff2 = staff.clone();
            let label = c.as_ref().map_or("checks", change_label);
            write_tx(&app, move |tx| change(tx, &staff2, id, version, c, label)).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/can-bo/kiem-tra/{id}?ok=1")).into_response(),
        Err(e) if matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => {
            PageError::from(e).into_response()
        }
        Err(e) => {
            let status = e.status;
            let msg = crate::i18n::pick(&e.vi, &e.en).to_owned();
            match render_detail(app, staff, id, String::new(), msg).await {
                Ok(h) => (status, Html(h)).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "inspections/notice.html")]
struct NoticePage {
    id: i64,
    head: crate::http::page::PrintHead,
    n: Notice,
}

/// GET /can-bo/kiem-tra/{id}/thong-bao: the conclusion notice, ready to print (a draft until it
/// is issued).
pub async fn notice_page(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let (i, names) = read_tx(&app, move |tx| {
        let (i, _, _) = readable(tx, &staff, id)?;
        Ok((i, unit_names(tx)?))
    })
    .await?;
    let n = notice_of(&i, &names);
    let number = n.number.trim();
    let head = crate::http::page::PrintHead {
        parent: n.issuer.to_uppercase(),
        issuer: "ĐOÀN KIỂM TRA".to_owned(),
        number: if number.is_empty() || number.starts_with('/') {
            format!("Số: ........{number}")
        } else {
            format!("Số: {number}")
        },
        place_date: n.place_date.clone(),
    };
    let page = NoticePage { id, head, n };
    page.render()
        .map(Html)
        .map_err(|e| ApiError::internal(format!("template: {e}")).into())
}

/// GET /can-bo/ho-so/ma/{code}: a dossier by its code (the evidence links), for whoever may see it.
pub async fn by_code(
    State(app): State<AppState>,
    StaffPage(_staff): StaffPage,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let id = read_tx(&app, move |tx| {
        Ok(motcua_store::dossiers::id_by_code(tx, &code)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("Không có hồ sơ này", "No such dossier"))?;
    Ok(Redirect::to(&format!("/can-bo/ho-so/{id}")).into_response())
}
