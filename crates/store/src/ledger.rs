//! The tamper-evident record: each event carries the hash of the previous event of its dossier, and
//! each committed transaction adds one ledger entry listing the events it wrote (id, dossier, seq,
//! hash) chained to the previous entry. `verify` recomputes everything and names what does not match.
//!
//! Someone with write access who drops the triggers can still edit rows; then either an event no longer
//! matches its hash, or its chain, or the ledger's copy of its hash, or the ledger chain itself. Rewriting
//! the ledger from some entry to the head is only caught against a head recorded elsewhere (printed on
//! reports): `verify` accepts such anchors.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::db::{Tx, Value};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an event that its hash covers.
pub struct EventFields<'a> {
    pub dossier_id: i64,
    pub seq: i64,
    pub at: i64,
    pub actor: &'a str,
    pub kind: &'a str,
    pub payload: &'a str,
    pub prev_hash: &'a str,
}

pub fn event_hash(e: &EventFields) -> String {
    let mut h = Sha256::new();
    h.update(b"motcua-event-v1\n");
    for part in [
        e.dossier_id.to_string().as_str(),
        e.seq.to_string().as_str(),
        e.at.to_string().as_str(),
        e.actor,
        e.kind,
        e.payload,
        e.prev_hash,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// One event as a ledger entry lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerItem {
    pub event_id: i64,
    pub dossier_id: i64,
    pub seq: i64,
    pub hash: String,
}

pub fn ledger_hash(seq: i64, at: i64, events: &str, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"motcua-ledger-v1\n");
    for part in [
        seq.to_string().as_str(),
        at.to_string().as_str(),
        events,
        prev_hash,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The head of the ledger, locked for the rest of the transaction. Every writer takes it first, so
/// writers are serialised and the chain never forks.
pub fn lock_head(tx: &mut dyn Tx) -> Result<(i64, String), StoreError> {
    let sql = lock_head_sql(tx);
    head_of(&tx.query(&sql, &[])?)
}

/// The query of [`lock_head`], for a caller that sends it with other reads ([`Tx::query_batch`]).
pub fn lock_head_sql(tx: &dyn Tx) -> String {
    format!(
        "SELECT seq, hash FROM ledger_head WHERE id = 1{}",
        tx.for_update()
    )
}

/// The head from the rows of [`lock_head_sql`].
pub fn head_of(rows: &[crate::Row]) -> Result<(i64, String), StoreError> {
    let row = rows
        .first()
        .ok_or_else(|| StoreError::Db("ledger head missing".into()))?;
    Ok((row.i64(0)?, row.string(1)?))
}

/// Appends the ledger entry for the events this transaction wrote.
pub fn append(
    tx: &mut dyn Tx,
    head: &(i64, String),
    at: i64,
    items: &[LedgerItem],
) -> Result<(i64, String), StoreError> {
    let seq = head.0 + 1;
    let events = serde_json::to_string(items).map_err(|e| StoreError::Db(e.to_string()))?;
    let hash = ledger_hash(seq, at, &events, &head.1);
    tx.exec_later(
        "INSERT INTO ledger (seq, at, events, prev_hash, hash) VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::Int(seq),
            Value::Int(at),
            Value::Text(events),
            Value::from(&head.1),
            Value::from(&hash),
        ],
    )?;
    tx.exec_later(
        "UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1",
        &[Value::Int(seq), Value::from(&hash)],
    )?;
    Ok((seq, hash))
}

/// The ledger entry (its seq) that lists event `seq` of a dossier, with the event's hash: where a
/// document's verification QR code points. None when there is no such event.
pub fn position_of(
    tx: &mut dyn Tx,
    dossier_id: i64,
    seq: i64,
) -> Result<Option<(i64, String)>, StoreError> {
    let Some(row) = tx.query_one(
        "SELECT hash, at FROM events WHERE dossier_id = $1 AND seq = $2",
        &[Value::Int(dossier_id), Value::Int(seq)],
    )?
    else {
        return Ok(None);
    };
    let (hash, at) = (row.string(0)?, row.i64(1)?);
    // An entry is written with the time of its last event, so it is never older than the event;
    // the event's hash (64 hex digits) names it in the entry's list.
    let entry = tx.query_one(
        "SELECT seq FROM ledger WHERE at >= $1 AND events LIKE $2 ORDER BY seq LIMIT 1",
        &[
            Value::Int(at),
            Value::Text(format!("%\"hash\":\"{hash}\"%")),
        ],
    )?;
    Ok(match entry {
        Some(r) => Some((r.i64(0)?, hash)),
        None => None,
    })
}

/// Every issued electronic document the log records, in the order issued, handed to `each` as
/// (dossier id, event seq, SHA-256 of the signed file) a page at a time, for `motcua verify` to check
/// the kept files against (the hashes themselves are covered by the events' hashes). Returns how many.
pub fn each_issued_file(
    tx: &mut dyn Tx,
    each: &mut dyn FnMut(i64, i64, &str),
) -> Result<i64, StoreError> {
    let mut after = 0;
    let mut n = 0;
    loop {
        let rows = tx.query(
            "SELECT id, dossier_id, seq, payload FROM events \
             WHERE kind = 'document_issued' AND id > $1 ORDER BY id LIMIT 1000",
            &[Value::Int(after)],
        )?;
        if rows.is_empty() {
            return Ok(n);
        }
        for r in &rows {
            after = r.i64(0)?;
            let payload: serde_json::Value =
                serde_json::from_str(r.str(3)?).map_err(|e| StoreError::Db(e.to_string()))?;
            let file = payload["document"]["file_sha256"]
                .as_str()
                .unwrap_or_default();
            each(r.i64(1)?, r.i64(2)?, file);
            n += 1;
        }
    }
}

/// What `verify` found wrong, naming the dossier or ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Finding {
    EventEdited {
        dossier_id: i64,
        seq: i64,
        event_id: i64,
    },
    EventDeleted {
        dossier_id: i64,
        seq: i64,
        event_id: i64,
        ledger_seq: i64,
    },
    EventInserted {
        dossier_id: i64,
        seq: i64,
        event_id: i64,
    },
    EventsReordered {
        dossier_id: i64,
        seq: i64,
        event_id: i64,
    },
    ChainBroken {
        dossier_id: i64,
        seq: i64,
        event_id: i64,
    },
    DossierErased {
        dossier_id: i64,
        events: i64,
    },
    LedgerEntryEdited {
        ledger_seq: i64,
    },
    LedgerEntryMissing {
        ledger_seq: i64,
    },
    LedgerHeadMismatch {
        head_seq: i64,
        last_seq: i64,
    },
    AnchorMismatch {
        ledger_seq: i64,
    },
    /// A walk-in row (forms 02/03 without a dossier) was edited, deleted, inserted or reordered.
    WalkInAltered {
        walk_in_id: i64,
    },
    /// A feedback handling step was edited, deleted, inserted or reordered.
    FeedbackAltered {
        event_id: i64,
    },
    /// An issued electronic document's file is missing from `files_dir`, or no longer has the
    /// SHA-256 its issuing event records (found by `motcua verify`, which reads the files).
    DocumentFileAltered {
        dossier_id: i64,
        seq: i64,
    },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::EventEdited {
                dossier_id,
                seq,
                event_id,
            } => write!(
                f,
                "hồ sơ {dossier_id}: sự kiện thứ {seq} (id {event_id}) đã bị sửa / dossier {dossier_id}: event {seq} (id {event_id}) was edited"
            ),
            Finding::EventDeleted {
                dossier_id,
                seq,
                event_id,
                ledger_seq,
            } => write!(
                f,
                "hồ sơ {dossier_id}: sự kiện thứ {seq} (id {event_id}, sổ cái mục {ledger_seq}) đã bị xóa / dossier {dossier_id}: event {seq} (id {event_id}, ledger entry {ledger_seq}) was deleted"
            ),
            Finding::EventInserted {
                dossier_id,
                seq,
                event_id,
            } => write!(
                f,
                "hồ sơ {dossier_id}: sự kiện thứ {seq} (id {event_id}) được chèn ngoài sổ cái / dossier {dossier_id}: event {seq} (id {event_id}) was inserted outside the ledger"
            ),
            Finding::EventsReordered {
                dossier_id,
                seq,
                event_id,
            } => write!(
                f,
                "hồ sơ {dossier_id}: thứ tự sự kiện bị đảo (id {event_id} nay ở vị trí {seq}) / dossier {dossier_id}: events were reordered (id {event_id} now at {seq})"
            ),
            Finding::ChainBroken {
                dossier_id,
                seq,
                event_id,
            } => write!(
                f,
                "hồ sơ {dossier_id}: chuỗi băm đứt trước sự kiện thứ {seq} (id {event_id}) / dossier {dossier_id}: hash chain broken before event {seq} (id {event_id})"
            ),
            Finding::DossierErased { dossier_id, events } => write!(
                f,
                "hồ sơ {dossier_id}: bị xóa toàn bộ ({events} sự kiện trong sổ cái) / dossier {dossier_id}: erased ({events} events in the ledger)"
            ),
            Finding::LedgerEntryEdited { ledger_seq } => write!(
                f,
                "sổ cái mục {ledger_seq} đã bị sửa / ledger entry {ledger_seq} was edited"
            ),
            Finding::LedgerEntryMissing { ledger_seq } => write!(
                f,
                "sổ cái mục {ledger_seq} bị mất / ledger entry {ledger_seq} is missing"
            ),
            Finding::LedgerHeadMismatch { head_seq, last_seq } => write!(
                f,
                "đầu sổ cái ({head_seq}) không khớp mục cuối ({last_seq}) / ledger head ({head_seq}) does not match the last entry ({last_seq})"
            ),
            Finding::AnchorMismatch { ledger_seq } => write!(
                f,
                "sổ cái mục {ledger_seq} khác với mốc đã công bố / ledger entry {ledger_seq} differs from the published anchor"
            ),
            Finding::DocumentFileAltered { dossier_id, seq } => write!(
                f,
                "hồ sơ {dossier_id}: tệp văn bản điện tử của sự kiện {seq} bị thiếu hoặc đã bị sửa / dossier {dossier_id}: the electronic document file of event {seq} is missing or altered"
            ),
            Finding::WalkInAltered { walk_in_id } => write!(
                f,
                "lượt tiếp dân {walk_in_id} (mẫu 02/03) đã bị sửa, xóa hoặc chèn / walk-in {walk_in_id} (form 02/03) was edited, deleted or inserted"
            ),
            Finding::FeedbackAltered { event_id } => write!(
                f,
                "bước xử lý phản ánh, kiến nghị {event_id} đã bị sửa, xóa hoặc chèn / feedback step {event_id} was edited, deleted or inserted"
            ),
        }
    }
}

