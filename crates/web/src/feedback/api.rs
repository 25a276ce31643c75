//! Feedback in JSON: the public submits, follows and rates its own (rate-limited, reference and
//! secret), reads the published answers; officials read the queues and take the handling steps.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use motcua_domain::dossier::Actor;
use motcua_domain::feedback::{Channel, Queue, Satisfaction};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::app::{AppState, read_tx, write_tx};
use crate::auth::CurrentStaff;
use crate::feedback::service::{
    self, PublicFeedback, Queues, StaffFeedback, StepBody, SubmitAnswer, SubmitBody,
};
use crate::http::{ApiError, Body, ClientIp, Params, PathOf, rate_limited};

/// The first problem of a refused submission (the pages show them all).
fn first(mut errors: Vec<ApiError>) -> ApiError {
    if errors.is_empty() {
        ApiError::internal("refused without a reason".into())
    } else {
        errors.remove(0)
    }
}

/// POST /public/feedback.
pub async fn submit(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(body): Body<SubmitBody>,
) -> Result<(StatusCode, Json<SubmitAnswer>), ApiError> {
    if !app.public_limiter.allow(ip) {
        return Err(rate_limited());
    }
    let app2 = app.clone();
    let done = write_tx(&app, move |tx| {
        let cal = app2.calendar(tx)?;
        service::submit(tx, &cal, body, Channel::Online, &Actor::Applicant).map_err(first)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

#[derive(Deserialize, JsonSchema)]
pub struct LookupQuery {
    /// The reference given at submission (PA...).
    reference: String,
    /// The secret given at submission.
    secret: String,
}

/// GET /public/feedback.
pub async fn lookup(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Params(q): Params<LookupQuery>,
) -> Result<Json<PublicFeedback>, ApiError> {
    if !app.public_limiter.allow(ip) {
        return Err(rate_limited());
    }
    Ok(Json(
        read_tx(&app, move |tx| service::lookup(tx, &q.reference, &q.secret)).await?,
    ))
}

#[derive(Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateBody {
    reference: String,
    secret: String,
    satisfaction: Satisfaction,
    #[serde(default)]
    comment: String,
}

/// POST /public/feedback/rating.
pub async fn rate(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(body): Body<RateBody>,
) -> Result<Json<PublicFeedback>, ApiError> {
    if !app.public_limiter.allow(ip) {
        return Err(rate_limited());
    }
    let app2 = app.clone();
    Ok(Json(
        write_tx(&app, move |tx| {
            let cal = app2.calendar(tx)?;
            service::rate(
                tx,
                &cal,
                &body.reference,
                &body.secret,
                body.satisfaction,
                &body.comment,
            )
        })
        .await?,
    ))
}

#[derive(Deserialize, JsonSchema)]
pub struct PublishedQuery {
    /// Words to look for in the title, question and answer (marks and case ignored).
    #[serde(default)]
    q: Option<String>,
}

/// Published answers, newest first.
#[derive(Serialize, JsonSchema)]
pub struct PublishedList {
    pub items: Vec<PublicFeedback>,
}

/// GET /public/feedback/answered.
pub async fn published(
    State(app): State<AppState>,
    Params(q): Params<PublishedQuery>,
) -> Result<Json<PublishedList>, ApiError> {
    let query: String = q.q.unwrap_or_default().chars().take(200).collect();
    let items = read_tx(&app, move |tx| service::published(tx, &query, 100)).await?;
    Ok(Json(PublishedList { items }))
}

#[derive(Deserialize, JsonSchema)]
pub struct QueueQuery {
    /// new, in_progress, due_soon, overdue or answered (default: all).
    #[serde(default)]
    queue: Option<String>,
    /// One of the caller's units (default: all of them), with its sub-units.
    #[serde(default)]
    unit: Option<String>,
}

pub fn parse_queue(s: Option<&str>) -> Result<Option<Queue>, ApiError> {
    match s.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Queue::parse(s).map(Some).ok_or_else(|| {
            ApiError::invalid(
                "queue",
                "Hàng chờ là new, in_progress, due_soon, overdue hoặc answered",
                "queue is new, in_progress, due_soon, overdue or answered",
            )
        }),
    }
}

/// GET /feedback.
pub async fn queues(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Params(q): Params<QueueQuery>,
) -> Result<Json<Queues>, ApiError> {
    let queue = parse_queue(q.queue.as_deref())?;
    Ok(Json(
        read_tx(&app, move |tx| {
            service::queues(tx, &staff, q.unit.as_deref(), queue)
        })
        .await?,
    ))
}

/// POST /feedback: written down at the desk on someone's behalf.
pub async fn record(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Body(body): Body<SubmitBody>,
) -> Result<(StatusCode, Json<SubmitAnswer>), ApiError> {
    let app2 = app.clone();
    let done = write_tx(&app, move |tx| {
        service::may_record_at(tx, &staff, &body.unit)?;
        let cal = app2.calendar(tx)?;
        service::submit(
            tx,
            &cal,
            body,
            Channel::Desk,
            &Actor::Staff { id: staff.id },
        )
        .map_err(first)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// GET /feedback/{id}.
pub async fn get(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
) -> Result<Json<StaffFeedback>, ApiError> {
    // A write transaction: a view of the contact is logged.
    Ok(Json(
        write_tx(&app, move |tx| service::get(tx, &staff, id)).await?,
    ))
}

async fn step(
    app: AppState,
    staff: motcua_domain::org::Staff,
    id: i64,
    action: &'static str,
    body: StepBody,
) -> Result<Json<StaffFeedback>, ApiError> {
    let app2 = app.clone();
    Ok(Json(
        write_tx(&app, move |tx| {
            let cal = app2.calendar(tx)?;
            service::step(tx, &cal, &staff, id, action, body)
        })
        .await?,
    ))
}

/// POST /feedback/{id}/assign.
pub async fn assign(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
    Body(body): Body<StepBody>,
) -> Result<Json<StaffFeedback>, ApiError> {
    step(app, staff, id, "assign", body).await
}

/// POST /feedback/{id}/extend.
pub async fn extend(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
    Body(body): Body<StepBody>,
) -> Result<Json<StaffFeedback>, ApiError> {
    step(app, staff, id, "extend", body).await
}

/// POST /feedback/{id}/answer.
pub async fn answer(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
    Body(body): Body<StepBody>,
) -> Result<Json<StaffFeedback>, ApiError> {
    step(app, staff, id, "answer", body).await
}

/// POST /feedback/{id}/escalate.
pub async fn escalate(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
    Body(body): Body<StepBody>,
) -> Result<Json<StaffFeedback>, ApiError> {
    step(app, staff, id, "escalate", body).await
}
