//! The one write path for dossiers, shared by the API, the pages and the public submission: build the
//! command from a request (checked against the caller's permission), then run it with its
//! idempotency key in one transaction.

use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::dossier::{
    Actor, Applicant, Channel, Command, CorrectionField, Dossier, Event, Instant, Outcome, Paper,
    PauseKind, ReceptionDetails, Status, from_local,
};
use motcua_domain::org::{Staff, Unit, is_inter_agency};
use motcua_domain::procedure::ProcedureRef;
use motcua_store::dossiers::{self, Request, Target};
use motcua_store::{Tx, idempotency, org, papers, procedures};
use serde::Deserialize;
use serde_json::Value;

use crate::access;
use crate::app::App;
use crate::dossiers::views::Names;
use crate::http::ApiError;

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
    run_then(app, caller, key, request_hash, build, None)
}

/// `run`, and then, in the same transaction and by the same caller, a second command on the
/// dossier the first made or changed (the counter's reception with the record that the
/// applicant's details came from the population database): both are written or neither. The
/// answer is the first command's, at the dossier's final version.
pub fn run_then(
    app: &App,
    caller: Caller,
    key: Option<String>,
    request_hash: String,
    build: impl FnOnce(&mut dyn Tx) -> Result<(Target, Command), ApiError>,
    then: Option<Command>,
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
                actor: actor.clone(),
                command,
                now: Utc::now(),
            }],
        )?;
        let o = out.remove(0);
        let mut last = o.dossier.clone();
        if let Some(command) = then {
            last = dossiers::execute(
                tx,
                &cal,
                vec![Request {
                    target: Target::Existing {
                        id: o.id,
                        expected_version: o.dossier.version,
                    },
                    actor: actor.clone(),
                    command,
                    now: Utc::now(),
                }],
            )?
            .remove(0)
            .dossier;
        }
        let public = motcua_store::public_access::get(tx, o.id)?;
        // The receipt (with the applicant's data and the lookup secret) answers the reception
        // and a correction (the desk prints it again) only: whoever acts later sees the dossier
        // under the personal-data rules.
        let mut receipt = match o.event.event {
            Event::Received { .. } | Event::Corrected { .. } => {
                let names = Names(
                    org::names(tx, std::slice::from_ref(&o.dossier.unit))?
                        .into_iter()
                        .collect(),
                );
                receipt(&o.dossier, &names)
            }
            _ => None,
        };
        if let (Some(r), Some(p)) = (receipt.as_mut(), public.as_ref()) {
            r.secret = Some(motcua_store::public_access::grouped(&p.secret));
        }
        let body = serde_json::to_value(CommandAnswer {
            id: o.id,
            reference: public.map_or_else(
                || motcua_domain::dossier::online_reference(o.id),
                |p| p.reference,
            ),
            code: o.dossier.code.clone(),
            version: last.version,
            status: last.status,
            due: last.due,
            appointment: last.appointment(),
            event: o.event.event.kind(),
            receipt,
        })
        .map_err(|e| motcua_store::StoreError::Db(e.to_string()))?;
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
fn receipt(d: &Dossier, names: &Names) -> Option<Receipt> {
    match (&d.code, d.received_at) {
        (Some(code), Some(received_at)) => Some(Receipt {
            form: "01",
            unit: d.unit.clone(),
            unit_name: names.of(&d.unit),
            code: code.clone(),
            applicant: d.applicant.clone(),
            procedure: ProcedureName {
                code: d.procedure.code.clone(),
                name: d.procedure.name.clone(),
            },
            papers: d.papers.clone(),
            received_at,
            appointment: d.appointment(),
            condition: d.condition.clone(),
            missing_papers: d.missing_papers.clone(),
            legal_basis: Some(d.legal_basis().documents.join("; ")),
            secret: None,
        }),
        _ => None,
    }
}

/// What a command on a dossier answers: its new state and, for a reception or a correction, the
/// receipt.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct CommandAnswer {
    pub id: i64,
    /// The online reference (random, `W` and 12 characters) before the dossier has a code.
    pub reference: String,
    pub code: Option<String>,
    pub version: i64,
    pub status: Status,
    pub due: Option<Instant>,
    pub appointment: Option<Instant>,
    /// The event the command caused.
    pub event: &'static str,
    pub receipt: Option<Receipt>,
}

