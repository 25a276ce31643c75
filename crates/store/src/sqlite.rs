//! The SQLite driver: the embedded default. One writer connection (write transactions are
//! `BEGIN IMMEDIATE`, so writers queue instead of failing; they take their turns first come first
//! served, see [`Turns`]) and a small pool of readers, in WAL mode; point reads of the public
//! lookup go to threads of their own ([`SqliteDb::point_read_async`]).
//!
//! Durable writes share their fsyncs (group commit). With `synchronous = FULL` every commit would
//! wait for its own fsync of the WAL while holding the writer: 64 desks at once queue behind 64
//! fsyncs. Instead the writer commits with `NORMAL` (the commit's frames are in the WAL, not yet
//! on disk), lets the next writer in, and then waits, outside the lock, until one fsync of the WAL
//! file taken after its commit has finished ([`WalSync`]); one fsync covers every commit written
//! before it began. A write returns only once it is on disk, as with `FULL`; readers may see a
//! commit a few milliseconds before it is durable (as they may on PostgreSQL with
//! `synchronous_commit = off`), and nothing outside waits on that.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::StoreError;
use crate::db::{Dialect, Row, Tx, Value, sqlite_placeholders};

pub struct SqliteDb {
    path: PathBuf,
    /// Writers take turns in the order they asked ([`Turns`]), then hold the connection.
    turns: Turns,
    writer: Mutex<Connection>,
    /// Idle reader connections, and how many exist in all.
    readers: Mutex<(Vec<Connection>, usize)>,
    returned: Condvar,
    /// Shared fsyncs of the WAL for durable writes; `None` with `MOTCUA_SQLITE_SYNCHRONOUS=normal`.
    wal: Option<WalSync>,
    /// The queues of the point-read threads ([`SqliteDb::point_read_async`]), once started, and
    /// which one the next read goes to.
    points: Mutex<Option<Vec<std::sync::mpsc::Sender<PointJob>>>>,
    next_point: std::sync::atomic::AtomicUsize,
}

/// A point read asked of a point-read thread, and where its answer goes.
type PointJob = (
    &'static str,
    String,
    tokio::sync::oneshot::Sender<Result<Option<Row>, StoreError>>,
);

/// Point-read threads, each with a connection of its own.
const POINT_READERS: usize = 2;

/// Point reads a thread takes from its queue at once, and reads in one snapshot.
const POINT_BATCH: usize = 64;

/// Turns at the writer, first come first served. A mutex alone lets a thread that has just
/// released it take it again ahead of those already waiting: with 64 desks writing at once some
/// waited several times as long as the rest. Here each waiter has its own place in the queue and
/// is handed the turn when the one before it ends.
struct Turns {
    queue: Mutex<TurnQueue>,
}

#[derive(Default)]
struct TurnQueue {
    taken: bool,
    waiting: std::collections::VecDeque<std::sync::Arc<Waiter>>,
}

#[derive(Default)]
struct Waiter {
    handed: Mutex<bool>,
    wake: Condvar,
}

/// A turn at the writer, given to the next in line when dropped.
struct Turn<'a>(&'a Turns);

impl Turns {
    fn new() -> Turns {
        Turns {
            queue: Mutex::new(TurnQueue::default()),
        }
    }

    fn take(&self) -> Turn<'_> {
        let waiter = {
            let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            if !q.taken {
                q.taken = true;
                return Turn(self);
            }
            let w = std::sync::Arc::new(Waiter::default());
            q.waiting.push_back(w.clone());
            w
        };
        let mut handed = waiter.handed.lock().unwrap_or_else(|p| p.into_inner());
        while !*handed {
            handed = waiter.wake.wait(handed).unwrap_or_else(|p| p.into_inner());
        }
        Turn(self)
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut q = self.0.queue.lock().unwrap_or_else(|p| p.into_inner());
        match q.waiting.pop_front() {
            // The turn passes straight to the next in line (it stays taken).
            Some(next) => {
                *next.handed.lock().unwrap_or_else(|p| p.into_inner()) = true;
                next.wake.notify_one();
            }
            None => q.taken = false,
        }
    }
}

/// Group commit: which commits are written to the WAL and which are known to be on disk.
pub(crate) struct WalSync {
    wal_path: PathBuf,
    state: Mutex<SyncState>,
    synced: Condvar,
}

#[derive(Default)]
struct SyncState {
    /// Commits written to the WAL, numbered in commit order.
    committed: u64,
    /// Every commit up to this number is on disk.
    durable: u64,
    /// An fsync is under way.
    syncing: bool,
    /// fsyncs done, for the figures.
    syncs: u64,
}

impl WalSync {
    fn new(db_path: &Path) -> WalSync {
        let mut wal = db_path.as_os_str().to_owned();
        wal.push("-wal");
        WalSync {
            wal_path: PathBuf::from(wal),
            state: Mutex::new(SyncState::default()),
            synced: Condvar::new(),
        }
    }

