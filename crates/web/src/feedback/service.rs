//! Feedback and petitions, shared by the API and the pages: submission by anyone (with the
//! person's contact, kept apart from the log) or by the desk on someone's behalf, the public view
//! with the reference and secret, the officials' queues, the handling steps with who may take
//! each, and the public list of published answers.

use chrono::{DateTime, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::dossier::{Actor, Instant, to_local};
use motcua_domain::feedback::{
    Channel, Command, Contact, Feedback, FeedbackEvent, FeedbackRules, Queue, Satisfaction, State,
    Submission, Topic,
};
use motcua_domain::org::Staff;
use motcua_store::{StoreError, Tx, calendar, feedback, org, procedures, public_access};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::scope;
use crate::http::ApiError;

/// Now, in whole milliseconds (what the log keeps), so the state in memory equals the replayed one.
pub fn now() -> Instant {
    let ms = Utc::now().timestamp_millis();
    DateTime::from_timestamp_millis(ms).unwrap_or_else(Utc::now)
}

/// The rules in force (the shipped figures; see `motcua_domain::feedback::RULES`).
pub fn rules() -> FeedbackRules {
    FeedbackRules::default()
}

/// A feedback as a person sends it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    /// The unit addressed (its code).
    pub unit: String,
    pub topic: Topic,
    pub title: String,
    pub content: String,
    /// The dossier concerned, with its lookup secret (from form 01) when sent by the public.
    #[serde(default)]
    pub dossier_code: Option<String>,
    #[serde(default)]
    pub dossier_secret: Option<String>,
    #[serde(default)]
    pub procedure_code: Option<String>,
    /// The person agrees to the publication of the question and answer (never of their contact).
    #[serde(default)]
    pub publish_consent: bool,
    /// The person's contact for the answer: kept apart, never published.
    pub contact: Contact,
}

/// What the person keeps to follow their feedback.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SubmitAnswer {
    pub reference: String,
    /// Shown once: needed with the reference to see the feedback and rate the answer.
    pub secret: String,
    pub due_at: Instant,
}

/// Every problem of a submission at once, each naming its field; then the store's.
pub fn submit(
    tx: &mut dyn Tx,
    base: &motcua_domain::calendar::WorkCalendar,
    body: SubmitBody,
    channel: Channel,
    actor: &Actor,
) -> Result<SubmitAnswer, Vec<ApiError>> {
    let now = now();
    let today = to_local(now).date();
    let submission = Submission {
        unit: body.unit.clone(),
        topic: body.topic,
        title: body.title,
        content: body.content,
        dossier_code: body.dossier_code.clone(),
        procedure_code: body.procedure_code.clone(),
        channel,
        publish_consent: body.publish_consent,
    };
    let mut errors: Vec<ApiError> = vec![];
    let submission = match submission.validated_all() {
        Ok(s) => Some(s),
        Err(all) => {
            errors.extend(all.into_iter().map(ApiError::from));
            None
        }
    };
    let contact = match body.contact.validated_all() {
        Ok(c) => Some(c),
        Err(all) => {
            errors.extend(all.into_iter().map(ApiError::from));
            None
        }
    };
    let one = |e: StoreError| vec![ApiError::from(e)];
    if let Some(s) = &submission {
        let unit = org::units(tx)
            .map_err(one)?
            .into_iter()
            .find(|u| u.code == s.unit);
        if !unit.is_some_and(|u| u.is_valid_on(today)) {
            errors.push(ApiError::invalid(
                "unit",
                "Không có cơ quan, đơn vị này hoặc đơn vị đã giải thể",
                "no such unit, or it was closed",
            ));
        }
        if let Some(code) = &s.procedure_code
            && procedures::in_force(tx, code, today).is_err()
        {
            errors.push(ApiError::invalid(
                "procedure_code",
                "Không có thủ tục hành chính với mã này",
                "no procedure with this code",
            ));
        }
        // The public names a dossier only with its secret, like the lookup; the desk need not.
        if channel == Channel::Online
            && let Some(code) = &s.dossier_code
        {
            let secret = body.dossier_secret.clone().unwrap_or_default();
            let known = crate::public::service::authenticate(tx, code, &secret).map_err(one)?;
            if known.is_none() {
                errors.push(ApiError::invalid(
                    "dossier_secret",
                    "Mã hồ sơ và mã bí mật không khớp",
                    "the dossier code and secret do not match",
                ));
            }
        }
    }
    let (Some(submission), Some(contact), true) = (submission, contact, errors.is_empty()) else {
        return Err(errors);
    };
    let cal = calendar::local_calendar(tx, base, &submission.unit)
        .map_err(one)?
        .unwrap_or_else(|| base.clone());
    let done =
        feedback::submit(tx, submission, &contact, actor, now, &cal, &rules()).map_err(one)?;
    Ok(SubmitAnswer {
        reference: done.reference,
        secret: public_access::grouped(&done.secret),
        due_at: done.feedback.due_at,
    })
}

