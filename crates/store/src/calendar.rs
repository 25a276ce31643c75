//! Official day-off schedules imported by an administrator. Imports are kept (append-only by
//! convention: a newer import of a year supersedes the older one, which stays for the record).

use chrono::{DateTime, Utc};
use motcua_domain::calendar::{WorkCalendar, WorkingHours, YearSchedule, shipped_schedules};

use crate::db::{Tx, Value};
use crate::{StoreError, millis};

pub fn import(
    tx: &mut dyn Tx,
    schedule: &YearSchedule,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    schedule
        .validate()
        .map_err(|e| StoreError::invalid(e.to_string(), e.to_string()))?;
    let json = serde_json::to_string(schedule).map_err(|e| StoreError::Db(e.to_string()))?;
    tx.exec(
        "INSERT INTO calendar_imports (year, schedule, imported_at, imported_by) VALUES ($1, $2, $3, $4)",
        &[
            Value::Int(schedule.year.into()),
            Value::Text(json),
            Value::Int(millis(now)),
            Value::from(by),
        ],
    )?;
    Ok(())
}

/// The latest import of each year.
pub fn imported(tx: &mut dyn Tx) -> Result<Vec<YearSchedule>, StoreError> {
    tx.query(
        "SELECT schedule FROM calendar_imports c WHERE id = (SELECT MAX(id) FROM calendar_imports d WHERE d.year = c.year) ORDER BY year",
        &[],
    )?
    .iter()
    .map(|r| r.json(0))
    .collect()
}

/// A number that changes whenever an import happens (to know when to rebuild a cached calendar).
pub fn generation(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    Ok(tx
        .query_one("SELECT COALESCE(MAX(id), 0) FROM calendar_imports", &[])?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

/// The calendar in force: shipped official schedules, overridden by imports.
pub fn work_calendar(tx: &mut dyn Tx) -> Result<WorkCalendar, StoreError> {
    let mut schedules = shipped_schedules();
    for s in imported(tx)? {
        schedules.retain(|x| x.year != s.year);
        schedules.push(s);
    }
    WorkCalendar::new(&schedules, WorkingHours::default())
        .map_err(|e| StoreError::invalid(e.to_string(), e.to_string()))
}
