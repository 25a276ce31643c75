//! Dossiers for staff: reception at the desk, every action, the dossier with its control sheet and
//! history, and the scoped, filtered, keyset-paginated list.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{NaiveDate, TimeDelta, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::dossier::{
    Actor, Applicant, Channel, Command, Dossier, Outcome, Paper, PauseKind, Status, from_local,
};
use motcua_domain::org::{Staff, Unit, is_inter_agency};
use motcua_domain::procedure::ProcedureRef;
use motcua_store::dossiers::{self, Filter, Request, Target};
use motcua_store::{Tx, idempotency, org, procedures};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::views::{self, Names};
use super::{Body, Params};
use crate::auth::CurrentStaff;
use crate::{ApiError, App, AppState, blocking};

/// Checks that a unit exists and is open on the date: closed units (merged in 2025) name their successors.
pub fn open_unit(tx: &mut dyn Tx, code: &str, on: NaiveDate) -> Result<Unit, ApiError> {
    let unit = org::get_unit(tx, code)?;
    if !unit.is_valid_on(on) {
        return Err(ApiError::invalid(
            "unit",
            format!(
                "đơn vị {} đã ngừng hoạt động; đơn vị kế thừa: {}",
                unit.name,
                unit.successors.join(", ")
            ),
            format!(
                "unit {} no longer exists; successors: {}",
                unit.code,
                unit.successors.join(", ")
            ),
        ));
    }
    Ok(unit)
}

fn require(staff: &Staff, action: Action, chain: &[String]) -> Result<(), ApiError> {
    if can(&staff.grants, action, chain) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Every unit a dossier has been at: whoever holds a role over one of them may see it.
fn units_of(d: &Dossier) -> Vec<String> {
    let mut units = vec![d.unit.clone(), d.current_unit.clone()];
    units.extend(d.steps.iter().map(|s| s.unit.clone()));
    units.sort();
    units.dedup();
    units
}

fn may(tx: &mut dyn Tx, staff: &Staff, action: Action, d: &Dossier) -> Result<bool, ApiError> {
    for u in units_of(d) {
        if can(&staff.grants, action, &org::chain(tx, &u)?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Who sends a command: a signed-in member of staff, or a member of the public (by address, which
/// also scopes idempotency keys so one client never sees another's answer).
#[derive(Debug, Clone, Copy)]
pub enum Caller {
    Staff(i64),
    Public(std::net::IpAddr),
}

/// Runs one command with an optional idempotency key, inside one transaction.
pub fn run(
    app: &App,
    caller: Caller,
    key: Option<String>,
    request_hash: String,
    build: impl FnOnce(&mut dyn Tx) -> Result<(Target, Command), ApiError>,
) -> Result<(StatusCode, Value), ApiError> {
    let (actor, actor_key) = match caller {
        Caller::Staff(id) => (Actor::Staff { id }, format!("staff:{id}")),
        Caller::Public(ip) => (Actor::Applicant, format!("public:{ip}")),
    };
    let mut result: Result<(StatusCode, Value), ApiError> =
        Err(ApiError::internal("no result".into()));
    let write = app.store.write(|tx| {
        if let Some(key) = &key {
            match idempotency::check(tx, &actor_key, key, &request_hash)? {
                idempotency::Seen::Replay { status, body } => {
                    result = Ok((
                        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                        serde_json::from_str(&body).unwrap_or(Value::Null),
                    ));
                    return Ok(());
                }
                idempotency::Seen::Mismatch => {
                    result = Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "idempotency-mismatch",
                        "Khóa Idempotency-Key đã dùng cho một yêu cầu khác",
                        "This Idempotency-Key was used for a different request",
                    ));
                    return Ok(());
                }
                idempotency::Seen::New => {}
            }
        }
        let (target, command) = match build(tx) {
            Ok(x) => x,
            Err(e) => {
                result = Err(e);
                return Ok(());
            }
        };
        let created = target == Target::New;
        let cal = app.calendar(tx)?;
        let mut out = dossiers::execute(
            tx,
            &cal,
            vec![Request {
                target,
                actor,
                command,
                now: Utc::now(),
            }],
        )?;
        let o = out.remove(0);
        let names = Names::new(&org::units(tx)?);
        let body = json!({
            "id": o.id,
            "reference": format!("W{:08}", o.id),
            "code": o.dossier.code,
            "version": o.dossier.version,
            "status": o.dossier.status,
            "due": o.dossier.due,
            "appointment": o.dossier.appointment(),
            "event": o.event.event.kind(),
            "receipt": receipt(&o.dossier, &names),
        });
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        if let Some(key) = &key {
            idempotency::remember(
                tx,
                &actor_key,
                key,
                &request_hash,
                status.as_u16(),
                &body.to_string(),
                Utc::now(),
            )?;
        }
        result = Ok((status, body));
        Ok(())
    });
    write?;
    result
}

/// Data of form 01 (giấy tiếp nhận hồ sơ và hẹn trả kết quả), once a dossier is received.
fn receipt(d: &Dossier, names: &Names) -> Value {
    match (&d.code, d.received_at) {
        (Some(code), Some(received_at)) => json!({
            "form": "01",
            "unit": d.unit,
            "unit_name": names.of(&d.unit),
            "code": code,
            "applicant": d.applicant,
            "procedure": { "code": d.procedure.code, "name": d.procedure.name },
            "papers": d.papers,
            "received_at": received_at,
            "appointment": d.appointment(),
            "legal_basis": d.rule_set.map(|r| r.legal_basis()),
        }),
        _ => Value::Null,
    }
}

pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let k = v.to_str().unwrap_or("").trim();
            if k.is_empty() || k.len() > 200 {
                return Err(ApiError::bad_request(
                    "Idempotency-Key phải từ 1 đến 200 ký tự",
                    "Idempotency-Key must be 1 to 200 characters",
                ));
            }
            Ok(Some(k.to_owned()))
        }
    }
}

