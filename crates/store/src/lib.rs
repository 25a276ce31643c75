//! The only place that knows SQL. One portable SQL layer (`db`) with two drivers (SQLite, the
//! embedded default, and PostgreSQL), migrations per backend, and the repositories of each
//! aggregate: organisation, staff and sessions, procedures, calendar imports, and dossiers on an
//! append-only, hash-chained event log with one global ledger.

pub mod answer_cache;
pub mod backup;
pub mod batch;
pub mod bench;
pub mod blank_forms;
pub mod calendar;
pub mod db;
pub mod dossiers;
pub mod feedback;
pub mod idempotency;
pub mod inspections;
pub mod ledger;
pub mod lookup;
pub mod office;
pub mod org;
pub mod outbox;
pub mod papers;
pub mod password;
pub mod payments;
pub mod population;
mod postgres;
pub mod procedures;
pub mod public_access;
pub mod reports;
mod sqlite;
pub mod stats;
pub mod vault;
pub mod walk_ins;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use motcua_domain::dossier::DossierError;
use motcua_domain::msg::{Bilingual, Msg};

pub use db::{Dialect, Row, Tx, Value};

/// A statement reading at most one row by a text key, in the two forms of
/// [`Store::point_read_async`]; in both the first column is the key.
pub struct PointQuery {
    /// `... WHERE k = $1`.
    pub one: &'static str,
    /// The same for many keys at once, `... WHERE k = ANY($1)` over a text array (PostgreSQL).
    pub any: &'static str,
    /// It reads `public_lookup` alone, whose changes the database announces: on PostgreSQL its
    /// answers may be kept in memory ([`answer_cache`]).
    pub kept: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("không tìm thấy {} / {} not found", .0.vi, .0.en)]
    NotFound(Msg),
    #[error(
        "hồ sơ đã thay đổi (phiên bản {actual}, yêu cầu dựa trên phiên bản {expected}); hãy tải lại / the dossier has changed (version {actual}, the request was based on {expected}); reload it"
    )]
    Conflict { expected: i64, actual: i64 },
    #[error(transparent)]
    Domain(#[from] DossierError),
    #[error("{vi} / {en}")]
    Invalid { vi: String, en: String },
    #[error("dữ liệu trùng hoặc không hợp lệ / constraint violated: {0}")]
    Constraint(String),
    /// The database or its disk cannot take the work now; nothing was written.
    #[error("cơ sở dữ liệu không sẵn sàng / storage unavailable ({problem:?}): {detail}")]
    Unavailable { problem: Storage, detail: String },
    #[error("lỗi cơ sở dữ liệu / database error: {0}")]
    Db(String),
}

/// Why the storage cannot take the work, as each driver recognises it from its own error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// The disk is full (SQLITE_FULL; PostgreSQL 53100).
    Full,
    /// The database is read-only (SQLITE_READONLY; PostgreSQL 25006).
    ReadOnly,
    /// Busy or unreachable: locked, too many clients, the pool exhausted, the connection lost.
    Busy,
}

impl StoreError {
    /// The storage cannot take the work now, for the reason given.
    pub fn unavailable(problem: Storage, detail: impl Into<String>) -> StoreError {
        StoreError::Unavailable {
            problem,
            detail: detail.into(),
        }
    }

