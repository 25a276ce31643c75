//! Units and their desks: public information.

use crate::http::PathOf;
use axum::Json;
use axum::extract::State;
use motcua_store::org;
use serde_json::{Value, json};

use crate::app::{AppState, blocking};
use crate::http::ApiError;

pub async fn units(State(app): State<AppState>) -> Result<Json<Value>, ApiError> {
    let units = blocking(move || Ok(app.store.read(org::units)?)).await?;
    Ok(Json(json!({ "items": units, "total": units.len() })))
}

/// A unit with its one-stop desks: founding decision and number of members (public facts).
pub async fn unit(
    State(app): State<AppState>,
    PathOf(code): PathOf<String>,
) -> Result<Json<Value>, ApiError> {
    let (unit, desks) = blocking(move || {
        Ok(app.store.read(|tx| {
            let unit = org::get_unit(tx, &code)?;
            let desks: Vec<Value> = org::desks(tx)?
                .into_iter()
                .filter(|d| d.unit == code)
                .map(|d| {
                    json!({
                        "name": d.name,
                        "founding_decision": d.founding_decision,
                        "members": d.members.len(),
                    })
                })
                .collect();
            Ok((unit, desks))
        })?)
    })
    .await?;
    let mut v = json!(unit);
    v["desks"] = json!(desks);
    Ok(Json(v))
}
