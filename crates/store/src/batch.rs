//! Writing many events in few statements, for imports and the load generator: each event's row
//! and hash computed exactly as the live path computes them (`event_row`), then inserted several
//! hundred to a statement, which saves a round trip per event on PostgreSQL.

use std::collections::HashMap;

use motcua_domain::dossier::Recorded;

use crate::db::{Sql, Tx, Value};
use crate::ledger::{self, EventFields, LedgerItem};
use crate::{StoreError, millis};

/// An event ready to insert: its dossier, seq and hash, and the values of its row in the order
/// `dossier_id, seq, at, actor, kind, payload, prev_hash, hash`.
pub struct EventRow {
    pub dossier_id: i64,
    pub seq: i64,
    pub hash: String,
    pub values: Vec<Value>,
}

/// The row of event `rec` of dossier `id`, chained to `prev_hash`, with its hash.
pub fn event_row(id: i64, rec: &Recorded, prev_hash: String) -> Result<EventRow, StoreError> {
    let actor = json(&rec.actor)?;
    let payload = json(&rec.event)?;
    let at = millis(rec.at);
    let hash = ledger::event_hash(&EventFields {
        dossier_id: id,
        seq: rec.seq,
        at,
        actor: &actor,
        kind: rec.event.kind(),
        payload: &payload,
        prev_hash: &prev_hash,
    });
    Ok(EventRow {
        dossier_id: id,
        seq: rec.seq,
        values: vec![
            Value::Int(id),
            Value::Int(rec.seq),
            Value::Int(at),
            Value::Text(actor),
            Value::from(rec.event.kind()),
            Value::Text(payload),
            Value::Text(prev_hash),
            Value::from(&hash),
        ],
        hash,
    })
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(e.to_string()))
}

/// Inserts events (see [`event_row`]) 500 to a statement, in the order given (so their ids grow in
/// that order); returns their ledger items in the same order.
pub fn insert_events(tx: &mut dyn Tx, rows: Vec<EventRow>) -> Result<Vec<LedgerItem>, StoreError> {
    let mut items = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<EventRow> = rows.by_ref().take(500).collect();
        let mut q = Sql::new(
            "INSERT INTO events (dossier_id, seq, at, actor, kind, payload, prev_hash, hash) VALUES ",
        );
        let mut keys = Vec::with_capacity(chunk.len());
        for (i, row) in chunk.into_iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            for (j, v) in row.values.into_iter().enumerate() {
                if j > 0 {
                    q.push(", ");
                }
                q.bind(v);
            }
            q.push(")");
            keys.push((row.dossier_id, row.seq, row.hash));
        }
        q.push(" RETURNING id, dossier_id, seq");
        // Matched by (dossier, seq): RETURNING promises no order.
        let ids: HashMap<(i64, i64), i64> = tx
            .query(&q.text, &q.params)?
            .iter()
            .map(|r| Ok(((r.i64(1)?, r.i64(2)?), r.i64(0)?)))
            .collect::<Result<_, StoreError>>()?;
        for (dossier_id, seq, hash) in keys {
            let event_id = *ids.get(&(dossier_id, seq)).ok_or_else(|| {
                StoreError::Db(format!("dossier {dossier_id}: event {seq} not inserted"))
            })?;
            items.push(LedgerItem {
                event_id,
                dossier_id,
                seq,
                hash,
            });
        }
    }
    Ok(items)
}