    /// A file the store keeps (an uploaded paper) could not be written: full or read-only disks
    /// are told apart like the database's.
    pub fn from_io(e: &std::io::Error, what: &str) -> StoreError {
        let detail = format!("{what}: {e}");
        match e.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                StoreError::unavailable(Storage::Full, detail)
            }
            std::io::ErrorKind::ReadOnlyFilesystem => {
                StoreError::unavailable(Storage::ReadOnly, detail)
            }
            _ => StoreError::Db(detail),
        }
    }

    /// `what` cannot be found: "đơn vị X" / "unit X".
    pub fn not_found(vi: impl Into<String>, en: impl Into<String>) -> StoreError {
        StoreError::NotFound(Msg::new(vi, en))
    }

    pub fn invalid(vi: impl Into<String>, en: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

impl Bilingual for StoreError {
    fn msg(&self) -> Msg {
        match self {
            StoreError::NotFound(what) => Msg::new(
                format!("không tìm thấy {}", what.vi),
                format!("{} not found", what.en),
            ),
            StoreError::Conflict { expected, actual } => Msg::new(
                format!(
                    "hồ sơ đã thay đổi (phiên bản {actual}, yêu cầu dựa trên phiên bản {expected}); hãy tải lại"
                ),
                format!(
                    "the dossier has changed (version {actual}, the request was based on {expected}); reload it"
                ),
            ),
            StoreError::Domain(e) => e.msg(),
            StoreError::Invalid { vi, en } => Msg::new(vi.clone(), en.clone()),
            // The database's own text may quote the data (Vietnamese names): it goes to the log, not
            // to the person.
            StoreError::Constraint(_) => Msg::new(
                "dữ liệu trùng hoặc không hợp lệ",
                "duplicate or invalid data",
            ),
            StoreError::Unavailable { problem, .. } => match problem {
                Storage::Full => Msg::new(
                    "Máy chủ đã hết dung lượng lưu trữ nên chưa ghi được gì. Hãy báo quản trị hệ thống giải phóng ổ đĩa rồi thử lại.",
                    "The server's disk is full, so nothing was saved. Ask the system administrator to free disk space, then try again.",
                ),
                Storage::ReadOnly => Msg::new(
                    "Cơ sở dữ liệu đang ở chế độ chỉ đọc nên chưa ghi được gì. Hãy báo quản trị hệ thống.",
                    "The database is read-only, so nothing was saved. Tell the system administrator.",
                ),
                Storage::Busy => Msg::new(
                    "Cơ sở dữ liệu tạm thời không phản hồi; chưa ghi được gì. Vui lòng thử lại sau ít giây.",
                    "The database is not answering for the moment; nothing was saved. Try again in a few seconds.",
                ),
            },
            StoreError::Db(_) => Msg::new("lỗi cơ sở dữ liệu", "database error"),
        }
    }
}

/// Where the data lives, parsed from `sqlite:PATH` or `postgres://...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<DbUrl, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(StoreError::invalid(
                    "thiếu đường dẫn tệp SQLite",
                    "the SQLite URL has no path",
                ));
            }
            Ok(DbUrl::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DbUrl::Postgres(url.to_owned()))
        } else {
            Err(StoreError::invalid(
                format!(
                    "địa chỉ cơ sở dữ liệu không hợp lệ: {url} (dùng sqlite:ĐƯỜNG_DẪN hoặc postgres://...)"
                ),
                format!("invalid database URL: {url} (use sqlite:PATH or postgres://...)"),
            ))
        }
    }
}

enum Backend {
    Sqlite(Box<sqlite::SqliteDb>),
    Postgres(postgres::PgDb),
}

/// A handle on the database. Cheap to share behind an `Arc`; every call is one transaction.
pub struct Store {
    backend: Backend,
    committed: AtomicU64,
    failed: AtomicU64,
}

/// What a store has done since it was opened, for monitoring (`GET /metrics`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreStats {
    /// Write transactions committed, and those that ended in an error (rolled back).
    pub writes_committed: u64,
    pub writes_failed: u64,
    /// The PostgreSQL connection pool; None on SQLite.
    pub pool: Option<PoolStats>,
    /// The public lookup's answers kept in memory (PostgreSQL); None on SQLite.
    pub lookup_cache: Option<answer_cache::CacheStats>,
    /// SQLite with durable writes: the fsyncs of the WAL its commits shared (group commit; fewer
    /// than the commits when writers overlap). None otherwise.
    pub wal_syncs: Option<u64>,
}

/// A PostgreSQL connection pool's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolStats {
    /// Most connections it may open, open now (idle or in use), idle now.
    pub size: u64,
    pub open: u64,
    pub idle: u64,
    /// Requests that found every connection in use and waited, those that gave up (answered 503),
    /// and the time spent waiting in all.
    pub waits: u64,
    pub timeouts: u64,
    pub waited_seconds: f64,
}

