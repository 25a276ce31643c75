//! The transactional outbox: what outside systems must hear about, written in the same transaction
//! as the events (`on_event`, from `dossiers::execute`), and the delivery worker's bookkeeping
//! (`claim`, `delivered`, `failed`), the administrator's counts and lists, retry and give-up.
//!
//! A row keeps no personal data: its payload names the event (kind, time, whether the outside
//! system already knows the dossier); the connector renders the message from the log when it
//! delivers (`motcua-connect`), so every attempt sends the same message under the same key.

use motcua_domain::dossier::{Dossier, Event, Recorded};
use motcua_domain::notify::NotifyChannel;
use serde::Serialize;

use crate::db::{Row, Sql, Tx, Value};
use crate::{StoreError, millis};

/// The national public-service portal (Cổng Dịch vụ công quốc gia).
pub const DVCQG: &str = "dvcqg";

/// Notifications to applicants by e-mail, SMS and Zalo (issue 15, item 3): one connector per
/// channel, named as the channel.
pub const EMAIL: &str = "email";
pub const SMS: &str = "sms";
pub const ZALO: &str = "zalo";

/// Connectors the outbox knows how to plan messages for.
pub const KNOWN: &[&str] = &[DVCQG, EMAIL, SMS, ZALO];

/// The portal's service that creates or updates a dossier.
pub const SYNC_DOSSIER: &str = "DongBoHoSoMC";
/// The portal's service that records one processing step.
pub const SYNC_PROGRESS: &str = "CapNhatTienDoHoSoMC";

/// The messages one event causes for one connector: `(part, message)`, in sending order.
/// `dossier` is the dossier right after the event (its applicant sealed or not: only the opt-in's
/// channel is read).
pub fn plan(connector: &str, event: &Event, dossier: &Dossier) -> Vec<(i64, &'static str)> {
    // A notification connector is named as its channel: the applicant opted in for it.
    if let Some(channel) = NotifyChannel::parse(connector) {
        return motcua_domain::notify::planned(channel, dossier, event)
            .map(|message| vec![(0, message)])
            .unwrap_or_default();
    }
    if connector != DVCQG {
        return Vec::new();
    }
    // Every change of the dossier's status (and of its due time) is synchronised; a step of the
    // control sheet starts at reception and at each hand-over and ends when the result is ready.
    let status = matches!(
        event,
        Event::Submitted { .. }
            | Event::Received { .. }
            | Event::SupplementRequested { .. }
            | Event::ReturnedUnsupplemented { .. }
            | Event::Supplemented { .. }
            | Event::Refused { .. }
            | Event::Paused { .. }
            | Event::Resumed { .. }
            | Event::Apologized { .. }
            | Event::ResultReady { .. }
            | Event::Returned { .. }
            | Event::Withdrawn { .. }
            | Event::Transferred { .. }
    );
    let step = matches!(
        event,
        Event::Received { .. } | Event::HandedOver { .. } | Event::ResultReady { .. }
    );
    let mut out = Vec::new();
    if status {
        out.push((0, SYNC_DOSSIER));
    }
    if step {
        out.push((1, SYNC_PROGRESS));
    }
    out
}

/// The connectors configured now (empty: the outbox writes nothing).
pub fn configured(tx: &mut dyn Tx) -> Result<Vec<String>, StoreError> {
    names(&tx.query(CONFIGURED, &[])?)
}

/// The query of [`configured`], for a caller that reads it with others ([`Tx::query_batch`]).
pub const CONFIGURED: &str = "SELECT name FROM outbox_connectors ORDER BY name";

/// The connectors' names from the rows of [`CONFIGURED`].
pub fn names(rows: &[crate::Row]) -> Result<Vec<String>, StoreError> {
    rows.iter().map(|r| r.string(0)).collect()
}

/// Sets the configured connectors to exactly `names` (at start, from the configuration). Messages
/// already queued for a connector taken out stay where they are.
pub fn configure(tx: &mut dyn Tx, names: &[&str], now: i64) -> Result<(), StoreError> {
    for n in names {
        if !KNOWN.contains(n) {
            return Err(StoreError::invalid(
                format!("kết nối không biết: {n}"),
                format!("unknown connector: {n}"),
            ));
        }
    }
    let current = configured(tx)?;
    for c in &current {
        if !names.contains(&c.as_str()) {
            tx.exec(
                "DELETE FROM outbox_connectors WHERE name = $1",
                &[Value::from(c.as_str())],
            )?;
        }
    }
    for n in names {
        if !current.iter().any(|c| c == n) {
            tx.exec(
                "INSERT INTO outbox_connectors (name, since) VALUES ($1, $2)",
                &[Value::from(*n), Value::Int(now)],
            )?;
        }
    }
    Ok(())
}

