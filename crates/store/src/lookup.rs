//! The public lookup's projection (`public_lookup`): per dossier, its code and the few fields the
//! public may see (progress, steps, issued results), written in the same transaction as the dossier
//! projection and rebuilt with it. It holds no personal data (no name, phone, ID number, address,
//! papers or notes), so the lookup never reads or parses the dossier's whole state, and the sealed
//! applicant stays sealed. One query finds a dossier by code, online reference or old-style
//! reference together with its secret; the secret is compared by digest.

use motcua_domain::calendar::Timeliness;
use motcua_domain::dossier::{Dossier, Instant, Status};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::db::{Tx, Value};

/// What anyone holding a dossier's code (or reference) and secret may see of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicView {
    pub code: Option<String>,
    pub procedure_code: String,
    pub procedure_name: String,
    /// The receiving unit's code.
    pub unit: String,
    pub status: Status,
    pub received_at: Option<Instant>,
    pub appointment: Option<Instant>,
    pub result: Option<Timeliness>,
    pub returned_at: Option<Instant>,
    /// What the desk asked the applicant to add, while it waits.
    pub supplement: Option<PendingSupplement>,
    /// The applicant has rated the dossier.
    pub rated: bool,
    pub steps: Vec<PublicStep>,
    /// Electronic results issued: title and when.
    pub documents: Vec<PublicDocument>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingSupplement {
    pub items: Vec<String>,
    pub reason: String,
}

/// A line of the control sheet as the public sees it (no person, no note).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicStep {
    pub index: usize,
    pub name: String,
    pub unit: String,
    pub started_at: Instant,
    pub due: Instant,
    pub finished_at: Option<Instant>,
    pub handed_to: Option<String>,
    pub external: bool,
    pub result: Option<Timeliness>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicDocument {
    pub title: String,
    pub at: Instant,
}

impl PublicView {
    /// The public part of a dossier's state.
    pub fn of(d: &Dossier) -> PublicView {
        PublicView {
            code: d.code.clone(),
            procedure_code: d.procedure.code.clone(),
            procedure_name: d.procedure.name.clone(),
            unit: d.unit.clone(),
            status: d.status,
            received_at: d.received_at,
            appointment: d.appointment(),
            result: d.result,
            returned_at: d.returned_at,
            supplement: d
                .supplements
                .last()
                .filter(|s| s.supplemented_at.is_none())
                .map(|s| PendingSupplement {
                    items: s.items.clone(),
                    reason: s.reason.clone(),
                }),
            rated: d.rating.is_some(),
            steps: d
                .steps
                .iter()
                .map(|s| PublicStep {
                    index: s.index,
                    name: s.name.clone(),
                    unit: s.unit.clone(),
                    started_at: s.started_at,
                    due: s.due,
                    finished_at: s.finished_at,
                    handed_to: s.handed_to.clone(),
                    external: s.external,
                    result: s.result,
                })
                .collect(),
            documents: d
                .documents
                .iter()
                .map(|x| PublicDocument {
                    title: x.document.title.clone(),
                    at: x.at,
                })
                .collect(),
        }
    }

    /// May the applicant rate it now.
    pub fn can_rate(&self) -> bool {
        self.status == Status::Returned && !self.rated
    }

    /// The codes of the units it names (receiving unit and steps), sorted, once each.
    pub fn unit_codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = std::iter::once(self.unit.clone())
            .chain(self.steps.iter().map(|s| s.unit.clone()))
            .chain(self.steps.iter().filter_map(|s| s.handed_to.clone()))
            .collect();
        codes.sort();
        codes.dedup();
        codes
    }
}

/// A dossier's lookup row, for [`insert_rows`].
pub fn row_of(id: i64, d: &Dossier) -> Result<[Value; 3], StoreError> {
    let view =
        serde_json::to_string(&PublicView::of(d)).map_err(|e| StoreError::Db(e.to_string()))?;
    Ok([
        Value::Int(id),
        Value::from(d.code.clone()),
        Value::Text(view),
    ])
}

/// Writes a dossier's lookup row (in the transaction that wrote its projection).
pub fn save(tx: &mut dyn Tx, id: i64, d: &Dossier) -> Result<(), StoreError> {
    tx.exec_later(
        "INSERT INTO public_lookup (dossier_id, code, view) VALUES ($1, $2, $3) \
         ON CONFLICT (dossier_id) DO UPDATE SET code = excluded.code, view = excluded.view",
        &row_of(id, d)?,
    )?;
    Ok(())
}

/// Writes the lookup rows of new dossiers (see [`row_of`]), 300 to a statement (import and
/// rebuild, into rows that do not exist yet).
pub fn insert_rows(tx: &mut dyn Tx, rows: Vec<[Value; 3]>) -> Result<(), StoreError> {
    crate::db::insert_many(
        tx,
        "INSERT INTO public_lookup (dossier_id, code, view) VALUES ",
        rows,
        300,
    )
}

/// Empties the projection (before a rebuild).
pub fn clear(tx: &mut dyn Tx) -> Result<(), StoreError> {
    tx.exec("DELETE FROM public_lookup", &[])?;
    Ok(())
}

/// A dossier found for the public: its id, online reference and public view.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub id: i64,
    pub reference: String,
    pub view: PublicView,
}

const SELECT: &str = "SELECT a.dossier_id, a.reference, a.secret, l.view FROM public_access a \
     LEFT JOIN public_lookup l ON l.dossier_id = a.dossier_id";
const BY_REFERENCE: &str = "SELECT a.dossier_id, a.reference, a.secret, l.view FROM public_access a \
     LEFT JOIN public_lookup l ON l.dossier_id = a.dossier_id WHERE a.reference = $1";
