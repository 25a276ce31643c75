//! The PostgreSQL driver: for a province. A small pool of connections, each driven by a runtime of
//! its own from the caller's (blocking) thread; write transactions are READ COMMITTED and serialise
//! on the ledger head row, which every writer locks first.
//!
//! Statements are pipelined: `BEGIN` goes with the transaction's first statement, and writes
//! whose answer nobody waits for ([`Tx::exec_later`]: events, projections, counters, the ledger)
//! are held until the next read or the `COMMIT`, then sent together with it, so a command costs a
//! round trip per read rather than per statement. An error in any of them fails the transaction
//! as it would have failed at the statement itself.

use std::collections::HashMap;
use std::error::Error as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Client, NoTls, Statement};

use crate::StoreError;
use crate::db::{Dialect, Row, Tx, Value};

pub struct PgDb {
    url: String,
    /// Connections of the asynchronous client, for single-statement reads on the server's own
    /// threads (the public lookup): see [`AsyncReaders`].
    readers: std::sync::Arc<AsyncReaders>,
    pool: Mutex<Pool>,
    freed: Condvar,
    /// At most this many connections are open at once (`MOTCUA_PG_POOL_SIZE`, default 16): keep the
    /// sum over every server on one database below PostgreSQL's `max_connections`.
    max: usize,
    /// How long a request waits for a free connection before it is answered "busy"
    /// (`MOTCUA_PG_POOL_WAIT_MS`, default 5000).
    wait: Duration,
    /// Requests that found every connection in use and waited; those that gave up; time waited.
    waits: AtomicU64,
    timeouts: AtomicU64,
    waited_micros: AtomicU64,
}

/// Idle connections, and how many are open in all (idle or in use).
struct Pool {
    idle: Vec<Conn>,
    open: usize,
}

