//! Official day-off schedules imported by an administrator. Imports are kept (append-only by
//! convention: a newer import of a year supersedes the older one, which stays for the record).

use chrono::{DateTime, Utc};
use motcua_domain::calendar::{
    DeadlineRules, HoursFrom, Period, RulesFrom, WorkCalendar, WorkingHours, YearSchedule,
    shipped_schedules,
};

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

/// Office hours and deadline settings a province or unit recorded from a date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LocalSetting {
    pub unit: String,
    pub effective_from: chrono::NaiveDate,
    pub hours: Option<Vec<Period>>,
    pub rules: Option<DeadlineRules>,
    /// The act that set them (a province's decision on office hours, its one-stop rules).
    pub source: String,
}

/// Records a unit's (usually a province's) office hours and/or deadline settings from a date. The
/// hours are checked; rows are append-only, and the latest row of a unit and date wins.
pub fn set_local(
    tx: &mut dyn Tx,
    s: &LocalSetting,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let bad = |e: String| StoreError::invalid(e.clone(), e);
    if s.hours.is_none() && s.rules.is_none() {
        return Err(StoreError::invalid(
            "cần giờ làm việc hoặc quy tắc tính hạn",
            "give office hours or deadline settings",
        ));
    }
    if s.source.trim().is_empty() {
        return Err(StoreError::invalid(
            "cần căn cứ (văn bản quy định)",
            "the source (the act that sets them) is required",
        ));
    }
    if let Some(h) = &s.hours {
        WorkingHours::new(vec![HoursFrom {
            effective_from: s.effective_from,
            periods: h.clone(),
        }])
        .map_err(|e| bad(e.to_string()))?;
    }
    crate::org::get_unit(tx, &s.unit)?;
    let json = |v: Option<String>| v.map_or(Value::Null, Value::Text);
    tx.exec(
        "INSERT INTO local_settings (unit, effective_from, hours, rules, source, recorded_at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Value::from(s.unit.as_str()),
            Value::Text(s.effective_from.to_string()),
            json(s.hours.as_ref().map(|h| serde_json::to_string(h).expect("json"))),
            json(s.rules.as_ref().map(|r| serde_json::to_string(r).expect("json"))),
            Value::from(s.source.trim()),
            Value::Int(millis(now)),
            Value::from(by),
        ],
    )?;
    Ok(())
}

/// The settings recorded for one unit (its own, not inherited), latest per date, oldest first.
pub fn local_settings(tx: &mut dyn Tx, unit: &str) -> Result<Vec<LocalSetting>, StoreError> {
    let rows = tx.query(
        "SELECT effective_from, hours, rules, source FROM local_settings WHERE unit = $1 ORDER BY effective_from, id",
        &[Value::from(unit)],
    )?;
    let mut out: Vec<LocalSetting> = vec![];
    for r in rows {
        let effective_from = r
            .str(0)?
            .parse()
            .map_err(|_| StoreError::Db("local_settings.effective_from".into()))?;
        let hours: Option<String> = r.opt_string(1)?;
        let rules: Option<String> = r.opt_string(2)?;
        let parse_err = |e: serde_json::Error| StoreError::Db(e.to_string());
        let s = LocalSetting {
            unit: unit.to_owned(),
            effective_from,
            hours: hours
                .map(|h| serde_json::from_str(&h))
                .transpose()
                .map_err(parse_err)?,
            rules: rules
                .map(|h| serde_json::from_str(&h))
                .transpose()
                .map_err(parse_err)?,
            source: r.string(3)?,
        };
        match out.last_mut() {
            Some(last) if last.effective_from == s.effective_from => {
                // A later row for the same date replaces what it gives.
                if s.hours.is_some() {
                    last.hours = s.hours;
                }
                if s.rules.is_some() {
                    last.rules = s.rules;
                }
                last.source = s.source;
            }
            _ => out.push(s),
        }
    }
    Ok(out)
}

/// The calendar of a unit: the base days with the office hours and deadline settings of the
/// nearest unit up its chain (itself, its district, its province) that recorded any. None when no
/// unit of the chain did (use the base calendar).
pub fn local_calendar(
    tx: &mut dyn Tx,
    base: &WorkCalendar,
    unit: &str,
) -> Result<Option<WorkCalendar>, StoreError> {
    let any = tx.query_one(ANY_LOCAL_SETTINGS, &[])?.is_some();
    local_calendar_if(tx, base, unit, any)
}

/// Whether any unit recorded local settings: a row when one did.
pub const ANY_LOCAL_SETTINGS: &str = "SELECT id FROM local_settings LIMIT 1";

/// [`local_calendar`] when the caller already read [`ANY_LOCAL_SETTINGS`] (`any`).
pub fn local_calendar_if(
    tx: &mut dyn Tx,
    base: &WorkCalendar,
    unit: &str,
    any: bool,
) -> Result<Option<WorkCalendar>, StoreError> {
    if !any || unit.is_empty() {
        return Ok(None);
    }
    let mut hours: Option<WorkingHours> = None;
    let mut rules: Vec<RulesFrom> = vec![];
    for u in crate::org::chain(tx, unit)? {
        let settings = local_settings(tx, &u)?;
        if hours.is_none() {
            let versions: Vec<HoursFrom> = settings
                .iter()
                .filter_map(|s| {
                    s.hours.as_ref().map(|p| HoursFrom {
                        effective_from: s.effective_from,
                        periods: p.clone(),
                    })
                })
                .collect();
            if !versions.is_empty() {
                hours = Some(
                    WorkingHours::new(versions)
                        .map_err(|e| StoreError::invalid(e.to_string(), e.to_string()))?,
                );
            }
        }
        if rules.is_empty() {
            rules = settings
                .iter()
                .filter_map(|s| {
                    s.rules.map(|r| RulesFrom {
                        effective_from: s.effective_from,
                        rules: r,
                    })
                })
                .collect();
        }
    }
    if hours.is_none() && rules.is_empty() {
        return Ok(None);
    }
    Ok(Some(base.localised(hours.as_ref(), &rules)))
}
