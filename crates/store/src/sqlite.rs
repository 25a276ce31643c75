//! The SQLite driver: the embedded default. One writer connection (write transactions are
//! `BEGIN IMMEDIATE`, so writers queue instead of failing) and a small pool of readers, in WAL mode.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::StoreError;
use crate::db::{Dialect, Row, Tx, Value, sqlite_placeholders};

pub struct SqliteDb {
    path: PathBuf,
    writer: Mutex<Connection>,
    /// Idle reader connections, and how many exist in all.
    readers: Mutex<(Vec<Connection>, usize)>,
    returned: Condvar,
}

/// Readers at most: enough to keep two cores busy, few enough that their page caches stay small.
const READERS: usize = 8;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, msg) = &e
            && f.code == rusqlite::ErrorCode::ConstraintViolation
        {
            return StoreError::Constraint(msg.clone().unwrap_or_else(|| e.to_string()));
        }
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            use rusqlite::ErrorCode as C;
            let problem = match f.code {
                C::DiskFull => Some(crate::Storage::Full),
                C::ReadOnly => Some(crate::Storage::ReadOnly),
                C::DatabaseBusy | C::DatabaseLocked => Some(crate::Storage::Busy),
                _ => None,
            };
            if let Some(p) = problem {
                return StoreError::unavailable(p, e.to_string());
            }
        }
        StoreError::Db(e.to_string())
    }
}

/// How hard SQLite pushes each commit to the disk: FULL (the default) makes every acknowledged
/// write, a receipt's code among them, survive a power cut; NORMAL (`MOTCUA_SQLITE_SYNCHRONOUS=normal`)
/// is faster and survives a crash of the program but may lose the last commits on power loss.
pub fn synchronous() -> &'static str {
    match std::env::var("MOTCUA_SQLITE_SYNCHRONOUS")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "normal" => "NORMAL",
        _ => "FULL",
    }
}

pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // A command runs some twenty distinct statements; rusqlite's default cache of 16 would
    // parse most of them again on every command.
    conn.set_prepared_statement_cache_capacity(256);
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = {};
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -65536;
         PRAGMA temp_store = MEMORY;",
        synchronous()
    ))?;
    Ok(conn)
}

impl SqliteDb {
    pub fn open(path: &Path) -> Result<SqliteDb, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Db(format!("cannot create {}: {e}", dir.display())))?;
        }
        Ok(SqliteDb {
            writer: Mutex::new(open(path)?),
            readers: Mutex::new((Vec::new(), 0)),
            returned: Condvar::new(),
            path: path.to_owned(),
        })
    }

    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut t = SqliteTx { tx: &tx };
        let out = f(&mut t)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn read<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // Take an idle reader, open one if fewer than READERS exist, else wait for one.
        let taken = {
            let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if let Some(c) = pool.0.pop() {
                    break Some(c);
                }
                if pool.1 < READERS {
                    pool.1 += 1;
                    break None;
                }
                pool = self.returned.wait(pool).unwrap_or_else(|p| p.into_inner());
            }
        };
        let mut conn = match taken {
            Some(c) => c,
            None => {
                let opened = open(&self.path).and_then(|c| {
                    // Readers keep a smaller page cache each (the OS caches the file for all of
                    // them) and may not write.
                    c.execute_batch("PRAGMA cache_size = -8192; PRAGMA query_only = 1;")?;
                    Ok(c)
                });
                match opened {
                    Ok(c) => c,
                    Err(e) => {
                        self.readers.lock().unwrap_or_else(|p| p.into_inner()).1 -= 1;
                        self.returned.notify_one();
                        return Err(e);
                    }
                }
            }
        };
        // Whatever happens, the connection goes back to the pool (its slot is never lost).
        let out = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let mut t = SqliteTx { tx: &tx };
            let out = f(&mut t);
            tx.finish()?;
            out
        })();
        self.readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .push(conn);
        self.returned.notify_one();
        out
    }
}

struct SqliteTx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Real(v) => ToSqlOutput::Borrowed(ValueRef::Real(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Blob(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        })
    }
}

impl Tx for SqliteTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let mut stmt = self.tx.prepare_cached(&sqlite_placeholders(sql))?;
        Ok(stmt.execute(rusqlite::params_from_iter(params))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.tx.prepare_cached(&sqlite_placeholders(sql))?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                values.push(match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(v) => Value::Text(String::from_utf8_lossy(v).into_owned()),
                    ValueRef::Blob(v) => Value::Blob(v.to_vec()),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.tx.execute_batch(sql)?)
    }
}