/// Called by `dossiers::execute` for each event it appends: one row per message per configured
/// connector (`connectors`, read once per transaction with [`CONFIGURED`]); with none configured
/// nothing is written.
pub fn on_event(
    tx: &mut dyn Tx,
    connectors: &[String],
    dossier_id: i64,
    event_hash: &str,
    rec: &Recorded,
    dossier: &Dossier,
) -> Result<(), StoreError> {
    for connector in connectors {
        for (part, message) in plan(connector, &rec.event, dossier) {
            let payload = serde_json::json!({
                "event": rec.event.kind(),
                "at": millis(rec.at),
                // The dossier's first event creates it outside; every later one updates it.
                "is_updating": rec.seq > 1,
            });
            let now = millis(rec.at);
            tx.exec_later(
                "INSERT INTO outbox (connector, dossier_id, seq, part, message, idempotency_key, \
                 payload, state, attempts, next_attempt_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $8)",
                &[
                    Value::from(connector.as_str()),
                    Value::Int(dossier_id),
                    Value::Int(rec.seq),
                    Value::Int(part),
                    Value::from(message),
                    // The event's hash names it uniquely and for ever; the part names the message.
                    Value::Text(format!("{connector}-{}-{part}", &event_hash[..32])),
                    Value::Text(payload.to_string()),
                    Value::Int(now),
                ],
            )?;
        }
    }
    Ok(())
}

/// One message of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Message {
    pub id: i64,
    pub connector: String,
    pub dossier_id: i64,
    pub seq: i64,
    pub part: i64,
    pub message: String,
    pub idempotency_key: String,
    /// `event`, `at` (milliseconds), `is_updating`: nothing personal.
    pub payload: String,
    /// pending, delivered, dead, given_up.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub delivered_at: Option<i64>,
    pub handled_by: Option<String>,
}

const COLUMNS: &str = "id, connector, dossier_id, seq, part, message, idempotency_key, payload, \
    state, attempts, next_attempt_at, last_error, created_at, updated_at, delivered_at, handled_by";

fn message(r: &Row) -> Result<Message, StoreError> {
    Ok(Message {
        id: r.i64(0)?,
        connector: r.string(1)?,
        dossier_id: r.i64(2)?,
        seq: r.i64(3)?,
        part: r.i64(4)?,
        message: r.string(5)?,
        idempotency_key: r.string(6)?,
        payload: r.string(7)?,
        state: r.string(8)?,
        attempts: r.i64(9)?,
        next_attempt_at: r.i64(10)?,
        last_error: r.opt_string(11)?,
        created_at: r.i64(12)?,
        updated_at: r.i64(13)?,
        delivered_at: r.opt_i64(14)?,
        handled_by: r.opt_string(15)?,
    })
}

/// Takes up to `limit` messages of `connector` that are due at `now` and first in line for their
/// dossier (nothing earlier of the same dossier pending or dead), counts the attempt and hides
/// them from other workers for `lease` milliseconds. Call in a write transaction, then send,
/// then record the outcome in another: a crash in between sends the same message again after
/// the lease, under the same idempotency key.
pub fn claim(
    tx: &mut dyn Tx,
    connector: &str,
    now: i64,
    lease: i64,
    limit: i64,
) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox o WHERE o.connector = $1 AND o.state = 'pending' \
         AND o.next_attempt_at <= $2 AND NOT EXISTS (SELECT 1 FROM outbox p \
         WHERE p.connector = o.connector AND p.dossier_id = o.dossier_id \
         AND p.state IN ('pending', 'dead') \
         AND (p.seq < o.seq OR (p.seq = o.seq AND p.part < o.part))) \
         ORDER BY o.next_attempt_at, o.id LIMIT $3{}",
        tx.for_update()
    );
    let mut out = tx
        .query(
            &sql,
            &[Value::from(connector), Value::Int(now), Value::Int(limit)],
        )?
        .iter()
        .map(message)
        .collect::<Result<Vec<_>, _>>()?;
    for m in &mut out {
        m.attempts += 1;
        m.next_attempt_at = now + lease;
        tx.exec(
            "UPDATE outbox SET attempts = $2, next_attempt_at = $3, updated_at = $4 WHERE id = $1",
            &[
                Value::Int(m.id),
                Value::Int(m.attempts),
                Value::Int(m.next_attempt_at),
                Value::Int(now),
            ],
        )?;
    }
    Ok(out)
}

