//! Who manages and who reads an inspection, and the operations the API and the pages share:
//! create, change at a known version, the notice, overdue remediation tasks.

use chrono::{NaiveDate, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::dossier::to_local;
use motcua_domain::inspection::{Change, Inspection, NewPlan, Notice, Refusal};
use motcua_domain::org::Staff;
use motcua_store::{Tx, inspections, org};

use crate::app::{AppState, write_tx};
use crate::http::ApiError;

pub fn refused(r: Refusal) -> ApiError {
    ApiError::invalid(r.field, r.vi, r.en)
}

/// Whether the caller manages inspections of `owner`: by its own roles, not by the read-only ones
/// a team membership lends while an inspection runs.
pub fn manages(tx: &mut dyn Tx, staff: &Staff, owner: &str) -> Result<bool, ApiError> {
    let own = org::get_staff(tx, staff.id)?.grants;
    Ok(can(&own, Action::Inspect, &org::chain(tx, owner)?))
}

/// Reads an inspection the caller may see: (inspection, version, may manage).
pub fn readable(
    tx: &mut dyn Tx,
    staff: &Staff,
    id: i64,
) -> Result<(Inspection, i64, bool), ApiError> {
    let (i, version) = inspections::get(tx, id)?;
    let manage = manages(tx, staff, &i.owner)?;
    if !manage && !i.members.iter().any(|m| m.staff_id == Some(staff.id)) {
        return Err(ApiError::forbidden());
    }
    Ok((i, version, manage))
}

/// The inspections the caller may see: those it manages, and those whose team it is on.
pub fn visible(tx: &mut dyn Tx, staff: &Staff) -> Result<Vec<(i64, Inspection)>, ApiError> {
    let mut out = vec![];
    for (id, i) in inspections::list(tx)? {
        if manages(tx, staff, &i.owner)? || i.members.iter().any(|m| m.staff_id == Some(staff.id)) {
            out.push((id, i));
        }
    }
    Ok(out)
}

pub fn today() -> NaiveDate {
    to_local(Utc::now()).date()
}

/// Applies a change (or the automatic checks) under the caller's authority, in one transaction.
pub fn change(
    tx: &mut dyn Tx,
    staff: &Staff,
    id: i64,
    version: i64,
    change: Option<Change>,
    label: &str,
) -> Result<i64, ApiError> {
    let (i, _, manage) = readable(tx, staff, id)?;
    if !manage {
        return Err(ApiError::forbidden());
    }
    let now = Utc::now();
    let change = match change {
        Some(c) => c,
        None => Change::Draft(inspections::run_checks(tx, &i, now)?),
    };
    let next = i.apply(change, today()).map_err(refused)?;
    Ok(inspections::save(
        tx, id, version, &next, label, staff.id, now,
    )?)
}

pub fn unit_names(tx: &mut dyn Tx) -> Result<Vec<(String, String)>, ApiError> {
    Ok(org::units(tx)?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect())
}

pub fn notice_of(i: &Inspection, names: &[(String, String)]) -> Notice {
    let name = |c: &str| {
        names
            .iter()
            .find(|(code, _)| code == c)
            .map_or(c.to_owned(), |(_, n)| n.clone())
    };
    i.notice(&name(&i.owner), &name)
}

pub async fn create(app: AppState, staff: Staff, plan: NewPlan) -> Result<i64, ApiError> {
    let inspection = Inspection::new(plan).map_err(refused)?;
    write_tx(&app, move |tx| {
        if !manages(tx, &staff, &inspection.owner)? {
            return Err(ApiError::forbidden());
        }
        Ok(inspections::create(tx, &inspection, staff.id, Utc::now())?)
    })
    .await
}

/// Overdue remediation tasks in units the caller may see: (inspection id, unit, what, deadline).
pub fn overdue_tasks(
    tx: &mut dyn Tx,
    units: &[String],
    today: NaiveDate,
) -> Result<Vec<(i64, String, String, NaiveDate)>, motcua_store::StoreError> {
    let mut out = vec![];
    for (id, i) in inspections::list(tx)? {
        for t in i
            .tasks
            .iter()
            .filter(|t| t.overdue(today) && units.contains(&t.unit))
        {
            out.push((id, t.unit.clone(), t.what.clone(), t.deadline));
        }
    }
    Ok(out)
}

/// The action's name, as the log and the page messages call it.
pub fn change_label(c: &Change) -> &'static str {
    match c {
        Change::Decision(_) => "decision",
        Change::AddMember(_) => "add_member",
        Change::AddVisit(_) => "add_visit",
        Change::Draft(_) => "checks",
        Change::AddFinding { .. } => "add_finding",
        Change::EditFinding { .. } => "edit_finding",
        Change::RemoveFinding { .. } => "remove_finding",
        Change::Conclude(_) => "conclude",
        Change::AddTask { .. } => "add_task",
        Change::TasksFromShortcomings { .. } => "tasks_from_shortcomings",
        Change::CompleteTask { .. } => "complete_task",
    }
}