/// A summary of a verification run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub events: i64,
    pub dossiers: i64,
    pub ledger_entries: i64,
    pub head: Option<(i64, String)>,
    pub findings: Vec<Finding>,
}

const PAGE: i64 = 5_000;
/// About how much ledger text is read at a time. An entry of the live path lists a few events;
/// one of a bulk import lists thousands (850 kB at a million dossiers), so the number of entries a
/// page reads follows the size of the entries read before it.
const LEDGER_PAGE_BYTES: usize = 4 << 20;

/// How an event's record in the ledger differs from the event, when it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    /// No ledger entry lists the event.
    Absent,
    /// The ledger lists it under another dossier or position.
    Moved,
    /// The ledger lists another hash for it.
    OtherHash,
}

fn record_of(item: &LedgerItem, dossier_id: i64, seq: i64, hash: &str) -> Option<Record> {
    if item.dossier_id != dossier_id || item.seq != seq {
        Some(Record::Moved)
    } else if item.hash != hash {
        Some(Record::OtherHash)
    } else {
        None
    }
}

/// The ledger read entry by entry, checking its own chain as it goes.
struct LedgerReader {
    after: i64,
    expected_prev: String,
    expected_seq: i64,
    page: std::vec::IntoIter<(i64, Vec<LedgerItem>)>,
    page_size: i64,
    done: bool,
}