/// The message reached its system.
pub fn delivered(tx: &mut dyn Tx, id: i64, now: i64) -> Result<(), StoreError> {
    let done = tx.query(
        "UPDATE outbox SET state = 'delivered', delivered_at = $2, updated_at = $2, \
         last_error = NULL WHERE id = $1 AND state = 'pending' \
         RETURNING dossier_id, connector, message",
        &[Value::Int(id), Value::Int(now)],
    )?;
    if let Some(r) = done.first()
        && r.str(1)? == DVCQG
        && r.str(2)? == SYNC_DOSSIER
    {
        count_synced(tx, id, r.i64(0)?)?;
    }
    Ok(())
}

/// Indicator 1.4's counter: a dossier whose first `DongBoHoSoMC` the portal has just acknowledged
/// counts once, under its month of reception, receiving unit and procedure.
fn count_synced(tx: &mut dyn Tx, outbox_id: i64, dossier_id: i64) -> Result<(), StoreError> {
    let first = tx.query_one(
        "SELECT d.received_at, d.unit, d.procedure_code FROM dossiers d \
         WHERE d.id = $1 AND d.received_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox o \
         WHERE o.dossier_id = d.id AND o.connector = $2 AND o.message = $3 \
         AND o.state = 'delivered' AND o.id <> $4)",
        &[
            Value::Int(dossier_id),
            Value::from(DVCQG),
            Value::from(SYNC_DOSSIER),
            Value::Int(outbox_id),
        ],
    )?;
    if let Some(r) = first {
        let month = motcua_domain::stats::month_of(crate::from_millis(r.i64(0)?)?);
        tx.exec(
            "INSERT INTO stats_synced (month, unit, procedure, dossiers) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (month, unit, procedure) DO UPDATE SET dossiers = stats_synced.dossiers + 1",
            &[Value::Int(month.into()), Value::from(r.str(1)?), Value::from(r.str(2)?)],
        )?;
    }
    Ok(())
}

/// Indicator 1.4's counters recounted from the deliveries and the dossiers (for `rebuild`, after
/// the dossiers' projection), under the same months as [`count_synced`] gives them.
pub fn recount_synced(tx: &mut dyn Tx) -> Result<(), StoreError> {
    tx.exec("DELETE FROM stats_synced", &[])?;
    let mut counts: std::collections::BTreeMap<(i32, String, String), i64> = Default::default();
    let mut after = 0;
    loop {
        let rows = tx.query(
            "SELECT d.id, d.received_at, d.unit, d.procedure_code FROM dossiers d \
             WHERE d.id > $1 AND d.received_at IS NOT NULL AND EXISTS (SELECT 1 FROM outbox o \
             WHERE o.dossier_id = d.id AND o.connector = $2 AND o.message = $3 \
             AND o.state = 'delivered') ORDER BY d.id LIMIT 5000",
            &[
                Value::Int(after),
                Value::from(DVCQG),
                Value::from(SYNC_DOSSIER),
            ],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            after = r.i64(0)?;
            let month = motcua_domain::stats::month_of(crate::from_millis(r.i64(1)?)?);
            *counts
                .entry((month, r.string(2)?, r.string(3)?))
                .or_default() += 1;
        }
    }
    crate::db::insert_many(
        tx,
        "INSERT INTO stats_synced (month, unit, procedure, dossiers) VALUES ",
        counts.into_iter().map(|((month, unit, procedure), n)| {
            [
                Value::Int(month.into()),
                Value::Text(unit),
                Value::Text(procedure),
                Value::Int(n),
            ]
        }),
        300,
    )
}

