//! Feedback pages: the public form (every problem at once, next to its field), the person's own
//! feedback by reference and secret with the rating, the published answers with search; the
//! officials' queues, a feedback's page with its steps, and the desk's form.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use motcua_domain::dossier::{Actor, to_local};
use motcua_domain::feedback::{Channel, Contact, FeedbackEvent, Queue, Satisfaction, Topic};
use motcua_domain::org::Staff;
use motcua_store::{Tx, org};
use serde::Deserialize;

use crate::app::{AppState, read_tx, write_tx};
use crate::auth::{StaffPage, who};
use crate::feedback::service::{self, StepBody, SubmitAnswer, SubmitBody};
use crate::http::form::FormValues;
use crate::http::format::when;
use crate::http::page::render;
use crate::http::{ApiError, ClientIp, PageError, Params, rate_limited};
use crate::i18n::filters;

/// What was typed, kept when the form comes back.
#[derive(Default, Clone)]
struct Values {
    unit: String,
    topic: String,
    title: String,
    content: String,
    dossier_code: String,
    dossier_secret: String,
    procedure_code: String,
    publish_consent: bool,
    full_name: String,
    phone: String,
    email: String,
    address: String,
}

impl Values {
    fn of(fields: &[(String, String)]) -> Values {
        let f = FormValues(fields);
        Values {
            unit: f.value("unit"),
            topic: f.value("topic"),
            title: f.value("title"),
            content: f.value("content"),
            dossier_code: f.value("dossier_code"),
            dossier_secret: f.value("dossier_secret"),
            procedure_code: f.value("procedure_code"),
            publish_consent: f.field("publish_consent").is_some(),
            full_name: f.value("full_name"),
            phone: f.value("phone"),
            email: f.value("email"),
            address: f.value("address"),
        }
    }

    fn body(&self) -> Result<SubmitBody, ApiError> {
        let topic = Topic::parse(&self.topic).ok_or_else(|| {
            ApiError::invalid("topic", "Chọn nội dung phản ánh", "choose what it is about")
        })?;
        let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        Ok(SubmitBody {
            unit: self.unit.clone(),
            topic,
            title: self.title.clone(),
            content: self.content.clone(),
            dossier_code: opt(&self.dossier_code),
            dossier_secret: opt(&self.dossier_secret),
            procedure_code: opt(&self.procedure_code),
            publish_consent: self.publish_consent,
            contact: Contact {
                name: self.full_name.clone(),
                phone: self.phone.clone(),
                email: self.email.clone(),
                address: self.address.clone(),
            },
        })
    }
}

/// The form's field a problem belongs to.
fn form_field(field: &str) -> &str {
    match field.trim_start_matches("contact.") {
        "name" => "full_name",
        f => f,
    }
}

#[derive(Template)]
#[template(path = "feedback/form.html")]
struct FormPage {
    /// Signed-in officer (the desk's form), else the public form.
    who: String,
    desk: bool,
    action: &'static str,
    units: Vec<(String, String)>,
    topics: Vec<(&'static str, &'static str)>,
    values: Values,
    /// Every problem: (form field, message).
    problems: Vec<(String, String)>,
    done: Option<SubmitAnswer>,
    due: String,
}