impl LedgerReader {
    fn new() -> Self {
        LedgerReader {
            after: 0,
            expected_prev: GENESIS.to_owned(),
            expected_seq: 1,
            page: Vec::new().into_iter(),
            page_size: 16,
            done: false,
        }
    }

    /// The next entry's sequence number and the events it lists; `None` past the last.
    fn next(
        &mut self,
        tx: &mut dyn Tx,
        anchors: &[(i64, String)],
        report: &mut Report,
    ) -> Result<Option<(i64, Vec<LedgerItem>)>, StoreError> {
        loop {
            if let Some(entry) = self.page.next() {
                return Ok(Some(entry));
            }
            if self.done {
                return Ok(None);
            }
            let rows = tx.query(
                "SELECT seq, at, events, prev_hash, hash FROM ledger WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[Value::Int(self.after), Value::Int(self.page_size)],
            )?;
            self.done = (rows.len() as i64) < self.page_size;
            let mut entries = Vec::with_capacity(rows.len());
            let mut bytes = 0;
            for r in &rows {
                let (seq, at, events, prev, hash) =
                    (r.i64(0)?, r.i64(1)?, r.str(2)?, r.str(3)?, r.str(4)?);
                while self.expected_seq < seq {
                    report.findings.push(Finding::LedgerEntryMissing {
                        ledger_seq: self.expected_seq,
                    });
                    self.expected_seq += 1;
                }
                if ledger_hash(seq, at, events, prev) != hash || prev != self.expected_prev {
                    report
                        .findings
                        .push(Finding::LedgerEntryEdited { ledger_seq: seq });
                }
                if let Some((_, anchor)) = anchors.iter().find(|(s, _)| *s == seq)
                    && anchor != hash
                {
                    report
                        .findings
                        .push(Finding::AnchorMismatch { ledger_seq: seq });
                }
                bytes += events.len();
                let items = match serde_json::from_str::<Vec<LedgerItem>>(events) {
                    Ok(items) => items,
                    Err(_) => {
                        report
                            .findings
                            .push(Finding::LedgerEntryEdited { ledger_seq: seq });
                        vec![]
                    }
                };
                entries.push((seq, items));
                self.expected_prev = hash.to_owned();
                self.expected_seq = seq + 1;
                report.ledger_entries += 1;
                self.after = seq;
            }
            if !rows.is_empty() {
                let each = (bytes / rows.len()).max(1);
                self.page_size = (LEDGER_PAGE_BYTES / each).clamp(1, PAGE as usize) as i64;
            }
            self.page = entries.into_iter();
        }
    }
}

