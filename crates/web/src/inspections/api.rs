//! Inspections in JSON: list, create from a plan, one, a change at a known version, the checks.

use crate::http::PathOf;
use axum::extract::State;
use axum::http::StatusCode;
use motcua_domain::inspection::{Change, NewPlan, TaskStatus};
use serde::Deserialize;

use crate::app::{AppState, read_tx, write_tx};
use crate::auth::CurrentStaff;
use crate::http::ApiError;
use crate::http::Body;

use super::service::*;
// ---------------------------------------------------------------- API

/// GET /api/v1/inspections: the inspections the caller may see.
pub async fn api_list(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
) -> Result<axum::Json<Vec<InspectionSummary>>, ApiError> {
    let list = read_tx(&app, move |tx| visible(tx, &staff)).await?;
    let today = today();
    Ok(axum::Json(
        list.iter()
            .map(|(id, i)| InspectionSummary {
                id: *id,
                plan_number: i.plan_number.clone(),
                title: i.title.clone(),
                year: i.year,
                owner: i.owner.clone(),
                units: i.units.clone(),
                from: i.from,
                to: i.to,
                findings: i.findings.len(),
                tasks_open: i
                    .tasks
                    .iter()
                    .filter(|t| t.status == TaskStatus::Open)
                    .count(),
                tasks_overdue: i.tasks.iter().filter(|t| t.overdue(today)).count(),
            })
            .collect(),
    ))
}

/// POST /api/v1/inspections: a new inspection from its plan.
pub async fn api_create(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Body(plan): Body<NewPlan>,
) -> Result<(StatusCode, axum::Json<Versioned>), ApiError> {
    let id = create(app, staff, plan).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Versioned { id, version: 1 }),
    ))
}

/// GET /api/v1/inspections/{id}: the inspection, its version and its notice as drafted now.
pub async fn api_get(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
) -> Result<axum::Json<InspectionView>, ApiError> {
    let (i, version, names) = read_tx(&app, move |tx| {
        let (i, v, _) = readable(tx, &staff, id)?;
        Ok((i, v, unit_names(tx)?))
    })
    .await?;
    let notice = notice_of(&i, &names);
    Ok(axum::Json(InspectionView {
        id,
        version,
        inspection: i,
        notice,
    }))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct ChangeBody {
    version: i64,
    change: Change,
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct Version {
    version: i64,
}

/// POST /api/v1/inspections/{id}/changes: one change, at the version the caller saw.
pub async fn api_change(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
    Body(body): Body<ChangeBody>,
) -> Result<axum::Json<Versioned>, ApiError> {
    let label = change_label(&body.change);
    let version = write_tx(&app, move |tx| {
        change(tx, &staff, id, body.version, Some(body.change), label)
    })
    .await?;
    Ok(axum::Json(Versioned { id, version }))
}

/// POST /api/v1/inspections/{id}/checks: runs the automatic checks and drafts their findings.
pub async fn api_checks(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
    Body(body): Body<Version>,
) -> Result<axum::Json<Versioned>, ApiError> {
    let version = write_tx(&app, move |tx| {
        change(tx, &staff, id, body.version, None, "checks")
    })
    .await?;
    Ok(axum::Json(Versioned { id, version }))
}

/// An inspection in the list.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct InspectionSummary {
    pub id: i64,
    pub plan_number: String,
    pub title: String,
    pub year: i32,
    pub owner: String,
    pub units: Vec<String>,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub findings: usize,
    pub tasks_open: usize,
    pub tasks_overdue: usize,
}

/// An inspection and the version a change must name.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Versioned {
    pub id: i64,
    pub version: i64,
}

/// An inspection, its version, and its conclusion notice as drafted now.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct InspectionView {
    pub id: i64,
    pub version: i64,
    pub inspection: motcua_domain::inspection::Inspection,
    pub notice: motcua_domain::inspection::Notice,
}