/// A number from the environment, 0 included.
fn env_value(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// A positive number from the environment, else `default`.
fn env_number(name: &str, default: u64) -> u64 {
    env_value(name).filter(|n| *n > 0).unwrap_or(default)
}

/// A connection: its client, the single-threaded runtime that drives it (only while the owning
/// thread waits on it, as the synchronous `postgres` client does), and its prepared statements
/// (a statement belongs to the connection that prepared it).
struct Conn {
    rt: tokio::runtime::Runtime,
    client: Client,
    statements: HashMap<String, Statement>,
    /// A transaction could not be ended cleanly: the connection is closed rather than reused.
    broken: bool,
}

impl Conn {
    fn usable(&self) -> bool {
        !self.broken && !self.client.is_closed()
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        if let Some(db) = e.as_db_error() {
            let code = db.code().code();
            // 23xxx: integrity constraint violation.
            if code.starts_with("23") {
                return StoreError::Constraint(db.message().to_owned());
            }
            let detail = format!("{} ({code})", db.message());
            return match code {
                "53100" => StoreError::unavailable(crate::Storage::Full, detail),
                "25006" => StoreError::unavailable(crate::Storage::ReadOnly, detail),
                // too many connections, cannot connect now, admin or crash shutdown
                "53300" | "57P01" | "57P02" | "57P03" => {
                    StoreError::unavailable(crate::Storage::Busy, detail)
                }
                _ => StoreError::Db(detail),
            };
        }
        let detail = e
            .source()
            .map_or_else(|| e.to_string(), |s| format!("{e}: {s}"));
        // No answer from the server (refused, closed, lost): busy or down, not a bug.
        if e.is_closed() || e.source().is_some_and(|s| s.is::<std::io::Error>()) {
            return StoreError::unavailable(crate::Storage::Busy, detail);
        }
        StoreError::Db(detail)
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                Type::FLOAT8 => (*v as f64).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Real(v) => v.to_sql(ty, out),
            Value::Text(v) => v.to_sql(ty, out),
            Value::Blob(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn row_values(row: &tokio_postgres::Row) -> Result<Row, StoreError> {
    let mut values = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let v = match *col.type_() {
            Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)?
                .map(|v| Value::Int(v.into())),
            Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
            Type::FLOAT4 => row
                .try_get::<_, Option<f32>>(i)?
                .map(|v| Value::Real(v.into())),
            Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                row.try_get::<_, Option<String>>(i)?.map(Value::Text)
            }
            ref other => {
                return Err(StoreError::Db(format!(
                    "column {}: unsupported type {other}",
                    col.name()
                )));
            }
        };
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

impl PgDb {
    pub fn open(url: &str) -> Result<PgDb, StoreError> {
        let db = PgDb {
            url: url.to_owned(),
            readers: std::sync::Arc::new(AsyncReaders::new(
                url,
                env_number("MOTCUA_PG_ASYNC_READERS", 2).min(64) as usize,
            )),
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                open: 1,
            }),
            freed: Condvar::new(),
            max: env_number("MOTCUA_PG_POOL_SIZE", 16) as usize,
            wait: Duration::from_millis(env_number("MOTCUA_PG_POOL_WAIT_MS", 5000)),
            waits: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            waited_micros: AtomicU64::new(0),
        };
        let client = db.connect()?;
        db.put(client);
        Ok(db)
    }

    fn connect(&self) -> Result<Conn, StoreError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Db(format!("runtime: {e}")))?;
        let (client, connection) = rt.block_on(tokio_postgres::connect(&self.url, NoTls))?;
        rt.spawn(async move {
            let _ = connection.await;
        });
        Ok(Conn {
            rt,
            client,
            statements: HashMap::new(),
            broken: false,
        })
    }

    /// A connection: an idle one, a new one while fewer than `max` are open, or the first one
    /// freed within `wait`; otherwise the database is "busy" (answered 503 with Retry-After).
    fn take(&self) -> Result<Conn, StoreError> {
        let start = Instant::now();
        let deadline = start + self.wait;
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        let mut waited = false;
        let waited_for = |waited: bool| {
            if waited {
                let micros = start.elapsed().as_micros().try_into().unwrap_or(u64::MAX);
                self.waited_micros.fetch_add(micros, Ordering::Relaxed);
            }
        };
        loop {
            while let Some(c) = pool.idle.pop() {
                if c.usable() {
                    waited_for(waited);
                    return Ok(c);
                }
                pool.open -= 1;
            }
            if pool.open < self.max {
                pool.open += 1;
                drop(pool);
                waited_for(waited);
                return self.connect().inspect_err(|_| self.release());
            }
            if !waited {
                waited = true;
                self.waits.fetch_add(1, Ordering::Relaxed);
            }
            let now = Instant::now();
            if now >= deadline {
                waited_for(waited);
                self.timeouts.fetch_add(1, Ordering::Relaxed);
                return Err(StoreError::unavailable(
                    crate::Storage::Busy,
                    format!(
                        "connection pool exhausted: timed out after {} ms waiting for one of {} PostgreSQL connections",
                        self.wait.as_millis(),
                        self.max
                    ),
                ));
            }
            pool = self
                .freed
                .wait_timeout(pool, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// One connection fewer is open (it failed or closed).
    fn release(&self) {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        pool.open = pool.open.saturating_sub(1);
        self.freed.notify_one();
    }

    fn put(&self, conn: Conn) {
        if !conn.usable() {
            drop(conn);
            return self.release();
        }
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        pool.idle.push(conn);
        self.freed.notify_one();
    }

    fn run<T>(
        &self,
        read_only: bool,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.take()?;
        let begin = if read_only {
            "BEGIN READ ONLY"
        } else {
            "BEGIN"
        };
        let mut tx = PgTx::new(&mut conn, Some(begin), true);
        let out = match f(&mut tx) {
            Ok(v) => {
                let written = std::mem::take(&mut tx.lookup_writes);
                let out = tx.commit().map(|()| v);
                // Even when the commit's answer was lost: forgetting is always safe.
                match written {
                    LookupWrites::None => {}
                    LookupWrites::Dossiers(ids) => self.readers.cache.forget_own(Some(&ids)),
                    LookupWrites::All => self.readers.cache.forget_own(None),
                }
                out
            }
            Err(e) => {
                tx.rollback();
                Err(e)
            }
        };
        self.put(conn);
        out
    }

    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(false, f)
    }

    pub fn read<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(true, f)
    }

    /// Runs `f` outside a transaction: each statement reads the latest committed data on its own
    /// (no BEGIN and COMMIT round trips), and nothing may be written. For reads whose queries need
    /// not agree with each other's snapshot, such as the public lookup.
    pub fn read_each<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.take()?;
        let out = f(&mut PgTx::new(&mut conn, None, false));
        self.put(conn);
        out
    }

    /// The row of `sql` for `key` (at most one), read together with the keys other requests are
    /// waiting for at the same moment: `sql` takes a text array (`WHERE k = ANY($1)`) and its
    /// first column is the key, which the answer leaves out. A task per statement takes whatever
    /// has queued up while its last statement ran (up to 64 keys) and reads it in one statement;
    /// with one request at a time nothing waits. `None` when the task is gone (its runtime
    /// ended): the caller reads another way.
    ///
    /// With `kept` (a statement on `public_lookup` alone, whose changes the database announces),
    /// the answer may come from memory and is kept there ([`crate::answer_cache`]).
    pub async fn point_read_async(
        &self,
        sql: &'static str,
        key: String,
        kept: bool,
    ) -> Option<Result<Option<Row>, StoreError>> {
        if kept {
            let cache = &self.readers.cache;
            cache.ensure_listening(&self.url);
            if let Some(row) = cache.get(sql, &key) {
                return Some(Ok(Some(row)));
            }
        }
        let (answer, wait) = tokio::sync::oneshot::channel();
        let queue = {
            let mut batches = self
                .readers
                .batches
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            match batches.get(sql).filter(|q| !q.is_closed()) {
                Some(q) => q.clone(),
                None => {
                    let (q, rx) = tokio::sync::mpsc::unbounded_channel();
                    tokio::spawn(batch_reads(
                        std::sync::Arc::downgrade(&self.readers),
                        sql,
                        kept,
                        rx,
                    ));
                    batches.insert(sql, q.clone());
                    q
                }
            }
        };
        queue.send((key, answer)).ok()?;
        wait.await.ok()
    }

    /// The figures of the lookup answers kept in memory.
    pub fn lookup_cache_stats(&self) -> crate::answer_cache::CacheStats {
        self.readers.cache.stats()
    }

    /// The pool's figures for monitoring.
    pub fn pool_stats(&self) -> crate::PoolStats {
        let pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        crate::PoolStats {
            size: self.max as u64,
            open: pool.open as u64,
            idle: pool.idle.len() as u64,
            waits: self.waits.load(Ordering::Relaxed),
            timeouts: self.timeouts.load(Ordering::Relaxed),
            waited_seconds: self.waited_micros.load(Ordering::Relaxed) as f64 / 1e6,
        }
    }
}

