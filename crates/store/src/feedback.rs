//! Feedback and petitions (phản ánh, kiến nghị). Every handling step is a row of
//! `feedback_events`: append-only (triggers), hashed with the previous row (one chain over all
//! feedback, like the walk-ins), written under the ledger head lock, and checked by
//! `ledger::verify`. `feedback` is the projection (rebuilt from the log by `rebuild`). The person's
//! contact is personal data and is not on the log: `feedback_contacts`, keyed by the feedback id,
//! may be sealed or erased without breaking a hash. The public reference and secret are in
//! `feedback_access` (like a dossier's `public_access`).

use std::collections::BTreeMap;

use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{Actor, Instant};
use motcua_domain::feedback::{
    Command, Contact, Feedback, FeedbackEvent, FeedbackRules, Figures, Submission, decide,
};
use motcua_domain::stats::Period;
use motcua_domain::text::fold_vi;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{Sql, Tx, Value};
use crate::ledger::GENESIS;
use crate::public_access::normalise;
use crate::{StoreError, from_millis, millis};

/// The hash of one feedback event: its fields and the previous row's hash.
#[allow(clippy::too_many_arguments)]
pub fn event_hash(
    feedback: i64,
    seq: i64,
    at: i64,
    actor: &str,
    kind: &str,
    payload: &str,
    prev: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"motcua-feedback-v1\n");
    for part in [
        &feedback.to_string(),
        &seq.to_string(),
        &at.to_string(),
        actor,
        kind,
        payload,
        prev,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(e.to_string()))
}

fn not_found(id: i64) -> StoreError {
    StoreError::not_found(
        format!("phản ánh, kiến nghị {id}"),
        format!("feedback {id}"),
    )
}

/// A feedback as stored: id, version (its number of events), public reference, state.
#[derive(Debug, Clone, Serialize)]
pub struct Stored {
    pub id: i64,
    pub version: i64,
    pub feedback: Feedback,
}

/// One step of a feedback's history.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub seq: i64,
    pub at: Instant,
    pub actor: Actor,
    pub event: FeedbackEvent,
}

/// What a person gets back from a submission: the reference and the secret to follow it.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: i64,
    pub reference: String,
    pub secret: String,
    pub feedback: Feedback,
}

/// Appends one event (under the head lock, taken by the caller) and returns its sequence number.
fn append(
    tx: &mut dyn Tx,
    id: i64,
    seq: i64,
    at: Instant,
    actor: &Actor,
    event: &FeedbackEvent,
) -> Result<(), StoreError> {
    let prev = tx
        .query_one(
            "SELECT hash FROM feedback_events ORDER BY id DESC LIMIT 1",
            &[],
        )?
        .map(|r| r.string(0))
        .transpose()?
        .unwrap_or_else(|| GENESIS.to_owned());
    let payload = to_json(event)?;
    let actor = to_json(actor)?;
    let at = millis(at);
    let hash = event_hash(id, seq, at, &actor, event.kind(), &payload, &prev);
    tx.exec(
        "INSERT INTO feedback_events (feedback_id, seq, at, actor, kind, payload, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            Value::Int(id),
            Value::Int(seq),
            Value::Int(at),
            Value::Text(actor),
            Value::from(event.kind()),
            Value::Text(payload),
            Value::Text(prev),
            Value::Text(hash),
        ],
    )?;
    Ok(())
}

fn project(
    tx: &mut dyn Tx,
    id: i64,
    version: i64,
    f: &Feedback,
    insert: bool,
) -> Result<(), StoreError> {
    let values = [
        Value::Int(id),
        Value::from(f.unit.as_str()),
        Value::from(f.state.as_str()),
        Value::Int(millis(f.submitted_at)),
        Value::Int(millis(f.due_at)),
        f.answer
            .as_ref()
            .map_or(Value::Null, |a| Value::Int(millis(a.at))),
        Value::Int(i64::from(f.answer.as_ref().is_some_and(|a| a.published))),
        Value::Int(version),
        Value::Text(to_json(f)?),
    ];
    if insert {
        tx.exec(
            "INSERT INTO feedback (id, unit, state, submitted_at, due_at, answered_at, published, version, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &values,
        )?;
    } else {
        tx.exec(
            "UPDATE feedback SET unit = $2, state = $3, submitted_at = $4, due_at = $5, \
             answered_at = $6, published = $7, version = $8, body = $9 WHERE id = $1",
            &values,
        )?;
    }
    Ok(())
}

