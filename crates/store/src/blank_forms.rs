//! The procedure's own blank forms (tờ khai, mẫu đơn): a file attached by the catalogue keeper to a
//! paper of a procedure version, so that the public page, the online form and the counter offer
//! the real form next to the paper. The catalogue itself stays made by decisions only: an
//! attachment is a separate, append-only record (who, when, which file), and the newest row of a
//! paper is the one in force; a row without a file withdraws it. The file lives outside the
//! database under `files_dir/forms`, named by its SHA-256 (see `motcua_web`).

use chrono::{DateTime, Utc};

use crate::db::{Row, Tx, Value};
use crate::{StoreError, from_millis, millis};

/// A blank form's file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FormFile {
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// The name it is offered under (`to-khai-dang-ky-khai-sinh.pdf`).
    pub name: String,
    /// `application/pdf`, `application/msword`, the DOCX or the ODT media type.
    pub media_type: String,
    pub bytes: i64,
}

/// One attachment (or withdrawal, without a file) of a blank form to a paper of a version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Attachment {
    pub code: String,
    pub version: i64,
    /// The paper's number in the version's list of papers, from 1.
    pub paper: i64,
    pub file: Option<FormFile>,
    pub attached_at: DateTime<Utc>,
    pub attached_by: String,
}

const COLUMNS: &str =
    "code, version, paper, file_sha256, file_name, media_type, bytes, attached_at, attached_by";

fn attachment(r: &Row) -> Result<Attachment, StoreError> {
    let file = match r.opt_string(3)? {
        Some(sha256) => Some(FormFile {
            sha256,
            name: r.opt_string(4)?.unwrap_or_default(),
            media_type: r.opt_string(5)?.unwrap_or_default(),
            bytes: r.opt_i64(6)?.unwrap_or(0),
        }),
        None => None,
    };
    Ok(Attachment {
        code: r.str(0)?.to_owned(),
        version: r.i64(1)?,
        paper: r.i64(2)?,
        file,
        attached_at: from_millis(r.i64(7)?)?,
        attached_by: r.str(8)?.to_owned(),
    })
}

/// Records an attachment (or, without a file, a withdrawal) after checking that the version
/// exists and has that paper.
pub fn attach(
    tx: &mut dyn Tx,
    code: &str,
    version: i64,
    paper: i64,
    file: Option<&FormFile>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let procedure = crate::procedures::versions(tx, code)?
        .into_iter()
        .find(|p| p.version == version)
        .ok_or_else(|| {
            StoreError::not_found(
                format!("thủ tục {code} phiên bản {version}"),
                format!("procedure {code} version {version}"),
            )
        })?;
    if paper < 1 || paper as usize > procedure.spec.papers.len() {
        return Err(StoreError::not_found(
            format!("thành phần hồ sơ số {paper} của thủ tục {code} phiên bản {version}"),
            format!("paper {paper} of procedure {code} version {version}"),
        ));
    }
    tx.exec(
        "INSERT INTO procedure_forms (code, version, paper, file_sha256, file_name, media_type, \
         bytes, attached_at, attached_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            Value::from(code),
            Value::Int(version),
            Value::Int(paper),
            file.map_or(Value::Null, |f| Value::from(&f.sha256)),
            file.map_or(Value::Null, |f| Value::from(&f.name)),
            file.map_or(Value::Null, |f| Value::from(&f.media_type)),
            file.map_or(Value::Null, |f| Value::Int(f.bytes)),
            Value::Int(millis(at)),
            Value::from(by),
        ],
    )?;
    Ok(())
}

/// Every attachment of a procedure's versions, oldest first (the record).
pub fn history(tx: &mut dyn Tx, code: &str) -> Result<Vec<Attachment>, StoreError> {
    tx.query(
        &format!("SELECT {COLUMNS} FROM procedure_forms WHERE code = $1 ORDER BY id"),
        &[Value::from(code)],
    )?
    .iter()
    .map(attachment)
    .collect()
}

/// The blank forms in force for one version: (paper number, file), by paper.
pub fn current(
    tx: &mut dyn Tx,
    code: &str,
    version: i64,
) -> Result<Vec<(i64, FormFile)>, StoreError> {
    let mut newest: std::collections::BTreeMap<i64, Option<FormFile>> = Default::default();
    for a in history(tx, code)? {
        if a.version == version {
            newest.insert(a.paper, a.file);
        }
    }
    Ok(newest
        .into_iter()
        .filter_map(|(p, f)| f.map(|f| (p, f)))
        .collect())
}

/// The blank form in force for one paper of a version.
pub fn of_paper(
    tx: &mut dyn Tx,
    code: &str,
    version: i64,
    paper: i64,
) -> Result<Option<FormFile>, StoreError> {
    Ok(current(tx, code, version)?
        .into_iter()
        .find(|(p, _)| *p == paper)
        .map(|(_, f)| f))
}

/// Every blank form in force, for every version: (code, version, paper, file), for the catalogue's
/// export.
pub fn all_current(tx: &mut dyn Tx) -> Result<Vec<(String, i64, i64, FormFile)>, StoreError> {
    let mut newest: std::collections::BTreeMap<(String, i64, i64), Option<FormFile>> =
        Default::default();
    for r in tx.query(
        &format!("SELECT {COLUMNS} FROM procedure_forms ORDER BY id"),
        &[],
    )? {
        let a = attachment(&r)?;
        newest.insert((a.code, a.version, a.paper), a.file);
    }
    Ok(newest
        .into_iter()
        .filter_map(|((c, v, p), f)| f.map(|f| (c, v, p, f)))
        .collect())
}
