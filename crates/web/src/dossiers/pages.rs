//! The officials' workspace as server-rendered pages that work without JavaScript: queues of the
//! units in the caller's scope, the dossier with its control sheet and only the actions the caller
//! may take now, and reception at the counter. Writes go through the same service as the API.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{TimeDelta, Utc};
use motcua_domain::authz::Action;
use motcua_domain::dossier::{Context, Instant, Status, to_local};
use motcua_domain::org::{Role, Staff};
use motcua_store::dossiers::{self, Filter};
use motcua_store::{org, procedures};
use serde::Deserialize;

use crate::access::scope;
use crate::access::{self, Access};
use crate::app::{AppState, blocking};
use crate::auth::{StaffPage, who};
use crate::dossiers::service::{ActionBody, Caller, Reception, command_for, receive_command, run};
use crate::http::ApiError;
use crate::http::PageError;
use crate::http::Params;
use crate::http::form::{APPLICANT_FIELDS, FormValues, InputField};
use crate::http::format::when;
use crate::i18n::filters;

use super::actions::{ActionForm, actions};
use super::print::printable;
use crate::http::page::render as html;
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
#[template(path = "dossiers/queue.html")]
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
    let (links, chosen, rows, applicants, names) = blocking(move || {
        Ok(app.store.write(|tx| {
            let access = Access::of(tx, &staff)?;
            let units = access.units();
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
            let mut applicants = Vec::with_capacity(rows.len());
            for s in &rows {
                applicants.push(access.name_in_list(tx, s, "queue page")?);
            }
            let names: Vec<(String, String)> = procedures::catalogue(tx)?
                .all_in_force(to_local(now).date())
                .map(|p| (p.spec.code.clone(), p.spec.name.clone()))
                .collect();
            Ok((links, (k, label), rows, applicants, names))
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
            .zip(applicants)
            .map(|(s, applicant)| QueueRow {
                id: s.id,
                code: motcua_domain::dossier::shown_code(s.code.as_deref(), s.id),
                procedure: names
                    .iter()
                    .find(|(c, _)| *c == s.procedure_code)
                    .map_or(s.procedure_code.clone(), |(_, n)| n.clone()),
                applicant,
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
#[template(path = "dossiers/dossier.html")]
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
    /// (copies, name, link to the uploaded file when the caller may open it)
    papers: Vec<(String, String, String)>,
    /// Electronic documents: (number, title, issued at).
    documents: Vec<(usize, String, String)>,
    /// The desk may issue the result as a signed PDF now.
    can_issue: bool,
    /// Papers the desk may attach a scan to: (number, name).
    scannable: Vec<(usize, String)>,
    /// Scanned papers the desk may issue an electronic certified copy of: (number, name).
    copyable: Vec<(usize, String)>,
    actions: Vec<ActionForm>,
    history: Vec<String>,
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
        let (d, access, history, units, chains, everyone) = app.store.write(|tx| {
            let (d, access) = match access::load_visible(tx, &staff, id) {
                Ok(x) => x,
                Err(e) => return Ok(Err(e)),
            };
            if access.personal {
                access::log_view(tx, staff.id, id, "staff page")?;
            }
            // Actions are checked against the units the dossier has been at (the receiving and
            // the holding unit among them), so only their chains are needed.
            let mut chains = std::collections::HashMap::new();
            let involved = std::iter::once(d.unit.clone())
                .chain(std::iter::once(d.current_unit.clone()))
                .chain(d.steps.iter().map(|s| s.unit.clone()));
            for u in involved {
                if let std::collections::hash_map::Entry::Vacant(e) = chains.entry(u) {
                    let chain = org::chain(tx, e.key())?;
                    e.insert(chain);
                }
            }
            Ok(Ok((
                d,
                access,
                dossiers::history(tx, id)?,
                org::units(tx)?,
                chains,
                org::list_staff(tx)?,
            )))
        })??;
        let personal = access.personal;
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
        let desk = personal
            && motcua_domain::authz::can(
                &staff.grants,
                motcua_domain::authz::Action::Desk,
                &chain_of(&d.unit),
            );
        let open = d.received_at.is_some() && d.closed_at.is_none();
        Ok(DossierPage {
            documents: d
                .documents
                .iter()
                .enumerate()
                .map(|(i, x)| (i + 1, x.document.title.clone(), when(Some(x.at))))
                .collect(),
            can_issue: desk && matches!(d.status, Status::ResultReady | Status::Returned),
            copyable: d
                .papers
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    desk && p.file.is_some()
                        && matches!(d.status, Status::ResultReady | Status::Returned)
                        && motcua_domain::stats::certifies_copies(&d)
                })
                .map(|(i, p)| (i + 1, p.name.clone()))
                .collect(),
            scannable: d
                .papers
                .iter()
                .enumerate()
                .filter(|(_, p)| desk && open && p.file.is_none())
                .map(|(i, p)| (i + 1, p.name.clone()))
                .collect(),
            who,
            id,
            version: d.version,
            code: motcua_domain::dossier::shown_code(d.code.as_deref(), id),
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
                access::mask_name(&d.applicant.full_name)
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
                .enumerate()
                .map(|(i, p)| {
                    let href = if personal && p.file.is_some() {
                        format!("/can-bo/ho-so/{id}/giay-to/{}", i + 1)
                    } else {
                        String::new()
                    };
                    (crate::i18n::t1("{} bản", p.copies), p.name.clone(), href)
                })
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
        q.ok.as_deref()
            .and_then(|ok| {
                super::actions::label_of(ok).or_else(|| crate::documents::service::notice_of(ok))
            })
            .map(|label| crate::i18n::t1("Đã thực hiện: {}", crate::i18n::t(label)))
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
#[template(path = "dossiers/reception.html")]
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