/// The ledger set against the events it lists: what differs, and what it lists that is not there.
#[derive(Default)]
struct Comparison {
    /// Events whose record is absent or differs, by event id.
    differing: HashMap<i64, Record>,
    /// Ledger items no event answers, with the entry that lists each.
    unanswered: Vec<(LedgerItem, i64)>,
    /// The ledger's last entry.
    last_seq: i64,
    last_hash: String,
}

/// Walks the events in id order beside the ledger in entry order. Writers take the ledger head
/// before they write, so the ledger lists ids in rising order and only the entries ahead of the
/// events' walk are held. A ledger in another order (rewritten, or listing an event twice) is still
/// judged right: an event passed without a record and a record passed without an event are kept
/// aside and matched at the end.
fn compare_with_ledger(
    tx: &mut dyn Tx,
    anchors: &[(i64, String)],
    report: &mut Report,
) -> Result<Comparison, StoreError> {
    let mut ledger = LedgerReader::new();
    let mut ahead: BTreeMap<i64, (LedgerItem, i64)> = BTreeMap::new();
    let mut furthest = i64::MIN;
    let mut passed: Vec<(LedgerItem, i64)> = vec![];
    // Events passed with no record: id → (dossier, seq, hash).
    let mut unrecorded: HashMap<i64, (i64, i64, String)> = HashMap::new();
    let mut out = Comparison::default();
    let mut after = 0;
    loop {
        let rows = tx.query(
            "SELECT id, dossier_id, seq, hash FROM events WHERE id > $1 ORDER BY id LIMIT $2",
            &[Value::Int(after), Value::Int(PAGE)],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let (id, dossier_id, seq, hash) = (r.i64(0)?, r.i64(1)?, r.i64(2)?, r.str(3)?);
            after = id;
            while furthest < id
                && let Some((ledger_seq, items)) = ledger.next(tx, anchors, report)?
            {
                for item in items {
                    furthest = furthest.max(item.event_id);
                    if let Some(earlier) = ahead.insert(item.event_id, (item, ledger_seq)) {
                        passed.push(earlier);
                    }
                }
            }
            while let Some(entry) = ahead.first_entry()
                && *entry.key() < id
            {
                passed.push(entry.remove());
            }
            match ahead.remove(&id) {
                Some((item, _)) => {
                    if let Some(record) = record_of(&item, dossier_id, seq, hash) {
                        out.differing.insert(id, record);
                    }
                }
                None => {
                    unrecorded.insert(id, (dossier_id, seq, hash.to_owned()));
                }
            }
        }
    }
    while let Some((ledger_seq, items)) = ledger.next(tx, anchors, report)? {
        passed.extend(items.into_iter().map(|item| (item, ledger_seq)));
    }
    passed.extend(ahead.into_values());
    for (item, ledger_seq) in passed {
        if let Some((dossier_id, seq, hash)) = unrecorded.remove(&item.event_id) {
            if let Some(record) = record_of(&item, dossier_id, seq, &hash) {
                out.differing.insert(item.event_id, record);
            }
            continue;
        }
        // An event the ledger has already listed once: this second record must agree too.
        let twice = tx.query_one(
            "SELECT dossier_id, seq, hash FROM events WHERE id = $1",
            &[Value::Int(item.event_id)],
        )?;
        match twice {
            Some(r) => {
                if let Some(record) = record_of(&item, r.i64(0)?, r.i64(1)?, r.str(2)?) {
                    out.differing.entry(item.event_id).or_insert(record);
                }
            }
            None => out.unanswered.push((item, ledger_seq)),
        }
    }
    for id in unrecorded.into_keys() {
        out.differing.insert(id, Record::Absent);
    }
    out.last_seq = ledger.after;
    out.last_hash = ledger.expected_prev;
    Ok(out)
}

