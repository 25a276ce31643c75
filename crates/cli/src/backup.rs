//! `motcua backup` and `motcua restore`: one portable archive of everything, read from a consistent
//! snapshot while the server keeps serving, restored into an empty database of either backend.
//!
//! The archive is a ZIP file (see ARCHITECTURE.md, "Backups"):
//! - `tables/NAME.jsonl`: one JSON array per row, the columns listed in the manifest;
//! - `files/PATH`: the uploaded papers, at their path under `files_dir` (`ab/abcdef...`);
//! - `manifest.json`: format and schema version, the source, when, the ledger head, the counts,
//!   and for every member its size, row count and SHA-256.
//!
//! A restore checks every member against the manifest before touching the target, refuses a target
//! that holds anything, loads the tables in one transaction, rebuilds projections and counters,
//! verifies every hash chain and that the ledger head is the manifest's, and only then commits.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use motcua_store::backup::{self, Loader, TABLES};
use motcua_store::{DbUrl, Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

use crate::BadInput;
use crate::config::redact;

pub const FORMAT: &str = "motcua-backup";
pub const FORMAT_VERSION: i64 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: i64,
    pub schema_version: i64,
    pub created_at: String,
    pub source_backend: String,
    pub ledger_seq: i64,
    pub ledger_hash: String,
    pub dossiers: i64,
    pub events: i64,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    /// The table it holds (none for a file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

/// A writer that hashes and counts what passes through.
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn store_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid { .. } => BadInput(e.to_string()).into(),
        e => e.into(),
    }
}

fn io_error(e: std::io::Error) -> StoreError {
    StoreError::Db(format!("archive: {e}"))
}

fn private_file(path: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| {
        BadInput(format!(
            "không ghi được {} / cannot write {}: {e}",
            path.display(),
            path.display()
        ))
        .into()
    })
}

/// Writes the archive of `url` (and the papers in `files_dir`) to `output`.
pub fn backup(url: &str, output: &Path, files_dir: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let store = crate::open_store(url)?;
    let tmp = output.with_extension("partial");
    let file = private_file(&tmp)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true);
    let backend = match store.dialect() {
        motcua_store::Dialect::Sqlite => "sqlite",
        motcua_store::Dialect::Postgres => "postgres",
    };
    let manifest = store
        .read(|tx| {
            backup::snapshot(tx)?;
            backup::check_tables(tx)?;
            // No verification here: a backup copies what is there, evidence of tampering included
            // (`motcua verify` checks the database; a restore verifies the copy).
            let facts = backup::source_facts(tx)?;
            let mut members = vec![];
            for t in TABLES {
                let cols = backup::columns(tx, t.name)?;
                let name = format!("tables/{}.jsonl", t.name);
                zip.start_file(name.as_str(), options)
                    .map_err(|e| StoreError::Db(e.to_string()))?;
                let mut w = Hashing {
                    inner: &mut zip,
                    hash: Sha256::new(),
                    bytes: 0,
                };
                let mut line = Vec::with_capacity(4096);
                let rows = backup::dump(tx, t, &cols, &mut |r| {
                    line.clear();
                    backup::write_row(&mut line, r)?;
                    line.push(b'\n');
                    w.write_all(&line).map_err(io_error)
                })?;
                members.push(Member {
                    name,
                    table: Some(t.name.to_owned()),
                    columns: cols,
                    rows,
                    bytes: w.bytes,
                    sha256: hex::encode(w.hash.finalize()),
                });
            }
            Ok(Manifest {
                format: FORMAT.into(),
                format_version: FORMAT_VERSION,
                schema_version: facts.schema_version,
                created_at: chrono::Utc::now().to_rfc3339(),
                source_backend: backend.into(),
                ledger_seq: facts.ledger_seq,
                ledger_hash: facts.ledger_hash,
                dossiers: facts.dossiers,
                events: facts.events,
                members,
            })
        })
        .map_err(store_error)?;
    let mut manifest = manifest;
    // Papers are named by their content's hash: any taken after the snapshot are harmless extras.
    for (path, relative) in papers(files_dir)? {
        let name = format!("files/{relative}");
        zip.start_file(name.as_str(), options)?;
        let mut w = Hashing {
            inner: &mut zip,
            hash: Sha256::new(),
            bytes: 0,
        };
        std::io::copy(&mut std::fs::File::open(&path)?, &mut w)?;
        manifest.members.push(Member {
            name,
            table: None,
            columns: vec![],
            rows: 0,
            bytes: w.bytes,
            sha256: hex::encode(w.hash.finalize()),
        });
    }
    zip.start_file("manifest.json", options)?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
    let mut inner = zip.finish()?;
    inner.flush()?;
    inner
        .into_inner()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .sync_all()?;
    std::fs::rename(&tmp, output)?;
    let size = std::fs::metadata(output)?.len();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "đã sao lưu {} vào {}: {} hồ sơ, {} sự kiện, đầu sổ cái {}:{}, {} tệp giấy tờ, {:.1} MB trong {:.1} giây / backed up {} to {}: {} dossiers, {} events, ledger head {}:{}, {} papers, {:.1} MB in {:.1} s",
        redact(url),
        output.display(),
        manifest.dossiers,
        manifest.events,
        manifest.ledger_seq,
        manifest.ledger_hash,
        manifest
            .members
            .iter()
            .filter(|m| m.table.is_none())
            .count(),
        size as f64 / 1e6,
        secs,
        redact(url),
        output.display(),
        manifest.dossiers,
        manifest.events,
        manifest.ledger_seq,
        manifest.ledger_hash,
        manifest
            .members
            .iter()
            .filter(|m| m.table.is_none())
            .count(),
        size as f64 / 1e6,
        secs
    );
    Ok(())
}

