//! Tables out and in, for backups and moves between backends: every table that holds a fact is
//! read in one snapshot, row by row, as portable values (integers, text, null); a restore writes
//! them with the same ids into an empty database of either backend, rebuilds the projections
//! (dossiers, code counters, statistics) from the event log, and raises the id sequences.
//! Sessions are not carried over (everyone signs in again on the new server).

use crate::db::{Dialect, Row, Tx, Value};
use crate::{StoreError, dossiers, ledger};

/// A table in a backup, and how its rows are ordered (so a restore meets parents before children).
pub struct Table {
    pub name: &'static str,
    pub order_by: &'static str,
    /// An integer key to page by (large tables), else read at once.
    pub page_key: Option<&'static str>,
    /// Has an identity id whose sequence PostgreSQL must raise after a restore.
    pub identity: bool,
}

const fn t(
    name: &'static str,
    order_by: &'static str,
    page_key: Option<&'static str>,
    identity: bool,
) -> Table {
    Table {
        name,
        order_by,
        page_key,
        identity,
    }
}

/// Every table a backup carries, in restore order.
pub const TABLES: &[Table] = &[
    t("units", "code", None, false),
    t("staff", "id", Some("id"), true),
    t("grants", "staff_id, role, unit", None, false),
    t("desks", "id", None, true),
    t("desk_members", "desk_id, staff_id", None, false),
    t("settings", "key", None, false),
    t("org_changes", "id", Some("id"), true),
    t("announcements", "id", None, true),
    t("procedure_versions", "code, version", None, false),
    t("postings", "id", Some("id"), true),
    t("procedure_forms", "id", None, true),
    t("calendar_imports", "id", None, true),
    t("search_synonym_lists", "id", None, true),
    t("local_settings", "id", None, true),
    t("walk_ins", "id", Some("id"), true),
    t("feedback_events", "id", Some("id"), true),
    t(
        "feedback_contacts",
        "feedback_id",
        Some("feedback_id"),
        false,
    ),
    t("feedback_access", "feedback_id", Some("feedback_id"), false),
    t("feedback_contact_views", "id", Some("id"), true),
    t("events", "id", Some("id"), true),
    t("public_access", "dossier_id", Some("dossier_id"), false),
    t("vault_master", "id", None, false),
    t("vault_subjects", "dossier_id", Some("dossier_id"), false),
    t("vault_walk_ins", "walk_in_id", Some("walk_in_id"), false),
    t("ledger", "seq", Some("seq"), false),
    t("ledger_head", "id", None, false),
    t("personal_data_views", "id", Some("id"), true),
    t("idempotency_keys", "actor, key", None, false),
    t("payment_requests", "reference", None, false),
    t("population_lookups", "id", Some("id"), true),
    t("population_checks", "id", Some("id"), true),
    t("inspections", "id", None, true),
    t("outbox_connectors", "name", None, false),
    t("outbox", "id", Some("id"), true),
    t("portal_intake", "dossier_id", Some("dossier_id"), false),
    t(
        "inspection_revisions",
        "inspection_id, version",
        None,
        false,
    ),
];

/// Tables a backup leaves out on purpose: projections rebuilt from the log, live sessions, and
/// the schema's own bookkeeping.
pub const LEFT_OUT: &[&str] = &[
    "dossiers",
    "vault_terms",
    "paper_store",
    "dossier_fees",
    "payments",
    "population_use",
    "code_counters",
    "stats",
    "stats_units",
    "stats_procedures",
    "stats_cross",
    "stats_synced",
    "feedback",
    "public_lookup",
    "sessions",
    "schema_migrations",
];

const PAGE: i64 = 5_000;

/// The tables in this database.
pub fn table_names(tx: &mut dyn Tx) -> Result<Vec<String>, StoreError> {
    let sql = match tx.dialect() {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Dialect::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        }
    };
    tx.query(sql, &[])?.iter().map(|r| r.string(0)).collect()
}