struct StoredEvent {
    id: i64,
    dossier_id: i64,
    seq: i64,
    prev_hash: String,
    hash: String,
    content_ok: bool,
}

/// Recomputes every event hash, every dossier chain, the ledger chain and the ledger's copy of each
/// event, page by page. Memory stays flat however large the log: what is held beyond a page is what
/// differs, and the ledger entries the walk through the events has not reached yet.
pub fn verify(tx: &mut dyn Tx, anchors: &[(i64, String)]) -> Result<Report, StoreError> {
    let mut report = Report::default();

    // 1. The ledger: its own chain, and what it says each event's hash is.
    let comparison = compare_with_ledger(tx, anchors, &mut report)?;
    let head = tx
        .query_one("SELECT seq, hash FROM ledger_head WHERE id = 1", &[])?
        .map(|r| Ok::<_, StoreError>((r.i64(0)?, r.string(1)?)))
        .transpose()?;
    let last = comparison.last_seq;
    if let Some((head_seq, head_hash)) = &head
        && (*head_seq != last || (last > 0 && *head_hash != comparison.last_hash))
    {
        report.findings.push(Finding::LedgerHeadMismatch {
            head_seq: *head_seq,
            last_seq: last,
        });
    }
    report.head = head;

    // What the ledger lists and is no longer there, by dossier.
    let mut unanswered: BTreeMap<i64, (bool, Vec<(LedgerItem, i64)>)> = BTreeMap::new();
    for (item, ledger_seq) in comparison.unanswered {
        unanswered
            .entry(item.dossier_id)
            .or_default()
            .1
            .push((item, ledger_seq));
    }

    // 2. Events dossier by dossier, in chain order. The cursor is a row value, which both backends
    // answer from the (dossier_id, seq) index; an `a > x OR (a = x AND b > y)` cursor made
    // PostgreSQL scan the rest of the log for every page (0.9 s a page at a million dossiers).
    let mut last: Option<StoredEvent> = None;
    let mut cursor = (0i64, 0i64);
    loop {
        let rows = tx.query(
            "SELECT id, dossier_id, seq, at, actor, kind, payload, prev_hash, hash FROM events \
             WHERE (dossier_id, seq) > ($1, $2) ORDER BY dossier_id, seq LIMIT $3",
            &[Value::Int(cursor.0), Value::Int(cursor.1), Value::Int(PAGE)],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let e = StoredEvent {
                id: r.i64(0)?,
                dossier_id: r.i64(1)?,
                seq: r.i64(2)?,
                prev_hash: r.string(7)?,
                hash: r.string(8)?,
                content_ok: false,
            };
            let computed = event_hash(&EventFields {
                dossier_id: e.dossier_id,
                seq: e.seq,
                at: r.i64(3)?,
                actor: r.str(4)?,
                kind: r.str(5)?,
                payload: r.str(6)?,
                prev_hash: &e.prev_hash,
            });
            let e = StoredEvent {
                content_ok: computed == e.hash,
                ..e
            };
            if last.as_ref().is_none_or(|l| l.dossier_id != e.dossier_id) {
                report.dossiers += 1;
                if let Some((seen, _)) = unanswered.get_mut(&e.dossier_id) {
                    *seen = true;
                }
            }
            check_event(
                &e,
                last.as_ref(),
                comparison.differing.get(&e.id).copied(),
                &mut report,
            );
            report.events += 1;
            cursor = (e.dossier_id, e.seq);
            last = Some(e);
        }
    }

    // 3. What the ledger recorded and is no longer there.
    for (dossier_id, (seen, items)) in unanswered {
        if seen {
            for (item, ledger_seq) in items {
                report.findings.push(Finding::EventDeleted {
                    dossier_id,
                    seq: item.seq,
                    event_id: item.event_id,
                    ledger_seq,
                });
            }
        } else {
            report.findings.push(Finding::DossierErased {
                dossier_id,
                events: items.len() as i64,
            });
        }
    }
    for walk_in_id in crate::walk_ins::verify(tx)? {
        report.findings.push(Finding::WalkInAltered { walk_in_id });
    }
    for event_id in crate::feedback::verify(tx)? {
        report.findings.push(Finding::FeedbackAltered { event_id });
    }
    Ok(report)
}

