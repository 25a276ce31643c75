//! Walk-in outcomes in JSON: record one, list those of the caller's desks, read one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{TimeDelta, Utc};
use motcua_domain::dossier::to_local;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::app::{AppState, read_tx, write_tx};
use crate::auth::CurrentStaff;
use crate::counter::service::{self, WalkInBody, WalkInRecord};
use crate::http::{ApiError, Body, Params, PathOf};

/// POST /walk-ins.
pub async fn record(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Body(body): Body<WalkInBody>,
) -> Result<(StatusCode, Json<WalkInRecord>), ApiError> {
    let r = write_tx(&app, move |tx| service::record(tx, &staff, body)).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Deserialize, JsonSchema)]
pub struct WalkInQuery {
    /// One of the caller's desk units (default: all of them).
    unit: Option<String>,
    /// First day, YYYY-MM-DD (default: 30 days ago).
    from: Option<String>,
    /// Last day, YYYY-MM-DD (default: today).
    to: Option<String>,
}

/// Walk-in outcomes, oldest first.
#[derive(Serialize, JsonSchema)]
pub struct WalkInList {
    pub items: Vec<WalkInRecord>,
}

/// GET /walk-ins.
pub async fn list(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Params(q): Params<WalkInQuery>,
) -> Result<Json<WalkInList>, ApiError> {
    let today = to_local(Utc::now()).date();
    let from = service::date_or("from", q.from.as_deref(), today - TimeDelta::days(30))?;
    let to = service::date_or("to", q.to.as_deref(), today)?;
    let items = read_tx(&app, move |tx| {
        service::list(tx, &staff, q.unit.as_deref(), from, to)
    })
    .await?;
    Ok(Json(WalkInList { items }))
}

/// GET /walk-ins/{id}.
pub async fn get(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
) -> Result<Json<WalkInRecord>, ApiError> {
    Ok(Json(
        read_tx(&app, move |tx| service::get(tx, &staff, id)).await?,
    ))
}
