//! Idempotency keys for POSTs that create things: a retried request gets the first response back;
//! the same key with a different body is refused.

use crate::db::{Tx, Value};
use crate::{StoreError, millis};

pub enum Seen {
    New,
    Replay { status: u16, body: String },
    Mismatch,
}

pub fn check(
    tx: &mut dyn Tx,
    actor: &str,
    key: &str,
    request_hash: &str,
) -> Result<Seen, StoreError> {
    let row = tx.query_one(
        "SELECT request_hash, status, body FROM idempotency_keys WHERE actor = $1 AND key = $2",
        &[Value::from(actor), Value::from(key)],
    )?;
    Ok(match row {
        None => Seen::New,
        Some(r) if r.str(0)? == request_hash => Seen::Replay {
            status: u16::try_from(r.i64(1)?).unwrap_or(200),
            body: r.string(2)?,
        },
        Some(_) => Seen::Mismatch,
    })
}

pub fn remember(
    tx: &mut dyn Tx,
    actor: &str,
    key: &str,
    request_hash: &str,
    status: u16,
    body: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO idempotency_keys (actor, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Value::from(actor),
            Value::from(key),
            Value::from(request_hash),
            Value::Int(status.into()),
            Value::from(body),
            Value::Int(millis(now)),
        ],
    )?;
    Ok(())
}
