//! The SQLite driver: the embedded default. One writer connection (write transactions are
//! `BEGIN IMMEDIATE`, so writers queue instead of failing; they take their turns first come first
//! served, see [`Turns`]) and a small pool of readers, in WAL mode; point reads of the public
//! lookup are made on the caller's own thread ([`SqliteDb::point_read_async`]).
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
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// Idle connections for [`SqliteDb::point_read_async`]: one is taken for a read and put back.
    /// There are never more than the threads that have read at the same moment.
    points: std::sync::Arc<Mutex<Vec<PointConn>>>,
    /// Started with the first point read: the thread that ends the snapshots left idle.
    sweeper: std::sync::Once,
    /// Write transactions committed by this store so far (counted once each is visible).
    commits: AtomicU64,
}

/// How long a snapshot of [`SqliteDb::point_read_async`] may serve further reads. It serves
/// none once this store has committed since it began, so a write is seen by every read that
/// starts after it returned; this bound is for writes by another process on the same file.
const SNAPSHOT_REUSE: std::time::Duration = std::time::Duration::from_millis(1);

/// How often the snapshots left idle are ended, whatever else happens: one left open would hold
/// back the checkpoints of another process writing to the same file (a command-line import while
/// the server runs) until the next lookup.
const SNAPSHOT_SWEEP: std::time::Duration = std::time::Duration::from_millis(100);

/// A connection of [`SqliteDb::point_read_async`], with the read transaction it holds open.
struct PointConn {
    conn: Connection,
    /// When the open read transaction began, and the store's commit count read just before.
    snapshot: Option<(std::time::Instant, u64)>,
}

/// Ends the idle snapshots of `points` that began more than `age` ago (every one with zero),
/// unless a read holds the pool at this moment; a connection that cannot end its snapshot is
/// closed.
fn end_idle_snapshots(points: &Mutex<Vec<PointConn>>, age: std::time::Duration) {
    if let Ok(mut idle) = points.try_lock() {
        idle.retain_mut(|p| match p.snapshot {
            Some((since, _)) if since.elapsed() >= age => p.end().is_ok(),
            _ => true,
        });
    }
}

impl PointConn {
    /// Ends the open read transaction, if any (asking the connection, not `snapshot`, so that
    /// one left open by a failure is ended too). Ending a read cannot lose anything; should it
    /// fail, the connection is left to be closed.
    fn end(&mut self) -> Result<(), StoreError> {
        self.snapshot = None;
        if !self.conn.is_autocommit() {
            self.conn.prepare_cached("COMMIT")?.execute([])?;
        }
        Ok(())
    }
}

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
            points: std::sync::Arc::new(Mutex::new(Vec::new())),
            sweeper: std::sync::Once::new(),
            commits: AtomicU64::new(0),
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
    /// for `key`, read on the caller's thread on a connection kept for these reads.
    ///
    /// It blocks the caller's async thread for the read: a row found by its key in the page
    /// cache takes a few microseconds, less than handing the read to another thread and being
    /// woken with its answer. In WAL mode a reader waits for no writer.
    ///
    /// Beginning and ending a read transaction (the WAL's shared locks, a look at the file's
    /// size) took two thirds of such a read. So a connection keeps its snapshot open for the
    /// reads that follow, as long as this store has committed nothing since it began and for
    /// [`SNAPSHOT_REUSE`] at most: with no writes, a busy second's lookups share a few thousand
    /// snapshots instead of taking one each. A commit ends the idle ones, so that none holds
    /// back its checkpoint, and a thread ends those idle for longer, every [`SNAPSHOT_SWEEP`].
    ///
    /// `async` so that both backends are called alike; always `Some` here.
    pub async fn point_read_async(
        &self,
        sql: &'static str,
        key: String,
    ) -> Option<Result<Option<Row>, StoreError>> {
        self.sweeper.call_once(|| self.start_sweeper());
        let seen = self.commits.load(Ordering::Acquire);
        let idle = self.points.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut point = match idle {
            Some(c) => c,
            None => match self.open_reader() {
                Ok(conn) => PointConn {
                    conn,
                    snapshot: None,
                },
                Err(e) => return Some(Err(e)),
            },
        };
        let read = (|| {
            if let Some((since, at)) = point.snapshot
                && (at != seen || since.elapsed() > SNAPSHOT_REUSE)
            {
                point.end()?;
            }
            if point.snapshot.is_none() {
                point.conn.prepare_cached("BEGIN")?.execute([])?;
                point.snapshot = Some((std::time::Instant::now(), seen));
            }
            (SqliteTx { tx: &point.conn })
                .query_one(sql, &[Value::Text(key)])
                .map(|row| {
                    row.map(|Row(mut values)| {
                        values.remove(0);
                        Row(values)
                    })
                })
        })();
        // After a failure, or a commit meanwhile (whose checkpoint it would hold back), the
        // snapshot ends here; a connection that cannot end it is not kept.
        if (read.is_err() || self.commits.load(Ordering::Acquire) != seen) && point.end().is_err() {
            return Some(read);
        }
        self.points
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(point);
        Some(read)
    }

    /// Starts the thread that ends, every [`SNAPSHOT_SWEEP`], the snapshots idle for longer than
    /// [`SNAPSHOT_REUSE`]; it ends when the store goes. Should it not start, snapshots still end
    /// at the next commit or read.
    fn start_sweeper(&self) {
        let points = std::sync::Arc::downgrade(&self.points);
        let _ = std::thread::Builder::new()
            .name("sqlite-snapshots".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(SNAPSHOT_SWEEP);
                    let Some(points) = points.upgrade() else {
                        return;
                    };
                    end_idle_snapshots(&points, SNAPSHOT_REUSE);
                }
            });
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
            self.commits.fetch_add(1, Ordering::Release);
            (out, self.wal.as_ref().map(WalSync::committed))
        };
        // Snapshots of point reads left open from before this commit would hold back its
        // checkpoint; the idle ones end now (one in use ends when its read does).
        end_idle_snapshots(&self.points, std::time::Duration::ZERO);
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

