//! The catalogue: announcement decisions (append-only), the procedure versions they made (a
//! projection, rebuildable from the decisions), and what each unit has posted.

use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::catalogue::{Announcement, Catalogue, Change, Posting};
use motcua_domain::procedure::Procedure;

use crate::db::{Row, Tx, Value};
use crate::{StoreError, millis};

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Db(format!("stored date '{s}' does not parse")))
}

fn version_row(r: &Row) -> Result<Procedure, StoreError> {
    Ok(Procedure {
        version: r.i64(0)?,
        effective_from: date(r.str(1)?)?,
        effective_to: r.opt_string(2)?.map(|d| date(&d)).transpose()?,
        announced_by: r.string(3)?,
        spec: r.json(4)?,
    })
}

const COLUMNS: &str = "version, effective_from, effective_to, announced_by, spec";

/// Every version of every procedure.
pub fn catalogue(tx: &mut dyn Tx) -> Result<Catalogue, StoreError> {
    let rows = tx.query(
        &format!("SELECT {COLUMNS} FROM procedure_versions ORDER BY code, version"),
        &[],
    )?;
    Ok(Catalogue::new(
        rows.iter().map(version_row).collect::<Result<_, _>>()?,
    ))
}

/// The version of a procedure in force on a date.
pub fn in_force(tx: &mut dyn Tx, code: &str, on: NaiveDate) -> Result<Procedure, StoreError> {
    let d = Value::Text(on.to_string());
    tx.query_one(
        &format!(
            "SELECT {COLUMNS} FROM procedure_versions WHERE code = $1 AND effective_from <= $2 \
             AND (effective_to IS NULL OR effective_to >= $2) ORDER BY version DESC LIMIT 1"
        ),
        &[Value::from(code), d],
    )?
    .map(|r| version_row(&r))
    .transpose()?
    .ok_or_else(|| {
        StoreError::not_found(
            format!("thủ tục {code} (đang hiệu lực ngày {on})"),
            format!("procedure {code} (in force on {on})"),
        )
    })
}

pub fn versions(tx: &mut dyn Tx, code: &str) -> Result<Vec<Procedure>, StoreError> {
    tx.query(
        &format!("SELECT {COLUMNS} FROM procedure_versions WHERE code = $1 ORDER BY version"),
        &[Value::from(code)],
    )?
    .iter()
    .map(version_row)
    .collect()
}