/// The papers under `dir` (the web layer keeps them as `ab/abcdef...`), with their paths relative to
/// it, `/`-separated, sorted; temporary files (a leading dot) are left out.
fn papers(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut out = vec![];
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        if !d.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !safe_component(&name) {
                continue;
            }
            let relative = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() && relative.matches('/').count() < 4 {
                stack.push((entry.path(), relative));
            } else if kind.is_file() {
                out.push((entry.path(), relative));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// A path component a paper may have: letters, digits, `.`, `_`, `-`, not starting with a dot.
fn safe_component(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

fn damaged(why: impl std::fmt::Display) -> anyhow::Error {
    BadInput(format!(
        "bản sao lưu hỏng hoặc đã bị sửa / the archive is damaged or has been altered: {why}"
    ))
    .into()
}

type Archive = zip::ZipArchive<BufReader<std::fs::File>>;

/// Opens an archive and checks every member against its manifest.
fn open_checked(path: &Path) -> Result<(Archive, Manifest)> {
    let file = std::fs::File::open(path).map_err(|e| {
        BadInput(format!(
            "không đọc được {} / cannot read {}: {e}",
            path.display(),
            path.display()
        ))
    })?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(damaged)?;
    let manifest: Manifest = {
        let mut m = zip
            .by_name("manifest.json")
            .map_err(|_| damaged("thiếu manifest.json / no manifest.json"))?;
        let mut text = String::new();
        m.read_to_string(&mut text).map_err(damaged)?;
        serde_json::from_str(&text).map_err(damaged)?
    };
    if manifest.format != FORMAT || manifest.format_version > FORMAT_VERSION {
        return Err(BadInput(format!(
            "không phải bản sao lưu motcua định dạng {FORMAT_VERSION} / not a motcua backup of format {FORMAT_VERSION}"
        ))
        .into());
    }
    if manifest.schema_version > motcua_store::schema_version() {
        return Err(BadInput(format!(
            "bản sao lưu có cấu trúc phiên bản {}, mới hơn phiên bản {} của chương trình này / the archive has schema version {}, newer than this program's {}",
            manifest.schema_version,
            motcua_store::schema_version(),
            manifest.schema_version,
            motcua_store::schema_version()
        ))
        .into());
    }
    let listed: std::collections::BTreeSet<&str> =
        manifest.members.iter().map(|m| m.name.as_str()).collect();
    for i in 0..zip.len() {
        let name = zip.by_index(i).map_err(damaged)?.name().to_owned();
        if name != "manifest.json" && !listed.contains(name.as_str()) {
            return Err(damaged(format!(
                "'{name}' không có trong manifest / '{name}' is not in the manifest"
            )));
        }
    }
    for m in &manifest.members {
        let mut entry = zip
            .by_name(&m.name)
            .map_err(|_| damaged(format!("thiếu {} / {} is missing", m.name, m.name)))?;
        let mut hash = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut bytes = 0u64;
        let mut lines = 0u64;
        loop {
            let n = entry.read(&mut buf).map_err(damaged)?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            bytes += n as u64;
            lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        }
        if hex::encode(hash.finalize()) != m.sha256 || bytes != m.bytes {
            return Err(damaged(format!(
                "{} không khớp SHA-256 / {} does not match its SHA-256",
                m.name, m.name
            )));
        }
        if m.table.is_some() && lines != m.rows {
            return Err(damaged(format!(
                "{}: {lines} dòng, manifest ghi {} / {}: {lines} lines, the manifest says {}",
                m.name, m.rows, m.name, m.rows
            )));
        }
        if m.table.is_none() {
            let relative = m.name.strip_prefix("files/").unwrap_or("");
            if relative.is_empty() || !relative.split('/').all(safe_component) {
                return Err(damaged(format!(
                    "tên tệp lạ {} / odd member name {}",
                    m.name, m.name
                )));
            }
        }
    }
    for t in TABLES {
        if !manifest
            .members
            .iter()
            .any(|m| m.table.as_deref() == Some(t.name))
        {
            return Err(damaged(format!(
                "thiếu bảng {} / table {} is missing",
                t.name, t.name
            )));
        }
    }
    Ok((zip, manifest))
}

/// Restores `archive` into the empty database `url`, the papers into `files_dir`.
pub fn restore(archive: &Path, url: &str, files_dir: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let (mut zip, manifest) = open_checked(archive)?;
    // A SQLite file that did not exist is removed again when the restore fails.
    let created_file = match DbUrl::parse(url) {
        Ok(DbUrl::Sqlite(p)) if !p.exists() => Some(p),
        _ => None,
    };
    let result = restore_into(&mut zip, &manifest, url, files_dir);
    if result.is_err()
        && let Some(p) = created_file
    {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
    }
    let report = result?;
    println!(
        "đã khôi phục {} vào {}: {} hồ sơ, {} sự kiện, {} mục sổ cái, đầu sổ cái {}:{} (khớp bản sao lưu), toàn vẹn, {:.1} giây / restored {} into {}: {} dossiers, {} events, {} ledger entries, ledger head {}:{} (as in the archive), intact, {:.1} s",
        archive.display(),
        redact(url),
        report.dossiers,
        report.events,
        report.ledger_entries,
        manifest.ledger_seq,
        manifest.ledger_hash,
        started.elapsed().as_secs_f64(),
        archive.display(),
        redact(url),
        report.dossiers,
        report.events,
        report.ledger_entries,
        manifest.ledger_seq,
        manifest.ledger_hash,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn restore_into(
    zip: &mut Archive,
    manifest: &Manifest,
    url: &str,
    files_dir: &Path,
) -> Result<motcua_store::ledger::Report> {
    let store: Store = crate::open_store(url)?;
    let empty = store.read(backup::target_is_empty).map_err(store_error)?;
    if !empty {
        return Err(BadInput(format!(
            "cơ sở dữ liệu đích {} không trống; khôi phục chỉ vào cơ sở dữ liệu trống / the target {} is not empty; restore only into an empty database",
            redact(url),
            redact(url)
        ))
        .into());
    }
    // Papers first (content-addressed, so writing them twice is harmless); those written here are
    // removed again if the database part fails.
    let mut written: Vec<PathBuf> = vec![];
    let files: Vec<&Member> = manifest
        .members
        .iter()
        .filter(|m| m.table.is_none())
        .collect();
    if !files.is_empty() {
        std::fs::create_dir_all(files_dir)
            .with_context(|| format!("cannot create {}", files_dir.display()))?;
    }
    let mut copy_files = || -> Result<()> {
        for m in &files {
            let dest = files_dir.join(m.name.trim_start_matches("files/"));
            if dest.exists() {
                continue;
            }
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut entry = zip.by_name(&m.name)?;
            let mut out = std::fs::File::create(&dest)?;
            written.push(dest);
            std::io::copy(&mut entry, &mut out)?;
        }
        Ok(())
    };
    let copied = copy_files();
    let outcome = copied.and_then(|()| {
        let begun = std::time::Instant::now();
        store
            .write(|tx| {
                let members: BTreeMap<&str, &Member> = manifest
                    .members
                    .iter()
                    .filter_map(|m| Some((m.table.as_deref()?, m)))
                    .collect();
                for t in TABLES {
                    let m = members[t.name];
                    let mut loader = Loader::new(tx, t, m.columns.clone())?;
                    let entry = zip
                        .by_name(&m.name)
                        .map_err(|e| StoreError::Db(e.to_string()))?;
                    let mut rows = vec![];
                    let reader = BufReader::new(entry);
                    let units = t.name == "units";
                    for line in reader.lines() {
                        let line = line.map_err(io_error)?;
                        let v: serde_json::Value = serde_json::from_str(&line).map_err(|_| {
                            StoreError::invalid(
                                format!("dòng hỏng trong {}", m.name),
                                format!("a damaged line in {}", m.name),
                            )
                        })?;
                        let row = backup::row_from_json(&v)?;
                        if units {
                            rows.push(row);
                        } else {
                            loader.push(tx, row)?;
                        }
                    }
                    if units {
                        let at = |c: &str| m.columns.iter().position(|x| x == c);
                        if let (Some(code), Some(parent)) = (at("code"), at("parent")) {
                            backup::parents_first(&mut rows, code, parent);
                        }
                        for row in rows {
                            loader.push(tx, row)?;
                        }
                    }
                    loader.flush(tx)?;
                }
                let loaded = std::time::Instant::now();
                tracing::info!(seconds = loaded.duration_since(begun).as_secs_f64(), "restore: tables loaded");
                backup::rebuild(tx)?;
                let rebuilt = std::time::Instant::now();
                tracing::info!(seconds = rebuilt.duration_since(loaded).as_secs_f64(), "restore: projections and counters rebuilt");
                let report = motcua_store::ledger::verify(tx, &[])?;
                tracing::info!(seconds = rebuilt.elapsed().as_secs_f64(), "restore: verified");
                if !report.findings.is_empty() {
                    return Err(StoreError::invalid(
                        format!(
                            "kiểm tra sau khi khôi phục thấy {} sai lệch, ví dụ: {}",
                            report.findings.len(),
                            report.findings[0]
                        ),
                        format!(
                            "verification after the restore found {} problems",
                            report.findings.len()
                        ),
                    ));
                }
                let head = report.head.clone().unwrap_or((0, String::new()));
                if head != (manifest.ledger_seq, manifest.ledger_hash.clone())
                    || report.events as i64 != manifest.events
                {
                    return Err(StoreError::invalid(
                        format!(
                            "đầu sổ cái sau khi khôi phục {}:{} khác bản sao lưu {}:{}",
                            head.0, head.1, manifest.ledger_seq, manifest.ledger_hash
                        ),
                        format!(
                            "the ledger head after the restore {}:{} differs from the archive's {}:{}",
                            head.0, head.1, manifest.ledger_seq, manifest.ledger_hash
                        ),
                    ));
                }
                Ok(report)
            })
            .map_err(|e| match e {
                StoreError::Invalid { .. } => damaged(e),
                e => anyhow::Error::new(e).context("restore"),
            })
    });
    if outcome.is_err() {
        for p in written {
            let _ = std::fs::remove_file(p);
        }
    }
    outcome
}
