//! What other features use of the national population database: the registry (`Registry`: the
//! HTTP connector or a fixed list), the desk's lookup, the prefill token with which the counter's
//! reception records which details came from the database, and the online form's check.
//!
//! - The desk (`look_up_at_desk`): the number is checked first (`citizen_id::parse`: the province
//!   code, the century-and-sex digit, the year), then the platform is asked; `population_lookups`
//!   keeps who looked, where and when, and whether someone was found, never the number.
//! - The prefill token (`prefill_token`, `fields_from_database`): the reception form shown again
//!   with the person's details carries, per detail, an HMAC (the server's form key) of the number
//!   and the value the database gave. On reception, only the details still equal to what the
//!   database said are recorded as coming from it (`Command::RecordPopulationData`, in the
//!   reception's transaction); a detail the officer changed is not. The token holds no value.
//! - Online (`check_online`): anyone can type anyone's number on a public page, so nothing from
//!   the database is ever shown there. The citizen types the number, the full name and the date
//!   of birth; the database only confirms that they belong together. Both an unknown number and a
//!   mismatch answer the same, so the page tells nothing about whether a number exists. Each
//!   check costs a token of the client's public rate limit, and a number that failed
//!   `MAX_FAILURES` times within `FAILURE_WINDOW` is not checked again (so a date of birth cannot
//!   be found by trying the 365 days of the year the number encodes), whoever asks. The outcome is
//!   kept in `population_checks` (when, unit, procedure, outcome; never the number or the name).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use hmac::{Hmac, Mac};
use motcua_domain::authz::Action;
use motcua_domain::citizen_id::{self, PersonalId};
use motcua_domain::dossier::{Applicant, to_local};
use motcua_domain::org::Staff;
use motcua_domain::text::clean;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::app::App;
use crate::http::ApiError;

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

impl Person {
    pub fn birth(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.date_of_birth, "%Y-%m-%d").ok()
    }
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
            .timeout_global(Some(Duration::from_secs(10)))
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
pub fn registry(app: &App) -> Option<Arc<dyn Registry>> {
    let c = app.settings.population.as_ref()?;
    if c.url.is_empty() {
        return None;
    }
    Some(Arc::new(HttpRegistry {
        url: c.url.clone(),
        token: c.token.clone(),
    }))
}

/// Whether the population database is connected (the pages offer its buttons only then).
pub fn connected(app: &App) -> bool {
    registry(app).is_some()
}

/// The number checked against its structure (field `id_number`, saying which check failed).
pub fn check_number(number: &str) -> Result<PersonalId, ApiError> {
    let year = chrono::Datelike::year(&to_local(Utc::now()).date());
    citizen_id::parse(number, year).map_err(|e| ApiError::invalid("id_number", e.vi, e.en))
}

fn not_connected() -> ApiError {
    ApiError::not_found(
        "Chưa kết nối Cơ sở dữ liệu quốc gia về dân cư",
        "The population database is not connected",
    )
}

fn unavailable() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "population-unavailable",
        "Không kết nối được Cơ sở dữ liệu quốc gia về dân cư; hãy thử lại sau hoặc nhập tay",
        "The population database cannot be reached; try again later or type the details",
    )
}

/// Nobody with this number (field `id_number`).
pub fn not_found() -> ApiError {
    let mut e = ApiError::not_found(
        "Không tìm thấy công dân với số định danh này trong CSDL quốc gia về dân cư",
        "No citizen with this identification number in the population database",
    );
    e.field = Some("id_number".into());
    e
}

/// The desk's lookup (call off the async threads): the number checked, the member of staff
/// holding the desk's right somewhere (at `unit` when it is one of theirs), the platform asked,
/// the lookup kept (who, where, when, found or not; never the number). Refusals: 422 (the
/// number, naming the failed check), 403, 404 (not connected, or nobody), 503 (unreachable).
pub fn look_up_at_desk(
    app: &App,
    staff: &Staff,
    unit: Option<&str>,
    number: &str,
) -> Result<(Person, PersonalId), ApiError> {
    let id = check_number(number)?;
    let reg = registry(app).ok_or_else(not_connected)?;
    let units = app
        .store
        .read(|tx| crate::access::scope(tx, staff, Action::Desk))
        .map_err(ApiError::from)?;
    let Some(first) = units.first() else {
        return Err(ApiError::forbidden());
    };
    let at = unit
        .filter(|u| units.iter().any(|x| x == u))
        .unwrap_or(first)
        .to_owned();
    let found = reg.find(&id.number).map_err(|e| {
        tracing::warn!(error = %e, "population lookup failed");
        unavailable()
    })?;
    let staff_id = staff.id;
    app.store.write(|tx| {
        motcua_store::population::record_lookup(tx, staff_id, &at, found.is_some(), Utc::now())
    })?;
    found.map(|p| (p, id)).ok_or_else(not_found)
}