    /// Numbers a commit that has just been written (called while the writer is still held, so the
    /// numbers follow the WAL's order).
    fn committed(&self) -> u64 {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.committed += 1;
        s.committed
    }

    /// Returns once commit `n` is on disk: either an fsync that began after it was written has
    /// finished, or this caller runs one, covering every commit written so far.
    fn wait_durable(&self, n: u64) -> Result<(), StoreError> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if s.durable >= n {
                return Ok(());
            }
            if !s.syncing {
                s.syncing = true;
                let target = s.committed;
                drop(s);
                let done = self.fsync();
                s = self.state.lock().unwrap_or_else(|p| p.into_inner());
                s.syncing = false;
                s.syncs += 1;
                if done.is_ok() {
                    s.durable = s.durable.max(target);
                }
                self.synced.notify_all();
                done?;
                continue;
            }
            s = self.synced.wait(s).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// fsync of the WAL file, opened afresh each time (SQLite may have replaced it); fsync writes
    /// out the file's data whichever descriptor wrote it. No WAL file: every commit was
    /// checkpointed into the database file, which the checkpoint synced.
    fn fsync(&self) -> Result<(), StoreError> {
        match std::fs::File::open(&self.wal_path) {
            Ok(f) => f
                .sync_data()
                .map_err(|e| StoreError::Db(format!("fsync {}: {e}", self.wal_path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::Db(format!(
                "open {}: {e}",
                self.wal_path.display()
            ))),
        }
    }

    /// (commits, fsyncs) so far.
    pub(crate) fn figures(&self) -> (u64, u64) {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (s.committed, s.syncs)
    }
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
        let writer = open(path)?;
        let wal = if synchronous() == "FULL" {
            // Durability comes from the shared fsync after each commit (see the module comment).
            writer.execute_batch("PRAGMA synchronous = NORMAL;")?;
            Some(WalSync::new(path))
        } else {
            None
        };
        Ok(SqliteDb {
            turns: Turns::new(),
            writer: Mutex::new(writer),
            readers: Mutex::new((Vec::new(), 0)),
            returned: Condvar::new(),
            path: path.to_owned(),
            wal,
            points: Mutex::new(None),
            next_point: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// A reader connection: a smaller page cache each (the OS caches the file for all of them),
    /// and no writes.
    fn open_reader(&self) -> Result<Connection, StoreError> {
        let c = open(&self.path)?;
        c.execute_batch("PRAGMA cache_size = -8192; PRAGMA query_only = 1;")?;
        Ok(c)
    }

    /// The row of `sql` (`... WHERE k = $1`, the key as its first column, left out of the answer)
    /// for `key`, read by a thread of its own so that the caller's async thread never blocks and no
    /// thread of the blocking pool is handed the work: [`POINT_READERS`] threads, started at first
    /// use, each with its own connection and queue (reads go to them in turn), take whatever has
    /// queued up (up to [`POINT_BATCH`] reads) and read it in one snapshot. `None` when the threads
    /// are gone or could not start: the caller reads another way.
    pub async fn point_read_async(
        &self,
        sql: &'static str,
        key: String,
    ) -> Option<Result<Option<Row>, StoreError>> {
        let (answer, wait) = tokio::sync::oneshot::channel();
        let queue = {
            let mut points = self.points.lock().unwrap_or_else(|p| p.into_inner());
            if points.is_none() {
                *points = self.start_point_readers();
            }
            let queues = points.as_ref()?;
            let turn = self
                .next_point
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            queues[turn % queues.len()].clone()
        };
        queue.send((sql, key, answer)).ok()?;
        wait.await.ok()
    }

    /// Starts the point-read threads; `None` when a connection could not be opened. Each ends
    /// when its queue's sender goes with the store.
    fn start_point_readers(&self) -> Option<Vec<std::sync::mpsc::Sender<PointJob>>> {
        let mut queues = Vec::with_capacity(POINT_READERS);
        for i in 0..POINT_READERS {
            let conn = self.open_reader().ok()?;
            let (queue, jobs) = std::sync::mpsc::channel::<PointJob>();
            std::thread::Builder::new()
                .name(format!("sqlite-point-{i}"))
                .spawn(move || point_reads(conn, &jobs))
                .ok()?;
            queues.push(queue);
        }
        Some(queues)
    }

    /// (commits, fsyncs) of the durable writes so far; `None` when writes are not made durable.
    pub fn group_commit_figures(&self) -> Option<(u64, u64)> {
        self.wal.as_ref().map(WalSync::figures)
    }

    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (out, commit) = {
            let _turn = self.turns.take();
            let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut t = SqliteTx { tx: &tx };
            let out = f(&mut t)?;
            tx.commit()?;
            (out, self.wal.as_ref().map(WalSync::committed))
        };
        if let (Some(wal), Some(n)) = (&self.wal, commit) {
            wal.wait_durable(n)?;
        }
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
            None => match self.open_reader() {
                Ok(c) => c,
                Err(e) => {
                    self.readers.lock().unwrap_or_else(|p| p.into_inner()).1 -= 1;
                    self.returned.notify_one();
                    return Err(e);
                }
            },
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

/// A point-read thread: takes the reads queued at the moment (waiting for the first), reads them
/// in one snapshot and answers each as soon as it is read, until the queue is closed.
fn point_reads(conn: Connection, jobs: &std::sync::mpsc::Receiver<PointJob>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < POINT_BATCH {
            match jobs.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        // One read is a snapshot by itself; several share one.
        let tx = if batch.len() > 1 {
            match conn.unchecked_transaction() {
                Ok(tx) => Some(tx),
                Err(e) => {
                    let detail = e.to_string();
                    for (_, _, answer) in batch {
                        let _ = answer.send(Err(StoreError::unavailable(
                            crate::Storage::Busy,
                            detail.clone(),
                        )));
                    }
                    continue;
                }
            }
        } else {
            None
        };
        for (sql, key, answer) in batch {
            let mut on = SqliteTx {
                tx: tx.as_deref().unwrap_or(&conn),
            };
            let read = on.query_one(sql, &[Value::Text(key)]).map(|row| {
                row.map(|Row(mut values)| {
                    values.remove(0);
                    Row(values)
                })
            });
            let _ = answer.send(read);
        }
        if let Some(tx) = tx {
            let _ = tx.finish();
        }
    }
}

/// Statements on a connection: inside a transaction, or (a point read alone) on their own.
struct SqliteTx<'a> {
    tx: &'a Connection,
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
                    ValueRef::Text(v) => Value::Text(match std::str::from_utf8(v) {
                        Ok(text) => text.to_owned(),
                        Err(_) => String::from_utf8_lossy(v).into_owned(),
                    }),
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

#[cfg(test)]
mod writers {
    use super::*;

    #[test]
    fn one_fsync_covers_every_commit_written_before_it() {
        let dir = std::env::temp_dir().join(format!("motcua-wal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("g.db");
        std::fs::write(dir.join("g.db-wal"), b"frames").unwrap();
        let wal = WalSync::new(&db);
        let (a, b, c) = (wal.committed(), wal.committed(), wal.committed());
        assert_eq!((a, b, c), (1, 2, 3));
        // The last commit's wait syncs once, and that covers the two written before it.
        wal.wait_durable(c).unwrap();
        wal.wait_durable(a).unwrap();
        wal.wait_durable(b).unwrap();
        assert_eq!(wal.figures(), (3, 1));
        // A commit after that sync needs a sync of its own.
        let d = wal.committed();
        wal.wait_durable(d).unwrap();
        assert_eq!(wal.figures(), (4, 2));
        // Checkpointed and removed: nothing left to sync, not an error.
        std::fs::remove_file(dir.join("g.db-wal")).unwrap();
        let e = wal.committed();
        wal.wait_durable(e).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writers_take_their_turns_in_the_order_they_asked() {
        let turns = Turns::new();
        let order = Mutex::new(vec![]);
        let first = turns.take();
        std::thread::scope(|s| {
            for i in 1..=6 {
                let (turns, order) = (&turns, &order);
                s.spawn(move || {
                    let _turn = turns.take();
                    order.lock().unwrap().push(i);
                });
                // The next asks only once this one is in line.
                while turns.queue.lock().unwrap().waiting.len() < i {
                    std::thread::yield_now();
                }
            }
            drop(first);
        });
        assert_eq!(*order.lock().unwrap(), vec![1, 2, 3, 4, 5, 6]);
        // Nobody holds a turn now: the next one is taken at once.
        assert!(!turns.queue.lock().unwrap().taken);
        drop(turns.take());
    }

    #[test]
    fn concurrent_writers_all_land_and_share_fsyncs() {
        let dir = std::env::temp_dir().join(format!("motcua-wal2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("w.db");
        let db = SqliteDb::open(&path).unwrap();
        db.write(|tx| tx.batch("CREATE TABLE t (n INTEGER NOT NULL)"))
            .unwrap();
        std::thread::scope(|s| {
            for w in 0..8 {
                let db = &db;
                s.spawn(move || {
                    for i in 0..25 {
                        db.write(|tx| {
                            tx.exec("INSERT INTO t (n) VALUES ($1)", &[Value::Int(w * 100 + i)])
                        })
                        .unwrap();
                    }
                });
            }
        });
        let n = db
            .read(|tx| tx.query_one("SELECT COUNT(*) FROM t", &[]))
            .unwrap()
            .unwrap()
            .i64(0)
            .unwrap();
        assert_eq!(n, 200);
        if synchronous() == "FULL" {
            let (commits, syncs) = db.group_commit_figures().unwrap();
            assert_eq!(commits, 201);
            assert!((1..=commits).contains(&syncs), "{syncs} fsyncs");
        }
        drop(db);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