impl Drop for PgDb {
    /// Closing a synchronous client blocks on its own runtime, which panics on a thread that drives
    /// async tasks: when dropped there, the clients are closed on a thread of their own.
    fn drop(&mut self) {
        let clients =
            std::mem::take(&mut self.pool.get_mut().unwrap_or_else(|p| p.into_inner()).idle);
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::spawn(move || drop(clients));
        }
    }
}

/// A few connections of the asynchronous client (`tokio_postgres`), for reads of one statement
/// made straight from the server's async threads: no hand-over to a thread of the blocking pool
/// and back, and, since requests share a connection, their statements are pipelined (sent one
/// after the other without waiting for each answer). `MOTCUA_PG_ASYNC_READERS` connections
/// (default 2), opened at first use, in addition to the pool; one that closes is opened again.
struct AsyncReaders {
    url: String,
    slots: Vec<tokio::sync::Mutex<Option<std::sync::Arc<AsyncConn>>>>,
    next: std::sync::atomic::AtomicUsize,
    /// Per statement of [`PgDb::point_read_async`], the queue of its batching task.
    batches: Mutex<HashMap<&'static str, Batch>>,
    /// The answers of statements read `kept`.
    cache: std::sync::Arc<crate::answer_cache::AnswerCache>,
}

/// A key read by a batching task, and where its answer goes.
type PointRead = (
    String,
    tokio::sync::oneshot::Sender<Result<Option<Row>, StoreError>>,
);
type Batch = tokio::sync::mpsc::UnboundedSender<PointRead>;

