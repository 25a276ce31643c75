//! Units and their desks: public information.

use axum::Json;
use axum::extract::{Path, State};
use motcua_store::org;
use serde_json::{Value, json};

use crate::{ApiError, AppState, blocking};

pub async fn units(State(app): State<AppState>) -> Result<Json<Value>, ApiError> {
    let units = blocking(move || Ok(app.store.read(org::units)?)).await?;
    Ok(Json(json!({ "items": units, "total": units.len() })))
}

pub async fn unit(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let unit = blocking(move || Ok(app.store.read(|tx| org::get_unit(tx, &code))?)).await?;
    Ok(Json(json!(unit)))
}