/// Records a new feedback with the person's contact (checked by the domain), gives it its public
/// reference and secret; one transaction, under the ledger head lock.
pub fn submit(
    tx: &mut dyn Tx,
    submission: Submission,
    contact: &Contact,
    actor: &Actor,
    now: Instant,
    cal: &WorkCalendar,
    rules: &FeedbackRules,
) -> Result<Submitted, StoreError> {
    crate::ledger::lock_head(tx)?;
    if crate::org::units(tx)?
        .iter()
        .all(|u| u.code != submission.unit)
    {
        return Err(motcua_domain::dossier::DossierError::invalid(
            "unit",
            "Không có cơ quan, đơn vị này",
            "no such unit",
        )
        .into());
    }
    let event = decide(None, &Command::Submit(submission), now, cal, rules)?;
    let feedback = Feedback::apply(None, &event, now)?;
    let id = tx
        .query_one(
            "SELECT COALESCE(MAX(feedback_id), 0) + 1 FROM feedback_events",
            &[],
        )?
        .ok_or_else(|| StoreError::Db("feedback id".into()))?
        .i64(0)?;
    append(tx, id, 1, now, actor, &event)?;
    project(tx, id, 1, &feedback, true)?;
    tx.exec(
        "INSERT INTO feedback_contacts (feedback_id, name, phone, email, address, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Value::Int(id),
            Value::from(contact.name.as_str()),
            Value::from(contact.phone.as_str()),
            Value::from(contact.email.as_str()),
            Value::from(contact.address.as_str()),
            Value::Int(millis(now)),
        ],
    )?;
    let reference = format!("PA{}", crate::public_access::random_text()?);
    let secret = crate::public_access::random_text()?;
    tx.exec(
        "INSERT INTO feedback_access (feedback_id, reference, secret, created_at) VALUES ($1, $2, $3, $4)",
        &[
            Value::Int(id),
            Value::from(reference.as_str()),
            Value::from(secret.as_str()),
            Value::Int(millis(now)),
        ],
    )?;
    Ok(Submitted {
        id,
        reference,
        secret,
        feedback,
    })
}

/// Runs one command on a feedback at the version the caller saw (None: the current one); returns
/// the new state. A refused command writes nothing.
#[allow(clippy::too_many_arguments)]
pub fn execute(
    tx: &mut dyn Tx,
    id: i64,
    expected: Option<i64>,
    cmd: &Command,
    actor: &Actor,
    now: Instant,
    cal: &WorkCalendar,
    rules: &FeedbackRules,
) -> Result<Stored, StoreError> {
    crate::ledger::lock_head(tx)?;
    let current = get(tx, id)?;
    if let Some(v) = expected
        && v != current.version
    {
        return Err(StoreError::Conflict {
            expected: v,
            actual: current.version,
        });
    }
    let event = decide(Some(&current.feedback), cmd, now, cal, rules)?;
    let next = Feedback::apply(Some(current.feedback), &event, now)?;
    let version = current.version + 1;
    append(tx, id, version, now, actor, &event)?;
    project(tx, id, version, &next, false)?;
    Ok(Stored {
        id,
        version,
        feedback: next,
    })
}

fn stored(r: &crate::db::Row) -> Result<Stored, StoreError> {
    Ok(Stored {
        id: r.i64(0)?,
        version: r.i64(1)?,
        feedback: r.json(2)?,
    })
}

/// One feedback by id.
pub fn get(tx: &mut dyn Tx, id: i64) -> Result<Stored, StoreError> {
    tx.query_one(
        "SELECT id, version, body FROM feedback WHERE id = $1",
        &[Value::Int(id)],
    )?
    .as_ref()
    .map(stored)
    .transpose()?
    .ok_or_else(|| not_found(id))
}

/// Its handling steps, oldest first.
pub fn history(tx: &mut dyn Tx, id: i64) -> Result<Vec<Step>, StoreError> {
    tx.query(
        "SELECT seq, at, actor, payload FROM feedback_events WHERE feedback_id = $1 ORDER BY seq",
        &[Value::Int(id)],
    )?
    .iter()
    .map(|r| {
        Ok(Step {
            seq: r.i64(0)?,
            at: from_millis(r.i64(1)?)?,
            actor: r.json(2)?,
            event: r.json(3)?,
        })
    })
    .collect()
}

