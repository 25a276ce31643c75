//! The monthly counters (see `motcua_domain::stats`): updated in the write transaction of every
//! dossier event, summed by the reports, recomputed by the rebuild.

use std::collections::BTreeMap;

use motcua_domain::dossier::Instant;
use motcua_domain::stats::{Counts, Figures, Key, Metric, Period, prev_month};

use crate::db::{Sql, Tx, Value};
use crate::{StoreError, from_millis, millis};

fn columns() -> String {
    Metric::ALL.map(|m| m.as_str()).join(", ")
}

/// Adds counter changes (one row per key, many to a statement), and their sums to the rollups per
/// month and unit and per month and procedure.
pub fn add(tx: &mut dyn Tx, changes: &[(Key, Counts)]) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut by_unit: BTreeMap<(i32, &str), (Counts, [i64; 3])> = BTreeMap::new();
    let mut by_procedure: BTreeMap<(i32, &str), (Counts, [i64; 3])> = BTreeMap::new();
    for (k, c) in changes {
        by_unit
            .entry((k.month, k.unit.as_str()))
            .or_default()
            .0
            .merge(c);
        by_procedure
            .entry((k.month, k.procedure.as_str()))
            .or_default()
            .0
            .merge(c);
        // The steps by the unit that did them (the receiving unit itself when `agency` is empty).
        let who = if k.agency.is_empty() {
            &k.unit
        } else {
            &k.agency
        };
        let did = &mut by_unit.entry((k.month, who.as_str())).or_default().1;
        for (d, m) in did.iter_mut().zip(STEPS) {
            *d += c.get(m);
        }
    }
    let cols = columns();
    let counts = |c: &Counts| c.0.iter().map(|n| Value::Int(*n)).collect::<Vec<_>>();
    // Each statement's keys are distinct (they come from maps): PostgreSQL may not update a row
    // twice in one statement.
    let per_statement = 60;
    for (table, key, rollup) in [
        ("stats_units", "unit", &by_unit),
        ("stats_procedures", "procedure", &by_procedure),
    ] {
        let mut updates = Metric::ALL
            .map(|m| format!("{0} = {table}.{0} + excluded.{0}", m.as_str()))
            .join(", ");
        let mut names = format!("month, {key}, {cols}");
        let units = table == "stats_units";
        if units {
            for c in DID {
                updates.push_str(&format!(", {c} = {table}.{c} + excluded.{c}"));
                names.push_str(&format!(", {c}"));
            }
        }
        crate::db::upsert_many(
            tx,
            &format!("INSERT INTO {table} ({names}) VALUES "),
            rollup
                .iter()
                .filter(|(_, (c, did))| !c.is_zero() || did.iter().any(|n| *n != 0))
                .map(|((month, k), (c, did))| {
                    let mut row = vec![Value::Int((*month).into()), Value::from(*k)];
                    row.extend(counts(c));
                    if units {
                        row.extend(did.iter().map(|n| Value::Int(*n)));
                    }
                    row
                }),
            per_statement,
            &format!(" ON CONFLICT (month, {key}) DO UPDATE SET {updates}"),
        )?;
    }
    let updates = Metric::ALL
        .map(|m| format!("{0} = stats.{0} + excluded.{0}", m.as_str()))
        .join(", ");
    crate::db::upsert_many(
        tx,
        &format!("INSERT INTO stats (month, unit, procedure, agency, {cols}) VALUES "),
        changes.iter().map(|(k, c)| {
            let mut row = vec![
                Value::Int(k.month.into()),
                Value::from(&k.unit),
                Value::from(&k.procedure),
                Value::from(&k.agency),
            ];
            row.extend(counts(c));
            row
        }),
        per_statement,
        &format!(" ON CONFLICT (month, unit, procedure, agency) DO UPDATE SET {updates}"),
    )
}

/// The step counters, in the order of the `did_*` columns of `stats_units`.
const STEPS: [Metric; 3] = [Metric::StepEarly, Metric::StepOnTime, Metric::StepLate];
/// `stats_units`' steps done by the row's unit, whichever unit received the dossier (early, on time,
/// late): the per-agency view of a province-wide report without reading `stats`.
const DID: [&str; 3] = ["did_early", "did_on_time", "did_late"];

