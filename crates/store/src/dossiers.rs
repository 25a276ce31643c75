//! Dossiers on the event log: one command, one transaction (lock the ledger head, check the version,
//! decide, append the event with its hash, update the projection, add the ledger entry); queries over
//! the projection; and a rebuild of every projection from the log.

use chrono::{DateTime, Utc};
use motcua_domain::calendar::WorkCalendar;
use motcua_domain::dossier::{
    Actor, Command, Context, Dossier, Event, Instant, Recorded, Status, decide, dossier_code,
    to_local,
};
use motcua_domain::stats;
use serde::Serialize;

use crate::db::{Row, Sql, Tx, Value};
use crate::ledger::{self, LedgerItem};
use crate::vault;
use crate::{StoreError, from_millis, millis};

/// Which dossier a command is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    New,
    Existing { id: i64, expected_version: i64 },
}

/// One command to run, with who asks and when.
pub struct Request {
    pub target: Target,
    pub actor: Actor,
    pub command: Command,
    pub now: Instant,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub id: i64,
    pub dossier: Dossier,
    pub event: Recorded,
}

/// Runs a batch of commands in one transaction with one ledger entry; all succeed or none does.
/// (The server sends one command at a time; imports and the demo generator batch them.)
pub fn execute(
    tx: &mut dyn Tx,
    calendar: &WorkCalendar,
    requests: Vec<Request>,
) -> Result<Vec<Outcome>, StoreError> {
    // The first round trip: the ledger head (locked: writers queue here), the outbox's
    // connectors, whether any unit has local calendar settings, and the last dossier id, read
    // together (one pipeline on PostgreSQL). The writes that follow go with the commit.
    let head_sql = ledger::lock_head_sql(tx);
    let first = tx.query_batch(&[
        (head_sql.as_str(), &[]),
        (crate::outbox::CONFIGURED, &[]),
        (crate::calendar::ANY_LOCAL_SETTINGS, &[]),
        (LAST_ID, &[]),
    ])?;
    let [head, connectors, any_local, last] = <[Vec<crate::Row>; 4]>::try_from(first)
        .map_err(|_| StoreError::Db("first reads".into()))?;
    let head = ledger::head_of(&head)?;
    let any_local = !any_local.is_empty();
    let last = last_id_of(&last)?;
    // The vault's keys, read when a command first needs them.
    let mut keys: Option<vault::Keys> = None;
    let mut next_id: Option<i64> = None;
    let mut items = Vec::with_capacity(requests.len());
    let mut outcomes = Vec::with_capacity(requests.len());
    let mut last_at = 0;
    // Each receiving unit's calendar (its province's office hours and deadline settings).
    let mut local: std::collections::HashMap<String, Option<WorkCalendar>> = Default::default();
    // The outbox's connectors: none configured, no row written.
    let connectors = crate::outbox::names(&connectors)?;
    for mut req in requests {
        // The record keeps milliseconds: the state must equal what a replay of the record gives.
        req.now = from_millis(millis(req.now))?;
        // The dossier's last event (seq and hash), read with its state: the new event chains to it.
        let mut last_event = None;
        let (id, state, mut subject) = match req.target {
            Target::New => {
                let id = match next_id {
                    Some(id) => id,
                    None => last + 1,
                };
                next_id = Some(id + 1);
                (id, None, Some(vault::Subject::fresh()?))
            }
            Target::Existing {
                id,
                expected_version,
            } => {
                let (mut state, last) = load_for_command(tx, id)?;
                last_event = last;
                if state.version != expected_version {
                    return Err(StoreError::Conflict {
                        expected: expected_version,
                        actual: state.version,
                    });
                }
                // Most commands (hand-over, result, pause...) record nothing about the applicant:
                // they work on the sealed state and leave the vault closed.
                let subject = if vault::needs_subject(&req.command) || !vault::fully_sealed(&state)
                {
                    let k = vault::Keys::once(tx, &mut keys)?;
                    let subject = vault::open(tx, k, id)?;
                    subject.unseal_state(&mut state);
                    Some(subject)
                } else {
                    None
                };
                (id, Some(state), subject)
            }
        };
        let mut command = req.command;
        if let Command::Receive { code, unit, .. } = &mut command {
            let unit = match &state {
                Some(d) => d.unit.clone(),
                None => unit.clone().unwrap_or_default(),
            };
            *code = next_code(tx, &unit, req.now)?;
        }
        // Deadlines follow the calendar of the agency that resolves (the receiving unit's,
        // unless a boundary-free reception named another competent agency).
        let unit = match (&state, &command) {
            (Some(d), _) => d.competent_unit().to_owned(),
            (None, Command::Receive { unit, details, .. }) => details
                .competent_unit
                .clone()
                .filter(|c| !c.trim().is_empty())
                .or_else(|| unit.clone())
                .unwrap_or_default(),
            (None, Command::SubmitOnline { unit, .. }) => unit.clone(),
            (None, _) => String::new(),
        };
        if !local.contains_key(&unit) {
            let cal = crate::calendar::local_calendar_if(tx, calendar, &unit, any_local)?;
            local.insert(unit.clone(), cal);
        }
        let ctx = Context {
            now: req.now,
            calendar: local[&unit].as_ref().unwrap_or(calendar),
        };
        let event = decide(state.as_ref(), command, &ctx)?;
        let seq = state.as_ref().map_or(1, |d| d.version + 1);
        let recorded = Recorded {
            seq,
            at: req.now,
            actor: req.actor,
            event,
        };
        let (dossier, change, cross) = match state {
            None => {
                let d = Dossier::start(&recorded)?;
                let change = stats::delta(None, &d);
                let cross = stats::cross_delta(None, &d);
                (d, change, cross)
            }
            Some(before) => {
                let mut d = before.clone();
                d.apply(&recorded);
                let change = stats::delta(Some(&before), &d);
                let cross = stats::cross_delta(Some(&before), &d);
                (d, change, cross)
            }
        };
        // Personal data goes to the vault; the log and the stored state keep seals.
        let (item, dossier, recorded) = match subject.as_mut() {
            Some(subject) => {
                let stored_event = if let Event::PersonalDataErased { .. } = &recorded.event {
                    vault::erase(tx, id, subject, millis(req.now))?;
                    recorded.event.clone()
                } else {
                    subject.seal_event(&recorded.event, &dossier)?
                };
                let item = append_event(
                    tx,
                    id,
                    last_event.take(),
                    &Recorded {
                        event: stored_event,
                        ..recorded.clone()
                    },
                )?;
                let sealed = subject.seal_state(&dossier)?;
                let mut dossier = sealed.clone();
                subject.unseal_state(&mut dossier);
                save(tx, id, &dossier, &sealed, millis(req.now))?;
                let k = vault::Keys::once(tx, &mut keys)?;
                vault::save(tx, k, id, subject, millis(req.now))?;
                crate::papers::on_event(tx, id, subject, &dossier, &recorded.event)?;
                let mut recorded = recorded;
                subject.unseal_event(&mut recorded.event);
                (item, dossier, recorded)
            }
            None => {
                // The state was sealed and the event carries nothing personal: both are stored
                // as they are, and the queues keep their copy of the name.
                if vault::is_personal(&recorded.event)
                    || crate::papers::touches_store(&recorded.event)
                {
                    return Err(StoreError::Db(format!(
                        "{} recorded without the vault",
                        recorded.event.kind()
                    )));
                }
                let item = append_event(tx, id, last_event.take(), &recorded)?;
                save_sealed(tx, id, &dossier, millis(req.now))?;
                (item, dossier, recorded)
            }
        };
        crate::lookup::save(tx, id, &dossier)?;
        crate::payments::on_event(tx, id, &dossier, &recorded.event)?;
        crate::population::on_event(tx, id, &dossier, &recorded.event)?;
        if seq == 1 {
            crate::public_access::create(tx, id, millis(req.now))?;
        }
        crate::stats::add(tx, &change)?;
        crate::outbox::on_event(tx, &connectors, id, &item.hash, &recorded, &dossier)?;
        crate::stats::add_cross(tx, &cross)?;
        last_at = last_at.max(millis(req.now));
        items.push(item);
        outcomes.push(Outcome {
            id,
            dossier,
            event: recorded,
        });
    }
    ledger::append(tx, &head, last_at, &items)?;
    Ok(outcomes)
}