pub fn body_hash(v: &impl serde::Serialize) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(v).unwrap_or_default()))
}

#[derive(Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reception {
    pub procedure_code: String,
    pub unit: String,
    #[serde(default = "desk")]
    pub channel: String,
    pub applicant: Applicant,
    #[serde(default)]
    pub papers: Vec<Paper>,
}

fn desk() -> String {
    "desk".into()
}

/// The reception command for a dossier brought to the desk or sent by post, checked against the
/// caller's permission over the receiving unit. Shared by the API and the counter page.
pub fn receive_command(
    tx: &mut dyn Tx,
    staff: &Staff,
    body: Reception,
) -> Result<(Target, Command), ApiError> {
    let channel = match Channel::parse(&body.channel) {
        Some(c @ (Channel::Desk | Channel::Post)) => c,
        _ => {
            return Err(ApiError::invalid(
                "channel",
                "kênh tiếp nhận phải là desk (trực tiếp) hoặc post (bưu chính)",
                "channel must be desk or post (online dossiers are submitted by the applicant)",
            ));
        }
    };
    let today = motcua_domain::dossier::to_local(Utc::now()).date();
    if body.unit.is_empty() {
        return Err(ApiError::invalid(
            "unit",
            "chưa chọn đơn vị tiếp nhận",
            "no receiving unit chosen",
        ));
    }
    let unit = open_unit(tx, &body.unit, today)?;
    require(staff, Action::Desk, &org::chain(tx, &unit.code)?)?;
    let procedure = procedures::in_force(tx, &body.procedure_code, today)?;
    Ok((
        Target::New,
        Command::Receive {
            code: String::new(),
            channel,
            procedure: Some(ProcedureRef::from(&procedure)),
            unit: Some(unit.code),
            applicant: Some(body.applicant),
            papers: Some(body.papers),
            details: Default::default(),
        },
    ))
}

/// POST /dossiers: reception of a complete dossier at the desk or by post.
pub async fn receive_new(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    headers: HeaderMap,
    Body(body): Body<Reception>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let key = idempotency_key(&headers)?;
    let hash = body_hash(&body);
    let (status, value) = blocking(move || {
        run(&app, Caller::Staff(staff.id), key, hash, |tx| {
            receive_command(tx, &staff, body)
        })
    })
    .await?;
    Ok((status, Json(value)))
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    pub version: i64,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
    pub to_unit: Option<String>,
    /// A member of staff of `to_unit` to hand the dossier to.
    pub to_staff: Option<i64>,
    pub pause: Option<String>,
    /// New appointment, Vietnam local time YYYY-MM-DDTHH:MM.
    pub new_appointment: Option<String>,
    #[serde(default)]
    pub approved: Option<bool>,
    pub to_whom: Option<String>,
}

fn required<'a>(field: &str, v: &'a Option<String>) -> Result<&'a str, ApiError> {
    v.as_deref()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("thiếu trường {field}"),
                format!("{field} is required"),
            )
        })
}

