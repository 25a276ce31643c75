//! The national population database (Cơ sở dữ liệu quốc gia về dân cư), reached through the
//! province's data-sharing platform (issue 15, item 5).
//!
//! - `service::Registry`: look a person up by the 12-digit personal identification number
//!   (checked first by `motcua_domain::citizen_id::parse`). `HttpRegistry` calls
//!   `GET {url}/citizens/{number}` with `Authorization: Bearer {token}` (`[population] url,
//!   token`; the platform's own paths and field names go behind this one place); `LocalRegistry`
//!   answers from a fixed list (tests). `service` also holds what the counter's reception and
//!   the online form use: the desk's lookup, the prefill token, the online check.
//! - `/dan-cu-thu/citizens/{number}`: a local double of that endpoint, served only with
//!   `[population] double` (the demo), so that `HttpRegistry` is exercised over loopback.
//! - `GET /api/v1/population/{number}`: the desk's prefill. The person's data goes to the caller
//!   and nowhere else: no log line carries the number or the name; `population_lookups` keeps
//!   who looked and when, and whether someone was found, never the number.
//! - The dossier records that its applicant's data came from the national database with
//!   `Command::RecordPopulationData` (`POST /api/v1/dossiers/{id}/population-data`), which
//!   Decision 766 indicators 4.5a/4.5b count.

pub mod service;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use schemars::JsonSchema;
use serde::Serialize;

use crate::app::{AppState, blocking};
use crate::auth::CurrentStaff;
use crate::http::op::Op;
use crate::http::{ApiError, PathOf};

pub use crate::app::PopulationConfig;
pub use service::{HttpRegistry, LocalRegistry, Person, Registry, demo_people, registry};

pub fn api() -> Vec<Op> {
    vec![
        Op::get("/population/{number}", "populationLookup", lookup)
            .tag("population")
            .doc(
                "Tra cứu Cơ sở dữ liệu quốc gia về dân cư / look a person up in the population database",
                "For the desk's prefill: the 12-digit personal identification number is checked (province code of Circular 59/2021/TT-BCA, century-and-sex digit, year) before the platform is asked. Answers the person's name, date of birth, sex and permanent residence, `source: CSDLQGDC`. Record on the dossier that its applicant's data came from it with `population-data`. Who looked and when is kept, never the number. 404 when nobody has the number or the database is not connected ([population] url, token); 503 when the platform cannot be reached.",
            )
            .staff()
            .path::<String>("number", "The personal identification number")
            .ok::<Prefill>(200, "The person")
            .problems(&[403, 404, 422, 503]),
    ]
}

pub fn pages(double: bool) -> Router<AppState> {
    if double {
        Router::new().route("/dan-cu-thu/citizens/{number}", get(double_citizen))
    } else {
        Router::new()
    }
}

/// The prefill answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Prefill {
    pub person: Person,
    pub province_of_birth_registration: &'static str,
    /// `CSDLQGDC`: the national population database.
    pub source: &'static str,
}

/// GET /api/v1/population/{number}
pub async fn lookup(
    State(app): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    PathOf(number): PathOf<String>,
) -> Result<axum::Json<Prefill>, ApiError> {
    let (person, id) =
        blocking(move || service::look_up_at_desk(&app, &staff, None, &number)).await?;
    Ok(axum::Json(Prefill {
        person,
        province_of_birth_registration: id.province,
        source: "CSDLQGDC",
    }))
}

/// GET /dan-cu-thu/citizens/{number}: the double of the platform's endpoint.
pub async fn double_citizen(
    State(app): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(number): axum::extract::Path<String>,
) -> Response {
    let token = app
        .settings
        .population
        .as_ref()
        .map(|c| c.token.clone())
        .unwrap_or_default();
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if token.is_empty() || given != token {
        return axum::http::StatusCode::UNAUTHORIZED.into_response();
    }
    match (LocalRegistry {
        people: demo_people(),
    })
    .find(&number)
    {
        Ok(Some(p)) => axum::Json(p).into_response(),
        _ => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}