impl FormPage {
    fn err(&self, field: &str) -> String {
        self.problems
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

fn units_for(tx: &mut dyn Tx, only: Option<&[String]>) -> Result<Vec<(String, String)>, ApiError> {
    let today = to_local(service::now()).date();
    Ok(org::units(tx)?
        .into_iter()
        .filter(|u| u.is_valid_on(today) && only.is_none_or(|o| o.contains(&u.code)))
        .map(|u| (u.code, u.name))
        .collect())
}

fn topics() -> Vec<(&'static str, &'static str)> {
    Topic::ALL
        .into_iter()
        .map(|t| (t.as_str(), t.label_vi()))
        .collect()
}

async fn form_page(
    app: &AppState,
    staff: Option<Staff>,
    values: Values,
    errors: Vec<ApiError>,
    done: Option<SubmitAnswer>,
) -> Result<Response, PageError> {
    let status = errors.first().map_or(StatusCode::OK, |e| e.status);
    let problems = errors
        .iter()
        .map(|e| {
            (
                form_field(e.field.as_deref().unwrap_or("")).to_owned(),
                crate::i18n::pick(&e.vi, &e.en).to_owned(),
            )
        })
        .collect();
    let staff2 = staff.clone();
    let units = read_tx(app, move |tx| match &staff2 {
        Some(s) => {
            let desk = service::desk_units(tx, s)?;
            units_for(tx, Some(&desk))
        }
        None => units_for(tx, None),
    })
    .await?;
    let due = done
        .as_ref()
        .map(|d| when(Some(d.due_at)))
        .unwrap_or_default();
    let page = FormPage {
        who: staff.as_ref().map(who).unwrap_or_default(),
        desk: staff.is_some(),
        action: if staff.is_some() {
            "/can-bo/phan-anh/ghi-nhan"
        } else {
            "/phan-anh"
        },
        units,
        topics: topics(),
        values,
        problems,
        done,
        due,
    };
    Ok((status, render(&page)?).into_response())
}

/// GET /phan-anh: the public form.
pub async fn form(State(app): State<AppState>) -> Result<Response, PageError> {
    let values = Values {
        topic: "dossier".into(),
        ..Values::default()
    };
    form_page(&app, None, values, vec![], None).await
}

/// POST /phan-anh: received (the reference and secret shown once), or the form again with every
/// problem next to its field. Rate-limited like the lookup.
pub async fn submit(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !app.public_limiter.allow(ip) {
        return Err(rate_limited().into());
    }
    let values = Values::of(&fields);
    let result = match values.body() {
        Err(e) => Err(vec![e]),
        Ok(body) => {
            let app2 = app.clone();
            write_tx(&app, move |tx| {
                let cal = app2.calendar(tx)?;
                Ok(service::submit(
                    tx,
                    &cal,
                    body,
                    Channel::Online,
                    &Actor::Applicant,
                ))
            })
            .await
            .map_err(|e| vec![e])
            .and_then(|r| r)
        }
    };
    match result {
        Ok(done) => form_page(&app, None, Values::default(), vec![], Some(done)).await,
        Err(errors) => form_page(&app, None, values, errors, None).await,
    }
}

/// GET /can-bo/phan-anh/ghi-nhan: the desk's form, on someone's behalf.
pub async fn desk_form(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
) -> Result<Response, PageError> {
    let values = Values {
        topic: "dossier".into(),
        ..Values::default()
    };
    form_page(&app, Some(staff), values, vec![], None).await
}

/// POST /can-bo/phan-anh/ghi-nhan.
pub async fn desk_submit(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let values = Values::of(&fields);
    let result = match values.body() {
        Err(e) => Err(vec![e]),
        Ok(body) => {
            let (app2, staff2) = (app.clone(), staff.clone());
            write_tx(&app, move |tx| {
                if let Err(e) = service::may_record_at(tx, &staff2, &body.unit) {
                    return Ok(Err(vec![e]));
                }
                let cal = app2.calendar(tx)?;
                Ok(service::submit(
                    tx,
                    &cal,
                    body,
                    Channel::Desk,
                    &Actor::Staff { id: staff2.id },
                ))
            })
            .await
            .map_err(|e| vec![e])
            .and_then(|r| r)
        }
    };
    match result {
        Ok(done) => form_page(&app, Some(staff), Values::default(), vec![], Some(done)).await,
        Err(errors) => form_page(&app, Some(staff), values, errors, None).await,
    }
}

struct StepRow {
    label: &'static str,
    at: String,
    note: String,
}

#[derive(Template)]
#[template(path = "feedback/lookup.html")]
struct LookupPage {
    reference: String,
    secret: String,
    error: String,
    notice: String,
    found: bool,
    title: String,
    content: String,
    unit: String,
    state: &'static str,
    submitted: String,
    due: String,
    answer: String,
    answered: String,
    can_rate: bool,
    satisfaction: &'static str,
    steps: Vec<StepRow>,
}

#[derive(Deserialize)]
pub struct LookupQuery {
    ma: Option<String>,
    bi_mat: Option<String>,
    ok: Option<String>,
}

fn clip(s: Option<String>, n: usize) -> String {
    s.unwrap_or_default().trim().chars().take(n).collect()
}

/// GET /phan-anh/tra-cuu: the person's own feedback, by reference and secret (rate-limited; a
/// wrong secret answers like an unknown reference).
pub async fn lookup(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Params(q): Params<LookupQuery>,
) -> Result<Response, PageError> {
    let reference = clip(q.ma, 40);
    let secret = clip(q.bi_mat, 20);
    let mut page = LookupPage {
        reference: reference.clone(),
        secret: secret.clone(),
        error: String::new(),
        notice: if q.ok.is_some() {
            crate::i18n::t("Cảm ơn ông/bà đã đánh giá.").to_owned()
        } else {
            String::new()
        },
        found: false,
        title: String::new(),
        content: String::new(),
        unit: String::new(),
        state: "",
        submitted: String::new(),
        due: String::new(),
        answer: String::new(),
        answered: String::new(),
        can_rate: false,
        satisfaction: "",
        steps: vec![],
    };
    if reference.is_empty() {
        return Ok(render(&page)?.into_response());
    }
    if !app.public_limiter.allow(ip) {
        return Err(rate_limited().into());
    }
    let found = read_tx(&app, move |tx| {
        match service::lookup(tx, &reference, &secret) {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.status == StatusCode::NOT_FOUND => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await?;
    let Some(f) = found else {
        page.error = crate::i18n::t("Không tìm thấy phản ánh, kiến nghị với mã và mã bí mật này.")
            .to_owned();
        return Ok((StatusCode::NOT_FOUND, render(&page)?).into_response());
    };
    page.found = true;
    page.title = f.title;
    page.content = f.content;
    page.unit = f.unit_name;
    page.state = f.state.label_vi();
    page.submitted = when(Some(f.submitted_at));
    page.due = when(Some(f.due_at));
    page.answer = f.answer.unwrap_or_default();
    page.answered = when(f.answered_at);
    page.can_rate = f.state == motcua_domain::feedback::State::Answered;
    page.satisfaction = f.satisfaction.map_or("", |s| s.label_vi());
    page.steps = f
        .steps
        .into_iter()
        .map(|s| StepRow {
            label: s.label,
            at: when(Some(s.at)),
            note: s.reason,
        })
        .collect();
    Ok(render(&page)?.into_response())
}

/// POST /phan-anh/danh-gia: the rating, then the feedback again.
pub async fn rate(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !app.public_limiter.allow(ip) {
        return Err(rate_limited().into());
    }
    let f = FormValues(&fields);
    let (reference, secret, comment) = (f.value("ma"), f.value("bi_mat"), f.value("comment"));
    let satisfaction = Satisfaction::parse(&f.value("satisfaction")).ok_or_else(|| {
        ApiError::invalid(
            "satisfaction",
            "Chọn mức độ hài lòng",
            "choose how satisfied you are",
        )
    })?;
    let (r2, s2, app2) = (reference.clone(), secret.clone(), app.clone());
    write_tx(&app, move |tx| {
        let cal = app2.calendar(tx)?;
        service::rate(tx, &cal, &r2, &s2, satisfaction, &comment)
    })
    .await?;
    // References and secrets are letters, digits and dashes: nothing else goes into the address.
    let plain = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect()
    };
    Ok(Redirect::to(&format!(
        "/phan-anh/tra-cuu?ma={}&bi_mat={}&ok=1",
        plain(&reference),
        plain(&secret)
    ))
    .into_response())
}

struct PublishedRow {
    reference: String,
    title: String,
    content: String,
    unit: String,
    answer: String,
    answered: String,
}

#[derive(Template)]
#[template(path = "feedback/answered.html")]
struct PublishedPage {
    q: String,
    rows: Vec<PublishedRow>,
}

#[derive(Deserialize)]
pub struct PublishedQuery {
    q: Option<String>,
}

/// GET /phan-anh/da-tra-loi: published answers, newest first, with search.
pub async fn published(
    State(app): State<AppState>,
    Params(q): Params<PublishedQuery>,
) -> Result<Html<String>, PageError> {
    let query = clip(q.q, 200);
    let q2 = query.clone();
    let items = read_tx(&app, move |tx| service::published(tx, &q2, 100)).await?;
    render(&PublishedPage {
        q: query,
        rows: items
            .into_iter()
            .map(|f| PublishedRow {
                reference: f.reference,
                title: f.title,
                content: f.content,
                unit: f.unit_name,
                answer: f.answer.unwrap_or_default(),
                answered: when(f.answered_at),
            })
            .collect(),
    })
}

struct QueueRow {
    id: i64,
    title: String,
    unit: String,
    topic: &'static str,
    state: &'static str,
    submitted: String,
    due: String,
    escalated: bool,
}

#[derive(Template)]
#[template(path = "feedback/queues.html")]
struct QueuesPage {
    who: String,
    desk: bool,
    current: &'static str,
    tabs: Vec<(&'static str, &'static str, usize)>,
    rows: Vec<QueueRow>,
}

#[derive(Deserialize)]
pub struct QueuesQuery {
    hang: Option<String>,
}

/// GET /can-bo/phan-anh: the queues of the units the officer sees.
pub async fn queues(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Params(q): Params<QueuesQuery>,
) -> Result<Html<String>, PageError> {
    let queue = crate::feedback::api::parse_queue(q.hang.as_deref())?.unwrap_or(Queue::Overdue);
    let who = who(&staff);
    let (qs, names, desk) = read_tx(&app, move |tx| {
        let qs = service::queues(tx, &staff, None, Some(queue))?;
        let names: Vec<(String, String)> = org::units(tx)?
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect();
        let desk = !service::desk_units(tx, &staff)?.is_empty();
        Ok((qs, names, desk))
    })
    .await?;
    let name = |c: &str| {
        names
            .iter()
            .find(|u| u.0 == c)
            .map_or(c.to_owned(), |u| u.1.clone())
    };
    render(&QueuesPage {
        who,
        desk,
        current: queue.as_str(),
        tabs: qs
            .counts
            .iter()
            .map(|(q, n)| (q.as_str(), q.label_vi(), *n))
            .collect(),
        rows: qs
            .items
            .into_iter()
            .map(|s| QueueRow {
                id: s.id,
                title: s.title,
                unit: name(&s.unit),
                topic: s.topic.label_vi(),
                state: s.state.label_vi(),
                submitted: when(Some(s.submitted_at)),
                due: when(Some(s.due_at)),
                escalated: s.escalated,
            })
            .collect(),
    })
}

struct HistoryRow {
    label: &'static str,
    at: String,
    by: String,
    note: String,
}

#[derive(Template)]
#[template(path = "feedback/detail.html")]
struct DetailPage {
    who: String,
    id: i64,
    version: i64,
    reference: String,
    title: String,
    content: String,
    topic: &'static str,
    channel: &'static str,
    unit: String,
    state: &'static str,
    queue: &'static str,
    submitted: String,
    due: String,
    dossier_code: String,
    procedure_code: String,
    consent: bool,
    extension: String,
    answer: String,
    satisfaction: &'static str,
    contact: Option<Contact>,
    history: Vec<HistoryRow>,
    actions: Vec<&'static str>,
    sub_units: Vec<(String, String)>,
    parent: String,
    error: String,
    error_field: String,
}

async fn detail_page(
    app: &AppState,
    staff: Staff,
    id: i64,
    error: Option<ApiError>,
) -> Result<Response, PageError> {
    let who = who(&staff);
    let (f, names, subs) = write_tx(app, move |tx| {
        let f = service::get(tx, &staff, id)?;
        let names: Vec<(String, String)> = org::units(tx)?
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect();
        let subs = org::subtree(tx, &f.feedback.unit)?;
        Ok((f, names, subs))
    })
    .await?;
    let name = |c: &str| {
        names
            .iter()
            .find(|u| u.0 == c)
            .map_or(c.to_owned(), |u| u.1.clone())
    };
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let x = &f.feedback;
    let page = DetailPage {
        who,
        id: f.id,
        version: f.version,
        reference: f.reference.clone(),
        title: x.submission.title.clone(),
        content: x.submission.content.clone(),
        topic: x.submission.topic.label_vi(),
        channel: x.submission.channel.label_vi(),
        unit: name(&x.unit),
        state: x.state.label_vi(),
        queue: f.queue.label_vi(),
        submitted: when(Some(x.submitted_at)),
        due: when(Some(x.due_at)),
        dossier_code: x.submission.dossier_code.clone().unwrap_or_default(),
        procedure_code: x.submission.procedure_code.clone().unwrap_or_default(),
        consent: x.submission.publish_consent,
        extension: x.extension.clone().unwrap_or_default(),
        answer: x
            .answer
            .as_ref()
            .map(|a| a.text.clone())
            .unwrap_or_default(),
        satisfaction: x.satisfaction.map_or("", |s| s.label_vi()),
        contact: f.contact.clone(),
        history: f
            .history
            .iter()
            .map(|h| HistoryRow {
                label: h.event.label_vi(),
                at: when(Some(h.at)),
                by: h.actor_name.clone().unwrap_or_default(),
                note: match &h.event {
                    FeedbackEvent::Assigned { unit, note, .. } => {
                        if note.is_empty() {
                            name(unit)
                        } else {
                            format!("{}: {note}", name(unit))
                        }
                    }
                    FeedbackEvent::Extended { reason, .. } => reason.clone(),
                    FeedbackEvent::Escalated { to, reason, .. } => {
                        format!("{} {reason}", name(to)).trim().to_owned()
                    }
                    _ => String::new(),
                },
            })
            .collect(),
        actions: f.actions.clone(),
        sub_units: subs.iter().map(|c| (c.clone(), name(c))).collect(),
        parent: f.parent_unit.as_deref().map(name).unwrap_or_default(),
        error: error
            .as_ref()
            .map(|e| crate::i18n::pick(&e.vi, &e.en).to_owned())
            .unwrap_or_default(),
        error_field: error.and_then(|e| e.field).unwrap_or_default(),
    };
    Ok((status, render(&page)?).into_response())
}

/// GET /can-bo/phan-anh/{id}.
pub async fn detail(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    detail_page(&app, staff, id, None).await
}

/// POST /can-bo/phan-anh/{id}/{action}: one handling step, then the feedback's page (with the
/// reason next to its field when refused).
pub async fn step(
    State(app): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((id, action)): Path<(i64, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let action: &'static str = match action.as_str() {
        "assign" => "assign",
        "extend" => "extend",
        "answer" => "answer",
        "escalate" => "escalate",
        _ => {
            return Err(ApiError::not_found(
                format!("thao tác {action}"),
                format!("action {action}"),
            )
            .into());
        }
    };
    let f = FormValues(&fields);
    let version = f.value("version").parse::<i64>().unwrap_or(-1);
    let body = StepBody {
        version,
        unit: f.optional("unit"),
        assignee: None,
        note: f.value("note"),
        text: f.value("text"),
        publish: f.field("publish").is_some(),
    };
    let (app2, staff2) = (app.clone(), staff.clone());
    let done = write_tx(&app, move |tx| {
        let cal = app2.calendar(tx)?;
        service::step(tx, &cal, &staff2, id, action, body)
    })
    .await;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/can-bo/phan-anh/{id}")).into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(e.into()),
        Err(e) => detail_page(&app, staff, id, Some(e)).await,
    }
}