/// The command an action asks for, built from the request's fields and checked against the caller's
/// permission over the dossier's units. Shared by the API and the staff pages.
pub fn command_for(
    tx: &mut dyn Tx,
    staff: &Staff,
    id: i64,
    action: &str,
    body: &ActionBody,
) -> Result<(Target, Command), ApiError> {
    let d = dossiers::load(tx, id)?;
    let command = match action {
        "receive" => Command::Receive {
            code: String::new(),
            channel: Channel::Online,
            procedure: None,
            unit: None,
            applicant: None,
            papers: None,
            details: Default::default(),
        },
        "request-supplement" => Command::RequestSupplement {
            items: body.items.clone(),
            reason: body.reason.clone(),
        },
        "supplement" => Command::Supplement {
            note: body.note.clone(),
        },
        "refuse" => Command::Refuse {
            reason: body.reason.clone(),
        },
        "hand-over" => {
            let to = required("to_unit", &body.to_unit)?;
            let today = motcua_domain::dossier::to_local(Utc::now()).date();
            let to_unit = open_unit(tx, to, today)?;
            let all = org::units(tx)?;
            let lookup = |c: &str| all.iter().find(|u| u.code == c);
            let receiving = lookup(&d.unit).ok_or_else(|| ApiError::internal("unit".into()))?;
            // A person to hand it to must work in the receiving unit (or above it).
            if let Some(person) = body.to_staff {
                let member = org::get_staff(tx, person)?;
                let chain = org::chain(tx, &to_unit.code)?;
                if !member.active || !member.grants.iter().any(|g| chain.contains(&g.unit)) {
                    return Err(ApiError::invalid(
                        "to_staff",
                        "người nhận không làm việc tại đơn vị được chuyển đến",
                        "the person does not work in the receiving unit",
                    ));
                }
            }
            Command::HandOver {
                external: is_inter_agency(receiving, &to_unit, lookup),
                to_unit: to_unit.code,
                note: body.note.clone(),
                to_staff: body.to_staff,
            }
        }
        "pause" => Command::Pause {
            pause: match body.pause.as_deref() {
                Some("financial_obligation") => PauseKind::FinancialObligation,
                Some("applicant_request") => PauseKind::ApplicantRequest,
                _ => {
                    return Err(ApiError::invalid(
                        "pause",
                        "lý do tạm dừng phải là financial_obligation hoặc applicant_request",
                        "pause must be financial_obligation or applicant_request",
                    ));
                }
            },
            reason: body.reason.clone(),
        },
        "resume" => Command::Resume,
        "apologize" => {
            let t = required("new_appointment", &body.new_appointment)?;
            let local =
                chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M").map_err(|_| {
                    ApiError::invalid(
                        "new_appointment",
                        "ngày hẹn mới cần dạng YYYY-MM-DDTHH:MM",
                        "new_appointment must be YYYY-MM-DDTHH:MM",
                    )
                })?;
            Command::Apologize {
                reason: body.reason.clone(),
                new_appointment: from_local(local),
            }
        }
        "result-ready" => Command::MarkResultReady {
            outcome: if body.approved.unwrap_or(true) {
                Outcome::Approved
            } else {
                Outcome::Denied {
                    reason: body.reason.clone(),
                }
            },
        },
        "return" => Command::Return {
            to_whom: required("to_whom", &body.to_whom)?.to_owned(),
        },
        "withdraw" => Command::Withdraw {
            reason: body.reason.clone(),
        },
        other => {
            return Err(ApiError::not_found(
                format!("không có thao tác '{other}'"),
                format!("no action '{other}'"),
            ));
        }
    };
    let (action, unit) = command
        .permission(Some(&d))
        .ok_or_else(ApiError::forbidden)?;
    require(staff, action, &org::chain(tx, &unit)?)?;
    Ok((
        Target::Existing {
            id,
            expected_version: body.version,
        },
        command,
    ))
}

/// POST /dossiers/{id}/{action}.
pub async fn act(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Path((id, action)): Path<(i64, String)>,
    Body(body): Body<ActionBody>,
) -> Result<Json<Value>, ApiError> {
    let (_, value) = blocking(move || {
        run(&app, Caller::Staff(staff.id), None, String::new(), |tx| {
            command_for(tx, &staff, id, &action, &body)
        })
    })
    .await?;
    Ok(Json(value))
}

/// GET /dossiers/{id}: state, control sheet, history. Personal data only for roles that need it;
/// every such view is logged.
pub async fn get(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let value = blocking(move || {
        let (d, history, names, personal) = app
            .store
            .read(|tx| {
                let d = dossiers::load(tx, id)?;
                let viewable = may(tx, &staff, Action::ViewDossier, &d).map_err(store_err)?;
                let personal = may(tx, &staff, Action::ViewPersonalData, &d).map_err(store_err)?;
                if !viewable {
                    return Ok(None);
                }
                Ok(Some((
                    d,
                    dossiers::history(tx, id)?,
                    Names::new(&org::units(tx)?),
                    personal,
                )))
            })?
            .ok_or_else(ApiError::forbidden)?;
        if personal {
            app.store.write(|tx| {
                dossiers::log_personal_view(tx, staff.id, id, "view dossier", Utc::now())
            })?;
        }
        let now = Utc::now();
        Ok(json!({
            "id": id,
            "dossier": views::dossier_json(&d, personal),
            "overdue": d.is_overdue(now),
            "appointment": d.appointment(),
            "control_sheet": {
                "form": d.rule_set.map(|r| r.control_sheet_form()),
                "rows": views::control_sheet(&d, &names),
            },
            "history": views::history_json(&history, personal),
        }))
    })
    .await?;
    Ok(Json(value))
}

