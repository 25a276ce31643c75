//! The national population database (Cơ sở dữ liệu quốc gia về dân cư), reached through the
//! province's data-sharing platform (issue 15, item 5).
//!
//! - `Registry`: look a person up by the 12-digit personal identification number (checked first by
//!   `motcua_domain::citizen_id::parse`). `HttpRegistry` calls `GET {url}/citizens/{number}` with
//!   `Authorization: Bearer {token}` (`[population] url, token`; the platform's own paths and
//!   field names go behind this one place); `LocalRegistry` answers from a fixed list (tests).
//! - `/dan-cu-thu/citizens/{number}`: a local double of that endpoint, served only with
//!   `[population] double` (the demo), so that `HttpRegistry` is exercised over loopback.
//! - `GET /api/v1/population/{number}`: the desk's prefill. The person's data goes to the caller
//!   and nowhere else: no log line carries the number or the name; `population_lookups` keeps
//!   who looked and when, and whether someone was found, never the number.
//! - The dossier records that its applicant's data came from the national database with
//!   `Command::RecordPopulationData` (`POST /api/v1/dossiers/{id}/population-data`), which
//!   Decision 766 indicators 4.5a/4.5b count.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use motcua_domain::authz::Action;
use motcua_domain::citizen_id;
use motcua_domain::dossier::to_local;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::app::{AppState, blocking};
use crate::auth::CurrentStaff;
use crate::http::op::Op;
use crate::http::{ApiError, PathOf};

pub use crate::app::PopulationConfig;

/// A person as the population database gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Person {
    pub id_number: String,
    pub full_name: String,
    /// YYYY-MM-DD.
    pub date_of_birth: String,
    /// `male` or `female`.
    pub sex: String,
    /// The permanent residence.
    pub address: String,
}

/// A lookup in the population database.
pub trait Registry: Send + Sync {
    /// None: nobody with this number.
    fn find(&self, number: &str) -> Result<Option<Person>, String>;
}

/// The platform over HTTP.
pub struct HttpRegistry {
    pub url: String,
    pub token: String,
}

impl Registry for HttpRegistry {
    fn find(&self, number: &str) -> Result<Option<Person>, String> {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .new_agent();
        let url = format!("{}/citizens/{number}", self.url.trim_end_matches('/'));
        let mut r = agent
            .get(&url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Accept", "application/json")
            .call()
            .map_err(|_| "population platform unreachable".to_owned())?;
        match r.status().as_u16() {
            200 => r
                .body_mut()
                .read_json::<Person>()
                .map(Some)
                .map_err(|_| "population platform: unreadable answer".to_owned()),
            404 => Ok(None),
            s => Err(format!("population platform answered {s}")),
        }
    }
}

/// A fixed list of people (tests and the demo's double).
pub struct LocalRegistry {
    pub people: Vec<Person>,
}

impl Registry for LocalRegistry {
    fn find(&self, number: &str) -> Result<Option<Person>, String> {
        Ok(self.people.iter().find(|p| p.id_number == number).cloned())
    }
}

/// The demo's people (invented; the numbers follow the structure, Đắk Lắk 066).
pub fn demo_people() -> Vec<Person> {
    let p = |id: &str, name: &str, dob: &str, sex: &str, address: &str| Person {
        id_number: id.into(),
        full_name: name.into(),
        date_of_birth: dob.into(),
        sex: sex.into(),
        address: address.into(),
    };
    vec![
        p(
            "066190004321",
            "H'Hen Niê",
            "1990-04-12",
            "female",
            "Buôn Tring, phường Buôn Hồ, tỉnh Đắk Lắk",
        ),
        p(
            "066085001122",
            "Y Bih Mlô",
            "1985-09-02",
            "male",
            "Tổ dân phố 3, phường Buôn Hồ, tỉnh Đắk Lắk",
        ),
        p(
            "066301007788",
            "Nguyễn Thị Mai Anh",
            "2001-01-20",
            "female",
            "Thôn 5, xã Cư Bao, tỉnh Đắk Lắk",
        ),
        p(
            "066078003344",
            "Trần Văn Hùng",
            "1978-11-30",
            "male",
            "Tổ dân phố 7, phường An Lạc, tỉnh Đắk Lắk",
        ),
    ]
}

/// The configured registry, if any.
pub fn registry(app: &AppState) -> Option<Arc<dyn Registry>> {
    let c = app.settings.population.as_ref()?;
    if c.url.is_empty() {
        return None;
    }
    Some(Arc::new(HttpRegistry {
        url: c.url.clone(),
        token: c.token.clone(),
    }))
}

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
    let year = chrono::Datelike::year(&to_local(Utc::now()).date());
    let id =
        citizen_id::parse(&number, year).map_err(|e| ApiError::invalid("id_number", e.vi, e.en))?;
    // Not connected: nothing to look in (404, as for an unknown person).
    let Some(reg) = registry(&app) else {
        return Err(ApiError::not_found(
            "Chưa kết nối Cơ sở dữ liệu quốc gia về dân cư",
            "The population database is not connected",
        ));
    };
    let app2 = app.clone();
    let staff_id = staff.id;
    let units = crate::app::read_tx(&app, move |tx| {
        Ok(crate::access::scope(tx, &staff, Action::Desk)?)
    })
    .await?;
    if units.is_empty() {
        return Err(ApiError::forbidden());
    }
    let found = blocking(move || {
        let found = reg.find(&id.number).map_err(|e| {
            tracing::warn!(error = %e, "population lookup failed");
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "population-unavailable",
                "Không kết nối được Cơ sở dữ liệu quốc gia về dân cư",
                "The population database cannot be reached",
            )
        })?;
        app2.store.write(|tx| {
            motcua_store::population::record_lookup(
                tx,
                staff_id,
                units.first().map_or("", String::as_str),
                found.is_some(),
                Utc::now(),
            )
        })?;
        Ok(found.map(|p| (p, id.province)))
    })
    .await?;
    let Some((person, province)) = found else {
        return Err(ApiError::not_found(
            "Không tìm thấy công dân với số định danh này",
            "No citizen with this identification number",
        ));
    };
    Ok(axum::Json(Prefill {
        person,
        province_of_birth_registration: province,
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