/// One step as the public sees it: what, when, at which unit; no names.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PublicStep {
    pub kind: &'static str,
    pub label: &'static str,
    pub at: Instant,
    /// The reason of an extension or escalation (the person is told why).
    pub reason: String,
}

/// A feedback as the person who sent it sees it (with the reference and secret), without any
/// personal data; also the published answers' shape.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PublicFeedback {
    pub reference: String,
    pub unit: String,
    pub unit_name: String,
    pub topic: Topic,
    pub title: String,
    pub content: String,
    pub state: State,
    pub submitted_at: Instant,
    pub due_at: Instant,
    pub answer: Option<String>,
    pub answered_at: Option<Instant>,
    pub answered_on_time: Option<bool>,
    pub satisfaction: Option<Satisfaction>,
    pub steps: Vec<PublicStep>,
}

fn unit_name(tx: &mut dyn Tx, code: &str) -> Result<String, StoreError> {
    Ok(org::get_unit(tx, code).map_or_else(|_| code.to_owned(), |u| u.name))
}

fn public_view(tx: &mut dyn Tx, id: i64, with_steps: bool) -> Result<PublicFeedback, StoreError> {
    let s = feedback::get(tx, id)?;
    let f = s.feedback;
    let steps = if with_steps {
        feedback::history(tx, id)?
            .into_iter()
            .map(|st| PublicStep {
                kind: st.event.kind(),
                label: st.event.label_vi(),
                at: st.at,
                reason: match &st.event {
                    FeedbackEvent::Extended { reason, .. }
                    | FeedbackEvent::Escalated { reason, .. } => reason.clone(),
                    _ => String::new(),
                },
            })
            .collect()
    } else {
        vec![]
    };
    Ok(PublicFeedback {
        reference: feedback::reference(tx, id)?,
        unit_name: unit_name(tx, &f.unit)?,
        unit: f.unit.clone(),
        topic: f.submission.topic,
        title: f.submission.title.clone(),
        content: f.submission.content.clone(),
        state: f.state,
        submitted_at: f.submitted_at,
        due_at: f.due_at,
        answer: f.answer.as_ref().map(|a| a.text.clone()),
        answered_at: f.answer.as_ref().map(|a| a.at),
        answered_on_time: f.answer.as_ref().map(|a| a.on_time),
        satisfaction: f.satisfaction,
        steps,
    })
}

fn unknown() -> ApiError {
    ApiError::not_found(
        "phản ánh, kiến nghị với mã và mã bí mật này",
        "feedback with this reference and secret",
    )
}

/// The person's own feedback, by reference and secret; a wrong secret answers like an unknown
/// reference.
pub fn lookup(tx: &mut dyn Tx, reference: &str, secret: &str) -> Result<PublicFeedback, ApiError> {
    let id = feedback::authenticate(tx, reference, secret)?.ok_or_else(unknown)?;
    Ok(public_view(tx, id, true)?)
}