fn json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(e.to_string()))
}

/// The next dossier code of a unit for the local day of `now`: a counter row per unit and day,
/// incremented inside the writer's transaction, so codes are unique and gapless.
fn next_code(tx: &mut dyn Tx, unit: &str, now: Instant) -> Result<String, StoreError> {
    let day = to_local(now).date();
    let row = tx
        .query_one(
            "INSERT INTO code_counters (unit, day, last) VALUES ($1, $2, 1) \
             ON CONFLICT (unit, day) DO UPDATE SET last = code_counters.last + 1 RETURNING last",
            &[Value::from(unit), Value::Text(day.to_string())],
        )?
        .ok_or_else(|| StoreError::Db("counter".into()))?;
    Ok(dossier_code(unit, day, row.i64(0)?)?)
}

fn append_event(
    tx: &mut dyn Tx,
    id: i64,
    last: Option<(i64, String)>,
    rec: &Recorded,
) -> Result<LedgerItem, StoreError> {
    let prev_hash = if rec.seq == 1 {
        ledger::GENESIS.to_owned()
    } else if let Some((_, hash)) = last.filter(|(seq, _)| *seq == rec.seq - 1) {
        hash
    } else {
        tx.query_one(
            "SELECT hash FROM events WHERE dossier_id = $1 AND seq = $2",
            &[Value::Int(id), Value::Int(rec.seq - 1)],
        )?
        .ok_or_else(|| StoreError::Db(format!("dossier {id}: event {} missing", rec.seq - 1)))?
        .string(0)?
    };
    write_event(tx, id, rec, prev_hash)
}

/// Writes one event with its hash, chained to `prev_hash`; returns its ledger item.
fn write_event(
    tx: &mut dyn Tx,
    id: i64,
    rec: &Recorded,
    prev_hash: String,
) -> Result<LedgerItem, StoreError> {
    let row = crate::batch::event_row(id, rec, prev_hash)?;
    let inserted = tx
        .query_one(
            "INSERT INTO events (dossier_id, seq, at, actor, kind, payload, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &row.values,
        )?
        .ok_or_else(|| StoreError::Db("insert event".into()))?;
    Ok(LedgerItem {
        event_id: inserted.i64(0)?,
        dossier_id: id,
        seq: rec.seq,
        hash: row.hash,
    })
}

