//! Walk-in outcomes at the counter (forms 02 and 03 without a dossier): an append-only log, each row
//! hashed with the previous one, written under the ledger head lock, counted in the statistics in
//! the same transaction, and checked by `ledger::verify`.

use motcua_domain::dossier::{Actor, Instant};
use motcua_domain::stats::Counts;
use motcua_domain::walk_in::WalkIn;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{Sql, Tx, Value};
use crate::ledger::GENESIS;
use crate::{StoreError, from_millis, millis};

/// The hash of one walk-in row: its fields and the previous row's hash.
pub fn walk_in_hash(
    unit: &str,
    procedure: &str,
    kind: &str,
    at: i64,
    actor: &str,
    payload: &str,
    prev: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"motcua-walk-in-v1\n");
    for part in [unit, procedure, kind, &at.to_string(), actor, payload, prev] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Records a walk-in outcome (already checked by `WalkIn::new`, or historical data from an import)
/// and adds it to the counters; returns its id.
pub fn record(tx: &mut dyn Tx, w: &WalkIn, actor: &Actor) -> Result<i64, StoreError> {
    crate::ledger::lock_head(tx)?;
    let prev = tx
        .query_one("SELECT hash FROM walk_ins ORDER BY id DESC LIMIT 1", &[])?
        .map(|r| r.string(0))
        .transpose()?
        .unwrap_or_else(|| GENESIS.to_owned());
    let payload = to_json(w)?;
    let actor = to_json(actor)?;
    let at = millis(w.at);
    let hash = walk_in_hash(
        &w.unit,
        &w.procedure_code,
        w.kind.as_str(),
        at,
        &actor,
        &payload,
        &prev,
    );
    let id = tx
        .query_one(
            "INSERT INTO walk_ins (unit, procedure, kind, at, actor, payload, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                Value::from(w.unit.as_str()),
                Value::from(w.procedure_code.as_str()),
                Value::from(w.kind.as_str()),
                Value::Int(at),
                Value::Text(actor),
                Value::Text(payload),
                Value::Text(prev),
                Value::Text(hash),
            ],
        )?
        .ok_or_else(|| StoreError::Db("walk_ins insert".into()))?
        .i64(0)?;
    let (key, metric) = w.contribution();
    let mut c = Counts::default();
    c.add(metric, 1);
    crate::stats::add(tx, &[(key, c)])?;
    Ok(id)
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(e.to_string()))
}

/// A recorded walk-in outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub id: i64,
    pub actor: Actor,
    pub walk_in: WalkIn,
}

/// Walk-in outcomes of some units between two instants (`[from, to)`), oldest first.
pub fn list(
    tx: &mut dyn Tx,
    units: &[String],
    from: Instant,
    to: Instant,
) -> Result<Vec<Recorded>, StoreError> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let mut q = Sql::new("SELECT id, actor, payload FROM walk_ins WHERE unit IN ");
    q.bind_list(units)
        .push(" AND at >= ")
        .bind(millis(from))
        .push(" AND at < ")
        .bind(millis(to))
        .push(" ORDER BY at, id");
    tx.query(&q.text, &q.params)?
        .iter()
        .map(|r| {
            Ok(Recorded {
                id: r.i64(0)?,
                actor: r.json(1)?,
                walk_in: r.json(2)?,
            })
        })
        .collect()
}

/// One walk-in by id.
pub fn get(tx: &mut dyn Tx, id: i64) -> Result<Recorded, StoreError> {
    let r = tx
        .query_one(
            "SELECT id, actor, payload FROM walk_ins WHERE id = $1",
            &[Value::Int(id)],
        )?
        .ok_or_else(|| {
            StoreError::not_found(format!("lượt tiếp dân {id}"), format!("walk-in {id}"))
        })?;
    Ok(Recorded {
        id: r.i64(0)?,
        actor: r.json(1)?,
        walk_in: r.json(2)?,
    })
}

/// Every walk-in's contribution to the counters (for `dossiers::rebuild`).
pub fn contributions(
    tx: &mut dyn Tx,
) -> Result<Vec<(motcua_domain::stats::Key, motcua_domain::stats::Metric)>, StoreError> {
    let mut out = vec![];
    let mut after = 0;
    loop {
        let rows = tx.query(
            "SELECT id, payload FROM walk_ins WHERE id > $1 ORDER BY id LIMIT 5000",
            &[Value::Int(after)],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            after = r.i64(0)?;
            let w: WalkIn = r.json(1)?;
            out.push(w.contribution());
        }
    }
    Ok(out)
}

/// Ids of walk-in rows whose hash or chain does not hold (edited, deleted before a later row,
/// inserted, reordered).
pub fn verify(tx: &mut dyn Tx) -> Result<Vec<i64>, StoreError> {
    let mut bad = vec![];
    let mut prev = GENESIS.to_owned();
    let mut after = 0;
    loop {
        let rows = tx.query(
            "SELECT id, unit, procedure, kind, at, actor, payload, prev_hash, hash FROM walk_ins \
             WHERE id > $1 ORDER BY id LIMIT 5000",
            &[Value::Int(after)],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let id = r.i64(0)?;
            after = id;
            let expected = walk_in_hash(
                r.str(1)?,
                r.str(2)?,
                r.str(3)?,
                r.i64(4)?,
                r.str(5)?,
                r.str(6)?,
                r.str(7)?,
            );
            let at_ok = from_millis(r.i64(4)?).is_ok();
            if r.str(7)? != prev || r.str(8)? != expected || !at_ok {
                bad.push(id);
            }
            prev = r.string(8)?;
        }
    }
    Ok(bad)
}