/// The columns of a table, in their order.
pub fn columns(tx: &mut dyn Tx, table: &str) -> Result<Vec<String>, StoreError> {
    let rows = match tx.dialect() {
        Dialect::Sqlite => tx.query(
            "SELECT name FROM pragma_table_info($1) ORDER BY cid",
            &[Value::from(table)],
        )?,
        Dialect::Postgres => tx.query(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            &[Value::from(table)],
        )?,
    };
    rows.iter().map(|r| r.string(0)).collect()
}

/// Refuses a database with a table this program does not know how to carry (a newer schema, or a
/// table added without thinking of backups).
pub fn check_tables(tx: &mut dyn Tx) -> Result<(), StoreError> {
    for name in table_names(tx)? {
        if !TABLES.iter().any(|t| t.name == name) && !LEFT_OUT.contains(&name.as_str()) {
            return Err(StoreError::invalid(
                format!("bảng '{name}' không nằm trong danh sách sao lưu"),
                format!("table '{name}' is not in the backup's list"),
            ));
        }
    }
    Ok(())
}

/// Makes a read transaction a snapshot (PostgreSQL reads at READ COMMITTED otherwise; SQLite's
/// read transactions are snapshots already). Must come first in the transaction.
pub fn snapshot(tx: &mut dyn Tx) -> Result<(), StoreError> {
    if tx.dialect() == Dialect::Postgres {
        tx.batch("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")?;
    }
    Ok(())
}

/// What a backup's manifest says of its source: the ledger head (0 and "" before the first entry),
/// the number of dossiers and events, the schema version.
pub struct SourceFacts {
    pub ledger_seq: i64,
    pub ledger_hash: String,
    pub dossiers: i64,
    pub events: i64,
    pub schema_version: i64,
}

pub fn source_facts(tx: &mut dyn Tx) -> Result<SourceFacts, StoreError> {
    let (ledger_seq, ledger_hash) = tx
        .query_one("SELECT seq, hash FROM ledger_head WHERE id = 1", &[])?
        .map(|r| Ok::<_, StoreError>((r.i64(0)?, r.string(1)?)))
        .transpose()?
        .filter(|(seq, _)| *seq > 0)
        .unwrap_or((0, String::new()));
    let mut count = |sql: &str| -> Result<i64, StoreError> {
        Ok(tx
            .query_one(sql, &[])?
            .map(|r| r.i64(0))
            .transpose()?
            .unwrap_or(0))
    };
    Ok(SourceFacts {
        ledger_seq,
        ledger_hash,
        dossiers: count("SELECT COUNT(*) FROM dossiers")?,
        events: count("SELECT COUNT(*) FROM events")?,
        schema_version: count("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")?,
    })
}

/// Reads every row of `table` (columns `cols`) in order, handing each to `sink`.
pub fn dump(
    tx: &mut dyn Tx,
    table: &Table,
    cols: &[String],
    sink: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    let list = cols.join(", ");
    let mut n = 0;
    match table.page_key {
        None => {
            for r in tx.query(
                &format!(
                    "SELECT {list} FROM {} ORDER BY {}",
                    table.name, table.order_by
                ),
                &[],
            )? {
                sink(&r)?;
                n += 1;
            }
        }
        Some(key) => {
            let at = cols
                .iter()
                .position(|c| c == key)
                .ok_or_else(|| StoreError::Db(format!("{}: no column {key}", table.name)))?;
            let mut after = i64::MIN;
            loop {
                let rows = tx.query(
                    &format!(
                        "SELECT {list} FROM {} WHERE {key} > $1 ORDER BY {key} LIMIT {PAGE}",
                        table.name
                    ),
                    &[Value::Int(after)],
                )?;
                let Some(last) = rows.last() else { break };
                after = last.i64(at)?;
                for r in &rows {
                    sink(r)?;
                    n += 1;
                }
            }
        }
    }
    Ok(n)
}