/// The person rates the answer (once), with the reference and secret.
pub fn rate(
    tx: &mut dyn Tx,
    base: &motcua_domain::calendar::WorkCalendar,
    reference: &str,
    secret: &str,
    satisfaction: Satisfaction,
    comment: &str,
) -> Result<PublicFeedback, ApiError> {
    let id = feedback::authenticate(tx, reference, secret)?.ok_or_else(unknown)?;
    let cmd = Command::Rate {
        satisfaction,
        comment: comment.to_owned(),
    };
    feedback::execute(tx, id, None, &cmd, &Actor::Applicant, now(), base, &rules())?;
    Ok(public_view(tx, id, true)?)
}

/// Published answers matching a search, newest first.
pub fn published(
    tx: &mut dyn Tx,
    query: &str,
    limit: usize,
) -> Result<Vec<PublicFeedback>, ApiError> {
    let mut out = vec![];
    for s in feedback::published(tx, query, limit)? {
        out.push(public_view(tx, s.id, false)?);
    }
    Ok(out)
}

/// A line of an officials' queue.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Summary {
    pub id: i64,
    pub version: i64,
    pub unit: String,
    pub topic: Topic,
    pub title: String,
    pub state: State,
    pub queue: Queue,
    pub submitted_at: Instant,
    pub due_at: Instant,
    pub escalated: bool,
}

/// The officials' queues: how many in each, and the lines of one (or all).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Queues {
    pub counts: Vec<(Queue, usize)>,
    pub items: Vec<Summary>,
}

/// The feedback now at the units the caller sees (or one of them and its sub-units), in a queue.
pub fn queues(
    tx: &mut dyn Tx,
    staff: &Staff,
    unit: Option<&str>,
    queue: Option<Queue>,
) -> Result<Queues, ApiError> {
    let mut units = scope(tx, staff, Action::ViewDossier)?;
    if let Some(u) = unit.filter(|u| !u.is_empty()) {
        if !units.iter().any(|x| x == u) {
            return Err(ApiError::forbidden());
        }
        units = org::subtree(tx, u)?;
    }
    let now = now();
    let rules = rules();
    let all: Vec<Summary> = feedback::list(tx, &units)?
        .into_iter()
        .map(|s| Summary {
            queue: s.feedback.queue(now, &rules),
            id: s.id,
            version: s.version,
            unit: s.feedback.unit.clone(),
            topic: s.feedback.submission.topic,
            title: s.feedback.submission.title.clone(),
            state: s.feedback.state,
            submitted_at: s.feedback.submitted_at,
            due_at: s.feedback.due_at,
            escalated: !s.feedback.escalated_from.is_empty(),
        })
        .collect();
    let counts = Queue::ALL
        .into_iter()
        .map(|q| (q, all.iter().filter(|s| s.queue == q).count()))
        .collect();
    let mut items: Vec<Summary> = all
        .into_iter()
        .filter(|s| queue.is_none_or(|q| s.queue == q))
        .collect();
    if queue == Some(Queue::Answered) {
        items.reverse();
    }
    Ok(Queues { counts, items })
}

/// One step of the history as officials see it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StaffStep {
    pub seq: i64,
    pub at: Instant,
    pub actor: Actor,
    /// The name of the member of staff who took the step, if one did.
    pub actor_name: Option<String>,
    pub event: FeedbackEvent,
}

/// A feedback as officials see it: the contact only for those who may see personal data (each
/// view logged), what the caller may do now.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StaffFeedback {
    pub id: i64,
    pub version: i64,
    pub reference: String,
    pub queue: Queue,
    pub feedback: Feedback,
    /// None: the caller may not see it, or it was erased.
    pub contact: Option<Contact>,
    pub history: Vec<StaffStep>,
    /// The steps the caller may take now: assign, extend, answer, escalate.
    pub actions: Vec<&'static str>,
    /// The unit above (where an escalation goes), if any.
    pub parent_unit: Option<String>,
}

