//! The citizen's store of papers (kho giấy tờ đã số hóa của công dân; issue 18, item 5).
//!
//! Every digitised paper of a dossier (uploaded online, scanned at the counter, or reused from the
//! store) and every signed electronic document issued for it is kept in `paper_store`, when the
//! applicant has an identifier (ID number, passport or tax code). Rows are keyed by the dossier and
//! its vault subject and hold nothing personal: the name of the paper as the procedure lists it (or
//! the document's title), the file's SHA-256, where it came from. A person's papers are found only
//! through the vault's blind index (`vault::dossiers_of`, an HMAC of the identifier), so:
//!
//! - the desk finds what the store holds for the ID number the applicant gives, and offers each
//!   paper the procedure asks for that is already there ("Đã số hóa: dùng lại");
//! - erasing a subject removes its blind-index terms (nothing finds its dossier by identifier any
//!   more) and this module deletes its rows in the same transaction, so they are never offered
//!   again; a rebuild does not bring them back (`Dossier::erased_at`).
//!
//! The table is a projection of the log: `dossiers::execute` rewrites a dossier's rows after the
//! events that change them, `dossiers::rebuild` writes them all again, backups leave it out.
//! Decision 766 indicators 4.3 (`reused`) and 4.4 (`digitised_kept`) are counted here.

use std::collections::BTreeMap;

use motcua_domain::dossier::{Applicant, ApplicantKind, Dossier, Event, Instant};
use motcua_domain::stats::Period;
use serde::Serialize;

use crate::db::{Sql, Tx, Value};
use crate::vault::{self, Keys, Subject};
use crate::{StoreError, from_millis, millis};

/// The applicant's identifier the store is kept under: the citizen's ID number, the foreigner's
/// passport or the organisation's tax code (None: nothing to keep it under).
pub fn identifier(a: &Applicant) -> Option<&str> {
    let id = match &a.kind {
        ApplicantKind::Citizen => a.id_number.as_deref().unwrap_or(""),
        ApplicantKind::Foreigner { passport, .. } => passport.as_str(),
        ApplicantKind::Organisation { tax_code, .. } => tax_code.as_str(),
    };
    let id = if id.is_empty() {
        a.id_number.as_deref().unwrap_or("")
    } else {
        id
    };
    (!vault::normalise_term(id).is_empty() && id != vault::ERASED).then_some(id)
}

/// Whether an event can change what the store holds for its dossier.
/// Whether an event can change a dossier's rows in the store (so `execute` opens the vault for it).
pub(crate) fn touches_store(e: &Event) -> bool {
    matches!(
        e,
        Event::Received { .. }
            | Event::PaperDigitised { .. }
            | Event::DocumentIssued { .. }
            | Event::Supplemented { .. }
            | Event::Corrected { .. }
            | Event::PersonalDataErased { .. }
    )
}

/// After an event of dossier `id` (its state `d`, with the personal data in clear): rewrites the
/// dossier's rows when the event can change them; an erasure leaves none.
pub fn on_event(
    tx: &mut dyn Tx,
    id: i64,
    subject: &Subject,
    d: &Dossier,
    e: &Event,
) -> Result<(), StoreError> {
    if !touches_store(e) {
        return Ok(());
    }
    tx.exec(
        "DELETE FROM paper_store WHERE dossier_id = $1",
        &[Value::Int(id)],
    )?;
    if subject.erased {
        return Ok(());
    }
    insert(tx, rows(id, &subject.reference, d))
}

/// Empties the store (before `rebuild`).
pub fn clear(tx: &mut dyn Tx) -> Result<(), StoreError> {
    tx.exec("DELETE FROM paper_store", &[])?;
    Ok(())
}

/// The rows a dossier keeps in the store (none once erased or without an identifier).
pub fn rows(id: i64, subject: &str, d: &Dossier) -> Vec<Vec<Value>> {
    let Some(received) = d.received_at else {
        return vec![];
    };
    if d.erased_at.is_some() || identifier(&d.applicant).is_none() {
        return vec![];
    }
    let row = |item: String, name: &str, file: &str, from: Option<String>| {
        vec![
            Value::Int(id),
            Value::Text(item),
            Value::from(subject),
            Value::from(&d.unit),
            Value::from(&d.procedure.code),
            Value::Int(millis(received)),
            Value::from(name),
            Value::from(file),
            Value::from(from),
        ]
    };
    let mut out = vec![];
    for (i, p) in d.papers.iter().enumerate() {
        if let Some(file) = &p.file {
            let from = d
                .reused
                .iter()
                .find(|r| r.paper == i)
                .map(|r| r.from.clone());
            out.push(row(format!("p{i}"), &p.name, file, from));
        }
    }
    for (i, doc) in d.documents.iter().enumerate() {
        out.push(row(
            format!("d{i}"),
            &doc.document.title,
            &doc.document.file_sha256,
            None,
        ));
    }
    out
}

