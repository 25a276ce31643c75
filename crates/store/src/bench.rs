//! The raw-SQLite baseline of the lifecycle benchmark: the same rows a dossier lifecycle writes
//! through the store (each command's event, dossier row, public lookup row, counter row, ledger
//! entry and head, one transaction per command), written by a plain loop on a connection with the store's own
//! settings, with nothing else: no decision, no replay, no hashing, no JSON encoding.

use std::path::Path;
use std::time::Instant;

use rusqlite::params;

use crate::StoreError;

/// What one command of a lifecycle wrote, as text, taken from a real run through the store.
#[derive(Debug, Clone)]
pub struct Written {
    pub kind: String,
    pub actor: String,
    pub payload: String,
    pub state: String,
    /// The public lookup row's view and answer.
    pub view: String,
    pub answer: String,
}

/// Writes `lifecycles` lifecycles of `commands` into a fresh database at `path` (created with the
/// store's migrations); returns lifecycles per second.
pub fn raw_lifecycles(
    path: &Path,
    lifecycles: usize,
    commands: &[Written],
) -> Result<f64, StoreError> {
    let url = format!("sqlite:{}", path.display());
    drop(crate::Store::open(&url)?);
    let mut conn = crate::sqlite::open(path)?;
    let lookup_sql = crate::db::sqlite_placeholders(crate::lookup::SAVE);
    let hash = "0".repeat(64);
    let started = Instant::now();
    for n in 0..lifecycles as i64 {
        let id = n + 1;
        for (seq, c) in commands.iter().enumerate() {
            let seq = seq as i64 + 1;
            let at = 1_700_000_000_000 + n * 1000 + seq;
            let tx = conn.transaction()?;
            let (head, _): (i64, String) =
                tx.query_row("SELECT seq, hash FROM ledger_head WHERE id = 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            let event_id: i64 = tx.query_row(
                "INSERT INTO events (dossier_id, seq, at, actor, kind, payload, prev_hash, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                params![id, seq, at, c.actor, c.kind, c.payload, hash, hash],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO dossiers (id, code, version, status, channel, procedure_code, unit, current_unit, \
                 holder, applicant_name, phone_last4, submitted_at, received_at, due_at, appointment_at, \
                 finished_at, closed_at, result, updated_at, state) \
                 VALUES (?1, ?2, ?3, 'processing', 'desk', '1.000001', 'U', 'U', NULL, 'Nguyễn Văn A', '1234', \
                 NULL, ?4, ?4, ?4, NULL, NULL, NULL, ?4, ?5) \
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status, \
                 updated_at = excluded.updated_at, state = excluded.state",
                params![id, format!("U-{id}"), seq, at, c.state],
            )?;
            tx.execute(
                &lookup_sql,
                params![id, format!("U-{id}"), c.view, c.answer],
            )?;
            tx.execute(
                "INSERT INTO stats (month, unit, procedure, agency, received_desk) VALUES (202501, 'U', '1.000001', '', 1) \
                 ON CONFLICT (month, unit, procedure, agency) DO UPDATE SET received_desk = stats.received_desk + 1",
                [],
            )?;
            let items = format!(
                "[{{\"event_id\":{event_id},\"dossier_id\":{id},\"seq\":{seq},\"hash\":\"{hash}\"}}]"
            );
            tx.execute(
                "INSERT INTO ledger (seq, at, events, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![head + 1, at, items, hash, hash],
            )?;
            tx.execute(
                "UPDATE ledger_head SET seq = ?1, hash = ?2 WHERE id = 1",
                params![head + 1, hash],
            )?;
            tx.commit()?;
        }
    }
    Ok(lifecycles as f64 / started.elapsed().as_secs_f64())
}

/// The raw-PostgreSQL baseline: the same rows as [`raw_lifecycles`] (each command's event, dossier
/// row, public lookup row, counter row, ledger entry and head, one transaction per command, the ledger head locked
/// first as the store does), written by a plain loop of prepared statements on one connection to
/// the fresh database at `url` (created with the store's migrations); returns lifecycles per second.
pub fn raw_lifecycles_pg(
    url: &str,
    lifecycles: usize,
    commands: &[Written],
) -> Result<f64, StoreError> {
    drop(crate::Store::open(url)?);
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    let head_q = client.prepare("SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE")?;
    let event_q = client.prepare(
        "INSERT INTO events (dossier_id, seq, at, actor, kind, payload, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )?;
    let dossier_q = client.prepare(
        "INSERT INTO dossiers (id, code, version, status, channel, procedure_code, unit, current_unit, \
         holder, applicant_name, phone_last4, submitted_at, received_at, due_at, appointment_at, \
         finished_at, closed_at, result, updated_at, state) \
         VALUES ($1, $2, $3, 'processing', 'desk', '1.000001', 'U', 'U', NULL, 'Nguyễn Văn A', '1234', \
         NULL, $4, $4, $4, NULL, NULL, NULL, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status, \
         updated_at = excluded.updated_at, state = excluded.state",
    )?;
    let lookup_q = client.prepare(crate::lookup::SAVE)?;
    let stats_q = client.prepare(
        "INSERT INTO stats (month, unit, procedure, agency, received_desk) VALUES (202501, 'U', '1.000001', '', 1) \
         ON CONFLICT (month, unit, procedure, agency) DO UPDATE SET received_desk = stats.received_desk + 1",
    )?;
    let ledger_q = client.prepare(
        "INSERT INTO ledger (seq, at, events, prev_hash, hash) VALUES ($1, $2, $3, $4, $5)",
    )?;
    let head_u = client.prepare("UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1")?;
    let hash = "0".repeat(64);
    let started = Instant::now();
    for n in 0..lifecycles as i64 {
        let id = n + 1;
        for (seq, c) in commands.iter().enumerate() {
            let seq = seq as i64 + 1;
            let at = 1_700_000_000_000 + n * 1000 + seq;
            let mut tx = client.transaction()?;
            let row = tx.query_one(&head_q, &[])?;
            let head: i64 = row.try_get(0)?;
            let event_id: i64 = tx
                .query_one(
                    &event_q,
                    &[&id, &seq, &at, &c.actor, &c.kind, &c.payload, &hash, &hash],
                )?
                .try_get(0)?;
            tx.execute(&dossier_q, &[&id, &format!("U-{id}"), &seq, &at, &c.state])?;
            tx.execute(&lookup_q, &[&id, &format!("U-{id}"), &c.view, &c.answer])?;
            tx.execute(&stats_q, &[])?;
            let items = format!(
                "[{{\"event_id\":{event_id},\"dossier_id\":{id},\"seq\":{seq},\"hash\":\"{hash}\"}}]"
            );
            tx.execute(&ledger_q, &[&(head + 1), &at, &items, &hash, &hash])?;
            tx.execute(&head_u, &[&(head + 1), &hash])?;
            tx.commit()?;
        }
    }
    Ok(lifecycles as f64 / started.elapsed().as_secs_f64())
}

/// The URL of database `name` on the PostgreSQL server of `url` (same user, host and options).
pub fn pg_url_with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{authority}/{name}{query}")
}