#[cfg(test)]
mod point_reads {
    use super::*;

    const READ: &str = "SELECT k, v FROM t WHERE k = $1";

    fn value(db: &SqliteDb, rt: &tokio::runtime::Runtime) -> Option<String> {
        rt.block_on(db.point_read_async(READ, "a".into()))
            .unwrap()
            .unwrap()
            .map(|row| row.string(0).unwrap())
    }

    fn set(db: &SqliteDb, v: &str) {
        db.write(|tx| {
            tx.exec(
                "UPDATE t SET v = $1 WHERE k = 'a'",
                &[Value::Text(v.into())],
            )
            .map(|_| ())
        })
        .unwrap();
    }

    /// (frames in the WAL, frames checkpointed) after a passive checkpoint from another connection.
    fn checkpoint(path: &Path) -> (i64, i64) {
        let c = Connection::open(path).unwrap();
        c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(1)?, r.get(2)?))
        })
        .unwrap()
    }

    #[test]
    fn a_kept_snapshot_never_hides_a_write_and_never_holds_back_a_checkpoint() {
        let dir = std::env::temp_dir().join(format!("motcua-points-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.db");
        let _ = std::fs::remove_file(&path);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let db = SqliteDb::open(&path).unwrap();
        db.write(|tx| {
            tx.batch("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL); INSERT INTO t VALUES ('a', 'one')")
        })
        .unwrap();
        assert_eq!(value(&db, &rt).as_deref(), Some("one"));
        // The read left its snapshot open for the next ones.
        assert!(db.points.lock().unwrap()[0].snapshot.is_some());
        // A write by this store is seen by the very next read, however soon it comes.
        set(&db, "two");
        assert_eq!(value(&db, &rt).as_deref(), Some("two"));
        // The commit ended the idle snapshot: a checkpoint goes through the whole WAL.
        set(&db, "three");
        assert!(db.points.lock().unwrap()[0].snapshot.is_none());
        let (frames, done) = checkpoint(&path);
        assert!(frames > 0);
        assert_eq!(done, frames);
        // The next read takes a snapshot of its own.
        assert_eq!(value(&db, &rt).as_deref(), Some("three"));
        // A commit that cannot end a snapshot (here the idle ones are held, as by a read taking
        // one at that moment) is still seen by the next read.
        {
            let held = db.points.lock().unwrap();
            assert!(held[0].snapshot.is_some());
            std::thread::scope(|s| {
                s.spawn(|| set(&db, "3b"));
            });
        }
        assert_eq!(value(&db, &rt).as_deref(), Some("3b"));
        // A read that fails ends its snapshot and leaves the connection fit for the next one.
        assert!(
            rt.block_on(db.point_read_async("SELECT k, nope FROM t WHERE k = $1", "a".into()))
                .unwrap()
                .is_err()
        );
        assert!(
            db.points
                .lock()
                .unwrap()
                .iter()
                .all(|p| p.conn.is_autocommit())
        );
        assert_eq!(value(&db, &rt).as_deref(), Some("3b"));
        // Left idle, the snapshot is ended by the sweeper, and another process's checkpoint goes
        // through the whole WAL.
        assert!(db.points.lock().unwrap()[0].snapshot.is_some());
        let other = Connection::open(&path).unwrap();
        other
            .execute("UPDATE t SET v = '3c' WHERE k = 'a'", [])
            .unwrap();
        std::thread::sleep(SNAPSHOT_SWEEP * 3);
        assert!(db.points.lock().unwrap()[0].snapshot.is_none());
        let (frames, done) = checkpoint(&path);
        assert_eq!(done, frames);
        assert_eq!(value(&db, &rt).as_deref(), Some("3c"));
        // Another process's write is seen once the snapshot is older than SNAPSHOT_REUSE.
        other
            .execute("UPDATE t SET v = 'four' WHERE k = 'a'", [])
            .unwrap();
        std::thread::sleep(SNAPSHOT_REUSE * 2);
        assert_eq!(value(&db, &rt).as_deref(), Some("four"));
        drop(db);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