/// A unit's steps in a month: ((month, unit), [early, on time, late]).
pub type StepsRow = ((i32, String), [i64; 3]);

/// Every `stats_units` row's steps done by its unit (month, unit, early/on time/late), in key
/// order, without all-zero rows (for the rebuild equality check).
pub fn all_steps_by_unit(tx: &mut dyn Tx) -> Result<Vec<StepsRow>, StoreError> {
    let mut out = vec![];
    for r in tx.query(
        "SELECT month, unit, did_early, did_on_time, did_late FROM stats_units ORDER BY month, unit",
        &[],
    )? {
        let did = [r.i64(2)?, r.i64(3)?, r.i64(4)?];
        if did.iter().any(|n| *n != 0) {
            out.push(((r.i64(0)? as i32, r.string(1)?), did));
        }
    }
    Ok(out)
}

/// Every counter row, in key order (for the rebuild equality check).
pub fn all(tx: &mut dyn Tx) -> Result<Vec<(Key, Counts)>, StoreError> {
    let q = format!(
        "SELECT month, unit, procedure, agency, {} FROM stats ORDER BY month, unit, procedure, agency",
        columns()
    );
    tx.query(&q, &[])?
        .iter()
        .map(|r| {
            let mut c = Counts::default();
            for (i, n) in c.0.iter_mut().enumerate() {
                *n = r.i64(4 + i)?;
            }
            Ok((
                Key {
                    month: r.i64(0)? as i32,
                    unit: r.string(1)?,
                    procedure: r.string(2)?,
                    agency: r.string(3)?,
                },
                c,
            ))
        })
        .filter(|x: &Result<(Key, Counts), StoreError>| {
            x.as_ref().map_or(true, |(_, c)| !c.is_zero())
        })
        .collect()
}

/// A rollup row: (month, unit or procedure) and its counters.
pub type RollupRow = ((i32, String), Counts);

/// Every rollup row (month, unit), in key order, without all-zero rows.
pub fn all_units(tx: &mut dyn Tx) -> Result<Vec<RollupRow>, StoreError> {
    rollup_rows(tx, "stats_units", "unit")
}

/// Every rollup row (month, procedure), in key order, without all-zero rows.
pub fn all_procedures(tx: &mut dyn Tx) -> Result<Vec<RollupRow>, StoreError> {
    rollup_rows(tx, "stats_procedures", "procedure")
}

fn rollup_rows(tx: &mut dyn Tx, table: &str, key: &str) -> Result<Vec<RollupRow>, StoreError> {
    let q = format!(
        "SELECT month, {key}, {} FROM {table} ORDER BY month, {key}",
        columns()
    );
    let mut out = vec![];
    for r in tx.query(&q, &[])? {
        let mut c = Counts::default();
        for (i, n) in c.0.iter_mut().enumerate() {
            *n = r.i64(2 + i)?;
        }
        if !c.is_zero() {
            out.push(((r.i64(0)? as i32, r.string(1)?), c));
        }
    }
    Ok(out)
}

/// What a report covers: receiving (or step) units, and optionally only some procedures.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub units: Vec<String>,
    pub procedures: Option<Vec<String>>,
    /// `units` are every unit there is (a province-wide report): the queries leave the unit filter
    /// out, which a hundred-unit `IN` list made the most expensive part of them on PostgreSQL.
    pub all: bool,
}

impl Scope {
    /// Appends ` AND {column} IN (units)` unless the scope is every unit.
    fn filter_units(&self, q: &mut Sql, column: &str) {
        if !self.all {
            q.push(&format!(" AND {column} IN ")).bind_list(&self.units);
        }
    }
}