/// The attempt failed: try again at `retry_at`, or, when None, the message is dead (it waits for
/// the administrator, and the dossier's later messages wait behind it).
pub fn failed(
    tx: &mut dyn Tx,
    id: i64,
    now: i64,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), StoreError> {
    let error: String = error.chars().take(500).collect();
    match retry_at {
        Some(at) => tx.exec(
            "UPDATE outbox SET next_attempt_at = $2, last_error = $3, updated_at = $4 \
             WHERE id = $1 AND state = 'pending'",
            &[
                Value::Int(id),
                Value::Int(at),
                Value::Text(error),
                Value::Int(now),
            ],
        )?,
        None => tx.exec(
            "UPDATE outbox SET state = 'dead', last_error = $2, updated_at = $3 \
             WHERE id = $1 AND state = 'pending'",
            &[Value::Int(id), Value::Text(error), Value::Int(now)],
        )?,
    };
    Ok(())
}

/// Per connector, how many messages are in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Counts {
    pub connector: String,
    pub pending: i64,
    /// Failed N times: dead letters waiting for a retry or a give-up.
    pub failed: i64,
    pub delivered: i64,
    pub given_up: i64,
    /// Pending messages whose last attempt failed (being retried).
    pub retrying: i64,
}

pub fn counts(tx: &mut dyn Tx) -> Result<Vec<Counts>, StoreError> {
    let mut out: Vec<Counts> = configured(tx)?
        .into_iter()
        .map(|connector| Counts {
            connector,
            ..Counts::default()
        })
        .collect();
    let rows = tx.query(
        "SELECT connector, state, COUNT(*), \
         SUM(CASE WHEN last_error IS NULL THEN 0 ELSE 1 END) \
         FROM outbox GROUP BY connector, state ORDER BY connector",
        &[],
    )?;
    for r in rows {
        let connector = r.string(0)?;
        let i = match out.iter().position(|c| c.connector == connector) {
            Some(i) => i,
            None => {
                out.push(Counts {
                    connector,
                    ..Counts::default()
                });
                out.len() - 1
            }
        };
        let n = r.i64(2)?;
        let c = &mut out[i];
        match r.string(1)?.as_str() {
            "pending" => {
                c.pending = n;
                c.retrying = r.opt_i64(3)?.unwrap_or(0);
            }
            "dead" => c.failed = n,
            "delivered" => c.delivered = n,
            _ => c.given_up = n,
        }
    }
    Ok(out)
}

/// Messages in a state (newest first), for the administrator's page.
pub fn list(tx: &mut dyn Tx, state: &str, limit: i64) -> Result<Vec<Message>, StoreError> {
    tx.query(
        &format!("SELECT {COLUMNS} FROM outbox WHERE state = $1 ORDER BY id DESC LIMIT $2"),
        &[Value::from(state), Value::Int(limit)],
    )?
    .iter()
    .map(message)
    .collect()
}

/// Every message of one dossier, in sending order.
pub fn of_dossier(tx: &mut dyn Tx, dossier_id: i64) -> Result<Vec<Message>, StoreError> {
    tx.query(
        &format!(
            "SELECT {COLUMNS} FROM outbox WHERE dossier_id = $1 ORDER BY connector, seq, part"
        ),
        &[Value::Int(dossier_id)],
    )?
    .iter()
    .map(message)
    .collect()
}

pub fn get(tx: &mut dyn Tx, id: i64) -> Result<Option<Message>, StoreError> {
    tx.query_one(
        &format!("SELECT {COLUMNS} FROM outbox WHERE id = $1"),
        &[Value::Int(id)],
    )?
    .as_ref()
    .map(message)
    .transpose()
}

/// A dead message goes back in line, its attempts counted from zero. Refused for any other state.
pub fn retry(tx: &mut dyn Tx, id: i64, who: &str, now: i64) -> Result<(), StoreError> {
    let n = tx.exec(
        "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $2, updated_at = $2, \
         handled_by = $3 WHERE id = $1 AND state = 'dead'",
        &[Value::Int(id), Value::Int(now), Value::from(who)],
    )?;
    changed(n, id)
}

