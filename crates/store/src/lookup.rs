//! The public lookup's projection (`public_lookup`): per dossier, its code and the few fields the
//! public may see (progress, steps, issued results), written in the same transaction as the dossier
//! projection and rebuilt with it. It holds no personal data (no name, phone, ID number, address,
//! papers or notes), so the lookup never reads or parses the dossier's whole state, and the sealed
//! applicant stays sealed. One query finds a dossier by code, online reference or old-style
//! reference together with its secret; the secret is compared by digest.
//!
//! Each row keeps the public view twice: as `view` (typed, for the lookup page) and as `answer`,
//! the JSON answer of the lookup API ready to send ([`answer_of`]). Only two things in it are not
//! known when the dossier is written, the online reference and the units' names (a unit may be
//! renamed): the answer holds an empty reference and each unit's code where its name goes, and
//! [`fill`] puts them in on the way out, without parsing the JSON. Stored answers have the shape of
//! the version that wrote them: a change to [`PublicDossier`] needs a migration that renders them
//! again from the views, as [`ANSWER_MIGRATION`] does (`answer_existing_rows`).

use motcua_domain::calendar::Timeliness;
use motcua_domain::dossier::{Dossier, Instant, Status};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::{Tx, Value};
use crate::{PointQuery, StoreError};

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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// The public lookup's answer (`GET /api/v1/public/lookup`): a dossier's progress, no personal data.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PublicDossier {
    /// The online reference (random, not the order of submission). Always first (see [`fill`]).
    pub reference: String,
    pub code: Option<String>,
    pub procedure: ProcedureName,
    pub unit: String,
    pub unit_name: String,
    pub status: Status,
    pub status_label: &'static str,
    pub received_at: Option<Instant>,
    pub appointment: Option<Instant>,
    pub result: Option<Timeliness>,
    pub returned_at: Option<Instant>,
    pub supplement_requested: Option<PendingSupplement>,
    pub can_rate: bool,
    pub control_sheet: Vec<ControlRow>,
}

/// A procedure's code and name.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProcedureName {
    pub code: String,
    pub name: String,
}

/// One row of the control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ), as staff and the
/// public see it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ControlRow {
    pub index: usize,
    pub step: String,
    pub unit: String,
    pub unit_name: String,
    pub started_at: Instant,
    pub due: Instant,
    pub handed_over_at: Option<Instant>,
    pub to_unit: Option<String>,
    pub to_unit_name: Option<String>,
    pub external: bool,
    pub result: Option<&'static str>,
    pub result_label: Option<&'static str>,
}

/// The lookup API's answer for `view`, as stored in `public_lookup.answer`: an empty reference, and
/// each unit's code where its name goes, for [`fill`].
pub fn answer_of(view: &PublicView) -> Result<String, StoreError> {
    let answer = PublicDossier {
        reference: String::new(),
        code: view.code.clone(),
        procedure: ProcedureName {
            code: view.procedure_code.clone(),
            name: view.procedure_name.clone(),
        },
        unit: view.unit.clone(),
        unit_name: view.unit.clone(),
        status: view.status,
        status_label: view.status.label_vi(),
        received_at: view.received_at,
        appointment: view.appointment,
        result: view.result,
        returned_at: view.returned_at,
        supplement_requested: view.supplement.clone(),
        can_rate: view.can_rate(),
        control_sheet: view
            .steps
            .iter()
            .map(|s| ControlRow {
                index: s.index,
                step: s.name.clone(),
                unit: s.unit.clone(),
                unit_name: s.unit.clone(),
                started_at: s.started_at,
                due: s.due,
                handed_over_at: s.finished_at,
                to_unit: s.handed_to.clone(),
                to_unit_name: s.handed_to.clone(),
                external: s.external,
                result: s.result.map(|r| r.as_str()),
                result_label: s.result.map(|r| r.label_vi()),
            })
            .collect(),
    };
    serde_json::to_string(&answer).map_err(|e| StoreError::Db(e.to_string()))
}