/// The start of a query summing counters per group over a period: the group's `keys`, every metric
/// over the period's months, then the open count at the month end before it and the open and
/// overdue counts at its end; bound up to the months (`WHERE month >= before AND month <= to`).
fn sums(keys: &str, table: &str, period: &Period) -> Sql {
    let before = prev_month(period.from);
    let mut select = format!("SELECT {keys}");
    for m in Metric::ALL {
        select.push_str(&format!(
            ", CAST(SUM(CASE WHEN month >= {f} THEN {c} ELSE 0 END) AS BIGINT)",
            f = period.from,
            c = m.as_str()
        ));
    }
    select.push_str(&format!(
        ", SUM(CASE WHEN month = {before} THEN open_end ELSE 0 END), \
         SUM(CASE WHEN month = {to} THEN open_end ELSE 0 END), \
         SUM(CASE WHEN month = {to} THEN overdue_end ELSE 0 END) FROM {table} WHERE month >= ",
        to = period.to
    ));
    let mut q = Sql::new(&select);
    q.bind(i64::from(before))
        .push(" AND month <= ")
        .bind(i64::from(period.to));
    q
}

/// The figures of a row of [`sums`], whose group keys take the first `keys` columns.
fn figures_of(r: &crate::db::Row, keys: usize) -> Result<Figures, StoreError> {
    let n = Metric::ALL.len();
    let mut sum = Counts::default();
    for (i, v) in sum.0.iter_mut().enumerate() {
        *v = r.i64(keys + i)?;
    }
    let mut carried = Counts::default();
    carried.add(Metric::OpenEnd, r.i64(keys + n)?);
    let mut last = Counts::default();
    last.add(Metric::OpenEnd, r.i64(keys + n + 1)?);
    last.add(Metric::OverdueEnd, r.i64(keys + n + 2)?);
    Ok(Figures::from_counters(&sum, &carried, &last))
}

/// The figures per (unit, procedure) of a period, from the counters plus the dossiers still in
/// processing (read live). Cost: the counter rows of the period's months for the scope, and the
/// open dossiers of the scope.
pub fn figures(
    tx: &mut dyn Tx,
    scope: &Scope,
    period: &Period,
    now: Instant,
) -> Result<BTreeMap<(String, String), Figures>, StoreError> {
    let mut out: BTreeMap<(String, String), Figures> = BTreeMap::new();
    if scope.units.is_empty() || scope.procedures.as_ref().is_some_and(|p| p.is_empty()) {
        return Ok(out);
    }
    let mut q = sums("unit, procedure", "stats", period);
    scope.filter_units(&mut q, "unit");
    if let Some(p) = &scope.procedures {
        q.push(" AND procedure IN ").bind_list(p);
    }
    q.push(" GROUP BY unit, procedure");
    for r in tx.query(&q.text, &q.params)? {
        let f = figures_of(&r, 2)?;
        if f != Figures::default() {
            out.insert((r.string(0)?, r.string(1)?), f);
        }
    }
    // Dossiers still in processing.
    let mut q = Sql::new(
        "SELECT unit, procedure_code, received_at, due_at FROM dossiers \
         WHERE finished_at IS NULL AND closed_at IS NULL AND received_at IS NOT NULL AND received_at < ",
    );
    q.bind(millis(period.end()));
    scope.filter_units(&mut q, "unit");
    if let Some(p) = &scope.procedures {
        q.push(" AND procedure_code IN ").bind_list(p);
    }
    for r in tx.query(&q.text, &q.params)? {
        let received = from_millis(r.i64(2)?)?;
        let due = r.opt_i64(3)?.map(from_millis).transpose()?;
        out.entry((r.string(0)?, r.string(1)?))
            .or_default()
            .add_open(period, received, due, now);
    }
    Ok(out)
}