/// Raises a unit's code counter for a day to at least `last` (codes taken from the log).
/// Raises each (unit, day)'s code counter to at least the last number given, many to a statement.
fn raise_code_counters(
    tx: &mut dyn Tx,
    codes: std::collections::BTreeMap<(String, String), i64>,
) -> Result<(), StoreError> {
    crate::db::upsert_many(
        tx,
        "INSERT INTO code_counters (unit, day, last) VALUES ",
        codes
            .into_iter()
            .map(|((unit, day), last)| [Value::Text(unit), Value::Text(day), Value::Int(last)]),
        300,
        " ON CONFLICT (unit, day) DO UPDATE SET last = CASE WHEN code_counters.last > excluded.last \
         THEN code_counters.last ELSE excluded.last END",
    )
}

/// The values of a dossier's projection row, in the order of `PROJECTION_COLUMNS`: the columns from
/// the dossier `d` (the queues' copy of the name is erasable), the state as the vault sealed it.
fn projection_row(
    id: i64,
    d: &Dossier,
    sealed: &Dossier,
    updated_at: i64,
) -> Result<Vec<Value>, StoreError> {
    let ms = |t: Option<DateTime<Utc>>| Value::from(t.map(millis));
    Ok(vec![
        Value::Int(id),
        Value::from(d.code.clone()),
        Value::Int(d.version),
        Value::from(d.status.as_str()),
        Value::from(d.channel.as_str()),
        Value::from(&d.procedure.code),
        Value::from(&d.unit),
        Value::from(&d.current_unit),
        Value::from(
            d.status
                .is_open()
                .then(|| d.steps.last().and_then(|s| s.holder))
                .flatten(),
        ),
        Value::from(&d.applicant.full_name),
        Value::Text(d.applicant.phone_last4()),
        ms(d.submitted_at),
        ms(d.received_at),
        ms(d.due),
        ms(d.appointment()),
        ms(d.finished_at),
        ms(d.closed_at),
        Value::from(d.result.map(|r| r.as_str())),
        Value::Int(updated_at),
        Value::Text(json(sealed)?),
        Value::from(d.competent.clone().filter(|c| *c != d.unit)),
    ])
}

const PROJECTION_COLUMNS: &str = "id, code, version, status, channel, procedure_code, unit, current_unit, \
     holder, applicant_name, phone_last4, submitted_at, received_at, due_at, appointment_at, finished_at, \
     closed_at, result, updated_at, state, competent_unit";

/// Inserts new projection rows, 200 to a statement (for `rebuild`, into an emptied table).
fn insert_projections(tx: &mut dyn Tx, rows: Vec<Vec<Value>>) -> Result<(), StoreError> {
    crate::db::insert_many(
        tx,
        &format!("INSERT INTO dossiers ({PROJECTION_COLUMNS}) VALUES "),
        rows,
        200,
    )
}

/// Writes the projection row of a dossier.
fn save(
    tx: &mut dyn Tx,
    id: i64,
    d: &Dossier,
    sealed: &Dossier,
    updated_at: i64,
) -> Result<(), StoreError> {
    let params = projection_row(id, d, sealed, updated_at)?;
    tx.exec_later(
        "INSERT INTO dossiers (id, code, version, status, channel, procedure_code, unit, current_unit, \
         holder, applicant_name, phone_last4, submitted_at, received_at, due_at, appointment_at, finished_at, \
         closed_at, result, updated_at, state, competent_unit) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) \
         ON CONFLICT (id) DO UPDATE SET code = excluded.code, version = excluded.version, \
         status = excluded.status, channel = excluded.channel, procedure_code = excluded.procedure_code, \
         unit = excluded.unit, current_unit = excluded.current_unit, holder = excluded.holder, \
         applicant_name = excluded.applicant_name, \
         phone_last4 = excluded.phone_last4, submitted_at = excluded.submitted_at, \
         received_at = excluded.received_at, due_at = excluded.due_at, appointment_at = excluded.appointment_at, \
         finished_at = excluded.finished_at, closed_at = excluded.closed_at, result = excluded.result, \
         updated_at = excluded.updated_at, state = excluded.state, \
         competent_unit = excluded.competent_unit",
        &params,
    )?;
    Ok(())
}

/// Writes the projection row of a dossier whose personal fields stayed sealed: everything but the
/// queues' copy of the name and phone digits, which the command did not change.
fn save_sealed(
    tx: &mut dyn Tx,
    id: i64,
    sealed: &Dossier,
    updated_at: i64,
) -> Result<(), StoreError> {
    let mut params = projection_row(id, sealed, sealed, updated_at)?;
    // applicant_name and phone_last4 (the 10th and 11th columns) are left as they are.
    params.drain(9..11);
    tx.exec_later(
        "UPDATE dossiers SET code = $2, version = $3, status = $4, channel = $5, procedure_code = $6, \
         unit = $7, current_unit = $8, holder = $9, submitted_at = $10, received_at = $11, due_at = $12, \
         appointment_at = $13, finished_at = $14, closed_at = $15, result = $16, updated_at = $17, \
         state = $18, competent_unit = $19 WHERE id = $1",
        &params,
    )?;
    Ok(())
}

