//! Walk-in outcomes at the counter (forms 02 and 03 without a dossier): an append-only log, each row
//! hashed with the previous one, written under the ledger head lock, counted in the statistics in
//! the same transaction, and checked by `ledger::verify`. The person's name and phone are not in the
//! log: they go to the personal-data vault (`vault_walk_ins`, one record per walk-in under its own
//! key), the log keeps a seal, and erasure destroys the key.

use motcua_domain::dossier::{Actor, Instant, Seal};
use motcua_domain::stats::Counts;
use motcua_domain::walk_in::WalkIn;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::{Sql, Tx, Value};
use crate::ledger::GENESIS;
use crate::vault::{self, ERASED};
use crate::{StoreError, from_millis, millis};

/// The hash of one walk-in row: its fields and the previous row's hash.
pub fn walk_in_hash(
    unit: &str,
    procedure: &str,
    kind: &str,
    at: i64,
    actor: &str,
    payload: &str,
    prev: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"motcua-walk-in-v1\n");
    for part in [unit, procedure, kind, &at.to_string(), actor, payload, prev] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Records a walk-in outcome (already checked by `WalkIn::new`, or historical data from an import)
/// and adds it to the counters; returns its id.
pub fn record(tx: &mut dyn Tx, w: &WalkIn, actor: &Actor) -> Result<i64, StoreError> {
    crate::ledger::lock_head(tx)?;
    let prev = tx
        .query_one("SELECT hash FROM walk_ins ORDER BY id DESC LIMIT 1", &[])?
        .map(|r| r.string(0))
        .transpose()?
        .unwrap_or_else(|| GENESIS.to_owned());
    let (sealed, held) = seal(w)?;
    let payload = to_json(&sealed)?;
    let actor = to_json(actor)?;
    let at = millis(w.at);
    let hash = walk_in_hash(
        &w.unit,
        &w.procedure_code,
        w.kind.as_str(),
        at,
        &actor,
        &payload,
        &prev,
    );
    let id = tx
        .query_one(
            "INSERT INTO walk_ins (unit, procedure, kind, at, actor, payload, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                Value::from(w.unit.as_str()),
                Value::from(w.procedure_code.as_str()),
                Value::from(w.kind.as_str()),
                Value::Int(at),
                Value::Text(actor),
                Value::Text(payload),
                Value::Text(prev),
                Value::Text(hash),
            ],
        )?
        .ok_or_else(|| StoreError::Db("walk_ins insert".into()))?
        .i64(0)?;
    if let Some(held) = held {
        let keys = vault::Keys::load(tx)?;
        held.save(tx, &keys, id, at)?;
    }
    let (key, metric) = w.contribution();
    let mut c = Counts::default();
    c.add(metric, 1);
    crate::stats::add(tx, &[(key, c)])?;
    Ok(id)
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(e.to_string()))
}

/// A recorded walk-in outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub id: i64,
    pub actor: Actor,
    pub walk_in: WalkIn,
}

