//! The officials' workspace as server-rendered pages that work without JavaScript: sign-in with a
//! session cookie, queues of the units in the caller's scope, the dossier with its control sheet and
//! only the actions the caller may take now, reception at the counter, and the printable receipt
//! (form 01) with the dossier code as a QR code. Writes go through the same code as the API.

use askama::Template;
use axum::Form;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{TimeDelta, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::dossier::{
    Command, Context, Dossier, Instant, Outcome, PauseKind, Status, decide, to_local,
};
use motcua_domain::org::{Role, Staff};
use motcua_store::dossiers::{self, Filter};
use motcua_store::{org, procedures};
use serde::Deserialize;

use crate::api::dossiers::{
    ActionBody, Caller, Reception, command_for, receive_command, run, scope,
};
use crate::api::{ClientIp, Params, rate_limited};
use crate::auth::{self, CurrentStaff};
use crate::i18n::filters;
use crate::pages::{APPLICANT_FIELDS, FormValues, InputField, PageError, when};
use crate::{ApiError, AppState, blocking};

/// A signed-in member of staff; anyone else is sent to the sign-in page.
pub struct StaffPage(pub Staff);

impl FromRequestParts<AppState> for StaffPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        match CurrentStaff::from_request_parts(parts, app).await {
            Ok(CurrentStaff(staff)) => Ok(StaffPage(staff)),
            Err(e) if e.status == StatusCode::UNAUTHORIZED => {
                Err(Redirect::to("/dang-nhap").into_response())
            }
            Err(e) => Err(PageError::from(e).into_response()),
        }
    }
}

fn html(t: &impl Template) -> Result<Html<String>, PageError> {
    t.render()
        .map(Html)
        .map_err(|e| PageError::from(ApiError::internal(format!("template: {e}"))))
}

fn who(staff: &Staff) -> String {
    staff.full_name.clone()
}

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    error: String,
    username: String,
}