/// The register (sổ theo dõi hồ sơ) of a receiving unit over a period: one line per dossier
/// received in it, in order of reception.
pub fn register(
    tx: &mut dyn Tx,
    unit: &str,
    period: &motcua_domain::stats::Period,
) -> Result<Vec<motcua_domain::forms::RegisterLine>, StoreError> {
    let rows = tx.query(
        "SELECT id, state FROM dossiers WHERE unit = $1 AND received_at >= $2 AND received_at < $3 \
         ORDER BY received_at, id",
        &[
            Value::from(unit),
            Value::Int(millis(period.start())),
            Value::Int(millis(period.end())),
        ],
    )?;
    let mut states = rows
        .iter()
        .map(|r| Ok((r.i64(0)?, r.json::<Dossier>(1)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    vault::unseal_states(tx, &mut states)?;
    Ok(states
        .iter()
        .map(|(_, d)| motcua_domain::forms::register_line(d))
        .collect())
}

/// A dossier whose supplement request has waited longer than its province allows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StaleSupplement {
    pub id: i64,
    pub version: i64,
    pub code: Option<String>,
    pub unit: String,
    pub current_unit: String,
    pub applicant_name: String,
    /// The agency that asked and when.
    pub agency: String,
    pub requested_at: Instant,
    pub items: Vec<String>,
    pub waited_working_days: u32,
    pub limit_working_days: u32,
}

/// The "stale supplement" queue of some receiving units at `now`: dossiers waiting for a
/// supplement longer than the province's `supplement_wait_days`, oldest request first. The desk may
/// close them with `Command::ReturnUnsupplemented`.
pub fn stale_supplements(
    tx: &mut dyn Tx,
    calendar: &WorkCalendar,
    units: &[String],
    now: Instant,
) -> Result<Vec<StaleSupplement>, StoreError> {
    if units.is_empty() {
        return Ok(vec![]);
    }
    let mut q = Sql::new("SELECT id, state, applicant_name FROM dossiers WHERE status = ");
    q.bind(Status::SupplementRequested.as_str())
        .push(" AND unit IN ")
        .bind_list(units)
        .push(" ORDER BY id");
    let rows = tx.query(&q.text, &q.params)?;
    let mut local: std::collections::HashMap<String, Option<WorkCalendar>> = Default::default();
    let mut out = vec![];
    for r in rows {
        let d: Dossier = r.json(1)?;
        if !local.contains_key(&d.unit) {
            let cal = crate::calendar::local_calendar(tx, calendar, &d.unit)?;
            local.insert(d.unit.clone(), cal);
        }
        let cal = local[&d.unit].as_ref().unwrap_or(calendar);
        let Some(waited) = d
            .supplement_waiting(cal, now)
            .map_err(motcua_domain::dossier::DossierError::from)?
        else {
            continue;
        };
        let limit = cal.rules_on(to_local(now).date()).supplement_wait_days;
        let Some(s) = d.supplements.last() else {
            continue;
        };
        if waited > limit {
            out.push(StaleSupplement {
                id: r.i64(0)?,
                version: d.version,
                code: d.code.clone(),
                unit: d.unit.clone(),
                current_unit: d.current_unit.clone(),
                applicant_name: r.string(2)?,
                agency: d.supplement_agency(s),
                requested_at: s.at,
                items: s.items.clone(),
                waited_working_days: waited,
                limit_working_days: limit,
            });
        }
    }
    out.sort_by_key(|s| (s.requested_at, s.id));
    Ok(out)
}

/// The current state of a dossier, from its projection, with its personal data from the vault.
pub fn load(tx: &mut dyn Tx, id: i64) -> Result<Dossier, StoreError> {
    let mut d = load_sealed(tx, id)?;
    vault::unseal_state(tx, id, &mut d)?;
    Ok(d)
}

/// The state as stored: personal fields sealed (blank), for what needs none of them.
pub fn load_sealed(tx: &mut dyn Tx, id: i64) -> Result<Dossier, StoreError> {
    tx.query_one(
        "SELECT state FROM dossiers WHERE id = $1",
        &[Value::Int(id)],
    )?
    .ok_or_else(|| StoreError::not_found(format!("hồ sơ {id}"), format!("dossier {id}")))?
    .json(0)
}

/// The sealed state and the last event's seq and hash, in one query (a command's first read).
fn load_for_command(
    tx: &mut dyn Tx,
    id: i64,
) -> Result<(Dossier, Option<(i64, String)>), StoreError> {
    let row = tx
        .query_one(
            "SELECT d.state, e.seq, e.hash FROM dossiers d LEFT JOIN events e ON e.dossier_id = d.id \
             AND e.seq = (SELECT MAX(seq) FROM events WHERE dossier_id = $1) WHERE d.id = $1",
            &[Value::Int(id)],
        )?
        .ok_or_else(|| StoreError::not_found(format!("hồ sơ {id}"), format!("dossier {id}")))?;
    let last = match (row.opt_i64(1)?, row.opt_string(2)?) {
        (Some(seq), Some(hash)) => Some((seq, hash)),
        _ => None,
    };
    Ok((row.json(0)?, last))
}

pub fn id_by_code(tx: &mut dyn Tx, code: &str) -> Result<Option<i64>, StoreError> {
    tx.query_one(
        "SELECT id FROM dossiers WHERE code = $1",
        &[Value::from(code)],
    )?
    .map(|r| r.i64(0))
    .transpose()
}

/// The recorded history of a dossier, read from the log itself.
pub fn history(tx: &mut dyn Tx, id: i64) -> Result<Vec<Recorded>, StoreError> {
    let rows = tx.query(
        "SELECT seq, at, actor, payload FROM events WHERE dossier_id = $1 ORDER BY seq",
        &[Value::Int(id)],
    )?;
    let mut events = rows.iter().map(recorded).collect::<Result<Vec<_>, _>>()?;
    vault::unseal_history(tx, id, &mut events)?;
    Ok(events)
}

fn recorded(r: &Row) -> Result<Recorded, StoreError> {
    Ok(Recorded {
        seq: r.i64(0)?,
        at: from_millis(r.i64(1)?)?,
        actor: r.json(2)?,
        event: r.json(3)?,
    })
}

/// Filters of the dossier list; every one optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Dossiers held by (or received by) these units.
    pub units: Option<Vec<String>>,
    pub by_receiving_unit: bool,
    pub status: Option<Status>,
    pub procedure: Option<String>,
    pub received_from: Option<Instant>,
    pub received_to: Option<Instant>,
    pub due_before: Option<Instant>,
    pub due_after: Option<Instant>,
    /// Dossiers handed to this member of staff.
    pub holder: Option<i64>,
    /// Open and past due at this instant.
    pub overdue_at: Option<Instant>,
    /// Only these procedures.
    pub procedures: Option<Vec<String>>,
    /// The dossiers behind one figure of a report (see `motcua_domain::stats`).
    pub cell: Option<Cell>,
    /// Only these dossiers (a search's matches).
    pub ids: Option<Vec<i64>>,
    /// The applicant's name contains this (case folded as the database folds it).
    pub name_contains: Option<String>,
    /// Keyset cursor: the last (due_at or received_at, id) seen.
    pub after: Option<(i64, i64)>,
    pub limit: i64,
}

/// A figure of a report: one column of `motcua_domain::stats::COLUMNS` over a period, as of `now`.
#[derive(Debug, Clone)]
pub struct Cell {
    pub column: String,
    pub period: motcua_domain::stats::Period,
    pub now: Instant,
}

/// The report columns whose dossiers can be listed from the projection's columns.
pub const DRILLABLE: [&str; 11] = [
    "carried",
    "received_desk",
    "received_post",
    "received_online",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "refused",
    "withdrawn",
    "open_in_time",
    "open_overdue",
];

/// The conditions of a report cell, by the definitions of `motcua_domain::stats`. None when the
/// column cannot be listed.
fn cell_condition(q: &mut Sql, c: &Cell) -> Option<()> {
    let (start, end) = (millis(c.period.start()), millis(c.period.end()));
    let at = millis(c.period.end().min(c.now));
    const ENDED: &str = "COALESCE(finished_at, closed_at)";
    match c.column.as_str() {
        "carried" => {
            q.push(" AND received_at < ").bind(start);
            q.push(&format!(" AND ({ENDED} IS NULL OR {ENDED} >= "))
                .bind(start)
                .push(")");
        }
        "received_desk" | "received_post" | "received_online" => {
            let channel = c.column.trim_start_matches("received_").to_owned();
            q.push(" AND received_at >= ").bind(start);
            q.push(" AND received_at < ").bind(end);
            q.push(" AND channel = ").bind(channel);
        }
        "resolved_early" | "resolved_on_time" | "resolved_late" => {
            let result = c.column.trim_start_matches("resolved_").to_owned();
            q.push(" AND finished_at >= ").bind(start);
            q.push(" AND finished_at < ").bind(end);
            q.push(" AND result = ").bind(result);
        }
        "refused" | "withdrawn" => {
            q.push(" AND finished_at IS NULL AND closed_at >= ")
                .bind(start);
            q.push(" AND closed_at < ").bind(end);
            q.push(" AND status = ").bind(c.column.clone());
        }
        "open_in_time" | "open_overdue" => {
            q.push(" AND received_at < ").bind(end);
            q.push(&format!(" AND ({ENDED} IS NULL OR {ENDED} >= "))
                .bind(end)
                .push(")");
            // Still in processing: overdue as of now (or the period's end); ended later: as of the end.
            let due = format!("COALESCE(due_at, {})", i64::MAX);
            let overdue = format!(
                "(({ENDED} IS NULL AND {due} < {at}) OR ({ENDED} IS NOT NULL AND {due} < {end}))"
            );
            if c.column == "open_overdue" {
                q.push(&format!(" AND {overdue}"));
            } else {
                q.push(&format!(" AND NOT {overdue}"));
            }
        }
        _ => return None,
    }
    Some(())
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Summary {
    pub id: i64,
    pub code: Option<String>,
    pub version: i64,
    pub status: Status,
    pub channel: String,
    pub procedure_code: String,
    pub unit: String,
    pub current_unit: String,
    pub applicant_name: String,
    pub received_at: Option<Instant>,
    pub due_at: Option<Instant>,
    pub appointment_at: Option<Instant>,
    pub finished_at: Option<Instant>,
    pub result: Option<String>,
}

const DUE: &str = "COALESCE(due_at, 9223372036854775807)";

/// The query of a filter (without the keyset cursor); None when it can match nothing.
fn filtered(select: &str, f: &Filter) -> Option<Sql> {
    let mut q = Sql::new(select);
    q.push(" FROM dossiers WHERE 1 = 1");
    if let Some(units) = &f.units {
        if units.is_empty() {
            return None;
        }
        q.push(if f.by_receiving_unit {
            " AND unit IN "
        } else {
            " AND current_unit IN "
        })
        .bind_list(units);
    }
    if let Some(s) = f.status {
        q.push(" AND status = ").bind(s.as_str());
    }
    if let Some(p) = &f.procedure {
        q.push(" AND procedure_code = ").bind(p);
    }
    if let Some(t) = f.received_from {
        q.push(" AND received_at >= ").bind(millis(t));
    }
    if let Some(t) = f.received_to {
        q.push(" AND received_at < ").bind(millis(t));
    }
    if let Some(t) = f.due_before {
        q.push(" AND due_at < ").bind(millis(t));
    }
    if let Some(h) = f.holder {
        q.push(" AND holder = ").bind(h);
    }
    if let Some(t) = f.due_after {
        q.push(" AND due_at >= ").bind(millis(t));
    }
    if let Some(t) = f.overdue_at {
        q.push(" AND status = 'processing' AND due_at < ")
            .bind(millis(t));
    }
    if let Some(p) = &f.procedures {
        if p.is_empty() {
            return None;
        }
        q.push(" AND procedure_code IN ").bind_list(p);
    }
    if let Some(c) = &f.cell {
        cell_condition(&mut q, c)?;
    }
    if let Some(ids) = &f.ids {
        if ids.is_empty() {
            return None;
        }
        let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        q.push(&format!(" AND id IN ({})", list.join(", ")));
    }
    if let Some(name) = &f.name_contains {
        let pattern = format!(
            "%{}%",
            name.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        q.push(" AND LOWER(applicant_name) LIKE LOWER(")
            .bind(pattern)
            .push(") ESCAPE '\\'");
    }
    Some(q)
}

/// How many dossiers match a filter.
pub fn count(tx: &mut dyn Tx, f: &Filter) -> Result<i64, StoreError> {
    let Some(q) = filtered("SELECT COUNT(*)", f) else {
        return Ok(0);
    };
    Ok(tx
        .query_one(&q.text, &q.params)?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

/// Lists dossiers, ordered by due time (open ones first) then id, with keyset pagination: the
/// cursor is the (due_at, id) of the last row, so every page costs the same.
pub fn list(tx: &mut dyn Tx, f: &Filter) -> Result<Vec<Summary>, StoreError> {
    let Some(mut q) = filtered(
        "SELECT id, code, version, status, channel, procedure_code, unit, current_unit, applicant_name, \
         received_at, due_at, appointment_at, finished_at, result",
        f,
    ) else {
        return Ok(vec![]);
    };
    if let Some((due, id)) = f.after {
        q.push(&format!(" AND ({DUE} > ")).bind(due);
        q.push(&format!(" OR ({DUE} = ")).bind(due);
        q.push(" AND id > ").bind(id).push("))");
    }
    q.push(&format!(" ORDER BY {DUE}, id LIMIT "))
        .bind(f.limit.clamp(1, 500));
    let rows = tx.query(&q.text, &q.params)?;
    rows.iter()
        .map(|r| {
            let t = |i| r.opt_i64(i)?.map(from_millis).transpose();
            Ok(Summary {
                id: r.i64(0)?,
                code: r.opt_string(1)?,
                version: r.i64(2)?,
                status: Status::parse(r.str(3)?)
                    .ok_or_else(|| StoreError::Db("unknown status".into()))?,
                channel: r.string(4)?,
                procedure_code: r.string(5)?,
                unit: r.string(6)?,
                current_unit: r.string(7)?,
                applicant_name: r.string(8)?,
                received_at: t(9)?,
                due_at: t(10)?,
                appointment_at: t(11)?,
                finished_at: t(12)?,
                result: r.opt_string(13)?,
            })
        })
        .collect()
}

/// The keyset cursor after a row of `list`.
pub fn cursor_of(s: &Summary) -> (i64, i64) {
    (s.due_at.map_or(i64::MAX, millis), s.id)
}

/// Records that a member of staff saw a dossier's personal data.
pub fn log_personal_view(
    tx: &mut dyn Tx,
    staff_id: i64,
    dossier_id: i64,
    purpose: &str,
    now: Instant,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO personal_data_views (at, staff_id, dossier_id, purpose) VALUES ($1, $2, $3, $4)",
        &[
            Value::Int(millis(now)),
            Value::Int(staff_id),
            Value::Int(dossier_id),
            Value::from(purpose),
        ],
    )?;
    Ok(())
}

/// Who saw a dossier's personal data, when and why (oldest first): (at, staff id, purpose).
pub fn personal_views(
    tx: &mut dyn Tx,
    dossier_id: i64,
) -> Result<Vec<(Instant, i64, String)>, StoreError> {
    tx.query(
        "SELECT at, staff_id, purpose FROM personal_data_views WHERE dossier_id = $1 ORDER BY id",
        &[Value::Int(dossier_id)],
    )?
    .iter()
    .map(|r| Ok((from_millis(r.i64(0)?)?, r.i64(1)?, r.string(2)?)))
    .collect()
}

/// Recomputes every dossier projection and the code counters from the event log (and indicator
/// 1.4's counters from the deliveries to the national portal).
pub fn rebuild(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    tx.exec("DELETE FROM dossiers", &[])?;
    crate::lookup::clear(tx)?;
    tx.exec("DELETE FROM code_counters", &[])?;
    tx.exec("DELETE FROM stats", &[])?;
    tx.exec("DELETE FROM stats_units", &[])?;
    tx.exec("DELETE FROM stats_procedures", &[])?;
    tx.exec("DELETE FROM stats_cross", &[])?;
    tx.exec("DELETE FROM vault_terms", &[])?;
    crate::papers::clear(tx)?;
    crate::payments::clear(tx)?;
    crate::population::clear(tx)?;
    let mut counters: std::collections::BTreeMap<stats::Key, stats::Counts> = Default::default();
    let mut cross: std::collections::BTreeMap<stats::CrossKey, stats::Counts> = Default::default();
    let mut codes: std::collections::BTreeMap<(String, String), i64> = Default::default();
    let mut count = 0;
    let keys = vault::Keys::load(tx)?;
    let end = last_id(tx)?;
    let mut after = 0i64;
    while after < end {
        // The histories of a thousand consecutive ids in one query, by an index range (a round
        // trip per dossier, or a DISTINCT over the rest of the log per batch, is what a
        // PostgreSQL restore of a province would otherwise spend its time on).
        let (first, last) = (after + 1, after + 1000);
        after = last;
        let rows = tx.query(
            "SELECT dossier_id, seq, at, actor, payload FROM events \
             WHERE dossier_id >= $1 AND dossier_id <= $2 ORDER BY dossier_id, seq",
            &[Value::Int(first), Value::Int(last)],
        )?;
        if rows.is_empty() {
            continue;
        }
        let mut histories: std::collections::BTreeMap<i64, Vec<Recorded>> = Default::default();
        for r in &rows {
            histories.entry(r.i64(0)?).or_default().push(Recorded {
                seq: r.i64(1)?,
                at: from_millis(r.i64(2)?)?,
                actor: r.json(3)?,
                event: r.json(4)?,
            });
        }
        let mut projections = Vec::with_capacity(histories.len());
        let mut lookups = Vec::with_capacity(histories.len());
        let mut kept = vec![];
        let (mut fees, mut payments, mut population) = (vec![], vec![], vec![]);
        let mut subjects = vault::find_range(tx, &keys, first, last)?;
        for (id, mut events) in histories {
            // Replayed with the personal data back, then sealed again as `execute` sealed it (a
            // dossier from before the vault, with no subject, keeps its state as it was).
            let mut subject = subjects.remove(&id);
            if let Some(s) = &subject {
                for e in &mut events {
                    s.unseal_event(&mut e.event);
                }
            }
            let dossier = Dossier::replay(&events)?;
            let updated = events.last().map_or(0, |e| millis(e.at));
            let (dossier, sealed) = match &mut subject {
                Some(s) => {
                    vault::index(tx, &keys, id, s)?;
                    let sealed = s.seal_state(&dossier)?;
                    let mut clear = sealed.clone();
                    s.unseal_state(&mut clear);
                    (clear, sealed)
                }
                None => (dossier.clone(), dossier),
            };
            projections.push(projection_row(id, &dossier, &sealed, updated)?);
            lookups.push(crate::lookup::row_of(id, &dossier)?);
            let (fee, paid) = crate::payments::rows(id, &dossier);
            fees.extend(fee);
            payments.extend(paid);
            population.extend(crate::population::row(id, &dossier));
            if let Some(s) = subject.as_ref().filter(|s| !s.erased) {
                kept.extend(crate::papers::rows(id, &s.reference, &dossier));
            }
            for (k, m, n) in stats::contributions(&dossier) {
                counters.entry(k).or_default().add(m, n);
            }
            for (k, m, n) in stats::cross_contributions(&dossier) {
                cross.entry(k).or_default().add(m, n);
            }
            if let Some(Event::Received { code, .. }) = events
                .iter()
                .map(|e| &e.event)
                .find(|e| matches!(e, Event::Received { .. }))
                && let Some((unit, day, seq)) = motcua_domain::dossier::parse_dossier_code(code)
            {
                let e = codes.entry((unit, day.to_string())).or_default();
                *e = (*e).max(seq.into());
            }
            count += 1;
        }
        insert_projections(tx, projections)?;
        crate::lookup::insert_rows(tx, lookups)?;
        crate::papers::insert(tx, kept)?;
        crate::payments::insert(tx, fees, payments)?;
        crate::population::insert(tx, population)?;
    }
    raise_code_counters(tx, codes)?;
    for (k, m) in crate::walk_ins::contributions(tx)? {
        counters.entry(k).or_default().add(m, 1);
    }
    let counters: Vec<_> = counters.into_iter().collect();
    crate::stats::add(tx, &counters)?;
    crate::stats::add_cross(tx, &cross.into_iter().collect::<Vec<_>>())?;
    crate::outbox::recount_synced(tx)?;
    Ok(count)
}

fn ids(tx: &mut dyn Tx, sql: &str, since: Instant) -> Result<Vec<i64>, StoreError> {
    tx.query(sql, &[Value::Int(millis(since))])?
        .iter()
        .map(|r| r.i64(0))
        .collect()
}

/// Dossiers whose result is ready or returned, finished since `since`, the latest first.
pub fn resolved_since(tx: &mut dyn Tx, since: Instant) -> Result<Vec<i64>, StoreError> {
    ids(
        tx,
        "SELECT id FROM dossiers WHERE status IN ('result_ready', 'returned') AND finished_at >= $1 \
         ORDER BY finished_at DESC",
        since,
    )
}

/// Dossiers received at a desk since `since` and still open, the latest first.
pub fn open_at_desk_since(tx: &mut dyn Tx, since: Instant) -> Result<Vec<i64>, StoreError> {
    ids(
        tx,
        "SELECT id FROM dossiers WHERE channel = 'desk' AND closed_at IS NULL AND received_at >= $1 \
         ORDER BY received_at DESC",
        since,
    )
}

/// The procedures most asked for since `since` (by dossiers received), most first.
pub fn popular_procedures(
    tx: &mut dyn Tx,
    since: Instant,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    tx.query(
        "SELECT procedure_code, COUNT(*) AS n FROM dossiers WHERE received_at >= $1 \
         GROUP BY procedure_code ORDER BY n DESC, procedure_code LIMIT $2",
        &[Value::Int(millis(since)), Value::Int(limit)],
    )?
    .iter()
    .map(|r| r.string(0))
    .collect()
}

/// The highest dossier id on the log (0 when there is none).
pub fn last_id(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    last_id_of(&tx.query(LAST_ID, &[])?)
}

const LAST_ID: &str = "SELECT COALESCE(MAX(dossier_id), 0) FROM events";

fn last_id_of(rows: &[crate::Row]) -> Result<i64, StoreError> {
    rows.first().map_or(Ok(0), |r| r.i64(0))
}

/// A digest of every projection row (id, version, status, times, state), for comparing the
/// projections before and after a rebuild without holding them all in memory.
pub fn projection_digest(tx: &mut dyn Tx) -> Result<String, StoreError> {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    let mut after = 0i64;
    loop {
        let rows = tx.query(
            "SELECT id, code, version, status, channel, procedure_code, unit, current_unit, holder, \
             received_at, due_at, appointment_at, finished_at, closed_at, result, updated_at, state, competent_unit \
             FROM dossiers WHERE id > $1 ORDER BY id LIMIT 5000",
            &[Value::Int(after)],
        )?;
        let Some(last) = rows.last() else { break };
        after = last.i64(0)?;
        for r in &rows {
            for v in &r.0 {
                hash.update(format!("{v:?}\u{1f}").as_bytes());
            }
            hash.update(b"\x1e");
        }
    }
    Ok(hex::encode(hash.finalize()))
}

/// Writes whole dossier histories at once, for the load generator (histories made by the domain's own
/// `decide`, so every one is legal):
/// each history is replayed (so its state is what a replay of the log gives), its events written
/// with their hash chain, its projection and counter contributions saved, the code counters raised
/// to the codes it used, and one ledger entry covers the lot. Returns the ids given, in order.
pub fn import(tx: &mut dyn Tx, histories: &[Vec<Recorded>]) -> Result<Vec<i64>, StoreError> {
    let head = ledger::lock_head(tx)?;
    let mut id = last_id(tx)?;
    let mut items = vec![];
    let mut ids = Vec::with_capacity(histories.len());
    let mut counters: std::collections::BTreeMap<stats::Key, stats::Counts> = Default::default();
    let mut cross: std::collections::BTreeMap<stats::CrossKey, stats::Counts> = Default::default();
    let mut codes: std::collections::BTreeMap<(String, String), i64> = Default::default();
    let mut last_at = 0;
    let keys = vault::Keys::load(tx)?;
    let mut lookups = Vec::with_capacity(histories.len());
    let mut projections = Vec::with_capacity(histories.len());
    let mut rows = vec![];
    let (mut fees, mut payments, mut population) = (vec![], vec![], vec![]);
    let mut subjects = vault::NewSubjects::default();
    for events in histories {
        if events.is_empty() {
            continue;
        }
        id += 1;
        // A new id: the dossier has no record in the vault yet.
        let mut subject = vault::Subject::fresh()?;
        let mut prev_hash = ledger::GENESIS.to_owned();
        let mut state: Option<Dossier> = None;
        for rec in events {
            let after = match state.take() {
                None => Dossier::start(rec)?,
                Some(mut d) => {
                    d.apply(rec);
                    d
                }
            };
            let sealed = Recorded {
                event: subject.seal_event(&rec.event, &after)?,
                ..rec.clone()
            };
            state = Some(after);
            let row = crate::batch::event_row(id, &sealed, prev_hash)?;
            prev_hash = row.hash.clone();
            rows.push(row);
            if let Event::Received { code, .. } = &rec.event
                && let Some((unit, day, seq)) = motcua_domain::dossier::parse_dossier_code(code)
            {
                let e = codes.entry((unit, day.to_string())).or_default();
                *e = (*e).max(seq.into());
            }
            last_at = last_at.max(millis(rec.at));
        }
        let Some(dossier) = state else { continue };
        let sealed = subject.seal_state(&dossier)?;
        let updated = events.last().map_or(0, |e| millis(e.at));
        projections.push(projection_row(id, &dossier, &sealed, updated)?);
        lookups.push(crate::lookup::row_of(id, &dossier)?);
        let (fee, paid) = crate::payments::rows(id, &dossier);
        fees.extend(fee);
        payments.extend(paid);
        population.extend(crate::population::row(id, &dossier));
        subjects.add(tx, &keys, id, &mut subject, updated)?;
        for (k, m, n) in stats::contributions(&dossier) {
            counters.entry(k).or_default().add(m, n);
        }
        for (k, m, n) in stats::cross_contributions(&dossier) {
            cross.entry(k).or_default().add(m, n);
        }
        ids.push(id);
    }
    // Many rows to a statement: a round trip per event is what seeding PostgreSQL spent its time on.
    items.extend(crate::batch::insert_events(tx, rows)?);
    insert_projections(tx, projections)?;
    crate::lookup::insert_rows(tx, lookups)?;
    crate::payments::insert(tx, fees, payments)?;
    crate::population::insert(tx, population)?;
    subjects.write(tx)?;
    raise_code_counters(tx, codes)?;
    let counters: Vec<_> = counters.into_iter().collect();
    crate::stats::add(tx, &counters)?;
    crate::stats::add_cross(tx, &cross.into_iter().collect::<Vec<_>>())?;
    if !items.is_empty() {
        ledger::append(tx, &head, last_at, &items)?;
    }
    Ok(ids)
}