const SQLITE_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_foundation.sql")),
    (2, include_str!("../migrations/sqlite/0002_stats.sql")),
    (3, include_str!("../migrations/sqlite/0003_inspections.sql")),
    (4, include_str!("../migrations/sqlite/0004_office.sql")),
    (5, include_str!("../migrations/sqlite/0005_counter.sql")),
    (7, include_str!("../migrations/sqlite/0007_documents.sql")),
    (
        8,
        include_str!("../migrations/sqlite/0008_public_access.sql"),
    ),
    (9, include_str!("../migrations/sqlite/0009_search.sql")),
    (
        10,
        include_str!("../migrations/sqlite/0010_public_lookup.sql"),
    ),
    (11, include_str!("../migrations/sqlite/0011_feedback.sql")),
    (12, include_str!("../migrations/sqlite/0012_vault.sql")),
    (
        13,
        include_str!("../migrations/sqlite/0013_paper_store.sql"),
    ),
    (
        14,
        include_str!("../migrations/sqlite/0014_blank_forms.sql"),
    ),
    (
        15,
        include_str!("../migrations/sqlite/0015_processing_time.sql"),
    ),
    (
        17,
        include_str!("../migrations/sqlite/0017_walk_in_vault.sql"),
    ),
    (18, include_str!("../migrations/sqlite/0018_outbox.sql")),
    (19, include_str!("../migrations/sqlite/0019_payments.sql")),
    (
        20,
        include_str!("../migrations/sqlite/0020_boundary_free.sql"),
    ),
    (
        21,
        include_str!("../migrations/sqlite/0021_portal_intake.sql"),
    ),
    (22, include_str!("../migrations/sqlite/0022_population.sql")),
    (
        24,
        include_str!("../migrations/sqlite/0024_processing_counters.sql"),
    ),
    (
        25,
        include_str!("../migrations/sqlite/0025_payment_counters.sql"),
    ),
    (
        27,
        include_str!("../migrations/sqlite/0027_population_checks.sql"),
    ),
    (
        28,
        include_str!("../migrations/sqlite/0028_public_answer.sql"),
    ),
    (
        29,
        include_str!("../migrations/sqlite/0029_lookup_access.sql"),
    ),
    (
        30,
        include_str!("../migrations/sqlite/0030_synced_counters.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (2, include_str!("../migrations/postgres/0002_stats.sql")),
    (
        3,
        include_str!("../migrations/postgres/0003_inspections.sql"),
    ),
    (4, include_str!("../migrations/postgres/0004_office.sql")),
    (5, include_str!("../migrations/postgres/0005_counter.sql")),
    (7, include_str!("../migrations/postgres/0007_documents.sql")),
    (
        8,
        include_str!("../migrations/postgres/0008_public_access.sql"),
    ),
    (9, include_str!("../migrations/postgres/0009_search.sql")),
    (
        10,
        include_str!("../migrations/postgres/0010_public_lookup.sql"),
    ),
    (11, include_str!("../migrations/postgres/0011_feedback.sql")),
    (12, include_str!("../migrations/postgres/0012_vault.sql")),
    (
        13,
        include_str!("../migrations/postgres/0013_paper_store.sql"),
    ),
    (
        14,
        include_str!("../migrations/postgres/0014_blank_forms.sql"),
    ),
    (
        15,
        include_str!("../migrations/postgres/0015_processing_time.sql"),
    ),
    (
        17,
        include_str!("../migrations/postgres/0017_walk_in_vault.sql"),
    ),
    (18, include_str!("../migrations/postgres/0018_outbox.sql")),
    (19, include_str!("../migrations/postgres/0019_payments.sql")),
    (
        20,
        include_str!("../migrations/postgres/0020_boundary_free.sql"),
    ),
    (
        21,
        include_str!("../migrations/postgres/0021_portal_intake.sql"),
    ),
    (
        22,
        include_str!("../migrations/postgres/0022_population.sql"),
    ),
    (
        24,
        include_str!("../migrations/postgres/0024_processing_counters.sql"),
    ),
    (
        25,
        include_str!("../migrations/postgres/0025_payment_counters.sql"),
    ),
    (
        27,
        include_str!("../migrations/postgres/0027_population_checks.sql"),
    ),
    (
        28,
        include_str!("../migrations/postgres/0028_public_answer.sql"),
    ),
    (
        29,
        include_str!("../migrations/postgres/0029_lookup_access.sql"),
    ),
    (
        30,
        include_str!("../migrations/postgres/0030_synced_counters.sql"),
    ),
];

impl Store {
    /// Opens the database and brings its schema up to date.
    pub fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::open_unmigrated(url)?;
        store.migrate()?;
        Ok(store)
    }

    pub fn open_unmigrated(url: &str) -> Result<Store, StoreError> {
        let backend = match DbUrl::parse(url)? {
            DbUrl::Sqlite(path) => Backend::Sqlite(Box::new(sqlite::SqliteDb::open(&path)?)),
            DbUrl::Postgres(url) => Backend::Postgres(postgres::PgDb::open(&url)?),
        };
        Ok(Store {
            backend,
            committed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        })
    }

    pub fn dialect(&self) -> Dialect {
        match self.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `f` in one write transaction: everything or nothing.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let done = match &self.backend {
            Backend::Sqlite(db) => db.write(f),
            Backend::Postgres(db) => db.write(f),
        };
        let counter = if done.is_ok() {
            &self.committed
        } else {
            &self.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
        done
    }

    /// What this store has done since it was opened.
    pub fn stats(&self) -> StoreStats {
        StoreStats {
            writes_committed: self.committed.load(Ordering::Relaxed),
            writes_failed: self.failed.load(Ordering::Relaxed),
            pool: match &self.backend {
                Backend::Sqlite(_) => None,
                Backend::Postgres(db) => Some(db.pool_stats()),
            },
            lookup_cache: match &self.backend {
                Backend::Sqlite(_) => None,
                Backend::Postgres(db) => Some(db.lookup_cache_stats()),
            },
            wal_syncs: match &self.backend {
                Backend::Sqlite(db) => db.group_commit_figures().map(|(_, syncs)| syncs),
                Backend::Postgres(_) => None,
            },
        }
    }

    /// Runs `f` in one read-only transaction (a consistent snapshot).
    pub fn read<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => db.read(f),
            Backend::Postgres(db) => db.read(f),
        }
    }

    /// Runs `f` as a read whose statements need not share one snapshot: on PostgreSQL outside any
    /// transaction (no BEGIN and COMMIT round trips; each statement sees the latest committed
    /// data and nothing may be written), on SQLite like [`Store::read`]. For small public reads
    /// under load, such as the lookup.
    pub fn read_each<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => db.read(f),
            Backend::Postgres(db) => db.read_each(f),
        }
    }

    /// The row of `query` for `key` (at most one, without its first column, the key), read on the
    /// caller's async runtime without a thread of the blocking pool: on PostgreSQL together with
    /// the keys other requests want at the same moment, in one statement ([`PointQuery::any`]); on
    /// SQLite right there, in a snapshot kept for the reads that follow until this store commits
    /// ([`PointQuery::one`]). `None` when the read could not be queued: the caller reads another
    /// way.
    pub async fn point_read_async(
        &self,
        query: &PointQuery,
        key: String,
    ) -> Option<Result<Option<Row>, StoreError>> {
        match &self.backend {
            Backend::Sqlite(db) => db.point_read_async(query.one, key).await,
            Backend::Postgres(db) => db.point_read_async(query.any, key, query.kept).await,
        }
    }

    /// Applies the migrations this database has not seen yet; returns how many ran.
    pub fn migrate(&self) -> Result<usize, StoreError> {
        let migrations = match self.dialect() {
            Dialect::Sqlite => SQLITE_MIGRATIONS,
            Dialect::Postgres => POSTGRES_MIGRATIONS,
        };
        self.write(|tx| {
            if tx.dialect() == Dialect::Postgres {
                // Two servers starting at once must not both migrate.
                tx.exec("SELECT pg_advisory_xact_lock(7424)", &[])?;
            }
            tx.batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            )?;
            let newest = tx
                .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?
                .map(|r| r.i64(0))
                .transpose()?
                .unwrap_or(0);
            let known = schema_version();
            if newest > known {
                return Err(StoreError::invalid(
                    format!(
                        "cơ sở dữ liệu có cấu trúc phiên bản {newest}, mới hơn phiên bản {known} mà chương trình này biết: hãy dùng bản motcua mới hơn"
                    ),
                    format!(
                        "the database has schema version {newest}, newer than version {known} this program knows: use a newer motcua"
                    ),
                ));
            }
            let mut ran = 0;
            for (version, sql) in migrations {
                let done = tx
                    .query_one(
                        "SELECT version FROM schema_migrations WHERE version = $1",
                        &[Value::Int(*version)],
                    )?
                    .is_some();
                if !done {
                    tx.batch(sql)?;
                    if *version == lookup::ANSWER_MIGRATION {
                        lookup::answer_existing_rows(tx)?;
                    }
                    tx.exec(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                        &[Value::Int(*version), Value::Int(millis(Utc::now()))],
                    )?;
                    ran += 1;
                }
            }
            vault::prepare(tx, millis(Utc::now()))?;
            Ok(ran)
        })
    }

    /// The schema version this database is at (0 before any migration).
    pub fn current_schema_version(&self) -> Result<i64, StoreError> {
        self.read(|tx| {
            Ok(tx
                .query_one(
                    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                    &[],
                )?
                .map(|r| r.i64(0))
                .transpose()?
                .unwrap_or(0))
        })
    }

    /// True when the database answers.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.read(|tx| tx.query("SELECT 1", &[]).map(|_| ()))
    }
}

/// The newest schema version this program knows (the same for both backends).
pub fn schema_version() -> i64 {
    SQLITE_MIGRATIONS.last().map_or(0, |m| m.0)
}

/// True when the database holds no units and no events (a fresh one).
pub fn is_empty(tx: &mut dyn Tx) -> Result<bool, StoreError> {
    let n = tx
        .query_one(
            "SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM units)",
            &[],
        )?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0);
    Ok(n == 0)
}

/// Instants are stored as milliseconds since the Unix epoch.
pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Db(format!("timestamp {ms} out of range")))
}

impl From<motcua_domain::orgfile::FileError> for StoreError {
    fn from(e: motcua_domain::orgfile::FileError) -> Self {
        if e.row == 0 {
            StoreError::invalid(e.vi, e.en)
        } else {
            StoreError::invalid(
                format!("dòng {}, cột {}: {}", e.row, e.column, e.vi),
                format!("row {}, column {}: {}", e.row, e.column, e.en),
            )
        }
    }
}