/// A procedure's code and name.
pub use motcua_store::lookup::ProcedureName;

/// The data of form 01 (giấy tiếp nhận hồ sơ và hẹn trả kết quả).
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Receipt {
    /// "01"
    pub form: &'static str,
    pub unit: String,
    pub unit_name: String,
    pub code: String,
    pub applicant: Applicant,
    pub procedure: ProcedureName,
    pub papers: Vec<Paper>,
    pub received_at: Instant,
    pub appointment: Option<Instant>,
    /// The condition chosen at reception for a conditional limit.
    pub condition: Option<String>,
    /// Mandatory papers received without, each with its reason.
    pub missing_papers: Vec<motcua_domain::dossier::MissingPaper>,
    /// The documents in force when the dossier was received (the dated table of `rules::BASES`).
    pub legal_basis: Option<String>,
    /// The secret printed on the form for the public lookup and rating.
    pub secret: Option<String>,
}

#[derive(Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reception {
    pub procedure_code: String,
    pub unit: String,
    #[serde(default = "desk")]
    pub channel: String,
    pub applicant: Applicant,
    /// Each paper with its kind (original, certified copy, photocopy, electronic) and copies.
    #[serde(default)]
    pub papers: Vec<Paper>,
    /// The condition chosen for a conditional limit, and the reason for each mandatory paper not
    /// brought (reception without one is refused).
    #[serde(default)]
    pub details: ReceptionDetails,
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
    let receiving = org::chain(tx, &unit.code)?;
    require(staff, Action::Desk, &receiving)?;
    let procedure = procedures::in_force(tx, &body.procedure_code, today)?;
    let mut details = body.details;
    // A boundary-free reception: the competent agency and the return point are units of the
    // province in force today; only a procedure the catalogue lists as boundary-free.
    let mut competent = receiving.clone();
    for (field, chosen) in [
        ("details.competent_unit", &mut details.competent_unit),
        ("details.return_unit", &mut details.return_unit),
    ] {
        let Some(code) = chosen.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
            *chosen = None;
            continue;
        };
        if code == unit.code {
            *chosen = None;
            continue;
        }
        let other = open_unit(tx, code, today).map_err(|_| {
            ApiError::invalid(
                field,
                format!("không có đơn vị mã {code} đang hoạt động"),
                format!("no unit with code {code} in force"),
            )
        })?;
        let chain = org::chain(tx, &other.code)?;
        if chain.last() != receiving.last() {
            return Err(ApiError::invalid(
                field,
                format!("đơn vị {} không thuộc tỉnh của điểm tiếp nhận", other.name),
                format!(
                    "unit {} is not in the receiving point's province",
                    other.code
                ),
            ));
        }
        if field == "details.competent_unit" {
            if !procedure.spec.boundary_free {
                let r = motcua_domain::rules::rule(motcua_domain::rules::BOUNDARY_FREE);
                return Err(ApiError::invalid(
                    field,
                    format!(
                        "thủ tục {} không thuộc danh mục tiếp nhận không phụ thuộc địa giới hành chính: hồ sơ phải nộp tại {} ({})",
                        procedure.spec.code,
                        other.name,
                        r.cite()
                    ),
                    format!(
                        "procedure {} is not listed as received regardless of administrative boundaries: submit it at {} ({})",
                        procedure.spec.code,
                        other.code,
                        r.cite()
                    ),
                ));
            }
            if !procedure.spec.applies_to.applies(&other) {
                return Err(ApiError::invalid(
                    field,
                    format!(
                        "{} không giải quyết thủ tục {}",
                        other.name, procedure.spec.code
                    ),
                    format!(
                        "{} does not resolve procedure {}",
                        other.code, procedure.spec.code
                    ),
                ));
            }
            competent = chain;
        }
        *chosen = Some(other.code);
    }
    if !motcua_domain::authz::may_receive_for(
        &staff.grants,
        &receiving,
        &competent,
        procedure.spec.boundary_free,
    ) {
        return Err(ApiError::forbidden());
    }
    if details.reuse_consent {
        // Only what the store offers for this applicant: the source is the store's, not the caller's.
        let kept = match papers::identifier(&body.applicant) {
            Some(id) => kept_for(tx, staff, id)?,
            None => vec![],
        };
        for r in &mut details.reuse {
            let k = kept
                .iter()
                .find(|k| k.file.eq_ignore_ascii_case(r.file.trim()))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "details.reuse.file",
                        "giấy tờ này không có trong kho giấy tờ đã số hóa của người nộp (theo số định danh)",
                        "this paper is not in the applicant's store of digitised papers (by ID number)",
                    )
                })?;
            r.from = k.code.clone();
            r.file = k.file.clone();
        }
    }
    Ok((
        Target::New,
        Command::Receive {
            code: String::new(),
            channel,
            procedure: Some(ProcedureRef::from(&procedure)),
            unit: Some(unit.code),
            applicant: Some(body.applicant),
            papers: Some(body.papers),
            details,
        },
    ))
}