pub async fn login_page() -> Result<Html<String>, PageError> {
    html(&LoginPage {
        error: String::new(),
        username: String::new(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn login(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> Response {
    if !app.login_limiter.allow(ip) {
        return PageError::from(rate_limited()).into_response();
    }
    let username = f.username.clone();
    match auth::sign_in(app.clone(), f.username, f.password).await {
        Ok((token, _, _)) => {
            let mut res = Redirect::to("/can-bo").into_response();
            if let Ok(v) = HeaderValue::from_str(&auth::session_cookie(&token, &app.settings)) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            let page = LoginPage {
                error: crate::i18n::pick(&e.vi, &e.en).to_owned(),
                username,
            };
            (
                e.status,
                html(&page)
                    .map(IntoResponse::into_response)
                    .unwrap_or_else(IntoResponse::into_response),
            )
                .into_response()
        }
    }
}

pub async fn logout(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let mut parts = axum::http::Request::new(()).into_parts().0;
    parts.headers = headers;
    if let Some(token) = auth::token_of(&parts) {
        let hash = auth::token_hash(&token);
        let _ = blocking(move || Ok(app.store.write(|tx| org::delete_session(tx, &hash))?)).await;
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("motcua_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}

struct QueueLink {
    key: &'static str,
    label: &'static str,
    count: i64,
    current: bool,
}

struct QueueRow {
    id: i64,
    code: String,
    procedure: String,
    applicant: String,
    received: String,
    due: String,
    overdue: bool,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    who: String,
    queues: Vec<QueueLink>,
    title: &'static str,
    current: String,
    items: Vec<QueueRow>,
    next: String,
    procedure: String,
    procedures: Vec<(String, String)>,
}

/// The queues: (key, label, filter).
fn queues(units: &[String], now: Instant, me: i64) -> Vec<(&'static str, &'static str, Filter)> {
    let base = Filter {
        units: Some(units.to_vec()),
        limit: 50,
        ..Filter::default()
    };
    vec![
        (
            "cua-toi",
            "Giao cho tôi",
            Filter {
                units: None,
                holder: Some(me),
                status: Some(Status::Processing),
                ..base.clone()
            },
        ),
        (
            "dang-xu-ly",
            "Đang xử lý",
            Filter {
                status: Some(Status::Processing),
                ..base.clone()
            },
        ),
        (
            "sap-den-han",
            "Sắp đến hạn",
            Filter {
                status: Some(Status::Processing),
                due_after: Some(now),
                due_before: Some(now + TimeDelta::days(2)),
                ..base.clone()
            },
        ),
        (
            "qua-han",
            "Quá hạn",
            Filter {
                overdue_at: Some(now),
                ..base.clone()
            },
        ),
        (
            "cho-bo-sung",
            "Chờ bổ sung",
            Filter {
                status: Some(Status::SupplementRequested),
                ..base.clone()
            },
        ),
        (
            "cho-tiep-nhan",
            "Chờ tiếp nhận",
            Filter {
                status: Some(Status::Submitted),
                by_receiving_unit: true,
                ..base.clone()
            },
        ),
        (
            "tam-dung",
            "Tạm dừng",
            Filter {
                status: Some(Status::Paused),
                ..base.clone()
            },
        ),
        (
            "co-ket-qua",
            "Chờ trả kết quả",
            Filter {
                status: Some(Status::ResultReady),
                by_receiving_unit: true,
                ..base
            },
        ),
    ]
}

#[derive(Deserialize)]
pub struct QueueQuery {
    hang: Option<String>,
    sau: Option<String>,
    /// Only this procedure (by code).
    thu_tuc: Option<String>,
}

pub async fn queue(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<QueueQuery>,
) -> Result<Html<String>, PageError> {
    let key = q.hang.unwrap_or_else(|| "dang-xu-ly".into());
    let procedure = q.thu_tuc.filter(|p| !p.is_empty());
    let chosen_procedure = procedure.clone().unwrap_or_default();
    let after = q
        .sau
        .as_deref()
        .and_then(|a| a.split_once('.'))
        .and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)));
    let now = Utc::now();
    let who = who(&staff);
    let (links, chosen, rows, names) = blocking(move || {
        Ok(app.store.read(|tx| {
            let units = scope(tx, &staff, Action::ViewDossier)?;
            let mut all = queues(&units, now, staff.id);
            for q in &mut all {
                q.2.procedure = procedure.clone();
            }
            let mut links = vec![];
            for (k, label, f) in &all {
                links.push(QueueLink {
                    key: k,
                    label,
                    count: dossiers::count(tx, f)?,
                    current: *k == key,
                });
            }
            let (k, label, mut f) = all
                .into_iter()
                .find(|x| x.0 == key)
                .unwrap_or_else(|| queues(&units, now, staff.id).remove(1));
            f.after = after;
            let rows = dossiers::list(tx, &f)?;
            let names: Vec<(String, String)> = procedures::catalogue(tx)?
                .all_in_force(to_local(now).date())
                .map(|p| (p.spec.code.clone(), p.spec.name.clone()))
                .collect();
            Ok((links, (k, label), rows, names))
        })?)
    })
    .await?;
    let next = if rows.len() == 50 {
        rows.last().map(|s| {
            let (a, b) = dossiers::cursor_of(s);
            format!("{a}.{b}")
        })
    } else {
        None
    };
    html(&QueuePage {
        who,
        queues: links,
        title: chosen.1,
        current: chosen.0.to_owned(),
        items: rows
            .iter()
            .map(|s| QueueRow {
                id: s.id,
                code: s.code.clone().unwrap_or_else(|| format!("W{:08}", s.id)),
                procedure: names
                    .iter()
                    .find(|(c, _)| *c == s.procedure_code)
                    .map_or(s.procedure_code.clone(), |(_, n)| n.clone()),
                applicant: s.applicant_name.clone(),
                received: when(s.received_at),
                due: when(s.due_at),
                overdue: s.status == Status::Processing && s.due_at.is_some_and(|d| d < now),
                status: s.status.label_vi(),
            })
            .collect(),
        next: next.unwrap_or_default(),
        procedure: chosen_procedure,
        procedures: {
            let mut p = names.clone();
            p.sort_by_key(|(_, n)| motcua_domain::text::fold_vi(n));
            p
        },
    })
}

struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    options: Vec<(String, String)>,
}

fn field(name: &'static str, label: &'static str, kind: &'static str) -> Field {
    Field {
        name,
        label,
        kind,
        value: String::new(),
        options: vec![],
    }
}

struct ActionForm {
    key: &'static str,
    label: &'static str,
    fields: Vec<Field>,
}

struct ControlRow {
    step: String,
    from: String,
    to: String,
    started: String,
    due: String,
    done: String,
    result: &'static str,
}

#[derive(Template)]
#[template(path = "staff/dossier.html")]
struct DossierPage {
    who: String,
    id: i64,
    version: i64,
    code: String,
    procedure: String,
    notice: String,
    error: String,
    status: &'static str,
    overdue: bool,
    applicant: String,
    unit: String,
    current_unit: String,
    received: String,
    due: String,
    appointment: String,
    result: &'static str,
    has_receipt: bool,
    prints: Vec<(&'static str, &'static str)>,
    form: &'static str,
    rows: Vec<ControlRow>,
    papers: Vec<String>,
    actions: Vec<ActionForm>,
    history: Vec<String>,
}

/// The actions this member of staff may take on this dossier now: each is tried against the
/// domain's own rules with placeholder details, and against the caller's permissions.
fn actions(
    d: &Dossier,
    staff: &Staff,
    chains: &dyn Fn(&str) -> Vec<String>,
    ctx: &Context,
    units: &[(String, String)],
    people: &[(String, String)],
) -> Vec<ActionForm> {
    let later = d.due.map_or(ctx.now, |due| due) + TimeDelta::days(3);
    let candidates: Vec<(&'static str, &'static str, Command, Vec<Field>)> = vec![
        (
            "receive",
            "Tiếp nhận hồ sơ",
            Command::Receive {
                code: "X-000101-0001".into(),
                channel: d.channel,
                procedure: None,
                unit: None,
                applicant: None,
                papers: None,
                details: Default::default(),
            },
            vec![],
        ),
        (
            "hand-over",
            "Chuyển hồ sơ",
            Command::HandOver {
                to_unit: d.current_unit.clone(),
                external: false,
                note: String::new(),
                to_staff: None,
            },
            vec![
                Field {
                    options: units.to_vec(),
                    ..field("to_unit", "Chuyển đến", "select")
                },
                Field {
                    options: people.to_vec(),
                    ..field("to_staff", "Người nhận (không bắt buộc)", "select")
                },
                field("note", "Ghi chú", "text"),
            ],
        ),
        (
            "request-supplement",
            "Yêu cầu bổ sung hồ sơ (mẫu 02)",
            Command::RequestSupplement {
                items: vec!["x".into()],
                reason: "x".into(),
            },
            vec![
                field(
                    "items",
                    "Nội dung cần bổ sung (mỗi dòng một mục)",
                    "textarea",
                ),
                field("reason", "Lý do", "text"),
            ],
        ),
        (
            "supplement",
            "Ghi nhận đã bổ sung",
            Command::Supplement {
                note: String::new(),
            },
            vec![field("note", "Ghi chú", "text")],
        ),
        (
            "refuse",
            "Từ chối tiếp nhận (mẫu 03)",
            Command::Refuse { reason: "x".into() },
            vec![field("reason", "Lý do từ chối", "text")],
        ),
        (
            "pause",
            "Tạm dừng",
            Command::Pause {
                pause: PauseKind::FinancialObligation,
                reason: "x".into(),
            },
            vec![
                Field {
                    options: vec![
                        (
                            "financial_obligation".into(),
                            "Chờ thực hiện nghĩa vụ tài chính".into(),
                        ),
                        (
                            "applicant_request".into(),
                            "Theo đề nghị của người nộp".into(),
                        ),
                    ],
                    ..field("pause", "Lý do tạm dừng", "select")
                },
                field("reason", "Chi tiết", "text"),
            ],
        ),
        ("resume", "Tiếp tục xử lý", Command::Resume, vec![]),
        (
            "apologize",
            "Xin lỗi, hẹn lại ngày trả (mẫu 04)",
            Command::Apologize {
                reason: "x".into(),
                new_appointment: later,
            },
            vec![
                field("reason", "Lý do chậm", "text"),
                Field {
                    value: to_local(later).format("%Y-%m-%dT%H:%M").to_string(),
                    ..field("new_appointment", "Ngày hẹn mới", "datetime-local")
                },
            ],
        ),
        (
            "result-ready",
            "Phê duyệt, có kết quả",
            Command::MarkResultReady {
                outcome: Outcome::Approved,
            },
            vec![
                Field {
                    options: vec![
                        ("true".into(), "Đồng ý, cấp kết quả".into()),
                        ("false".into(), "Không đủ điều kiện (nêu lý do)".into()),
                    ],
                    ..field("approved", "Quyết định", "select")
                },
                field("reason", "Lý do (nếu không đồng ý)", "text"),
            ],
        ),
        (
            "return",
            "Trả kết quả",
            Command::Return {
                to_whom: "x".into(),
            },
            vec![Field {
                value: d.applicant.full_name.clone(),
                ..field("to_whom", "Người nhận kết quả", "text")
            }],
        ),
        (
            "withdraw",
            "Rút hồ sơ theo đề nghị",
            Command::Withdraw { reason: "x".into() },
            vec![field("reason", "Lý do", "text")],
        ),
    ];
    candidates
        .into_iter()
        .filter(|(_, _, cmd, _)| {
            decide(Some(d), cmd.clone(), ctx).is_ok()
                && cmd
                    .permission(Some(d))
                    .is_some_and(|(action, unit)| can(&staff.grants, action, &chains(&unit)))
        })
        .map(|(key, label, _, fields)| ActionForm { key, label, fields })
        .collect()
}

async fn dossier_page(
    app: AppState,
    staff: Staff,
    id: i64,
    notice: String,
    error: String,
) -> Result<Html<String>, PageError> {
    let now = Utc::now();
    let who = who(&staff);
    let page = blocking(move || {
        let cal = app.store.read(|tx| app.calendar(tx))?;
        let (d, history, units, chains, personal, everyone) = app
            .store
            .read(|tx| {
                let d = dossiers::load(tx, id)?;
                let mut involved = vec![d.unit.clone(), d.current_unit.clone()];
                involved.extend(d.steps.iter().map(|s| s.unit.clone()));
                let all = org::units(tx)?;
                // Permissions are checked against the units the dossier has been at (the receiving
                // and the holding unit among them), so only their chains are needed.
                let mut chains = std::collections::HashMap::new();
                for u in &involved {
                    if !chains.contains_key(u) {
                        chains.insert(u.clone(), org::chain(tx, u)?);
                    }
                }
                let allowed = |action| {
                    involved
                        .iter()
                        .any(|u| chains.get(u).is_some_and(|c| can(&staff.grants, action, c)))
                };
                if !allowed(Action::ViewDossier) {
                    return Ok(None);
                }
                let personal = allowed(Action::ViewPersonalData);
                Ok(Some((
                    d,
                    dossiers::history(tx, id)?,
                    all,
                    chains,
                    personal,
                    org::list_staff(tx)?,
                )))
            })?
            .ok_or_else(ApiError::forbidden)?;
        if personal {
            app.store
                .write(|tx| dossiers::log_personal_view(tx, staff.id, id, "staff page", now))?;
        }
        let name = |code: &str| {
            units
                .iter()
                .find(|u| u.code == code)
                .map_or(code.to_owned(), |u| u.name.clone())
        };
        let today = to_local(now).date();
        // The holding unit first (hand-over between its own desk, officers and leaders), then the rest.
        let mut targets: Vec<(String, String)> = units
            .iter()
            .filter(|u| u.is_valid_on(today))
            .map(|u| (u.code.clone(), u.name.clone()))
            .collect();
        targets.sort_by_key(|(code, _)| *code != d.current_unit);
        let ctx = Context {
            now,
            calendar: &cal,
        };
        let chain_of = |u: &str| chains.get(u).cloned().unwrap_or_default();
        // People to hand it to, by unit; the empty choice hands it to the unit as a whole.
        let mut people = vec![(String::new(), crate::i18n::t("Cả đơn vị").to_owned())];
        people.extend(everyone.iter().filter(|s| s.active).flat_map(|s| {
            s.grants
                .iter()
                .filter(|g| {
                    matches!(
                        g.role,
                        Role::Specialist | Role::UnitLeader | Role::ReceptionOfficer
                    )
                })
                .map(|g| {
                    (
                        s.id.to_string(),
                        format!("{} ({}, {})", s.full_name, g.role.label_vi(), name(&g.unit)),
                    )
                })
                .collect::<Vec<_>>()
        }));
        let actions = actions(&d, &staff, &chain_of, &ctx, &targets, &people);
        Ok(DossierPage {
            who,
            id,
            version: d.version,
            code: d.code.clone().unwrap_or_else(|| format!("W{id:08}")),
            procedure: format!(
                "{} ({}, phiên bản {})",
                d.procedure.name, d.procedure.code, d.procedure.version
            ),
            notice,
            error,
            status: d.status.label_vi(),
            overdue: d.is_overdue(now),
            applicant: if personal {
                format!(
                    "{} · {} · {}",
                    d.applicant.full_name,
                    d.applicant.phone,
                    d.applicant.id_number.clone().unwrap_or_default()
                )
            } else {
                crate::api::views::mask_name(&d.applicant.full_name)
            },
            unit: name(&d.unit),
            current_unit: name(&d.current_unit),
            received: when(d.received_at),
            due: when(d.due),
            appointment: when(d.appointment()),
            result: d.result.map_or("", |r| r.label_vi()),
            has_receipt: d.received_at.is_some() && personal,
            prints: printable(&d),
            form: d.rule_set.map_or("05", |r| r.control_sheet_form()),
            rows: d
                .steps
                .iter()
                .map(|s| ControlRow {
                    step: s.name.clone(),
                    from: name(&s.unit),
                    to: s.handed_to.as_deref().map(name).unwrap_or_default(),
                    started: when(Some(s.started_at)),
                    due: when(Some(s.due)),
                    done: when(s.finished_at),
                    result: s.result.map_or("", |r| r.label_vi()),
                })
                .collect(),
            papers: d
                .papers
                .iter()
                .map(|p| format!("{} ({} bản)", p.name, p.copies))
                .collect(),
            actions,
            history: history
                .iter()
                .map(|e| format!("{} · {}", when(Some(e.at)), e.event.label_vi()))
                .collect(),
        })
    })
    .await?;
    html(&page)
}

#[derive(Deserialize)]
pub struct DossierQuery {
    ok: Option<String>,
}

pub async fn dossier(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
    Params(q): Params<DossierQuery>,
) -> Result<Html<String>, PageError> {
    let notice =
        q.ok.map(|a| crate::i18n::t1("Đã thực hiện: {}", a))
            .unwrap_or_default();
    dossier_page(app, staff, id, notice, String::new()).await
}

/// POST /can-bo/ho-so/{id}/{action}: the action through the same code as the API, then back to the
/// dossier (303), or the dossier again with the reason it was refused.
pub async fn act(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, action)): Path<(i64, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormValues(&fields);
    let get = |k: &str| form.field(k);
    let body = ActionBody {
        version: get("version").and_then(|v| v.parse().ok()).unwrap_or(-1),
        items: get("items")
            .map(|t| {
                t.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        reason: get("reason").unwrap_or_default(),
        note: get("note").unwrap_or_default(),
        to_unit: get("to_unit"),
        to_staff: get("to_staff").and_then(|v| v.parse().ok()),
        pause: get("pause"),
        new_appointment: get("new_appointment"),
        approved: get("approved").map(|v| v == "true"),
        to_whom: get("to_whom"),
    };
    let app2 = app.clone();
    let staff2 = staff.clone();
    let action2 = action.clone();
    let done = blocking(move || {
        run(&app2, Caller::Staff(staff2.id), None, String::new(), |tx| {
            command_for(tx, &staff2, id, &action2, &body)
        })
    })
    .await;
    match done {
        Ok(_) => Redirect::to(&format!("/can-bo/ho-so/{id}?ok={action}")).into_response(),
        Err(e) => {
            let status = e.status;
            let message = crate::i18n::pick(&e.vi, &e.en).to_owned();
            match dossier_page(app, staff, id, String::new(), message).await {
                Ok(page) => (status, page).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "staff/reception.html")]
struct ReceptionPage {
    who: String,
    error: String,
    procedures: Vec<(String, String)>,
    procedure_code: String,
    units: Vec<(String, String)>,
    papers: Vec<String>,
    fields: Vec<InputField>,
}

async fn reception_page(
    app: AppState,
    staff: Staff,
    procedure_code: String,
    values: Vec<(String, String)>,
    error: Option<ApiError>,
) -> Result<Html<String>, PageError> {
    let who = who(&staff);
    let today = to_local(Utc::now()).date();
    let (procs, units, papers) = blocking(move || {
        Ok(app.store.read(|tx| {
            let cat = procedures::catalogue(tx)?;
            let mut procs: Vec<(String, String)> = cat
                .all_in_force(today)
                .map(|p| (p.spec.code.clone(), p.spec.name.clone()))
                .collect();
            procs.sort_by_key(|p| motcua_domain::text::fold_vi(&p.1));
            let desk_units = scope(tx, &staff, Action::Desk)?;
            let units: Vec<(String, String)> = org::units(tx)?
                .into_iter()
                .filter(|u| desk_units.contains(&u.code) && u.is_valid_on(today))
                .map(|u| (u.code, u.name))
                .collect();
            let papers = cat
                .in_force(&procedure_code, today)
                .map(|p| p.spec.papers.iter().map(|x| x.name.clone()).collect())
                .unwrap_or_default();
            Ok((procs, units, papers))
        })?)
    })
    .await?;
    let form = FormValues(&values);
    let value = |k: &str| form.value(k);
    let (field_of_error, message) = match &error {
        Some(e) => (
            e.field.clone().unwrap_or_default(),
            crate::i18n::pick(&e.vi, &e.en).to_owned(),
        ),
        None => (String::new(), String::new()),
    };
    let code = value("procedure_code");
    html(&ReceptionPage {
        who,
        error: message.clone(),
        procedure_code: if code.is_empty() {
            value("thu_tuc")
        } else {
            code
        },
        procedures: procs,
        units,
        papers,
        fields: APPLICANT_FIELDS
            .iter()
            .map(|(name, label, required)| InputField {
                name,
                label,
                value: value(name),
                error: if field_of_error.ends_with(name) {
                    message.clone()
                } else {
                    String::new()
                },
                required: *required,
            })
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct ReceptionQuery {
    thu_tuc: Option<String>,
}

pub async fn reception_form(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<ReceptionQuery>,
) -> Result<Html<String>, PageError> {
    let code = q.thu_tuc.unwrap_or_default();
    reception_page(
        app,
        staff,
        code.clone(),
        vec![("thu_tuc".into(), code)],
        None,
    )
    .await
}

/// POST /can-bo/tiep-nhan: reception at the counter, then the receipt.
pub async fn receive(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormValues(&fields);
    let get = |k: &str| form.value(k);
    let reception = Reception {
        procedure_code: get("procedure_code"),
        unit: get("unit"),
        channel: "desk".into(),
        applicant: form.applicant(),
        papers: fields
            .iter()
            .filter(|(n, _)| n == "paper")
            .map(|(_, v)| motcua_domain::dossier::Paper {
                name: v.clone(),
                copies: 1,
                file: None,
                kind: None,
            })
            .collect(),
    };
    let (app2, staff2) = (app.clone(), staff.clone());
    let done = blocking(move || {
        run(&app2, Caller::Staff(staff2.id), None, String::new(), |tx| {
            receive_command(tx, &staff2, reception)
        })
    })
    .await;
    match done {
        Ok((_, v)) => {
            Redirect::to(&format!("/can-bo/ho-so/{}/phieu-tiep-nhan", v["id"])).into_response()
        }
        Err(e) => {
            let status = e.status;
            let code = get("procedure_code");
            match reception_page(app, staff, code, fields, Some(e)).await {
                Ok(page) => (status, page).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "staff/receipt.html")]
struct ReceiptPage {
    id: i64,
    unit_name: String,
    code: String,
    qr: String,
    applicant: String,
    id_number: String,
    phone: String,
    address: String,
    procedure: String,
    papers: Vec<(String, u32)>,
    received: String,
    appointment: String,
    legal_basis: &'static str,
}

fn long_time(t: Option<Instant>) -> String {
    t.map(|t| {
        to_local(t)
            .format("%H giờ %M phút, ngày %d tháng %m năm %Y")
            .to_string()
    })
    .unwrap_or_default()
}

/// GET /can-bo/ho-so/{id}/phieu-tiep-nhan: form 01, to print, with the code as a QR code.
pub async fn receipt(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let now = Utc::now();
    let (d, unit_name) = blocking(move || {
        let found = app.store.read(|tx| {
            let d = dossiers::load(tx, id)?;
            let chain = org::chain(tx, &d.unit)?;
            let unit = org::get_unit(tx, &d.unit)?;
            Ok(can(&staff.grants, Action::ViewPersonalData, &chain).then_some((d, unit.name)))
        })?;
        let (d, name) = found.ok_or_else(ApiError::forbidden)?;
        app.store
            .write(|tx| dossiers::log_personal_view(tx, staff.id, id, "receipt form 01", now))?;
        Ok((d, name))
    })
    .await?;
    let code = d.code.clone().ok_or_else(|| {
        ApiError::not_found(
            "Hồ sơ chưa được tiếp nhận",
            "The dossier has not been received",
        )
    })?;
    let qr = qrcode::QrCode::new(code.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(120, 120)
                .build()
        })
        .unwrap_or_default();
    html(&ReceiptPage {
        id,
        unit_name,
        qr,
        applicant: d.applicant.full_name.clone(),
        id_number: d.applicant.id_number.clone().unwrap_or_default(),
        phone: d.applicant.phone.clone(),
        address: d.applicant.address.clone().unwrap_or_default(),
        procedure: d.procedure.name.clone(),
        papers: d
            .papers
            .iter()
            .map(|p| (p.name.clone(), p.copies))
            .collect(),
        received: long_time(d.received_at),
        appointment: long_time(d.appointment()),
        legal_basis: d.rule_set.map_or("", |r| r.legal_basis()),
        code,
    })
}

pub async fn print_stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/print.css"),
    )
        .into_response()
}

/// The printable forms a dossier has: (path key, label).
fn printable(d: &Dossier) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![];
    if !d.supplements.is_empty() {
        out.push(("02", "In phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)"));
    }
    if d.refusal.is_some() {
        out.push(("03", "In phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03)"));
    }
    if d.apology.is_some() {
        out.push((
            "04",
            "In phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)",
        ));
    }
    if !d.steps.is_empty() {
        out.push(("kiem-soat", "In phiếu kiểm soát quá trình giải quyết hồ sơ"));
    }
    out
}

/// What a printed form shows: number, title, labelled lines, a table (headers, rows), who signs.
type FormParts = (
    &'static str,
    &'static str,
    Vec<(&'static str, String)>,
    Vec<&'static str>,
    Vec<Vec<String>>,
    &'static str,
);

#[derive(Template)]
#[template(path = "staff/form.html")]
struct FormPage {
    id: i64,
    unit_name: String,
    number: &'static str,
    title: &'static str,
    code: String,
    lines: Vec<(&'static str, String)>,
    headers: Vec<&'static str>,
    table: Vec<Vec<String>>,
    legal_basis: &'static str,
    signer: &'static str,
}

/// GET /can-bo/ho-so/{id}/mau/{form}: forms 02, 03, 04 and the control sheet, to print.
pub async fn print_form(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, form)): Path<(i64, String)>,
) -> Result<Html<String>, PageError> {
    let now = Utc::now();
    let (d, units) = blocking(move || {
        let found =
            app.store.read(|tx| {
                let d = dossiers::load(tx, id)?;
                let chain = org::chain(tx, &d.unit)?;
                Ok(can(&staff.grants, Action::ViewPersonalData, &chain)
                    .then_some((d, org::units(tx)?)))
            })?;
        let found = found.ok_or_else(ApiError::forbidden)?;
        app.store
            .write(|tx| dossiers::log_personal_view(tx, staff.id, id, "printed form", now))?;
        Ok(found)
    })
    .await?;
    let name = |c: &str| {
        units
            .iter()
            .find(|u| u.code == c)
            .map_or(c.to_owned(), |u| u.name.clone())
    };
    let missing = || {
        PageError::from(ApiError::not_found(
            "Hồ sơ không có phiếu này",
            "This dossier has no such form",
        ))
    };
    let applicant = ("Kính gửi ông/bà", d.applicant.full_name.clone());
    let procedure = ("Thủ tục", d.procedure.name.clone());
    let nd118 = d.rule_set == Some(motcua_domain::dossier::RuleSet::Nd118_2025);
    let (number, title, lines, headers, table, signer): FormParts = match form.as_str() {
        "02" => {
            let s = d.supplements.last().ok_or_else(missing)?;
            (
                "02",
                "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
                vec![
                    applicant,
                    procedure,
                    ("Ngày yêu cầu", when(Some(s.at))),
                    ("Lý do", s.reason.clone()),
                    (
                        "Đề nghị ông/bà bổ sung, hoàn thiện những nội dung sau (yêu cầu một lần, đầy đủ)",
                        String::new(),
                    ),
                ],
                vec!["STT", "Nội dung cần bổ sung, hoàn thiện"],
                s.items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| vec![(i + 1).to_string(), x.clone()])
                    .collect(),
                "NGƯỜI HƯỚNG DẪN",
            )
        }
        "03" => (
            "03",
            "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            vec![
                applicant,
                procedure,
                ("Lý do từ chối", d.refusal.clone().ok_or_else(missing)?),
            ],
            vec![],
            vec![],
            "NGƯỜI TIẾP NHẬN",
        ),
        "04" => {
            let a = d.apology.as_ref().ok_or_else(missing)?;
            (
                "04",
                if nd118 {
                    "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
                } else {
                    "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
                },
                vec![
                    applicant,
                    procedure,
                    ("Ngày tiếp nhận hồ sơ", when(d.received_at)),
                    ("Ngày hẹn trả kết quả trước đây", when(d.due)),
                    ("Lý do chậm trả kết quả", a.reason.clone()),
                    (
                        "Cơ quan xin lỗi ông/bà và hẹn lại ngày trả kết quả",
                        when(Some(a.new_appointment)),
                    ),
                ],
                vec![],
                vec![],
                "THỦ TRƯỞNG CƠ QUAN",
            )
        }
        "kiem-soat" => (
            d.rule_set.map_or("05", |r| r.control_sheet_form()),
            "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
            vec![
                ("Kèm theo hồ sơ của", d.applicant.full_name.clone()),
                procedure,
                ("Ngày hẹn trả kết quả", when(d.appointment())),
            ],
            vec![
                "Tên cơ quan",
                "Thời gian giao, nhận hồ sơ",
                "Kết quả giải quyết (trước, đúng, quá hạn)",
            ],
            d.steps
                .iter()
                .map(|s| {
                    vec![
                        format!(
                            "1. Giao: {}\n2. Nhận: {}",
                            name(&s.unit),
                            s.handed_to.as_deref().map(name).unwrap_or_default()
                        ),
                        when(s.finished_at),
                        s.result.map_or("", |r| r.label_vi()).to_owned(),
                    ]
                })
                .collect(),
            "",
        ),
        _ => return Err(missing()),
    };
    let code = d.code.clone().unwrap_or_else(|| format!("W{id:08}"));
    html(&FormPage {
        id,
        unit_name: name(&d.unit),
        number,
        title,
        code,
        lines,
        headers,
        table,
        legal_basis: d.rule_set.map_or("", |r| r.legal_basis()),
        signer,
    })
}

struct FigureRow {
    name: String,
    received: i64,
    early: i64,
    on_time: i64,
    late: i64,
    share: String,
    open: i64,
    overdue: i64,
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage {
    who: String,
    from: String,
    rows: Vec<FigureRow>,
    chart: String,
    late: Vec<(String, String, i64)>,
    overdue_tasks: Vec<(i64, String, String, String)>,
}

/// "85,2 %" of resolved dossiers finished early or on time, or a dash when none was resolved.
pub fn share(in_time: i64, resolved: i64) -> String {
    if resolved == 0 {
        "–".into()
    } else {
        format!("{:.1} %", 100.0 * in_time as f64 / resolved as f64).replace('.', ",")
    }
}

/// GET /can-bo/tong-quan: the leader's overview of the units in scope: this year's figures per unit,
/// twelve months of received and late dossiers as a chart, the procedures with most late dossiers.
pub async fn dashboard(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
) -> Result<Html<String>, PageError> {
    let now = Utc::now();
    let today = to_local(now).date();
    let year_start =
        chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let who = who(&staff);
    let (figures, months, late, units, names, overdue) = blocking(move || {
        Ok(app.store.read(|tx| {
            let mut scope_units = scope(tx, &staff, Action::Inspect)?;
            scope_units.extend(scope(tx, &staff, Action::ViewDossier)?);
            scope_units.sort();
            scope_units.dedup();
            let year = motcua_store::stats::year_to_date(now);
            let figures = motcua_store::stats::per_unit(tx, &scope_units, &year, now)?;
            // The last twelve months, each as received and resolved late, from the counters.
            let mut month = motcua_domain::stats::month_of(now);
            for _ in 0..11 {
                month = motcua_domain::stats::prev_month(month);
            }
            let mut months = vec![];
            for _ in 0..12 {
                let f = motcua_store::stats::per_unit(
                    tx,
                    &scope_units,
                    &motcua_domain::stats::Period::month(month),
                    now,
                )?;
                months.push((
                    motcua_domain::stats::month_start(month),
                    f.values().map(|x| x.received()).sum::<i64>(),
                    f.values().map(|x| x.resolved_late).sum::<i64>(),
                ));
                month = motcua_domain::stats::next_month(month);
            }
            let scope = motcua_store::stats::Scope {
                units: scope_units.clone(),
                procedures: None,
            };
            let mut late: std::collections::BTreeMap<String, i64> = Default::default();
            for ((_, code), f) in motcua_store::stats::figures(tx, &scope, &year, now)? {
                *late.entry(code).or_default() += f.resolved_late;
            }
            let mut late: Vec<(String, i64)> = late.into_iter().filter(|x| x.1 > 0).collect();
            late.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            late.truncate(10);
            let names: Vec<(String, String)> = procedures::catalogue(tx)?
                .all_in_force(today)
                .map(|p| (p.spec.code.clone(), p.spec.name.clone()))
                .collect();
            let overdue = crate::inspections::overdue_tasks(tx, &scope_units, today)?;
            Ok((figures, months, late, org::units(tx)?, names, overdue))
        })?)
    })
    .await?;
    let unit_name = |c: &str| {
        units
            .iter()
            .find(|u| u.code == c)
            .map_or(c.to_owned(), |u| u.name.clone())
    };
    let groups: Vec<motcua_render::chart::Group> = months
        .iter()
        .map(|(m, received, late)| motcua_render::chart::Group {
            label: m.format("%m/%y").to_string(),
            values: vec![*received as u64, *late as u64],
        })
        .collect();
    html(&DashboardPage {
        who,
        from: year_start.format("%d/%m/%Y").to_string(),
        rows: figures
            .iter()
            .map(|(unit, f)| FigureRow {
                name: unit_name(unit),
                received: f.received(),
                early: f.resolved_early,
                on_time: f.resolved_on_time,
                late: f.resolved_late,
                share: share(f.resolved_early + f.resolved_on_time, f.resolved()),
                open: f.open_in_time + f.open_overdue,
                overdue: f.open_overdue,
            })
            .collect(),
        chart: motcua_render::chart::bars(
            "Hồ sơ tiếp nhận và quá hạn theo tháng",
            &["Tiếp nhận", "Quá hạn"],
            &groups,
        ),
        overdue_tasks: overdue
            .iter()
            .map(|(id, unit, what, deadline)| {
                (
                    *id,
                    unit_name(unit),
                    what.clone(),
                    deadline.format("%d/%m/%Y").to_string(),
                )
            })
            .collect(),
        late: late
            .into_iter()
            .map(|(code, n)| {
                let name = names
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map_or(code.clone(), |(_, n)| n.clone());
                (code, name, n)
            })
            .collect(),
    })
}