/// The details the prefill carries, by the name of the form's input.
pub const PREFILL_FIELDS: [&str; 4] = ["full_name", "date_of_birth", "sex", "address"];

/// How long a prefilled form stays good for recording the data's origin.
const PREFILL_SECONDS: i64 = 4 * 3600;

fn normalised(field: &str, value: &str) -> String {
    let v = clean(value);
    match field {
        "date_of_birth" => crate::http::form::parse_date(&v).map_or(v, |d| d.to_string()),
        _ => v,
    }
}

fn mac(key: &[u8; 32], field: &str, number: &str, value: &str, expiry: i64) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    for part in [
        "motcua-population-prefill",
        field,
        number,
        &normalised(field, value),
        &expiry.to_string(),
    ] {
        m.update(&(part.len() as u64).to_be_bytes());
        m.update(part.as_bytes());
    }
    hex::encode(&m.finalize().into_bytes()[..16])
}

fn person_value<'a>(p: &'a Person, field: &str) -> &'a str {
    match field {
        "full_name" => &p.full_name,
        "date_of_birth" => &p.date_of_birth,
        "sex" => &p.sex,
        "address" => &p.address,
        _ => "",
    }
}

/// The token the prefilled reception form carries (`{expiry}.{field}-{mac}...`): no value in it.
pub fn prefill_token(key: &[u8; 32], p: &Person, now: i64) -> String {
    let expiry = now + PREFILL_SECONDS;
    let mut out = expiry.to_string();
    for f in PREFILL_FIELDS {
        let v = person_value(p, f);
        if !v.trim().is_empty() {
            out.push_str(&format!(".{f}-{}", mac(key, f, &p.id_number, v, expiry)));
        }
    }
    out
}

/// The details of `a` (validated) that are still what the database gave with `token`, plus the
/// number itself when any is: what the reception records with `RecordPopulationData`. Empty for
/// a token that is expired, forged, for another number, or when every detail was changed.
pub fn fields_from_database(key: &[u8; 32], token: &str, a: &Applicant, now: i64) -> Vec<String> {
    let Some(number) = a.id_number.as_deref() else {
        return vec![];
    };
    let mut parts = token.trim().split('.');
    let Some(expiry) = parts.next().and_then(|e| e.parse::<i64>().ok()) else {
        return vec![];
    };
    if expiry < now {
        return vec![];
    }
    let value = |f: &str| match f {
        "full_name" => a.full_name.clone(),
        "date_of_birth" => a.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
        "sex" => a.sex.map(|s| s.key().to_owned()).unwrap_or_default(),
        "address" => a.address.clone().unwrap_or_default(),
        _ => String::new(),
    };
    let mut out: Vec<String> = parts
        .filter_map(|p| p.split_once('-'))
        .filter(|(f, m)| {
            PREFILL_FIELDS.contains(f)
                && !value(f).is_empty()
                && crate::auth::same_secret(m, &mac(key, f, number, &value(f), expiry))
        })
        .map(|(f, _)| f.to_owned())
        .collect();
    if !out.is_empty() {
        out.push("id_number".into());
    }
    out.sort();
    out.dedup();
    out
}

/// Failed online checks allowed per number within `FAILURE_WINDOW`, whoever asks.
pub const MAX_FAILURES: usize = 3;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Failed online checks per number (keyed by an HMAC of it under the server's form key, so the
/// numbers themselves are not even in memory). Per server process, like the rate limits.
fn failures() -> &'static Mutex<HashMap<[u8; 32], Vec<std::time::Instant>>> {
    static F: OnceLock<Mutex<HashMap<[u8; 32], Vec<std::time::Instant>>>> = OnceLock::new();
    F.get_or_init(|| Mutex::new(HashMap::new()))
}

fn number_key(key: &[u8; 32], number: &str) -> [u8; 32] {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else {
        return [0; 32];
    };
    m.update(b"motcua-population-check\n");
    m.update(number.as_bytes());
    m.finalize().into_bytes().into()
}

/// The outcome of an online check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The number, the full name and the date of birth belong together: the person as the
    /// database has them (never shown to the public; the dossier takes them).
    Matched(Person),
    /// Unknown number, or the name or date do not match (the same answer for both).
    Mismatch,
    /// This number failed too often lately: not checked.
    Refused,
}