/// What the citizen's store holds for a person that the caller may see: papers kept under
/// dossiers of the units whose dossiers the caller sees (so the store tells a desk nothing about
/// dossiers elsewhere), found by the person's identifier through the vault's blind index.
pub fn kept_for(
    tx: &mut dyn Tx,
    staff: &Staff,
    identifier: &str,
) -> Result<Vec<papers::Kept>, ApiError> {
    let visible = access::Access::of(tx, staff)?.units();
    Ok(papers::of_person(tx, identifier)?
        .into_iter()
        .filter(|k| visible.contains(&k.unit))
        .collect())
}

/// A paper of the citizen's store offered for a paper the procedure asks for ("Đã số hóa: dùng
/// lại").
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct ReuseOffer {
    /// The procedure's paper: its index (from 0) in the procedure's list, and its name.
    pub paper: usize,
    pub paper_name: String,
    /// The earlier dossier it was kept under (its code), its name there, when that dossier was
    /// received.
    pub from: String,
    pub name: String,
    pub received_at: motcua_domain::dossier::Instant,
    /// The file's SHA-256: what `details.reuse[].file` names at reception.
    pub file: String,
}

/// The store's papers that match the papers a procedure asks for, for the applicant with this
/// identifier; only for the desk.
pub fn reuse_offers(
    tx: &mut dyn Tx,
    staff: &Staff,
    identifier: &str,
    wanted: &[motcua_domain::procedure::PaperSpec],
) -> Result<Vec<ReuseOffer>, ApiError> {
    if access::scope(tx, staff, Action::Desk)?.is_empty() {
        return Err(ApiError::forbidden());
    }
    let kept = kept_for(tx, staff, identifier)?;
    let mut out = vec![];
    for (i, w) in wanted.iter().enumerate() {
        for k in kept
            .iter()
            .filter(|k| motcua_domain::procedure::same_paper(&w.name, &k.name))
        {
            out.push(ReuseOffer {
                paper: i,
                paper_name: w.name.clone(),
                from: k.code.clone(),
                name: k.name.clone(),
                received_at: k.received_at,
                file: k.file.clone(),
            });
        }
    }
    Ok(out)
}