fn allowed(
    tx: &mut dyn Tx,
    staff: &Staff,
    unit: &str,
    actions: &[Action],
) -> Result<bool, ApiError> {
    let chain = org::chain(tx, unit)?;
    Ok(actions.iter().any(|a| can(&staff.grants, *a, &chain)))
}

/// Which steps a member of staff may take on a feedback, by role over its unit (and above).
fn permitted(
    tx: &mut dyn Tx,
    staff: &Staff,
    f: &Feedback,
    now: Instant,
) -> Result<Vec<&'static str>, ApiError> {
    let mut out = vec![];
    if !f.state.is_open() {
        return Ok(out);
    }
    if allowed(tx, staff, &f.unit, &[Action::Desk, Action::Decide])? {
        out.push("assign");
    }
    if f.extension.is_none() && !f.overdue(now) && allowed(tx, staff, &f.unit, &[Action::Decide])? {
        out.push("extend");
    }
    if allowed(tx, staff, &f.unit, &[Action::Process, Action::Decide])? {
        out.push("answer");
    }
    if f.overdue(now) && allowed(tx, staff, &f.unit, &[Action::Decide])? {
        out.push("escalate");
    }
    Ok(out)
}

/// One feedback for a member of staff who sees its unit; anyone else is told it does not exist.
pub fn get(tx: &mut dyn Tx, staff: &Staff, id: i64) -> Result<StaffFeedback, ApiError> {
    view(tx, staff, id, true)
}

/// The feedback as `staff` sees it; `check` false right after a step of theirs (an escalation
/// moves it to a unit they may not see: they get its new state, without the contact).
fn view(tx: &mut dyn Tx, staff: &Staff, id: i64, check: bool) -> Result<StaffFeedback, ApiError> {
    let s = feedback::get(tx, id)?;
    let visible = scope(tx, staff, Action::ViewDossier)?;
    if check && !visible.contains(&s.feedback.unit) {
        return Err(ApiError::not_found(
            format!("phản ánh, kiến nghị {id}"),
            format!("feedback {id}"),
        ));
    }
    let now = now();
    let contact = if visible.contains(&s.feedback.unit)
        && allowed(tx, staff, &s.feedback.unit, &[Action::ViewPersonalData])?
    {
        let c = feedback::contact(tx, id)?;
        if c.is_some() {
            feedback::log_contact_view(tx, staff.id, id, "xử lý phản ánh, kiến nghị", now)?;
        }
        c
    } else {
        None
    };
    let mut history = vec![];
    for st in feedback::history(tx, id)? {
        let actor_name = match &st.actor {
            Actor::Staff { id } => org::get_staff(tx, *id).ok().map(|s| s.full_name),
            _ => None,
        };
        history.push(StaffStep {
            seq: st.seq,
            at: st.at,
            actor: st.actor,
            actor_name,
            event: st.event,
        });
    }
    let parent_unit = org::get_unit(tx, &s.feedback.unit)
        .ok()
        .and_then(|u| u.parent);
    Ok(StaffFeedback {
        id,
        version: s.version,
        reference: feedback::reference(tx, id)?,
        queue: s.feedback.queue(now, &rules()),
        actions: permitted(tx, staff, &s.feedback, now)?,
        contact,
        history,
        parent_unit,
        feedback: s.feedback,
    })
}

/// A handling step as officials send it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// The version the caller saw (a different current version is a 409).
    pub version: i64,
    /// assign: the unit that handles it (this unit or one under it).
    #[serde(default)]
    pub unit: Option<String>,
    /// assign: the official (staff id) who prepares the answer.
    #[serde(default)]
    pub assignee: Option<i64>,
    /// assign: a note; extend, escalate: the reason.
    #[serde(default)]
    pub note: String,
    /// answer: the text of the answer.
    #[serde(default)]
    pub text: String,
    /// answer: publish it on the public list (only when the person agreed).
    #[serde(default)]
    pub publish: bool,
}

