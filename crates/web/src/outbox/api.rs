//! The outbox in JSON.

use axum::extract::State;

use crate::app::{AppState, read_tx, write_tx};
use crate::auth::CurrentStaff;
use crate::http::{ApiError, Body, PathOf};

use super::service::{self, Overview};
use motcua_store::outbox::Message;

/// GET /api/v1/outbox
pub async fn overview(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
) -> Result<axum::Json<Overview>, ApiError> {
    Ok(axum::Json(
        read_tx(&app, move |tx| service::overview(tx, &staff)).await?,
    ))
}

/// What to do with a message.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxAction {
    Retry,
    GiveUp,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HandleBody {
    pub action: OutboxAction,
}

/// POST /api/v1/outbox/{id}
pub async fn handle(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(id): PathOf<i64>,
    Body(body): Body<HandleBody>,
) -> Result<axum::Json<Message>, ApiError> {
    let give_up = matches!(body.action, OutboxAction::GiveUp);
    Ok(axum::Json(
        write_tx(&app, move |tx| service::handle(tx, &staff, id, give_up)).await?,
    ))
}