#[derive(Debug, Default, Deserialize, serde::Serialize, schemars::JsonSchema)]
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
    /// Correction: the applicant's detail to correct (full_name, id_number, phone, email, address,
    /// passport, nationality, tax_code, legal_representative).
    pub field: Option<String>,
    /// Correction: its new value.
    pub value: Option<String>,
    /// Fee assessment: the exemption claimed (one of the procedure's published exemptions).
    #[serde(default)]
    pub exemption: Option<String>,
    /// Payment at the desk: `cash` or `transfer`.
    #[serde(default)]
    pub method: Option<String>,
    /// Payment at the desk: the amount in đồng.
    #[serde(default)]
    pub amount: Option<i64>,
    /// Payment at the desk: the electronic receipt, SERIES-NUMBER.
    #[serde(default)]
    pub receipt: Option<String>,
    /// Population data: the applicant's details taken from the national population database.
    #[serde(default)]
    pub fields: Vec<String>,
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
    // A dossier the caller may not see answers like one that does not exist; a stale version is a
    // conflict before any question of permission.
    let (d, _) = access::load_visible_sealed(tx, staff, id)?;
    if body.version != d.version {
        return Err(motcua_store::StoreError::Conflict {
            expected: body.version,
            actual: d.version,
        }
        .into());
    }
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
            // Only the two units' lines of ancestors are needed to tell an inter-agency hand-over.
            let to_line = org::ancestry(tx, &to_unit.code)?;
            let mut known = org::ancestry(tx, &d.unit)?;
            let chain: Vec<String> = to_line.iter().map(|u| u.code.clone()).collect();
            known.extend(to_line);
            let lookup = |c: &str| known.iter().find(|u| u.code == c);
            let receiving = lookup(&d.unit).ok_or_else(|| ApiError::internal("unit".into()))?;
            // A person to hand it to must work in the receiving unit (or above it).
            if let Some(person) = body.to_staff {
                // An unknown id and a person elsewhere get the same answer.
                let member = match org::get_staff(tx, person) {
                    Ok(m) => Some(m),
                    Err(motcua_store::StoreError::NotFound(_)) => None,
                    Err(e) => return Err(e.into()),
                };
                if !member
                    .is_some_and(|m| m.active && m.grants.iter().any(|g| chain.contains(&g.unit)))
                {
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
        "correct" => {
            let name = required("field", &body.field)?;
            let field = serde_json::from_value::<CorrectionField>(Value::String(name.to_owned()))
                .map_err(|_| {
                ApiError::invalid(
                    "field",
                    format!("không có trường '{name}' để đính chính"),
                    format!("no detail '{name}' to correct"),
                )
            })?;
            Command::Correct {
                field,
                value: body.value.clone().unwrap_or_default(),
                reason: body.reason.clone(),
            }
        }
        "return-unsupplemented" => Command::ReturnUnsupplemented {
            reason: body.reason.clone(),
        },
        "erase-personal-data" => Command::ErasePersonalData {
            reason: body.reason.clone(),
        },
        "population-data" => Command::RecordPopulationData {
            fields: body.fields.clone(),
        },
        "assess-fee" => {
            let pinned = motcua_store::procedures::versions(tx, &d.procedure.code)?
                .into_iter()
                .find(|p| p.version == d.procedure.version)
                .ok_or_else(|| ApiError::internal("pinned procedure version missing".into()))?;
            let assessment =
                motcua_domain::payment::assess(&pinned.spec.fees, body.exemption.as_deref())
                    .map_err(|e| ApiError::invalid(e.field, e.vi, e.en))?;
            Command::AssessFee { assessment }
        }
        "pay" => {
            use motcua_domain::payment::{Payment, PaymentMethod};
            let method = match body.method.as_deref() {
                Some("cash") => PaymentMethod::Cash,
                Some("transfer") => PaymentMethod::Transfer,
                _ => {
                    return Err(ApiError::invalid(
                        "method",
                        "hình thức nộp tại quầy phải là cash (tiền mặt) hoặc transfer (chuyển khoản)",
                        "method must be cash or transfer (online payments come from the gateway)",
                    ));
                }
            };
            Command::RecordPayment {
                payment: Payment {
                    method,
                    amount: body.amount.ok_or_else(|| {
                        ApiError::invalid("amount", "thiếu số tiền", "amount is required")
                    })?,
                    receipt: body.receipt.clone(),
                    gateway: None,
                    reference: None,
                    transaction: None,
                },
            }
        }
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

/// The stale-supplement queue of the caller's desks at this moment: dossiers waiting for a
/// supplement longer than their province allows. Names are masked for roles without the right to
/// personal data.
pub async fn stale_queue(
    app: &crate::app::AppState,
    staff: Staff,
) -> Result<Vec<dossiers::StaleSupplement>, ApiError> {
    let app2 = app.clone();
    crate::app::read_tx(app, move |tx| {
        let units = access::scope(tx, &staff, motcua_domain::authz::Action::Desk)?;
        let personal = access::scope(tx, &staff, motcua_domain::authz::Action::ViewPersonalData)?;
        let cal = app2.calendar(tx)?;
        let mut items = dossiers::stale_supplements(tx, &cal, &units, Utc::now())?;
        for i in &mut items {
            if !personal.contains(&i.unit) {
                i.applicant_name = access::mask_name(&i.applicant_name);
            }
        }
        Ok(items)
    })
    .await
}