fn check_event(
    e: &StoredEvent,
    prev: Option<&StoredEvent>,
    record: Option<Record>,
    report: &mut Report,
) {
    let prev_in_dossier = prev.filter(|p| p.dossier_id == e.dossier_id);
    let chain_prev = prev_in_dossier.map_or(GENESIS, |p| p.hash.as_str());
    let expected_seq = prev_in_dossier.map_or(1, |p| p.seq + 1);
    let (dossier_id, seq, event_id) = (e.dossier_id, e.seq, e.id);
    match record {
        Some(Record::Absent) => report.findings.push(Finding::EventInserted {
            dossier_id,
            seq,
            event_id,
        }),
        Some(Record::Moved) => {
            report.findings.push(Finding::EventsReordered {
                dossier_id,
                seq,
                event_id,
            });
        }
        Some(Record::OtherHash) => report.findings.push(Finding::EventEdited {
            dossier_id,
            seq,
            event_id,
        }),
        None if !e.content_ok => report.findings.push(Finding::EventEdited {
            dossier_id,
            seq,
            event_id,
        }),
        // Intact itself and as the ledger has it, yet not linked to the event before it: the history
        // before it was rewritten (even if the ledger was rewritten to match).
        None if e.prev_hash != chain_prev || e.seq != expected_seq => {
            report.findings.push(Finding::ChainBroken {
                dossier_id,
                seq,
                event_id,
            });
        }
        None => {}
    }
}