/// The same name in the database's and in the citizen's spelling: NFC, case and spacing aside
/// (marks count: "Nguyen" is not "Nguyễn").
pub fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        clean(s)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// The online form's check (call off the async threads; the caller has taken the client's rate
/// token and checked the number's structure). Records the outcome in `population_checks`. Errors:
/// not connected (404), unreachable (503, also recorded).
pub fn check_online(
    app: &App,
    unit: &str,
    procedure: &str,
    id: &PersonalId,
    full_name: &str,
    born: NaiveDate,
) -> Result<Check, ApiError> {
    let reg = registry(app).ok_or_else(not_connected)?;
    let key = number_key(&app.form_key, &id.number);
    let now = std::time::Instant::now();
    let record = |outcome: &str| {
        app.store.write(|tx| {
            motcua_store::population::record_check(tx, unit, procedure, outcome, Utc::now())
        })
    };
    let refused = {
        let mut f = failures().lock().unwrap_or_else(|p| p.into_inner());
        if f.len() > 100_000 {
            f.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < FAILURE_WINDOW));
        }
        let v = f.entry(key).or_default();
        v.retain(|t| now.duration_since(*t) < FAILURE_WINDOW);
        v.len() >= MAX_FAILURES
    };
    if refused {
        record("refused")?;
        return Ok(Check::Refused);
    }
    let found = match reg.find(&id.number) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "population check failed");
            record("unavailable")?;
            return Err(unavailable());
        }
    };
    match found {
        Some(p) if same_name(&p.full_name, full_name) && p.birth() == Some(born) => {
            record("matched")?;
            Ok(Check::Matched(p))
        }
        _ => {
            failures()
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(key)
                .or_default()
                .push(now);
            record("mismatch")?;
            Ok(Check::Mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applicant(p: &Person) -> Applicant {
        Applicant {
            full_name: p.full_name.clone(),
            id_number: Some(p.id_number.clone()),
            phone: "0912345678".into(),
            email: None,
            address: Some(p.address.clone()),
            date_of_birth: p.birth(),
            sex: citizen_id::Sex::parse(&p.sex),
            kind: Default::default(),
            representative: None,
            notify: None,
            sealed: None,
        }
    }

    #[test]
    fn the_token_vouches_only_for_unchanged_details_of_the_same_number() {
        let key = [7u8; 32];
        let p = demo_people().remove(0);
        let token = prefill_token(&key, &p, 1_000);
        assert!(!token.contains("1990") && !token.contains("Niê"), "{token}");
        let all = vec!["address", "date_of_birth", "full_name", "id_number", "sex"];
        assert_eq!(
            fields_from_database(&key, &token, &applicant(&p), 2_000),
            all
        );
        // The officer corrected the address: the rest still came from the database.
        let mut a = applicant(&p);
        a.address = Some("Số 5 đường Hùng Vương".into());
        assert_eq!(
            fields_from_database(&key, &token, &a, 2_000),
            vec!["date_of_birth", "full_name", "id_number", "sex"]
        );
        // Another number, another key, an expired or altered token: nothing.
        let mut other = applicant(&p);
        other.id_number = Some("066085001122".into());
        assert!(fields_from_database(&key, &token, &other, 2_000).is_empty());
        assert!(fields_from_database(&[8u8; 32], &token, &applicant(&p), 2_000).is_empty());
        assert!(
            fields_from_database(&key, &token, &applicant(&p), 1_000 + PREFILL_SECONDS + 1)
                .is_empty()
        );
        let later = token.replacen(
            &(1_000 + PREFILL_SECONDS).to_string(),
            &(1_000 + 10 * PREFILL_SECONDS).to_string(),
            1,
        );
        assert!(fields_from_database(&key, &later, &applicant(&p), 2_000).is_empty());
        assert!(fields_from_database(&key, "", &applicant(&p), 2_000).is_empty());
    }

    #[test]
    fn names_match_whatever_the_case_and_spacing_but_not_without_marks() {
        assert!(same_name("Nguyễn Thị Mai Anh", "  nguyễn  THỊ mai anh "));
        // Decomposed marks (as some keyboards type them) are the same name.
        assert!(same_name(
            "Nguyễn Thị Mai Anh",
            "Nguye\u{302}\u{303}n Thị Mai Anh"
        ));
        assert!(!same_name("Nguyễn Thị Mai Anh", "Nguyen Thi Mai Anh"));
        assert!(!same_name("Nguyễn Thị Mai Anh", "Nguyễn Thị Mai"));
    }
}
