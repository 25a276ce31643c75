//! The national population database (issue 15, item 5): who looked a person up
//! (`population_lookups`, never the number), the online form's checks (`population_checks`,
//! outcome only) and the dossiers whose applicant's data came from it
//! (`population_use`, a projection of `Event::PopulationDataUsed` rewritten by
//! `dossiers::execute` and `dossiers::rebuild`), counted for Decision 766 indicators 4.5a/4.5b.

use std::collections::BTreeMap;

use motcua_domain::dossier::{Dossier, Event, Instant};
use motcua_domain::stats::Period;

use crate::db::{Sql, Tx, Value};
use crate::{StoreError, millis};

/// Records a lookup: who, at which unit, when, whether someone was found.
pub fn record_lookup(
    tx: &mut dyn Tx,
    staff_id: i64,
    unit: &str,
    found: bool,
    at: Instant,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO population_lookups (at, staff_id, unit, found) VALUES ($1, $2, $3, $4)",
        &[
            Value::Int(millis(at)),
            Value::Int(staff_id),
            Value::from(unit),
            Value::from(found),
        ],
    )?;
    Ok(())
}

/// Records an online check of an applicant against the database: when, where, for which
/// procedure, and the outcome (`matched`, `mismatch`, `refused`, `unavailable`). Never the number
/// or the name.
pub fn record_check(
    tx: &mut dyn Tx,
    unit: &str,
    procedure_code: &str,
    outcome: &str,
    at: Instant,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO population_checks (at, unit, procedure_code, outcome) VALUES ($1, $2, $3, $4)",
        &[
            Value::Int(millis(at)),
            Value::from(unit),
            Value::from(procedure_code),
            Value::from(outcome),
        ],
    )?;
    Ok(())
}

/// The projection row of a dossier that used the population database (None: it did not).
pub fn row(id: i64, d: &Dossier) -> Option<Vec<Value>> {
    (!d.population_data.is_empty()).then(|| {
        vec![
            Value::Int(id),
            Value::from(&d.unit),
            Value::from(&d.procedure.code),
            Value::from(d.received_at.map(millis)),
        ]
    })
}

/// Inserts rows made by `row` (for `rebuild` and imports).
pub fn insert(tx: &mut dyn Tx, rows: Vec<Vec<Value>>) -> Result<(), StoreError> {
    crate::db::insert_many(
        tx,
        "INSERT INTO population_use (dossier_id, unit, procedure_code, received_at) VALUES ",
        rows,
        200,
    )
}

pub fn clear(tx: &mut dyn Tx) -> Result<(), StoreError> {
    tx.exec("DELETE FROM population_use", &[])?;
    Ok(())
}

/// After an event of dossier `id`: rewrites its row when the event is a population-data record.
pub fn on_event(tx: &mut dyn Tx, id: i64, d: &Dossier, e: &Event) -> Result<(), StoreError> {
    // Recorded online before reception, the row gets its reception time when the desk receives.
    let received = matches!(e, Event::Received { .. }) && !d.population_data.is_empty();
    if !matches!(e, Event::PopulationDataUsed { .. }) && !received {
        return Ok(());
    }
    tx.exec(
        "DELETE FROM population_use WHERE dossier_id = $1",
        &[Value::Int(id)],
    )?;
    insert(tx, row(id, d).into_iter().collect())
}

/// Decision 766 inputs: `population_dossiers` (dossiers received in the period whose applicant's
/// data came from the national database) and `procedures_population` (the procedures of those).
/// Counted from the projection tables: reports read the same figures from the counters
/// (`stats`, Decision 766 3.4-3.6 and 4.5); tests compare the two.
pub fn indicator_inputs(
    tx: &mut dyn Tx,
    units: &[String],
    procedures: Option<&[String]>,
    period: &Period,
) -> Result<BTreeMap<String, i64>, StoreError> {
    let mut out = BTreeMap::new();
    let empty = units.is_empty() || procedures.is_some_and(|p| p.is_empty());
    for (name, what) in [
        ("population_dossiers", "COUNT(*)"),
        ("procedures_population", "COUNT(DISTINCT procedure_code)"),
    ] {
        let mut n = 0;
        if !empty {
            let mut q = Sql::new(&format!(
                "SELECT {what} FROM population_use WHERE received_at >= "
            ));
            q.bind(millis(period.start()));
            q.push(" AND received_at < ");
            q.bind(millis(period.end()));
            q.push(" AND unit IN ");
            q.bind_list(units);
            if let Some(p) = procedures {
                q.push(" AND procedure_code IN ");
                q.bind_list(p);
            }
            n = tx
                .query_one(&q.text, &q.params)?
                .map(|r| r.i64(0))
                .transpose()?
                .unwrap_or(0);
        }
        out.insert(name.to_owned(), n);
    }
    Ok(out)
}
