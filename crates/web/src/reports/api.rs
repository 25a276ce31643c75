//! `/api/v1/reports` as JSON, CSV or XLSX.

use axum::extract::State;
use axum::response::Response;

use crate::app::AppState;
use crate::auth::CurrentStaff;
use crate::http::ApiError;
use crate::http::Params;

use super::query::*;
/// GET /api/v1/reports: the report as JSON (default), CSV or XLSX.
pub async fn api(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    Params(q): Params<Query>,
) -> Result<Response, ApiError> {
    report_file(app, staff, q, "json").await
}