/// Walk-in outcomes of some units between two instants (`[from, to)`), oldest first.
pub fn list(
    tx: &mut dyn Tx,
    units: &[String],
    from: Instant,
    to: Instant,
) -> Result<Vec<Recorded>, StoreError> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let mut q = Sql::new("SELECT id, actor, payload FROM walk_ins WHERE unit IN ");
    q.bind_list(units)
        .push(" AND at >= ")
        .bind(millis(from))
        .push(" AND at < ")
        .bind(millis(to))
        .push(" ORDER BY at, id");
    let mut out = tx
        .query(&q.text, &q.params)?
        .iter()
        .map(|r| {
            Ok(Recorded {
                id: r.i64(0)?,
                actor: r.json(1)?,
                walk_in: r.json(2)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    unseal(tx, &mut out)?;
    Ok(out)
}

fn not_found(id: i64) -> StoreError {
    StoreError::not_found(format!("lượt tiếp dân {id}"), format!("walk-in {id}"))
}

/// One walk-in by id.
pub fn get(tx: &mut dyn Tx, id: i64) -> Result<Recorded, StoreError> {
    let r = tx
        .query_one(
            "SELECT id, actor, payload FROM walk_ins WHERE id = $1",
            &[Value::Int(id)],
        )?
        .ok_or_else(|| not_found(id))?;
    let mut out = [Recorded {
        id: r.i64(0)?,
        actor: r.json(1)?,
        walk_in: r.json(2)?,
    }];
    unseal(tx, &mut out)?;
    let [one] = out;
    Ok(one)
}

/// Every walk-in's contribution to the counters (for `dossiers::rebuild`).
pub fn contributions(
    tx: &mut dyn Tx,
) -> Result<Vec<(motcua_domain::stats::Key, motcua_domain::stats::Metric)>, StoreError> {
    let mut out = vec![];
    let mut after = 0;
    loop {
        let rows = tx.query(
            "SELECT id, payload FROM walk_ins WHERE id > $1 ORDER BY id LIMIT 5000",
            &[Value::Int(after)],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            after = r.i64(0)?;
            let w: WalkIn = r.json(1)?;
            out.push(w.contribution());
        }
    }
    Ok(out)
}

/// Ids of walk-in rows whose hash or chain does not hold (edited, deleted before a later row,
/// inserted, reordered).
pub fn verify(tx: &mut dyn Tx) -> Result<Vec<i64>, StoreError> {
    let mut bad = vec![];
    let mut prev = GENESIS.to_owned();
    let mut after = 0;
    loop {
        let rows = tx.query(
            "SELECT id, unit, procedure, kind, at, actor, payload, prev_hash, hash FROM walk_ins \
             WHERE id > $1 ORDER BY id LIMIT 5000",
            &[Value::Int(after)],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let id = r.i64(0)?;
            after = id;
            let expected = walk_in_hash(
                r.str(1)?,
                r.str(2)?,
                r.str(3)?,
                r.i64(4)?,
                r.str(5)?,
                r.str(6)?,
                r.str(7)?,
            );
            let at_ok = from_millis(r.i64(4)?).is_ok();
            if r.str(7)? != prev || r.str(8)? != expected || !at_ok {
                bad.push(id);
            }
            prev = r.string(8)?;
        }
    }
    Ok(bad)
}

// ----- The person's data, in the vault ----------------------------------------------------------

/// What the vault holds about the person of one walk-in.
#[derive(Serialize, Deserialize)]
struct Person {
    salt: String,
    name: String,
    phone: Option<String>,
}

/// A walk-in's record for the vault, encrypted under its own key once the row has its id.
struct Held {
    reference: String,
    key: vault::Key,
    person: Person,
}

impl Held {
    fn save(
        &self,
        tx: &mut dyn Tx,
        keys: &vault::Keys,
        id: i64,
        at: i64,
    ) -> Result<(), StoreError> {
        let (wrapped, data) = vault::seal_record(keys, &self.reference, &self.key, &self.person)?;
        tx.exec(
            "INSERT INTO vault_walk_ins (walk_in_id, subject, wrapped_key, data, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
            &[
                Value::Int(id),
                Value::from(self.reference.as_str()),
                Value::Text(wrapped),
                Value::Text(data),
                Value::Int(at),
            ],
        )?;
        Ok(())
    }
}

fn person_content(name: &str, phone: Option<&str>) -> String {
    format!("{name}\n{}", phone.unwrap_or_default())
}

/// The walk-in as the log keeps it (name and phone blank, a seal committing to them) and what the
/// vault will hold; a walk-in with nobody named stays as it is.
fn seal(w: &WalkIn) -> Result<(WalkIn, Option<Held>), StoreError> {
    if w.applicant_name.is_empty() && w.applicant_phone.is_none() {
        return Ok((w.clone(), None));
    }
    let person = Person {
        salt: hex::encode(vault::random::<16>()?),
        name: w.applicant_name.clone(),
        phone: w.applicant_phone.clone(),
    };
    let reference = vault::new_reference()?;
    let mut sealed = w.clone();
    sealed.applicant_name = String::new();
    sealed.applicant_phone = None;
    sealed.sealed = Some(Seal {
        subject: reference.clone(),
        version: 0,
        commitment: vault::commitment(
            &person.salt,
            "walk_in",
            0,
            &person_content(&person.name, person.phone.as_deref()),
        ),
    });
    Ok((
        sealed,
        Some(Held {
            reference,
            key: vault::random()?,
            person,
        }),
    ))
}

/// Puts the name and phone back into walk-ins read from the log (or `ERASED`), the vault's rows
/// read in one query per 500 walk-ins. A walk-in recorded before the vault keeps its data in the
/// log, and reads as erased once erased.
fn unseal(tx: &mut dyn Tx, items: &mut [Recorded]) -> Result<(), StoreError> {
    let ids: Vec<String> = items.iter().map(|r| r.id.to_string()).collect();
    let mut held = std::collections::HashMap::new();
    let mut keys = None;
    for chunk in ids.chunks(500) {
        let q = format!(
            "SELECT walk_in_id, subject, wrapped_key, data FROM vault_walk_ins \
             WHERE walk_in_id IN ({})",
            chunk.join(", ")
        );
        for r in tx.query(&q, &[])? {
            let person = match (r.opt_string(2)?, r.opt_string(3)?) {
                (Some(wrapped), Some(data)) => {
                    let keys = vault::Keys::once(tx, &mut keys)?;
                    let (_, person): (vault::Key, Person) =
                        vault::open_record(keys, &r.string(1)?, &wrapped, &data)?;
                    Some(person)
                }
                _ => None,
            };
            held.insert(r.i64(0)?, person);
        }
    }
    for item in items {
        let w = &mut item.walk_in;
        match held.get(&item.id) {
            Some(Some(p)) => {
                w.applicant_name = p.name.clone();
                w.applicant_phone = p.phone.clone();
                w.sealed = None;
            }
            Some(None) => {
                w.applicant_name = ERASED.to_owned();
                w.applicant_phone = None;
                w.sealed = None;
            }
            None if w.sealed.is_some() => {
                return Err(vault::vault_error(&format!(
                    "walk-in {} has a seal and no record",
                    item.id
                )));
            }
            None => {}
        }
    }
    Ok(())
}

/// Erases the person's data of a walk-in (on request, or at the end of retention): the key and the
/// record are destroyed, and who, when and why recorded. A walk-in from before the vault gets an
/// erased record, so that it reads as erased.
pub fn erase(
    tx: &mut dyn Tx,
    id: i64,
    by: &Actor,
    reason: &str,
    now: Instant,
) -> Result<(), StoreError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(StoreError::invalid(
            "Cần nêu căn cứ xóa (tối đa 2000 ký tự)",
            "The grounds for the erasure are required (at most 2,000 characters)",
        ));
    }
    if tx
        .query_one("SELECT 1 FROM walk_ins WHERE id = $1", &[Value::Int(id)])?
        .is_none()
    {
        return Err(not_found(id));
    }
    let by = to_json(by)?;
    let row = tx.query_one(
        "SELECT erased_at FROM vault_walk_ins WHERE walk_in_id = $1",
        &[Value::Int(id)],
    )?;
    match row {
        Some(r) if r.opt_i64(0)?.is_some() => Err(StoreError::invalid(
            format!("Dữ liệu cá nhân của lượt tiếp dân {id} đã được xóa"),
            format!("The personal data of walk-in {id} was already erased"),
        )),
        Some(_) => {
            tx.exec(
                "UPDATE vault_walk_ins SET wrapped_key = NULL, data = NULL, erased_at = $1, \
                 erased_by = $2, erased_reason = $3 WHERE walk_in_id = $4",
                &[
                    Value::Int(millis(now)),
                    Value::Text(by),
                    Value::from(reason),
                    Value::Int(id),
                ],
            )?;
            Ok(())
        }
        None => {
            tx.exec(
                "INSERT INTO vault_walk_ins (walk_in_id, subject, created_at, erased_at, erased_by, \
                 erased_reason) VALUES ($1, $2, $3, $3, $4, $5)",
                &[
                    Value::Int(id),
                    Value::Text(vault::new_reference()?),
                    Value::Int(millis(now)),
                    Value::Text(by),
                    Value::from(reason),
                ],
            )?;
            Ok(())
        }
    }
}

/// Walk-ins recorded before `cutoff` (milliseconds) whose person's data is not erased yet: what a
/// retention run erases.
pub fn past_retention(tx: &mut dyn Tx, cutoff: i64) -> Result<Vec<i64>, StoreError> {
    tx.query(
        "SELECT w.id FROM walk_ins w LEFT JOIN vault_walk_ins v ON v.walk_in_id = w.id \
         WHERE w.at < $1 AND v.erased_at IS NULL ORDER BY w.id",
        &[Value::Int(cutoff)],
    )?
    .iter()
    .map(|r| r.i64(0))
    .collect()
}

/// The walk-ins of a person, found by phone (walk-ins record no ID number): every walk-in read and
/// opened, since the vault keeps no index of them (a data subject's request is rare; a unit records
/// a few hundred walk-ins a year).
pub fn of_phone(tx: &mut dyn Tx, phone: &str) -> Result<Vec<Recorded>, StoreError> {
    let wanted = vault::normalise_term(phone);
    if wanted.is_empty() {
        return Ok(vec![]);
    }
    let mut out = vec![];
    let mut after = 0;
    loop {
        let mut rows = tx
            .query(
                "SELECT id, actor, payload FROM walk_ins WHERE id > $1 ORDER BY id LIMIT 2000",
                &[Value::Int(after)],
            )?
            .iter()
            .map(|r| {
                Ok(Recorded {
                    id: r.i64(0)?,
                    actor: r.json(1)?,
                    walk_in: r.json(2)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.id;
        unseal(tx, &mut rows)?;
        out.extend(rows.into_iter().filter(|r| {
            r.walk_in
                .applicant_phone
                .as_deref()
                .is_some_and(|p| vault::normalise_term(p) == wanted)
        }));
    }
    Ok(out)
}