/// Every feedback now at one of `units`, most urgent first (by due time).
pub fn list(tx: &mut dyn Tx, units: &[String]) -> Result<Vec<Stored>, StoreError> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let mut q = Sql::new("SELECT id, version, body FROM feedback WHERE unit IN ");
    q.bind_list(units).push(" ORDER BY due_at, id");
    tx.query(&q.text, &q.params)?.iter().map(stored).collect()
}

/// Feedback escalated away from `unit` (now at a unit above it).
pub fn escalated_from(tx: &mut dyn Tx, unit: &str) -> Result<Vec<Stored>, StoreError> {
    let mut out = vec![];
    for r in tx.query(
        "SELECT id, version, body FROM feedback WHERE unit <> $1 AND body LIKE $2",
        &[Value::from(unit), Value::Text(format!("%\"{unit}\"%"))],
    )? {
        let s = stored(&r)?;
        if s.feedback.escalated_from.iter().any(|u| u == unit) {
            out.push(s);
        }
    }
    Ok(out)
}

/// Feedback whose answer was published, newest first, matching every word of `query` (folded,
/// in the title, question or answer), at most `limit`.
pub fn published(tx: &mut dyn Tx, query: &str, limit: usize) -> Result<Vec<Stored>, StoreError> {
    let words: Vec<String> = fold_vi(query)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut out = vec![];
    for r in tx.query(
        "SELECT id, version, body FROM feedback WHERE published = 1 ORDER BY answered_at DESC, id DESC",
        &[],
    )? {
        let s = stored(&r)?;
        let text = s.feedback.search_text();
        if words.iter().all(|w| text.contains(w.as_str())) {
            out.push(s);
            if out.len() >= limit {
                break;
            }
        }
    }
    Ok(out)
}

/// The public reference of a feedback.
pub fn reference(tx: &mut dyn Tx, id: i64) -> Result<String, StoreError> {
    tx.query_one(
        "SELECT reference FROM feedback_access WHERE feedback_id = $1",
        &[Value::Int(id)],
    )?
    .map(|r| r.string(0))
    .transpose()?
    .ok_or_else(|| not_found(id))
}

/// The feedback behind a reference, when `secret` is its secret (compared by digest); None for
/// an unknown reference and for a wrong secret alike.
pub fn authenticate(
    tx: &mut dyn Tx,
    reference: &str,
    secret: &str,
) -> Result<Option<i64>, StoreError> {
    let reference = normalise(reference);
    let typed = normalise(secret);
    if reference.len() != 14 || !reference.starts_with("PA") {
        return Ok(None);
    }
    let Some(r) = tx.query_one(
        "SELECT feedback_id, secret FROM feedback_access WHERE reference = $1",
        &[Value::from(reference.as_str())],
    )?
    else {
        return Ok(None);
    };
    let ok = Sha256::digest(typed.as_bytes()) == Sha256::digest(r.str(1)?.as_bytes());
    Ok(ok.then_some(r.i64(0)?))
}

/// The person's contact (None once erased).
pub fn contact(tx: &mut dyn Tx, id: i64) -> Result<Option<Contact>, StoreError> {
    tx.query_one(
        "SELECT name, phone, email, address FROM feedback_contacts WHERE feedback_id = $1",
        &[Value::Int(id)],
    )?
    .map(|r| {
        Ok(Contact {
            name: r.string(0)?,
            phone: r.string(1)?,
            email: r.string(2)?,
            address: r.string(3)?,
        })
    })
    .transpose()
}

/// Writes down that a member of staff saw a person's contact.
pub fn log_contact_view(
    tx: &mut dyn Tx,
    staff: i64,
    id: i64,
    purpose: &str,
    at: Instant,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO feedback_contact_views (at, staff_id, feedback_id, purpose) VALUES ($1, $2, $3, $4)",
        &[
            Value::Int(millis(at)),
            Value::Int(staff),
            Value::Int(id),
            Value::from(purpose),
        ],
    )?;
    Ok(())
}

/// The figures of the feedback now at `units` over a period.
pub fn figures(
    tx: &mut dyn Tx,
    units: &[String],
    period: &Period,
    now: Instant,
) -> Result<Figures, StoreError> {
    let items: Vec<Feedback> = list(tx, units)?.into_iter().map(|s| s.feedback).collect();
    Ok(motcua_domain::feedback::figures(
        &items,
        period.start(),
        period.end(),
        now,
    ))
}

