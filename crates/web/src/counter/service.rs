//! Walk-in outcomes at the counter without a dossier: guidance to complete the papers (form 02) and
//! refusal with reasons (form 03), recorded on their own append-only log by the reception staff of
//! the desk's unit, counted in the reports. Shared by the API and the counter pages.

use chrono::{NaiveDate, TimeDelta, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::dossier::{Actor, from_local, to_local};
use motcua_domain::org::Staff;
use motcua_domain::procedure::ProcedureRef;
use motcua_domain::walk_in::{WalkIn, WalkInKind};
use motcua_store::{Tx, org, procedures, walk_ins};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access::scope;
use crate::dossiers::service::open_unit;
use crate::http::ApiError;

/// A walk-in outcome as the counter records it.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkInBody {
    /// The desk's unit.
    pub unit: String,
    pub procedure_code: String,
    /// guidance (form 02) or refusal (form 03).
    pub kind: WalkInKind,
    /// The person at the counter.
    pub applicant_name: String,
    #[serde(default)]
    pub applicant_phone: Option<String>,
    /// Guidance: what to add or complete (at least one). Refusal: what is wrong (optional).
    #[serde(default)]
    pub items: Vec<String>,
    /// Refusal: the reasons (required). Guidance: an optional note.
    #[serde(default)]
    pub reason: String,
}

/// A recorded walk-in outcome with the number of the form it prints as.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WalkInRecord {
    pub id: i64,
    /// "02" or "03" under the legal basis in force that day (None before Circular 01/2018).
    pub form: Option<&'static str>,
    /// Who recorded it.
    pub actor: Actor,
    pub walk_in: WalkIn,
}

impl WalkInRecord {
    fn of(r: walk_ins::Recorded) -> WalkInRecord {
        WalkInRecord {
            id: r.id,
            form: r.walk_in.form(),
            actor: r.actor,
            walk_in: r.walk_in,
        }
    }
}

/// Records a walk-in outcome, checked by the domain, for a member of the desk's reception staff.
pub fn record(tx: &mut dyn Tx, staff: &Staff, body: WalkInBody) -> Result<WalkInRecord, ApiError> {
    let now = Utc::now();
    let today = to_local(now).date();
    if body.unit.is_empty() {
        return Err(ApiError::invalid(
            "unit",
            "chưa chọn đơn vị tiếp nhận",
            "no receiving unit chosen",
        ));
    }
    let unit = open_unit(tx, &body.unit, today)?;
    if !can(&staff.grants, Action::Desk, &org::chain(tx, &unit.code)?) {
        return Err(ApiError::forbidden());
    }
    let procedure = procedures::in_force(tx, &body.procedure_code, today)?;
    let w = WalkIn::new(
        &unit.code,
        &ProcedureRef::from(&procedure),
        body.kind,
        &body.applicant_name,
        body.applicant_phone.as_deref(),
        &body.items,
        &body.reason,
        Some(staff.id),
        now,
    )?;
    let actor = Actor::Staff { id: staff.id };
    let id = walk_ins::record(tx, &w, &actor)?;
    Ok(WalkInRecord {
        id,
        form: w.form(),
        actor,
        walk_in: w,
    })
}

/// The units whose walk-ins the caller sees: those of their desks.
pub fn desk_units(tx: &mut dyn Tx, staff: &Staff) -> Result<Vec<String>, ApiError> {
    Ok(scope(tx, staff, Action::Desk)?)
}

/// One walk-in, for the reception staff of its unit; anyone else is told it does not exist.
pub fn get(tx: &mut dyn Tx, staff: &Staff, id: i64) -> Result<WalkInRecord, ApiError> {
    let r = walk_ins::get(tx, id)?;
    if !desk_units(tx, staff)?.contains(&r.walk_in.unit) {
        return Err(ApiError::not_found(
            format!("lượt tiếp dân {id}"),
            format!("walk-in {id}"),
        ));
    }
    Ok(WalkInRecord::of(r))
}

/// Walk-ins of the caller's desks (or one of them) between two Vietnam dates, inclusive.
pub fn list(
    tx: &mut dyn Tx,
    staff: &Staff,
    unit: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<WalkInRecord>, ApiError> {
    let mut units = desk_units(tx, staff)?;
    if let Some(u) = unit.filter(|u| !u.is_empty()) {
        if !units.iter().any(|x| x == u) {
            return Err(ApiError::forbidden());
        }
        units = org::subtree(tx, u)?;
    }
    let start = from_local(from.and_hms_opt(0, 0, 0).unwrap_or_default());
    let end = from_local(to.and_hms_opt(0, 0, 0).unwrap_or_default()) + TimeDelta::days(1);
    Ok(walk_ins::list(tx, &units, start, end)?
        .into_iter()
        .map(WalkInRecord::of)
        .collect())
}

/// A date of a query (YYYY-MM-DD), or the default.
pub fn date_or(field: &str, s: Option<&str>, default: NaiveDate) -> Result<NaiveDate, ApiError> {
    match s.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            ApiError::invalid(
                field,
                format!("{field} cần dạng YYYY-MM-DD"),
                format!("{field} must be YYYY-MM-DD"),
            )
        }),
    }
}