/// Creates an empty scratch database `name` on the server of `url` (dropping one left by an
/// earlier run); returns its URL.
pub fn create_pg_database(url: &str, name: &str) -> Result<String, StoreError> {
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))?;
    client.batch_execute(&format!("CREATE DATABASE {name}"))?;
    Ok(pg_url_with_database(url, name))
}

/// Drops a scratch database made by [`create_pg_database`].
pub fn drop_pg_database(url: &str, name: &str) -> Result<(), StoreError> {
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    Ok(())
}

/// The size of the database on disk, in bytes: the SQLite file (with its WAL) or PostgreSQL's
/// `pg_database_size`.
pub fn database_bytes(tx: &mut dyn crate::Tx) -> Result<i64, StoreError> {
    match tx.dialect() {
        crate::Dialect::Sqlite => Ok(tx
            .query_one(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                &[],
            )?
            .map(|r| r.i64(0))
            .transpose()?
            .unwrap_or(0)),
        crate::Dialect::Postgres => Ok(tx
            .query_one("SELECT pg_database_size(current_database())", &[])?
            .map(|r| r.i64(0))
            .transpose()?
            .unwrap_or(0)),
    }
}

/// What the store wrote for dossier `id`, command by command: the event's kind, actor and payload
/// as stored, and the projection's state and public lookup row after it.
pub fn written(tx: &mut dyn crate::Tx, id: i64) -> Result<Vec<Written>, StoreError> {
    use motcua_domain::dossier::Dossier;
    let history = crate::dossiers::history(tx, id)?;
    let rows = tx.query(
        "SELECT kind, actor, payload FROM events WHERE dossier_id = $1 ORDER BY seq",
        &[crate::Value::Int(id)],
    )?;
    let mut out = vec![];
    let mut state: Option<Dossier> = None;
    for (rec, row) in history.iter().zip(rows.iter()) {
        match &mut state {
            None => state = Some(Dossier::start(rec)?),
            Some(d) => d.apply(rec),
        }
        let Some(d) = &state else { continue };
        let text = |v: crate::Value| match v {
            crate::Value::Text(t) => t,
            _ => String::new(),
        };
        let [_, _, view, answer] = crate::lookup::row_of(id, d)?;
        out.push(Written {
            kind: row.string(0)?,
            actor: row.string(1)?,
            payload: row.string(2)?,
            state: serde_json::to_string(&state).map_err(|e| StoreError::Db(e.to_string()))?,
            view: text(view),
            answer: text(answer),
        });
    }
    Ok(out)
}

/// How many dossiers there are.
pub fn dossier_count(tx: &mut dyn crate::Tx) -> Result<i64, StoreError> {
    Ok(tx
        .query_one("SELECT COUNT(*) FROM dossiers", &[])?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

/// Up to `limit` (code, lookup secret) pairs spread over the dossiers, for lookups (the secrets of
/// dossiers seeded without one are given now; needs a write transaction).
pub fn lookup_sample(
    tx: &mut dyn crate::Tx,
    limit: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = tx.query(
        "SELECT id, code FROM dossiers WHERE code IS NOT NULL AND id % 97 = 0 ORDER BY id LIMIT $1",
        &[crate::Value::Int(limit)],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let access = crate::public_access::ensure(tx, r.i64(0)?)?;
        out.push((r.string(1)?, access.secret));
    }
    Ok(out)
}

/// How many detailed counter rows a period's months hold.
pub fn counter_rows(
    tx: &mut dyn crate::Tx,
    period: &motcua_domain::stats::Period,
) -> Result<i64, StoreError> {
    Ok(tx
        .query_one(
            "SELECT COUNT(*) FROM stats WHERE month >= $1 AND month <= $2",
            &[
                crate::Value::Int(i64::from(period.from)),
                crate::Value::Int(i64::from(period.to)),
            ],
        )?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn scratch_database_urls_keep_the_server_and_options() {
        assert_eq!(
            super::pg_url_with_database("postgres://u@127.0.0.1:5432/prod?sslmode=disable", "x"),
            "postgres://u@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(
            super::pg_url_with_database("postgresql://u:p@h", "x"),
            "postgresql://u:p@h/x"
        );
    }
}