/// Keys read in one statement at most.
const BATCH: usize = 64;

struct AsyncConn {
    client: tokio_postgres::Client,
    statements: Mutex<HashMap<&'static str, Statement>>,
}

impl AsyncReaders {
    fn new(url: &str, n: usize) -> AsyncReaders {
        AsyncReaders {
            url: url.to_owned(),
            slots: (0..n.max(1))
                .map(|_| tokio::sync::Mutex::new(None))
                .collect(),
            next: std::sync::atomic::AtomicUsize::new(0),
            batches: Mutex::new(HashMap::new()),
            // 0 turns it off.
            cache: std::sync::Arc::new(crate::answer_cache::AnswerCache::new(
                env_value("MOTCUA_PG_LOOKUP_CACHE_MB")
                    .unwrap_or(32)
                    .min(4096) as usize
                    * 1024
                    * 1024,
            )),
        }
    }

    /// The rows of `sql` (which has `= ANY($1)` over a text array) for `keys`.
    async fn query_any(&self, sql: &'static str, keys: &[String]) -> Result<Vec<Row>, StoreError> {
        let conn = self.conn().await?;
        let statement = self.prepared(&conn, sql).await?;
        conn.client
            .query(&statement, &[&keys])
            .await?
            .iter()
            .map(row_values)
            .collect()
    }

    async fn prepared(&self, conn: &AsyncConn, sql: &'static str) -> Result<Statement, StoreError> {
        let cached = conn
            .statements
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(sql)
            .cloned();
        Ok(match cached {
            Some(s) => s,
            None => {
                let s = conn.client.prepare(sql).await?;
                conn.statements
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(sql, s.clone());
                s
            }
        })
    }

    /// The next connection in turn, opened (again) when it is not open.
    async fn conn(&self) -> Result<std::sync::Arc<AsyncConn>, StoreError> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let mut slot = self.slots[i].lock().await;
        if let Some(c) = slot.as_ref().filter(|c| !c.client.is_closed()) {
            return Ok(c.clone());
        }
        let (client, connection) = tokio_postgres::connect(&self.url, NoTls).await?;
        // The connection does the socket's work; it ends when the client is dropped or the
        // server goes away (the next caller then opens a new one).
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let conn = std::sync::Arc::new(AsyncConn {
            client,
            statements: Mutex::new(HashMap::new()),
        });
        *slot = Some(conn.clone());
        Ok(conn)
    }
}

/// A statement sent in a pipeline.
enum Op {
    /// `BEGIN`, `COMMIT` and the like.
    Simple(&'static str),
    Exec(Statement, Vec<Value>),
}

/// The batching task of [`PgDb::point_read_async`] for one statement. It holds the readers
/// weakly, so that it ends when the store is closed (its queue's sender goes with them).
async fn batch_reads(
    readers: std::sync::Weak<AsyncReaders>,
    sql: &'static str,
    kept: bool,
    mut queue: tokio::sync::mpsc::UnboundedReceiver<PointRead>,
) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let keys: Vec<String> = batch.iter().map(|(k, _)| k.clone()).collect();
        // The store was closed: the waiting callers read another way.
        let Some(readers) = readers.upgrade() else {
            return;
        };
        // Taken before the statement is sent: an announcement that arrives meanwhile keeps its
        // answers out of memory.
        let epoch = if kept { readers.cache.epoch() } else { None };
        let read = readers.query_any(sql, &keys).await;
        match read {
            Ok(rows) => {
                let mut by_key: HashMap<String, Row> = HashMap::with_capacity(rows.len());
                for Row(mut values) in rows {
                    if let Value::Text(k) = values.remove(0) {
                        let row = Row(values);
                        if let Some(epoch) = epoch {
                            readers.cache.keep(epoch, sql, &k, &row);
                        }
                        by_key.insert(k, row);
                    }
                }
                // Two callers may ask for the same key: each gets the row, the last one asking
                // takes it.
                let last: Vec<bool> = (0..batch.len())
                    .map(|i| !batch[i + 1..].iter().any(|(k, _)| *k == batch[i].0))
                    .collect();
                for ((key, answer), last) in batch.into_iter().zip(last) {
                    let row = if last {
                        by_key.remove(&key)
                    } else {
                        by_key.get(&key).cloned()
                    };
                    let _ = answer.send(Ok(row));
                }
            }
            Err(e) => {
                let detail = e.to_string();
                for (_, answer) in batch {
                    let _ = answer.send(Err(StoreError::unavailable(
                        crate::Storage::Busy,
                        detail.clone(),
                    )));
                }
            }
        }
    }
}