const BY_CODE: &str = "SELECT a.dossier_id, a.reference, a.secret, l.view FROM public_lookup l \
     JOIN public_access a ON a.dossier_id = l.dossier_id WHERE l.code = $1";

/// [`BY_REFERENCE`] and [`BY_CODE`] for many keys at once (PostgreSQL), the key first.
const BATCH_BY_REFERENCE: &str = "SELECT a.reference, a.dossier_id, a.reference, a.secret, l.view \
     FROM public_access a LEFT JOIN public_lookup l ON l.dossier_id = a.dossier_id \
     WHERE a.reference = ANY($1)";
const BATCH_BY_CODE: &str = "SELECT l.code, a.dossier_id, a.reference, a.secret, l.view \
     FROM public_lookup l JOIN public_access a ON a.dossier_id = l.dossier_id WHERE l.code = ANY($1)";

/// How `typed` names a dossier, before any query.
enum Named {
    /// A random online reference (`W` and ten characters).
    Reference(String),
    /// A dossier code, upper-cased.
    Code(String),
    /// Neither: an old-style reference `W` and the id, or nothing that names a dossier.
    Other,
}

fn named(typed: &str) -> Named {
    let reference = crate::public_access::normalise(typed);
    if reference.len() == crate::public_access::REFERENCE_LENGTH && reference.starts_with('W') {
        return Named::Reference(reference);
    }
    let code = typed.to_uppercase();
    if motcua_domain::dossier::parse_online_reference(typed).is_none()
        && motcua_domain::dossier::parse_dossier_code(&code).is_some()
    {
        return Named::Code(code);
    }
    Named::Other
}

/// What a row of [`SELECT`] says: the dossier found, a wrong secret (answered as "not found"), or
/// a dossier written before the projection existed, whose view comes from its state.
enum Checked {
    Found(Box<Found>),
    WrongSecret,
    NoView(i64),
}

fn check(row: &crate::Row, secret: &str) -> Result<Checked, StoreError> {
    let typed_secret = crate::public_access::normalise(secret);
    if Sha256::digest(typed_secret.as_bytes()) != Sha256::digest(row.str(2)?.as_bytes()) {
        return Ok(Checked::WrongSecret);
    }
    let id = row.i64(0)?;
    Ok(match row.opt_string(3)? {
        Some(v) => Checked::Found(Box::new(Found {
            id,
            reference: row.string(1)?,
            view: serde_json::from_str(&v)
                .map_err(|e| StoreError::Db(format!("public_lookup {id}: {e}")))?,
        })),
        None => Checked::NoView(id),
    })
}

/// The dossier named by `typed` (its code in any case, its online reference, or an old-style
/// reference `W` and the id) when `secret` is its secret. None when no dossier has that name, it
/// has no secret yet, or the secret is wrong: the caller answers all three alike. Usually one
/// query; a dossier written before the projection existed is read from its state instead.
pub fn find(tx: &mut dyn Tx, typed: &str, secret: &str) -> Result<Option<Found>, StoreError> {
    let mut row = None;
    let mut by_name = false;
    if let Named::Reference(reference) = named(typed) {
        row = tx.query_one(BY_REFERENCE, &[Value::from(reference.as_str())])?;
        by_name = row.is_some();
    }
    if !by_name && let Some(id) = motcua_domain::dossier::parse_online_reference(typed) {
        row = by_id(tx, id)?;
        by_name = true;
    }
    if !by_name && let Named::Code(code) = named(typed) {
        row = tx.query_one(BY_CODE, &[Value::from(code.as_str())])?;
        if row.is_none() {
            // Not in the projection (written before it existed): by the dossier's code.
            if let Some(id) = crate::dossiers::id_by_code(tx, &code)? {
                row = by_id(tx, id)?;
            }
        }
    }
    let Some(row) = row else {
        return Ok(None);
    };
    match check(&row, secret)? {
        Checked::Found(f) => Ok(Some(*f)),
        Checked::WrongSecret => Ok(None),
        Checked::NoView(id) => match crate::dossiers::load(tx, id) {
            Ok(d) => Ok(Some(Found {
                id,
                reference: row.string(1)?,
                view: PublicView::of(&d),
            })),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        },
    }
}

/// The usual case of [`find`] as one statement on the async client, without a blocking thread,
/// together with the lookups of the same moment (PostgreSQL; see [`Store::point_read_async`]): `Some(answer)`, the same answer `find` gives.
/// `None` when `find` must answer instead: on SQLite, for an old-style reference, a name the
/// projection does not hold, or a dossier without a public view yet.
pub async fn find_quick(
    store: &crate::Store,
    typed: &str,
    secret: &str,
) -> Result<Option<Option<Found>>, StoreError> {
    let (sql, name) = match named(typed) {
        Named::Reference(r) => (BATCH_BY_REFERENCE, r),
        Named::Code(c) => (BATCH_BY_CODE, c),
        Named::Other => return Ok(None),
    };
    let Some(row) = store.point_read_async(sql, name).await else {
        return Ok(None);
    };
    let Some(row) = row? else {
        return Ok(None);
    };
    Ok(match check(&row, secret)? {
        Checked::Found(f) => Some(Some(*f)),
        Checked::WrongSecret => Some(None),
        Checked::NoView(_) => None,
    })
}

fn by_id(tx: &mut dyn Tx, id: i64) -> Result<Option<crate::Row>, StoreError> {
    tx.query_one(
        &format!("{SELECT} WHERE a.dossier_id = $1"),
        &[Value::Int(id)],
    )
}