/// Takes one handling step (`assign`, `extend`, `answer`, `escalate`) for a member of staff whose
/// role allows it over the feedback's unit (or above it).
pub fn step(
    tx: &mut dyn Tx,
    base: &motcua_domain::calendar::WorkCalendar,
    staff: &Staff,
    id: i64,
    action: &str,
    body: StepBody,
) -> Result<StaffFeedback, ApiError> {
    let now = now();
    let current = get(tx, staff, id)?;
    if current.version != body.version {
        return Err(StoreError::Conflict {
            expected: body.version,
            actual: current.version,
        }
        .into());
    }
    let f = &current.feedback;
    // As for dossiers: unseen 404, stale version 409, then 403 when the role does not allow the
    // step, before any question about its content.
    let allowed_now = match action {
        "assign" => allowed(tx, staff, &f.unit, &[Action::Desk, Action::Decide])?,
        "answer" => allowed(tx, staff, &f.unit, &[Action::Process, Action::Decide])?,
        "extend" | "escalate" => allowed(tx, staff, &f.unit, &[Action::Decide])?,
        _ => true,
    };
    if !allowed_now {
        return Err(ApiError::forbidden());
    }
    let cmd = match action {
        "assign" => {
            let unit = body
                .unit
                .clone()
                .filter(|u| !u.is_empty())
                .unwrap_or(f.unit.clone());
            if !org::subtree(tx, &f.unit)?.contains(&unit) {
                return Err(ApiError::invalid(
                    "unit",
                    "Chỉ phân công cho đơn vị này hoặc đơn vị trực thuộc",
                    "assign only to this unit or one under it",
                ));
            }
            if let Some(who) = body.assignee {
                let ok = org::get_staff(tx, who).is_ok_and(|s| {
                    s.active
                        && org::chain(tx, &unit).is_ok_and(|chain| {
                            can(&s.grants, Action::Process, &chain)
                                || can(&s.grants, Action::Decide, &chain)
                        })
                });
                if !ok {
                    return Err(ApiError::invalid(
                        "assignee",
                        "Cán bộ được phân công phải là chuyên viên hoặc lãnh đạo của đơn vị xử lý",
                        "the assignee must be a specialist or leader of the handling unit",
                    ));
                }
            }
            Command::Assign {
                unit,
                assignee: body.assignee,
                note: body.note.clone(),
            }
        }
        "extend" => Command::Extend {
            reason: body.note.clone(),
        },
        "answer" => Command::Answer {
            text: body.text.clone(),
            publish: body.publish,
        },
        "escalate" => Command::Escalate {
            to_unit: current.parent_unit.clone().unwrap_or_default(),
            reason: body.note.clone(),
        },
        _ => {
            return Err(ApiError::not_found(
                format!("thao tác {action}"),
                format!("action {action}"),
            ));
        }
    };
    let cal = calendar::local_calendar(tx, base, &f.unit)?.unwrap_or_else(|| base.clone());
    feedback::execute(
        tx,
        id,
        Some(body.version),
        &cmd,
        &Actor::Staff { id: staff.id },
        now,
        &cal,
        &rules(),
    )?;
    view(tx, staff, id, false)
}

/// The units where the caller may write feedback down at the desk on someone's behalf.
pub fn desk_units(tx: &mut dyn Tx, staff: &Staff) -> Result<Vec<String>, ApiError> {
    Ok(scope(tx, staff, Action::Desk)?)
}

/// Checks the caller may record feedback at the desk for this unit.
pub fn may_record_at(tx: &mut dyn Tx, staff: &Staff, unit: &str) -> Result<(), ApiError> {
    if unit.is_empty() || desk_units(tx, staff)?.iter().any(|u| u == unit) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}