/// What a transaction wrote to `public_lookup`: this server forgets the answers it keeps of those
/// dossiers as it commits, before the database's announcement arrives.
#[derive(Default)]
enum LookupWrites {
    #[default]
    None,
    /// Only rows by id ([`crate::lookup::SAVE`], [`crate::public_access::COPY_TO_LOOKUP`]).
    Dossiers(Vec<i64>),
    /// Anything else naming the table.
    All,
}

/// A transaction, or (for [`PgDb::read_each`]) statements on their own, which may not write.
struct PgTx<'a> {
    conn: &'a mut Conn,
    /// Statements not sent yet: the `BEGIN` until the first statement, and writes held back by
    /// `exec_later`; sent, in order, ahead of the next statement that needs an answer.
    pending: Vec<Op>,
    /// `BEGIN` was queued: the transaction must be ended.
    began: bool,
    /// Statements have gone to the server (the `BEGIN` among them).
    sent: bool,
    writable: bool,
    lookup_writes: LookupWrites,
}

impl<'a> PgTx<'a> {
    fn new(conn: &'a mut Conn, begin: Option<&'static str>, writable: bool) -> PgTx<'a> {
        PgTx {
            conn,
            pending: begin.map(Op::Simple).into_iter().collect(),
            began: begin.is_some(),
            sent: false,
            writable,
            lookup_writes: LookupWrites::None,
        }
    }

    /// Notes a write that names `public_lookup` (see [`LookupWrites`]).
    fn note_write(&mut self, sql: &str, values: &[Value]) {
        if !sql.contains("public_lookup") {
            return;
        }
        let id = match values.first() {
            Some(Value::Int(id))
                if sql == crate::lookup::SAVE || sql == crate::public_access::COPY_TO_LOOKUP =>
            {
                Some(*id)
            }
            _ => None,
        };
        self.lookup_writes = match (std::mem::take(&mut self.lookup_writes), id) {
            (LookupWrites::All, _) | (_, None) => LookupWrites::All,
            (LookupWrites::None, Some(id)) => LookupWrites::Dossiers(vec![id]),
            (LookupWrites::Dossiers(mut ids), Some(id)) => {
                ids.push(id);
                LookupWrites::Dossiers(ids)
            }
        };
    }

    /// The prepared statement for `sql`, prepared once per connection.
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.conn.statements.get(sql) {
            return Ok(s.clone());
        }
        let Conn { rt, client, .. } = &mut *self.conn;
        let s = rt.block_on(client.prepare(sql))?;
        if self.conn.statements.len() < 500 {
            self.conn.statements.insert(sql.to_owned(), s.clone());
        }
        Ok(s)
    }

    /// Sends the pending statements and then `last` in one pipeline, waits for every answer, and
    /// returns `last`'s rows (or affected count). The first error is the answer; PostgreSQL then
    /// refuses the rest of the transaction, as it would have one statement at a time.
    fn send(
        &mut self,
        last: Option<(Statement, &[Value], bool)>,
    ) -> Result<(Vec<Row>, u64), StoreError> {
        let mut out = self.send_all(last.into_iter().collect())?;
        Ok(out.pop().unwrap_or_default())
    }

    /// [`PgTx::send`] with any number of statements after the pending ones: the answer of each.
    fn send_all(
        &mut self,
        lasts: Vec<(Statement, &[Value], bool)>,
    ) -> Result<Vec<(Vec<Row>, u64)>, StoreError> {
        let ops = std::mem::take(&mut self.pending);
        self.sent = true;
        let client = &self.conn.client;
        let (before, after) = self.conn.rt.block_on(async {
            let each = ops.iter().map(|op| async move {
                match op {
                    Op::Simple(sql) => client.batch_execute(sql).await.map(|()| 0),
                    Op::Exec(st, values) => client.execute(st, &params(values)).await,
                }
            });
            let lasts = lasts.iter().map(|(st, values, rows)| async move {
                if *rows {
                    client
                        .query(st, &params(values))
                        .await
                        .map(|rows| (rows, 0))
                } else {
                    client
                        .execute(st, &params(values))
                        .await
                        .map(|n| (Vec::new(), n))
                }
            });
            futures_util::future::join(
                futures_util::future::join_all(each),
                futures_util::future::join_all(lasts),
            )
            .await
        });
        for r in before {
            r?;
        }
        after
            .into_iter()
            .map(|r| {
                let (rows, n) = r?;
                Ok((rows.iter().map(row_values).collect::<Result<_, _>>()?, n))
            })
            .collect()
    }

    fn commit(mut self) -> Result<(), StoreError> {
        if !self.began {
            return Ok(());
        }
        if !self.sent && self.pending.len() == 1 {
            // Only the `BEGIN`, never sent: no transaction to end.
            return Ok(());
        }
        self.pending.push(Op::Simple("COMMIT"));
        let out = self.send(None).map(|_| ());
        if out.is_err() {
            // Whatever the server has now, the connection is not reused mid-transaction.
            self.rollback();
        }
        out
    }

    /// Ends the transaction without keeping anything; a connection that cannot is not reused.
    fn rollback(&mut self) {
        self.pending.clear();
        if !self.began {
            return;
        }
        let Conn { rt, client, .. } = &mut *self.conn;
        if rt.block_on(client.batch_execute("ROLLBACK")).is_err() {
            self.conn.broken = true;
        }
    }
}