/// A row as JSON: an array of integers, numbers, strings and nulls.
pub fn row_to_json(r: &Row) -> serde_json::Value {
    serde_json::Value::Array(
        r.0.iter()
            .map(|v| match v {
                Value::Null => serde_json::Value::Null,
                Value::Int(i) => (*i).into(),
                Value::Real(f) => serde_json::Number::from_f64(*f)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number),
                Value::Text(s) => s.clone().into(),
                Value::Blob(b) => serde_json::json!({ "hex": hex::encode(b) }),
            })
            .collect(),
    )
}

/// Writes a row as a JSON array (what `row_to_json` gives, without building it first).
pub fn write_row(out: &mut Vec<u8>, r: &Row) -> Result<(), StoreError> {
    use std::io::Write;
    out.push(b'[');
    for (i, v) in r.0.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match v {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Int(n) => write!(out, "{n}").map_err(|e| StoreError::Db(e.to_string()))?,
            Value::Text(s) => {
                serde_json::to_writer(&mut *out, s).map_err(|e| StoreError::Db(e.to_string()))?
            }
            other => serde_json::to_writer(&mut *out, &row_to_json(&Row(vec![other.clone()]))[0])
                .map_err(|e| StoreError::Db(e.to_string()))?,
        }
    }
    out.push(b']');
    Ok(())
}

/// A row back from JSON.
pub fn row_from_json(v: &serde_json::Value) -> Result<Vec<Value>, StoreError> {
    let bad = || StoreError::invalid("dòng dữ liệu hỏng", "a damaged data line");
    v.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|x| {
            Ok(match x {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => Value::Int(i),
                    None => Value::Real(n.as_f64().ok_or_else(bad)?),
                },
                serde_json::Value::String(s) => Value::Text(s.clone()),
                serde_json::Value::Object(o) => Value::Blob(
                    o.get("hex")
                        .and_then(|h| h.as_str())
                        .and_then(|h| hex::decode(h).ok())
                        .ok_or_else(bad)?,
                ),
                _ => return Err(bad()),
            })
        })
        .collect()
}

/// True when none of the tables a restore writes holds a row (and the ledger is at its start).
pub fn target_is_empty(tx: &mut dyn Tx) -> Result<bool, StoreError> {
    for t in TABLES {
        let sql = if t.name == "ledger_head" {
            "SELECT COUNT(*) FROM ledger_head WHERE seq <> 0".to_owned()
        } else if t.name == "vault_master" {
            // Made by the migration with a fresh key; a restore replaces it.
            continue;
        } else {
            format!("SELECT COUNT(*) FROM {}", t.name)
        };
        let n = tx
            .query_one(&sql, &[])?
            .map(|r| r.i64(0))
            .transpose()?
            .unwrap_or(0);
        if n > 0 {
            return Ok(false);
        }
    }
    for t in ["dossiers", "sessions"] {
        let n = tx
            .query_one(&format!("SELECT COUNT(*) FROM {t}"), &[])?
            .map(|r| r.i64(0))
            .transpose()?
            .unwrap_or(0);
        if n > 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Writes rows of `table` (in `cols`, which must be columns of the target) in batches.
pub struct Loader {
    table: &'static str,
    cols: Vec<String>,
    pending: Vec<Vec<Value>>,
    per_statement: usize,
    pub rows: u64,
}

impl Loader {
    pub fn new(tx: &mut dyn Tx, table: &Table, cols: Vec<String>) -> Result<Loader, StoreError> {
        let have = columns(tx, table.name)?;
        for c in &cols {
            if !have.contains(c) {
                return Err(StoreError::invalid(
                    format!(
                        "bảng {} của cơ sở dữ liệu đích không có cột {c}",
                        table.name
                    ),
                    format!("the target's table {} has no column {c}", table.name),
                ));
            }
        }
        let per_statement = (30_000 / cols.len().max(1)).clamp(1, 500);
        Ok(Loader {
            table: table.name,
            cols,
            pending: vec![],
            per_statement,
            rows: 0,
        })
    }

    pub fn push(&mut self, tx: &mut dyn Tx, row: Vec<Value>) -> Result<(), StoreError> {
        if row.len() != self.cols.len() {
            return Err(StoreError::invalid(
                format!(
                    "bảng {}: dòng có {} giá trị, cần {}",
                    self.table,
                    row.len(),
                    self.cols.len()
                ),
                format!(
                    "table {}: a row has {} values, expected {}",
                    self.table,
                    row.len(),
                    self.cols.len()
                ),
            ));
        }
        self.pending.push(row);
        if self.pending.len() >= self.per_statement {
            self.flush(tx)?;
        }
        Ok(())
    }

    pub fn flush(&mut self, tx: &mut dyn Tx) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        if matches!(self.table, "ledger_head" | "vault_master") {
            // The migration made the one row; a restore sets it.
            for row in self.pending.drain(..) {
                let sets: Vec<String> = self
                    .cols
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{c} = ${}", i + 1))
                    .collect();
                tx.exec(
                    &format!("UPDATE {} SET {}", self.table, sets.join(", ")),
                    &row,
                )?;
                self.rows += 1;
            }
            return Ok(());
        }
        let width = self.cols.len();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.table,
            self.cols.join(", ")
        );
        let mut params = Vec::with_capacity(self.pending.len() * width);
        for (i, row) in self.pending.drain(..).enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for j in 0..width {
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", params.len() + j + 1));
            }
            sql.push(')');
            params.extend(row);
            self.rows += 1;
        }
        tx.exec(&sql, &params)?;
        Ok(())
    }
}