/// Step figures (early, on time, late) per unit that did the step, for dossiers received in the
/// scope: the per-agency view of inter-agency dossiers.
pub fn agencies(
    tx: &mut dyn Tx,
    scope: &Scope,
    period: &Period,
) -> Result<BTreeMap<String, [i64; 3]>, StoreError> {
    let mut out = BTreeMap::new();
    if scope.units.is_empty() || scope.procedures.as_ref().is_some_and(|p| p.is_empty()) {
        return Ok(out);
    }
    let rollup = scope.all && scope.procedures.is_none();
    let mut q = if rollup {
        // Every unit's dossiers: the rollup by the unit that did the steps answers it.
        Sql::new(
            "SELECT unit AS who, CAST(SUM(did_early) AS BIGINT), CAST(SUM(did_on_time) AS BIGINT), \
             CAST(SUM(did_late) AS BIGINT) FROM stats_units WHERE month >= ",
        )
    } else {
        Sql::new(
            "SELECT CASE WHEN agency = '' THEN unit ELSE agency END AS who, SUM(step_early), \
             SUM(step_on_time), SUM(step_late) FROM stats WHERE month >= ",
        )
    };
    q.bind(i64::from(period.from))
        .push(" AND month <= ")
        .bind(i64::from(period.to));
    scope.filter_units(&mut q, "unit");
    if let Some(p) = &scope.procedures {
        q.push(" AND procedure IN ").bind_list(p);
    }
    q.push(" GROUP BY who");
    for r in tx.query(&q.text, &q.params)? {
        let counts = [r.i64(1)?, r.i64(2)?, r.i64(3)?];
        if counts.iter().any(|n| *n != 0) {
            out.insert(r.string(0)?, counts);
        }
    }
    Ok(out)
}

/// The figures per receiving unit (all procedures), from the rollup and the dossiers still in
/// processing: for overviews and reports by unit. Cost: the rollup rows of the period (units x
/// months) and the open dossiers of the units.
pub fn per_unit(
    tx: &mut dyn Tx,
    units: &[String],
    period: &Period,
    now: Instant,
) -> Result<BTreeMap<String, Figures>, StoreError> {
    if units.is_empty() {
        return Ok(BTreeMap::new());
    }
    rollup_figures(tx, Rollup::Units(units), period, now)
}

/// [`per_unit`] for every unit there is (no unit filter).
pub fn per_every_unit(
    tx: &mut dyn Tx,
    period: &Period,
    now: Instant,
) -> Result<BTreeMap<String, Figures>, StoreError> {
    rollup_figures(tx, Rollup::EveryUnit, period, now)
}

/// The figures per procedure over every unit, from the procedure rollup and the dossiers still in
/// processing: for reports that cover the whole province.
pub fn per_procedure(
    tx: &mut dyn Tx,
    period: &Period,
    now: Instant,
) -> Result<BTreeMap<String, Figures>, StoreError> {
    rollup_figures(tx, Rollup::Procedures, period, now)
}

enum Rollup<'a> {
    Units(&'a [String]),
    EveryUnit,
    Procedures,
}

fn rollup_figures(
    tx: &mut dyn Tx,
    rollup: Rollup,
    period: &Period,
    now: Instant,
) -> Result<BTreeMap<String, Figures>, StoreError> {
    let (table, key, dossier_key) = match rollup {
        Rollup::Units(_) | Rollup::EveryUnit => ("stats_units", "unit", "unit"),
        Rollup::Procedures => ("stats_procedures", "procedure", "procedure_code"),
    };
    let mut out: BTreeMap<String, Figures> = BTreeMap::new();
    let mut q = sums(key, table, period);
    if let Rollup::Units(units) = &rollup {
        q.push(" AND unit IN ").bind_list(*units);
    }
    q.push(&format!(" GROUP BY {key}"));
    for r in tx.query(&q.text, &q.params)? {
        let f = figures_of(&r, 1)?;
        if f != Figures::default() {
            out.insert(r.string(0)?, f);
        }
    }
    let mut q = Sql::new(&format!(
        "SELECT {dossier_key}, received_at, due_at FROM dossiers \
         WHERE finished_at IS NULL AND closed_at IS NULL AND received_at IS NOT NULL AND received_at < "
    ));
    q.bind(millis(period.end()));
    if let Rollup::Units(units) = &rollup {
        q.push(" AND unit IN ").bind_list(*units);
    }
    for r in tx.query(&q.text, &q.params)? {
        let received = from_millis(r.i64(1)?)?;
        let due = r.opt_i64(2)?.map(from_millis).transpose()?;
        out.entry(r.string(0)?)
            .or_default()
            .add_open(period, received, due, now);
    }
    Ok(out)
}