/// The inputs of the 766 feedback indicators (5.2 on time, 5.3 satisfaction) for a report.
pub fn indicator_inputs(
    tx: &mut dyn Tx,
    units: &[String],
    period: &Period,
    now: Instant,
) -> Result<BTreeMap<String, i64>, StoreError> {
    let f = figures(tx, units, period, now)?;
    Ok([
        ("feedback_due".to_owned(), f.due),
        ("feedback_on_time".to_owned(), f.answered_on_time),
        ("feedback_rated".to_owned(), f.rated),
        ("feedback_satisfied".to_owned(), f.satisfied),
    ]
    .into_iter()
    .collect())
}

/// The code and procedure of the last dossier received at `unit` before `at` (for feedback that
/// names a dossier: the demo, and intake from the national portal).
pub fn dossier_before(
    tx: &mut dyn Tx,
    unit: &str,
    at: Instant,
) -> Result<Option<(String, String)>, StoreError> {
    tx.query_one(
        "SELECT code, procedure_code FROM dossiers WHERE unit = $1 AND code IS NOT NULL \
         AND received_at < $2 ORDER BY received_at DESC, id DESC LIMIT 1",
        &[Value::from(unit), Value::Int(millis(at))],
    )?
    .map(|r| Ok((r.string(0)?, r.string(1)?)))
    .transpose()
}

/// One row of the projection: id, unit, state, version, body.
pub type ProjectionRow = (i64, String, String, i64, String);

/// The whole projection as stored, to compare before and after a rebuild.
pub fn projection(tx: &mut dyn Tx) -> Result<Vec<ProjectionRow>, StoreError> {
    tx.query(
        "SELECT id, unit, state, version, body FROM feedback ORDER BY id",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok((
            r.i64(0)?,
            r.string(1)?,
            r.string(2)?,
            r.i64(3)?,
            r.string(4)?,
        ))
    })
    .collect()
}

/// Recreates the projection from the log (after a restore, or to check it); returns how many.
pub fn rebuild(tx: &mut dyn Tx) -> Result<usize, StoreError> {
    tx.exec("DELETE FROM feedback", &[])?;
    let last = tx
        .query_one(
            "SELECT COALESCE(MAX(feedback_id), 0) FROM feedback_events",
            &[],
        )?
        .map_or(Ok(0), |r| r.i64(0))?;
    let mut n = 0;
    let mut from = 0;
    while from < last {
        let to = from + 1000;
        let rows = tx.query(
            "SELECT feedback_id, seq, at, payload FROM feedback_events \
             WHERE feedback_id > $1 AND feedback_id <= $2 ORDER BY feedback_id, seq",
            &[Value::Int(from), Value::Int(to)],
        )?;
        let mut current: Option<(i64, i64, Feedback)> = None;
        for r in &rows {
            let (id, seq, at) = (r.i64(0)?, r.i64(1)?, from_millis(r.i64(2)?)?);
            let event: FeedbackEvent = r.json(3)?;
            let prev = match current.take() {
                Some((cid, _, f)) if cid == id => Some(f),
                Some((cid, v, f)) => {
                    project(tx, cid, v, &f, true)?;
                    n += 1;
                    None
                }
                None => None,
            };
            current = Some((id, seq, Feedback::apply(prev, &event, at)?));
        }
        if let Some((cid, v, f)) = current {
            project(tx, cid, v, &f, true)?;
            n += 1;
        }
        from = to;
    }
    Ok(n)
}

/// Ids of feedback events whose hash or chain does not hold (edited, deleted before a later row,
/// inserted, reordered).
pub fn verify(tx: &mut dyn Tx) -> Result<Vec<i64>, StoreError> {
    let mut bad = vec![];
    let mut prev = GENESIS.to_owned();
    let mut after = 0;
    loop {
        let rows = tx.query(
            "SELECT id, feedback_id, seq, at, actor, kind, payload, prev_hash, hash \
             FROM feedback_events WHERE id > $1 ORDER BY id LIMIT 5000",
            &[Value::Int(after)],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let id = r.i64(0)?;
            after = id;
            let expected = event_hash(
                r.i64(1)?,
                r.i64(2)?,
                r.i64(3)?,
                r.str(4)?,
                r.str(5)?,
                r.str(6)?,
                r.str(7)?,
            );
            let parsed = r
                .json::<FeedbackEvent>(6)
                .is_ok_and(|e| e.kind() == r.str(5).unwrap_or(""));
            if r.str(7)? != prev || r.str(8)? != expected || !parsed {
                bad.push(id);
            }
            prev = r.string(8)?;
        }
    }
    Ok(bad)
}