/// Inserts rows made by [`rows`], 200 to a statement.
pub fn insert(tx: &mut dyn Tx, rows: Vec<Vec<Value>>) -> Result<(), StoreError> {
    crate::db::insert_many(
        tx,
        "INSERT INTO paper_store (dossier_id, item, subject, unit, procedure_code, received_at, \
         name, file, reused_from) VALUES ",
        rows,
        200,
    )
}

/// A paper the store holds for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Kept {
    /// The dossier it was kept under, and its code.
    pub dossier_id: i64,
    pub code: String,
    /// The receiving unit of that dossier.
    pub unit: String,
    /// `p` and the paper's index (from 0), or `d` and the issued document's index.
    pub item: String,
    /// The paper's name as that procedure lists it, or the electronic document's title.
    pub name: String,
    /// SHA-256 of the file.
    pub file: String,
    pub received_at: Instant,
}

/// Everything the store holds for the person with this identifier (ID number, passport or tax
/// code), found through the vault's blind index: papers first kept there (not copies reused from
/// it), one per file, the newest first. An erased subject's papers are not found.
pub fn of_person(tx: &mut dyn Tx, identifier: &str) -> Result<Vec<Kept>, StoreError> {
    let keys = Keys::load(tx)?;
    let ids = vault::dossiers_of(tx, &keys, "id", identifier)?;
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut out: Vec<Kept> = vec![];
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let q = format!(
            "SELECT p.dossier_id, d.code, p.unit, p.item, p.name, p.file, p.received_at \
             FROM paper_store p JOIN dossiers d ON d.id = p.dossier_id \
             WHERE p.dossier_id IN ({}) AND p.reused_from IS NULL AND d.code IS NOT NULL",
            list.join(", ")
        );
        for r in tx.query(&q, &[])? {
            out.push(Kept {
                dossier_id: r.i64(0)?,
                code: r.string(1)?,
                unit: r.string(2)?,
                item: r.string(3)?,
                name: r.string(4)?,
                file: r.string(5)?,
                received_at: from_millis(r.i64(6)?)?,
            });
        }
    }
    out.sort_by(|a, b| {
        (b.received_at, b.dossier_id)
            .cmp(&(a.received_at, a.dossier_id))
            .then(a.item.cmp(&b.item))
    });
    let mut seen = std::collections::HashSet::new();
    out.retain(|k| seen.insert(k.file.clone()));
    Ok(out)
}

/// Decision 766 inputs over a scope and period, by the month each dossier was received (as 6.2's
/// `digitised`): `reused`, dossiers received with at least one paper reused from the store (4.3);
/// `digitised_kept`, dossiers received whose digitised papers are kept in the citizen's store
/// (4.4). What the store no longer holds (an erased applicant) is no longer counted.
pub fn indicator_inputs(
    tx: &mut dyn Tx,
    units: &[String],
    procedures: Option<&[String]>,
    period: &Period,
) -> Result<BTreeMap<String, i64>, StoreError> {
    let mut out = BTreeMap::new();
    for (name, filter) in [
        ("reused", "reused_from IS NOT NULL"),
        ("digitised_kept", "item LIKE 'p%'"),
    ] {
        let mut n = 0;
        if !units.is_empty() && procedures.is_none_or(|p| !p.is_empty()) {
            let mut q = Sql::new(&format!(
                "SELECT COUNT(DISTINCT dossier_id) FROM paper_store WHERE {filter} \
                 AND received_at >= "
            ));
            q.bind(millis(period.start()));
            q.push(" AND received_at < ");
            q.bind(millis(period.end()));
            q.push(" AND unit IN ");
            q.bind_list(units);
            if let Some(p) = procedures {
                q.push(" AND procedure_code IN ");
                q.bind_list(p);
            }
            n = tx
                .query_one(&q.text, &q.params)?
                .map(|r| r.i64(0))
                .transpose()?
                .unwrap_or(0);
        }
        out.insert(name.to_owned(), n);
    }
    Ok(out)
}
