//! The demo's electronic documents: the results of dossiers resolved in the last weeks issued as
//! signed PDFs (with the built-in TEST certificate unless one is configured; a certification of a
//! copy still at the desk also gets its electronic certified copy), and scans attached at
//! the counter to the papers of dossiers received there recently, through the same code the staff
//! pages use, so Decision 766 indicators 6.1 and 6.2 have numbers.

use anyhow::Result;
use chrono::{DateTime, TimeDelta, Utc};
use motcua_domain::authz::{Action, can};
use motcua_domain::dossier::Status;
use motcua_domain::org::Staff;
use motcua_pdf::{Block, Document, Header, Meta};
use motcua_store::db::Value;
use motcua_store::{StoreError, Tx, dossiers, org};
use motcua_web::App;

/// At most this many of each, newest first: enough to show, quick to make.
const LIMIT: usize = 60;

fn desk_of(tx: &mut dyn Tx, staff: &[Staff], unit: &str) -> Result<Option<Staff>, StoreError> {
    let chain = org::chain(tx, unit)?;
    Ok(staff
        .iter()
        .find(|s| s.active && can(&s.grants, Action::Desk, &chain))
        .cloned())
}

fn recent(tx: &mut dyn Tx, sql: &str, since: DateTime<Utc>) -> Result<Vec<i64>, StoreError> {
    tx.query(sql, &[Value::Int(since.timestamp_millis())])?
        .iter()
        .map(|r| r.i64(0))
        .collect()
}

/// A stand-in for a scanner's output: a one-page PDF naming the paper.
fn scan_of(code: &str, paper: &str, at: DateTime<Utc>) -> Result<Vec<u8>> {
    let doc = Document {
        header: Header {
            issuer: "BẢN QUÉT TẠI QUẦY".into(),
            ..Header::default()
        },
        title: "BẢN QUÉT GIẤY TỜ (DỮ LIỆU MÔ PHỎNG)".into(),
        subtitle: vec![paper.to_owned()],
        body: vec![Block::text(format!(
            "Bản quét giấy tờ \"{paper}\" của hồ sơ {code}, số hóa tại Bộ phận Một cửa."
        ))],
        signers: vec![],
        recipients: vec![],
        meta: Meta {
            title: format!("Bản quét: {paper}"),
            author: "motcua demo".into(),
            subject: Some(format!("Hồ sơ {code}")),
            created: at,
        },
        landscape: false,
    };
    Ok(motcua_pdf::render(&doc)?)
}

fn failed(e: motcua_web::ApiError) -> StoreError {
    StoreError::Db(format!("{} / {}", e.vi, e.en))
}

/// Issues results and attaches scans; returns (results issued, papers scanned).
pub fn seed(app: &App, now: DateTime<Utc>) -> Result<(usize, usize)> {
    let since = now - TimeDelta::days(21);
    let (resolved, received, staff) = app.store.read(|tx| {
        Ok((
            recent(
                tx,
                "SELECT id FROM dossiers WHERE status IN ('result_ready', 'returned') AND finished_at >= $1 \
                 ORDER BY finished_at DESC",
                since,
            )?,
            recent(
                tx,
                "SELECT id FROM dossiers WHERE channel = 'desk' AND closed_at IS NULL AND received_at >= $1 \
                 ORDER BY received_at DESC",
                since,
            )?,
            org::list_staff(tx)?,
        ))
    })?;
    let mut issued = 0;
    for id in resolved.into_iter().take(LIMIT) {
        issued += app.store.write(|tx| {
            let d = dossiers::load(tx, id)?;
            if !matches!(d.status, Status::ResultReady | Status::Returned) {
                return Ok(0);
            }
            let Some(desk) = desk_of(tx, &staff, &d.unit)? else {
                return Ok(0);
            };
            // A certification of a copy still at the desk: the original scanned, then certified.
            if motcua_domain::stats::certifies_copies(&d)
                && d.closed_at.is_none()
                && d.papers.first().is_some_and(|p| p.file.is_none())
            {
                let code = d.code.clone().unwrap_or_default();
                let pdf = scan_of(&code, &d.papers[0].name, now)
                    .map_err(|e| StoreError::Db(e.to_string()))?;
                motcua_web::documents::service::attach_scan(app, tx, &desk, id, 1, &pdf, None)
                    .map_err(failed)?;
                motcua_web::documents::service::issue(
                    app,
                    tx,
                    &desk,
                    id,
                    None,
                    motcua_domain::dossier::DocumentKind::CertifiedCopy,
                    Some(0),
                )
                .map_err(failed)?;
            }
            motcua_web::documents::service::issue_result(app, tx, &desk, id, None)
                .map_err(failed)?;
            Ok(1)
        })?;
    }
    let mut scanned = 0;
    for id in received.into_iter().take(LIMIT) {
        scanned += app.store.write(|tx| {
            let d = dossiers::load(tx, id)?;
            let Some(desk) = desk_of(tx, &staff, &d.unit)? else {
                return Ok(0);
            };
            let code = d.code.clone().unwrap_or_default();
            let mut n = 0;
            for (i, p) in d.papers.iter().enumerate() {
                if p.file.is_some() {
                    continue;
                }
                let pdf =
                    scan_of(&code, &p.name, now).map_err(|e| StoreError::Db(e.to_string()))?;
                motcua_web::documents::service::attach_scan(app, tx, &desk, id, i + 1, &pdf, None)
                    .map_err(failed)?;
                n += 1;
            }
            Ok(n)
        })?;
    }
    Ok((issued, scanned))
}