/// A dead (or pending) message is given up: never sent, and the dossier's later messages go on.
pub fn give_up(tx: &mut dyn Tx, id: i64, who: &str, now: i64) -> Result<(), StoreError> {
    let n = tx.exec(
        "UPDATE outbox SET state = 'given_up', updated_at = $2, handled_by = $3 \
         WHERE id = $1 AND state IN ('dead', 'pending')",
        &[Value::Int(id), Value::Int(now), Value::from(who)],
    )?;
    changed(n, id)
}

/// The system gives a message up at delivery: there is nothing to send any more (the applicant's
/// data was erased). `reason` names why, never with personal data.
pub fn abandon(tx: &mut dyn Tx, id: i64, now: i64, reason: &str) -> Result<(), StoreError> {
    let reason: String = reason.chars().take(500).collect();
    tx.exec(
        "UPDATE outbox SET state = 'given_up', last_error = $2, updated_at = $3 \
         WHERE id = $1 AND state = 'pending'",
        &[Value::Int(id), Value::Text(reason), Value::Int(now)],
    )?;
    Ok(())
}

fn changed(n: u64, id: i64) -> Result<(), StoreError> {
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::invalid(
            format!("tin nhắn {id} không ở trạng thái cho phép thao tác này"),
            format!("message {id} is not in a state that allows this"),
        ))
    }
}

/// The dossier a connector sent in under its own code, if any.
pub fn intake_find(
    tx: &mut dyn Tx,
    connector: &str,
    external_code: &str,
) -> Result<Option<i64>, StoreError> {
    tx.query_one(
        "SELECT dossier_id FROM portal_intake WHERE connector = $1 AND external_code = $2",
        &[Value::from(connector), Value::from(external_code)],
    )?
    .map(|r| r.i64(0))
    .transpose()
}

/// Records that `dossier_id` came in from `connector` under its code, in the submission's
/// transaction, and takes back what that submission queued for the same connector: the outside
/// system made the dossier, so it is not told of it as new.
pub fn intake_record(
    tx: &mut dyn Tx,
    connector: &str,
    external_code: &str,
    dossier_id: i64,
    at: i64,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO portal_intake (connector, external_code, dossier_id, received_at) \
         VALUES ($1, $2, $3, $4)",
        &[
            Value::from(connector),
            Value::from(external_code),
            Value::Int(dossier_id),
            Value::Int(at),
        ],
    )?;
    tx.exec(
        "DELETE FROM outbox WHERE connector = $1 AND dossier_id = $2 AND seq = 1 \
         AND state = 'pending'",
        &[Value::from(connector), Value::Int(dossier_id)],
    )?;
    Ok(())
}

/// The code an outside system gave the dossier, when it came from there.
pub fn external_code(
    tx: &mut dyn Tx,
    connector: &str,
    dossier_id: i64,
) -> Result<Option<String>, StoreError> {
    tx.query_one(
        "SELECT external_code FROM portal_intake WHERE connector = $1 AND dossier_id = $2",
        &[Value::from(connector), Value::Int(dossier_id)],
    )?
    .map(|r| r.string(0))
    .transpose()
}

/// Decision 766 indicator 1.4's numerator over a scope and period: `synced`, the dossiers received
/// in the period (at these units, of these procedures) whose `DongBoHoSoMC` the national portal
/// acknowledged (the outbox row delivered: the portal answered `error_code` 0), from the counters
/// `delivered` keeps.
pub fn indicator_inputs(
    tx: &mut dyn Tx,
    units: &[String],
    procedures: Option<&[String]>,
    period: &motcua_domain::stats::Period,
) -> Result<std::collections::BTreeMap<String, i64>, StoreError> {
    let mut n = 0;
    if !units.is_empty() && procedures.is_none_or(|p| !p.is_empty()) {
        let mut q = Sql::new(
            "SELECT CAST(COALESCE(SUM(dossiers), 0) AS BIGINT) FROM stats_synced WHERE month >= ",
        );
        q.bind(i64::from(period.from));
        q.push(" AND month <= ");
        q.bind(i64::from(period.to));
        q.push(" AND unit IN ");
        q.bind_list(units);
        if let Some(p) = procedures {
            q.push(" AND procedure IN ");
            q.bind_list(p);
        }
        n = tx
            .query_one(&q.text, &q.params)?
            .map(|r| r.i64(0))
            .transpose()?
            .unwrap_or(0);
    }
    Ok([("synced".to_owned(), n)].into_iter().collect())
}