fn params(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// PostgreSQL text cannot hold a NUL character (SQLite can): refused as bad input, the same on both
/// backends' callers, instead of a database error.
fn no_nul(values: &[Value]) -> Result<(), StoreError> {
    if values
        .iter()
        .any(|v| matches!(v, Value::Text(t) if t.contains('\0')))
    {
        return Err(StoreError::invalid(
            "dữ liệu có ký tự điều khiển không hợp lệ (NUL)",
            "the data contains an invalid control character (NUL)",
        ));
    }
    Ok(())
}

impl Tx for PgTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn exec(&mut self, sql: &str, values: &[Value]) -> Result<u64, StoreError> {
        self.writable_check()?;
        no_nul(values)?;
        self.note_write(sql, values);
        let st = self.statement(sql)?;
        Ok(self.send(Some((st, values, false)))?.1)
    }

    fn exec_later(&mut self, sql: &str, values: &[Value]) -> Result<(), StoreError> {
        self.writable_check()?;
        no_nul(values)?;
        self.note_write(sql, values);
        let st = self.statement(sql)?;
        self.pending.push(Op::Exec(st, values.to_vec()));
        Ok(())
    }

    fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<Row>, StoreError> {
        no_nul(values)?;
        let st = self.statement(sql)?;
        Ok(self.send(Some((st, values, true)))?.0)
    }

    fn query_batch(&mut self, queries: &[(&str, &[Value])]) -> Result<Vec<Vec<Row>>, StoreError> {
        let mut lasts = Vec::with_capacity(queries.len());
        for (sql, values) in queries {
            no_nul(values)?;
            lasts.push((self.statement(sql)?, *values, true));
        }
        Ok(self
            .send_all(lasts)?
            .into_iter()
            .map(|(rows, _)| rows)
            .collect())
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.writable_check()?;
        self.note_write(sql, &[]);
        self.send(None)?;
        let Conn { rt, client, .. } = &mut *self.conn;
        Ok(rt.block_on(client.batch_execute(sql))?)
    }
}

impl PgTx<'_> {
    fn writable_check(&self) -> Result<(), StoreError> {
        if self.writable {
            Ok(())
        } else {
            Err(StoreError::Db(
                "a write outside a transaction (read_each)".into(),
            ))
        }
    }
}