/// The procedures of the scope that received an online dossier in the period.
pub fn used_online(
    tx: &mut dyn Tx,
    scope: &Scope,
    period: &Period,
) -> Result<Vec<String>, StoreError> {
    procedures_with(tx, scope, period, Metric::ReceivedOnline)
}

/// The procedures of the scope whose counter `metric` is above zero in the period.
pub fn procedures_with(
    tx: &mut dyn Tx,
    scope: &Scope,
    period: &Period,
    metric: Metric,
) -> Result<Vec<String>, StoreError> {
    if scope.units.is_empty() {
        return Ok(vec![]);
    }
    // Every unit's dossiers: the procedure rollup answers it.
    let table = if scope.all {
        "stats_procedures"
    } else {
        "stats"
    };
    let mut q = Sql::new(&format!(
        "SELECT DISTINCT procedure FROM {table} WHERE {} > 0 AND month >= ",
        metric.as_str()
    ));
    q.bind(i64::from(period.from))
        .push(" AND month <= ")
        .bind(i64::from(period.to));
    scope.filter_units(&mut q, "unit");
    if let Some(p) = &scope.procedures {
        q.push(" AND procedure IN ").bind_list(p);
    }
    tx.query(&q.text, &q.params)?
        .iter()
        .map(|r| r.string(0))
        .collect()
}

/// The period from January of this year to this month.
pub fn year_to_date(now: Instant) -> Period {
    let m = motcua_domain::stats::month_of(now);
    Period {
        from: m / 100 * 100 + 1,
        to: m,
    }
}

/// Adds changes to the cross counters of boundary-free dossiers (`stats_cross`, one upsert per
/// key; nothing for the dossiers received by their own competent agency).
pub fn add_cross(
    tx: &mut dyn Tx,
    changes: &[(motcua_domain::stats::CrossKey, Counts)],
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let cols = columns();
    let updates = Metric::ALL
        .map(|m| format!("{0} = stats_cross.{0} + excluded.{0}", m.as_str()))
        .join(", ");
    let placeholders = (5..5 + Metric::ALL.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO stats_cross (month, unit, competent, procedure, {cols}) VALUES ($1, $2, $3, $4, {placeholders}) \
         ON CONFLICT (month, unit, competent, procedure) DO UPDATE SET {updates}"
    );
    for (k, c) in changes {
        let mut params = vec![
            Value::Int(k.month.into()),
            Value::from(&k.unit),
            Value::from(&k.competent),
            Value::from(&k.procedure),
        ];
        params.extend(c.0.iter().map(|n| Value::Int(*n)));
        tx.exec_later(&sql, &params)?;
    }
    Ok(())
}

/// Every cross counter row, in key order, without all-zero rows (for the rebuild equality check).
pub fn all_cross(
    tx: &mut dyn Tx,
) -> Result<Vec<(motcua_domain::stats::CrossKey, Counts)>, StoreError> {
    let q = format!(
        "SELECT month, unit, competent, procedure, {} FROM stats_cross \
         ORDER BY month, unit, competent, procedure",
        columns()
    );
    let mut out = vec![];
    for r in tx.query(&q, &[])? {
        let mut c = Counts::default();
        for (i, n) in c.0.iter_mut().enumerate() {
            *n = r.i64(4 + i)?;
        }
        if !c.is_zero() {
            out.push((
                motcua_domain::stats::CrossKey {
                    month: r.i64(0)? as i32,
                    unit: r.string(1)?,
                    competent: r.string(2)?,
                    procedure: r.string(3)?,
                },
                c,
            ));
        }
    }
    Ok(out)
}

/// The boundary-free dossiers that cross the scope's border over a period, per unit on the other
/// side: `out` those the scope received for an agency outside it (by competent agency), `into`
/// those agencies of the scope resolve for a receiving point outside it (by receiving unit).
/// Figures by receiving unit ("received here") minus `out` plus `into` are the figures by the
/// agency that resolves ("resolved here"). Cost: the cross counter rows of the scope's units over
/// the period's months and the open boundary-free dossiers of the scope: no scan of dossiers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Crossing {
    pub out: BTreeMap<String, Figures>,
    pub into: BTreeMap<String, Figures>,
}