/// A number that changes whenever the catalogue does (to know when a cached index is stale): the
/// last decision imported, since decisions are the only thing that change procedure versions.
pub fn generation(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    Ok(tx
        .query_one("SELECT COALESCE(MAX(id), 0) FROM announcements", &[])?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

fn persist(tx: &mut dyn Tx, changes: &[Change]) -> Result<(), StoreError> {
    for c in changes {
        match c {
            Change::Close {
                code,
                version,
                last_day,
            } => {
                tx.exec(
                    "UPDATE procedure_versions SET effective_to = $1 WHERE code = $2 AND version = $3",
                    &[
                        Value::Text(last_day.to_string()),
                        Value::from(code),
                        Value::Int(*version),
                    ],
                )?;
            }
            Change::Open(p) => {
                let spec =
                    serde_json::to_string(&p.spec).map_err(|e| StoreError::Db(e.to_string()))?;
                tx.exec(
                    "INSERT INTO procedure_versions (code, version, effective_from, effective_to, announced_by, spec) \
                     VALUES ($1, $2, $3, NULL, $4, $5)",
                    &[
                        Value::from(&p.spec.code),
                        Value::Int(p.version),
                        Value::Text(p.effective_from.to_string()),
                        Value::from(&p.announced_by),
                        Value::Text(spec),
                    ],
                )?;
            }
        }
    }
    Ok(())
}

/// Applies announcement decisions in order, all or nothing: each is checked against the catalogue
/// as the previous ones left it; the first problem (naming the decision and the row) stops the
/// whole import. Returns the number of procedure versions created.
pub fn import(
    tx: &mut dyn Tx,
    announcements: &[Announcement],
    by: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut cat = catalogue(tx)?;
    let mut created = 0;
    for (i, a) in announcements.iter().enumerate() {
        let exists = tx
            .query_one(
                "SELECT id FROM announcements WHERE number = $1",
                &[Value::from(a.number.trim())],
            )?
            .is_some();
        let which = |vi: &str, en: &str| {
            StoreError::invalid(
                format!(
                    "quyết định {} ({}/{}): {vi}",
                    a.number,
                    i + 1,
                    announcements.len()
                ),
                format!(
                    "decision {} ({}/{}): {en}",
                    a.number,
                    i + 1,
                    announcements.len()
                ),
            )
        };
        if exists {
            return Err(which("đã được nhập trước đây", "was already imported"));
        }
        let changes = cat.apply(a).map_err(|e| {
            let row = |p: &str| e.item.map_or_else(String::new, |i| format!("{p} {i}: "));
            which(
                &format!("{}{}", row("dòng"), e.vi),
                &format!("{}{}", row("row"), e.en),
            )
        })?;
        persist(tx, &changes)?;
        created += changes
            .iter()
            .filter(|c| matches!(c, Change::Open(_)))
            .count();
        let body = serde_json::to_string(a).map_err(|e| StoreError::Db(e.to_string()))?;
        tx.exec(
            "INSERT INTO announcements (number, effective, body, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5)",
            &[
                Value::Text(a.number.trim().to_owned()),
                Value::Text(a.effective.to_string()),
                Value::Text(body),
                Value::Int(millis(now)),
                Value::from(by),
            ],
        )?;
        cat = cat.with(&changes);
    }
    Ok(created)
}

/// Every announcement decision, in the order it was imported.
pub fn announcements(tx: &mut dyn Tx) -> Result<Vec<Announcement>, StoreError> {
    tx.query("SELECT body FROM announcements ORDER BY id", &[])?
        .iter()
        .map(|r| r.json(0))
        .collect()
}

/// Records what a unit has posted at its desk (a version of a procedure, on a date).
pub fn record_posting(
    tx: &mut dyn Tx,
    posting: &Posting,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    crate::org::get_unit(tx, &posting.unit)?;
    let known = tx
        .query_one(
            "SELECT version FROM procedure_versions WHERE code = $1 AND version = $2",
            &[Value::from(&posting.code), Value::Int(posting.version)],
        )?
        .is_some();
    if !known {
        return Err(StoreError::not_found(
            format!("thủ tục {} phiên bản {}", posting.code, posting.version),
            format!("procedure {} version {}", posting.code, posting.version),
        ));
    }
    tx.exec(
        "INSERT INTO postings (unit, code, version, posted_on, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Value::from(&posting.unit),
            Value::from(&posting.code),
            Value::Int(posting.version),
            Value::Text(posting.posted_on.to_string()),
            Value::Int(millis(now)),
            Value::from(by),
        ],
    )?;
    Ok(())
}

/// Postings, of one unit or of all.
pub fn postings(tx: &mut dyn Tx, unit: Option<&str>) -> Result<Vec<Posting>, StoreError> {
    let rows = match unit {
        Some(u) => tx.query(
            "SELECT unit, code, version, posted_on FROM postings WHERE unit = $1 ORDER BY id",
            &[Value::from(u)],
        )?,
        None => tx.query(
            "SELECT unit, code, version, posted_on FROM postings ORDER BY id",
            &[],
        )?,
    };
    rows.iter()
        .map(|r| {
            Ok(Posting {
                unit: r.string(0)?,
                code: r.string(1)?,
                version: r.i64(2)?,
                posted_on: date(r.str(3)?)?,
            })
        })
        .collect()
}

/// Recomputes every procedure version from the announcement decisions.
pub fn rebuild(tx: &mut dyn Tx) -> Result<usize, StoreError> {
    let all = announcements(tx)?;
    tx.exec("DELETE FROM procedure_versions", &[])?;
    let mut cat = Catalogue::default();
    let mut count = 0;
    for a in &all {
        let changes = cat.apply(a).map_err(|e| {
            StoreError::Db(format!(
                "stored decision {} no longer applies: {e}",
                a.number
            ))
        })?;
        persist(tx, &changes)?;
        count += changes
            .iter()
            .filter(|c| matches!(c, Change::Open(_)))
            .count();
        cat = cat.with(&changes);
    }
    Ok(count)
}

/// The id of the synonym table in use (0: the shipped one): it changes with every import.
pub fn synonyms_id(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    Ok(tx
        .query_one("SELECT COALESCE(MAX(id), 0) FROM search_synonym_lists", &[])?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

/// The synonym table search uses: the newest the catalogue keeper imported, with its id (the
/// search index is rebuilt when it changes); id 0 and the shipped table when none was imported.
pub fn synonyms(
    tx: &mut dyn Tx,
) -> Result<(i64, Vec<motcua_domain::catalogue::Synonym>), StoreError> {
    let Some(row) = tx.query_one(
        "SELECT id, body FROM search_synonym_lists ORDER BY id DESC LIMIT 1",
        &[],
    )?
    else {
        return Ok((0, motcua_domain::search::shipped_synonyms()));
    };
    let list = motcua_domain::search::parse_synonyms(row.str(1)?)
        .map_err(|(line, m)| StoreError::Db(format!("stored synonyms, line {line}: {}", m.en)))?;
    Ok((row.i64(0)?, list))
}

/// Replaces the synonym table (kept for the record: who, when, from which file); the new id.
pub fn import_synonyms(
    tx: &mut dyn Tx,
    list: &[motcua_domain::catalogue::Synonym],
    by: &str,
    source: &str,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let body = motcua_domain::search::synonyms_text(list);
    if motcua_domain::search::parse_synonyms(&body).as_deref() != Ok(list) {
        return Err(StoreError::invalid(
            "bảng từ đồng nghĩa có dòng không hợp lệ",
            "the synonym table has a line that does not read back",
        ));
    }
    tx.query_one(
        "INSERT INTO search_synonym_lists (imported_at, imported_by, source, body) \
         VALUES ($1, $2, $3, $4) RETURNING id",
        &[
            Value::Int(millis(at)),
            Value::from(by),
            Value::from(source),
            Value::Text(body),
        ],
    )?
    .ok_or_else(|| StoreError::Db("no id returned".into()))?
    .i64(0)
}