/// Lets a store error inside a read closure carry an API error (authorization checks need the tx).
fn store_err(e: ApiError) -> motcua_store::StoreError {
    motcua_store::StoreError::invalid(e.vi, e.en)
}

#[derive(Deserialize)]
pub struct ListQuery {
    unit: Option<String>,
    /// "current" (default: where the dossier is now) or "receiving".
    by: Option<String>,
    status: Option<String>,
    procedure: Option<String>,
    received_from: Option<String>,
    received_to: Option<String>,
    due_before: Option<String>,
    #[serde(default)]
    overdue: bool,
    after: Option<String>,
    limit: Option<i64>,
}

fn local_date_start(field: &str, s: &str) -> Result<chrono::DateTime<Utc>, ApiError> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(
            field,
            format!("{field} cần dạng YYYY-MM-DD"),
            format!("{field} must be YYYY-MM-DD"),
        )
    })?;
    Ok(from_local(d.and_hms_opt(0, 0, 0).unwrap_or_default()))
}

/// GET /dossiers: the dossiers the caller may see, filtered, ordered by due time, keyset-paginated.
pub async fn list(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Params(q): Params<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    format!("trạng thái '{s}' không tồn tại"),
                    format!("unknown status '{s}'"),
                )
            })
        })
        .transpose()?;
    let by_receiving_unit = match q.by.as_deref() {
        None | Some("current") => false,
        Some("receiving") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "by",
                "by phải là current hoặc receiving",
                "by must be current or receiving",
            ));
        }
    };
    let after = q
        .after
        .as_deref()
        .map(|a| {
            a.split_once('.')
                .and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)))
                .ok_or_else(|| {
                    ApiError::invalid("after", "con trỏ trang không hợp lệ", "invalid page cursor")
                })
        })
        .transpose()?;
    let mut filter = Filter {
        units: None,
        by_receiving_unit,
        status,
        procedure: q.procedure.clone(),
        received_from: q
            .received_from
            .as_deref()
            .map(|s| local_date_start("received_from", s))
            .transpose()?,
        received_to: q
            .received_to
            .as_deref()
            .map(|s| local_date_start("received_to", s).map(|t| t + TimeDelta::days(1)))
            .transpose()?,
        due_before: q
            .due_before
            .as_deref()
            .map(|s| local_date_start("due_before", s))
            .transpose()?,
        due_after: None,
        holder: None,
        procedures: None,
        cell: None,
        overdue_at: q.overdue.then(Utc::now),
        after,
        limit: q.limit.unwrap_or(50),
    };
    if !(1..=500).contains(&filter.limit) {
        return Err(ApiError::invalid(
            "limit",
            "limit từ 1 đến 500",
            "limit must be 1 to 500",
        ));
    }
    let limit = filter.limit;
    let (items, personal) = blocking(move || {
        app.store
            .read(|tx| {
                let scope = scope(tx, &staff, Action::ViewDossier)?;
                let personal = scope_set(tx, &staff, Action::ViewPersonalData)?;
                filter.units = Some(match &q.unit {
                    Some(u) if scope.contains(u) => org::subtree(tx, u)?,
                    Some(_) => return Ok(None),
                    None => scope,
                });
                Ok(Some((dossiers::list(tx, &filter)?, personal)))
            })?
            .ok_or_else(ApiError::forbidden)
    })
    .await?;
    let next = if items.len() as i64 == limit {
        items.last().map(|s| {
            let (a, b) = dossiers::cursor_of(s);
            format!("{a}.{b}")
        })
    } else {
        None
    };
    let items: Vec<Value> = items
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
            if !personal.contains(&s.unit) && !personal.contains(&s.current_unit) {
                v["applicant_name"] = json!(views::mask_name(&s.applicant_name));
            }
            v
        })
        .collect();
    Ok(Json(json!({ "items": items, "next": next })))
}

/// Every unit under a grant of the caller that allows `action`.
pub fn scope(
    tx: &mut dyn Tx,
    staff: &Staff,
    action: Action,
) -> Result<Vec<String>, motcua_store::StoreError> {
    let mut units = vec![];
    for g in &staff.grants {
        if motcua_domain::authz::allows(g.role, action) {
            units.extend(org::subtree(tx, &g.unit)?);
        }
    }
    units.sort();
    units.dedup();
    Ok(units)
}

fn scope_set(
    tx: &mut dyn Tx,
    staff: &Staff,
    action: Action,
) -> Result<std::collections::BTreeSet<String>, motcua_store::StoreError> {
    Ok(scope(tx, staff, action)?.into_iter().collect())
}