/// Orders unit rows so that every unit comes after its parent (`code` and `parent` at the given
/// positions).
pub fn parents_first(rows: &mut [Vec<Value>], code: usize, parent: usize) {
    let text = |v: &Value| match v {
        Value::Text(s) => Some(s.clone()),
        _ => None,
    };
    let parents: std::collections::HashMap<String, Option<String>> = rows
        .iter()
        .filter_map(|r| Some((text(&r[code])?, text(&r[parent]))))
        .collect();
    let depth = |c: &Option<String>| {
        let mut d = 0;
        let mut next = c.clone().and_then(|c| parents.get(&c).cloned().flatten());
        while let Some(p) = next {
            d += 1;
            if d > 64 {
                break;
            }
            next = parents.get(&p).cloned().flatten();
        }
        d
    };
    rows.sort_by_cached_key(|r| depth(&text(&r[code])));
}

/// After the tables are in: the projections and counters rebuilt from the log, the id sequences
/// raised (PostgreSQL), and the record verified. Returns the verification report.
pub fn finish(tx: &mut dyn Tx) -> Result<ledger::Report, StoreError> {
    rebuild(tx)?;
    ledger::verify(tx, &[])
}

/// The projections and counters rebuilt from the log, and (PostgreSQL) the id sequences raised.
pub fn rebuild(tx: &mut dyn Tx) -> Result<(), StoreError> {
    dossiers::rebuild(tx)?;
    crate::feedback::rebuild(tx)?;
    if tx.dialect() == Dialect::Postgres {
        for t in TABLES
            .iter()
            .filter(|t| t.identity)
            .map(|t| t.name)
            .chain(["dossiers"])
        {
            tx.query(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
                ),
                &[],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_written_directly_read_back_as_the_same_values() {
        let row = Row(vec![
            Value::Int(-42),
            Value::Null,
            Value::Text("Phường \"Buôn Hồ\"\n\u{1}".into()),
            Value::Real(1.5),
            Value::Blob(vec![0, 255]),
        ]);
        let mut out = vec![];
        write_row(&mut out, &row).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v, row_to_json(&row));
        assert_eq!(row_from_json(&v).unwrap(), row.0);
    }
}
