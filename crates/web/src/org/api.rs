//! Units and their desks: public information.

use crate::http::PathOf;
use axum::Json;
use axum::extract::State;
use motcua_domain::org::Unit;
use motcua_store::org;
use schemars::JsonSchema;
use serde::Serialize;

use crate::app::{AppState, blocking};
use crate::http::ApiError;

#[derive(Serialize, JsonSchema)]
pub struct Units {
    pub items: Vec<Unit>,
    pub total: usize,
}

/// A unit with its one-stop desks.
#[derive(Serialize, JsonSchema)]
pub struct UnitWithDesks {
    #[serde(flatten)]
    pub unit: Unit,
    pub desks: Vec<DeskSummary>,
}

/// A desk: its name, founding decision and number of members (public facts).
#[derive(Serialize, JsonSchema)]
pub struct DeskSummary {
    pub name: String,
    pub founding_decision: Option<motcua_domain::org::Decision>,
    pub members: usize,
}

pub async fn units(State(app): State<AppState>) -> Result<Json<Units>, ApiError> {
    let items = blocking(move || Ok(app.store.read(org::units)?)).await?;
    Ok(Json(Units {
        total: items.len(),
        items,
    }))
}

/// A unit with its one-stop desks: founding decision and number of members (public facts).
pub async fn unit(
    State(app): State<AppState>,
    PathOf(code): PathOf<String>,
) -> Result<Json<UnitWithDesks>, ApiError> {
    let (unit, desks) = blocking(move || {
        Ok(app.store.read(|tx| {
            let unit = org::get_unit(tx, &code)?;
            let desks: Vec<DeskSummary> = org::desks(tx)?
                .into_iter()
                .filter(|d| d.unit == code)
                .map(|d| DeskSummary {
                    members: d.members.len(),
                    name: d.name,
                    founding_decision: d.founding_decision,
                })
                .collect();
            Ok((unit, desks))
        })?)
    })
    .await?;
    Ok(Json(UnitWithDesks { unit, desks }))
}