/// What [`fill`] puts where in an answer of [`answer_of`]: the reference after its first key, and
/// a name after each key ending in [`NAME_KEY`] (`"unit_name":` and `"to_unit_name":`).
const REFERENCE_SLOT: &str = "{\"reference\":\"\"";
const NAME_KEY: &str = "unit_name\":";

/// An answer of [`answer_of`] with its reference, and with each unit code in a name's place
/// replaced by that unit's name in `names` (a code not there stays). No JSON is parsed: in JSON
/// text a quote inside a string is always escaped, so `unit_name":` can only end a key.
pub fn fill(
    answer: &str,
    reference: &str,
    names: &std::collections::HashMap<String, String>,
) -> Result<String, StoreError> {
    let bad = || StoreError::Db("public_lookup: an answer not written by answer_of".into());
    let mut rest = answer.strip_prefix(REFERENCE_SLOT).ok_or_else(bad)?;
    let mut out = String::with_capacity(answer.len() + 512);
    out.push_str("{\"reference\":");
    push_json_str(&mut out, reference);
    static KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(NAME_KEY));
    while let Some(at) = KEY.find(rest.as_bytes()) {
        let (before, after) = rest.split_at(at + NAME_KEY.len());
        out.push_str(before);
        rest = after;
        // `null` (no unit handed to) stays; a string is the code, which also shows when the unit
        // has no name.
        let Some(body) = rest.strip_prefix('"') else {
            continue;
        };
        let end = string_end(body).ok_or_else(bad)? + 2;
        let (quoted, after) = rest.split_at(end);
        rest = after;
        let code: std::borrow::Cow<str> = if quoted.contains('\\') {
            serde_json::from_str::<String>(quoted)
                .map_err(|_| bad())?
                .into()
        } else {
            quoted[1..quoted.len() - 1].into()
        };
        match names.get(code.as_ref()) {
            Some(name) => push_json_str(&mut out, name),
            None => out.push_str(quoted),
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Where the JSON string starting after its opening quote ends (the closing quote's index).
fn string_end(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn push_json_str(out: &mut String, s: &str) {
    // Serialising a string into a String cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// The migration that added `public_lookup.answer`.
pub(crate) const ANSWER_MIGRATION: i64 = 28;

/// Gives the rows written before [`ANSWER_MIGRATION`] their answer, from their view (part of that
/// migration, in its transaction).
pub(crate) fn answer_existing_rows(tx: &mut dyn Tx) -> Result<(), StoreError> {
    // A thousand rows at a time, so that a large database is not held in memory at once.
    let mut after = 0;
    loop {
        let rows = tx.query(
            "SELECT dossier_id, view FROM public_lookup \
             WHERE dossier_id > $1 AND answer IS NULL AND view IS NOT NULL \
             ORDER BY dossier_id LIMIT 1000",
            &[Value::Int(after)],
        )?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.i64(0)?;
        for row in rows {
            let id = row.i64(0)?;
            let view: PublicView = serde_json::from_str(row.str(1)?)
                .map_err(|e| StoreError::Db(format!("public_lookup {id}: {e}")))?;
            tx.exec_later(
                "UPDATE public_lookup SET answer = $1 WHERE dossier_id = $2",
                &[Value::Text(answer_of(&view)?), Value::Int(id)],
            )?;
        }
    }
}

/// A dossier's lookup row, for [`insert_rows`].
pub fn row_of(id: i64, d: &Dossier) -> Result<[Value; 4], StoreError> {
    let view = PublicView::of(d);
    let answer = answer_of(&view)?;
    let view = serde_json::to_string(&view).map_err(|e| StoreError::Db(e.to_string()))?;
    Ok([
        Value::Int(id),
        Value::from(d.code.clone()),
        Value::Text(view),
        Value::Text(answer),
    ])
}

/// Writes a dossier's lookup row (in the transaction that wrote its projection).
pub fn save(tx: &mut dyn Tx, id: i64, d: &Dossier) -> Result<(), StoreError> {
    tx.exec_later(SAVE, &row_of(id, d)?)?;
    Ok(())
}

/// [`save`]'s statement: the row, with the reference and secret as `public_access` has them (none
/// yet for a dossier being received: [`crate::public_access::create`] adds them).
pub const SAVE: &str = "INSERT INTO public_lookup (dossier_id, code, view, answer, reference, secret) \
     VALUES ($1, $2, $3, $4, (SELECT reference FROM public_access WHERE dossier_id = $1), \
     (SELECT secret FROM public_access WHERE dossier_id = $1)) \
     ON CONFLICT (dossier_id) DO UPDATE SET code = excluded.code, view = excluded.view, \
     answer = excluded.answer, reference = excluded.reference, secret = excluded.secret";

/// Writes the lookup rows of new dossiers (see [`row_of`]), 300 to a statement (import and
/// rebuild, into rows that do not exist yet).
pub fn insert_rows(tx: &mut dyn Tx, rows: Vec<[Value; 4]>) -> Result<(), StoreError> {
    let ids = rows.iter().filter_map(|r| match r[0] {
        Value::Int(id) => Some(id),
        _ => None,
    });
    let (Some(first), Some(last)) = (ids.clone().min(), ids.max()) else {
        return Ok(());
    };
    crate::db::insert_many(
        tx,
        "INSERT INTO public_lookup (dossier_id, code, view, answer) VALUES ",
        rows,
        300,
    )?;
    // Their references and secrets, in one statement.
    tx.exec(
        "UPDATE public_lookup SET \
         reference = (SELECT a.reference FROM public_access a WHERE a.dossier_id = public_lookup.dossier_id), \
         secret = (SELECT a.secret FROM public_access a WHERE a.dossier_id = public_lookup.dossier_id) \
         WHERE dossier_id IN (SELECT dossier_id FROM public_access WHERE dossier_id BETWEEN $1 AND $2)",
        &[Value::Int(first), Value::Int(last)],
    )?;
    Ok(())
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

/// A [`PointQuery`] from a statement without its condition and the key it reads by.
macro_rules! point_query {
    ($select:literal, $key:literal, kept: $kept:literal) => {
        PointQuery {
            one: concat!($select, " WHERE ", $key, " = $1"),
            any: concat!($select, " WHERE ", $key, " = ANY($1)"),
            kept: $kept,
        }
    };
}

/// [`find_quick`]'s reads: by reference and by code as [`BY_REFERENCE`] and [`BY_CODE`], from the
/// lookup row alone (its copy of the reference and secret: one index, no join), with the answer
/// instead of the view and the key first.
const QUICK_BY_REFERENCE: PointQuery = point_query!(
    "SELECT reference, dossier_id, reference, secret, answer FROM public_lookup",
    "reference",
    kept: true
);
const QUICK_BY_CODE: PointQuery = point_query!(
    "SELECT code, dossier_id, reference, secret, answer FROM public_lookup",
    "code",
    kept: true
);

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

/// Whether `secret` is the secret in the row's third column (compared by digest).
fn secret_matches(row: &crate::Row, secret: &str) -> Result<bool, StoreError> {
    let typed_secret = crate::public_access::normalise(secret);
    Ok(Sha256::digest(typed_secret.as_bytes()) == Sha256::digest(row.str(2)?.as_bytes()))
}

fn check(row: &crate::Row, secret: &str) -> Result<Checked, StoreError> {
    if !secret_matches(row, secret)? {
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

/// A dossier found for the lookup API: its id, online reference, and answer as stored (see
/// [`fill`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub id: i64,
    pub reference: String,
    pub answer: String,
}

impl Found {
    /// The lookup API's answer for it, as [`find_quick`] reads it.
    pub fn answer(&self) -> Result<Answer, StoreError> {
        Ok(Answer {
            id: self.id,
            reference: self.reference.clone(),
            answer: answer_of(&self.view)?,
        })
    }
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

/// The usual case of [`find`] as one point read on the caller's async runtime, without a thread
/// of the blocking pool (on PostgreSQL together with the lookups of the same moment; see
/// [`crate::Store::point_read_async`]): `Some(answer)`, the answer of [`find`] as
/// [`Found::answer`] gives it. `None` when `find` must answer instead: for an old-style reference,
/// a name the projection does not hold, or a row written before it held answers.
pub async fn find_quick(
    store: &crate::Store,
    typed: &str,
    secret: &str,
) -> Result<Option<Option<Answer>>, StoreError> {
    let (query, name) = match named(typed) {
        Named::Reference(r) => (&QUICK_BY_REFERENCE, r),
        Named::Code(c) => (&QUICK_BY_CODE, c),
        Named::Other => return Ok(None),
    };
    let Some(row) = store.point_read_async(query, name).await else {
        return Ok(None);
    };
    let Some(mut row) = row? else {
        return Ok(None);
    };
    // No secret yet: `find` has the last word.
    if matches!(row.0.get(2), None | Some(Value::Null)) {
        return Ok(None);
    }
    if !secret_matches(&row, secret)? {
        return Ok(Some(None));
    }
    Ok(match row.take_opt_string(3)? {
        Some(answer) => Some(Some(Answer {
            id: row.i64(0)?,
            reference: row.string(1)?,
            answer,
        })),
        None => None,
    })
}

fn by_id(tx: &mut dyn Tx, id: i64) -> Result<Option<crate::Row>, StoreError> {
    tx.query_one(
        &format!("{SELECT} WHERE a.dossier_id = $1"),
        &[Value::Int(id)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn view() -> PublicView {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-02T08:00:00+07:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let step = |index, unit: &str, handed_to: Option<&str>| PublicStep {
            index,
            // Text that looks like a slot's key is escaped in JSON, so it is never taken for one.
            name: "Thẩm định \"unit_name\":\"X\" \\ bước".into(),
            unit: unit.into(),
            started_at: at,
            due: at,
            finished_at: handed_to.map(|_| at),
            handed_to: handed_to.map(str::to_owned),
            external: false,
            result: None,
        };
        PublicView {
            code: Some("H01-260302-0001".into()),
            procedure_code: "1.001".into(),
            procedure_name: "Đăng ký khai sinh".into(),
            unit: "H01".into(),
            status: Status::Processing,
            received_at: Some(at),
            appointment: Some(at),
            result: None,
            returned_at: None,
            supplement: None,
            rated: false,
            steps: vec![step(0, "H01", Some("H02")), step(1, "H02", None)],
            documents: vec![],
        }
    }

    #[test]
    fn fill_puts_in_the_reference_and_the_current_names_as_serde_would() {
        let v = view();
        let names: HashMap<String, String> = [
            ("H01".to_owned(), "Phường \"Buôn Hồ\" \\ mới".to_owned()),
            ("H99".to_owned(), "not named here".to_owned()),
        ]
        .into();
        let filled = fill(&answer_of(&v).unwrap(), "WABCDE12345", &names).unwrap();
        let got: serde_json::Value = serde_json::from_str(&filled).unwrap();
        // What serialising the answer with the names in place gives (H02 has no name: its code).
        let name = |c: &str| names.get(c).cloned().unwrap_or_else(|| c.to_owned());
        let mut expected: serde_json::Value =
            serde_json::from_str(&answer_of(&v).unwrap()).unwrap();
        expected["reference"] = "WABCDE12345".into();
        expected["unit_name"] = name("H01").into();
        expected["control_sheet"][0]["unit_name"] = name("H01").into();
        expected["control_sheet"][0]["to_unit_name"] = name("H02").into();
        expected["control_sheet"][1]["unit_name"] = name("H02").into();
        assert_eq!(got, expected);
        assert_eq!(
            got["control_sheet"][1]["to_unit_name"],
            serde_json::Value::Null
        );
        assert_eq!(got["control_sheet"][0]["step"], v.steps[0].name.as_str());
        assert_eq!(got["unit_name"], "Phường \"Buôn Hồ\" \\ mới");
        // The reference is first, whatever it holds.
        assert!(filled.starts_with("{\"reference\":\"WABCDE12345\","));
    }

    #[test]
    fn fill_refuses_what_answer_of_did_not_write() {
        let names = HashMap::new();
        assert!(fill("{\"code\":null}", "W1", &names).is_err());
        assert!(fill("{\"reference\":\"\",\"unit_name\":\"H01", "W1", &names).is_err());
    }
}