pub fn crossing(
    tx: &mut dyn Tx,
    scope: &Scope,
    period: &Period,
    now: Instant,
) -> Result<Crossing, StoreError> {
    let mut out = Crossing::default();
    if scope.units.is_empty() || scope.procedures.as_ref().is_some_and(|p| p.is_empty()) {
        return Ok(out);
    }
    for (other, here, map) in [
        ("competent", "unit", &mut out.out),
        ("unit", "competent", &mut out.into),
    ] {
        let mut q = sums(other, "stats_cross", period);
        q.push(&format!(" AND {here} IN "))
            .bind_list(&scope.units)
            .push(&format!(" AND {other} NOT IN "))
            .bind_list(&scope.units);
        if let Some(p) = &scope.procedures {
            q.push(" AND procedure IN ").bind_list(p);
        }
        q.push(&format!(" GROUP BY {other}"));
        for r in tx.query(&q.text, &q.params)? {
            let f = figures_of(&r, 1)?;
            if f != Figures::default() {
                map.insert(r.string(0)?, f);
            }
        }
    }
    // Boundary-free dossiers still in processing.
    let mut q = Sql::new(
        "SELECT unit, competent_unit, received_at, due_at FROM dossiers \
         WHERE competent_unit IS NOT NULL AND finished_at IS NULL AND closed_at IS NULL \
         AND received_at IS NOT NULL AND received_at < ",
    );
    q.bind(millis(period.end()))
        .push(" AND (unit IN ")
        .bind_list(&scope.units)
        .push(" OR competent_unit IN ")
        .bind_list(&scope.units)
        .push(")");
    if let Some(p) = &scope.procedures {
        q.push(" AND procedure_code IN ").bind_list(p);
    }
    for r in tx.query(&q.text, &q.params)? {
        let (unit, competent) = (r.string(0)?, r.string(1)?);
        let received = from_millis(r.i64(2)?)?;
        let due = r.opt_i64(3)?.map(from_millis).transpose()?;
        let (here_unit, here_competent) = (
            scope.units.contains(&unit),
            scope.units.contains(&competent),
        );
        let entry = match (here_unit, here_competent) {
            (true, false) => out.out.entry(competent),
            (false, true) => out.into.entry(unit),
            _ => continue,
        };
        entry.or_default().add_open(period, received, due, now);
    }
    Ok(out)
}

/// Decision 766 indicator 2.2's counts over the period, grouped by `by` (`unit` or `procedure`):
/// (key, dossiers received in the period and resolved since, their processing minutes summed).
/// Read from a rollup when one covers the question (by unit over every procedure; by procedure over
/// the whole province), otherwise from the detailed counters of the scope.
pub fn processing_times(
    tx: &mut dyn Tx,
    scope: &Scope,
    by: &str,
    period: &Period,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    if scope.units.is_empty() || scope.procedures.as_ref().is_some_and(|p| p.is_empty()) {
        return Ok(vec![]);
    }
    let (table, key) = match (by, &scope.procedures) {
        ("unit", None) => ("stats_units", "unit"),
        ("unit", Some(_)) => ("stats", "unit"),
        (_, _) if scope.all => ("stats_procedures", "procedure"),
        _ => ("stats", "procedure"),
    };
    let mut q = Sql::new(&format!(
        "SELECT {key}, CAST(SUM(processed) AS BIGINT), CAST(SUM(processing_minutes) AS BIGINT) \
         FROM {table} WHERE month >= "
    ));
    q.bind(i64::from(period.from))
        .push(" AND month <= ")
        .bind(i64::from(period.to));
    if table != "stats_procedures" {
        scope.filter_units(&mut q, "unit");
    }
    if let Some(p) = &scope.procedures
        && table != "stats_units"
    {
        q.push(" AND procedure IN ").bind_list(p);
    }
    q.push(&format!(" GROUP BY {key}"));
    let mut out = vec![];
    for r in tx.query(&q.text, &q.params)? {
        let n = r.i64(1)?;
        if n > 0 {
            out.push((r.string(0)?, n, r.i64(2)?));
        }
    }
    Ok(out)
}
